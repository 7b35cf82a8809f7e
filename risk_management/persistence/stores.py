"""Durable stores for breaker events and trade reviews, over the one shared engine.

A store built without an engine takes :func:`get_engine`'s on first use, so creating
a store (or a facade with a store as sink) connects to nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, insert, select

from risk_management.persistence.engine import get_engine
from risk_management.persistence.tables import breaker_events, trade_reviews
from risk_management.post_trade.trade_review import ReviewFlag, Side, TradeReview
from risk_management.real_time.circuit_breaker.types import (
    BreakerEvent,
    BreakerStatus,
    BreakerType,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sqlalchemy.engine import Engine, RowMapping


def _aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back naive; they were written in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _utc(moment: datetime) -> datetime:
    """Store every moment in UTC so that reading it back is unambiguous."""
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class _Store:
    """Holds an explicit engine or defers to the shared one."""

    def __init__(self, engine: Engine | None = None) -> None:
        self._engine = engine

    @property
    def engine(self) -> Engine:
        """The engine in use (the shared one unless one was given)."""
        return self._engine if self._engine is not None else get_engine()


class BreakerEventStore(_Store):
    """Appends breaker events; usable as a facade's ``sink``."""

    def record(self, event: BreakerEvent) -> None:
        """Store *event*."""
        with self.engine.begin() as connection:
            connection.execute(
                insert(breaker_events).values(
                    timestamp=_utc(event.timestamp),
                    breaker_name=event.breaker_name,
                    breaker_type=event.breaker_type.value,
                    previous=event.previous.value,
                    status=event.status.value,
                    value=event.value,
                    threshold=event.threshold,
                    message=event.message,
                )
            )

    def events(
        self, breaker_name: str | None = None, *, limit: int | None = None
    ) -> tuple[BreakerEvent, ...]:
        """Stored events, oldest first; of one breaker if *breaker_name*; the last *limit*."""
        query = select(breaker_events).order_by(breaker_events.c.id.desc())
        if breaker_name is not None:
            query = query.where(breaker_events.c.breaker_name == breaker_name)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return tuple(_event(row) for row in reversed(rows))


def _event(row: RowMapping) -> BreakerEvent:
    return BreakerEvent(
        timestamp=_aware(row["timestamp"]),
        breaker_name=row["breaker_name"],
        breaker_type=BreakerType(row["breaker_type"]),
        previous=BreakerStatus(row["previous"]),
        status=BreakerStatus(row["status"]),
        value=row["value"],
        threshold=row["threshold"],
        message=row["message"],
    )


class TradeReviewStore(_Store):
    """Keeps one review per trade id (saving again replaces it); usable as analyzer ``store``."""

    def save(self, review: TradeReview) -> None:
        """Store *review*, replacing an earlier review of the same trade."""
        with self.engine.begin() as connection:
            connection.execute(
                delete(trade_reviews).where(trade_reviews.c.trade_id == review.trade_id)
            )
            connection.execute(
                insert(trade_reviews).values(
                    trade_id=review.trade_id,
                    symbol=review.symbol,
                    side=review.side.value,
                    intended_quantity=review.intended_quantity,
                    filled_quantity=review.filled_quantity,
                    average_price=review.average_price,
                    arrival_price=review.arrival_price,
                    slippage_vs_arrival_bps=review.slippage_vs_arrival_bps,
                    slippage_vs_vwap_bps=review.slippage_vs_vwap_bps,
                    implementation_shortfall=review.implementation_shortfall,
                    implementation_shortfall_bps=review.implementation_shortfall_bps,
                    fees=review.fees,
                    flags=",".join(flag.value for flag in review.flags),
                    reviewed_at=_utc(review.reviewed_at),
                )
            )

    def get(self, trade_id: str) -> TradeReview | None:
        """The review of *trade_id*, or None."""
        query = select(trade_reviews).where(trade_reviews.c.trade_id == trade_id)
        with self.engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        return None if row is None else _review(row)

    def reviews(self, *, flagged_only: bool = False) -> tuple[TradeReview, ...]:
        """All stored reviews by review time; only those with flags if *flagged_only*."""
        query = select(trade_reviews).order_by(
            trade_reviews.c.reviewed_at, trade_reviews.c.trade_id
        )
        if flagged_only:
            query = query.where(trade_reviews.c.flags != "")
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return tuple(_review(row) for row in rows)


def _review(row: RowMapping) -> TradeReview:
    flags = tuple(ReviewFlag(f) for f in row["flags"].split(",") if f)
    return TradeReview(
        trade_id=row["trade_id"],
        symbol=row["symbol"],
        side=Side(row["side"]),
        intended_quantity=row["intended_quantity"],
        filled_quantity=row["filled_quantity"],
        average_price=row["average_price"],
        arrival_price=row["arrival_price"],
        slippage_vs_arrival_bps=row["slippage_vs_arrival_bps"],
        slippage_vs_vwap_bps=row["slippage_vs_vwap_bps"],
        implementation_shortfall=row["implementation_shortfall"],
        implementation_shortfall_bps=row["implementation_shortfall_bps"],
        fees=row["fees"],
        flags=flags,
        reviewed_at=_aware(row["reviewed_at"]),
    )
