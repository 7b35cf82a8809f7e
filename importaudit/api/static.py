"""Use cases that read the source without running it: `graph`, `cycles`, `import_graph`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from importaudit.api.runs import Environments, exclusions, progress_line
from importaudit.config.options import StaticOptions

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import networkx as nx

    from importaudit.model import Cycle, Report, StaticGraph


def static_graph(targets: Sequence[str], options: StaticOptions | None = None, *,
                 scanner: str | None = None,
                 environments: Environments | None = None,
                 meanwhile: Callable[[], object] | None = None) -> StaticGraph:
    """The static import graph of `targets` (package names or paths); no code runs.

    `options` (see `StaticOptions`) says which edge kinds to keep (None: all), where
    scans are cached, how many processes scan, and in which interpreter's environment
    names are looked up and which modules its walk leaves out. `scanner` overrides the
    one `full_parse` picks ("fast", or "reference": every file parsed whole with `ast`,
    what the fast scanner is tested against). A long run shows progress on a terminal.
    `meanwhile` is called once while worker processes scan, if any do (a cold build of
    a large tree): what the caller needs next can be imported then, on a core that
    would otherwise wait.
    """
    from importaudit.model import EdgeKind
    from importaudit.static.build import static_graph as build
    from importaudit.static.cache import default_cache_dir

    options = options or StaticOptions()
    # Every kind kept is no filter: the graph says nothing about kinds then.
    kinds = None if options.kinds == frozenset(EdgeKind) else options.kinds
    envs = environments or Environments()
    folder = None
    if options.cache:
        folder = options.cache_dir if options.cache_dir is not None else default_cache_dir()
    chosen = scanner or ("reference" if options.full_parse else "fast")
    where = envs.search_path(options.measure)
    with progress_line() as show:
        return build(targets, kinds=kinds, collapse_external=options.collapse_external,
                     cache_dir=folder, jobs=options.jobs, scanner=chosen, where=where,
                     exclusions=exclusions(options.measure), progress=show,
                     meanwhile=meanwhile)


def _static_report(targets: Sequence[str], graph: StaticGraph,
                   found: tuple[Cycle, ...] = ()) -> Report:
    from datetime import UTC, datetime

    from importaudit._version import __version__
    from importaudit.model import Report

    return Report(targets=tuple(targets), tool_version=__version__,
                  created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                  graph=graph, cycles=found)


def graph(targets: Sequence[str], options: StaticOptions | None = None, *,
          meanwhile: Callable[[], object] | None = None) -> Report:
    """A Report holding the static import graph of `targets` (see `static_graph`).

    Raises TargetNotFoundError (exit 2) for a target that does not exist.
    """
    return _static_report(targets, static_graph(targets, options, meanwhile=meanwhile))


def _networkx_then(meanwhile: Callable[[], object] | None) -> None:
    """Import networkx (the cycle analysis' graph algorithms), then call `meanwhile`.

    Run while workers scan: a tree with a cycle needs networkx, and importing it then
    costs no wall time on an idle core (one without a cycle pays its CPU time only).
    A missing or broken networkx is left for the analysis to report, if it needs it:
    what the import raises here changes nothing.
    """
    import contextlib

    with contextlib.suppress(Exception):
        import networkx  # noqa: F401
    if meanwhile is not None:
        meanwhile()


def cycles(targets: Sequence[str], options: StaticOptions | None = None, *,
           environments: Environments | None = None,
           meanwhile: Callable[[], object] | None = None) -> Report:
    """A Report with the static graph of `targets` (every edge) and its import cycles.

    Cycles are sought over edges of `options.kinds` (default: the kinds that run at
    import time, eager, optional and parent). The report's `graph.cycle_kinds` records
    which. An empty `cycles` means none.

    The static analysis only suspects that a cycle can fail at import. With
    `options.verify`, each suspected module is imported first, alone, in a fresh
    interpreter (`measure.python`; at most `jobs` at once, each bounded by
    `measure.timeout`), and each suspected cycle's `proof` says whether that reproduced
    it; a cycle nothing is suspected of that closes at import time is run from each
    member it can start at (`Cycle.to_run`). This runs the targets' code; without
    `verify` nothing runs, suspicions stay `unverified` and each cycle that would have
    run says why not (`not_run`). `meanwhile`: see `static_graph`.
    """
    import dataclasses

    from importaudit.model import IMPORT_TIME_KINDS, KIND_ORDER
    from importaudit.static.cycles import cycle_sort_key, find_cycles

    options = options or StaticOptions()
    envs = environments or Environments()
    counted = tuple(sorted(options.kinds if options.kinds is not None else IMPORT_TIME_KINDS,
                           key=KIND_ORDER.__getitem__))
    every_edge = dataclasses.replace(options, kinds=None)
    full = static_graph(targets, every_edge, environments=envs,
                        meanwhile=lambda: _networkx_then(meanwhile))
    full = dataclasses.replace(full, cycle_kinds=counted)
    found = find_cycles(full, counted)
    if options.verify and any(c.to_run for c in found):
        found = tuple(sorted(_verify(found, full, options, envs), key=cycle_sort_key))
    elif not options.verify:
        found = tuple(dataclasses.replace(c, not_run=options.not_run) if c.to_run else c
                      for c in found)
    return _static_report(targets, full, found)


def _verify(found: Sequence[Cycle], graph: StaticGraph, options: StaticOptions,
            envs: Environments) -> tuple[Cycle, ...]:
    """Run the cycles' suspicions (see `cycles`), with progress on a terminal."""
    from importaudit.runtime.verify import import_roots, verify_cycles

    interpreter = envs.interpreter(options.measure)
    roots = import_roots(graph, (m for c in found for m in c.modules))
    with progress_line() as show:
        return verify_cycles(found, interpreter, extra_path=roots,
                             timeout=options.measure.timeout, jobs=options.jobs,
                             progress=show)


def import_graph(targets: Sequence[str], options: StaticOptions | None = None
                 ) -> nx.DiGraph[str]:
    """The static import graph of `targets` as a `networkx.DiGraph`, to query.

    Nodes are module names with attributes `file`, `is_package`, `external`,
    `namespace`; an edge importer -> imported carries `imports` (one ImportEdge per
    statement, with kind, file and line), `kinds` and `weight`. For example
    `networkx.shortest_path(g, "a", "b")` is the shortest chain by which `a` reaches
    `b`, and `g.predecessors("x")` are the modules that import `x`.
    """
    from importaudit.static.graph import to_networkx

    return to_networkx(static_graph(targets, options))
