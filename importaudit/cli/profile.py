"""`profile` and `why`: what importing the targets (or running a program) costs, and why."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from importaudit import defaults
from importaudit.cli.base import cli, run
from importaudit.cli.options import (
    MEASURE,
    WALK,
    WHERE,
    ProgramCommand,
    config_flags,
    program_flags,
    shard_flags,
)
from importaudit.cli.output import (
    emit,
    emit_partial,
    format_option,
    infer_format,
    output_option,
    output_stream,
    render_options,
    say_empty_shard,
    say_failure,
    say_heap_gaps,
    verbosity_options,
)
from importaudit.errors import EXIT_TARGET, ImportAuditError, Interrupted

if TYPE_CHECKING:
    from importaudit.cli.options import Given, ProgramFlags, ShardFlags


@cli.command(cls=ProgramCommand)
@click.argument("targets", nargs=-1)
@program_flags("Profile")
@click.option("--importtime", "importtime_log", default=None, metavar="LOG",
              help="Read a `python -X importtime` log instead of measuring.")
@config_flags("tree", "isolated", *WALK, *MEASURE)
@shard_flags
@click.option("--sort", type=click.Choice(["self", "cumulative", "heap", "rss"]),
              default="cumulative", help="Order of the table view.")
@click.option("--top", type=click.IntRange(min=1), default=None, help="Show only N rows.")
@click.option("--threshold", type=click.FloatRange(min=0), default=0.0, metavar="MS",
              help="Fold tree branches cheaper than MS milliseconds (cumulative).")
@format_option(["tree", "table", "json"], "tree")
@output_option
@verbosity_options
def profile(
    targets: tuple[str, ...], program: ProgramFlags, importtime_log: str | None,
    given: Given, shard: ShardFlags, sort: str, top: int | None, threshold: float, fmt: str | None,
    output: str | None, quiet: int, verbose: int,
) -> None:
    """Measure what importing TARGETs (modules, packages or directories) costs.

    With -m MODULE, --script PATH or -c CODE, run that program under the profiler
    instead; the remaining arguments are its argv. Unset flags come from
    [tool.importaudit] (a program's repeats and heap run only from flags: running it
    again may have side effects).
    """

    def body() -> int:
        from importaudit import api
        from importaudit.config import program_measure

        if shard.shard is not None and (program.given or importtime_log is not None):
            raise ImportAuditError("--shard splits the modules of a tree; not with -m, "
                                   "--script, -c or --importtime")
        chosen = infer_format(fmt, output, "tree")
        options = render_options(
            view=chosen if chosen in ("tree", "table") else "tree", sort=sort, top=top,
            threshold_ns=int(threshold * 1_000_000), verbosity=verbose - quiet,
        )
        try:
            if importtime_log is not None:
                if targets or program.given:
                    raise ImportAuditError("--importtime reads a log; give no targets with it")
                report = api.profile_importtime(importtime_log)
            elif program.given:
                config = given.config()
                # The report on stdout must not have the program's output mixed into it.
                apart = output in (None, "-")
                if apart and quiet == 0:
                    click.echo("importaudit: the program's standard output goes to standard "
                               "error, standard output carries the report (-o FILE writes "
                               "the report elsewhere)", err=True)
                measure = program_measure(config.measure, given.flags["repeat"],
                                          given.flags["memory"])
                report = api.profile_program(program.program(targets, stdout_to_stderr=apart),
                                             measure)
            else:
                config = given.config(targets=list(targets) or None)
                if not config.targets:
                    raise ImportAuditError("give at least one TARGET (or -m, --script, -c),"
                                           " or set `targets` in [tool.importaudit]")
                report = api.profile(config.targets, shard.measure(config.measure))
        except Interrupted as exc:
            # Ctrl-C or a CI's cancel: what was measured until then is still written out.
            emit_partial(exc, chosen, output, options)
            raise
        emit(report, chosen, output, options)
        say_failure(report, chosen, output)
        say_heap_gaps(report, chosen, output)
        say_empty_shard(report)
        return EXIT_TARGET if report.failure is not None else 0

    run(body)


@cli.command()
@click.argument("module")
@click.argument("targets", nargs=-1, required=True)
@click.option("--repeat", type=click.IntRange(1, 1000), default=defaults.WHY_REPEAT,
              help=f"Measured runs after one warm-up (default {defaults.WHY_REPEAT}: chains "
                   "are what matter).")
@config_flags(*WHERE, "timeout")
@format_option(["text", "json"], "text")
@output_option
def why(
    module: str, targets: tuple[str, ...], repeat: int, given: Given, fmt: str | None,
    output: str | None,
) -> None:
    """Show every chain by which importing TARGETs loads MODULE, shortest first."""

    def body() -> int:
        import dataclasses

        from importaudit import api
        from importaudit.render import whytext

        config = given.config()
        measure = dataclasses.replace(config.measure, repeat=repeat, memory=False,
                                      tree=False, isolated=False)
        answer = api.why(module, targets, measure)
        chosen = infer_format(fmt, output, "text")
        with output_stream(output) as stream:
            whytext.render_why(answer, stream, chosen)
        say_failure(answer.report, chosen, output)
        if answer.report.failure is not None:
            return EXIT_TARGET
        return 0 if answer.chains else 1

    run(body)
