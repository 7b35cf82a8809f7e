"""The CI gate: a pure decision `evaluate(report, config, baseline) -> Verdict`.

One module per job: `outcome` (what the checks share), `stats` (the tests below),
`budgets`, `regression` (against the baseline), `rules` (forbidden modules, cycles),
`contracts` (layers, independence) and `calibration` (noise, apart from the verdict).

Deterministic facts are checked first, because a runner's noise cannot move them: which
modules an import loads and how many, forbidden modules (with the chain that loaded
them), heap bytes from tracemalloc, import cycles. Wall-clock time comes last and is
judged statistically, so a noisy machine does not fail the build:

* a time budget fails only when every measured run was over it: under the hypothesis
  that the module's typical time is within budget, that happens with probability at
  most 0.5**n (a sign test), so the confidence is 1 - 0.5**n;
* a time regression fails only when the median is over the baseline median by more than
  BOTH the relative and the absolute tolerance, AND every run is slower than every
  baseline run. With n runs now and m in the baseline, under "nothing changed" all
  orderings of the n + m runs are equally likely, and the chance that all n come last is
  1 / C(n + m, n) (an exact rank test), so the confidence is 1 - 1 / C(n + m, n).

A failing check below the configured confidence is a warning, never a violation. When
both reports measured the bare interpreter's start-up, baseline times are scaled by
the start-up ratio first, so a baseline recorded on a faster machine does not fail a
slower runner (never scaled down: a faster machine only makes the gate more lenient).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from importaudit.gate.budgets import (
    check_budget_memory,
    check_budget_modules,
    check_budget_time,
    check_failure,
    check_ignores,
    subjects,
)
from importaudit.gate.calibration import Calibration, TargetSpread, calibrate
from importaudit.gate.contracts import check_contracts
from importaudit.gate.outcome import SHOWN, Outcome, covers, heap_gaps_of, load_graph, matches
from importaudit.gate.regression import (
    check_heap_regression,
    check_new_modules,
    check_time_regression,
    compare,
    compare_environments,
    compared_modules,
)
from importaudit.gate.rules import check_cycles, check_forbidden
from importaudit.gate.stats import (
    budget_confidence,
    runs_needed,
    separation_confidence,
    speed_factor,
)

if TYPE_CHECKING:
    from importaudit.config import Config
    from importaudit.model import Report, Verdict

__all__ = [
    "SHOWN", "Calibration", "TargetSpread", "budget_confidence", "calibrate",
    "compared_modules", "covers", "evaluate", "matches", "runs_needed",
    "separation_confidence", "speed_factor",
]


def evaluate(report: Report, config: Config, baseline: Report | None = None) -> Verdict:
    """Judge `report` against the budgets, rules and tolerances of `config`.

    `baseline` (a saved report) enables the regression checks and the "new cycles"
    policy. Pure: the same inputs always give the same verdict.
    """
    out = Outcome()
    index = load_graph(report, config.ignore)
    compared = compare(report, baseline, index, config, out) if baseline is not None else None
    tolerance = config.tolerance
    measured = bool(index.live)

    check_failure(report, out)
    check_ignores(report, baseline, config, out)
    # Deterministic: module sets and counts, forbidden modules, memory, cycles.
    for budget in config.budgets if measured else ():
        if not subjects(index, budget.pattern):
            out.warnings.append(f"budget pattern {budget.pattern!r} matches no measured module")
        check_budget_modules(index, budget, out)
    if measured and compared is not None:
        check_new_modules(report, compared, tolerance, out)
    for rule in config.forbidden:
        check_forbidden(report, index, rule, config, out)
    gaps = heap_gaps_of(report)
    for budget in config.budgets if measured else ():
        check_budget_memory(index, budget, out, gaps)
    if measured and compared is not None:
        check_heap_regression(report, compared, tolerance, out)
    check_cycles(report, baseline, config, out)
    check_contracts(report, index, config, out)
    # Statistical: wall-clock time, judged with the repeats.
    for budget in config.budgets if measured else ():
        check_budget_time(index, budget, out, tolerance.confidence)
    if measured and compared is not None:
        check_time_regression(report, compared, tolerance, out)
    if baseline is not None:
        compare_environments(report, baseline, out)
    return out.verdict()
