"""speedscope and Chrome trace-event output of the import tree / timeline."""

from __future__ import annotations

import dataclasses
import io
import json
from typing import TYPE_CHECKING

from importaudit.render import RenderOptions, get_renderer
from importaudit.render.speedscope import speedscope_document
from importaudit.render.trace import trace_document

if TYPE_CHECKING:
    from importaudit.model import Report


def test_speedscope_stacks_follow_first_load(report: Report) -> None:
    doc = speedscope_document(report)
    assert doc["$schema"] == "https://www.speedscope.app/file-format-schema.json"
    frames = [f["name"] for f in doc["shared"]["frames"]]
    assert "sys" not in frames and len(frames) == 7  # preloaded modules are not attributed
    time, heap = doc["profiles"]
    assert time["unit"] == "nanoseconds" and heap["unit"] == "bytes"
    stacks = {frames[s[-1]]: [frames[i] for i in s] for s in time["samples"]}
    assert stacks["app.core.heavy"] == ["app", "app.core", "app.core.heavy"]
    assert stacks["json"] == ["app", "app.util", "json"]
    measured = [m for m in report.modules if not m.preloaded]
    assert sum(time["weights"]) == sum(m.self_ns for m in measured) == time["endValue"]
    assert len(time["samples"]) == len(time["weights"]) == len(measured)


def test_speedscope_without_heap_has_one_profile(make_report) -> None:  # type: ignore[no-untyped-def]
    assert len(speedscope_document(make_report(memory=False))["profiles"]) == 1


def test_trace_reconstructs_nested_timeline_without_offsets(report: Report) -> None:
    doc = trace_document(report)
    assert doc["otherData"]["timeline"] == "reconstructed"
    spans = {e["name"]: (e["ts"], e["ts"] + e["dur"]) for e in doc["traceEvents"]
             if e["ph"] == "X"}
    assert len(spans) == 7
    app, core, heavy, util = spans["app"], spans["app.core"], spans["app.core.heavy"], \
        spans["app.util"]
    assert app[0] <= core[0] and core[1] <= app[1]  # children inside their importer
    assert core[0] <= heavy[0] and heavy[1] <= core[1]
    assert core[1] <= util[0]  # siblings in load order, not overlapping


def test_trace_uses_measured_offsets(report: Report) -> None:
    timed = dataclasses.replace(report, modules=tuple(
        dataclasses.replace(m, start_ns=1000 * (m.order + 1)) for m in report.modules))
    doc = trace_document(timed)
    assert doc["otherData"]["timeline"] == "measured"
    app = next(e for e in doc["traceEvents"] if e.get("name") == "app")
    assert app["ts"] == 3.0 and app["dur"] == 50_200.0 and app["tid"] == 0
    assert app["args"]["heap_bytes"] == 900 * 1024


def test_trace_names_threads(report: Report) -> None:
    threaded = dataclasses.replace(report, modules=tuple(
        dataclasses.replace(m, thread="worker") if m.name == "json" else m
        for m in report.modules))
    doc = trace_document(threaded)
    names = {e["args"]["name"]: e["tid"] for e in doc["traceEvents"]
             if e["name"] == "thread_name"}
    assert names == {"MainThread": 0, "worker": 1}


def test_both_formats_are_registered_and_valid_json(report: Report) -> None:
    for fmt in ("speedscope", "trace"):
        out = io.StringIO()
        get_renderer(fmt)(report, out, RenderOptions())
        assert json.loads(out.getvalue())
