"""warm_up: pay risk_management's heavy imports in a worker thread, off the event loop.

Review ISSUE-3316. An asyncio service that will need VaR figures or persistence can
``await risk_management.warm_up()`` during start-up: numpy, SQLAlchemy and every
breaker module are imported in one worker thread while the loop keeps serving.
"""

from __future__ import annotations

from risk_management._lazy import warm_async

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from types import ModuleType

_CB = "risk_management.real_time.circuit_breaker"

#: What ``warm_up()`` imports by default: the heavy libraries, then our modules using them.
HEAVY_MODULES: tuple[str, ...] = (
    "numpy",
    "risk_management.metrics.risk_metrics_calculator",
    "risk_management.metrics.portfolio_metrics",
    "risk_management.position_sizing.var_position_sizer",
    f"{_CB}.facade",
    f"{_CB}.drawdown",
    f"{_CB}.volatility",
    f"{_CB}.loss",
    f"{_CB}.exposure",
    f"{_CB}.kill_switch",
    "sqlalchemy",
    "risk_management.persistence.stores",
)


async def warm_up(modules: Iterable[str] = HEAVY_MODULES) -> tuple[ModuleType, ...]:
    """Import *modules* (by default :data:`HEAVY_MODULES`) without blocking the loop."""
    return await warm_async(modules)
