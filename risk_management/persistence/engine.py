"""One lazily created, shared, thread-safe SQLAlchemy engine (and its connection pool).

Review ISSUE-3319: every store goes through :func:`get_engine`, which builds the engine
on first call, under a lock, exactly once per configuration; the pool behind it is
SQLAlchemy's (a QueuePool for a SQLite file, with connections usable from any thread).
Nothing connects at import: importing this module only imports SQLAlchemy itself, and
``risk_management`` imports this module only when persistence is first used.

Where the database lives: :func:`configure` wins, then the ``RISK_MANAGEMENT_DB_URL``
environment variable (any SQLAlchemy URL), then a SQLite file in the user's data
directory (``$XDG_DATA_HOME/risk_management/risk.sqlite3``).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from risk_management.persistence.tables import metadata

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from sqlalchemy.engine import Engine

#: Environment variable naming the database (an SQLAlchemy URL).
DATABASE_URL_ENV = "RISK_MANAGEMENT_DB_URL"

_lock = threading.Lock()
_engine: Engine | None = None
_configured_url: str | None = None
_engine_options: dict[str, Any] = {}


def default_database_url() -> str:
    """The SQLite file used when nothing else is configured."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return f"sqlite:///{Path(base) / 'risk_management' / 'risk.sqlite3'}"


def database_url() -> str:
    """The URL :func:`get_engine` connects to (configuration, environment, default)."""
    return _configured_url or os.environ.get(DATABASE_URL_ENV) or default_database_url()


def configure(url: str | None = None, **engine_options: Any) -> None:
    """Point the shared engine at *url* (None: back to environment/default).

    Disposes of the current engine, if any; the next :func:`get_engine` builds a new
    one. *engine_options* go to :func:`sqlalchemy.create_engine` (``pool_size``...).
    """
    global _engine, _configured_url, _engine_options  # noqa: PLW0603 - the shared engine
    with _lock:
        if _engine is not None:
            _engine.dispose()
        _engine = None
        _configured_url = url
        _engine_options = dict(engine_options)


def get_engine() -> Engine:
    """The shared engine, built (and its tables created) on the first call."""
    global _engine  # noqa: PLW0603 - the shared engine
    engine = _engine
    if engine is not None:
        return engine
    with _lock:
        if _engine is None:
            url = make_url(database_url())
            if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
                # SQLite creates the file but not its directory.
                Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            created = create_engine(url, pool_pre_ping=True, **_engine_options)
            metadata.create_all(created)
            _engine = created
        return _engine


def dispose_engine() -> None:
    """Close every pooled connection and forget the engine (the next use rebuilds it)."""
    global _engine  # noqa: PLW0603 - the shared engine
    with _lock:
        if _engine is not None:
            _engine.dispose()
        _engine = None
