"""`report merge` (`importaudit.merge`): shards of one split as one report, losslessly."""

from __future__ import annotations

import dataclasses

import pytest

from importaudit.errors import UsageError
from importaudit.merge import MEASURED_NOTES, merge
from importaudit.model import (
    ChildFailure,
    ModuleRecord,
    Report,
    RunMeta,
    ShardInfo,
    SkippedModule,
    report_from_dict,
    report_to_dict,
)
from importaudit.runtime.runner import collector_note

PARTS = (("pkg", "pkg.a"), ("pkg.b",), ("pkg.c",))
TOTAL = sum(len(p) for p in PARTS)


def shard(index: int, loaded: tuple[str, ...], *, count: int = 3, split_id: str = "s1",
          python_version: str = "3.12.1", notes: tuple[str, ...] = (),
          failure: ChildFailure | None = None,
          skipped: tuple[SkippedModule, ...] = ()) -> Report:
    """Shard `index`'s report: it loaded `loaded` (its part and what that imports)."""
    info = ShardInfo(index=index, count=count, split=split_id, basis="name", total=TOTAL,
                     modules=PARTS[index - 1], machine=f"host{index}")
    meta = RunMeta(python="/py", python_version=python_version, platform="linux",
                   mode="tree", repeats=3, notes=notes, shard=info)
    records = tuple(ModuleRecord(name=n, self_ns=1000 * index, cumulative_ns=1000 * index)
                    for n in loaded)
    return Report(targets=("pkg",), tool_version="1", created_at=f"2026-01-0{index}",
                  meta=meta, modules=records, failure=failure, skipped=skipped)


def named(*reports: Report) -> list[tuple[str, Report]]:
    return [(f"shard{i}.json", r) for i, r in enumerate(reports, 1)]


def test_each_record_comes_from_its_owner_else_the_first_shard_that_loaded_it() -> None:
    # shard 1 loaded pkg.b as a dependency of pkg.a; shard 2 owns it. Both loaded json.
    merged = merge(named(shard(1, ("pkg", "pkg.a", "pkg.b", "json")),
                         shard(2, ("pkg", "pkg.b", "json")),
                         shard(3, ("pkg", "pkg.c", "re")))).report
    source = {m.name: m.shard for m in merged.modules}
    assert source == {"pkg": 1, "pkg.a": 1, "json": 1, "pkg.b": 2, "pkg.c": 3, "re": 3}
    # the record is the owner's own measurement, not shard 1's of the same module
    by_name = {m.name: m for m in merged.modules}
    assert by_name["pkg.b"].self_ns == 2000
    assert [run.records for run in merged.meta.shards] == [3, 1, 2]  # type: ignore[union-attr]


def test_each_shards_note_on_the_collectors_pauses_is_kept_not_compared() -> None:
    paused = (ModuleRecord("pkg.a", self_ns=4_000_000, gc_ns=3_000_000,
                           full_collections=1),)
    note = collector_note(paused)
    assert note is not None and note.startswith(MEASURED_NOTES)
    merged = merge(named(shard(1, PARTS[0], notes=(note,)), shard(2, PARTS[1]),
                         shard(3, PARTS[2])))
    # What shard 1 measured of its own modules, not a condition it ran under.
    assert note in merged.report.meta.notes  # type: ignore[union-attr]
    assert "notes" not in merged.report.meta.differs  # type: ignore[union-attr]


def test_the_merge_keeps_every_shards_metadata_failure_and_notes() -> None:
    crash = ChildFailure("signal", "killed", module="pkg.c")
    skip = SkippedModule("pkg.win", "platform", "Windows only", "ImportError: no")
    merged = merge(named(shard(1, PARTS[0], notes=("one",), skipped=(skip,)),
                         shard(2, PARTS[1], notes=("two",), skipped=(skip,)),
                         shard(3, PARTS[2], failure=crash)))
    report = merged.report
    assert report.failure == crash
    assert report.skipped == (skip,)
    assert report.meta is not None and report.meta.shard is None
    assert [r.meta.shard.machine for r in report.meta.shards] == [  # type: ignore[union-attr]
        "host1", "host2", "host3"]
    assert [r.failure for r in report.meta.shards] == [None, None, crash]
    assert {"one", "two"} <= set(report.meta.notes)
    # machines always differ here: flagged in the report and returned for stderr
    assert "machine" in report.meta.differs
    assert any(line.startswith("shards differ in machine: 1: host1; 2: host2")
               for line in merged.differences)
    # notes are compared one by one: each names the shards that have it
    assert {"shards differ in notes: shard 1 only: one",
            "shards differ in notes: shard 2 only: two"} <= set(merged.differences)
    assert report.meta.differs.count("notes") == 1
    # and all of it survives the JSON round trip
    assert report_from_dict(report_to_dict(report)) == report


def test_a_different_interpreter_is_flagged() -> None:
    merged = merge(named(shard(1, PARTS[0]), shard(2, PARTS[1], python_version="3.11.9"),
                         shard(3, PARTS[2])))
    meta = merged.report.meta
    assert meta is not None and "python_version" in meta.differs
    assert "shards differ in python_version: 1: 3.12.1; 2: 3.11.9; 3: 3.12.1" in meta.notes


def test_shards_are_merged_in_index_order_whatever_order_they_are_given() -> None:
    one = merge(named(shard(1, PARTS[0]), shard(2, PARTS[1]), shard(3, PARTS[2]))).report
    other = merge(named(shard(3, PARTS[2]), shard(1, PARTS[0]), shard(2, PARTS[1]))).report
    assert one.modules == other.modules


def test_a_missing_shard_is_an_error_unless_partial() -> None:
    with pytest.raises(UsageError, match="shard 2 of 3 missing"):
        merge(named(shard(1, PARTS[0]), shard(3, PARTS[2])))
    report = merge(named(shard(1, PARTS[0] + ("pkg.b",)), shard(3, PARTS[2])),
                   partial=True).report
    assert report.meta is not None
    assert "partial merge: shard 2 of 3 missing" in report.meta.notes
    # its owner is missing: the record of pkg.b comes from the shard that loaded it
    assert {m.name: m.shard for m in report.modules}["pkg.b"] == 1


def test_a_repeated_shard_is_an_error_unless_partial() -> None:
    reports = named(shard(1, PARTS[0]), shard(2, PARTS[1]), shard(2, PARTS[1]),
                    shard(3, PARTS[2]))
    with pytest.raises(UsageError, match="shard 2 given more than once"):
        merge(reports)
    assert len(merge(reports, partial=True).report.meta.shards) == 3  # type: ignore[union-attr]


def test_reports_of_another_split_or_no_shard_are_refused() -> None:
    with pytest.raises(UsageError, match="not shards of one split"):
        merge(named(shard(1, PARTS[0]), shard(2, PARTS[1], split_id="other"),
                    shard(3, PARTS[2])))
    with pytest.raises(UsageError, match="not shards of one split"):
        merge(named(shard(1, PARTS[0]), shard(2, PARTS[1], count=4)))
    plain = dataclasses.replace(shard(2, PARTS[1]), meta=RunMeta("/py", "3", "linux"))
    with pytest.raises(UsageError, match=r"shard2\.json: not the report of a shard"):
        merge(named(shard(1, PARTS[0]), plain))
    other_targets = dataclasses.replace(shard(2, PARTS[1]), targets=("other",))
    with pytest.raises(UsageError, match="not shards of one split"):
        merge(named(shard(1, PARTS[0]), other_targets, shard(3, PARTS[2])))


def test_the_terminal_header_names_the_shard_and_the_merged_shards() -> None:
    import io

    from importaudit.render import RenderOptions, get_renderer

    def header(report: Report) -> str:
        stream = io.StringIO()
        get_renderer("tree")(report, stream, RenderOptions(view="tree", color=None))
        return stream.getvalue()

    one = shard(2, PARTS[1])
    assert "shard 2/3 of split s1 (name): 1 of 4 modules, on host2" in header(one)
    merged = merge(named(shard(1, PARTS[0]), one, shard(3, PARTS[2]))).report
    assert "merged from 3 shards (1: host1, 2: host2, 3: host3)" in header(merged)
