"""`check` (the CI gate) and `baseline save|show|diff`: judge against budgets and a baseline."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

from importaudit import defaults
from importaudit.cli.base import cli, run
from importaudit.cli.options import GATE, config_flags, shard_flags
from importaudit.cli.output import (
    emit,
    format_option,
    infer_format,
    output_option,
    output_stream,
    render_options,
    say_empty_shard,
    say_failure,
    verbosity_options,
)
from importaudit.errors import EXIT_TARGET, ImportAuditError

if TYPE_CHECKING:
    from importaudit.cli.options import Given, ShardFlags
    from importaudit.model import Report

_GATE_FORMATS = ["text", "json", "junit", "sarif", "github"]


def _announce_to_actions(report: Report, chosen: str, output: str | None) -> None:
    """Under GitHub Actions: annotations (when stdout carries text) and the job summary."""
    if os.environ.get("GITHUB_ACTIONS") != "true" or chosen == "github":
        return
    from importaudit.render import github

    if chosen == "text" or output not in (None, "-"):
        for line in github.workflow_commands(report):
            click.echo(line)
    github.write_summary(report)


@cli.command()
@click.argument("targets", nargs=-1)
@config_flags(*GATE)
@click.option("--static", "static_only", is_flag=True,
              help="Only the static checks (cycles, forbidden imports, contracts): runs no "
                   "code.")
@click.option("--calibrate", is_flag=True,
              help="Measure this machine's run-to-run noise and suggest tolerances.")
@click.option("--rounds", type=click.IntRange(2, 100), default=defaults.CALIBRATION_ROUNDS,
              help=f"Identical rounds for --calibrate (default {defaults.CALIBRATION_ROUNDS}).")
@click.option("--from", "from_report", default=None, metavar="REPORT",
              help="Judge a saved report (JSON), such as `report merge`'s, instead of "
                   "measuring (the targets are not profiled; cycle claims are still run "
                   "in the report's environment); "
                   "its targets and interpreter are the report's unless given.")
@shard_flags
@format_option(_GATE_FORMATS, "text")
@output_option
@verbosity_options
def check(
    targets: tuple[str, ...], given: Given, static_only: bool, calibrate: bool, rounds: int,
    from_report: str | None, shard: ShardFlags, fmt: str | None, output: str | None,
    quiet: int, verbose: int,
) -> None:
    """The CI gate: budgets, forbidden modules, cycles, contracts, baseline regressions.

    Exits 0 when every check passes, 1 on violations, 2 on a usage or configuration
    error, 3 when a target fails to import or the child interpreter crashes, or when a
    check cannot judge heap figures a heap run did not measure.
    """

    def body() -> int:
        from importaudit import api

        config = given.config(targets=list(targets) or None, format=fmt, output=output)
        if calibrate:
            from importaudit.render.terminal_verdict import calibration_lines

            with output_stream(config.output) as stream:
                for line in calibration_lines(api.calibrate(config, rounds=rounds)):
                    stream.write(line + "\n")
            return 0
        import dataclasses

        config = dataclasses.replace(config, measure=shard.measure(config.measure))
        report = api.check(
            config, static_only=static_only,
            require_baseline=given.flags["baseline"] is not None,
            measured=api.load_reports([from_report])[0] if from_report else None)
        chosen = config.format if config.format != "text" else infer_format(
            None, config.output, "text")
        options = render_options(command="check", verbosity=verbose - quiet)
        emit(report, chosen, config.output, options)
        say_failure(report, chosen, config.output)
        say_empty_shard(report)
        _announce_to_actions(report, chosen, config.output)
        return api.exit_status(report)

    run(body)


@cli.group("baseline")
def baseline_group() -> None:
    """Keep and compare saved reports (baselines)."""


@baseline_group.command("save")
@click.argument("targets", nargs=-1)
@config_flags(*GATE)
@click.option("--from", "from_report", default=None, metavar="REPORT",
              help="Save this saved JSON report instead of measuring.")
@click.option("--static", "static_only", is_flag=True,
              help="Save only the static graph and cycles (runs no code).")
def baseline_save(targets: tuple[str, ...], given: Given, from_report: str | None,
                  static_only: bool) -> None:
    """Measure the configured targets now and save the report as the baseline."""

    def body() -> int:
        from importaudit import api

        config = given.config(targets=list(targets) or None)
        saved, path = api.save_baseline(config, from_report=from_report,
                                        static_only=static_only)
        modules = sum(not m.preloaded for m in saved.report.modules)
        commit = f" at commit {saved.git_commit[:12]}" if saved.git_commit else ""
        click.echo(f"saved baseline of {', '.join(saved.report.targets)} ({modules} modules, "
                   f"{len(saved.report.cycles)} cycles){commit} to {path}")
        gaps = saved.report.meta.heap_gaps if saved.report.meta is not None else ()
        if gaps:
            count = sum(len(g.modules) for g in gaps)
            click.echo(f"importaudit: without heap figures for {count} module(s): the heap "
                       f"run {gaps[0].message}; a check cannot judge their heap against "
                       "this baseline (save it again with a longer --timeout)", err=True)
        return 0

    run(body)


@baseline_group.command("show")
@config_flags("baseline")
@format_option(["table", "tree", "json"], "table")
@output_option
@verbosity_options
def baseline_show(given: Given, fmt: str | None, output: str | None, quiet: int,
                  verbose: int) -> None:
    """Show the baseline: when and where it was saved, and what it measured."""

    def body() -> int:
        from importaudit import api
        from importaudit.render import get_renderer

        config = given.config()
        saved = api.show_baseline(config)
        chosen = infer_format(fmt, output, "table")
        with output_stream(output) as stream:
            if chosen == "json":
                import json

                from importaudit.baseline import to_dict

                json.dump(to_dict(saved), stream, indent=2)
                stream.write("\n")
                return 0
            migrated = f" (read from format {saved.migrated_from})" if saved.migrated_from \
                else ""
            commit = f", commit {saved.git_commit}" if saved.git_commit else ""
            stream.write(f"baseline {config.baseline_path}{migrated}: saved "
                         f"{saved.saved_at}{commit}\n")
            options = render_options(view=chosen, command="report", verbosity=verbose - quiet)
            get_renderer(chosen)(saved.report, stream, options)
        return 0

    run(body)


@baseline_group.command("diff")
@click.argument("reports", nargs=-1)
@config_flags(*GATE)
@format_option(["text", "json"], "text")
@output_option
@verbosity_options
def baseline_diff(reports: tuple[str, ...], given: Given, fmt: str | None, output: str | None,
                  quiet: int, verbose: int) -> None:
    """Compare two reports and exit 1 on regressions.

    `diff OLD NEW` compares two saved reports, `diff NEW` the baseline with NEW, and
    `diff` alone the baseline with a fresh measurement.
    """

    def body() -> int:
        from importaudit import api
        from importaudit.render.terminal_diff import render_diff, render_diff_json

        if len(reports) > 2:
            raise ImportAuditError("give at most two reports: OLD NEW")
        old, new = (None, None) if not reports else (None, reports[0]) if len(reports) == 1 \
            else reports
        diff = api.diff_reports(given.config(), old, new)
        with output_stream(output) as stream:
            if infer_format(fmt, output, "text") == "json":
                render_diff_json(diff, stream)
            else:
                render_diff(diff, stream, render_options(verbosity=verbose - quiet))
        if diff.verdict is not None and diff.verdict.violations:
            return 1  # measured and over: a violation, whatever was not judged beside it
        if diff.verdict is not None and diff.verdict.undecided:
            return EXIT_TARGET  # heap figures one side did not measure: not judged
        return 0 if diff.verdict is None or diff.verdict.passed else 1

    run(body)
