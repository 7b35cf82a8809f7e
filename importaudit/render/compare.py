"""Pure views the review renderers share: per-module metrics, before/after rows, finding diffs.

The Markdown and HTML reviews show the same numbers; they come from here. "After fix"
is an estimate only where the tool can make one from measurements: the module's
measured cost minus the measured savings of its findings whose fix defers imports
(IA101, IA102, IA103, IA501). When an isolated profile is given, "current" is what
importing the module alone costs in a fresh interpreter, otherwise that same
cost estimated from the report's profile (the own costs of its import closure).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from importaudit.loadgraph import LoadGraph, ancestors
from importaudit.model import Impact
from importaudit.review.impact import add_impacts, impact_key, subtract_impact

if TYPE_CHECKING:
    from collections.abc import Iterable

    from importaudit.model import Finding, Report

#: Rules whose fix defers exactly the measured impact, so "after fix" can be estimated.
SAVING_CODES = frozenset({"IA101", "IA102", "IA103", "IA501"})
#: Findings about the review itself, not about the code's cost.
META_CODES = frozenset({"IA001"})


@dataclass(frozen=True, slots=True)
class MetricRow:
    """One module's measured cost now, and after its findings' fixes where estimable."""

    module: str
    current: Impact
    after: Impact | None
    codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CompareRow:
    """One module measured in two reports (None: absent from that report)."""

    module: str
    before: Impact | None
    after: Impact | None


@dataclass(frozen=True, slots=True)
class FindingDiff:
    """Findings of the before report fixed in the after report, still there, or new."""

    resolved: tuple[Finding, ...]
    remaining: tuple[Finding, ...]
    new: tuple[Finding, ...]


def module_cost(report: Report, module: str, tree: LoadGraph | None = None) -> Impact | None:
    """What importing `module` costs in `report`: itself and all it imports (None: absent).

    From a tree profile: the summed own costs of the module's import closure, parent
    packages left out, so a subpackage's row is comparable between an eager and a lazy
    version of its package. From an isolated profile: its measured standalone cost.
    """
    tree = tree or LoadGraph(report.modules)
    record = tree.get(module)
    if record is None:
        return None
    if report.meta is not None and report.meta.mode == "isolated":
        if record.runs == 0:
            return None  # its isolated runs did not finish: nothing measured
        # measured alone in a fresh interpreter: the record is the standalone cost
        return Impact(record.cumulative_ns, record.heap_bytes, record.rss_bytes, None)
    # what the module and everything it imports cost, its parent packages left out
    return tree.standalone([module], ancestors(module)[1:])


def review_findings(report: Report) -> tuple[Finding, ...]:
    """The report's findings about the code (suppression bookkeeping left out)."""
    return tuple(f for f in report.findings if f.code not in META_CODES)


def target_roots(report: Report) -> list[str]:
    """The modules the targets name that the profile measured."""
    names = {r.name for r in report.modules}
    return [t for t in report.targets if t in names]


def metric_rows(report: Report, isolated: Report | None = None) -> list[MetricRow]:
    """Rows for the targets and every module with findings, costliest first."""
    source = isolated or report
    tree = LoadGraph(source.modules)
    findings = review_findings(report)
    subjects = dict.fromkeys([*target_roots(report), *sorted({f.module for f in findings})])
    rows = []
    for module in subjects:
        current = module_cost(source, module, tree)
        if current is None:
            continue
        mine = [f for f in findings if f.module == module]
        savings = [f.impact for f in mine if f.code in SAVING_CODES]
        after = subtract_impact(current, add_impacts(savings)) if savings else None
        rows.append(MetricRow(module, current, after, tuple(sorted({f.code for f in mine}))))
    rows.sort(key=lambda r: tuple(-v for v in impact_key(r.current)))
    return rows


def compare_rows(
    before: Report, after: Report, subjects: Iterable[str] | None = None,
    counts: tuple[Report, Report] | None = None,
) -> list[CompareRow]:
    """Each subject module's cost before and after, by module name.

    Default subjects: the targets and every module with findings in `before`.

    `counts` are tree profiles that say how many modules importing each subject alone
    loads, for isolated profiles (which measure costs but do not count modules).
    """
    if subjects is None:
        names = [*target_roots(before), *target_roots(after),
                 *sorted({f.module for f in review_findings(before)})]
        subjects = dict.fromkeys(names)
    before_tree, after_tree = LoadGraph(before.modules), LoadGraph(after.modules)
    rows = [CompareRow(m, module_cost(before, m, before_tree), module_cost(after, m, after_tree))
            for m in subjects]
    rows = [r for r in rows if r.before is not None or r.after is not None]
    if counts is not None:
        trees = (LoadGraph(counts[0].modules), LoadGraph(counts[1].modules))

        def counted(cost: Impact | None, tree: LoadGraph, module: str) -> Impact | None:
            if cost is None or module not in tree:
                return cost
            return replace(cost, modules=len(tree.loads([module])))

        rows = [CompareRow(r.module, counted(r.before, trees[0], r.module),
                           counted(r.after, trees[1], r.module)) for r in rows]
    rows.sort(key=lambda r: r.module)  # stable between runs, packages grouped
    return rows


def reduction(before: int | None, after: int | None) -> float | None:
    """How much smaller `after` is than `before`, in percent (None: not comparable)."""
    if before is None or after is None or before <= 0:
        return None
    return 100.0 * (before - after) / before


def diff_findings(before: Report, after: Report) -> FindingDiff:
    """Match findings by rule code and module: resolved, remaining and new ones."""
    after_keys = {(f.code, f.module) for f in review_findings(after)}
    before_keys = {(f.code, f.module) for f in review_findings(before)}
    return FindingDiff(
        resolved=tuple(f for f in review_findings(before) if (f.code, f.module) not in after_keys),
        remaining=tuple(f for f in review_findings(before) if (f.code, f.module) in after_keys),
        new=tuple(f for f in review_findings(after) if (f.code, f.module) not in before_keys),
    )


def split_fix(fix: str) -> tuple[str, str]:
    """A finding's fix as (instruction, example code): code follows the first blank line."""
    text, _, code = fix.partition("\n\n")
    return text.strip(), code.rstrip()
