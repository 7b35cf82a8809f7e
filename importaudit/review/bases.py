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
    source = _source(tree, name)
    if budget[0] < 0 or source is None:
        return True
    module, is_package, statements, attr = source
    for stmt in statements:
        if isinstance(stmt, ast.ClassDef) and stmt.name == attr:
            return _class_builds(tree, module, is_package, statements, stmt, budget)
    for stmt in statements:
        if isinstance(stmt, ast.ImportFrom):
            origin = resolve_relative(module, is_package, stmt.level, stmt.module)
            for alias in stmt.names:
                if (alias.asname or alias.name) == attr and origin:
                    return _builds(tree, f"{origin}.{alias.name}", budget)
    return True  # not defined where it was looked for (a module __getattr__, a star import)


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


def _class_builds(tree: LoadGraph, module: str, is_package: bool,
                  statements: list[ast.stmt], node: ast.ClassDef, budget: list[int]) -> bool:
    if any(k.arg == "metaclass" for k in node.keywords):
        return True
    if any(isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
           and f.name == "__init_subclass__" for f in node.body):
        return True
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
    for base in node.bases:
        # `t.Generic[T]` (click's ParamType) is the class subscripted.
        written = dotted(base.value if isinstance(base, ast.Subscript) else base)
        if written is None:
            return True  # a computed base: not read
        head, _, rest = written.partition(".")
        if head in aliases:
            resolved = f"{aliases[head]}.{rest}" if rest else aliases[head]
        elif any(isinstance(s, ast.ClassDef) and s.name == head for s in statements):
            resolved = f"{module}.{written}"
        else:
            resolved = written  # a builtin (`object`, `Exception`) or unknown
        if _builds(tree, resolved, budget):
            return True
    return False
