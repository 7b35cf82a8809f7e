"""`review`, `fix` and `rules`: findings, their rewrites, and what each rule means."""

from __future__ import annotations

import sys
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


def _codes(select: str | None) -> tuple[str, ...] | None:
    """Rule codes of a `--select CODE,CODE` flag (None: not given)."""
    return tuple(c.strip() for c in select.split(",") if c.strip()) if select else None


@cli.command(cls=ProgramCommand)
@click.argument("targets", nargs=-1)
@program_flags("Review")
@config_flags("fail_on", *WALK, *MEASURE)
@shard_flags
@click.option("--select", "select", default=None, metavar="CODE,CODE",
              help="Run only these rules (codes or names, comma-separated).")
@click.option("--ignore", "ignore", multiple=True, metavar="CODE[:MODULE]",
              help="Suppress a rule everywhere, or in modules matching the pattern "
                   "(repeatable; added to review_ignore).")
@click.option("--from", "from_report", default=None, metavar="REPORT",
              help="Review a saved profile (JSON) instead of measuring again (nothing of "
                   "the targets runs: cycle claims stay unverified); its targets and "
                   "interpreter are the report's unless given.")
@click.option("--distribution/--no-distribution", "distribution", default=True,
              help="Also review the other packages a target's installed distribution "
                   "installs that the target imports at import time (pytest's _pytest; "
                   "default on).")
@click.option("--prove-time", "prove_time", type=click.FloatRange(min=0),
              default=defaults.PROVE_TIME_S, metavar="SECONDS",
              help="Seconds in all for running IA101's lazy __init__s where an import "
                   f"cycle may need the eager order (default {defaults.PROVE_TIME_S:g}; 0: "
                   "run none); the packages left are reported not proven.")
@format_option(["text", "json", "html", "markdown", "sarif", "github", "speedscope", "trace"],
               "text")
@output_option
@verbosity_options
def review(
    targets: tuple[str, ...], program: ProgramFlags, given: Given, shard: ShardFlags,
    select: str | None,
    ignore: tuple[str, ...], from_report: str | None, distribution: bool,
    prove_time: float, fmt: str | None,
    output: str | None, quiet: int, verbose: int,
) -> None:
    """Review TARGETs: findings with measured impact, file:line and a fix for each.

    With -m MODULE, --script PATH or -c CODE, run that program once and review its
    imports (the remaining arguments are its argv): what only a running program shows,
    such as an import that blocked an asyncio event loop, is reviewed too.
    """

    def body() -> int:
        from importaudit import api
        from importaudit.config import ReviewOptions, program_measure
        from importaudit.model import Severity

        # Measurement keys come from [tool.importaudit] like check's; the flags win.
        config = given.config()
        measured = api.load_reports([from_report])[0] if from_report else None
        suppressed = (*config.review_ignore, *ignore)
        if shard.shard is not None and (program.given or from_report):
            raise ImportAuditError("--shard measures part of a tree; not with a program or "
                                   "--from")
        if program.given:
            if from_report:
                raise ImportAuditError("--from reviews a saved report; give no program")
            measure = program_measure(config.measure, given.flags["repeat"],
                                      given.flags["memory"])
            report = api.review_program(
                program.program(targets, stdout_to_stderr=output in (None, "-")),
                ReviewOptions(measure, _codes(select), suppressed))
        elif not targets and measured is None:
            raise ImportAuditError("give at least one TARGET (or -m, --script, -c)")
        else:
            options = ReviewOptions(shard.measure(config.measure), _codes(select), suppressed,
                                    distribution=distribution, prove_time=prove_time)
            report = api.review(targets, options, measured=measured)  # --from: its targets
        chosen = infer_format(fmt, output, "text")
        emit(report, chosen, output, render_options(command="review",
                                                    verbosity=verbose - quiet))
        say_failure(report, chosen, output)
        say_heap_gaps(report, chosen, output)
        say_empty_shard(report)
        if report.failure is not None:
            return EXIT_TARGET
        if config.fail_on == "never":
            return 0
        threshold = Severity[config.fail_on.upper()]
        return 1 if any(f.severity >= threshold for f in report.findings) else 0

    run(body)


@cli.command()
@click.argument("targets", nargs=-1, required=True)
@click.option("--select", "select", default=None, metavar="CODE,CODE",
              help="Rewrite only these findings (default: IA101,IA102,IA103,IA501).")
@click.option("--write", is_flag=True,
              help="Replace the files (atomically) once the proof passed; without it, "
                   "print the diff and exit 1 when there are fixes to apply. Exits 1 too "
                   "when a rewrite was withdrawn (proof, import or --test-cmd failed).")
@click.option("--test-cmd", "test_cmd", default=None, metavar="CMD",
              help="Also run CMD (a shell command) in the rewritten copy, with it first on "
                   "PYTHONPATH; a failure withdraws every rewrite.")
@click.option("--allow-costlier", "allow_costlier", is_flag=True,
              help="Write even when the measured heap or module count of importing the "
                   "targets went up (flagged, and not written, otherwise).")
@click.option("--ignore", "ignore", multiple=True, metavar="CODE[:MODULE]",
              help="Leave a rule's findings alone everywhere, or in modules matching the "
                   "pattern (repeatable; added to review_ignore).")
@click.option("--time-limit", "time_limit", type=click.FloatRange(min=0, min_open=True),
              default=None, metavar="SECONDS",
              help="Start no further round after this long: what was proven by then is "
                   "reported (and written with --write), including rewrites that save "
                   "nothing when the others were proven only together with them (the "
                   "output says so); a large package's later rounds can take long. "
                   "--timeout bounds each child interpreter instead.")
@config_flags("fix_style", "repeat", *WALK, "timeout", *WHERE)
@format_option(["text", "json"], "text")
@output_option
def fix(
    targets: tuple[str, ...], select: str | None, write: bool, test_cmd: str | None,
    allow_costlier: bool, ignore: tuple[str, ...], time_limit: float | None, given: Given,
    fmt: str | None, output: str | None,
) -> None:
    """Rewrite eager imports of TARGETs into lazy ones, proven by differential import.

    Package __init__ files that re-export their submodules eagerly (IA101) get a
    PEP 562 __getattr__ and __dir__, with the imports kept under `if TYPE_CHECKING:`;
    imports only annotations need (IA501) move under `if TYPE_CHECKING:`; heavy imports
    used only inside functions (IA102, IA103) move into those functions. A lazy
    package's long __all__ (IA301) is left to you: which names a star import gives
    is the package's API decision.
    The original and a rewritten copy are imported side by side in fresh interpreters:
    every public name must resolve to the same object and every module must still
    import; the cost of importing the targets is measured before and after. What a
    proven round exposes is reviewed and fixed on the rewritten copy in further
    rounds, until nothing new is fixable. Nothing is written unless the proof passed
    and --write is given. The rewritten code must run on every Python the package
    declares (requires-python): it is compiled, and proven, on the oldest one
    installed (pyenv) too.
    """

    def body() -> int:
        from importaudit import api
        from importaudit.config import FixOptions
        from importaudit.fix.output import render_json, render_text
        from importaudit.fix.result import FixResult

        # [tool.importaudit] applies as for review; the flags win.
        config = given.config()
        options = FixOptions(config.measure, select=_codes(select),
                             ignore=(*config.review_ignore, *ignore), write=write,
                             test_cmd=test_cmd, allow_costlier=allow_costlier,
                             style=config.fix_style, time_limit=time_limit)
        chosen = infer_format(fmt, output, "text")

        def show(result: FixResult) -> None:
            with output_stream(output) as stream:
                (render_json if chosen == "json" else render_text)(result, stream,
                                                                   api.shown_path)

        try:
            result = api.fix(targets, options)
        except Interrupted as exc:
            # Ctrl-C or a CI's cancel: what the finished rounds proved is still shown.
            if isinstance(exc.partial, FixResult):
                show(exc.partial)
                if output not in (None, "-") or chosen == "json":
                    where = f"in {output}" if output not in (None, "-") else "on stdout (json)"
                    click.echo(f"importaudit: what was proven before {exc.name} is {where}",
                               err=True)
            raise
        show(result)
        return 1 if result.pending or result.proof_failed or result.costlier else 0

    run(body)


@cli.command()
@click.argument("code", required=False)
@format_option(["text", "json", "markdown"], "text")
def rules(code: str | None, fmt: str | None) -> None:
    """List the review rules, or explain rule CODE (what, why, how to fix, example)."""

    def body() -> int:
        from importaudit.render.ruledocs import render_rules
        from importaudit.review.registry import all_rules, get_rule

        chosen = [get_rule(code)] if code else list(all_rules())
        render_rules(chosen, sys.stdout, fmt or "text", detail=code is not None)
        return 0

    run(body)
