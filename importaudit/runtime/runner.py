"""Parent side of the runtime profiler: spawn the probe, collect its records, merge runs.

One warm-up run (it also records which modules import which, cache hits included),
then N measured time runs, then one separate tracemalloc run for the heap: time never
comes from a traced run. Each child appends its records to a file this process owns,
so a crash, a signal or a timeout loses nothing measured before it. The records of
all runs are merged into `ModuleRecord`s (median, min and max per module).

Seams are parameters with real defaults: `launcher` starts processes (subprocess.Popen)
and `clock` reads monotonic nanoseconds; tests/unit/runtime/test_runner.py drives the
runner through both. The records each child writes are read by `records`, the one
parser of the probe's wire format.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from importaudit import defaults
from importaudit.config.options import Measure
from importaudit.errors import InterpreterError, TargetNotFoundError
from importaudit.model import ChildFailure, LoopBlock, ModuleRecord, RunMeta, SkippedModule
from importaudit.runtime.failures import classify, format_traceback, place_in, under
from importaudit.runtime.records import (
    Begin,
    Done,
    Exit,
    Fail,
    Finished,
    Hit,
    Injected,
    LoopImport,
    MainFile,
    Start,
    parse_lines,
)
from importaudit.shard import empty_shard_note

PROBE_PATH = str(Path(__file__).with_name("probe.py"))
MIN_PYTHON = (3, 9)
STDERR_TAIL_BYTES = 4096

Launcher = Callable[..., "subprocess.Popen[bytes]"]
Clock = Callable[[], int]


# ----------------------------------------------------------------------------- interpreters


@dataclass(frozen=True, slots=True)
class Interpreter:
    """The interpreter whose environment is measured."""

    executable: str
    version: tuple[int, int, int]
    implementation: str
    platform: str
    probe: str = PROBE_PATH  # the probe as that interpreter runs it (a cached .pyc if possible)
    # Where that interpreter finds modules: static commands look target names up here.
    sys_path: tuple[str, ...] = ()  # without the leading "" (the current directory)
    builtins: tuple[str, ...] = ()  # sys.builtin_module_names
    extension_suffixes: tuple[str, ...] = ()  # importlib.machinery.EXTENSION_SUFFIXES

    @property
    def version_text(self) -> str:
        """The version as "3.11.7"."""
        return ".".join(map(str, self.version))


# Runs in the candidate interpreter: says what it is, and compiles the probe for it once.
# Running the probe from a .pyc spares every child compiling it (about 6 ms here), which
# matters when the cost being measured is a few milliseconds of imports. The .pyc is
# checked before each use, since anything may have happened to a file in a cache folder:
# it must carry a checked-hash header naming this probe's source and this interpreter's
# bytecode (its magic number, also in the file name), and unmarshal whole. Otherwise it
# is rebuilt (atomically, as py_compile writes), or the probe runs from source.
_INFO_CODE = """\
import os, sys
print(sys.executable)
print('%d.%d.%d' % sys.version_info[:3])
print(sys.implementation.name)
print(sys.platform)
source, cache_dir, digest = sys.argv[1:4]
tag = sys.implementation.cache_tag


def compiled_probe():
    import importlib.util, marshal, py_compile
    magic = importlib.util.MAGIC_NUMBER
    path = os.path.join(cache_dir, 'probe-%s-%s-%s.pyc' % (digest, tag, magic.hex()))
    with open(source, 'rb') as stream:
        header = magic + (3).to_bytes(4, 'little') + importlib.util.source_hash(stream.read())

    def valid():
        try:
            with open(path, 'rb') as stream:
                data = stream.read()
            return data[:16] == header and type(marshal.loads(data[16:])) is type(valid.__code__)
        except (OSError, ValueError, EOFError, TypeError):
            return False

    if valid():
        return path
    os.makedirs(cache_dir, exist_ok=True)
    py_compile.compile(source, cfile=path, doraise=True,
                       invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
    return path if valid() else ''


compiled = ''
if tag and cache_dir:
    try:
        compiled = compiled_probe()
    except Exception:
        compiled = ''
print(compiled)
import importlib.machinery, json
path = sys.path[1:] if sys.path and sys.path[0] == '' else sys.path
print(json.dumps([path, list(sys.builtin_module_names),
                  list(importlib.machinery.EXTENSION_SUFFIXES)]))
"""


def cache_dir() -> Path:
    """Where importaudit keeps files it can rebuild (IMPORTAUDIT_CACHE_DIR overrides)."""
    explicit = os.environ.get("IMPORTAUDIT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "importaudit"


def _probe_digest() -> str:
    import hashlib

    return hashlib.sha256(Path(PROBE_PATH).read_bytes()).hexdigest()[:16]


def find_interpreter(python: str | None, timeout: float = 30.0) -> Interpreter:
    """Check that `python` (default: this interpreter) runs and is new enough.

    Also compiles the probe for it into the cache folder (once per probe version and
    interpreter; checked on every call), falling back to the source file where that
    is not possible, and learns where it finds modules (its sys.path), in the same
    question.
    """
    exe = python or sys.executable
    path = shutil.which(exe) if os.sep not in exe else exe
    if path is None or not os.path.exists(path):
        raise InterpreterError(f"--python {exe}: no such interpreter")
    return _ask_interpreter(exe, path, timeout)


def _ask_interpreter(exe: str, path: str, timeout: float) -> Interpreter:
    try:
        proc = subprocess.run(
            [path, "-c", _INFO_CODE, PROBE_PATH, str(cache_dir()), _probe_digest()],
            capture_output=True, text=True, timeout=timeout,
            stdin=subprocess.DEVNULL, check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InterpreterError(f"--python {exe}: cannot run it ({exc})") from exc
    lines = proc.stdout.splitlines()
    if proc.returncode != 0 or len(lines) < 4:
        detail = proc.stderr.strip().splitlines()[-1:] or ["no output"]
        raise InterpreterError(f"--python {exe}: not a working Python ({detail[0]})")
    major, minor, micro = (int(x) for x in lines[1].split("."))
    if (major, minor) < MIN_PYTHON:
        raise InterpreterError(
            f"--python {exe}: Python {lines[1]} is too old; the probe needs 3.9 or newer"
        )
    compiled = lines[4] if len(lines) > 4 and lines[4] else PROBE_PATH
    try:
        search, builtins, suffixes = json.loads(lines[5])
    except (IndexError, ValueError) as exc:
        raise InterpreterError(f"--python {exe}: could not read its sys.path") from exc
    return Interpreter(lines[0] or path, (major, minor, micro), lines[2], lines[3], compiled,
                       tuple(search), tuple(builtins), tuple(suffixes))


# Runs in the measured interpreter: where its own finders (editable installs put theirs
# on sys.meta_path) find a top-level name; finding a spec runs no code of the package.
_LOCATE_CODE = """\
import importlib.util, json, sys
try:
    spec = importlib.util.find_spec(sys.argv[1])
except (ImportError, ValueError):
    spec = None
print(json.dumps(None if spec is None else
                 [spec.origin, list(spec.submodule_search_locations or [])]))
"""


def locate_module(interpreter: Interpreter, name: str, timeout: float = 30.0
                  ) -> tuple[str | None, tuple[str, ...]] | None:
    """Where `interpreter`'s finders find top-level module `name`: (origin, locations)."""
    try:
        proc = subprocess.run([interpreter.executable, "-c", _LOCATE_CODE, name],
                              capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, check=False)
        found = json.loads(proc.stdout) if proc.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return None
    if not isinstance(found, list) or len(found) != 2:
        return None
    return found[0], tuple(found[1])


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
    main_file: str | None = None
    program_exit: int | None = None
    done_wall_ns: int | None = None
    returncode: int | None = None
    timed_out: bool = False
    stderr_tail: str = ""
    wall_ns: int = 0

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
                run.modules.append(rec)
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
            case MainFile():
                run.main_file = rec.file
            case Fail():
                run.fails.append(rec)
            case Exit():
                run.program_exit = rec.code
            case Done():
                run.done_wall_ns = rec.wall_ns


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
    tree before the exception goes on; its record file is removed either way.
    `stdout_to_stderr` (passthrough mode) sends the program's stdout to our stderr.
    """
    children = children or Children()
    children.check()
    env = dict(os.environ)
    for key, value in (env_overrides or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    run = ChildRun()
    tail: deque[bytes] = deque()
    records_path = None
    try:
        fd, records_path = tempfile.mkstemp(prefix="importaudit-", suffix=".jsonl")
        os.close(fd)
        cmd = [interpreter.executable, interpreter.probe, records_path, mode, ",".join(flags),
               os.pathsep.join(extra_path), *args]
        t0 = clock()
        run.returncode, run.timed_out = run_tracked(
            cmd, tail, timeout=timeout, children=children, env=env, passthrough=passthrough,
            stdout_to_stderr=stdout_to_stderr, launcher=launcher)
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
) -> tuple[int, bool]:
    """Run one child interpreter to its end: its exit status, and whether it timed out.

    The one way children start: in a session of their own (unless `passthrough`, where
    the program keeps our terminal and its output), tied to our life by the watchdog
    pipe, tracked by `children` so an interrupt in any thread ends it, its tree killed at
    the timeout and ended on whatever interrupts the wait. The tail of its stderr is
    kept in `tail`.
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
            return _wait_child(proc, tail, timeout)
        finally:
            children.finished(proc)
    finally:
        # Closing the write end signals a child still alive (an error before it was
        # tracked): it cannot outlive this call either way.
        for end in (watch_read, watch_write):
            if end is not None:
                os.close(end)


def _wait_child(proc: subprocess.Popen[bytes], tail: deque[bytes],
                timeout: float) -> tuple[int, bool]:
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
             cwd: str | os.PathLike[str] | None = None, shell: bool = False) -> ChildRun:
    """Run a command that is not the probe (fix's snapshots, a user's test command).

    Started like the probe (`run_tracked`): its own session and the watchdog pipe, so at
    the timeout, an interrupt, or our own death, everything it started ends with it, not
    only the direct child (a shell, a test runner's workers). stdout and stderr are
    drained together into `stderr_tail`, keeping only the last STDERR_TAIL_BYTES.
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
                                                children=Children(), env=env, launcher=launch)
    run.stderr_tail = b"".join(tail).decode("utf-8", "replace")[-STDERR_TAIL_BYTES:]
    return run


def measure_startup(
    interpreter: Interpreter, *, launcher: Launcher = subprocess.Popen,
    clock: Clock = time.perf_counter_ns,
) -> int:
    """Wall time of a bare `python -c pass` in this environment (one sample)."""
    t0 = clock()
    proc = launcher([interpreter.executable, "-c", "pass"], stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        proc.wait()
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return clock() - t0


# ----------------------------------------------------------------------------- failures


def describe_failure(run: ChildRun, timeout: float,
                     skipped: Collection[str] = ()) -> ChildFailure | None:
    """What went wrong in a child run, or None if it finished and nothing failed.

    Failed imports named in `skipped` (submodules a walk skips, see `skipped_modules`)
    do not count.
    """
    doing = run.in_progress()
    where = ""
    module = None
    if doing:
        innermost = doing[-1]
        module = innermost.name
        where = f" while importing {module}"
        if innermost.importer:
            where += f" (imported by {innermost.importer})"
    tail = run.stderr_tail.strip()
    if run.timed_out:
        return ChildFailure("timeout", f"timed out after {timeout:g} s{where}",
                            module=module, stderr_tail=tail)
    if not run.finished:
        rc = run.returncode
        if rc is not None and rc < 0:
            try:
                name = signal.Signals(-rc).name
            except ValueError:
                name = f"signal {-rc}"
            return ChildFailure("signal", f"the interpreter was killed by {name}{where}",
                                module=module, signal=name, exit_code=rc, stderr_tail=tail)
        return ChildFailure("exit", f"the interpreter exited with status {rc}{where}",
                            module=module, exit_code=rc, stderr_tail=tail)
    fails = [f for f in run.fails if f.name not in skipped]
    if fails:
        return _import_failure(fails[0], tail, run.modules)
    return None


def _import_failure(fail: Fail, tail: str, modules: Sequence[Finished]) -> ChildFailure:
    """An import that failed at the top, blamed on the module it propagated out of first.

    Not on the first module that recorded an error: that one may have failed earlier
    and been caught (an optional import), which says nothing about this failure. Its
    place is the blamed module's line on the traceback (the one a pull request shows).
    """
    name = fail.name
    origin = fail.origin or name
    kind = "exit" if fail.kind == "exit" else "import-error"
    text = f"importing {name} failed: {fail.message}"
    if origin and origin != name:
        text += f" (raised in {origin})"
    origin_file = next((m.origin for m in modules if m.name == origin), None)
    file, line = place_in(fail.frames, origin_file)
    return ChildFailure(
        kind, text, module=origin, stderr_tail=tail, file=file, line=line,
        traceback=format_traceback(fail.frames, fail.message or ""),
    )


def skipped_modules(runs: Sequence[ChildRun | None], request: ProfileRequest,
                    ) -> tuple[SkippedModule, ...]:
    """Submodules a `--tree` walk could not import for reasons outside the targets.

    A module outside the targets not installed, or a module for another platform (see
    `failures.classify`); the same in every run, so the first run that saw it says why.
    """
    if not request.tree or request.mode != "import":
        return ()
    found: dict[str, SkippedModule] = {}
    for run in runs:
        for fail in run.fails if run is not None else ():
            if fail.name not in found:
                skip = classify(fail, request.args)
                if skip is not None:
                    found[skip.name] = skip
    return tuple(found.values())


# ----------------------------------------------------------------------------- merging


def _median(values: Sequence[int]) -> int:
    return int(statistics.median(values)) if values else 0


def _median_opt(values: Sequence[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return _median(present) if present else None


def merge_runs(  # noqa: PLR0912  (one pass per record kind reads clearer split up)
    time_runs: Sequence[ChildRun], heap_run: ChildRun | None, hit_runs: Sequence[ChildRun],
    bytecode: dict[str, bool] | None = None,
) -> tuple[ModuleRecord, ...]:
    """Merge child runs into one record per module: medians over the time runs."""
    bytecode = bytecode or {}
    first: dict[str, Finished] = {}
    begin_of: dict[str, Begin] = {}
    starts: dict[str, list[int]] = {}
    order: dict[str, int] = {}
    samples: dict[str, list[Finished]] = {}
    for run in time_runs:
        seen_in_run: set[str] = set()
        for rec in run.begins:
            if rec.name not in begin_of:
                begin_of[rec.name] = rec
                order[rec.name] = len(order)
            if rec.name not in seen_in_run and rec.start_ns is not None:
                seen_in_run.add(rec.name)
                starts.setdefault(rec.name, []).append(rec.start_ns)
        for mod in run.modules:
            first.setdefault(mod.name, mod)
            samples.setdefault(mod.name, []).append(mod)
    heap: dict[str, Finished] = {}
    if heap_run is not None:
        for mod in heap_run.modules:
            heap.setdefault(mod.name, mod)
    importers: dict[str, list[str]] = {}
    for name, rec in begin_of.items():
        if rec.importer:
            importers.setdefault(name, []).append(rec.importer)
    for run in [*hit_runs, *([heap_run] if heap_run else [])]:
        pairs = [(b.importer, b.name) for b in run.begins if b.importer]
        for importer, name in [*pairs, *((h.importer, h.name) for h in run.hits)]:
            bucket = importers.setdefault(name, [])
            if importer not in bucket:
                bucket.append(importer)

    loops = _loop_blocks(time_runs)
    records = []
    for name in sorted(samples, key=lambda n: order.get(n, len(order))):
        recs = samples[name]
        b = begin_of.get(name, Begin(name))
        selfs = [r.self_ns for r in recs]
        cums = [r.cumulative_ns for r in recs]
        h = heap.get(name)
        errors = [r.error for r in recs if r.error]
        records.append(ModuleRecord(
            name=name,
            importer=b.importer,
            importers=tuple(importers.get(name, ())),
            order=order.get(name, 0),
            depth=b.depth,
            self_ns=_median(selfs),
            cumulative_ns=_median(cums),
            self_ns_min=min(selfs),
            self_ns_max=max(selfs),
            cumulative_ns_min=min(cums),
            cumulative_ns_max=max(cums),
            self_cpu_ns_min=min((r.self_cpu_ns for r in recs if r.self_cpu_ns is not None),
                                default=None),
            heap_bytes=h.heap_bytes if h else None,
            self_heap_bytes=h.self_heap_bytes if h else None,
            heap_peak_bytes=h.heap_peak_bytes if h else None,
            rss_bytes=_median_opt([r.rss_bytes for r in recs]),
            self_rss_bytes=_median_opt([r.self_rss_bytes for r in recs]),
            origin=first[name].origin,
            loader=first[name].loader,
            is_package=first[name].is_package,
            bytecode_cached=bytecode.get(name),
            thread=b.thread,
            error=errors[0] if errors else None,
            runs=len(recs),
            start_ns=_median(starts[name]) if name in starts else None,
            loop=loops.get(name),
        ))
    records.extend(injected_records([*time_runs, *hit_runs, *([heap_run] if heap_run else [])],
                                    set(samples), len(order)))
    return tuple(records)


def _loop_blocks(runs: Sequence[ChildRun]) -> dict[str, LoopBlock]:
    """Where each module was imported while an asyncio loop ran (first run that saw it)."""
    found: dict[str, LoopBlock] = {}
    for run in runs:
        for rec in run.loop_blocks:
            found.setdefault(rec.name, LoopBlock(
                file=rec.file, line=rec.line, function=rec.function,
                coroutine=rec.coroutine, coroutine_file=rec.coroutine_file,
                coroutine_line=rec.coroutine_line))
    return found


def injected_records(runs: Sequence[ChildRun], recorded: Collection[str],
                     order: int) -> list[ModuleRecord]:
    """Records of the modules that got into sys.modules without our finder.

    One per name no run recorded as a normal import, from the first run that saw it;
    `runs` counts the runs that saw it. They have no cost of their own (it is inside
    their importer's), so every measured figure stays zero or None.
    """
    first: dict[str, Injected] = {}
    seen: dict[str, int] = {}
    for run in runs:
        for name in {rec.name for rec in run.injected}:
            seen[name] = seen.get(name, 0) + 1
        for rec in run.injected:
            # An alias (the same object under a second name) loaded nothing.
            if rec.name not in recorded and not rec.alias_of:
                first.setdefault(rec.name, rec)
    return [ModuleRecord(
        name=name, importer=rec.importer, importers=(rec.importer,) if rec.importer else (),
        order=order + i, origin=rec.origin, loader=rec.loader,
        is_package=rec.is_package, runs=seen[name], via="sys.modules",
    ) for i, (name, rec) in enumerate(first.items())]


def preloaded_records(start: Start) -> tuple[ModuleRecord, ...]:
    """Modules loaded before measurement began (start-up, .pth files, the probe)."""
    return tuple(ModuleRecord(name=n, preloaded=True) for n in start.preloaded)


# ----------------------------------------------------------------------------- bytecode


def pyc_is_valid(source: str, cache_tag: str, optimize: int = 0) -> bool:
    """Whether a .pyc for `source` exists and matches it (timestamp or hash based)."""
    src = Path(source)
    opt = f".opt-{optimize}" if optimize else ""
    pyc = src.parent / "__pycache__" / f"{src.stem}.{cache_tag}{opt}.pyc"
    try:
        with open(pyc, "rb") as stream:
            header = stream.read(16)
        st = src.stat()
    except OSError:
        return False
    if len(header) < 16:
        return False
    flags = int.from_bytes(header[4:8], "little")
    if flags & 0b1:  # hash-based pyc: valid unless the source changed (checked on load)
        return True
    mtime = int.from_bytes(header[8:12], "little")
    size = int.from_bytes(header[12:16], "little")
    return mtime == (int(st.st_mtime) & 0xFFFFFFFF) and size == (st.st_size & 0xFFFFFFFF)


def bytecode_state(run: ChildRun) -> dict[str, bool]:
    """For each source module of a run: whether a valid .pyc existed for that interpreter."""
    tag = run.start.cache_tag
    if not tag:
        return {}
    state = {}
    for rec in run.modules:
        if rec.origin is not None and rec.origin.endswith(".py"):
            state[rec.name] = pyc_is_valid(rec.origin, tag)
    return state


# ----------------------------------------------------------------------------- the profile


@dataclass(frozen=True, slots=True)
class ProfileRequest:
    """What to measure and how."""

    mode: str  # "import" | "module" | "script" | "code"
    args: tuple[str, ...]  # targets, or the program and its argv
    # How: repeats, heap run, timeout, bytecode; `tree`/`isolated` as the use case
    # decided (the walk is done by then: `walk` below).
    measure: Measure = field(default_factory=Measure)
    warmup: bool = True
    extra_path: tuple[str, ...] = ()
    passthrough: bool = False  # program mode: the first measured run owns the terminal
    stdout_to_stderr: bool = False  # passthrough: the program's stdout goes to our stderr
    # With `tree`: every module of the targets, parents first, as the static walk found
    # them (`static.discover`, the one definition of a package's modules).
    walk: tuple[str, ...] = ()

    @property
    def tree(self) -> bool:
        """Every module of the targets is imported (also when each is isolated)."""
        return self.measure.tree or self.measure.isolated

    @property
    def imports(self) -> tuple[str, ...]:
        """What the child imports: the walked modules in tree mode, else the targets."""
        return self.walk if self.tree and self.walk else self.args


@dataclass(frozen=True, slots=True)
class Measurement:
    """The merged result of all child runs of one profile."""

    modules: tuple[ModuleRecord, ...]
    meta: RunMeta
    failure: ChildFailure | None
    skipped: tuple[SkippedModule, ...] = ()


class Runner:
    """Runs the probe as often as a request asks and merges what it measured."""

    def __init__(
        self, interpreter: Interpreter, *, launcher: Launcher = subprocess.Popen,
        clock: Clock = time.perf_counter_ns,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.interpreter = interpreter
        self.launcher = launcher
        self.clock = clock
        self.progress = progress or (lambda _msg: None)
        self.children = Children()

    def _child(self, request: ProfileRequest, flags: list[str], args: Sequence[str],
               *, passthrough: bool = False, warm: bool = False) -> ChildRun:
        overrides: dict[str, str | None] = {}
        if warm:
            overrides["PYTHONDONTWRITEBYTECODE"] = None
        return run_child(
            self.interpreter, request.mode, flags, args, extra_path=request.extra_path,
            timeout=request.measure.timeout, passthrough=passthrough,
            stdout_to_stderr=passthrough and request.stdout_to_stderr, env_overrides=overrides,
            launcher=self.launcher, clock=self.clock, children=self.children,
        )

    def profile(self, request: ProfileRequest) -> Measurement:
        """Warm up, measure `repeat` times, measure the heap once, merge.

        Interrupted (Ctrl-C, or a signal the command line turned into an exception),
        it ends every child tree still running and removes their record files first.
        """
        with self.children.stopped_on_error():
            if request.measure.isolated:
                return self._isolated(request)
            return self._profile(request)

    def _profile(self, request: ProfileRequest) -> Measurement:
        time_flags = ["rss"] + (["tree"] if request.tree else [])
        startups: list[int] = []
        hit_runs: list[ChildRun] = []
        bytecode: dict[str, bool] = {}
        if request.warmup:
            self.progress("warm-up run")
            warm = self._child(request, [*time_flags, "hits"], request.imports,
                               warm=request.measure.warm_bytecode)
            self._check_found(warm, request)
            hit_runs.append(warm)
            bytecode = bytecode_state(warm)
            if describe_failure(warm, request.measure.timeout) is not None and (
                not warm.finished or not request.tree
            ):
                # It fails every time; don't run a crashing target N more times.
                return self._finish(request, runs=[warm], heap_run=None, hit_runs=hit_runs,
                                    bytecode=bytecode, startups=startups,
                                    note="measured from the warm-up run only: it failed")
        runs: list[ChildRun] = []
        for i in range(request.measure.repeat):
            self.progress(f"run {i + 1}/{request.measure.repeat}")
            startups.append(measure_startup(self.interpreter, launcher=self.launcher,
                                            clock=self.clock))
            run = self._child(request, time_flags, request.imports,
                              passthrough=request.passthrough and i == 0)
            if not request.warmup and i == 0:
                self._check_found(run, request)
                bytecode = bytecode_state(run)
            runs.append(run)
            if describe_failure(run, request.measure.timeout) is not None and not run.finished:
                break
        heap_run = None
        if request.measure.memory and runs and runs[-1].finished:
            self.progress("heap run")
            heap_run = self._child(request, ["heap"] + (["tree"] if request.tree else []),
                                   request.imports)
        return self._finish(request, runs=runs, heap_run=heap_run, hit_runs=hit_runs,
                            bytecode=bytecode, startups=startups)

    def _check_found(self, run: ChildRun, request: ProfileRequest) -> None:
        for fail in run.fails:
            if fail.kind == "not-found" and fail.name in request.args:
                raise TargetNotFoundError(
                    f"cannot import {fail.name!r}: {fail.message} "
                    f"(python: {self.interpreter.executable})"
                )

    def _finish(
        self, request: ProfileRequest, *, runs: list[ChildRun], heap_run: ChildRun | None,
        hit_runs: list[ChildRun], bytecode: dict[str, bool], startups: list[int],
        note: str | None = None,
    ) -> Measurement:
        modules = merge_runs(runs, heap_run, hit_runs, bytecode)
        start = runs[0].start if runs else Start()
        skipped = skipped_modules([*hit_runs, *runs, heap_run], request)
        names = {s.name for s in skipped}
        failure = None
        for run in runs:
            failure = describe_failure(run, request.measure.timeout, names)
            if failure is not None:
                break
        if failure is None and heap_run is not None:
            failure = describe_failure(heap_run, request.measure.timeout, names)
        preloaded = preloaded_records(start)
        seen = {m.name for m in modules}
        modules = modules + tuple(p for p in preloaded if p.name not in seen)
        walls = [r.done_wall_ns for r in runs if r.done_wall_ns is not None]
        notes = environment_notes(start, modules, request)
        if note:
            notes = (note, *notes)
        exits = [r.program_exit for r in runs if r.program_exit is not None]
        meta = RunMeta(
            python=self.interpreter.executable,
            python_version=self.interpreter.version_text,
            platform=self.interpreter.platform,
            implementation=self.interpreter.implementation,
            mode=_mode_name(request),
            repeats=len(runs),
            warmup=request.warmup,
            memory=heap_run is not None,
            timeout_s=request.measure.timeout,
            startup_ns=_median(startups) if startups else None,
            wall_ns=_median(walls) if walls else None,
            program_exit_code=exits[0] if exits else None,
            main_file=next((r.main_file for r in [*runs, *hit_runs] if r.main_file), None),
            notes=notes,
        )
        return Measurement(modules, meta, failure, skipped)

    def _isolated(self, request: ProfileRequest) -> Measurement:
        """Each module of the tree in its own interpreter: its standalone cost."""
        self.progress("listing the tree")
        # The listing run is this mode's warm-up: it writes the .pyc files when asked to.
        listing = self._child(request, ["tree", "hits"], request.imports,
                              warm=request.measure.warm_bytecode)
        self._check_found(listing, request)
        skipped = skipped_modules([listing], request)
        names = {s.name for s in skipped}
        # A skipped module would only fail again alone; what it imports is measured.
        wanted = [m.name for m in listing.modules
                  if under(m.name, request.args) and m.name not in names]
        plan = request.measure.shard
        shard = plan.info(wanted) if plan is not None else None
        if shard is not None:
            wanted = list(shard.modules)
        base = merge_runs([listing], None, [listing], bytecode_state(listing))
        by_name = {m.name: m for m in base}
        workers = max(1, os.cpu_count() or 1)

        def measure(name: str) -> tuple[str, list[ChildRun], ChildRun | None]:
            alone = dataclasses.replace(request.measure, tree=False, isolated=False,
                                        shard=None)
            sub = ProfileRequest(mode="import", args=(name,), measure=alone,
                                 extra_path=request.extra_path)
            runs = [self._child(sub, ["rss"], (name,)) for _ in range(request.measure.repeat)]
            heap = self._child(sub, ["heap"], (name,)) if request.measure.memory else None
            return name, runs, heap

        records = []
        failure = describe_failure(listing, request.measure.timeout, names)
        # Stopped before the pool's exit waits for its workers, which wait on children.
        with ThreadPoolExecutor(max_workers=workers) as pool, \
                self.children.stopped_on_error():
            for name, runs, heap in pool.map(measure, wanted):
                self.progress(f"isolated {name}")
                records.append(_standalone(by_name[name], runs, heap))
                for run in runs:
                    failure = failure or describe_failure(run, request.measure.timeout)
        # An empty shard measured nothing: its report holds no records at all.
        preloaded = preloaded_records(listing.start) if shard is None or wanted else ()
        meta = RunMeta(
            python=self.interpreter.executable,
            python_version=self.interpreter.version_text,
            platform=self.interpreter.platform,
            implementation=self.interpreter.implementation,
            mode="isolated", repeats=request.measure.repeat, warmup=True,
            memory=request.measure.memory,
            timeout_s=request.measure.timeout,
            notes=(
                "isolated: each module's cumulative cost is what importing it alone in a "
                "fresh interpreter costs, parents and dependencies included",
                *environment_notes(listing.start, base, request),
                *([] if shard is None or wanted else [empty_shard_note(shard)]),
            ),
            shard=shard,
        )
        return Measurement(tuple(records) + preloaded, meta, failure, skipped)


def _standalone(base: ModuleRecord, runs: list[ChildRun], heap: ChildRun | None) -> ModuleRecord:
    """A module's record from its own isolated runs: totals of everything it loaded."""
    from dataclasses import replace

    def total(run: ChildRun, key: str) -> int:
        roots = run.roots()
        return sum(getattr(r, key) or 0 for r in run.modules if r.name in roots)

    def own(run: ChildRun, key: str) -> int | None:
        for rec in run.modules:
            if rec.name == base.name:
                return int(getattr(rec, key) or 0)
        return None

    cums = [total(r, "cumulative_ns") for r in runs if r.finished]
    selfs = [v for v in (own(r, "self_ns") for r in runs if r.finished) if v is not None]
    cpus = [v for v in (own(r, "self_cpu_ns") for r in runs if r.finished) if v is not None]
    rss = [total(r, "rss_bytes") for r in runs if r.finished]
    return replace(
        base,
        cumulative_ns=_median(cums), self_ns=_median(selfs),
        self_cpu_ns_min=min(cpus, default=None),
        cumulative_ns_min=min(cums, default=0), cumulative_ns_max=max(cums, default=0),
        self_ns_min=min(selfs, default=0), self_ns_max=max(selfs, default=0),
        rss_bytes=_median(rss) if rss else None,
        heap_bytes=total(heap, "heap_bytes") if heap is not None and heap.finished else None,
        self_heap_bytes=own(heap, "self_heap_bytes") if heap is not None and heap.finished
        else None,
        runs=len(cums),
    )


def _mode_name(request: ProfileRequest) -> str:
    if request.mode != "import":
        return "program"
    return "tree" if request.tree else "import"


# ----------------------------------------------------------------------------- notes


def environment_notes(
    start: Start, modules: Sequence[ModuleRecord], request: ProfileRequest,
) -> tuple[str, ...]:
    """Facts about this environment that change what the numbers mean."""
    notes: list[str] = []
    measured = [m for m in modules if not m.preloaded]
    sources = [m for m in measured if m.bytecode_cached is not None]
    uncached = [m for m in sources if not m.bytecode_cached]
    if start.dont_write_bytecode and not request.measure.warm_bytecode:
        if uncached:
            share = sum(m.self_ns for m in uncached)
            notes.append(
                f"PYTHONDONTWRITEBYTECODE is set: {len(uncached)} of {len(sources)} source "
                f"modules had no valid .pyc, so every run compiled them and their times "
                f"include compilation (together {share / 1e6:.1f} ms of self time); "
                "--warm-bytecode measures with caches, as an installed package would load"
            )
        else:
            notes.append("PYTHONDONTWRITEBYTECODE is set, but every source module had a "
                         "valid .pyc: times are not inflated by compilation")
    elif uncached:
        notes.append(
            f"{len(uncached)} of {len(sources)} source modules had no valid .pyc after the "
            "warm-up (read-only directory?): their times include compilation"
        )
    for var, what in (
        ("PYTHONTRACEMALLOC", "tracemalloc slows allocation-heavy imports ~3x"),
        ("PYTHONPROFILEIMPORTTIME", "-X importtime adds its own output per import"),
        ("PYTHONDEVMODE", "development mode adds checks to every import"),
        ("PYTHONMALLOC", "a non-default allocator changes time and memory"),
    ):
        if os.environ.get(var):
            notes.append(f"{var} is set: {what}")
    third_party = sorted({
        p.name.split(".")[0] for p in modules
        if p.preloaded and p.name.split(".")[0] not in sys.stdlib_module_names
        and not p.name.startswith("_") and p.name != "__main__"
    })
    if third_party:
        notes.append(
            "loaded by interpreter start-up (a .pth file or sitecustomize) before measuring, "
            f"so not attributed: {', '.join(third_party[:8])}"
            + (" ..." if len(third_party) > 8 else "")
        )
    try:
        load = os.getloadavg()[0]
    except (OSError, AttributeError):
        load = 0.0
    cores = os.cpu_count() or 1
    if load > 0.7 * cores:
        notes.append(f"load average {load:.1f} on {cores} cores while measuring: expect "
                     "noisy times (compare medians, use --repeat)")
    if not request.warmup and request.mode == "import":
        notes.append("no warm-up run: the first run may include cold file-system caches")
    return tuple(notes)
