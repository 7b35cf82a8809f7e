"""The requires-python check: the rewritten code runs on every Python the package declares.

Three checks, cheapest first. Each construct a rewrite writes has an oldest Python
(`NEEDS`): a rewrite needing more than the declared lower bound is refused before
anything runs. The rewritten files are then compiled by the oldest interpreter found
(pyenv's, or the measured one) that the declared range admits, next to the originals
(a file that did not compile there before is not the rewrite's fault). And the proof
runs there too when that interpreter differs from the measured one (see engine).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from packaging.specifiers import SpecifierSet

    from importaudit.fix.project import Declared

#: The oldest Python each construct a rewrite writes runs on, and what it is.
NEEDS: dict[str, tuple[tuple[int, int], str]] = {
    "pep562": ((3, 7), "a module __getattr__ (PEP 562)"),
    "lazy-loader": ((3, 7), "lazy_loader's module __getattr__ (PEP 562)"),
    "pep810": ((3, 15), "`lazy` imports (PEP 810)"),
    "future": ((3, 7), "`from __future__ import annotations`"),
}

#: Run by the interpreter checked (any Python, 2.7 included): compile each file named
#: in argv[2:] and write {file: error} for those that do not compile to argv[1].
_COMPILE = r"""
import json, sys
found = {}
for path in sys.argv[2:]:
    try:
        with open(path, "rb") as stream:
            compile(stream.read(), path, "exec", 0, True)
    except SyntaxError as exc:
        found[path] = "%s: %s (line %s)" % (type(exc).__name__, exc.msg, exc.lineno)
with open(sys.argv[1], "w") as out:
    json.dump(found, out)
"""


@dataclass(frozen=True, slots=True)
class VersionCheck:
    """Which Pythons the package declares, and where the rewrites were checked."""

    requires_python: str | None = None
    source: str | None = None  # where requires-python was read
    lowest: tuple[int, int] | None = None  # the oldest Python the range admits
    compiled_on: tuple[str, ...] = ()  # versions that compiled every rewritten file
    proven_on: tuple[str, ...] = ()  # versions the proof imported both sides on
    not_checked: tuple[str, ...] = ()  # what was not checked, and why


def dotted(version: Sequence[int]) -> str:
    """(3, 9, 18) -> "3.9.18"."""
    return ".".join(str(part) for part in version)


def interpreters() -> list[tuple[tuple[int, int, int], str]]:
    """The CPython interpreters pyenv installed, oldest first (PYENV_ROOT or ~/.pyenv)."""
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    found = []
    for folder in root.glob("*") if root.is_dir() else ():
        match = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", folder.name)
        python = folder / "bin" / "python"
        if match and python.is_file():
            major, minor, micro = (int(g) for g in match.groups())
            found.append(((major, minor, micro), str(python)))
    return sorted(found)


def oldest_admitted(specifier: SpecifierSet, measured: tuple[tuple[int, int, int], str]
                    ) -> tuple[tuple[int, int, int], str] | None:
    """The oldest interpreter (pyenv's or the measured one) the declared range admits."""
    for version, path in sorted([*interpreters(), measured]):
        if specifier.contains(dotted(version), prereleases=True):
            return version, path
    return None


def too_new(style: str, declared: Declared | None) -> str | None:
    """Why code of `style` (a key of NEEDS) cannot run on the declared range, or None."""
    specifier = declared.specifier if declared is not None else None
    if declared is None or specifier is None:
        return None
    from importaudit.fix.project import lowest

    oldest = lowest(specifier)
    needed, what = NEEDS[style]
    if oldest is not None and oldest < needed:
        return (f"{what} needs Python >= {dotted(needed)}; the package declares "
                f"requires-python {declared.requires_python!r} ({declared.source}), "
                f"down to {dotted(oldest)}")
    return None


def compile_errors(python: str, files: Sequence[Path], *, timeout: float) -> dict[str, str]:
    """{file: error} for the `files` `python` cannot compile."""
    from importaudit.fix.proof import run_json

    found: dict[str, str] = run_json(python, ["-c", _COMPILE], [str(f) for f in files],
                                     timeout=timeout, what=f"compiling with {python}")
    return found
