"""A cache of file scans keyed by file content, safe for concurrent runs.

Keys are a hash of each file's bytes, not its mtime: CI checkouts reset mtimes, and a
file whose content did not change scans the same. One JSON file per set of scanned
directories (and scanner version and Python grammar) holds the entries of the last run
that used it; it is replaced atomically (a temporary file, then a rename), so two runs
sharing the cache each read a complete file, and the last writer's entries win. A
cache that cannot be read is ignored; one that cannot be written costs only speed.

The default place is `.importaudit-cache/` in the current directory (CI caches it as
a directory) or `$IMPORTAUDIT_CACHE_DIR`. The directory carries a `CACHEDIR.TAG` and
a `.gitignore` so backups and git leave it alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from importaudit._atomic import write_text_atomic
from importaudit.model import EdgeKind
from importaudit.static.scan import SCANNER_VERSION, FileScan, ImportStatement

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

DEFAULT_DIRNAME = ".importaudit-cache"
ENV_CACHE_DIR = "IMPORTAUDIT_CACHE_DIR"
_FORMAT = 1
_KINDS = {kind.value: kind for kind in EdgeKind}
_TAG = ("Signature: 8a477f597d28d172789f06886806bc55\n"
        "# This file is a cache directory tag created by importaudit.\n")


def default_cache_dir() -> Path:
    """`$IMPORTAUDIT_CACHE_DIR`, else `.importaudit-cache` in the current directory."""
    configured = os.environ.get(ENV_CACHE_DIR)
    return Path(configured) if configured else Path.cwd() / DEFAULT_DIRNAME


def content_key(data: bytes) -> str:
    """The cache key of a file's bytes."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def encode_scan(scan: FileScan) -> list[Any]:
    """A FileScan as compact JSON-able data (also what worker processes send back)."""
    return [scan.error, scan.error_line,
            [[s.line, s.kind.value, s.module, s.level,
              list(s.names) if s.names is not None else None,
              s.anchor, int(s.guess), int(s.stub)] for s in scan.statements]]


def decode_scan(data: Any) -> FileScan:
    """The inverse of `encode_scan`; raises ValueError/TypeError/KeyError on bad data."""
    error, error_line, rows = data
    statements = tuple(
        ImportStatement(int(line), _KINDS[kind], str(module), int(level),
                        tuple(names) if names is not None else None, anchor,
                        bool(guess), bool(stub))
        for line, kind, module, level, names, anchor, guess, stub in rows
    )
    return FileScan(statements, error, error_line)


class ScanCache:
    """File scans of one set of source directories, by content hash."""

    def __init__(self, directory: str | os.PathLike[str], roots: Iterable[str],
                 scanner: str = "fast") -> None:
        self.directory = Path(directory)
        # The grammar decides what parses, and the two scanners differ on broken files.
        identity = json.dumps([SCANNER_VERSION, _FORMAT, list(sys.version_info[:2]),
                               scanner, sorted(roots)])
        name = hashlib.sha256(identity.encode()).hexdigest()[:20]
        self.path = self.directory / f"scan-{name}.json"
        self._entries: dict[str, Any] = {}
        self._loaded = False

    def load(self) -> dict[str, Any]:
        """The cached entries (content hash -> encoded scan); empty when unreadable."""
        if not self._loaded:
            self._loaded = True
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                if isinstance(data, dict) and isinstance(data.get("entries"), dict):
                    self._entries = data["entries"]
            except (OSError, ValueError):
                self._entries = {}
        return self._entries

    def get(self, key: str) -> FileScan | None:
        """The cached scan of content `key`, or None (also for a damaged entry)."""
        raw = self.load().get(key)
        if raw is None:
            return None
        try:
            return decode_scan(raw)
        except (ValueError, TypeError, KeyError):
            return None

    def save(self, entries: Mapping[str, Any]) -> None:
        """Replace the cache file with `entries` (atomically); errors only cost speed."""
        if entries == self.load():
            return
        text = json.dumps({"format": _FORMAT, "entries": dict(entries)},
                          separators=(",", ":"))
        with contextlib.suppress(OSError):
            self._prepare()
            write_text_atomic(self.path, text)
            self._entries = dict(entries)

    def _prepare(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        for name, content in (("CACHEDIR.TAG", _TAG), (".gitignore", "*\n")):
            marker = self.directory / name
            if not marker.exists():
                write_text_atomic(marker, content)
