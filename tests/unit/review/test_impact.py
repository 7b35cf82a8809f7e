"""Severity graded from measured impact, and subtree costs of the first-load tree."""

from __future__ import annotations

from review_samples import shop_modules

from importaudit.model import Impact, Severity
from importaudit.review.impact import LoadTree, add_impacts, severity_of, subtract_impact

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


def test_closure_follows_imports_and_parent_packages() -> None:
    tree = LoadTree(shop_modules())
    utils = {"shop_utils", *(f"shop_utils.{m}" for m in
                             ["text", "timing", "retry", "money", "dates", "audit"])}
    # a submodule needs its parent package, and the package's __init__ imports all of it
    assert tree.closure(["shop_utils.text"]) == utils
    # excluded modules (the importer's own package, which runs anyway) are not followed
    assert tree.closure(["shop.orders"], ["shop"]) == {
        "shop.orders", "shop.billing", "sqlite3", *utils}
    assert tree.closure(["missing"]) == frozenset()
    assert tree.standalone(["shop_utils.text"]).modules == len(utils)
    assert tree.standalone(["missing"]) == Impact(0, None, None, 0)
