"""DrawdownBreaker: trips when equity has fallen a fraction of its high-water mark."""

from __future__ import annotations

from risk_management.real_time.circuit_breaker.base import BaseBreaker
from risk_management.real_time.circuit_breaker.types import BreakerConfig, BreakerType

TYPE_CHECKING = False
if TYPE_CHECKING:
    from risk_management.real_time.circuit_breaker.types import PortfolioSnapshot


class DrawdownBreaker(BaseBreaker):
    """Metric: (peak equity - equity) / peak equity, the peak being the highest equity seen."""

    breaker_type = BreakerType.DRAWDOWN

    def __init__(self, config: BreakerConfig) -> None:
        super().__init__(config)
        self._peak: float | None = None

    @property
    def peak(self) -> float | None:
        """The high-water mark so far (None before the first snapshot)."""
        return self._peak

    def measure(self, snapshot: PortfolioSnapshot) -> float:
        """Raise the high-water mark if needed and return the drawdown from it."""
        if self._peak is None or snapshot.equity > self._peak:
            self._peak = snapshot.equity
        if self._peak <= 0:
            # No positive peak: nothing to draw down from, and a fraction makes no sense.
            return 0.0
        return (self._peak - snapshot.equity) / self._peak
