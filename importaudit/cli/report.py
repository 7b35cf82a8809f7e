"""`report`: render saved reports again (`report SAVED...`), or merge shards' reports."""

from __future__ import annotations

import click

from importaudit.cli.base import cli, run
from importaudit.cli.output import (
    emit,
    format_option,
    infer_format,
    output_option,
    output_stream,
    render_options,
)


class _ReportGroup(click.Group):
    """`report SAVED...` renders (its first form, kept); `report merge ...` merges shards."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """`report SAVED...` is `report render SAVED...`."""
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["render", *args]
        return super().parse_args(ctx, args)


@cli.group("report", cls=_ReportGroup)
def report_group() -> None:
    """Render saved reports again (`report SAVED...`), or merge shards' reports."""


@report_group.command("merge")
@click.argument("shards", nargs=-1, required=True)
@click.option("--partial", is_flag=True,
              help="Merge even when shards are missing or given twice (the merged report "
                   "says which).")
@format_option(["json", "text", "tree", "table", "html", "markdown"], "json")
@output_option
def report_merge(shards: tuple[str, ...], partial: bool, fmt: str | None,
                 output: str | None) -> None:
    """Merge the reports of the shards of one `--shard I/N` split into one report.

    Lossless: every module record (each from the shard whose part held it, else the
    first that loaded it), failure, skipped module and note. Metadata that differs
    between shards (machine, interpreter, environment notes) is kept per shard and said
    on stderr. Missing or repeated shards are an error unless --partial.
    """

    def body() -> int:
        from importaudit import api

        merged = api.merge_reports(shards, partial=partial)
        for line in merged.differences:
            click.echo(f"importaudit: {line}", err=True)
        emit(merged.report, infer_format(fmt, output, "json"), output,
             render_options(command="report"))
        return 0

    run(body)


@report_group.command("render")
@click.argument("saved", nargs=-1, required=True)
@click.option("--labels", default=None, metavar="BEFORE,AFTER",
              help="Names of the two reports in a before/after comparison.")
@format_option(["text", "tree", "table", "json", "html", "markdown", "speedscope", "trace",
                "sarif", "github", "junit"], "text")
@output_option
def report_command(saved: tuple[str, ...], labels: str | None, fmt: str | None,
                   output: str | None) -> None:
    """Render SAVED report(s) (JSON) again in another format, without measuring.

    Give two reports for a before/after comparison (html or markdown).
    """

    def body() -> int:
        from importaudit import api

        chosen = infer_format(fmt, output, "text")
        names = [n.strip() for n in labels.split(",")] if labels else None
        api.load_reports(saved)  # a missing or unreadable file fails before output opens
        with output_stream(output) as stream:
            api.report(saved, chosen, stream, labels=names)
        return 0

    run(body)
