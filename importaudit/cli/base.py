"""The command group and the error policy every command body runs under.

`run` turns errors into one line and their exit status (CLI.md), signals into a clean
stop, and a closed stdout into a quiet end; the commands live in sibling modules, one per
family, and register themselves on `cli`.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
from typing import TYPE_CHECKING

import click

from importaudit._signals import handled
from importaudit._version import __version__
from importaudit.errors import ImportAuditError, Interrupted
from importaudit.static.gcpause import pace_for_a_run

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from types import FrameType


class _State:
    """Options of the top-level group that every command sees."""

    debug: bool = False


def _fail(message: str, status: int) -> None:
    click.echo(f"importaudit: error: {message}", err=True)
    raise SystemExit(status)


def _closed_pipe() -> None:
    """The reader of stdout went away (`| head`): end quietly, as `cat` does.

    Later writes (and the flush at exit) go to /dev/null, so Python prints no second
    error; the status is the one a shell reports for a process ended by SIGPIPE.
    """
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    raise SystemExit(128 + 13)  # SIGPIPE


@contextlib.contextmanager
def _errors(debug: bool) -> Iterator[None]:
    """Turn every error into one line on stderr and its exit status (traceback with --debug)."""
    try:
        yield
    except ImportAuditError as exc:
        if debug:
            raise
        _fail(str(exc), exc.exit_status)
    except KeyboardInterrupt as exc:
        # Whatever was running has cleaned up on the way here (the runner ends its
        # children); what is left is to say so and exit as a shell expects, not 1.
        if isinstance(exc, Interrupted):
            name, status = exc.name, exc.exit_status
        else:
            name, status = "SIGINT", 128 + signal.SIGINT
        _fail(f"interrupted by {name}", status)
    except (click.exceptions.Exit, click.ClickException, SystemExit):
        raise
    except BrokenPipeError:
        _closed_pipe()
    except Exception as exc:
        if debug:
            raise
        _fail(f"unexpected {type(exc).__name__}: {exc} (run with --debug for the traceback)", 2)


@contextlib.contextmanager
def _signals_as_interrupts() -> Iterator[None]:
    """While a command runs, Ctrl-C, SIGTERM and SIGHUP raise `Interrupted`.

    By default SIGTERM and SIGHUP end this process at once, leaving its child
    interpreters running and its temp files behind; as an exception they unwind through
    the code that cleans up. A signal ignored when we started (nohup, a background job's
    SIGINT) stays ignored. Only the first signal is raised: a second one while the first
    unwinds must not cut the cleanup short.
    """
    raised = False

    def interrupt(signum: int, _frame: FrameType | None) -> None:
        nonlocal raised
        if not raised:
            raised = True
            raise Interrupted(signum)

    with handled(interrupt, lambda old: old in (signal.SIG_DFL, signal.default_int_handler)):
        yield



#: command name -> the module under importaudit.cli that defines it (and registers it on
#: `cli` when imported).
_COMMAND_HOMES: dict[str, str] = {
    "baseline": "gate", "check": "gate",
    "cycles": "static", "graph": "static",
    "profile": "profile", "why": "profile",
    "report": "report",
    "fix": "review", "review": "review", "rules": "review",
}


class _LazyGroup(click.Group):
    """Imports a command's module when the command is looked up (click's lazy loading).

    `importaudit cycles` then loads the static commands' module only, not those of the
    commands that measure, review or fix; `--help` looks every command up for its short
    help, and so loads them all.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *_COMMAND_HOMES})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            home = _COMMAND_HOMES.get(cmd_name)
            # An unknown name loads every module: click's "Did you mean" draws on the
            # commands registered.
            for module in [home] if home else sorted(set(_COMMAND_HOMES.values())):
                __import__(f"importaudit.cli.{module}")  # as in importaudit._lazy
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=_LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Exit statuses: 0 fine, 1 found (violations, cycles, findings), 2 usage or "
           "configuration error, 3 the target failed to import or its interpreter crashed "
           "or timed out, 128+N interrupted by signal N (130 for Ctrl-C, 143 for SIGTERM).",
)
@click.version_option(__version__, prog_name="importaudit")
@click.option("--debug", is_flag=True, help="Show tracebacks for unexpected errors.")
def cli(debug: bool) -> None:
    """Measure, explain, fix and gate what importing a Python package costs."""
    _State.debug = debug


def run(func: Callable[[], int | None]) -> None:
    """Call a command body under the error policy and exit with its status."""
    with _signals_as_interrupts(), _errors(_State.debug):
        status = func()
        sys.stdout.flush()  # a closed pipe shows here, under the error policy, not at exit
    if status:
        raise SystemExit(status)


# --------------------------------------------------------------------------- profile


def main() -> None:
    """Console-script entry point."""
    pace_for_a_run()  # a run is one short process: collect garbage rarely
    try:
        cli(prog_name="importaudit")
    finally:
        # The process ends here. Without this, shutdown's garbage collection walks
        # every object the run made (a large graph: a tenth of a whole `cycles` run),
        # only to free what freeing the modules frees anyway. atexit handlers still run.
        gc.freeze()
