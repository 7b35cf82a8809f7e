"""What went wrong in a child run; a failed import: who raised it, its traceback, whether it counts.

The probe reports, for each import that failed at the top (a target, or a submodule a
`--tree` walk imports), the module the exception propagated out of first, its frames
and the module that was not found, if any. This module turns that into the traceback
Python would print, and decides whether a failed submodule of a walk is *skipped*
rather than failed: it needs a module outside the targets that is not installed, or
it is written for another platform (it raised under a test of the platform, needs a
standard-library module this platform lacks, or its package imports it only under
platform tests false here: see `guarded`), or for a newer Python, or it is a part an
installed package does not offer here (see `absent`). A target's own failure is
always one.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import linecache
import os
import re
import signal
import sys
from typing import TYPE_CHECKING

from importaudit.guards import Bindings, Guard, classify_test
from importaudit.model import ChildFailure, EdgeKind, SkippedModule
from importaudit.runtime.absent import (
    Absent,
    bound_at,
    compiled_lack,
    installed,
    lazy_only,
    missing_behind,
    module_level,
    own_source,
    parse,
    raises_import_error,
    unbound_optional,
)
from importaudit.runtime.guarded import false_guard, platform_only

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Sequence

    from importaudit.model import ImportEdge
    from importaudit.runtime.children import ChildRun
    from importaudit.runtime.interpreter import Interpreter
    from importaudit.runtime.records import Fail, Finished, Frame
    from importaudit.runtime.runner import ProfileRequest

MISSING = "missing-dependency"
PLATFORM = "platform"
PYTHON = "python-version"  # imported only under a test of sys.version_info false here
ORDER = "walk-order"
LIBRARY = "not-a-module"
FOLDER = "folder-of-files"
# What Python says of a file its import system takes for an extension module (a bare
# `name.so` is one on Linux) that defines no module: a shared library shipped beside
# the package's extensions (pyarrow's libarrow_python.so), which nothing imports.
#: The dynamic loader's word for a shared library an extension links to that is not
#: there (glibc and musl; macOS's dyld), naming the library.
_NO_SHARED = re.compile(r"ImportError: (?:(?P<so>[^:\s]+): cannot open shared object file"
                        r"|dlopen\(.*Library not loaded: (?:@\w+/)?(?P<dylib>[^\s,]+))")
_NO_INIT = re.compile(r"ImportError: dynamic module does not define module export function "
                      r"\(PyInit_(\w+)\)")
#: What ctypes raises for a symbol the loaded object lacks (glibc's dlsym). When
#: `ctypes.util.find_library` found nothing, `CDLL(None)` loaded the program itself,
#: and the error names the interpreter (IPython's pt_inputhooks.osx asks for "objc").
_NO_SYMBOL = re.compile(r"AttributeError: (?P<path>.+): undefined symbol: (?P<symbol>\w+)$")
#: An error that names an environment variable it wants: Django's "You must either
#: define the environment variable DJANGO_SETTINGS_MODULE", "set the FOO_TOKEN
#: environment variable", "environment variable 'FOO_URL' is not set".
_WANTS_VARIABLE = re.compile(
    r"environment variable:?\s+['\"`]?(?P<after>[A-Z_][A-Z0-9_]*[A-Z0-9])\b"
    r"|\b(?P<before>[A-Z_][A-Z0-9_]*[A-Z0-9])['\"`]?\s+environment variable")


def under(name: str, roots: Sequence[str]) -> bool:
    """Whether module `name` is one of `roots` or inside one of them."""
    return any(name == r or name.startswith(r + ".") for r in roots)


def place_in(frames: Sequence[Frame], file: str | None) -> tuple[str | None, int | None]:
    """The innermost place on the traceback in `file` (the blamed module's), else the last.

    That is the line of the blamed module that made it fail, which a pull request can
    show, rather than a line in a library it called.
    """
    for frame_file, line, _ in reversed(frames):
        if frame_file == file:
            return frame_file, line
    return (frames[-1][0], frames[-1][1]) if frames else (None, None)


def format_traceback(frames: Sequence[Frame], error: str | None) -> tuple[str, ...]:
    """The traceback as Python prints it (source lines read here, in the parent)."""
    if not frames:
        return ()
    lines = ["Traceback (most recent call last):"]
    for file, line, function in frames:
        lines.append(f'  File "{file}", line {line}, in {function}')
        source = linecache.getline(file, line).strip()
        if source:
            lines.append(f"    {source}")
    if error:
        lines.append(error)
    return tuple(lines)


@functools.lru_cache(maxsize=64)
def file_guards(file: str, depth: int = 0) -> Bindings | None:
    """What `if` tests mean in `file`, for the scanners' classifier in flag-aware mode.

    Names the file binds from a platform test, or imports from a module of its package
    that does (`from ._compat import WIN`, or `from pkg._compat import WIN`, where
    `_compat` says `WIN = sys.platform.startswith("win")`), are platform tests too.
    """
    tree = parse(file)
    if tree is None:
        return None
    guards = Bindings(flags=True)
    for node in module_level(tree.body):
        if isinstance(node, ast.Import | ast.ImportFrom):
            guards.learn(node)
        if isinstance(node, ast.ImportFrom) and depth < 3:
            source = own_source(file, node.module, node.level)
            theirs = file_guards(source, depth + 1) if source else None
            if theirs is not None:
                guards.platform_flags.update(a.asname or a.name for a in node.names
                                             if a.name in theirs.platform_flags)
        else:
            guards.learn_flag(node)
    return guards


def platform_guard(file: str, line: int) -> str | None:
    """The platform test the statement at `file:line` runs under (an `if` or an `assert`).

    None when the statement there is not guarded by a test of the platform, or is no
    `raise` or `assert`: a module saying it is for another platform raises so (`if
    sys.platform != "win32": raise ImportError(...)`), while any other statement that
    failed ran in the branch the test chose here, for this platform (`if
    sys.platform == "linux": X = builtins.WindowsError` on Linux is a failure).
    """
    tree, bindings = parse(file), file_guards(file)
    if tree is None or bindings is None:
        return None
    guards: list[ast.expr] = []
    body: list[ast.stmt] = list(tree.body)
    while True:
        here = next((s for s in body if s.lineno <= line <= (s.end_lineno or s.lineno)), None)
        if here is None:
            return None
        if isinstance(here, ast.Assert):
            guards.append(here.test)
            break
        if isinstance(here, ast.If):
            guards.append(here.test)
            body = here.body + here.orelse
        elif isinstance(here, ast.Try):
            body = here.body + [s for h in here.handlers for s in h.body] + here.orelse \
                + here.finalbody
        elif isinstance(here, ast.With | ast.For | ast.While):
            body = here.body + getattr(here, "orelse", [])
        elif isinstance(here, ast.Raise):
            break
        else:
            return None
    for test in reversed(guards):  # the innermost guard says most
        if classify_test(test, bindings) is Guard.PLATFORM:
            return ast.unparse(test)
    return None


def _read_absent(fail: Fail, targets: Sequence[str], where: Interpreter) -> Absent | None:
    """The module not there behind a failure that names none, read from the files."""
    error, frames = fail.message or "", fail.frames
    behind = missing_behind(error, where)
    if behind is None and frames:
        behind = unbound_optional(error, fail.origin or fail.name or "", frames[-1][0],
                                  frames[-1][1], where, function=frames[-1][2])
    # A part an installed package lacks counts only inside the targets: outside,
    # `from collections import Mapping` is a name gone, not a module missing.
    return behind if behind is not None and (not behind.part or under(behind.module,
                                                                        targets)) else None


def _defined_elsewhere(error: str, where: Interpreter | None) -> str | None:
    """Why a `from M import N` finds no N here, when M defines N only for other platforms.

    `from ctypes import WinDLL`: ctypes defines it only under `if _os.name == "nt":`;
    with `where`, `ctypes.WinDLL` read at a module's top level too (watchdog's winapi).
    None when some binding of N in M is not under a test of the platform.
    """
    found = bound_at(error, where)
    if found is None or not found[3]:
        return None
    name, module, file, lines = found
    # Under a test that is false here: under one that holds (`if sys.platform ==
    # "linux":` on Linux), the name is missing for another reason, which is a failure.
    here = where.platform if where is not None else sys.platform
    guards = [false_guard(file, line, here) for line in lines]
    if not all(guards):
        return None
    return f"{module} defines {name} only under `{guards[0]}`"


def _not_here(fail: Fail, through: str,
              where: Interpreter | None) -> tuple[str, str] | None:
    """Why a walked module that names no missing module cannot work here, if it is known.

    A name its module defines only for another platform, a statement raising under a
    test of the platform, a PEP 810 lazy import an older Python runs, or (installed
    packages only) its own code raising ImportError at import. None: a failure.
    """
    error, frames = fail.message or "", fail.frames
    elsewhere = _defined_elsewhere(error, where)
    if elsewhere is not None:
        return PLATFORM, f"{through}is for another platform: {elsewhere}"
    if not frames:
        return None
    file, line, function = frames[-1]
    guard = platform_guard(file, line)
    if guard is not None:
        return PLATFORM, (f"{through}is for another platform (raised under `{guard}`)"
                          if through else f"for another platform: raised under `{guard}`")
    lazy = lazy_only(file, line, where) if where is not None else None
    if lazy is not None and where is not None:
        return PYTHON, (f"{through}is for Python 3.15 or newer: its import of {lazy} (line "
                        f"{line}) is lazy there (`__lazy_modules__`, PEP 810), and Python "
                        f"{where.version_text} runs it at once, where it fails")
    if installed(file) and raises_import_error(file, line, function):
        return MISSING, f"{through}says it cannot be used here ({error})"
    return None


def classify(fail: Fail, targets: Sequence[str],
             where: Interpreter | None = None) -> SkippedModule | None:
    """A `fail` record of a walked submodule as a skipped module, or None if it failed.

    Targets themselves, a SystemExit and errors of the targets' own code are failures.
    A module of the targets that is not there, or one whose own top-level code raises
    ImportError, is a failure too, unless the targets are installed (under
    site-packages): then the installation does not offer it here, which its users
    cannot change either. An extension module whose shared library the dynamic loader
    does not find needs what is not installed as well. With `where` (the measured
    interpreter), a `from M import N` that found no N is read for its cause (`absent`):
    an optional import that did not bind N, a part an installed target lacks, a PEP 810
    lazy import; so are a NameError and an attribute read off None at a module's top
    level (an optional import that bound nothing, or None).
    """
    name = fail.name
    if name is None or name in targets or fail.kind not in ("import-error", "not-found"):
        return None
    error = fail.message or ""
    origin = fail.origin
    frames = fail.frames
    file = frames[-1][0] if frames else None
    through = f"imports {origin}, which " if origin and origin != name else ""
    missing = fail.missing
    how = ""
    behind = _read_absent(fail, targets, where) if missing is None and where else None
    if behind is not None:
        missing, how = behind.module, f" ({behind.how})"
    kind = reason = None
    library = _NO_INIT.match(error)
    if library is not None and library.group(1) == name.rpartition(".")[2] and not through:
        kind = LIBRARY
        reason = (f"is no Python module: a shared library that defines no "
                  f"PyInit_{library.group(1)}, which no import can load")
    elif missing is None and (native := _native_library(error, frames, where)) is not None:
        missing, why = native
        kind = MISSING
        reason = f"{through}needs the shared library {missing}, {why}"
    elif missing is not None and not under(missing, targets):
        if missing.split(".")[0] in sys.stdlib_module_names:
            kind = PLATFORM
            reason = (f"{through}needs {missing}, a standard-library module this platform "
                      f"does not have{how}")
        else:
            kind = MISSING
            reason = f"{through}needs {missing}, which is not installed{how}"
    elif missing is not None and file is not None and installed(file):
        kind = MISSING
        reason = (f"{through}needs {missing}, which this installation of "
                  f"{missing.partition('.')[0]} does not include{how}")
    elif missing is None:
        kind, reason = _not_here(fail, through, where) or (None, None)
    if kind is None:
        folder = files_folder(name, frames)
        if folder is not None:
            kind = FOLDER
            reason = (f"lies in {folder}, a folder without __init__.py inside the package "
                      f"{name.partition('.')[0]}: Python imports it as a namespace package, "
                      f"but such a folder holds files (templates, scripts) more often than "
                      f"modules; add an __init__.py if it is a subpackage")
    if kind is None or reason is None:
        return None
    return skip_of(fail, kind, reason, missing)


def _native_library(error: str, frames: Sequence[Frame],
                    where: Interpreter | None) -> tuple[str, str] | None:
    """The shared library a module needs and this system lacks, and how that showed."""
    shared = _NO_SHARED.match(error)
    if shared is not None:
        # numba's optional TBB layer: its extension links to libtbb, from a package
        # (tbb) that is not installed. Nothing in Python names it: the dynamic loader did.
        return (shared.group("so") or shared.group("dylib"),
                "which is not installed (the dynamic loader found none)")
    return _lost_library(error, frames, where)


def _lost_library(error: str, frames: Sequence[Frame],
                  where: Interpreter | None) -> tuple[str, str] | None:
    """The shared library a module's ctypes code did not find here, and what followed.

    `ctypes.cdll.LoadLibrary(ctypes.util.find_library("objc"))` on Linux: no objc, so
    `find_library` gives None and ctypes loads the interpreter itself, whose lookup of
    `objc_getClass` raises AttributeError naming the interpreter. A symbol missing from
    a library that was found names that library instead: a failure, not this. The
    library is the literal name the module passes to `find_library`.
    """
    lost = _NO_SYMBOL.match(error)
    if lost is None or where is None or not _same_program(lost.group("path"), where.executable):
        return None
    body, line = next(((file, n) for file, n, function in reversed(frames)
                       if function == "<module>"), (None, 0))
    tree = parse(body) if body is not None else None
    if tree is None:
        return None
    # Each name bound to a library found by a literal name: `objc = ...("objc")`.
    bound: dict[str, str] = {}
    for stmt in module_level(tree.body):
        if isinstance(stmt, ast.Assign) and (asked := _asked(stmt.value)):
            bound.update((t.id, asked) for t in stmt.targets if isinstance(t, ast.Name))
    used = {n.id for stmt in module_level(tree.body) if stmt.lineno <= line <= (
        stmt.end_lineno or stmt.lineno) for n in ast.walk(stmt) if isinstance(n, ast.Name)}
    # Only a library the failing statement reads: another the module loads may well be
    # found, and a symbol missing from the interpreter itself (`ctypes.pythonapi.X`,
    # `CDLL(None).sym`) is then a failure.
    names = sorted({bound[n] for n in used if n in bound})
    if not names:
        return None
    return (" or ".join(names), "which ctypes.util.find_library does not find here (ctypes "
            f"loaded the interpreter in its place, which has no {lost.group('symbol')})")


def _asked(value: ast.expr) -> str | None:
    """The literal library name of a `find_library("name")` call inside `value`."""
    for node in ast.walk(value):
        if (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
                and (node.func.id if isinstance(node.func, ast.Name) else
                     node.func.attr if isinstance(node.func, ast.Attribute) else None)
                == "find_library"):
            return node.args[0].value
    return None


def _same_program(path: str, executable: str) -> bool:
    """Whether the object ctypes searched (`path`) is the interpreter `executable`."""
    return os.path.realpath(path) == os.path.realpath(executable)


def skip_of(fail: Fail, kind: str, reason: str, missing: str | None = None) -> SkippedModule:
    """The failed walked module of `fail` as skipped, of `kind`, for `reason`."""
    name = fail.name or ""
    error = fail.message or ""
    frames = fail.frames
    return SkippedModule(
        name=name, kind=kind, reason=reason, error=error, module=fail.origin or name,
        missing=missing, file=frames[-1][0] if frames else None,
        line=frames[-1][1] if frames else None, traceback=format_traceback(frames, error),
    )


def files_folder(name: str, frames: Sequence[Frame]) -> str | None:
    """The folder without `__init__.py` inside a regular package that module `name` is in.

    alembic's `templates/generic/env.py` is a template: `alembic/templates` has no
    `__init__.py`, so Python imports it as a namespace package below the regular package
    alembic, and a `--tree` walk imports `env`, which then fails outside a migration.
    The module's file is the one of its traceback's frames that its name spells.
    """
    parts = name.split(".")
    if len(parts) < 3:
        return None
    tails = (os.path.join(*parts) + ".py", os.path.join(*parts, "__init__.py"))
    file = next((f for f, _line, _function in frames if f.endswith(tails)), None)
    if file is None:
        return None
    top = file[:len(file) - len(next(t for t in tails if file.endswith(t)))]
    top = os.path.join(top, parts[0])
    if not os.path.isfile(os.path.join(top, "__init__.py")):
        return None  # a namespace package all the way: its folders are its packages
    folder = top
    for part in parts[1:-1]:
        folder = os.path.join(folder, part)
        if not os.path.isfile(os.path.join(folder, "__init__.py")):
            return folder
    return None


def order_dependent(fail: Fail) -> SkippedModule:
    """A walked submodule that failed in the walk and imported alone in a fresh interpreter.

    What a module imported earlier in the same process did broke it (twisted's
    `process_gireactornocompat`, a script its tests run, replaces the module path
    `twisted.plugin` searches; `twisted.words.tap` then raises KeyError): the walk's
    order, not the module, failed. The runner ran it alone to know.
    """
    return skip_of(fail, ORDER, "imports alone in a fresh interpreter: it failed in the "
                   "walk only after other modules had run there, and what one of them did "
                   "broke it")


# ----------------------------------------------------------------------------- failures


def describe_failure(run: ChildRun, timeout: float, skipped: Collection[str] = (),
                     request: ProfileRequest | None = None) -> ChildFailure | None:
    """What went wrong in a child run, or None if it finished and nothing failed.

    Failed imports named in `skipped` (submodules a walk skips, see `skipped_modules`)
    do not count. With the `request` of a `--tree` walk, a failed submodule that nothing
    of its package imports gets the `--exclude` that leaves it out (`exclusion_hint`).
    """
    doing = run.in_progress()
    where = ""
    module = None
    if doing:
        innermost = doing[-1]
        module = innermost.name
        where = f" while importing {module}"
        if innermost.importer:
            where += f" (imported by {innermost.importer})"
    tail = run.stderr_tail.strip()
    if run.timed_out:
        return ChildFailure("timeout", f"timed out after {timeout:g} s{where}",
                            module=module, stderr_tail=tail)
    if not run.finished:
        rc = run.returncode
        if rc is not None and rc < 0:
            try:
                name = signal.Signals(-rc).name
            except ValueError:
                name = f"signal {-rc}"
            return ChildFailure("signal", f"the interpreter was killed by {name}{where}",
                                module=module, signal=name, exit_code=rc, stderr_tail=tail)
        return ChildFailure("exit", f"the interpreter exited with status {rc}{where}",
                            module=module, exit_code=rc, stderr_tail=tail)
    fails = [f for f in run.fails if f.name not in skipped]
    if not fails:
        return None
    failure = _import_failure(fails[0], tail, run.modules)
    # A variable the error itself asks for is the cause to name before any other.
    hint = setting_hint(fails[0], request.measure.env if request is not None else ())
    if hint is None and request is not None:
        hint = exclusion_hint(fails, request)
    if hint is not None:
        # Below an error of several lines (nltk's framed "Resource not found"), on its own.
        joint = "\n" if "\n" in failure.message else "; "
        failure = dataclasses.replace(failure, message=f"{failure.message}{joint}{hint}")
    return failure


def exclusion_hint(fails: Sequence[Fail], request: ProfileRequest) -> str | None:
    """How to leave the first of `fails` out of a `--tree` walk, when nothing imports it.

    lxml's `usedoctest` works only inside a doctest, nltk's `book` needs downloaded
    data, falcon's `bench/nuts/setup.py` runs `setup()` (SystemExit: no command given):
    no code of their package imports them, only a walk of every module does. The
    failure stays one (a public module that cannot be imported is what the gate is for),
    but the user cannot fix it in code: the message says which modules of the run
    nothing of their package imports (by the targets' static edges, as `guarded` reads
    them) and the `--exclude` flags and `exclude` key that leave them out. None when the
    first failed module is imported by some module outside it, or raised in another
    module of the targets (which excluding it would not leave out); a submodule of its
    own is left out with it (hypothesis.extra.django fails in its `_fields`).
    """
    if not request.tree or request.mode != "import" or request.edges is None:
        return None
    first = fails[0]
    walked = [f.name for f in fails if f.name is not None and f.name not in request.args
              and under(f.name, request.args) and f.kind in ("import-error", "exit")
              and (not f.origin or under(f.origin, [f.name])
                   or not under(f.origin, request.args))]
    if not walked or walked[0] != first.name:
        return None
    edges = request.edges()
    if not edges:  # no static graph (it could not be built): nothing is known
        return None
    lone = list(dict.fromkeys(name for name in walked if not _imported(name, edges)))
    if not lone or lone[0] != first.name:
        return None
    package = lone[0].partition(".")[0]
    flags = " ".join(f"--exclude {name}" for name in lone)
    keys = ", ".join(f'"{name}"' for name in lone)
    them, its = ("it", "its") if len(lone) == 1 else ("them", "their")
    # "No import names it", not "nothing imports it": a name built at run time cannot
    # be read (IPython's pt_inputhooks imports `"...pt_inputhooks." + gui` for `%gui`).
    return (f"no import in {package} names {', '.join(lone)}: if only {its} "
            f"own setting can import {them} (a doctest, a script, downloaded data, a "
            f"name built at run time), "
            f"`{flags}` (or `exclude = [{keys}]` under [tool.importaudit]) leaves {them} "
            f"out of the walk")


def setting_hint(fail: Fail, extra: Iterable[tuple[str, str]] = ()) -> str | None:
    """How to give a failed import the environment variable its error asks for.

    A package that imports only with its settings (Django's apps raise
    ImproperlyConfigured, naming DJANGO_SETTINGS_MODULE, until it is set) did not
    fail in its own code: the environment it was measured in lacks what its users
    set. When the error names an environment variable that the children did not
    have (ours, with `extra`: `--env`), the hint says how to set it there. None
    otherwise.
    """
    # A capitalised word is no variable ("set environment variable OR pass ...", "IS
    # empty"): unquoted, a name needs an underscore or four letters.
    found = next((f for f in _WANTS_VARIABLE.finditer(fail.message or "")
                  if any(q in f.group(0) for q in "'\"`")
                  or "_" in (f.group("after") or f.group("before"))
                  or len(f.group("after") or f.group("before")) >= 4), None)
    if found is None:
        return None
    name = found.group("after") or found.group("before")
    if name in os.environ or name in dict(extra):
        return None
    return (f"the error asks for the environment variable {name}, which was not set where "
            f"it was measured: `--env {name}=VALUE` (or `env = {{ {name} = \"VALUE\" }}` "
            "under [tool.importaudit]) sets it in every interpreter importaudit starts, as "
            "the package's users set it")


def _imported(name: str, edges: Sequence[ImportEdge]) -> bool:
    """Whether a module outside `name` (and its submodules) imports it, where it can run.

    An import of one of its submodules imports it too (`from pkg.sub.x import X` runs
    `pkg/sub/__init__`). Implicit parent imports and type-only ones do not count:
    neither runs its import.
    """
    return any(under(edge.imported, (name,)) and not under(edge.importer, (name,))
               and edge.kind not in (EdgeKind.PARENT, EdgeKind.TYPE_ONLY)
               for edge in edges)


def _import_failure(fail: Fail, tail: str, modules: Sequence[Finished]) -> ChildFailure:
    """An import that failed at the top, blamed on the module it propagated out of first.

    Not on the first module that recorded an error: that one may have failed earlier
    and been caught (an optional import), which says nothing about this failure. Its
    place is the blamed module's line on the traceback (the one a pull request shows).
    """
    name = fail.name
    origin = fail.origin or name
    origin_file = next((m.origin for m in modules if m.name == origin), None)
    file, line = place_in(fail.frames, origin_file)
    traceback = format_traceback(fail.frames, fail.message or "")
    if fail.kind == "program-error":
        # A program (-m, --script, -c) that raised: at run time as often as not (its
        # main() after every import), and `name` is its module, path or code, not an
        # import in progress: "importing runme failed" was false.
        # One that propagated out of an import the program ran (`import badmod`, which
        # raised) is that module's failure: the program died of it.
        imported = origin if origin and origin not in (name, "__main__") else None
        text = f"the program raised {fail.message}"  # (the status line names the import)
        return ChildFailure("program-error", text, module=imported, stderr_tail=tail,
                            file=file, line=line, traceback=traceback)
    kind = "exit" if fail.kind == "exit" else "import-error"
    text = f"importing {name} failed: {fail.message}"
    if origin and origin != name:
        text += f" (raised in {origin})"
    return ChildFailure(
        kind, text, module=origin, stderr_tail=tail, file=file, line=line,
        traceback=traceback,
    )


def skipped_modules(runs: Sequence[ChildRun | None], request: ProfileRequest,
                    where: Interpreter | None = None) -> tuple[SkippedModule, ...]:
    """Submodules a `--tree` walk could not import for reasons outside the targets.

    A module outside the targets not installed, or a module for another platform (see
    `failures.classify`, which reads files as `where` finds them); the same in every
    run, so the first run that saw it says why. A failed module of the targets that
    its own files do not explain is for another platform too when the targets import
    it only under platform tests false where it ran (`guarded`, from `request.edges`).
    """
    if not request.tree or request.mode != "import":
        return ()
    found: dict[str, SkippedModule] = {}
    unexplained: dict[str, Fail] = {}
    for run in runs:
        for fail in run.fails if run is not None else ():
            if fail.name is not None and fail.name not in found:
                skip = classify(fail, request.args, where)
                if skip is not None:
                    found[skip.name] = skip
                    unexplained.pop(fail.name, None)
                elif (fail.kind == "import-error" and fail.name not in request.args
                      and under(fail.name, request.args)):
                    unexplained.setdefault(fail.name, fail)
    if unexplained and request.edges is not None and where is not None:
        reasons = platform_only(unexplained, request.edges(), request.args, where.platform,
                                where.version)
        # A compiled module of the standard library lacking a name the module reads
        # (watchdog's kqueue: `select.KQ_FILTER_VNODE`), no source to say why: the
        # package's choice of it for other platforms does, wherever else a user's
        # flag may import it (watchmedo's `--debug-force-kqueue`).
        lacking = {name: lack for name, fail in unexplained.items() if name not in reasons
                   and fail.origin in (None, name)
                   and (lack := compiled_lack(fail.message or "", where)) is not None}
        chosen = platform_only(lacking, request.edges(), request.args, where.platform,
                               where.version, chosen=True) if lacking else {}
        for name, unreached in chosen.items():
            module, attribute = lacking[name]
            reasons[name] = dataclasses.replace(unreached, reason=(
                f"{unreached.reason}; elsewhere only under tests the platform does not "
                f"decide, and {module} (compiled: no source to read) has no {attribute} "
                "here"))
        for name, unreached in reasons.items():
            found[name] = skip_of(unexplained[name],
                                  PLATFORM if unreached.python is None else PYTHON,
                                  unreached.reason)
    return tuple(found.values())
