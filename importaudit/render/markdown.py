"""Markdown renderer: a review ready to paste into a pull request, with measured numbers.

In the spirit of a hand-written performance review (executive summary, findings by
priority, a metrics table per module) but every number is measured: findings are
ranked by severity graded from their measured impact, and "after fix" columns appear
only where a fix defers exactly what was measured. `render_comparison` writes the
before/after review of two reports (for example a legacy package and its rewrite).
"""

from __future__ import annotations

import os
from collections import Counter
from typing import TYPE_CHECKING, TextIO

from importaudit.cycletext import claim_sentence, claims_count
from importaudit.render.compare import (
    META_CODES,
    compare_rows,
    diff_findings,
    metric_rows,
    module_cost,
    reduction,
    review_findings,
    split_fix,
    target_roots,
)
from importaudit.units import MISSING, format_bytes, format_ns
from importaudit.views import report_totals

if TYPE_CHECKING:
    from importaudit.model import Finding, Impact, Report
    from importaudit.render import RenderOptions


def _cell(text: str) -> str:
    """Text safe inside a table cell (no pipes, no raw HTML, one line)."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("|", "\\|").replace("\n", " "))


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace("_", "\\_").replace("*", "\\*"))


def _text(text: str) -> str:
    """Prose from user code (messages, names): raw HTML defused, emphasis marks escaped.

    Backtick spans stay as written (escapes would show literally inside them).
    """
    parts = text.split("`")
    tail = ""
    if len(parts) % 2 == 0:  # an unmatched backtick: what follows it is plain text
        tail = "\\`" + _escape(parts.pop())
    for i in range(0, len(parts), 2):  # even parts lie outside code spans
        parts[i] = _escape(parts[i])
    return "`".join(parts) + tail


def _code(text: str) -> str:
    """Inline code, with a fence long enough for backticks inside."""
    fence = "``" if "`" in text else "`"
    return f"{fence}{text}{fence}"


def _path(path: str | None, line: int | None = None) -> str:
    if not path:
        return MISSING
    try:
        rel = os.path.relpath(path)
        shown = rel if not rel.startswith("..") else path
    except ValueError:
        shown = path
    return f"{shown}:{line}" if line else shown


def _count(value: int | None) -> str:
    return MISSING if value is None else str(value)


def impact_text(impact: Impact) -> str:
    """"42.7 ms, 8.69 MiB heap, 3.10 MiB RSS, 15 modules" (unmeasured parts left out).

    "none" when everything measured is zero (an IA201 whose cycle loads together
    anyway: breaking it saves nothing), not "0 ns, 0 modules".
    """
    measured = [v for v in (impact.time_ns, impact.heap_bytes, impact.rss_bytes,
                            impact.modules) if v is not None]
    if measured and not any(measured):
        return "none (fixing it saves no module)" if impact.modules == 0 else "none"
    parts = []
    if impact.time_ns is not None:
        parts.append(format_ns(impact.time_ns))
    if impact.heap_bytes is not None:
        parts.append(f"{format_bytes(impact.heap_bytes)} heap")
    if impact.rss_bytes is not None:
        parts.append(f"{format_bytes(impact.rss_bytes)} RSS")
    if impact.modules is not None:
        parts.append(f"{impact.modules} module{'s' if impact.modules != 1 else ''}")
    return ", ".join(parts) or "not measurable (a correctness problem, not a cost)"


def _percent(before: int | None, after: int | None) -> str:
    value = reduction(before, after)
    if value is None:
        return MISSING
    if 99.95 <= value < 100:
        return ">99.9%"  # rounding would print a 100% that was not reached
    return f"{value:.1f}%" if 99.5 <= value < 100 else f"{value:.0f}%"


def severity_counts(findings: tuple[Finding, ...]) -> str:
    """"1 high, 2 low": how many findings of each severity, most severe first."""
    counts = Counter(f.severity for f in findings)
    return ", ".join(f"{counts[s]} {s.name.lower()}" for s in sorted(counts, reverse=True))


def _measured_with(report: Report) -> str:
    meta = report.meta
    if meta is None:
        return "No run metadata."
    how = (f"Measured with Python {meta.python_version} on {meta.platform}, mode "
           f"`{meta.mode}`, median of {meta.repeats} run(s)"
           + (" after a warm-up" if meta.warmup else "")
           + ("; heap from a separate tracemalloc run" if meta.memory else "; heap not measured")
           + ".")
    notes = "".join(f"\n- {_text(n)}" for n in meta.notes)
    return how + notes


def _headline(report: Report) -> list[str]:
    """What importing the targets costs, saying what was imported to measure it.

    A tree profile imports every module of the targets' packages, far more than
    importing a target does: its totals are named as such, and each target's own cost
    (what the table below shows) is given next to them.
    """
    sums = report_totals(report)
    targets = ", ".join(_code(t) for t in report.targets)
    cost = (f"{sums.modules} module(s) in {format_ns(sums.total_ns)} (Python heap "
            f"{format_bytes(sums.heap_bytes)}, RSS {format_bytes(sums.rss_bytes)})")
    mode = report.meta.mode if report.meta is not None else "import"
    if mode not in ("tree", "isolated"):
        return [f"Importing {targets} loads {cost}."]
    lines = [f"Importing every module of {targets} (a {mode} profile) loads {cost}."]
    for target in target_roots(report):
        alone = module_cost(report, target)
        if alone is None:
            continue
        count = "" if alone.modules is None else f"loads {alone.modules} module(s) and "
        lines.append(f"Importing {_code(target)} alone {count}takes {format_ns(alone.time_ns)}"
                     f" (Python heap {format_bytes(alone.heap_bytes)}, RSS "
                     f"{format_bytes(alone.rss_bytes)}), as in the table below.")
    return lines


def _summary(report: Report) -> list[str]:
    findings = review_findings(report)
    lines = _headline(report)
    if report.failure is not None:
        lines.append(f"The import failed: {_text(report.failure.message)}.")
    if report.skipped:
        shown = ", ".join(f"{_code(s.name)} ({_text(s.reason)})" for s in report.skipped[:10])
        more = f" and {len(report.skipped) - 10} more" if len(report.skipped) > 10 else ""
        lines.append(f"Skipped, not failures: {len(report.skipped)} submodule(s) that cannot "
                     f"be imported here: {shown}{more}.")
    if findings:
        lines.append(f"The review found {len(findings)} finding(s): "
                     f"{severity_counts(findings)}. The costliest:")
        lines.append("")
        lines += [f"- **{f.code}** {_code(f.module)}: {_text(f.title)} "
                  f"({impact_text(f.impact)})" for f in findings[:3]]
    else:
        lines.append("The review found no problems.")
    if report.cycles:
        cross = sum(1 for c in report.cycles if c.cross_package)
        lines.append("")
        lines.append(f"The static graph has {len(report.cycles)} import cycle(s), "
                     f"{cross} across packages; {claims_count(report.cycles)}.")
    return lines


def _finding_block(index: int, finding: Finding) -> list[str]:
    text, code = split_fix(finding.fix)
    lines = [
        f"### {index}. {finding.code}: {_text(finding.title)} ({finding.severity.name.lower()})",
        "",
        f"- **Module:** {_code(finding.module)}",
        f"- **Where:** {_code(_path(finding.file, finding.line))}",
        f"- **Measured impact:** {impact_text(finding.impact)}",
    ]
    if len(finding.chain) > 1:
        lines.append(f"- **Chain:** {_code(' -> '.join(finding.chain))}")
    lines += ["", _text(finding.message), "", f"**Fix:** {_text(text)}"]
    if code:
        lines += ["", "```python", code, "```"]
    lines.append("")
    return lines


def _metrics_table(report: Report, isolated: Report | None) -> list[str]:
    rows = metric_rows(report, isolated)
    if not rows:
        return ["No measured modules."]
    lines = [
        "| Module | Time | Heap | RSS | Modules | Time after fix (est.) | Heap after fix (est.)"
        " | Reduction | Findings |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        cur, after = row.current, row.after
        lines.append(
            f"| {_cell(row.module)} | {format_ns(cur.time_ns)} | {format_bytes(cur.heap_bytes)}"
            f" | {format_bytes(cur.rss_bytes)} | {_count(cur.modules)}"
            f" | {format_ns(after.time_ns) if after else MISSING}"
            f" | {format_bytes(after.heap_bytes) if after else MISSING}"
            f" | {_percent(cur.time_ns, after.time_ns) if after else MISSING}"
            f" | {', '.join(row.codes) or MISSING} |"
        )
    source = "alone in a fresh interpreter (isolated profile)" if isolated else (
        "where first loaded in this profile")
    lines += ["", f"Time, heap and RSS are cumulative, measured {source}. \"After fix\" "
              "subtracts the measured savings of findings whose fix defers imports "
              "(IA101, IA102, IA103, IA501); other findings do not change the estimate."]
    return lines


def _cycles(report: Report) -> list[str]:
    lines = []
    for cycle in sorted(report.cycles, key=lambda c: (not c.cross_package, c.modules)):
        path = " -> ".join([e.importer for e in cycle.witness]
                           + [cycle.witness[-1].imported] if cycle.witness else [])
        where = ", ".join(_path(e.file, e.line) for e in cycle.witness)
        scope = "cross-package" if cycle.cross_package else "in-package"
        lines.append(f"- {scope}: {_code(path)} ({_text(where)})")
        claim = claim_sentence(cycle)
        if claim:
            lines.append(f"  {_text(claim)}")
    return lines


def _stale(report: Report) -> list[str]:
    return [f"- {_code(_path(f.file, f.line))} {_text(f.message)}"
            for f in report.findings if f.code in META_CODES]


def review_markdown(report: Report, isolated: Report | None = None) -> str:
    """The Markdown review of one report (optionally with an isolated profile)."""
    targets = ", ".join(report.targets)
    findings = review_findings(report)
    out = [f"# Import review: {_text(targets)}", "", "## Executive summary", "",
           *_summary(report), ""]
    out += ["## Findings, ranked by measured impact", ""]
    if findings:
        for i, finding in enumerate(findings, 1):
            out += _finding_block(i, finding)
    else:
        out += ["None.", ""]
    out += ["## Metrics per module", "", *_metrics_table(report, isolated), ""]
    if report.cycles:
        out += ["## Import cycles", "", *_cycles(report), ""]
    stale = _stale(report)
    if stale:
        out += ["## Suppressions that match nothing", "", *stale, ""]
    out += ["## How this was measured", "", _measured_with(report), ""]
    return "\n".join(out)


def comparison_markdown(
    before: Report, after: Report, *, labels: tuple[str, str] = ("before", "after"),
    isolated: tuple[Report | None, Report | None] = (None, None),
) -> str:
    """The before/after review of two reports, every number measured in both."""
    b_label, a_label = labels
    b_sums, a_sums = report_totals(before), report_totals(after)
    diff = diff_findings(before, after)
    b_findings, a_findings = review_findings(before), review_findings(after)
    out = [
        f"# Import review: {_text(b_label)} vs {_text(a_label)}", "",
        "## Executive summary", "",
        f"- **{_text(b_label)}** ({', '.join(_code(t) for t in before.targets)}): "
        f"{b_sums.modules} modules, {format_ns(b_sums.total_ns)}, heap "
        f"{format_bytes(b_sums.heap_bytes)}, RSS {format_bytes(b_sums.rss_bytes)}; "
        f"{len(b_findings)} finding(s)"
        + (f" ({severity_counts(b_findings)})" if b_findings else "") + ".",
        f"- **{_text(a_label)}** ({', '.join(_code(t) for t in after.targets)}): "
        f"{a_sums.modules} modules, {format_ns(a_sums.total_ns)}, heap "
        f"{format_bytes(a_sums.heap_bytes)}, RSS {format_bytes(a_sums.rss_bytes)}; "
        f"{len(a_findings)} finding(s)"
        + (f" ({severity_counts(a_findings)})" if a_findings else "") + ".",
        f"- **Every module of the tree imported:** import time "
        f"{_percent(b_sums.total_ns, a_sums.total_ns)} less, heap "
        f"{_percent(b_sums.heap_bytes, a_sums.heap_bytes)} less; {len(diff.resolved)} "
        f"finding(s) resolved, {len(diff.new)} new.",
    ]
    b_iso, a_iso = isolated
    both_isolated = b_iso is not None and a_iso is not None
    rows = compare_rows(b_iso or before, a_iso or after,
                        subjects=dict.fromkeys([
                            *before.targets, *sorted({f.module for f in b_findings})]),
                        counts=(before, after) if both_isolated else None)
    for row in rows:
        if row.module in after.targets and row.before and row.after:
            old_cost, new_cost = row.before, row.after
            out.append(
                f"- **Importing {_code(row.module)}"
                f"{' alone' if both_isolated else ''}:** {format_ns(old_cost.time_ns)} -> "
                f"{format_ns(new_cost.time_ns)} "
                f"({_percent(old_cost.time_ns, new_cost.time_ns)} less), heap "
                f"{format_bytes(old_cost.heap_bytes)} -> {format_bytes(new_cost.heap_bytes)}, "
                f"{_count(old_cost.modules)} -> {_count(new_cost.modules)} modules.")
    out += ["", "## Measured metrics per module", ""]
    out += [
        f"| Module | Time {_cell(b_label)} | Time {_cell(a_label)} | Reduction "
        f"| Heap {_cell(b_label)} | Heap {_cell(a_label)} | Reduction "
        f"| RSS {_cell(b_label)} | RSS {_cell(a_label)} "
        f"| Modules {_cell(b_label)} | Modules {_cell(a_label)} |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        b, a = row.before, row.after
        out.append(
            f"| {_cell(row.module)} | {format_ns(b.time_ns if b else None)}"
            f" | {format_ns(a.time_ns if a else None)}"
            f" | {_percent(b.time_ns if b else None, a.time_ns if a else None)}"
            f" | {format_bytes(b.heap_bytes if b else None)}"
            f" | {format_bytes(a.heap_bytes if a else None)}"
            f" | {_percent(b.heap_bytes if b else None, a.heap_bytes if a else None)}"
            f" | {format_bytes(b.rss_bytes if b else None)}"
            f" | {format_bytes(a.rss_bytes if a else None)}"
            f" | {_count(b.modules if b else None)} | {_count(a.modules if a else None)} |"
        )
    basis = ("each module imported alone in a fresh interpreter, its parent packages "
             "included (isolated profiles); modules counted from the tree profiles"
             if both_isolated else
             "the module and everything it imports, its parent packages left out")
    out += ["", f"Cumulative costs measured on both sides: {basis}. "
            f"{MISSING}: not present on that side. Times are medians and vary with the "
            "machine's load; heap bytes and module counts are deterministic.", ""]
    out += ["## Findings resolved", ""]
    out += [f"- **{f.code}** {_code(f.module)} ({f.severity.name.lower()}): "
            f"{_text(f.title)}; it cost {impact_text(f.impact)}." for f in diff.resolved]
    out += ["" if diff.resolved else "None.", ""]
    if diff.remaining or diff.new:
        out += ["## Findings remaining or new", ""]
        out += [f"- **{f.code}** {_code(f.module)}: {_text(f.message)}"
                for f in (*diff.remaining, *diff.new)]
        out.append("")
    out += [f"## {_text(b_label.capitalize())}: findings in detail", ""]
    for i, finding in enumerate(b_findings, 1):
        out += _finding_block(i, finding)
    if not b_findings:
        out += ["None.", ""]
    out += ["## How this was measured", "", f"**{_text(b_label)}:** {_measured_with(before)}",
            "", f"**{_text(a_label)}:** {_measured_with(after)}", ""]
    return "\n".join(out)


def render(report: Report, stream: TextIO, options: RenderOptions) -> None:
    """Write the Markdown review of `report`."""
    stream.write(review_markdown(report))


def render_comparison(
    before: Report, after: Report, stream: TextIO, options: RenderOptions | None = None, *,
    labels: tuple[str, str] = ("before", "after"),
    isolated: tuple[Report | None, Report | None] = (None, None),
) -> None:
    """Write the before/after Markdown review of two reports."""
    stream.write(comparison_markdown(before, after, labels=labels, isolated=isolated))

