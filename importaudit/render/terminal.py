"""Terminal renderer (formats tree, table, text): a report as rich text for people.

Sections, in order: a header (targets, interpreter, runs, memory, and the environment
notes that shape the numbers), the profile as an import tree or a sorted top-N table,
totals, the child's failure if there was one, then sections other modules draw (the
static graph and cycles, findings, the gate's verdict).

Colour only when the stream is a terminal and NO_COLOR is unset, or FORCE_COLOR is set
(`options.color` overrides all three). Piped output is plain: no ANSI codes (unless
FORCE_COLOR), ASCII tree guides, no box
lines, no wrapping and no trailing spaces, so `grep`, `cut` and CI logs read it whole.
"""

from __future__ import annotations

import importlib
import io
import os
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from rich import box
from rich.cells import cell_len
from rich.console import Console
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
    from collections.abc import Collection

    from rich.console import JustifyMethod

    from importaudit.model import ChildFailure, ModuleRecord, Report, RunMeta, SkippedModule
    from importaudit.render import RenderOptions

#: Width of piped output: wide enough that nothing wraps (tables never pad to it).
_PIPE_WIDTH = 4096

#: Commands whose text output is the profile itself; others show its totals (-v: all).
_PROFILE_COMMANDS = frozenset({"profile", "report"})

#: Report parts drawn by other renderer modules, each `FUNCTION(report, console, options)`:
#: (report attribute that must be non-empty, module under importaudit.render, function).
_EXTERNAL_SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("graph", "terminal_graph", "render_static"),
    ("findings", "terminal_findings", "render_findings"),
    ("verdict", "terminal_verdict", "render_verdict"),
)

# Share of the total import time above which a module is coloured as expensive.
_HOT = 0.20
_WARM = 0.05
_COLD = 0.005

_STDERR_TAIL_LINES = 20

#: The narrowest the module-name column gets before columns are dropped to make room.
_MIN_NAME_WIDTH = 24


class _Guides:
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



def use_color(stream: TextIO, options: RenderOptions) -> bool:
    """Decide colour as the ecosystem does: `options.color`, NO_COLOR, FORCE_COLOR, a TTY.

    FORCE_COLOR colours even a pipe (CI logs show ANSI colours). Either variable counts
    when set to a non-empty value (no-color.org, force-color.org); NO_COLOR wins when
    both are, as in rich.
    """
    if options.color is not None:
        return options.color
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return _is_terminal(stream)


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


class _Output:
    """A rich console that writes to the stream, plain (buffered and trimmed) when piped."""

    def __init__(self, stream: TextIO, options: RenderOptions) -> None:
        self.stream = stream
        self.terminal = _is_terminal(stream)
        color = use_color(stream, options)
        self.buffer: io.StringIO | None = None if self.terminal else io.StringIO()
        width = options.width or (None if self.terminal else _PIPE_WIDTH)
        self.console = Console(
            file=self.buffer if self.buffer is not None else stream,
            width=width,
            color_system=("auto" if self.terminal else "standard") if color else None,
            force_terminal=color or self.terminal,
            no_color=not color,
            highlight=False,
            markup=False,
            emoji=False,
            soft_wrap=not self.terminal,
            force_jupyter=False,
            force_interactive=False,
        )
        unicode = self.terminal and self.console.encoding.lower().startswith("utf")
        self.guides = _Guides(unicode)
        self.box = box.SIMPLE_HEAD if self.terminal else None

    def flush(self) -> None:
        """Write buffered plain output without trailing spaces (rich pads table cells)."""
        if self.buffer is None:
            return
        text = self.buffer.getvalue()
        self.stream.write("\n".join(line.rstrip() for line in text.split("\n")))


def render(report: Report, stream: TextIO, options: RenderOptions) -> None:
    """Write `report` for a person: tree or table view per `options.view`, then the rest."""
    out = _Output(stream, options)
    console = out.console
    _header(report, console, options)
    if report.modules:
        if options.command in _PROFILE_COMMANDS or options.verbosity > 0:
            if options.view == "table":
                _table_view(report, out, options)
            else:
                _tree_view(report, out, options)
        _totals(report, console, options)
    elif report.meta is not None and report.failure is None:
        console.print(Text("No module was imported under measurement.", style="yellow"))
    if report.skipped:
        _skipped(report.skipped, console, options)
    if report.failure is not None:
        _failure(report.failure, console, options)
    _external_sections(report, console, options)
    out.flush()


# --------------------------------------------------------------------------- header


def _header(report: Report, console: Console, options: RenderOptions) -> None:
    title = Text(f"importaudit {options.command}: ", style="bold")
    title.append(", ".join(report.targets) or "(no targets)", style="bold cyan")
    console.print(title)
    meta = report.meta
    if meta is not None:
        if options.verbosity >= 0:
            for line in _meta_lines(meta):
                console.print(Text("  " + line, style="dim"))
        for note in meta.notes:
            console.print(Text.assemble(("  note: ", "bold yellow"), (note, "yellow")))
    if report.failure is not None:
        console.print(Text("  status: FAILED (details below)", style="bold red"))
    console.print()


def _meta_lines(meta: RunMeta) -> list[str]:
    lines: list[str] = []
    if meta.mode != "importtime":  # a log says nothing of interpreter or runs (see notes)
        python = f"python {meta.python_version} ({meta.implementation}) {meta.python}"
        lines.append(f"{python} on {meta.platform}")
        runs = f"{meta.repeats} measured run{'s' if meta.repeats != 1 else ''}"
        if meta.warmup:
            runs += " after 1 warm-up"
        memory = "on (separate tracemalloc run)" if meta.memory else "off"
        if meta.repeats > 1:
            runs += ", medians"
        lines.append(f"mode: {meta.mode}; {runs}; memory: {memory}")
    timing = []
    if meta.startup_ns is not None:
        timing.append(f"interpreter start-up {format_ns(meta.startup_ns)}")
    if meta.wall_ns is not None:
        timing.append(f"one run {format_ns(meta.wall_ns)} wall")
    if meta.timeout_s is not None:
        timing.append(f"timeout {meta.timeout_s:g} s")
    if meta.program_exit_code is not None:
        timing.append(f"program exit status {meta.program_exit_code}")
    if timing:
        lines.append("; ".join(timing))
    return lines


# --------------------------------------------------------------------------- views


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
               skipped: Collection[str] = ()) -> Text:
    text = Text(record.name, style=style)
    if record.thread:
        text.append(f" [thread {record.thread}]", style="magenta")
    if in_tree is not None and record.importer is not None and record.importer not in in_tree:
        text.append(f" (imported by {record.importer})", style="dim")
    if record.error and record.name in skipped:
        text.append(f" skipped: {record.error}", style="yellow")
    elif record.error:
        text.append(f" FAILED: {record.error}", style="bold red")
    return text


def _tree_view(report: Report, out: _Output, options: RenderOptions) -> None:
    records = report.modules
    skipped = {s.name for s in report.skipped}
    total = views.totals(records).total_ns
    tree = views.fold_tree(views.build_tree(records), options.threshold_ns)
    verbose = options.verbosity > 0
    show_heap, show_rss = _has(records, "heap_bytes"), _has(records, "rss_bytes")

    columns = [_Column("module (importer -> imported)", flexible=True), _Column("self"),
               _Column("cumulative"), _Column("%", drop=1)]
    if verbose:
        columns.append(_Column("cumulative min..max", drop=0))
    if show_heap:
        columns.append(_Column("heap", drop=3))
    if show_rss:
        columns.append(_Column("RSS", drop=2))

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
        name.append_text(_name_text(record, style, in_tree, skipped))
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
    _print_fitted(out, columns, rows)
    if options.threshold_ns > 0:
        out.console.print(Text(
            f"(branches under {format_ns(options.threshold_ns)} cumulative are folded)",
            style="dim"))


def _folded_row(
    folded: views.Folded, prefix: str, guides: _Guides, total: int,
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


def _table_view(report: Report, out: _Output, options: RenderOptions) -> None:
    records = report.modules
    sums = views.totals(records)
    total = sums.total_ns
    ranked = views.top_n(records, options.sort, options.top)
    verbose = options.verbosity > 0
    show_heap, show_rss = _has(records, "heap_bytes"), _has(records, "rss_bytes")

    sort = options.sort

    def ranked_column(label: str, key: str, drop: int | None) -> _Column:
        # The column the rows are sorted by stays, however narrow the terminal.
        return _Column(label + (" *" if key == sort else ""),
                       drop=None if key == sort else drop)

    columns = [_Column("#"), _Column("module", justify="left", flexible=True),
               ranked_column("self", "self", None),
               ranked_column("cumulative", "cumulative", None), _Column("%", drop=2)]
    if verbose:
        columns += [_Column("self min..max", drop=1), _Column("cumulative min..max", drop=1)]
    if show_heap:
        columns += [ranked_column("heap", "heap", 6), _Column("self heap", drop=3)]
    if show_rss:
        columns.append(ranked_column("RSS", "rss", 4))
    columns.append(_Column("importer", justify="left", drop=0))

    skipped = {s.name for s in report.skipped}
    rows: list[list[Text | str]] = []
    for rank, record in enumerate(ranked, start=1):
        style = _cost_style(record.cumulative_ns, total)
        row: list[Text | str] = [
            str(rank),
            _name_text(record, style, skipped=skipped),
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
    _print_fitted(out, columns, rows)
    shown = len(ranked)
    if shown < sums.modules:
        out.console.print(Text(f"(top {shown} of {sums.modules} modules by {options.sort}; "
                               "--top N shows more)", style="dim"))


@dataclass(frozen=True, slots=True)
class _Column:
    """A column of a view, and how it gives way on a terminal too narrow for all of them."""

    header: str
    justify: JustifyMethod = "right"
    drop: int | None = None  # None: always shown; otherwise dropped lowest first
    flexible: bool = False  # the one column that gets the width left (names, shortened)


def _cell_width(cell: Text | str) -> int:
    return cell.cell_len if isinstance(cell, Text) else cell_len(cell)


def _print_fitted(out: _Output, columns: list[_Column], rows: list[list[Text | str]]) -> None:
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


# --------------------------------------------------------------------------- totals, failure


def _totals(report: Report, console: Console, options: RenderOptions) -> None:
    sums = views.report_totals(report)
    line = Text("total: ", style="bold")
    line.append(f"{sums.modules} module{'s' if sums.modules != 1 else ''}, ")
    line.append(f"{format_ns(sums.total_ns)} import time", style="bold")
    if sums.heap_bytes is not None:
        line.append(f", heap {format_bytes(sums.heap_bytes)}")
    if sums.rss_bytes is not None:
        line.append(f", RSS {format_bytes(sums.rss_bytes)}")
    if sums.failed:
        line.append(f", {sums.failed} failed", style="bold red")
    if sums.skipped:
        line.append(f", {sums.skipped} skipped", style="yellow")
    console.print(line)
    if sums.preloaded:
        preloaded = [r.name for r in report.modules if r.preloaded]
        if options.verbosity > 0:
            console.print(Text(f"preloaded before measurement ({sums.preloaded}, not counted): "
                               + ", ".join(preloaded), style="dim"))
        else:
            console.print(Text(f"{sums.preloaded} modules were preloaded before measurement "
                               "and are not counted (-v lists them)", style="dim"))


def _skipped(skipped: tuple[SkippedModule, ...], console: Console,
             options: RenderOptions) -> None:
    """One line on what a tree walk left out and why; each module and its reason with -v."""
    kinds = Counter(s.kind for s in skipped)
    why = ", ".join(f"{n} {_SKIP_KINDS.get(kind, kind)}" for kind, n in sorted(kinds.items()))
    line = Text(f"skipped {len(skipped)} submodule{'s' if len(skipped) != 1 else ''} "
                f"that cannot be imported here ({why}); not failures", style="yellow")
    if options.verbosity <= 0:
        line.append(" (-v lists them)", style="dim")
    console.print(line)
    if options.verbosity > 0:
        for skip in skipped:
            console.print(Text.assemble(("  " + skip.name, "yellow"), f": {skip.reason}"))
            where = f" at {skip.file}:{skip.line}" if skip.file else ""
            console.print(Text(f"    {skip.error}{where}", style="dim"))


#: How the skipped-modules line names each kind of reason.
_SKIP_KINDS = {"missing-dependency": "need a module that is not installed",
               "platform": "for another platform"}


def _failure(failure: ChildFailure, console: Console, options: RenderOptions) -> None:
    console.print()
    head = Text("FAILED", style="bold red")
    head.append(f" ({failure.kind})", style="red")
    if failure.module:
        head.append(f" while importing {failure.module}", style="red")
    head.append(f": {failure.message}")
    console.print(head)
    how = []
    if failure.exit_code is not None:
        how.append(f"exit status {failure.exit_code}")
    if failure.signal:
        how.append(f"signal {failure.signal}")
    if how:
        console.print(Text("  child ended with " + ", ".join(how), style="red"))
    if failure.file:
        console.print(Text(f"  raised at {failure.file}:{failure.line}", style="red"))
    if failure.traceback and options.verbosity > 0:
        for line in failure.traceback:
            console.print(Text("  " + line))
    elif failure.traceback:
        console.print(Text("  (-v shows its traceback)", style="dim"))
    tail = failure.stderr_tail.rstrip("\n").splitlines()[-_STDERR_TAIL_LINES:]
    if tail:
        console.print(Text("  last lines of its stderr:", style="dim"))
        for line in tail:
            console.print(Text("  | " + line))


# --------------------------------------------------------------------------- other sections


def _external_sections(report: Report, console: Console, options: RenderOptions) -> None:
    """Static graph, findings and verdict: drawn by their own modules, imported when present."""
    for attr, module, function in _EXTERNAL_SECTIONS:
        present = bool(getattr(report, attr)) or (attr == "graph" and bool(report.cycles))
        if not present:
            continue
        console.print()
        draw = getattr(importlib.import_module(f"importaudit.render.{module}"), function)
        draw(report, console, options)

