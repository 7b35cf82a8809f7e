"""The one runtime load graph: what importing a module loads, who imports it, what it saves.

Built once from a report's module records. Its edges are every import statement the
profile saw reach a module, not only the one that loaded it first:

* ``load``: the importer was executing when the module was first loaded;
* ``hit``: the importer's statement found the module already loaded (a cache hit,
  recorded by the warm-up run), so importing the importer alone would load it too;
* ``parent``: a submodule runs its parent package first, as Python does
  (``import a.b.c`` runs ``a`` and ``a.b``), so ``a.b.c -> a.b -> a``.

Preloaded modules (in ``sys.modules`` before measurement began) are nodes, so chains can
end at them, but nothing walks through them: they load whatever anyone imports. Gate,
review, ``why``, the views and the before/after comparison all ask this graph, so
"what does importing X load" has one answer.

Exclusive cost is dominance: the modules that would no longer load if some import
statements did not run are those every path from the entry reaches only through them.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Literal

from importaudit.model import Impact

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable

    from importaudit.model import ModuleRecord

EdgeKind = Literal["load", "hit", "parent"]
LOAD: EdgeKind = "load"
HIT: EdgeKind = "hit"
PARENT: EdgeKind = "parent"
# When one pair of modules is joined in more than one way, the first kind here names it.
_KIND_RANK: dict[str, int] = {LOAD: 0, PARENT: 1, HIT: 2}


def ancestors(module: str) -> list[str]:
    """`module` and its parent packages: a.b.c -> [a.b.c, a.b, a]."""
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]


class LoadGraph:
    """Modules as nodes, every import the profile saw (and parent packages) as edges.

    `exclude` leaves modules out entirely (the gate's `ignore` patterns, modules one
    side of a comparison had preloaded): nothing walks through them, as if they were
    preloaded. `fastest` makes costs sum each module's fastest own time rather than its
    median: noise only ever adds time, so a saving judged on it (the review's) does not
    come and go with the load of the machine. `hits` adds import statements the profile
    could not see as cache hits (importer, imported): a compiled module's imports of
    modules already loaded never pass through `builtins.__import__`. `heap_unknown`
    names modules a heap run left without heap figures (`RunMeta.heap_gaps`): a cost
    that includes one has no heap figure, rather than the part the others add up to.
    """

    def __init__(self, records: Iterable[ModuleRecord],
                 exclude: Callable[[str], bool] | None = None, *, fastest: bool = False,
                 hits: Iterable[tuple[str, str]] = (),
                 heap_unknown: Collection[str] = ()) -> None:
        self.fastest = fastest
        self.heap_unknown = frozenset(heap_unknown)
        self.records: dict[str, ModuleRecord] = {}
        for record in records:
            self.records.setdefault(record.name, record)
        #: The records of the modules the graph walks (measured, not preloaded or
        #: excluded), in the report's order.
        self.measured: dict[str, ModuleRecord] = {
            name: record for name, record in self.records.items()
            if not record.preloaded and (exclude is None or not exclude(name))}
        self.live: frozenset[str] = frozenset(self.measured)
        self._out: dict[str, dict[str, EdgeKind]] = {}
        self._in: dict[str, dict[str, EdgeKind]] = {}
        self._reached: dict[str, frozenset[str]] = {}  # see `reach`
        for record in self.records.values():
            if record.importer and record.importer != record.name:
                self._add(record.importer, record.name, LOAD)
            for importer in record.importers:
                if importer != record.name:
                    self._add(importer, record.name, HIT)
            parent = next((a for a in ancestors(record.name)[1:] if a in self.records), None)
            if parent is not None:
                self._add(record.name, parent, PARENT)
        for importer, imported in hits:
            if imported in self.records and importer != imported:
                self._add(importer, imported, HIT)

    def _add(self, importer: str, imported: str, kind: EdgeKind) -> None:
        if importer not in self.records:
            return  # a module the profile has no record of (e.g. `__main__`)
        known = self._out.setdefault(importer, {}).get(imported)
        if known is None or _KIND_RANK[kind] < _KIND_RANK[known]:
            self._out[importer][imported] = kind
            self._in.setdefault(imported, {})[importer] = kind

    # ----------------------------------------------------------------- lookups

    def __contains__(self, name: object) -> bool:
        return name in self.records

    def get(self, name: str) -> ModuleRecord | None:
        """The record of `name` (preloaded or excluded ones too), None if never seen."""
        return self.records.get(name)

    def imports(self, name: str) -> dict[str, EdgeKind]:
        """What `name`'s import runs directly (its statements' modules, its parent), by kind."""
        return dict(self._out.get(name, {}))

    def importers(self, name: str) -> dict[str, EdgeKind]:
        """Who imports `name` and how: importer -> "load", "hit" or "parent"."""
        return dict(self._in.get(name, {}))

    def edges(self) -> Iterable[tuple[str, str, EdgeKind]]:
        """Every edge (importer, imported, kind), preloaded and excluded ends included."""
        for importer, imported in self._out.items():
            for name, kind in imported.items():
                yield importer, name, kind

    def chain(self, name: str) -> tuple[str, ...]:
        """The first-loader chain from a top-level import down to `name`."""
        chain = [name]
        record = self.records.get(name)
        while record is not None and record.importer and record.importer not in chain:
            chain.append(record.importer)
            record = self.records.get(record.importer)
        return tuple(reversed(chain))

    # ----------------------------------------------------------------- reachability

    def loads(self, starts: Iterable[str], without: Collection[str] = (),
              cut: Collection[tuple[str, str]] = ()) -> frozenset[str]:
        """What importing `starts` loads in a fresh process: themselves, their parents, all.

        Modules in `without` (and preloaded or excluded ones) are neither counted nor
        walked through; the import edges in `cut` are not followed.
        """
        # The review asks this tens of thousands of times on a large tree (IA103: for
        # each statement group of each module, with and without the imports it would
        # defer), mostly of modules whose whole reach it asked before. So what a module
        # reaches with nothing left out is searched once (`reach`), and a search that
        # leaves something out takes that whole reach at once from a module that
        # reaches none of it: neither a module of `without` nor the importer of an
        # import in `cut`.
        wanted = [s for s in starts if s in self.live and s not in without]
        if not without and not cut:
            return frozenset().union(*map(self.reach, wanted))
        avoid = {*without, *(importer for importer, _ in cut)}
        seen = set(wanted)
        found: set[str] = set()
        queue = deque(wanted)
        while queue:
            current = queue.popleft()
            if current in found:
                continue
            whole = self.reach(current)
            if whole.isdisjoint(avoid):
                found |= whole
                continue
            found.add(current)
            for nxt in self._out.get(current, ()):
                if (nxt not in seen and nxt in self.live and nxt not in without
                        and (current, nxt) not in cut):
                    seen.add(nxt)
                    queue.append(nxt)
        return frozenset(found)

    def reach(self, name: str) -> frozenset[str]:
        """What importing `name` loads (as `loads([name])`), searched once per module."""
        known = self._reached.get(name)
        if known is not None:
            return known
        if name not in self.live:
            return frozenset()
        seen = {name}
        queue = deque(seen)
        while queue:
            for nxt in self._out.get(queue.popleft(), ()):
                if nxt not in seen and nxt in self.live:
                    seen.add(nxt)
                    queue.append(nxt)
        known = self._reached[name] = frozenset(seen)
        return known

    def loaded_by(self, name: str) -> frozenset[str]:
        """Every module whose import loads `name` (`name` itself included when live)."""
        if name not in self.live:
            return frozenset()
        seen = {name}
        queue = deque([name])
        while queue:
            for prev in self._in.get(queue.popleft(), ()):
                if prev not in seen and prev in self.live:
                    seen.add(prev)
                    queue.append(prev)
        return frozenset(seen)

    def path(self, sources: Iterable[str], target: str) -> tuple[str, ...] | None:
        """A shortest chain of imports from any of `sources` to `target` (None: none)."""
        parent: dict[str, str | None] = {s: None for s in sources if s in self.live}
        queue = deque(parent)
        while queue:
            current = queue.popleft()
            if current == target:
                out = [current]
                while (up := parent[out[-1]]) is not None:
                    out.append(up)
                return tuple(reversed(out))
            for nxt in self._out.get(current, ()):
                if nxt not in parent and nxt in self.live:
                    parent[nxt] = current
                    queue.append(nxt)
        return None

    # ----------------------------------------------------------------- exclusive cost

    def saving(self, entries: Iterable[str], cut: Iterable[tuple[str, str]],
               without: Collection[str] = ()) -> frozenset[str]:
        """What importing `entries` would no longer load if the `cut` imports did not run.

        The modules the cut edges dominate: every path from the entries to them passes
        through one of those imports (with the cut edges routed through one virtual
        node, exactly the modules that node dominates). Zero when they load anyway.
        Modules in `without` are not walked through (as if they imported nothing).
        """
        starts = list(entries)
        edges = frozenset(cut)
        if not edges:
            return frozenset()
        return self.loads(starts, without) - self.loads(starts, without, edges)

    def cost(self, names: Iterable[str]) -> Impact:
        """The summed own cost (self time, heap, RSS) of a set of modules, and its size.

        Time is the median own times, or with `fastest` (see the constructor) each
        module's fastest own time over the runs.
        """
        chosen = [self.records[n] for n in set(names) if n in self.records]
        heaps = [r.self_heap_bytes for r in chosen if r.self_heap_bytes is not None]
        if any(r.name in self.heap_unknown for r in chosen):
            heaps = []
        rss = [r.self_rss_bytes for r in chosen if r.self_rss_bytes is not None]
        times = (r.self_ns_min or r.self_ns if self.fastest else r.self_ns for r in chosen)
        return Impact(sum(max(0, t) for t in times),
                      sum(heaps) if heaps else None, sum(rss) if rss else None, len(chosen))

    def self_impact(self, name: str) -> Impact:
        """What the body of `name` itself cost, without what it imported.

        Its time leaves out the garbage collector's pauses that happened to run in it:
        walking every object of the process, they are nobody's body in particular.
        """
        record = self.records.get(name)
        if record is None:
            return Impact()
        return Impact(record.body_ns, record.self_heap_bytes, record.self_rss_bytes, None)

    def standalone(self, starts: Iterable[str], without: Collection[str] = ()) -> Impact:
        """What importing `starts` costs a process that has loaded nothing else of it."""
        return self.cost(self.loads(starts, without))
