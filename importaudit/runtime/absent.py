"""Why a walked module could not be imported here, read from the files.

A failed `from M import N` says only "cannot import name 'N' from 'M' (FILE)". Three
causes make a submodule fail that way without anything being wrong with it where it
is meant to run, and each can be read from the files, without running anything
(`missing_behind`, `lazy_only`):

- M binds N only by optional imports (a `try:` catching ImportError around them:
  `try: import awscrt.auth` in botocore.compat) of modules that are not there;
- M is a package of an installation that does not include the part N (matplotlib's
  `backends/_macosx` is only built on macOS): no such module, and M's code never
  names N (a name it lost would be a bug instead);
- the failing statement imports a module its file lists in `__lazy_modules__` (PEP
  810): from Python 3.15 on that import is lazy, and an older Python runs it at once.

A fourth is a module whose own top-level code raises ImportError, its author saying
it cannot work here (`raises_import_error`: matplotlib's `qt_compat` without a Qt
binding). Where each counts (installed packages only, for some) is `failures`' call.

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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from importaudit.runtime.interpreter import Interpreter

# Python's own wording for a `from M import N` that found M without N (3.9-3.13). A
# partly initialised M is worded otherwise: that is a cycle, not something absent.
_NO_NAME = re.compile(r"cannot import name '([^']+)' from '([\w.]+)' \((.*)\)\s*\Z")
# Where pip, venv and distributions install packages.
_INSTALL_FOLDERS = frozenset({"site-packages", "dist-packages"})


@functools.lru_cache(maxsize=64)
def parse(file: str) -> ast.Module | None:
    """The syntax tree of `file`, None when it cannot be read or parsed."""
    try:
        with open(file, "rb") as stream:
            return ast.parse(stream.read(), file)
    except (OSError, SyntaxError, ValueError):
        return None


def module_level(body: Sequence[ast.stmt]) -> Iterator[ast.stmt]:
    """Module-level statements in source order, those inside `if`/`try` blocks included."""
    for node in body:
        yield node
        if isinstance(node, ast.If):
            yield from module_level(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            yield from module_level(node.body + [s for h in node.handlers for s in h.body]
                                    + node.orelse + node.finalbody)


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


# Handlers that catch a failed import (a bare `except:` too).
_CATCHING = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any((isinstance(t, ast.Name) and t.id in _CATCHING)
               or (isinstance(t, ast.Attribute) and t.attr in _CATCHING) for t in types)


def _never_runs(test: ast.expr) -> bool:
    """`if TYPE_CHECKING:`, `if typing.TYPE_CHECKING:`, `if False:`."""
    return ((isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
            or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
            or (isinstance(test, ast.Constant) and test.value is False))


def _runnable(body: Sequence[ast.stmt], optional: bool = False
              ) -> Iterator[tuple[ast.stmt, bool]]:
    """Module-level statements that can run, each with whether a failed import is caught.

    An import is optional inside the body of a `try` whose handlers catch ImportError;
    blocks that never run (`if TYPE_CHECKING:`) are left out.
    """
    for node in body:
        yield node, optional
        if isinstance(node, ast.If):
            if not _never_runs(node.test):
                yield from _runnable(node.body, optional)
            yield from _runnable(node.orelse, optional)
        elif isinstance(node, ast.Try):
            caught = any(_catches_import_error(h) for h in node.handlers)
            yield from _runnable(node.body, optional or caught)
            for handler in node.handlers:
                yield from _runnable(handler.body, optional)
            yield from _runnable(node.orelse + node.finalbody, optional)


def _unknowable(tree: ast.Module) -> bool:
    """Whether a star import or a module `__getattr__` can provide any name here."""
    return any((isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names))
               or (isinstance(node, ast.FunctionDef) and node.name == "__getattr__")
               for node, _ in _runnable(tree.body))


def _optional_bindings(tree: ast.Module, name: str, module: str,
                       file: str) -> list[str] | None:
    """The modules whose optional import binds `name` in a module's top level.

    Optional: under `try:` with a handler that catches ImportError.
    None when anything else binds it (a def, a class, an assignment, an import that is
    not optional, or one that cannot be resolved): then its absence has another cause.
    """
    found: list[str] = []
    for node, optional in _runnable(tree.body):
        imported: list[str | None] = []
        if isinstance(node, ast.Import):
            imported = [a.name for a in node.names
                        if (a.asname or a.name.partition(".")[0]) == name]
        elif isinstance(node, ast.ImportFrom):
            if any((a.asname or a.name) == name for a in node.names):
                imported = [_resolve(node, module, file)]
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if node.name == name:
                return None
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(n, ast.Name) and n.id == name
                   for t in targets for n in ast.walk(t)):
                return None
        if imported and (not optional or None in imported):
            return None
        found.extend(i for i in imported if i is not None)
    return found


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
        absent = [_not_there(b, where, root) for b in bindings]
        return Absent(absent[0] or "",
                      f"{module} imports it optionally and has no {name} without it",
                      part=False) if all(absent) else None
    # A package of an installation that does not include a part its modules import:
    # nothing there, and its own text never names it (a name it lost is a bug instead).
    if (bindings is not None and installed(file) and Path(file).stem == "__init__"
            and not _mentions(tree, name)
            and _first_absent([name], [str(Path(file).parent)],
                              where.extension_suffixes) is not None):
        return Absent(f"{module}.{name}", "no such module, nor a name of that package",
                      part=True)
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

    A module listed in its file's `__lazy_modules__` (assigned before the import) is
    imported lazily from Python 3.15 on, by an absolute import at module level outside
    `try` and `with` blocks; before 3.15 the import runs where it stands. None when
    that is not what failed.
    """
    if where.version[:2] >= (3, 15):
        return None
    tree = parse(file)
    if tree is None:
        return None
    lazy: set[str] = set()
    for node in _top_level(tree.body):
        if node.lineno <= line <= (node.end_lineno or node.lineno):
            if isinstance(node, ast.ImportFrom) and not node.level:
                named = [node.module or ""]
            elif isinstance(node, ast.Import):
                named = [a.name for a in node.names]
            else:
                return None
            return next((n for n in named if n in lazy), None)
        if (isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__lazy_modules__" for t in node.targets)
                and isinstance(node.value, ast.Set | ast.List | ast.Tuple)):
            lazy = {e.value for e in node.value.elts
                    if isinstance(e, ast.Constant) and isinstance(e.value, str)}
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


def raises_import_error(file: str, line: int) -> bool:
    """Whether the module-level statement at `file:line` is a `raise ImportError(...)`.

    That is the module's author saying it cannot work here (matplotlib's Qt backend:
    "Failed to import any of the following Qt binding modules"), not an import that
    went wrong.
    """
    tree = parse(file)
    statement = _innermost(tree.body, line) if tree is not None else None
    if not isinstance(statement, ast.Raise) or statement.exc is None:
        return False
    exc = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
    return isinstance(exc, ast.Name) and exc.id in ("ImportError", "ModuleNotFoundError")
