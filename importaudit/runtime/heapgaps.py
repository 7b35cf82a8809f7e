"""A heap run that did not finish: which modules it left without heap figures, and why.

The heap is measured in a run of its own, under tracemalloc, which slows
allocation-heavy code about 3x and some code far more: spacy's French tokenizer
exceptions take 75 s of CPU under it instead of 5, so the heap run ran out of its 120 s
though every time run had imported the whole tree in 9 s. The target imports fine;
what is missing is the heap of the modules the heap run had not finished. They get no
heap figures at all (a module in progress had measured only part of its heap), and a
`HeapGap` in the report's metadata says which they are and why, so that the gate
cannot mistake their missing figures for a heap run that was not asked for, nor a sum
over them for a whole one (`unmeasured`).

Whether the run was stuck or slow is told, where it can be, from the CPU time its
process had used when it was stopped: a body computing under tracemalloc keeps the CPU
busy, one blocked (on a lock, a socket, a sleep) leaves it idle. A loop that only
tracemalloc sets off looks like slowness; the note says so.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from importaudit.model import HeapGap

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from importaudit.model import ChildFailure, ModuleRecord, Report
    from importaudit.runtime.children import ChildRun

#: Stuck: the process used less CPU than this share of the time it spent in the module
#: (a lock wait uses none; start-up and the modules before it count against it).
_IDLE_SHARE = 0.15
#: Busy: even if everything before the module had used the CPU all along, the module
#: used at least this share of its time (a busy child got half a core on a machine
#: loaded twice over).
_BUSY_SHARE = 0.3


def heap_gap(heap_run: ChildRun, failure: ChildFailure,
             modules: Sequence[ModuleRecord]) -> HeapGap:
    """The gap a heap run that ended as `failure` leaves in the merged `modules`.

    Its modules are the ones it had not finished: in progress, or not reached. One its
    interpreter had loaded before measuring has no heap figures in any heap run,
    finished or not: what start-up loaded, and `_tracemalloc`, which the probe imports
    to trace after it listed those.
    """
    before = {*heap_run.start.preloaded, "_tracemalloc"}
    missing = tuple(m.name for m in modules
                    if m.heap_bytes is None and not m.preloaded and m.via is None
                    and m.name not in before)
    doing = heap_run.in_progress()
    begun = doing[-1].start_ns if doing else None
    elapsed = None
    if begun is not None and heap_run.wall_ns:
        elapsed = max(0, heap_run.wall_ns - begun)
    record = next((m for m in modules if m.name == failure.module), None)
    return HeapGap(kind=failure.kind, message=failure.message, modules=missing,
                   module=failure.module, elapsed_ns=elapsed,
                   time_ns=record.cumulative_ns if record is not None else None,
                   cpu_ns=heap_run.cpu_ns,
                   stalled=_stalled(heap_run.cpu_ns, elapsed, heap_run.wall_ns))


def _stalled(cpu: int | None, elapsed: int | None, wall: int) -> bool | None:
    """Stuck (True), computing (False), or cannot tell (None), from the CPU it used.

    A loaded machine gives a computing child less than a core (load 15 on 2 cores:
    about 13%), so "idle" is judged against the share it could have had then.
    """
    if cpu is None or not elapsed:
        return None
    if cpu < _IDLE_SHARE * _share() * elapsed:  # even all its CPU in the module: idle there
        return True
    before = max(0, wall - elapsed)  # what came before could have used at most this
    if cpu - before >= _BUSY_SHARE * elapsed:
        return False
    return None


def _share() -> float:
    """The share of a core a busy process gets on this machine now (1 when not loaded)."""
    try:
        load = os.getloadavg()[0]
    except OSError:  # (not on every platform)
        return 1.0
    cores = os.cpu_count() or 1
    return 1.0 if load <= cores else cores / load


#: How many of a gap's modules its note names (the report's `heap_gaps` has them all).
_NAMED = 5


def gap_note(gap: HeapGap, timeout: float | None) -> str:
    """What a report says of a gap: which modules, why, and the way out."""
    from importaudit.units import format_ns

    count = len(gap.modules)
    them, their = ("it", "its") if count == 1 else ("them", "their")
    shown = ", ".join(gap.modules[:_NAMED])
    shown += f" and {count - _NAMED} more" if count > _NAMED else ""
    head = (f"no heap figures for {count} module{'s' if count != 1 else ''} ({shown}): "
            f"the heap run (tracemalloc) {gap.message}")
    if gap.kind == "timeout":
        head += f", though the time runs imported {them}"
    where = gap.module or "the import"
    # (Never a run that sat idle: that is a hang, a failure, not a gap: `hang_failure`.)
    if gap.stalled is False:
        then = ""
        if gap.time_ns and gap.elapsed_ns:
            then = (f", which the time runs imported in {format_ns(gap.time_ns)} "
                    f"({gap.elapsed_ns / gap.time_ns:,.0f} times as long so far)")
        why = (f"; it was computing all along ({format_ns(gap.cpu_ns)} of CPU), "
               f"{format_ns(gap.elapsed_ns)} into {where}{then}: tracemalloc slows "
               "allocation-heavy code, many times over for some, though a loop that only "
               "tracemalloc sets off looks the same")
    else:
        why = "; whether it was stuck or slow could not be told"
    limit = f" (now {timeout:g} s)" if timeout else ""
    longer = f"a longer --timeout{limit} measures {them} if it is slow, "
    way = f"; {longer}--no-memory skips the heap run, and a check cannot judge {their} heap"
    return head + why + way


def hang_failure(gap: HeapGap, failure: ChildFailure) -> ChildFailure:
    """A heap run that sat idle when it ran out of time, as the failure it is: a hang.

    tracemalloc slows code, it does not block it; so a run that waited is stuck (a
    deadlock that strikes now and then), and no gap excuses it.
    """
    import dataclasses

    from importaudit.units import format_ns

    return dataclasses.replace(failure, message=(
        f"the heap run (tracemalloc) {failure.message}, sitting idle for most of the "
        f"{format_ns(gap.elapsed_ns)} it was in {gap.module or 'the import'} (it used "
        f"{format_ns(gap.cpu_ns)} of CPU in all): stuck, not slow, though the time runs "
        "imported it"))


def unmeasured(report: Report) -> dict[str, HeapGap]:
    """Each module of `report` a heap run left without heap figures, and its gap."""
    if report.meta is None:
        return {}
    return {name: gap for gap in report.meta.heap_gaps for name in gap.modules}


def why_unmeasured(names: Sequence[str], gaps: Mapping[str, HeapGap], *,
                   baseline: bool = False) -> str:
    """One line: which of `names` have no heap figures, why, and the way out.

    The reason is the first one's gap's (`baseline`: the gaps are the baseline's).
    """
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    gap = gaps[names[0]]
    way = ("save the baseline again with a longer --timeout" if baseline
           else "a longer --timeout measures it")
    where = " in the baseline" if baseline else ""
    return f"heap not measured{where} for {shown}: the heap run {gap.message}; {way}"
