"""The terminal renderer: what a person reads, piped or on a terminal."""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess
import sys
import types
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from importaudit.model import ChildFailure, Report, Verdict
from importaudit.render import RenderOptions, get_renderer, terminal

if TYPE_CHECKING:
    from pathlib import Path

MakeReport = Callable[..., Report]
ANSI = re.compile(r"\x1b\[")
TABLE_ROW = re.compile(r"^\s*\d+\s{2,}[\w.]+")  # rank, two spaces, module


class FakeTTY(io.StringIO):
    """A stream that says it is a terminal, as sys.stdout does in an interactive shell."""

    def isatty(self) -> bool:
        return True


def render(report: Report, stream: io.StringIO | None = None, **options: object) -> str:
    out = stream if stream is not None else io.StringIO()
    terminal.render(report, out, RenderOptions(**options))  # type: ignore[arg-type]
    return out.getvalue()


def line_of(text: str, name: str) -> str:
    """The output line naming module `name` (as a whole word)."""
    pattern = re.compile(rf"(^|[\s`|-]){re.escape(name)}(\s|$)")
    matches = [line for line in text.splitlines() if pattern.search(line)]
    assert matches, f"{name} not in output:\n{text}"
    return matches[0]


def body(text: str) -> str:
    """The output from the view's column header on (the header lines name targets too)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(r"^\s*(#\s+)?module\b", line))
    return "\n".join(lines[start + 1:])


def test_registered_for_tree_table_and_text() -> None:
    for fmt in ("tree", "table", "text"):
        assert get_renderer(fmt) is terminal.render


def test_piped_output_is_plain_ascii_without_trailing_spaces(report: Report) -> None:
    text = render(report)
    assert not ANSI.search(text)
    text.encode("ascii")  # guides and units are ASCII when piped
    assert all(line == line.rstrip() for line in text.splitlines())
    assert text.endswith("\n")


def test_header_shows_targets_interpreter_runs_memory_and_notes(report: Report) -> None:
    text = render(report)
    first = text.splitlines()[0]
    assert "app" in first
    assert "3.11.7" in text
    assert "5 measured runs after 1 warm-up, medians" in text
    assert "memory: on" in text
    assert "note: PYTHONDONTWRITEBYTECODE is set" in text
    assert "interpreter start-up 12.0 ms" in text


def test_header_shows_the_variables_the_children_had(report: Report) -> None:
    """The hash seed (random, or the one set) and Python's variables that shape numbers."""
    assert "environment:" not in render(report)  # a report from before they were recorded
    assert report.meta is not None
    seeded = dataclasses.replace(report, meta=dataclasses.replace(
        report.meta, variables=(("PYTHONHASHSEED", "7"), ("PYTHONMALLOC", "malloc"))))
    assert "environment: PYTHONHASHSEED=7, PYTHONMALLOC=malloc" in render(seeded)
    assert "environment:" not in render(seeded, verbosity=-1)  # quiet: no interpreter lines


def test_memory_off_is_said_and_heap_columns_disappear(make_report: MakeReport) -> None:
    text = render(make_report(memory=False))
    assert "memory: off" in text
    header = line_of(text, "module")
    assert "heap" not in header
    assert "RSS" not in header


def test_tree_nests_imported_under_importer_with_guides(report: Report) -> None:
    lines = body(render(report)).splitlines()
    names = ["app", "app.core", "app.core.heavy", "app.util", "json", "app.util.tiny",
             "app.broken"]
    rows = [line_of("\n".join(lines), n) for n in names]
    positions = [lines.index(r) for r in rows]
    assert positions == sorted(positions), "tree rows follow load order depth-first"
    indent = {n: r.index(n) for n, r in zip(names, rows, strict=True)}
    assert indent["app"] == 0
    assert indent["app.core"] < indent["app.core.heavy"]
    assert indent["app.util"] == indent["app.core"] == indent["app.broken"]
    assert indent["json"] == indent["app.core.heavy"]
    assert rows[1].startswith("|- ")  # app.core: a child with siblings after it
    assert rows[-1].startswith("`- ")  # app.broken: the last child of app


def test_tree_rows_show_self_cumulative_share_heap_and_rss(report: Report) -> None:
    row = line_of(render(report), "app.core")
    assert re.search(r"10\.0 ms\s+30\.0 ms\s+\d+\.\d%\s+600 KiB\s+1\.17 MiB", row), row


def test_tree_marks_a_failure_its_importer_caught(report: Report) -> None:
    """app went on after app.broken raised: an optional import, not a failed run."""
    row = line_of(render(report), "app.broken")
    assert "failed, caught by app: ValueError: boom" in row
    assert "FAILED" not in row


def test_tree_marks_what_fails_with_a_skipped_module(make_report: MakeReport) -> None:
    from importaudit.model import SkippedModule

    sample = make_report()
    modules = tuple(dataclasses.replace(m, error="ModuleNotFoundError: js")
                    if m.name in ("app", "app.broken") else m for m in sample.modules)
    report = dataclasses.replace(make_report(modules=modules),
                                 skipped=(SkippedModule("app", "missing-dependency", "needs js",
                                                        "ModuleNotFoundError: js"),))
    text = render(report)
    assert "skipped with app: ModuleNotFoundError: js" in line_of(text, "app.broken")
    total = line_of(text, "total:")
    assert "1 skipped" in total and "failed" not in total


def test_tree_marks_a_failure_that_reached_the_top(make_report: MakeReport) -> None:
    sample = make_report()
    modules = tuple(dataclasses.replace(m, error="ValueError: boom") if m.name == "app" else m
                    for m in sample.modules)
    text = render(make_report(modules=modules))
    assert "FAILED: ValueError: boom" in line_of(text, "app.broken")
    assert "2 failed" in line_of(text, "total:")


def test_an_error_of_several_lines_stays_on_its_row(make_report: MakeReport) -> None:
    # docutils' CommonMark wrapper raises an ImportError of three lines.
    sample = make_report()
    modules = tuple(dataclasses.replace(m, error="ImportError: needs one of\n  pycmark, myst")
                    if m.name == "app" else m for m in sample.modules)
    text = render(make_report(modules=modules))
    assert "FAILED: ImportError: needs one of pycmark, myst" in line_of(body(text), "app")
    assert not [line for line in text.splitlines() if line.startswith("  pycmark")]


def test_threshold_folds_cheap_subtrees_into_a_summary(report: Report) -> None:
    text = render(report, threshold_ns=1_000_000)
    assert "app.util.tiny" not in text
    assert "app.broken" not in text
    assert "json" in text
    folded = [line for line in text.splitlines() if "(folded)" in line]
    # app.util folds app.util.tiny; app folds app.broken: one module each.
    assert len(folded) == 2
    assert all("1 module, 200 us" in line for line in folded)
    assert "below" in text or "folded" in text


def test_threshold_never_hides_expensive_modules(report: Report) -> None:
    text = render(report, threshold_ns=15_000_000)
    for name in ("app", "app.core", "app.core.heavy", "app.util"):
        line_of(text, name)
    assert "json" not in text


def test_verbose_shows_spread_and_lists_preloaded(report: Report) -> None:
    quiet = render(report)
    assert "2 modules were preloaded" in quiet
    assert "-v lists them" in quiet
    verbose = render(report, verbosity=1)
    assert "preloaded before measurement (2, not counted): sys, os" in verbose
    assert "27.0 ms..33.0 ms" in line_of(verbose, "app.core")


def test_quiet_drops_the_interpreter_lines_but_keeps_notes(report: Report) -> None:
    text = render(report, verbosity=-1)
    assert "3.11.7" not in text
    assert "PYTHONDONTWRITEBYTECODE" in text
    line_of(text, "app.core.heavy")


def test_table_sorts_by_the_chosen_key(report: Report) -> None:
    def order(text: str) -> list[str]:
        rows = [line.split() for line in text.splitlines() if TABLE_ROW.match(line)]
        return [row[1] for row in rows]

    by_self = order(render(report, view="table", sort="self"))
    assert by_self[:3] == ["app.core.heavy", "app.core", "json"]
    by_cumulative = order(render(report, view="table", sort="cumulative"))
    assert by_cumulative[:3] == ["app", "app.core", "app.core.heavy"]
    by_heap = order(render(report, view="table", sort="heap"))
    assert by_heap[-1] == "app.broken"  # no heap measured for it: last
    assert "sys" not in by_self  # preloaded modules are not ranked


def test_table_top_limits_rows_and_says_so(report: Report) -> None:
    text = render(report, view="table", sort="cumulative", top=2)
    rows = [line for line in text.splitlines() if TABLE_ROW.match(line)]
    assert len(rows) == 2
    assert "top 2 of 7 modules by cumulative" in text


def test_totals_sum_self_time_of_measured_modules(report: Report) -> None:
    total = line_of(render(report), "total:")
    # 5 + 10 + 20 + 5 + 9.8 + 0.2 + 0.2 ms, preloaded sys/os excluded
    assert "7 modules, 50.2 ms import time" in total
    assert "1 failed import caught by the importer (optional)" in total
    assert " failed," not in total


def test_failure_is_shown_with_module_status_and_stderr(make_report: MakeReport) -> None:
    failure = ChildFailure(
        kind="import-error", message="ValueError: boom", module="app.broken", exit_code=1,
        stderr_tail="Traceback (most recent call last):\n  File x\nValueError: boom\n",
    )
    text = render(make_report(failure=failure))
    assert "status: FAILED" in text
    assert "FAILED (import-error) while importing app.broken: ValueError: boom" in text
    assert "child ended with exit status 1" in text
    assert "  | ValueError: boom" in text


def test_failure_by_signal_without_modules(make_report: MakeReport) -> None:
    failure = ChildFailure(kind="signal", message="the child crashed", signal="SIGSEGV")
    text = render(make_report(failure=failure, modules=()))
    assert "FAILED (signal): the child crashed" in text
    assert "signal SIGSEGV" in text
    assert "No module was imported" not in text


def test_empty_profile_says_so(make_report: MakeReport) -> None:
    assert "No module was imported under measurement." in render(make_report(modules=()))


def test_other_commands_show_totals_not_the_tree(report: Report) -> None:
    text = render(report, command="check")
    assert "app.core.heavy" not in text
    assert "total: 7 modules" in text
    assert "app.core.heavy" in render(report, command="check", verbosity=1)


def test_long_names_are_not_cut_when_piped(make_report: MakeReport) -> None:
    name = "app." + "very_long_module_name_" * 10
    modules = (
        *make_report().modules,
        dataclasses.replace(make_report().modules[4], name=name, order=99),
    )
    assert name in render(make_report(modules=modules))


def test_color_on_a_terminal(report: Report, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    text = render(report, FakeTTY(), width=160)
    assert ANSI.search(text)
    assert "├─ " in text or "|- " in text


def test_no_color_env_wins_on_a_terminal(report: Report, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")
    assert not ANSI.search(render(report, FakeTTY(), width=160))


def test_force_color_colours_a_pipe(report: Report, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert ANSI.search(render(report))  # io.StringIO: not a terminal
    monkeypatch.setenv("FORCE_COLOR", "")  # empty: unset (force-color.org)
    assert not ANSI.search(render(report))
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("NO_COLOR", "1")  # NO_COLOR wins, as in rich
    assert not ANSI.search(render(report))


def test_color_option_overrides_both_ways(report: Report, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert ANSI.search(render(report, color=True))
    monkeypatch.delenv("NO_COLOR")
    assert not ANSI.search(render(report, FakeTTY(), color=False, width=160))


def test_expensive_modules_are_coloured_hot(report: Report) -> None:
    text = render(report, color=True)
    heavy = next(line for line in text.splitlines() if "app.core.heavy" in line)
    assert "\x1b[1;31mapp.core.heavy" in heavy  # bold red: over a fifth of the total
    tiny = next(line for line in text.splitlines() if "app.util.tiny" in line)
    assert "\x1b[2mapp.util.tiny" in tiny  # dim: negligible


def test_sections_call_their_renderer_module_and_let_its_errors_through(
    make_report: MakeReport, monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[Report, RenderOptions]] = []
    name = "importaudit.render._test_verdict_section"
    module = types.ModuleType(name)

    def draw(report: Report, console: object, options: RenderOptions) -> None:
        calls.append((report, options))
        console.print("VERDICT SECTION")  # type: ignore[attr-defined]

    module.render_verdict = draw  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setattr(terminal, "_EXTERNAL_SECTIONS",
                        (("verdict", "_test_verdict_section", "render_verdict"),))
    report = dataclasses.replace(make_report(), verdict=Verdict(passed=False))
    assert "VERDICT SECTION" in render(report)
    assert calls
    assert calls[0][0] is report
    assert "VERDICT SECTION" not in render(make_report())  # no verdict: not called

    def broken(report: Report, console: object, options: RenderOptions) -> None:
        raise RuntimeError("bug in the section renderer")

    module.render_verdict = broken  # type: ignore[attr-defined]
    with pytest.raises(RuntimeError, match="bug in the section renderer"):
        render(report)


@pytest.mark.parametrize("view", ["tree", "table"])
@pytest.mark.parametrize("width", [80, 60])
def test_a_narrow_terminal_drops_columns_and_shortens_names_never_numbers(
        make_report: MakeReport, view: str, width: int) -> None:
    long_name = "app.core.heavy.with_a_name_long_enough_to_need_the_whole_terminal"
    modules = tuple(dataclasses.replace(m, name=long_name) if m.name == "app.core.heavy" else
                    dataclasses.replace(m, importer=long_name) if m.importer == "app.core.heavy"
                    else m for m in make_report().modules)
    report = make_report(modules=modules)
    text = render(report, FakeTTY(), width=width, color=False, view=view, verbosity=1)
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if "module" in line and "self" in line)
    table = lines[header:header + 1 + 8]
    assert all(len(line) <= width for line in table), "\n".join(table)
    assert "cumulative" in table[0]  # the essential columns stay...
    assert line_of(text, "app.util.tiny")  # ...and so do the rows
    row = next(line for line in table if "app.core.h" in line)
    assert "20.0 ms" in row  # self and cumulative of the long-named module, whole
    assert "…" in row  # its name was shortened instead
    numbers = [line.split()[-1] for line in table[2:]]
    assert not any(n.endswith("…") for n in numbers)


def test_a_static_report_is_written_without_the_views_of_measured_modules(
        tmp_path: Path) -> None:
    """`graph` and `cycles` start up without the profile views (and rich's tables)."""
    package = tmp_path / "ring"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from ring import b\n")
    (package / "b.py").write_text("from ring import a\n")
    code = (
        "import io, sys\n"
        "from importaudit import api\n"
        "from importaudit.config import StaticOptions\n"
        "from importaudit.render import RenderOptions\n"
        "from importaudit.render.terminal import render\n"
        f"report = api.cycles([{str(package)!r}], StaticOptions(cache=False))\n"
        "stream = io.StringIO()\n"
        "render(report, stream, RenderOptions(command='cycles'))\n"
        "assert 'ring.a' in stream.getvalue(), stream.getvalue()\n"
        "print(sorted(m for m in ('importaudit.views', 'importaudit.render.terminal_views',"
        " 'rich.table') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
