"""The gate's decisions over hand-built reports: every check, pass and fail."""

from __future__ import annotations

import dataclasses
import random

import pytest
from gate_samples import MS, cycle, edge, graph, only, pkg_records, rec, report, result

from importaudit.config import Budget, Config, CyclePolicy, ForbiddenRule, Tolerance
from importaudit.gate import (
    budget_confidence,
    evaluate,
    runs_needed,
    separation_confidence,
)
from importaudit.model import ChildFailure, EdgeKind, ImportTrial, Proof

# --------------------------------------------------------------------------- statistics


def test_confidences_are_the_exact_test_probabilities():
    assert budget_confidence(5) == pytest.approx(1 - 1 / 32)
    assert separation_confidence(5, 5) == pytest.approx(1 - 1 / 252)
    assert separation_confidence(3, 3) == pytest.approx(0.95)
    assert separation_confidence(0, 5) == 0.0
    assert runs_needed(0.95, 3) == 3
    assert runs_needed(0.99, 5) == 4  # C(9, 4) = 126 -> 99.2 %
    # --repeat 1000 against a baseline of 1000: no float overflow, just certainty.
    assert separation_confidence(1000, 1000) == 1.0


# --------------------------------------------------------------------------- what a module loads


def test_module_count_follows_cache_hits_of_a_second_target():
    records = (
        rec("a", order=0), rec("shared", "a", order=1, importers=("a", "b")),
        rec("b", order=2), rec("b.x", "b", order=3),
    )
    verdict = evaluate(report(*records, targets=("a", "b")),
                       Config(budgets=(Budget("b", max_modules=2),)))
    # b's import statement found `shared` already loaded by a: importing b alone loads it
    assert only(verdict, "budget.max_modules").measured == 3


def test_ignored_and_preloaded_modules_are_not_counted():
    records = (*pkg_records(), rec("pkg.noise", "pkg"), rec("site", "pkg", preloaded=True))
    config = Config(budgets=(Budget("pkg", max_modules=3),), ignore=("pkg.noise",))
    assert evaluate(report(*records), config).passed


# --------------------------------------------------------------------------- deterministic


def test_max_modules_budget_names_count_limit_and_where_they_come_from():
    config = Config(budgets=(Budget("pkg", max_modules=2),))
    verdict = evaluate(report(*pkg_records()), config)
    violation = only(verdict, "budget.max_modules")
    assert not verdict.passed
    assert (violation.measured, violation.limit) == (3, 2)
    assert "importing pkg loads 3 modules, budget 2" in violation.message
    assert "pkg.core (2)" in violation.message
    assert evaluate(report(*pkg_records()), Config(budgets=(Budget("pkg", max_modules=3),))).passed


def test_budget_pattern_is_a_glob_over_submodules_with_the_parents_python_runs():
    config = Config(budgets=(Budget("pkg.*", max_modules=2),))
    verdict = evaluate(report(*pkg_records()), config)
    # importing pkg.util runs pkg's __init__ first, which imports pkg.core: 3 modules
    util = next(v for v in verdict.violations if v.subject == "pkg.util")
    assert (util.measured, util.limit) == (3, 2)
    assert [v.subject for v in verdict.violations] == ["pkg.core", "pkg.util"]
    assert evaluate(report(*pkg_records()), Config(budgets=(Budget("pkg.*", max_modules=3),))
                    ).passed


def test_forbidden_module_is_reported_with_the_chain_that_loaded_it():
    extra = (rec("numpy", "pkg.util", order=3), rec("numpy.linalg", "numpy", order=4))
    config = Config(forbidden=(ForbiddenRule("pkg", ("numpy", "pandas")),))
    verdict = evaluate(report(*pkg_records(extra=extra)), config)
    violation = only(verdict, "forbidden")
    assert violation.chain == ("pkg", "pkg.core", "pkg.util", "numpy")
    assert "importing pkg loads forbidden numpy (via pkg -> pkg.core -> pkg.util -> numpy)" \
        in violation.message
    assert violation.file == "/src/pkg/util.py"  # the module whose import statement did it
    assert result(verdict, "forbidden", "pkg -> pandas").passed


def test_forbidden_chain_gets_file_and_line_from_the_static_graph():
    extra = (rec("numpy", "pkg.util", order=3),)
    static = graph(edge("pkg", "pkg.core"), edge("pkg.core", "pkg.util", line=4),
                   edge("pkg.util", "numpy", line=7))
    config = Config(forbidden=(ForbiddenRule("pkg", ("numpy",)),))
    violation = only(evaluate(report(*pkg_records(extra=extra), graph=static), config),
                     "forbidden")
    assert (violation.file, violation.line) == ("pkg/util.py", 7)


def test_forbidden_seen_through_a_cache_hit_of_a_later_target():
    records = (rec("a", order=0), rec("numpy", "a", order=1, importers=("a", "b")),
               rec("b", order=2))
    config = Config(forbidden=(ForbiddenRule("b", ("numpy",)),))
    violation = only(evaluate(report(*records, targets=("a", "b")), config), "forbidden")
    assert violation.chain == ("b", "numpy")


def test_forbidden_module_not_loaded_passes():
    config = Config(forbidden=(ForbiddenRule("pkg", ("numpy",)),))
    verdict = evaluate(report(*pkg_records()), config)
    assert verdict.passed
    assert result(verdict, "forbidden", "pkg -> numpy").detail == "numpy not loaded"


def test_forbidden_static_counts_only_import_time_edges():
    static = graph(
        edge("pkg", "pkg.core"),
        edge("pkg.core", "numpy", EdgeKind.DEFERRED, line=9),
        edge("pkg.core", "pandas", EdgeKind.TYPE_ONLY, line=3),
        edge("pkg.core", "sqlalchemy", EdgeKind.EAGER, line=5, external=True),
    )
    empty = dataclasses.replace(report(), modules=(), graph=static)
    config = Config(forbidden=(ForbiddenRule("pkg", ("numpy", "pandas", "sqlalchemy")),))
    verdict = evaluate(empty, config)
    violation = only(verdict, "forbidden")
    assert violation.subject == "pkg -> sqlalchemy"
    assert violation.chain == ("pkg", "pkg.core", "sqlalchemy")
    assert (violation.file, violation.line) == ("pkg/core.py", 5)
    assert "static" in violation.message


def test_heap_budget_and_unmeasured_heap_is_a_skipped_check():
    config = Config(budgets=(Budget("pkg", max_heap_bytes=500_000),))
    violation = only(evaluate(report(*pkg_records(heap=800_000)), config),
                     "budget.max_heap_bytes")
    assert "781 KiB of heap, budget 488 KiB" in violation.message
    verdict = evaluate(report(*pkg_records(heap=None)), config)
    assert verdict.passed
    skipped = result(verdict, "budget.max_heap_bytes", "pkg")
    assert skipped.skipped
    assert "did not happen" in skipped.detail


def test_heap_regression_needs_both_tolerances():
    base = report(*pkg_records(heap=1_000_000))
    tolerance = Tolerance(heap_relative=0.10, heap_absolute_bytes=200_000)
    config = Config(tolerance=tolerance)
    # +15 % but only +150 kB: within the absolute tolerance.
    assert evaluate(report(*pkg_records(heap=1_150_000)), config, base).passed
    # +30 %, +300 kB: both exceeded.
    violation = only(evaluate(report(*pkg_records(heap=1_300_000)), config, base),
                     "regression.heap")
    assert violation.subject == "pkg"
    assert "+30%" in violation.message
    assert "grew most: pkg +" in violation.message


def test_new_modules_against_the_baseline_are_named_with_their_chain():
    base = report(*pkg_records())
    now = report(*pkg_records(extra=(rec("json", "pkg.util", order=3),
                                     rec("json.decoder", "json", order=4))))
    violation = only(evaluate(now, Config(), base), "regression.modules")
    assert "now loads 2 more modules than the baseline (3 -> 5)" in violation.message
    assert "json (via pkg -> pkg.core -> pkg.util -> json)" in violation.message
    assert violation.chain == ("pkg", "pkg.core", "pkg.util", "json")
    assert evaluate(now, Config(tolerance=Tolerance(new_modules=2)), base).passed


def test_a_new_module_only_some_runs_loaded_is_a_warning_not_a_regression():
    # A thread started by the import won the race in 2 of 5 runs: not a deterministic fact.
    base = report(*pkg_records())
    now = report(*pkg_records(extra=(rec("telemetry", "pkg", runs=2, order=3),)))
    verdict = evaluate(now, Config(), base)
    assert verdict.passed, verdict.violations
    assert verdict.warnings == (
        "telemetry: loaded in only some of the 5 runs of pkg, so not counted as new modules",)
    assert result(verdict, "regression.modules", "pkg").detail == "3 -> 3 modules"
    every_run = report(*pkg_records(extra=(rec("telemetry", "pkg", order=3),)))
    assert only(evaluate(every_run, Config(), base), "regression.modules").subject == "pkg"


def test_removed_modules_pass_and_are_mentioned():
    base = report(*pkg_records(extra=(rec("json", "pkg.util", order=3),)))
    verdict = evaluate(report(*pkg_records()), Config(), base)
    assert verdict.passed
    assert "no longer loads json" in result(verdict, "regression.modules", "pkg").detail


def test_ignore_excludes_modules_and_warns_when_it_matches_nothing():
    base = report(*pkg_records())
    now = report(*pkg_records(extra=(rec("_distutils_hack", "pkg", order=3),)))
    verdict = evaluate(now, Config(ignore=("_distutils_hack", "gone.*")), base)
    assert verdict.passed
    assert verdict.warnings == (
        "ignore pattern 'gone.*' matches no module any more: remove it",)


def test_failed_import_is_a_violation():
    failed = dataclasses.replace(
        report(*pkg_records()),
        failure=ChildFailure(kind="import-error", message="ImportError: boom", module="pkg.core"),
    )
    violation = only(evaluate(failed, Config()), "import")
    assert violation.subject == "pkg.core"
    assert "ImportError: boom" in violation.message


# --------------------------------------------------------------------------- cycles

AB = cycle(edge("pkg.a", "pkg.b", line=3), edge("pkg.b", "pkg.a", line=8))
CD = cycle(edge("pkg.c", "pkg.d", line=1), edge("pkg.d", "pkg.c", line=2))
TYPE_ONLY = cycle(edge("pkg.e", "pkg.f"), edge("pkg.f", "pkg.e", EdgeKind.TYPE_ONLY))
STATIC = graph(edge("pkg", "pkg.a"))


def test_cycle_policy_none_fails_on_a_cycle_with_its_witness_and_location():
    verdict = evaluate(report(graph=STATIC, cycles=(AB,)), Config())
    violation = only(verdict, "cycle")
    assert violation.message.startswith("import cycle: pkg.a -> pkg.b -> pkg.a")
    assert "break it at pkg.b -> pkg.a (pkg/b.py:8)" in violation.message
    assert (violation.file, violation.line) == ("pkg/a.py", 3)


def test_cycle_violations_say_what_running_the_claim_showed():
    failed = ImportTrial("pkg.a", error="ImportError: cannot import name 'X' from partially "
                         "initialized module 'pkg.a'", file="pkg/b.py", line=8, circular=True)
    fails = dataclasses.replace(AB, can_fail=True, proof=Proof.FAILS, trials=(failed,))
    message = only(evaluate(report(graph=STATIC, cycles=(fails,)), Config()), "cycle").message
    assert message.endswith(". It fails at import: importing pkg.a first: ImportError: cannot "
                            "import name 'X' from partially initialized module 'pkg.a' at "
                            "pkg/b.py:8.")
    tried = dataclasses.replace(AB, can_fail=True, proof=Proof.NOT_REPRODUCED,
                                trials=(ImportTrial("pkg.a"),))
    message = only(evaluate(report(graph=STATIC, cycles=(tried,)), Config()), "cycle").message
    assert "order-dependent" in message and "did not fail from 1 entry point(s)" in message
    static = dataclasses.replace(AB, can_fail=True)
    message = only(evaluate(report(graph=STATIC, cycles=(static,)), Config()), "cycle").message
    assert "(unverified: no code ran)" in message


def test_type_only_cycles_do_not_count_by_default():
    verdict = evaluate(report(graph=STATIC, cycles=(TYPE_ONLY,)), Config())
    assert verdict.passed
    assert not evaluate(report(graph=STATIC, cycles=(TYPE_ONLY,)),
                        Config(kinds=frozenset(EdgeKind))).passed


def test_allowed_cycles_pass_and_stale_allowances_warn():
    config = Config(allow_cycles=(frozenset({"pkg.a", "pkg.b"}), frozenset({"x", "y"})))
    verdict = evaluate(report(graph=STATIC, cycles=(AB,)), config)
    assert verdict.passed
    assert result(verdict, "cycle", "pkg.a <-> pkg.b").detail == "known cycle (allowed)"
    assert verdict.warnings == ("allowed cycle x <-> y no longer exists: remove it from "
                                "allow_cycles",)


def test_cycle_policy_new_fails_only_on_cycles_the_baseline_lacked():
    config = Config(cycles=CyclePolicy.NEW)
    base = report(graph=STATIC, cycles=(AB,))
    verdict = evaluate(report(graph=STATIC, cycles=(AB, CD)), config, base)
    assert only(verdict, "cycle").subject == "pkg.c <-> pkg.d"
    assert only(verdict, "cycle").message.startswith("new import cycle: ")
    fixed = evaluate(report(graph=STATIC, cycles=()), config, base)
    assert fixed.passed
    assert fixed.notes == ("cycle fixed since the baseline: pkg.a <-> pkg.b",)


def test_a_baseline_accepts_its_cycles_unless_the_policy_is_configured():
    # Not configured, the policy is "new" against a baseline: an unchanged tree passes
    # run after run. It was "none", and `check --baseline B` failed on B's own cycles.
    base = report(graph=STATIC, cycles=(AB,))
    accepted = evaluate(report(graph=STATIC, cycles=(AB,)), Config(), base)
    assert accepted.passed
    assert result(accepted, "cycle", "pkg.a <-> pkg.b").detail == "known cycle (in the baseline)"
    assert not accepted.warnings
    new = evaluate(report(graph=STATIC, cycles=(AB, CD)), Config(), base)
    assert only(new, "cycle").message.startswith("new import cycle: ")
    # Configured "none", every cycle fails, baseline or not; no baseline, the same.
    assert not evaluate(report(graph=STATIC, cycles=(AB,)), Config(cycles=CyclePolicy.NONE),
                        base).passed
    alone = evaluate(report(graph=STATIC, cycles=(AB,)), Config())
    assert only(alone, "cycle").message.startswith("import cycle: ")
    assert not alone.warnings


def test_cycle_policy_new_fails_on_a_known_cycle_that_now_fails_at_import():
    config = Config(cycles=CyclePolicy.NEW)
    failed = ImportTrial("pkg.a", error="ImportError: cannot import name 'X' from partially "
                         "initialized module 'pkg.a'", circular=True)
    fails = dataclasses.replace(AB, can_fail=True, proof=Proof.FAILS, trials=(failed,))
    tried = dataclasses.replace(AB, can_fail=True, proof=Proof.NOT_REPRODUCED,
                                trials=(ImportTrial("pkg.a"),))
    unverified = dataclasses.replace(AB, can_fail=True)
    ran = dataclasses.replace(AB, proof=Proof.NOT_REPRODUCED, trials=(ImportTrial("pkg.a"),))
    now = report(graph=STATIC, cycles=(fails,))
    # The baseline ran it (suspected or not) and it imported fine: a regression.
    for before in (tried, ran):
        violation = only(evaluate(now, config, report(graph=STATIC, cycles=(before,))),
                         "cycle")
        assert violation.message.startswith("known import cycle that now fails at import: ")
        assert "It fails at import: importing pkg.a first" in violation.message
    # It failed then too, or the baseline never ran it: known, as before. rev11: a
    # cycle nothing was suspected of and never run (`baseline save --static`, or a
    # baseline from before such cycles were run) failed `check` on an unchanged tree.
    for before in (fails, unverified, AB):
        assert evaluate(now, config, report(graph=STATIC, cycles=(before,))).passed


def test_cycles_are_skipped_without_static_analysis_and_off_means_off():
    verdict = evaluate(report(*pkg_records()), Config())
    assert result(verdict, "cycle", "static graph").skipped
    off = evaluate(report(graph=STATIC, cycles=(AB,)), Config(cycles=CyclePolicy.OFF))
    assert off.passed
    assert not off.checks


# --------------------------------------------------------------------------- time


def test_time_budget_fails_only_when_every_run_is_over():
    config = Config(budgets=(Budget("pkg", max_cumulative_ns=15 * MS),))
    violation = only(evaluate(report(*pkg_records(pkg_ms=20)), config),
                     "budget.max_cumulative_ms")
    assert "all 5 runs over budget: 96.9% confident" in violation.message
    assert violation.confidence == pytest.approx(1 - 1 / 32)
    # Median over, fastest run within: a warning, not a failure.
    noisy = (rec("pkg", ms=16.0, spread=0.2),)
    verdict = evaluate(report(*noisy), config)
    assert verdict.passed
    assert "may be noise" in verdict.warnings[0]


def test_time_budget_with_too_few_runs_warns_instead_of_failing():
    config = Config(budgets=(Budget("pkg", max_cumulative_ns=15 * MS),))
    verdict = evaluate(report(rec("pkg", ms=30.0, runs=3)), config)
    assert verdict.passed
    assert "only 3 runs: 87.5% confidence, below 95.0%" in verdict.warnings[0]
    # A record that does not say how many runs saw it counts as one, not as the repeats.
    unknown = evaluate(report(rec("pkg", ms=30.0, runs=0), repeats=5), config)
    assert unknown.passed
    assert "only 1 run: 50.0% confidence" in unknown.warnings[0]


def test_time_regression_needs_both_tolerances_and_separated_runs():
    base = report(*pkg_records(pkg_ms=20))
    # +60 %, +12 ms, runs separated: a regression, 99.6 % confident.
    slow = report(*pkg_records(pkg_ms=32))
    violation = only(evaluate(slow, Config(), base), "regression.time")
    assert "importing pkg got slower: 20.0 ms -> 32.0 ms (+12.0 ms, +60%)" in violation.message
    assert "99.6% confident" in violation.message
    assert "grew most: pkg.core +" in violation.message
    # +10 %: under the relative tolerance.
    assert evaluate(report(*pkg_records(pkg_ms=22)), Config(), base).passed
    # +60 % of 2 ms is under the 5 ms absolute tolerance.
    tiny_base = report(rec("pkg", ms=2.0))
    assert evaluate(report(rec("pkg", ms=3.2)), Config(), tiny_base).passed


def test_time_regression_with_overlapping_runs_is_only_a_warning():
    base = report(rec("pkg", ms=20.0, spread=0.8))
    verdict = evaluate(report(rec("pkg", ms=32.0, spread=0.05)), Config(), base)
    assert verdict.passed
    assert "overlap the baseline" in verdict.warnings[0]


def test_baseline_times_are_scaled_by_the_start_up_ratio():
    base = report(rec("pkg", ms=20.0), startup_ms=10.0)
    slower_machine = report(rec("pkg", ms=36.0), startup_ms=19.0)
    verdict = evaluate(slower_machine, Config(), base)
    assert verdict.passed
    assert verdict.notes[0].startswith("baseline times scaled by 1.90")
    assert not evaluate(slower_machine, Config(tolerance=Tolerance(normalize=False)), base).passed


def test_few_repeats_warn_that_time_can_never_fail():
    base = report(rec("pkg", ms=20.0, runs=2))
    verdict = evaluate(report(rec("pkg", ms=40.0, runs=2)), Config(), base)
    assert verdict.passed
    # C(7, 5) = 21 orderings: 5 runs against the baseline's 2 reach 95.2 %.
    assert any("use --repeat 5 or more" in w for w in verdict.warnings)


def test_different_python_in_the_baseline_is_a_warning():
    base = report(*pkg_records(), python_version="3.12.1")
    verdict = evaluate(report(*pkg_records()), Config(), base)
    assert any("Python 3.12.1" in w for w in verdict.warnings)


def _noisy_report(rng: random.Random, true_ms: float, runs: int = 5):
    """Runs with the noise of a busy runner: jitter plus rare long stalls."""
    samples = sorted(true_ms * rng.lognormvariate(0, 0.08)
                     + (rng.random() < 0.1) * rng.uniform(0, true_ms) for _ in range(runs))
    median = samples[len(samples) // 2]
    record = dataclasses.replace(
        rec("pkg", ms=median), cumulative_ns=round(median * MS),
        cumulative_ns_min=round(samples[0] * MS), cumulative_ns_max=round(samples[-1] * MS),
    )
    start = 10.0 * rng.lognormvariate(0, 0.05)
    return report(record, startup_ms=start)


def test_simulated_noise_never_fails_and_real_regressions_are_caught():
    # A property of the statistics, not of this machine: seeded, so deterministic.
    rng = random.Random(20240601)
    config = Config()
    false_alarms = sum(
        not evaluate(_noisy_report(rng, 30.0), config, _noisy_report(rng, 30.0)).passed
        for _ in range(2000)
    )
    caught = sum(
        not evaluate(_noisy_report(rng, 60.0), config, _noisy_report(rng, 30.0)).passed
        for _ in range(500)
    )
    assert false_alarms <= 2  # at most 0.1 %
    # A stall in a baseline run can hide a doubling (the runs then overlap): most are caught.
    assert caught >= 0.85 * 500


def test_budget_pattern_matching_nothing_warns_once():
    config = Config(budgets=(Budget("renamed.*", max_modules=3, max_heap_bytes=10),))
    verdict = evaluate(report(*pkg_records()), config)
    assert verdict.passed
    assert verdict.warnings == ("budget pattern 'renamed.*' matches no measured module",)


def test_modules_the_baseline_had_preloaded_are_not_regressions():
    # The baseline ran where a .pth file had loaded `typing` at start-up; this run did not.
    base = report(*pkg_records(pkg_ms=20), rec("typing", preloaded=True))
    now = report(
        rec("pkg", ms=28.0, self_ms=1.0, heap=1_400_000),
        rec("pkg.core", "pkg", ms=24.0, heap=900_000, order=1),
        rec("pkg.util", "pkg.core", ms=10.0, heap=500_000, order=2),
        rec("typing", "pkg.util", ms=8.0, heap=400_000, order=3),
    )
    verdict = evaluate(now, Config(tolerance=Tolerance(time_absolute_ns=MS)), base)
    assert verdict.passed, verdict.violations
    assert verdict.notes == ("not compared with the baseline: 1 module(s) its interpreter had "
                             "already loaded at start-up (typing)",)
    assert result(verdict, "regression.time", "pkg").detail.startswith("20.0 ms -> 20.0 ms")
    # The same growth without that excuse is a regression.
    plain_base = report(*pkg_records(pkg_ms=20))
    failed = evaluate(now, Config(tolerance=Tolerance(time_absolute_ns=MS)), plain_base)
    assert {v.check for v in failed.violations} == {
        "regression.modules", "regression.heap", "regression.time"}
