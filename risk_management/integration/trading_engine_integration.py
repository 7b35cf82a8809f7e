"""TradingEngineRiskIntegration: pre-trade checks and post-trade reviews for an engine.

Before an order: every circuit breaker is evaluated on the engine's current snapshot
(any trip rejects the order), then orders that add risk are capped so the resulting
position's VaR fits the sizer's budget (approve, resize or reject). After a fill: the
execution is reviewed by the post-trade analyzer. When a breaker trips, the engine is
told to halt.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

TYPE_CHECKING = False
if TYPE_CHECKING:
    from risk_management.integration.protocols import TradingEngine
    from risk_management.position_sizing.var_position_sizer import VaRPositionSizer
    from risk_management.post_trade.post_trade_analyzer import PostTradeAnalyzer
    from risk_management.post_trade.trade_review import Execution, Side, TradeReview
    from risk_management.real_time.circuit_breaker.facade import (
        CircuitBreakerFacade,
        EvaluationResult,
    )
    from risk_management.real_time.circuit_breaker.types import BreakerEvent, PortfolioSnapshot


class DecisionAction(enum.StrEnum):
    """What the pre-trade check decided."""

    APPROVE = "approve"
    RESIZE = "resize"
    REJECT = "reject"


@dataclass(frozen=True, slots=True)
class Order:
    """An order as the engine proposes it; *price* is the expected execution price."""

    symbol: str
    side: Side
    quantity: float
    price: float


@dataclass(frozen=True, slots=True)
class OrderDecision:
    """The verdict on an order: the quantity allowed (0 when rejected) and why."""

    action: DecisionAction
    order: Order
    quantity: float
    reasons: tuple[str, ...] = ()

    @property
    def approved(self) -> bool:
        """True when any quantity may be sent."""
        return self.action is not DecisionAction.REJECT


class TradingEngineRiskIntegration:
    """Connects any :class:`TradingEngine` to breakers, sizing and post-trade review."""

    def __init__(
        self,
        engine: TradingEngine,
        breakers: CircuitBreakerFacade,
        *,
        sizer: VaRPositionSizer | None = None,
        analyzer: PostTradeAnalyzer | None = None,
        min_history: int = 20,
    ) -> None:
        self.engine = engine
        self.breakers = breakers
        self.sizer = sizer
        self.analyzer = analyzer
        self.min_history = min_history
        breakers.add_listener(self._on_breaker_event)

    def _on_breaker_event(self, event: BreakerEvent) -> None:
        if event.tripped:
            self.engine.halt_trading(f"circuit breaker {event.breaker_name}: {event.message}")

    def pre_trade_check(self, order: Order) -> OrderDecision:
        """Approve, resize or reject *order* (breakers first, then VaR sizing)."""
        snapshot = self.engine.portfolio_snapshot()
        return self._decide(order, snapshot, self.breakers.evaluate(snapshot))

    async def pre_trade_check_async(self, order: Order) -> OrderDecision:
        """Like :meth:`pre_trade_check`, awaiting the facade's async listeners."""
        snapshot = self.engine.portfolio_snapshot()
        return self._decide(order, snapshot, await self.breakers.evaluate_async(snapshot))

    def on_fill(self, execution: Execution) -> TradeReview | None:
        """Review a completed execution (None when no analyzer is configured)."""
        if self.analyzer is None:
            return None
        return self.analyzer.review(execution)

    def _decide(
        self, order: Order, snapshot: PortfolioSnapshot, result: EvaluationResult
    ) -> OrderDecision:
        if order.quantity <= 0 or order.price <= 0:
            return _reject(order, "quantity and price must be positive")
        if not result.trading_allowed:
            reasons = tuple(f"circuit breaker {name} is tripped" for name in result.tripped)
            return OrderDecision(DecisionAction.REJECT, order, 0.0, reasons)
        current = snapshot.positions.get(order.symbol, 0.0)
        change = order.side.sign * order.quantity * order.price
        if abs(current + change) <= abs(current) or self.sizer is None:
            # Orders that reduce the position never add risk: no sizing limit applies.
            return OrderDecision(DecisionAction.APPROVE, order, order.quantity)
        return self._size(order, current, self.sizer)

    def _size(self, order: Order, current: float, sizer: VaRPositionSizer) -> OrderDecision:
        """Cap an order that adds risk so the resulting position fits the VaR budget."""
        returns = self.engine.recent_returns(order.symbol)
        if len(returns) < self.min_history:
            return _reject(
                order,
                f"only {len(returns)} returns of {order.symbol}; "
                f"VaR sizing needs {self.min_history}",
            )
        limit = sizer.size(order.price, returns).notional
        # Room left for this symbol in the direction of the order, in currency: an order
        # that flips the position first closes |current|, then may open up to the limit.
        same_way = current * order.side.sign >= 0
        room = limit - abs(current) if same_way else limit + abs(current)
        lot = sizer.lot_size
        allowed = math.floor(max(room, 0.0) / order.price / lot + 1e-9) * lot
        if allowed >= order.quantity:
            return OrderDecision(DecisionAction.APPROVE, order, order.quantity)
        reason = (
            f"VaR budget {sizer.risk_budget:g} allows {limit:.2f} of {order.symbol} "
            f"({sizer.method.value}, {sizer.confidence:.0%})"
        )
        if allowed <= 0:
            return _reject(order, reason)
        return OrderDecision(DecisionAction.RESIZE, order, allowed, (reason,))


def _reject(order: Order, reason: str) -> OrderDecision:
    return OrderDecision(DecisionAction.REJECT, order, 0.0, (reason,))
