"""The one report model: frozen value objects, versioned, round-tripped losslessly.

Every command produces a `Report`; every renderer consumes one. Units live in names and
integers (`self_ns`, `heap_bytes`); formatting to text is `importaudit.units`. `to_dict` /
`from_dict` convert to and from plain JSON-able data; `from_dict` refuses a report of a
newer schema version with a clear error and upgrades older ones.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from importaudit.errors import SchemaVersionError

if TYPE_CHECKING:
    from collections.abc import Sequence

SCHEMA_VERSION = 1

T = TypeVar("T")


class EdgeKind(enum.StrEnum):
    """How an import statement executes, which decides whether it runs at import time."""

    EAGER = "eager"  # module level: runs when the importer is imported
    DEFERRED = "deferred"  # inside a function or method body: runs when called
    TYPE_ONLY = "type-only"  # under `if TYPE_CHECKING:`: never runs
    OPTIONAL = "optional"  # inside try/except ImportError at module level: runs, may fail
    LAZY = "lazy"  # PEP 562 __getattr__ maps, lazy_loader attach, PEP 810 `lazy import`
    DYNAMIC = "dynamic"  # importlib.import_module("literal") / __import__("literal")
    PARENT = "parent"  # implicit: importing a.b.c runs a and a.b first


#: The order in which edge kinds are listed and sorted (and which record of an edge
#: represents it): the kinds that run at import time first. The graph cache stores a
#: kind as its place here.
KIND_ORDER: dict[EdgeKind, int] = {kind: i for i, kind in enumerate((
    EdgeKind.EAGER, EdgeKind.OPTIONAL, EdgeKind.PARENT, EdgeKind.DYNAMIC,
    EdgeKind.LAZY, EdgeKind.DEFERRED, EdgeKind.TYPE_ONLY,
))}

#: Edge kinds that execute while the importer itself is being imported.
IMPORT_TIME_KINDS: frozenset[EdgeKind] = frozenset(
    {EdgeKind.EAGER, EdgeKind.OPTIONAL, EdgeKind.PARENT}
)


class Severity(enum.IntEnum):
    """How much a finding or violation matters; ordered so thresholds compare."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4


# --------------------------------------------------------------------------- runtime


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
    # In a merged report (`report merge`): the shard this record came from, the one
    # whose part of the split list held the module, else the lowest-numbered shard that
    # loaded it (a dependency, a parent package, a module loaded before measuring).
    shard: int | None = None


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

    kind: str  # "import-error" | "exit" | "signal" | "timeout" | "crash"
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
    or needs a standard-library module this platform lacks). `module` is the module whose
    import raised, which may be another one that `name` imports.
    """

    name: str
    kind: str  # "missing-dependency" | "platform"
    reason: str
    error: str  # the exception that reached the walk, "ImportError: ..."
    module: str | None = None
    missing: str | None = None  # the module that was not found, for missing-dependency
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
    shard: ShardInfo | None = None  # the part of a split module list this run measured
    # A merged report (`report merge`): each shard as it ran, and the names of the
    # fields above that differ between them (the fields here are shard 1's then).
    shards: tuple[ShardRun, ...] = ()
    differs: tuple[str, ...] = ()


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


# --------------------------------------------------------------------------- static


@dataclass(frozen=True, slots=True)
class ImportEdge:
    """One import statement (or implicit parent import) in the static graph."""

    importer: str
    imported: str
    kind: EdgeKind
    file: str | None = None
    line: int | None = None
    names: tuple[str, ...] = ()  # for `from X import a, b`: the names taken from X
    external: bool = False  # imported lies outside the scanned targets


@dataclass(frozen=True, slots=True)
class ModuleNode:
    """One module the static scan knows of."""

    name: str
    file: str | None = None
    is_package: bool = False
    external: bool = False
    namespace: bool = False
    compiled: bool = False  # `file` is an extension module (what Python loads)
    # A compiled module's edges come from the `.py` beside it, named here; a compiled
    # module without one has imports nobody can read (see StaticGraph.imports_unknown).
    source: str | None = None


@dataclass(frozen=True, slots=True)
class ScanProblem:
    """A file or statement the static scan could not use, and why."""

    file: str
    reason: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class StaticGraph:
    """The import graph of the targets' source trees, built without running code."""

    roots: tuple[str, ...]
    modules: tuple[ModuleNode, ...] = ()
    edges: tuple[ImportEdge, ...] = ()
    problems: tuple[ScanProblem, ...] = ()
    kinds: tuple[EdgeKind, ...] = ()  # edge kinds kept in `edges` (empty: every kind)
    cycle_kinds: tuple[EdgeKind, ...] = ()  # kinds the report's cycles were sought over
    # Modules of the targets whose imports are unknown: compiled, with no source beside
    # them. Their missing edges are not "imports nothing"; cycles through them go unseen.
    imports_unknown: tuple[str, ...] = ()
    python: str | None = None  # the interpreter whose sys.path names were looked up on
    excluded: tuple[str, ...] = ()  # submodules the walk left out (exclude patterns, tests)
    notes: tuple[str, ...] = ()  # facts about how the tree was walked


class Proof(enum.StrEnum):
    """What running the code said about a cycle the static analysis suspects can fail."""

    UNVERIFIED = "unverified"  # static reasoning only: no code ran (or nothing to try)
    FAILS = "fails"  # importing a member first, alone, failed on a half-initialised member
    NOT_REPRODUCED = "not-reproduced"  # every entry point tried imported fine: order-dependent


@dataclass(frozen=True, slots=True)
class ImportTrial:
    """One module imported first, alone, in a fresh interpreter, and how that ended."""

    module: str
    error: str | None = None  # "ImportError: cannot import name ..." (None: imported fine)
    file: str | None = None  # where it was raised: the innermost frame of the target's code
    line: int | None = None
    circular: bool = False  # the error names a half-initialised member of the cycle
    # Importing `module` first imports its packages first; when importing this one of
    # them first (alone, fresh) already loaded `module` or failed, that was the same run.
    via: str | None = None


@dataclass(frozen=True, slots=True)
class Cycle:
    """One strongly connected component with a short witness cycle through it.

    `can_fail` and `failing` are the static suspicion; `proof` and `trials` say whether
    importing the suspected modules first, each alone in a fresh interpreter, reproduced
    it (`fails` is the claim renderers and rules may show as "fails at import").
    """

    modules: tuple[str, ...]  # members of the component, sorted
    witness: tuple[ImportEdge, ...]  # a short cycle, as edges with file:line (static.cycles)
    cut: tuple[ImportEdge, ...] = ()  # suggested edges to make deferred/type-only
    packages: tuple[str, ...] = ()  # top-level packages involved
    cross_package: bool = False
    can_fail: bool = False  # suspected: a `from x import name` on a partly initialised module
    failing: tuple[ImportEdge, ...] = ()  # the import-time `from x import name` edges suspected
    proof: Proof = Proof.UNVERIFIED
    trials: tuple[ImportTrial, ...] = ()  # the entry points tried, in order

    @property
    def fails(self) -> bool:
        """Shown to fail at import: a trial reproduced the suspicion."""
        return self.proof is Proof.FAILS

    @property
    def failures(self) -> tuple[ImportTrial, ...]:
        """The trials that failed on a half-initialised member of this cycle."""
        return tuple(t for t in self.trials if t.circular)


# --------------------------------------------------------------------------- review / gate


def cycle_changes(old: Sequence[Cycle],
                  new: Sequence[Cycle]) -> tuple[tuple[Cycle, ...], tuple[Cycle, ...]]:
    """(cycles of `new` that `old` lacked, cycles of `old` gone from `new`).

    A cycle is known when its modules are a subset of an old cycle's (a component that
    shrank is not new; one that grew is); it is fixed when no new cycle shares a module.
    """
    appeared = tuple(c for c in new
                     if not any(set(c.modules) <= set(o.modules) for o in old))
    fixed = tuple(o for o in old if not any(set(o.modules) & set(c.modules) for c in new))
    return appeared, fixed


@dataclass(frozen=True, slots=True)
class Impact:
    """Measured cost a finding or violation is about (None: not measured)."""

    time_ns: int | None = None
    heap_bytes: int | None = None
    rss_bytes: int | None = None
    modules: int | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """One review result: a rule code, a place, its measured impact and a fix."""

    code: str
    title: str
    severity: Severity
    module: str
    message: str
    fix: str
    file: str | None = None
    line: int | None = None
    impact: Impact = field(default_factory=Impact)
    chain: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Violation:
    """One failed check of the gate."""

    check: str  # e.g. "budget.cumulative_ns", "forbidden", "cycle", "regression.heap"
    subject: str  # the module, pattern or cycle it is about
    message: str
    measured: float | None = None
    limit: float | None = None
    chain: tuple[str, ...] = ()
    file: str | None = None
    line: int | None = None
    # For statistical (time) checks: how sure the gate is that this is not noise, 0..1.
    confidence: float | None = None


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check the gate ran, passed or not (JUnit shows one test case each)."""

    name: str
    passed: bool
    detail: str = ""
    skipped: bool = False  # could not run (e.g. heap not measured); passed stays True


@dataclass(frozen=True, slots=True)
class Verdict:
    """All violations and the overall decision of the gate."""

    passed: bool
    violations: tuple[Violation, ...] = ()
    checks: tuple[CheckResult, ...] = ()
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # how the decision was made (e.g. machine-speed scaling)


# --------------------------------------------------------------------------- report


@dataclass(frozen=True, slots=True)
class Report:
    """Everything one command measured and concluded; what renderers and baselines hold."""

    targets: tuple[str, ...]
    tool_version: str
    created_at: str  # ISO 8601, UTC
    schema_version: int = SCHEMA_VERSION
    meta: RunMeta | None = None
    modules: tuple[ModuleRecord, ...] = ()
    failure: ChildFailure | None = None
    skipped: tuple[SkippedModule, ...] = ()  # submodules of a --tree walk left out, and why
    graph: StaticGraph | None = None
    cycles: tuple[Cycle, ...] = ()
    findings: tuple[Finding, ...] = ()
    verdict: Verdict | None = None


# --------------------------------------------------------------------------- (de)serialise


def to_dict(obj: Any) -> Any:
    """Turn a model object (or container of them) into JSON-able data."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, enum.Enum):
        return obj.value if not isinstance(obj, enum.IntEnum) else obj.name.lower()
    if isinstance(obj, tuple | list):
        return [to_dict(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): to_dict(v) for k, v in obj.items()}
    return obj


def _convert(tp: Any, value: Any, where: str) -> Any:  # noqa: PLR0911  (one return per type)
    """Convert JSON data `value` into an instance of the annotated type `tp`."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _convert(inner[0], value, where)
    if origin is tuple:
        args = typing.get_args(tp)
        if not isinstance(value, list):
            raise ValueError(f"{where}: expected a list, got {type(value).__name__}")
        return tuple(_convert(args[0], v, f"{where}[{i}]") for i, v in enumerate(value))
    if isinstance(tp, type) and issubclass(tp, enum.IntEnum):
        if isinstance(value, str):
            return tp[value.upper()]
        return tp(value)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp(value)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _from_fields(tp, value, where)
    if isinstance(value, bool) and tp is not bool:  # JSON true is no count or time
        raise ValueError(f"{where}: expected {getattr(tp, '__name__', tp)}, got bool")
    if tp is float and isinstance(value, int):
        return float(value)
    if tp in (int, float, str, bool) and not isinstance(value, tp):
        raise ValueError(f"{where}: expected {tp.__name__}, got {type(value).__name__}")
    return value


_HINTS: dict[type, dict[str, Any]] = {}


def _from_fields(cls: type[T], data: Any, where: str) -> T:
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected an object, got {type(data).__name__}")
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name in data:
            kwargs[f.name] = _convert(hints[f.name], data[f.name], f"{where}.{f.name}")
    return cls(**kwargs)


def _upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """Bring an older report's data up to SCHEMA_VERSION (one step per version)."""
    # Version 1 is the first; later versions add their migration steps here.
    return data


def report_from_dict(data: Any) -> Report:
    """Read a report from JSON data, refusing newer schema versions with a clear error."""
    if not isinstance(data, dict) or "schema_version" not in data:
        raise SchemaVersionError("not an importaudit report (no schema_version)")
    version = data["schema_version"]
    if not isinstance(version, int) or version < 1:
        raise SchemaVersionError(f"unknown report schema_version {version!r}")
    if version > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"report has schema_version {version}, newer than this importaudit "
            f"understands ({SCHEMA_VERSION}); upgrade importaudit to read it"
        )
    data = _upgrade(dict(data))
    data["schema_version"] = SCHEMA_VERSION
    try:
        return _from_fields(Report, data, "report")
    except (ValueError, KeyError, TypeError) as exc:
        raise SchemaVersionError(f"malformed report: {exc}") from exc


def report_to_dict(report: Report) -> dict[str, Any]:
    """The JSON form of a report (the inverse of `report_from_dict`)."""
    data: dict[str, Any] = to_dict(report)
    return data
