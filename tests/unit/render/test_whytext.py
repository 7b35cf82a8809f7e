"""Output of `importaudit why`: chains as text and JSON, and the not-imported cases."""

from __future__ import annotations

import dataclasses
import io
import json

import pytest

from importaudit import views
from importaudit.errors import UsageError
from importaudit.model import ChildFailure, ModuleRecord, Report
from importaudit.render.whytext import render_why

MS = 1_000_000


def _report(failure: ChildFailure | None = None) -> Report:
    """app -> core -> heavy (first load), app -> util -> heavy (cache hit); os preloaded."""
    return Report(
        targets=("app",), tool_version="t", created_at="2026-01-01T00:00:00+00:00",
        failure=failure,
        modules=(
            ModuleRecord("os", preloaded=True, importers=("util",)),
            ModuleRecord("app", order=1, cumulative_ns=50 * MS, heap_bytes=900 * 1024),
            ModuleRecord("core", "app", ("app",), 2, cumulative_ns=30 * MS,
                         heap_bytes=600 * 1024),
            ModuleRecord("heavy", "core", ("core", "util"), 3, cumulative_ns=20 * MS,
                         heap_bytes=500 * 1024),
            ModuleRecord("util", "app", ("app",), 4, cumulative_ns=5 * MS, heap_bytes=None),
            ModuleRecord("threaded", None, (), 5, cumulative_ns=1 * MS, thread="worker"),
        ),
    )


def _text(module: str, report: Report | None = None) -> str:
    stream = io.StringIO()
    render_why(views.answer_why(report or _report(), module), stream, "text")
    return stream.getvalue()


def _threaded_imported_by(importer: str, *extra: ModuleRecord) -> Report:
    """`_report()` with `threaded` imported by `importer`, plus the `extra` records."""
    report = _report()
    modules = tuple(dataclasses.replace(m, importer=importer) if m.name == "threaded" else m
                    for m in report.modules)
    return dataclasses.replace(report, modules=modules + extra)


def test_text_lists_chains_shortest_first_with_cost() -> None:
    lines = _text("heavy").splitlines()
    assert lines[0] == "heavy was imported (20.0 ms cumulative, heap 500 KiB)."
    assert lines[1] == "2 chains from app, the one that loaded it, then the others shortest first:"
    assert lines[2] == "  1. app -> core -> heavy"
    assert lines[3] == "     first load; through core: 30.0 ms and 600 KiB heap cumulative"
    assert lines[4] == "  2. app -> util -> heavy"
    assert lines[5] == "     already loaded at util -> heavy; through util: 5.00 ms cumulative"


def test_the_chain_that_loaded_it_comes_first_however_long() -> None:
    """seaborn's shape: the shortest chains to numpy only found it loaded already."""
    report = _report()
    modules = (*(m for m in report.modules if m.name != "heavy"),
               ModuleRecord("deep", "core", ("core",), 6, cumulative_ns=25 * MS),
               ModuleRecord("heavy", "deep", ("deep", "util"), 7, cumulative_ns=20 * MS))
    lines = _text("heavy", dataclasses.replace(report, modules=modules)).splitlines()
    assert lines[2] == "  1. app -> core -> deep -> heavy"
    assert lines[3].startswith("     first load;")
    assert lines[4] == "  2. app -> util -> heavy"
    assert lines[5].startswith("     already loaded at util -> heavy;")


def test_the_chain_that_loaded_it_is_listed_past_the_limit() -> None:
    report = _report()
    modules = (*(m for m in report.modules if m.name != "heavy"),
               ModuleRecord("deep", "core", ("core",), 6, cumulative_ns=25 * MS),
               ModuleRecord("heavy", "deep", ("deep", "util"), 7, cumulative_ns=20 * MS))
    answer = views.answer_why(dataclasses.replace(report, modules=modules), "heavy", limit=1)
    assert [c.modules for c in answer.chains] == [("app", "core", "deep", "heavy")]
    assert answer.truncated


def test_text_for_a_target_itself() -> None:
    text = _text("app")
    assert "  1. app\n" in text
    assert "a target itself; 50.0 ms and 900 KiB heap cumulative" in text


def test_text_when_not_imported() -> None:
    assert _text("numpy") == "numpy was not imported by app.\n"


def test_text_for_preloaded_modules_and_their_hits() -> None:
    text = _text("os")
    assert "os was already loaded before measurement (interpreter start-up)" in text
    assert "  1. app -> util -> os" in text
    assert "already loaded at util -> os" in text


def test_text_when_no_chain_reaches_a_measured_module() -> None:
    # loaded during measurement by code of a preloaded module no target imported
    report = _threaded_imported_by("codecs", ModuleRecord("codecs", preloaded=True))
    text = _text("threaded", report)
    assert "No chain from app reaches it (loaded by codecs, which the targets did not" in text


def test_chains_pass_through_preloaded_modules_the_targets_imported() -> None:
    text = _text("threaded", _threaded_imported_by("os"))
    assert "  1. app -> util -> os -> threaded" in text
    assert "already loaded at util -> os" in text


def test_text_for_a_root_loaded_by_unmeasured_code() -> None:
    text = _text("threaded", _threaded_imported_by("__main__"))
    assert "  1. threaded\n     imported by __main__, outside the measured modules" in text


def test_text_warns_when_the_child_failed() -> None:
    failure = ChildFailure(kind="import-error", message="ValueError: boom", module="util")
    text = _text("heavy", _report(failure))
    assert "note: the child failed (import-error while importing util: ValueError: boom)" in text


def test_json_carries_edges_costs_and_facts() -> None:
    stream = io.StringIO()
    render_why(views.answer_why(_report(), "heavy"), stream, "json")
    data = json.loads(stream.getvalue())
    assert data["module"] == "heavy"
    assert data["imported"] is True
    assert data["preloaded"] is False
    assert data["cumulative_ns"] == 20 * MS
    first, second = data["chains"]
    assert first["modules"] == ["app", "core", "heavy"]
    assert first["first_load"] is True
    assert (first["entry"], first["cost_ns"]) == ("core", 30 * MS)
    assert second["edges"] == [
        {"importer": "app", "imported": "util", "cached": False, "kind": "load"},
        {"importer": "util", "imported": "heavy", "cached": True, "kind": "hit"},
    ]
    assert data["loaded_by"] == ["app", "core", "heavy", "util"]
    assert data["truncated"] is False
    assert data["failure"] is None


def test_json_for_a_module_never_seen() -> None:
    stream = io.StringIO()
    render_why(views.answer_why(_report(), "numpy"), stream, "json")
    data = json.loads(stream.getvalue())
    assert data["imported"] is False
    assert data["chains"] == []


def test_other_formats_are_refused() -> None:
    with pytest.raises(UsageError, match="not 'html'"):
        render_why(views.answer_why(_report(), "heavy"), io.StringIO(), "html")
