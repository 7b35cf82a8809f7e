"""IA501: imports only annotations need move under `if TYPE_CHECKING:`.

Which imports qualify is the review's own decision (`review.annotations.annotation_only`,
the rule IA501 runs); this module only rewrites them with libcst, reusing the statement
surgery of `lazy_init`. Where the module's annotations are evaluated (no
`from __future__ import annotations`) and a moved name appears in one, the future
import is added after the docstring. A moved name leaves the module's namespace, so a
name that is part of its API is left alone: one another module of the tree imports
from it (the review never counts a name listed in `__all__` as annotation-only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst
import libcst.matchers as m
from libcst.metadata import MetadataWrapper, PositionProvider

from importaudit.fix import reads
from importaudit.fix.lazy_init import (
    Refusal,
    guard_moved,
    imports_typing,
    take_out,
)
from importaudit.review.annotations import annotation_only
from importaudit.review.source import Use, module_facts

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

_FUTURE = "from __future__ import annotations\n"


@dataclass(frozen=True, slots=True)
class TypingPlan:
    """The annotation-only imports of one module that move, and what stays."""

    module: str
    file: Path
    source: str
    names: tuple[str, ...] = ()
    refusals: tuple[Refusal, ...] = ()
    moves: dict[int, frozenset[str]] = field(default_factory=dict)
    future: bool = False  # add `from __future__ import annotations`
    binds_type_checking: bool = False

    @property
    def added(self) -> tuple[str, ...]:
        """The names the rewrite's own statements bind in the module."""
        return (*(() if self.binds_type_checking else ("TYPE_CHECKING",)),
                *(("annotations",) if self.future else ()))


def plan_typing(module: str, file: Path, relpath: str, *, is_package: bool,
                imported: frozenset[str], read: frozenset[str] = frozenset()) -> TypingPlan:
    """Plan IA501 for `module`; `imported` are the names other modules import from it.

    `read`: names that annotations the project reads at run time use, which stay.
    """
    source = reads.text(file)
    facts = module_facts(module, str(file), is_package=is_package)
    plan = TypingPlan(module, file, source)
    if facts is None:
        return plan
    tree = MetadataWrapper(cst.parse_module(source), unsafe_skip_copy=True)
    lines = tree.resolve(PositionProvider)
    index_of = {lines[s].start.line: i for i, s in enumerate(tree.module.body)
                if isinstance(s, cst.SimpleStatementLine) and len(s.body) == 1
                and isinstance(s.body[0], cst.Import | cst.ImportFrom)}
    refusals: list[Refusal] = []
    moves: dict[int, set[str]] = {}
    names: list[str] = []
    evaluated = False
    for binding in annotation_only(facts, read):
        reason = None  # (a name listed in __all__ is an export: never annotation-only)
        if binding.name in imported:
            reason = f"another module imports {binding.name} from {module}"
        elif binding.line not in index_of:
            reason = "the import is not a statement of its own at module level"
        if reason is not None:
            refusals.append(Refusal(module, relpath, binding.line, reason, binding.name))
            continue
        moves.setdefault(index_of[binding.line], set()).add(binding.name)
        names.append(binding.name)
        evaluated |= Use.EVALUATED_ANNOTATION in facts.uses_of(binding.name)
    # Imported, or assigned as typing defines it (Pillow's `TYPE_CHECKING = False`): a
    # second one was written, and the proof saw the original's counted as added.
    checking = (any(b.name == "TYPE_CHECKING" for b in facts.bindings)
                or own_type_checking(tree.module.body, 0) is not None)
    return TypingPlan(module, file, source, tuple(names), tuple(refusals),
                      {i: frozenset(n) for i, n in moves.items()},
                      evaluated and not facts.lazy_annotations, checking)


def _future_at(body: list[cst.BaseStatement]) -> int:
    """Where `from __future__ import annotations` goes: after the docstring and futures."""
    at = 0
    for statement in body:
        if not isinstance(statement, cst.SimpleStatementLine):
            break
        small = statement.body[0]
        docstring = at == 0 and isinstance(small, cst.Expr) and isinstance(
            small.value, cst.SimpleString | cst.ConcatenatedString)
        future = isinstance(small, cst.ImportFrom) and isinstance(small.module, cst.Name) \
            and small.module.value == "__future__"
        if not (docstring or future):
            break
        at += 1
    return at


def _spaced(statement: cst.BaseStatement) -> cst.BaseStatement:
    """`statement` after a blank line, unless its leading lines start with one."""
    if not isinstance(statement, cst.SimpleStatementLine | cst.BaseCompoundStatement):
        return statement
    lines = list(statement.leading_lines)
    if lines and lines[0].comment is None:
        return statement
    return statement.with_changes(leading_lines=[cst.EmptyLine(), *lines])


def own_type_checking(body: Sequence[cst.BaseStatement], start: int) -> int | None:
    """The index of the first statement from `start` on that binds `TYPE_CHECKING`.

    A module may import its own TYPE_CHECKING below the first import a rewrite moves
    (rich.console imports os before typing; sqlalchemy imports typing after its
    dependencies): a block guarded by it must go after that statement, not before.
    """
    binds = m.SimpleStatementLine(body=[m.ImportFrom(names=[
        m.ZeroOrMore(), m.ImportAlias(name=m.Name("TYPE_CHECKING")), m.ZeroOrMore()])
        | m.Assign(targets=[m.AssignTarget(target=m.Name("TYPE_CHECKING"))])])
    return next((i for i in range(start, len(body)) if m.matches(body[i], binds)), None)


def render_typing(plan: TypingPlan) -> str:
    """The module with the planned imports under `if TYPE_CHECKING:`."""
    module = cst.parse_module(plan.source)
    body, insert_at, lead, moved = take_out(module, plan.moves)
    if insert_at is None:
        return plan.source
    if plan.future:
        at = _future_at(body)
        future = cst.parse_statement(_FUTURE)
        if at > 0:  # keep PEP 8's blank line after a docstring
            future = future.with_changes(leading_lines=[cst.EmptyLine()])
        if at < len(body):  # and a blank line after the futures (a licence header
            body[at] = _spaced(body[at])  # above the next import stays its own)
        body.insert(at, future)
        insert_at += 1 if at <= insert_at else 0
    binding = own_type_checking(body, insert_at) if plan.binds_type_checking else None
    if binding is not None:
        insert_at, lead = binding + 1, []
    if insert_at > 0 and (not lead or lead[0].comment is not None) and isinstance(
            body[insert_at - 1], cst.SimpleStatementLine):
        # The new block follows imports (or the future import) after a blank line.
        lead = [cst.EmptyLine(), *lead]
    return guard_moved(module, body, insert_at, lead, moved,
                       binds_type_checking=plan.binds_type_checking,
                       has_typing=imports_typing(body))
