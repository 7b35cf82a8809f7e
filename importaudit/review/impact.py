"""Measured impact: what a set of modules cost in the profile, and the severity it earns.

The runtime profile records, for every module, which modules' import statements
reached it (its first loader and later cache hits). What importing some modules costs
a process that has loaded nothing else of them is the summed own cost (time, heap,
RSS) of their import closure, and its size (modules pulled in). Severity is a pure
function of such an impact against a scale, so the same measurement always earns the
same severity and a reader can see why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from importaudit.model import Impact, ModuleRecord, Severity

if TYPE_CHECKING:
    from collections.abc import Iterable

_MS = 1_000_000
_KIB = 1024
_MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class SeverityScale:
    """Lower bounds of LOW, MEDIUM, HIGH and CRITICAL for each measured dimension."""

    time_ns: tuple[int, int, int, int] = (1 * _MS, 5 * _MS, 25 * _MS, 100 * _MS)
    heap_bytes: tuple[int, int, int, int] = (256 * _KIB, 2 * _MIB, 16 * _MIB, 64 * _MIB)
    rss_bytes: tuple[int, int, int, int] = (1 * _MIB, 8 * _MIB, 32 * _MIB, 128 * _MIB)
    modules: tuple[int, int, int, int] = (5, 20, 60, 200)


DEFAULT_SCALE = SeverityScale()


def _grade(value: int | None, bounds: tuple[int, int, int, int]) -> Severity:
    if value is None:
        return Severity.INFO
    level = Severity.INFO
    for sev, bound in zip(
        (Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL), bounds, strict=True
    ):
        if value >= bound:
            level = sev
    return level


def severity_of(impact: Impact, scale: SeverityScale = DEFAULT_SCALE) -> Severity:
    """The highest grade any measured dimension of `impact` reaches on `scale`."""
    return max(
        _grade(impact.time_ns, scale.time_ns),
        _grade(impact.heap_bytes, scale.heap_bytes),
        _grade(impact.rss_bytes, scale.rss_bytes),
        _grade(impact.modules, scale.modules),
    )


def _add(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _sub(a: int | None, b: int | None) -> int | None:
    if a is None or b is None:
        return a
    return max(0, a - b)


def add_impacts(impacts: Iterable[Impact]) -> Impact:
    """The sum of impacts over disjoint sets of modules (None stays None if all are)."""
    total = Impact()
    for imp in impacts:
        total = Impact(
            _add(total.time_ns, imp.time_ns), _add(total.heap_bytes, imp.heap_bytes),
            _add(total.rss_bytes, imp.rss_bytes), _add(total.modules, imp.modules),
        )
    return total


def subtract_impact(whole: Impact, part: Impact) -> Impact:
    """`whole` minus a part of it, never below zero."""
    return Impact(
        _sub(whole.time_ns, part.time_ns), _sub(whole.heap_bytes, part.heap_bytes),
        _sub(whole.rss_bytes, part.rss_bytes), _sub(whole.modules, part.modules),
    )


def impact_key(impact: Impact) -> tuple[int, int, int, int]:
    """A sort key ranking impacts by time, then heap, RSS and modules."""
    return (impact.time_ns or 0, impact.heap_bytes or 0, impact.rss_bytes or 0,
            impact.modules or 0)


class LoadTree:
    """The runtime profile as import edges between records, with closure costs."""

    def __init__(self, modules: Iterable[ModuleRecord]) -> None:
        self.records: dict[str, ModuleRecord] = {}
        for record in modules:
            self.records.setdefault(record.name, record)
        # X -> modules whose import X's statements reached (first loads and cache hits)
        self.deps: dict[str, set[str]] = {}
        for record in self.records.values():
            sources = set(record.importers)
            if record.importer:
                sources.add(record.importer)
            for source in sources:
                self.deps.setdefault(source, set()).add(record.name)

    def __contains__(self, name: object) -> bool:
        return name in self.records

    def get(self, name: str) -> ModuleRecord | None:
        """The record of `name`, or None when the profile did not see it."""
        return self.records.get(name)

    def self_impact(self, name: str) -> Impact:
        """What the body of `name` itself cost, without what it imported."""
        record = self.records.get(name)
        if record is None:
            return Impact()
        return Impact(record.self_ns, record.self_heap_bytes, record.self_rss_bytes, None)

    def closure(self, starts: Iterable[str], exclude: Iterable[str] = ()) -> frozenset[str]:
        """Everything importing `starts` needs, wherever it was first loaded.

        Follows every import statement the profile saw (first loads and cache hits) and
        the parent packages Python runs before a submodule, transitively; modules in
        `exclude` (typically the importer and its parent packages, which run anyway)
        and preloaded modules are left out.
        """
        skip = set(exclude)
        seen: set[str] = set()
        stack = [s for s in starts if s in self.records]
        while stack:
            name = stack.pop()
            if name in seen or name in skip or self.records[name].preloaded:
                continue
            seen.add(name)
            stack.extend(self.deps.get(name, ()))
            parent = name.rpartition(".")[0]
            while parent:
                if parent in self.records:
                    stack.append(parent)
                parent = parent.rpartition(".")[0]
        return frozenset(seen)

    def set_impact(self, names: Iterable[str]) -> Impact:
        """The summed own cost (self time, heap, RSS) of a set of modules, and its size."""
        chosen = [self.records[n] for n in set(names) if n in self.records]
        heaps = [r.self_heap_bytes for r in chosen if r.self_heap_bytes is not None]
        rss = [r.self_rss_bytes for r in chosen if r.self_rss_bytes is not None]
        return Impact(sum(max(0, r.self_ns) for r in chosen),
                      sum(heaps) if heaps else None, sum(rss) if rss else None, len(chosen))

    def standalone(self, starts: Iterable[str], exclude: Iterable[str] = ()) -> Impact:
        """What importing `starts` costs a process that has loaded nothing else of it."""
        return self.set_impact(self.closure(starts, exclude))


def ancestors(module: str) -> list[str]:
    """`module` and its parent packages: a.b.c -> [a.b.c, a.b, a]."""
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]
