"""Command line adapter: flags -> api call -> renderer -> exit status.

No measuring, maths or file formats here: each command translates its flags, calls one
function of `importaudit.api`, hands the `Report` to a renderer and maps the outcome to
the exit statuses of CLI.md (0 fine, 1 found, 2 usage, 3 target failed).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click

from importaudit._version import __version__
from importaudit.errors import EXIT_TARGET, ImportAuditError

if TYPE_CHECKING:
    from importaudit.model import Report
    from importaudit.render import RenderOptions

F = TypeVar("F", bound=Callable[..., Any])


class _State:
    """Options of the top-level group that every command sees."""

    debug: bool = False


def _fail(message: str, status: int) -> None:
    click.echo(f"importaudit: error: {message}", err=True)
    raise SystemExit(status)


@contextlib.contextmanager
def _errors(debug: bool) -> Iterator[None]:
    """Turn every error into one line on stderr and its exit status (traceback with --debug)."""
    try:
        yield
    except ImportAuditError as exc:
        if debug:
            raise
        _fail(str(exc), exc.exit_status)
    except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
        raise
    except Exception as exc:
        if debug:
            raise
        _fail(f"unexpected {type(exc).__name__}: {exc} (run with --debug for the traceback)", 2)


@contextlib.contextmanager
def _output_stream(output: str | None) -> Iterator[TextIO]:
    """Stdout for None or '-', else an atomically replaced file."""
    if output in (None, "-"):
        yield sys.stdout
        return
    from importaudit._atomic import atomic_writer

    try:
        with atomic_writer(output) as stream:
            yield stream
    except OSError as exc:
        raise ImportAuditError(f"cannot write {output}: {exc.strerror or exc}") from exc


def _infer_format(fmt: str | None, output: str | None, default: str) -> str:
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
    with _output_stream(output) as stream:
        renderer(report, stream, options)


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


def output_option(f: F) -> F:
    """`--output FILE` / `-o FILE`: write there atomically; '-' is stdout."""
    return click.option(
        "--output", "-o", default=None, metavar="FILE",
        help="Write the output to FILE (atomically); '-' is stdout.",
    )(f)


def python_option(f: F) -> F:
    """`--python EXE`: the interpreter whose environment is measured."""
    return click.option(
        "--python", "python", default=None, metavar="EXE",
        help="Interpreter to measure in (default: the one running importaudit).",
    )(f)


def verbosity_options(f: F) -> F:
    """`-q` / `-v`: less or more on the terminal."""
    f = click.option("-q", "--quiet", count=True, help="Say less.")(f)
    return click.option("-v", "--verbose", count=True, help="Say more.")(f)


# --------------------------------------------------------------------------- the group


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="importaudit")
@click.option("--debug", is_flag=True, help="Show tracebacks for unexpected errors.")
def cli(debug: bool) -> None:
    """Measure, explain, fix and gate what importing a Python package costs."""
    _State.debug = debug


def run(func: Callable[[], int | None]) -> None:
    """Call a command body under the error policy and exit with its status."""
    with _errors(_State.debug):
        status = func()
    if status:
        raise SystemExit(status)


# --------------------------------------------------------------------------- profile


class _ProgramCommand(click.Command):
    """Options may go anywhere, but everything after `-m MOD`/`--script P`/`-c CODE` is argv.

    So `importaudit profile --repeat 3 -m http.server 8000 --bind 127.0.0.1` gives the
    program `8000 --bind 127.0.0.1`, as `python -m` would.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        for i, arg in enumerate(args):
            if arg == "--":
                break
            if arg in ("-m", "--script", "-c"):
                if i + 1 < len(args):
                    args = [*args[: i + 2], "--", *args[i + 2:]]
                break
            if arg.startswith("--script=") or (arg[:2] in ("-m", "-c") and len(arg) > 2
                                               and not arg.startswith("--")):
                args = [*args[: i + 1], "--", *args[i + 1:]]
                break
        return super().parse_args(ctx, args)


@cli.command(cls=_ProgramCommand)
@click.argument("targets", nargs=-1)
@click.option("-m", "module", default=None, metavar="MODULE",
              help="Profile running a module as a program (like python -m); ARGS follow.")
@click.option("--script", default=None, metavar="PATH",
              help="Profile running a script; ARGS follow.")
@click.option("-c", "code", default=None, metavar="CODE", help="Profile running CODE.")
@click.option("--importtime", "importtime_log", default=None, metavar="LOG",
              help="Read a `python -X importtime` log instead of measuring.")
@click.option("--tree", is_flag=True, help="Import every module of the target packages.")
@click.option("--isolated", is_flag=True,
              help="Profile each module of the tree in its own fresh interpreter.")
@click.option("--repeat", type=click.IntRange(1, 1000), default=None,
              help="Measured runs after one warm-up (default 5); medians are reported.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=None,
              help="Seconds each child interpreter may take (default 120).")
@click.option("--memory/--no-memory", default=None,
              help="Run the separate tracemalloc heap measurement (default on).")
@click.option("--warm-bytecode", is_flag=True,
              help="Let the warm-up run write .pyc files even if PYTHONDONTWRITEBYTECODE is set.")
@click.option("--sort", type=click.Choice(["self", "cumulative", "heap", "rss"]),
              default="cumulative", help="Order of the table view.")
@click.option("--top", type=click.IntRange(min=1), default=None, help="Show only N rows.")
@click.option("--threshold", type=click.FloatRange(min=0), default=0.0, metavar="MS",
              help="Fold tree branches cheaper than MS milliseconds (cumulative).")
@python_option
@format_option(["tree", "table", "json"], "tree")
@output_option
@verbosity_options
def profile(
    targets: tuple[str, ...], module: str | None, script: str | None, code: str | None,
    importtime_log: str | None, tree: bool, isolated: bool, repeat: int | None,
    timeout: float | None, memory: bool | None, warm_bytecode: bool, sort: str,
    top: int | None, threshold: float, python: str | None, fmt: str | None,
    output: str | None, quiet: int, verbose: int,
) -> None:
    """Measure what importing TARGETs (modules, packages or directories) costs.

    With -m MODULE, --script PATH or -c CODE, run that program under the profiler
    instead; the remaining arguments are its argv.
    """

    def body() -> int:
        from importaudit import api

        programs = [x for x in (module, script, code) if x is not None]
        if len(programs) > 1:
            raise ImportAuditError("give at most one of -m, --script and -c")
        if importtime_log is not None:
            if targets or programs:
                raise ImportAuditError("--importtime reads a log; give no targets with it")
            report = api.profile_importtime(importtime_log)
        elif programs:
            kind = "module" if module else "script" if script else "code"
            report = api.profile_program(
                kind, programs[0], argv=targets, python=python, repeat=repeat,
                timeout=timeout, memory=memory, warm_bytecode=warm_bytecode,
            )
        else:
            if not targets:
                raise ImportAuditError("give at least one TARGET (or -m, --script, -c)")
            report = api.profile(
                targets, tree=tree, isolated=isolated, python=python, repeat=repeat,
                timeout=timeout, memory=memory, warm_bytecode=warm_bytecode,
            )
        chosen = _infer_format(fmt, output, "tree")
        options = render_options(
            view=chosen if chosen in ("tree", "table") else "tree", sort=sort, top=top,
            threshold_ns=int(threshold * 1_000_000), verbosity=verbose - quiet,
        )
        emit(report, chosen, output, options)
        return EXIT_TARGET if report.failure is not None else 0

    run(body)


@cli.command()
@click.argument("module")
@click.argument("targets", nargs=-1, required=True)
@click.option("--repeat", type=click.IntRange(1, 1000), default=1,
              help="Measured runs after one warm-up (default 1: chains are what matter).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=None,
              help="Seconds each child interpreter may take.")
@python_option
@format_option(["text", "json"], "text")
@output_option
def why(
    module: str, targets: tuple[str, ...], repeat: int, timeout: float | None,
    python: str | None, fmt: str | None, output: str | None,
) -> None:
    """Show every chain by which importing TARGETs loads MODULE, shortest first."""

    def body() -> int:
        from importaudit import api

        answer = api.why(module, targets, python=python, repeat=repeat, timeout=timeout)
        chosen = _infer_format(fmt, output, "text")
        from importaudit.render import whytext

        with _output_stream(output) as stream:
            whytext.render_why(answer, stream, chosen)
        if answer.report.failure is not None:
            return EXIT_TARGET
        return 0 if answer.chains else 1

    run(body)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="importaudit")
