"""Pure views over a runtime profile: import tree, totals, top-N, folding, why-chains.

The report keeps raw per-module records (`model.ModuleRecord`); everything a renderer or
`importaudit why` shows is derived here by pure functions, so the terminal, HTML and
JSON outputs agree and each view is testable without a child interpreter.

Vocabulary: a record's `importer` is the module that was executing when it was first
loaded (a "load" edge); its other `importers` are later import statements that found it
already loaded (a "cache hit" edge). Why-chains follow the one runtime load graph
(`importaudit.loadgraph`): those edges plus a submodule's parent package, which Python
runs first. Preloaded modules (in `sys.modules` before measurement began) are not
attributed: the tree, totals and top-N leave them out.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import TYPE_CHECKING

from importaudit.errors import UsageError
from importaudit.loadgraph import LOAD, LoadGraph

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence

    from importaudit.model import ModuleRecord, Report

#: Keys `top_n` (and `--sort`) order by.
SORT_KEYS: tuple[str, ...] = ("self", "cumulative", "heap", "rss")

#: How many chains `answer_why` lists before it stops (the count can explode on real code).
DEFAULT_CHAIN_LIMIT = 50

# Bound on partial paths the chain search expands; dense graphs stop here, marked truncated.
_MAX_EXPANSIONS = 200_000


# --------------------------------------------------------------------------- tree


@dataclass(frozen=True, slots=True)
class Folded:
    """Subtrees cheaper than the fold threshold, summarised as "N modules, X ms"."""

    modules: int  # modules in the folded subtrees, their roots included
    cumulative_ns: int  # sum of the folded subtree roots' cumulative time
    heap_bytes: int | None = None  # sum of their cumulative heap (None: not measured)


@dataclass(frozen=True, slots=True)
class TreeNode:
    """One module in the import tree with the modules it loaded first, in load order."""

    record: ModuleRecord
    children: tuple[TreeNode, ...] = ()
    folded: Folded | None = None  # children folded away by `fold_tree`
    size: int = 1  # modules in this subtree, itself and folded ones included


@dataclass(frozen=True, slots=True)
class ImportTree:
    """The import forest: roots are modules no measured module loaded."""

    roots: tuple[TreeNode, ...] = ()
    folded: Folded | None = None  # roots folded away by `fold_tree`

    @property
    def size(self) -> int:
        """Modules in the whole forest, folded ones included."""
        return sum(n.size for n in self.roots) + (self.folded.modules if self.folded else 0)


def _by_load_order(record: ModuleRecord) -> tuple[int, str]:
    return (record.order, record.name)


def build_tree(records: Iterable[ModuleRecord], *, include_preloaded: bool = False) -> ImportTree:
    """Arrange records by `importer` into a forest, children in load (`order`) order.

    A root is a record whose importer is None or not among the records (for example a
    preloaded module, or `__main__` of a profiled program). Records caught in an
    importer cycle (possible only in inconsistent input) become roots rather than
    disappearing. Built without recursion: import nesting in a log can be deep.
    """
    by_name: dict[str, ModuleRecord] = {}
    for record in records:
        if (include_preloaded or not record.preloaded) and record.name not in by_name:
            by_name[record.name] = record
    children: dict[str, list[ModuleRecord]] = {}
    roots: list[ModuleRecord] = []
    for record in by_name.values():
        parent = record.importer
        if parent is None or parent not in by_name or parent == record.name:
            roots.append(record)
        else:
            children.setdefault(parent, []).append(record)
    for kids in children.values():
        kids.sort(key=_by_load_order)
    roots.sort(key=_by_load_order)

    # Depth-first pre-order over tree edges; each module is placed once.
    placed: set[str] = set()
    tree_children: dict[str, list[str]] = {}
    preorder: list[str] = []
    top: list[str] = []

    def walk(start: ModuleRecord) -> None:
        placed.add(start.name)
        top.append(start.name)
        stack = [start.name]
        while stack:
            name = stack.pop()
            preorder.append(name)
            kids = [k.name for k in children.get(name, ()) if k.name not in placed]
            placed.update(kids)
            tree_children[name] = kids
            stack.extend(reversed(kids))

    for root in roots:
        walk(root)
    # Whatever no root reached sits on an importer cycle: cut it at its earliest load.
    for record in sorted(by_name.values(), key=_by_load_order):
        if record.name not in placed:
            walk(record)

    nodes: dict[str, TreeNode] = {}
    for name in reversed(preorder):  # children come after their parent in pre-order
        kid_nodes = tuple(nodes.pop(k) for k in tree_children[name])
        nodes[name] = TreeNode(
            by_name[name], kid_nodes, None, 1 + sum(k.size for k in kid_nodes)
        )
    return ImportTree(tuple(nodes[name] for name in top))


def _merge_folded(parts: Iterable[Folded | None]) -> Folded | None:
    present = [p for p in parts if p is not None]
    if not present:
        return None
    heaps = [p.heap_bytes for p in present if p.heap_bytes is not None]
    return Folded(
        modules=sum(p.modules for p in present),
        cumulative_ns=sum(p.cumulative_ns for p in present),
        heap_bytes=sum(heaps) if heaps else None,
    )


def _summarise(cut: Sequence[TreeNode]) -> Folded | None:
    return _merge_folded(
        Folded(n.size, n.record.cumulative_ns, n.record.heap_bytes) for n in cut
    )


def _postorder(
    roots: Iterable[TreeNode], keep: Callable[[TreeNode], bool]
) -> Iterator[TreeNode]:
    """Kept nodes, children before parents, descending only into kept nodes."""
    stack: list[tuple[TreeNode, bool]] = [(n, False) for n in reversed(tuple(roots)) if keep(n)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            yield node
            continue
        stack.append((node, True))
        stack.extend((c, False) for c in reversed(node.children) if keep(c))


def fold_tree(tree: ImportTree, threshold_ns: int) -> ImportTree:
    """Fold every subtree whose root's cumulative time is below `threshold_ns`.

    A folded subtree disappears from its parent's children and is counted in the
    parent's `folded` summary (roots: in the tree's). A threshold of 0 or less keeps
    everything. Sizes are unchanged, so "N modules" still counts what was folded.
    """
    if threshold_ns <= 0:
        return tree

    def keep(node: TreeNode) -> bool:
        return node.record.cumulative_ns >= threshold_ns

    rebuilt: dict[int, TreeNode] = {}
    for node in _postorder(tree.roots, keep):
        kept = tuple(rebuilt.pop(id(c)) for c in node.children if keep(c))
        cut = [c for c in node.children if not keep(c)]
        rebuilt[id(node)] = TreeNode(
            node.record, kept, _merge_folded((node.folded, _summarise(cut))), node.size
        )
    roots = tuple(rebuilt[id(n)] for n in tree.roots if keep(n))
    cut_roots = [n for n in tree.roots if not keep(n)]
    return ImportTree(roots, _merge_folded((tree.folded, _summarise(cut_roots))))


def walk_tree(tree: ImportTree) -> Iterator[tuple[TreeNode | Folded, tuple[bool, ...]]]:
    """Every row of the tree in display order, with its "last child" flags per level.

    Rows are nodes and folded summaries; a node's summary comes after its children, as
    its last child (the tree's own summary comes last). Entry i of the flags says
    whether the row's ancestor at depth i (the row itself, last entry) is the last of
    its siblings, which is what a renderer needs to draw guides ("|-", "`-").
    """
    stack: list[tuple[TreeNode | Folded, tuple[bool, ...]]] = []
    if tree.folded is not None:
        stack.append((tree.folded, (True,)))
    for i, root in reversed(tuple(enumerate(tree.roots))):
        stack.append((root, (i == len(tree.roots) - 1 and tree.folded is None,)))
    while stack:
        item, lasts = stack.pop()
        yield item, lasts
        if isinstance(item, Folded):
            continue
        if item.folded is not None:
            stack.append((item.folded, (*lasts, True)))
        count = len(item.children)
        for i, child in reversed(tuple(enumerate(item.children))):
            stack.append((child, (*lasts, i == count - 1 and item.folded is None)))


# --------------------------------------------------------------------------- totals, top-N


@dataclass(frozen=True, slots=True)
class Totals:
    """Whole-profile sums over the modules the targets loaded (preloaded ones excluded)."""

    modules: int  # modules measured, not preloaded
    preloaded: int  # modules already loaded before measurement (not attributed)
    failed: int  # modules whose import raised, and nothing caught it
    total_ns: int  # the import time of the whole profile (see `totals`)
    heap_bytes: int | None  # sum of self heap (None: no tracemalloc run)
    rss_bytes: int | None  # sum of self RSS growth (None: not measured)
    skipped: int = 0  # modules whose import raised but that a walk skipped (not failed)
    caught: int = 0  # modules whose import raised, caught by a module that imported on


def _sum_known(values: Iterable[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def report_totals(report: Report) -> Totals:
    """`totals` of a whole report: its skipped modules count as skipped, not failed.

    No heap total when a heap run left modules without heap figures: the sum of the
    others would be a part shown as the whole.
    """
    sums = totals(report.modules, {s.name for s in report.skipped}, _uncaught(report))
    if report.meta is not None and report.meta.heap_gaps:
        sums = replace(sums, heap_bytes=None)
    return sums


def _uncaught(report: Report) -> tuple[str, ...]:
    """The module whose failure ended the run (`--tree` may import it after a catch)."""
    failure = report.failure
    return (failure.module,) if failure is not None and failure.module else ()


def report_failure_ends(report: Report) -> dict[str, tuple[str, bool]]:
    """`failure_ends` of a whole report: its failure's module was not caught."""
    return failure_ends(report.modules, _uncaught(report))


def failure_ends(records: Iterable[ModuleRecord],
                 uncaught: Collection[str] = ()) -> dict[str, tuple[str, bool]]:
    """Where the exception of each failed import stopped: (module, caught), by name.

    The exception goes up the chain of importers until one completes: that importer
    caught it (an optional import, `try: import socks` / `except ImportError`), and
    `caught` is True. Otherwise it is the topmost failed module of the chain (a target,
    or a module `--tree` imported itself), and `caught` is False: the failure is that
    module's (skipped with it when a walk skipped it). An importer in another thread
    catches nothing (the exception ended that thread), and the modules `uncaught`
    names failed uncaught: `--tree` imports a module itself after an importer caught
    its failure, and the second failure ends the run.
    """
    by_name = {r.name: r for r in records}
    found: dict[str, tuple[str, bool]] = {}
    for record in by_name.values():
        if record.error is None:
            continue
        top, caught = record.name, False
        seen = {record.name}
        below = record
        importer = record.importer if record.name not in uncaught else None
        while importer is not None and importer in by_name and importer not in seen:
            above = by_name[importer]
            if above.thread != below.thread:
                break
            if above.error is None:
                top, caught = importer, True
                break
            seen.add(importer)
            top, below, importer = importer, above, above.importer
        found[record.name] = (top, caught)
    return found


def totals(records: Iterable[ModuleRecord], skipped: Collection[str] = (),
           uncaught: Collection[str] = ()) -> Totals:
    """Count and sum the records; self values add up to the whole without double counting.

    Records named in `skipped` (a report's `skipped` modules) count as skipped, not failed.

    In one run the self times add up to exactly the roots' cumulative times. Medians
    over several runs do not add up like that, so the total is the larger of the two
    sums: no root's share of it can exceed 100%. Imports made later from a function,
    which sit under their caller but outside its cumulative time, stay counted.
    """
    measured: list[ModuleRecord] = []
    preloaded = 0
    for record in records:
        if record.preloaded:
            preloaded += 1
        else:
            measured.append(record)
    names = {r.name for r in measured}
    roots_ns = sum(r.cumulative_ns for r in measured
                   if r.importer is None or r.importer not in names)
    ends = failure_ends(measured, uncaught)
    caught = {name for name, (_, by_importer) in ends.items() if by_importer}
    # A module that fails because a skipped module of the walk fails is skipped with it:
    # not a failure, and not counted again (the skipped module stands for it).
    with_skipped = {name for name, (end, by_importer) in ends.items()
                    if not by_importer and end in skipped and name not in skipped}
    return Totals(
        modules=len(measured),
        preloaded=preloaded,
        failed=sum(1 for r in measured if r.error is not None and r.name not in skipped
                   and r.name not in caught and r.name not in with_skipped),
        caught=sum(1 for r in measured if r.name in caught and r.name not in skipped),
        total_ns=max(sum(r.self_ns for r in measured), roots_ns),
        heap_bytes=_sum_known(r.self_heap_bytes for r in measured),
        rss_bytes=_sum_known(r.self_rss_bytes for r in measured),
        skipped=sum(1 for r in measured if r.error is not None and r.name in skipped),
    )


def sort_value(record: ModuleRecord, key: str) -> int | None:
    """Return a record's value for `key` (one of SORT_KEYS); None if unmeasured."""
    if key == "self":
        return record.self_ns
    if key == "cumulative":
        return record.cumulative_ns
    if key == "heap":
        return record.heap_bytes
    if key == "rss":
        return record.rss_bytes
    raise _unknown_key(key)


def _unknown_key(key: str) -> UsageError:
    return UsageError(f"unknown sort key {key!r} (known: {', '.join(SORT_KEYS)})")


def top_n(
    records: Iterable[ModuleRecord], key: str = "cumulative", n: int | None = None
) -> tuple[ModuleRecord, ...]:
    """Return the `n` most expensive non-preloaded records by `key`, largest first.

    Unmeasured values (None) sort last; ties keep load order. `n` None means all.
    """
    if key not in SORT_KEYS:
        raise _unknown_key(key)
    if n is not None and n < 0:
        raise UsageError(f"top must be positive, got {n}")

    def rank(record: ModuleRecord) -> tuple[bool, int, int, str]:
        value = sort_value(record, key)
        return (value is None, -(value or 0), record.order, record.name)

    ranked = sorted((r for r in records if not r.preloaded), key=rank)
    return tuple(ranked if n is None else ranked[:n])


# --------------------------------------------------------------------------- why


@dataclass(frozen=True, slots=True)
class Chain:
    """One way the targets reach a module: `modules[0]` imports `modules[1]`, and so on.

    `cached[i]` says whether edge i (modules[i] -> modules[i+1]) found the module
    already loaded (a cache hit, or a parent package already run) rather than loading
    it; `kinds[i]` says which of the load graph's edge kinds it is. The cost is what this chain
    adds beyond the chains listed before it: the cumulative time and heap of `entry`,
    the first module after the start that no earlier chain passes through (chains are
    listed shortest first, so "earlier" means shorter or as short). `entry` is None,
    and the cost 0, when every module of the chain is already on an earlier one. For a
    chain that is just the module (it is a target itself) the entry is the module.
    """

    modules: tuple[str, ...]
    cached: tuple[bool, ...] = ()
    entry: str | None = None
    cost_ns: int = 0
    cost_heap_bytes: int | None = None
    # How each edge ran: "load", "hit" (already loaded) or "parent" (a submodule runs
    # its package first); empty for hand-made chains.
    kinds: tuple[str, ...] = ()

    @property
    def first_load(self) -> bool:
        """True for the chain along which the module was actually loaded (no cache hits)."""
        return not any(self.cached)


@dataclass(frozen=True, slots=True)
class WhyAnswer:
    """Every chain by which the report's targets reached `module`, shortest first."""

    report: Report
    module: str
    chains: tuple[Chain, ...] = ()
    truncated: bool = False  # more chains exist than were listed (limit reached)
    # Every measured module whose import loads `module` (itself included): the load
    # graph's answer, the same the gate and the review give.
    loaded_by: frozenset[str] = frozenset()

    @property
    def record(self) -> ModuleRecord | None:
        """The module's record in the report, or None when it was never seen."""
        return next((r for r in self.report.modules if r.name == self.module), None)


def _chain_graph(graph: LoadGraph) -> dict[str, dict[str, str]]:
    """Map importer -> {imported: edge kind} over the load graph (preloaded ends included)."""
    edges: dict[str, dict[str, str]] = {}
    for importer, imported, kind in graph.edges():
        edges.setdefault(importer, {})[imported] = kind
    return edges


def _chain_starts(report: Report, records: Sequence[ModuleRecord]) -> list[ModuleRecord]:
    """Where chains begin: the targets' own records and every measured root."""
    names = {r.name for r in records}
    targets = set(report.targets)
    return [
        r for r in records
        if r.name in targets
        or (not r.preloaded and (r.importer is None or r.importer not in names))
    ]


def _distances_to(module: str, edges: dict[str, dict[str, str]]) -> dict[str, int]:
    """Fewest edges from each module to `module` (breadth-first on reversed edges)."""
    reverse: dict[str, list[str]] = {}
    for importer, imported in edges.items():
        for name in imported:
            reverse.setdefault(name, []).append(importer)
    dist = {module: 0}
    queue = deque([module])
    while queue:
        name = queue.popleft()
        for importer in reverse.get(name, ()):
            if importer not in dist:
                dist[importer] = dist[name] + 1
                queue.append(importer)
    return dist


def _loading_chain(report: Report, module: str,
                   by_name: Mapping[str, ModuleRecord]) -> tuple[str, ...] | None:
    """The chain of first loads from a chain start to `module`, or None.

    Each record names the module that loaded it (`importer`); following them up from
    `module` reaches a target or a measured root. None for a preloaded module, one
    loaded without the import system, and when the importers do not lead to a start.
    """
    record = by_name.get(module)
    if record is None or record.preloaded:
        return None
    starts = {r.name for r in _chain_starts(report, report.modules)}
    path = [module]
    while path[0] not in starts:
        record = by_name.get(path[0])
        importer = record.importer if record is not None and record.via is None else None
        if importer is None or importer in path or importer not in by_name:
            return None
        path.insert(0, importer)
    return tuple(path)


def find_chains(
    report: Report, module: str, *, limit: int = DEFAULT_CHAIN_LIMIT,
    graph: LoadGraph | None = None,
) -> tuple[list[tuple[str, ...]], bool]:
    """Return simple paths from the chain starts to `module`, shortest first, and if truncated.

    Best-first search over partial paths ordered by length so far plus the exact
    remaining distance (ignoring the simple-path rule), so complete paths come out in
    non-decreasing length; equal lengths are ordered by the load order of their modules.
    """
    records = report.modules
    order = {r.name: r.order for r in records}
    edges = _chain_graph(graph or LoadGraph(records))
    dist = _distances_to(module, edges)
    heap: list[tuple[int, tuple[int, ...], tuple[str, ...]]] = []
    for start in _chain_starts(report, records):
        if start.name in dist:
            heapq.heappush(heap, (dist[start.name], (start.order,), (start.name,)))
    found: list[tuple[str, ...]] = []
    expansions = 0
    while heap:
        if len(found) >= limit or expansions >= _MAX_EXPANSIONS:
            return found, True
        _, orders, path = heapq.heappop(heap)
        last = path[-1]
        if last == module:
            found.append(path)
            continue
        expansions += 1
        for nxt in edges.get(last, {}):
            if nxt in dist and nxt not in path:
                length = len(path) + dist[nxt]
                heapq.heappush(heap, (length, (*orders, order[nxt]), (*path, nxt)))
    return found, False


def answer_why(report: Report, module: str, *, limit: int = DEFAULT_CHAIN_LIMIT) -> WhyAnswer:
    """Every chain (via first loads and later cache hits) from the targets to `module`.

    The chain along which it was loaded comes first, however long; the others follow
    shortest first, each with the cost it adds (see `Chain`). A module the report
    never saw gets no chains; so does a preloaded one nothing imported.
    """
    graph = LoadGraph(report.modules)
    paths, truncated = find_chains(report, module, limit=limit, graph=graph)
    by_name = {r.name: r for r in report.modules}
    # The chain that loaded it comes first, however long: it is the answer to "why is
    # it loaded", and the shortest chains may all be cache hits of it.
    loading = _loading_chain(report, module, by_name)
    if loading is not None and loading not in paths:
        truncated = truncated or len(paths) >= limit
        paths = [loading, *paths][:limit]
    elif loading is not None:
        paths = [loading, *(path for path in paths if path != loading)]
    seen: set[str] = set()
    chains: list[Chain] = []
    for path in paths:
        kinds = tuple(graph.imports(a)[b] for a, b in pairwise(path))
        cached = tuple(kind != LOAD for kind in kinds)
        later = path[1:] if len(path) > 1 else path
        entry = next((name for name in later if name not in seen), None)
        record = by_name[entry] if entry is not None else None
        chains.append(
            Chain(
                modules=path,
                cached=cached,
                entry=entry,
                cost_ns=record.cumulative_ns if record else 0,
                cost_heap_bytes=record.heap_bytes if record else None,
                kinds=kinds,
            )
        )
        seen.update(path)
    return WhyAnswer(report, module, tuple(chains), truncated, graph.loaded_by(module))
