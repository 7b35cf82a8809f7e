"""Why a walked module could not be imported here, read from the files.

A failed `from M import N` says only "cannot import name 'N' from 'M' (FILE)". Three
causes make a submodule fail that way without anything being wrong with it where it
is meant to run, and each can be read from the files, without running anything
(`missing_behind`, `lazy_only`):

- M binds N only by optional imports (a `try:` catching ImportError around them:
  `try: import awscrt.auth` in botocore.compat; or in its `else:`, as nltk.twitter
  binds `Query` only once `import twython` succeeded) of modules that are not there;
- M is a package of an installation that does not include the part N (matplotlib's
  `backends/_macosx` is only built on macOS): no such module, and M's code never
  names N (a name it lost would be a bug instead);
- the failing statement imports a module its file lists in `__lazy_modules__` (PEP
  810): from Python 3.15 on that import is lazy, and an older Python runs it at once.

A fourth is a module whose own top-level code raises ImportError, its author saying
it cannot work here (`raises_import_error`: matplotlib's `qt_compat` without a Qt
binding), or a function its import ran does (IPython's `qt_loaders.load_qt`). A fifth
is the same optional import seen from the module's own top level (`unbound_optional`):
a NameError for a name only it binds (kombu's Kafka transport subclasses
`KafkaException`), or an attribute read off the None its handler bound instead
(`except ImportError: redis = None`, then `redis.Redis`). Where each counts
(installed packages only, for some) is `failures`' call.

Module presence is decided on disk, on the sys.path of the measured interpreter with
its extension suffixes (not this interpreter's), and in the folder the failing module
was loaded from; a path this cannot read (a zip archive) counts as "may be there", a
module only a meta-path finder provides (an editable install) as not there.
"""

from __future__ import annotations

import ast
import functools
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from importaudit.guards import (
    catches_import_error,
    imported_modules,
    lazy_importable,
    lazy_modules,
    suppresses_import_error,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from importaudit.runtime.interpreter import Interpreter

# Python's own wording for a `from M import N` that found M without N (3.9-3.13). A
# partly initialised M is worded otherwise: that is a cycle, not something absent.
_NO_NAME = re.compile(r"cannot import name '([^']+)' from '([\w.]+)' \((.*)\)\s*\Z")
# Its wording for `M.N` where M has no N (3.9-3.13); a partly initialised M says
# "partially initialized module": a cycle, not a name M lacks.
_NO_ATTRIBUTE = re.compile(r"AttributeError: module '([\w.]+)' has no attribute '(\w+)'")
# Where pip, venv and distributions install packages.
_INSTALL_FOLDERS = frozenset({"site-packages", "dist-packages"})


def parse(file: str) -> ast.Module | None:
    """The syntax tree of `file`, None when it cannot be read or parsed.

    The last 64 trees are kept while their file stays the same (size, time of change):
    the review asks about one module's statements name after name (where each name is
    bound, whether each binding runs here), and parsed a transformers modeling file of
    thousands of lines again for each. Read-only: no caller changes a tree.
    """
    try:
        stat = os.stat(file)
    except (OSError, ValueError):
        return None
    return _parse_as(file, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _parse_as(file: str, _mtime_ns: int, _size: int) -> ast.Module | None:
    try:
        with open(file, "rb") as stream:
            return ast.parse(stream.read(), file)
    except (OSError, SyntaxError, ValueError):
        return None


def module_level(body: Sequence[ast.stmt], *, runs: bool = False) -> Iterator[ast.stmt]:
    """Module-level statements in source order, those inside `if`/`try`/`with` included.

    `runs`: not those of blocks that never run (`if TYPE_CHECKING:`, `if False:`).
    """
    for node in body:
        yield node
        if isinstance(node, ast.If):
            yield from module_level(
                node.orelse if runs and _never_runs(node.test) else node.body + node.orelse,
                runs=runs)
        elif isinstance(node, ast.Try):
            yield from module_level(node.body + [s for h in node.handlers for s in h.body]
                                    + node.orelse + node.finalbody, runs=runs)
        elif isinstance(node, ast.With):
            yield from module_level(node.body, runs=runs)


@functools.lru_cache(maxsize=4096)
def _top_package(folder: str) -> Path | None:
    """The outermost package folder holding `folder` (itself a package), or None."""
    top = Path(folder)
    if not (top / "__init__.py").is_file():
        return None
    while (top.parent / "__init__.py").is_file() and top.parent != top:
        top = top.parent
    return top


def own_source(file: str, module: str | None, level: int) -> str | None:
    """The file of `file`'s own package an import in `file` names, if it exists.

    A relative import (`from ._compat import WIN`), or an absolute one of the package
    `file` belongs to (`from pkg._compat import WIN` in `pkg/tools.py`: that top package
    found as the outermost folder with an `__init__.py` above `file`). None for an
    import of anything else.
    """
    if not level:
        top = _top_package(str(Path(file).parent)) if module else None
        return (_source_under(str(top.parent), module)
                if top is not None and module and module.partition(".")[0] == top.name
                else None)
    base = Path(file).parent
    for _ in range(level - 1):
        base = base.parent
    where = base.joinpath(*module.split(".")) if module else base
    for candidate in (where.with_suffix(".py"), where / "__init__.py"):
        if candidate.is_file():
            return str(candidate)
    return None


def installed(file: str) -> bool:
    """Whether `file` belongs to an installed distribution (under site-packages)."""
    return not _INSTALL_FOLDERS.isdisjoint(Path(file).parts)


def _first_absent(parts: Sequence[str], folders: Sequence[str],
                  suffixes: Sequence[str]) -> int | None:
    """How many of `parts` (a dotted name) lead to the first one not in `folders`.

    None when every part is there, or when a folder cannot be read as a directory (a
    zip archive on the path: it may hold the module).
    """
    endings = (".py", ".pyc", *suffixes)
    for depth, part in enumerate(parts):
        packages = []
        found = False
        for folder in folders:
            if os.path.isfile(folder):
                return None
            base = os.path.join(folder, part)
            if os.path.isdir(base):  # a package, or a namespace package's portion
                packages.append(base)
                found = True
            elif any(os.path.isfile(base + ending) for ending in endings):
                found = True
        if not found:
            return depth + 1
        if not packages and depth + 1 < len(parts):
            return depth + 2  # a plain module has no submodules
        folders = packages
    return None


def _root(module: str, file: str) -> str | None:
    """The folder holding the top package of `module`, loaded from `file`.

    None when the file's path does not spell the module's name (a module loaded under
    another name: `spec_from_file_location`, an alias in sys.modules).
    """
    path = Path(file)
    parts = module.split(".")
    chain = parts if path.stem == "__init__" else parts[:-1]
    if path.stem != "__init__" and path.stem != parts[-1]:
        return None
    folders = path.parent.parts
    if len(folders) <= len(chain) or list(folders[len(folders) - len(chain):]) != chain:
        return None
    return str(Path(*folders[:len(folders) - len(chain)]))


def _resolve(node: ast.ImportFrom, module: str, file: str) -> str | None:
    """The absolute name of the module a `from` import in `module` names.

    None for a relative import that climbs above the top package (Python raises
    "attempted relative import beyond top-level package" there).
    """
    if not node.level:
        return node.module or ""
    package = module if Path(file).stem == "__init__" else module.rpartition(".")[0]
    if not package or node.level - 1 > package.count("."):
        return None
    base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
    return f"{base}.{node.module}" if node.module else base


def _never_runs(test: ast.expr) -> bool:
    """`if TYPE_CHECKING:`, `if typing.TYPE_CHECKING:`, `if False:`."""
    return ((isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
            or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
            or (isinstance(test, ast.Constant) and test.value is False))


@dataclass(frozen=True, slots=True)
class _Place:
    """Where a module-level statement stands with respect to optional imports.

    `guard`: the innermost `try` whose handlers catch ImportError (or `with` that
    suppresses it, `guards.suppresses_import_error`) and whose body (or
    `else:`, which runs only when the body's imports succeeded) holds the statement;
    `fallback`: the statement is in such a handler (what runs when an import failed);
    `branch`: outside such a `try`, the innermost `if` branch holding it, as its test
    (`ast.dump`) and whether it is the body (transformers' `if is_torch_available():
    import torch`); the branches of one test run together, wherever they stand.
    """

    guard: ast.Try | ast.With | None = None
    fallback: bool = False
    branch: tuple[str, bool] | None = None


def _runnable(body: Sequence[ast.stmt], place: _Place = _Place()
              ) -> Iterator[tuple[ast.stmt, _Place]]:
    """Module-level statements that can run, each with its place among optional imports.

    Blocks that never run (`if TYPE_CHECKING:`) are left out.
    """
    for node in body:
        yield node, place
        if isinstance(node, ast.If):
            if not _never_runs(node.test):
                yield from _runnable(node.body, _in_branch(place, node, node.body))
            yield from _runnable(node.orelse, _in_branch(place, node, node.orelse))
        elif isinstance(node, ast.Try):
            caught = any(catches_import_error(h) for h in node.handlers)
            inner = _Place(node) if caught else place
            yield from _runnable(node.body + node.orelse, inner)
            for handler in node.handlers:
                yield from _runnable(handler.body, _Place(place.guard, caught or place.fallback,
                                                          place.branch))
            yield from _runnable(node.finalbody, place)
        elif isinstance(node, ast.With):
            # `with suppress(ImportError):` guards its body as such a `try` does.
            yield from _runnable(node.body, _Place(node) if suppresses_import_error(
                node.items) else place)


def _in_branch(place: _Place, node: ast.If, branch: list[ast.stmt]) -> _Place:
    """`place` for the statements of an `if` branch (a `try` around it still rules).

    Not under a test of the interpreter itself (`sys.version_info`, `sys.platform`,
    `os.name`, `platform.*`): what such a branch imports is not why its names are
    unbound here, the test is (installing it would not bind them).
    """
    if place.guard is not None or _tests_the_interpreter(node.test):
        return place
    return _Place(None, place.fallback, (ast.dump(node.test), branch is node.body))


def _tests_the_interpreter(test: ast.expr) -> bool:
    """Whether an `if` test reads the interpreter or the platform it runs on."""
    return any(isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
               and (n.value.id in ("sys", "platform") or (n.value.id, n.attr) == ("os", "name"))
               for n in ast.walk(test))


def _guarding_imports(guard: ast.Try | ast.With, node: ast.stmt, module: str,
                      file: str) -> list[str]:
    """The modules the optional imports of `guard` name, up to `node`.

    Each of them failing leaves `node` unrun: those before it in the `try:` body, all of
    them for a statement of its `else:`. An import that cannot be resolved is left out.
    """
    named: list[str] = []
    for stmt, place in _runnable(guard.body):
        if stmt.lineno > node.lineno:
            break
        if place.guard is not None:
            continue  # its own failure is caught further in: it leaves `node` to run
        named.extend(_named_by(stmt, module, file))
    return named


def _branch_imports(tree: ast.Module, branch: tuple[str, bool], node: ast.stmt,
                    module: str, file: str) -> list[str]:
    """The modules the imports of `branch` name, up to `node` and with it.

    Those of every branch of the same test and side before it too: transformers'
    `if is_serve_available(): from starlette.responses import StreamingResponse`, and
    further down `if is_serve_available(): class EventStream(StreamingResponse)`.
    """
    named: list[str] = []
    for stmt, place in _runnable(tree.body):
        if stmt.lineno > node.lineno:
            break
        if place.branch == branch:
            named.extend(_named_by(stmt, module, file))
    test, in_body = branch
    if in_body:
        flag = next((n.test for n in ast.walk(tree)
                     if isinstance(n, ast.If) and ast.dump(n.test) == test), None)
        if flag is not None:
            named.extend(_asked_for(flag, tree, module, file))
    return named


#: Calls that look a module up by the name they are given first.
_LOOKUPS = frozenset({"find_spec", "import_module", "__import__"})
#: How many functions deep a flag's checks are followed (`is_serve_available` ->
#: `is_openai_available` -> `_is_package_available`), and re-exports across modules.
_FLAG_DEPTH = 4


def _asked_for(test: ast.expr, tree: ast.Module, module: str, file: str) -> list[str]:
    """The modules an `if` test's own functions look for, as far as the files tell.

    transformers' `if is_vision_available():` is false without Pillow: the flag imports
    `PIL.Image` in its body; `is_serve_available()` is `is_pydantic_available() and ...
    is_openai_available()`, each passing its module to `_is_package_available`, which
    calls `find_spec` on it. A branch whose own imports are all installed is left unrun
    by the missing one. Functions are found in the module, or through its `from`
    imports of the same top package (re-exports followed).
    """
    named: list[str] = []
    for call in (n for n in ast.walk(test) if isinstance(n, ast.Call)):
        found = _function(call.func, tree, module, file, _FLAG_DEPTH)
        if found is not None:
            named.extend(_looked_up(*found, (), _FLAG_DEPTH))
    return named


def _function(func: ast.expr, tree: ast.Module, module: str, file: str, depth: int,
              ) -> tuple[ast.FunctionDef, ast.Module, str, str] | None:
    """The module-level `def` a call's function names (`f`, `mod.f`), and where it is."""
    if isinstance(func, ast.Name):
        name, owner = func.id, None
    elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        name, owner = func.attr, func.value.id
    else:
        return None
    for node in module_level(tree.body):
        if owner is None and isinstance(node, ast.FunctionDef) and node.name == name:
            return node, tree, module, file
        if depth and isinstance(node, ast.ImportFrom):
            alias = next((a for a in node.names if (a.asname or a.name) == (owner or name)),
                         None)
            source = _resolve(node, module, file) if alias is not None else None
            if alias is None or source is None:
                continue
            # `from pkg import flags` then `flags.f()`: the module pkg.flags; `from m
            # import f`: f in m (which may import it in turn).
            target = f"{source}.{alias.name}" if owner is not None else source
            there = _source_file(target, module, file)
            other = parse(there) if there is not None else None
            if there is None or other is None:
                continue
            return _function(ast.Name(name if owner is not None else alias.name), other,
                             target, there, depth - 1)
    return None


def _source_file(target: str, module: str, file: str) -> str | None:
    """The source file of module `target` of the same top package as `module` (at `file`)."""
    root = _root(module, file)
    if root is None or target.partition(".")[0] != module.partition(".")[0]:
        return None
    return _source_under(root, target)


def _source_under(root: str, target: str) -> str | None:
    """The source file of module `target` in the folder `root` holding its top package."""
    where = Path(root).joinpath(*target.split("."))
    for candidate in (where.with_suffix(".py"), where / "__init__.py"):
        if candidate.is_file():
            return str(candidate)
    return None


def _looked_up(function: ast.FunctionDef, tree: ast.Module, module: str, file: str,
               given: Sequence[str | None], depth: int) -> list[str]:
    """Modules `function` imports or looks up by name, called with string args `given`."""
    params = {a.arg: value for a, value in zip(function.args.args, given, strict=False)}
    named: list[str] = []
    for node in ast.walk(function):
        if isinstance(node, ast.Import | ast.ImportFrom):
            named.extend(_named_by(node, module, file))
        if not isinstance(node, ast.Call) or not node.args:
            continue
        strings = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str)
                   else params.get(a.id) if isinstance(a, ast.Name) else None
                   for a in node.args]
        callee = (node.func.attr if isinstance(node.func, ast.Attribute)
                  else node.func.id if isinstance(node.func, ast.Name) else "")
        if callee in _LOOKUPS:
            named.extend(s for s in strings[:1] if s)
        elif depth and any(strings):
            found = _function(node.func, tree, module, file, 0)
            if found is not None:
                named.extend(_looked_up(*found, strings, depth - 1))
    for node in ast.walk(function):
        if depth and isinstance(node, ast.Call) and not node.args:
            found = _function(node.func, tree, module, file, 0)
            if found is not None and found[0] is not function:
                named.extend(_looked_up(*found, (), depth - 1))
    return named


def _named_by(stmt: ast.stmt, module: str, file: str) -> list[str]:
    """The modules an import statement names (one that cannot be resolved left out)."""
    if isinstance(stmt, ast.Import):
        return [a.name for a in stmt.names]
    if isinstance(stmt, ast.ImportFrom):
        resolved = _resolve(stmt, module, file)
        return [resolved] if resolved else []
    return []


def _unknowable(tree: ast.Module) -> bool:
    """Whether a star import or a module `__getattr__` can provide any name here."""
    return any((isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names))
               or (isinstance(node, ast.FunctionDef) and node.name == "__getattr__")
               for node, _ in _runnable(tree.body))


def _binds(node: ast.stmt, name: str) -> bool:
    """Whether the statement `node` binds `name` otherwise than by an import."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return node.name == name
    if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return any(isinstance(n, ast.Name) and n.id == name
                   for t in targets for n in ast.walk(t))
    return False


def bound_at(message: str, where: Interpreter | None = None
             ) -> tuple[str, str, str, list[int]] | None:
    """For "cannot import name N from M (FILE)": N, M, FILE and the lines binding N there.

    Every module-level statement that binds N (an import, a def, a class, an
    assignment), in `if` and `try` blocks too. With `where` (the measured interpreter),
    the same for "module 'M' has no attribute 'N'", an `M.N` read at a module's top
    (watchdog's winapi says `ctypes.WinDLL("kernel32")`), M's source found on its
    sys.path. None for another message, a file that cannot be read, or an M without
    source (a C extension such as `select`).
    """
    match = _NO_NAME.search(message)
    if match is not None:
        name, module, file = match.groups()
    else:
        attribute = _NO_ATTRIBUTE.match(message) if where is not None else None
        found = (module_source(attribute.group(1), where)
                 if attribute is not None and where is not None else None)
        if attribute is None or found is None:
            return None
        (module, name), file = attribute.groups(), found
    tree = parse(file) if os.path.isfile(file) else None
    if tree is None or _unknowable(tree):
        return None
    lines = [node.lineno for node in module_level(tree.body)
             if _binds(node, name) or (isinstance(node, ast.Import | ast.ImportFrom) and any(
                 (a.asname or a.name.partition(".")[0]) == name for a in node.names))]
    return name, module, file, lines


def module_source(module: str, where: Interpreter) -> str | None:
    """The source file `where`'s import system finds for `module`, if it finds source.

    The first folder of its sys.path holding the top package (or module) decides; None
    when that is a built-in or extension module, a folder without the module's source,
    or nothing on the path.
    """
    top = module.partition(".")[0]
    if top in where.builtins:
        return None
    endings = (".py", *where.extension_suffixes)
    for folder in where.sys_path:
        base = os.path.join(folder, top)
        if os.path.isdir(base) or any(os.path.isfile(base + ending) for ending in endings):
            return _source_under(folder, module)
    return None


#: An upper-case constant's name (`KQ_FILTER_VNODE`, `O_BINARY`).
_CONSTANT = re.compile(r"[A-Z][A-Z0-9_]*")
#: The lower-case names compiled standard modules have on some platforms only (rev30):
#: `select`'s event loops, `time.tzset`, `sys`'s Windows and dlopen functions.
_PLATFORM_FUNCTIONS = frozenset({
    "kqueue", "kevent", "epoll", "devpoll", "tzset", "winver", "getwindowsversion",
    "dllhandle", "getdlopenflags", "setdlopenflags"})


def compiled_lack(message: str, where: Interpreter) -> tuple[str, str] | None:
    """(M, N) for "module 'M' has no attribute 'N'", M a compiled standard-library module.

    N an upper-case constant, or one of the few lower-case names such modules have by
    platform (`_PLATFORM_FUNCTIONS`).

    Built in or an extension module where `where` imports it (no source says where N
    is defined: watchdog's kqueue reads `select.KQ_FILTER_VNODE`, which `select` has
    only where kqueue exists); None for anything else.
    """
    found = _NO_ATTRIBUTE.match(message)
    if found is None or "." in found.group(1) or found.group(1) not in sys.stdlib_module_names:
        return None
    module, name = found.groups()
    if not _CONSTANT.fullmatch(name) and name not in _PLATFORM_FUNCTIONS:
        # A platform's constants are what such a module has or lacks by platform
        # (KQ_FILTER_VNODE, O_BINARY, SIGBREAK); a function gone from every platform
        # (`time.clock`, `itertools.izip`) or a typo is a bug everywhere (rev29).
        return None
    if module in where.builtins:
        return module, name
    for folder in where.sys_path:
        base = os.path.join(folder, module)
        if os.path.isdir(base) or os.path.isfile(base + ".py"):
            return None
        if any(os.path.isfile(base + ending) for ending in where.extension_suffixes):
            return module, name
    return None


def _sets_none(node: ast.stmt) -> bool:
    """`name = None` (or `a = b = None`): what a fallback binds when an import failed."""
    return (isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            and node.value.value is None
            and all(isinstance(t, ast.Name) for t in node.targets))


def _optional_bindings(tree: ast.Module, name: str, module: str, file: str, *,
                       none_fallback: bool = False,
                       before: int | None = None) -> list[tuple[list[str], str]] | None:
    """For each optional import that binds `name` in a module's top level, its causes.

    With where it stands, as a reason says it (`_where`).

    Optional: under `try:` with a handler that catches ImportError, or in its `else:`;
    or under an `if` (not a test of the interpreter), an import, def or class. A
    binding's causes are the modules whose failed import leaves it unbound: the `try:`
    body's imports up to it (`try: import twython` ... `else: from .client import Query`
    in nltk.twitter), or the imports of the branches of its `if` test up to it (see
    `_branch_imports`). None when anything else binds `name` (a def, a class, an
    assignment, an import that is not optional): then its absence has another cause.
    With `none_fallback`, `name = None` in a handler of such a `try` is the fallback,
    not another binding (`except ImportError: redis = None`). With `before` (the line
    that found `name` unbound), optional bindings from that line on are not causes: they
    had not run yet, whatever was installed (a name used above its flagged `class`).
    """
    found: list[tuple[list[str], str]] = []
    for node, place in _runnable(tree.body):
        binds = False
        if isinstance(node, ast.Import):
            binds = any((a.asname or a.name.partition(".")[0]) == name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            binds = any((a.asname or a.name) == name for a in node.names)
            if binds and _resolve(node, module, file) is None:
                return None  # above the top package: Python raises there, not absent
        elif _binds(node, name):
            if none_fallback and place.fallback and _sets_none(node):
                continue
            if place.guard is not None or place.branch is None:
                return None
            binds = True  # a class or def under a flag: what its branches import decides
        if not binds or (before is not None and node.lineno >= before):
            continue
        if place.guard is not None:
            causes = _guarding_imports(place.guard, node, module, file)
        elif place.branch is not None:
            # Under an `if` only: a module its branch imports up to here that is not
            # installed leaves it unbound whichever way the test goes (true, the import
            # raises first; false, nothing binds it), as `is_torch_available()` does.
            causes = _branch_imports(tree, place.branch, node, module, file)
        else:
            return None
        if not causes:
            return None
        found.append((causes, _where(tree, place)))
    return found


def _where(tree: ast.Module, place: _Place) -> str:
    """Where an optional binding stands, as a reason says it.

    "under `if is_torch_available():`", "under the `else:` of `if X:`", "in a `try:`
    that catches ImportError" (its body or its `else:`), or "in a `with` that
    suppresses ImportError".
    """
    if isinstance(place.guard, ast.With):
        return "in a `with` that suppresses ImportError"
    if place.guard is not None or place.branch is None:
        return "in a `try:` that catches ImportError"
    test, in_body = place.branch
    flag = next((n.test for n in ast.walk(tree)
                 if isinstance(n, ast.If) and ast.dump(n.test) == test), None)
    shown = f"`if {ast.unparse(flag)}:`" if flag is not None else "an `if`"
    return f"under {shown}" if in_body else f"under the `else:` of {shown}"


def _how(module: str, name: str, where: str) -> str:
    """How `module` came to lack `name`: the branch that binds it did not run here."""
    if where.startswith("in a `"):  # (a `try:` or a `with`)
        return f"{module} binds {name} only {where}, and its imports fail without it"
    return f"{module} binds {name} only {where}, a branch that does not run without it"


def _not_there(name: str, where: Interpreter, root: str) -> str | None:
    """The first part of module `name` that is not on the path (None: all of it is)."""
    parts = name.split(".")
    if parts[0] in where.builtins:
        return None
    depth = _first_absent(parts, [root, *where.sys_path], where.extension_suffixes)
    return ".".join(parts[:depth]) if depth is not None else None


@dataclass(frozen=True, slots=True)
class Absent:
    """A module that is not there, behind a failed `from M import N`."""

    module: str  # the module that is missing
    how: str  # how that makes N missing, for the reason shown
    part: bool  # a part of an installed package, not an optional dependency


def _absent_cause(bindings: Sequence[tuple[Sequence[str], str]], where: Interpreter,
                  root: str) -> str | None:
    """The module not there that left every one of `bindings` unrun, if there is one."""
    absent = [next(filter(None, (_not_there(m, where, root) for m in causes)), None)
              or _absent_below(causes, where, root, _BELOW_DEPTH)
              for causes, _ in bindings]
    return absent[0] if absent and all(absent) else None


#: How many modules deep `_absent_below` looks through unconditional imports.
_BELOW_DEPTH = 2


def _absent_below(causes: Sequence[str], where: Interpreter, root: str,
                  depth: int) -> str | None:
    """A module not there that one of `causes` (there) imports unconditionally.

    mlflow.models binds `ModelInputExample` by `try: from mlflow.models.utils import
    ...`; mlflow.models.utils is installed, and its top level runs `import pandas`,
    which is not: the optional import failed for pandas. Only statements of a module's
    own top level count (not under an `if`, `try` or `with`), in the same top package,
    `depth` modules deep.
    """
    for cause in causes:
        there = _source_under(root, cause)
        tree = parse(there) if there is not None else None
        if there is None or tree is None:
            continue
        top = cause.partition(".")[0]
        named = [m for stmt in tree.body for m in _named_by(stmt, cause, there)]
        # Another package by its top name (`os.path` is no file of `os`'s folder).
        missing = next(filter(None, (
            _not_there(m if m.partition(".")[0] == top else m.partition(".")[0], where, root)
            for m in named)), None)
        if missing is None and depth:
            missing = _absent_below([m for m in named if m.partition(".")[0] == top],
                                    where, root, depth - 1)
        if missing is not None:
            return missing
    return None


def missing_behind(message: str, where: Interpreter) -> Absent | None:
    """The module that is not there behind "cannot import name N from M", and why.

    None when the absence has another cause: a name the module no longer defines is a
    bug wherever it runs.
    """
    match = _NO_NAME.search(message)
    if match is None:
        return None
    name, module, file = match.groups()
    if not os.path.isfile(file):
        return None  # "unknown location": a namespace package, nothing to read
    root = _root(module, file)
    tree = parse(file)
    if root is None or tree is None or _unknowable(tree):
        return None
    bindings = _optional_bindings(tree, name, module, file)
    if bindings:
        cause = _absent_cause(bindings, where, root)
        return Absent(cause, f"`from {module} import {name}` failed: "
                      + _how(module, name, bindings[0][1]), part=False) if cause else None
    # A package of an installation that does not include a part its modules import:
    # nothing there, and its own text never names it (a name it lost is a bug instead).
    if (bindings is not None and installed(file) and Path(file).stem == "__init__"
            and not _mentions(tree, name)
            and _first_absent([name], [str(Path(file).parent)],
                              where.extension_suffixes) is not None):
        return Absent(f"{module}.{name}", "no such module, nor a name of that package",
                      part=True)
    return None


# Python's words for a name a module's top level used but never bound, and for an
# attribute read off None (the fallback of `except ImportError: redis = None`).
_UNBOUND = re.compile(r"NameError: name '([^']+)' is not defined")
_OFF_NONE = re.compile(r"AttributeError: 'NoneType' object has no attribute '([^']+)'")


def unbound_optional(message: str, module: str, file: str, line: int,
                     where: Interpreter, *, function: str = "<module>") -> Absent | None:
    """The module not there behind a NameError or an attribute read off None in `module`.

    `file:line` is where its top level raised (`function`: the frame's, `<module>` or a
    class statement of the top level, whose body runs with it: transformers'
    `def f(self, waveform: torch.Tensor)` in a class body). kombu's Kafka transport names
    `KafkaException`, bound only by `try: from confluent_kafka import ...`; its Redis
    transport reads `redis.Redis` where `except ImportError: redis = None` ran. Either
    way the module cannot work without that dependency, and is not broken where it is
    installed. None for any other cause (a name never bound is a bug everywhere).
    """
    unbound, off_none = _UNBOUND.match(message), _OFF_NONE.match(message)
    if unbound is None and off_none is None:
        return None
    root = _root(module, file)
    tree = parse(file)
    if root is None or tree is None or _unknowable(tree):
        return None
    if function != "<module>" and not any(
            isinstance(n, ast.ClassDef) and n.name == function
            and n.lineno <= line <= (n.end_lineno or n.lineno) for n in module_level(tree.body)):
        return None
    if unbound is not None:
        names = [unbound.group(1)]
    else:
        statement = _innermost(tree.body, line)
        attr = off_none.group(1) if off_none is not None else ""
        names = sorted({n.value.id for n in ast.walk(statement) if isinstance(n, ast.Attribute)
                        and n.attr == attr and isinstance(n.value, ast.Name)}
                       if statement is not None else ())
    for name in names:
        bindings = _optional_bindings(tree, name, module, file,
                                      none_fallback=unbound is None, before=line)
        cause = _absent_cause(bindings, where, root) if bindings else None
        if cause and bindings:
            what = (f"{module} raised NameError at import: " + _how("it", name, bindings[0][1])
                    if unbound is not None else
                    f"{module} raised AttributeError at import: it sets {name} to None "
                    "where the imports of a `try:` fail, as they do without it")
            return Absent(cause, what, part=False)
    return None


def _mentions(tree: ast.Module, name: str) -> bool:
    """Whether the module's code uses `name` (prose in a docstring does not count).

    As a name, an attribute, an import, a definition, or a string in `__all__`.
    """
    for node in ast.walk(tree):
        if ((isinstance(node, ast.Name) and node.id == name)
                or (isinstance(node, ast.Attribute) and node.attr == name)
                or (isinstance(node, ast.alias) and name in (node.name, node.asname))
                or (isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                    and node.name == name)):
            return True
        if (isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
                and any(isinstance(c, ast.Constant) and c.value == name
                        for c in ast.walk(node.value))):
            return True
    return False


def lazy_only(file: str, line: int, where: Interpreter) -> str | None:
    """The module a PEP 810 lazy import at `file:line` names, on a Python that runs it now.

    A module listed in its file's `__lazy_modules__` (assigned before the import:
    `guards.lazy_modules`) is imported lazily from Python 3.15 on, by an import at
    module level outside `try` blocks (not a star import); before 3.15 the import runs
    where it stands. None when that is not what failed. (Only the file is known here,
    not its module: entries made of the module's own names, relative imports and
    imports in `with` blocks are not read.)
    """
    if where.version[:2] >= (3, 15):
        return None
    tree = parse(file)
    if tree is None:
        return None
    for node in _top_level(tree.body):
        if node.lineno <= line <= (node.end_lineno or node.lineno):
            if not isinstance(node, ast.Import | ast.ImportFrom) or (
                    isinstance(node, ast.ImportFrom) and node.level) or not lazy_importable(node):
                return None
            lazy = lazy_modules(tree.body, node.lineno, "", is_package=False)
            return next((n for n in imported_modules(node, "", is_package=False)
                         if n in lazy), None)
    return None


def _top_level(body: Sequence[ast.stmt]) -> Iterator[ast.stmt]:
    """Module-level statements, those inside `if` blocks included (not `try`, `with`)."""
    for node in body:
        if isinstance(node, ast.If):
            yield from _top_level(node.body + node.orelse)
        else:
            yield node


def _innermost(body: Sequence[ast.stmt], line: int) -> ast.stmt | None:
    """The innermost statement at `line` among `body` and the blocks of its statements."""
    here = next((s for s in body if s.lineno <= line <= (s.end_lineno or s.lineno)), None)
    if here is None:
        return None
    blocks: list[ast.stmt] = []
    for field in ("body", "orelse", "finalbody", "handlers"):
        for child in getattr(here, field, []):
            blocks.extend(child.body if isinstance(child, ast.ExceptHandler) else [child])
    if isinstance(here, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return here  # the statement that defines it: what runs at import stops there
    return _innermost(blocks, line) or here


def raises_import_error(file: str, line: int, function: str = "<module>") -> bool:
    """Whether the statement at `file:line`, in `function`, is a `raise ImportError(...)`.

    That is the module's author saying it cannot work here (matplotlib's Qt backend:
    "Failed to import any of the following Qt binding modules"), not an import that
    went wrong. Also in a function the import ran (IPython's `qt_for_kernel` calls
    `qt_loaders.load_qt` at import: "Could not load requested Qt binding"), unless the
    raise wraps another error (in an `except` block, or `raise ... from`): that error
    is what went wrong, and the walk judges it, not the wrapper.
    """
    tree = parse(file)
    if tree is None:
        return False
    statement = (_innermost(tree.body, line) if function == "<module>"
                 else _raise_in(tree, function, line))
    if not isinstance(statement, ast.Raise) or statement.exc is None:
        return False
    exc = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
    return isinstance(exc, ast.Name) and exc.id in ("ImportError", "ModuleNotFoundError")


def _raise_in(tree: ast.Module, function: str, line: int) -> ast.Raise | None:
    """The `raise` at `line` of function `function` that wraps no other error."""
    def spans(node: ast.stmt | ast.ExceptHandler) -> bool:
        return node.lineno <= line <= (node.end_lineno or node.lineno)

    for node in ast.walk(tree):
        if (isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                and node.name == function and spans(node)):
            inner = list(ast.walk(node))
            if any(isinstance(n, ast.ExceptHandler) and spans(n) for n in inner):
                return None
            found = [n for n in inner if isinstance(n, ast.Raise) and spans(n)]
            return found[-1] if found and found[-1].cause is None else None
    return None
