"""Integration with a trading engine, through a Protocol (never an import of the engine).

Review ISSUE-3313: nothing here imports ``trading_engine``; names load on first access.
"""

from __future__ import annotations

from risk_management._lazy import attach

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .protocols import TradingEngine as TradingEngine
    from .trading_engine_integration import DecisionAction as DecisionAction
    from .trading_engine_integration import Order as Order
    from .trading_engine_integration import OrderDecision as OrderDecision
    from .trading_engine_integration import (
        TradingEngineRiskIntegration as TradingEngineRiskIntegration,
    )

__getattr__, __dir__, __all__ = attach(
    __name__,
    attributes={
        "TradingEngine": ".protocols",
        "DecisionAction": ".trading_engine_integration",
        "Order": ".trading_engine_integration",
        "OrderDecision": ".trading_engine_integration",
        "TradingEngineRiskIntegration": ".trading_engine_integration",
    },
)
