"""The CI gate's use cases: `check`, `calibrate` and the baseline's save, show and diff.

Each takes the one `Config` (the gate family's options: flags, `[tool.importaudit]`,
environment and defaults, resolved once by `load_config`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from importaudit import defaults
from importaudit.api.profiling import profile
from importaudit.api.runs import (
    Environments,
    noted,
    same_code,
    saved_measure,
    saved_targets,
    whole,
)
from importaudit.api.static import cycles
from importaudit.config.options import StaticOptions
from importaudit.errors import UsageError

if TYPE_CHECKING:
    import os
    from collections.abc import Callable, Mapping
    from pathlib import Path
    from typing import Any

    from importaudit.baseline import Baseline, ReportDiff
    from importaudit.config import Config
    from importaudit.gate import Calibration
    from importaudit.model import Report

    Analyse = Callable[[Config], "Report | None"]
    Measurer = Callable[[Config], Report]


def load_config(
    *, config_path: str | os.PathLike[str] | None = None, flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None, start: str | os.PathLike[str] | None = None,
) -> Config:
    """The configuration every command uses: defaults < pyproject < IMPORTAUDIT_* < flags."""
    from importaudit.config import load

    return load(config_path=config_path, flags=flags, env=env, start=start)


def _configured_targets(config: Config) -> tuple[str, ...]:
    if not config.targets:
        raise UsageError("no targets: give TARGET arguments or set `targets` in "
                         "[tool.importaudit]")
    return config.targets


class _Run:
    """One gate run: its measurement and static analysis share the run's interpreters."""

    def __init__(self) -> None:
        self.envs = Environments()

    def measure(self, config: Config) -> Report:
        """The runtime profile `check` judges: the configured `Measure`."""
        return profile(_configured_targets(config), config.measure,
                       environments=self.envs)

    def analyse(self, config: Config, *, verify: bool = False) -> Report:
        """The static graph, cycles sought over the configured kinds (`verify`: proven)."""
        options = StaticOptions(measure=config.measure, kinds=config.kinds, verify=verify,
                                not_run="--static runs no code")
        return cycles(_configured_targets(config), options, environments=self.envs)

    def analyse_verified(self, config: Config) -> Report:
        """`analyse` with the cycle claims proven by running them."""
        return self.analyse(config, verify=True)


def _merge_static(report: Report | None, static: Report | None) -> Report:
    import dataclasses

    if report is None:
        if static is None:
            raise UsageError("the static analysis is not available in this installation")
        return static
    if static is None:
        return report
    return dataclasses.replace(report, graph=static.graph, cycles=static.cycles)


def _with_warning(report: Report, warning: str) -> Report:
    import dataclasses

    if report.verdict is None:
        return report
    verdict = dataclasses.replace(report.verdict, warnings=(*report.verdict.warnings, warning))
    return dataclasses.replace(report, verdict=verdict)


def check(
    config: Config, *, static_only: bool = False, require_baseline: bool = False,
    measure: Measurer | None = None, analyse: Analyse | None = None,
    measured: Report | None = None,
) -> Report:
    """Run the gate: measure (unless `static_only`), analyse, compare, judge.

    Returns the report with its `verdict`. The baseline named by the config is used
    when it exists; a missing one skips the regression checks with a warning (or is a
    UsageError with `require_baseline`, e.g. when the user named it). `measure` and
    `analyse` are seams for tests; by default they run the real profiler and the
    static analysis. `measured` judges a saved report (`check --from`, e.g. the merge of
    a sharded run) instead of measuring: the targets are not profiled, and cycle claims
    run in the environment the report was measured in; without configured targets it
    judges the report's. A `shard` in
    the config's `measure` measures and judges one shard's part of the tree.
    """
    import dataclasses

    from importaudit.baseline import load as load_baseline
    from importaudit.gate import evaluate

    if measured is not None:
        whole(measured, "judged")  # a gate never passes what it did not see
    if measured is not None and not config.targets:  # a saved report names its targets
        config = dataclasses.replace(config, targets=saved_targets(measured))
    _configured_targets(config)
    shard = config.measure.shard
    if static_only and (measured is not None or shard is not None):
        raise UsageError("--static measures nothing: no --from or --shard with it")
    if measured is not None and shard is not None:
        raise UsageError("--from judges a saved report; --shard measures: give one")
    # The baseline is read first: one that cannot be used fails before anything runs.
    path = config.baseline_path
    base: Report | None = None
    missing = None
    if path is not None and (path.exists() or require_baseline):
        base = load_baseline(path).report
        whole(base, "used as the baseline")
    elif path is not None:
        missing = f"no baseline at {path}: regression checks skipped " \
                  f"(save one with `importaudit baseline save`)"
    notes: tuple[str, ...] = ()
    run = _Run()
    if measured is not None:
        saved = measured
        measure = measure or (lambda _config: saved)
        # Its graph is read where it was measured (the interpreter it names).
        looked_up, note = saved_measure(config.measure, measured, run.envs)
        config = dataclasses.replace(config, measure=looked_up)
        notes = (note,) if note else ()
    report = None if static_only else (measure or run.measure)(config)
    # The static-only gate runs no code, so its cycle claims stay unverified; a saved
    # report's are run in the environment it was measured in (looked up above).
    default = run.analyse if static_only else run.analyse_verified
    report = noted(_merge_static(report, (analyse or default)(config)), *notes)
    if measured is not None:
        same_code(report)
    report = dataclasses.replace(report, verdict=evaluate(report, config, base))
    return _with_warning(report, missing) if missing else report


def exit_status(report: Report) -> int:
    """0 passed, 1 violations, 3 the target failed to import or the child crashed.

    3 too when a check could not judge (heap figures a heap run left out) and nothing
    else failed: the gate neither passes nor fails what it did not measure, but a
    violation it did measure is one (1), whatever it could not judge beside it.
    """
    from importaudit.errors import EXIT_FOUND, EXIT_OK, EXIT_TARGET

    if report.failure is not None:
        return EXIT_TARGET
    if report.verdict is not None and report.verdict.violations:
        return EXIT_FOUND
    if report.verdict is not None and report.verdict.undecided:
        return EXIT_TARGET
    if report.verdict is not None and not report.verdict.passed:
        return EXIT_FOUND
    return EXIT_OK


def calibrate(config: Config, *, rounds: int = defaults.CALIBRATION_ROUNDS,
              measure: Measurer | None = None) -> Calibration:
    """Measure the configured targets `rounds` times, unchanged, and suggest tolerances."""
    import dataclasses

    from importaudit.errors import TargetFailedError
    from importaudit.gate import calibrate as suggest

    if rounds < 2:
        raise UsageError("calibration needs at least 2 rounds")
    # Time noise only: no heap run.
    quick = dataclasses.replace(config, measure=dataclasses.replace(config.measure,
                                                                    memory=False))
    run = _Run()
    reports = []
    for _ in range(rounds):
        report = (measure or run.measure)(quick)
        if report.failure is not None:
            raise TargetFailedError(f"cannot calibrate: {report.failure.message}")
        reports.append(report)
    return suggest(reports, config.tolerance)


def _git_commit(root: str) -> str | None:
    import subprocess

    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                              text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def save_baseline(
    config: Config, *, from_report: str | None = None, static_only: bool = False,
    measure: Measurer | None = None, analyse: Analyse | None = None,
) -> tuple[Baseline, Path]:
    """Measure now (or take a saved report) and write it as the configured baseline."""
    from datetime import UTC, datetime

    from importaudit.baseline import load as load_saved
    from importaudit.baseline import save

    path = config.baseline_path
    if path is None:
        raise UsageError("no baseline path: set `baseline` in [tool.importaudit] or give "
                         "--baseline FILE")
    if from_report is not None:
        report = load_saved(from_report).report
        whole(report, "saved as the baseline")
    else:
        run = _Run()
        measured = None if static_only else (measure or run.measure)(config)
        default = run.analyse if static_only else run.analyse_verified
        report = _merge_static(measured, (analyse or default)(config))
        if report.failure is not None:
            from importaudit.errors import TargetFailedError

            raise TargetFailedError(f"not saving a baseline of a failed import: "
                                    f"{report.failure.message}")
    saved = save(report, path, saved_at=datetime.now(UTC).isoformat(timespec="seconds"),
                 git_commit=_git_commit(config.root))
    return saved, path


def show_baseline(config: Config) -> Baseline:
    """The configured baseline, read (and migrated) from disk."""
    from importaudit.baseline import load as load_baseline

    if config.baseline_path is None:
        raise UsageError("no baseline path configured")
    return load_baseline(config.baseline_path)


def diff_reports(config: Config, old: str | None = None, new: str | None = None, *,
                 measure: Measurer | None = None, analyse: Analyse | None = None
                 ) -> ReportDiff:
    """What changed from `old` (default: the baseline) to `new` (default: measure now).

    The diff carries a verdict of the regression checks only (module sets, heap, time,
    new cycles) with the configured tolerances; budgets and forbidden modules are
    `check`'s business.
    """
    import dataclasses

    from importaudit.baseline import diff
    from importaudit.baseline import load as load_saved
    from importaudit.config import CyclePolicy
    from importaudit.gate import evaluate

    before = show_baseline(config).report if old is None else load_saved(old).report
    if new is None:
        run = _Run()
        after = _merge_static((measure or run.measure)(config),
                              (analyse or run.analyse_verified)(config))
    else:
        after = load_saved(new).report
    whole(before, "compared")
    whole(after, "compared")
    regressions_only = dataclasses.replace(
        config, budgets=(), forbidden=(),
        cycles=CyclePolicy.NEW if config.cycles is not CyclePolicy.OFF else CyclePolicy.OFF,
    )
    return diff(before, after, evaluate(after, regressions_only, before))
