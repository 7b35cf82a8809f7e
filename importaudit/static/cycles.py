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

from collections import deque
from itertools import compress, repeat
from operator import attrgetter, eq, itemgetter
from typing import TYPE_CHECKING, TypeVar

from importaudit.model import IMPORT_TIME_KINDS, KIND_ORDER, Cycle, EdgeKind, ImportEdge
from importaudit.static.component import build, edges, witness_nodes
from importaudit.static.cut import cut_cost, feedback_arcs
from importaudit.static.failing import failing_edges
from importaudit.static.gcpause import no_cyclic_gc
from importaudit.static.graph import edge_sort_key

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Mapping

    from importaudit.model import StaticGraph
    from importaudit.static.bound import Bound
    from importaudit.static.component import Pair


def _representative(records: list[ImportEdge]) -> ImportEdge:
    """The record that stands for an edge: the kind that runs first, then the first line."""
    return min(records, key=lambda e: (KIND_ORDER[e.kind], e.file or "", e.line or 0))


def _top(name: str) -> str:
    return name.partition(".")[0]


def _cycle(members: list[str], pairs: Iterable[Pair],
           records: Mapping[Pair, list[ImportEdge]], bound: Bound, at_import: bool) -> Cycle:
    component = build(members, pairs, records, at_import=at_import)
    nodes = witness_nodes(component)
    witness = tuple(
        _representative(records[u, v])
        for u, v in zip(nodes, [*nodes[1:], nodes[0]], strict=True))
    cost = {(u, v): cut_cost(records) for u, v, records in edges(component)}
    # In order already: the pairs (the cut's are sorted, the component's edges come
    # in sorted order), and the statements of each (sorted by `find_cycles`).
    cut = tuple(e for pair in feedback_arcs(component, cost) for e in records[pair])
    failing = tuple(failing_edges(component, bound))
    packages = tuple(sorted({_top(m) for m in members}))
    return Cycle(tuple(members), witness, cut, packages, len(packages) > 1,
                 bool(failing), failing)


def cycle_sort_key(cycle: Cycle) -> tuple[bool, bool, bool, int, tuple[str, ...]]:
    """Cycles shown to fail first, then those suspected, across packages, the largest."""
    return (not cycle.fails, not cycle.can_fail, not cycle.cross_package,
            -len(cycle.modules), cycle.modules)


T = TypeVar("T")
_PAIR = attrgetter("importer", "imported")
_KIND = attrgetter("kind")


def _append(lists: Iterable[list[T]], items: Iterable[T]) -> None:
    """Append each of `items` to the list beside it in `lists`, in C-level loops.

    (`map` of `list.append`, consumed by a `deque` that keeps nothing: tens of
    thousands of edges are sorted out this way, a Python loop costs several times more.)
    """
    deque(map(list.append, lists, items), maxlen=0)


def _pairs(keys: Iterable[Pair]) -> set[Pair]:
    """The distinct (importer, imported) `keys`, a module to itself left out.

    Loops in C (`set`, `map`): a large tree has tens of thousands of edges.
    """
    pairs = set(keys)
    importers = set(map(itemgetter(0), pairs))
    pairs.difference_update(zip(importers, importers, strict=True))
    return pairs


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
    # One round first in C-level loops: pairs into a module that imports nothing, or
    # out of one that nothing imports (on sympy 16,800 pairs -> 7,000).
    heads = set(map(itemgetter(0), pairs))
    ahead = list(compress(pairs, map(heads.__contains__, map(itemgetter(1), pairs))))
    tails = set(map(itemgetter(1), ahead))
    kept = list(compress(ahead, map(tails.__contains__, map(itemgetter(0), ahead))))
    succ: dict[str, list[str]] = {u: [] for u in set(map(itemgetter(0), kept))}
    pred: dict[str, list[str]] = {v: [] for v in set(map(itemgetter(1), kept))}
    _append(map(succ.__getitem__, map(itemgetter(0), kept)), map(itemgetter(1), kept))
    _append(map(pred.__getitem__, map(itemgetter(1), kept)), map(itemgetter(0), kept))
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


def find_cycles(graph: StaticGraph,
                kinds: Iterable[EdgeKind] = IMPORT_TIME_KINDS) -> tuple[Cycle, ...]:
    """Every import cycle of `graph` over edges of `kinds`, most serious first."""
    chosen = frozenset(kinds)
    with no_cyclic_gc():
        # The edges of the chosen kinds and their (importer, imported), made once for
        # the pairs and again for the statements of the pairs found on cycles: C-level
        # loops over tens of thousands of edges, each pass a few milliseconds.
        selected = list(map(chosen.__contains__, map(_KIND, graph.edges)))
        edges = list(compress(graph.edges, selected))
        keys: list[Pair] = list(map(_PAIR, edges))
        core = _cyclic_core(_pairs(keys))
        if not core:
            return ()
        import networkx as nx

        digraph: nx.DiGraph[str] = nx.DiGraph()
        digraph.add_edges_from(core)
        components = [sorted(c) for c in nx.strongly_connected_components(digraph)
                      if len(c) > 1]
        place = {m: i for i, members in enumerate(components) for m in members}
        inside: list[list[Pair]] = [[] for _ in components]  # each component's pairs
        # A pair is inside when both ends are in one component (-1 and -2: in none).
        froms = list(map(place.get, map(itemgetter(0), core), repeat(-1)))
        tos = map(place.get, map(itemgetter(1), core), repeat(-2))
        within = list(map(eq, froms, tos))
        _append(map(inside.__getitem__, compress(froms, within)), compress(core, within))
        # The statements of the pairs inside a component, in the graph's order.
        records: dict[Pair, list[ImportEdge]] = {
            pair: [] for pair in compress(core, within)}
        within = list(map(records.__contains__, keys))
        _append(map(records.__getitem__, compress(keys, within)), compress(edges, within))
        for statements in records.values():
            if len(statements) > 1:  # (in the graph's order, usually sorted already)
                statements.sort(key=edge_sort_key)
        # Only now, with cycles to judge: it parses source (ast).
        from importaudit.static.bound import bound_before

        # A compiled module's edges (and so its names) come from the .py beside it.
        bound = bound_before({n.name: n.source if n.compiled else n.file
                              for n in graph.modules})
        at_import = chosen <= IMPORT_TIME_KINDS
        return tuple(sorted((_cycle(c, inside[i], records, bound, at_import)
                             for i, c in enumerate(components)), key=cycle_sort_key))
