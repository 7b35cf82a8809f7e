"""PostTradeAnalyzer: reviews executions, flags the ones a desk should look at, keeps them.

Thresholds are in basis points. Reviews are kept in memory and, when a store is given
(for example :class:`risk_management.persistence.TradeReviewStore`), saved durably.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from risk_management.post_trade.slippage_analyzer import BPS, SlippageAnalyzer
from risk_management.post_trade.trade_review import ReviewFlag, TradeReview

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Protocol

    from risk_management.post_trade.trade_review import Execution

    class TradeReviewSink(Protocol):
        """Anything that stores trade reviews durably."""

        def save(self, review: TradeReview) -> None:
            """Store *review*."""


class PostTradeAnalyzer:
    """Turns executions into :class:`TradeReview` objects with review flags."""

    def __init__(
        self,
        *,
        slippage_threshold_bps: float = 10.0,
        vwap_threshold_bps: float = 5.0,
        min_fill_ratio: float = 0.95,
        fee_threshold_bps: float = 5.0,
        slippage: SlippageAnalyzer | None = None,
        store: TradeReviewSink | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.slippage_threshold_bps = slippage_threshold_bps
        self.vwap_threshold_bps = vwap_threshold_bps
        self.min_fill_ratio = min_fill_ratio
        self.fee_threshold_bps = fee_threshold_bps
        self.slippage = slippage if slippage is not None else SlippageAnalyzer()
        self._store = store
        self._clock = clock if clock is not None else (lambda: datetime.now(UTC))
        self._reviews: list[TradeReview] = []
        self._lock = threading.Lock()

    def review(self, execution: Execution) -> TradeReview:
        """Analyse *execution*, record the review and return it."""
        filled = execution.filled_quantity
        flags: list[ReviewFlag] = []
        shortfall = self.slippage.implementation_shortfall(execution)
        average = vs_arrival = vs_vwap = None
        if filled == 0:
            flags.append(ReviewFlag.UNFILLED)
        else:
            average = self.slippage.vwap(execution.fills)
            vs_arrival = self.slippage.slippage_vs_arrival_bps(execution)
            vs_vwap = self.slippage.slippage_vs_vwap_bps(execution)
            if vs_arrival > self.slippage_threshold_bps:
                flags.append(ReviewFlag.HIGH_SLIPPAGE)
            if vs_vwap is not None and vs_vwap > self.vwap_threshold_bps:
                flags.append(ReviewFlag.UNDERPERFORMED_VWAP)
            if execution.fill_ratio < self.min_fill_ratio:
                flags.append(ReviewFlag.PARTIAL_FILL)
            if shortfall.fees / (filled * average) * BPS > self.fee_threshold_bps:
                flags.append(ReviewFlag.HIGH_FEES)
        review = TradeReview(
            trade_id=execution.trade_id,
            symbol=execution.symbol,
            side=execution.side,
            intended_quantity=execution.intended_quantity,
            filled_quantity=filled,
            average_price=average,
            arrival_price=execution.arrival_price,
            slippage_vs_arrival_bps=vs_arrival,
            slippage_vs_vwap_bps=vs_vwap,
            implementation_shortfall=shortfall.total,
            implementation_shortfall_bps=shortfall.bps,
            fees=shortfall.fees,
            flags=tuple(flags),
            reviewed_at=self._clock(),
        )
        with self._lock:
            self._reviews.append(review)
        if self._store is not None:
            self._store.save(review)
        return review

    def reviews(self) -> tuple[TradeReview, ...]:
        """Every review so far, oldest first."""
        with self._lock:
            return tuple(self._reviews)

    def flagged(self) -> tuple[TradeReview, ...]:
        """The reviews that raised at least one flag."""
        return tuple(r for r in self.reviews() if r.flags)

    def average_slippage_bps(self) -> float | None:
        """Quantity-weighted mean slippage against arrival over filled trades (None if none)."""
        filled = [r for r in self.reviews() if r.slippage_vs_arrival_bps is not None]
        total = sum(r.filled_quantity for r in filled)
        if not filled or total == 0:
            return None
        return sum(r.filled_quantity * (r.slippage_vs_arrival_bps or 0.0) for r in filled) / total
