"""VolatilityBreaker: trips when the realised volatility of equity returns runs too high."""

from __future__ import annotations

import math
from collections import deque

from risk_management.real_time.circuit_breaker.base import BaseBreaker
from risk_management.real_time.circuit_breaker.types import BreakerConfig, BreakerType

TYPE_CHECKING = False
if TYPE_CHECKING:
    from risk_management.real_time.circuit_breaker.types import PortfolioSnapshot


class VolatilityBreaker(BaseBreaker):
    """Metric: sample standard deviation of the last ``lookback`` snapshot-to-snapshot returns.

    Plain Python on purpose: a few dozen numbers do not justify loading numpy on the
    hot path of every risk check.
    """

    breaker_type = BreakerType.VOLATILITY

    def __init__(self, config: BreakerConfig) -> None:
        super().__init__(config)
        self._returns: deque[float] = deque(maxlen=config.lookback)
        self._last_equity: float | None = None

    def measure(self, snapshot: PortfolioSnapshot) -> float:
        """Record the return since the previous snapshot and return the realised volatility."""
        if self._last_equity is not None and self._last_equity > 0:
            self._returns.append(snapshot.equity / self._last_equity - 1.0)
        self._last_equity = snapshot.equity
        return sample_std(self._returns)


def sample_std(values: deque[float] | list[float] | tuple[float, ...]) -> float:
    """Sample standard deviation (n - 1 in the denominator); 0.0 for fewer than two values."""
    n = len(values)
    if n < 2:
        return 0.0
    mean = math.fsum(values) / n
    return math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
