"""BreakerRegistry: which class implements each breaker type, resolved on first use.

The registry names classes by ``"module:Class"`` so that building a facade with a
drawdown breaker imports the drawdown module and nothing else. Resolved classes are
cached, and :func:`get_breaker_registry` hands out one shared registry per process
(created on first call, safely from several threads) instead of rebuilding it on
every import or every facade.
"""

from __future__ import annotations

import importlib
import threading

from risk_management.real_time.circuit_breaker.types import BreakerType, CircuitBreakerError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from risk_management.real_time.circuit_breaker.base import BaseBreaker
    from risk_management.real_time.circuit_breaker.types import BreakerConfig

_HERE = "risk_management.real_time.circuit_breaker"

#: The built-in breakers, by import path, so none is imported before it is wanted.
DEFAULT_FACTORIES: Mapping[BreakerType, str] = {
    BreakerType.DRAWDOWN: f"{_HERE}.drawdown:DrawdownBreaker",
    BreakerType.VOLATILITY: f"{_HERE}.volatility:VolatilityBreaker",
    BreakerType.DAILY_LOSS: f"{_HERE}.loss:DailyLossLimitBreaker",
    BreakerType.RAPID_LOSS: f"{_HERE}.loss:RapidLossBreaker",
    BreakerType.CONSECUTIVE_LOSSES: f"{_HERE}.loss:ConsecutiveLossBreaker",
    BreakerType.POSITION_CONCENTRATION: f"{_HERE}.exposure:PositionConcentrationBreaker",
    BreakerType.LEVERAGE: f"{_HERE}.exposure:LeverageBreaker",
    BreakerType.MANUAL_KILL_SWITCH: f"{_HERE}.kill_switch:ManualKillSwitch",
}


class BreakerRegistry:
    """Maps breaker types to breaker classes (given directly or as ``"module:Class"``)."""

    def __init__(self, factories: Mapping[BreakerType, str | type[BaseBreaker]] | None = None):
        self._lock = threading.Lock()
        self._factories: dict[BreakerType, str | type[BaseBreaker]] = dict(
            DEFAULT_FACTORIES if factories is None else factories
        )

    def register(
        self, breaker_type: BreakerType, factory: str | type[BaseBreaker], *, replace: bool = False
    ) -> None:
        """Declare the class for *breaker_type*; refuses to shadow one unless *replace*."""
        with self._lock:
            if breaker_type in self._factories and not replace:
                raise CircuitBreakerError(
                    f"breaker type {breaker_type.value!r} is already registered "
                    "(pass replace=True to override)"
                )
            self._factories[breaker_type] = factory

    def types(self) -> tuple[BreakerType, ...]:
        """The breaker types this registry can build."""
        return tuple(self._factories)

    def is_loaded(self, breaker_type: BreakerType) -> bool:
        """True once the class for *breaker_type* has been imported and cached."""
        return isinstance(self._factories.get(breaker_type), type)

    def resolve(self, breaker_type: BreakerType) -> type[BaseBreaker]:
        """The class for *breaker_type*, importing its module on first use."""
        try:
            factory = self._factories[breaker_type]
        except KeyError:
            raise CircuitBreakerError(f"no breaker registered for {breaker_type.value!r}") from None
        if isinstance(factory, type):
            return factory
        module_name, _, class_name = factory.partition(":")
        cls: type[BaseBreaker] = getattr(importlib.import_module(module_name), class_name)
        with self._lock:
            # Replace the path by the class so later look-ups skip importlib entirely.
            if self._factories.get(breaker_type) == factory:
                self._factories[breaker_type] = cls
        return cls

    def create(self, config: BreakerConfig) -> BaseBreaker:
        """A new breaker for *config*."""
        return self.resolve(config.breaker_type)(config)


_shared: BreakerRegistry | None = None
_shared_lock = threading.Lock()


def get_breaker_registry() -> BreakerRegistry:
    """The process-wide registry, created on first call (thread-safe)."""
    global _shared  # noqa: PLW0603 - a lazily built process singleton is the point here
    registry = _shared
    if registry is None:
        with _shared_lock:
            if _shared is None:
                _shared = BreakerRegistry()
            registry = _shared
    return registry
