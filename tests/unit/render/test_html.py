"""The HTML page: self-contained, data island safe against hostile names, before/after."""

from __future__ import annotations

import dataclasses
import io
import json
import re

import pytest

from importaudit.model import Cycle, EdgeKind, Finding, Impact, ImportEdge, Report, Severity
from importaudit.render import RenderOptions, get_renderer
from importaudit.render.html import page, render_comparison, report_data

HOSTILE = "</script><script>alert(1)</script>"
DATA_ISLAND = re.compile(
    r'<script type="application/json" id="ia-data">(.*?)</script>', re.DOTALL)


def finding(module: str = "app.core", message: str = "eager", **kw: object) -> Finding:
    fields: dict[str, object] = {
        "code": "IA101", "title": "Package __init__ eagerly imports its submodules",
        "severity": Severity.HIGH, "module": module, "message": message,
        "fix": "Load lazily.\n\n_LAZY = {'Heavy': '.heavy'}", "file": "/src/app/core.py",
        "line": 3, "impact": Impact(20_000_000, 500 * 1024, None, 1),
    }
    fields.update(kw)
    return Finding(**fields)  # type: ignore[arg-type]


def html_of(report: Report) -> str:
    out = io.StringIO()
    get_renderer("html")(report, out, RenderOptions())
    return out.getvalue()


def island(html: str) -> dict[str, object]:
    matches = DATA_ISLAND.findall(html)
    assert len(matches) == 1
    data: dict[str, object] = json.loads(matches[0])
    return data


def test_page_is_self_contained(report: Report) -> None:
    html = html_of(dataclasses.replace(report, findings=(finding(),)))
    assert html.startswith("<!DOCTYPE html>")
    # no external resources: every script and style is inline
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', html)
    assert "<link" not in html and "@import" not in html
    assert html.count("<script") == 2  # the data island and the viewer


def test_hostile_module_names_cannot_break_out(report: Report) -> None:
    bad = dataclasses.replace(report.modules[3], name=f"app.{HOSTILE}")
    hostile = dataclasses.replace(
        report, targets=(f"<b>{HOSTILE}</b>",),
        modules=(*report.modules, bad),
        findings=(finding(module=HOSTILE, message="<img src=x onerror=alert(2)>"),),
    )
    html = html_of(hostile)
    assert HOSTILE not in html
    assert "<img src=x" not in html
    assert "&lt;b&gt;" in html  # the title went through autoescaping
    data = island(html)
    reports = data["reports"]
    assert isinstance(reports, list)
    assert reports[0]["findings"][0]["module"] == HOSTILE  # intact once parsed
    assert any(row[0] == f"app.{HOSTILE}" for row in reports[0]["modules"]["rows"])


def test_tree_data_nests_by_first_load_with_all_metrics(report: Report) -> None:
    data = report_data(report)
    tree = data["tree"]
    assert tree["n"] == "all imports" and tree["synthetic"]
    [app] = tree["c"]  # preloaded sys/os are not attributed
    assert app["n"] == "app"
    assert [c["n"] for c in app["c"]] == ["app.core", "app.util", "app.broken"]
    assert app["v"] == [50_200_000, 900 * 1024, 1800 * 1024]
    assert tree["v"][0] == app["v"][0]
    assert data["metrics"] == [True, True, True]


def test_a_failure_the_importer_caught_says_who_caught_it(report: Report) -> None:
    modules = {m["name"]: m for m in report_data(report)["modules"]}
    assert modules["app.broken"]["caught_by"] == "app"
    assert modules["app.broken"]["error"] == "ValueError: boom"
    assert modules["app.core"]["caught_by"] is None
    assert modules["app.broken"]["skipped_with"] is None


def test_what_fails_with_a_skipped_module_is_skipped_with_it(make_report) -> None:  # type: ignore[no-untyped-def]
    from importaudit.model import SkippedModule

    sample = make_report()
    modules = tuple(dataclasses.replace(m, error="ModuleNotFoundError: js")
                    if m.name in ("app", "app.broken") else m for m in sample.modules)
    report = dataclasses.replace(make_report(modules=modules), skipped=(
        SkippedModule("app", "missing-dependency", "needs js", "ModuleNotFoundError: js"),))
    modules_data = {m["name"]: m for m in report_data(report)["modules"]}
    assert modules_data["app.broken"]["skipped_with"] == "app"
    assert modules_data["app.broken"]["caught_by"] is None
    assert modules_data["app"]["skipped_with"] is None


def test_unmeasured_memory_disables_the_heap_metric(make_report) -> None:  # type: ignore[no-untyped-def]
    data = report_data(make_report(memory=False))
    assert data["metrics"] == [True, False, False]
    assert data["tree"]["v"][1] is None


def test_findings_fix_split_and_flagged_in_tree(report: Report) -> None:
    data = report_data(dataclasses.replace(report, findings=(finding(),)))
    [f] = data["findings"]
    assert f["fix"] == "Load lazily." and f["example"].startswith("_LAZY")
    assert f["severity"] == "high"
    core = data["tree"]["c"][0]["c"][0]
    assert core["n"] == "app.core" and core["f"] is True


def test_cycles_with_paths(report: Report) -> None:
    there = ImportEdge("app.core", "app.util", EdgeKind.EAGER, "/src/app/core.py", 4)
    back = ImportEdge("app.util", "app.core", EdgeKind.EAGER, "/src/app/util.py", 2)
    cyc = Cycle(("app.core", "app.util"), (there, back), packages=("app",))
    data = report_data(dataclasses.replace(report, cycles=(cyc,)))
    [c] = data["cycles"]
    assert [(e["from"], e["to"], e["line"]) for e in c["path"]] == [
        ("app.core", "app.util", 4), ("app.util", "app.core", 2)]


def test_before_after_page(report: Report) -> None:
    lighter = tuple(dataclasses.replace(m, cumulative_ns=m.cumulative_ns // 4,
                                        self_ns=m.self_ns // 4) for m in report.modules)
    before = dataclasses.replace(report, findings=(finding(),))
    after = dataclasses.replace(report, modules=lighter)
    out = io.StringIO()
    render_comparison(before, after, out, labels=("legacy", "rewrite"))
    data = island(out.getvalue())
    assert data["labels"] == ["legacy", "rewrite"]
    compare = data["compare"]
    assert isinstance(compare, dict)
    assert [f["code"] for f in compare["resolved"]] == ["IA101"]
    row = next(r for r in compare["rows"] if r["module"] == "app")
    # the import closure of app: the sum of every module's own time
    assert row["before"][0] == 50_200_000
    assert 50_200_000 // 4 - 10 <= row["after"][0] <= 50_200_000 // 4
    assert "legacy vs rewrite" in out.getvalue()


def test_rendering_is_deterministic(report: Report) -> None:
    full = dataclasses.replace(report, findings=(finding(),))
    assert html_of(full) == html_of(full)


@pytest.mark.parametrize("labels", [("report",)])
def test_page_rule_docs_only_for_codes_present(report: Report, labels: tuple[str]) -> None:
    html = page((dataclasses.replace(report, findings=(finding(),)),), labels, "t")
    rules = island(html)["rules"]
    assert isinstance(rules, dict) and list(rules) == ["IA101"]


def test_legend_colours_top_packages_by_own_time(report: Report) -> None:
    from importaudit.model import ModuleRecord
    from importaudit.render.html import OTHER, PALETTE, legend

    many = tuple(ModuleRecord(name=f"pkg{i}.mod", self_ns=1000 * (i + 1), cumulative_ns=1000)
                 for i in range(len(PALETTE) + 2))
    entries = legend(dataclasses.replace(report, modules=many))
    # costliest package first, one palette colour each, then one entry for the rest
    assert [e["package"] for e in entries[:3]] == ["pkg8", "pkg7", "pkg6"]
    assert [e["fill"] for e in entries[:-1]] == [fill for fill, _ in PALETTE]
    assert entries[-1] == {"package": "", "fill": OTHER[0], "text": OTHER[1]}
    assert [e["package"] for e in legend(report)] == ["app", "json"]  # preloaded sys, os left out


def test_headlines_say_what_they_count(report: Report) -> None:
    from importaudit.render.html import compare_data

    lighter = tuple(dataclasses.replace(m, self_ns=m.self_ns // 1000) for m in report.modules)
    data = compare_data(report, dataclasses.replace(report, modules=lighter))
    first, whole = data["headlines"]
    # the cost of `import app` (its closure), then the whole profile and what it covers
    assert first["label"] == "import app"
    assert first["before"][0] == 50_200_000 and first["after"][0] == 50_200
    assert whole["label"] == "whole profile" and whole["scope"][0].startswith("everything")
    assert whole["before"][3] == whole["after"][3]  # module counts


def test_packed_data_keeps_every_module_field_and_the_tree(report: Report) -> None:
    from importaudit.render.html import FIELDS, pack

    data = report_data(dataclasses.replace(report, findings=(finding(),)))
    packed = pack(data)
    fields = packed["modules"]["fields"]
    assert fields == [*FIELDS, "kids"]
    rows = [dict(zip(fields, row, strict=True)) for row in packed["modules"]["rows"]]
    names = [row["name"] for row in rows]

    def name(ref: object) -> object:
        return names[ref] if isinstance(ref, int) else ref

    for row, module in zip(rows, data["modules"], strict=True):
        assert name(row["importer"]) == module["importer"]
        assert [[name(i), packed["kinds"][k]] for i, k in row["imports"]] == module["imports"]
        if module["origin"] is None:
            assert row["origin"] is None
        else:
            folder, file = row["origin"]
            assert packed["dirs"][folder] + file == module["origin"]
        for key in ("self_range", "cumulative_range"):
            assert row[key] in (module[key], None)
        for key in set(FIELDS) - {"importer", "imports", "origin", "self_range",
                                  "cumulative_range"}:
            assert row[key] == module[key], key

    def nested(index: int) -> tuple[str, list[object]]:
        return names[index], [nested(k) for k in rows[index]["kids"]]

    def logical(node: dict[str, object]) -> tuple[object, list[object]]:
        return node["n"], [logical(c) for c in node["c"]]  # type: ignore[attr-defined]

    assert [nested(i) for i in packed["tree"]["roots"]] == [
        logical(c) for c in data["tree"]["c"]]
    assert packed["tree"]["v"] == data["tree"]["v"]


def test_summary_of_a_tree_profile_gives_each_target_alone(report: Report) -> None:
    assert report.meta is not None
    plain = report_data(report)["summary"]
    assert plain["alone"] == [] and plain["scope"] == "everything the targets imported"
    tree = dataclasses.replace(report, meta=dataclasses.replace(report.meta, mode="tree"))
    summary = report_data(tree)["summary"]
    assert summary["scope"] == "every submodule imported (--tree)"
    [alone] = summary["alone"]
    assert alone["target"] == "app" and alone["cost"][0] == 50_200_000
