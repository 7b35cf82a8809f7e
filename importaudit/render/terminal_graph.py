"""Terminal section for the static import graph and its cycles.

`render_static(report, console, options)` is what the terminal renderer calls when a
report holds a graph (and what anyone holding a rich Console can call directly). It
prints, in order: a summary with edge counts by kind (and how many compiled modules
were read from the source beside them, how many have imports unknown); for `graph` the edges
of every module of the targets (grouped by imported module and kind, with line
numbers); the problems met while reading the source; and, when cycles were sought,
every cycle with its witness path (file:line on each edge), whether it fails at
import (reproduced by importing a member first, with the error), is only
order-dependent (suspected, not reproduced) or can fail by static reasoning alone
(unverified), or, nothing suspected, imports from each of its entry points (run) or
takes no name from a partly initialised module (unverified); and the suggested edges
to cut. Output is ASCII, so it survives any terminal
and `grep`; colour is the console's business.
"""

from __future__ import annotations

import ast
import functools
import linecache
import os
from collections import Counter
from typing import TYPE_CHECKING

from rich.text import Text

from importaudit.cycletext import (
    caught_text,
    claim_label,
    claims_count,
    first_text,
    only_start,
    other_reason_text,
    ran_only_order,
    trial_text,
    unreached,
    unreached_text,
    unsuspected_label,
)
from importaudit.model import KIND_ORDER, EdgeKind, Proof
from importaudit.static.nofile import NOT_SCANNED, shapes_of, why_no_file

if TYPE_CHECKING:
    from collections.abc import Mapping

    from rich.console import Console

    from importaudit.model import Cycle, ImportEdge, ModuleNode, Report, StaticGraph
    from importaudit.render import RenderOptions
    from importaudit.static.nofile import Shape

#: Rows shown without -v; the rest are counted.
_PROBLEMS_SHOWN = 20
_FAILING_SHOWN = 3
_CUT_SHOWN = 10
_NAMES_SHOWN = 4
_KIND_STYLE = {
    EdgeKind.EAGER: "bold",
    EdgeKind.OPTIONAL: "yellow",
    EdgeKind.PARENT: "dim",
    EdgeKind.DYNAMIC: "magenta",
    EdgeKind.LAZY: "green",
    EdgeKind.DEFERRED: "cyan",
    EdgeKind.TYPE_ONLY: "dim",
}


def _kinds_text(kinds: tuple[EdgeKind, ...] | list[EdgeKind]) -> str:
    return ", ".join(k.value for k in sorted(kinds, key=KIND_ORDER.__getitem__))


def _where(edge: ImportEdge) -> str:
    if edge.file and edge.line:
        return f"{edge.file}:{edge.line}"
    return edge.file or edge.importer


def _names(names: tuple[str, ...] | list[str]) -> str:
    shown = ", ".join(names[:_NAMES_SHOWN])
    return shown + (", ..." if len(names) > _NAMES_SHOWN else "")


def _limit(rows: tuple[ImportEdge, ...], options: RenderOptions,
           shown: int) -> tuple[ImportEdge, ...]:
    return rows if options.verbosity > 0 else rows[:shown]


#: How many lines one import statement may run over (parentheses, backslashes, a try).
_STATEMENT_LINES = 60


@functools.lru_cache(maxsize=256)
def _imports_at(file: str, line: int) -> tuple[ast.Import | ast.ImportFrom, ...]:
    """The import statements that start at `line` of `file` (none when unreadable).

    Only the statement is parsed, not the file: the lines from `line` on, one more at a
    time until they parse (a bracketed list, a backslash, `try: import x` and its
    `except`), its indentation taken off. Parsing and walking whole files for the few
    edges a cycle report shows cost Django's `cycles` a third of its run.
    """
    lines = linecache.getlines(file)
    if not 0 < line <= len(lines):
        return ()
    first = lines[line - 1]
    indent = first[:len(first) - len(first.lstrip())]
    block = [first.lstrip()]
    for at in range(line, min(len(lines), line - 1 + _STATEMENT_LINES) + 1):
        try:
            tree = ast.parse("".join(block))
        except (SyntaxError, ValueError):
            if at >= len(lines):
                return ()
            following = lines[at]
            block.append(following[len(indent):] if following.startswith(indent)
                         else following)
            continue
        return tuple(node for node in ast.walk(tree)
                     if isinstance(node, ast.Import | ast.ImportFrom) and node.lineno == 1)
    return ()


def _as_written(edge: ImportEdge) -> str | None:
    """The import statement behind `edge` as its source writes it, if it can be read.

    `from .sansio import http as _sansio_http`, not the `import werkzeug.sansio.http`
    the edge resolved it to; a long list of names is cut as the edge's own are.
    """
    if edge.file is None or edge.line is None:
        return None
    found = _imports_at(edge.file, edge.line)
    tail = edge.imported.rpartition(".")[2]
    named = [n for n in found if tail in {a.name.rpartition(".")[2] for a in n.names}
             or (isinstance(n, ast.ImportFrom) and (n.module or "").endswith(tail))]
    chosen = named or found
    if len(chosen) != 1:
        return None
    node = chosen[0]
    aliases = [f"{a.name} as {a.asname}" if a.asname else a.name for a in node.names]
    names = _names(aliases)
    if isinstance(node, ast.Import):
        return f"import {names}"
    return f"from {'.' * node.level}{node.module or ''} import {names}"


def statement_text(edge: ImportEdge) -> str:
    """What the statement behind an edge says: as written where its file can be read.

    Otherwise as near as the edge knows it (the module it resolved to, its names).
    """
    if edge.kind is EdgeKind.PARENT:
        return f"(runs package {edge.imported} first)"
    if edge.kind is not EdgeKind.DYNAMIC:
        written = _as_written(edge)
        if written is not None:
            return written
    if edge.names:
        return f"from {edge.imported} import {_names(edge.names)}"
    if edge.kind is EdgeKind.DYNAMIC:
        return f"import_module({edge.imported!r})"
    return f"import {edge.imported}"


def render_static(report: Report, console: Console, options: RenderOptions) -> None:
    """Print the report's static graph section and, when cycles were sought, its cycles."""
    graph = report.graph
    if graph is not None:
        _summary(graph, console)
        if options.command == "graph" and options.verbosity >= 0:
            _edges(graph, console, options)
        _problems(graph, console, options)
    if report.cycles or (graph is not None and graph.cycle_kinds):
        kinds = graph.cycle_kinds if graph is not None else ()
        _cycles(report.cycles, kinds, console, options)
        if graph is not None and graph.imports_unknown:
            _unseen(graph.imports_unknown, console, options)


def _summary(graph: StaticGraph, console: Console) -> None:
    internal = sum(1 for n in graph.modules if not n.external)
    outside = len(graph.modules) - internal
    line = Text("import graph: ", style="bold")
    line.append(f"{len(graph.modules)} modules ({internal} in the targets, {outside} outside), "
                f"{len(graph.edges)} edges")
    if graph.kinds:
        line.append(f" of kinds {_kinds_text(graph.kinds)}")
    console.print(line)
    counts = Counter(e.kind for e in graph.edges)
    if counts:
        parts = [f"{kind.value} {counts[kind]}"
                 for kind in sorted(counts, key=KIND_ORDER.__getitem__)]
        console.print(Text("  " + ", ".join(parts), style="dim"))
    compiled = sum(1 for n in graph.modules if n.compiled)
    if compiled:
        unknown = len(graph.imports_unknown)
        line = Text(f"  {compiled} compiled module(s): {compiled - unknown} read from the "
                    "source beside them", style="dim")
        if unknown:
            line.append(f", {unknown} with imports unknown (no source ships; their edges "
                        "and cycles through them are missing)", style="yellow")
        console.print(line, soft_wrap=True)
    if graph.python:
        console.print(Text(f"  environment: the sys.path of {graph.python}", style="dim"))
    for note in graph.notes:
        console.print(Text(f"  note: {note}", style="dim"), soft_wrap=True)


def _module_head(node: ModuleNode, imports: bool, left_out: bool,
                 shapes: Mapping[str, Shape]) -> Text:
    """A module's name, its file, and what kind of module it is when that matters.

    `left_out`: the walk left it out (a test package, an exclude pattern). `shapes`:
    what each module of the targets with a file is (`shapes_of`), to say what one
    without a file is (`nofile.why_no_file`).
    """
    head = Text(node.name, style="bold cyan")
    if node.file:
        head.append(f"  {node.file}", style="dim")
    if node.compiled and node.source is not None:
        head.append(f"  (compiled; imports read from {os.path.basename(node.source)} "
                    "beside it)", style="dim")
    if node.compiled and node.source is None:
        # Not "imports nothing": nobody can read what it imports.
        head.append("  (compiled, no source: imports unknown)", style="yellow")
    elif node.namespace:
        head.append("  (namespace package)", style="dim")
    elif node.file is None and left_out:
        head.append("  (imported, but left out of the walk: see the notes above)", style="dim")
    elif node.file is None:
        why = why_no_file(node.name, shapes.get)
        said = "but not in the scanned tree" if why == NOT_SCANNED else why
        head.append(f"  (imported, {said})", style="yellow")
    elif not imports:
        head.append("  (imports nothing)", style="dim")
    return head


def _edges(graph: StaticGraph, console: Console, options: RenderOptions) -> None:
    """Every module of the targets with what it imports, one line per (module, kind)."""
    by_importer: dict[str, list[ImportEdge]] = {}
    for edge in graph.edges:
        by_importer.setdefault(edge.importer, []).append(edge)
    # The file each module's edges were read from (a compiled one's source).
    files = {n.name: n.source if n.compiled else n.file for n in graph.modules}
    excluded = frozenset(graph.excluded)
    shapes = shapes_of(graph)
    for node in graph.modules:
        if node.external:
            continue
        edges = by_importer.get(node.name, [])
        console.print()
        parts = node.name.split(".")
        left_out = any(".".join(parts[:i]) in excluded for i in range(1, len(parts) + 1))
        console.print(_module_head(node, bool(edges), left_out, shapes), soft_wrap=True)
        groups: dict[tuple[str, EdgeKind], list[ImportEdge]] = {}
        for edge in edges:
            groups.setdefault((edge.imported, edge.kind), []).append(edge)
        order = sorted(groups, key=lambda g: (KIND_ORDER[g[1]], g[0]))
        for imported, kind in order:
            group = groups[(imported, kind)]
            line = Text("  -> ")
            line.append(imported, style="dim" if group[0].external else "")
            line.append(f"  {kind.value}", style=_KIND_STYLE[kind])
            lines = [str(e.line) for e in group if e.line and e.file == files.get(node.name)]
            other = [_where(e) for e in group if e.line and e.file != files.get(node.name)]
            if lines or other:
                line.append("  line " + ", ".join([*lines, *other]), style="dim")
            if options.verbosity > 0:
                names = sorted({n for e in group for n in e.names})
                if names:
                    line.append(f"  ({', '.join(names)})", style="dim")
            console.print(line, soft_wrap=True)


def _problems(graph: StaticGraph, console: Console, options: RenderOptions) -> None:
    if not graph.problems:
        return
    console.print()
    console.print(Text(f"{len(graph.problems)} problem(s) reading the source:", style="yellow"))
    shown = graph.problems if options.verbosity > 0 else graph.problems[:_PROBLEMS_SHOWN]
    for problem in shown:
        where = problem.file + (f":{problem.line}" if problem.line else "")
        console.print(Text(f"  {where}: {problem.reason}"), soft_wrap=True)
    hidden = len(graph.problems) - len(shown)
    if hidden:
        console.print(Text(f"  ... and {hidden} more (-v shows all)", style="dim"))


def _unseen(names: tuple[str, ...], console: Console, options: RenderOptions) -> None:
    """Say that cycles through modules whose imports are unknown cannot be seen."""
    shown = names if options.verbosity > 0 or len(names) <= 8 else (
        *names[:8], f"... {len(names) - 8} more (-v)")
    console.print(Text(f"imports unknown for {len(names)} compiled module(s) without source "
                       f"({', '.join(shown)}): cycles through them cannot be seen",
                       style="yellow"), soft_wrap=True)


def _claims(cycle: Cycle, console: Console, options: RenderOptions) -> None:
    """The failures reproduced, else the suspected statements, and other failed trials."""
    shown = _FAILING_SHOWN if options.verbosity <= 0 else len(cycle.trials)
    for trial in cycle.failures[:shown]:
        console.print(Text(f"  fails: {trial_text(trial)}", style="red"), soft_wrap=True)
    if len(cycle.failures) > shown:
        console.print(Text(f"  ... {len(cycle.failures) - shown} more entry points fail (-v)",
                           style="dim"))
    caught = cycle.caught_failures
    for trial, failure in caught[:shown]:
        said = "failed once (caught)" if failure.imported_later else "fails (caught)"
        console.print(Text(f"  {said}: {caught_text(trial, failure)}",
                           style="red"), soft_wrap=True)
    if len(caught) > shown:
        console.print(Text(f"  ... {len(caught) - shown} more caught failures (-v)",
                           style="dim"))
    if not cycle.fails and cycle.failing and options.verbosity <= 0 \
            and ran_only_order(cycle) is not None:
        # The order run is the only one there is, and nothing failed: the statements
        # suspected of it read as alarms next to "does not fail" (networkx: 224 of them).
        console.print(Text(f"  {len(cycle.failing)} `from` import(s) suspected, which that "
                           "order ran without error (-v lists them)", style="dim"),
                      soft_wrap=True)
    elif not cycle.fails:
        failing = _limit(cycle.failing, options, _FAILING_SHOWN)
        tried = cycle.proof is Proof.NOT_REPRODUCED or bool(unreached(cycle))
        for edge in failing:
            attributes = _names([n for n in edge.names if n != "*"])
            # Tried and not reproduced: only the condition is known, not that it happens.
            text = (f"  suspected: {_where(edge)} `{statement_text(edge)}` would raise "
                    f"ImportError if it ran while {edge.imported} was half-initialised "
                    f"(before defining {attributes})" if tried else
                    f"  can fail (unverified): {_where(edge)} `{statement_text(edge)}` raises "
                    f"ImportError {first_text(cycle, edge)} and has not yet defined "
                    f"{attributes}")
            console.print(Text(text, style="yellow" if tried else "red"), soft_wrap=True)
        if len(cycle.failing) > len(failing):
            console.print(Text(f"  ... {len(cycle.failing) - len(failing)} more such imports "
                               "(-v)", style="dim"))
    for trial in cycle.trials:
        if trial.error and not trial.circular:
            console.print(Text(f"  {other_reason_text(trial)}",
                               style="dim"), soft_wrap=True)
        elif trial.unreached:
            console.print(Text(f"  {unreached_text(trial)}", style="dim"), soft_wrap=True)


def cycle_label(cycle: Cycle) -> str:
    """`a <-> b` for a cycle across two packages, `across a, b, c` for more, else the package."""
    if len(cycle.packages) == 2:
        return f"{cycle.packages[0]} <-> {cycle.packages[1]}"
    if cycle.cross_package:
        return "across " + ", ".join(cycle.packages)
    return "within " + (cycle.packages[0] if cycle.packages else "?")


def _cycles(cycles: tuple[Cycle, ...], kinds: tuple[EdgeKind, ...], console: Console,
            options: RenderOptions) -> None:
    over = f" over {_kinds_text(kinds)} edges" if kinds else ""
    console.print()
    if not cycles:
        console.print(Text(f"no import cycles{over}", style="green"))
        return
    across = sum(1 for c in cycles if c.cross_package)
    head = Text(f"{len(cycles)} import cycle(s){over}", style="bold red")
    head.append(f" ({claims_count(cycles)}, {across} across packages)")
    console.print(head)
    for number, cycle in enumerate(cycles, 1):
        _cycle(number, cycle, console, options)


def _cycle(number: int, cycle: Cycle, console: Console, options: RenderOptions) -> None:
    console.print()
    title = Text(f"cycle {number}: {cycle_label(cycle)}", style="bold")
    label = claim_label(cycle)
    if label is not None:
        # Upper case where it fails (or may: unverified), the way a reader scans for it.
        # Not where the runs never loaded the imports at risk: here they do not run.
        shout = cycle.fails or (cycle.proof is Proof.UNVERIFIED and not unreached(cycle))
        head, paren, rest = label.partition(" (")
        title.append(f"  {head.upper()}{paren}{rest}" if shout else f"  {label}",
                     style="bold red" if shout else "yellow")
    elif cycle.witness and not cycle.closes_at_import:
        title.append("  closes only after import (through a deferred, lazy or type-only "
                     "edge)", style="dim")
    elif (start := only_start(cycle)) is not None:
        title.append(f"  one import order: it always starts at {start}", style="dim")
    else:
        title.append(f"  {unsuspected_label(cycle)}", style="dim")
    console.print(title)
    members = cycle.modules if options.verbosity > 0 or len(cycle.modules) <= 8 else (
        *cycle.modules[:8], f"... {len(cycle.modules) - 8} more (-v)")
    console.print(Text(f"  {len(cycle.modules)} modules: {', '.join(members)}", style="dim"),
                  soft_wrap=True)
    if cycle.witness:
        path = " -> ".join([*(e.importer for e in cycle.witness), cycle.witness[-1].imported])
        console.print(Text(f"  shortest path: {path}"), soft_wrap=True)
        for edge in cycle.witness:
            line = Text(f"    {edge.importer} -> {edge.imported}  ")
            line.append(edge.kind.value, style=_KIND_STYLE[edge.kind])
            line.append(f"  {_where(edge)}  {statement_text(edge)}", style="dim")
            console.print(line, soft_wrap=True)
    _claims(cycle, console, options)
    if cycle.cut:
        console.print(Text("  to break it, make these imports deferred or type-only:",
                           style="green"))
        cut = _limit(cycle.cut, options, _CUT_SHOWN)
        for edge in cut:
            console.print(Text(f"    {_where(edge)}  {edge.importer} -> {edge.imported}  "
                               f"{statement_text(edge)}", style="green"), soft_wrap=True)
        if len(cycle.cut) > len(cut):
            console.print(Text(f"    ... {len(cycle.cut) - len(cut)} more (-v)", style="dim"))
