"""SlippageAnalyzer: slippage against arrival price and VWAP, and implementation shortfall.

Conventions: basis points are 1/10,000 of the benchmark price; positive numbers are
costs (bought above / sold below the benchmark). Implementation shortfall follows
Perold: execution cost of the filled part against the decision (arrival) price, plus
the opportunity cost of the unfilled part valued at the close, plus fees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from risk_management.post_trade.trade_review import PostTradeError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

    from risk_management.post_trade.trade_review import Execution, Fill, Side

BPS = 10_000.0


@dataclass(frozen=True, slots=True)
class ShortfallBreakdown:
    """Implementation shortfall in currency, by source, and in bps of the paper notional."""

    execution_cost: float
    opportunity_cost: float
    fees: float
    total: float
    bps: float


class SlippageAnalyzer:
    """Pure calculations on fills; keeps no state."""

    @staticmethod
    def vwap(fills: Iterable[Fill]) -> float:
        """Volume-weighted average price of *fills*."""
        fills = tuple(fills)
        quantity = math.fsum(f.quantity for f in fills)
        if quantity <= 0:
            raise PostTradeError("VWAP of no fills is undefined")
        return math.fsum(f.quantity * f.price for f in fills) / quantity

    @staticmethod
    def slippage_bps(side: Side, price: float, benchmark: float) -> float:
        """Cost of trading at *price* against *benchmark*, in basis points of the benchmark."""
        if benchmark <= 0:
            raise PostTradeError(f"benchmark price must be positive, got {benchmark}")
        return side.sign * (price - benchmark) / benchmark * BPS

    def slippage_vs_arrival_bps(self, execution: Execution) -> float:
        """Average fill price against the arrival price, in bps."""
        return self.slippage_bps(
            execution.side, self.vwap(execution.fills), execution.arrival_price
        )

    def slippage_vs_vwap_bps(self, execution: Execution) -> float | None:
        """Average fill price against the market VWAP, in bps (None without a market VWAP)."""
        if execution.market_vwap is None:
            return None
        return self.slippage_bps(execution.side, self.vwap(execution.fills), execution.market_vwap)

    def implementation_shortfall(self, execution: Execution) -> ShortfallBreakdown:
        """Perold's implementation shortfall of *execution* (see the module docstring)."""
        sign = execution.side.sign
        decision = execution.arrival_price
        executed = sign * math.fsum(f.quantity * (f.price - decision) for f in execution.fills)
        remainder = max(0.0, execution.intended_quantity - execution.filled_quantity)
        close = execution.close_price
        opportunity = 0.0 if close is None else sign * remainder * (close - decision)
        fees = math.fsum(f.fee for f in execution.fills)
        total = executed + opportunity + fees
        paper = execution.intended_quantity * decision
        return ShortfallBreakdown(executed, opportunity, fees, total, total / paper * BPS)
