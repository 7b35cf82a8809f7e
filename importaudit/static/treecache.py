"""The cache of `discover`: the last walk of the same targets, reused while unchanged.

What a walk's result depends on comes in two sorts. A directory the walk listed (a
package's folder) depends on all its entries: its mtime is kept. A directory where a
target's name was only *looked up* (the current directory, site-packages, any sys.path
entry; a package's folder for a dotted target) depends only on the few paths the name
could be found as there (`lookup_suffixes`): their kinds are kept (`path_kind`), so an
editor's temporary file in the current directory or an unrelated `pip install` keeps
the result, and a new `name.py` or `name/` that would shadow the target does not.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import json
import os
import stat
from typing import TYPE_CHECKING

from importaudit.model import ScanProblem
from importaudit.static.sourcetree import Exclusions, SourceModule, SourceTree

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

# 2: compiled modules' `source`; 3: package files named only by import_module;
# 4: exclusions, symlinked aliases, zip archives; 5: a pattern before the test rule;
# 6: `test` is a test name too; 7: looked-up paths' kinds instead of their folders' mtimes
_TREE_FORMAT = 7

#: `path_kind`'s answers: nothing there, a directory, anything else (a file).
ABSENT, FOLDER, FILE = -1, 1, 0


def path_kind(path: str) -> int:
    """Whether `path` is ABSENT, a FOLDER or a FILE (what a name lookup tells apart)."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return ABSENT
    return FOLDER if stat.S_ISDIR(mode) else FILE


def lookup_suffixes(extensions: Sequence[str]) -> tuple[str, ...]:
    """Every suffix a module file can have for the path finder, `extensions` included.

    The measured interpreter's extension suffixes (`extensions`) and this one's (whose
    path finder looks names up), sources and bytecode: `name` + any of them is a module.
    """
    return tuple(dict.fromkeys((*extensions, *importlib.machinery.all_suffixes())))


class TreeCache:
    """The last discovery of the same targets, valid while its directories are unchanged.

    A directory changed less than `_RACY_NS` before it was listed may change again
    within its mtime's resolution without a new mtime, so such a result is not
    reused (as git does with "racily clean" files).
    """

    _RACY_NS = 2_000_000_000

    def __init__(self, directory: Path, targets: Sequence[str], base: Path,
                 search: list[str], exclusions: Exclusions, suffixes: Sequence[str]) -> None:
        identity = json.dumps([_TREE_FORMAT, list(targets), str(base), search,
                               list(exclusions.patterns), exclusions.tests, list(suffixes)])
        self.path = directory / f"tree-{hashlib.sha256(identity.encode()).hexdigest()[:20]}.json"

    def load(self) -> SourceTree | None:
        """The stored tree, or None when there is none or something it read changed since.

        Something: a directory it listed (its mtime), or a path a name was looked up
        as (its kind; an existence has no mtime resolution to race with).
        """
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            # The few looked-up paths first: the likelier change, and much cheaper to
            # check than thousands of folders (Django: 50 paths, 2,453 folders).
            for path, kind in data["probed"]:
                if path_kind(path) != kind:
                    return None
            listed_at = data["listed_at"]
            for directory, mtime in data["listed"]:
                if mtime < 0 or mtime >= listed_at - self._RACY_NS:
                    return None
                if os.stat(directory).st_mtime_ns != mtime:
                    return None
            return SourceTree(
                roots=list(data["roots"]),
                modules={m[0]: SourceModule(*m) for m in data["modules"]},
                problems=[ScanProblem(*p) for p in data["problems"]],
                directories=list(data["directories"]),
                excluded=dict(data["excluded"]))
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def save(self, tree: SourceTree, listed: dict[str, int], probed: dict[str, int],
             started: int) -> None:
        """Store `tree` with the mtimes of the directories `listed` from `started` on.

        `probed`: the kinds of the paths names were looked up as, seen before the lookups.
        """
        from importaudit.static.cache import write_cache_file

        data = {
            "listed_at": started, "listed": sorted(listed.items()),
            "probed": sorted(probed.items()), "roots": tree.roots,
            "modules": [[m.name, m.path, m.display, m.is_package, m.namespace, m.extension,
                         m.source]
                        for m in tree.modules.values()],
            "problems": [[p.file, p.reason, p.line] for p in tree.problems],
            "directories": tree.directories, "excluded": tree.excluded,
        }
        write_cache_file(self.path, json.dumps(data, separators=(",", ":")))
