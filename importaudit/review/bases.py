"""Whether a library class does work for each class derived from it, read from its source.

IA602 points at a group of classes derived from one library class when that class's
metaclass or `__init_subclass__` builds each as its statement runs (pydantic's models).
A plain base builds nothing: celery.bin.base's five `click.ParamType` subclasses cost
next to nothing, while its `PythonLexer()` compiled pygments' regexes. The measured
modules' files say which: the class statement of the base (followed through the
re-exports and bases its module imports) declares a metaclass, or an `__init_subclass__`,
or it does not. What cannot be read (a module without source, a name served by a module
`__getattr__`) is not known to be plain.
"""

from __future__ import annotations

import ast
import builtins
import sys
from typing import TYPE_CHECKING

from importaudit.review.syntax import dotted, resolve_relative
from importaudit.runtime.absent import parse

if TYPE_CHECKING:
    from collections.abc import Iterator

    from importaudit.loadgraph import LoadGraph

#: How many re-exports and bases are followed before giving up (unknown, not plain).
_MAX_STEPS = 20


def _top_level(body: list[ast.stmt]) -> list[ast.stmt]:
    """A module's statements, those under `if`/`try` included (not functions' or classes')."""
    out: list[ast.stmt] = []
    for stmt in body:
        out.append(stmt)
        if isinstance(stmt, ast.If):
            out += _top_level(stmt.body) + _top_level(stmt.orelse)
        elif isinstance(stmt, ast.Try):
            out += _top_level([*stmt.body, *stmt.orelse, *stmt.finalbody])
    return out


def _split(tree: LoadGraph, name: str) -> tuple[str, str] | None:
    """`pkg.mod.Class` -> (`pkg.mod`, `Class`), the longest measured module prefix."""
    module, _, attr = name.rpartition(".")
    while module:
        if module in tree:
            return module, attr
        module, _, rest = module.rpartition(".")
        attr = f"{rest}.{attr}"
    return None


def builds_subclasses(tree: LoadGraph, name: str) -> bool:
    """Whether deriving from class `name` (dotted) may run work per class (not known plain).

    False only when its class statement and all its bases' are found in measured
    modules' source and none declares a metaclass or `__init_subclass__`; bases in the
    standard library count as plain, as IA602 leaves stdlib bases out of its groups.
    """
    return _builds(tree, name, [_MAX_STEPS])


def _builds(tree: LoadGraph, name: str, budget: list[int]) -> bool:
    budget[0] -= 1
    if "." not in name:
        # A builtin (`object`, `Exception`) is plain; any other bare name was not read.
        return not isinstance(getattr(builtins, name, None), type)
    if name.partition(".")[0] in sys.stdlib_module_names:
        return False
    if budget[0] < 0:
        return True
    found = _lookup(tree, name)
    if isinstance(found, str):
        return _builds(tree, found, budget)
    if found is None:
        return True  # no source, or not defined where it was looked for
    node, bases = found
    # A metaclass or `__init_subclass__` may build each subclass; a computed base
    # (None) was not read.
    return (any(k.arg == "metaclass" for k in node.keywords)
            or any(isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
                   and f.name == "__init_subclass__" for f in node.body)
            or any(base is None or _builds(tree, base, budget) for base in bases))


def ancestors(tree: LoadGraph, name: str) -> Iterator[str]:
    """The classes that deriving from class `name` (dotted) derives from, `name` first.

    Re-exports are followed to the class statement, and its bases as the source writes
    them (resolved through its imports), as far as measured modules' source shows: a
    base without readable source (pydantic's compiled or lazily served `BaseModel`) is
    still yielded, so its package is known, but not followed further.
    """
    seen: set[str] = set()
    stack = [name]
    while stack and len(seen) < _MAX_STEPS:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        yield current
        if "." not in current or current.partition(".")[0] in sys.stdlib_module_names:
            continue
        found = _lookup(tree, current)
        if isinstance(found, str):
            stack.append(found)
        elif found is not None:
            stack.extend(reversed([b for b in found[1] if b is not None]))


def _lookup(tree: LoadGraph, name: str) -> tuple[ast.ClassDef, list[str | None]] | str | None:
    """The class statement of `name` with its bases resolved, or the name it re-exports.

    None when its module has no readable source or does not define it (a module
    `__getattr__`, a star import).
    """
    source = _source(tree, name)
    if source is None:
        return None
    module, is_package, statements, attr = source
    for stmt in statements:
        if isinstance(stmt, ast.ClassDef) and stmt.name == attr:
            return stmt, _resolved_bases(module, is_package, statements, stmt)
    for stmt in statements:
        if isinstance(stmt, ast.ImportFrom):
            origin = resolve_relative(module, is_package, stmt.level, stmt.module)
            for alias in stmt.names:
                if (alias.asname or alias.name) == attr and origin:
                    return f"{origin}.{alias.name}"
    return None


def _source(tree: LoadGraph, name: str) -> tuple[str, bool, list[ast.stmt], str] | None:
    """Where `name` is looked up: its measured module's source, read.

    (module, is a package, its top-level statements, the name in it), or None when it
    has no readable Python source.
    """
    found = _split(tree, name)
    record = None if found is None else tree.get(found[0])
    path = "" if record is None else record.origin or ""
    if found is None or "." in found[1] or not path.endswith(".py"):
        return None  # no source, a nested class, or a submodule that did not load
    parsed = parse(path)
    if parsed is None:
        return None
    return found[0], path.endswith("__init__.py"), _top_level(parsed.body), found[1]


def _resolved_bases(module: str, is_package: bool, statements: list[ast.stmt],
                    node: ast.ClassDef) -> list[str | None]:
    """The dotted names of a class statement's bases, resolved through its module's imports.

    None for a base computed by an expression; a builtin or unknown name as written.
    """
    aliases: dict[str, str] = {}
    for stmt in statements:
        if isinstance(stmt, ast.ImportFrom):
            source = resolve_relative(module, is_package, stmt.level, stmt.module)
            if source:
                aliases.update({a.asname or a.name: f"{source}.{a.name}" for a in stmt.names})
        elif isinstance(stmt, ast.Import):
            aliases.update({a.asname or a.name.partition(".")[0]:
                            a.name if a.asname else a.name.partition(".")[0]
                            for a in stmt.names})
    resolved: list[str | None] = []
    for base in node.bases:
        # `t.Generic[T]` (click's ParamType) is the class subscripted.
        written = dotted(base.value if isinstance(base, ast.Subscript) else base)
        if written is None:
            resolved.append(None)
            continue
        head, _, rest = written.partition(".")
        if head in aliases:
            resolved.append(f"{aliases[head]}.{rest}" if rest else aliases[head])
        elif any(isinstance(s, ast.ClassDef) and s.name == head for s in statements):
            resolved.append(f"{module}.{written}")
        else:
            resolved.append(written)  # a builtin (`object`, `Exception`) or unknown
    return resolved
