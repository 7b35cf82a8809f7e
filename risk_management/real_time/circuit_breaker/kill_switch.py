"""ManualKillSwitch: a human stops all trading; it only re-arms when released and reset."""

from __future__ import annotations

from risk_management.real_time.circuit_breaker.base import BaseBreaker
from risk_management.real_time.circuit_breaker.types import (
    BreakerConfig,
    BreakerType,
    CircuitBreakerError,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from datetime import datetime

    from risk_management.real_time.circuit_breaker.types import BreakerEvent, PortfolioSnapshot


class ManualKillSwitch(BaseBreaker):
    """Metric: 1.0 while engaged, 0.0 once released (use threshold 1.0)."""

    breaker_type = BreakerType.MANUAL_KILL_SWITCH

    def __init__(self, config: BreakerConfig) -> None:
        super().__init__(config)
        self._engaged = False
        self._reason = ""

    @property
    def engaged(self) -> bool:
        """True between :meth:`engage` and :meth:`release`."""
        return self._engaged

    @property
    def reason(self) -> str:
        """Why the switch was last engaged."""
        return self._reason

    def engage(self, now: datetime, reason: str) -> BreakerEvent | None:
        """Throw the switch: trips at once, whatever the portfolio looks like."""
        self._engaged = True
        self._reason = reason
        self._last_value = 1.0
        return self.trip(now, f"kill switch engaged: {reason}")

    def release(self) -> None:
        """Let go of the switch; the breaker stays tripped until it is reset."""
        self._engaged = False

    def reset(self, now: datetime, *, force: bool = False) -> BreakerEvent | None:
        """Re-arm after :meth:`release`; an engaged switch is never reset, even forced."""
        if self._engaged:
            raise CircuitBreakerError(f"{self.name}: release the kill switch before resetting it")
        return super().reset(now, force=force)

    def measure(self, snapshot: PortfolioSnapshot) -> float:
        """Return 1.0 while engaged, else 0.0; the snapshot does not matter."""
        return 1.0 if self._engaged else 0.0

    def describe(self, value: float) -> str:
        """Say who stopped trading and why."""
        return f"kill switch engaged: {self._reason}" if value else "kill switch released"
