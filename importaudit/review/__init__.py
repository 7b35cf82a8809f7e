"""Review: rules that turn a measured profile and a static graph into findings.

`run_review(report)` runs every registered rule (one module per rule family) over a
report that holds a runtime profile and, ideally, a static graph with cycles; it
applies suppressions and returns the findings ranked by measured impact. Each finding
carries a stable code (see `importaudit rules`), the place, the measured `Impact`, a
severity graded from that impact, and a fix: its first paragraph says what to do, and
what follows a blank line is example code.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importaudit.model import Finding, Report
    from importaudit.review.context import ReviewSettings
    from importaudit.review.suppress import Suppression


@dataclass(frozen=True, slots=True)
class ReviewResult:
    """The ranked findings (stale suppressions included) and what was suppressed."""

    findings: tuple[Finding, ...]
    suppressed: tuple[tuple[Finding, Suppression], ...]


def rank(findings: tuple[Finding, ...] | list[Finding]) -> tuple[Finding, ...]:
    """Findings ordered by severity, then measured impact, then place (deterministic)."""
    from importaudit.review.impact import impact_key

    def key(f: Finding) -> tuple[int, int, tuple[int, int, int, int], str, str, int]:
        time, heap, rss, modules = impact_key(f.impact)
        # At equal severity, what spans more packages (a cross-package cycle) comes first.
        packages = len({m.split(".", 1)[0] for m in f.chain})
        return (-int(f.severity), -packages, (-time, -heap, -rss, -modules), f.code,
                f.module, f.line or 0)

    return tuple(sorted(findings, key=key))


def run_review(report: Report, settings: ReviewSettings | None = None) -> ReviewResult:
    """Run the rules over `report` and apply inline and config suppressions."""
    from importaudit.review import suppress
    from importaudit.review.context import ReviewContext
    from importaudit.review.eager import fold_utility_pulls, with_served
    from importaudit.review.impact import group_shared_costs
    from importaudit.review.lazydecl import note_declared_lazy
    from importaudit.review.overlap import fold_same_imports
    from importaudit.review.registry import all_rules

    ctx = ReviewContext(report, settings)
    rules = all_rules()
    selected = ctx.settings.select
    found: list[Finding] = []
    # A skipped module (for another platform, or needing what is not installed) did not
    # import here: what was measured of it is partial, and it is nothing to fix. Nor did
    # a module below it, or one its failing import ran (plotly.matplotlylib's
    # mplexporter, whose renderers loaded 107 modules before one needed matplotlib).
    # But a finding about why its module fails (a cycle proven to fail at import) stays:
    # the failure is its evidence, not a partial measurement.
    from importaudit.loadgraph import ancestors
    from importaudit.review.impact import claim_key

    skipped = {s.name for s in report.skipped}
    failed = {m.name for m in report.modules if m.error is not None}
    for rule in rules:
        if rule.check is None or (selected is not None and rule.code not in selected):
            continue
        found.extend(rule.check(ctx))
    found = [f for f in fold_utility_pulls(ctx, found)
             if (f.module not in failed or claim_key(f) in ctx.failure_findings)
             and skipped.isdisjoint(ancestors(f.module))]
    if ctx.settings.fold_pulls:  # `fix` plans each finding's rewrite: it asks unfolded
        found = fold_same_imports(found, ctx.claims, ctx.floors)
    with_served(ctx, ctx.claims)
    found = group_shared_costs(ctx.tree, found, ctx.claims, ctx.regrade)
    found = note_declared_lazy(report, found)
    sups = ctx.suppressions()
    ran = None if selected is None else frozenset(selected)
    outcome = suppress.apply(found, sups, frozenset(r.code for r in rules), ran)
    return ReviewResult(rank([*outcome.findings, *outcome.unused]), outcome.suppressed)


def unsettled(report: Report, settings: ReviewSettings | None = None) -> dict[str, int]:
    """Modules whose time verdict hangs on a figure near its threshold -> that threshold.

    Measured again with more runs (`api.review`), their verdict moves less between
    reviews; no other rule judges time alone.
    """
    from importaudit.review import sideeffects
    from importaudit.review.context import ReviewContext, ReviewSettings

    settings = settings or ReviewSettings()
    if settings.select is not None and "IA602" not in settings.select:
        return {}
    ctx = ReviewContext(report, settings)
    return sideeffects.unsettled(ctx)


def review_report(report: Report, settings: ReviewSettings | None = None) -> Report:
    """`report` with its findings replaced by those of a fresh review."""
    result = run_review(report, settings)
    return dataclasses.replace(report, findings=result.findings)
