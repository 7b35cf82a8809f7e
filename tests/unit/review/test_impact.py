"""Severity graded from measured impact, and impacts added and subtracted."""

from __future__ import annotations

from importaudit.model import Impact, Severity
from importaudit.review.impact import add_impacts, severity_of, subtract_impact

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
