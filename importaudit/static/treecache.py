"""The cache of `discover`: the last walk of the same targets, reused while unchanged."""

from __future__ import annotations

import hashlib
import json
import os
from typing import TYPE_CHECKING

from importaudit.model import ScanProblem
from importaudit.static.sourcetree import Exclusions, SourceModule, SourceTree

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

# 2: compiled modules' `source`; 3: package files named only by import_module;
# 4: exclusions, symlinked aliases, zip archives; 5: a pattern before the test rule;
# 6: `test` is a test name too
_TREE_FORMAT = 6


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
        """The stored tree, or None when there is none or a directory changed since."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
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

    def save(self, tree: SourceTree, listed: dict[str, int], started: int) -> None:
        """Store `tree` with the mtimes of the directories `listed` from `started` on."""
        from importaudit.static.cache import write_cache_file

        data = {
            "listed_at": started, "listed": sorted(listed.items()), "roots": tree.roots,
            "modules": [[m.name, m.path, m.display, m.is_package, m.namespace, m.extension,
                         m.source]
                        for m in tree.modules.values()],
            "problems": [[p.file, p.reason, p.line] for p in tree.problems],
            "directories": tree.directories, "excluded": tree.excluded,
        }
        write_cache_file(self.path, json.dumps(data, separators=(",", ":")))
