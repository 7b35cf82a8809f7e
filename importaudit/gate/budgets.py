"""Checks against absolute limits: the import itself, stale ignores, the budgets.

A budget judges counts and heap first (deterministic facts) and time last, with the
sign test of `importaudit.gate.stats`: only when every run was over it.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from importaudit.gate.outcome import SHOWN, Outcome, matches, pct, runs_of
from importaudit.gate.stats import budget_confidence
from importaudit.loadgraph import LoadGraph, ancestors
from importaudit.model import Violation
from importaudit.units import format_bytes, format_ns

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from importaudit.config import Budget, Config
    from importaudit.model import HeapGap, ModuleRecord, Report


def check_failure(report: Report, out: Outcome) -> None:
    """A failed import is a violation of its own: nothing after it is measured."""
    failure = report.failure
    if failure is None:
        return
    subject = failure.module or ", ".join(report.targets) or "targets"
    out.record("import", subject, [Violation(
        check="import", subject=subject,
        message=f"the import failed ({failure.kind}): {failure.message}",
        file=failure.file, line=failure.line,
    )])


def check_ignores(report: Report, baseline: Report | None, config: Config,
                   out: Outcome) -> None:
    """Warn about `ignore` patterns that no longer match any module."""
    names = {m.name for m in report.modules}
    if baseline is not None:
        names |= {m.name for m in baseline.modules}
    if report.graph is not None:
        names |= {n.name for n in report.graph.modules}
    for cycle in report.cycles:
        names |= set(cycle.modules)
    if not names:
        return
    for pattern in config.ignore:
        if not any(matches(n, pattern) for n in names):
            out.warnings.append(
                f"ignore pattern {pattern!r} matches no module any more: remove it"
            )


def subjects(index: LoadGraph, pattern: str) -> list[ModuleRecord]:
    """The measured modules a budget pattern applies to, with the figures it judges.

    A submodule's own record leaves out its parent packages, which were running (or had
    run) when it was loaded; importing it alone runs them first, with all they import.
    So its figures are summed over everything its import loads: the medians of the own
    costs, and for the fastest time the sum of the fastest own times, which no run's
    total can be below (so "every run was over budget" still holds when it is).
    """
    subjects = []
    for own in index.measured.values():
        if not matches(own.name, pattern):
            continue
        record = own
        if _summed(index, own.name):
            chosen = [index.measured[n] for n in index.loads([own.name])]
            record = dataclasses.replace(
                own, cumulative_ns=sum(r.self_ns for r in chosen),
                cumulative_ns_min=sum(r.self_ns_min or r.self_ns for r in chosen),
                heap_bytes=_sum_of(r.self_heap_bytes for r in chosen)
                if own.heap_bytes is not None else None,
                rss_bytes=_sum_of(r.self_rss_bytes for r in chosen)
                if own.rss_bytes is not None else None,
            )
        subjects.append(record)
    return subjects


def _summed(index: LoadGraph, name: str) -> bool:
    """Whether `subjects` sums a module's figures over what its import loads."""
    return any(parent in index.live for parent in ancestors(name)[1:])


def heap_covers(index: LoadGraph, name: str) -> frozenset[str]:
    """The modules whose heap figures a budget's heap figure for `name` is made of."""
    return index.loads([name]) if _summed(index, name) else frozenset((name,))


def _sum_of(values: Iterable[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def check_budget_modules(index: LoadGraph, budget: Budget, out: Outcome) -> None:
    """How many modules importing each budgeted module loads."""
    if budget.max_modules is None:
        return
    for record in subjects(index, budget.pattern):
        loaded = index.loads([record.name])
        count = len(loaded)
        violations = []
        if count > budget.max_modules:
            # Name the direct imports that pull in the most (what would no longer load
            # without each), to say where to cut.
            name = record.name
            heavy = sorted(
                ((len(index.saving([name], [(name, c)])), c) for c in index.imports(name)
                 if c in index.live),
                reverse=True,
            )[:SHOWN]
            biggest = ", ".join(f"{c} ({n})" for n, c in heavy if n)
            violations.append(Violation(
                check="budget.max_modules", subject=record.name,
                message=f"importing {record.name} loads {count} modules, budget "
                        f"{budget.max_modules}" + (f"; most come through {biggest}"
                                                   if biggest else ""),
                measured=count, limit=budget.max_modules, file=record.origin,
            ))
        out.record("budget.max_modules", record.name, violations,
                   f"{count} modules (budget {budget.max_modules})")


def check_budget_memory(index: LoadGraph, budget: Budget, out: Outcome,
                        gaps: Mapping[str, HeapGap] | None = None) -> None:
    """Heap and RSS of each budgeted module against its limits.

    A heap figure made of any module a heap run left unmeasured (`gaps`) is judged
    neither way: it would be a part taken for the whole.
    """
    gaps = gaps or {}
    limits = (("budget.max_heap_bytes", budget.max_heap_bytes, "heap_bytes", "heap"),
              ("budget.max_rss_bytes", budget.max_rss_bytes, "rss_bytes", "RSS growth"))
    for check, limit, attr, label in limits:
        if limit is None:
            continue
        unjudged: list[str] = []
        for record in subjects(index, budget.pattern):
            touched = sorted(n for n in heap_covers(index, record.name) if n in gaps) \
                if attr == "heap_bytes" and gaps else []
            if touched:
                from importaudit.runtime.heapgaps import why_unmeasured

                unjudged.append(record.name)
                out.record(check, record.name, [],
                           f"cannot judge: {why_unmeasured(touched, gaps)}", undecided=True)
                continue
            value: int | None = getattr(record, attr)
            if value is None:
                why = "the heap run did not happen (--no-memory?)" if attr == "heap_bytes" \
                    else "RSS was not measured"
                out.record(check, record.name, [], f"not measured: {why}", skipped=True)
                continue
            violations = []
            if value > limit:
                violations.append(Violation(
                    check=check, subject=record.name,
                    message=f"importing {record.name} takes {format_bytes(value)} of {label}, "
                            f"budget {format_bytes(limit)}",
                    measured=value, limit=limit, file=record.origin,
                ))
            out.record(check, record.name, violations,
                       f"{format_bytes(value)} (budget {format_bytes(limit)})")
        for name in unjudged:
            touched = sorted(n for n in heap_covers(index, name) if n in gaps)
            out.cannot_judge(f"{check} {name}", touched, gaps)


def check_budget_time(index: LoadGraph, budget: Budget, out: Outcome,
                       confidence: float) -> None:
    """Import time against the budget: failing only when every run was over it."""
    limit = budget.max_cumulative_ns
    if limit is None:
        return
    for record in subjects(index, budget.pattern):
        runs = runs_of(record)
        fastest = record.cumulative_ns_min or record.cumulative_ns
        sure = budget_confidence(runs)
        violations = []
        detail = f"median {format_ns(record.cumulative_ns)}, fastest {format_ns(fastest)} " \
                 f"(budget {format_ns(limit)})"
        if fastest > limit and sure + 1e-12 >= confidence:
            violations.append(Violation(
                check="budget.max_cumulative_ms", subject=record.name,
                message=f"importing {record.name} takes {format_ns(record.cumulative_ns)} "
                        f"(median; fastest of {runs} runs {format_ns(fastest)}), budget "
                        f"{format_ns(limit)}; all {runs} runs over budget: "
                        f"{pct(sure)} confident",
                measured=record.cumulative_ns, limit=limit, file=record.origin,
                confidence=sure,
            ))
        elif record.cumulative_ns > limit:
            reason = (f"only {runs} run{'s' if runs != 1 else ''}: {pct(sure)} confidence, "
                      f"below {pct(confidence)}" if fastest > limit
                      else "its fastest run was within budget, so this may be noise")
            out.warnings.append(
                f"{record.name} took {format_ns(record.cumulative_ns)} (median) against a "
                f"budget of {format_ns(limit)}, not failing: {reason}"
            )
        out.record("budget.max_cumulative_ms", record.name, violations, detail)
