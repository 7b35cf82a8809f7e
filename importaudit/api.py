"""The use cases of importaudit: the one place that wires the parts together.

Each function takes plain arguments, returns a `Report` (or a small result object
around one) and raises `ImportAuditError` subclasses for what the user must fix. The
CLI and the pytest plugin are thin adapters over these functions.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from importaudit.errors import TargetNotFoundError, UsageError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
    from typing import Any, TextIO

    import networkx as nx

    from importaudit.baseline import Baseline, ReportDiff
    from importaudit.config import Config
    from importaudit.fix.engine import FixResult
    from importaudit.fix.engine import Target as FixTarget
    from importaudit.fix.project import Declared
    from importaudit.gate import Calibration
    from importaudit.merge import Merged
    from importaudit.model import Cycle, EdgeKind, Report, ShardInfo, StaticGraph
    from importaudit.runtime.runner import Interpreter, Measurement, ProfileRequest
    from importaudit.shard import ShardPlan
    from importaudit.static.discover import Exclusions, SearchPath
    from importaudit.views import WhyAnswer

    Analyse = Callable[[Config], "Report | None"]
    Measure = Callable[[Config], Report]


def profile_importtime(log_path: str) -> Report:
    """Read a `python -X importtime` log into a Report (rendered like a profile).

    Raises UsageError (exit 2) when the file is missing or holds no importtime lines.
    """
    from importaudit.runtime.importtime import read_importtime

    return read_importtime(log_path)


DEFAULT_REPEAT = 5


@dataclass(frozen=True, slots=True)
class ResolvedTargets:
    """Module names to import and the folders to put on sys.path for them."""

    modules: tuple[str, ...]
    extra_path: tuple[str, ...]


def _is_module_name(text: str) -> bool:
    return all(part.isidentifier() for part in text.split("."))


def _package_root(path: Path) -> tuple[str, Path]:
    """Dotted name of a package dir or module file, and the folder holding its top."""
    parts = [path.stem if path.is_file() else path.name]
    folder = path.parent
    while (folder / "__init__.py").exists():
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts), folder


def resolve_targets(targets: Sequence[str]) -> ResolvedTargets:
    """Turn TARGET arguments (module names or paths) into module names + sys.path entries.

    A directory that is a package (or a .py file) is imported by its dotted name with
    the folder above its top package on sys.path; a plain directory is put on sys.path
    and every top-level module and package in it is a target.
    """
    modules: list[str] = []
    extra: list[str] = []
    for target in targets:
        path = Path(target)
        looks_like_path = os.sep in target or target.endswith(".py") or target in (".", "..")
        if path.exists() and (looks_like_path or not _is_module_name(target)
                              or (path.is_dir() and not (path / "__init__.py").exists()
                              and not _is_module_name(target))):
            path = path.resolve()
            if (path.is_file() and path.suffix == ".py") or (path / "__init__.py").exists():
                name, folder = _package_root(path)
                modules.append(name)
                extra.append(str(folder))
            elif path.is_dir():
                found = sorted(
                    p.stem if p.is_file() else p.name for p in path.iterdir()
                    if (p.suffix == ".py" and p.is_file() and p.stem.isidentifier())
                    or (p.is_dir() and p.name.isidentifier() and (p / "__init__.py").exists())
                )
                if not found:
                    raise TargetNotFoundError(f"{target}: no Python modules or packages in it")
                modules.extend(found)
                extra.append(str(path))
            else:
                raise UsageError(f"{target}: not a Python file, package or directory")
        elif looks_like_path:
            raise TargetNotFoundError(f"{target}: no such file or directory")
        elif _is_module_name(target):
            modules.append(target)
        else:
            raise UsageError(f"{target!r} is neither a module name nor an existing path")
    return ResolvedTargets(tuple(dict.fromkeys(modules)), tuple(dict.fromkeys(extra)))


def _progress() -> Callable[[str], None] | None:
    """A progress callback for stderr on a terminal (None otherwise).

    Silent for the first half second, so quick runs print nothing but their result.
    """
    import time

    if not sys.stderr.isatty() or os.environ.get("IMPORTAUDIT_NO_PROGRESS"):
        return None
    started = time.monotonic()

    def show(message: str) -> None:
        if time.monotonic() - started >= 0.5:
            sys.stderr.write(f"\r\x1b[2K importaudit: {message}")
            sys.stderr.flush()

    return show


@contextlib.contextmanager
def _progress_line() -> Iterator[Callable[[str], None] | None]:
    """`_progress()` for the length of a block, its line cleared at the end."""
    show = _progress()
    try:
        yield show
    finally:
        if show is not None:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()


#: Each interpreter asked so far and where it finds modules, by (path, mtime, cache
#: folder): a command that measures, reads the source and runs trials (review, check,
#: fix) asks the interpreter once.
_ENVIRONMENTS: dict[tuple[str, int, str], tuple[Interpreter, SearchPath]] = {}


def _environment_key(python: str) -> tuple[str, int, str] | None:
    import shutil

    from importaudit.runtime.runner import cache_dir

    found = shutil.which(python) if os.sep not in python else python
    try:
        return ((os.path.abspath(found), os.stat(found).st_mtime_ns, str(cache_dir()))
                if found else None)
    except OSError:
        return None


def _environment(python: str | None) -> tuple[Interpreter, SearchPath]:
    """`python` (default: this interpreter) and its SearchPath, asked once per process."""
    from importaudit.runtime.runner import find_interpreter, locate_module
    from importaudit.static.discover import SearchPath

    key = _environment_key(python or sys.executable)
    known = _ENVIRONMENTS.get(key) if key is not None else None
    # The compiled probe lives in the cache folder: ask again should it be gone.
    if known is not None and os.path.exists(known[0].probe):
        return known
    interpreter = find_interpreter(python)
    where = SearchPath(interpreter.sys_path, frozenset(interpreter.builtins),
                       interpreter.extension_suffixes, python=interpreter.executable,
                       locate=lambda name: locate_module(interpreter, name))
    if key is not None:
        _ENVIRONMENTS[key] = (interpreter, where)
    return interpreter, where


def interpreter_for(python: str | None) -> Interpreter:
    """The interpreter `python` names (default: this one), asked once per process."""
    return _environment(python)[0]


def search_path(python: str | None) -> SearchPath:
    """Where target names are looked up: the sys.path of `python`, else this interpreter's.

    `python` is asked once per process (see `interpreter_for`), so a command that
    measures and reads the source asks one question.
    """
    from importaudit.static.discover import SearchPath

    if python is None:
        return SearchPath.current()
    return _environment(python)[1]


def exclusions(exclude: Sequence[str] = (), include_tests: bool = False) -> Exclusions:
    """What tree walks leave out: modules matching `exclude` globs, and test packages."""
    from importaudit.static.discover import Exclusions

    return Exclusions(tuple(exclude), tests=not include_tests)


def _measure(python: str | None, request: ProfileRequest,
             interpreter: Interpreter | None = None) -> Measurement:
    from importaudit.runtime.runner import Runner

    interpreter = interpreter or interpreter_for(python)
    with _progress_line() as show:
        return Runner(interpreter, progress=show).profile(request)


def _walk(targets: Sequence[str], python: str | None,
          leave_out: Exclusions) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Every module of `targets` in the measured environment, parents first, and notes.

    Nothing (the child imports the targets alone) when they cannot be walked: a
    built-in or compiled target has no tree, and a missing one is reported by the child.
    """
    from importaudit.static.discover import discover, walk_notes

    try:
        found = discover(targets, search_path=search_path(python), exclusions=leave_out)
    except (TargetNotFoundError, UsageError):
        return (), ()
    return tuple(found.import_order()), walk_notes(found)


def _report(targets: Sequence[str], measurement: Measurement) -> Report:
    from datetime import UTC, datetime

    from importaudit._version import __version__
    from importaudit.model import Report

    return Report(
        targets=tuple(targets),
        tool_version=__version__,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        meta=measurement.meta,
        modules=measurement.modules,
        failure=measurement.failure,
        skipped=measurement.skipped,
    )


def shard_plan(shard: str | None, weights: str | None = None) -> ShardPlan | None:
    """`--shard I/N` and `--shard-weights REPORT` as a plan (None: not sharded).

    The weights are the per-module costs `REPORT` measured (see `shard.report_weights`);
    the plan names them by a digest of their values, so shards of one split can tell.
    """
    import hashlib

    from importaudit.shard import ShardPlan, parse_shard, report_weights

    if shard is None:
        if weights is not None:
            raise UsageError("--shard-weights balances a split: give --shard I/N too")
        return None
    index, count = parse_shard(shard)
    if weights is None:
        return ShardPlan(index, count)
    costs = report_weights(load_reports([weights])[0])
    if not costs:
        raise UsageError(f"{weights}: measures no modules to weigh the split by")
    digest = hashlib.sha256(repr(sorted(costs.items())).encode()).hexdigest()[:12]
    return ShardPlan(index, count, weights=costs, weights_from=digest)


def _empty_shard(targets: Sequence[str], interpreter: Interpreter,
                 request: ProfileRequest, info: ShardInfo) -> Report:
    """The report of a shard that got no modules: valid, empty, and saying so."""
    from importaudit.model import RunMeta
    from importaudit.runtime.runner import Measurement
    from importaudit.shard import empty_shard_note

    meta = RunMeta(
        python=interpreter.executable, python_version=interpreter.version_text,
        platform=interpreter.platform, implementation=interpreter.implementation,
        mode="tree", repeats=0, warmup=request.warmup, memory=False,
        timeout_s=request.timeout, notes=(empty_shard_note(info),), shard=info,
    )
    return _report(targets, Measurement((), meta, None))


def profile(
    targets: Sequence[str], *, tree: bool = False, isolated: bool = False,
    python: str | None = None, repeat: int | None = None, timeout: float | None = None,
    memory: bool | None = None, warm_bytecode: bool = False,
    exclude: Sequence[str] = (), include_tests: bool = False,
    shard: ShardPlan | None = None,
) -> Report:
    """Measure what importing `targets` costs, per module, in a clean child interpreter.

    `tree` also imports every submodule of the target packages (as `graph` finds
    them in the measured environment, without those matching `exclude` globs and,
    unless `include_tests`, test packages); `isolated` measures each of them alone in
    its own interpreter. `repeat` measured runs follow one warm-up; `memory` adds one
    tracemalloc run for the Python heap. A target that does not exist raises
    TargetNotFoundError; one that fails to import (or crashes the child) gives a
    report whose `failure` says what happened, with everything measured before it.
    With `shard` (tree or isolated only) it measures that shard's part of the modules
    and names the shard in the report's metadata (`importaudit.shard`).
    """
    import dataclasses

    from importaudit.runtime.runner import DEFAULT_TIMEOUT_S, ProfileRequest

    if not targets:
        raise UsageError("give at least one target")
    if shard is not None and not (tree or isolated):
        raise UsageError("--shard splits the modules of a tree: give --tree or --isolated")
    resolved = resolve_targets(targets)
    # What it says about its sys.path serves the walk, and a static graph after it.
    interpreter = interpreter_for(python)
    walk: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    if tree or isolated:
        walk, notes = _walk(targets, python, exclusions(exclude, include_tests))
    request = ProfileRequest(
        mode="import", args=resolved.modules, tree=tree or isolated, isolated=isolated,
        repeat=repeat or DEFAULT_REPEAT, memory=True if memory is None else memory,
        timeout=timeout or DEFAULT_TIMEOUT_S, extra_path=resolved.extra_path,
        warm_bytecode=warm_bytecode, walk=walk, shard=shard if isolated else None,
    )
    # A tree shard imports its part of the walk; an isolated one splits the modules
    # its listing run loaded (the runner's list), so the runner splits those.
    info = None
    if shard is not None and not isolated:
        from importaudit.shard import with_ancestors

        info = shard.info(request.imports)
        if not info.modules:
            return _empty_shard(resolved.modules, interpreter, request, info)
        request = dataclasses.replace(request, walk=with_ancestors(info.modules,
                                                                   request.imports))
    report = _report(resolved.modules, _measure(python, request, interpreter))
    if (notes or info) and report.meta is not None:
        meta = dataclasses.replace(report.meta, notes=(*report.meta.notes, *notes),
                                   shard=info or report.meta.shard)
        report = dataclasses.replace(report, meta=meta)
    return report


def profile_program(
    kind: str, program: str, argv: Sequence[str] = (), *, python: str | None = None,
    repeat: int | None = None, timeout: float | None = None, memory: bool | None = None,
    warm_bytecode: bool = False, stdout_to_stderr: bool = False,
) -> Report:
    """Run a program (`kind` "module", "script" or "code") under the profiler.

    The program gets its own argv; its stdin, stdout and stderr are the terminal's in
    the first measured run (its stdout goes to stderr with `stdout_to_stderr`, so that
    a report written to stdout stays apart). Every import it makes is attributed, also late ones. By
    default it runs once with no warm-up and no heap run, since running a user's
    program again may have side effects: ask for more with `repeat` and `memory`.
    """
    from importaudit.runtime.runner import DEFAULT_TIMEOUT_S, ProfileRequest

    if kind == "script" and not Path(program).is_file():
        raise TargetNotFoundError(f"{program}: no such script")
    if kind not in ("module", "script", "code"):
        raise UsageError(f"unknown program kind {kind!r}")
    request = ProfileRequest(
        mode=kind, args=(program, *argv), repeat=repeat or 1,
        warmup=repeat is not None and repeat > 1, memory=bool(memory),
        timeout=timeout or DEFAULT_TIMEOUT_S, warm_bytecode=warm_bytecode,
        passthrough=True, stdout_to_stderr=stdout_to_stderr,
    )
    label = {"module": f"-m {program}", "script": program, "code": "-c"}[kind]
    return _report((label,), _measure(python, request))


def why(
    module: str, targets: Sequence[str], *, python: str | None = None, repeat: int = 1,
    timeout: float | None = None,
) -> WhyAnswer:
    """Every chain by which importing `targets` loads `module`, shortest first, with cost.

    Chains follow first loads and later cache hits (import statements that found the
    module already loaded), recorded by the warm-up run.
    """
    from importaudit.views import answer_why

    report = profile(targets, python=python, repeat=repeat, timeout=timeout, memory=False)
    return answer_why(report, module)


# --------------------------------------------------------------------------- the CI gate

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


def _measure_configured(config: Config, shard: ShardPlan | None = None) -> Report:
    """The runtime profile `check` judges: the configured repeats, heap run and interpreter."""
    return profile(
        _configured_targets(config), tree=config.tree, isolated=config.isolated,
        python=config.python, repeat=config.repeat, timeout=config.timeout,
        memory=config.memory, warm_bytecode=config.warm_bytecode,
        exclude=config.exclude, include_tests=config.include_tests, shard=shard,
    )


def _analyse_configured(config: Config, *, verify: bool = False) -> Report:
    """The static graph of the targets, with cycles sought over the configured edge kinds.

    Names are looked up in the configured interpreter's environment; `verify` runs the
    cycles' suspicions there (see `cycles`).
    """
    return cycles(_configured_targets(config), kinds=sorted(k.value for k in config.kinds),
                  verify=verify, python=config.python, timeout=config.timeout,
                  exclude=config.exclude, include_tests=config.include_tests)


def _analyse_verified(config: Config) -> Report:
    """`_analyse_configured` with the cycle claims proven by running them."""
    return _analyse_configured(config, verify=True)


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
    measure: Measure | None = None, analyse: Analyse | None = None,
    measured: Report | None = None, shard: ShardPlan | None = None,
) -> Report:
    """Run the gate: measure (unless `static_only`), analyse, compare, judge.

    Returns the report with its `verdict`. The baseline named by the config is used
    when it exists; a missing one skips the regression checks with a warning (or is a
    UsageError with `require_baseline`, e.g. when the user named it). `measure` and
    `analyse` are seams for tests; by default they run the real profiler and the
    static analysis. `measured` judges a saved report (`check --from`, e.g. the merge of
    a sharded run) instead of measuring: no code of the targets runs, so cycle claims
    stay unverified; without configured targets it judges the report's. `shard`
    measures and judges one shard's part of the tree.
    """
    import dataclasses
    import functools

    from importaudit.baseline import load as load_baseline
    from importaudit.gate import evaluate

    if measured is not None and not config.targets:  # a saved report names its targets
        config = dataclasses.replace(config, targets=measured.targets)
    _configured_targets(config)
    if static_only and (measured is not None or shard is not None):
        raise UsageError("--static measures nothing: no --from or --shard with it")
    if measured is not None and shard is not None:
        raise UsageError("--from judges a saved report; --shard measures: give one")
    if measured is not None:
        saved = measured
        measure = measure or (lambda _config: saved)
    elif shard is not None:
        measure = measure or functools.partial(_measure_configured, shard=shard)
    report = None if static_only else (measure or _measure_configured)(config)
    # The static-only gate runs no code, so its cycle claims stay unverified.
    default = _analyse_configured if static_only or measured else _analyse_verified
    report = _merge_static(report, (analyse or default)(config))
    path = config.baseline_path
    base: Report | None = None
    missing = None
    if path is not None and (path.exists() or require_baseline):
        base = load_baseline(path).report
    elif path is not None:
        missing = f"no baseline at {path}: regression checks skipped " \
                  f"(save one with `importaudit baseline save`)"
    report = dataclasses.replace(report, verdict=evaluate(report, config, base))
    return _with_warning(report, missing) if missing else report


def exit_status(report: Report) -> int:
    """0 passed, 1 violations, 3 the target failed to import or the child crashed."""
    from importaudit.errors import EXIT_FOUND, EXIT_OK, EXIT_TARGET

    if report.failure is not None:
        return EXIT_TARGET
    if report.verdict is not None and not report.verdict.passed:
        return EXIT_FOUND
    return EXIT_OK


def calibrate(config: Config, *, rounds: int = 5, measure: Measure | None = None) -> Calibration:
    """Measure the configured targets `rounds` times, unchanged, and suggest tolerances."""
    import dataclasses

    from importaudit.errors import TargetFailedError
    from importaudit.gate import calibrate as suggest

    if rounds < 2:
        raise UsageError("calibration needs at least 2 rounds")
    quick = dataclasses.replace(config, memory=False)  # time noise only
    reports = []
    for _ in range(rounds):
        report = (measure or _measure_configured)(quick)
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
    measure: Measure | None = None, analyse: Analyse | None = None,
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
    else:
        measured = None if static_only else (measure or _measure_configured)(config)
        default = _analyse_configured if static_only else _analyse_verified
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
                 measure: Measure | None = None, analyse: Analyse | None = None) -> ReportDiff:
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
        after = _merge_static((measure or _measure_configured)(config),
                              (analyse or _analyse_verified)(config))
    else:
        after = load_saved(new).report
    regressions_only = dataclasses.replace(
        config, budgets=(), forbidden=(),
        cycles=CyclePolicy.NEW if config.cycles is not CyclePolicy.OFF else CyclePolicy.OFF,
    )
    return diff(before, after, evaluate(after, regressions_only, before))


# --------------------------------------------------------------------------- review, report

def review(
    targets: Sequence[str], *, python: str | None = None, repeat: int | None = None,
    timeout: float | None = None, memory: bool | None = None, warm_bytecode: bool = False,
    select: Sequence[str] | None = None, ignore: Sequence[str] = (),
    measured: Report | None = None, exclude: Sequence[str] = (), include_tests: bool = False,
    shard: ShardPlan | None = None,
) -> Report:
    """Profile every module of `targets`, read their import graph, and review both.

    Returns the tree-mode profile with the static graph, its cycles and the findings
    (ranked by measured impact, suppressions applied; stale ones reported as IA001).
    `select` limits the rules run (codes); `ignore` holds config suppressions ("CODE"
    or "CODE:module-pattern"). `measured` reviews an existing profile instead of
    measuring again (the static graph is still read from the source). Suspected cycles
    are run to prove them (see `cycles`) only when measuring and IA201 is selected. Both the
    measurement and the graph walk the same modules (`exclude`, `include_tests`: see
    `profile`), found on the sys.path of `python`. `shard` measures one shard's part of
    the tree (see `profile`); the graph is still the whole tree's.
    """
    import dataclasses

    from importaudit.review import review_report
    from importaudit.review.context import ReviewSettings
    from importaudit.review.registry import get_rule

    chosen = frozenset(get_rule(code).code for code in select) if select else None
    report = measured if measured is not None else profile(
        targets, tree=True, python=python, repeat=repeat, timeout=timeout, memory=memory,
        warm_bytecode=warm_bytecode, exclude=exclude, include_tests=include_tests,
        shard=shard,
    )
    # The graph with every edge; cycles over import-time edges, their claims run when
    # this review runs the targets anyway (not from a saved report) and IA201 wants them.
    verify = measured is None and (chosen is None or "IA201" in chosen)
    static = cycles(targets, verify=verify, python=python, timeout=timeout, exclude=exclude,
                    include_tests=include_tests)
    report = dataclasses.replace(report, graph=static.graph, cycles=static.cycles)
    return review_report(report, ReviewSettings(select=chosen, ignore=tuple(ignore)))


def review_program(
    kind: str, program: str, argv: Sequence[str] = (), *, python: str | None = None,
    repeat: int | None = None, timeout: float | None = None, memory: bool | None = None,
    select: Sequence[str] | None = None, ignore: Sequence[str] = (),
    stdout_to_stderr: bool = False,
) -> Report:
    """Run a program (see `profile_program`) and review what its imports did.

    No static graph is read (a program has no package tree of its own to walk): the
    rules judge the runtime profile, among them what only a running program shows, such
    as imports that blocked an asyncio event loop and files executed as two modules.
    """
    from importaudit.review import review_report
    from importaudit.review.context import ReviewSettings
    from importaudit.review.registry import get_rule

    chosen = frozenset(get_rule(code).code for code in select) if select else None
    report = profile_program(kind, program, argv, python=python, repeat=repeat,
                             timeout=timeout, memory=memory, stdout_to_stderr=stdout_to_stderr)
    return review_report(report, ReviewSettings(select=chosen, ignore=tuple(ignore)))


def load_reports(paths: Sequence[str]) -> tuple[Report, ...]:
    """Saved reports (or baselines) read back, for `importaudit report`."""
    from importaudit.baseline import load as load_saved

    if not paths:
        raise UsageError("give a saved report (JSON) to render")
    return tuple(load_saved(p).report for p in paths)


def merge_reports(paths: Sequence[str], *, partial: bool = False) -> Merged:
    """The saved reports of the shards of one split, merged (see `importaudit.merge`)."""
    from importaudit.merge import merge

    if len(paths) < 1:
        raise UsageError("give the shards' reports to merge")
    return merge(list(zip(paths, load_reports(paths), strict=True)), partial=partial)


def report(
    paths: Sequence[str], fmt: str, stream: TextIO, *,
    labels: Sequence[str] | None = None,
) -> tuple[Report, ...]:
    """Render one or two saved reports again in format `fmt`, without measuring.

    One report renders in any format; two render as a before/after comparison, which
    the `html` and `markdown` formats support.
    """
    from importaudit.render import RenderOptions, get_renderer

    reports = load_reports(paths)
    out = stream
    if len(reports) == 1:
        get_renderer(fmt)(reports[0], out, RenderOptions(command="report"))
        return reports
    if len(reports) != 2 or fmt not in ("html", "markdown"):
        raise UsageError("two reports render as a before/after comparison, in html or "
                         "markdown only")
    names = tuple(labels) if labels else ("before", "after")
    if len(names) != 2:
        raise UsageError("give two labels, one per report")
    pair = (names[0], names[1])
    if fmt == "html":
        from importaudit.render.html import render_comparison as html_comparison

        html_comparison(reports[0], reports[1], out, labels=pair)
    else:
        from importaudit.render.markdown import render_comparison as md_comparison

        md_comparison(reports[0], reports[1], out, labels=pair)
    return reports


# --------------------------------------------------------------------------- static graph

_ALL_KINDS = "all"


def edge_kinds(kinds: str | Iterable[str] | None,
               default: Iterable[EdgeKind] | None = None) -> frozenset[EdgeKind] | None:
    """Edge kinds from "eager,deferred", "all", names or EdgeKind values (None: `default`).

    Returns None for every kind. Raises UsageError (exit 2) for an unknown kind.
    """
    from importaudit.model import EdgeKind

    if kinds is None:
        return frozenset(default) if default is not None else None
    names = [k.strip() for k in kinds.split(",")] if isinstance(kinds, str) else [
        str(k).strip() for k in kinds]
    names = [n for n in names if n]
    if not names:
        raise UsageError("--kinds needs at least one kind (or 'all')")
    if _ALL_KINDS in names:
        return None
    known = {kind.value: kind for kind in EdgeKind}
    unknown = sorted(n for n in names if n not in known)
    if unknown:
        raise UsageError(f"unknown edge kind {', '.join(unknown)} "
                         f"(known: {', '.join(known)}, or {_ALL_KINDS})")
    return frozenset(known[n] for n in names)


def static_graph(
    targets: Sequence[str], *, kinds: str | Iterable[str] | None = None,
    collapse_external: bool = True, cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None, jobs: int | None = None,
    scanner: str = "fast", python: str | None = None, exclude: Sequence[str] = (),
    include_tests: bool = False,
) -> StaticGraph:
    """The static import graph of `targets` (package names or paths); no code runs.

    `kinds` keeps only edges of those kinds (None: all). The scan of each file is
    cached by content in `cache_dir` (default `$IMPORTAUDIT_CACHE_DIR` or
    `.importaudit-cache/`) unless `cache` is False; `jobs` bounds the processes that
    scan at once, the caller's included (None: as many as CPUs when the tree is
    large). `scanner="reference"` parses every file whole with `ast` (slower; what the
    fast scanner is tested against). Names are looked up on the sys.path of `python`
    (default: this interpreter); submodules matching `exclude` globs and, unless
    `include_tests`, test packages are not walked. A long run shows progress on a
    terminal.
    """
    from importaudit.static.build import static_graph as build
    from importaudit.static.cache import default_cache_dir

    chosen = edge_kinds(kinds)
    folder = (cache_dir if cache_dir is not None else default_cache_dir()) if cache else None
    where = search_path(python)
    with _progress_line() as show:
        return build(targets, kinds=chosen, collapse_external=collapse_external,
                     cache_dir=folder, jobs=jobs, scanner=scanner, where=where,
                     exclusions=exclusions(exclude, include_tests), progress=show)


def _static_report(targets: Sequence[str], graph: StaticGraph,
                   found: tuple[Cycle, ...] = ()) -> Report:
    from datetime import UTC, datetime

    from importaudit._version import __version__
    from importaudit.model import Report

    return Report(targets=tuple(targets), tool_version=__version__,
                  created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                  graph=graph, cycles=found)


def graph(
    targets: Sequence[str], *, kinds: str | Iterable[str] | None = None,
    collapse_external: bool = True, cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None, jobs: int | None = None,
    full_parse: bool = False, python: str | None = None, exclude: Sequence[str] = (),
    include_tests: bool = False,
) -> Report:
    """A Report holding the static import graph of `targets` (edges of `kinds`; None: all).

    `full_parse` reads every file whole with `ast` (reporting every file that does not
    parse, not only those whose import statements do not). Raises TargetNotFoundError
    (exit 2) for a target that does not exist.
    """
    found = static_graph(targets, kinds=kinds, collapse_external=collapse_external,
                         cache=cache, cache_dir=cache_dir, jobs=jobs,
                         scanner="reference" if full_parse else "fast", python=python,
                         exclude=exclude, include_tests=include_tests)
    return _static_report(targets, found)


def cycles(
    targets: Sequence[str], *, kinds: str | Iterable[str] | None = None,
    collapse_external: bool = True, cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None, jobs: int | None = None,
    full_parse: bool = False, verify: bool = False, python: str | None = None,
    timeout: float | None = None, exclude: Sequence[str] = (), include_tests: bool = False,
) -> Report:
    """A Report with the static graph of `targets` (every edge) and its import cycles.

    Cycles are sought over edges of `kinds` (default: the kinds that run at import
    time, eager, optional and parent; "all": every kind). The report's
    `graph.cycle_kinds` records which. An empty `cycles` means none.

    The static analysis only suspects that a cycle can fail at import. With `verify`,
    each suspected module is imported first, alone, in a fresh interpreter (`python`,
    default this one; at most `jobs` at once, each bounded by `timeout`), and each
    suspected cycle's `proof` says whether that reproduced it. This runs the targets'
    code; without `verify` nothing runs and suspicions stay `unverified`.
    """
    import dataclasses

    from importaudit.model import IMPORT_TIME_KINDS, KIND_ORDER, EdgeKind
    from importaudit.static.cycles import cycle_sort_key, find_cycles

    chosen = edge_kinds(kinds, IMPORT_TIME_KINDS)
    counted = tuple(sorted(chosen if chosen is not None else EdgeKind,
                           key=KIND_ORDER.__getitem__))
    full = static_graph(targets, collapse_external=collapse_external, cache=cache,
                        cache_dir=cache_dir, jobs=jobs,
                        scanner="reference" if full_parse else "fast", python=python,
                        exclude=exclude, include_tests=include_tests)
    full = dataclasses.replace(full, cycle_kinds=counted)
    found = find_cycles(full, counted)
    if verify and any(c.can_fail for c in found):
        found = tuple(sorted(_verify(found, full, python, timeout, jobs),
                             key=cycle_sort_key))
    return _static_report(targets, full, found)


def _verify(found: Sequence[Cycle], graph: StaticGraph, python: str | None,
            timeout: float | None, jobs: int | None) -> tuple[Cycle, ...]:
    """Run the cycles' suspicions (see `cycles`), with progress on a terminal."""
    from importaudit.runtime.runner import DEFAULT_TIMEOUT_S
    from importaudit.runtime.verify import import_roots, verify_cycles

    interpreter = interpreter_for(python)
    roots = import_roots(graph, (m for c in found for m in c.modules))
    with _progress_line() as show:
        return verify_cycles(found, interpreter, extra_path=roots,
                             timeout=timeout or DEFAULT_TIMEOUT_S, jobs=jobs, progress=show)


def import_graph(
    targets: Sequence[str], *, kinds: str | Iterable[str] | None = None,
    collapse_external: bool = True, cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None, jobs: int | None = None,
    full_parse: bool = False, python: str | None = None, exclude: Sequence[str] = (),
    include_tests: bool = False,
) -> nx.DiGraph[str]:
    """The static import graph of `targets` as a `networkx.DiGraph`, to query.

    Nodes are module names with attributes `file`, `is_package`, `external`,
    `namespace`; an edge importer -> imported carries `imports` (one ImportEdge per
    statement, with kind, file and line), `kinds` and `weight`. For example
    `networkx.shortest_path(g, "a", "b")` is the shortest chain by which `a` reaches
    `b`, and `g.predecessors("x")` are the modules that import `x`.
    """
    from importaudit.static.graph import to_networkx

    found = static_graph(targets, kinds=kinds, collapse_external=collapse_external,
                         cache=cache, cache_dir=cache_dir, jobs=jobs,
                         scanner="reference" if full_parse else "fast", python=python,
                         exclude=exclude, include_tests=include_tests)
    return to_networkx(found)


# --------------------------------------------------------------------------- fix

def fix(
    targets: Sequence[str], *, select: Sequence[str] | None = None, python: str | None = None,
    write: bool = False, test_cmd: str | None = None, repeat: int | None = None,
    timeout: float | None = None, allow_costlier: bool = False,
    exclude: Sequence[str] = (), include_tests: bool = False, ignore: Sequence[str] = (),
    style: str = "pep562",
) -> FixResult:
    """Rewrite what the review found into lazy imports, prove it, and write it if asked.

    Reviews `targets` (rules `select`, default the ones `fix` can rewrite), plans a
    rewrite per finding, proves the rewrites by importing the original and a rewritten
    copy in fresh interpreters of `python`, measures both (`repeat` runs, heap
    included), runs `test_cmd` on the copy, and with `write` replaces the files
    atomically, only when every check passed and the measured heap and module count
    did not go up (unless `allow_costlier`). Nothing is written otherwise. The proof
    imports the targets' submodules without those matching `exclude` and, unless
    `include_tests`, test packages; findings `ignore` suppresses (as in `review`) are
    left alone. `style` is the form of a lazy `__init__` (`fix.styles.STYLES`), checked
    against what the package declares (`fix.project.declared`).
    """
    import dataclasses

    from importaudit.errors import TargetFailedError
    from importaudit.fix import engine
    from importaudit.runtime.runner import DEFAULT_TIMEOUT_S, ProfileRequest

    codes = sorted({c.strip().upper() for c in select or engine.FIX_CODES if c.strip()})
    unknown = [c for c in codes if c not in engine.FIX_CODES]
    if unknown:
        raise UsageError(f"fix cannot rewrite {', '.join(unknown)} (it rewrites "
                         f"{', '.join(sorted(engine.FIX_CODES))})")
    resolved = resolve_targets(targets)
    limit = timeout or DEFAULT_TIMEOUT_S
    interpreter = interpreter_for(python)
    declared = _declared_for(resolved, interpreter.executable, style, limit)
    reviewed = review(targets, python=python, repeat=1, timeout=limit, select=codes,
                      exclude=exclude, include_tests=include_tests, ignore=ignore)
    failure = reviewed.failure
    # A submodule that fails in the tree walk (a Windows-only module) is no reason to
    # stop; a target that does not import is: there is nothing to prove against.
    if failure is not None and (failure.module is None or failure.module in resolved.modules):
        raise TargetFailedError(f"cannot fix: {failure.message}")
    fixes = _fix_targets(reviewed, codes)
    # The proof imports what the profiler's tree walk imports: never test packages or
    # excluded modules (importing those would run the user's test code).
    walk, _ = _walk(targets, python, exclusions(exclude, include_tests))
    result = engine.propose(fixes, python=interpreter.executable, paths=resolved.extra_path,
                            imports=walk or resolved.modules, timeout=limit,
                            relpath=shown_path, style=style, declared=declared,
                            version=interpreter.version)
    if not result.passed:
        return result

    def measure(paths: tuple[str, ...]) -> Report:
        request = ProfileRequest(mode="import", args=resolved.modules,
                                 repeat=repeat or DEFAULT_REPEAT, timeout=limit,
                                 extra_path=paths)
        return _report(resolved.modules, _measure(python, request, interpreter))

    with engine.rewritten_copy(result, apply=False) as copy:
        before = measure((str(copy), *resolved.extra_path))
    with engine.rewritten_copy(result) as copy:
        after = measure((str(copy), *resolved.extra_path))
        tests = engine.run_tests(test_cmd, copy, timeout=limit) if test_cmd else None
    result = dataclasses.replace(result, before=before, after=after, tests=tests)
    if after.failure is not None or (tests is not None and tests.returncode != 0):
        return engine.withdraw(result)
    result = _exclusive(result, lambda copy: measure((str(copy), *resolved.extra_path)))
    result = dataclasses.replace(result, costlier=engine.costlier(before, after))
    if write and (allow_costlier or not result.costlier):
        result = dataclasses.replace(result, written=engine.write(result))
    return result


def _declared_for(resolved: ResolvedTargets, python: str, style: str,
                  timeout: float) -> Declared | None:
    """What the targets' project declares, refusing a style it does not allow.

    Targets of several projects: the declaration whose range starts lowest (every
    rewrite must run there). One line says why a style cannot be used.
    """
    import dataclasses

    from importaudit.fix.project import declared, lowest
    from importaudit.fix.styles import LAZY_LOADER, STYLES

    if style not in STYLES:
        raise UsageError(f"no fix style {style!r} (styles: {', '.join(STYLES)})")
    found: list[Declared] = []
    for top in dict.fromkeys(m.split(".")[0] for m in resolved.modules):
        folders = [Path(entry) / top for entry in (*resolved.extra_path,
                                                    *search_path(python).entries) if entry]
        folder = next((f for f in folders if (f / "__init__.py").is_file()), None)
        said = declared(top, folder, python=python, timeout=timeout)
        if said is not None and said.source.endswith("pyproject.toml"):
            said = dataclasses.replace(said, source=shown_path(Path(said.source)))
        if style == "lazy-loader" and (said is None or not said.depends_on(LAZY_LOADER)):
            where = said.source if said is not None else "no pyproject.toml or installed metadata"
            raise UsageError(f"--style lazy-loader writes code that imports lazy_loader, and "
                             f"{top} does not depend on it ({where}); add it to "
                             "[project] dependencies, or use --style pep562")
        if said is not None:
            found.append(said)
    def start(said: Declared) -> tuple[int, int]:  # undeclared: every Python
        specifier = said.specifier
        return (0, 0) if specifier is None else lowest(specifier) or (0, 0)

    widest = min(found, default=None, key=start)
    if style == "pep810":
        oldest = lowest(widest.specifier) if widest and widest.specifier else None
        if oldest is None or oldest < (3, 15):
            what = (f"declares requires-python {widest.requires_python!r} ({widest.source})"
                    if widest is not None and widest.requires_python else
                    "declares no requires-python")
            raise UsageError(f"--style pep810 writes `lazy` imports, which need Python >= "
                             f"3.15, and the package {what}; use --style pep562")
    return widest


def _fix_targets(reviewed: Report, codes: Sequence[str]) -> list[FixTarget]:
    """What `fix` rewrites: each finding's module and file, codes and what to defer."""
    from importaudit.fix import engine
    from importaudit.fix.defer import ANY_HEAVY

    files = {r.name: r.origin for r in reviewed.modules if r.origin}
    # A module that runs compiled (mypyc: black.concurrency) is not its .py: a rewrite
    # of the source beside it would change nothing that runs, so it is not a target.
    compiled = {name for name, origin in files.items() if not origin.endswith(".py")}
    if reviewed.graph is not None:
        files.update({n.name: n.file for n in reviewed.graph.modules
                      if n.file and n.name not in compiled})
    found: dict[str, list[str]] = {}
    roots: dict[str, set[str]] = {}
    for finding in reviewed.findings:
        where = files.get(finding.module)
        init_only = finding.code in engine.INIT_CODES
        if finding.code in codes and where and where.endswith(".py") and (
                not init_only or Path(where).name == "__init__.py"):
            found.setdefault(finding.module, []).append(finding.code)
            if finding.code in engine.DEFER_CODES:
                # IA102's chain is (module, dependency); IA103's (module, utility
                # package, helper modules...): what the helpers' own modules load
                # outside the standard library is deferred there too when they use it
                # only in functions (a base class or decorator cannot be deferred).
                roots.setdefault(finding.module, set()).update(finding.chain[1:2])
                for helper in finding.chain[2:] if finding.code == "IA103" else ():
                    # Only the reviewed packages' own modules: never the standard
                    # library's or another package's (functools is a helper too).
                    ours = any(helper == t or helper.startswith(t + ".")
                               for t in reviewed.targets)
                    if ours and (files.get(helper) or "").endswith(".py"):
                        found.setdefault(helper, []).append(finding.code)
                        roots.setdefault(helper, set()).add(ANY_HEAVY)
    imported: dict[str, set[str]] = {}
    for edge in reviewed.graph.edges if reviewed.graph is not None else ():
        if edge.importer != edge.imported:
            imported.setdefault(edge.imported, set()).update(edge.names)
    return [engine.Target(m, Path(files[m]), tuple(sorted(set(c))),
                          frozenset(imported.get(m, ())), frozenset(roots.get(m, ())))
            for m, c in sorted(found.items())]


def _exclusive(result: FixResult, measure: Callable[[Path], Report]) -> FixResult:
    """Each rewrite's exclusive saving: the targets measured with it alone applied.

    With one rewrite, that is the whole after-run already.
    """
    import dataclasses

    from importaudit.fix import engine

    assert result.before is not None
    assert result.after is not None
    alone = engine.singles(result)
    exclusive = {}
    for rewrite, group in alone if len(alone) > 1 else ():
        with engine.rewritten_copy(result, group) as copy:
            exclusive[rewrite.module] = engine.saving(result.before, measure(copy))
    if len(alone) == 1:
        exclusive[alone[0][0].module] = engine.saving(result.before, result.after)
    return dataclasses.replace(result, rewrites=tuple(
        dataclasses.replace(r, exclusive=exclusive.get(r.module)) for r in result.rewrites))


def shown_path(path: Path) -> str:  # also the CLI's, for paths in fix's output
    """A path as the user sees it: relative to the current folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
