"""risk_management: circuit breakers, risk metrics, VaR sizing and post-trade review.

``import risk_management`` costs next to nothing: every subpackage and class below is
loaded on first access (PEP 562, see :mod:`risk_management._lazy`), numpy only when a
figure is computed and SQLAlchemy only when something is persisted. Set
``RISK_MANAGEMENT_EAGER=1`` to load everything at import instead (tests do, to catch a
broken lazy name), or ``await risk_management.warm_up()`` to load the heavy parts in a
worker thread from asyncio code.
"""

from __future__ import annotations

from risk_management._lazy import attach

__version__ = "1.0.0"

TYPE_CHECKING = False
if TYPE_CHECKING:
    from . import integration as integration
    from . import metrics as metrics
    from . import persistence as persistence
    from . import position_sizing as position_sizing
    from . import post_trade as post_trade
    from . import real_time as real_time
    from ._warm import warm_up as warm_up
    from .integration.trading_engine_integration import (
        TradingEngineRiskIntegration as TradingEngineRiskIntegration,
    )
    from .metrics.portfolio_metrics import PortfolioRiskMetrics as PortfolioRiskMetrics
    from .metrics.risk_metrics_calculator import RiskMetricsCalculator as RiskMetricsCalculator
    from .position_sizing.var_position_sizer import VaRMethod as VaRMethod
    from .position_sizing.var_position_sizer import VaRPositionSizer as VaRPositionSizer
    from .post_trade.post_trade_analyzer import PostTradeAnalyzer as PostTradeAnalyzer
    from .real_time.circuit_breaker.facade import CircuitBreakerFacade as CircuitBreakerFacade

__getattr__, __dir__, __all__ = attach(
    __name__,
    submodules=(
        "integration",
        "metrics",
        "persistence",
        "position_sizing",
        "post_trade",
        "real_time",
    ),
    attributes={
        "warm_up": "._warm",
        "TradingEngineRiskIntegration": ".integration.trading_engine_integration",
        "PortfolioRiskMetrics": ".metrics.portfolio_metrics",
        "RiskMetricsCalculator": ".metrics.risk_metrics_calculator",
        "VaRMethod": ".position_sizing.var_position_sizer",
        "VaRPositionSizer": ".position_sizing.var_position_sizer",
        "PostTradeAnalyzer": ".post_trade.post_trade_analyzer",
        "CircuitBreakerFacade": ".real_time.circuit_breaker.facade",
    },
)
