"""`report merge`: the reports of the shards of one split, as one report.

Pure: reports in, one report out. Lossless: every module record, failure, skipped
module and note of every shard is in the result, in one place or the other:

- Module records: each module's record comes from one defined shard, named on the
  record (`ModuleRecord.shard`): the shard whose part of the split list held the
  module; for a module no part held (a dependency, a parent package of a `--tree`
  shard, a module loaded before measuring), the lowest-numbered shard that loaded it.
  A `--tree` shard imports its part in one interpreter, so a dependency shared by
  several parts is measured in several shards; those other records are the same
  module's cost measured again, and are left out.
- Per shard, in `meta.shards`: its own metadata (interpreter, platform, machine,
  notes), its failure and its verdict. The merged `meta` holds shard 1's, and
  `meta.differs` names what differs between shards (also a note, and said on stderr).
- Skipped modules, findings and cycles: each distinct one once.

Shards of one split share its id, its count and their targets; every index from 1 to
N once, none interrupted, unless `partial` (then what is missing, repeated or
interrupted is a note, and an interrupted shard's signal is the merged report's).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import TYPE_CHECKING, TypeVar

from importaudit.errors import UsageError
from importaudit.model import Report, RunMeta, ShardInfo, ShardRun

if TYPE_CHECKING:
    from collections.abc import Hashable, Iterable, Sequence

    from importaudit.model import ModuleRecord, SkippedModule

H = TypeVar("H", bound="Hashable")

#: Metadata of the shards' runs compared between them: where and how they measured.
COMPARED = ("python", "python_version", "platform", "implementation", "machine", "mode",
            "repeats", "warmup", "memory", "timeout_s", "notes", "variables", "tool_version")


#: Notes that sum up what a shard measured of its own modules, not how it ran
#: (`runtime.runner.collector_note`): each shard has its own, kept but not compared.
#: So do the heap gaps' (`runtime.heapgaps.gap_note`).
MEASURED_NOTES = ("garbage collector pauses: ", "no heap figures for ")


@dataclasses.dataclass(frozen=True, slots=True)
class Merged:
    """The merged report and what differed between the shards (one line each)."""

    report: Report
    differences: tuple[str, ...]


def _shard(label: str, report: Report) -> ShardInfo:
    if report.meta is None or report.meta.shard is None:
        raise UsageError(f"{label}: not the report of a shard (made without --shard I/N)")
    return report.meta.shard


def _meta(report: Report) -> tuple[RunMeta, ShardInfo]:
    """A shard report's metadata and identity (`_shard` checked that both exist)."""
    meta = report.meta
    if meta is None or meta.shard is None:  # pragma: no cover  (refused by _shard)
        raise UsageError("not the report of a shard")
    return meta, meta.shard


def _check_split(named: Sequence[tuple[str, Report]]) -> None:
    """Refuse reports that are not shards of one split (list, count, basis, targets)."""
    first_label, first = named[0]
    one = _shard(first_label, first)
    for label, report in named[1:]:
        other = _shard(label, report)
        if (other.split, other.count) != (one.split, one.count) \
                or report.targets != first.targets:
            raise UsageError(
                f"{label} is shard {other.index}/{other.count} of split {other.split} "
                f"({', '.join(report.targets)}), {first_label} shard {one.index}/{one.count} "
                f"of split {one.split} ({', '.join(first.targets)}): not shards of one split "
                "(the same module list, shard count and --shard-weights)")


def _complete(named: Sequence[tuple[str, Report]], partial: bool,
              ) -> tuple[list[tuple[str, Report]], list[str]]:
    """The shards by index, one each; notes on what is missing or repeated (`partial`)."""
    count = _shard(*named[0]).count
    seen = Counter(_shard(label, r).index for label, r in named)
    missing = [i for i in range(1, count + 1) if i not in seen]
    repeated = sorted(i for i, n in seen.items() if n > 1)
    problems = []
    if missing:
        problems.append(f"shard{'s' if len(missing) > 1 else ''} "
                        f"{', '.join(map(str, missing))} of {count} missing")
    if repeated:
        problems.append(f"shard{'s' if len(repeated) > 1 else ''} "
                        f"{', '.join(map(str, repeated))} given more than once")
    problems += [f"{label} (shard {_shard(label, r).index}) was interrupted by "
                 f"{_meta(r)[0].interrupted}: it holds part of its modules only"
                 for label, r in named if _meta(r)[0].interrupted]
    if problems and not partial:
        raise UsageError("; ".join(problems) + " (--partial merges what is there)")
    chosen: dict[int, tuple[str, Report]] = {}
    for label, report in named:
        chosen.setdefault(_shard(label, report).index, (label, report))
    notes = [f"partial merge: {p}" + (" (the first given of each is merged)"
                                      if p.endswith("once") else "") for p in problems]
    return [chosen[i] for i in sorted(chosen)], notes


def _value(report: Report, name: str) -> object:
    meta, info = _meta(report)
    if name == "machine":
        return info.machine
    if name == "tool_version":
        return report.tool_version
    return getattr(meta, name)


def _differences(shards: Sequence[Report]) -> list[tuple[str, str]]:
    """(field, "1: value; 2: value") for each compared field whose values differ.

    Notes are compared one by one: each note not every shard has, with the shards that
    have it ("load average ..." differs from machine to machine); `MEASURED_NOTES` are
    not compared.
    """
    found = []
    indexes = [_meta(r)[1].index for r in shards]
    for name in COMPARED:
        values = [_value(r, name) for r in shards]
        if name == "notes":
            values = [tuple(n for n in v if not n.startswith(MEASURED_NOTES))
                      if isinstance(v, tuple) else v for v in values]
        if len({repr(v) for v in values}) <= 1:
            continue
        if name == "notes":
            held = {n: [i for i, v in zip(indexes, values, strict=True)
                        if isinstance(v, tuple) and n in v]
                    for v in values if isinstance(v, tuple) for n in v}
            found += [(name, f"shard {', '.join(map(str, having))} only: {note}")
                      for note, having in held.items() if len(having) < len(shards)]
            continue
        found.append((name, "; ".join(f"{i}: {v}"
                                      for i, v in zip(indexes, values, strict=True))))
    return found


def _records(shards: Sequence[Report]) -> tuple[tuple[ModuleRecord, ...], Counter[int]]:
    """One record per module, from its owner shard, else the first that loaded it."""
    owner: dict[str, int] = {}
    for report in shards:
        info = _meta(report)[1]
        for name in info.modules:
            owner.setdefault(name, info.index)
    present = {_meta(r)[1].index for r in shards}
    chosen: dict[str, ModuleRecord] = {}
    taken: Counter[int] = Counter()
    for report in shards:
        index = _meta(report)[1].index
        for record in report.modules:
            home = owner.get(record.name)
            # The owner's record when the owner is merged; otherwise the first one seen.
            if record.name in chosen or (home is not None and home in present
                                         and home != index):
                continue
            chosen[record.name] = dataclasses.replace(record, shard=index)
            taken[index] += 1
    return tuple(chosen.values()), taken


def _distinct(items: Iterable[H]) -> tuple[H, ...]:
    """Each distinct item once, first occurrence first."""
    return tuple(dict.fromkeys(items))


def merge(named: Sequence[tuple[str, Report]], *, partial: bool = False) -> Merged:
    """Merge the reports of the shards of one split; `named` pairs a label (file) with each."""
    if not named:
        raise UsageError("give the shards' reports to merge")
    _check_split(named)
    ordered, notes = _complete(named, partial)
    shards = [r for _, r in ordered]
    records, taken = _records(shards)
    differing = _differences(shards)
    lines = [f"shards differ in {name}: {shown}" for name, shown in differing]
    differs = tuple(dict.fromkeys(name for name, _ in differing))
    first = shards[0]
    meta, info = _meta(first)
    runs = tuple(ShardRun(created_at=r.created_at, meta=_meta(r)[0], failure=r.failure,
                          verdict=r.verdict, records=taken[_meta(r)[1].index])
                 for r in shards)
    merged_notes = (
        f"merged from {len(shards)} of {info.count} shards of split {info.split} "
        f"({info.basis}, {info.total} modules): each module's record comes from the shard "
        "whose part held it, else from the lowest-numbered shard that loaded it",
        *notes, *lines, *_distinct(n for r in shards for n in _meta(r)[0].notes),
    )
    skipped: dict[str, SkippedModule] = {}
    for r in shards:
        for s in r.skipped:
            skipped.setdefault(s.name, s)
    report = Report(
        targets=first.targets, tool_version=first.tool_version,
        created_at=max(r.created_at for r in shards),
        meta=dataclasses.replace(meta, shard=None, shards=runs, notes=merged_notes,
                                 differs=differs,
                                 interrupted=next((_meta(r)[0].interrupted for r in shards
                                                   if _meta(r)[0].interrupted), None),
                                 heap_gaps=_distinct(g for r in shards
                                                     for g in _meta(r)[0].heap_gaps)),
        modules=records,
        failure=next((r.failure for r in shards if r.failure is not None), None),
        skipped=tuple(skipped.values()),
        graph=next((r.graph for r in shards if r.graph is not None), None),
        cycles=_distinct(c for r in shards for c in r.cycles),
        findings=_distinct(f for r in shards for f in r.findings),
    )
    return Merged(report, tuple(lines))
