"""The profile drawn for a terminal: the import tree or the top-N table, fitted to its width.

Both views colour a module by its share of the total import time, and both go through
`print_fitted`, which keeps every number whole on a narrow terminal: the module-name
column gives way first, then the least useful columns are dropped. `terminal.render`
decides which view a command shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text

from importaudit import views
from importaudit.units import (
    MISSING,
    format_bytes,
    format_ns,
    format_percent,
    format_spread,
)

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping

    from rich.console import JustifyMethod

    from importaudit.model import ModuleRecord, Report
    from importaudit.render import RenderOptions
    from importaudit.render.terminal import Output

# Share of the total import time above which a module is coloured as expensive.
_HOT = 0.20
_WARM = 0.05
_COLD = 0.005

#: The narrowest the module-name column gets before columns are dropped to make room.
_MIN_NAME_WIDTH = 24


class Guides:
    """Tree guide strings: Unicode on a UTF-8 terminal, ASCII everywhere else."""

    def __init__(self, unicode: bool) -> None:
        if unicode:
            self.branch, self.last, self.pipe, self.space, self.more = (
                "├─ ", "└─ ", "│  ", "   ", "…",
            )
        else:
            self.branch, self.last, self.pipe, self.space, self.more = (
                "|- ", "`- ", "|  ", "   ", "...",
            )

    def prefix(self, lasts: tuple[bool, ...]) -> str:
        """Guide for a row given, per level from the roots down, whether it is a last child."""
        if len(lasts) <= 1:
            return ""
        parts = [self.space if last else self.pipe for last in lasts[1:-1]]
        parts.append(self.last if lasts[-1] else self.branch)
        return "".join(parts)


def _cost_style(value: int | None, total: int) -> str:
    """Colour by share of the total import time: red hot, yellow warm, dim negligible."""
    if value is None or total <= 0:
        return ""
    share = value / total
    if share >= _HOT:
        return "bold red"
    if share >= _WARM:
        return "yellow"
    if share < _COLD:
        return "dim"
    return ""


def _has(records: tuple[ModuleRecord, ...], attr: str) -> bool:
    return any(getattr(r, attr) is not None for r in records)


def _name_text(record: ModuleRecord, style: str, in_tree: set[str] | None = None,
               skipped: Collection[str] = (),
               ends: Mapping[str, tuple[str, bool]] | None = None) -> Text:
    text = Text(record.name, style=style)
    if record.thread:
        text.append(f" [thread {record.thread}]", style="magenta")
    if in_tree is not None and record.importer is not None and record.importer not in in_tree:
        text.append(f" (imported by {record.importer})", style="dim")
    end, caught = (ends or {}).get(record.name, (record.name, False))
    # One line per row: an error may span several (docutils' CommonMark wrapper's does).
    error = " ".join(record.error.split()) if record.error else None
    if error and record.name in skipped:
        text.append(f" skipped: {error}", style="yellow")
    elif error and caught:
        text.append(f" failed, caught by {end}: {error}", style="yellow")
    elif error and end in skipped:
        text.append(f" skipped with {end}: {error}", style="yellow")
    elif error:
        text.append(f" FAILED: {error}", style="bold red")
    return text


def tree_view(report: Report, out: Output, options: RenderOptions) -> None:
    """The import tree, importer above imported, small branches folded (`threshold_ns`)."""
    records = report.modules
    skipped = {s.name for s in report.skipped}
    ends = views.report_failure_ends(report)
    total = views.totals(records).total_ns
    tree = views.fold_tree(views.build_tree(records), options.threshold_ns)
    verbose = options.verbosity > 0
    show_heap, show_rss = _has(records, "heap_bytes"), _has(records, "rss_bytes")

    columns = [Column("module (importer -> imported)", flexible=True), Column("self"),
               Column("cumulative"), Column("%", drop=1)]
    if verbose:
        columns.append(Column("cumulative min..max", drop=0))
    if show_heap:
        columns.append(Column("heap", drop=3))
    if show_rss:
        columns.append(Column("RSS", drop=2))

    rows: list[list[Text | str]] = []
    in_tree = {r.name for r in records if not r.preloaded}
    guides = out.guides
    for item, lasts in views.walk_tree(tree):
        prefix = guides.prefix(lasts)
        if isinstance(item, views.Folded):
            rows.append(_folded_row(item, prefix, guides, total, verbose, show_heap, show_rss))
            continue
        record = item.record
        style = _cost_style(record.cumulative_ns, total)
        name = Text()
        name.append(prefix, style="dim")
        name.append_text(_name_text(record, style, in_tree, skipped, ends))
        row: list[Text | str] = [
            name,
            Text(format_ns(record.self_ns), style=_cost_style(record.self_ns, total)),
            Text(format_ns(record.cumulative_ns), style=style),
            format_percent(record.cumulative_ns, total),
        ]
        if verbose:
            row.append(format_spread(record.cumulative_ns_min, record.cumulative_ns_max)
                       if record.runs > 1 else MISSING)
        if show_heap:
            row.append(format_bytes(record.heap_bytes))
        if show_rss:
            row.append(format_bytes(record.rss_bytes))
        rows.append(row)
    print_fitted(out, columns, rows)
    if options.threshold_ns > 0:
        out.console.print(Text(
            f"(branches under {format_ns(options.threshold_ns)} cumulative are folded)",
            style="dim"))


def _folded_row(
    folded: views.Folded, prefix: str, guides: Guides, total: int,
    verbose: bool, show_heap: bool, show_rss: bool,
) -> list[Text | str]:
    label = Text()
    label.append(prefix, style="dim")
    modules = f"{folded.modules} module{'s' if folded.modules != 1 else ''}"
    label.append(f"{guides.more} {modules}, {format_ns(folded.cumulative_ns)} (folded)",
                 style="dim italic")
    row: list[Text | str] = [label, "", Text(format_ns(folded.cumulative_ns), style="dim"),
                             format_percent(folded.cumulative_ns, total)]
    if verbose:
        row.append("")
    if show_heap:
        row.append(format_bytes(folded.heap_bytes))
    if show_rss:
        row.append("")
    return row


def table_view(report: Report, out: Output, options: RenderOptions) -> None:
    """The top `options.top` modules by `options.sort`, one row each."""
    records = report.modules
    sums = views.totals(records)
    total = sums.total_ns
    ranked = views.top_n(records, options.sort, options.top)
    verbose = options.verbosity > 0
    show_heap, show_rss = _has(records, "heap_bytes"), _has(records, "rss_bytes")

    sort = options.sort

    def ranked_column(label: str, key: str, drop: int | None) -> Column:
        # The column the rows are sorted by stays, however narrow the terminal.
        return Column(label + (" *" if key == sort else ""),
                       drop=None if key == sort else drop)

    columns = [Column("#"), Column("module", justify="left", flexible=True),
               ranked_column("self", "self", None),
               ranked_column("cumulative", "cumulative", None), Column("%", drop=2)]
    if verbose:
        columns += [Column("self min..max", drop=1), Column("cumulative min..max", drop=1)]
    if show_heap:
        columns += [ranked_column("heap", "heap", 6), Column("self heap", drop=3)]
    if show_rss:
        columns.append(ranked_column("RSS", "rss", 4))
    columns.append(Column("importer", justify="left", drop=0))

    skipped = {s.name for s in report.skipped}
    ends = views.report_failure_ends(report)
    rows: list[list[Text | str]] = []
    for rank, record in enumerate(ranked, start=1):
        style = _cost_style(record.cumulative_ns, total)
        row: list[Text | str] = [
            str(rank),
            _name_text(record, style, skipped=skipped, ends=ends),
            Text(format_ns(record.self_ns), style=_cost_style(record.self_ns, total)),
            Text(format_ns(record.cumulative_ns), style=style),
            format_percent(record.cumulative_ns, total),
        ]
        if verbose:
            many = record.runs > 1
            row.append(format_spread(record.self_ns_min, record.self_ns_max) if many else MISSING)
            row.append(format_spread(record.cumulative_ns_min, record.cumulative_ns_max)
                       if many else MISSING)
        if show_heap:
            row.extend([format_bytes(record.heap_bytes), format_bytes(record.self_heap_bytes)])
        if show_rss:
            row.append(format_bytes(record.rss_bytes))
        row.append(Text(record.importer or MISSING, style="dim"))
        rows.append(row)
    print_fitted(out, columns, rows)
    shown = len(ranked)
    if shown < sums.modules:
        out.console.print(Text(f"(top {shown} of {sums.modules} modules by {options.sort}; "
                               "--top N shows more)", style="dim"))


@dataclass(frozen=True, slots=True)
class Column:
    """A column of a view, and how it gives way on a terminal too narrow for all of them."""

    header: str
    justify: JustifyMethod = "right"
    drop: int | None = None  # None: always shown; otherwise dropped lowest first
    flexible: bool = False  # the one column that gets the width left (names, shortened)


def _cell_width(cell: Text | str) -> int:
    return cell.cell_len if isinstance(cell, Text) else cell_len(cell)


def print_fitted(out: Output, columns: list[Column], rows: list[list[Text | str]]) -> None:
    """Print a table that fits the terminal by dropping columns and shortening names.

    Rich, left to itself, narrows every column alike and so cuts numbers ("208…") and
    squeezes columns away. Here numbers always show whole: the flexible (name) column
    gives way down to `_MIN_NAME_WIDTH`, then droppable columns go, least useful first;
    if even that does not fit, lines run long rather than cut a number.
    """
    width = out.console.width
    widths = [max([cell_len(c.header), *(_cell_width(row[i]) for row in rows)])
              for i, c in enumerate(columns)]
    # Between two columns: a space of padding on each side, and a rule where a box is.
    gap = 3 if out.box is not None else 2

    def needed(kept: list[int]) -> int:
        return (sum(min(widths[i], _MIN_NAME_WIDTH) if columns[i].flexible else widths[i]
                    for i in kept) + gap * (len(kept) - 1))

    kept = list(range(len(columns)))
    while needed(kept) > width:
        droppable = [i for i in kept if columns[i].drop is not None]
        if not droppable:
            break
        kept.remove(min(droppable, key=lambda i: (columns[i].drop, -i)))
    fixed = sum(widths[i] for i in kept if not columns[i].flexible) + gap * (len(kept) - 1)
    table = Table(box=out.box, show_edge=False, pad_edge=False, header_style="bold")
    for i in kept:
        column = columns[i]
        size = widths[i]
        if column.flexible:
            size = max(min(size, width - fixed), min(size, _MIN_NAME_WIDTH))
        justify: JustifyMethod = "left" if column.flexible else column.justify
        table.add_column(column.header, justify=justify, width=size, no_wrap=True,
                         overflow="ellipsis")
    for row in rows:
        table.add_row(*(row[i] for i in kept))
    least = needed(kept)
    if least <= width:
        out.console.print(table)
        return
    # Not even the essential columns fit: print as wide as they need (the terminal wraps
    # the lines), since Console.print never goes wider than the console.
    console_width = out.console.width
    out.console.width = least
    try:
        out.console.print(table)
    finally:
        out.console.width = console_width
