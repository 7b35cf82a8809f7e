"""Child processes: start one the one way (`run_tracked`), drain it, end its whole tree.

Every child starts in a session of its own, tied to our life by a watchdog pipe (the
kernel signals it when we die, however we die), tracked by a `Children` so an interrupt
in any thread ends it, and killed with everything it started at its timeout. `run_child`
runs the probe once and returns what it recorded (`ChildRun`); `run_tree` runs any
other command (fix's snapshots, a user's test command) the same way.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import IO, TYPE_CHECKING, Any

from importaudit import defaults
from importaudit.errors import InterpreterError, Interrupted
from importaudit.runtime.records import (
    Begin,
    Done,
    Exit,
    Fail,
    Finished,
    Hit,
    Injected,
    Lines,
    LoopImport,
    MainFile,
    Start,
    parse_lines,
)

if TYPE_CHECKING:
    from importaudit.runtime.interpreter import Interpreter

STDERR_TAIL_BYTES = 4096

Launcher = Callable[..., "subprocess.Popen[bytes]"]
Clock = Callable[[], int]



# ----------------------------------------------------------------------------- one child


@dataclass(slots=True)
class ChildRun:
    """Everything one child interpreter left behind."""

    start: Start = field(default_factory=Start)
    begins: list[Begin] = field(default_factory=list)
    modules: list[Finished] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    fails: list[Fail] = field(default_factory=list)
    # Modules that reached sys.modules without our finder (`inj` records), imports made
    # while an asyncio loop ran (`aio`), and the file run as __main__ (`main`).
    injected: list[Injected] = field(default_factory=list)
    loop_blocks: list[LoopImport] = field(default_factory=list)
    lines: list[Lines] = field(default_factory=list)  # `ln` records (the `lines` flag)
    main_file: str | None = None
    program_exit: int | None = None
    done_wall_ns: int | None = None
    interned: int | None = None  # strings the run interned (`Done.interned`)
    returncode: int | None = None
    timed_out: bool = False
    stderr_tail: str = ""
    wall_ns: int = 0
    # At a timeout, the CPU time (user + system) the child had used before it was killed
    # (None: not timed out, or not readable): computing all along, or sitting blocked.
    cpu_ns: int | None = None

    @property
    def finished(self) -> bool:
        """The probe wrote its last record: the child was not killed or crashed."""
        return self.done_wall_ns is not None

    def roots(self) -> set[str]:
        """Modules imported at depth 0 (their cumulative values add up to all)."""
        return {b.name for b in self.begins if b.depth == 0}

    def in_progress(self) -> list[Begin]:
        """`begin` records without a finished record: what was running when it died."""
        done: dict[str, int] = {}
        for mod in self.modules:
            done[mod.name] = done.get(mod.name, 0) + 1
        open_: list[Begin] = []
        for begin in self.begins:
            if done.get(begin.name, 0) > 0:
                done[begin.name] -= 1
            else:
                open_.append(begin)
        return open_


def parse_records(lines: Sequence[bytes], run: ChildRun) -> None:
    """Fill `run` from the probe's lines (`records` says what each holds)."""
    for rec in parse_lines(lines):
        match rec:
            case Finished():
                # The collector timed, and no collection ran in its body: 0, not unknown.
                none_ran = rec.gc_ns is None and run.start.collector_timed
                run.modules.append(replace(rec, gc_ns=0, gc_cpu_ns=0, full_collections=0)
                                   if none_ran else rec)
            case Begin():
                run.begins.append(rec)
            case Hit():
                run.hits.append(rec)
            case Start():
                run.start = rec
            case Injected():
                run.injected.append(rec)
            case LoopImport():
                run.loop_blocks.append(rec)
            case Lines():
                run.lines.append(rec)
            case MainFile():
                run.main_file = rec.file
            case Fail():
                run.fails.append(rec)
            case Exit():
                run.program_exit = rec.code
            case Done():
                run.done_wall_ns = rec.wall_ns
                run.interned = rec.interned


def _drain(stream: IO[bytes], tail: deque[bytes]) -> None:
    """Read a child's output to the end, keeping only its tail (floods cannot block us).

    The stream is closed here, its reader being the one that knows when it is done.
    """
    try:
        size = 0
        for chunk in iter(lambda: stream.read(65536), b""):
            tail.append(chunk)
            size += len(chunk)
            while size > STDERR_TAIL_BYTES and len(tail) > 1:
                size -= len(tail.popleft())
    finally:
        stream.close()


# ----------------------------------------------------------------------------- ending children

#: How long an interrupted child and what it started get to end on SIGTERM before SIGKILL.
END_GRACE_S = 1.0


def cpu_used(proc: subprocess.Popen[bytes]) -> int | None:
    """The CPU time (user + system, ns) the child has used so far; None: not readable."""
    import psutil

    try:
        times = psutil.Process(proc.pid).cpu_times()
    except psutil.Error:
        return None
    return int((times.user + times.system) * 1e9)


def _descendants(proc: subprocess.Popen[bytes]) -> list[Any]:
    """The processes `proc` started, found before it dies (orphans cannot be found after)."""
    import psutil

    try:
        return psutil.Process(proc.pid).children(recursive=True)
    except psutil.Error:
        return []


def _signal_tree(proc: subprocess.Popen[bytes], descendants: Sequence[Any], sig: int) -> None:
    """Send `sig` to the child's process group, and to each process it started."""
    import psutil

    try:
        # Its own session and group (not in passthrough mode, where it shares ours and
        # this fails): one call reaches everything that stayed in the group.
        os.killpg(proc.pid, sig)
    except OSError:
        with contextlib.suppress(OSError):
            proc.send_signal(sig)
    for child in descendants:  # and what left the group
        with contextlib.suppress(psutil.Error):
            child.send_signal(sig)


def _kill_tree(proc: subprocess.Popen[bytes]) -> None:
    """Kill the child and everything it started, even what left its session."""
    _signal_tree(proc, _descendants(proc), signal.SIGKILL)


def end_trees(procs: Sequence[subprocess.Popen[bytes]], grace: float = END_GRACE_S) -> None:
    """End children and everything they started: SIGTERM, then SIGKILL after `grace`.

    For an interrupt: a program run with -m/--script/-c gets a moment to clean up, as
    it would when its own terminal sent the signal. Reaping is left to whoever waits on
    each child (a worker thread may be blocked in its `wait`).
    """
    trees = [(proc, _descendants(proc)) for proc in procs if proc.poll() is None]
    for proc, descendants in trees:
        _signal_tree(proc, descendants, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while any(proc.poll() is None for proc, _ in trees) and time.monotonic() < deadline:
        time.sleep(0.02)
    for proc, descendants in trees:  # also what ignored SIGTERM after its parent ended
        _signal_tree(proc, descendants, signal.SIGKILL)


class _Stopped(Exception):
    """Raised in a worker thread that would start a child after `Children.stop`."""


class Children:
    """The child interpreters a runner has running, so that an interrupt can end them all.

    Signals arrive in the main thread; with `--isolated` the children belong to worker
    threads blocked waiting on them. `stop` ends every running child and makes each
    later start fail, so the workers come back and remove their record files.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[bytes]] = set()
        self._stopped = False

    def check(self) -> None:
        """Fail if `stop` was called: no new child may start."""
        if self._stopped:
            raise _Stopped

    def started(self, proc: subprocess.Popen[bytes]) -> None:
        """Track a child that was just started (or end it at once after `stop`)."""
        with self._lock:
            if not self._stopped:
                self._running.add(proc)
                return
        end_trees([proc], grace=0)
        proc.wait()
        raise _Stopped

    def finished(self, proc: subprocess.Popen[bytes]) -> None:
        """Forget a child that was reaped."""
        with self._lock:
            self._running.discard(proc)

    def stop(self) -> None:
        """End every running child tree and refuse new ones (an interrupt is unwinding)."""
        with self._lock:
            self._stopped = True
            running = list(self._running)
        end_trees(running)

    @contextlib.contextmanager
    def stopped_on_error(self) -> Iterator[None]:
        """Stop every child when the block raises, an interrupt included, then re-raise."""
        try:
            yield
        except BaseException:
            self.stop()
            raise


def _watchdog_pipe() -> tuple[int, int] | None:
    """A pipe to tie a child's life to ours, or None where the platform cannot (Windows)."""
    if not hasattr(os, "O_ASYNC"):
        return None
    try:
        import fcntl  # noqa: F401  (POSIX only)
    except ImportError:
        return None
    return os.pipe()


def _arm_watchdog(read_fd: int, proc: subprocess.Popen[bytes], group: bool) -> None:
    """Have the kernel signal the child (SIGIO) when the pipe's write end closes.

    Only this process holds the write end (not inheritable), so it closes when we die,
    however we die, SIGKILL included; SIGIO's default action ends the child, and with
    `group` its whole process group. The kernel does it all: the probe runs no thread
    and imports nothing for it (a watchdog thread would make `os.fork` in the measured
    program warn on 3.12+, ctypes for PR_SET_PDEATHSIG would be a preloaded module).
    """
    import fcntl

    with contextlib.suppress(OSError):
        fcntl.fcntl(read_fd, fcntl.F_SETOWN, -proc.pid if group else proc.pid)
        fcntl.fcntl(read_fd, fcntl.F_SETFL, fcntl.fcntl(read_fd, fcntl.F_GETFL) | os.O_ASYNC)


def run_child(
    interpreter: Interpreter,
    mode: str,
    flags: Sequence[str],
    args: Sequence[str],
    *,
    extra_path: Sequence[str] = (),
    timeout: float = defaults.TIMEOUT_S,
    passthrough: bool = False,
    stdout_to_stderr: bool = False,
    env_overrides: dict[str, str | None] | None = None,
    launcher: Launcher = subprocess.Popen,
    clock: Clock = time.perf_counter_ns,
    children: Children | None = None,
) -> ChildRun:
    """Run the probe once and return what it recorded, however the child ended.

    Interrupted (an exception while waiting, Ctrl-C included), it ends the child's
    tree before the exception goes on; its record file is removed either way. A signal
    (`Interrupted`) carries what the child recorded until then as its `partial` run.
    `stdout_to_stderr` (passthrough mode) sends the program's stdout to our stderr.
    """
    children = children or Children()
    children.check()
    env = interpreter.environ(env_overrides)
    run = ChildRun()
    tail: deque[bytes] = deque()
    records_path = None
    try:
        fd, records_path = tempfile.mkstemp(prefix="importaudit-", suffix=".jsonl")
        os.close(fd)
        cmd = [interpreter.executable, interpreter.probe, records_path, mode, ",".join(flags),
               os.pathsep.join(extra_path), *args]
        t0 = clock()

        def stopping(proc: subprocess.Popen[bytes]) -> None:
            run.cpu_ns = cpu_used(proc)

        try:
            run.returncode, run.timed_out = run_tracked(
                cmd, tail, timeout=timeout, children=children, env=env,
                passthrough=passthrough, stdout_to_stderr=stdout_to_stderr,
                launcher=launcher, on_timeout=stopping)
        except Interrupted as exc:
            # The child is ended; what it recorded before the signal is kept for the
            # runner's partial report (a line cut short by the end is skipped).
            run.wall_ns = clock() - t0
            with contextlib.suppress(OSError), open(records_path, "rb") as stream:
                parse_records(stream.read().splitlines(), run)
            exc.partial = run
            raise
        run.wall_ns = clock() - t0
        with open(records_path, "rb") as stream:
            parse_records(stream.read().splitlines(), run)
    finally:
        if records_path is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(records_path)
    run.stderr_tail = b"".join(tail).decode("utf-8", "replace")[-STDERR_TAIL_BYTES:]
    return run


def run_tracked(
    cmd: Sequence[str], tail: deque[bytes], *, timeout: float, children: Children,
    env: Mapping[str, str] | None = None, passthrough: bool = False,
    stdout_to_stderr: bool = False, launcher: Launcher = subprocess.Popen,
    on_timeout: Callable[[subprocess.Popen[bytes]], None] | None = None,
) -> tuple[int, bool]:
    """Run one child interpreter to its end: its exit status, and whether it timed out.

    The one way children start: in a session of their own (unless `passthrough`, where
    the program keeps our terminal and its output), tied to our life by the watchdog
    pipe, tracked by `children` so an interrupt in any thread ends it, its tree killed at
    the timeout and ended on whatever interrupts the wait. The tail of its stderr is
    kept in `tail`. `on_timeout` is called with the child at its timeout, before the
    kill (to read what it used).
    """
    children.check()
    watch_read = watch_write = None
    try:
        watch_read, watch_write = _watchdog_pipe() or (None, None)
        try:
            proc = launcher(
                list(cmd), env=None if env is None else dict(env),
                start_new_session=not passthrough,
                stdin=None if passthrough else subprocess.DEVNULL,
                stdout=(2 if stdout_to_stderr else None) if passthrough else subprocess.DEVNULL,
                stderr=None if passthrough else subprocess.PIPE,
                pass_fds=() if watch_read is None else (watch_read,),
            )
        except OSError as exc:
            raise InterpreterError(f"cannot start {cmd[0]}: {exc}") from exc
        if watch_read is not None:
            _arm_watchdog(watch_read, proc, group=not passthrough)
            os.close(watch_read)
            watch_read = None
        children.started(proc)
        try:
            return _wait_child(proc, tail, timeout, on_timeout)
        finally:
            children.finished(proc)
    finally:
        # Closing the write end signals a child still alive (an error before it was
        # tracked): it cannot outlive this call either way.
        for end in (watch_read, watch_write):
            if end is not None:
                os.close(end)


def _wait_child(proc: subprocess.Popen[bytes], tail: deque[bytes], timeout: float,
                on_timeout: Callable[[subprocess.Popen[bytes]], None] | None = None,
                ) -> tuple[int, bool]:
    """Wait for the child (killing its tree at the timeout), draining its stderr meanwhile.

    Returns its exit status and whether it timed out. Whatever interrupts the wait ends
    the child's tree and is raised again.
    """
    drainer = None
    timed_out = False
    try:
        if proc.stderr is not None:
            drainer = threading.Thread(target=_drain, args=(proc.stderr, tail), daemon=True)
            drainer.start()
        try:
            returncode = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            if on_timeout is not None:
                on_timeout(proc)
            _kill_tree(proc)
            returncode = proc.wait()
    except BaseException:
        end_trees([proc])
        proc.wait()
        raise
    if drainer is not None:
        drainer.join(timeout=5)
    return returncode, timed_out


def run_tree(cmd: str | Sequence[str], *, timeout: float, env: dict[str, str] | None = None,
             cwd: str | os.PathLike[str] | None = None, shell: bool = False,
             children: Children | None = None) -> ChildRun:
    """Run a command that is not the probe (fix's snapshots, a user's test command).

    Started like the probe (`run_tracked`): its own session and the watchdog pipe, so at
    the timeout, an interrupt, or our own death, everything it started ends with it, not
    only the direct child (a shell, a test runner's workers). stdout and stderr are
    drained together into `stderr_tail`, keeping only the last STDERR_TAIL_BYTES.
    `children` tracks it with the others run at once (threads), to end them together.
    """

    def launch(command: list[str], **options: Any) -> subprocess.Popen[bytes]:
        options.update(stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=cwd, shell=shell)
        proc = subprocess.Popen(command[0] if shell else command, **options)
        # _wait_child drains proc.stderr; here the one pipe both streams share is stdout.
        proc.stderr, proc.stdout = proc.stdout, None
        return proc

    run = ChildRun()
    tail: deque[bytes] = deque()
    command = [cmd] if isinstance(cmd, str) else list(cmd)
    run.returncode, run.timed_out = run_tracked(command, tail, timeout=timeout,
                                                children=children or Children(), env=env,
                                                launcher=launch)
    run.stderr_tail = b"".join(tail).decode("utf-8", "replace")[-STDERR_TAIL_BYTES:]
    return run


def measure_startup(
    interpreter: Interpreter, *, launcher: Launcher = subprocess.Popen,
    clock: Clock = time.perf_counter_ns,
) -> int:
    """Wall time of a bare `python -c pass` in this environment (one sample)."""
    t0 = clock()
    proc = launcher([interpreter.executable, "-c", "pass"], stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                    env=interpreter.environ())
    try:
        proc.wait()
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return clock() - t0
