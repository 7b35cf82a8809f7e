"""Baselines: round trip, older-format migration, newer-format refusal, and the diff."""

from __future__ import annotations

import dataclasses
import io
import json

import pytest
from gate_samples import MS, cycle, edge, pkg_records, rec, report

from importaudit import baseline
from importaudit.errors import EXIT_USAGE, SchemaVersionError, UsageError
from importaudit.model import SCHEMA_VERSION, Verdict
from importaudit.render import RenderOptions
from importaudit.render.json import render as render_json

AB = cycle(edge("pkg.a", "pkg.b"), edge("pkg.b", "pkg.a"))
CD = cycle(edge("pkg.c", "pkg.d"), edge("pkg.d", "pkg.c"))


def test_round_trip_keeps_the_report_and_drops_the_verdict(tmp_path):
    original = dataclasses.replace(report(*pkg_records(), cycles=(AB,)),
                                   verdict=Verdict(passed=True))
    path = tmp_path / "deep" / "er" / "baseline.json"
    saved = baseline.save(original, path, saved_at="2024-05-01T10:00:00+00:00",
                          git_commit="abc123")
    loaded = baseline.load(path)
    assert loaded == saved
    assert loaded.report == dataclasses.replace(original, verdict=None)
    assert (loaded.saved_at, loaded.git_commit, loaded.migrated_from) == (
        "2024-05-01T10:00:00+00:00", "abc123", None)
    data = json.loads(path.read_text())
    assert (data["format"], data["baseline_version"]) == ("importaudit-baseline", 2)
    assert [p.name for p in path.parent.iterdir()] == ["baseline.json"]  # no temp file left


def test_saving_replaces_the_old_file_atomically(tmp_path):
    path = tmp_path / "b.json"
    baseline.save(report(rec("pkg", ms=1)), path, saved_at="t1")
    baseline.save(report(rec("pkg", ms=2)), path, saved_at="t2")
    assert baseline.load(path).report.modules[0].cumulative_ns == 2 * MS


def test_a_bare_saved_report_is_migrated_from_format_1(tmp_path):
    original = report(*pkg_records())
    stream = io.StringIO()
    render_json(original, stream, RenderOptions())
    path = tmp_path / "old.json"
    path.write_text(stream.getvalue())
    loaded = baseline.load(path)
    assert loaded.migrated_from == 1
    assert loaded.version == baseline.BASELINE_VERSION
    assert loaded.report == original
    assert loaded.saved_at == original.created_at


def test_newer_baseline_format_is_refused(tmp_path):
    path = tmp_path / "new.json"
    baseline.save(report(rec("pkg")), path, saved_at="t")
    data = json.loads(path.read_text())
    data["baseline_version"] = 99
    path.write_text(json.dumps(data))
    with pytest.raises(SchemaVersionError, match="baseline format 99 is newer"):
        baseline.load(path)


def test_newer_report_schema_inside_is_refused(tmp_path):
    path = tmp_path / "new.json"
    baseline.save(report(rec("pkg")), path, saved_at="t")
    data = json.loads(path.read_text())
    data["report"]["schema_version"] = SCHEMA_VERSION + 1
    path.write_text(json.dumps(data))
    with pytest.raises(SchemaVersionError, match=f"{path}: report has schema_version") as exc:
        baseline.load(path)
    assert exc.value.exit_status == EXIT_USAGE


def _damaged(path, change) -> None:
    baseline.save(report(rec("pkg", ms=3), rec("pkg.core", "pkg", ms=1)), path,
                  saved_at="t")
    data = json.loads(path.read_text())
    change(data["report"])
    path.write_text(json.dumps(data))


@pytest.mark.parametrize(("change", "message"), [
    (lambda r: r["modules"][0].update(cumulative_ns=-5),
     "module 'pkg': cumulative_ns -5 is not a time from 0 to a day"),
    (lambda r: r["modules"][0].update(self_ns=10**30),  # would switch the time check off
     "module 'pkg': self_ns 1000000000000000000000000000000 is not a time"),
    (lambda r: r["modules"][0].update(cumulative_ns=1e30),
     "report.modules.0..cumulative_ns: expected int, got float"),
    (lambda r: r["modules"][1].update(runs=True), "runs: expected int, got bool"),
    (lambda r: r["modules"][1].update(runs=-1), "module 'pkg.core': runs -1 is negative"),
    (lambda r: r["modules"].append(r["modules"][1]), "module 'pkg.core' has two records"),
    (lambda r: r["modules"][0].update(heap_bytes=2**60), "heap_bytes .* bytes is out of range"),
    (lambda r: r.update(meta={"python": "p", "python_version": "3", "platform": "x",
                              "wall_ns": -1}), "meta: wall_ns -1 is not a time"),
])
def test_implausible_baselines_are_refused_in_one_line(tmp_path, change, message):
    path = tmp_path / "b.json"
    _damaged(path, change)
    with pytest.raises(SchemaVersionError, match=message) as exc:
        baseline.load(path)
    assert exc.value.exit_status == EXIT_USAGE
    assert "\n" not in str(exc.value)


def test_memory_that_shrank_is_plausible(tmp_path):
    path = tmp_path / "b.json"
    _damaged(path, lambda r: r["modules"][1].update(rss_bytes=-4096, self_heap_bytes=-100))
    assert baseline.load(path).report.modules[1].rss_bytes == -4096


@pytest.mark.parametrize(("text", "message"), [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "not an importaudit baseline or report"),
    ('{"format": "other"}', "not an importaudit baseline or report"),
    ('{"saved_at": "\udcff"}', "not valid JSON"),  # a byte that is not UTF-8
])
def test_unreadable_baselines_are_usage_errors(tmp_path, text, message):
    path = tmp_path / "b.json"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    with pytest.raises(UsageError, match=message):
        baseline.load(path)


def test_missing_baseline_says_how_to_make_one(tmp_path):
    with pytest.raises(UsageError, match="save one with `importaudit baseline save`"):
        baseline.load(tmp_path / "none.json")


def test_diff_deltas_new_and_removed_modules_and_cycles():
    old = report(*pkg_records(extra=(rec("gone", "pkg", ms=3.0, order=3),)), cycles=(AB,))
    new_records = (
        rec("pkg", ms=36.0, self_ms=1.0, heap=1_000_000),
        rec("pkg.core", "pkg", ms=31.0, heap=600_000, order=1),
        rec("pkg.util", "pkg.core", ms=2.0, heap=100_000, order=2),
        rec("json", "pkg.core", ms=12.0, order=3),
        rec("site", preloaded=True),
    )
    diff = baseline.diff(old, report(*new_records, cycles=(CD,)))
    assert diff.new_modules == ("json",)
    assert diff.removed_modules == ("gone",)
    assert [d.name for d in diff.modules[:3]] == ["pkg", "pkg.core", "json"]
    core = diff.modules[1]
    assert core.status == "both"
    assert core.cumulative_delta_ns == 15 * MS
    assert core.heap_delta_bytes == 100_000
    assert next(d for d in diff.modules if d.name == "json").status == "new"
    assert next(d for d in diff.modules if d.name == "gone").cumulative_delta_ns == -3 * MS
    assert "site" not in {d.name for d in diff.modules}
    assert diff.new_cycles == (CD,)
    assert diff.fixed_cycles == (AB,)


def test_a_cycle_that_grew_is_new_and_one_that_shrank_is_not():
    big = cycle(edge("pkg.a", "pkg.b"), edge("pkg.b", "pkg.c"), edge("pkg.c", "pkg.a"))
    assert baseline.diff(report(cycles=(AB,)), report(cycles=(big,))).new_cycles == (big,)
    shrank = baseline.diff(report(cycles=(big,)), report(cycles=(AB,)))
    assert (shrank.new_cycles, shrank.fixed_cycles) == ((), ())


def test_the_diff_header_counts_the_modules_the_verdict_counts():
    from importaudit.render.terminal_diff import render_diff

    startup = tuple(rec(f"startup{i}", preloaded=True) for i in range(5))
    old = report(*startup, *pkg_records())
    new = report(*startup, *pkg_records(extra=(rec("json", "pkg.util", order=3),)))
    stream = io.StringIO()
    render_diff(baseline.diff(old, new), stream, RenderOptions())
    header = stream.getvalue().splitlines()[1:3]
    assert header == [
        "  old: 2024-01-01T00:00:00+00:00 (3 modules loaded, 5 preloaded at start-up not "
        "counted)",
        "  new: 2024-01-01T00:00:00+00:00 (4 modules loaded, 5 preloaded at start-up not "
        "counted)",
    ]
