"""Whether a cycle can fail at import: the import-time `from x import name` edges at risk.

Such an edge (an attribute, not a submodule, taken from a member of the cycle) raises
ImportError when `x` is only partly initialised. It cannot be when `x` cannot start
before the importer: importing a module runs its packages first, so the first member of
the cycle to start is one without a package in it, and `x` is at risk only when such a
member reaches it without starting the importer first (never so when the importer is a
package of `x`). Nor when `x` binds `name` before the first statement of its body that
leads back to the importer (`importaudit.static.bound`). Other cycles are fragile
(import order matters) but do not raise. This is a suspicion: whether it is true is
decided by running it (`importaudit.runtime.verify`).
"""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING, cast

from importaudit.model import IMPORT_TIME_KINDS
from importaudit.model.static import first_package
from importaudit.static.component import all_at_import, edges
from importaudit.static.graph import RUNS_AT_IMPORT

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping, Sequence

    import networkx as nx

    from importaudit.model import ImportEdge
    from importaudit.static.bound import Bound
    from importaudit.static.component import Component, Pair


class _Reach:
    """Reachability inside one component's import-time edges, without a search per query.

    When every edge of the component runs at import time (always so with the default
    kinds), its members all reach each other: every query is True, nothing is built.
    Otherwise members of one strongly connected component of those edges reach each
    other, and other answers are read from the descendants of the condensation,
    computed once per source.
    """

    def __init__(self, component: Component, at_import: list[Pair] | None) -> None:
        """`at_import`: the component's edges that run at import time (None: every one)."""
        self._dag: nx.DiGraph[int] | None = None
        self._scc: dict[str, int] = {}
        self._below: dict[int, set[int]] = {}
        if at_import is not None and len(at_import) < len(component.listed):
            import networkx as nx

            graph: nx.DiGraph[str] = nx.DiGraph()
            graph.add_nodes_from(component.members)
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


class Entries:
    """The members of components that can be the first of their component to start.

    Importing `a.b.c` runs `a`, then `a.b`, first. So a member with a package in its
    component never starts first (that package does), nor does one with a package
    whose own imports reach the component: that package's import starts whichever
    members it reaches first (`ordered/__init__.py` importing `ordered.fields` before
    anything can import `ordered.models`). `ahead`: each module's import-time imports,
    across the whole graph (the packages above an imported module included, as the
    graph's parent edges).
    """

    def __init__(self, ahead: Mapping[str, Sequence[str]]) -> None:
        self._ahead = ahead
        # (package, modules running) -> the members it reaches first, for one component
        self._hits: dict[tuple[str, frozenset[str]], frozenset[str]] = {}
        # (package, modules running) -> every module its import reaches, for every
        # component: most components are reached by none of the packages above them
        # (sympy: `sympy` is asked about in 12 components and reaches 4), which one
        # search answers for all of them
        self._closures: dict[tuple[str, frozenset[str]], frozenset[str]] = {}

    def __call__(self, members: Collection[str]) -> set[str]:
        """The members of one component that can start first."""
        inside = frozenset(members)
        self._hits = {}  # (what a package reaches first depends on the component)
        found: set[str] = set()
        for member in sorted(inside):
            found |= self._firsts(member, frozenset(), inside)
        return found

    def _firsts(self, module: str, started: frozenset[str],
                members: frozenset[str]) -> frozenset[str]:
        """The members that start first when `module` is imported (`started`: running)."""
        parts = module.split(".")
        above: list[str] = []
        for package in (".".join(parts[:i]) for i in range(1, len(parts))):
            above.append(package)
            if package in started:
                continue
            if package in members:
                return frozenset({package})
            now = started | set(above)
            hits = self._reached(package, now, members)
            if hits:
                return frozenset().union(*(self._firsts(h, now, members) for h in hits))
        return frozenset({module})

    def _reached(self, package: str, started: frozenset[str],
                 members: frozenset[str]) -> frozenset[str]:
        """The members `package`'s import reaches first: through modules not members.

        Modules already running (`started`) are not entered: importing them again
        returns at once.
        """
        key = (package, started)
        hits = self._hits.get(key)
        if hits is None and self._closure(key).isdisjoint(members):
            hits = self._hits[key] = frozenset()
        if hits is None:
            found: set[str] = set()
            seen = {package}
            stack = [package]
            while stack:
                for v in self._ahead.get(stack.pop(), ()):
                    if v in seen or v in started:
                        continue
                    seen.add(v)
                    if v in members:
                        found.add(v)
                    else:
                        stack.append(v)
            hits = self._hits[key] = frozenset(found)
        return hits

    def _closure(self, key: tuple[str, frozenset[str]]) -> frozenset[str]:
        """Every module `package`'s import reaches, modules already running left out."""
        closure = self._closures.get(key)
        if closure is None:
            package, started = key
            seen = {package}
            stack = [package]
            while stack:
                for v in self._ahead.get(stack.pop(), ()):
                    if v not in seen and v not in started:
                        seen.add(v)
                        stack.append(v)
            closure = self._closures[key] = frozenset(seen)
        return closure


class _StartsBefore:
    """Whether a member can start before another: the orders that can occur.

    The first member of the component to start is one of its entries (`Entries`).
    `x` can start before `importer` only when an entry reaches it,
    through import-time edges, without starting `importer` first: without passing
    through `importer` or a module of its (whose import runs `importer` first). For an
    importer without modules of its own in the component that is read off one
    dominator tree; for the others, the members such a way reaches are searched for
    once per importer asked about.
    """

    def __init__(self, component: Component, at_import: list[Pair] | None,
                 entries: Collection[str]) -> None:
        """`at_import`: the component's edges that run at import time (None: every one).

        `entries`: the members that can start first (`Entries`).
        """
        self._entries = sorted(entries)
        self._first = set(entries)
        self._ahead: dict[str, list[str]] = {}
        for u, v in (at_import if at_import is not None
                     else ((u, v) for u, v, _ in component.listed)):
            self._ahead.setdefault(u, []).append(v)
        self._reached: dict[str, set[str]] = {}
        # Members with modules of their own in the component (`__call__`).
        self._packages = {m.rsplit(".", depth)[0] for m in component.members
                          for depth in range(1, m.count(".") + 1)}
        self._idom: dict[object, object] | None = None

    def _dominators(self) -> dict[object, object]:
        """The immediate dominators of the component's edges below a root starting every entry.

        Built once per component: one search per importer cost sympy's cycle analysis
        0.06 s.
        """
        if self._idom is None:
            import networkx as nx

            graph: nx.DiGraph[object] = nx.DiGraph()
            root = object()
            graph.add_node(root)
            graph.add_edges_from((root, e) for e in self._entries)
            graph.add_edges_from((u, v) for u, vs in self._ahead.items() for v in vs)
            self._idom = nx.immediate_dominators(graph, root)
        return self._idom

    def _avoids(self, x: str, importer: str) -> bool:
        """Whether a way from the entries reaches `x` without passing through `importer`.

        That is, `x` is reached and `importer` does not dominate it.
        """
        idom = self._dominators()
        if x not in idom:
            return False
        node: object = x
        while node in idom and idom[node] is not node:  # (up to the root)
            node = idom[node]
            if node == importer:
                return False
        return True

    def __call__(self, x: str, importer: str) -> bool:
        inside = importer + "."
        if x == importer or x.startswith(inside):
            return False  # (a module of the importer's starts after it)
        if x in self._first:
            return True  # (imported first)
        if importer not in self._packages:
            # No module of the importer's is a member (a way must avoid those too,
            # which a dominator tree does not say: they are searched for below).
            return self._avoids(x, importer)
        reached = self._reached.get(importer)
        if reached is None:
            reached = self._reached[importer] = set()
            stack = [m for m in self._entries if m != importer and not m.startswith(inside)]
            reached.update(stack)
            while stack:
                for v in self._ahead.get(stack.pop(), ()):
                    if v not in reached and v != importer and not v.startswith(inside):
                        reached.add(v)
                        stack.append(v)
        return x in reached


_IMPORTED = attrgetter("imported")
_LINE = attrgetter("line")


def _candidates(listed: list[tuple[str, str, list[ImportEdge]]]) -> list[ImportEdge]:
    """The statements of a component's edges that run at import time and take a name.

    (A name, not only `*`.)
    """
    return [e for _, _, records in listed for e in records
            if e.kind in RUNS_AT_IMPORT and e.names.count("*") != len(e.names)]


def _first_lines(listed: list[tuple[str, str, list[ImportEdge]]],
                 modules: set[str]) -> dict[str, int | None]:
    """The first line of each of `modules`' statements among a component's edges.

    None when a statement has no line. (With every statement running at import time,
    that is where the way back from the module to any member starts.)
    """
    lines: dict[str, list[int | None]] = {}
    for u, _, records in listed:
        if u in modules:
            lines.setdefault(u, []).extend(map(_LINE, records))
    return {x: None if None in back else min(cast("list[int]", back))
            for x, back in lines.items()}


def failing_edges(component: Component, bound: Bound, entries: Collection[str] | None = None,
                  ) -> tuple[list[ImportEdge], list[ImportEdge]]:
    """Import-time `from x import name` edges that can meet `x` partly initialised.

    And, apart, those that could in an order the packages' imports rule out now (a
    lazy `__init__` may let it occur: what the review and `fix` must run).

    That happens when `x` imports the importer back, at import time: `x` is then
    still executing when the importer asks it for `name`. With every kind counted, a
    component may close only through deferred edges; those edges are not counted here.
    Ruled out: an `x` no order that can occur starts before the importer
    (`_StartsBefore`: an importer that is a package of `x`, or a package in the
    component whose import reaches `x` only through the importer), and names `x` binds
    (`bound`) before the first statement of its body that leads back to the importer. In the
    order of the component's edges (`edges`) and their statements. `entries`: the
    members that can start first (`Entries`; default: those without a package in the
    component).
    """
    listed = list(edges(component))
    candidates = _candidates(listed)
    if not candidates:
        return [], []
    # (x, importer) -> the first line of the way back from x to the importer; just x
    # when every member reaches every other (the way back is then the same for every
    # importer: x's first import-time statement in the component)
    starts: dict[str | Pair, int | None] = {}
    # x -> (successor, lines of its import-time statements), for the way back from x
    ahead: dict[str, list[tuple[str, list[int | None]]]] = {}
    at_import: list[Pair] | None = None
    if all_at_import(component):  # (the default kinds: every statement runs then)
        starts.update(_first_lines(listed, set(map(_IMPORTED, candidates))))
    else:
        at_import = []
        for u, v, records in listed:
            found = [e.line for e in records if e.kind in IMPORT_TIME_KINDS]
            if found:
                at_import.append((u, v))
                ahead.setdefault(u, []).append((v, found))
    reaches = _Reach(component, at_import)
    everywhere = reaches.everywhere  # (always so with the default kinds: no call needed)
    if entries is None:
        members = set(component.members)
        entries = [m for m in component.members if first_package(m, members) is None]
    before = _StartsBefore(component, at_import, entries)
    # (that key, the names taken) -> whether the edge can fail: many modules take the
    # same names from one module (sympy: 1,320 edges, 245 modules taken from)
    verdicts: dict[tuple[str | Pair, tuple[str, ...]], bool] = {}
    failing: list[ImportEdge] = []
    held: list[ImportEdge] = []
    for edge in candidates:
        x, importer = edge.imported, edge.importer
        if x.startswith(importer + ".") or not (everywhere or reaches(x, importer)):
            continue
        key = x if everywhere else (x, importer)
        verdict = verdicts.get((key, edge.names))
        if verdict is None:
            if key not in starts:
                back = [line for v, found in ahead.get(x, ())
                        if reaches(v, importer) for line in found]
                starts[key] = (min(line for line in back if line is not None)
                               if back and None not in back else None)
            start = starts[key]
            names = (edge.names if "*" not in edge.names
                     else [n for n in edge.names if n != "*"])
            # Not when every name is there before `x` starts the way back.
            verdict = verdicts[key, edge.names] = not (
                start is not None and bound(x, names, start))
        if verdict:
            (failing if before(x, importer) else held).append(edge)
    return failing, held
