"""The runtime side of the report: what importing each module cost, and how it ran.

`ModuleRecord` is one module's cost merged over the measured runs; `RunMeta` says where
and how they ran (and, for a sharded or merged run, which part of the split);
`ChildFailure` and `SkippedModule` say what did not import, and why.
"""

from __future__ import annotations

from dataclasses import dataclass

# Resolved when a report is read back (`typing.get_type_hints`), so imported at run time.
from importaudit.model.findings import Verdict  # noqa: TC001


@dataclass(frozen=True, slots=True)
class ModuleRecord:
    """What importing one module cost, merged over the measured runs (medians).

    `importer` is the module that was executing when this one was first loaded (None
    for a target imported directly); `importers` lists every module whose import
    statements reached this one, first loader first, later cache hits after.
    """

    name: str
    importer: str | None = None
    importers: tuple[str, ...] = ()
    order: int = 0  # position in the first measured run's start order
    depth: int = 0  # nesting depth on its thread's import stack
    self_ns: int = 0
    cumulative_ns: int = 0
    self_ns_min: int = 0
    self_ns_max: int = 0
    cumulative_ns_min: int = 0
    cumulative_ns_max: int = 0
    # The body's own CPU time on its thread (None: not measured), median and lowest over
    # the runs: unlike wall time, the machine's load barely moves it.
    self_cpu_ns: int | None = None
    self_cpu_ns_min: int | None = None
    # Of those own times, the pauses of the cyclic garbage collector: the wall and CPU
    # time of the collections that ran while this body was the innermost import on its
    # thread, and how many were full (generation 2) ones (medians; None: not timed). A
    # collection runs in whatever body allocates when a threshold is crossed, and a full
    # one walks the whole heap: inside self_ns as `-X importtime` counts it, but not the
    # body's own computation.
    gc_ns: int | None = None
    gc_cpu_ns: int | None = None
    full_collections: int | None = None
    heap_bytes: int | None = None  # cumulative Python heap retained (tracemalloc run)
    self_heap_bytes: int | None = None
    heap_peak_bytes: int | None = None  # peak traced heap while it was importing
    rss_bytes: int | None = None  # cumulative RSS growth (median over time runs)
    self_rss_bytes: int | None = None
    origin: str | None = None  # file it came from, or None (namespace, builtin)
    loader: str | None = None  # class name of the real loader
    is_package: bool = False
    bytecode_cached: bool | None = None  # a valid .pyc existed before it was imported
    thread: str | None = None  # thread name when not the main thread
    error: str | None = None  # "ExceptionType: message" when its import failed
    preloaded: bool = False  # already in sys.modules before measurement began
    runs: int = 0  # how many measured runs saw it
    start_ns: int | None = None  # start offset from measurement start (median), for timelines
    # How it got into sys.modules when not through the import system's finders (None
    # when it did): "sys.modules" when code stored it there (mypyc's shared library
    # initialising the modules compiled with the imported one, or a plugin loader
    # calling exec_module). Its `importer` is the import in progress meanwhile; its cost
    # is inside the importer's, so such a record has no time, heap or RSS of its own.
    via: str | None = None
    loop: LoopBlock | None = None  # imported while an asyncio event loop ran (programs)
    # Where the body's own time went, by line: sampled on a CPU-time timer in the warm-up
    # run (whose times are not reported), on the main thread. `sampled_ns` is the main
    # thread's CPU time sampled in it all, `samples` how many samples that was (None: not
    # sampled), `lines` its costliest lines.
    sampled_ns: int | None = None
    samples: int | None = None
    lines: tuple[LineTime, ...] = ()
    # In a merged report (`report merge`): the shard this record came from, the one
    # whose part of the split list held the module, else the lowest-numbered shard that
    # loaded it (a dependency, a parent package, a module loaded before measuring).
    shard: int | None = None

    @property
    def body_ns(self) -> int:
        """The own (self) time without the collector's pauses: what the body itself took."""
        return max(0, self.self_ns - (self.gc_ns or 0))

    @property
    def body_cpu_ns(self) -> int | None:
        """The own CPU time without the collector's (None: not measured).

        A collection that ran in this body walked the objects every module made so far;
        importing the module elsewhere, or deferring it, does not save that walk.
        """
        if self.self_cpu_ns is None:
            return None
        return max(0, self.self_cpu_ns - (self.gc_cpu_ns or 0))


@dataclass(frozen=True, slots=True)
class LineTime:
    """The sampled share of a module body's own time one line of its source took.

    `line` is the line the body's frame was running (in a statement over several lines,
    any of them); 0 stands for the import's time outside its statements (finding and
    loading its code). Calls the line makes are in it; imports it makes are not (they
    are modules of their own).
    """

    line: int
    sampled_ns: int
    samples: int


@dataclass(frozen=True, slots=True)
class LoopBlock:
    """Where an import ran while an asyncio event loop was running on the same thread.

    The loop was blocked for the whole import: the module's `cumulative_ns`. `file` /
    `line` / `function` are the import statement's place, `coroutine*` the coroutine it
    ran in (the nearest async frame up the stack; None if none was found).
    """

    file: str | None = None
    line: int | None = None
    function: str | None = None
    coroutine: str | None = None
    coroutine_file: str | None = None
    coroutine_line: int | None = None


@dataclass(frozen=True, slots=True)
class ChildFailure:
    """How a child interpreter ended when it did not finish cleanly."""

    kind: str  # "import-error" | "program-error" | "exit" | "signal" | "timeout" | "crash"
    message: str
    module: str | None = None  # module whose import raised, when known
    exit_code: int | None = None
    signal: str | None = None
    stderr_tail: str = ""
    file: str | None = None  # where the exception was raised (innermost frame), when known
    line: int | None = None
    traceback: tuple[str, ...] = ()  # its traceback, innermost last, as Python prints it


@dataclass(frozen=True, slots=True)
class SkippedModule:
    """A submodule a tree walk could not import for a reason outside the targets.

    Not a failure: it needs a module that is not installed (`kind` "missing-dependency")
    or it only works on another platform ("platform": it raised under a platform test,
    or needs a standard-library module this platform lacks), or it is for another Python
    ("python-version": its package imports it only under a `sys.version_info` test false
    here, or a PEP 810 lazy import runs at once here), or it imports alone in a fresh
    interpreter and failed only after other modules of the walk ("walk-order"), or
    it is a shared library that defines no module ("not-a-module"), or it lies in a
    folder without `__init__.py` inside a regular package ("folder-of-files": alembic's
    templates).
    `module` is the module whose import raised, which may be another one that `name`
    imports.
    """

    name: str
    kind: str  # "missing-dependency" | "platform" | "python-version" | "walk-order" |
    # "not-a-module" | "folder-of-files"
    reason: str
    error: str  # the exception that reached the walk, "ImportError: ..."
    module: str | None = None
    missing: str | None = None  # the module (or shared library) not found, for missing-dependency
    file: str | None = None  # where it was raised
    line: int | None = None
    traceback: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RunMeta:
    """Where and how the measurement was made, and what about it shapes the numbers."""

    python: str  # executable path
    python_version: str
    platform: str
    implementation: str = "cpython"
    mode: str = "import"  # "import" | "tree" | "isolated" | "program" | "importtime"
    repeats: int = 0
    warmup: bool = True
    memory: bool = False  # whether the tracemalloc run happened
    timeout_s: float | None = None
    startup_ns: int | None = None  # bare interpreter start-up (median), for context
    wall_ns: int | None = None  # median wall time of one measured child run
    program_exit_code: int | None = None  # for -m/--script/-c: the program's own status
    main_file: str | None = None  # for -m/--script: the file that ran as __main__
    notes: tuple[str, ...] = ()  # facts about the environment that shape the numbers
    # Python's own variables that change the numbers, as the measuring interpreters had
    # them (NAME, value): PYTHONHASHSEED always ("random" when unset), PYTHONMALLOC...
    variables: tuple[tuple[str, str], ...] = ()
    shard: ShardInfo | None = None  # the part of a split module list this run measured
    # A merged report (`report merge`): each shard as it ran, and the names of the
    # fields above that differ between them (the fields here are shard 1's then).
    shards: tuple[ShardRun, ...] = ()
    differs: tuple[str, ...] = ()
    # The signal that stopped the run early ("SIGINT", "SIGTERM"): the report then holds
    # only what was measured before it, and no gate judges it.
    interrupted: str | None = None
    # Heap runs (tracemalloc) that ended before their imports did, after time runs that
    # finished: the modules each left without heap figures, and why. Every other module
    # with `heap_bytes` has complete figures; these have none (not partial ones).
    heap_gaps: tuple[HeapGap, ...] = ()


@dataclass(frozen=True, slots=True)
class HeapGap:
    """Modules a heap run (tracemalloc) left without heap figures, and why.

    The time runs imported them, but the heap run was stopped (`kind` "timeout", or how
    an `--isolated` module's heap run ended) `elapsed_ns` into importing `module`, the
    innermost import in progress; `modules` are every module it had not finished (the
    ones in progress and the ones it never reached). `time_ns` is what `module` took in
    the time runs (median cumulative time), `cpu_ns` the CPU time the heap run's process
    had used when it was stopped (None: not read). `stalled` says whether it was stuck
    rather than slow: False when it was computing all along, None when that cannot be
    told; never True in a report (a run that sat mostly idle hung: that is a failure,
    `heapgaps.hang_failure`, not a gap).
    """

    kind: str  # "timeout" | "signal" | "exit" | "import-error"
    message: str  # as a ChildFailure says it: "timed out after 120 s while importing X"
    modules: tuple[str, ...]
    module: str | None = None
    elapsed_ns: int | None = None
    time_ns: int | None = None
    cpu_ns: int | None = None
    stalled: bool | None = None


@dataclass(frozen=True, slots=True)
class ShardInfo:
    """Which part of a split module list a sharded run measured (`--shard I/N`).

    Shards of one split share `split`: a digest of the whole module list, `count` and
    `basis` (how the split was balanced: "name", or "weights" and a digest of the report
    whose per-module costs balanced it).
    """

    index: int  # 1-based
    count: int
    split: str
    basis: str
    total: int  # modules in the whole list
    modules: tuple[str, ...] = ()  # this shard's part of the list
    machine: str = ""  # the host it ran on


@dataclass(frozen=True, slots=True)
class ShardRun:
    """One shard of a merged report, as it ran: its own metadata and failure."""

    created_at: str
    meta: RunMeta
    failure: ChildFailure | None = None
    verdict: Verdict | None = None  # when the shard's command judged what it measured
    records: int = 0  # module records of the merged report that came from this shard
