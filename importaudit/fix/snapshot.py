"""Runs INSIDE the measured interpreter: what a module shows, and whether a tree imports.

Started by file path by `importaudit.fix.proof`, like the profiler's probe: standard
library only, Python 3.9 syntax, never imports importaudit. Usage:

    python snapshot.py OUT.json surface PATHS MODULE
    python snapshot.py OUT.json tree PATHS MODULE[,MODULE...]
    python snapshot.py OUT.json tree PATHS @LIST   (LIST: a file, one MODULE a line)

PATHS (os.pathsep-separated) go first on sys.path. `surface` imports MODULE alone and
records, before touching any attribute, its globals and `dir()`, then `__all__`, the
names a star import binds, and for each public name the type, `__module__` and
`__qualname__` of the object it resolves to. `tree` imports the modules listed (the
targets and their submodules, as the static walk found them, without test packages
and exclusions), recording which imported and which raised. The
result is written as JSON to OUT.json (stdout belongs to the imported code).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import types
from typing import Any


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _stable(value: object) -> str:
    """`value` if it is a string, else its type's name (never a repr).

    A repr may hold an address that differs in every interpreter: wrapt's metaclass
    answers `__module__` by a property, also on itself.
    """
    return value if isinstance(value, str) else "<%s>" % type(value).__name__


def describe(value: object) -> dict[str, str | None]:
    """What identifies an object across two interpreters: its type, module and name."""
    kind = type(value)
    found: dict[str, str | None] = {"type": "%s.%s" % (
        _stable(getattr(kind, "__module__", None)), _stable(getattr(kind, "__qualname__", None)))}
    if isinstance(value, types.ModuleType):
        found["name"] = value.__name__
        return found
    for attr in ("__module__", "__qualname__"):
        try:
            found[attr.strip("_")] = _text(getattr(value, attr, None))
        except Exception:  # a property that raises: record that it has no answer
            found[attr.strip("_")] = None
    return found


def _error(exc: BaseException) -> str:
    return "%s: %s" % (type(exc).__name__, exc)


def surface(name: str) -> dict[str, Any]:
    """The public surface of module `name`, imported alone in this fresh interpreter."""
    try:
        module = importlib.import_module(name)
    except BaseException as exc:  # SystemExit at import is a result too
        return {"error": _error(exc)}
    own = sorted(vars(module))
    listed = sorted(n for n in dir(module) if not n.startswith("_"))
    exported = getattr(module, "__all__", None)
    exported = None if exported is None else [str(n) for n in exported]
    star: dict[str, Any] = {}
    try:
        exec("from %s import *" % name, star)  # the star import under test
        star_names = sorted(n for n in star if n != "__builtins__")
    except BaseException as exc:
        star_names = ["<error> " + _error(exc)]
    values: dict[str, Any] = {}
    for public in sorted(set(listed) | set(exported or ()) | set(star_names)):
        if public.startswith("<error>"):
            continue
        try:
            values[public] = describe(getattr(module, public))
        except BaseException as exc:
            values[public] = {"error": _error(exc)}
    return {"globals": own, "dir": listed, "all": exported, "star": star_names,
            "values": values, "file": _text(getattr(module, "__file__", None))}


def tree(names: list[str]) -> dict[str, Any]:
    """Import each of `names`: the targets and their submodules, as the static walk found.

    The list comes from the parent (the same walk the profiler's --tree uses), so test
    packages and excluded modules are never imported here: importing them would run
    the user's test code.
    """
    found: dict[str, str] = {}
    for name in names:
        try:
            importlib.import_module(name)
        except BaseException as exc:
            found[name] = _error(exc)
            continue
        found[name] = "ok"
    return {"modules": found}


def main(argv: list[str]) -> None:
    """Snapshot what argv asks for and write it to the OUT file."""
    out, mode, paths, arg = argv[1:5]
    # Like `python -c`: the current folder first, not this script's own folder.
    sys.path[0] = ""
    sys.path[0:0] = [p for p in paths.split(os.pathsep) if p]
    if mode == "surface":
        result = surface(arg)
    elif arg.startswith("@"):
        with open(arg[1:], encoding="utf-8") as listed:
            result = tree(listed.read().split())
    else:
        result = tree(arg.split(","))
    with open(out, "w", encoding="utf-8") as stream:
        json.dump(result, stream)
    sys.stdout.flush()
    # Skip interpreter shutdown: atexit hooks and threads of the imported code are not
    # what is being checked, and some hang (an executor, an open database).
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv)
