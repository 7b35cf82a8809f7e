"""Persistence of breaker events and trade reviews through one shared, lazy engine.

Nothing here is imported by ``import risk_management``, and nothing connects until a
store is first used (review ISSUE-3319).
"""

from __future__ import annotations

from risk_management._lazy import attach

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .engine import DATABASE_URL_ENV as DATABASE_URL_ENV
    from .engine import configure as configure
    from .engine import database_url as database_url
    from .engine import dispose_engine as dispose_engine
    from .engine import get_engine as get_engine
    from .stores import BreakerEventStore as BreakerEventStore
    from .stores import TradeReviewStore as TradeReviewStore

__getattr__, __dir__, __all__ = attach(
    __name__,
    attributes={
        "DATABASE_URL_ENV": ".engine",
        "configure": ".engine",
        "database_url": ".engine",
        "dispose_engine": ".engine",
        "get_engine": ".engine",
        "BreakerEventStore": ".stores",
        "TradeReviewStore": ".stores",
    },
)
