"""CircuitBreakerFacade: one entry point that runs every enabled breaker on a snapshot.

The facade owns the breakers built from configurations (through the shared
:class:`BreakerRegistry`, so only the breaker modules actually configured get
imported), serialises evaluations with a lock, records every status change in the
audit trail and an optional durable sink, and tells listeners. Time comes from an
injectable clock so cooldowns can be tested without waiting.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from risk_management.real_time.circuit_breaker.events import AuditTrail, ListenerSet
from risk_management.real_time.circuit_breaker.registry import get_breaker_registry
from risk_management.real_time.circuit_breaker.types import (
    BreakerConfig,
    BreakerStatus,
    BreakerType,
    CircuitBreakerError,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from risk_management.real_time.circuit_breaker.base import BaseBreaker
    from risk_management.real_time.circuit_breaker.events import (
        AsyncBreakerListener,
        BreakerListener,
        EventSink,
    )
    from risk_management.real_time.circuit_breaker.kill_switch import ManualKillSwitch
    from risk_management.real_time.circuit_breaker.registry import BreakerRegistry
    from risk_management.real_time.circuit_breaker.types import (
        BreakerCheck,
        BreakerEvent,
        PortfolioSnapshot,
    )


def utc_now() -> datetime:
    """The default clock: an aware UTC datetime."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class EvaluationResult:
    """What one evaluation found: every breaker's check and the status changes it caused."""

    timestamp: datetime
    checks: tuple[BreakerCheck, ...]
    events: tuple[BreakerEvent, ...]

    @property
    def trading_allowed(self) -> bool:
        """False as soon as one breaker is tripped."""
        return not self.tripped

    @property
    def tripped(self) -> tuple[str, ...]:
        """Names of the tripped breakers."""
        return tuple(c.name for c in self.checks if c.status is BreakerStatus.TRIPPED)

    @property
    def warnings(self) -> tuple[str, ...]:
        """Names of the breakers in warning."""
        return tuple(c.name for c in self.checks if c.status is BreakerStatus.WARNING)


class CircuitBreakerFacade:
    """Evaluates portfolio snapshots against a set of named breakers.

    *configs* build the breakers through *registry* (the shared one by default);
    *clock* returns the current time (aware datetimes); *sink* stores every event
    durably (for example :class:`risk_management.persistence.BreakerEventStore`).
    """

    def __init__(
        self,
        configs: Iterable[BreakerConfig] = (),
        *,
        registry: BreakerRegistry | None = None,
        clock: Callable[[], datetime] = utc_now,
        sink: EventSink | None = None,
        audit_size: int = 10_000,
    ) -> None:
        self._registry = registry if registry is not None else get_breaker_registry()
        self._clock = clock
        self._sink = sink
        self._lock = threading.RLock()
        self._breakers: dict[str, BaseBreaker] = {}
        self._audit = AuditTrail(audit_size)
        self._listeners = ListenerSet()
        for config in configs:
            self.add(config)

    # ------------------------------------------------------------------ set-up

    def add(self, config: BreakerConfig) -> BaseBreaker:
        """Build a breaker for *config* and watch with it; names must be unique."""
        return self.add_breaker(self._registry.create(config))

    def add_breaker(self, breaker: BaseBreaker) -> BaseBreaker:
        """Watch with an already built breaker (a custom subclass, for instance)."""
        with self._lock:
            if breaker.name in self._breakers:
                raise CircuitBreakerError(f"a breaker named {breaker.name!r} already exists")
            self._breakers[breaker.name] = breaker
        return breaker

    def remove(self, name: str) -> None:
        """Stop watching with breaker *name*."""
        with self._lock:
            self._get(name)
            del self._breakers[name]

    def add_listener(self, listener: BreakerListener) -> None:
        """Call *listener(event)* for every status change."""
        self._listeners.add(listener)

    def add_async_listener(self, listener: AsyncBreakerListener) -> None:
        """Await *listener(event)* for every status change."""
        self._listeners.add_async(listener)

    def remove_listener(self, listener: BreakerListener | AsyncBreakerListener) -> None:
        """Forget *listener*."""
        self._listeners.remove(listener)

    # ------------------------------------------------------------------ queries

    @property
    def breakers(self) -> tuple[BaseBreaker, ...]:
        """The breakers, in the order they were added."""
        with self._lock:
            return tuple(self._breakers.values())

    def get(self, name: str) -> BaseBreaker:
        """The breaker called *name*."""
        with self._lock:
            return self._get(name)

    def status(self) -> dict[str, BreakerStatus]:
        """Every breaker's current status by name."""
        with self._lock:
            return {name: b.status for name, b in self._breakers.items()}

    @property
    def trading_allowed(self) -> bool:
        """False while any breaker is tripped."""
        return BreakerStatus.TRIPPED not in self.status().values()

    @property
    def audit_trail(self) -> AuditTrail:
        """Every status change so far (bounded)."""
        return self._audit

    @property
    def listener_errors(self) -> int:
        """How many times a listener raised (the errors are logged)."""
        return self._listeners.errors

    # ------------------------------------------------------------------ actions

    def evaluate(self, snapshot: PortfolioSnapshot) -> EvaluationResult:
        """Run every enabled breaker on *snapshot*; record and announce status changes."""
        result = self._evaluate(snapshot)
        self._listeners.notify(result.events)
        return result

    async def evaluate_async(self, snapshot: PortfolioSnapshot) -> EvaluationResult:
        """Like :meth:`evaluate`, but awaits the async listeners before returning."""
        result = self._evaluate(snapshot)
        await self._listeners.notify_async(result.events)
        return result

    def reset(self, name: str, *, force: bool = False) -> BreakerEvent | None:
        """Re-arm tripped breaker *name*; raises CooldownActiveError during its cooldown."""
        with self._lock:
            event = self._get(name).reset(self._clock(), force=force)
            events = self._record([event] if event else [])
        self._listeners.notify(events)
        return event

    def reset_all(self, *, force: bool = False) -> tuple[BreakerEvent, ...]:
        """Re-arm every tripped breaker whose cooldown allows it (all of them with *force*)."""
        with self._lock:
            now = self._clock()
            found = []
            for breaker in self._breakers.values():
                if breaker.status is BreakerStatus.TRIPPED and (
                    force or breaker.cooldown_remaining(now) == 0.0
                ):
                    event = breaker.reset(now, force=force)
                    if event is not None:
                        found.append(event)
            events = self._record(found)
        self._listeners.notify(events)
        return events

    def engage_kill_switch(self, reason: str, *, name: str | None = None) -> BreakerEvent | None:
        """Stop all trading now; adds a kill switch (cooldown 0) if none is configured."""
        with self._lock:
            switch = self._kill_switch(name)
            event = switch.engage(self._clock(), reason)
            events = self._record([event] if event else [])
        self._listeners.notify(events)
        return event

    def release_kill_switch(self, *, name: str | None = None, reset: bool = True) -> None:
        """Release the kill switch and, by default, re-arm it (subject to its cooldown)."""
        with self._lock:
            self._kill_switch(name).release()
        if reset:
            self.reset(self._kill_switch(name).name)

    # ------------------------------------------------------------------ internals

    def _evaluate(self, snapshot: PortfolioSnapshot) -> EvaluationResult:
        with self._lock:
            now = self._clock()
            checks = []
            found = []
            for breaker in self._breakers.values():
                check, event = breaker.evaluate(snapshot, now)
                checks.append(check)
                if event is not None:
                    found.append(event)
            events = self._record(found)
        return EvaluationResult(timestamp=now, checks=tuple(checks), events=events)

    def _record(self, events: list[BreakerEvent]) -> tuple[BreakerEvent, ...]:
        for event in events:
            self._audit.append(event)
            if self._sink is not None:
                self._sink.record(event)
        return tuple(events)

    def _get(self, name: str) -> BaseBreaker:
        try:
            return self._breakers[name]
        except KeyError:
            known = ", ".join(self._breakers) or "none"
            raise CircuitBreakerError(f"no breaker named {name!r} (known: {known})") from None

    def _kill_switch(self, name: str | None) -> ManualKillSwitch:
        from risk_management.real_time.circuit_breaker.kill_switch import ManualKillSwitch

        with self._lock:
            for breaker in self._breakers.values():
                if isinstance(breaker, ManualKillSwitch) and name in (None, breaker.name):
                    return breaker
            if name is not None:
                raise CircuitBreakerError(f"no kill switch named {name!r}")
            config = BreakerConfig(BreakerType.MANUAL_KILL_SWITCH, 1.0, cooldown_seconds=0.0)
            switch = self.add(config)
            assert isinstance(switch, ManualKillSwitch)  # the registry maps the type to it
            return switch
