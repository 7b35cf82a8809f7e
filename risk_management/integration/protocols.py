"""What risk_management needs from a trading engine, as a structural type.

Review ISSUE-3313: the integration never imports a ``trading_engine`` package. Any
object with these three methods is an engine to it, so the dependency points one way
(the engine imports risk_management, if it wants to) and no import cycle can form.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from risk_management.real_time.circuit_breaker.types import PortfolioSnapshot


@runtime_checkable
class TradingEngine(Protocol):
    """The engine side of the integration."""

    def portfolio_snapshot(self) -> PortfolioSnapshot:
        """The current equity, positions (signed market values) and recent trade P&Ls."""
        ...

    def recent_returns(self, symbol: str) -> Sequence[float]:
        """Recent periodic returns of *symbol*, oldest first (may be empty)."""
        ...

    def halt_trading(self, reason: str) -> None:
        """Stop sending orders; called when a circuit breaker trips."""
        ...
