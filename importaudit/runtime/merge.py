"""Merging child runs into one `ModuleRecord` per module.

Medians over the time runs, heap from the heap run, importers from every run, plus the
records that need no run (preloaded modules, modules that reached sys.modules without
the finder) and whether each source module had a valid `.pyc`.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import TYPE_CHECKING, Any

from importaudit.model import LineTime, LoopBlock, ModuleRecord
from importaudit.runtime.records import (
    Begin,
    Finished,
    Injected,
    Lines,
    Start,
)

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

    from importaudit.runtime.children import ChildRun

# ----------------------------------------------------------------------------- merging


def median(values: Sequence[int]) -> int:
    """The median as an integer (0 for no values)."""
    return int(statistics.median(values)) if values else 0


def _median_opt(values: Sequence[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return median(present) if present else None


def merge_runs(  # noqa: PLR0912  (one pass per record kind reads clearer split up)
    time_runs: Sequence[ChildRun], heap_run: ChildRun | None, hit_runs: Sequence[ChildRun],
    bytecode: dict[str, bool] | None = None,
) -> tuple[ModuleRecord, ...]:
    """Merge child runs into one record per module: medians over the time runs."""
    bytecode = bytecode or {}
    first: dict[str, Finished] = {}
    begin_of: dict[str, Begin] = {}
    starts: dict[str, list[int]] = {}
    order: dict[str, int] = {}
    samples: dict[str, list[Finished]] = {}
    for run in time_runs:
        seen_in_run: set[str] = set()
        for rec in run.begins:
            if rec.name not in begin_of:
                begin_of[rec.name] = rec
                order[rec.name] = len(order)
            if rec.name not in seen_in_run and rec.start_ns is not None:
                seen_in_run.add(rec.name)
                starts.setdefault(rec.name, []).append(rec.start_ns)
        for mod in run.modules:
            first.setdefault(mod.name, mod)
            samples.setdefault(mod.name, []).append(mod)
    heap: dict[str, Finished] = {}
    if heap_run is not None:
        for mod in heap_run.modules:
            heap.setdefault(mod.name, mod)
    importers: dict[str, list[str]] = {}
    for name, rec in begin_of.items():
        if rec.importer:
            importers.setdefault(name, []).append(rec.importer)
    for run in [*hit_runs, *([heap_run] if heap_run else [])]:
        pairs = [(b.importer, b.name) for b in run.begins if b.importer]
        for importer, name in [*pairs, *((h.importer, h.name) for h in run.hits)]:
            bucket = importers.setdefault(name, [])
            if importer not in bucket:
                bucket.append(importer)

    loops = _loop_blocks(time_runs)
    # Sampled in the warm-up (hit) run; in any other run that has them otherwise.
    sampled = _sampled_lines([*hit_runs, *time_runs])
    records = []
    for name in sorted(samples, key=lambda n: order.get(n, len(order))):
        recs = samples[name]
        b = begin_of.get(name, Begin(name))
        selfs = [r.self_ns for r in recs]
        cums = [r.cumulative_ns for r in recs]
        h = heap.get(name)
        errors = [r.error for r in recs if r.error]
        records.append(ModuleRecord(
            name=name,
            importer=b.importer,
            importers=tuple(importers.get(name, ())),
            order=order.get(name, 0),
            depth=b.depth,
            self_ns=median(selfs),
            cumulative_ns=median(cums),
            self_ns_min=min(selfs),
            self_ns_max=max(selfs),
            cumulative_ns_min=min(cums),
            cumulative_ns_max=max(cums),
            self_cpu_ns=_median_opt([r.self_cpu_ns for r in recs]),
            self_cpu_ns_min=min((r.self_cpu_ns for r in recs if r.self_cpu_ns is not None),
                                default=None),
            gc_ns=_median_opt([r.gc_ns for r in recs]),
            gc_cpu_ns=_median_opt([r.gc_cpu_ns for r in recs]),
            full_collections=_median_opt([r.full_collections for r in recs]),
            heap_bytes=h.heap_bytes if h else None,
            self_heap_bytes=h.self_heap_bytes if h else None,
            heap_peak_bytes=h.heap_peak_bytes if h else None,
            rss_bytes=_median_opt([r.rss_bytes for r in recs]),
            self_rss_bytes=_median_opt([r.self_rss_bytes for r in recs]),
            origin=first[name].origin,
            loader=first[name].loader,
            is_package=first[name].is_package,
            bytecode_cached=bytecode.get(name),
            thread=b.thread,
            error=errors[0] if errors else None,
            runs=len(recs),
            start_ns=median(starts[name]) if name in starts else None,
            loop=loops.get(name),
            **_line_fields(sampled.get(name)),
        ))
    records.extend(injected_records([*time_runs, *hit_runs, *([heap_run] if heap_run else [])],
                                    set(samples), len(order)))
    return tuple(records)


def _loop_blocks(runs: Sequence[ChildRun]) -> dict[str, LoopBlock]:
    """Where each module was imported while an asyncio loop ran (first run that saw it)."""
    found: dict[str, LoopBlock] = {}
    for run in runs:
        for rec in run.loop_blocks:
            found.setdefault(rec.name, LoopBlock(
                file=rec.file, line=rec.line, function=rec.function,
                coroutine=rec.coroutine, coroutine_file=rec.coroutine_file,
                coroutine_line=rec.coroutine_line))
    return found


def _sampled_lines(runs: Sequence[ChildRun]) -> dict[str, Lines]:
    """Each module's sampled lines (`ln` records), from the first run that sampled it."""
    found: dict[str, Lines] = {}
    for run in runs:
        for rec in run.lines:
            found.setdefault(rec.name, rec)
    return found


def _line_fields(rec: Lines | None) -> dict[str, Any]:
    """`ModuleRecord` fields of a module's sampled lines (none: not sampled)."""
    if rec is None:
        return {}
    return {"sampled_ns": rec.sampled_ns, "samples": rec.samples,
            "lines": tuple(LineTime(line, ns, n) for line, ns, n in rec.lines)}


def injected_records(runs: Sequence[ChildRun], recorded: Collection[str],
                     order: int) -> list[ModuleRecord]:
    """Records of the modules that got into sys.modules without our finder.

    One per name no run recorded as a normal import, from the first run that saw it;
    `runs` counts the runs that saw it. They have no cost of their own (it is inside
    their importer's), so every measured figure stays zero or None.
    """
    first: dict[str, Injected] = {}
    seen: dict[str, int] = {}
    for run in runs:
        for name in {rec.name for rec in run.injected}:
            seen[name] = seen.get(name, 0) + 1
        for rec in run.injected:
            # An alias (the same object under a second name) loaded nothing.
            if rec.name not in recorded and not rec.alias_of:
                first.setdefault(rec.name, rec)
    return [ModuleRecord(
        name=name, importer=rec.importer, importers=(rec.importer,) if rec.importer else (),
        order=order + i, origin=rec.origin, loader=rec.loader,
        is_package=rec.is_package, runs=seen[name], via="sys.modules",
    ) for i, (name, rec) in enumerate(first.items())]


def preloaded_records(start: Start) -> tuple[ModuleRecord, ...]:
    """Modules loaded before measurement began (start-up, .pth files, the probe)."""
    return tuple(ModuleRecord(name=n, preloaded=True) for n in start.preloaded)


# ----------------------------------------------------------------------------- bytecode


def pyc_is_valid(source: str, cache_tag: str, optimize: int = 0) -> bool:
    """Whether a .pyc for `source` exists and matches it (timestamp or hash based)."""
    src = Path(source)
    opt = f".opt-{optimize}" if optimize else ""
    pyc = src.parent / "__pycache__" / f"{src.stem}.{cache_tag}{opt}.pyc"
    try:
        with open(pyc, "rb") as stream:
            header = stream.read(16)
        st = src.stat()
    except OSError:
        return False
    if len(header) < 16:
        return False
    flags = int.from_bytes(header[4:8], "little")
    if flags & 0b1:  # hash-based pyc: valid unless the source changed (checked on load)
        return True
    mtime = int.from_bytes(header[8:12], "little")
    size = int.from_bytes(header[12:16], "little")
    return mtime == (int(st.st_mtime) & 0xFFFFFFFF) and size == (st.st_size & 0xFFFFFFFF)


def bytecode_state(run: ChildRun) -> dict[str, bool]:
    """For each source module of a run: whether a valid .pyc existed for that interpreter."""
    tag = run.start.cache_tag
    if not tag:
        return {}
    state = {}
    for rec in run.modules:
        if rec.origin is not None and rec.origin.endswith(".py"):
            state[rec.name] = pyc_is_valid(rec.origin, tag)
    return state


def standalone(base: ModuleRecord, runs: list[ChildRun], heap: ChildRun | None) -> ModuleRecord:
    """A module's record from its own isolated runs: totals of everything it loaded."""
    from dataclasses import replace

    def total(run: ChildRun, key: str) -> int:
        roots = run.roots()
        return sum(getattr(r, key) or 0 for r in run.modules if r.name in roots)

    def own(run: ChildRun, key: str) -> int | None:
        for rec in run.modules:
            if rec.name == base.name:
                return int(getattr(rec, key) or 0)
        return None

    cums = [total(r, "cumulative_ns") for r in runs if r.finished]
    selfs = [v for v in (own(r, "self_ns") for r in runs if r.finished) if v is not None]
    cpus = [v for v in (own(r, "self_cpu_ns") for r in runs if r.finished) if v is not None]

    def own_gc(key: str) -> int | None:
        values = [v for r in runs if r.finished for rec in r.modules
                  if rec.name == base.name and (v := getattr(rec, key)) is not None]
        return median(values) if values else None
    rss = [total(r, "rss_bytes") for r in runs if r.finished]
    # Whether it failed is what its own runs say: a module can fail in the listing walk
    # only because of a module imported before it there (`failures.order_dependent`).
    alone = [rec for r in runs if r.finished for rec in r.modules if rec.name == base.name]
    return replace(
        base,
        error=alone[0].error if alone else base.error,
        cumulative_ns=median(cums), self_ns=median(selfs),
        self_cpu_ns=median(cpus) if cpus else None, self_cpu_ns_min=min(cpus, default=None),
        gc_ns=own_gc("gc_ns"), gc_cpu_ns=own_gc("gc_cpu_ns"),
        full_collections=own_gc("full_collections"),
        cumulative_ns_min=min(cums, default=0), cumulative_ns_max=max(cums, default=0),
        self_ns_min=min(selfs, default=0), self_ns_max=max(selfs, default=0),
        rss_bytes=median(rss) if rss else None,
        heap_bytes=total(heap, "heap_bytes") if heap is not None and heap.finished else None,
        self_heap_bytes=own(heap, "self_heap_bytes") if heap is not None and heap.finished
        else None,
        runs=len(cums),
    )
