"""What every check of the gate shares: the outcome being built, names, places, numbers."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from importaudit.checks import check_id
from importaudit.loadgraph import LoadGraph
from importaudit.model import CheckResult, Verdict, Violation

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from importaudit.model import HeapGap, ImportEdge, ModuleRecord, Report, StaticGraph


#: How many new modules / culprits a message names before it says "and N more".
SHOWN = 5


def matches(name: str, pattern: str) -> bool:
    """Whether a module name matches a pattern (a glob over the dotted name)."""
    return name == pattern or fnmatchcase(name, pattern)


def covers(name: str, forbidden: str) -> bool:
    """Whether `forbidden` names `name`: the module itself, a submodule, or a glob match."""
    return name == forbidden or name.startswith(forbidden + ".") or fnmatchcase(name, forbidden)


def pct(value: float) -> str:
    """A share as a percentage: one decimal, or as many as tell it from 100% (99.996%)."""
    for digits in range(1, 7):
        text = f"{100 * value:.{digits}f}"
        if float(text) < 100 or value >= 1:
            return text + "%"
    return f"{100 * value:.6f}%"


def delta(now: int, then: int, fmt: Callable[[int | None], str]) -> str:
    """`then -> now (+change, +percent)` in the units of `fmt`."""
    change = f"{(now - then) / then:+.0%}" if then else "new"
    return f"{fmt(then)} -> {fmt(now)} ({'+' if now >= then else ''}{fmt(now - then)}, {change})"


@dataclass(slots=True)
class Outcome:
    """What the checks found so far (mutable while evaluating, frozen into a Verdict)."""

    checks: list[CheckResult] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    undecided: list[str] = field(default_factory=list)  # checks it could not judge, why

    def record(self, check: str, subject: str, violations: Sequence[Violation],
               detail: str = "", *, skipped: bool = False, undecided: bool = False) -> None:
        """Record one check: its violations, or why it passed (was skipped, or undecided)."""
        self.violations.extend(violations)
        text = detail or "; ".join(v.message for v in violations)
        self.checks.append(CheckResult(check_id(check, subject),
                                       not violations and not undecided, text,
                                       skipped=skipped, undecided=undecided))

    def verdict(self) -> Verdict:
        """The outcome, frozen."""
        return Verdict(
            passed=not self.violations and not self.undecided,
            violations=tuple(self.violations),
            checks=tuple(self.checks), warnings=tuple(dict.fromkeys(self.warnings)),
            notes=tuple(self.notes), undecided=tuple(dict.fromkeys(self.undecided)),
        )

    def cannot_judge(self, check: str, names: Sequence[str],
                     gaps: Mapping[str, HeapGap], *, baseline: bool = False) -> None:
        """Record that `check` cannot judge `names`: heap figures a heap run left out."""
        if names:
            from importaudit.runtime.heapgaps import why_unmeasured

            self.undecided.append(
                f"{check}: {why_unmeasured(names, gaps, baseline=baseline)}")



def load_graph(report: Report, ignore: Sequence[str],
           exclude: frozenset[str] = frozenset()) -> LoadGraph:
    """The report's load graph without ignored modules (and `exclude`d ones)."""
    return LoadGraph(report.modules, exclude=lambda name: name in exclude or any(
        matches(name, p) for p in ignore), heap_unknown=heap_gaps_of(report))


def heap_gaps_of(report: Report) -> dict[str, HeapGap]:
    """Each module a heap run left without heap figures, and its gap (`meta.heap_gaps`).

    The runtime's code is loaded only for a report that has gaps: a static check
    judges a report without a run.
    """
    if report.meta is None or not report.meta.heap_gaps:
        return {}
    from importaudit.runtime.heapgaps import unmeasured

    return unmeasured(report)


def runs_of(record: ModuleRecord) -> int:
    """How many runs a record stands for (1 when it does not say)."""
    # A record that does not say how many runs saw it (hand-written JSON) may hold one
    # run's numbers: claiming the report's repeats would overstate the confidence.
    return record.runs or 1


def origin(index: LoadGraph, chain: Sequence[str] | None) -> str | None:
    """The file of the module that made the last import in a chain (where to fix it)."""
    if not chain or len(chain) < 2:
        return None
    record = index.measured.get(chain[-2])
    return record.origin if record is not None else None


def edge_location(graph: StaticGraph | None,
                   chain: Sequence[str]) -> tuple[str | None, int | None]:
    """file:line of the last hop of `chain` that the static graph knows a statement for."""
    if graph is None:
        return None, None
    located: dict[tuple[str, str], ImportEdge] = {}
    for edge in graph.edges:
        if edge.file is not None:
            located.setdefault((edge.importer, edge.imported), edge)
    for importer, imported in reversed(list(itertools.pairwise(chain))):
        found = located.get((importer, imported))
        if found is not None:
            return found.file, found.line
    return None, None
