"""The HTML report in a real headless Chromium, driven by Playwright.

The browser is Debian's `chromium` (installed by `.ci/run`; Playwright's own browser
builds cannot be downloaded here), launched through `executable_path`. Outside CI a
machine without it skips these tests with the reason; in CI (CI=true) a missing browser
is a failure. The pages are real reviews of the `shop` and `tidy` fixtures, measured by
a child interpreter, with a finding whose message is hostile HTML that must stay text.
Every test asserts what a user sees, that the page logged no console error, and that it
made no network request. A screenshot of each page is kept in tests/artifacts/.
"""

from __future__ import annotations

import dataclasses
import io
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

pytest.importorskip("playwright", reason="pip install playwright (the test extra)")

from importaudit import api, views
from importaudit.model import Finding, Impact, ModuleRecord, Severity
from importaudit.render import RenderOptions
from importaudit.render.html import legend as html_legend
from importaudit.render.html import render, render_comparison

if TYPE_CHECKING:

    from collections.abc import Iterator

    from playwright.sync_api import Browser, ConsoleMessage, Page, Request

    from importaudit.model import Report

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
REVIEW_FIXTURES = ROOT / "tests" / "fixtures" / "review"
ARTIFACTS = ROOT / "tests" / "artifacts"
HOSTILE = '<img src=x onerror="window.__pwned = 1">'
# Headless on a shared CI box: no sandbox (root in a container), no GPU, and none of the
# browser's own background traffic, so "no network request" is about the page alone.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def find_chromium() -> str | None:
    """The system's Chromium: Debian's package, or another Chromium-family browser on PATH."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """The system's Chromium, headless, for this module's tests.

    Module-scoped on purpose (not pytest-playwright's session-wide fixtures): the sync
    API runs an asyncio loop on the main thread while it is open, and a loop left
    running for the rest of the session makes every later `asyncio.run` fail.
    """
    from playwright.sync_api import sync_playwright

    path = find_chromium()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs Debian's chromium")
        pytest.skip("no chromium on this machine (apt-get install chromium)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=path, headless=True,
                                              args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


@dataclasses.dataclass
class Seen:
    """What the page did besides drawing: console errors, uncaught exceptions, requests."""

    errors: list[str] = dataclasses.field(default_factory=list)
    requests: list[str] = dataclasses.field(default_factory=list)


@pytest.fixture
def seen(page: Page) -> Seen:
    record = Seen()

    def console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            record.errors.append(f"console {message.type}: {message.text}")

    def request(req: Request) -> None:
        record.requests.append(req.url)

    page.on("console", console)
    page.on("pageerror", lambda exc: record.errors.append(f"uncaught: {exc}"))
    page.on("request", request)
    return record


def open_page(page: Page, seen: Seen, html: str, folder: Path) -> None:
    path = folder / "report.html"
    path.write_text(html, encoding="utf-8")
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready=true]")
    # the only request is the page itself: no CDN, font, image or script from anywhere
    assert seen.requests == [path.as_uri()]


def check_clean(page: Page, seen: Seen, shot: str) -> None:
    """Keep a screenshot, then assert no console error and no request beyond the page."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
    assert seen.errors == []
    assert len(seen.requests) == 1 and seen.requests[0].startswith("file://")


def html_of(report: Report) -> str:
    out = io.StringIO()
    render(report, out, RenderOptions())
    return out.getvalue()


@pytest.fixture(scope="module")
def shop_review() -> Report:
    report = api.review([str(REVIEW_FIXTURES / "shop")],
                        api.ReviewOptions(measure=api.Measure(repeat=1)))
    hostile = Finding(code="IA401", title="Hostile text", severity=Severity.LOW,
                      module="shop.catalog", message=HOSTILE, fix=f"Fix {HOSTILE}",
                      impact=Impact())
    return dataclasses.replace(report, findings=(*report.findings, hostile))


@pytest.fixture(scope="module")
def tidy_review() -> Report:
    return api.review([str(REVIEW_FIXTURES / "tidy")],
                      api.ReviewOptions(measure=api.Measure(repeat=1)))


def names(page: Page, selector: str) -> list[str]:
    return page.locator(selector).evaluate_all("els => els.map(e => e.dataset.name)")


def test_report_loads_draws_zooms_sorts_and_filters(
        page: Page, seen: Seen, shop_review: Report, tmp_path: Path) -> None:
    open_page(page, seen, html_of(shop_review), tmp_path)
    chart = page.locator("#ia-chart")
    # the chart draws one box per module of the import tree, under a synthetic root
    assert page.locator("#ia-chart g.node").count() >= 10
    assert chart.get_attribute("data-root") == "all imports"

    # a click on a module zooms into its subtree; a click on the top bar zooms out
    page.click('#ia-chart g.node[data-name="shop.orders"] rect')
    assert chart.get_attribute("data-root") == "shop.orders"
    shown = names(page, "#ia-chart g.node")
    assert "shop_utils" in shown and "shop.reports" not in shown
    assert page.locator("#ia-crumbs button").all_text_contents() == [
        "all imports", "shop", "shop.orders"]
    page.click('#ia-chart g.node[data-name="shop.orders"] rect')
    assert chart.get_attribute("data-root") == "shop"

    # the chart switches to heap
    page.click('#ia-metrics button[data-metric="1"]')
    assert chart.get_attribute("data-metric") == "heap"

    # the table sorts: by name ascending, then by self time descending
    page.click('#ia-modules th[data-key="name"]')
    rows = names(page, "#ia-modules tbody tr")
    assert rows == sorted(rows) and len(rows) >= 10
    assert page.get_attribute("#ia-modules th[data-key=name]", "aria-sort") == "ascending"
    page.click('#ia-modules th[data-key="self_ns"]')
    selfs = {m.name: m.self_ns for m in shop_review.modules}
    values = [selfs[name] for name in names(page, "#ia-modules tbody tr")]
    assert values == sorted(values, reverse=True)

    # the filter narrows the rows
    page.fill("#ia-filter", "shop_utils")
    shown = names(page, "#ia-modules tbody tr")
    assert shown and all("shop_utils" in n for n in shown)

    # findings with fixes are shown, and hostile text stayed text
    codes = page.locator("#ia-findings article").evaluate_all(
        "els => els.map(e => e.dataset.code)")
    assert {"IA101", "IA102", "IA601"} <= set(codes)
    assert page.evaluate("window.__pwned === undefined")
    assert HOSTILE in page.locator("#ia-findings").inner_text()
    assert page.locator("#ia-findings img").count() == 0

    page.fill("#ia-filter", "")
    check_clean(page, seen, "report.png")


def test_before_after_page(page: Page, seen: Seen, shop_review: Report, tidy_review: Report,
                           tmp_path: Path) -> None:
    out = io.StringIO()
    render_comparison(shop_review, tidy_review, out, labels=("shop", "tidy"))
    open_page(page, seen, out.getvalue(), tmp_path)
    assert page.locator("#ia-compare").is_visible()
    assert "shop" in names(page, "#ia-compare-table tbody tr")
    assert page.locator("#ia-resolved li").count() >= 5
    # switching to one side shows its chart
    page.click('#ia-reports button[data-report="1"]')
    assert page.locator("#ia-single").is_visible()
    assert page.locator('#ia-chart g.node[data-name="tidy"]').count() == 1
    check_clean(page, seen, "report-before-after.png")


def test_legend_labels_tooltip_and_search(
        page: Page, seen: Seen, shop_review: Report, tmp_path: Path) -> None:
    open_page(page, seen, html_of(shop_review), tmp_path)
    # one legend entry per top-level package, each its own colour, and every bar of a
    # package drawn in its legend colour
    legend = page.locator("#ia-legend li").evaluate_all(
        "els => els.map(e => [e.dataset.package, e.querySelector('.swatch').style.background])")
    packages = [package for package, _ in legend]
    assert packages == [entry["package"] for entry in html_legend(shop_review)]
    assert {"shop", "heavylib", ""} <= set(packages)  # "": the other packages, in grey
    fills = page.locator("#ia-chart g.node:not([data-name='all imports']) rect").evaluate_all(
        "els => els.map(e => [e.parentNode.dataset.name, e.getAttribute('fill')])")
    colour = {package: page.evaluate(
        f"(() => {{ const s = document.createElement('i'); s.style.color = {fill!r};"
        " return s.style.color; })()") for package, fill in legend}
    assert len(set(colour.values())) == len(colour)
    as_css = dict(page.evaluate(
        "fs => fs.map(([n, f]) => { const s = document.createElement('i'); s.style.color = f;"
        " return [n, s.style.color]; })", fills))
    for name, css in as_css.items():
        assert css == colour.get(name.split(".")[0], colour[""]), name

    # a label on every bar wide enough for a few characters
    widths = page.locator("#ia-chart g.node").evaluate_all(
        "els => els.map(g => [g.querySelector('rect').getBBox().width, !!g.querySelector('text')])")
    assert all(labelled for width, labelled in widths if width >= 20)

    # the tooltip shows every metric, the selected one highlighted, and follows a switch
    bar = '#ia-chart g.node[data-name="shop.orders"] rect'
    page.hover(bar)
    tip = page.locator("#ia-tip")
    assert tip.is_visible()
    text = tip.inner_text()
    for word in ("shop.orders", "self time", "cumulative time", "heap", "RSS", "modules",
                 "imported by", "file", "orders.py"):
        assert word in text
    assert tip.locator("tr.selected th").inner_text() == "cumulative time"
    page.click('#ia-metrics button[data-metric="1"]')
    page.hover(bar)
    assert tip.locator("tr.selected th").inner_text() == "heap"
    assert "of view" in tip.locator("tr.selected td").inner_text()

    # search highlights matching bars and says what share of the total they are
    page.fill("#ia-search", "shop_utils")
    matched = names(page, "#ia-chart g.node.match")
    expected = sorted(m.name for m in shop_review.modules
                      if "shop_utils" in m.name and not m.preloaded)
    # (bars narrower than half a pixel are not drawn; the count still includes them)
    assert matched and set(matched) <= set(expected)
    result = page.locator("#ia-search-result").inner_text()
    assert result.startswith(f"{len(expected)} modules match") and "% of all heap" in result
    page.fill("#ia-search", "")
    assert page.locator("#ia-chart g.node.match").count() == 0
    check_clean(page, seen, "report-legend.png")


def panel_chains(page: Page) -> list[tuple[str, ...]]:
    return [tuple(chain) for chain in page.locator("#ia-panel ol.chains li").evaluate_all(
        "els => els.map(li => [...li.querySelectorAll('button, strong')]"
        ".map(e => e.textContent))")]


def test_panel_lists_the_chain_that_loaded_a_module_first(
        page: Page, seen: Seen, tmp_path: Path) -> None:
    """As `importaudit why`: the chain that loaded it first, though a cache hit is shorter."""
    from importaudit.model import Report

    ms = 1_000_000
    report = Report(targets=("app",), tool_version="t", created_at="2026-01-01T00:00:00+00:00",
                    modules=(
        ModuleRecord("app", None, (), 1, self_ns=5 * ms, cumulative_ns=60 * ms),
        ModuleRecord("app.core", "app", ("app",), 2, self_ns=10 * ms, cumulative_ns=40 * ms),
        ModuleRecord("app.deep", "app.core", ("app.core",), 3, self_ns=10 * ms,
                     cumulative_ns=30 * ms),
        ModuleRecord("heavy", "app.deep", ("app.deep", "app.util"), 4, self_ns=20 * ms,
                     cumulative_ns=20 * ms),
        ModuleRecord("app.util", "app", ("app",), 5, self_ns=5 * ms, cumulative_ns=5 * ms)))
    open_page(page, seen, html_of(report), tmp_path)
    page.click('#ia-chart g.node[data-name="heavy"] rect')
    why = views.answer_why(report, "heavy")
    assert why.chains[0].modules == ("app", "app.core", "app.deep", "heavy")
    assert panel_chains(page) == [c.modules for c in why.chains]
    check_clean(page, seen, "why-loading-chain-first.png")


@pytest.mark.parametrize("shape", ["via", "preloaded importer"])
def test_panel_chains_agree_with_why_for_unusual_loads(
        page: Page, seen: Seen, tmp_path: Path, shape: str) -> None:
    """A module mypyc's sys.modules gave (no importer chain), one a preloaded module loaded."""
    from importaudit.model import Report

    def record(name: str, importer: str | None, order: int, **extra: object) -> ModuleRecord:
        return ModuleRecord(name, importer, order=order, self_ns=1_000_000,
                            cumulative_ns=1_000_000, **extra)  # type: ignore[arg-type]

    if shape == "via":
        modules = (record("t", None, 0), record("a", "t", 1), record("b", "a", 2),
                   record("m", "b", 3, via="sys.modules", importers=("t",)))
    else:
        modules = (record("p", None, 0, preloaded=True), record("t", None, 1),
                   record("a", "t", 2), record("m", "p", 3, importers=("a",)))
    report = Report(targets=("t",), tool_version="t", created_at="2026-01-01T00:00:00+00:00",
                    modules=modules)
    open_page(page, seen, html_of(report), tmp_path)
    page.click('#ia-chart g.node[data-name="m"] rect')
    assert panel_chains(page) == [c.modules for c in views.answer_why(report, "m").chains]


def test_panel_says_who_caught_a_failed_import(page: Page, seen: Seen, tmp_path: Path) -> None:
    from importaudit.model import Report

    report = Report(targets=("app",), tool_version="t", created_at="2026-01-01T00:00:00+00:00",
                    modules=(
        ModuleRecord("app", None, order=1, self_ns=2_000_000, cumulative_ns=3_000_000),
        ModuleRecord("app.socks", "app", order=2, self_ns=1_000_000, cumulative_ns=1_000_000,
                     error="ModuleNotFoundError: No module named 'socks'")))
    open_page(page, seen, html_of(report), tmp_path)
    page.click('#ia-chart g.node[data-name="app.socks"] rect')
    body = page.locator("#ia-panel-body").inner_text()
    assert "Import failed, caught by app (an optional import)" in body
    check_clean(page, seen, "caught-failure-panel.png")


def test_side_panel_from_bar_row_finding_and_cycle(
        page: Page, seen: Seen, shop_review: Report, tmp_path: Path) -> None:
    open_page(page, seen, html_of(shop_review), tmp_path)
    panel = page.locator("#ia-panel")
    assert not panel.is_visible()

    # a bar: the module's metrics and every chain `importaudit why` lists, cache hits too
    page.click('#ia-chart g.node[data-name="shop_utils"] rect')
    assert panel.is_visible()
    assert page.locator("#ia-panel-title").inner_text() == "shop_utils"
    metrics = page.locator("#ia-panel table.metrics").inner_text()
    for word in ("self time", "cumulative time", "heap", "RSS", "first imported by"):
        assert word in metrics
    why = views.answer_why(shop_review, "shop_utils")
    assert len(why.chains) > 1 and any(not c.first_load for c in why.chains)
    assert panel_chains(page) == [c.modules for c in why.chains]
    assert page.locator("#ia-panel .cached").count() == sum(
        sum(c.cached) for c in why.chains)
    assert page.locator("#ia-panel-title").evaluate("e => e === document.activeElement")

    # a link in a chain opens that module; Escape closes the panel
    page.locator("#ia-panel ol.chains button", has_text="shop.orders").first.click()
    assert page.locator("#ia-panel-title").inner_text() == "shop.orders"
    page.keyboard.press("Escape")
    assert not panel.is_visible()

    # a table row
    page.locator('#ia-modules tbody tr[data-name="shop.billing"] button').click()
    assert page.locator("#ia-panel-title").inner_text() == "shop.billing"
    mine = [f for f in shop_review.findings if f.module == "shop.billing"]
    listed = page.locator("#ia-panel ul.panel-findings button").all_text_contents()
    assert listed == [f"{f.code} {f.title}" for f in mine] and mine
    # ... whose findings link to their cards, and whose cycles to the cycle
    assert page.locator("#ia-panel h3", has_text="In import cycles").count() == 1
    page.locator("#ia-panel ul.panel-findings button").first.click()
    card = page.locator(f"#ia-finding-{shop_review.findings.index(mine[0])}")
    assert card.is_visible() and card.get_attribute("data-code") == mine[0].code

    # a finding's module, and a module of a cycle
    page.locator(".finding .where button[data-module='shop']").first.click()
    assert page.locator("#ia-panel-title").inner_text() == "shop"
    # the page makes room for the open panel: nothing of it is under the panel (a cycle's
    # path runs on to the right after its claim), so its modules are clicked with it open
    main, side = page.locator("main").bounding_box(), panel.bounding_box()
    assert main is not None and side is not None
    assert main["x"] + main["width"] <= side["x"]
    page.locator("#ia-cycles button[data-module='shop.orders']").first.click()
    assert page.locator("#ia-panel-title").inner_text() == "shop.orders"
    page.locator("#ia-panel button[data-action=chart]").click()
    assert page.get_attribute("#ia-chart", "data-root") == "shop.orders"
    check_clean(page, seen, "report-panel.png")


def steady(report: Report) -> Report:
    """The report with 1 ms of its own time per module, cumulative over what each imports.

    The icicle leaves out boxes under half a pixel: with measured times, a 0.1 ms module
    next to one that took 500 ms on a loaded machine was not drawn.
    """
    children: dict[str | None, list[str]] = {}
    for m in report.modules:
        children.setdefault(m.importer, []).append(m.name)

    def cumulative(name: str) -> int:
        return 1_000_000 + sum(cumulative(c) for c in children.get(name, ()))

    return dataclasses.replace(report, modules=tuple(
        dataclasses.replace(m, self_ns=1_000_000, cumulative_ns=cumulative(m.name))
        for m in report.modules))


def test_before_after_headlines_percentages_and_differential_view(
        page: Page, seen: Seen, shop_review: Report, tmp_path: Path) -> None:
    shop_review = steady(shop_review)
    # "after": the same tree a thousand times faster, without one module nothing imports
    importers = {m.importer for m in shop_review.modules}
    leaf = min(m.name for m in shop_review.modules
               if m.name.startswith("shop") and m.name not in importers and not m.preloaded)

    def faster(m: ModuleRecord) -> ModuleRecord:
        return dataclasses.replace(m, self_ns=max(1, m.self_ns // 1000),
                                   cumulative_ns=max(1, m.cumulative_ns // 1000))

    after = dataclasses.replace(shop_review, modules=tuple(
        faster(m) for m in shop_review.modules if m.name != leaf))
    out = io.StringIO()
    render_comparison(shop_review, after, out, labels=("slow", "fast"))
    open_page(page, seen, out.getvalue(), tmp_path)

    # the headline says what it counts, and -99.9% is not rounded to -100%
    headline = page.locator('#ia-headlines li[data-label="import shop"]').inner_text()
    assert headline.startswith("import shop: ") and "(-99.9%)" in headline
    assert "-100" not in page.locator("#ia-compare").inner_text()
    whole = page.locator('#ia-headlines li[data-label="whole profile"]').inner_text()
    assert "every" in whole and "modules" in whole

    # the differential view draws "fast" coloured by change, then "slow" with the removal
    def change_of(name: str) -> str | None:
        return page.get_attribute(f'#ia-diff g.node[data-name="{name}"]', "data-change")

    assert page.get_attribute("#ia-diff", "data-side") == "fast"
    assert change_of("heavylib") == "better" and change_of("shop") == "better"
    assert page.locator(f'#ia-diff g.node[data-name="{leaf}"]').count() == 0
    page.click('#ia-diff-sides button[data-side="0"]')
    assert page.get_attribute("#ia-diff", "data-side") == "slow"
    assert change_of(leaf) == "removed" and change_of("heavylib") == "better"
    check_clean(page, seen, "report-diff.png")

    # the other way round, the module is added
    out = io.StringIO()
    render_comparison(after, shop_review, out, labels=("fast", "slow"))
    seen.requests.clear()
    open_page(page, seen, out.getvalue(), tmp_path)
    assert change_of(leaf) == "added" and change_of("shop") == "worse"


def lane_bars(page: Page, lane: str) -> list[tuple[str, float, float]]:
    return [(name, float(x), float(y)) for name, x, y in page.locator(
        f'#ia-timeline g.bar[data-lane="{lane}"] rect').evaluate_all(
        "els => els.map(r => [r.parentNode.dataset.name, r.getAttribute('x'),"
        " r.getAttribute('y')])")]


def test_timeline_has_a_lane_per_thread_in_start_order(
        page: Page, seen: Seen, tmp_path: Path) -> None:
    script = ROOT / "tests" / "fixtures" / "runtime" / "threaded_start.py"
    report = api.profile([str(script)], api.Measure(repeat=1, memory=False))
    open_page(page, seen, html_of(report), tmp_path)
    lanes = page.locator("#ia-timeline text.lane").evaluate_all(
        "els => els.map(e => e.dataset.lane)")
    assert lanes[0] == "main thread"
    assert sorted(lanes[1:]) == ["thread a", "thread b", "thread c", "thread d"]
    starts = {m.name: m.start_ns for m in report.modules if m.start_ns is not None}
    for x in "abcd":
        bars = lane_bars(page, f"thread {x}")
        mine = {m.name for m in report.modules if m.thread == x and not m.preloaded}
        assert {name for name, _, _ in bars} == mine
        assert {f"threaded_pkg.{x}", f"threaded_pkg.{x}_leaf"} <= mine
        # left to right in start order; what a module imported sits in the row below it
        ordered = sorted(bars, key=lambda bar: starts[bar[0]])
        assert [bar[1] for bar in ordered] == sorted(bar[1] for bar in bars)
        by_name = {name: (bx, by) for name, bx, by in bars}
        module, leaf = by_name[f"threaded_pkg.{x}"], by_name[f"threaded_pkg.{x}_leaf"]
        assert leaf[0] > module[0] and leaf[1] > module[1]
    page.locator('#ia-timeline g.bar[data-name="threaded_pkg.c_leaf"] rect').click()
    assert page.locator("#ia-panel-title").inner_text() == "threaded_pkg.c_leaf"
    check_clean(page, seen, "report-timeline.png")


def test_no_timeline_without_measured_start_times(
        page: Page, seen: Seen, tmp_path: Path) -> None:
    import subprocess
    import sys

    log = tmp_path / "importtime.log"
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "import json"],
                          capture_output=True, text=True, check=True)
    log.write_text(done.stderr, encoding="utf-8")
    report = api.profile_importtime(str(log))
    open_page(page, seen, html_of(report), tmp_path)
    assert page.locator("#ia-timeline-none").is_visible()
    assert page.locator("#ia-timeline g.bar").count() == 0
    assert page.locator("#ia-chart g.node[data-name=json]").count() == 1
    check_clean(page, seen, "report-no-timeline.png")


def test_cycles_drawn_with_witness_path_and_cut(
        page: Page, seen: Seen, shop_review: Report, tmp_path: Path) -> None:
    open_page(page, seen, html_of(shop_review), tmp_path)
    [cycle] = shop_review.cycles
    assert cycle.cut
    graph = page.locator("#ia-cycle-0 svg.cycle-graph")
    assert graph.is_visible()
    drawn = graph.locator("path.witness, path.cut").evaluate_all(
        "els => els.map(p => [p.dataset.from, p.dataset.to, p.classList.contains('cut')])")
    cuts = {(e.importer, e.imported) for e in cycle.cut}
    witness = [(e.importer, e.imported) for e in cycle.witness]
    assert [(a, b) for a, b, _ in drawn][:len(witness)] == witness
    assert {(a, b) for a, b, is_cut in drawn if is_cut} == cuts
    # every module of the drawing is a node; the cut is spelled out under it
    nodes = graph.locator("g.cnode").evaluate_all("els => els.map(g => g.dataset.module)")
    assert {n for edge in witness for n in edge} <= set(nodes)
    note = page.locator("#ia-cycle-0 .cut-note").first.inner_text()
    [first_cut] = cycle.cut[:1]
    assert f"{first_cut.importer} \u2192 {first_cut.imported}" in note
    # a node opens the module's panel, by mouse or keyboard
    graph.locator(f'g.cnode[data-module="{witness[0][0]}"]').click()
    assert page.locator("#ia-panel-title").inner_text() == witness[0][0]
    page.keyboard.press("Escape")
    graph.locator(f'g.cnode[data-module="{witness[0][1]}"]').focus()
    page.keyboard.press("Enter")
    assert page.locator("#ia-panel-title").inner_text() == witness[0][1]
    check_clean(page, seen, "report-cycle.png")


def test_keyboard_reaches_the_chart_the_table_and_the_panel(
        page: Page, seen: Seen, shop_review: Report, tmp_path: Path) -> None:
    open_page(page, seen, html_of(shop_review), tmp_path)
    # Tab reaches the controls in reading order, each with a visible focus ring
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.dataset.metric")
    assert focused == "0"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"

    # the chart is one tab stop; arrow keys walk the tree, Enter opens the panel
    page.focus("#ia-chart-box")
    page.keyboard.press("ArrowDown")
    assert page.get_attribute("#ia-chart g.kfocus", "data-name") == "all imports"
    page.keyboard.press("ArrowDown")
    assert page.get_attribute("#ia-chart g.kfocus", "data-name") == "shop"
    page.keyboard.press("ArrowDown")
    first = page.get_attribute("#ia-chart g.kfocus", "data-name")
    page.keyboard.press("ArrowRight")
    second = page.get_attribute("#ia-chart g.kfocus", "data-name")
    shop = next(m for m in shop_review.modules if m.name == "shop")
    children = sorted((m for m in shop_review.modules if m.importer == "shop"),
                      key=lambda m: m.order)
    assert first == children[0].name and second != first
    assert second in {m.name for m in children}
    assert page.locator("#ia-tip").is_visible()
    assert page.locator("#ia-chart-status").inner_text().startswith(f"{second}: self time")
    page.keyboard.press("Enter")
    assert page.locator("#ia-panel-title").inner_text() == second
    assert page.get_attribute("#ia-chart", "data-root") == second
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.id") == "ia-chart-box"
    page.keyboard.press("Backspace")
    assert page.get_attribute("#ia-chart", "data-root") == shop.name

    # table headers sort from the keyboard, module names open the panel
    page.focus('#ia-modules th[data-key="name"] button')
    page.keyboard.press("Enter")
    assert page.get_attribute("#ia-modules th[data-key=name]", "aria-sort") == "ascending"
    page.focus('#ia-modules tbody tr[data-name="shop.billing"] button')
    page.keyboard.press("Enter")
    assert page.locator("#ia-panel-title").inner_text() == "shop.billing"
    check_clean(page, seen, "report-keyboard.png")


def serious_violations(page: Page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def test_accessibility_no_serious_axe_violations(
        page: Page, seen: Seen, shop_review: Report, tidy_review: Report,
        tmp_path: Path) -> None:
    pytest.importorskip("axe_playwright_python", reason="pip install axe-playwright-python")
    open_page(page, seen, html_of(shop_review), tmp_path)
    assert serious_violations(page) == []
    page.click('#ia-chart g.node[data-name="shop.billing"] rect')  # with the panel open
    assert serious_violations(page) == []
    out = io.StringIO()
    render_comparison(shop_review, tidy_review, out, labels=("shop", "tidy"))
    seen.requests.clear()
    open_page(page, seen, out.getvalue(), tmp_path)
    assert serious_violations(page) == []


def test_large_table_shows_the_first_rows_then_all(
        page: Page, seen: Seen, shop_review: Report, tmp_path: Path) -> None:
    template = next(m for m in shop_review.modules if m.name == "shop_utils.text")
    extra = tuple(dataclasses.replace(template, name=f"shop_utils.part{i:03d}", order=10_000 + i,
                                      self_ns=1000 + i, cumulative_ns=1000 + i)
                  for i in range(400))
    big = dataclasses.replace(shop_review, modules=(*shop_review.modules, *extra))
    total = sum(not m.preloaded for m in big.modules)
    open_page(page, seen, html_of(big), tmp_path)
    rows = page.locator("#ia-modules tbody tr")
    assert rows.count() == 300
    more = page.locator("#ia-more")
    assert more.inner_text() == f"Show all {total} rows ({total - 300} more)"
    # sorting and filtering cover every module, not only the rows on show
    page.fill("#ia-filter", "part399")
    assert names(page, "#ia-modules tbody tr") == ["shop_utils.part399"]
    assert not more.is_visible()
    page.fill("#ia-filter", "")
    more.click()
    assert rows.count() == total and not more.is_visible()
    check_clean(page, seen, "report-large-table.png")
