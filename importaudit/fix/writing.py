"""Writing what `fix` proved: atomically, only unchanged files, line endings kept.

`withdraw` fails every rewrite when the rewritten copy as a whole broke (its import,
or the user's tests); `write` replaces the proven files, or none if any changed since
`fix` read it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from importaudit.errors import Interrupted, UsageError
from importaudit.fix.proof import Breakage

if TYPE_CHECKING:
    from pathlib import Path

    from importaudit.fix.result import FixResult


def withdraw(result: FixResult) -> FixResult:
    """`result` with every rewrite failed: the rewritten copy broke the import or tests."""
    reasons = []
    if result.after is not None and result.after.failure is not None:
        reasons.append(Breakage(result.after.failure.module or "", "the rewritten copy "
                                f"failed to import: {result.after.failure.message}"))
    if result.tests is not None and result.tests.returncode != 0:
        reasons.append(Breakage("", f"`{result.tests.command}` failed on the rewritten "
                                    f"copy (status {result.tests.returncode})"))
    # Files that only serve the rewrites (the shared helper, a stub) carry no codes.
    return replace(result, rewrites=tuple(
        replace(r, broke=r.broke or tuple(reasons)) for r in result.rewrites if r.codes))


def _newline(path: Path) -> str:
    """The line ending `path` uses (that of its first line); LF for a new file."""
    if not path.exists():
        return "\n"
    # The plans read sources with universal newlines; writing back must not turn a
    # Windows (CRLF) file into an LF one, or every line of it shows in the diff.
    with open(path, encoding="utf-8", newline="") as stream:
        first = stream.readline()
    return "\r\n" if first.endswith("\r\n") else "\r" if first.endswith("\r") else "\n"


def write(result: FixResult) -> tuple[Path, ...]:
    """Replace each proven file atomically, or none if any changed since it was read.

    The rewrites hang together (a lazy `__init__` and the shared helper it imports):
    Ctrl-C or SIGTERM while they are written takes effect once all are written.
    """
    from importaudit._atomic import write_text_atomic
    from importaudit._signals import held

    changed = [r.file for r in result.passed
               if (r.file.read_text(encoding="utf-8") if r.file.exists() else None)
               != r.before]
    if changed:
        raise UsageError(f"{changed[0]} changed since importaudit read it: nothing "
                         "written (run fix again)")
    try:
        with held():
            for rewrite in result.passed:
                write_text_atomic(rewrite.file, rewrite.after,
                                  newline=_newline(rewrite.file))
    except Interrupted as exc:
        # Held until every file was written, unless a second signal insisted: what is
        # on disk says which were (each is replaced whole or not at all).
        exc.partial = tuple(r.file for r in result.passed if _holds(r.file, r.after))
        raise
    return tuple(r.file for r in result.passed)


def _holds(file: Path, text: str) -> bool:
    try:
        return file.read_text(encoding="utf-8") == text
    except (OSError, UnicodeDecodeError):
        return False
