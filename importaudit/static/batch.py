"""Scan many files: from the content cache where possible, in worker processes when large.

Workers read, hash and scan the files themselves (only paths travel to them and
each scan travels back as the JSON text the scan cache stores), so the same code
serves every multiprocessing start method, and the parent neither rebuilds statement
objects nor serializes the cache again. A run whose cache is empty skips hashing in
the parent altogether.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from importaudit.static.cache import ScanCache, content_key, decode_scan, encode_scan
from importaudit.static.fastscan import scan_fast
from importaudit.static.gcpause import no_cyclic_gc
from importaudit.static.scan import FileScan, scan_reference

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

#: Below this many bytes to scan, starting worker processes costs more than it saves.
PARALLEL_MIN_BYTES = 4_000_000
#: The same, where workers must be spawned (a fresh interpreter each) rather than forked.
PARALLEL_MIN_BYTES_SPAWN = 30_000_000

SCANNERS: dict[str, Callable[[bytes], FileScan]] = {
    "fast": scan_fast,
    "reference": scan_reference,
}


def _read(path: str) -> bytes | FileScan:
    try:
        with open(path, "rb", buffering=0) as stream:  # one read, no buffer object
            return stream.readall()
    except OSError as exc:
        return FileScan(error=f"cannot read: {exc.strerror or exc}")


def _scan_batch(job: tuple[str, list[str]]) -> list[tuple[str, str | None, str]]:
    """Worker: (path, content key, encoded scan as JSON text) for each path of one batch."""
    scanner_name, paths = job
    scanner = SCANNERS[scanner_name]
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    out: list[tuple[str, str | None, str]] = []
    with no_cyclic_gc():
        for path in paths:
            data = _read(path)
            if isinstance(data, FileScan):
                out.append((path, None, dumps(encode_scan(data))))
            else:
                out.append((path, content_key(data), dumps(encode_scan(scanner(data)))))
    return out


def cpu_count() -> int:
    """CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _start_method() -> str:
    # fork is cheap and needs nothing pickled, but is unsafe with threads running and
    # on macOS; elsewhere use the platform's safe default.
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return "fork"
    return "spawn"


def _batches(paths: list[str], sizes: dict[str, int], count: int) -> list[list[str]]:
    """Split paths into `count` batches of similar total size (largest files first)."""
    batches: list[list[str]] = [[] for _ in range(count)]
    totals = [0] * count
    for path in sorted(paths, key=lambda p: (-sizes.get(p, 0), p)):
        index = totals.index(min(totals))
        batches[index].append(path)
        totals[index] += sizes.get(path, 0)
    return [b for b in batches if b]


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


@dataclass(slots=True)
class Scanned:
    """The scan of every file, and the content key of every file that could be read."""

    scans: dict[str, FileScan] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)


def content_keys(paths: Sequence[str]) -> Scanned:
    """Read and hash every file: keys of the readable ones, scan errors of the others."""
    found = Scanned()
    for path in paths:
        data = _read(path)
        if isinstance(data, FileScan):
            found.scans[path] = data
        else:
            found.keys[path] = content_key(data)
    return found


def scan_tree(paths: Sequence[str], *, cache: ScanCache | None = None,
              jobs: int | None = None, scanner: str = "fast", keys: Scanned | None = None,
              on_scan: Callable[[str, list[Any]], None] | None = None,
              keep: bool = True) -> Scanned:
    """Scan every path (cache hits are not read again); `keys` from `content_keys` if known.

    `jobs` None picks worker processes by the size of what is left to scan; 1 means
    none. A run whose cache is empty leaves hashing to the workers. `on_scan` is
    called with each file's scan, encoded (`cache.encode_scan`), as soon as it is
    known (in no particular order), so a caller can use results while workers are
    still scanning. `keep` False keeps in the result only the scans of the files
    that could not be read (the others are what `on_scan` was given).
    """
    if scanner not in SCANNERS:
        raise ValueError(f"unknown scanner {scanner!r}")
    entries = cache.load() if cache is not None else {}
    if keys is None and entries:
        keys = content_keys(paths)
    result = Scanned()
    fresh: dict[str, str] = {}  # key -> encoded scan as JSON text, for the cache
    kept: list[str] = []  # keys of cached scans still in use
    todo = list(paths) if keys is None else _known(keys, cache, result, kept, on_scan, keep)
    loads = json.loads
    for path, new_key, text in _run(todo, jobs, scanner) if todo else ():
        encoded = loads(text)
        if new_key is not None:
            result.keys[path] = new_key
            fresh[new_key] = text
        if keep or new_key is None:
            result.scans[path] = decode_scan(encoded)
        if on_scan is not None:
            on_scan(path, encoded)
    if cache is not None:
        cache.save(fresh, kept)
    return result


def _known(keys: Scanned, cache: ScanCache | None, result: Scanned, kept: list[str],
           on_scan: Callable[[str, list[Any]], None] | None, keep: bool) -> list[str]:
    """Take the unreadable files and the cache hits of `keys` into `result`; the rest."""
    result.keys.update(keys.keys)
    for path, scan in keys.scans.items():
        result.scans[path] = scan
        if on_scan is not None:
            on_scan(path, encode_scan(scan))
    todo: list[str] = []
    for path, key in keys.keys.items():
        hit = cache.get(key) if cache is not None else None
        if hit is None:
            todo.append(path)
            continue
        kept.append(key)
        if keep:
            result.scans[path] = hit
        if on_scan is not None:
            on_scan(path, encode_scan(hit))  # as `get` read it: checked, normalized
    return todo


def scan_files(paths: Sequence[str], *, cache: ScanCache | None = None,
               jobs: int | None = None, scanner: str = "fast") -> dict[str, FileScan]:
    """The scan of every path (see `scan_tree`)."""
    return scan_tree(paths, cache=cache, jobs=jobs, scanner=scanner).scans


def _run(paths: list[str], jobs: int | None,
         scanner: str) -> Iterator[tuple[str, str | None, str]]:
    """Scan `paths`, in worker processes when that pays; rows come as batches finish."""
    workers = cpu_count() if jobs is None else max(1, jobs)
    method = _start_method()
    if workers > 1 and len(paths) > 1:
        sizes = {p: _size(p) for p in paths}
        total = sum(sizes.values())
        limit = PARALLEL_MIN_BYTES if method == "fork" else PARALLEL_MIN_BYTES_SPAWN
        if jobs is not None or total >= limit:
            import multiprocessing

            # Several batches per worker: the parent gets results early and steadily.
            batches = _batches(paths, sizes, workers * 8)
            context = multiprocessing.get_context(method)
            with context.Pool(min(workers, len(batches))) as pool:
                for batch in pool.imap_unordered(_scan_batch, [(scanner, b) for b in batches]):
                    yield from batch
            return
    yield from _scan_batch((scanner, paths))
