"""Terminal section for review findings, called by the terminal renderer when a report has some.

One block per finding, most severe first: severity, code and title; where; the
measured impact; the message; the fix (its example code only with -v). Colour is the
console's business (off when piped or with NO_COLOR).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from importaudit.model import Severity
from importaudit.render.compare import split_fix
from importaudit.render.markdown import impact_text, severity_counts

if TYPE_CHECKING:
    from rich.console import Console

    from importaudit.model import Report
    from importaudit.render import RenderOptions

_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def render_findings(report: Report, console: Console, options: RenderOptions) -> None:
    """Print the report's findings, ranked as the review ranked them."""
    findings = report.findings
    head = Text(f"{len(findings)} finding(s): ", style="bold")
    head.append(severity_counts(findings))
    console.print(head)
    for finding in findings:
        console.print()
        title = Text(f"{finding.severity.name:<8}", style=_STYLE[finding.severity])
        title.append(f" {finding.code} ", style="bold")
        title.append(finding.title)
        console.print(title)
        where = finding.module
        if finding.file:
            where += f"  {finding.file}" + (f":{finding.line}" if finding.line else "")
        console.print(Text(f"  {where}", style="dim"), soft_wrap=True)
        console.print(Text(f"  impact: {impact_text(finding.impact)}"))
        console.print(Text(f"  {finding.message}"))
        text, example = split_fix(finding.fix)
        console.print(Text(f"  fix: {text}", style="green"))
        if example and options.verbosity > 0:
            for line in example.splitlines():
                console.print(Text(f"      {line}", style="dim"), soft_wrap=True)
    if findings and options.verbosity <= 0:
        console.print()
        console.print(Text("Example fixes: -v; what a rule means: importaudit rules CODE",
                           style="dim"))
