"""Helpers shared by the risk_management tests: a controllable clock, snapshot builder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from risk_management.real_time.circuit_breaker.types import PortfolioSnapshot

START = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def snap(
    equity: float,
    *,
    at: datetime = START,
    positions: dict[str, float] | None = None,
    start_of_day: float | None = None,
    pnls: tuple[float, ...] = (),
) -> PortfolioSnapshot:
    """A portfolio snapshot with only what a test cares about."""
    return PortfolioSnapshot(
        timestamp=at,
        equity=equity,
        positions=positions or {},
        start_of_day_equity=start_of_day,
        trade_pnls=pnls,
    )
