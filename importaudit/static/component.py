"""One strongly connected component of the import graph, and a short witness cycle.

The component is a networkx subgraph built in sorted order, so every traversal of it
is deterministic; the import statements (`ImportEdge`) behind each edge are kept with
it, as the list of its edges (`edges`).
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


def build(members: list[str], pairs: Iterable[Pair],
          records: Mapping[Pair, list[ImportEdge]], *, at_import: bool = False) -> nx.DiGraph[str]:
    """The subgraph of one component, built in sorted order (deterministic traversal).

    `pairs` are its edges; `records` holds the statements of each, by pair; `at_import`:
    whether every one of them runs at import time (so no one needs to look).
    """
    import networkx as nx

    successors: dict[str, list[str]] = {u: [] for u in members}
    for u, v in pairs:
        successors[u].append(v)
    listed = [(u, v, records[u, v]) for u in members for v in sorted(successors[u])]
    sub: nx.DiGraph[str] = nx.DiGraph(imports=listed, at_import=at_import)
    sub.add_nodes_from(members)
    sub.add_edges_from((u, v) for u, v, _ in listed)
    return sub


def edges(component: nx.DiGraph[str]) -> Iterator[tuple[str, str, list[ImportEdge]]]:
    """Each edge of a component built by `build`, with its statements, in its order.

    Kept as a list on the graph (not as data on each edge): the cycle analysis walks
    them several times, and a networkx edge view yields each through a generator.
    """
    listed: list[tuple[str, str, list[ImportEdge]]] = component.graph["imports"]
    return iter(listed)


def all_at_import(component: nx.DiGraph[str]) -> bool:
    """Whether every statement of a component built by `build` is known to run at import."""
    return bool(component.graph.get("at_import"))


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


def witness_nodes(component: nx.DiGraph[str]) -> list[str]:
    """A shortest cycle that runs at import time if there is one, else a shortest cycle."""
    import networkx as nx

    if all_at_import(component):
        return shortest_cycle(component)
    at_import = [(u, v) for u, v, records in edges(component) if runs_at_import(records)]
    if len(at_import) < component.number_of_edges():
        only: nx.DiGraph[str] = nx.DiGraph()
        only.add_nodes_from(component.nodes)
        only.add_edges_from(at_import)
        try:
            return shortest_cycle(only)
        except ValueError:
            pass  # the component closes only through deferred, lazy or type-only edges
    return shortest_cycle(component)
