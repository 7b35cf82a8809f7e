"""GitHub Actions: workflow-command annotations on stdout and a Markdown job summary.

Each violation becomes an `::error` annotation (on the file and line where known, so it
shows on the pull request's diff), each warning a `::warning`, each review finding an
annotation whose level follows its severity (as SARIF's does), each note of the run
(`render.run_notes`: where a saved report's graph was read, a busy machine) a
`::notice`, and one `::notice` sums up. Under Actions (`$GITHUB_STEP_SUMMARY` set) a
Markdown table of every check (and a list of the findings) is appended to the job
summary as well. `summary_markdown` is pure, for callers that want the text only.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from importaudit.checks import split_check_id, violations_of
from importaudit.model import Severity
from importaudit.render import run_notes

if TYPE_CHECKING:
    from collections.abc import Mapping

    from importaudit.model import Finding, Report, Violation
    from importaudit.render import RenderOptions

#: A finding's severity -> the workflow command that annotates it.
_COMMANDS = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
             Severity.LOW: "notice", Severity.INFO: "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _relative(file: str, root: Path) -> str:
    path = Path(file)
    try:
        return path.resolve().relative_to(root.resolve()).as_posix() if path.is_absolute() \
            else path.as_posix()
    except ValueError:
        return path.as_posix()


def _command(command: str, title: str, file: str | None, line: int | None, body: str,
             root: Path) -> str:
    """A workflow command (`::error file=...,line=...,title=...::body`)."""
    props = [f"title={_escape_property(title)}"]
    if file:
        props.insert(0, f"file={_escape_property(_relative(file, root))}")
        if line:
            props.insert(1, f"line={line}")
    return f"::{command} {','.join(props)}::{_escape_data(body)}"


def annotation(violation: Violation, root: Path) -> str:
    """The `::error` workflow command for one violation."""
    body = violation.message
    if violation.chain:
        body += "\nchain: " + " -> ".join(violation.chain)
    return _command("error", f"importaudit {violation.check}: {violation.subject}",
                    violation.file, violation.line, body, root)


def finding_annotation(finding: Finding, root: Path) -> str:
    """The workflow command for one review finding: its level, place, message and fix."""
    # The fix's first paragraph says what to do; the example code after it is for -v.
    body = f"{finding.message}\nfix: {finding.fix.split(chr(10) * 2)[0]}"
    return _command(_COMMANDS[finding.severity], f"importaudit {finding.code}: {finding.title}",
                    finding.file, finding.line, body, root)


def workflow_commands(report: Report, root: Path | None = None) -> list[str]:
    """Every workflow command for `report`: violations, warnings, findings, notes, a sum."""
    root = root or Path(os.getcwd())
    verdict = report.verdict
    lines = []
    if verdict is not None:
        lines += [annotation(v, root) for v in verdict.violations]
        lines += [f"::error title=importaudit cannot judge::{_escape_data(u)}"
                  for u in verdict.undecided]
        lines += [f"::warning title=importaudit::{_escape_data(w)}" for w in verdict.warnings]
    elif report.failure is not None:
        failure = report.failure
        where = ""
        if failure.file:  # the file the exception was raised in, so it shows on the diff
            where = f"file={_escape_property(_relative(failure.file, root))},"
            where += f"line={failure.line}," if failure.line else ""
        lines.append(f"::error {where}title=importaudit import::"
                     f"{_escape_data(failure.message)}")
    lines += [finding_annotation(f, root) for f in report.findings]
    lines += [f"::notice title=importaudit note::{_escape_data(n)}" for n in run_notes(report)]
    # One closing notice, so a passing run also says what it checked.
    if verdict is None and report.findings:
        summary = f"review: {len(report.findings)} finding(s) in {', '.join(report.targets)}"
    elif verdict is None:
        summary = f"no gate verdict for {', '.join(report.targets)}"
    else:
        state = ("CANNOT JUDGE" if verdict.undecided and not verdict.violations
                 else "passed" if verdict.passed else "FAILED")
        summary = (f"check {state}: {len(verdict.violations)} violations in "
                   f"{len(verdict.checks)} checks of {', '.join(report.targets)}"
                   + (f", {len(verdict.undecided)} not judged" if verdict.undecided else ""))
    lines.append(f"::notice title=importaudit::{_escape_data(summary)}")
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def summary_markdown(report: Report) -> str:
    """The job summary: the decision, then one table row per check, then warnings."""
    verdict = report.verdict
    state = ("not judged" if verdict is None
             or (verdict.undecided and not verdict.violations)
             else "passed" if verdict.passed else "FAILED")
    icon = {"passed": ":white_check_mark:", "FAILED": ":x:"}.get(state, ":grey_question:")
    lines = [f"## {icon} importaudit check {state}", ""]
    facts = [f"targets: `{', '.join(report.targets)}`"]
    if report.meta is not None:
        facts.append(f"Python {report.meta.python_version}, {report.meta.repeats} runs")
    lines += [" - ".join(facts), ""]
    if verdict is not None and verdict.checks:
        lines += ["| | check | subject | result |", "|---|---|---|---|"]
        for check in verdict.checks:
            kind, subject = split_check_id(check.name)
            found = violations_of(verdict, check)
            mark = (":grey_question:" if check.undecided else ":fast_forward:" if check.skipped
                    else ":x:" if found else ":white_check_mark:")
            text = "<br>".join(_cell(v.message) for v in found) or _cell(check.detail)
            lines.append(f"| {mark} | {kind} | `{_cell(subject)}` | {text} |")
        lines.append("")
    if report.findings:
        lines += ["### Findings", "", *(
            f"- **{f.severity.name}** {f.code} `{_cell(f.module)}`"
            f"{f' line {f.line}' if f.line else ''}: {_cell(f.title)}"
            for f in report.findings), ""]
    notes = dict.fromkeys((*run_notes(report), *(verdict.notes if verdict else ())))
    for title, items in (("Warnings", verdict.warnings if verdict else ()),
                         ("Notes", tuple(notes))):
        if items:
            lines += [f"### {title}", "", *(f"- {_cell(i)}" for i in items), ""]
    if report.failure is not None:
        lines += ["### The import failed", "", "```", report.failure.message, "```", ""]
    return "\n".join(lines)


def write_summary(report: Report, env: Mapping[str, str] | None = None) -> bool:
    """Append the summary to `$GITHUB_STEP_SUMMARY` when set; whether it was written."""
    env = os.environ if env is None else env
    path = env.get("GITHUB_STEP_SUMMARY")
    if not path:
        return False
    # Appended, not replaced: every step of the job adds to the same summary file.
    with open(path, "a", encoding="utf-8") as stream:
        stream.write(summary_markdown(report) + "\n")
    return True


def render(report: Report, stream: TextIO, options: RenderOptions) -> None:
    """Write the annotations to `stream`, and the job summary when under Actions."""
    for line in workflow_commands(report):
        stream.write(line + "\n")
    write_summary(report)
