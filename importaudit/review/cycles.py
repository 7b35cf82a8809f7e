"""Rule about import cycles: one finding per cycle that runs at import time.

The static graph's cycles come with a shortest witness path (file:line on every edge)
and suggested cuts. Only cycles whose every witness edge executes at import time are
real import cycles; one through a deferred, type-only or lazy edge is already broken.
Cross-package cycles come first: they couple packages that should layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from importaudit.loadgraph import ancestors
from importaudit.model import IMPORT_TIME_KINDS, Proof, Severity
from importaudit.render.cycletext import claim_sentence
from importaudit.review.registry import RuleDoc, register
from importaudit.review.source import ANNOTATION_USES, Use

if TYPE_CHECKING:
    from collections.abc import Iterator

    from importaudit.model import Cycle, Finding, ImportEdge
    from importaudit.review.context import ReviewContext


def _uses(ctx: ReviewContext, edge: ImportEdge) -> set[Use]:
    """How the importer uses what the edge's statement binds."""
    facts = ctx.facts(edge.importer)
    uses: set[Use] = set()
    if facts is not None:
        for binding in facts.bindings:
            if binding.line == edge.line:
                uses |= facts.uses_of(binding.name)
    return uses


def _how_to_cut(ctx: ReviewContext, edge: ImportEdge) -> str | None:
    """The fix for one edge when the importer does not need it at import time."""
    where = f"{edge.file}:{edge.line}" if edge.file and edge.line else edge.importer
    uses = _uses(ctx, edge)
    if uses and uses <= ANNOTATION_USES:
        return (f"move the import of {edge.imported} at {where} under "
                "`if TYPE_CHECKING:` (it is used only in annotations)")
    if uses and uses <= {Use.FUNCTION, *ANNOTATION_USES}:
        return (f"move the import of {edge.imported} at {where} into the functions that "
                "use it (it is not needed at import time)")
    return None


def _fix(ctx: ReviewContext, cycle: Cycle) -> str:
    """Cheap cuts on the witness path first; otherwise restructure at the suggested cut."""
    cheap = [how for e in cycle.witness if (how := _how_to_cut(ctx, e)) is not None]
    if cheap:
        return "Break the cycle: " + "; or ".join(cheap[:2]) + "."
    at = (cycle.cut or cycle.witness[:1])[0]
    where = f"{at.file}:{at.line}" if at.file and at.line else at.importer
    return (f"Break the cycle at {where} ({at.importer} -> {at.imported}), which is needed "
            "at import time: move what both sides share into a module that neither "
            "imports back, or expose the name lazily with a module __getattr__.")


def _sort_key(cycle: Cycle) -> tuple[int, int, tuple[str, ...]]:
    return (0 if cycle.cross_package else 1, len(cycle.witness), cycle.modules)


@register(
    "IA201", "import-cycle", "Import cycle",
    RuleDoc(
        what="Modules that import each other at import time, directly or through a "
             "chain (for example risk_management -> trading_engine -> risk_management).",
        why="Whichever side is imported first sees the other half-initialised: a "
            "`from x import name` then fails with ImportError, import order starts to "
            "matter, and importing either side loads both. A cycle across packages "
            "also means neither package can be used or tested alone.",
        fix="Break one edge of the witness path: move an import used only in annotations "
            "under `if TYPE_CHECKING:`, one used only in functions into those functions, "
            "or move the shared code into a module both can import.",
        example="# risk_management/integration/engine.py\nfrom typing import "
                "TYPE_CHECKING\nif TYPE_CHECKING:\n    from trading_engine import Engine\n\n"
                "def attach(engine: 'Engine') -> None:\n    from trading_engine import "
                "hooks  # deferred: breaks the cycle\n    hooks.register(engine)",
    ),
)
def import_cycle(ctx: ReviewContext) -> Iterator[Finding]:
    """IA201: cycles of the static graph whose witness runs entirely at import time."""
    for cycle in sorted(ctx.report.cycles, key=_sort_key):
        if not cycle.witness or any(e.kind not in IMPORT_TIME_KINDS for e in cycle.witness):
            continue
        path = (*tuple(e.importer for e in cycle.witness), cycle.witness[-1].imported)
        # What the members need beyond their packages' __init__ files (which run anyway).
        packages = {a for m in cycle.modules for a in ancestors(m)[1:]} - set(cycle.modules)
        impact = ctx.tree.standalone(cycle.modules, packages)
        cut = cycle.cut or cycle.witness[:1]
        at = cut[0]
        claim = claim_sentence(cycle)
        scope = (f"across packages {', '.join(cycle.packages)}" if cycle.cross_package
                 else "inside one package")
        yield ctx.make_finding(
            "IA201", "Import cycle", at.importer,
            f"Import cycle {scope} through {len(cycle.modules)} module(s): "
            f"{' -> '.join(path)}.{' ' if claim else ''}{claim}",
            _fix(ctx, cycle),
            impact=impact, file=at.file, line=at.line, chain=path, floor=_floor(cycle),
        )


def _floor(cycle: Cycle) -> Severity:
    """How serious a cycle is at least, by what is known about it failing at import.

    High when it fails (reproduced, or suspected and not run: unverified); an
    order-dependent cycle that did not fail when run ranks as any other cycle.
    """
    if cycle.fails or (cycle.can_fail and cycle.proof is Proof.UNVERIFIED):
        return Severity.HIGH
    return Severity.MEDIUM if cycle.cross_package else Severity.LOW
