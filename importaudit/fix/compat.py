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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from importaudit.errors import TargetFailedError
from importaudit.fix.proof import run_json, run_snapshot, run_snapshots

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from packaging.specifiers import SpecifierSet

    from importaudit.fix.project import Declared
    from importaudit.runtime.interpreter import Variables

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


def compile_errors(python: str, files: Sequence[Path], *, timeout: float,
                   env: Variables = ()) -> dict[str, str]:
    """{file: error} for the `files` `python` cannot compile."""
    found: dict[str, str] = run_json(python, ["-c", _COMPILE], [str(f) for f in files],
                                     timeout=timeout, what=f"compiling with {python}",
                                     env=env)
    return found


#: An interpreter: (its version, its executable).
Python = tuple[tuple[int, int, int], str]


@dataclass
class Side:
    """One interpreter the proof imports both trees in, and the original's snapshots."""

    python: str
    label: str  # its version, "3.9.18" ("" for the measured one)
    before: dict[str, dict[str, Any]] = field(default_factory=dict)
    tree: dict[str, Any] = field(default_factory=dict)


def check_versions(declared: Declared | None, version: tuple[int, int, int] | None,
                   python: str) -> tuple[VersionCheck, Python | None]:
    """What the package declares, and the oldest interpreter here its range admits."""
    measured = "" if version is None else dotted(version)
    specifier = declared.specifier if declared is not None else None
    if declared is None or specifier is None or version is None:
        where = f" ({declared.source})" if declared is not None else ""
        return VersionCheck(source=declared.source if declared else None, not_checked=(
            f"requires-python not declared{where}: checked on Python "
            f"{measured or '(--python)'} only",)), None
    from importaudit.fix.project import lowest

    oldest = oldest_admitted(specifier, (version, python))
    checks = VersionCheck(declared.requires_python, declared.source, lowest(specifier))
    if oldest is None:
        return replace(checks, not_checked=(
            f"no interpreter here is in requires-python {declared.requires_python!r}: "
            "the rewritten files were compiled on none of the Pythons it admits",)), None
    skipped = () if checks.lowest in (None, oldest[0][:2]) else (
        f"Python {dotted(checks.lowest or ())} (the oldest admitted) is not installed "
        f"here: the oldest checked is {dotted(oldest[0])}",)
    return replace(checks, not_checked=skipped), oldest


def older_side(oldest: Python, version: tuple[int, int, int],
               measured: Mapping[str, dict[str, Any]], *, paths: Sequence[str],
               targets: Sequence[str], style: str, timeout: float, env: Variables = (),
               ) -> tuple[Side | None, str | None]:
    """The originals snapshotted on `oldest` when it is another Python than `version`.

    `measured` is each rewritten module's surface on the measured Python. Returns the
    side to prove on (None: nothing to prove there) and what was not proven there and
    why (a package from another environment does not import on pyenv's). Each original
    must load there from the file it loads from on the measured Python: pyenv's 3.9
    has a setuptools of its own, and comparing the rewritten copy with that one blamed
    the rewrites for what another version of setuptools differs in.
    """
    if oldest[0][:2] == version[:2]:
        return None, None
    label = dotted(oldest[0])
    if oldest[0][:2] < (3, 7):  # snapshot.py itself needs 3.7
        return None, f"not proven on Python {label}: the proof needs >= 3.7"
    side = Side(oldest[1], label)
    if style == "lazy-loader" and "error" in run_snapshot(
            side.python, paths, "surface", "lazy_loader", timeout=timeout, env=env):
        # The rewrite imports lazy_loader: an environment without it proves nothing.
        return None, f"not proven on Python {label}: lazy_loader is not installed there"
    failed = []
    try:
        # The originals there, each module alone, and the tree: all at once.
        *surfaces, side.tree = run_snapshots(
            [*((side.python, tuple(paths), "surface", m) for m in measured),
             (side.python, tuple(paths), "tree", ",".join(targets))],
            timeout=timeout, env=env)
        for (module, was), shown in zip(measured.items(), surfaces, strict=True):
            if "error" in shown:
                failed.append(f"{module} ({shown['error']})")
            elif not _same_file(shown.get("file"), was.get("file")):
                # Another installation of it: neither side of the proof would be the
                # code rewritten, and a difference would be charged to the rewrite.
                side.before.clear()
                return None, (f"not proven on Python {label}: {module} imports from "
                              f"{shown.get('file')} there, not from {was.get('file')}: "
                              "another installation of it")
            else:
                side.before[module] = shown
    except TargetFailedError as exc:
        failed.append(str(exc))
        side.before.clear()
    note = (f"not proven on Python {label}: the original does not import there: "
            f"{'; '.join(failed)}") if failed else None
    return (side if side.before else None), note


def _same_file(one: str | None, other: str | None) -> bool:
    """Whether two `__file__`s name one file (both None: two namespace packages)."""
    if one is None or other is None:
        return one == other
    return os.path.realpath(one) == os.path.realpath(other)


def compile_breakages(oldest: Python, files: Sequence[tuple[str, Path | None, Path]], *,
                      timeout: float, env: Variables = (),
                      originals: dict[str, bool] | None = None) -> dict[str, str]:
    """{module: why} for each rewritten file `oldest` cannot compile, and could before.

    `files` are (module, original file or None when the rewrite creates it, rewritten
    copy): a file the interpreter did not compile before is not the rewrite's fault.
    `originals` keeps whether each original compiled, across the trials of a round
    (the originals do not change; only the rewritten copies are compiled again).
    """
    known = {} if originals is None else originals
    after = compile_errors(oldest[1], [copy for _, _, copy in files], timeout=timeout,
                           env=env)
    asked = [str(f) for _, f, _ in files if f is not None and str(f) not in known]
    if asked:
        failed = compile_errors(oldest[1], [Path(f) for f in asked], timeout=timeout,
                                env=env)
        known.update((f, f not in failed) for f in asked)
    return {module: f"does not compile on Python {dotted(oldest[0])}: {after[str(copy)]}"
            for module, original, copy in files
            if str(copy) in after and (original is None or known[str(original)])}
