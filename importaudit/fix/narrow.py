"""IA103's narrower import: a name taken from the module that defines it.

`from pkg.api import Helper`, where `pkg.api` re-exports `Helper` from `pkg.small` and
imports much else, becomes `from pkg.small import Helper`. The name stays bound at
module level to the same object (the proof checks that), so this is the fix where
deferring is refused: a base class, a decorator, module-level code. Which names move
and to where is the review's decision (`review.eager.narrower`): only when the load
graph shows that importing the module then loads less (the parent `__init__` of the
defining module runs either way). Here the statements are only rewritten, with libcst:
the other names of a statement stay where they were, comments and formatting kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

if TYPE_CHECKING:
    from collections.abc import Mapping

#: The kind of rewrite shown in the output and JSON when nothing else moved.
NARROWED = "narrowed"


def _bound(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    name = alias.name
    return name.value if isinstance(name, cst.Name) else ""


def _module(dotted: str) -> cst.Attribute | cst.Name:
    first, *rest = dotted.split(".")
    node: cst.Attribute | cst.Name = cst.Name(first)
    for part in rest:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def narrow(source: str, homes: Mapping[str, str]) -> tuple[str, tuple[str, ...]]:
    """`source` with each module-level `from X import name` of `homes` taken from its home.

    `homes` maps a bound name to the module defining it. Only plain statements of the
    module body are rewritten (one under if/try runs conditionally: the review does not
    count it). Returns the new text and the names narrowed, in the module's order.
    Without `homes` (most deferrals) the text is as it was: it is not parsed again.
    """
    if not homes:
        return source, ()
    module = cst.parse_module(source)
    body: list[cst.BaseStatement] = []
    done: list[str] = []
    for statement in module.body:
        small = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) \
            and len(statement.body) == 1 else None
        if not isinstance(small, cst.ImportFrom) or isinstance(small.names, cst.ImportStar):
            body.append(statement)
            continue
        assert isinstance(statement, cst.SimpleStatementLine)
        moving: dict[str, list[cst.ImportAlias]] = {}
        staying: list[cst.ImportAlias] = []
        for alias in small.names:
            home = homes.get(_bound(alias))
            if home is None:
                staying.append(alias)
            else:
                moving.setdefault(home, []).append(alias)
        if not moving:
            body.append(statement)
            continue
        lead = statement.leading_lines
        if staying:
            body.append(statement.with_changes(body=[_only(small, staying, None)]))
            lead = ()
        for home, aliases in moving.items():
            body.append(cst.SimpleStatementLine(body=[_only(small, aliases, home)],
                                                leading_lines=lead))
            lead = ()
            done.extend(_bound(a) for a in aliases)
    return module.with_changes(body=body).code, tuple(done)


def _only(node: cst.ImportFrom, aliases: list[cst.ImportAlias],
          home: str | None) -> cst.ImportFrom:
    """`node` importing only `aliases`, from `home` (absolute) when one is given."""
    chosen = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in aliases]
    if home is None:
        return node.with_changes(names=chosen, lpar=None, rpar=None)
    return node.with_changes(module=_module(home), relative=[], names=chosen,
                             lpar=None, rpar=None)
