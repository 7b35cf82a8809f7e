"""Runs INSIDE a fresh child interpreter: import one module first, alone, and say how it went.

Usage: python trial.py RESULT_FILE PATHS MODULE [WATCHED...]
       python trial.py RESULT_FILE PATHS --star MODULE

Standard library only, Python 3.9+, and never imports importaudit: it runs in the
user's interpreter (`--python`). sys.path is what `python -c` would give (the current
directory first, not this file's folder) with those of PATHS (os.pathsep separated)
it lacks in front. The outcome is written as one JSON object to
RESULT_FILE (stdout and stderr belong to the imported code): `{"ok": true, "loaded":
[...]}` with those of the WATCHED modules that importing MODULE loaded, or the
exception's type, message and the innermost frame of the imported code that raised it
(import machinery frames, `<frozen ...>`, are skipped), the exceptions it was raised
from (`causes`), with the WATCHED modules that had finished importing before it
(`loaded`). Then it exits at once,
without waiting for threads or atexit hooks of the imported code.

With `--star`, after importing MODULE it runs `from MODULE import *` as a caller would
(submodules `__all__` names are imported, a module `__getattr__` is asked) and adds
`"star": {"error": ..., "unbound": [...]}`: the exception the star import raised (or
null), and every name of `__all__` the module still cannot give (the star import stops
at the first).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys

TYPE_CHECKING = False  # the typing module is not loaded at start-up: not imported here
if TYPE_CHECKING:
    from types import TracebackType


def _where(tb: TracebackType | None) -> tuple[str | None, int | None]:
    """File and line of the innermost traceback frame that is not import machinery."""
    found: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if not filename.startswith("<frozen") and os.path.abspath(filename) != _HERE:
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


_HERE = os.path.abspath(__file__)


def _causes(exc: BaseException) -> list[str]:
    """The exceptions `exc` was raised from or while handling, innermost last.

    A lazy package's `__getattr__` that meets a half-initialised module raises its own
    error "from" the one that says so (Hugging Face's `_LazyModule`).
    """
    found: list[str] = []
    seen = {id(exc)}
    inner = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    while inner is not None and id(inner) not in seen and len(found) < 8:
        seen.add(id(inner))
        found.append(f"{type(inner).__name__}: {inner}")
        inner = inner.__cause__ or (None if inner.__suppress_context__ else inner.__context__)
    return found


def _star_import(module: str) -> dict[str, object]:
    """Run `from module import *`; its error and the `__all__` names it cannot bind."""
    error = None
    try:
        exec(f"from {module} import *", {})  # the star import a caller would run
    except Exception as exc:  # whatever a caller's star import would raise
        error = f"{type(exc).__name__}: {exc}"
    names = getattr(sys.modules.get(module), "__all__", None)
    unbound = []
    for name in names if isinstance(names, (list, tuple)) else ():
        try:
            getattr(sys.modules[module], name)
        except Exception:  # AttributeError, or what a module __getattr__ raised
            unbound.append(name if isinstance(name, str) else repr(name))
    return {"error": error, "unbound": unbound}


def main() -> None:
    """Import the module named on the command line and record the outcome."""
    result_path, paths, module = sys.argv[1], sys.argv[2], sys.argv[3]
    watched = sys.argv[4:]
    star = module == "--star"
    if star:
        module, watched = watched[0], []
    if sys.path and os.path.abspath(sys.path[0] or ".") == os.path.dirname(_HERE):
        sys.path[0] = ""
    # Folders the environment already has keep their place: put in front, a
    # site-packages folder would shadow the standard library's modules.
    present = {os.path.abspath(p or ".") for p in sys.path}
    sys.path[0:0] = [p for p in paths.split(os.pathsep)
                     if p and os.path.abspath(p) not in present]
    del sys.argv[1:]
    outcome: dict[str, object] = {"ok": True}
    try:
        __import__(module)
        outcome["loaded"] = [name for name in watched if name in sys.modules]
        if star:
            outcome["star"] = _star_import(module)
    except BaseException as exc:  # SystemExit and KeyboardInterrupt at import count too
        filename, line = _where(exc.__traceback__)
        # What had finished importing when it failed: a module whose import failed is
        # out of sys.modules again once the error has left it.
        outcome = {"ok": False, "type": type(exc).__name__, "message": str(exc),
                   "file": filename, "line": line, "causes": _causes(exc),
                   "loaded": [name for name in watched if name in sys.modules]}
    with open(result_path, "w", encoding="utf-8") as result:
        json.dump(outcome, result)
    for stream in (sys.stdout, sys.stderr):  # the imported code may have closed them
        with contextlib.suppress(AttributeError, OSError, ValueError):
            stream.flush()
    # Skip interpreter shutdown: a thread the imported code started (not a daemon) or an
    # atexit hook would hold the trial until its timeout, and the outcome is written.
    os._exit(0)


if __name__ == "__main__":
    main()
