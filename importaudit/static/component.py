"""One strongly connected component of the import graph, and a short witness cycle.

The component's members and edges are kept in sorted order, so every traversal of it
is deterministic; the import statements (`ImportEdge`) behind each edge are kept with
it, as the list of its edges (`edges`). Its networkx graph is built only when a
witness search needs one.
The witness is a short cycle through it: always the shortest through its first
module, and the shortest of all when the search's work budget covers every start
(components of up to a few hundred modules).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from importaudit.model import IMPORT_TIME_KINDS

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

    import networkx as nx

    from importaudit.model import ImportEdge

Pair = tuple[str, str]


class Component:
    """One strongly connected component: its members and its edges, in sorted order.

    `listed`: each edge (importer, imported) with its statements (`ImportEdge`), the
    members in order and each one's successors sorted; `at_import`: whether every one
    of those statements is known to run at import time. Its networkx graph (`graph`)
    is built on first use: only a witness search that no 2-cycle settles needs one
    (each costs several microseconds per edge to build).
    """

    __slots__ = ("_graph", "at_import", "listed", "members")

    def __init__(self, members: list[str], listed: list[tuple[str, str, list[ImportEdge]]],
                 at_import: bool) -> None:
        self.members = members
        self.listed = listed
        self.at_import = at_import
        self._graph: nx.DiGraph[str] | None = None

    @property
    def graph(self) -> nx.DiGraph[str]:
        """The component as a networkx graph, built in sorted order (deterministic traversal)."""
        if self._graph is None:
            import networkx as nx

            graph: nx.DiGraph[str] = nx.DiGraph()
            graph.add_nodes_from(self.members)
            graph.add_edges_from((u, v) for u, v, _ in self.listed)
            self._graph = graph
        return self._graph


def build(members: list[str], pairs: Iterable[Pair],
          records: Mapping[Pair, list[ImportEdge]], *, at_import: bool = False) -> Component:
    """One component, its edges in sorted order (deterministic traversal).

    `pairs` are its edges; `records` holds the statements of each, by pair; `at_import`:
    whether every one of them runs at import time (so no one needs to look).
    """
    successors: dict[str, list[str]] = {u: [] for u in members}
    for u, v in pairs:
        successors[u].append(v)
    listed = [(u, v, records[u, v]) for u in members for v in sorted(successors[u])]
    return Component(members, listed, at_import)


def edges(component: Component) -> Iterator[tuple[str, str, list[ImportEdge]]]:
    """Each edge of a component with its statements, in its order.

    Kept as a list (not as data on each networkx edge): the cycle analysis walks them
    several times, and a networkx edge view yields each through a generator.
    """
    return iter(component.listed)


def all_at_import(component: Component) -> bool:
    """Whether every statement of a component is known to run at import."""
    return component.at_import


def runs_at_import(records: Iterable[ImportEdge]) -> bool:
    """Whether any of an edge's statements runs at import time."""
    return any(e.kind in IMPORT_TIME_KINDS for e in records)


# Nodes one component's witness search may visit over all its starts: the shortest
# cycle through every member costs |V| * (|V| + |E|), cubic-looking on one long ring of
# thousands of modules, so past this budget the search stops at what it has.
_WITNESS_WORK_MIN = 200_000
_WITNESS_WORK_PER_NODE = 2


def _two_cycle(component: nx.DiGraph[str]) -> list[str] | None:
    """The first 2-cycle in sorted order, found in one pass over the edges."""
    for u in component.nodes:
        for v in component.successors(u):
            if component.has_edge(v, u):
                return [u, v]
    return None


def shortest_cycle(component: nx.DiGraph[str]) -> list[str]:
    """Nodes of a short cycle of `component`, in linear-ish time; deterministic.

    Guarantees, over the component's node order (sorted, as `build` builds it):
    a 2-cycle if there is one (then it is the first in that order), and otherwise the
    shortest cycle through the first node, improved by a breadth-first search from each
    next node in turn, each cut off below the best so far, while the nodes visited stay
    within a budget linear in the component's size. So the cycle is the component's
    shortest whenever the budget covers every node (components of a few hundred
    modules), and always the shortest through its first node. The cycle starts at the
    node whose search found it.
    """
    import networkx as nx

    if (pair := _two_cycle(component)) is not None:
        return pair
    budget = max(_WITNESS_WORK_MIN, _WITNESS_WORK_PER_NODE * component.number_of_nodes())
    best: list[str] | None = None
    work = 0
    for start in component.nodes:
        if best is not None and (work >= budget or len(best) == 3):
            break  # no 2-cycle, so 3 is the shortest there is
        closing = set(component.predecessors(start))
        parent: dict[str, str] = {}
        limit = None if best is None else len(best) - 2
        # Breadth-first order: the first predecessor of `start` reached closes the
        # shortest cycle through `start`.
        for node, via in nx.bfs_predecessors(component, start, depth_limit=limit):
            parent[node] = via
            work += 1
            if node in closing:
                path = [node]
                while path[-1] != start:
                    path.append(parent[path[-1]])
                best = path[::-1]
                break
    if best is None:
        raise ValueError("not a strongly connected component with a cycle")
    return best


def _first_two_cycle(component: Component) -> list[str] | None:
    """`_two_cycle` of the component's graph, read from its edges (no graph built)."""
    pairs = {(u, v) for u, v, _ in component.listed}
    for u, v, _ in component.listed:  # (the graph's node and successor order)
        if (v, u) in pairs:
            return [u, v]
    return None


def witness_nodes(component: Component) -> list[str]:
    """A shortest cycle that runs at import time if there is one, else a shortest cycle."""
    import networkx as nx

    if all_at_import(component):
        # A 2-cycle is the shortest there is (most components have one).
        pair = _first_two_cycle(component)
        return pair if pair is not None else shortest_cycle(component.graph)
    at_import = [(u, v) for u, v, records in edges(component) if runs_at_import(records)]
    if len(at_import) < len(component.listed):
        only: nx.DiGraph[str] = nx.DiGraph()
        only.add_nodes_from(component.members)
        only.add_edges_from(at_import)
        try:
            return shortest_cycle(only)
        except ValueError:
            pass  # the component closes only through deferred, lazy or type-only edges
    return shortest_cycle(component.graph)
