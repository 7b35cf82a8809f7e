"""Files this Python cannot parse, read by the parser of the interpreter they are for.

importaudit parses sources with its own `ast`. A project written for a newer Python
than the one running importaudit (importaudit installed with pipx on 3.11, the project's
venv on 3.12 or 3.13, `--python` naming it) has files this `ast` rejects: `type Pair[T] =
...`, `def first[T](...)`, f-strings nesting their own quotes (PEP 695, 701), a type
parameter's default (PEP 696). Read here, such a file was "syntax error: invalid syntax"
and its imports were missing from the graph: a cycle through it went unreported.

When the measured interpreter is newer than this one, the files whose scan failed on a
syntax error are scanned again there, with the same reference scanner (the package's
`static.scan`, which needs only the standard library, loaded from this installation by
its path, so nothing of the measured environment is imported and nothing of this one is
put on that interpreter's path). What that parser rejects too is a syntax error of the
file, and stays one.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from importaudit.static.sourcetree import SearchPath

#: Seconds the measured interpreter may take to start and read each file.
_START_TIMEOUT_S = 30.0
_PER_FILE_TIMEOUT_S = 2.0

# Runs in the measured interpreter (argv: the folder of this importaudit package; stdin:
# a JSON list of paths). It loads importaudit's scanner by path, as a package of its own,
# and prints each path's scan as `cache.encode_scan` encodes it.
_CHILD = """
import importlib.util, json, os, sys
folder = sys.argv[1]
spec = importlib.util.spec_from_file_location(
    "importaudit", os.path.join(folder, "__init__.py"), submodule_search_locations=[folder])
package = importlib.util.module_from_spec(spec)
sys.modules["importaudit"] = package
spec.loader.exec_module(package)
from importaudit.static.cache import encode_scan
from importaudit.static.scan import scan_reference
out = {}
for path in json.load(sys.stdin):
    try:
        with open(path, "rb") as file:
            out[path] = encode_scan(scan_reference(file.read()))
    except OSError as exc:  # (gone since it was found: no edges, as here)
        out[path] = ["cannot read: %s" % exc.strerror, None, []]
json.dump(out, sys.stdout)
"""


def newer(version: tuple[int, ...] | None) -> bool:
    """Whether an interpreter of `version` may parse what this one cannot."""
    return version is not None and tuple(version[:2]) > sys.version_info[:2]


def is_syntax_error(encoded: Any) -> bool:
    """Whether an encoded scan (`cache.encode_scan`) is a file `ast` rejected."""
    error = encoded[0]
    return isinstance(error, str) and error.startswith("syntax error")


class Unread(Exception):
    """The measured interpreter could not read the files: why, in a few words."""


def rescan(python: str, paths: list[str]) -> dict[str, list[Any]]:
    """The scans of `paths` as `python` parses them.

    Raises Unread when that interpreter did not run the scanner to its end (too old for
    its code, gone, timed out, its output damaged): the scans made here stand then,
    syntax errors and all, and the caller says so rather than keep them as the truth.
    It runs with `-I -S`: neither the current directory, the user's site directory, the
    environment's variables nor its `.pth` files and `sitecustomize` take part (the
    scanner needs the standard library only).
    """
    if not paths:
        return {}
    folder = str(Path(__file__).resolve().parents[1])
    try:
        done = subprocess.run([python, "-I", "-S", "-c", _CHILD, folder],
                              input=json.dumps(paths), capture_output=True, text=True,
                              check=False,
                              timeout=_START_TIMEOUT_S + _PER_FILE_TIMEOUT_S * len(paths))
    except subprocess.TimeoutExpired as exc:
        raise Unread(f"timed out after {exc.timeout:.0f} s") from None
    except (OSError, subprocess.SubprocessError) as exc:
        raise Unread(f"could not run it: {exc}") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [""])[-1]
        raise Unread(f"exit status {done.returncode}" + (f": {last}" if last else ""))
    try:
        found = json.loads(done.stdout)
    except ValueError:
        found = None
    if not isinstance(found, dict) or any(
            not isinstance(found.get(path), list) or len(found[path]) != 3 for path in paths):
        raise Unread("its output was not the scans asked for")
    return {path: found[path] for path in paths}


class HeldFiles:
    """The files of one build this Python's parser rejected, for a newer measured one.

    `hold` takes a file's scan when it is such a file (nothing is held when the measured
    interpreter is not newer); `release` hands the held files' scans, as that
    interpreter read them, to the graph; `notes` says which it read, and which it could
    not (`unread`: then the graph is not to be cached as the answer).
    """

    def __init__(self, where: SearchPath) -> None:
        self.where = where
        self.active = bool(where.python) and newer(where.version)
        self.held: dict[str, Sequence[Any]] = {}
        self.read: list[str] = []
        self.unread: dict[str, list[str]] = {}  # why -> the files it did not read

    def hold(self, path: str, encoded: Sequence[Any]) -> bool:
        """Keep `path`'s scan back if this Python rejected it and another may not."""
        if self.active and is_syntax_error(encoded):
            self.held[path] = encoded
            return True
        return False

    def release(self, add: Callable[[str, Sequence[Any]], None],
                progress: Callable[[str], None]) -> None:
        """Have the measured interpreter read the held files; `add` each one's scan."""
        python = self.where.python
        if not self.held or python is None:
            return
        progress(f"reading {len(self.held)} files with {python}")
        try:
            again = rescan(python, sorted(self.held))
        except Unread as exc:
            again = {}
            self.unread.setdefault(str(exc), []).extend(self.held)
        for path, encoded in self.held.items():
            add(path, again.get(path, encoded))
        self.read.extend(path for path, scan in again.items() if not is_syntax_error(scan))
        self.held.clear()

    def notes(self, show: Callable[[str], str]) -> list[str]:
        """What the report says of those files, each named by `show`."""
        notes = [_read_note([show(p) for p in sorted(self.read)], self.where)] \
            if self.read else []
        return notes + [_unread_note([show(p) for p in sorted(files)], self.where, why)
                        for why, files in self.unread.items()]


def _listed(files: list[str]) -> str:
    """The first three of `files`, and whether there are more."""
    return ", ".join(files[:3]) + (", ..." if len(files) > 3 else "")


def _here() -> str:
    return ".".join(map(str, sys.version_info[:2]))


def _read_note(files: list[str], where: SearchPath) -> str:
    """What a report says of the files the measured interpreter read for this one."""
    there = ".".join(map(str, (where.version or ())[:2]))
    return (f"{len(files)} file(s) use syntax Python {_here()} (running importaudit) cannot "
            f"parse ({_listed(files)}): their imports were read by {where.python} (Python "
            f"{there}). `review` and `fix` read source with this Python and leave them "
            f"out: run importaudit itself on Python {there} or newer to review them")


def _unread_note(files: list[str], where: SearchPath, why: str) -> str:
    """What a report says when the measured interpreter could not read those files."""
    return (f"{len(files)} file(s) Python {_here()} (running importaudit) cannot parse "
            f"({_listed(files)}) could not be read by {where.python} either ({why}): their "
            f"imports are missing from the graph, which is not cached")
