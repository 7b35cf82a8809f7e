"""Exposure breakers: single-position concentration and gross leverage."""

from __future__ import annotations

import math

from risk_management.real_time.circuit_breaker.base import BaseBreaker
from risk_management.real_time.circuit_breaker.types import BreakerConfig, BreakerType

TYPE_CHECKING = False
if TYPE_CHECKING:
    from risk_management.real_time.circuit_breaker.types import PortfolioSnapshot


def _per_equity(amount: float, equity: float) -> float:
    """*amount* as a fraction of equity; infinite when equity is gone but exposure is not."""
    if equity > 0:
        return amount / equity
    return math.inf if amount > 0 else 0.0


class PositionConcentrationBreaker(BaseBreaker):
    """Metric: the largest absolute position value as a fraction of equity."""

    breaker_type = BreakerType.POSITION_CONCENTRATION

    def __init__(self, config: BreakerConfig) -> None:
        super().__init__(config)
        self._largest_symbol = ""

    def measure(self, snapshot: PortfolioSnapshot) -> float:
        """Return max |position value| / equity (0.0 for a flat book)."""
        largest = 0.0
        self._largest_symbol = ""
        for symbol, value in snapshot.positions.items():
            if abs(value) > largest:
                largest, self._largest_symbol = abs(value), symbol
        return _per_equity(largest, snapshot.equity)

    def describe(self, value: float) -> str:
        """Name the symbol responsible, which is what the desk needs to act on."""
        return (
            f"{self._largest_symbol or 'no position'} at {value:.4%} of equity "
            f"(limit {self.config.threshold:.4%})"
        )


class LeverageBreaker(BaseBreaker):
    """Metric: gross exposure (sum of |position values|) divided by equity."""

    breaker_type = BreakerType.LEVERAGE

    def measure(self, snapshot: PortfolioSnapshot) -> float:
        """Return gross exposure / equity."""
        return _per_equity(snapshot.gross_exposure, snapshot.equity)
