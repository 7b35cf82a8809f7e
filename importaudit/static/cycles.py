"""Import cycles: strongly connected components, one shortest witness each, and cuts.

Enumerating every simple cycle explodes on real code, so each strongly connected
component (over the chosen edge kinds; by default those that run at import time)
is reported once, with:

- a *witness*: a shortest cycle through the component, as edges with file:line;
- a *cut*: a small set of edges whose removal leaves the component without cycles (a
  greedy feedback arc set, Eades-Lin-Smyth ordering then pruned to a minimal one),
  weighted so that edges cheap to make deferred are preferred: few statements, plain
  `import x` rather than `from x import name`, explicit rather than implicit-parent;
- whether it *can fail*, a suspicion: an import-time `from x import name` (an
  attribute, not a submodule) between members, which raises ImportError when `x` is
  only partly initialised. It cannot be when the importer is a package of `x` (`x`
  never starts before its package, and the package's import of `x` finishes it), nor
  when `x` binds `name` before the first statement of its body that leads back to the
  importer. Other cycles are fragile (import order matters) but do not raise. Whether
  the suspicion is true is decided by running it (`importaudit.runtime.verify`);
- the top-level packages it spans, and whether that is more than one.

Every iteration runs over sorted names, so the same graph always gives the same
cycles in the same order, whatever PYTHONHASHSEED is.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from importaudit.model import IMPORT_TIME_KINDS, KIND_ORDER, Cycle, EdgeKind, ImportEdge
from importaudit.static.gcpause import no_cyclic_gc
from importaudit.static.graph import RUNS_AT_IMPORT, edge_sort_key, to_networkx

if TYPE_CHECKING:
    from collections.abc import Iterable

    import networkx as nx

    from importaudit.model import StaticGraph

Pair = tuple[str, str]


def _records(digraph: nx.DiGraph[str], u: str, v: str) -> list[ImportEdge]:
    records: list[ImportEdge] = digraph.edges[u, v]["imports"]
    return records


def _representative(records: list[ImportEdge]) -> ImportEdge:
    """The record that stands for an edge: the kind that runs first, then the first line."""
    return min(records, key=lambda e: (KIND_ORDER[e.kind], e.file or "", e.line or 0))


def cut_cost(records: Iterable[ImportEdge]) -> float:
    """How much work removing an edge is: a sum over the statements it stands for."""
    cost = 0.0
    for edge in records:
        if edge.kind is EdgeKind.PARENT:
            cost += 4.0  # implicit: the statement behind it imports something deeper
        elif edge.kind not in RUNS_AT_IMPORT:
            cost += 0.5  # already deferred, lazy or dynamic: the cheapest to drop
        elif edge.names:
            cost += 2.0  # `from x import name`: the names are often used at module level
        else:
            cost += 1.0  # `import x`: usually movable into the functions that use it
    return cost


def _component(digraph: nx.DiGraph[str], members: list[str]) -> nx.DiGraph[str]:
    """The subgraph of one component, built in sorted order (deterministic traversal)."""
    import networkx as nx

    inside = set(members)
    sub: nx.DiGraph[str] = nx.DiGraph()
    sub.add_nodes_from(members)
    for u in members:
        for v in sorted(digraph.successors(u)):
            if v in inside:
                sub.add_edge(u, v, imports=_records(digraph, u, v))
    return sub


def shortest_cycle(component: nx.DiGraph[str]) -> list[str]:
    """Nodes of a shortest cycle of `component`, starting at the first such node in order.

    A breadth-first search from each node, cut off below the shortest cycle found so
    far, so a component with a 2-cycle costs next to nothing.
    """
    import networkx as nx

    best: list[str] | None = None
    for start in component.nodes:
        if best is not None and len(best) == 2:
            break
        cutoff = None if best is None else len(best) - 2
        paths = nx.single_source_shortest_path(component, start, cutoff=cutoff)
        for last in sorted(component.predecessors(start)):
            path = paths.get(last)
            if path is not None and (best is None or len(path) < len(best)):
                best = path
    if best is None:
        raise ValueError("not a strongly connected component with a cycle")
    return best


def _witness(component: nx.DiGraph[str]) -> list[str]:
    """A shortest cycle that runs at import time if there is one, else a shortest cycle."""
    import networkx as nx

    at_import: nx.DiGraph[str] = nx.DiGraph()
    at_import.add_nodes_from(component.nodes)
    at_import.add_edges_from(
        (u, v) for u, v, data in component.edges(data=True)
        if any(e.kind in IMPORT_TIME_KINDS for e in data["imports"]))
    if at_import.number_of_edges() < component.number_of_edges():
        try:
            return shortest_cycle(at_import)
        except ValueError:
            pass  # the component closes only through deferred, lazy or type-only edges
    return shortest_cycle(component)


def feedback_arcs(component: nx.DiGraph[str], cost: dict[Pair, float]) -> list[Pair]:
    """A small set of edges whose removal makes `component` acyclic.

    Eades-Lin-Smyth: order the nodes by repeatedly moving sinks to the back, sources to
    the front, and otherwise the node whose outgoing minus incoming cost is largest to
    the front; edges pointing backwards in that order break every cycle. Then each
    of them is put back, the most expensive first, where that closes no cycle.
    """
    succ = {n: set(component.successors(n)) for n in component.nodes}
    pred = {n: set(component.predecessors(n)) for n in component.nodes}
    remaining = dict.fromkeys(sorted(component.nodes))
    front: list[str] = []
    back: list[str] = []

    def remove(node: str) -> None:
        del remaining[node]
        for other in succ[node]:
            pred[other].discard(node)
        for other in pred[node]:
            succ[other].discard(node)

    while remaining:
        progress = True
        while progress:
            progress = False
            for node in [n for n in remaining if not succ[n]]:
                back.append(node)
                remove(node)
                progress = True
            for node in [n for n in remaining if not pred[n]]:
                front.append(node)
                remove(node)
                progress = True
        if remaining:
            # Ties go to the first name in sorted order (`remaining` keeps that order).
            node, best = "", None
            for candidate in remaining:
                delta = (sum(cost[candidate, s] for s in succ[candidate])
                         - sum(cost[p, candidate] for p in pred[candidate]))
                if best is None or delta > best:
                    node, best = candidate, delta
            front.append(node)
            remove(node)
    order = {node: i for i, node in enumerate(front + back[::-1])}
    backward = sorted(((u, v) for u, v in component.edges if order[u] > order[v]),
                      key=lambda e: (-cost[e], e))
    kept: dict[str, set[str]] = {n: set() for n in component.nodes}
    for u, v in component.edges:
        if order[u] < order[v]:
            kept[u].add(v)
    cut: list[Pair] = []
    for u, v in backward:
        if _reaches(kept, v, u):
            cut.append((u, v))
        else:
            kept[u].add(v)
    return sorted(cut)


def _reaches(adjacency: dict[str, set[str]], source: str, target: str) -> bool:
    seen = {source}
    queue = deque([source])
    while queue:
        node = queue.popleft()
        if node == target:
            return True
        for nxt in adjacency[node]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return False


Bound = Callable[[str], "Mapping[str, int]"]


def _failing(component: nx.DiGraph[str], bound: Bound) -> list[ImportEdge]:
    """Import-time `from x import name` edges that can meet `x` partly initialised.

    That happens when `x` imports the importer back, at import time: `x` is then
    still executing when the importer asks it for `name`. With every kind counted, a
    component may close only through deferred edges; those edges are not counted here.
    Ruled out: an importer that is a package of `x`, and names `x` binds (`bound`)
    before the first statement of its body that leads back to the importer.
    """
    at_import: dict[str, set[str]] = {n: set() for n in component.nodes}
    candidates: list[ImportEdge] = []
    for u, v, data in component.edges(data=True):
        records: list[ImportEdge] = data["imports"]
        if any(e.kind in IMPORT_TIME_KINDS for e in records):
            at_import[u].add(v)
        candidates += [e for e in records
                       if e.kind in RUNS_AT_IMPORT and any(n != "*" for n in e.names)]
    failing = []
    for edge in candidates:
        x, importer = edge.imported, edge.importer
        if x.startswith(importer + ".") or not _reaches(at_import, x, importer):
            continue
        back = [r.line for v in at_import[x] if _reaches(at_import, v, importer)
                for r in _records(component, x, v) if r.kind in IMPORT_TIME_KINDS]
        if back and None not in back:
            start = min(line for line in back if line is not None)
            names = bound(x)
            if all(n == "*" or names.get(n, start) < start for n in edge.names):
                continue  # every name is there before `x` starts the way back
        failing.append(edge)
    return failing


def _bound_lines(files: Mapping[str, str | None]) -> Bound:
    """`module -> {name: first line binding it}`, read once per module on demand."""
    from importaudit.static.bound import bound_lines

    cache: dict[str, Mapping[str, int]] = {}

    def bound(module: str) -> Mapping[str, int]:
        if module not in cache:
            path = files.get(module)
            try:
                source = Path(path).read_bytes() if path else b""
            except OSError:
                source = b""
            cache[module] = bound_lines(source) if source else {}
        return cache[module]

    return bound


def _top(name: str) -> str:
    return name.partition(".")[0]


def _cycle(digraph: nx.DiGraph[str], members: list[str], bound: Bound) -> Cycle:
    component = _component(digraph, members)
    nodes = _witness(component)
    witness = tuple(
        _representative(_records(component, u, v))
        for u, v in zip(nodes, [*nodes[1:], nodes[0]], strict=True))
    cost = {(u, v): cut_cost(data["imports"]) for u, v, data in component.edges(data=True)}
    cut = tuple(sorted((e for u, v in feedback_arcs(component, cost)
                        for e in _records(component, u, v)), key=edge_sort_key))
    failing = tuple(sorted(_failing(component, bound), key=edge_sort_key))
    packages = tuple(sorted({_top(m) for m in members}))
    return Cycle(tuple(members), witness, cut, packages, len(packages) > 1,
                 bool(failing), failing)


def cycle_sort_key(cycle: Cycle) -> tuple[bool, bool, bool, int, tuple[str, ...]]:
    """Cycles shown to fail first, then those suspected, across packages, the largest."""
    return (not cycle.fails, not cycle.can_fail, not cycle.cross_package,
            -len(cycle.modules), cycle.modules)


def find_cycles(graph: StaticGraph,
                kinds: Iterable[EdgeKind] = IMPORT_TIME_KINDS) -> tuple[Cycle, ...]:
    """Every import cycle of `graph` over edges of `kinds`, most serious first."""
    import networkx as nx

    with no_cyclic_gc():
        digraph = to_networkx(graph, kinds)
        components = [sorted(c) for c in nx.strongly_connected_components(digraph)
                      if len(c) > 1]
        # A compiled module's edges (and so its names) come from the .py beside it.
        bound = _bound_lines({n.name: n.source if n.compiled else n.file
                              for n in graph.modules})
        return tuple(sorted((_cycle(digraph, c, bound) for c in components),
                            key=cycle_sort_key))
