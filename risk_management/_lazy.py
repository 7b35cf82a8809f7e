"""The one lazy-export helper every ``__init__`` of risk_management uses (PEP 562).

A package declares what it exports and where each name lives::

    __getattr__, __dir__, __all__ = attach(
        __name__,
        submodules=("metrics",),
        attributes={"CircuitBreakerFacade": ".facade"},
    )

and lists the same names under ``if TYPE_CHECKING:`` so type checkers and IDEs see
them (a unit test keeps the two lists in step). Nothing is imported until a name is
first read; the value is then stored in the package's namespace, so later reads are
ordinary attribute lookups that never reach ``__getattr__`` again.

Why no lock is held while importing: the import system already serialises the first
import of each module with a per-module lock (a second thread waits until the first
one has finished executing the module), and holding a lock of our own across an
import could deadlock against those locks when two packages resolve names of each
other from two threads. The cache write is one atomic ``dict.setdefault``, so every
thread gets the same object.

``RISK_MANAGEMENT_EAGER=1`` in the environment resolves every declared name when the
package is imported, so a broken lazy target fails at import (in tests, in CI) rather
than on first use in production. ``warm_async`` imports heavy modules in a worker
thread so that an asyncio application can pay their cost without blocking its loop.

This module imports only the standard library modules every interpreter has already
loaded at start-up (``sys``, ``os``, ``importlib``), so it costs almost nothing.
"""

from __future__ import annotations

import importlib
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from types import ModuleType

#: Environment variable that makes every package resolve its lazy names at import.
EAGER_ENV = "RISK_MANAGEMENT_EAGER"

_TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


def eager_requested() -> bool:
    """Return True when the environment asks for eager resolution of lazy names."""
    return os.environ.get(EAGER_ENV, "").strip().lower() in _TRUE_WORDS


def _absolute(package: str, target: str) -> str:
    """Turn ``.facade`` (relative to *package*) into ``package.facade``."""
    if not target.startswith("."):
        return target
    level = len(target) - len(target.lstrip("."))
    base = package.rsplit(".", level - 1)[0] if level > 1 else package
    rest = target[level:]
    return f"{base}.{rest}" if rest else base


def attach(
    package: str,
    *,
    submodules: Iterable[str] = (),
    attributes: Mapping[str, str] | None = None,
    star: Iterable[str] | None = None,
) -> tuple[Callable[[str], object], Callable[[], list[str]], list[str]]:
    """Install PEP 562 ``__getattr__``/``__dir__`` on *package* and return them.

    *submodules* are names of child modules (``"metrics"`` is
    ``package.metrics``); *attributes* maps a public name to the module that defines
    it under the same name (relative like ``".facade"`` or absolute). *star* is what
    ``from package import *`` exports (``__all__``); it defaults to every declared name
    and must be a subset of them. Returns ``(__getattr__, __dir__, __all__)`` for the
    caller to bind, which keeps the module's public surface visible in its source.
    """
    module = sys.modules[package]
    targets: dict[str, tuple[str, str | None]] = {}
    for name in submodules:
        targets[name] = (f"{package}.{name}", None)
    for name, where in (attributes or {}).items():
        if name in targets:
            raise ValueError(f"{package}: {name!r} is declared twice")
        targets[name] = (_absolute(package, where), name)
    public = sorted(targets)
    exported = public if star is None else list(star)
    unknown = sorted(set(exported) - set(targets))
    if unknown:
        raise ValueError(f"{package}: __all__ names nothing declared: {', '.join(unknown)}")

    def __getattr__(name: str) -> object:
        try:
            module_name, attribute = targets[name]
        except KeyError:
            raise AttributeError(_unknown_message(package, name, public), name=name) from None
        value = _resolve(package, name, module_name, attribute)
        # setdefault: if two threads race here they still end up with one object.
        return module.__dict__.setdefault(name, value)

    def __dir__() -> list[str]:
        return sorted(set(module.__dict__) | set(public))

    module.__dict__["__getattr__"] = __getattr__
    module.__dict__["__dir__"] = __dir__
    if eager_requested():
        for name in public:
            __getattr__(name)
    return __getattr__, __dir__, exported


def _resolve(package: str, name: str, module_name: str, attribute: str | None) -> object:
    """Import *module_name* and return it, or its *attribute*."""
    target = importlib.import_module(module_name)
    if attribute is None:
        return target
    try:
        return getattr(target, attribute)
    except AttributeError:
        # Reached when the target module does not define the name it is declared to
        # define (a broken lazy map) or is still half-executed (an import cycle).
        raise AttributeError(
            f"{package}.{name} is declared lazily in {module_name!r}, "
            f"but that module defines no {attribute!r} "
            "(a stale lazy map, or an import cycle that reached it half-initialised)",
            name=name,
        ) from None


def _unknown_message(package: str, name: str, public: list[str]) -> str:
    """Build the AttributeError text, suggesting close names when there are any."""
    import difflib  # only on the error path

    message = f"module {package!r} has no attribute {name!r}"
    close = difflib.get_close_matches(name, public, n=3)
    if close:
        message += f"; did you mean {' or '.join(map(repr, close))}?"
    elif public:
        message += f"; it exports {', '.join(public)}"
    return message


async def warm_async(modules: Iterable[str]) -> tuple[ModuleType, ...]:
    """Import *modules* in order in one worker thread; the event loop keeps running.

    One thread, not one per module: imports mostly hold the GIL, so parallel imports
    gain nothing and would contend on the import locks. Returns the imported modules.
    """
    import asyncio  # an async caller has asyncio loaded already

    names = tuple(modules)

    def load() -> tuple[ModuleType, ...]:
        return tuple(importlib.import_module(name) for name in names)

    return await asyncio.to_thread(load)
