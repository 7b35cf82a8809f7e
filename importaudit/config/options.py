"""The typed, frozen options every command is run with, and the config keys that set them.

One field is one option: a field carrying `key(...)` metadata is also a
`[tool.importaudit]` key (and an `IMPORTAUDIT_<KEY>` variable) parsed by the parser it
names, so adding an option is one field here, one flag, one use. Defaults come from
`importaudit.defaults`, the one place each is written.

`Measure` is how the targets are measured and walked (every command that runs or walks
them takes one); `Config` is the gate's whole configuration and holds a `Measure`;
`StaticOptions`, `ReviewOptions` and `FixOptions` are what the static, review and fix
use cases take, each built once by the command line from flags and a `Config`.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from importaudit import defaults
from importaudit.config import values as v
from importaudit.model import IMPORT_TIME_KINDS, EdgeKind

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from importaudit.shard import ShardPlan

FORMATS = ("text", "json", "junit", "sarif", "github")
SEVERITIES = ("info", "low", "medium", "high", "critical", "never")


class Env(enum.Enum):
    """How an `IMPORTAUDIT_<KEY>` variable's text becomes the value the key's parser reads."""

    NUMBER = "number"  # an integer or number when it reads as one, else the text
    TEXT = "text"  # as written: a path or name ("2024" stays a name)
    LIST = "list"  # comma-separated
    BOOL = "bool"  # 1/true/yes/on or 0/false/no/off


def key(parse: Callable[[object], Any], env: Env = Env.NUMBER) -> dict[str, Any]:
    """Field metadata making the field a config key read by `parse`."""
    return {"parse": parse, "env": env}


class CyclePolicy(enum.StrEnum):
    """What the gate says about import cycles."""

    NONE = "none"  # no cycle over the counted edge kinds, except allowed ones
    NEW = "new"  # no cycle that the baseline did not have, except allowed ones
    OFF = "off"  # cycles are not checked


_ENV_NAME = r"^[^=\x00]+$"  # compiled on first use: few configurations set `env`


def _environment(value: object) -> tuple[tuple[str, str], ...]:
    """Extra environment variables: a table NAME = "value", or "NAME=value" strings."""
    if isinstance(value, dict):
        pairs = list(value.items())
    elif isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        pairs = [tuple(v.split("=", 1)) if "=" in v else (v, None) for v in value]
    else:
        raise v.Bad(f"expected a table of NAME = \"value\", or NAME=value strings, "
                    f"{v.got(value)}")
    for name, text in pairs:
        if text is None:
            raise v.Bad(f"{name!r} sets no value (write NAME=value)")
        if not isinstance(name, str) or not re.match(_ENV_NAME, name):
            raise v.Bad(f"{name!r} is not an environment variable name")
        if isinstance(text, bool) or not isinstance(text, str | int | float):
            raise v.Bad(f"the value of {name} must be a string, {v.got(text)}")
    return tuple((str(name), str(text)) for name, text in pairs)


@dataclass(frozen=True, slots=True)
class Measure:
    """How the targets are measured (child interpreters) and walked (their module tree).

    `profile`, `why`, `check`, `review` and `fix` measure with it; the static commands
    use its interpreter, timeout (to run cycle proofs) and walk.
    """

    python: str | None = field(default=None, metadata=key(v.opt_str, Env.TEXT))
    repeat: int = field(default=defaults.REPEAT, metadata=key(v.integer(1, 1000)))
    timeout: float = field(default=defaults.TIMEOUT_S, metadata=key(v.seconds))
    memory: bool = field(default=True, metadata=key(v.boolean, Env.BOOL))
    warm_bytecode: bool = field(default=False, metadata=key(v.boolean, Env.BOOL))
    tree: bool = field(default=False, metadata=key(v.boolean, Env.BOOL))
    isolated: bool = field(default=False, metadata=key(v.boolean, Env.BOOL))
    # Module globs tree walks leave out (not walked at all), and whether test packages
    # (test, tests, testing, conftest, _tests, _testing) are walked.
    exclude: tuple[str, ...] = field(default=(), metadata=key(v.str_list, Env.LIST))
    include_tests: bool = field(default=False, metadata=key(v.boolean, Env.BOOL))
    # Extra environment variables of the measuring children (feature flags and the
    # like), in the order given; the same name later wins.
    env: tuple[tuple[str, str], ...] = field(default=(), metadata=key(_environment, Env.LIST))
    # PYTHONHASHSEED of every child (None: as our environment has it, else random per
    # run): code iterating a set imports in seed order (sqlalchemy.util.preloaded).
    hash_seed: int | None = field(default=None, metadata=key(v.integer(0, 2**32 - 1)))
    # `--shard I/N`: measure only this part of the tree (a run's part: never configured).
    shard: ShardPlan | None = None
    # Folders where target names are looked up before any other, the current directory
    # included, as a path target's folder is: a later round of `fix` reviews its copy
    # under the names the first round gave (a run's part: never configured).
    search_first: tuple[str, ...] = ()

    def environment(self) -> tuple[tuple[str, str], ...]:
        """The variables every child started in the measured environment gets, in order.

        The one translation of these options into environment variables: the profile's
        children, cycle trials, fix's proof and measurements and the question asked of
        the interpreter all start with them (`runtime.interpreter.child_environ`).
        """
        seed = () if self.hash_seed is None else (("PYTHONHASHSEED", str(self.hash_seed)),)
        return (*self.env, *seed)


def program_measure(base: Measure, repeat: int | None = None,
                    memory: bool | None = None) -> Measure:
    """`base` for running a program: its repeats and heap run only as asked.

    Running a user's program again may have side effects: by default it runs once,
    without a heap run.
    """
    from dataclasses import replace

    return replace(base, repeat=repeat or defaults.PROGRAM_REPEAT, memory=bool(memory),
                   tree=False, isolated=False, shard=None)


@dataclass(frozen=True, slots=True)
class Budget:
    """Absolute limits for every module whose name matches `pattern` (a glob)."""

    pattern: str
    max_cumulative_ns: int | None = None
    max_heap_bytes: int | None = None
    max_rss_bytes: int | None = None
    max_modules: int | None = None


@dataclass(frozen=True, slots=True)
class ForbiddenRule:
    """Importing a module matching `importer` must not load any of `modules`.

    A forbidden name covers the package and its submodules ("numpy" forbids
    "numpy.linalg"); globs are allowed on both sides.
    """

    importer: str
    modules: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Contracts:
    """Which parts of the code may import which (checked by `check` on every chain).

    `layers` runs top to bottom; each layer holds sibling modules (often one) and may
    import only the layers below it, never its own siblings. Each group of `independent`
    holds modules none of which may import another. A name covers its submodules; where
    names nest, a module belongs to the most specific one.
    """

    layers: tuple[tuple[str, ...], ...] = ()
    independent: tuple[tuple[str, ...], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.layers or self.independent)


@dataclass(frozen=True, slots=True)
class Tolerance:
    """How far a measurement may move over the baseline before it counts as a regression.

    Time must exceed BOTH the relative and the absolute tolerance, and the repeats must
    make the gate at least `confidence` sure (see `gate`); heap likewise with its pair.
    """

    time_relative: float = 0.25
    time_absolute_ns: int = 5_000_000
    heap_relative: float = 0.10
    heap_absolute_bytes: int = 256 * 1024
    new_modules: int = 0  # how many modules a target may newly load before it fails
    confidence: float = 0.95
    normalize: bool = True  # scale baseline times by the interpreter start-up ratio


def _cycle_policy(value: object) -> CyclePolicy:
    return CyclePolicy(v.choice(tuple(p.value for p in CyclePolicy))(value))


@dataclass(frozen=True, slots=True)
class Config:
    """Everything the gate (and the commands around it) needs to know, typed and frozen."""

    targets: tuple[str, ...] = field(default=(), metadata=key(v.str_list, Env.LIST))
    measure: Measure = field(default_factory=Measure)  # its fields are keys of their own
    baseline: str | None = field(default=defaults.BASELINE, metadata=key(v.opt_str, Env.TEXT))
    format: str = field(default="text", metadata=key(v.choice(FORMATS)))
    output: str | None = field(default=None, metadata=key(v.opt_str, Env.TEXT))
    kinds: frozenset[EdgeKind] = field(default=IMPORT_TIME_KINDS,
                                       metadata=key(v.kinds, Env.TEXT))
    # None: not configured (no flag, variable or key): see `cycle_policy`
    cycles: CyclePolicy | None = field(default=None, metadata=key(_cycle_policy))
    allow_cycles: tuple[frozenset[str], ...] = field(default=(),
                                                     metadata=key(v.allow_cycles, Env.LIST))
    ignore: tuple[str, ...] = field(default=(), metadata=key(v.str_list, Env.LIST))
    # review suppressions: "CODE" or "CODE:module-glob"
    review_ignore: tuple[str, ...] = field(default=(), metadata=key(v.str_list, Env.LIST))
    # how `fix` writes a lazy __init__
    fix_style: str = field(default=defaults.FIX_STYLES[0],
                           metadata=key(v.choice(defaults.FIX_STYLES)))
    # review: exit 1 at findings of this severity or higher
    fail_on: str = field(default="low", metadata=key(v.choice(SEVERITIES)))
    budgets: tuple[Budget, ...] = ()
    forbidden: tuple[ForbiddenRule, ...] = ()
    contracts: Contracts = field(default_factory=Contracts)
    tolerance: Tolerance = field(default_factory=Tolerance)
    source: str | None = None  # the pyproject.toml it was read from, if any
    root: str = "."  # relative paths (baseline, output) are resolved against this

    @property
    def baseline_path(self) -> Path | None:
        """The baseline file, resolved against the project root."""
        if self.baseline is None:
            return None
        return Path(self.root) / self.baseline

    def cycle_policy(self, baseline: bool) -> CyclePolicy:
        """The cycle policy in force: `cycles` as configured, else by the baseline.

        Not configured, it is "new" when the gate judges against a baseline (`baseline`:
        one is used) and "none" without one: a saved baseline is the user accepting the
        cycles it holds, and an unchanged tree passes against it run after run. A
        `cycles` key, `IMPORTAUDIT_CYCLES` or `--cycles` decides alone ("none" fails on
        every cycle, baseline or not).
        """
        if self.cycles is not None:
            return self.cycles
        return CyclePolicy.NEW if baseline else CyclePolicy.NONE


def _keyed(cls: type) -> Iterator[tuple[str, dict[str, Any]]]:
    for f in fields(cls):
        if "parse" in f.metadata:
            yield f.name, dict(f.metadata)


#: key -> its field's metadata (parser, environment form), for every scalar key.
SCALAR_KEYS: dict[str, dict[str, Any]] = {**dict(_keyed(Config)), **dict(_keyed(Measure))}
#: The keys held by `Config.measure` rather than `Config` itself.
MEASURE_KEYS = frozenset(dict(_keyed(Measure)))


# --------------------------------------------------------------------------- per family


@dataclass(frozen=True, slots=True)
class StaticOptions:
    """How `graph` and `cycles` read the source (no code runs, except cycle proofs).

    `kinds` keeps edges of those kinds (`graph`; None: all) or closes cycles over them
    (`cycles`; None: the kinds that run at import time). Scans are cached by content in
    `cache_dir` (default `$IMPORTAUDIT_CACHE_DIR` or `.importaudit-cache/`) unless
    `cache` is False; `jobs` bounds the processes scanning at once (None: by tree size
    and CPUs); `full_parse` parses every file whole with `ast`. `verify` runs each
    suspected cycle in a fresh interpreter of `measure.python`; names are looked up on
    its sys.path and its walk options apply.
    """

    measure: Measure = field(default_factory=Measure)
    kinds: frozenset[EdgeKind] | None = None
    collapse_external: bool = True
    cache: bool = True
    cache_dir: str | None = None
    jobs: int | None = None
    full_parse: bool = False
    verify: bool = False
    #: Why cycle claims are not run when `verify` is False, said with each one.
    not_run: str = "nothing was asked to run them"


@dataclass(frozen=True, slots=True)
class ReviewOptions:
    """How `review` measures (always the whole tree) and which findings it keeps.

    `select` limits the rules run (codes or names; None: all); `ignore` holds
    suppressions ("CODE" or "CODE:module-pattern"). `fold_pulls=False` reports each
    IA103 pull on its own instead of folded into its utility package's IA101 (`fix`
    rewrites each pull: the helper module's own heavy imports, ISSUE-3318).
    `prove_lazy=False` does not run IA101's lazy `__init__`s where an import cycle may
    need the eager order (`review.order`): `fix` proves its own rewrites.
    `prove_time` bounds the seconds those trials take in all; the packages left are
    not proven, and their IA101 says so.
    `distribution=False` reviews the targets alone, not also the other packages their
    distribution installs that they import at import time (pytest's `_pytest`).
    """

    measure: Measure = field(default_factory=Measure)
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    fold_pulls: bool = True
    prove_lazy: bool = True
    distribution: bool = True
    prove_time: float = defaults.PROVE_TIME_S


@dataclass(frozen=True, slots=True)
class FixOptions:
    """How `fix` reviews, proves, measures and writes (see `api.fix`)."""

    measure: Measure = field(default_factory=Measure)
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    write: bool = False
    test_cmd: str | None = None
    allow_costlier: bool = False
    style: str = defaults.FIX_STYLES[0]  # how a lazy __init__ is written (fix.styles)
    # Seconds after which no further round or pass starts (None: no limit); what was
    # proven by then is reported (see `api.fix`).
    time_limit: float | None = None
