"""The gate's statistics: how sure a count of runs over a limit makes it.

* a time budget fails only when every measured run was over it: under the hypothesis
  that the module's typical time is within budget, that happens with probability at
  most 0.5**n (a sign test), so the confidence is 1 - 0.5**n;
* a time regression fails only when every run is slower than every baseline run. With
  n runs now and m in the baseline, under "nothing changed" all orderings of the n + m
  runs are equally likely, and the chance that all n come last is 1 / C(n + m, n) (an
  exact rank test), so the confidence is 1 - 1 / C(n + m, n).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:

    from importaudit.model import Report


def budget_confidence(runs: int) -> float:
    """Sign test: how sure 'every one of `runs` runs was over budget' makes us."""
    return 1.0 - 0.5 ** max(runs, 0)


def separation_confidence(runs: int, baseline_runs: int) -> float:
    """Exact rank test: how sure 'every run slower than every baseline run' makes us."""
    if runs < 1 or baseline_runs < 1:
        return 0.0
    orderings = math.comb(runs + baseline_runs, runs)
    # Hundreds of repeats make the count too big for a float (OverflowError), long after
    # 1 / orderings has stopped making any difference to a float near 1.
    return 1.0 - 1.0 / orderings if orderings < 1 << 64 else 1.0


def runs_needed(confidence: float, baseline_runs: int) -> int:
    """The fewest runs for which a full separation reaches `confidence`."""
    n = 1
    while separation_confidence(n, baseline_runs) + 1e-12 < confidence and n < 1000:
        n += 1
    return n


def speed_factor(report: Report, baseline: Report) -> float | None:
    """How much slower this machine starts a bare interpreter than the baseline's did."""
    now = report.meta.startup_ns if report.meta is not None else None
    then = baseline.meta.startup_ns if baseline.meta is not None else None
    if not now or not then:
        return None
    return now / then
