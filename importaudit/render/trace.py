"""Chrome trace-event renderer: the import timeline for chrome://tracing and Perfetto.

One complete ("X") event per module, nested by first load, on the thread that
imported it. Start offsets come from the profile (`ModuleRecord.start_ns`, medians
over the runs) when it has them. A profile without them (a `-X importtime` log, an
older report) gets a timeline reconstructed from load order and durations: children
in load order from their importer's start, the importer's own time after them; the
document says which (`otherData.timeline`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TextIO

from importaudit.views import build_tree

if TYPE_CHECKING:
    from importaudit.model import Report
    from importaudit.render import RenderOptions
    from importaudit.views import TreeNode

_PID = 1


def _us(ns: int) -> float:
    return round(ns / 1000, 3)


def _reconstructed(roots: tuple[TreeNode, ...]) -> dict[str, int]:
    """Start offsets laid out from load order and cumulative durations."""
    starts: dict[str, int] = {}
    cursor = 0
    pending: list[tuple[TreeNode, int]] = []
    for root in roots:
        pending.append((root, cursor))
        cursor += max(0, root.record.cumulative_ns)
    while pending:
        node, start = pending.pop()
        starts[node.record.name] = start
        child_start = start
        for child in node.children:
            pending.append((child, child_start))
            child_start += max(0, child.record.cumulative_ns)
    return starts


def trace_document(report: Report) -> dict[str, Any]:
    """The trace-event JSON of `report` as JSON-able data."""
    from importaudit._version import __version__

    tree = build_tree(report.modules)
    measured = [r for r in report.modules if not r.preloaded]
    timed = bool(measured) and all(r.start_ns is not None for r in measured)
    starts = ({r.name: r.start_ns or 0 for r in measured} if timed
              else _reconstructed(tree.roots))
    threads: dict[str, int] = {"MainThread": 0}
    events: list[dict[str, Any]] = [
        {"name": "process_name", "ph": "M", "pid": _PID, "tid": 0,
         "args": {"name": f"import {', '.join(report.targets)}"}},
    ]
    for record in sorted(measured, key=lambda r: (starts.get(r.name, 0), r.order)):
        thread = record.thread or "MainThread"
        tid = threads.setdefault(thread, len(threads))
        args: dict[str, Any] = {"self_ns": record.self_ns, "cumulative_ns": record.cumulative_ns,
                                "importer": record.importer}
        for key in ("heap_bytes", "self_heap_bytes", "rss_bytes", "origin", "error"):
            value = getattr(record, key)
            if value is not None:
                args[key] = value
        events.append({
            "name": record.name, "cat": "import", "ph": "X", "pid": _PID, "tid": tid,
            "ts": _us(starts.get(record.name, 0)), "dur": _us(max(0, record.cumulative_ns)),
            "args": args,
        })
    events += [{"name": "thread_name", "ph": "M", "pid": _PID, "tid": tid,
                "args": {"name": name}} for name, tid in threads.items()]
    return {
        "traceEvents": events,
        "displayTimeUnit": "ms",
        "otherData": {
            "tool": f"importaudit {__version__}",
            "targets": list(report.targets),
            "timeline": "measured" if timed else "reconstructed",
        },
    }


def render(report: Report, stream: TextIO, options: RenderOptions) -> None:
    """Write `report`'s import timeline as Chrome trace-event JSON."""
    json.dump(trace_document(report), stream, separators=(",", ":"))
    stream.write("\n")
