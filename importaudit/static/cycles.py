"""Import cycles: strongly connected components, one short witness each, and cuts.

Enumerating every simple cycle explodes on real code, so each strongly connected
component (over the chosen edge kinds; by default those that run at import time)
is reported once, with:

- a *witness*: a short cycle through the component, as edges with file:line
  (`static.component`);
- a *cut*: a small set of edges whose removal leaves the component without cycles,
  preferring edges cheap to make deferred (`static.cut`);
- whether it *can fail*, a suspicion: an import-time `from x import name` between
  members that may meet `x` partly initialised (`static.failing`; whether it is true
  is decided by running it, `importaudit.runtime.verify`);
- the top-level packages it spans, and whether that is more than one.

This module finds the components (after taking away what cannot be on a cycle) and
puts those parts together into `Cycle`s, most serious first.

Every iteration runs over sorted names, so the same graph always gives the same
cycles in the same order, whatever PYTHONHASHSEED is.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from importaudit.model import IMPORT_TIME_KINDS, KIND_ORDER, Cycle, EdgeKind, ImportEdge
from importaudit.static.component import build, edges, witness_nodes
from importaudit.static.cut import cut_cost, feedback_arcs
from importaudit.static.failing import (
    ALWAYS_KINDS,
    Entries,
    entries_work,
    failing_edges,
    packages_above,
)
from importaudit.static.gcpause import no_cyclic_gc
from importaudit.static.graph import edge_sort_key
from importaudit.static.sourcetree import name_root, project_package, shared_folder

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Mapping, Sequence

    from importaudit.model import StaticGraph
    from importaudit.static.bound import Bound
    from importaudit.static.component import Pair


def _representative(records: list[ImportEdge]) -> ImportEdge:
    """The record that stands for an edge: the kind that runs first, then the first line."""
    return min(records, key=lambda e: (KIND_ORDER[e.kind], e.file or "", e.line or 0))


def _projects(members: list[str], files: Mapping[str, str | None]) -> set[str]:
    """The project packages of `members` (`project_package`), read on disk once per top.

    A top-level package that is a regular one is every member's under it (sympy's
    largest cycle has 1,700 members); only a namespace package's members are read
    one by one.
    """
    found: set[str] = set()
    regular: dict[str, bool] = {}
    for member in members:
        top = member.partition(".")[0]
        if regular.get(top):
            found.add(top)
            continue
        file = files.get(member)
        project = project_package(member, file)
        if top not in regular and project == top and file is not None:
            base = name_root(member, file)
            regular[top] = base is not None and not shared_folder(os.path.join(base, top))
        found.add(project)
    return found


def _cycle(members: list[str], pairs: Iterable[Pair],
           records: Mapping[Pair, list[ImportEdge]], bound: Bound, at_import: bool,
           entries: Entries, extra: Sequence[ImportEdge]) -> Cycle:
    component = build(members, pairs, records, at_import=at_import)
    nodes = witness_nodes(component)
    witness = tuple(
        _representative(records[u, v])
        for u, v in zip(nodes, [*nodes[1:], nodes[0]], strict=True))
    cost = {(u, v): cut_cost(records) for u, v, records in edges(component)}
    # In order already: the pairs (the cut's are sorted, the component's edges come
    # in sorted order), and the statements of each (sorted by `find_cycles`).
    cut = tuple(e for pair in feedback_arcs(component.members, cost) for e in records[pair])
    first = entries(members)
    failing, held = failing_edges(component, bound, first, extra)
    # The package of each member as a project's: inside a namespace package (google.auth,
    # google.cloud.storage) not the namespace, which many distributions share.
    files = {u: found[0].file for u, _, found in edges(component) if found}
    packages = tuple(sorted(_projects(members, files)))
    return Cycle(tuple(members), witness, cut, packages, len(packages) > 1,
                 bool(failing), tuple(failing), entries=tuple(sorted(first)),
                 held_by_order=tuple(held))


def cycle_sort_key(cycle: Cycle) -> tuple[bool, bool, bool, int, tuple[str, ...]]:
    """Cycles shown to fail first, then those suspected, across packages, the largest."""
    return (not cycle.fails, not cycle.can_fail, not cycle.cross_package,
            -len(cycle.modules), cycle.modules)


def _cyclic_core(pairs: Collection[Pair]) -> list[Pair]:
    """The pairs left after taking away nodes without successors or predecessors.

    Taken away again and again, until none is left (no cycle), or the pairs that
    remain hold every cycle (and whatever lies between two). That spares most of the
    work on a large graph: building a `networkx` graph costs about a microsecond or two
    per edge (sympy: 16,800 pairs, 460 modules left), and importing networkx about a
    sixth of a second, which a tree without cycles (what a passing gate sees) never
    pays. Two passes suffice: after the sinks are gone every node left has a successor
    left, and taking away sources keeps every successor of a node that stays.
    """
    # One round first: pairs into a module that imports nothing, or out of one that
    # nothing imports (on sympy 16,800 pairs -> 7,000). (Comprehensions and loops: the
    # interpreter specialises their attribute and item access, so they cost fewer
    # instructions than chains of `map` through `itemgetter` or `list.append`.)
    heads = {u for u, _ in pairs}
    ahead = [pair for pair in pairs if pair[1] in heads]
    tails = {v for _, v in ahead}
    kept = [pair for pair in ahead if pair[0] in tails]
    succ: dict[str, list[str]] = {}
    pred: dict[str, list[str]] = {}
    for u, v in kept:
        if u in succ:
            succ[u].append(v)
        else:
            succ[u] = [v]
        if v in pred:
            pred[v].append(u)
        else:
            pred[v] = [u]
    gone: set[str] = set()
    # Sinks first (nothing ahead), taking away each edge into them; then sources.
    for forward, behind in ((succ, pred), (pred, succ)):
        left = {n: len(nodes) for n, nodes in forward.items() if n not in gone}
        stack = [n for n in behind if n not in forward and n not in gone]
        while stack:
            node = stack.pop()
            gone.add(node)
            for other in behind.get(node, ()):
                if other in left:
                    left[other] -= 1
                    if not left[other]:
                        stack.append(other)
    return [(u, v) for u, v in kept if u not in gone and v not in gone]


def _orders(graph: StaticGraph, chosen: frozenset[EdgeKind], place: Mapping[str, int],
            count: int) -> tuple[Entries, list[list[ImportEdge]]]:
    """What decides the orders the `count` components (`place`: member -> one) can run in.

    Which members can start first (`Entries`): every edge of the graph that may run at
    import time counts (a package's import that reaches a component starts it), whatever
    the `chosen` kinds; only those that always run fix the order (`failing.runs_always`).
    And each component's statements between members that may run at import time but are
    of kinds not chosen (a module-level `import_module`): they open ways too.
    """
    ahead: dict[str, list[str]] = {}
    always: dict[str, list[str]] = {}
    extra: list[list[ImportEdge]] = [[] for _ in range(count)]
    # The statements of every package above a member, for their order (`Entries`).
    statements: dict[str, list[ImportEdge]] = {p: [] for p in packages_above(place)}
    # `may_run` and `runs_always`, spelt out: two calls for each of sympy's 30,000
    # edges cost a tenth of its cycle analysis. The graph's edges come by importer, so
    # each run of one importer's looks its two lists up once (a third of the loop);
    # any order gives the same lists.
    last: str | None = None
    may: list[str] = []
    sure: list[str] = []
    own: list[ImportEdge] | None = None
    every = chosen >= IMPORT_TIME_KINDS  # (the default: no import-time edge is extra)
    dynamic = EdgeKind.DYNAMIC in chosen
    for e in graph.edges:
        kind = e.kind
        if kind in IMPORT_TIME_KINDS:
            sought = every or kind in chosen
        elif kind is EdgeKind.DYNAMIC and not e.deferred:  # (`may_run` too)
            sought = dynamic
        else:
            continue
        u = e.importer
        if u != last:
            last = u
            may = ahead.setdefault(u, [])
            sure = always.setdefault(u, [])
            own = statements.get(u)
        may.append(e.imported)
        if own is not None:
            own.append(e)
        if kind in ALWAYS_KINDS and not e.conditional:  # (`runs_always`)
            sure.append(e.imported)
        if not sought:
            at = place.get(u)
            if at is not None and at == place.get(e.imported):
                extra[at].append(e)
    return Entries(ahead, always, statements,
                   work=entries_work(sum(map(len, ahead.values())))), extra


def find_cycles(graph: StaticGraph,
                kinds: Iterable[EdgeKind] = IMPORT_TIME_KINDS) -> tuple[Cycle, ...]:
    """Every import cycle of `graph` over edges of `kinds`, most serious first."""
    with no_cyclic_gc():
        # (The collector resumes once `_find` has returned: only then are the edge
        # lists, graphs and sources it made gone, which the first collection after the
        # pause would otherwise walk, about a twentieth of sympy's analysis.)
        return _find(graph, frozenset(kinds))


def _find(graph: StaticGraph, chosen: frozenset[EdgeKind]) -> tuple[Cycle, ...]:
    """`find_cycles`, with the cyclic garbage collector paused."""
    # The edges of the chosen kinds between two modules, but for those into a module
    # that imports nothing or out of one that nothing imports (no cycle runs through
    # either: sympy 22,700 -> 9,500 edges, before a pair is made of each), and their
    # distinct pairs. Those left hold every edge of a cycle.
    edges = [e for e in graph.edges if e.kind in chosen and e.importer != e.imported]
    heads = {e.importer for e in edges}
    tails = {e.imported for e in edges}
    edges = [e for e in edges if e.imported in heads and e.importer in tails]
    core = _cyclic_core({(e.importer, e.imported) for e in edges})
    if not core:
        return ()
    import networkx as nx

    digraph: nx.DiGraph[str] = nx.DiGraph()
    digraph.add_edges_from(core)
    components = [sorted(c) for c in nx.strongly_connected_components(digraph)
                  if len(c) > 1]
    place = {m: i for i, members in enumerate(components) for m in members}
    # A pair is inside when both ends are in one component: each component's pairs,
    # and the statements of each pair, in the graph's order.
    inside: list[list[Pair]] = [[] for _ in components]
    for pair in core:
        at = place.get(pair[0])
        if at is not None and at == place.get(pair[1]):
            inside[at].append(pair)
    records: dict[Pair, list[ImportEdge]] = {}
    for edge in edges:
        at = place.get(edge.importer)
        if at is not None and at == place.get(edge.imported):
            key = (edge.importer, edge.imported)
            if key in records:
                records[key].append(edge)
            else:
                records[key] = [edge]
    for statements in records.values():
        if len(statements) > 1:  # (in the graph's order, usually sorted already)
            statements.sort(key=edge_sort_key)
    # Only now, with cycles to judge: it parses source (ast).
    from importaudit.static.bound import bound_before

    # A compiled module's edges (and so its names) come from the .py beside it.
    bound = bound_before({n.name: n.source if n.compiled else n.file
                          for n in graph.modules})
    at_import = chosen <= IMPORT_TIME_KINDS
    entries, extra = _orders(graph, chosen, place, len(components))
    return tuple(sorted((_cycle(c, inside[i], records, bound, at_import, entries, extra[i])
                         for i, c in enumerate(components)), key=cycle_sort_key))
