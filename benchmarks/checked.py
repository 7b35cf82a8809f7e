"""Commands a benchmark measures must succeed: a figure from a failed command is never printed.

Every benchmark in this folder runs what it times or counts through these checks. A
failed command stops the benchmark with the command and the error it gave, instead of
printing a ratio of two failures (an import that fails early is fast and cheap).
The probe exits 0 in import mode even when the import failed (the records say so), so
its runs are judged by their records, the way `importaudit profile` judges them.
"""

from __future__ import annotations

import math
import shlex
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from importaudit.runtime.children import ChildRun, parse_records
from importaudit.runtime.failures import describe_failure

if TYPE_CHECKING:
    from collections.abc import Sequence

    from importaudit.model import Report

#: Lines of a failed command's stderr shown with the error.
TAIL_LINES = 15


def stop(what: str, problem: str, stderr: str = "") -> NoReturn:
    """End the benchmark: `what` (a command or a step) failed with `problem`."""
    tail = "\n".join(stderr.strip().splitlines()[-TAIL_LINES:])
    raise SystemExit(f"benchmark stopped: {what} {problem}" + (f":\n{tail}" if tail else ""))


def command_text(cmd: Sequence[str]) -> str:
    """A command as a shell would show it (a long inline script abbreviated)."""
    shown = [arg if len(arg) <= 120 else f"<{len(arg)} characters>" for arg in map(str, cmd)]
    return f"`{shlex.join(shown)}`"


def check_exit(cmd: Sequence[str], returncode: int, stderr: str = "") -> None:
    """Stop unless `cmd` exited with status 0."""
    if returncode != 0:
        stop(command_text(cmd), f"exited with status {returncode}", stderr)


def run_checked(cmd: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """`subprocess.run` with output captured; stops the benchmark unless it exits 0."""
    proc = subprocess.run(list(cmd), capture_output=True, text=True, check=False, **kwargs)
    check_exit(cmd, proc.returncode, proc.stderr)
    return proc


def check_child(what: str, child: ChildRun) -> ChildRun:
    """Stop unless a probe run finished and every import in it succeeded."""
    failure = describe_failure(child, math.inf)
    if failure is not None:
        stop(what, f"failed ({failure.kind}): {failure.message}", failure.stderr_tail)
    return child


def check_probe(cmd: Sequence[str], records: str | Path, returncode: int,
                stderr: str = "") -> ChildRun:
    """Judge a probe command run by hand from its exit status and its records file."""
    child = ChildRun(returncode=returncode, stderr_tail=stderr)
    parse_records(Path(records).read_bytes().splitlines(), child)
    return check_child(command_text(cmd), child)


def check_report(what: str, report: Report) -> Report:
    """Stop unless the child interpreters behind `report` imported everything."""
    if report.failure is not None:
        stop(what, f"failed ({report.failure.kind}): {report.failure.message}",
             report.failure.stderr_tail)
    return report
