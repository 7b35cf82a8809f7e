"""Worker processes made with a bare `os.fork`, taking batches of file paths from one pipe.

Lighter than `multiprocessing.Pool` (no helper threads, no pickling, no queues): a
worker is forked with everything the scan needs already imported. Workers can be
started before the files are known, so discovery and scanning overlap.

All workers read their work from one shared pipe, so a worker that is free takes the
next batch: the parent can hand out everything it has at once without one worker
ending up with more than its share. Each batch is one frame of exactly `PIPE_BUF`
bytes (a length, then `marshal` data: the interpreter on both ends is the same,
then padding): the system writes such a frame at once and a read of that size takes
one whole frame, whichever worker reads it. Each worker writes back one frame (a
length, then `marshal` data) per batch on a pipe of its own.

A worker that dies, or a fork that fails, costs only speed: the caller scans itself
whatever it gets no result for once the workers are gone (`alive` False), and the
paths of batches that could not be handed out at all come back as `lost`. Forking
is only safe where `fork_is_safe` says so (Linux, no other thread running).
"""

from __future__ import annotations

import contextlib
import marshal
import os
import select
import signal
import sys
import threading
from collections import deque
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    #: What a worker does with one batch of paths: one row per path.
    Work = Callable[[list[str]], list[Any]]

_HEADER = 4
#: The size of a batch's frame: a pipe write this small is atomic.
_FRAME = select.PIPE_BUF
#: Pipe capacity asked for (Linux; the default is 64 KiB): workers then rarely wait
#: for a parent busy elsewhere to read their results, nor the parent for room.
_PIPE_SIZE = 1 << 20


def fork_is_safe() -> bool:
    """Whether this process may fork workers: Linux, and no other thread running.

    macOS forbids much after fork; a thread holding a lock while another forks leaves
    it held in the child forever. That goes for threads C libraries start too (OpenBLAS
    once numpy is imported, Rust thread pools such as grimp's), which Python does not
    list: /proc/self/task does (Python 3.12+ warns about forking with them, an error
    under `-W error`).
    """
    if not (sys.platform.startswith("linux") and hasattr(os, "fork")):
        return False
    if threading.active_count() != 1:
        return False
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:  # no /proc: Python's own threads are all that can be seen
        return True


def _widen(fd: int) -> None:
    with contextlib.suppress(ImportError, AttributeError, OSError):
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, _PIPE_SIZE)


def _reopen_nonblocking(fd: int) -> int | None:
    """A non-blocking read end of the pipe `fd` reads, or None (Linux: through /proc).

    Not `os.set_blocking(fd, False)`: the flag belongs to the open file, which the
    workers share, and their reads must block.
    """
    try:
        return os.open(f"/proc/self/fd/{fd}", os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _serve(work: Work, requests: int, replies: int) -> None:
    """The worker's loop: a batch in, its rows out, until no batch is left."""
    while True:
        frame = os.read(requests, _FRAME)
        if len(frame) != _FRAME:
            return  # end of file (or not a frame: then the parent scans what is left)
        size = int.from_bytes(frame[:_HEADER], "little")
        paths = marshal.loads(frame[_HEADER:_HEADER + size])
        data = marshal.dumps(work(paths))
        _write_all(replies, len(data).to_bytes(_HEADER, "little") + data)


class _Worker:
    __slots__ = ("buffer", "pid", "replies")

    def __init__(self, pid: int, replies: int) -> None:
        self.pid = pid
        self.replies = replies  # the parent's read end
        self.buffer = bytearray()


class ForkedWorkers:
    """Up to `count` forked workers that apply `work` to batches of paths.

    `submit` queues a batch; `collect` writes queued batches to the workers' pipe and
    returns the rows that came back (waiting for some when `wait`); `done` says no
    more will come, and the workers then exit when they have taken every batch. Use
    as a context manager, or call `close`: it stops and reaps every worker.
    """

    def __init__(self, work: Work, count: int) -> None:
        self.work = work
        self.workers: dict[int, _Worker] = {}  # by the fd of their replies
        self.queue: deque[tuple[bytes, Sequence[str]]] = deque()  # frames not written yet
        self.lost: list[str] = []  # paths of batches no worker could be given
        self.last = False  # set by `done`
        self._poll = select.poll()
        self._requests: int | None = None  # the parent's write end of the shared pipe
        self._take: int | None = None  # the parent's read end: for `take`
        try:
            read_end, self._requests = os.pipe()
        except OSError:
            return
        _widen(self._requests)
        for _ in range(count):
            if not self._fork(read_end):
                break
        if self.workers:
            os.set_blocking(self._requests, False)
            self._take = _reopen_nonblocking(read_end)
        else:
            self._close_requests()
        os.close(read_end)

    def __enter__(self) -> ForkedWorkers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _fork(self, requests: int) -> bool:
        try:
            up_read, up_write = os.pipe()
        except OSError:
            return False
        inherited = [self._requests, *self.workers, up_read]
        try:
            pid = os.fork()
        except OSError:
            os.close(up_read)
            os.close(up_write)
            return False
        if pid == 0:  # the worker: never returns into the caller's code
            code = 1
            try:
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                for fd in inherited:
                    if fd is not None:
                        os.close(fd)  # a write end of the requests held open: no end of file
                _serve(self.work, requests, up_write)
                code = 0
            finally:
                os._exit(code)  # no atexit handlers, no flushing the parent's buffers
        os.close(up_write)
        _widen(up_read)
        os.set_blocking(up_read, False)
        self.workers[up_read] = _Worker(pid, up_read)
        self._poll.register(up_read, select.POLLIN)
        return True

    @property
    def alive(self) -> bool:
        """Whether any worker is still there (working, or waiting for batches)."""
        return bool(self.workers)

    def submit(self, batch: Sequence[str]) -> None:
        """Queue a batch of paths (written to the workers' pipe by the next `collect`)."""
        if not batch:
            return
        data = marshal.dumps(list(batch))
        if len(data) + _HEADER > _FRAME:
            if len(batch) == 1:
                self.lost.extend(batch)  # a path too long for a frame
                return
            half = len(batch) // 2
            self.submit(batch[:half])
            self.submit(batch[half:])
            return
        frame = len(data).to_bytes(_HEADER, "little") + data
        self.queue.append((frame + bytes(_FRAME - len(frame)), batch))

    def take(self) -> list[str] | None:
        """A batch no worker took yet, for the caller to do itself (None: none left now)."""
        self._dispatch()
        if self._take is None:
            return None
        try:
            frame = os.read(self._take, _FRAME)
        except BlockingIOError:
            return None
        if len(frame) != _FRAME:  # end of file: every batch was taken
            os.close(self._take)
            self._take = None
            return None
        size = int.from_bytes(frame[:_HEADER], "little")
        paths: list[str] = marshal.loads(frame[_HEADER:_HEADER + size])
        return paths

    def done(self) -> None:
        """No more batches will be submitted."""
        self.last = True
        self._dispatch()

    def _dispatch(self) -> None:
        while self.queue and self._requests is not None:
            frame = self.queue[0][0]
            try:
                os.write(self._requests, frame)  # all of it, or nothing: it is atomic
            except BlockingIOError:
                return  # the pipe is full: later
            except OSError:
                # No worker left to read: nobody will do the queued work.
                self.lost.extend(p for _, b in self.queue for p in b)
                self.queue.clear()
                self._close_requests()
                return
            self.queue.popleft()
        if self.last and not self.queue:
            self._close_requests()  # the workers exit once they took every batch

    def _close_requests(self) -> None:
        if self._requests is not None:
            os.close(self._requests)
            self._requests = None

    def collect(self, *, wait: bool) -> list[Any]:
        """Rows that came back; when `wait`, at least one batch's (unless no worker is left)."""
        rows: list[Any] = []
        while True:
            self._dispatch()
            if not self.workers:
                return rows
            waiting = wait and not rows
            if waiting and self.queue and self._requests is not None:
                # Wake up for room in the pipe as well as for results.
                self._poll.register(self._requests, select.POLLOUT)
            try:
                events = self._poll.poll(None if waiting else 0)
            finally:
                if waiting and self.queue and self._requests is not None:
                    self._poll.unregister(self._requests)
            for fd, _ in events:
                worker = self.workers.get(fd)
                if worker is not None:
                    self._read(worker, rows)
            if not waiting or rows:
                self._dispatch()
                return rows

    def _read(self, worker: _Worker, rows: list[Any]) -> None:
        try:
            chunk = os.read(worker.replies, _PIPE_SIZE)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            self._reap(worker)  # it exited (done, or died: what it held is scanned later)
            return
        buffer = worker.buffer
        buffer += chunk
        start = 0
        while len(buffer) - start >= _HEADER:
            size = int.from_bytes(buffer[start:start + _HEADER], "little")
            end = start + _HEADER + size
            if len(buffer) < end:
                break
            rows.extend(marshal.loads(buffer[start + _HEADER:end]))
            start = end
        del buffer[:start]

    def _reap(self, worker: _Worker, *, kill: bool = False) -> None:
        self._poll.unregister(worker.replies)
        del self.workers[worker.replies]
        with contextlib.suppress(OSError):
            os.close(worker.replies)
        if kill:
            with contextlib.suppress(OSError):
                os.kill(worker.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(worker.pid, 0)

    def close(self) -> None:
        """Stop every worker (killing those still at work) and reap them all."""
        self.queue.clear()
        self._close_requests()
        if self._take is not None:
            os.close(self._take)
            self._take = None
        for worker in list(self.workers.values()):
            self._reap(worker, kill=True)
