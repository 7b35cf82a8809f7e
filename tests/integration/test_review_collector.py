"""IA602 judges a module body on its own computation, not the garbage collector's pauses."""

from __future__ import annotations

from pathlib import Path

from importaudit import api

PAUSES = Path(__file__).resolve().parents[1] / "fixtures" / "review" / "pauses"


def test_a_full_collection_in_a_cheap_body_is_not_its_computation() -> None:
    # pauses.parser computes about a millisecond, but the full collection its
    # allocations set off walks the 400,000 records pauses.heap left: tens of ms of
    # CPU inside its body in every run of the tree (the import order repeats).
    report = api.review([str(PAUSES)], api.ReviewOptions(
        measure=api.Measure(repeat=1, memory=False), select=("IA602",)))
    assert report.failure is None, report.failure
    # The body is judged without the collection: no finding for parser.
    assert "pauses.parser" not in {f.module for f in report.findings}
    # The collection is charged to the body it ran in, and said in the notes.
    parser = next(m for m in report.modules if m.name == "pauses.parser")
    assert parser.full_collections == 1
    assert parser.gc_cpu_ns is not None and parser.gc_cpu_ns > 0
    assert parser.self_cpu_ns is not None and parser.self_cpu_ns >= parser.gc_cpu_ns
    assert report.meta is not None
    # (Which pause was the largest, parser's or the collection heap asks for, is a
    # matter of time.)
    assert [n for n in report.meta.notes if n.startswith("garbage collector pauses: ")]
