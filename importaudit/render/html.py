"""HTML renderer: one self-contained, offline page per report (or per before/after pair).

The page holds the report's data as JSON in a `<script type="application/json">`
element (Jinja2's `tojson` escapes `<`, `>`, `&` and `'`, so a module called
`</script>` cannot end it) and a small vanilla-JS viewer: an icicle chart of the
import tree sized by time, heap or RSS with click-to-zoom, a sortable and filterable
module table, the findings with their fixes, the cycles with their witness paths, and,
for two reports, a before/after comparison. The template renders with autoescaping
on; the script inserts text only through `textContent`. No CDN, no network.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from importaudit.cycletext import claim_label, failure_text
from importaudit.errors import UsageError
from importaudit.loadgraph import HIT, LOAD, PARENT, LoadGraph
from importaudit.render.compare import (
    compare_rows,
    diff_findings,
    module_cost,
    split_fix,
    target_roots,
)
from importaudit.units import format_bytes, format_ns
from importaudit.views import build_tree, report_failure_ends, report_totals

if TYPE_CHECKING:
    from importaudit.model import Finding, Impact, ImportEdge, Report
    from importaudit.render import RenderOptions
    from importaudit.views import TreeNode

TEMPLATES = Path(__file__).parent / "templates"

#: Okabe and Ito's palette, distinguishable with the common colour-vision deficiencies,
#: as (fill, label colour with at least 4.5:1 contrast on it). Top-level packages get
#: these in order of their own import time; the rest share OTHER.
PALETTE: tuple[tuple[str, str], ...] = (
    ("#E69F00", "#111111"), ("#56B4E9", "#111111"), ("#009E73", "#111111"),
    ("#F0E442", "#111111"), ("#0072B2", "#ffffff"), ("#D55E00", "#111111"),
    ("#CC79A7", "#111111"),
)
OTHER = ("#BBBBBB", "#111111")
#: Load-graph edge kinds, packed as their place here.
KINDS: tuple[str, ...] = (LOAD, HIT, PARENT)


def _impact(finding: Finding) -> dict[str, int | None]:
    imp = finding.impact
    return {"time_ns": imp.time_ns, "heap_bytes": imp.heap_bytes, "rss_bytes": imp.rss_bytes,
            "modules": imp.modules}


def finding_data(finding: Finding) -> dict[str, Any]:
    """One finding as the page shows it (fix split into instruction and example)."""
    text, example = split_fix(finding.fix)
    return {
        "code": finding.code, "title": finding.title,
        "severity": finding.severity.name.lower(), "module": finding.module,
        "file": finding.file, "line": finding.line, "message": finding.message,
        "fix": text, "example": example, "impact": _impact(finding),
        "chain": list(finding.chain),
    }


def _tree(report: Report, flagged: set[str]) -> dict[str, Any]:
    """The import forest as nested {n, v: [time, heap, rss], c, f} under one synthetic root."""
    forest = build_tree(report.modules)
    built: dict[int, dict[str, Any]] = {}
    order: list[TreeNode] = []
    stack = list(forest.roots)
    while stack:  # pre-order, then build children-first without recursion
        node = stack.pop()
        order.append(node)
        stack.extend(node.children)
    for node in reversed(order):
        record = node.record
        built[id(node)] = {
            "n": record.name,
            "v": [max(0, record.cumulative_ns), record.heap_bytes, record.rss_bytes],
            "c": [built.pop(id(child)) for child in node.children],
            "f": record.name in flagged,
        }
    roots = [built.pop(id(root)) for root in forest.roots]

    def total(i: int) -> int | None:
        known = [r["v"][i] for r in roots if r["v"][i] is not None]
        return sum(max(0, v) for v in known) if known else None

    return {"n": "all imports", "v": [total(0), total(1), total(2)], "c": roots, "f": False,
            "synthetic": True}


def legend(report: Report) -> list[dict[str, str]]:
    """Top-level package -> colour, costliest (summed own time) first; the rest are "other"."""
    own: dict[str, int] = {}
    for record in report.modules:
        if not record.preloaded:
            top = record.name.partition(".")[0]
            own[top] = own.get(top, 0) + max(0, record.self_ns)
    ranked = sorted(own, key=lambda top: (-own[top], top))
    entries = [{"package": top, "fill": fill, "text": text}
               for top, (fill, text) in zip(ranked, PALETTE, strict=False)]
    if len(ranked) > len(PALETTE):
        entries.append({"package": "", "fill": OTHER[0], "text": OTHER[1]})
    return entries


def _edge(edge: ImportEdge) -> dict[str, Any]:
    return {"from": edge.importer, "to": edge.imported, "kind": edge.kind.value,
            "file": edge.file, "line": edge.line}


def _meta_lines(report: Report) -> list[str]:
    meta = report.meta
    lines = [f"Targets: {', '.join(report.targets)}", f"Report created {report.created_at} "
             f"by importaudit {report.tool_version} (schema {report.schema_version})"]
    if meta is not None:
        lines.append(f"Python {meta.python_version} ({meta.implementation}) at {meta.python} "
                     f"on {meta.platform}")
        lines.append(f"Mode {meta.mode}: median of {meta.repeats} run(s)"
                     + (" after a warm-up" if meta.warmup else "")
                     + ("; heap from a separate tracemalloc run" if meta.memory
                        else "; heap not measured"))
        if meta.startup_ns is not None:
            lines.append(f"Bare interpreter start-up: {format_ns(meta.startup_ns)}")
        if meta.variables:
            lines.append("Environment: " + ", ".join(f"{k}={v}" for k, v in meta.variables))
        lines += list(meta.notes)
    if report.failure is not None:
        lines.append(f"Failure ({report.failure.kind}): {report.failure.message}")
    return lines


def report_data(report: Report) -> dict[str, Any]:
    """Everything the page shows about one report, as JSON-able data."""
    findings = [finding_data(f) for f in report.findings]
    flagged = {f.module for f in report.findings}
    tree = build_tree(report.modules)
    sizes: dict[str, int] = {}
    stack = list(tree.roots)
    while stack:
        node = stack.pop()
        sizes[node.record.name] = node.size
        stack.extend(node.children)
    graph = LoadGraph(report.modules)
    measured = {r.name for r in report.modules if not r.preloaded}
    ends = report_failure_ends(report)
    skipped = {s.name for s in report.skipped}
    caught = {name: end for name, (end, by_importer) in ends.items() if by_importer}
    with_skipped = {name: end for name, (end, by_importer) in ends.items()
                    if not by_importer and end in skipped and end != name}
    modules = [
        {"name": r.name, "importer": r.importer, "self_ns": r.self_ns,
         "cumulative_ns": r.cumulative_ns, "heap_bytes": r.heap_bytes,
         "self_heap_bytes": r.self_heap_bytes, "rss_bytes": r.rss_bytes,
         "modules": sizes.get(r.name), "origin": r.origin, "error": r.error,
         "caught_by": caught.get(r.name),  # an optional import: the importer went on
         "skipped_with": with_skipped.get(r.name),  # fails as a skipped module does
         "via": r.via,  # loaded without the import system: no chain of importers
         # the side panel: spread over the runs, and the module's edges in the one load
         # graph, from which the page finds the same chains `importaudit why` lists
         "self_range": [r.self_ns_min, r.self_ns_max],
         "cumulative_range": [r.cumulative_ns_min, r.cumulative_ns_max],
         "self_rss_bytes": r.self_rss_bytes, "runs": r.runs, "order": r.order,
         "imports": [[name, kind] for name, kind in graph.imports(r.name).items()
                     if name in measured],
         # the timeline: measured start offsets (medians), the thread and its stack depth
         "start_ns": r.start_ns, "thread": r.thread, "depth": r.depth}
        for r in report.modules if not r.preloaded
    ]
    cycles = [
        {"modules": list(c.modules), "cross": c.cross_package, "can_fail": c.can_fail,
         "claim": claim_label(c), "error": failure_text(c),
         "path": [_edge(e) for e in c.witness], "cut": [_edge(e) for e in c.cut]}
        for c in sorted(report.cycles, key=lambda c: (not c.cross_package, c.modules))
    ]
    sums = report_totals(report)
    return {
        "summary": {"targets": list(report.targets), "modules": sums.modules,
                    "total_ns": sums.total_ns, "heap_bytes": sums.heap_bytes,
                    "rss_bytes": sums.rss_bytes, "scope": _scope(report),
                    # a tree or isolated profile imports far more than `import TARGET`
                    # does: each target's own cost is given beside the totals
                    "alone": [{"target": t, "cost": _cost(module_cost(report, t))}
                              for t in target_roots(report)]
                    if report.meta is not None and report.meta.mode in ("tree", "isolated")
                    else []},
        "tree": _tree(report, flagged),
        "modules": modules,
        # loaded before measurement: not in the page, but no chain starts below one
        "preloaded": [r.name for r in report.modules if r.preloaded],
        "findings": findings,
        "cycles": cycles,
        # submodules a tree walk could not import here (another platform, an optional
        # dependency not installed): the panel says so instead of "Import failed"
        "skipped": {s.name: f"{s.kind}: {s.reason}" for s in report.skipped},
        "metrics": [True, any(m["heap_bytes"] is not None for m in modules),
                    any(m["rss_bytes"] is not None for m in modules)],
        "meta": _meta_lines(report),
        "legend": legend(report),
        # start times are measured by the probe; a -X importtime log or an older report
        # has none, and the page says so instead of inventing a timeline
        "timeline": bool(modules) and all(m["start_ns"] is not None for m in modules),
    }


#: The module fields the page receives, in the order of each packed row (see `pack`).
FIELDS: tuple[str, ...] = (
    "name", "importer", "self_ns", "cumulative_ns", "heap_bytes", "self_heap_bytes",
    "rss_bytes", "self_rss_bytes", "modules", "origin", "error", "self_range",
    "cumulative_range", "runs", "order", "imports", "start_ns", "thread", "depth",
    "caught_by", "skipped_with", "via",
)


def pack(data: dict[str, Any]) -> dict[str, Any]:
    """`report_data` in the compact form the page embeds; the page's script unpacks it.

    A 5,000-module report must stay a file people open and mail around: modules become
    rows under one list of field names (no key repeated per module), a module named
    by another (importer, load-graph edges, tree children) becomes its row index, an
    edge's kind its place in `KINDS` (the page gets that list), a file
    path becomes [index of its folder in `dirs`, file name], a min..max equal to the
    median is left out, and the tree becomes each row's child indices plus the roots.
    """
    modules: list[dict[str, Any]] = data["modules"]
    index = {m["name"]: i for i, m in enumerate(modules)}
    dirs: dict[str, int] = {}

    def ref(name: str | None) -> int | str | None:
        return None if name is None else index.get(name, name)

    def origin(path: str | None) -> list[Any] | None:
        if path is None:
            return None
        cut = max(path.rfind("/"), path.rfind("\\")) + 1
        return [dirs.setdefault(path[:cut], len(dirs)), path[cut:]]

    kids: dict[str, list[int]] = {}
    stack = list(data["tree"]["c"])
    while stack:
        node = stack.pop()
        kids[node["n"]] = [index[c["n"]] for c in node["c"]]
        stack.extend(node["c"])
    encode: dict[str, Any] = {
        "importer": ref, "origin": origin,
        "imports": lambda edges: [[ref(name), KINDS.index(kind)] for name, kind in edges],
        "self_range": lambda pair: None if pair[0] == pair[1] else pair,
        "cumulative_range": lambda pair: None if pair[0] == pair[1] else pair,
    }
    rows = [[encode[f](m[f]) if f in encode else m[f] for f in FIELDS] + [kids.get(m["name"], [])]
            for m in modules]
    return {**data, "modules": {"fields": [*FIELDS, "kids"], "rows": rows},
            "dirs": list(dirs), "kinds": list(KINDS), "tree": {"v": data["tree"]["v"],
                                         "roots": [index[c["n"]] for c in data["tree"]["c"]]}}


def _rules(reports: tuple[Report, ...]) -> dict[str, dict[str, str]]:
    from importaudit.review.registry import all_rules

    codes = {f.code for r in reports for f in r.findings}
    return {rule.code: {"title": rule.title, "what": rule.doc.what, "why": rule.doc.why,
                        "fix": rule.doc.fix} for rule in all_rules() if rule.code in codes}


def _cost(impact: Impact | None) -> list[int | None] | None:
    if impact is None:
        return None
    return [impact.time_ns, impact.heap_bytes, impact.rss_bytes, impact.modules]


def _whole(report: Report) -> list[int | None]:
    sums = report_totals(report)
    return [sums.total_ns, sums.heap_bytes, sums.rss_bytes, sums.modules]


def _scope(report: Report) -> str:
    """What a report's totals count, in words a headline can use."""
    mode = report.meta.mode if report.meta is not None else "import"
    return {"tree": "every submodule imported (--tree)", "isolated": "every module alone",
            "program": "the whole program"}.get(mode, "everything the targets imported")


def compare_data(before: Report, after: Report) -> dict[str, Any]:
    """The before/after part of the page: headlines, per-module rows and the finding diff.

    Headlines say what they count: the cost of `import TARGET` for each target (its
    import closure, from the same per-module rows), then the whole profile of each side.
    """
    rows = compare_rows(before, after)
    targets = dict.fromkeys([*before.targets, *after.targets])
    headlines: list[dict[str, Any]] = [
        {"label": f"import {row.module}", "before": _cost(row.before), "after": _cost(row.after)}
        for row in rows if row.module in targets]
    headlines.append({"label": "whole profile", "before": _whole(before), "after": _whole(after),
                      "scope": [_scope(before), _scope(after)]})
    diff = diff_findings(before, after)
    return {"rows": [{"module": row.module, "before": _cost(row.before), "after": _cost(row.after)}
                     for row in rows],
            "headlines": headlines,
            "resolved": [finding_data(f) for f in diff.resolved],
            "remaining": [finding_data(f) for f in diff.remaining],
            "new": [finding_data(f) for f in diff.new]}


def page(reports: tuple[Report, ...], labels: tuple[str, ...], title: str) -> str:
    """The complete HTML page for one report or a before/after pair."""
    try:
        import jinja2
        from markupsafe import Markup
    except ImportError as exc:
        raise UsageError("HTML output needs Jinja2: pip install 'importaudit[html]'") from exc

    from importaudit._version import __version__

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,  # every {{ value }} is HTML-escaped unless marked safe
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    # the data island without the spaces json.dumps puts after "," and ":" by default
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "separators": (",", ":")}
    data = {
        "labels": list(labels),
        "reports": [pack(report_data(r)) for r in reports],
        "compare": compare_data(reports[0], reports[1]) if len(reports) == 2 else None,
        "rules": _rules(reports),
    }
    # Our own stylesheet and script are trusted text; everything from a report goes
    # through autoescaping or the JSON data island.
    stylesheet = Markup((TEMPLATES / "report.css").read_text(encoding="utf-8"))
    script = Markup((TEMPLATES / "report.js").read_text(encoding="utf-8"))
    template = env.get_template("report.html.j2")
    return template.render(title=title, labels=list(labels), data=data, version=__version__,
                           stylesheet=stylesheet, script=script)


def _title(report: Report) -> str:
    sums = report_totals(report)
    return (f"importaudit: {', '.join(report.targets)} ({format_ns(sums.total_ns)}, "
            f"{format_bytes(sums.heap_bytes)} heap)")


def render(report: Report, stream: TextIO, options: RenderOptions) -> None:
    """Write one self-contained HTML page for `report`."""
    stream.write(page((report,), ("report",), _title(report)))


def render_comparison(
    before: Report, after: Report, stream: TextIO, options: RenderOptions | None = None, *,
    labels: tuple[str, str] = ("before", "after"),
) -> None:
    """Write one self-contained HTML page comparing two reports."""
    title = f"importaudit: {labels[0]} vs {labels[1]}"
    stream.write(page((before, after), labels, title))
