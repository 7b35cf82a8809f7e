"""`importaudit baseline diff` output: a table of per-module deltas, then what appeared.

Text for people (a rich table, plain when piped) or JSON for tools. The regression
verdict that closes the text is the same as `check` prints.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from importaudit.model import to_dict
from importaudit.render.terminal_verdict import verdict_lines
from importaudit.units import MISSING, format_bytes, format_ns
from importaudit.views import report_totals

if TYPE_CHECKING:
    from importaudit.baseline import ModuleDelta, ReportDiff
    from importaudit.model import Cycle
    from importaudit.render import RenderOptions

#: Rows of the table unless --top or -v says otherwise.
DEFAULT_ROWS = 20


def _signed(value: int | None, fmt: Any) -> str:
    if value is None:
        return MISSING
    text: str = fmt(value)
    return text if value < 0 else f"+{text}"


def _row(delta: ModuleDelta) -> list[str]:
    return [
        delta.name, delta.status,
        f"{format_ns(delta.old_cumulative_ns)} -> {format_ns(delta.new_cumulative_ns)}",
        _signed(delta.cumulative_delta_ns, format_ns),
        _signed(delta.self_delta_ns, format_ns),
        _signed(delta.heap_delta_bytes, format_bytes),
    ]


def _cycle_text(cycle: Cycle) -> str:
    if cycle.witness:
        return " -> ".join((cycle.witness[0].importer, *(e.imported for e in cycle.witness)))
    return " <-> ".join(cycle.modules)


def render_diff(diff: ReportDiff, stream: TextIO, options: RenderOptions) -> None:
    """Write the diff as text: header, delta table, new/removed modules and cycles."""
    from importaudit.render.terminal import use_color

    color = use_color(stream, options)
    console = Console(file=stream, width=options.width or 4096, no_color=not color,
                      color_system="standard" if color else None, force_terminal=color,
                      highlight=False, markup=False, emoji=False, soft_wrap=True)
    old, new = diff.old, diff.new
    console.print(Text(f"importaudit baseline diff: {', '.join(new.targets)}", style="bold"))
    for label, report in (("old", old), ("new", new)):
        # The modules the import loaded, as the verdict counts them; the interpreter's
        # start-up modules are in the records too, but no import of the targets.
        sums = report_totals(report)
        console.print(f"  {label}: {report.created_at} ({sums.modules} modules loaded, "
                      f"{sums.preloaded} preloaded at start-up not counted)")
    changed = [d for d in diff.modules if d.cumulative_delta_ns or d.status != "both"]
    limit = None if options.verbosity > 0 else options.top or DEFAULT_ROWS
    table = Table(box=None, pad_edge=False, show_edge=False)
    for title in ("module", "status", "cumulative", "delta", "self delta", "heap delta"):
        table.add_column(title, justify="left" if title in ("module", "status") else "right")
    for delta in changed[:limit]:
        style = "red" if delta.cumulative_delta_ns > 0 else "green"
        table.add_row(*_row(delta), style=style if color else None)
    console.print()
    if changed:
        console.print(table)
        if limit is not None and len(changed) > limit:
            console.print(Text(f"... {len(changed) - limit} more changed modules (-v shows all)",
                               style="dim"))
    else:
        console.print("no module changed")
    for title, names in (("new modules", diff.new_modules),
                         ("removed modules", diff.removed_modules),
                         ("new cycles", tuple(map(_cycle_text, diff.new_cycles))),
                         ("fixed cycles", tuple(map(_cycle_text, diff.fixed_cycles)))):
        if names:
            console.print(Text(f"{title} ({len(names)}):", style="bold"))
            for name in names:
                console.print(f"  {name}")
    if diff.verdict is not None:
        console.print()
        for style, line in verdict_lines(diff.verdict, verbose=options.verbosity > 0):
            console.print(Text(line, style=style))


def diff_to_dict(diff: ReportDiff) -> dict[str, Any]:
    """The JSON form of a diff (deltas and verdict; not the two whole reports)."""
    return {
        "old": {"created_at": diff.old.created_at, "targets": list(diff.old.targets)},
        "new": {"created_at": diff.new.created_at, "targets": list(diff.new.targets)},
        "modules": [to_dict(d) | {"cumulative_delta_ns": d.cumulative_delta_ns,
                                  "self_delta_ns": d.self_delta_ns,
                                  "heap_delta_bytes": d.heap_delta_bytes}
                    for d in diff.modules],
        "new_modules": list(diff.new_modules),
        "removed_modules": list(diff.removed_modules),
        "new_cycles": to_dict(diff.new_cycles),
        "fixed_cycles": to_dict(diff.fixed_cycles),
        "verdict": to_dict(diff.verdict),
    }


def render_diff_json(diff: ReportDiff, stream: TextIO) -> None:
    """Write the diff as JSON."""
    json.dump(diff_to_dict(diff), stream, indent=2)
    stream.write("\n")
