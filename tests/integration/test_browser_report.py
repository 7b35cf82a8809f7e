"""The HTML report in a real headless Chromium: loads cleanly, draws, zooms, sorts, filters.

Needs Debian's `chromium` (installed by `.ci/run`). Outside CI a machine without it
skips these tests with the reason; in CI (CI=true) a missing browser is a failure.
The page is a real review of the `shop` fixture, measured by a child interpreter, with
a finding whose message is hostile HTML that must stay text. A screenshot of each page
is kept in tests/artifacts/.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from cdp import Browser, find_browser

from importaudit import api
from importaudit.model import Finding, Impact, Severity
from importaudit.render import RenderOptions
from importaudit.render.html import render, render_comparison

if TYPE_CHECKING:
    from collections.abc import Iterator

    from importaudit.model import Report

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
REVIEW_FIXTURES = ROOT / "tests" / "fixtures" / "review"
ARTIFACTS = ROOT / "tests" / "artifacts"
HOSTILE = '<img src=x onerror="window.__pwned = 1">'


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_browser()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs Debian's chromium")
        pytest.skip("no chromium on this machine (apt-get install chromium)")
    return path


@pytest.fixture(scope="module")
def shop_review() -> Report:
    report = api.review([str(REVIEW_FIXTURES / "shop")], repeat=1)
    hostile = Finding(code="IA401", title="Hostile text", severity=Severity.LOW,
                      module="shop.catalog", message=HOSTILE, fix=f"Fix {HOSTILE}",
                      impact=Impact())
    return dataclasses.replace(report, findings=(*report.findings, hostile))


@pytest.fixture
def browser(chromium: str, tmp_path: Path) -> Iterator[Browser]:
    instance = Browser(chromium, tmp_path / "profile")
    try:
        for domain in ("Runtime", "Log", "Page"):
            instance.call(f"{domain}.enable")
        yield instance
    finally:
        instance.close()


def open_page(browser: Browser, html: str, folder: Path) -> None:
    page = folder / "report.html"
    page.write_text(html, encoding="utf-8")
    browser.call("Page.navigate", url=page.as_uri())
    browser.wait_for("Page.loadEventFired")
    assert browser.evaluate("document.body.dataset.ready") == "true"


def screenshot(browser: Browser, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    shot = browser.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
    (ARTIFACTS / name).write_bytes(base64.b64decode(shot["data"]))


def html_of(report: Report) -> str:
    out = io.StringIO()
    render(report, out, RenderOptions())
    return out.getvalue()


def test_report_loads_draws_zooms_sorts_and_filters(
        browser: Browser, shop_review: Report, tmp_path: Path) -> None:
    open_page(browser, html_of(shop_review), tmp_path)
    # the chart draws one box per module of the import tree, under a synthetic root
    boxes = browser.evaluate("document.querySelectorAll('#ia-chart g.node').length")
    assert boxes >= 10
    assert browser.evaluate("document.getElementById('ia-chart').dataset.root") == "all imports"

    # a click on a module zooms into its subtree; a click on the top bar zooms out
    browser.click('#ia-chart g.node[data-name="shop.orders"] rect')
    assert browser.evaluate("document.getElementById('ia-chart').dataset.root") == "shop.orders"
    names = browser.evaluate(
        "[...document.querySelectorAll('#ia-chart g.node')].map(g => g.dataset.name)")
    assert "shop_utils" in names and "shop.reports" not in names
    crumbs = browser.evaluate(
        "[...document.querySelectorAll('#ia-crumbs button')].map(b => b.textContent)")
    assert crumbs == ["all imports", "shop", "shop.orders"]
    browser.click('#ia-chart g.node[data-name="shop.orders"] rect')
    assert browser.evaluate("document.getElementById('ia-chart').dataset.root") == "shop"

    # the chart switches to heap
    browser.click('#ia-metrics button[data-metric="1"]')
    assert browser.evaluate("document.getElementById('ia-chart').dataset.metric") == "heap"

    # the table sorts: by name ascending, then by self time descending
    browser.click('#ia-modules th[data-key="name"]')
    rows = browser.evaluate(
        "[...document.querySelectorAll('#ia-modules tbody tr')].map(r => r.dataset.name)")
    assert rows == sorted(rows) and len(rows) >= 10
    assert browser.evaluate(
        "document.querySelector('#ia-modules th[data-key=name]').getAttribute('aria-sort')"
    ) == "ascending"
    browser.click('#ia-modules th[data-key="self_ns"]')
    order = browser.evaluate(
        "[...document.querySelectorAll('#ia-modules tbody tr')].map(r => r.dataset.name)")
    selfs = {m.name: m.self_ns for m in shop_review.modules}
    values = [selfs[name] for name in order]
    assert values == sorted(values, reverse=True)

    # the filter narrows the rows
    browser.evaluate("(() => { const f = document.getElementById('ia-filter');"
                     " f.value = 'shop_utils'; f.dispatchEvent(new Event('input')); })()")
    shown = browser.evaluate(
        "[...document.querySelectorAll('#ia-modules tbody tr')].map(r => r.dataset.name)")
    assert shown and all("shop_utils" in n for n in shown)

    # findings with fixes are shown, and hostile text stayed text
    codes = browser.evaluate(
        "[...document.querySelectorAll('#ia-findings article')].map(a => a.dataset.code)")
    assert {"IA101", "IA102", "IA601"} <= set(codes)
    assert browser.evaluate("window.__pwned === undefined")
    assert browser.evaluate(f"document.body.textContent.includes({HOSTILE!r})")
    assert browser.evaluate("document.querySelectorAll('#ia-findings img').length") == 0

    browser.evaluate("(() => { const f = document.getElementById('ia-filter');"
                     " f.value = ''; f.dispatchEvent(new Event('input')); })()")
    screenshot(browser, "report.png")
    assert browser.errors() == []


def test_before_after_page(browser: Browser, shop_review: Report, tmp_path: Path) -> None:
    tidy = api.review([str(REVIEW_FIXTURES / "tidy")], repeat=1)
    out = io.StringIO()
    render_comparison(shop_review, tidy, out, labels=("shop", "tidy"))
    open_page(browser, out.getvalue(), tmp_path)
    assert browser.evaluate("document.getElementById('ia-compare').hidden") is False
    rows = browser.evaluate(
        "[...document.querySelectorAll('#ia-compare-table tbody tr')].map(r => r.dataset.name)")
    assert "shop" in rows
    resolved = browser.evaluate("document.querySelectorAll('#ia-resolved li').length")
    assert resolved >= 5
    # switching to one side shows its chart
    browser.click('#ia-reports button[data-report="1"]')
    assert browser.evaluate("document.getElementById('ia-single').hidden") is False
    assert browser.evaluate(
        "document.querySelector('#ia-chart g.node[data-name=\"tidy\"]') !== null")
    screenshot(browser, "report-before-after.png")
    assert browser.errors() == []
