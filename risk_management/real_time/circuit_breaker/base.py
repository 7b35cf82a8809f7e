"""BaseBreaker: the trip / warn / cooldown / reset state machine every breaker shares.

A concrete breaker only says how to measure its metric on a snapshot
(:meth:`BaseBreaker.measure`); this class turns the metric into a status, remembers
when it tripped, enforces the cooldown and reports every change of status as a
:class:`BreakerEvent`. Breakers are not thread-safe on their own: the facade
serialises calls to them.
"""

from __future__ import annotations

import abc

from risk_management.real_time.circuit_breaker.types import (
    BreakerCheck,
    BreakerConfig,
    BreakerEvent,
    BreakerStatus,
    BreakerType,
    CircuitBreakerError,
    CooldownActiveError,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from datetime import datetime
    from typing import ClassVar

    from risk_management.real_time.circuit_breaker.types import PortfolioSnapshot


class BaseBreaker(abc.ABC):
    """A breaker: measures one metric and trips when it reaches the configured threshold."""

    #: The kind of breaker a subclass implements; checked against its config.
    breaker_type: ClassVar[BreakerType]

    def __init__(self, config: BreakerConfig) -> None:
        if config.breaker_type is not self.breaker_type:
            raise CircuitBreakerError(
                f"{type(self).__name__} implements {self.breaker_type.value!r}, "
                f"not {config.breaker_type.value!r}"
            )
        self.config = config
        self._status = BreakerStatus.ARMED if config.enabled else BreakerStatus.DISABLED
        self._tripped_at: datetime | None = None
        self._last_value = 0.0

    @property
    def name(self) -> str:
        """The breaker's unique name within a facade."""
        return self.config.name

    @property
    def status(self) -> BreakerStatus:
        """The status after the last evaluation or reset."""
        return self._status

    @property
    def tripped_at(self) -> datetime | None:
        """When the breaker last tripped, None when it is not tripped."""
        return self._tripped_at

    @property
    def last_value(self) -> float:
        """The metric measured by the last evaluation."""
        return self._last_value

    @abc.abstractmethod
    def measure(self, snapshot: PortfolioSnapshot) -> float:
        """Update the breaker's own history with *snapshot* and return its metric."""

    def classify(self, value: float) -> BreakerStatus:
        """The status a metric value calls for, ignoring cooldowns (threshold inclusive)."""
        threshold = self.config.threshold
        if value >= threshold:
            return BreakerStatus.TRIPPED
        if value >= threshold * self.config.warning_ratio:
            return BreakerStatus.WARNING
        return BreakerStatus.ARMED

    def cooldown_remaining(self, now: datetime) -> float:
        """Seconds until a tripped breaker may be reset; 0.0 when it may (or is not tripped)."""
        if self._tripped_at is None:
            return 0.0
        elapsed = (now - self._tripped_at).total_seconds()
        return max(0.0, self.config.cooldown_seconds - elapsed)

    def evaluate(
        self, snapshot: PortfolioSnapshot, now: datetime
    ) -> tuple[BreakerCheck, BreakerEvent | None]:
        """Measure *snapshot*, move the state machine, return the check and any event."""
        if self._status is BreakerStatus.DISABLED:
            return self._check(), None
        value = self.measure(snapshot)
        self._last_value = value
        previous = self._status
        wanted = self.classify(value)
        if previous is BreakerStatus.TRIPPED:
            # A tripped breaker holds until its cooldown is over; then only auto_reset
            # (and a metric back below the threshold) lets it go without a human.
            may_release = self.config.auto_reset and self.cooldown_remaining(now) == 0.0
            if not (may_release and wanted is not BreakerStatus.TRIPPED):
                return self._check(), None
            self._tripped_at = None
            message = "cooldown elapsed and metric back below threshold: auto reset"
        elif wanted is BreakerStatus.TRIPPED:
            self._tripped_at = now
            message = self.describe(value)
        else:
            message = self.describe(value)
        self._status = wanted
        if wanted is previous:
            return self._check(), None
        return self._check(), self._event(now, previous, message)

    def trip(self, now: datetime, message: str) -> BreakerEvent | None:
        """Trip the breaker immediately (manual action); None when already tripped."""
        if self._status in (BreakerStatus.TRIPPED, BreakerStatus.DISABLED):
            return None
        previous = self._status
        self._status = BreakerStatus.TRIPPED
        self._tripped_at = now
        return self._event(now, previous, message)

    def reset(self, now: datetime, *, force: bool = False) -> BreakerEvent | None:
        """Re-arm a tripped breaker; refuses during the cooldown unless *force*."""
        if self._status is not BreakerStatus.TRIPPED:
            return None
        remaining = self.cooldown_remaining(now)
        if remaining > 0.0 and not force:
            raise CooldownActiveError(self.name, remaining)
        self._tripped_at = None
        self._status = BreakerStatus.ARMED
        reason = "forced reset during cooldown" if remaining > 0.0 else "reset after cooldown"
        return self._event(now, BreakerStatus.TRIPPED, reason)

    def describe(self, value: float) -> str:
        """One line for the audit trail explaining *value* against the threshold."""
        kind, threshold = self.config.breaker_type.value, self.config.threshold
        return f"{kind} at {value:.6g} (threshold {threshold:.6g})"

    def _check(self) -> BreakerCheck:
        return BreakerCheck(
            name=self.name,
            breaker_type=self.config.breaker_type,
            status=self._status,
            value=self._last_value,
            threshold=self.config.threshold,
        )

    def _event(self, now: datetime, previous: BreakerStatus, message: str) -> BreakerEvent:
        return BreakerEvent(
            timestamp=now,
            breaker_name=self.name,
            breaker_type=self.config.breaker_type,
            previous=previous,
            status=self._status,
            value=self._last_value,
            threshold=self.config.threshold,
            message=message,
        )
