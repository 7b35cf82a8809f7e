"""Real-time risk controls; today the circuit breakers (loaded on first access)."""

from __future__ import annotations

from risk_management._lazy import attach

TYPE_CHECKING = False
if TYPE_CHECKING:
    from . import circuit_breaker as circuit_breaker

__getattr__, __dir__, __all__ = attach(__name__, submodules=("circuit_breaker",))
