"""Import cycles: strongly connected components, one short witness each, and cuts.

Enumerating every simple cycle explodes on real code, so each strongly connected
component (over the chosen edge kinds; by default those that run at import time)
is reported once, with:

- a *witness*: a short cycle through the component, as edges with file:line: always
  the shortest through the component's first module, and the shortest of all when the
  search's work budget covers every start (components of up to a few hundred modules);
- a *cut*: a small set of edges whose removal leaves the component without cycles (a
  greedy feedback arc set, Eades-Lin-Smyth ordering, then edges put back while the
  work budget lasts: minimal within the budget, valid always),
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

import heapq
from collections.abc import Callable, Mapping
from functools import cache
from itertools import compress
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING

from importaudit.model import IMPORT_TIME_KINDS, KIND_ORDER, Cycle, EdgeKind, ImportEdge
from importaudit.static.gcpause import no_cyclic_gc
from importaudit.static.graph import RUNS_AT_IMPORT, edge_sort_key

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    import networkx as nx

    from importaudit.model import StaticGraph

Pair = tuple[str, str]


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


def _component(members: list[str], pairs: Iterable[Pair],
               records: Mapping[Pair, list[ImportEdge]]) -> nx.DiGraph[str]:
    """The subgraph of one component, built in sorted order (deterministic traversal).

    `pairs` are its edges; `records` holds the statements of each, by pair.
    """
    import networkx as nx

    successors: dict[str, list[str]] = {u: [] for u in members}
    for u, v in pairs:
        successors[u].append(v)
    sub: nx.DiGraph[str] = nx.DiGraph()
    sub.add_nodes_from(members)
    sub.add_edges_from((u, v, {"imports": records[u, v]})
                       for u in members for v in sorted(successors[u]))
    return sub


def _edges(component: nx.DiGraph[str]) -> Iterator[tuple[str, str, list[ImportEdge]]]:
    """Each edge of a component built by `_component`, with its statements."""
    edges: Iterator[tuple[str, str, list[ImportEdge]]] = iter(component.edges(data="imports"))
    return edges


def _runs_at_import(records: Iterable[ImportEdge]) -> bool:
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

    Guarantees, over the component's node order (sorted, as `_component` builds it):
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


def _witness(component: nx.DiGraph[str]) -> list[str]:
    """A shortest cycle that runs at import time if there is one, else a shortest cycle."""
    import networkx as nx

    at_import = [(u, v) for u, v, records in _edges(component) if _runs_at_import(records)]
    if len(at_import) < component.number_of_edges():
        only: nx.DiGraph[str] = nx.DiGraph()
        only.add_nodes_from(component.nodes)
        only.add_edges_from(at_import)
        try:
            return shortest_cycle(only)
        except ValueError:
            pass  # the component closes only through deferred, lazy or type-only edges
    return shortest_cycle(component)


# Edges the pruning of a cut may follow, per edge of the component: putting each cut
# edge back where it closes no cycle takes a reachability search per edge, quadratic
# on components with thousands of backward edges; past the budget the rest stay cut
# (still a valid cut, perhaps not a minimal one).
_PRUNE_WORK_MIN = 1_000_000
_PRUNE_WORK_PER_EDGE = 200


def _els_order(component: nx.DiGraph[str], cost: dict[Pair, float]) -> dict[str, int]:
    """Eades-Lin-Smyth node order, in O(E log V).

    Rounds move every current sink (in sorted order) to the back, then every current
    source to the front, until none is left; then the node whose outgoing minus incoming
    cost is largest (ties: the first name) goes to the front, and rounds start again.
    """
    succ = {n: set(component.successors(n)) for n in component.nodes}
    pred = {n: set(component.predecessors(n)) for n in component.nodes}
    delta = {n: sum(cost[n, s] for s in succ[n]) - sum(cost[p, n] for p in pred[n])
             for n in component.nodes}
    heap = [(-d, n) for n, d in delta.items()]
    heapq.heapify(heap)
    sinks = {n for n in component.nodes if not succ[n]}
    sources = {n for n in component.nodes if not pred[n]}
    removed: set[str] = set()
    front: list[str] = []
    back: list[str] = []

    def remove(node: str) -> None:
        removed.add(node)
        sinks.discard(node)
        sources.discard(node)
        for other in succ[node]:
            pred[other].discard(node)
            delta[other] += cost[node, other]
            heapq.heappush(heap, (-delta[other], other))
            if not pred[other]:
                sources.add(other)
        for other in pred[node]:
            succ[other].discard(node)
            delta[other] -= cost[other, node]
            heapq.heappush(heap, (-delta[other], other))
            if not succ[other]:
                sinks.add(other)

    while len(removed) < len(succ):
        progress = True
        while progress:
            progress = False
            for group, side in ((sinks, back), (sources, front)):
                batch = sorted(group)  # those appearing meanwhile wait for the next round
                for node in batch:
                    if node not in removed:
                        side.append(node)
                        remove(node)
                        progress = True
        while heap:
            negative, node = heapq.heappop(heap)
            if node not in removed and -negative == delta[node]:
                front.append(node)
                remove(node)
                break
    return {node: i for i, node in enumerate(front + back[::-1])}


def feedback_arcs(component: nx.DiGraph[str], cost: dict[Pair, float]) -> list[Pair]:
    """A small set of edges whose removal makes `component` acyclic.

    Eades-Lin-Smyth: order the nodes by repeatedly moving sinks to the back, sources to
    the front, and otherwise the node whose outgoing minus incoming cost is largest to
    the front; edges pointing backwards in that order break every cycle. Then each
    of them is put back, the most expensive first, where that closes no cycle. A
    topological order of the edges kept is maintained as they come back (Pearce-Kelly),
    so each check searches only the nodes between the edge's ends in that order; past
    a work budget linear in the component's size, the edges left stay cut (still a
    valid cut, perhaps not a minimal one).
    """
    order = _els_order(component, cost)
    backward = sorted(((u, v) for u, v in component.edges if order[u] > order[v]),
                      key=lambda e: (-cost[e], e))
    succ: dict[str, set[str]] = {n: set() for n in component.nodes}
    pred: dict[str, set[str]] = {n: set() for n in component.nodes}
    for u, v in component.edges:
        if order[u] < order[v]:
            succ[u].add(v)
            pred[v].add(u)
    budget = max(_PRUNE_WORK_MIN, _PRUNE_WORK_PER_EDGE * component.number_of_edges())
    cut: list[Pair] = []
    for u, v in backward:
        if budget <= 0:
            cut.append((u, v))
            continue
        if order[v] > order[u]:  # already in order: it cannot close a cycle
            succ[u].add(v)
            pred[v].add(u)
            continue
        ahead, work = _between(succ, order, v, upto=order[u], forward=True)
        budget -= work
        if u in ahead:
            cut.append((u, v))
            continue
        behind, work = _between(pred, order, u, upto=order[v], forward=False)
        budget -= work
        # Everything `v` leads to must now come after everything leading to `u`: hand
        # the positions both sets held to them in that order.
        moved = sorted(behind, key=order.__getitem__) + sorted(ahead, key=order.__getitem__)
        for node, position in zip(moved, sorted(order[n] for n in moved), strict=True):
            order[node] = position
        succ[u].add(v)
        pred[v].add(u)
    return sorted(cut)


def _between(adjacency: Mapping[str, set[str]], order: Mapping[str, int], source: str,
             upto: int, forward: bool) -> tuple[set[str], int]:
    """Nodes reachable from `source` whose position is before (after) `upto`, and work."""
    seen = {source}
    stack = [source]
    work = 0
    while stack:
        node = stack.pop()
        work += len(adjacency[node]) + 1
        for nxt in adjacency[node]:
            if nxt not in seen and (order[nxt] <= upto if forward else order[nxt] >= upto):
                seen.add(nxt)
                stack.append(nxt)
    return seen, work


class _Reach:
    """Reachability inside one component's import-time edges, without a search per query.

    When every edge of the component runs at import time (always so with the default
    kinds), its members all reach each other: every query is True, nothing is built.
    Otherwise members of one strongly connected component of those edges reach each
    other, and other answers are read from the descendants of the condensation,
    computed once per source.
    """

    def __init__(self, component: nx.DiGraph[str], at_import: list[Pair]) -> None:
        self._dag: nx.DiGraph[int] | None = None
        self._scc: dict[str, int] = {}
        self._below: dict[int, set[int]] = {}
        if len(at_import) < component.number_of_edges():
            import networkx as nx

            graph: nx.DiGraph[str] = nx.DiGraph()
            graph.add_nodes_from(component.nodes)
            graph.add_edges_from(at_import)
            self._dag = nx.condensation(graph)
            self._scc = self._dag.graph["mapping"]

    @property
    def everywhere(self) -> bool:
        """Whether every member reaches every other."""
        return self._dag is None

    def __call__(self, source: str, target: str) -> bool:
        if self._dag is None:
            return True
        a, b = self._scc[source], self._scc[target]
        if a == b:
            return True
        if a not in self._below:
            import networkx as nx

            self._below[a] = nx.descendants(self._dag, a)
        return b in self._below[a]


# Every name -> whether the module binds all of them before the given line.
Bound = Callable[[str, "Iterable[str]", int], bool]


def _failing(component: nx.DiGraph[str], bound: Bound) -> list[ImportEdge]:
    """Import-time `from x import name` edges that can meet `x` partly initialised.

    That happens when `x` imports the importer back, at import time: `x` is then
    still executing when the importer asks it for `name`. With every kind counted, a
    component may close only through deferred edges; those edges are not counted here.
    Ruled out: an importer that is a package of `x`, and names `x` binds (`bound`)
    before the first statement of its body that leads back to the importer.
    """
    at_import: list[Pair] = []
    # x -> (successor, lines of its import-time statements), for the way back from x
    ahead: dict[str, list[tuple[str, list[int | None]]]] = {}
    candidates: list[ImportEdge] = []
    for u, v, records in _edges(component):
        lines = [e.line for e in records if e.kind in IMPORT_TIME_KINDS]
        if lines:
            at_import.append((u, v))
            ahead.setdefault(u, []).append((v, lines))
        candidates += [e for e in records
                       if e.kind in RUNS_AT_IMPORT and any(n != "*" for n in e.names)]
    reaches = _Reach(component, at_import)
    # (x, importer) -> the first line of the way back; just x when every member
    # reaches every other (the way back is then the same for every importer)
    starts: dict[str | Pair, int | None] = {}
    failing = []
    for edge in candidates:
        x, importer = edge.imported, edge.importer
        if x.startswith(importer + ".") or not reaches(x, importer):
            continue
        key = x if reaches.everywhere else (x, importer)
        if key not in starts:
            back = [line for v, lines in ahead.get(x, ()) if reaches(v, importer)
                    for line in lines]
            starts[key] = (min(line for line in back if line is not None)
                           if back and None not in back else None)
        start = starts[key]
        if start is not None and bound(x, [n for n in edge.names if n != "*"], start):
            continue  # every name is there before `x` starts the way back
        failing.append(edge)
    return failing


def _bound_lines(files: Mapping[str, str | None]) -> Bound:
    """Whether a module binds names before a line; each file read once.

    Three shortcuts spare parsing whole files. A name that does not even appear as a
    word in the lines before cannot be bound there. A `def` or `class` of the name in
    the first column, outside strings, binds it (`bound.defined_before`). And only the
    lines before are parsed when they parse on their own: a compound statement cut
    short either fails to parse (then the whole file is) or, an `if` without its
    `else`, binds less, as the whole file does before that line (its bindings count
    from the line of the last branch).
    """
    from importaudit.static.bound import appears, bound_lines, defined_before

    sources: dict[str, bytes] = {}
    ends: dict[tuple[str, int], int] = {}
    parsed: dict[tuple[str, int], Mapping[str, int]] = {}

    def source_of(module: str) -> bytes:
        if module not in sources:
            path = files.get(module)
            try:
                if path:
                    with open(path, "rb") as file:  # pathlib's Path adds a tenth here
                        sources[module] = file.read()
                else:
                    sources[module] = b""
            except OSError:
                sources[module] = b""
        return sources[module]

    def end_of(module: str, before: int) -> int:
        """Where line `before` starts (the source's length when there is none)."""
        end = ends.get((module, before))
        if end is None:
            source = source_of(module)
            lines = source.split(b"\n", before - 1) if before > 1 else [source]
            # Fewer lines than `before`: all of them come before it.
            end = len(source) - (len(lines[-1]) if len(lines) == before else 0)
            ends[module, before] = end
        return end

    @cache
    def mentioned(module: str, name: str, before: int) -> bool:
        return appears(source_of(module), name, end_of(module, before))

    @cache
    def defined(module: str, name: str, before: int) -> bool:
        return defined_before(source_of(module), name, end_of(module, before))

    def bound(module: str, names: Iterable[str], before: int) -> bool:
        names = list(names)
        if not all(mentioned(module, name, before) for name in names):
            return False
        unproven = [name for name in names if not defined(module, name, before)]
        if not unproven:
            return True
        if (module, before) not in parsed:
            source = source_of(module)
            head = b"\n".join(source.split(b"\n", before - 1)[:before - 1])
            found = bound_lines(head, strict=True)
            parsed[module, before] = bound_lines(source) if found is None else found
        lines = parsed[module, before]
        return all(lines.get(name, before) < before for name in unproven)

    return bound


def _top(name: str) -> str:
    return name.partition(".")[0]


def _cycle(members: list[str], pairs: Iterable[Pair],
           records: Mapping[Pair, list[ImportEdge]], bound: Bound) -> Cycle:
    component = _component(members, pairs, records)
    nodes = _witness(component)
    witness = tuple(
        _representative(records[u, v])
        for u, v in zip(nodes, [*nodes[1:], nodes[0]], strict=True))
    cost = {(u, v): cut_cost(records) for u, v, records in _edges(component)}
    cut = tuple(sorted((e for pair in feedback_arcs(component, cost)
                        for e in records[pair]), key=edge_sort_key))
    failing = tuple(sorted(_failing(component, bound), key=edge_sort_key))
    packages = tuple(sorted({_top(m) for m in members}))
    return Cycle(tuple(members), witness, cut, packages, len(packages) > 1,
                 bool(failing), failing)


def cycle_sort_key(cycle: Cycle) -> tuple[bool, bool, bool, int, tuple[str, ...]]:
    """Cycles shown to fail first, then those suspected, across packages, the largest."""
    return (not cycle.fails, not cycle.can_fail, not cycle.cross_package,
            -len(cycle.modules), cycle.modules)


_IMPORTER = attrgetter("importer")
_IMPORTED = attrgetter("imported")
_KIND = attrgetter("kind")


def _pairs(edges: Sequence[ImportEdge], chosen: frozenset[EdgeKind]) -> set[Pair]:
    """(importer, imported) of every edge of a `chosen` kind, a module to itself left out.

    Loops in C (`map`, `compress`): a large tree has tens of thousands of edges.
    """
    pairs = set(compress(zip(map(_IMPORTER, edges), map(_IMPORTED, edges), strict=True),
                         map(chosen.__contains__, map(_KIND, edges))))
    importers = set(map(itemgetter(0), pairs))
    pairs.difference_update(zip(importers, importers, strict=True))
    return pairs


def _cyclic_core(pairs: Iterable[Pair]) -> list[Pair]:
    """The pairs left after taking away nodes without successors or predecessors.

    Taken away again and again, until none is left (no cycle), or the pairs that
    remain hold every cycle (and whatever lies between two). That spares most of the
    work on a large graph: building a `networkx` graph costs about a microsecond or two
    per edge (sympy: 16,800 pairs, 460 modules left), and importing networkx about a
    sixth of a second, which a tree without cycles (what a passing gate sees) never
    pays. Two passes suffice: after the sinks are gone every node left has a successor
    left, and taking away sources keeps every successor of a node that stays.
    """
    succ: dict[str, list[str]] = {}
    pred: dict[str, list[str]] = {}
    for u, v in pairs:
        succ.setdefault(u, []).append(v)
        pred.setdefault(v, []).append(u)
    gone: set[str] = set()
    # Sinks first (nothing ahead), taking away each edge into them; then sources.
    for ahead, behind in ((succ, pred), (pred, succ)):
        left = {n: len(nodes) for n, nodes in ahead.items() if n not in gone}
        stack = [n for n in behind if n not in ahead and n not in gone]
        while stack:
            node = stack.pop()
            gone.add(node)
            for other in behind.get(node, ()):
                if other in left:
                    left[other] -= 1
                    if not left[other]:
                        stack.append(other)
    return [(u, v) for u, v in pairs if u not in gone and v not in gone]


def find_cycles(graph: StaticGraph,
                kinds: Iterable[EdgeKind] = IMPORT_TIME_KINDS) -> tuple[Cycle, ...]:
    """Every import cycle of `graph` over edges of `kinds`, most serious first."""
    chosen = frozenset(kinds)
    with no_cyclic_gc():
        core = _cyclic_core(_pairs(graph.edges, chosen))
        if not core:
            return ()
        import networkx as nx

        digraph: nx.DiGraph[str] = nx.DiGraph()
        digraph.add_edges_from(core)
        components = [sorted(c) for c in nx.strongly_connected_components(digraph)
                      if len(c) > 1]
        place = {m: i for i, members in enumerate(components) for m in members}
        inside: list[list[Pair]] = [[] for _ in components]  # each component's pairs
        for u, v in core:
            at = place.get(u, -1)
            if at >= 0 and at == place.get(v):
                inside[at].append((u, v))
        wanted = {pair for pairs in inside for pair in pairs}
        # The statements of the pairs inside a component, in the graph's order.
        records: dict[Pair, list[ImportEdge]] = {}
        for edge in compress(graph.edges, map(wanted.__contains__, zip(
                map(_IMPORTER, graph.edges), map(_IMPORTED, graph.edges), strict=True))):
            if edge.kind in chosen:
                records.setdefault((edge.importer, edge.imported), []).append(edge)
        # A compiled module's edges (and so its names) come from the .py beside it.
        bound = _bound_lines({n.name: n.source if n.compiled else n.file
                              for n in graph.modules})
        return tuple(sorted((_cycle(c, inside[i], records, bound)
                             for i, c in enumerate(components)), key=cycle_sort_key))
