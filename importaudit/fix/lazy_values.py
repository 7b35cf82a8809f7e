"""Module-level values built from a heavy import, made lazy so the import can be deferred.

`PRICE_GRID = np.round(np.arange(0.0, 10_000.0, 0.01), 2)` uses numpy while the module
is imported, so `import numpy as np` cannot move into a function (ISSUE-3318's
`utils/core.py`). When nothing in the module itself reads the value (a module
`__getattr__` does not serve the module's own global lookups) and the expression reads
only imported names and builtins, the assignment becomes a function, `_lazy_PRICE_GRID`,
and a PEP 562 `__getattr__` builds the value on first access and caches it in the
module; `__dir__` still lists it, and a module without `__all__` gets the list its star
import bound (the values are not in its namespace until first use). The deferral then
finds numpy used only inside a function and moves it there. The proof checks that every
value resolves to an object of the same type as before.
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING

import libcst as cst
import libcst.matchers as m
from libcst.metadata import Assignment, ImportAssignment

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from libcst.metadata import Scope

#: Names the lazy-value code binds in the module (private: not part of what it shows).
PREFIX = "_lazy_"


def _assigned(statement: cst.BaseStatement) -> tuple[str, cst.BaseExpression] | None:
    """`NAME = expr` at module level: the name and the expression."""
    if not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1):
        return None
    small = statement.body[0]
    if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(
            small.targets[0].target, cst.Name):
        return small.targets[0].target.value, small.value
    return None


def _reads(value: cst.BaseExpression) -> set[str]:
    """The names an expression reads (not attribute names, not keyword names)."""
    named = {id(n.attr) for n in m.findall(value, m.Attribute()) if isinstance(n, cst.Attribute)}
    named |= {id(n.keyword) for n in m.findall(value, m.Arg()) if isinstance(n, cst.Arg)}
    return {n.value for n in m.findall(value, m.Name())
            if isinstance(n, cst.Name) and id(n) not in named}


def candidates(module: cst.Module, scope: Scope, heavy: frozenset[str]
               ) -> dict[int, tuple[str, frozenset[str]]]:
    """Statement index -> (name, heavy names it reads) of each value that can be lazy.

    `heavy` are the names of imports the deferral wants to move. A value qualifies when
    its expression reads one of them and otherwise only imported names and builtins,
    and nothing in the module reads, rebinds or lists the name.
    """
    if scope.assignments["__getattr__"] or scope.assignments["__dir__"]:
        return {}
    imported = {a.name for a in scope.assignments if isinstance(a, ImportAssignment)}
    found: dict[int, tuple[str, frozenset[str]]] = {}
    for index, statement in enumerate(module.body):
        assigned = _assigned(statement)
        if assigned is None:
            continue
        name, value = assigned
        reads = _reads(value)
        if not reads & heavy or name.startswith("_"):
            continue
        if any(r not in imported and not (hasattr(builtins, r) and not scope.assignments[r])
               for r in reads):
            continue
        if any(m.findall(value, m.Lambda() | m.GeneratorExp() | m.ListComp() | m.SetComp()
                         | m.DictComp() | m.NamedExpr() | m.Await() | m.Yield())):
            continue  # scopes and effects of their own: keep it simple and exact
        bindings = scope.assignments[name]
        if len(bindings) != 1 or any(True for _ in next(iter(bindings)).references):
            continue
        found[index] = (name, frozenset(reads & heavy))
    return found


def render(module: cst.Module, values: Mapping[int, tuple[str, frozenset[str]]],
           star: Sequence[str] | None) -> str:
    """The module with each value of `values` built by `__getattr__` on first access.

    `star` is what the module's star import bound (None: it has `__all__`).
    """
    body = list(module.body)
    for index, (name, _) in values.items():
        statement = body[index]
        assigned = _assigned(statement)
        assert assigned is not None
        function = cst.parse_statement(f"def {PREFIX}{name}():\n    return _\n")
        assert isinstance(function, cst.FunctionDef)
        inner = function.body.body[0]
        assert isinstance(inner, cst.SimpleStatementLine)
        returned = inner.with_changes(body=[cst.Return(value=assigned[1])])
        body[index] = function.with_changes(
            body=function.body.with_changes(body=[returned]),
            leading_lines=statement.leading_lines)
    entries = "".join(f"    {name!r}: {PREFIX}{name},\n" for name, _ in values.values())
    tail = (
        "\n\n# Built on first access (PEP 562), then cached; written by `importaudit fix`.\n"
        f"{PREFIX}values = {{\n{entries}}}\n\n\n"
        "def __getattr__(name):\n"
        "    try:\n"
        f"        make = {PREFIX}values[name]\n"
        "    except KeyError:\n"
        "        raise AttributeError(\n"
        '            "module %r has no attribute %r" % (__name__, name)) from None\n'
        "    value = globals()[name] = make()\n"
        "    return value\n\n\n"
        "def __dir__():\n"
        f"    return sorted(set(globals()) | set({PREFIX}values))\n")
    if star is not None:
        listed = "".join(f"    {name!r},\n" for name in star)
        tail += f"\n\n__all__ = [\n{listed}]\n"
    return module.with_changes(body=body).code.rstrip("\n") + "\n" + tail


def star_names(module: cst.Module, scope: Scope) -> list[str]:
    """What `from module import *` binds without `__all__`: its public module-level names.

    A name bound only under `if TYPE_CHECKING:` never exists at run time (IA501 puts
    imports there), and `import a.b` binds a (libcst also records the dotted name).
    """
    everything: m.MatchIfTrue[cst.CSTNode] = m.MatchIfTrue(lambda _: True)
    hidden = {id(node) for statement in module.body
              if isinstance(statement, cst.If)
              and cst.Module([]).code_for_node(statement.test).endswith("TYPE_CHECKING")
              for node in m.findall(statement.body, everything)}
    return sorted({a.name for a in scope.assignments
                   if not a.name.startswith("_") and "." not in a.name
                   and not (isinstance(a, ImportAssignment | Assignment)
                            and id(a.node) in hidden)})
