"""Use cases that measure imports at run time: `profile`, `profile_program`, `why`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from importaudit.api.runs import (
    Environments,
    exclusions,
    measured_walk_notes,
    new_report,
    profile_report,
    resolve_targets,
    walk,
)
from importaudit.config.options import Measure, program_measure
from importaudit.errors import TargetNotFoundError, UsageError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from importaudit.model import ImportEdge, Report, ShardInfo
    from importaudit.runtime.interpreter import Interpreter
    from importaudit.runtime.runner import Measurement, ProfileRequest
    from importaudit.shard import ShardPlan
    from importaudit.views import WhyAnswer


def profile_importtime(log_path: str) -> Report:
    """Read a `python -X importtime` log into a Report (rendered like a profile).

    Raises UsageError (exit 2) when the file is missing or holds no importtime lines.
    """
    from importaudit.runtime.importtime import read_importtime

    return read_importtime(log_path)


def shard_plan(shard: str | None, weights: str | None = None) -> ShardPlan | None:
    """`--shard I/N` and `--shard-weights REPORT` as a plan (None: not sharded).

    The weights are the per-module costs `REPORT` measured (see `shard.report_weights`);
    the plan names them by a digest of their values, so shards of one split can tell.
    """
    import hashlib

    from importaudit.baseline import load as load_saved
    from importaudit.shard import ShardPlan, parse_shard, report_weights

    if shard is None:
        if weights is not None:
            raise UsageError("--shard-weights balances a split: give --shard I/N too")
        return None
    index, count = parse_shard(shard)
    if weights is None:
        return ShardPlan(index, count)
    costs = report_weights(load_saved(weights).report)
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
        timeout_s=request.measure.timeout, notes=(empty_shard_note(info),), shard=info,
    )
    return new_report(targets, Measurement((), meta, None))


def profile(targets: Sequence[str], measure: Measure | None = None, *,
            environments: Environments | None = None) -> Report:
    """Measure what importing `targets` costs, per module, in a clean child interpreter.

    `measure` says how (default `Measure()`): with `tree` every submodule of the target
    packages is imported too (as `graph` finds them in the measured environment, without
    those matching `exclude` globs and, unless `include_tests`, test packages);
    `isolated` measures each of them alone in its own interpreter. `repeat` measured
    runs follow one warm-up; `memory` adds one tracemalloc run for the Python heap. A
    target that does not exist raises TargetNotFoundError; one that fails to import (or
    crashes the child) gives a report whose `failure` says what happened, with
    everything measured before it. With `shard` (tree or isolated only) it measures
    that shard's part of the modules and names the shard in the report's metadata
    (`importaudit.shard`). `environments` is the run's (see `runs`).
    """
    import dataclasses
    import functools

    from importaudit.runtime.runner import ProfileRequest

    measure = measure or Measure()
    envs = environments or Environments()
    if not targets:
        raise UsageError("give at least one target")
    shard = measure.shard
    if shard is not None and not (measure.tree or measure.isolated):
        raise UsageError("--shard splits the modules of a tree: give --tree or --isolated")
    resolved = resolve_targets(targets, measure.search_first)
    # What it says about its sys.path serves the walk, and a static graph after it.
    interpreter = envs.interpreter(measure)
    modules: tuple[str, ...] = ()
    tree = None
    if measure.tree or measure.isolated:
        modules, tree = walk(targets, measure, envs)
    # A tree shard imports its part of the walk; an isolated one splits the modules
    # its listing run loaded (the runner's list), so the runner splits those.
    request = ProfileRequest(
        mode="import", args=resolved.modules,
        measure=dataclasses.replace(measure, shard=shard if measure.isolated else None),
        extra_path=resolved.extra_path, walk=modules,
        # Cached: the skip classifier and the failure's exclusion hint may both ask.
        edges=functools.cache(lambda: _edges(targets, measure, envs)) if modules else None)
    info = None
    if shard is not None and not measure.isolated:
        from importaudit.shard import with_ancestors

        info = shard.info(request.imports)
        if not info.modules:
            return _empty_shard(resolved.modules, interpreter, request, info)
        request = dataclasses.replace(request, walk=with_ancestors(info.modules,
                                                                   request.imports))
    def make(measurement: Measurement) -> Report:
        report = new_report(resolved.modules, measurement)
        # An object code stored under a test-named name without a file (apipkg's
        # `py.test` alias for pytest) is not that test module imported.
        notes = measured_walk_notes(tree, (record.name for record in report.modules
                                           if record.via is None or record.origin))
        if (notes or info) and report.meta is not None:
            meta = dataclasses.replace(report.meta, notes=(*report.meta.notes, *notes),
                                       shard=info or report.meta.shard)
            report = dataclasses.replace(report, meta=meta)
        return report

    return profile_report(request, interpreter, make)


def _edges(targets: Sequence[str], measure: Measure,
           envs: Environments) -> tuple[ImportEdge, ...]:
    """The static import edges of the walked `targets`, for the runtime's skip classifier.

    Asked only when a walked module failed for no cause its own files tell (see
    `runtime.guarded`); built without the scan cache, so `profile` leaves no files behind.
    """
    from importaudit.errors import ImportAuditError
    from importaudit.static.build import static_graph

    try:
        return static_graph(targets, cache_dir=None, where=envs.search_path(measure),
                            exclusions=exclusions(measure)).edges
    except ImportAuditError:
        return ()


@dataclass(frozen=True, slots=True)
class Program:
    """A program to run under the profiler: `kind` "module", "script" or "code".

    It gets `argv`; its stdin, stdout and stderr are the terminal's in the first
    measured run (its stdout goes to stderr with `stdout_to_stderr`, so that a report
    written to stdout stays apart).
    """

    kind: str
    program: str
    argv: tuple[str, ...] = ()
    stdout_to_stderr: bool = False

    @property
    def label(self) -> str:
        """How the report names it: "-m mod", the script's path, or "-c"."""
        return {"module": f"-m {self.program}", "script": self.program,
                "code": "-c"}[self.kind]


def profile_program(program: Program, measure: Measure | None = None) -> Report:
    """Run a program under the profiler; every import it makes is attributed, late ones too.

    By default (`measure` None: see `config.program_measure`) it runs once with no
    warm-up and no heap run, since running a user's program again may have side
    effects; a `measure` with more repeats gets a warm-up run first.
    """
    from importaudit.runtime.runner import ProfileRequest

    measure = measure or program_measure(Measure())
    if program.kind not in ("module", "script", "code"):
        raise UsageError(f"unknown program kind {program.kind!r}")
    if program.kind == "script" and not Path(program.program).is_file():
        raise TargetNotFoundError(f"{program.program}: no such script")
    request = ProfileRequest(
        mode=program.kind, args=(program.program, *program.argv), measure=measure,
        warmup=measure.repeat > 1, passthrough=True,
        stdout_to_stderr=program.stdout_to_stderr,
    )
    interpreter = Environments().interpreter(measure)
    return profile_report(request, interpreter,
                          lambda measurement: new_report((program.label,), measurement))


def why(module: str, targets: Sequence[str], measure: Measure | None = None) -> WhyAnswer:
    """Every chain by which importing `targets` loads `module`, shortest first, with cost.

    Chains follow first loads and later cache hits (import statements that found the
    module already loaded), recorded by the warm-up run; `measure` defaults to one run
    without the heap (chains, not times, are what it answers).
    """
    from importaudit import defaults
    from importaudit.views import answer_why

    measure = measure or Measure(repeat=defaults.WHY_REPEAT, memory=False)
    return answer_why(profile(targets, measure), module)
