"""`graph` and `cycles`: the static import graph and its cycles (no code runs but proofs)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from importaudit.cli.base import cli, run
from importaudit.cli.options import WALK, WHERE, config_flags, static_flags
from importaudit.cli.output import (
    emit,
    format_option,
    infer_format,
    output_option,
    preload,
    render_options,
    verbosity_options,
)
from importaudit.errors import ImportAuditError

if TYPE_CHECKING:
    from importaudit.cli.options import Given
    from importaudit.config import Config


def _targets(targets: tuple[str, ...], config: Config) -> tuple[str, ...]:
    if targets or config.targets:
        return targets or config.targets
    raise ImportAuditError("give TARGET arguments or set `targets` in [tool.importaudit]")


@cli.command()
@click.argument("targets", nargs=-1)
@click.option("--kinds", default=None, metavar="K,K",
              help="Edge kinds to keep: eager,deferred,type-only,optional,lazy,dynamic,"
                   "parent, or 'all' (default all).")
@config_flags(*WHERE, *WALK)
@static_flags
@format_option(["text", "json", "dot", "graphml"], "text")
@output_option
@verbosity_options
def graph(
    targets: tuple[str, ...], kinds: str | None, given: Given, static: dict[str, Any],
    fmt: str | None, output: str | None, quiet: int, verbose: int,
) -> None:
    """Build the static import graph of TARGETs (package names or paths); runs no code.

    Every edge knows its file, line and kind. Exits 0, or 2 for a usage error such
    as a target that does not exist.
    """

    def body() -> int:
        from importaudit import api
        from importaudit.config import StaticOptions, parse_kinds

        config = given.config()
        options = StaticOptions(measure=config.measure, kinds=parse_kinds(kinds), **static)
        chosen = infer_format(fmt, output, "text")
        report = api.graph(_targets(targets, config), options, meanwhile=preload(chosen))
        emit(report, chosen, output, render_options(command="graph", verbosity=verbose - quiet))
        return 0

    run(body)


@cli.command()
@click.argument("targets", nargs=-1)
@click.option("--kinds", default=None, metavar="K,K",
              help="Edge kinds that close a cycle (default: `kinds` in [tool.importaudit], "
                   "else eager,optional,parent, those that run at import time; 'all').")
@click.option("--no-verify", is_flag=True,
              help="Do not run anything: keep the static claim that a cycle can fail at "
                   "import (or that nothing is at risk), labelled unverified.")
@config_flags(*WHERE, "timeout", *WALK)
@static_flags
@format_option(["text", "json"], "text")
@output_option
@verbosity_options
def cycles(
    targets: tuple[str, ...], kinds: str | None, no_verify: bool, given: Given,
    static: dict[str, Any], fmt: str | None, output: str | None, quiet: int, verbose: int,
) -> None:
    """Find import cycles among TARGETs, with a witness path and edges to cut.

    The graph is read without running code. A cycle the static analysis suspects can
    fail at import is then proven by execution, the one place this command runs the
    targets' code: each suspected module is imported first, alone, in a fresh
    interpreter of --python with --env set (several at once, up to --jobs, each
    within --timeout); a cycle nothing is suspected of is run from each member it can
    start at.
    Only a reproduced failure is shown as "FAILS AT IMPORT", with its error; the others
    are "order-dependent", or "imports from each of its N entry points". --no-verify
    runs nothing and labels the claim unverified.

    Exits 1 when a cycle is found (so CI can gate on it), 0 when there is none, 2
    for a usage error.
    """

    def body() -> int:
        from importaudit import api
        from importaudit.config import StaticOptions

        # --kinds is the `kinds` key here: the flag wins over the file, parsed there.
        config = given.config(kinds=kinds)
        options = StaticOptions(measure=config.measure, kinds=config.kinds,
                                verify=not no_verify, not_run="--no-verify", **static)
        chosen = infer_format(fmt, output, "text")
        report = api.cycles(_targets(targets, config), options, meanwhile=preload(chosen))
        emit(report, chosen, output,
             render_options(command="cycles", verbosity=verbose - quiet))
        return 1 if report.cycles else 0

    run(body)
