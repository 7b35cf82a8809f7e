"""Parent side of the runtime profiler: run the probe as a request asks, merge what it measured.

One warm-up run (it also records which modules import which, cache hits included),
then N measured time runs, then one separate tracemalloc run for the heap: time never
comes from a traced run. Each child appends its records to a file this process owns,
so a crash, a signal or a timeout loses nothing measured before it. The records of
all runs are merged into `ModuleRecord`s (median, min and max per module).

The jobs around it have modules of their own: `interpreter` (what the measured
interpreter is, the probe compiled for it), `children` (starting, draining and ending
child processes; one child's records), `failures` (what went wrong in a run) and
`merge` (runs -> records). Seams are parameters with real defaults: `launcher` starts
processes (subprocess.Popen) and `clock` reads monotonic nanoseconds;
tests/unit/runtime/test_runner.py drives the runner through both. The records each
child writes are read by `records`, the one parser of the probe's wire format.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from importaudit.config.options import Measure
from importaudit.errors import Interrupted, TargetNotFoundError
from importaudit.model import ChildFailure, HeapGap, ModuleRecord, RunMeta, SkippedModule
from importaudit.runtime.children import (
    Children,
    ChildRun,
    Clock,
    Launcher,
    measure_startup,
    run_child,
)
from importaudit.runtime.failures import (
    describe_failure,
    order_dependent,
    skipped_modules,
    under,
)
from importaudit.runtime.heapgaps import gap_note, hang_failure, heap_gap
from importaudit.runtime.merge import (
    bytecode_state,
    median,
    merge_runs,
    preloaded_records,
    standalone,
)
from importaudit.runtime.records import (
    Fail,
    Start,
)
from importaudit.shard import empty_shard_note

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from importaudit.model import ImportEdge
    from importaudit.runtime.interpreter import Interpreter

# ----------------------------------------------------------------------------- the profile


@dataclass(frozen=True, slots=True)
class ProfileRequest:
    """What to measure and how."""

    mode: str  # "import" | "module" | "script" | "code"
    args: tuple[str, ...]  # targets, or the program and its argv
    # How: repeats, heap run, timeout, bytecode; `tree`/`isolated` as the use case
    # decided (the walk is done by then: `walk` below).
    measure: Measure = field(default_factory=Measure)
    warmup: bool = True
    extra_path: tuple[str, ...] = ()
    passthrough: bool = False  # program mode: the first measured run owns the terminal
    stdout_to_stderr: bool = False  # passthrough: the program's stdout goes to our stderr
    # With `tree`: every module of the targets, parents first, as the static walk found
    # them (`static.discover`, the one definition of a package's modules).
    walk: tuple[str, ...] = ()
    # With `tree`: the targets' static import edges, asked for (once) only when a walked
    # module failed for no cause its own files tell: whether the package imports it
    # only under platform tests false here (`guarded`) needs its importers' guards.
    edges: Callable[[], Sequence[ImportEdge]] | None = field(default=None, compare=False)

    @property
    def tree(self) -> bool:
        """Every module of the targets is imported (also when each is isolated)."""
        return self.measure.tree or self.measure.isolated

    @property
    def imports(self) -> tuple[str, ...]:
        """What the child imports: the walked modules in tree mode, else the targets."""
        return self.walk if self.tree and self.walk else self.args


@dataclass(frozen=True, slots=True)
class Measurement:
    """The merged result of all child runs of one profile."""

    modules: tuple[ModuleRecord, ...]
    meta: RunMeta
    failure: ChildFailure | None
    skipped: tuple[SkippedModule, ...] = ()


@dataclass(slots=True)
class _Progress:
    """The runs of one profile so far, for a partial measurement if a signal stops it."""

    hit_runs: list[ChildRun] = field(default_factory=list)  # the warm-up run
    runs: list[ChildRun] = field(default_factory=list)  # measured runs that ended
    heap: ChildRun | None = None  # the tracemalloc run, once it ended
    bytecode: dict[str, bool] = field(default_factory=dict)
    startups: list[int] = field(default_factory=list)
    phase: str = "first run"  # what was running: "warm-up run", "measured run 2 of 5"
    sampling_note: str | None = None  # the warm-up failed with the line sampler only


class Runner:
    """Runs the probe as often as a request asks and merges what it measured."""

    def __init__(
        self, interpreter: Interpreter, *, launcher: Launcher = subprocess.Popen,
        clock: Clock = time.perf_counter_ns,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.interpreter = interpreter
        self.launcher = launcher
        self.clock = clock
        self.progress = progress or (lambda _msg: None)
        self.children = Children()

    def _child(self, request: ProfileRequest, flags: list[str], args: Sequence[str],
               *, passthrough: bool = False, warm: bool = False) -> ChildRun:
        # The measure's own variables (`--env`) come with the interpreter (see api.runs).
        overrides: dict[str, str | None] = {}
        if warm:
            overrides["PYTHONDONTWRITEBYTECODE"] = None
        return run_child(
            self.interpreter, request.mode, flags, args, extra_path=request.extra_path,
            timeout=request.measure.timeout, passthrough=passthrough,
            stdout_to_stderr=passthrough and request.stdout_to_stderr, env_overrides=overrides,
            launcher=self.launcher, clock=self.clock, children=self.children,
        )

    def profile(self, request: ProfileRequest) -> Measurement:
        """Warm up, measure `repeat` times, measure the heap once, merge.

        Interrupted (Ctrl-C, or a signal the command line turned into an exception),
        it ends every child tree still running and removes their record files first.
        """
        try:
            with self.children.stopped_on_error():
                if request.measure.isolated:
                    return self._isolated(request)
                return self._profile(request)
        except Interrupted as exc:
            # Only a measurement leaves here as what was measured (not a child's run).
            if not isinstance(exc.partial, Measurement):
                exc.partial = None
            raise

    def _profile(self, request: ProfileRequest) -> Measurement:
        done = _Progress()
        try:
            return self._runs(request, done)
        except Interrupted as exc:
            exc.partial = self._interrupted(request, done, exc)
            raise

    def _runs(self, request: ProfileRequest, done: _Progress) -> Measurement:
        time_flags = ["rss"] + (["tree"] if request.tree else [])
        if request.warmup:
            done.phase = "warm-up run"
            self.progress(done.phase)
            # The warm-up's times are not reported: it also samples where each body's
            # time goes, by line (`lines`). Not a program's: it runs on past its imports
            # (a timer's signals for all its run; a profiler of its own may want SIGPROF).
            warm, done.sampling_note = self._sampled(
                request, [*time_flags, "hits"], lines=request.mode == "import")
            done.hit_runs.append(warm)
            done.bytecode = bytecode_state(warm)
            if describe_failure(warm, request.measure.timeout) is not None and (
                not warm.finished or not request.tree
            ):
                # It fails every time; don't run a crashing target N more times.
                return self._finish(request, runs=[warm], heap_run=None,
                                    hit_runs=done.hit_runs, bytecode=done.bytecode,
                                    startups=done.startups, warm_only=True,
                                    note="measured from the warm-up run only: it failed",
                                    sampling_note=done.sampling_note)
        for i in range(request.measure.repeat):
            done.phase = f"measured run {i + 1} of {request.measure.repeat}"
            self.progress(f"run {i + 1}/{request.measure.repeat}")
            done.startups.append(measure_startup(self.interpreter, launcher=self.launcher,
                                                 clock=self.clock))
            run = self._child(request, time_flags, request.imports,
                              passthrough=request.passthrough and i == 0)
            if not request.warmup and i == 0:
                self._check_found(run, request)
                done.bytecode = bytecode_state(run)
            done.runs.append(run)
            if describe_failure(run, request.measure.timeout) is not None and not run.finished:
                break
        if request.measure.memory and done.runs and done.runs[-1].finished:
            done.phase = "heap run"
            self.progress(done.phase)
            # `interned`: the table of interned strings grows before tracing, with room
            # for what the time runs interned (see the probe's _grow_interned).
            room = interned_room(done.runs)
            done.heap = self._child(request, ["heap", f"interned={room}"]
                                    + (["tree"] if request.tree else []), request.imports)
        # Failed modules of a walk may be imported again, each alone (`_order_dependent`).
        done.phase = "second try of the modules that failed"
        return self._finish(request, runs=done.runs, heap_run=done.heap,
                            hit_runs=done.hit_runs, bytecode=done.bytecode,
                            startups=done.startups, sampling_note=done.sampling_note)

    def _sampled(self, request: ProfileRequest, flags: list[str], *,
                 lines: bool = True) -> tuple[ChildRun, str | None]:
        """The warm-up run, sampling lines; and the note to make if the sampling failed it.

        The sampler runs code inside the target (a signal handler's frames, a timer that
        outlives an exec*): a warm-up that fails with it (exit, signal, an exception) is
        run again without it before the target is called failed, so that a sampler
        problem costs only the line data. The note (None: none) says so when the
        second run did not fail where the first did.
        """
        warm = request.measure.warm_bytecode
        if not lines:
            run = self._child(request, flags, request.imports, warm=warm)
            self._check_found(run, request)
            return run, None
        run = self._child(request, [*flags, "lines"], request.imports, warm=warm)
        self._check_found(run, request)
        failure = describe_failure(run, request.measure.timeout)
        # A walk's failed submodule is no failure of the walk's (its later runs say);
        # a timeout would only take as long again.
        if failure is None or run.timed_out or (request.tree and run.finished):
            return run, None
        self.progress("warm-up run again, without line samples")
        again = self._child(request, flags, request.imports, warm=warm)
        self._check_found(again, request)
        second = describe_failure(again, request.measure.timeout)
        if second is not None and not (request.tree and again.finished):
            return again, None
        return again, (f"line samples unavailable because the warm-up run failed with the "
                       f"line sampler on ({failure.message}) and not without it")

    def _interrupted(self, request: ProfileRequest, done: _Progress,
                     exc: Interrupted) -> Measurement | None:
        """What the runs before a signal measured (None: nothing), said to be partial.

        The measured runs that ended, else the warm-up run, else the run the signal
        cut short, up to its last record. No child is started for it.
        """
        cut = exc.partial if isinstance(exc.partial, ChildRun) else None
        stopped = f"interrupted by {exc.name} during the {done.phase}"
        if done.runs:
            runs, heap_run = done.runs, done.heap
            missing = " and no heap run" if request.measure.memory and heap_run is None else ""
            note = (f"{stopped}: measured from {len(runs)} of {request.measure.repeat} "
                    f"run(s){missing}")
        elif done.hit_runs and done.hit_runs[0].finished:
            runs, heap_run = done.hit_runs[:1], None
            note = f"{stopped}: measured from the warm-up run only"
        elif cut is not None and cut.modules:
            runs, heap_run = [cut], None
            note = (f"{stopped}: only the {len(cut.modules)} import(s) that ended before "
                    "it, from that unfinished run")
        else:
            return None
        return self._finish(request, runs=list(runs), heap_run=heap_run,
                            hit_runs=done.hit_runs or list(runs), bytecode=done.bytecode,
                            startups=done.startups, note=note, interrupted=exc.name,
                            warm_only=request.warmup and not done.runs,
                            cut=cut if runs[0] is cut else None,
                            sampling_note=done.sampling_note)

    def _order_dependent(self, request: ProfileRequest, runs: Sequence[ChildRun],
                         skipped: Sequence[SkippedModule]) -> tuple[SkippedModule, ...]:
        """Walked submodules that failed in the walk but import alone in a fresh interpreter.

        Each failure of a walk that no other cause explains is tried once more, alone
        (in parallel, one per core): a module that imports there failed only because
        of what a module imported before it in the same process did. One that fails
        alone too is a failure, as the walk said.
        """
        if not request.tree or request.mode != "import":
            return ()
        known = {s.name for s in skipped}
        fails: dict[str, Fail] = {}
        for run in runs:
            for fail in run.fails:
                if (fail.kind == "import-error" and fail.name and fail.name not in known
                        and fail.name not in request.args):
                    fails.setdefault(fail.name, fail)
        if not fails:
            return ()
        self.progress(f"importing {len(fails)} failed module(s) alone")
        alone = dataclasses.replace(request.measure, tree=False, isolated=False, shard=None)

        def imports_alone(name: str) -> bool:
            sub = ProfileRequest(mode="import", args=(name,), measure=alone,
                                 extra_path=request.extra_path)
            run = self._child(sub, [], (name,))
            return run.finished and not run.fails

        with ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1)) as pool:
            passed = list(pool.map(imports_alone, fails))
        return tuple(order_dependent(fail) for fail, ok in zip(fails.values(), passed,
                                                               strict=True) if ok)

    def _check_found(self, run: ChildRun, request: ProfileRequest) -> None:
        for fail in run.fails:
            if fail.kind == "not-found" and fail.name in request.args:
                raise TargetNotFoundError(
                    f"cannot import {fail.name!r}: {fail.message} "
                    f"(python: {self.interpreter.executable}){_source_hint(fail.name)}"
                )

    def _finish(
        self, request: ProfileRequest, *, runs: list[ChildRun], heap_run: ChildRun | None,
        hit_runs: list[ChildRun], bytecode: dict[str, bool], startups: list[int],
        note: str | None = None, interrupted: str | None = None, warm_only: bool = False,
        cut: ChildRun | None = None, sampling_note: str | None = None,
    ) -> Measurement:
        """Merge the runs into one measurement; `interrupted` names the signal that cut it.

        `warm_only`: the one run measured is the warm-up (no warm-up came before it).
        Interrupted, no child is started (a failed module is not tried alone again), and
        the run the signal ended (`cut`) says nothing of the target's failure or exit
        status: a program that got the terminal's Ctrl-C too ends "failed" by it.
        """
        modules = merge_runs(runs, heap_run, hit_runs, bytecode)
        start = runs[0].start if runs else Start()
        skipped = skipped_modules([*hit_runs, *runs, heap_run], request, self.interpreter)
        if interrupted is None:
            skipped += self._order_dependent(request, [*hit_runs, *runs], skipped)
        names = {s.name for s in skipped}
        failure = None
        for run in runs:
            if run is cut:
                continue
            failure = describe_failure(run, request.measure.timeout, names, request)
            if failure is not None:
                break
        gaps: tuple[HeapGap, ...] = ()
        outlived = None
        if failure is None and heap_run is not None:
            failure = describe_failure(heap_run, request.measure.timeout, names, request)
            if failure is not None and failure.kind == "timeout" and runs and cut is None:
                # Only the tracemalloc run ran out of time; every time run imported the
                # target. What it had not finished has no heap figures, and says why.
                # Not when it sat idle: tracemalloc slows code, it does not block it, so
                # that is a hang (one that strikes now and then) and stays a failure.
                # When every import had finished (a program's run that went on), every
                # heap figure is there: no gap, and a note says the rest was cut.
                gap = heap_gap(heap_run, failure, modules)
                if gap.stalled is True:
                    failure = hang_failure(gap, failure)
                elif gap.modules:
                    gaps, failure = (gap,), None
                else:
                    failure = None
                    outlived = (f"the heap run (tracemalloc) {gap.message} after every "
                                "import was measured: the heap figures are complete, the "
                                "rest of the program was not run under it")
        preloaded = preloaded_records(start)
        seen = {m.name for m in modules}
        modules = modules + tuple(p for p in preloaded if p.name not in seen)
        walls = [r.done_wall_ns for r in runs if r.done_wall_ns is not None]
        environ = self.interpreter.environ()
        notes = environment_notes(start, modules, request, environ)
        if sampling_note:
            notes = (sampling_note, *notes)
        notes = (*(gap_note(g, request.measure.timeout) for g in gaps),
                 *((outlived,) if outlived else ()), *notes)
        if note:
            notes = (note, *notes)
        exits = [r.program_exit for r in runs if r.program_exit is not None and r is not cut]
        meta = RunMeta(
            python=self.interpreter.executable,
            python_version=self.interpreter.version_text,
            platform=self.interpreter.platform,
            implementation=self.interpreter.implementation,
            mode=_mode_name(request),
            repeats=len(runs),
            warmup=request.warmup and not warm_only,
            memory=heap_run is not None,
            timeout_s=request.measure.timeout,
            startup_ns=median(startups) if startups else None,
            wall_ns=median(walls) if walls else None,
            program_exit_code=exits[0] if exits else None,
            main_file=next((r.main_file for r in [*runs, *hit_runs] if r.main_file), None),
            notes=notes,
            variables=shaping_variables(environ),
            interrupted=interrupted,
            heap_gaps=gaps,
        )
        return Measurement(modules, meta, failure, skipped)

    def _isolated(self, request: ProfileRequest) -> Measurement:
        """Each module of the tree in its own interpreter: its standalone cost."""
        self.progress("listing the tree")
        # The listing run is this mode's warm-up: it writes the .pyc files when asked to.
        listing, sampling_note = self._sampled(request, ["tree", "hits"])
        skipped = skipped_modules([listing], request, self.interpreter)
        names = {s.name for s in skipped}
        # A skipped module would only fail again alone; what it imports is measured.
        # One that failed only after others of the listing run imports alone: measured.
        wanted = [m.name for m in listing.modules
                  if under(m.name, request.args) and m.name not in names]
        skipped += self._order_dependent(request, [listing], skipped)
        names = {s.name for s in skipped}
        plan = request.measure.shard
        shard = plan.info(wanted) if plan is not None else None
        if shard is not None:
            wanted = list(shard.modules)
        base = merge_runs([listing], None, [listing], bytecode_state(listing))
        by_name = {m.name: m for m in base}
        workers = max(1, os.cpu_count() or 1)

        def measure(name: str) -> tuple[str, list[ChildRun], ChildRun | None]:
            alone = dataclasses.replace(request.measure, tree=False, isolated=False,
                                        shard=None)
            sub = ProfileRequest(mode="import", args=(name,), measure=alone,
                                 extra_path=request.extra_path)
            runs = [self._child(sub, ["rss"], (name,)) for _ in range(request.measure.repeat)]
            heap = self._child(sub, ["heap"], (name,)) if request.measure.memory else None
            return name, runs, heap

        measured: dict[str, tuple[list[ChildRun], ChildRun | None]] = {}
        cut: Interrupted | None = None
        try:
            # Stopped before the pool's exit waits for its workers, which wait on children.
            with ThreadPoolExecutor(max_workers=workers) as pool, \
                    self.children.stopped_on_error():
                futures = [pool.submit(measure, name) for name in wanted]
                try:
                    for future in as_completed(futures):
                        name, runs, heap = future.result()
                        self.progress(f"isolated {name}")
                        measured[name] = (runs, heap)
                except Interrupted:
                    # Before the children are stopped: every module measured to its end
                    # by now is kept, wherever it stands in the list.
                    for future in futures:
                        if future.done() and future.exception() is None:
                            name, runs, heap = future.result()
                            measured.setdefault(name, (runs, heap))
                    raise
        except Interrupted as exc:
            cut = exc  # the modules measured so far make a partial report
        records = [standalone(by_name[name], *measured[name])
                   for name in wanted if name in measured]
        gaps, heap_failure = _isolated_gaps(
            records, {name: heap for name, (_, heap) in measured.items()},
            request.measure.timeout)
        failure = describe_failure(listing, request.measure.timeout, names, request)
        for name in wanted:
            for run in measured.get(name, ((), None))[0]:
                failure = failure or describe_failure(run, request.measure.timeout)
        failure = failure or heap_failure
        # An empty shard measured nothing: its report holds no records at all.
        preloaded = preloaded_records(listing.start) if shard is None or wanted else ()
        environ = self.interpreter.environ()
        meta = RunMeta(
            python=self.interpreter.executable,
            python_version=self.interpreter.version_text,
            platform=self.interpreter.platform,
            implementation=self.interpreter.implementation,
            mode="isolated", repeats=request.measure.repeat, warmup=True,
            memory=request.measure.memory,
            timeout_s=request.measure.timeout,
            notes=(
                *([] if cut is None else [
                    f"interrupted by {cut.name}: {len(records)} of {len(wanted)} module(s) "
                    "measured alone before it"]),
                "isolated: each module's cumulative cost is what importing it alone in a "
                "fresh interpreter costs, parents and dependencies included",
                *([] if sampling_note is None else [sampling_note]),
                *environment_notes(listing.start, base, request, environ),
                *([] if shard is None or wanted else [empty_shard_note(shard)]),
                *(gap_note(g, request.measure.timeout) for g in gaps),
            ),
            variables=shaping_variables(environ),
            shard=shard,
            interrupted=None if cut is None else cut.name,
            heap_gaps=tuple(gaps),
        )
        result = Measurement(tuple(records) + preloaded, meta, failure, skipped)
        if cut is not None:
            cut.partial = result if records else None
            raise cut
        return result




#: Strings a module interns, for a Python that does not count them (before 3.12): 59 a
#: module over the 2,081 of jax + xarray + strawberry walked on 3.13, 78 over jax's
#: 600 alone; about twice the most. A tree whose modules intern more on average
#: (generated code) can outgrow it before 3.12, and its heap figures move as before.
STRINGS_PER_MODULE = 150
#: Room beyond the largest count measured: the heap run may take another path.
_ROOM_MARGIN = 1.25


def interned_room(runs: Sequence[ChildRun]) -> int:
    """How many strings the heap run's imports will intern, as far as the time runs tell.

    The most any time run counted (3.12+), with a margin; before 3.12, which does not
    count them, `STRINGS_PER_MODULE` for each module the most thorough run imported.
    The probe bounds the table it grows for them (_grow_interned).
    """
    counted = [r.interned for r in runs if r.interned is not None]
    if counted:
        return int(max(counted) * _ROOM_MARGIN)
    return STRINGS_PER_MODULE * max((len(r.modules) for r in runs), default=0)


def _isolated_gaps(records: Sequence[ModuleRecord], heaps: Mapping[str, ChildRun | None],
                   timeout: float) -> tuple[list[HeapGap], ChildFailure | None]:
    """The modules measured alone whose own heap run ran out of time: said, not blank.

    Only a timeout that was not a hang (`HeapGap.stalled`): a heap run that crashed,
    exited or sat idle is the failure returned with them, as a tree's heap run's is.
    """
    gaps = []
    failure = None
    for record in records:
        heap = heaps.get(record.name)
        if heap is None or heap.finished:
            continue
        stopped = describe_failure(heap, timeout)
        if stopped is None:
            continue
        gap = heap_gap(heap, stopped, [record])
        if stopped.kind != "timeout":
            failure = failure or stopped
        elif gap.stalled is True:
            failure = failure or hang_failure(gap, stopped)
        else:
            gaps.append(gap)
    return gaps, failure


def _mode_name(request: ProfileRequest) -> str:
    if request.mode != "import":
        return "program"
    return "tree" if request.tree else "import"


# ----------------------------------------------------------------------------- notes

#: Python's own variables that change what an import costs, and how (each a note when set).
_SHAPING = {
    "PYTHONTRACEMALLOC": "tracemalloc slows allocation-heavy imports ~3x",
    "PYTHONPROFILEIMPORTTIME": "-X importtime adds its own output per import",
    "PYTHONDEVMODE": "development mode adds checks to every import",
    "PYTHONMALLOC": "a non-default allocator changes time and memory",
}


def shaping_variables(environ: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """Python's variables that change the numbers, as the children had them (`environ`).

    PYTHONHASHSEED always: unset (or "random") every run hashes str and bytes with
    another seed, which changes set and dict order and the time of code that depends
    on it, so two reports compare like for like only with one seed.
    """
    seed = environ.get("PYTHONHASHSEED") or "random"
    return (("PYTHONHASHSEED", seed),
            *((var, environ[var]) for var in _SHAPING if environ.get(var)))


def environment_notes(
    start: Start, modules: Sequence[ModuleRecord], request: ProfileRequest,
    environ: Mapping[str, str],
) -> tuple[str, ...]:
    """Facts about this environment (`environ`: the children's) that change the numbers.

    And how much of the own times the garbage collector's pauses took (`collector_note`).
    """
    notes: list[str] = []
    measured = [m for m in modules if not m.preloaded]
    sources = [m for m in measured if m.bytecode_cached is not None]
    uncached = [m for m in sources if not m.bytecode_cached]
    if start.dont_write_bytecode and not request.measure.warm_bytecode:
        if uncached:
            share = sum(m.self_ns for m in uncached)
            notes.append(
                f"PYTHONDONTWRITEBYTECODE is set: {len(uncached)} of {len(sources)} source "
                f"modules had no valid .pyc, so every run compiled them and their times "
                f"include compilation (together {share / 1e6:.1f} ms of self time); "
                "--warm-bytecode measures with caches, as an installed package would load"
            )
        else:
            notes.append("PYTHONDONTWRITEBYTECODE is set, but every source module had a "
                         "valid .pyc: times are not inflated by compilation")
    elif uncached:
        notes.append(
            f"{len(uncached)} of {len(sources)} source modules had no valid .pyc after the "
            "warm-up (read-only directory?): their times include compilation"
        )
    for var, what in _SHAPING.items():
        if environ.get(var):
            notes.append(f"{var} is set: {what}")
    third_party = sorted({
        p.name.split(".")[0] for p in modules
        if p.preloaded and p.name.split(".")[0] not in sys.stdlib_module_names
        and not p.name.startswith("_") and p.name != "__main__"
    })
    if third_party:
        notes.append(
            "loaded by interpreter start-up (a .pth file or sitecustomize) before measuring, "
            f"so not attributed: {', '.join(third_party[:8])}"
            + (" ..." if len(third_party) > 8 else "")
        )
    try:
        load = os.getloadavg()[0]
    except (OSError, AttributeError):
        load = 0.0
    cores = os.cpu_count() or 1
    if load > 0.7 * cores:
        notes.append(f"load average {load:.1f} on {cores} cores while measuring: expect "
                     "noisy times (compare medians, use --repeat)")
    if request.measure.env:
        names = ", ".join(dict(request.measure.env))
        notes.append(f"measured with extra environment variables: {names}")
    if not request.warmup and request.mode == "import":
        notes.append("no warm-up run: the first run may include cold file-system caches")
    collector = collector_note(measured)
    if collector is not None:
        notes.append(collector)
    return tuple(notes)


#: The collector's pauses are worth a note from this share of all the own times on...
_COLLECTOR_SHARE = 0.05
#: ...or when they are at least this much of one module's own time (and over 1 ms).
_COLLECTOR_MODULE_SHARE = 0.5
_MS = 1_000_000


def collector_note(modules: Sequence[ModuleRecord]) -> str | None:
    """What the garbage collector's pauses inside the own times amount to (None: little).

    A collection runs in whichever body allocates when a threshold is crossed, and a full
    one walks every object the process holds: 10-45 ms late in scrapy's tree, charged
    to a module whose body takes 1-2 ms. `-X importtime` counts them the same way, so the
    own times keep them; the note says how much of those times was the collector's, and
    where the largest share fell.
    """
    paused = [m for m in modules if m.gc_ns]
    if not paused:
        return None
    total = sum(m.gc_ns or 0 for m in paused)
    largest = max(paused, key=lambda m: (m.gc_ns or 0, m.name))
    own = sum(max(0, m.self_ns) for m in modules)
    biggest = largest.gc_ns or 0
    if total < _COLLECTOR_SHARE * own and not (
            biggest >= _MS and biggest >= _COLLECTOR_MODULE_SHARE * largest.self_ns):
        return None
    from importaudit.units import format_ns

    full = largest.full_collections or 0
    kind = f", {full} full collection{'s' if full > 1 else ''}" if full else ""
    count = len(paused)
    return (f"garbage collector pauses: {format_ns(total)} of the own times, in {count} "
            f"module{'s' if count > 1 else ''} (largest {format_ns(biggest)} of "
            f"{largest.name}'s {format_ns(largest.self_ns)}{kind}): a collection runs in "
            "whichever body allocates when it falls due, and -X importtime counts it there "
            "too; IA602 leaves them out of a body's cost")


def _source_hint(name: str) -> str:
    """How to name a package of a `src/` layout that is not installed, when it is that.

    A checkout whose package lives in `src/` is not importable until it is installed;
    its path is a target that needs no install.
    """
    parts = name.split(".")
    if not os.path.isfile(os.path.join("src", parts[0], "__init__.py")) and len(parts) > 1:
        return ""
    for candidate in (os.path.join("src", *parts, "__init__.py"),
                      os.path.join("src", *parts[:-1], f"{parts[-1]}.py")):
        if os.path.isfile(candidate):
            shown = os.path.dirname(candidate) if candidate.endswith("__init__.py") else candidate
            return (f"; {shown} is here: give that path as the target, or install the "
                    f"project into that interpreter")
    return ""
