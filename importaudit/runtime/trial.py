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
(`loaded`). Either way `"caught"` lists the WATCHED modules whose import started and
raised where the code importing them caught the error and went on (`try: from .ext
import X` `except ImportError: X = None` in a package), once per error: the module, the
watched modules whose import the error left next on its way out (`through`), the
error, where it was raised, and where it was caught (`by`, `by_file`, `by_line`: the
outermost frame the exception reached). Then it exits at once, without waiting for threads or atexit
hooks of the imported code.

Watching costs nothing for other modules, and nothing at all when nothing is watched:
a finder put first on `sys.meta_path` answers None at once for a module not watched;
for a watched one that an import (not `importlib.util.find_spec`) looks for, it asks
the finders after it and wraps the loader of the spec they give, which hands the
module its real loader back before the module's code runs. Before 3.12, meeting a
finder with only `find_module` first, it answers None: that finder gets its turn, and
the module goes unwatched.

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
    from typing import Any


def _where(tb: TracebackType | None) -> tuple[str | None, int | None]:
    """File and line of the innermost traceback frame that is not import machinery."""
    found: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if _ours_or_importlib(filename) is None:
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _ours_or_importlib(filename: str) -> str | None:
    """"frozen" for import machinery, "here" for this file's frames, else None."""
    if filename.startswith("<frozen"):
        return "frozen"
    if filename.startswith(_HERE):  # (the loader's methods carry a longer name)
        return "here"
    return None


_HERE = os.path.abspath(__file__)


def _chain(exc: BaseException | None) -> set[int]:
    """The ids of the exceptions `exc` was raised from (`raise ... from`), all the way in.

    Not what it was raised while handling (`__context__`): a circular failure caught,
    then a fallback import that fails too (`except ImportError: import other`), was
    caught all the same (rev30).
    """
    seen: set[int] = set()
    inner = None if exc is None else exc.__cause__
    while inner is not None and id(inner) not in seen:
        seen.add(id(inner))
        inner = inner.__cause__
    return seen


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


class _Failure:
    """A watched module whose import raised: the error, while it is on its way out."""

    __slots__ = ("exc", "file", "line", "module", "through")

    def __init__(self, module: str, exc: BaseException) -> None:
        self.module = module
        self.exc = exc
        # The watched modules whose import the same error left next, on its way out.
        self.through: list[str] = []
        # Where it was raised, now: the handler that catches it may clear its traceback.
        self.file, self.line = _where(exc.__traceback__)

    def caught(self) -> dict[str, object] | None:
        """The failure as the outcome lists it, when it was caught (None: it was not)."""
        tb = self.exc.__traceback__
        # Each frame the exception left adds itself in front: the first is where it stopped.
        kind = _ours_or_importlib(tb.tb_frame.f_code.co_filename) if tb is not None else None
        if kind == "here":
            return None  # it reached this file: the import of MODULE raised it
        by = None if tb is None else tb.tb_frame.f_globals.get("__name__")
        return {"module": self.module, "through": self.through,
                "type": type(self.exc).__name__,
                "message": str(self.exc), "file": self.file, "line": self.line,
                "causes": _causes(self.exc),
                "by": by if isinstance(by, str) else None,
                "by_file": None if tb is None or kind else tb.tb_frame.f_code.co_filename,
                "by_line": None if tb is None or kind else tb.tb_lineno}


class _Watcher:
    """First on sys.meta_path: wraps the loader of each watched module an import starts."""

    def __init__(self, watched: list[str]) -> None:
        self.watched = frozenset(watched)
        self.failures: list[_Failure] = []
        self._by_exc: dict[int, _Failure] = {}  # each error once (it holds the error)

    def failed(self, module: str, exc: BaseException) -> None:
        """Note that `module`'s import raised `exc` (once per error: then its way out)."""
        known = self._by_exc.get(id(exc))
        if known is not None:
            known.through.append(module)
            return
        failure = self._by_exc[id(exc)] = _Failure(module, exc)
        self.failures.append(failure)

    def find_spec(self, fullname: str, path: object = None,
                  target: object = None) -> object:
        """None for a module not watched; the next finders' spec, loader wrapped, else."""
        if fullname not in self.watched:
            return None
        # Only an import gets the wrapped loader: importlib.util.find_spec (asked to see
        # whether a module is there) gets the spec the finders give, as without us.
        try:
            caller = sys._getframe(1)
        except ValueError:  # no Python frame above: not the import system
            return None
        if _FIND_SPEC is not None and not (
                caller.f_code is _FIND_SPEC and caller.f_back is not None
                and caller.f_back.f_code is _FIND_AND_LOAD):
            return None
        spec = None
        for finder in list(sys.meta_path):
            if finder is self:  # type: ignore[comparison-overlap]
                continue
            find = getattr(finder, "find_spec", None)
            if find is None:
                # A finder with only find_module: before 3.12 the import system asks it
                # in its turn, and it may give the module. The import goes on unwatched.
                if sys.version_info < (3, 12) and hasattr(finder, "find_module"):
                    return None
                continue
            spec = find(fullname, path, target)
            if spec is not None:
                break
        loader = getattr(spec, "loader", None)
        if loader is not None and hasattr(loader, "exec_module"):
            spec.loader = _WatchedLoader(loader, fullname, self)  # type: ignore[union-attr]
        return spec


class _WatchedLoader:
    """Stands in for a watched module's loader until its code is about to run."""

    __slots__ = ("_name", "_real", "_watcher")

    def __init__(self, real: object, name: str, watcher: _Watcher) -> None:
        self._real = real
        self._name = name
        self._watcher = watcher

    def create_module(self, spec: object) -> object:
        create = getattr(self._real, "create_module", None)
        return None if create is None else create(spec)

    def exec_module(self, module: object) -> None:
        real = self._real
        spec = getattr(module, "__spec__", None)
        if spec is not None and getattr(spec, "loader", None) is self:
            spec.loader = real
        if getattr(module, "__loader__", None) is self:
            module.__loader__ = real  # type: ignore[attr-defined]
        try:
            real.exec_module(module)  # type: ignore[attr-defined]
        except BaseException as exc:
            self._watcher.failed(self._name, exc)
            raise


def _as_importlib(function: Any) -> None:
    """Give `function`'s code a file name warnings skip, as they skip importlib's.

    A module body that warns with stacklevel=2 names the module that imported it: the
    wrapped loader's frame must not stand between the two (see the probe's).
    """
    code = function.__code__
    function.__code__ = code.replace(
        co_filename=code.co_filename + " (importaudit trial, in importlib._bootstrap's place)")


_as_importlib(_WatchedLoader.exec_module)
_as_importlib(_WatchedLoader.create_module)
# How the import system asks the finders (importlib._bootstrap, 3.9 to 3.13):
# _find_and_load_unlocked calls _find_spec, which calls each finder's find_spec.
_bootstrap = sys.modules.get("_frozen_importlib")
_FIND_SPEC = getattr(getattr(_bootstrap, "_find_spec", None), "__code__", None)
_FIND_AND_LOAD = getattr(getattr(_bootstrap, "_find_and_load_unlocked", None), "__code__",
                         None)


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
    raised: BaseException | None = None
    watcher = _Watcher(watched) if watched else None
    if watcher is not None:
        sys.meta_path.insert(0, watcher)  # type: ignore[arg-type]
    try:
        __import__(module)
        outcome["loaded"] = [name for name in watched if name in sys.modules]
        if star:
            outcome["star"] = _star_import(module)
    except BaseException as exc:  # SystemExit and KeyboardInterrupt at import count too
        raised = exc
        filename, line = _where(exc.__traceback__)
        # What had finished importing when it failed: a module whose import failed is
        # out of sys.modules again once the error has left it.
        outcome = {"ok": False, "type": type(exc).__name__, "message": str(exc),
                   "file": filename, "line": line, "causes": _causes(exc),
                   "loaded": [name for name in watched if name in sys.modules]}
    if watcher is not None:
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(watcher)  # type: ignore[arg-type]
        # An error caught and raised again as another (`raise ImportError(...) from
        # exc`) was not swallowed: the outcome's error says it (in its `causes`).
        reraised = _chain(raised)
        caught = [c for c in (f.caught() for f in watcher.failures
                              if id(f.exc) not in reraised) if c is not None]
        if caught:
            outcome["caught"] = caught
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
