"""Where a command's output goes: formats, files written atomically, shared output flags."""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click

from importaudit.errors import ImportAuditError

if TYPE_CHECKING:
    from importaudit.errors import Interrupted
    from importaudit.model import Report
    from importaudit.render import RenderOptions

F = TypeVar("F", bound=Callable[..., Any])


#: errno values that mean writing the output itself failed
_WRITE_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG})


@contextlib.contextmanager
def output_stream(output: str | None) -> Iterator[TextIO]:
    """Stdout for None or '-', else an atomically replaced file."""
    if output in (None, "-"):
        yield sys.stdout
        return
    from importaudit._atomic import atomic_writer

    in_body = False
    try:
        with atomic_writer(output) as stream:
            try:
                yield stream
            except OSError as exc:
                # A full disk or a failing device is the file's error; others are the
                # renderer's: keep those as they are.
                in_body = exc.errno not in _WRITE_ERRORS
                raise
    except OSError as exc:
        if in_body:
            raise
        raise ImportAuditError(f"cannot write {output}: {exc.strerror or exc}") from exc


def infer_format(fmt: str | None, output: str | None, default: str) -> str:
    """`fmt`, else the format `output`'s suffix names, else `default`."""
    if fmt:
        return fmt
    if output and output != "-":
        suffix = os.path.splitext(output)[1].lower()
        by_suffix = {".json": "json", ".html": "html", ".htm": "html", ".md": "markdown",
                     ".xml": "junit", ".sarif": "sarif", ".dot": "dot", ".graphml": "graphml"}
        if suffix in by_suffix:
            return by_suffix[suffix]
    return default


def emit(report: Report, fmt: str, output: str | None, options: RenderOptions) -> None:
    """Render `report` in format `fmt` to stdout or (atomically) to `output`."""
    from importaudit.render import get_renderer

    renderer = get_renderer(fmt)
    with output_stream(output) as stream:
        renderer(report, stream, options)


def preload(fmt: str) -> Callable[[], object]:
    """What imports the renderer of `fmt` (for `api.static_graph`'s `meanwhile`).

    What that import raises is left for `emit` to meet again: nothing here.
    """
    from importaudit.render import get_renderer

    def load() -> None:
        with contextlib.suppress(Exception):
            get_renderer(fmt)

    return load


def _unseen(fmt: str, output: str | None) -> str | None:
    """Where a report went that the terminal does not show ("in FILE"), or None.

    A terminal report on stdout speaks for itself; JSON on stdout or a file speaks to
    whoever reads them later, while the job log would show nothing at all.
    """
    from importaudit.render import FORMATS

    to_stdout = output in (None, "-")
    if to_stdout and FORMATS.get(fmt) == "terminal":
        return None
    return f"on stdout ({fmt})" if to_stdout else f"in {output}"


def say_failure(report: Report, fmt: str, output: str | None) -> None:
    """Exit 3 with a report no one reads on the terminal: say on stderr what failed."""
    where = _unseen(fmt, output)
    if report.failure is not None and where is not None:
        click.echo(f"importaudit: {report.failure.message}; the partial report is {where}",
                   err=True)


def say_heap_gaps(report: Report, fmt: str, output: str | None) -> None:
    """Heap figures a heap run left out, with a report not on the terminal: say so on stderr.

    The report's notes say which modules, why and the way out; this is their first line.
    """
    where = _unseen(fmt, output)
    gaps = report.meta.heap_gaps if report.meta is not None else ()
    if gaps and where is not None:
        count = sum(len(g.modules) for g in gaps)
        click.echo(f"importaudit: no heap figures for {count} module(s): the heap run "
                   f"{gaps[0].message}; the report {where} says why in its notes", err=True)


def emit_partial(exc: Interrupted, fmt: str, output: str | None,
                 options: RenderOptions) -> None:
    """Write out what was measured before the signal `exc`, if anything, as `emit` does.

    The report says it was interrupted; a line on stderr says where it went when the
    terminal does not show it. The caller then lets `exc` go on (exit 128 + signal).
    """
    from importaudit.model import Report

    report = exc.partial
    if not isinstance(report, Report):
        return
    emit(report, fmt, output, options)
    where = _unseen(fmt, output)
    if where is not None:
        click.echo(f"importaudit: what was measured before {exc.name} is {where}", err=True)


def say_empty_shard(report: Report) -> None:
    """On stderr: a shard that got no modules measured nothing (its report is valid)."""
    from importaudit.shard import empty_shard_note

    meta = report.meta
    if meta is not None and meta.shard is not None and not meta.shard.modules:
        click.echo(f"importaudit: {empty_shard_note(meta.shard)}", err=True)


def render_options(**kwargs: Any) -> RenderOptions:
    """Build render options; colour follows the terminal unless NO_COLOR is set."""
    from importaudit.render import RenderOptions

    return RenderOptions(**kwargs)


# --------------------------------------------------------------------------- shared flags


def format_option(choices: list[str], default: str) -> Callable[[F], F]:
    """`--format F`: the output format (inferred from --output's suffix when omitted)."""
    return click.option(
        "--format", "fmt", type=click.Choice(choices), default=None,
        help=f"Output format (default {default}, or from --output's suffix).",
    )


def _writable_output(ctx: click.Context, param: click.Parameter, value: str | None
                     ) -> str | None:
    """Refuse an output file whose folder is missing before anything is measured."""
    if value in (None, "-"):
        return value
    from importaudit._atomic import unwritable_reason

    problem = unwritable_reason(value)
    if problem:
        raise click.BadParameter(problem)
    return value


def output_option(f: F) -> F:
    """`--output FILE` / `-o FILE`: write there atomically; '-' is stdout."""
    return click.option(
        "--output", "-o", default=None, metavar="FILE", callback=_writable_output,
        help="Write the output to FILE (atomically); '-' is stdout.",
    )(f)


def verbosity_options(f: F) -> F:
    """`-q` / `-v`: less or more on the terminal."""
    f = click.option("-q", "--quiet", count=True, help="Say less.")(f)
    return click.option("-v", "--verbose", count=True, help="Say more.")(f)

