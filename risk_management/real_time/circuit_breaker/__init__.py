"""Circuit breakers that halt trading when a portfolio metric crosses its limit.

Start with :class:`CircuitBreakerFacade` and :class:`BreakerConfig`::

    from risk_management.real_time.circuit_breaker import (
        BreakerConfig, BreakerType, CircuitBreakerFacade,
    )
    facade = CircuitBreakerFacade([BreakerConfig(BreakerType.DRAWDOWN, 0.10)])
    result = facade.evaluate(snapshot)

Every name below is loaded on first access (PEP 562), so reaching the facade imports
the facade's own modules and no breaker class until one is configured. ``__all__``
(what ``import *`` takes) is the core only (review ISSUE-3314); the concrete breakers
are reachable as attributes or from their modules.
"""

from __future__ import annotations

from risk_management._lazy import attach

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .base import BaseBreaker as BaseBreaker
    from .drawdown import DrawdownBreaker as DrawdownBreaker
    from .events import AuditTrail as AuditTrail
    from .exposure import LeverageBreaker as LeverageBreaker
    from .exposure import PositionConcentrationBreaker as PositionConcentrationBreaker
    from .facade import CircuitBreakerFacade as CircuitBreakerFacade
    from .facade import EvaluationResult as EvaluationResult
    from .kill_switch import ManualKillSwitch as ManualKillSwitch
    from .loss import ConsecutiveLossBreaker as ConsecutiveLossBreaker
    from .loss import DailyLossLimitBreaker as DailyLossLimitBreaker
    from .loss import RapidLossBreaker as RapidLossBreaker
    from .registry import BreakerRegistry as BreakerRegistry
    from .registry import get_breaker_registry as get_breaker_registry
    from .types import BreakerCheck as BreakerCheck
    from .types import BreakerConfig as BreakerConfig
    from .types import BreakerEvent as BreakerEvent
    from .types import BreakerStatus as BreakerStatus
    from .types import BreakerType as BreakerType
    from .types import CircuitBreakerError as CircuitBreakerError
    from .types import CooldownActiveError as CooldownActiveError
    from .types import PortfolioSnapshot as PortfolioSnapshot
    from .volatility import VolatilityBreaker as VolatilityBreaker

__getattr__, __dir__, __all__ = attach(
    __name__,
    attributes={
        "BaseBreaker": ".base",
        "DrawdownBreaker": ".drawdown",
        "AuditTrail": ".events",
        "LeverageBreaker": ".exposure",
        "PositionConcentrationBreaker": ".exposure",
        "CircuitBreakerFacade": ".facade",
        "EvaluationResult": ".facade",
        "ManualKillSwitch": ".kill_switch",
        "ConsecutiveLossBreaker": ".loss",
        "DailyLossLimitBreaker": ".loss",
        "RapidLossBreaker": ".loss",
        "BreakerRegistry": ".registry",
        "get_breaker_registry": ".registry",
        "BreakerCheck": ".types",
        "BreakerConfig": ".types",
        "BreakerEvent": ".types",
        "BreakerStatus": ".types",
        "BreakerType": ".types",
        "CircuitBreakerError": ".types",
        "CooldownActiveError": ".types",
        "PortfolioSnapshot": ".types",
        "VolatilityBreaker": ".volatility",
    },
    star=(
        "BreakerConfig",
        "BreakerEvent",
        "BreakerStatus",
        "BreakerType",
        "CircuitBreakerFacade",
        "EvaluationResult",
        "PortfolioSnapshot",
    ),
)
