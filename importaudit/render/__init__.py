"""Renderers: each turns a `Report` into one format by `render(report, stream, options)`.

Formats are looked up by name and their modules imported only when used, so rich,
networkx and Jinja2 load only for the formats that need them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from importaudit.errors import UsageError

if TYPE_CHECKING:
    from importaudit.model import Report


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """Choices that shape a rendering (not the data it shows)."""

    color: bool | None = None  # None: decide from the stream (TTY, NO_COLOR)
    width: int | None = None
    verbosity: int = 0  # -1 quiet, 0 normal, 1+ verbose
    view: str = "tree"  # for profiles: "tree" or "table"
    sort: str = "cumulative"  # self | cumulative | heap | rss
    top: int | None = None
    threshold_ns: int = 0  # fold subtrees cheaper than this in the tree view
    command: str = "profile"  # which command is rendering: shapes the text output


Renderer = Callable[["Report", TextIO, RenderOptions], None]

#: format name -> module under importaudit.render that defines `render`
FORMATS: dict[str, str] = {
    "tree": "terminal",
    "table": "terminal",
    "text": "terminal",
    "json": "json",
    "junit": "junit",
    "sarif": "sarif",
    "github": "github",
    "html": "html",
    "markdown": "markdown",
    "speedscope": "speedscope",
    "trace": "trace",
    "dot": "dot",
    "graphml": "graphml",
}


def run_notes(report: Report) -> tuple[str, ...]:
    """What the run says about itself, each once: the measurement's notes, then the graph's.

    How the numbers were shaped (load average, hash seed) and where a saved report's
    graph was read (`check --from` falling back to this interpreter), then how the tree
    was walked. Formats without a header of their own (SARIF, GitHub) show them here.
    """
    notes = [*(report.meta.notes if report.meta is not None else ()),
             *(report.graph.notes if report.graph is not None else ())]
    return tuple(dict.fromkeys(notes))


def get_renderer(fmt: str) -> Renderer:
    """The `render` function of format `fmt`, importing its module on first use."""
    module = FORMATS.get(fmt)
    if module is None:
        known = ", ".join(sorted(FORMATS))
        raise UsageError(f"unknown format {fmt!r} (known: {known})")
    renderer: Renderer = importlib.import_module(f"importaudit.render.{module}").render
    return renderer
