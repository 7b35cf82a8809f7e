"""Severity graded from measured impact, and impacts added and subtracted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from importaudit.model import Impact, Severity
from importaudit.review.context import ReviewContext
from importaudit.review.impact import add_impacts, severity_of, subtract_impact

if TYPE_CHECKING:
    from importaudit.model import Report

MS = 1_000_000
MIB = 1024 * 1024


def test_severity_is_the_highest_grade_of_any_dimension() -> None:
    assert severity_of(Impact()) == Severity.INFO
    assert severity_of(Impact(time_ns=MS // 2)) == Severity.INFO
    assert severity_of(Impact(time_ns=2 * MS)) == Severity.LOW
    assert severity_of(Impact(time_ns=2 * MS, heap_bytes=20 * MIB)) == Severity.HIGH
    assert severity_of(Impact(modules=250)) == Severity.CRITICAL
    assert severity_of(Impact(rss_bytes=10 * MIB)) == Severity.MEDIUM


def test_impacts_add_and_subtract_without_inventing_values() -> None:
    total = add_impacts([Impact(1, None, None, 2), Impact(3, None, None, 1)])
    assert total == Impact(4, None, None, 3)
    assert subtract_impact(Impact(5, 10, None, 3), Impact(7, 4, 9, 1)) == Impact(0, 6, None, 2)


def test_a_regraded_finding_keeps_its_hazard_floor(shop_report: Report) -> None:
    # group_shared_costs regrades a shared finding on what its fix can save; a failing
    # cycle (IA201's HIGH floor) stays HIGH however little breaking it saves.
    ctx = ReviewContext(shop_report)
    big = Impact(None, 70 * 1024 * 1024, None, 300)
    small = Impact(None, 1024, None, 1)
    cycle = ctx.make_finding("IA201", "Import cycle", "shop.orders", "m", "f", impact=big,
                             line=3, floor=Severity.HIGH)
    plain = ctx.make_finding("IA501", "Annotation import", "shop.orders", "m", "f",
                             impact=big, line=4)
    assert cycle.severity == plain.severity == Severity.CRITICAL
    assert ctx.regrade(cycle, small).severity == Severity.HIGH
    regraded = ctx.regrade(plain, small)
    assert (regraded.severity, regraded.impact) == (Severity.INFO, small)


def test_a_shared_finding_is_graded_on_its_weightier_saving_not_its_module_count() -> None:
    # E's fix alone saves X and a 40 MiB H; with the others made it saves X and three
    # small modules Y also loads. Four modules must not outrank 40 MiB.
    import dataclasses

    from importaudit.loadgraph import LoadGraph
    from importaudit.model import Finding
    from importaudit.model.runtime import ModuleRecord
    from importaudit.review.impact import DEFAULT_SCALE, Claim, group_shared_costs

    def record(name: str, importer: str | None, importers: tuple[str, ...] = (),
               heap: int = 1000) -> ModuleRecord:
        return ModuleRecord(name=name, importer=importer, importers=importers,
                            self_heap_bytes=heap, heap_bytes=heap, self_ns=1000,
                            self_ns_min=1000)

    small = ("S1", "S2", "S3")
    graph = LoadGraph([record("E", None), record("X", "E"),
                       record("H", "X", heap=40 * 1024 * 1024), record("Y", "E"),
                       *(record(s, "X", ("X", "Y")) for s in small)], fastest=True)
    claims = {
        ("IA501", "E", 1): Claim("E", frozenset({("E", "X")}), frozenset({"X", "H"}),
                                 frozenset({"X", "H"})),
        ("IA101", "X", 2): Claim("X", frozenset({("X", "H")}), frozenset({"H"}),
                                 frozenset({"H"})),
        ("IA101", "Y", 3): Claim("Y", frozenset(("Y", s) for s in small), frozenset(small),
                                 frozenset()),
    }

    def graded(finding: Finding, impact: Impact) -> Finding:
        return dataclasses.replace(finding, impact=impact,
                                   severity=severity_of(impact, DEFAULT_SCALE))

    findings = [graded(Finding(code, "t", Severity.INFO, module, "m", "f", line=line),
                       graph.cost(claims[(code, module, line)].saved))
                for code, module, line in claims]
    regraded = group_shared_costs(graph, findings, claims, graded)
    assert findings[0].severity >= Severity.HIGH
    assert regraded[0].severity == findings[0].severity
