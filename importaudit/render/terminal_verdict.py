"""The gate's verdict for people: what failed, the measured value, the limit, the chain.

`render_verdict(report, console, options)` is the section the terminal renderer draws
when a report carries a verdict; `render(report, stream, options)` prints the verdict
alone. `verdict_lines` and `violation_lines` are the plain text both share (the pytest
plugin uses them without loading rich), and `calibration_lines` the noise self-test of
`check --calibrate`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from importaudit.units import format_ns

if TYPE_CHECKING:
    from rich.console import Console

    from importaudit.gate import Calibration
    from importaudit.model import Report, Verdict, Violation
    from importaudit.render import RenderOptions


def verdict_lines(verdict: Verdict, *, verbose: bool = False) -> list[tuple[str, str]]:
    """The verdict as (style, line) pairs: the text every plain-text output shares."""
    failed = len(verdict.violations)
    skipped = sum(c.skipped for c in verdict.checks)
    undecided = sum(c.undecided for c in verdict.checks)
    state = "passed" if verdict.passed else "FAILED" if failed or not undecided \
        else "CANNOT JUDGE"
    summary = f"verdict: {state} - {failed} violation{'s' if failed != 1 else ''} in " \
              f"{len(verdict.checks)} check{'s' if len(verdict.checks) != 1 else ''}"
    summary += f" ({skipped} skipped)" if skipped else ""
    summary += f" ({undecided} not judged)" if undecided else ""
    lines = [("bold green" if verdict.passed else "bold red", summary)]
    for violation in verdict.violations:
        lines.extend(violation_lines(violation))
    lines.extend(("red", f"  CANNOT JUDGE {line}") for line in verdict.undecided)
    for check in verdict.checks:
        if check.undecided:
            continue  # each kind is said once above
        if check.skipped:
            lines.append(("dim", f"  skip {check.name}: {check.detail}"))
        elif check.passed and verbose:
            lines.append(("green", f"  ok   {check.name}: {check.detail}"))
    if verdict.warnings:
        lines.append(("bold yellow", "warnings:"))
        lines.extend(("yellow", f"  - {w}") for w in verdict.warnings)
    if verdict.notes:
        lines.append(("bold", "notes:"))
        lines.extend(("dim", f"  - {n}") for n in verdict.notes)
    return lines


def violation_lines(violation: Violation) -> list[tuple[str, str]]:
    """One violation: the check and message, then where to look."""
    lines = [("red", f"  FAIL {violation.check} {violation.subject}: {violation.message}")]
    if violation.file:
        where = f"{violation.file}:{violation.line}" if violation.line else violation.file
        lines.append(("dim", f"       at {where}"))
    return lines


def render_verdict(report: Report, console: Console, options: RenderOptions) -> None:
    """Draw the verdict section of `report` on `console` (nothing without a verdict)."""
    from rich.text import Text

    if report.verdict is None:
        return
    for style, line in verdict_lines(report.verdict, verbose=options.verbosity > 0):
        console.print(Text(line, style=style))


def render(report: Report, stream: TextIO, options: RenderOptions) -> None:
    """Write only the verdict of `report` to `stream` (colour as the terminal renderer)."""
    from rich.console import Console

    from importaudit.render.terminal import use_color

    color = use_color(stream, options)
    console = Console(file=stream, width=options.width or 4096, no_color=not color,
                      color_system="standard" if color else None, force_terminal=color,
                      highlight=False, markup=False, emoji=False, soft_wrap=True)
    render_verdict(report, console, options)


def calibration_lines(calibration: Calibration) -> list[str]:
    """The noise self-test as text, ending with the suggested TOML."""
    lines = [f"importaudit check --calibrate: {calibration.rounds} identical rounds"]
    for spread in calibration.targets:
        medians = ", ".join(format_ns(m) for m in spread.medians_ns)
        lines.append(
            f"  {spread.target}: round medians {medians}; spread {format_ns(spread.absolute_ns)}"
            f" ({100 * spread.relative:.1f}%); single runs {format_ns(spread.fastest_ns)}.."
            f"{format_ns(spread.slowest_ns)}"
        )
    current, suggested = calibration.current, calibration.suggested
    lines.append(
        f"false alarms over {calibration.pairs} round pairs: "
        f"{calibration.false_alarms_current} with the current tolerances "
        f"(+{100 * current.time_relative:.0f}% and +{format_ns(current.time_absolute_ns)}), "
        f"{calibration.false_alarms_suggested} with the suggested ones"
    )
    lines += [
        "suggested:",
        "  [tool.importaudit.tolerance]",
        f"  time_relative = {suggested.time_relative:g}",
        f"  time_absolute_ms = {suggested.time_absolute_ns / 1_000_000:g}",
    ]
    return lines
