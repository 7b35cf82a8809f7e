"""The cut of a cycle: a small set of edges whose removal leaves a component acyclic.

A greedy feedback arc set (Eades-Lin-Smyth ordering), then edges put back while a work
budget lasts: minimal within the budget, valid always. Edges are weighted so that those
cheap to make deferred are preferred: few statements, plain `import x` rather than
`from x import name`, explicit rather than implicit-parent (`cut_cost`).
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

from importaudit.model import EdgeKind
from importaudit.static.graph import RUNS_AT_IMPORT

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from importaudit.model import ImportEdge
    from importaudit.static.component import Pair


def cut_cost(records: Sequence[ImportEdge]) -> float:
    """How much work removing an edge is: a sum over the statements it stands for."""
    if len(records) == 1:  # (most edges: one statement)
        edge = records[0]
        if edge.kind in RUNS_AT_IMPORT:
            return 2.0 if edge.names else 1.0
        return 4.0 if edge.kind is EdgeKind.PARENT else 0.5
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


# Edges the pruning of a cut may follow, per edge of the component: putting each cut
# edge back where it closes no cycle takes a reachability search per edge, quadratic
# on components with thousands of backward edges; past the budget the rest stay cut
# (still a valid cut, perhaps not a minimal one).
_PRUNE_WORK_MIN = 1_000_000
_PRUNE_WORK_PER_EDGE = 200


def _els_order(nodes: Iterable[str], cost: dict[Pair, float]) -> dict[str, int]:
    """Eades-Lin-Smyth node order, in O(E log V).

    Rounds move every current sink (in sorted order) to the back, then every current
    source to the front, until none is left; then the node whose outgoing minus incoming
    cost is largest (ties: the first name) goes to the front, and rounds start again.
    """
    succ: dict[str, set[str]] = {n: set() for n in nodes}
    pred: dict[str, set[str]] = {n: set() for n in nodes}
    # Outgoing minus incoming cost. (Costs are multiples of a half, so sums are exact
    # in any order.)
    delta = dict.fromkeys(succ, 0.0)
    for (u, v), weight in cost.items():  # (faster than networkx's edge view)
        succ[u].add(v)
        pred[v].add(u)
        delta[u] += weight
        delta[v] -= weight
    heap = [(-d, n) for n, d in delta.items()]
    heapq.heapify(heap)
    sinks = {n for n, nodes in succ.items() if not nodes}
    sources = {n for n, nodes in pred.items() if not nodes}
    removed: set[str] = set()
    front: list[str] = []
    back: list[str] = []
    push = heapq.heappush

    # A node that becomes a source or a sink leaves in the next round, before the heap
    # is asked again: its new cost difference need not go on the heap.
    def remove(node: str) -> None:
        removed.add(node)
        sinks.discard(node)
        sources.discard(node)
        for other in succ[node]:
            behind = pred[other]
            behind.discard(node)
            d = delta[other] = delta[other] + cost[node, other]
            if behind:
                push(heap, (-d, other))
            else:
                sources.add(other)
        for other in pred[node]:
            ahead = succ[other]
            ahead.discard(node)
            d = delta[other] = delta[other] - cost[other, node]
            if ahead:
                push(heap, (-d, other))
            else:
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


def feedback_arcs(nodes: Iterable[str], cost: dict[Pair, float]) -> list[Pair]:
    """A small set of edges whose removal makes a component acyclic.

    `nodes`: the component's (iterable twice: a list, or a networkx graph); `cost`:
    every edge of it (and only those), each with its weight.

    Eades-Lin-Smyth: order the nodes by repeatedly moving sinks to the back, sources to
    the front, and otherwise the node whose outgoing minus incoming cost is largest to
    the front; edges pointing backwards in that order break every cycle. Then each
    of them is put back, the most expensive first, where that closes no cycle. A
    topological order of the edges kept is maintained as they come back (Pearce-Kelly),
    so each check searches only the nodes between the edge's ends in that order; past
    a work budget linear in the component's size, the edges left stay cut (still a
    valid cut, perhaps not a minimal one).
    """
    order = _els_order(nodes, cost)
    backward: list[Pair] = []
    succ: dict[str, set[str]] = {n: set() for n in nodes}
    pred: dict[str, set[str]] = {n: set() for n in nodes}
    for u, v in cost:  # (faster than networkx's edge view)
        if order[u] > order[v]:
            backward.append((u, v))
        elif order[u] < order[v]:
            succ[u].add(v)
            pred[v].add(u)
    backward.sort(key=lambda e: (-cost[e], e))
    size = len(cost)
    budget = max(_PRUNE_WORK_MIN, _PRUNE_WORK_PER_EDGE * size)
    # A search works at most on every node and edge, and there are at most two per
    # backward edge: when all of them fit the budget it never runs out, and a search
    # ahead of `v` may stop at `u` (the edge is then cut, whatever else it reaches).
    stop_early = 2 * len(backward) * (len(order) + size) < budget
    cut: list[Pair] = []
    for u, v in backward:
        if budget <= 0:
            cut.append((u, v))
            continue
        if order[v] > order[u]:  # already in order: it cannot close a cycle
            succ[u].add(v)
            pred[v].add(u)
            continue
        ahead, work = _between(succ, order, v, upto=order[u], forward=True,
                               stop=u if stop_early else None)
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
             upto: int, forward: bool, stop: str | None = None) -> tuple[set[str], int]:
    """Nodes reachable from `source` whose position is before (after) `upto`, and work.

    Work: the nodes reached and their edges. The search ends early when it reaches
    `stop` (then the nodes are only those reached so far).
    """
    seen = {source}
    stack = [source]
    work = 0
    while stack:
        nexts = adjacency[stack.pop()]
        work += len(nexts) + 1
        for nxt in nexts:
            if nxt not in seen and (order[nxt] <= upto if forward else order[nxt] >= upto):
                seen.add(nxt)
                if nxt == stop:
                    return seen, work
                stack.append(nxt)
    return seen, work
