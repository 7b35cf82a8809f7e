"""Terminal renderer (formats tree, table, text): a report as rich text for people.

Sections, in order: a header (targets, interpreter, runs, memory, and the environment
notes that shape the numbers), the profile as an import tree or a sorted top-N table,
totals, the child's failure if there was one, then sections other modules draw (the
static graph and cycles, findings, the gate's verdict).

The tree and table views themselves are drawn by `terminal_views`.

Colour only when the stream is a terminal and NO_COLOR is unset, or FORCE_COLOR is set
(`options.color` overrides all three). Piped output is plain: no ANSI codes (unless
FORCE_COLOR), ASCII tree guides, no box lines, no wrapping and no trailing spaces, so
`grep`, `cut` and CI logs read it whole.
"""

from __future__ import annotations

import importlib
import io
import os
from collections import Counter
from typing import TYPE_CHECKING, TextIO

from rich import box
from rich.console import Console
from rich.text import Text

from importaudit.units import format_bytes, format_ns

if TYPE_CHECKING:
    from importaudit.model import ChildFailure, Report, RunMeta, SkippedModule
    from importaudit.render import RenderOptions
    from importaudit.render.terminal_views import Guides

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

_STDERR_TAIL_LINES = 20


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


class Output:
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
        self.unicode = self.terminal and self.console.encoding.lower().startswith("utf")
        self.box = box.SIMPLE_HEAD if self.terminal else None

    @property
    def guides(self) -> Guides:
        """Tree guide strings for this stream (views of measured modules only)."""
        from importaudit.render.terminal_views import Guides

        return Guides(self.unicode)

    def flush(self) -> None:
        """Write buffered plain output without trailing spaces (rich pads table cells)."""
        if self.buffer is None:
            return
        text = self.buffer.getvalue()
        self.stream.write("\n".join(line.rstrip() for line in text.split("\n")))


def render(report: Report, stream: TextIO, options: RenderOptions) -> None:
    """Write `report` for a person: tree or table view per `options.view`, then the rest."""
    out = Output(stream, options)
    console = out.console
    _header(report, console, options)
    if report.modules:
        # Imported here: `graph` and `cycles` reports have no measured modules, and
        # the views (with rich's tables) would be a large part of their start-up.
        from importaudit.render.terminal_views import table_view, tree_view

        if options.command in _PROFILE_COMMANDS or options.verbosity > 0:
            if options.view == "table":
                table_view(report, out, options)
            else:
                tree_view(report, out, options)
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
        if meta.heap_gaps:
            count = sum(len(g.modules) for g in meta.heap_gaps)
            memory = (f"on (separate tracemalloc run, unfinished: {count} module"
                      f"{'s' if count != 1 else ''} without heap figures, see the note)")
        if meta.repeats > 1:
            runs += ", medians"
        lines.append(f"mode: {meta.mode}; {runs}; memory: {memory}")
    if meta.variables:
        lines.append("environment: " + ", ".join(f"{k}={v}" for k, v in meta.variables))
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
    if meta.shard is not None:
        shard = meta.shard
        lines.append(f"shard {shard.index}/{shard.count} of split {shard.split} "
                     f"({shard.basis}): {len(shard.modules)} of {shard.total} modules, "
                     f"on {shard.machine or 'an unnamed host'}")
    if meta.shards:
        hosts = ", ".join(f"{run.meta.shard.index}: {run.meta.shard.machine}"
                          for run in meta.shards if run.meta.shard is not None)
        lines.append(f"merged from {len(meta.shards)} shards ({hosts})")
    return lines


# --------------------------------------------------------------------------- totals, failure


def _totals(report: Report, console: Console, options: RenderOptions) -> None:
    from importaudit import views

    sums = views.report_totals(report)
    line = Text("total: ", style="bold")
    line.append(f"{sums.modules} module{'s' if sums.modules != 1 else ''}, ")
    line.append(f"{format_ns(sums.total_ns)} import time", style="bold")
    if sums.heap_bytes is not None:
        line.append(f", heap {format_bytes(sums.heap_bytes)}")
    elif report.meta is not None and report.meta.heap_gaps:
        line.append(", heap not measured in full (see the note)")
    if sums.rss_bytes is not None:
        line.append(f", RSS {format_bytes(sums.rss_bytes)}")
    if sums.failed:
        line.append(f", {sums.failed} failed", style="bold red")
    if sums.caught:
        line.append(f", {sums.caught} failed import{'s' if sums.caught != 1 else ''} caught "
                    "by the importer (optional)", style="yellow")
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
_SKIP_KINDS = {"missing-dependency": "need a module or library that is not installed",
               "platform": "for another platform",
               "python-version": "for another Python version",
               "walk-order": "import alone, but not after the walk's other modules",
               "not-a-module": "are shared libraries, not modules",
               "folder-of-files": "lie in folders of files without __init__.py"}


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

