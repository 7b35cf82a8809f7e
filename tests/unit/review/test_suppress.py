"""Suppressions by comment and by config, and the report of those that match nothing."""

from __future__ import annotations

import dataclasses
import shutil
from typing import TYPE_CHECKING

from review_samples import FIXTURES

from importaudit.review import run_review
from importaudit.review.context import ReviewSettings

if TYPE_CHECKING:
    from pathlib import Path

    from importaudit.model import Report


def _move(report: Report, root: Path) -> Report:
    """The report with every shop module's origin pointing into a copy under `root`."""
    old = str(FIXTURES / "shop")
    new = str(root / "shop")
    modules = tuple(dataclasses.replace(r, origin=r.origin.replace(old, new))
                    if r.origin and r.origin.startswith(old) else r for r in report.modules)
    return dataclasses.replace(report, modules=modules, graph=None)


def test_inline_comment_silences_that_line_only(shop_report: Report, tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "shop", tmp_path / "shop")
    billing = tmp_path / "shop" / "billing.py"
    billing.write_text(billing.read_text().replace(
        "# importaudit: ignore[IA999]", "# importaudit: ignore[IA601]"))
    result = run_review(_move(shop_report, tmp_path))
    codes = {(f.code, f.module) for f in result.findings}
    assert ("IA601", "shop.billing") not in codes
    assert [(f.code, s.line) for f, s in result.suppressed] == [("IA601", 7)]
    assert not [f for f in result.findings if f.code == "IA001"]


def test_unknown_code_in_comment_is_reported(shop_report: Report) -> None:
    findings = run_review(shop_report).findings
    [stale] = [f for f in findings if f.code == "IA001"]
    assert "IA999" in stale.message and stale.line == 7
    assert stale.file is not None and stale.file.endswith("billing.py")
    # the real finding on that line is not silenced by a comment for another code
    assert any(f.code == "IA601" for f in findings)


def test_comment_that_no_longer_matches_is_reported(shop_report: Report,
                                                    tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "shop", tmp_path / "shop")
    catalog = tmp_path / "shop" / "catalog.py"
    catalog.write_text(catalog.read_text().replace(
        "class Catalog:", "class Catalog:  # importaudit: ignore[IA401]"))
    findings = run_review(_move(shop_report, tmp_path)).findings
    stale = [f for f in findings if f.code == "IA001" and "IA401" in f.message]
    assert stale and "matched no finding" in stale[0].message


def test_config_entries_by_code_and_module_pattern(shop_report: Report) -> None:
    settings = ReviewSettings(ignore=("IA301", "IA6*:shop.*", "IA102:shop.reports",
                                      "IA201:elsewhere.*"))
    result = run_review(shop_report, settings)
    codes = {f.code for f in result.findings}
    assert "IA301" not in codes and "IA102" not in codes
    assert "IA601" in codes  # "IA6*" is not a code: codes match exactly
    stale = {f.message for f in result.findings if f.code == "IA001"}
    assert any("IA201:elsewhere.*" in m and "matched no finding" in m for m in stale)
    assert any("IA6*" in m and "unknown rule code" in m for m in stale)


def test_suppressions_of_rules_that_did_not_run_are_not_stale(shop_report: Report) -> None:
    settings = ReviewSettings(select=frozenset({"IA602"}),
                              ignore=("IA601", "IA602:elsewhere.*", "IA000"))
    stale = {f.message for f in run_review(shop_report, settings).findings
             if f.code == "IA001"}
    assert not any("`IA601`" in m for m in stale)  # IA601 did not run: not put to the test
    assert any("IA602:elsewhere.*" in m and "matched no finding" in m for m in stale)
    assert any("IA000" in m and "unknown rule code" in m for m in stale)
