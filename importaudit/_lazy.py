"""Names of a package attached on first use (PEP 562), each imported from its home module.

A package's `__init__` that re-exports names from its modules would import them all
with itself; `attach` instead gives it a module `__getattr__` that imports a name's
home on first use (and keeps the value, so later lookups are plain), and a `__dir__`
that lists them. `from package import name` works as before; type checkers read the
imports the package writes under `TYPE_CHECKING`.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


def attach(package: str, homes: Mapping[str, str]
           ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """`__getattr__` and `__dir__` for `package`, whose names live in `homes` (name -> module)."""

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        # __import__, not importlib.import_module: `-X importtime` logs only the former,
        # and would count the module's cost as its importer's own.
        value = getattr(__import__(home, fromlist=[name]), name)
        setattr(sys.modules[package], name, value)  # later lookups skip __getattr__
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(homes))

    return __getattr__, __dir__
