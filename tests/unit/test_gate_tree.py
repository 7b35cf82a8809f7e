"""The gate on tree profiles (`check --tree`): every submodule judged, one false-alarm rate."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from gate_samples import MS, only, pkg_records, rec, report, result

from importaudit.config import Budget, Config, CyclePolicy
from importaudit.gate import evaluate

if TYPE_CHECKING:
    from importaudit.model import Report


def lazy_tree(engine_ms: float, *, heap: int = 100_000, extra: bool = False,
              mode: str = "tree") -> Report:
    """pkg (lazy __init__) and pkg.engine, which only the tree import loads, with numpy."""
    records = (
        rec("pkg", ms=5.0, heap=50_000, order=0),
        rec("pkg.engine", ms=engine_ms, heap=heap, order=1),
        rec("numpy", "pkg.engine", ms=2.0, heap=10_000, order=2),
        *((rec("pandas", "pkg.engine", ms=1.0, order=3),) if extra else ()),
    )
    built = report(*records)
    assert built.meta is not None
    return dataclasses.replace(built, meta=dataclasses.replace(built.meta, mode=mode))


def test_a_tree_baseline_judges_every_submodule_it_measured():
    verdict = evaluate(lazy_tree(400.0, heap=5_000_000, extra=True), Config(cycles=CyclePolicy.OFF),
                       lazy_tree(100.0))
    # the lazily loaded submodule got 300 ms slower, heavier and loads one more module;
    # the package itself, all that was compared before, did not change
    assert {(v.check, v.subject) for v in verdict.violations} == {
        ("regression.time", "pkg.engine"), ("regression.heap", "pkg.engine"),
        ("regression.modules", "pkg.engine")}
    assert result(verdict, "regression.time", "pkg").passed
    # the dependency it loads is judged through it, not on its own
    assert not any(c.name.endswith("numpy") for c in verdict.checks)


def wide_tree(slow: float, *, runs: int, mode: str = "tree", size: int = 40) -> Report:
    """pkg with `size` lazily loaded submodules; pkg.m0 takes `slow` ms."""
    records = (rec("pkg", ms=5.0, runs=runs, order=0),
               *(rec(f"pkg.m{i}", ms=slow if i == 0 else 10.0, runs=runs, order=i + 1)
                 for i in range(size)))
    built = report(*records, repeats=runs)
    assert built.meta is not None
    return dataclasses.replace(built, meta=dataclasses.replace(built.meta, mode=mode))


def test_a_tree_check_holds_its_false_alarm_rate_for_the_whole_run():
    # 3 runs against 3: a module whose runs all come after the baseline's happens by
    # chance 1 time in 20 (95% confidence). Judged alone that fails the check; as one of
    # 41 modules of a tree, 41 such chances would make an unchanged tree fail one run in
    # three, so each needs 1 - 5%/41 and 3 + 3 runs cannot give it: a warning.
    alone = evaluate(report(rec("pkg", ms=20.0, runs=3), repeats=3),
                     Config(cycles=CyclePolicy.OFF), report(rec("pkg", ms=10.0, runs=3), repeats=3))
    assert [(v.check, v.subject) for v in alone.violations] == [("regression.time", "pkg")]
    assert "modules compared" not in alone.violations[0].message
    tree = evaluate(wide_tree(20.0, runs=3), Config(cycles=CyclePolicy.OFF),
                    wide_tree(10.0, runs=3))
    assert tree.passed, tree.violations
    assert any("pkg.m0 looks slower" in w and "one of 41 modules" in w for w in tree.warnings)
    assert any("use --repeat" in w for w in tree.warnings)
    # with enough runs the same regression fails, and says why it was sure
    sure = evaluate(wide_tree(20.0, runs=7), Config(cycles=CyclePolicy.OFF),
                    wide_tree(10.0, runs=7))
    assert [(v.check, v.subject) for v in sure.violations] == [("regression.time", "pkg.m0")]
    assert "one of 41 modules compared" in sure.violations[0].message


def test_submodules_are_compared_only_against_a_baseline_measured_the_same_way():
    verdict = evaluate(lazy_tree(400.0), Config(cycles=CyclePolicy.OFF),
                       lazy_tree(100.0, mode="import"))
    assert verdict.passed
    assert not any("pkg.engine" in c.name for c in verdict.checks)


def test_time_and_heap_budgets_on_a_submodule_count_the_parents_python_runs():
    # pkg.util alone costs 2 ms of its own, but importing it runs pkg (and pkg.core) first
    config = Config(budgets=(Budget("pkg.util", max_cumulative_ns=10 * MS,
                                    max_heap_bytes=500_000),), cycles=CyclePolicy.OFF)
    verdict = evaluate(report(*pkg_records(pkg_ms=20)), config)
    time = only(verdict, "budget.max_cumulative_ms")
    # own times: pkg 1 ms, pkg.core 16 ms, pkg.util 2 ms
    assert time.measured == 19 * MS
    heap = only(verdict, "budget.max_heap_bytes")
    assert heap.measured == 1_000_000 + 500_000 + 100_000
