"""Scan many files: from the content cache where possible, in worker processes when large.

Workers read, hash and scan the files themselves: only paths travel to them, and
each scan travels back as the JSON text the scan cache stores and as the data the
graph is resolved from, so the parent neither parses nor serializes scans again. A
run whose cache is empty skips hashing in the parent altogether.

On Linux workers are forked (`workers.ForkedWorkers`), as soon as discovery has found
enough to scan (`ScanStream`): they scan while the rest of the tree is still being
listed, and once discovery is over this process takes batches too, between resolving
the results that came back. Elsewhere, or with other threads running, a large tree
is scanned by spawned `multiprocessing` workers once it is known.
"""

from __future__ import annotations

import errno
import json
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from importaudit.static.cache import ScanCache, content_key, decode_scan, encode_scan
from importaudit.static.fastscan import scan_fast
from importaudit.static.gcpause import no_cyclic_gc
from importaudit.static.scan import FileScan, scan_reference
from importaudit.static.walker import read_archived
from importaudit.static.workers import ForkedWorkers, fork_is_safe

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

#: Below this many bytes to scan, starting worker processes costs more than it saves.
PARALLEL_MIN_BYTES = 1_000_000
#: The same, where workers must be spawned (a fresh interpreter each) rather than forked.
PARALLEL_MIN_BYTES_SPAWN = 30_000_000
#: Workers are forked while discovery is still listing files once it found this much.
STREAM_MIN_BYTES = 256_000
#: Files per batch handed to the workers.
STREAM_BATCH = 8

#: What scanning one file gives: its path, content key (None: unreadable), encoded
#: scan (`encode_scan`) as JSON text (for the cache) and as data (to resolve it). With
#: no cache to fill, a readable file's key and text are "" (not computed: hashing and
#: encoding every file cost a cold run without a cache about 5% of its CPU time).
Row = tuple[str, str | None, str, list[Any]]

SCANNERS: dict[str, Callable[[bytes], FileScan]] = {
    "fast": scan_fast,
    "reference": scan_reference,
}


_READ_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _read(path: str) -> bytes | FileScan:
    # Plain system calls: no file object (a large tree has thousands of small files).
    try:
        fd = os.open(path, _READ_FLAGS)
        try:
            size = os.fstat(fd).st_size
            data = os.read(fd, size + 1)
            if len(data) != size:  # it changed since, or a read stopped short: read on
                chunks = [data]
                while chunks[-1]:
                    chunks.append(os.read(fd, 1 << 16))
                data = b"".join(chunks)
            return data
        finally:
            os.close(fd)
    except OSError as exc:
        if exc.errno == errno.ENOTDIR:  # a module inside a zip archive (zipimport)
            archived = read_archived(path)
            if archived is not None:
                return archived
        return FileScan(error=f"cannot read: {exc.strerror or exc}")


def _scan_batch(job: tuple[str, list[str], bool]) -> list[Row]:
    """Worker: a `Row` for each path of one batch (content keys and JSON text if `keyed`)."""
    scanner_name, paths, keyed = job
    scanner = SCANNERS[scanner_name]
    # No cycle check: `encode_scan` makes plain new lists (the check is a fifth of the cost).
    dumps = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode
    out: list[Row] = []
    with no_cyclic_gc():
        for path in paths:
            data = _read(path)
            if isinstance(data, FileScan):
                encoded = encode_scan(data)
                out.append((path, None, dumps(encoded), encoded))
            else:
                encoded = encode_scan(scanner(data))
                if keyed:
                    out.append((path, content_key(data), dumps(encoded), encoded))
                else:
                    out.append((path, "", "", encoded))
    return out


def cpu_count() -> int:
    """CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


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
              keep: bool = True, stream: ScanStream | None = None) -> Scanned:
    """Scan every path (cache hits are not read again); `keys` from `content_keys` if known.

    `jobs` None picks worker processes by the size of what is left to scan; 1 means
    none. A run whose cache is empty leaves hashing to the workers. `on_scan` is
    called with each file's scan, encoded (`cache.encode_scan`), as soon as it is
    known (in no particular order), so a caller can use results while workers are
    still scanning. `keep` False keeps in the result only the scans of the files
    that could not be read (the others are what `on_scan` was given). `stream`, one
    discovery fed (with the same scanner), scans instead of new workers.
    """
    if scanner not in SCANNERS:
        raise ValueError(f"unknown scanner {scanner!r}")
    if cache is not None and stream is not None and not stream.keyed:
        raise ValueError("a cache needs a stream that computes content keys")
    entries = cache.load() if cache is not None else {}
    if keys is None and entries:
        keys = content_keys(paths)
    result = Scanned()
    fresh: dict[str, str] = {}  # key -> encoded scan as JSON text, for the cache
    kept: list[str] = []  # keys of cached scans still in use
    todo = list(paths) if keys is None else _known(keys, cache, result, kept, on_scan, keep)
    rows = (stream.scan(todo) if stream is not None
            else _run(todo, jobs, scanner, keyed=cache is not None)) if todo else ()
    for path, new_key, text, encoded in rows:
        if new_key:
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


def _run(paths: list[str], jobs: int | None, scanner: str, *, keyed: bool) -> Iterator[Row]:
    """Scan `paths`, in worker processes when that pays; rows come as batches finish."""
    with ScanStream(jobs=jobs, scanner=scanner, keyed=keyed) as stream:
        yield from stream.scan(paths)


class ScanStream:
    """Scans files as they are found, in forked workers once there is enough to scan.

    Discovery calls `add` with each source file it finds: past `STREAM_MIN_BYTES`
    (or at once when `jobs` asks for several processes) workers are forked and start
    scanning while the rest of the tree is still being listed. `scan` then gives the
    rows of the files asked for; this process takes batches too (`jobs` counts it),
    and scans whatever no worker did. Where fork is not safe, nothing happens before
    `scan`, which uses spawned workers for a large tree. Use as a context manager
    (workers are stopped at exit). `keyed` False: no cache will store the scans, so
    their rows carry no content key nor JSON text.

    `meanwhile`, when given, is called once in this process right after every file was
    handed to forked workers, before this process takes batches itself: a caller
    imports there what it needs after the build (networkx, a renderer) while the
    workers scan, rather than after the last scan with the other cores idle. Without
    forked workers (a small tree, a warm cache, no fork) it is never called.
    """

    def __init__(self, *, jobs: int | None = None, scanner: str = "fast",
                 keyed: bool = True, meanwhile: Callable[[], object] | None = None) -> None:
        if scanner not in SCANNERS:
            raise ValueError(f"unknown scanner {scanner!r}")
        self.jobs = jobs
        self.scanner = scanner
        self.keyed = keyed
        self.count = cpu_count() if jobs is None else max(1, jobs)
        self.fork = self.count > 1 and fork_is_safe()
        self.threshold = 0 if jobs is not None else STREAM_MIN_BYTES
        self.seen: set[str] = set()
        self.unsent: list[str] = []  # found, not handed to workers yet
        self.found_bytes = 0
        self.workers: ForkedWorkers | None = None
        self.early: dict[str, Row] = {}  # rows back before `scan`
        self.meanwhile = meanwhile

    def __enter__(self) -> ScanStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers, if any."""
        if self.workers is not None:
            self.workers.close()
            # They hold this stream's `_work`: no reference cycle is left to collect.
            self.workers = None

    def _work(self, paths: list[str]) -> list[Row]:
        return _scan_batch((self.scanner, paths, self.keyed))

    def _start(self) -> None:
        # This process scans too once discovery is over: one worker fewer than CPUs.
        workers = ForkedWorkers(self._work, self.count - 1)
        if workers.alive:
            self.workers = workers
        else:
            self.fork = False  # fork failed: scan in this process

    def add(self, path: str) -> None:
        """A source file was found (it may be scanned from now on)."""
        if path in self.seen:
            return
        self.seen.add(path)
        self.unsent.append(path)
        if self.workers is None:
            if not self.fork:
                return
            if self.threshold:
                self.found_bytes += _size(path)
                if self.found_bytes < self.threshold:
                    return
            self._start()
            if self.workers is None:
                return
        if len(self.unsent) >= STREAM_BATCH:
            self.workers.submit(self.unsent)
            self.unsent = []
            for row in self.workers.collect(wait=False):
                self.early[row[0]] = row

    def scan(self, paths: Sequence[str]) -> Iterator[Row]:
        """The `Row` of each of `paths`, in no particular order."""
        remaining = set(paths)
        for path in paths:
            if path not in self.seen:
                self.seen.add(path)
                self.unsent.append(path)
        todo = [p for p in self.unsent if p in remaining and p not in self.early]
        self.unsent = []
        if self.workers is None and not self._parallel(todo):
            yield from _scan_batch((self.scanner, todo, self.keyed))
        elif self.workers is None:
            yield from self._spawned(todo)
        else:
            yield from self._forked(todo, remaining)

    def _forked(self, todo: list[str], remaining: set[str]) -> Iterator[Row]:
        """Rows of `remaining` from the forked workers, handing them `todo` first."""
        workers = self.workers
        assert workers is not None
        # Everything is handed out before the rows that came back early are used.
        for start in range(0, len(todo), STREAM_BATCH):
            workers.submit(todo[start:start + STREAM_BATCH])
        workers.done()
        if self.meanwhile is not None:
            meanwhile, self.meanwhile = self.meanwhile, None
            meanwhile()
        for path in [p for p in self.early if p in remaining]:
            remaining.discard(path)
            yield self.early.pop(path)
        while remaining:
            rows = workers.collect(wait=False)
            if not rows:
                # Nothing back yet: this process takes a batch too, rather than wait.
                batch = workers.take()
                if batch is not None:
                    rows = self._work(batch)
                elif workers.alive:
                    rows = workers.collect(wait=True)
                else:
                    break
            for row in rows:
                if row[0] in remaining:
                    remaining.discard(row[0])
                    yield row
            if workers.lost:
                lost = [p for p in workers.lost if p in remaining]
                workers.lost.clear()
                remaining.difference_update(lost)
                yield from _scan_batch((self.scanner, lost, self.keyed))
        if remaining:  # a worker died holding a batch
            yield from _scan_batch((self.scanner, sorted(remaining), self.keyed))

    def _parallel(self, todo: list[str]) -> bool:
        """Whether to start workers for `todo` now (forked ones are started here)."""
        if self.count < 2 or len(todo) < 2:
            return False
        if self.jobs is None:
            total = sum(_size(p) for p in todo)
            if total < (PARALLEL_MIN_BYTES if self.fork else PARALLEL_MIN_BYTES_SPAWN):
                return False
        if self.fork:
            self._start()
            return self.workers is not None
        return True

    def _spawned(self, paths: list[str]) -> Iterator[Row]:
        """Scan `paths` in spawned worker processes (where forking is not safe)."""
        import multiprocessing

        sizes = {p: _size(p) for p in paths}
        # Several batches per worker: the parent gets results early and steadily.
        batches = _batches(paths, sizes, self.count * 8)
        context = multiprocessing.get_context("spawn")
        with context.Pool(min(self.count, len(batches))) as pool:
            for batch in pool.imap_unordered(_scan_batch,
                                             [(self.scanner, b, self.keyed) for b in batches]):
                yield from batch
