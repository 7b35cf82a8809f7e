"""Value objects of the circuit breakers: kinds, statuses, configuration, snapshots, events.

Everything here is a frozen dataclass or an enum, so a snapshot handed to the facade
or an event handed to a listener cannot be changed behind the breakers' back. Metric
values and thresholds are fractions (0.1 is 10 %) except for counts (consecutive
losses) and the kill switch (1.0 when engaged).
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime


class BreakerType(enum.StrEnum):
    """The kinds of breaker a risk desk runs; each maps to one breaker class."""

    DRAWDOWN = "drawdown"
    VOLATILITY = "volatility"
    DAILY_LOSS = "daily_loss"
    RAPID_LOSS = "rapid_loss"
    CONSECUTIVE_LOSSES = "consecutive_losses"
    POSITION_CONCENTRATION = "position_concentration"
    LEVERAGE = "leverage"
    MANUAL_KILL_SWITCH = "manual_kill_switch"


class BreakerStatus(enum.StrEnum):
    """Where a breaker stands; only TRIPPED stops trading."""

    ARMED = "armed"  # watching, metric below the warning level
    WARNING = "warning"  # metric at or above threshold * warning_ratio
    TRIPPED = "tripped"  # metric reached the threshold; trading halted until reset
    DISABLED = "disabled"  # configured but switched off


class CircuitBreakerError(Exception):
    """Root of the circuit-breaker errors (bad configuration, refused reset)."""


class CooldownActiveError(CircuitBreakerError):
    """A tripped breaker was asked to reset before its cooldown elapsed."""

    def __init__(self, name: str, remaining_seconds: float) -> None:
        super().__init__(
            f"breaker {name!r} is cooling down for another {remaining_seconds:.1f} s "
            "(pass force=True to override)"
        )
        self.name = name
        self.remaining_seconds = remaining_seconds


@dataclass(frozen=True, slots=True)
class BreakerConfig:
    """How one breaker is set up.

    ``threshold`` is the metric value at which the breaker trips (inclusive);
    ``warning_ratio`` * ``threshold`` is where it starts warning. After a trip the
    breaker stays tripped for at least ``cooldown_seconds``; then it is reset by hand
    (:meth:`CircuitBreakerFacade.reset`) or, with ``auto_reset``, by the first
    evaluation whose metric is back below the threshold. ``window_seconds`` is the
    look-back of the rapid-loss breaker, ``lookback`` the number of returns the
    volatility breaker uses.
    """

    breaker_type: BreakerType
    threshold: float
    name: str = ""
    enabled: bool = True
    cooldown_seconds: float = 300.0
    warning_ratio: float = 0.8
    auto_reset: bool = False
    window_seconds: float = 300.0
    lookback: int = 20

    def __post_init__(self) -> None:
        if not self.name:
            # A frozen dataclass can only fill a derived default through object.__setattr__.
            object.__setattr__(self, "name", str(self.breaker_type.value))
        if not (math.isfinite(self.threshold) and self.threshold > 0):
            raise CircuitBreakerError(f"{self.name}: threshold must be > 0, got {self.threshold}")
        if not 0 < self.warning_ratio <= 1:
            raise CircuitBreakerError(
                f"{self.name}: warning_ratio must be in (0, 1], got {self.warning_ratio}"
            )
        if self.cooldown_seconds < 0:
            raise CircuitBreakerError(f"{self.name}: cooldown_seconds must be >= 0")
        if self.window_seconds <= 0:
            raise CircuitBreakerError(f"{self.name}: window_seconds must be > 0")
        if self.lookback < 2:
            raise CircuitBreakerError(f"{self.name}: lookback must be >= 2")


@dataclass(frozen=True, slots=True)
class PortfolioSnapshot:
    """The state of a portfolio at one moment, as the breakers see it.

    ``positions`` maps a symbol to its signed market value (short positions negative).
    ``trade_pnls`` are the realised P&Ls of the trades closed since the previous
    snapshot, oldest first.
    """

    timestamp: datetime
    equity: float
    positions: Mapping[str, float] = field(default_factory=dict)
    start_of_day_equity: float | None = None
    trade_pnls: tuple[float, ...] = ()

    @property
    def gross_exposure(self) -> float:
        """Sum of absolute position values."""
        return sum(abs(value) for value in self.positions.values())


@dataclass(frozen=True, slots=True)
class BreakerCheck:
    """The outcome of one breaker on one snapshot."""

    name: str
    breaker_type: BreakerType
    status: BreakerStatus
    value: float
    threshold: float


@dataclass(frozen=True, slots=True)
class BreakerEvent:
    """A change of a breaker's status: the unit of the audit trail and of listeners."""

    timestamp: datetime
    breaker_name: str
    breaker_type: BreakerType
    previous: BreakerStatus
    status: BreakerStatus
    value: float
    threshold: float
    message: str = ""

    @property
    def tripped(self) -> bool:
        """True when this event halted trading."""
        return self.status is BreakerStatus.TRIPPED and self.previous is not BreakerStatus.TRIPPED
