"""importaudit: measure, explain, fix and gate what importing a Python package costs.

`import importaudit` loads only this module and its version: the public API below is
attached lazily (PEP 562), so a tool that sells import hygiene practises it.
"""

# No `from __future__ import annotations` here: that statement imports the __future__
# module too. The one annotation that needs it is quoted instead.
from importaudit._version import __version__

# Not `from typing import TYPE_CHECKING`: in a clean environment that alone would load
# typing (~460 KiB of heap) into every program that imports importaudit.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from importaudit.api import check, cycles, graph, profile, review, why
    from importaudit.errors import ImportAuditError
    from importaudit.model import Report

# public name -> module that defines it
_LAZY: dict[str, str] = {
    "profile": "importaudit.api",
    "why": "importaudit.api",
    "graph": "importaudit.api",
    "cycles": "importaudit.api",
    "check": "importaudit.api",
    "review": "importaudit.api",
    "Report": "importaudit.model",
    "ImportAuditError": "importaudit.errors",
}

__all__ = ["ImportAuditError", "Report", "__version__", "check", "cycles", "graph",
           "profile", "review", "why"]


def __getattr__(name: str) -> "Any":
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'importaudit' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value  # cache: later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
