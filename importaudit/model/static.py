"""The static side of the report: the import graph read from source, and its cycles.

An `ImportEdge` is one import statement (file, line, kind); `StaticGraph` holds the
modules and edges of the targets' source trees, built without running code; a `Cycle`
is one strongly connected component of it with a witness, a cut and, once its
suspected failure was tried in fresh interpreters, a proof.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence


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
    # The statement may not run when the importer runs: under an `if` (a platform test),
    # in a `try` with handlers, a loop, a `with`, a function. Only statements that always
    # run fix the order in which a module's imports start others (`static.failing`).
    conditional: bool = False
    # The statement is in a function body (or the `__main__` block): it runs only when
    # called, never while the importer is imported. What tells a module-level
    # `importlib.import_module("x")`, which may run then, from one in a function: both
    # are of kind `dynamic`, and both conditional when the module-level one is guarded.
    deferred: bool = False


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

    # Static reasoning only: no code ran, nothing to try, or every entry point tried
    # failed for another reason first (a missing dependency: it never reached the cycle).
    UNVERIFIED = "unverified"
    # importing a member first, alone, failed on a half-initialised member (or an import
    # it ran did, and the error was caught: `Cycle.caught_failures`)
    FAILS = "fails"
    NOT_REPRODUCED = "not-reproduced"  # entry points imported fine, none failed on it


@dataclass(frozen=True, slots=True)
class CaughtImport:
    """A module whose import started in a trial and raised, and whose error was caught.

    The shape of optional accelerators and plugins: `try: from .ext import X` `except
    ImportError: X = None`. The import of the package goes on without `ext` (unless
    something imports it again later: `imported_later`).
    """

    module: str
    error: str  # "ImportError: cannot import name ..."
    file: str | None = None  # where it was raised: the innermost frame of the target's code
    line: int | None = None
    by: str | None = None  # the module whose code caught it (None: not known)
    by_file: str | None = None  # where: the statement the error left last
    by_line: int | None = None
    circular: bool = False  # the error names a half-initialised member of the cycle
    # The watched modules whose import the same error left next, on its way out before it
    # was caught (`module` imported by them): their imports failed with it.
    through: tuple[str, ...] = ()
    # Imported again later in the same run, and loaded (the code that caught the error
    # retried, or other code imported it, after the cycle had finished): it failed once
    # and loaded in the end, though the code that caught the error ran on without it.
    imported_later: bool = False


@dataclass(frozen=True, slots=True)
class ImportTrial:
    """One module imported first, alone, in a fresh interpreter, and how that ended."""

    module: str
    error: str | None = None  # "ImportError: cannot import name ..." (None: imported fine)
    file: str | None = None  # where it was raised: the innermost frame of the target's code
    line: int | None = None
    circular: bool = False  # the error names a half-initialised member of the cycle
    # It failed for another reason, but every module suspected of taking a name from it
    # had finished importing by then: the imports at risk ran (or were skipped by their
    # own code, click's on another platform) without failing. Evidence like an import.
    cleared: bool = False
    # Importing `module` first imports its packages first; when importing this one of
    # them first (alone, fresh) already loaded `module` or failed, that was the same run.
    via: str | None = None
    # It imported fine, but these modules suspected of taking a name from it did not
    # load in that run (a conditional or optional import of them did not run: altair's
    # `jupyter_chart` needs anywidget): the imports at risk never ran, so it says nothing.
    unreached: tuple[str, ...] = ()
    # Watched modules (members of the cycles, modules at risk) whose import started in
    # this run and raised, where the code importing them caught the error and went on
    # (each failure once, however many watched modules it left on its way out).
    caught: tuple[CaughtImport, ...] = ()
    # The run watched for such caught failures: `caught` says all it saw. False in a
    # report from an importaudit before it did (its trials have no `caught`), and for a
    # run whose interpreter died before it could say.
    watched: bool = False

    @property
    def ran_through(self) -> bool:
        """Whether the run got past the imports at risk: imported fine, or `cleared`."""
        return (self.error is None and not self.unreached) or self.cleared


@dataclass(frozen=True, slots=True)
class Cycle:
    """One strongly connected component with a short witness cycle through it.

    `can_fail` and `failing` are the static suspicion; `proof` and `trials` say whether
    importing the suspected modules first, each alone in a fresh interpreter, reproduced
    it (`fails` is the claim renderers and rules may show as "fails at import"). A cycle
    nothing is suspected of that closes at import time is run from its entries too:
    its `proof` is `not-reproduced` when they imported (`fails` when one failed on it).
    """

    modules: tuple[str, ...]  # members of the component, sorted
    witness: tuple[ImportEdge, ...]  # a short cycle, as edges with file:line (static.cycles)
    cut: tuple[ImportEdge, ...] = ()  # suggested edges to make deferred/type-only
    packages: tuple[str, ...] = ()  # packages involved (`sourcetree.project_package`)
    cross_package: bool = False
    can_fail: bool = False  # suspected: a `from x import name` on a partly initialised module
    failing: tuple[ImportEdge, ...] = ()  # the import-time `from x import name` edges suspected
    proof: Proof = Proof.UNVERIFIED
    trials: tuple[ImportTrial, ...] = ()  # the entry points tried, in order
    # The members that can be the first of the cycle to start: importing any other runs
    # a package first that starts one of these (empty: not known, a report before it)
    entries: tuple[str, ...] = ()
    # `from x import name` edges that would be at risk if `x` could start first, which
    # the order the packages' imports impose rules out: a lazy `__init__` may change it
    held_by_order: tuple[ImportEdge, ...] = ()
    # Why no entry point was run, when none was: "--no-verify", a saved report judged,
    # entry points that only run programs (None: run, or not suspected)
    not_run: str | None = None

    @property
    def fails(self) -> bool:
        """Shown to fail at import: a trial reproduced the suspicion."""
        return self.proof is Proof.FAILS

    @property
    def failures(self) -> tuple[ImportTrial, ...]:
        """The trials that failed on a half-initialised member of this cycle."""
        return tuple(t for t in self.trials if t.circular)

    @property
    def caught_failures(self) -> tuple[tuple[ImportTrial, CaughtImport], ...]:
        """The imports that failed on a half-initialised member, caught by their importer.

        Each with the trial it happened in: a run that imported fine (or failed later,
        for another reason) after the package swallowed the cycle's error. Each once
        (by module, error and where raised), with the first trial that met it.
        """
        found: dict[tuple[str, str, str | None, int | None],
                    tuple[ImportTrial, CaughtImport]] = {}
        # Each failure once: the trials settled by one run (`via`) repeat its failures.
        for t in self.trials:
            for c in t.caught:
                if c.circular:
                    found.setdefault((c.module, c.error, c.file, c.line), (t, c))
        return tuple(found.values())

    @property
    def order_matters(self) -> bool:
        """Suspected to fail at import, or would be if a package stopped fixing the order."""
        return self.can_fail or bool(self.held_by_order)

    @property
    def closes_at_import(self) -> bool:
        """Whether its witness runs entirely at import time: importing a member runs it."""
        return bool(self.witness) and all(e.kind in IMPORT_TIME_KINDS for e in self.witness)

    @property
    def to_run(self) -> bool:
        """Whether proving the claims runs it: its entry points are imported first.

        A suspected cycle (or one an order held safe) to show whether it fails; any
        other that closes at import time with its `entries` known, to show whether it
        imports from each of them: that nothing was suspected is static reasoning only.
        """
        return self.order_matters or (self.closes_at_import and bool(self.entries))

    def runs_first(self, module: str) -> str | None:
        """The member that always starts before `module`: its outermost package in the cycle.

        Importing `a.b.c` runs `a`, then `a.b`, first, so a member with a package in the
        cycle is never the first member to start (None: `module` can be).
        """
        return first_package(module, self.modules)


def first_package(module: str, members: Collection[str]) -> str | None:
    """`module`'s outermost package among `members` (None when none of them is one)."""
    parts = module.split(".")
    return next((p for p in (".".join(parts[:i]) for i in range(1, len(parts)))
                 if p in members), None)


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
