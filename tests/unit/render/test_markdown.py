"""The Markdown review: summary, ranked findings, metrics with after-fix, before/after."""

from __future__ import annotations

import dataclasses
import io

from importaudit.model import Finding, Impact, ModuleRecord, Report, Severity
from importaudit.render import RenderOptions, get_renderer
from importaudit.render.markdown import _text, comparison_markdown, review_markdown

MS = 1_000_000


def finding(code: str, module: str, ms: float, severity: Severity, **kw: object) -> Finding:
    fields: dict[str, object] = {
        "code": code, "title": f"title of {code}", "severity": severity, "module": module,
        "message": f"message of {code}", "fix": "Do it.\n\ncode()", "file": "/src/x.py",
        "line": 7, "impact": Impact(int(ms * MS), None, None, 2),
    }
    fields.update(kw)
    return Finding(**fields)  # type: ignore[arg-type]


def reviewed(report: Report) -> Report:
    return dataclasses.replace(report, findings=(
        finding("IA101", "app", 30, Severity.HIGH),
        finding("IA401", "app.util", 0.1, Severity.MEDIUM, impact=Impact()),
        finding("IA001", "app.util", 0, Severity.LOW, message="Suppression `x` matched no"),
    ))


def test_review_sections_and_ranking(report: Report) -> None:
    text = review_markdown(reviewed(report))
    order = [text.index(s) for s in ("# Import review: app", "## Executive summary",
                                     "## Findings, ranked by measured impact",
                                     "## Metrics per module", "## How this was measured")]
    assert order == sorted(order)
    assert text.index("### 1. IA101") < text.index("### 2. IA401")
    assert "2 finding(s): 1 high, 1 medium" in text  # IA001 is bookkeeping, not a finding
    assert "## Suppressions that match nothing" in text
    assert "```python\ncode()\n```" in text
    assert "not measurable (a correctness problem, not a cost)" in text


def test_warm_up_mentioned_only_when_there_was_one(report: Report) -> None:
    assert report.meta is not None and report.meta.warmup
    assert "run(s) after a warm-up" in review_markdown(report)
    cold = dataclasses.replace(report, meta=dataclasses.replace(report.meta, warmup=False))
    assert "warm-up" not in review_markdown(cold)


def test_metrics_table_estimates_after_fix_from_measured_savings(report: Report) -> None:
    text = review_markdown(reviewed(report))
    row = next(line for line in text.splitlines() if line.startswith("| app |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    # app: 50.2 ms cumulative; IA101 saves 30 ms -> 20.2 ms after, 60% less
    assert cells[1] == "50.2 ms" and cells[5] == "20.2 ms" and cells[7] == "60%"
    util = next(line for line in text.splitlines() if line.startswith("| app.util |"))
    assert "| - | - | - |" in util  # IA401's fix changes no measured cost


def test_markdown_from_user_text_is_defused() -> None:
    assert _text("a|b <script>") == "a|b &lt;script&gt;"
    assert _text("uses `x_y` and __init__") == "uses `x_y` and \\_\\_init\\_\\_"


def test_table_cells_escape_pipes(report: Report) -> None:
    odd = dataclasses.replace(report.modules[2], name="app|x")
    text = review_markdown(dataclasses.replace(
        report, targets=("app|x",), modules=(*report.modules[:2], odd, *report.modules[3:])))
    assert "| app\\|x |" in text


def test_comparison_measures_both_sides(report: Report) -> None:
    after = dataclasses.replace(report, modules=tuple(
        dataclasses.replace(m, cumulative_ns=m.cumulative_ns // 4, self_ns=m.self_ns // 4)
        for m in report.modules))
    text = comparison_markdown(reviewed(report), after, labels=("legacy", "rewrite"))
    assert "# Import review: legacy vs rewrite" in text
    row = next(line for line in text.splitlines() if line.startswith("| app |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1:4] == ["50.2 ms", "12.6 ms", "75%"]
    assert "2 finding(s) resolved, 0 new" in text
    assert "## Findings resolved" in text and "**IA101** `app`" in text


def test_registered_renderer_writes_the_review(report: Report) -> None:
    out = io.StringIO()
    get_renderer("markdown")(reviewed(report), out, RenderOptions())
    assert out.getvalue() == review_markdown(reviewed(report))


def test_comparison_with_isolated_profiles_headlines_each_target(report: Report) -> None:
    isolated_meta = dataclasses.replace(report.meta, mode="isolated")
    before_iso = dataclasses.replace(report, meta=isolated_meta)
    after_iso = dataclasses.replace(before_iso, modules=tuple(
        dataclasses.replace(m, cumulative_ns=m.cumulative_ns // 100) for m in report.modules))
    text = comparison_markdown(report, report, isolated=(before_iso, after_iso))
    assert "- **Importing `app` alone:** 50.2 ms -> 502 us (99% less)" in text
    assert "7 -> 7 modules" in text  # counted from the tree profiles
    assert "isolated profiles" in text


def test_terminal_findings_section(report: Report) -> None:
    from rich.console import Console

    from importaudit.render.terminal_findings import render_findings

    out = io.StringIO()
    console = Console(file=out, width=120, color_system=None)
    full = reviewed(report)
    render_findings(full, console, RenderOptions())
    text = out.getvalue()
    assert "3 finding(s): 1 high, 1 medium, 1 low" in text
    assert text.index("IA101") < text.index("IA401")
    assert "fix: Do it." in text and "code()" not in text
    out.truncate(0)
    render_findings(full, console, RenderOptions(verbosity=1))
    assert "code()" in out.getvalue()  # -v shows the example fix


def test_unfinished_isolated_runs_are_not_measured(report: Report) -> None:
    from importaudit.render.compare import module_cost

    isolated = dataclasses.replace(report, meta=dataclasses.replace(report.meta, mode="isolated"))
    assert module_cost(isolated, "app") is not None
    broken = dataclasses.replace(isolated, modules=tuple(
        dataclasses.replace(m, runs=0) if m.name == "app" else m for m in report.modules))
    assert module_cost(broken, "app") is None


def test_a_tree_profile_headline_says_what_it_counts(report: Report) -> None:
    # --tree imported app.plugins too, which importing app does not: the summary's
    # totals are the tree's, and app's own cost (the table's row) is named beside them.
    assert report.meta is not None
    plugins = ModuleRecord("app.plugins", None, order=9, self_ns=40 * MS, cumulative_ns=40 * MS,
                           runs=5)
    tree = dataclasses.replace(report, meta=dataclasses.replace(report.meta, mode="tree"),
                               modules=(*report.modules, plugins))
    text = review_markdown(tree)
    assert ("Importing every module of `app` (a tree profile) loads 8 module(s) in "
            "90.2 ms") in text
    assert "Importing `app` alone loads 7 module(s) and takes 50.2 ms" in text
    row = next(line for line in text.splitlines() if line.startswith("| app |"))
    assert [c.strip() for c in row.strip("|").split("|")][4] == "7"
    # an ordinary profile imported the targets only: one headline, as before
    assert "Importing `app` loads 7 module(s) in 50.2 ms" in review_markdown(report)


def test_an_impact_that_is_all_zero_reads_none() -> None:
    # An import cycle whose modules load together anyway: breaking it saves nothing,
    # which "0 ns, 0 modules" said in a way that looked like a measurement gone wrong.
    from importaudit.render.markdown import impact_text

    assert impact_text(Impact(0, None, None, 0)) == "none (fixing it saves no module)"
    assert impact_text(Impact(0, 0, 0, None)) == "none"
    assert impact_text(Impact(1_500_000, None, None, 0)) == "1.50 ms, 0 modules"
    assert impact_text(Impact()) == "not measurable (a correctness problem, not a cost)"
