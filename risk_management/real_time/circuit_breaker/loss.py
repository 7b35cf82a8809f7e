"""Loss breakers: daily loss limit, rapid loss (loss velocity) and losing streaks."""

from __future__ import annotations

from collections import deque

from risk_management.real_time.circuit_breaker.base import BaseBreaker
from risk_management.real_time.circuit_breaker.types import BreakerConfig, BreakerType

TYPE_CHECKING = False
if TYPE_CHECKING:
    from datetime import date, datetime

    from risk_management.real_time.circuit_breaker.types import PortfolioSnapshot


class DailyLossLimitBreaker(BaseBreaker):
    """Metric: loss since the start of the trading day as a fraction of that day's equity.

    The start-of-day equity comes from the snapshot when the engine knows it, otherwise
    from the first snapshot seen on each calendar day (of the snapshot's timestamp).
    """

    breaker_type = BreakerType.DAILY_LOSS

    def __init__(self, config: BreakerConfig) -> None:
        super().__init__(config)
        self._day: date | None = None
        self._opening_equity = 0.0

    def measure(self, snapshot: PortfolioSnapshot) -> float:
        """Return max(0, (start-of-day equity - equity) / start-of-day equity)."""
        day = snapshot.timestamp.date()
        if day != self._day:
            self._day = day
            self._opening_equity = snapshot.equity
        opening = snapshot.start_of_day_equity
        if opening is None:
            opening = self._opening_equity
        if opening <= 0:
            return 0.0
        return max(0.0, (opening - snapshot.equity) / opening)


class RapidLossBreaker(BaseBreaker):
    """Metric: fall from the highest equity seen within the last ``window_seconds``.

    This is loss velocity: a 3 % loss over a day may be fine, the same loss within five
    minutes usually means a runaway algorithm or a market dislocation.
    """

    breaker_type = BreakerType.RAPID_LOSS

    def __init__(self, config: BreakerConfig) -> None:
        super().__init__(config)
        self._window: deque[tuple[datetime, float]] = deque()

    def measure(self, snapshot: PortfolioSnapshot) -> float:
        """Return (max equity in window - equity) / max equity in window."""
        now = snapshot.timestamp
        self._window.append((now, snapshot.equity))
        horizon = self.config.window_seconds
        while (now - self._window[0][0]).total_seconds() > horizon:
            self._window.popleft()
        high = max(equity for _, equity in self._window)
        if high <= 0:
            return 0.0
        return max(0.0, (high - snapshot.equity) / high)


class ConsecutiveLossBreaker(BaseBreaker):
    """Metric: the number of losing trades in a row (threshold is a count, e.g. 5)."""

    breaker_type = BreakerType.CONSECUTIVE_LOSSES

    def __init__(self, config: BreakerConfig) -> None:
        super().__init__(config)
        self._streak = 0

    def measure(self, snapshot: PortfolioSnapshot) -> float:
        """Extend or break the streak with the snapshot's closed trades; return its length."""
        for pnl in snapshot.trade_pnls:
            self._streak = self._streak + 1 if pnl < 0 else 0
        return float(self._streak)
