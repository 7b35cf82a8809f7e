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
