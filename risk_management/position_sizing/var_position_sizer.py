"""VaRPositionSizer: how much to buy so that the position's VaR fits a risk budget.

For a return series r, the VaR of one unit of notional over the horizon is
``VaR_1(r) * sqrt(horizon_days)`` (square-root-of-time rule); the largest notional whose
VaR fits ``risk_budget`` (currency) is ``risk_budget / that``, capped by
``max_notional`` and rounded down to whole lots. Monte Carlo VaR is seeded, so the same
inputs always give the same size.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from risk_management.metrics.risk_metrics_calculator import (
    RiskMetricsCalculator,
    RiskMetricsError,
    check_confidence,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence


class VaRMethod(enum.StrEnum):
    """Which VaR estimate sizes the position."""

    HISTORICAL = "historical"
    PARAMETRIC = "parametric"
    MONTE_CARLO = "monte_carlo"


class PositionSizingError(RiskMetricsError):
    """A position cannot be sized from these inputs."""


@dataclass(frozen=True, slots=True)
class PositionSize:
    """A sizing decision: the quantity, its notional and why it is that large."""

    quantity: float
    notional: float
    var_fraction: float  # VaR of one unit of notional over the horizon
    position_var: float  # VaR of the sized position, in currency (<= risk budget)
    capped: bool  # True when max_notional, not the risk budget, set the size
    method: VaRMethod


class VaRPositionSizer:
    """Sizes positions so that their value at risk stays within *risk_budget* (currency)."""

    def __init__(
        self,
        risk_budget: float,
        *,
        method: VaRMethod = VaRMethod.PARAMETRIC,
        confidence: float = 0.99,
        horizon_days: float = 1.0,
        max_notional: float | None = None,
        lot_size: float = 1.0,
        calculator: RiskMetricsCalculator | None = None,
    ) -> None:
        if not (math.isfinite(risk_budget) and risk_budget > 0):
            raise PositionSizingError(f"risk_budget must be positive, got {risk_budget}")
        check_confidence(confidence)
        if horizon_days <= 0:
            raise PositionSizingError("horizon_days must be positive")
        if lot_size <= 0:
            raise PositionSizingError("lot_size must be positive")
        if max_notional is not None and max_notional <= 0:
            raise PositionSizingError("max_notional must be positive")
        self.risk_budget = risk_budget
        self.method = VaRMethod(method)
        self.confidence = confidence
        self.horizon_days = horizon_days
        self.max_notional = max_notional
        self.lot_size = lot_size
        self.calculator = calculator if calculator is not None else RiskMetricsCalculator()

    def var_fraction(self, returns: Sequence[float]) -> float:
        """VaR of one unit of notional over the horizon, by the configured method."""
        calc = self.calculator
        if self.method is VaRMethod.HISTORICAL:
            one_period = calc.historical_var(returns, self.confidence)
        elif self.method is VaRMethod.PARAMETRIC:
            one_period = calc.parametric_var(returns, self.confidence)
        else:
            one_period = calc.monte_carlo_var(returns, self.confidence)
        return one_period * math.sqrt(self.horizon_days)

    def size(self, price: float, returns: Sequence[float]) -> PositionSize:
        """The largest whole-lot quantity at *price* whose VaR fits the risk budget."""
        if not (math.isfinite(price) and price > 0):
            raise PositionSizingError(f"price must be positive, got {price}")
        fraction = self.var_fraction(returns)
        if fraction <= 0:
            if self.max_notional is None:
                raise PositionSizingError(
                    "the returns show no loss at this confidence, so VaR cannot bound the "
                    "position; set max_notional to size it anyway"
                )
            notional, capped = self.max_notional, True
        else:
            notional = self.risk_budget / fraction
            capped = self.max_notional is not None and notional > self.max_notional
            if capped:
                assert self.max_notional is not None
                notional = self.max_notional
        lots = math.floor(notional / price / self.lot_size + 1e-9)  # guard 0.9999999 lots
        quantity = lots * self.lot_size
        actual = quantity * price
        return PositionSize(
            quantity=quantity,
            notional=actual,
            var_fraction=fraction,
            position_var=max(fraction, 0.0) * actual,
            capped=capped,
            method=self.method,
        )
