"""Whether a cycle can fail at import: the import-time `from x import name` edges at risk.

Such an edge (an attribute, not a submodule, taken from a member of the cycle) raises
ImportError when `x` is only partly initialised. It cannot be when `x` cannot start
before the importer: importing a module runs its packages first, so the first member of
the cycle to start is one without a package in it, and `x` is at risk only when such a
member reaches it without starting the importer first (never so when the importer is a
package of `x`). Nor when `x` binds `name` before the first statement of its body that
leads back to the importer (`importaudit.static.bound`). Other cycles are not
suspected: no import statement takes a name from a partly initialised member (an
attribute read at module level can still fail, which only a run shows). Either is
decided by running it (`importaudit.runtime.verify`).

Which orders can occur is read from the import statements. Any that may run at import
time opens a way (`may_run`): one under an `if`, in a `try`, or an
`importlib.import_module("x")` outside a function (guarded or not). Only one that
always runs when its module runs fixes an order (`runs_always`): an import under
`if sys.platform == "win32":` does not make its package start the cycle elsewhere, so
the order it seems to impose is not trusted without a run.
"""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING, cast

from importaudit.model import IMPORT_TIME_KINDS, EdgeKind
from importaudit.model.static import first_package
from importaudit.static.component import all_at_import, edges
from importaudit.static.graph import RUNS_AT_IMPORT

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

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
        """`at_import`: the edges between members that may run at import time.

        None: those include every edge of the component, so every member reaches
        every other.
        """
        self._dag: nx.DiGraph[int] | None = None
        self._scc: dict[str, int] = {}
        self._below: dict[int, set[int]] = {}
        if at_import is not None:
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


# Modules the searches of `Entries` may enter over one analysis: a package's search is
# one walk of the modules its import reaches, per component it reaches, so a tree of
# packages that each reach most of it (a generated 10,000-module monorepo: over 50 per
# edge) would cost packages x modules. Real trees stay below (SQLAlchemy 0.6 per
# edge, sympy 0.3, Django and pandas about 0; pylint 1.6, under the 200,000 floor
# anyway), and past the bound the answer only grows.
_ENTRIES_WORK_MIN = 200_000
_ENTRIES_WORK_PER_EDGE = 4


def entries_work(edges: int) -> int:
    """How many modules `Entries`' searches may enter, for a graph of `edges` imports."""
    return max(_ENTRIES_WORK_MIN, _ENTRIES_WORK_PER_EDGE * edges)


def packages_above(modules: Iterable[str]) -> set[str]:
    """Every package above one of `modules`: `a.b.c` -> a, a.b."""
    return {m.rsplit(".", depth)[0] for m in modules for depth in range(1, m.count(".") + 1)}


class Entries:
    """The members of components that can be the first of their component to start.

    Importing `a.b.c` runs `a`, then `a.b`, first. So a member with a package in its
    component never starts first (that package does), nor does one with a package
    whose own imports surely reach the component: that package's import starts
    whichever members it reaches first (`ordered/__init__.py` importing
    `ordered.fields` before anything can import `ordered.models`). `ahead`: each
    module's imports that may run at import time (`may_run`), across the whole graph
    (the packages above an imported module included, as the graph's parent edges);
    `always`: those that always run (`runs_always`). A package reaches members first
    along `ahead`; only along `always` does it surely do so: through an import under
    `if sys.platform == "win32":` the member imported may start first as well.

    A package's own statements run in the order of their lines: once one of them
    surely reaches the component, the statements after it start nothing first
    (`statements`: the statements of packages, those that may run at import time; a
    package without them, or with one that has no line, counts its imports as one).
    `pkg/__init__.py` importing `pkg.a` on line 3 and `pkg.b` on line 4, when `pkg.a`
    imports `pkg.b`, starts the cycle at `pkg.a`, never at `pkg.b`.

    The searches enter at most `work` modules in all (`entries_work`); past that, a
    package may start any member of a component it is asked about, and fixes no order:
    the answer grows (more orders are suspected and run), it never loses an order that
    can occur.
    """

    def __init__(self, ahead: Mapping[str, Sequence[str]],
                 always: Mapping[str, Sequence[str]] | None = None,
                 statements: Mapping[str, Sequence[ImportEdge]] | None = None,
                 work: int | None = None) -> None:
        """`work`: how many modules the searches may enter in all (None: no bound)."""
        self._ahead = ahead
        self._always = ahead if always is None else always
        self._statements = statements or {}
        # (package, modules running) -> the members it reaches first, and whether it
        # surely reaches one, for one component
        self._hits: dict[tuple[str, frozenset[str]], tuple[frozenset[str], bool]] = {}
        # (package, modules running) -> `_above`, for one component
        self._chains: dict[tuple[str, frozenset[str]], tuple[frozenset[str], bool]] = {}
        # (package, modules running) -> every module its import may reach, for every
        # component: most components are reached by none of the packages above them
        # (sympy: `sympy` is asked about in 12 components and reaches 4), which one
        # search answers for all of them (and for what it surely reaches, a part of it)
        self._closures: dict[tuple[str, frozenset[str]], frozenset[str]] = {}
        # package -> its statements' targets, line by line, each with whether it
        # always runs (`_steps`)
        self._steps: dict[str, list[list[tuple[str, bool]]]] = {}
        self._work = work

    def __call__(self, members: Collection[str]) -> set[str]:
        """The members of one component that can start first."""
        inside = frozenset(members)
        # (what a package reaches first, and what its chain of packages above gives,
        # depend on the component)
        self._hits = {}
        self._chains = {}
        if self._spent():
            return set(inside)  # (past the work bound: any member may start first)
        found: set[str] = set()
        for member in sorted(inside):
            found |= self._firsts(member, frozenset(), inside)
        return found

    def _firsts(self, module: str, started: frozenset[str],
                members: frozenset[str]) -> frozenset[str]:
        """The members that can start first when `module` is imported (`started`: running)."""
        package, dot, _ = module.rpartition(".")
        if not dot:
            return frozenset({module})
        found, ends = self._above(package, started, members)
        return found if ends else found | {module}

    def _above(self, package: str, started: frozenset[str],
               members: frozenset[str]) -> tuple[frozenset[str], bool]:
        """What importing `package` and the packages above it, outermost first, starts first.

        The members that can start first on the way, and whether the way ends there (a
        package that is a member starts first, or one that surely reaches members):
        then the module below never starts first. Kept per package, for every module
        below it: a component's members share a few packages (sympy's largest, 274
        members).
        """
        key = (package, started)
        known = self._chains.get(key)
        if known is not None:
            return known
        parent, dot, _ = package.rpartition(".")
        found, ends = (self._above(parent, started, members) if dot
                       else (frozenset(), False))
        if not ends and package not in started:
            if package in members:
                found, ends = found | {package}, True
            else:
                # Modules running meanwhile: those started, and every package above
                # the module (those too, running already or not: none is entered again).
                now = started.union(packages_above((package,)), (package,))
                hits, ends = self._reached(package, now, members)
                if self._spent():
                    # Past the work bound any member may start first: that answer holds
                    # whatever the members hit would start (asking each would make a
                    # new question per set of packages running, none of them searched).
                    found, ends = members, True
                elif hits:
                    more = set(found)
                    for hit in hits:
                        more |= self._firsts(hit, now, members)
                    found = frozenset(more)
        self._chains[key] = found, ends
        return found, ends

    def _reached(self, package: str, started: frozenset[str],
                 members: frozenset[str]) -> tuple[frozenset[str], bool]:
        """The members `package`'s import may reach first, and whether it surely reaches one.

        Through modules not members, along imports that may run; surely, along those
        that always do. Statement by statement, in the package's order (`_ordered`):
        after the first that surely reaches a member, none starts one first. Modules
        already running (`started`) are not entered: importing them again returns at
        once.
        """
        key = (package, started)
        hits = self._hits.get(key)
        if hits is not None:
            return hits
        closure = self._closure(key)
        if closure is not None and closure.isdisjoint(members):
            hits = self._hits[key] = frozenset(), False
            return hits
        if closure is None or self._spent():
            # Past the work bound: every member it may reach, and no order fixed (more
            # entries: more orders suspected, never one that can occur missed).
            hits = self._hits[key] = members - started, False
            return hits
        found: set[str] = set()
        ends = False
        may_seen = {package}  # (what earlier statements may have imported: searched)
        sure_seen = {package}  # (what they surely imported, members not reached)
        # Only a module that cannot be running yet makes a statement surely start what
        # it imports: one of the package's own (which the package runs first), or one
        # outside it that does not import the package. One that does may have started
        # the package's import (imported first by the user, or on the way from a module
        # that was): then the statement returns at once, half-imported, and a later
        # line starts the cycle.
        inside = package + "."

        def fresh(module: str) -> bool:
            if module.startswith(inside):
                return True
            reach = self._closure((module, frozenset()))
            return reach is not None and package not in reach

        for step in self._ordered(package):
            for target, sure in step:
                self._search(target, self._ahead, started, members, may_seen, found)
                if sure and self._search(target, self._always, started, members,
                                         sure_seen, set(), fresh):
                    ends = True
            if ends:
                break
        if self._work is not None:
            self._work -= len(may_seen) + len(sure_seen)
        hits = self._hits[key] = frozenset(found), ends
        return hits

    def _spent(self) -> bool:
        """Whether the searches have entered as many modules as they may."""
        return self._work is not None and self._work <= 0

    @staticmethod
    def _search(start: str, ahead: Mapping[str, Sequence[str]], started: frozenset[str],
                members: frozenset[str], seen: set[str], found: set[str],
                fresh: Callable[[str], bool] | None = None) -> bool:
        """Add to `found` the members `start` reaches first along `ahead`; whether any.

        Modules in `seen` (searched already) or `started` are not entered; those
        entered join `seen`. With `fresh`, nor are modules it says may be running.
        """
        if start in seen or start in started:
            return False
        seen.add(start)
        if start in members:
            found.add(start)
            return True
        if fresh is not None and not fresh(start):
            return False
        hit = False
        stack = [start]
        while stack:
            for v in ahead.get(stack.pop(), ()):
                if v in seen or v in started:
                    continue
                seen.add(v)
                if v in members:
                    found.add(v)
                    hit = True
                elif fresh is None or fresh(v):
                    stack.append(v)
        return hit

    def _ordered(self, package: str) -> list[list[tuple[str, bool]]]:
        """`package`'s imports line by line, each with whether it always runs (`runs_always`).

        One step of every import when its statements are not known, or one has no line.
        """
        steps = self._steps.get(package)
        if steps is None:
            statements = self._statements.get(package)
            if statements and all(e.line is not None for e in statements):
                by_line: dict[int, list[tuple[str, bool]]] = {}
                for e in statements:
                    by_line.setdefault(cast("int", e.line), []).append(
                        (e.imported, e.kind in ALWAYS_KINDS and not e.conditional))
                steps = [by_line[line] for line in sorted(by_line)]
            else:
                sure = set(self._always.get(package, ()))
                steps = [[(v, v in sure) for v in self._ahead.get(package, ())]]
            self._steps[package] = steps
        return steps

    def _closure(self, key: tuple[str, frozenset[str]]) -> frozenset[str] | None:
        """Every module `package`'s import may reach, modules already running left out.

        None when it is not known: the work bound was reached first.
        """
        closure = self._closures.get(key)
        if closure is None:
            if self._spent():
                return None
            package, started = key
            seen = {package}
            stack = [package]
            while stack:
                for v in self._ahead.get(stack.pop(), ()):
                    if v not in seen and v not in started:
                        seen.add(v)
                        stack.append(v)
            closure = self._closures[key] = frozenset(seen)
            if self._work is not None:
                self._work -= len(seen)
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

    def __init__(self, component: Component, ways: Iterable[Pair],
                 entries: Collection[str]) -> None:
        """`ways`: the edges between members that may run at import time (`may_run`).

        `entries`: the members that can start first (`Entries`).
        """
        self._entries = sorted(entries)
        self._first = set(entries)
        self._ahead: dict[str, list[str]] = {}
        for u, v in ways:
            self._ahead.setdefault(u, []).append(v)
        self._reached: dict[str, set[str]] = {}
        # Members with modules of their own in the component (`__call__`).
        self._packages = packages_above(component.members)
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

#: Kinds of the statements that run each time their module runs, unless conditional.
#: Not a module-level `import_module` call: one in `x if c else y`, an `and`/`or` or a
#: generator is not flagged conditional by the scanners, and may not run.
ALWAYS_KINDS = frozenset({EdgeKind.EAGER, EdgeKind.PARENT})


def runs_always(edge: ImportEdge) -> bool:
    """Whether `edge`'s statement runs each time its importer runs (so fixes an order).

    A module-level import outside any `if`, `try`, loop or `with`
    (`ImportEdge.conditional`), and the packages above what it imports. An
    `importlib.import_module("x")` call only opens a way (`may_run`): it may sit in an
    expression that does not always run it.
    """
    return edge.kind in ALWAYS_KINDS and not edge.conditional


def may_run(edge: ImportEdge) -> bool:
    """Whether `edge`'s statement may run while its importer is imported (opens a way).

    Every import-time kind, and a module-level `importlib.import_module("x")`, under
    an `if` or in a `try` too (one in a function is not counted, as a deferred import
    is not: `ImportEdge.deferred`).
    """
    return edge.kind in IMPORT_TIME_KINDS or (edge.kind is EdgeKind.DYNAMIC
                                              and not edge.deferred)


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
                  extra: Sequence[ImportEdge] = ()) -> tuple[list[ImportEdge], list[ImportEdge]]:
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
    component). `extra`: statements between members, of kinds the component was not
    sought over, that may run at import time all the same (`may_run`: a module-level
    `importlib.import_module("x")`): they open ways too.
    """
    listed = list(edges(component))
    candidates = _candidates(listed)
    if not candidates:
        return [], []
    more = [(e.importer, e.imported, [e]) for e in extra]
    # (x, importer) -> the first line of the way back from x to the importer; just x
    # when every member reaches every other (the way back is then the same for every
    # importer: x's first import-time statement in the component)
    starts: dict[str | Pair, int | None] = {}
    # x -> (successor, lines of its import-time statements), for the way back from x
    ahead: dict[str, list[tuple[str, list[int | None]]]] = {}
    at_import: list[Pair] | None = None
    if all_at_import(component):  # (the default kinds: every statement runs then)
        starts.update(_first_lines([*listed, *more], set(map(_IMPORTED, candidates))))
        ways = [(u, v) for u, v, _ in (*listed, *more)]
    else:
        at_import = []
        for u, v, records in (*listed, *more):
            found = [e.line for e in records if may_run(e)]
            if found:
                at_import.append((u, v))
                ahead.setdefault(u, []).append((v, found))
        ways = at_import
        if all(any(may_run(e) for e in records) for _, _, records in listed):
            at_import = None  # (every member reaches every other: no need to look)
    reaches = _Reach(component, at_import)
    everywhere = reaches.everywhere  # (always so with the default kinds: no call needed)
    if entries is None:
        members = set(component.members)
        entries = [m for m in component.members if first_package(m, members) is None]
    before = _StartsBefore(component, ways, entries)
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
