"""Scan many files: from the content cache where possible, in worker processes when large.

Workers read, hash and scan the files themselves (only paths travel to them and
compact encoded results travel back), so the same code serves every multiprocessing
start method. A run whose cache is empty skips hashing in the parent altogether.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import TYPE_CHECKING, Any

from importaudit.static.cache import ScanCache, content_key, decode_scan, encode_scan
from importaudit.static.fastscan import scan_fast
from importaudit.static.scan import FileScan, scan_reference

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

#: Below this many bytes to scan, starting worker processes costs more than it saves.
PARALLEL_MIN_BYTES = 3_000_000
#: The same, where workers must be spawned (a fresh interpreter each) rather than forked.
PARALLEL_MIN_BYTES_SPAWN = 30_000_000

SCANNERS: dict[str, Callable[[bytes], FileScan]] = {
    "fast": scan_fast,
    "reference": scan_reference,
}


def _read(path: str) -> bytes | FileScan:
    try:
        with open(path, "rb") as stream:
            return stream.read()
    except OSError as exc:
        return FileScan(error=f"cannot read: {exc.strerror or exc}")


def _scan_batch(job: tuple[str, list[str]]) -> list[tuple[str, str | None, list[Any]]]:
    """Worker: (path, content key, encoded scan) for each path of one batch."""
    scanner_name, paths = job
    scanner = SCANNERS[scanner_name]
    out: list[tuple[str, str | None, list[Any]]] = []
    for path in paths:
        data = _read(path)
        if isinstance(data, FileScan):
            out.append((path, None, encode_scan(data)))
        else:
            out.append((path, content_key(data), encode_scan(scanner(data))))
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


def scan_files(paths: Sequence[str], *, cache: ScanCache | None = None,
               jobs: int | None = None, scanner: str = "fast") -> dict[str, FileScan]:
    """The scan of every path; `jobs` None picks processes by size, 1 means none."""
    if scanner not in SCANNERS:
        raise ValueError(f"unknown scanner {scanner!r}")
    results: dict[str, FileScan] = {}
    keys: dict[str, str] = {}  # path -> content key, for what the cache will hold
    todo: list[str] = []
    entries = cache.load() if cache is not None else {}
    if entries:
        for path in paths:
            data = _read(path)
            if isinstance(data, FileScan):
                results[path] = data
                continue
            key = content_key(data)
            keys[path] = key
            hit = cache.get(key) if cache is not None else None
            if hit is None:
                todo.append(path)
            else:
                results[path] = hit
    else:
        todo = list(paths)
    if todo:
        for path, found, encoded in _run(todo, jobs, scanner):
            results[path] = decode_scan(encoded)
            if found is not None:
                keys[path] = found
    if cache is not None:
        # Hits keep their stored form; only new scans are encoded again.
        store = {key: entries[key] if key in entries else encode_scan(results[path])
                 for path, key in keys.items()}
        cache.save(store)
    return results


def _run(paths: list[str], jobs: int | None,
         scanner: str) -> list[tuple[str, str | None, list[Any]]]:
    """Scan `paths`, in worker processes when that pays."""
    workers = cpu_count() if jobs is None else max(1, jobs)
    method = _start_method()
    if workers > 1 and len(paths) > 1:
        sizes = {p: _size(p) for p in paths}
        total = sum(sizes.values())
        limit = PARALLEL_MIN_BYTES if method == "fork" else PARALLEL_MIN_BYTES_SPAWN
        if jobs is not None or total >= limit:
            import multiprocessing

            batches = _batches(paths, sizes, workers * 4)
            context = multiprocessing.get_context(method)
            with context.Pool(min(workers, len(batches))) as pool:
                done = pool.imap_unordered(_scan_batch, [(scanner, b) for b in batches])
                return [row for batch in done for row in batch]
    return _scan_batch((scanner, paths))
