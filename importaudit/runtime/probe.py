"""The probe: runs INSIDE the measured child interpreter and records every import.

Run by file path (`python probe.py RECORDS MODE FLAGS PATHS [ARGS...]`), never imported
as part of importaudit. It uses only modules that are already loaded at interpreter
start-up (sys, os, _thread) plus `time` and `gc` (builtins), so it disturbs what it measures as
little as possible; it must keep working on Python 3.9 to 3.13, so no newer syntax.

How it measures: a finder at `sys.meta_path[0]` asks the other finders for the spec
directly (never `importlib.util.find_spec`, which can deadlock when a library starts
a thread during import) and wraps the spec's loader. The wrapper times
`create_module` + `exec_module` (from the moment the spec was searched for, as
`-X importtime` does; wall and the thread's CPU time alike) on a per-thread stack; self
time is cumulative time minus the cumulative time of imports made while it ran, and
the probe's own bookkeeping is left out of both (see _WALL). Right before the module's
code runs the wrapper puts the real loader back on `__spec__.loader` and `__loader__`, so the
module's own code, `importlib.resources`, `inspect.getsource`, `pkgutil.get_data` and
`isinstance(mod.__loader__, SourceFileLoader)` see exactly what they would see without us.
Until then only the import system sees the wrapper, so it forwards nothing (a
`__getattr__` would slow every attribute access on it). A spec found for anyone else
(`importlib.util.find_spec`, as runpy, pkgutil and LazyLoader recipes use it) is not
an import, as `-X importtime` agrees: it is returned exactly as found, untouched.

The cyclic garbage collector is timed through `gc.callbacks`: a collection runs inside
whatever code allocates when a generation's threshold is crossed, and a full one walks
the whole heap (10-45 ms once a big tree is loaded), so its pause lands in the self time
of whichever module body happens to run then (as `-X importtime` counts it too). Each
collection the allocations set off (a body's own `gc.collect()` is its work: told apart
by the youngest generation's count, past its threshold only when allocations started
it) has its wall and CPU time charged to the innermost import in progress on its
thread (`g`, `gc`, and `gf` for full collections, in that module's `mod` record), one
that ran while the finders searched for a module to that module (its wall and CPU time
start at the search); the parent can then tell a body's own computation from the
collector's pauses. `gc` is imported before measuring (a builtin module: listed as
preloaded).

Records are JSON lines appended with one `os.write` each to a file the parent owns:
a child that segfaults, calls `os._exit` or is killed leaves every finished record
(and the `begin` of what it was doing) behind, and a record costs a syscall, not a
pipe round trip. If the target closes our descriptor, the file is reopened by path.

MODE is `import` (ARGS: modules to import), `module`/`script`/`code` (ARGS: the
program and its argv). PATHS (os.pathsep separated, may be empty) go first on sys.path.
FLAGS (comma separated): `rss` (RSS per module from /proc/self/statm), `lines` (sample
which line of each module body runs, every millisecond of CPU: `start_sampling`), `heap`
(tracemalloc: heap retained and peak per module), `hits` (record imports that found the
module already loaded, via builtins.__import__), `tree` (ARGS are every module of the
target packages, listed by the parent: import each, going on after a failure),
`interned=N` (with `heap`: grow the table of interned strings first, with room for N
more strings, see _grow_interned).
"""

import _thread  # builtin, always loaded, as are os and sys
import gc  # builtin: timing the collector (see the docstring)
import os
import sys
import time

_clock = time.perf_counter_ns
# The CPU time of the importing thread: what a module body computes, which the machine's
# load does not stretch as it does wall time (review decides "expensive" on it).
_cpu = time.thread_time_ns
_get_ident = _thread.get_ident
_gc_count = gc.get_count
_gc_threshold = gc.get_threshold
_pread = os.pread
_write = os.write

# ----------------------------------------------------------------------------- output

_ESCAPES: "dict[int, str]" = {}  # filled on first use: most runs never need it


def _escape(text: str) -> str:
    if not _ESCAPES:
        _ESCAPES.update({i: "\\u%04x" % i for i in range(32)})
        _ESCAPES[ord("\\")] = "\\\\"
        _ESCAPES[ord('"')] = '\\"'
    return text.translate(_ESCAPES)


def _q(text: "str | None") -> str:
    """A JSON string (or null); the common case, nothing to escape, is one check."""
    if text is None:
        return "null"
    if text.isprintable() and '"' not in text and "\\" not in text:
        return '"' + text + '"'
    return '"' + _escape(text) + '"'


def _js(value: "object") -> str:
    """Encode None, bool, int, str or a list of them as JSON (json is not loaded yet)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_js(v) for v in value) + "]"
    return _q(str(value))


def _move_high(fd: int) -> int:
    """Move a descriptor to a free number >= 200, out of the range programs close or reuse.

    Only called before the target runs (no other thread can open a file meanwhile);
    `fcntl` is not imported for this: it is not loaded at start-up and costs time.
    """
    for candidate in range(200, 264):
        try:
            os.fstat(candidate)
        except OSError:
            try:
                os.dup2(fd, candidate, inheritable=False)
            except OSError:
                return fd
            os.close(fd)
            return candidate
    return fd


# ----------------------------------------------------------------------------- set-up

# Source with most of the grammar: compiling it once makes the compiler allocate the
# state it keeps for the life of the process (about 200 KiB on 3.12) before tracemalloc
# starts, instead of charging it to whichever module is the first compiled from source
# (so a module's heap would depend on whether .pyc files exist). Python 3.9 syntax.
_WARM_SOURCE = """\
import os.path as p
from os import sep as s
@staticmethod
def f(a, /, b=1, *c, d, **e):
    global g
    x = [i for i in a if i]; y = {k: v for k, v in e.items()}; z = {*c}
    return f'{x!r:>{b}}', (lambda q: q)(y), (w := z), a[1:2], not a or b and -d
class C(object):
    h: int = 0
    async def m(self):
        async with self as t:
            await t
        async for u in t:
            yield u
try:
    assert p, s
except (OSError, ValueError) as exc:
    raise
finally:
    del p
while True:
    break
with open(s) as fd, open(s):
    pass
"""


def _warm_compiler() -> None:
    try:  # noqa: SIM105  (contextlib is not loaded yet)
        compile(_WARM_SOURCE, "<importaudit-warm-up>", "exec", dont_inherit=True)
    except SyntaxError:
        pass


# The line sampler's period in CPU seconds (flag `lines`) and how many of a body's lines
# it reports, the costliest first.
_SAMPLE_S = 0.001
_LINES_KEPT = 12

# The interned-string table (one dict per interpreter: identifiers, attribute names) is
# reallocated at twice its size whenever it fills, and that reallocation lands in
# whichever module body interns the string that fills it: +546,128 bytes in the self
# heap of strawberry.cli.constants, a one-line module, in one run, of the module
# before or after it in the next, though nothing changed (a baseline check failed on
# an unchanged tree). Which import tips it over moves with any allocation before it.
# So, for the heap run of a profile (`interned=N`), the table is grown before
# tracemalloc starts until it has room for the N strings the parent expects the
# measured imports to intern: it reallocates into S slots when it holds S/3 strings
# (two thirds of S/2), leaving room for S/3 more, so S is the power of two from
# 3 * N, at least 2**18 (room for about 87,000) and at most _MOST_SLOTS (room for
# about 700,000). The parent's N is a count the time runs measured (3.12+:
# sys.getunicodeinternedsize) or, before 3.12, estimated from their module count
# (runtime.runner.interned_room). jax + xarray + strawberry (2,115 modules with --tree)
# intern 123,000 strings on 3.13, more than 2**18 slots hold: the table's next
# doubling (7.7 MB) landed in a module's heap, a different one each run. The cost, for
# the heap run only, measured on 3.9, 3.11 and 3.13 on a 2-core machine at a load of
# 5: the strings held here, never traced, and the table (12-14 MiB of RSS at 2**18
# slots, 24-29 at 2**19, 46-55 at 2**20, 92-109 at 2**21), and the time to intern
# them (0.5-1.2 s at 2**18, 0.7-1.2 at 2**19, 1.2-2.2 at 2**20, 2.2-3.3 at 2**21).
# Interning the first ones is cheap; the last _START_MARGIN before the size sought go
# under tracemalloc, in batches, until one batch's peak shows the reallocation into S
# slots.
# A module measured alone (`--isolated`) is not: the whole import is its own there,
# and the table's growth with it, in every run; and each of its children would pay
# the time.
_HELD_STRINGS: "tuple[str, ...]" = ()
_LEAST_SLOTS = 1 << 18
_MOST_SLOTS = 1 << 21
# (The reallocation into S slots is traced unless start-up interned more than this
# many strings; from 1 << 16 untraced at 2**18 slots, 22,000 in a sitecustomize were
# enough to miss it and grow on to 2**19: 1-2 s and 20 MiB.)
_START_MARGIN = (_LEAST_SLOTS // 3) - (1 << 15)
_GROW_BATCH = 512
# S slots take about 14.7 bytes each from 3.11 (an index and two thirds of a 16-byte
# entry), 20 before (24-byte entries): a jump of 12 * S bytes is the table of S slots,
# never the one of S/2 (2**18: 3.7 MiB, 5 MiB before 3.11; 2**17 at most 2.5 MiB).
_JUMP_PER_SLOT = 12


def _grow_interned(tracemalloc: "Any", room: int) -> None:
    """Grow the interned-string table until it has room for `room` more strings."""
    global _HELD_STRINGS  # noqa: PLW0603  (set once, held for the life of the process)
    if sys.implementation.name != "cpython":
        return
    slots = _LEAST_SLOTS
    while slots < 3 * room and slots < _MOST_SLOTS:
        slots *= 2
    intern = sys.intern
    count = max(0, slots // 3 - _START_MARGIN)
    held = [intern("\x00ia%x" % i) for i in range(count)]
    tracemalloc.start(1)
    while count < 2 * slots:  # a Python whose table grows otherwise: stop anyway
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        held.extend([intern("\x00ia%x" % i) for i in range(count, count + _GROW_BATCH)])
        count += _GROW_BATCH
        if tracemalloc.get_traced_memory()[1] - before >= _JUMP_PER_SLOT * slots:
            break
    tracemalloc.stop()
    _HELD_STRINGS = tuple(held)


def _interned() -> int:
    """How many strings the interned table holds (-1: this Python does not say, < 3.12)."""
    size = getattr(sys, "getunicodeinternedsize", None)
    return size() if size is not None else -1


# Frames of the probe's own (main, the walk, find_spec) above the nested imports: the
# recursion limit is raised by this much more than the frames added per import level.
_MARGIN = 8


# ----------------------------------------------------------------------------- the stack


# One import in progress on one thread is a list (cheaper to make than an object):
# [name as a JSON string (quoted once for both of its records), t0, rss0, heap0,
#  heap peak, cumulative ns of its children, their RSS growth, their heap growth,
#  the thread's stack it is on, its thread CPU time at its search (less the probe's
#  time so far, see below), its children's, the wall and CPU ns of the collections run
#  while it was the innermost import, how many of those were full (generation 2)
#  collections, its thread's probe time (below) and that time's wall ns at t0].
(_NAME, _T0, _RSS0, _HEAP0, _PEAK, _CHILD_NS, _CHILD_RSS, _CHILD_HEAP, _STACK, _CPU0,
 _CHILD_CPU, _GC, _GC_CPU, _GC_FULL, _SPENT, _SPENT0) = range(16)
# The probe's own time, per thread: [wall ns, CPU ns, busy]. The bookkeeping begin() and
# end() do (the RSS read, the record written, the scan of sys.modules in appeared(),
# ...) runs inside the clock reads of the imports in progress: begin()'s inside the
# new import's, end()'s inside its importer's, after the child's clock stopped. Each
# of those stretches is timed (wall and CPU) and added here, and every import's times
# leave out what was added while they ran: a module that churns sys.modules (eventlet's
# greendns patches and restores dnspython's modules, and each of its imports made the
# probe scan sys.modules) would otherwise carry the scans in its self time. `busy` is 1
# during such a stretch: a collection run then is the probe's too (not charged to the
# module, whose times leave it out already). A flag, not a count: a stretch that raised
# leaves it set only until the next one ends.
_WALL, _CPU_SPENT, _BUSY = range(3)
TYPE_CHECKING = False  # the typing module is not loaded at start-up: not imported here
if TYPE_CHECKING:
    from typing import Any

    _Frame = list[Any]


class _Probe:
    """The meta path finder at position 0, the per-thread import stacks and the records.

    One class does it all because every class the probe defines costs start-up time in
    every child. Records go to an append-only file, one os.write each (reopened by path
    if the target closed it); RSS comes from /proc/self/statm (Linux; 0 elsewhere).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.fd = _move_high(self._open())
        self.lock = _thread.allocate_lock()
        self.stacks: "dict[int, list[_Frame]]" = {}
        self.spent: "dict[int, list[int]]" = {}  # per thread: see _WALL above
        self.rss = False
        self.rss_fd = -1
        self.page = 4096
        self.heap = False
        self.t_start = 0
        self.main_ident = _get_ident()
        self.loader_names: "dict[type, str]" = {}
        # Frames the probe adds per nested import (see deepen); how far the recursion
        # limit is raised now, and the value it was set to (to notice the target's own).
        self.per_level = 1
        self.added = 0
        self.set_to = 0
        # sys.modules as the probe last knew it, and every module an import of ours
        # began: a name in sys.modules that is in neither got there another way.
        self.known: "set[str]" = set()
        self.begun: "set[str]" = set()
        self.main_file: "str | None" = None
        # Per thread, the imports whose finders are searching (find_spec): [name,
        # start, the frame once begun, stack depth, importlib's frame]. A finder that
        # imports while it searches (setuptools' _distutils_hack imports traceback when
        # asked for pip) does so for that import, which begins then: see adopt().
        self.searching: "dict[int, list[list[Any]]]" = {}
        # The collection in progress: its start (wall, CPU); see collected(). Per
        # thread, the collections charged since its last import began (see begin()).
        self.gc_t0 = -1  # when the running collection began (-1: none timed)
        self.gc_cpu0 = 0
        self.collections: "dict[int, list[tuple[int, int, int, int, Any]]]" = {}
        # The line sampler (flag `lines`; see start_sampling()): on, and per import in
        # progress (by id of its frame) [its frame, {line: [ns, samples]}]; line 0 holds
        # the time of the import outside its body's statements (loading its code). The
        # main thread's CPU time at the last tick, SIGPROF's handler before ours, _signal.
        self.sampling = False
        self.hot: "dict[int, list[Any]]" = {}
        self.last_tick = 0
        self.old_handler: "Any" = None
        self.signals: "Any" = None
        self.exec_wrapped = False  # os.exec* stop the timer first (_disarm_on_exec)
        self.sampled_since = 0  # wall ns (less a margin) when sampling first began

    # -------------------------------------------------------------------- records

    def _open(self) -> int:
        return os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def write(self, fields: "list[tuple[str, object]]") -> None:
        """Write a record given as (key, value) pairs (for the rare, irregular records)."""
        self.line("{" + ",".join('"%s":%s' % (k, _js(v)) for k, v in fields) + "}\n")

    def line(self, line: str) -> None:
        """Append one record; O_APPEND makes each write land whole, so no lock is needed."""
        # A path with undecodable bytes holds surrogates: as a JSON \u escape the line stays
        # valid UTF-8 (raw bytes would make the parent drop the whole record).
        data = line.encode("utf-8", "backslashreplace")
        try:
            _write(self.fd, data)
        except OSError:
            self.reopen_write(data)

    def reopen_write(self, data: bytes) -> None:
        """The target closed (or reused) our descriptor: reopen the file by path."""
        with self.lock:
            self.fd = self._open()
        _write(self.fd, data)

    # -------------------------------------------------------------------- memory

    def measure(self, rss: bool, heap: bool, interned: int = 0) -> None:
        """Start what the run measures besides time (RSS, the traced heap); starts the clock."""
        if rss:
            try:
                self.page = os.sysconf("SC_PAGE_SIZE")
                self.rss_fd = _move_high(os.open("/proc/self/statm", os.O_RDONLY))
            except (OSError, ValueError, AttributeError):
                self.rss_fd = -1
            # Without /proc (macOS, Windows) RSS is unmeasured, not a growth of 0 bytes.
            self.rss = self.rss_fd >= 0
        if heap:
            import _tracemalloc

            _warm_compiler()
            if interned:
                _grow_interned(_tracemalloc, interned)
            self.tm = _tracemalloc
            self.heap = True
            _tracemalloc.start(1)
        self.t_start = _clock()

    def heap_now(self) -> int:
        """Traced heap now; folds the peak since the last call into the top frame."""
        current, peak = self.tm.get_traced_memory()
        self.tm.reset_peak()
        stack = self.stacks.get(_get_ident())
        if stack and peak > stack[-1][_PEAK]:
            stack[-1][_PEAK] = peak
        return int(current)

    # -------------------------------------------------------------------- the collector

    def time_collector(self) -> bool:
        """Time the cyclic garbage collector's runs (False: this Python cannot)."""
        callbacks = getattr(gc, "callbacks", None)
        if not isinstance(callbacks, list):  # not CPython's collector
            return False
        callbacks.append(self.collected)
        return True

    def collected(self, phase: str, info: "dict[str, int]") -> None:
        """A gc.callbacks callback: charge each collection to the innermost import.

        Collections do not nest and run on the thread that triggered them, whose stack
        top is the module body that was allocating. One outside any import is nobody's.
        """
        if phase == "start":
            # Only a collection the allocations set off (the youngest generation's count
            # past its threshold) is a pause; a body's own `gc.collect()` is its work.
            if _gc_count()[0] > _gc_threshold()[0]:
                spent = self.spent.get(_get_ident())
                if spent is not None and spent[_BUSY]:
                    return  # inside the probe's own time, which no import keeps
                self.gc_t0 = _clock()
                self.gc_cpu0 = _cpu()
            return
        began = self.gc_t0
        if began < 0:  # (an explicit collection, or a `stop` whose `start` we missed)
            return
        self.gc_t0 = -1
        took = _clock() - began
        cpu = _cpu() - self.gc_cpu0
        full = 1 if info.get("generation") == 2 else 0
        ident = _get_ident()
        stack = self.stacks.get(ident)
        top = None
        if stack:
            top = stack[-1]
            top[_GC] += took
            top[_GC_CPU] += cpu
            top[_GC_FULL] += full
        elif not self.searching.get(ident):
            return
        # It may have run while the finders searched for an import that begins later:
        # that import's times hold it (see begin()).
        found = self.collections.get(ident)
        if found is None:
            found = self.collections[ident] = []
        elif len(found) >= 32:  # a long body collecting again and again: the latest matter
            del found[:16]
        found.append((began, took, cpu, full, top))

    def searched(self, collected: "list[tuple[int, int, int, int, Any]]",
                 stack: "list[_Frame]", frame: "_Frame") -> None:
        """Move to `frame` the collections run since its search began.

        They are in its wall and CPU time (both from its search, at t0), not its
        importer's.
        """
        top = stack[-1] if stack else None
        t0 = frame[_T0]
        for start, took, cpu, full, charged in collected:
            if start >= t0 and charged is top:
                if top is not None:
                    top[_GC] -= took
                    top[_GC_CPU] -= cpu
                    top[_GC_FULL] -= full
                frame[_GC] += took
                frame[_GC_CPU] += cpu
                frame[_GC_FULL] += full
        del collected[:]

    # -------------------------------------------------------------------- attribution

    def thread_name(self, ident: int) -> "str | None":
        threading = sys.modules.get("threading")
        if threading is not None:
            try:
                return str(threading.current_thread().name)
            except Exception:
                pass
        return "thread-%d" % ident

    def importer_outside_imports(self, start: "Any" = None) -> "str | None":
        """The module whose code made an import while no import was in progress.

        Walks out of the probe and the import machinery (importlib, runpy) from `start`
        (default: the caller) to the first frame of real code; None when the probe
        itself imported a target.
        """
        frame = sys._getframe(1) if start is None else start
        while frame is not None:
            if frame.f_code is _import.__code__:
                return None
            g = frame.f_globals
            name = g.get("__name__")
            if g is _GLOBALS or (isinstance(name, str) and (
                name in _TRANSPARENT or name.startswith("importlib._bootstrap")
            )):
                frame = frame.f_back
                continue
            if name == "__main__" and self.main_file is None:
                # The file run as __main__ (script, -m): the same file imported by
                # name is executed twice; the parent needs to know which it was.
                main_file = g.get("__file__")
                if isinstance(main_file, str):
                    self.main_file = main_file
                    self.write([("e", "main"), ("o", main_file)])
            return name if isinstance(name, str) else None
        return None

    # -------------------------------------------------------------------- other loads

    def appeared(self, importer: str) -> None:
        """Record modules that reached sys.modules without passing through our finder.

        mypyc's shared library initialises the modules compiled with the one imported
        and stores them in sys.modules itself; plugin loaders call `exec_module` and
        store the result by hand; packages alias modules under a second name. Called
        only when sys.modules and `known` differ in size (a failed import's removal
        makes that happen too), so the hot path pays two len() calls. `importer` (as
        JSON) is the import in progress while they appeared: their cost is inside its
        own. `a` names the module the same object is already known as (an alias).

        A package that churns sys.modules (eventlet's greendns removes and restores
        dnspython's modules around each of its imports) has it called at nearly every
        import, so it loops in Python over what is new only: which names are new comes
        from set operations that run in C, the order they came in from the end of the
        dict (where new keys go), and the whole dict is walked in Python only to name
        the module a new one is an alias of. (Its time is the probe's, left out of every
        import's anyway: see _WALL.)
        """
        modules = sys.modules
        known = self.known
        try:
            current = set(modules)
            new = current - known
            if new:
                new -= self.begun
            if not new:
                self.known = current
                return
            fresh = _in_order(modules, new)
            names: "dict[int, str]" = {}
            if any(issubclass(type(m), _ModuleType) for _, m in fresh):
                for key, module in list(modules.items()):
                    if key in known:
                        names.setdefault(id(module), key)
        except (RuntimeError, KeyError):  # another thread changed it meanwhile: next time
            return
        if fresh:
            for key, module in fresh:
                # Its type and its own dict only: an alias or proxy object stored there
                # (apipkg's AliasModule, a lazy-object-proxy) imports its target when
                # anything reads an attribute, even `__class__` (isinstance's fallback),
                # which `import` alone would not do: it would load modules the run does
                # not, or recurse into this call through the import it starts.
                if not issubclass(type(module), _ModuleType):  # typing.io: a class
                    continue
                own = _module_dict(module) or {}
                spec = own.get("__spec__")
                loader = getattr(spec, "loader", None) or own.get("__loader__")
                if loader is None:
                    loader_name = None
                else:
                    loader_name = (loader if isinstance(loader, type) else type(loader)).__name__
                origin = getattr(spec, "origin", None) or own.get("__file__")
                self.line('{"e":"inj","n":%s,"i":%s,"o":%s,"l":%s,"a":%s,"p":%s}\n' % (
                    _q(key if isinstance(key, str) else str(key)), importer,
                    _q(origin) if type(origin) is str else "null", _q(loader_name),
                    _q(names.get(id(module))),
                    "true" if own.get("__path__") is not None else "false"))
                names.setdefault(id(module), key)
        self.known = current

    def loop_check(self, name: str) -> None:
        """An import began outside any other: if an asyncio loop runs on this thread, say where.

        Only called once asyncio is loaded (never imported here). The loop is blocked for
        the whole of this import: the parent takes the time from its `mod` record.
        """
        running = getattr(sys.modules.get("asyncio"), "_get_running_loop", None)
        try:
            if running is None or running() is None:
                return
        except Exception:
            return
        site = None
        coroutine = None
        frame = sys._getframe(2)
        while frame is not None:
            g = frame.f_globals
            module = g.get("__name__")
            if site is None and g is not _GLOBALS and not (isinstance(module, str) and (
                    module in _TRANSPARENT or module.startswith("importlib._bootstrap"))):
                site = frame
            if site is not None and frame.f_code.co_flags & _CO_ASYNC:
                coroutine = frame
                break
            frame = frame.f_back  # type: ignore[assignment]
        fields: "list[tuple[str, object]]" = [("e", "aio"), ("n", name)]
        if site is not None:
            fields += [("f", site.f_code.co_filename), ("l", site.f_lineno),
                       ("fn", site.f_code.co_name)]
        if coroutine is not None:
            fields += [("cf", coroutine.f_code.co_filename), ("cl", coroutine.f_lineno),
                       ("co", coroutine.f_code.co_name)]
        self.write(fields)

    # -------------------------------------------------------------------- recursion limit

    def deepen(self, depth: int) -> None:
        """Raise the recursion limit by the frames the probe adds to `depth` nested imports.

        Without this a chain of imports that fits under the limit without the profiler
        hits RecursionError under it. The target's own setrecursionlimit is kept as the
        base the probe's frames are added to.
        """
        current = sys.getrecursionlimit()
        base = current - self.added if current == self.set_to else current
        added = (depth + 1) * self.per_level + 2 * _MARGIN
        try:
            sys.setrecursionlimit(base + added)
        except (RecursionError, ValueError):
            return
        self.added = added
        self.set_to = base + added

    def shallow(self) -> None:
        """No import is in progress on any thread: give the target back its own limit."""
        for stack in list(self.stacks.values()):
            if stack:
                return
        added, self.added = self.added, 0
        if sys.getrecursionlimit() == self.set_to:  # else the target set its own meanwhile
            try:  # noqa: SIM105
                sys.setrecursionlimit(self.set_to - added)
            except (RecursionError, ValueError):
                pass

    # -------------------------------------------------------------------- the hot path
    # begin() and end() run twice per import: the RSS read and the record write are
    # inlined rather than calls, which is measurably cheaper (benchmarks/bench_profile.py).

    def adopt(self, searches: "list[list[Any]]", stack: "list[_Frame]") -> None:
        """Begin the import whose finders' search is making the import now beginning.

        An import made while the finders look for module M (not yet begun: a finder of
        another tool imports from its find_spec) is part of M's import, as
        `-X importtime` counts it: M begins first, so it becomes M's child and M's self
        time leaves it out (it held it, and the child's time was counted twice).
        """
        depth = len(stack)
        for entry in reversed(searches):
            if entry[2] is None and entry[3] == depth:
                entry[2] = True  # begun below: never adopted twice
                entry[2] = self.begin(entry[0], entry[1], entry[5], entry[4])
                return

    def begin(self, name: str, t0: int, cpu0: int, caller: "Any" = None) -> "_Frame":
        """An import begins: its clocks started at its search (wall t0, thread CPU cpu0)."""
        ident = _get_ident()
        stack = self.stacks.get(ident)
        if stack is None:
            stack = self.stacks[ident] = []
        spent = self.spent.get(ident)
        if spent is None:
            spent = self.spent[ident] = [0, 0, 0]
        # The probe's time so far: as at t0, but for what an import adopted below adds.
        spent0 = spent[_WALL]
        spent0_cpu = spent[_CPU_SPENT]
        searches = self.searching.get(ident)
        if searches:
            self.adopt(searches, stack)
        # From here to the return: the probe's time (see _WALL).
        b0 = _clock()
        b0_cpu = _cpu()
        spent[_BUSY] = 1
        rss0 = 0
        if self.rss_fd >= 0:
            # The target may have closed (and reused) the descriptor: never raise here.
            # (contextlib.suppress would be an import and a call on the hot path.)
            try:  # noqa: SIM105
                rss0 = int(_pread(self.rss_fd, 64, 0).split(None, 2)[1]) * self.page
            except (OSError, ValueError, IndexError):
                pass
        frame: "_Frame" = [_q(name), t0, rss0, 0, 0, 0, 0, 0, stack, cpu0 - spent0_cpu, 0, 0,
                           0, 0, spent, spent0]
        collected = self.collections.get(ident)
        if collected:
            self.searched(collected, stack, frame)
        if self.heap:
            frame[_HEAP0] = frame[_PEAK] = self.heap_now()
        importer = stack[-1][_NAME] if stack else _q(self.importer_outside_imports(caller))
        if len(sys.modules) != len(self.known):  # someone else put modules there
            self.appeared(importer)
        self.known.add(name)
        self.begun.add(name)
        if not stack and "asyncio" in sys.modules:
            self.loop_check(name)
        stack.append(frame)
        if len(stack) * self.per_level + _MARGIN > self.added:
            self.deepen(len(stack))
        thread = "null" if ident == self.main_ident else _q(self.thread_name(ident))
        data = (f'{{"e":"begin","n":{frame[_NAME]},"i":{importer},"d":{len(stack) - 1},'
                f'"s":{t0 - self.t_start - spent0},"th":{thread}}}\n'
                ).encode("utf-8", "backslashreplace")
        try:
            _write(self.fd, data)
        except OSError:
            self.reopen_write(data)
        spent[_BUSY] = 0
        spent[_CPU_SPENT] += _cpu() - b0_cpu
        spent[_WALL] += _clock() - b0
        return frame

    def end(  # noqa: PLR0912, PLR0915  (one flat function: a call per helper would cost per import)
        self, frame: "_Frame", spec: "object", loader: "object", error: "str | None",
    ) -> None:
        t1 = _clock()
        cpu1 = _cpu()
        rss1 = 0
        if self.rss_fd >= 0:
            try:  # noqa: SIM105
                rss1 = int(_pread(self.rss_fd, 64, 0).split(None, 2)[1]) * self.page
            except (OSError, ValueError, IndexError):
                pass
        heap1 = self.heap_now() if self.heap else 0
        (name, t0, rss0, heap0, peak, child_ns, child_rss, child_heap, stack, cpu0,
         child_cpu, collected, collected_cpu, full, spent, spent0) = frame
        # Its times leave out the probe's, from t0 to t1 (see _WALL); the probe's time
        # from t1 to the return below is its importer's, and left out of it likewise.
        spent[_BUSY] = 1
        cumulative = t1 - t0 - (spent[_WALL] - spent0)
        cpu = cpu1 - spent[_CPU_SPENT] - cpu0
        if stack and stack[-1] is frame:
            stack.pop()
        else:  # keep the stack balanced even if an import never reached us to finish
            while stack and stack[-1] is not frame:
                stack.pop()
            if stack:
                stack.pop()
        if not stack and self.added:
            self.shallow()
        if len(sys.modules) != len(self.known):  # see appeared()
            self.appeared(name)
        grown = rss1 - rss0
        if stack:
            parent = stack[-1]
            parent[_CHILD_NS] += cumulative
            parent[_CHILD_CPU] += cpu
            parent[_CHILD_RSS] += grown
            if self.heap:
                parent[_CHILD_HEAP] += heap1 - heap0
                parent[_PEAK] = max(parent[_PEAK], peak)
        extra = ""
        if collected:  # absent: none ran (the `start` record says whether they were timed)
            extra = f',"g":{collected},"gc":{collected_cpu},"gf":{full}'
        if self.rss:
            extra += f',"r":{grown},"rs":{grown - child_rss}'
        if self.heap:
            extra += (f',"h":{heap1 - heap0},"hs":{heap1 - heap0 - child_heap},'
                      f'"hp":{peak - heap0}')
        if isinstance(loader, type):  # a class used as its own loader (BuiltinImporter)
            loader_name = loader.__name__
        else:
            kind = type(loader)
            cached = self.loader_names.get(kind)
            if cached is None:
                cached = self.loader_names[kind] = kind.__name__
            loader_name = cached
        origin = getattr(spec, "origin", None)
        quoted = _q(origin) if type(origin) is str else "null"
        package = "false" if getattr(spec, "submodule_search_locations", None) is None else "true"
        failed = "null" if error is None else _q(error)
        data = (f'{{"e":"mod","n":{name},"c":{cumulative},"f":{cumulative - child_ns},'
                f'"fc":{cpu - child_cpu},"o":{quoted},"l":"{loader_name}","p":{package},'
                f'"x":{failed}{extra}}}\n'
                ).encode("utf-8", "backslashreplace")
        try:
            _write(self.fd, data)
        except OSError:
            self.reopen_write(data)
        if self.sampling:
            self.lines_of(frame, spec)
        spent[_BUSY] = 0
        spent[_CPU_SPENT] += _cpu() - cpu1
        spent[_WALL] += _clock() - t1

    # -------------------------------------------------------------------- the line sampler

    def start_sampling(self) -> None:
        """Sample which line the main thread's module bodies run, every _SAMPLE_S of CPU.

        Only in a run whose times are not reported (the warm-up). A profiling timer
        (ITIMER_PROF: it counts CPU time, so a sleeping body is not sampled) sends SIGPROF;
        its handler runs in the main thread between two bytecodes, on the frame that
        was running: it walks its own thread's live frames, never another thread's
        (reading a running thread's frames from a sampler thread crashed CPython 3.11
        once in about 150 runs of transformers). Imports on other threads are not
        sampled. The handler restarts the system calls it interrupts (SA_RESTART).
        """
        # The builtin module behind `signal`, loaded at start-up: nothing is imported.
        _signal: "Any" = sys.modules.get("_signal")
        setitimer = getattr(_signal, "setitimer", None)
        if setitimer is None:  # Windows: no profiling timer
            return
        try:
            self.old_handler = _signal.signal(_signal.SIGPROF, self.tick)
        except (OSError, ValueError, AttributeError):  # not the main thread, no SIGPROF
            return
        self.signals = _signal
        self.last_tick = _cpu()
        if not self.sampled_since:
            # A file's time stamp comes from a coarser clock (a kernel tick behind).
            self.sampled_since = time.time_ns() - 20_000_000
        self.sampling = True
        if not self.exec_wrapped:
            self.exec_wrapped = True
            _disarm_on_exec(self)
        try:
            _signal.siginterrupt(_signal.SIGPROF, False)
            setitimer(_signal.ITIMER_PROF, _SAMPLE_S, _SAMPLE_S)
        except (OSError, ValueError, AttributeError):
            self.stop_sampling()

    def stop_sampling(self) -> None:
        """Stop the timer and give SIGPROF its handler back."""
        if self.sampling:
            self.sampling = False
            _signal = self.signals
            try:
                _signal.setitimer(_signal.ITIMER_PROF, 0, 0)
                _signal.signal(_signal.SIGPROF, self.old_handler)
            except (OSError, ValueError, TypeError):
                pass

    def tick(self, signum: int, frame: "Any") -> None:
        """SIGPROF's handler: charge the main thread's CPU time since the last tick.

        It runs on top of the target's running `frame` (which may be a frame or two
        under the recursion limit): one frame, calling no Python function. The time goes
        to the line of the main thread's innermost import's module body (`<module>`)
        running, found by walking up to the first of our loaders: the outermost
        `<module>` frame below it, if its module is that loader's. What the body calls
        runs on its behalf (a function, an exec() of a string or of code compiled for its
        file, a module loaded by hand with exec_module); an import it makes begins one
        of its own (its loader is the first reached). Without a body frame the import is
        loading its code (line 0). A sample whose frames reach none of our loaders (a
        greenlet's own stack) is nobody's: not recorded. Nor is the time the finders
        search for a module: that module's, which has not begun.
        """
        now = _cpu()
        took = now - self.last_tick
        self.last_tick = now
        stack = self.stacks.get(self.main_ident)
        if not stack or took <= 0 or not self.sampling:
            return
        searches = self.searching.get(self.main_ident)
        if searches and searches[-1][2] is None:
            return
        spent = self.spent.get(self.main_ident)
        if spent is not None and spent[_BUSY]:  # the probe's own time: nobody's
            return
        body = None
        while frame is not None:
            code = frame.f_code
            if code in _LOADER_CODES:
                break
            if code.co_name == "<module>":
                body = frame
            frame = frame.f_back
        else:
            return
        line = 0
        if body is not None:
            loader = frame.f_locals.get("self")
            if body.f_globals.get("__name__") == getattr(loader, "_name", None):
                line = body.f_lineno or 0
        top = stack[-1]
        entry = self.hot.get(id(top))
        if entry is None:
            entry = self.hot[id(top)] = [top, {}]
        counts = entry[1]
        slot = counts.get(line)
        if slot is None:
            counts[line] = [took, 1]
        else:
            slot[0] += took
            slot[1] += 1

    def lines_of(self, frame: "_Frame", spec: "object") -> None:
        """Write the `ln` record of an import that ended: the time charged to each line.

        Line 0 (loading the code) is left out when this run wrote the module's .pyc:
        it compiled the source, which the runs that read that .pyc do not do (a
        large module's compilation took more than half of its sampled time).
        """
        entry = self.hot.pop(id(frame), None)
        if entry is None:
            return
        if 0 in entry[1] and self.wrote_code(spec):
            del entry[1][0]
        counts = sorted(entry[1].items(), key=lambda item: -item[1][0])
        total = sum(ns for ns, _ in entry[1].values())
        samples = sum(n for _, n in entry[1].values())
        shown = ",".join("[%d,%d,%d]" % (line, ns, n) for line, (ns, n) in counts[:_LINES_KEPT])
        self.line('{"e":"ln","n":%s,"t":%d,"k":%d,"l":[%s]}\n' % (
            frame[_NAME], total, samples, shown))

    def wrote_code(self, spec: "object") -> bool:
        """Whether the module's cached bytecode (.pyc) was written since sampling began."""
        cached = getattr(spec, "cached", None)
        if not isinstance(cached, str):
            return False
        try:
            return os.stat(cached).st_mtime_ns >= self.sampled_since
        except (OSError, ValueError):
            return False

    # -------------------------------------------------------------------- the finder

    def first_again(self, meta_path: "list[Any]") -> None:
        """A finder was put before ours (pytest's assertion rewriter, say): move ours first.

        The imports that finder serves are then measured too. The others keep their
        order, and ours only asks those after it, so what each import finds is unchanged.
        Not when that finder is the one asking (it wraps the others, ours included):
        moved before it, ours would ask it back, and round it would go.
        """
        try:
            # first_again <- search <- find_spec <- importlib's _find_spec
            if sys._getframe(3).f_code is not _FIND_SPEC:
                return
        except ValueError:
            return
        for index, finder in enumerate(meta_path):
            if finder is self:
                del meta_path[index]
                meta_path.insert(0, self)
                return

    def ask_all(self, fullname: str, path: "object", target: "object") -> "object":
        """Every finder but ours, in order: the first spec found (or None)."""
        for finder in list(sys.meta_path):
            find = getattr(finder, "find_spec", None)
            if find is not None and finder is not self:  # type: ignore[comparison-overlap]
                spec = find(fullname, path, target)
                if spec is not None:
                    return spec
        return None

    def find_spec(self, fullname: str, path: "object" = None, target: "object" = None) -> "object":
        """Ask the other finders for the spec and wrap its loader (sys.meta_path[0])."""
        t0 = _clock()
        # An import asks through importlib's _find_spec, called by _find_and_load_unlocked.
        # importlib.util.find_spec (runpy, pkgutil, LazyLoader recipes) is no import: the
        # spec goes back exactly as found, so whoever holds it (the __main__ of `-m`, too)
        # sees the real loader, and a module only looked for is not reported.
        try:
            caller: "Any" = sys._getframe(1)
        except ValueError:  # called with no Python frame above: not the import system
            caller = None
        importing = caller is not None and (
            (caller.f_code is _FIND_SPEC and caller.f_back.f_code is _FIND_AND_LOAD)
            or _importing(caller))
        searches: "list[list[Any]] | None" = None
        cpu0 = 0
        if importing:
            # The search is the import's CPU time too, as it is its wall time: else the
            # importer's CPU self time held its imports' searches (eventlet's greendns:
            # 5-6 ms of its 21, for 100 imports searched along a long sys.path).
            cpu0 = _cpu()
            ident = _get_ident()
            stack = self.stacks.get(ident)
            searches = self.searching.get(ident)
            if searches is None:
                searches = self.searching[ident] = []
            searches.append([fullname, t0, None, len(stack) if stack else 0, caller, cpu0])
        try:
            spec = self.search(fullname, path, target)
        except BaseException as exc:
            # A finder raised after one of its imports began this module: it ends here,
            # failed, or it would stay open and take every later import as its child.
            searching = searches.pop() if searches is not None else None
            if searching is not None and searching[2] is not None:
                self.end(searching[2], None, None, _describe(exc))
            raise
        # One thread's searches end in the order they began: ours is the last.
        searching = searches.pop() if searches is not None else None
        if spec is None or searching is None:
            early = searching[2] if searching is not None else None
            if early is not None:  # a finder imported for it, and then none found it
                self.end(early, None, None, f"ModuleNotFoundError: No module named {fullname!r}")
            return spec
        early = searching[2]
        loader = getattr(spec, "loader", None)
        if loader is None or (early is not None and fullname in sys.modules):
            # A namespace package before 3.11: importlib supplies the loader later. Or
            # a finder imported the module itself while searching: importlib uses it.
            self.end(early or self.begin(fullname, t0, cpu0, caller), spec, loader, None)
            return spec
        if hasattr(loader, "exec_module"):
            spec.loader = _TimedLoader(loader, fullname, t0, cpu0, early)
        elif hasattr(loader, "load_module"):
            spec.loader = _TimedLegacyLoader(loader, fullname, t0, cpu0, early)
        elif early is not None:
            self.end(early, spec, loader, None)
        return spec

    def search(self, fullname: str, path: "object", target: "object") -> "Any":
        """The spec the finders after ours give (or None)."""
        # The finders after ours: those before it were asked already, and one that asks
        # the others (ours too) from its own find_spec must not be asked back.
        spec: "Any" = None
        behind = False  # past our own entry (identity checks: this runs on every import)
        meta_path = sys.meta_path
        if meta_path and meta_path[0] is not self:  # type: ignore[comparison-overlap]
            self.first_again(meta_path)
        for finder in meta_path:
            if not behind:
                behind = finder is self  # type: ignore[comparison-overlap]
                continue
            find = getattr(finder, "find_spec", None)
            if find is not None:
                spec = find(fullname, path, target)
                if spec is not None:
                    break
        if spec is None and not behind:  # not on sys.meta_path any more, yet asked
            spec = self.ask_all(fullname, path, target)
        return spec


_PROBE: "_Probe | None" = None


#: What `_in_order` reads for a key another thread removed meanwhile.
_GONE = object()


def _in_order(modules: "Any", new: "set[Any]") -> "list[tuple[Any, Any]]":
    """The (name, module) items of sys.modules named in `new`, in its order.

    New keys go at the end of a dict: walked from there, a dict is read only as far back
    as its oldest new key. A mapping of another kind is read whole, in its own order.
    """
    if type(modules) is not dict:
        return [(k, m) for k, m in list(modules.items()) if k in new]
    fresh = []
    left = len(new)
    for key in reversed(modules):
        if key in new:
            # (Gone meanwhile: another thread removed it between the two reads, which on
            # Python 3.9 raised KeyError into the user's import: rev28.)
            module = modules.get(key, _GONE)
            if module is not _GONE:
                fresh.append((key, module))
            left -= 1
            if not left:
                break
    fresh.reverse()
    return fresh


def _importing(caller: "object") -> bool:
    """Whether importlib's import system called the finder, through other finders too.

    A tool may put a finder of its own above ours that asks ours from its find_spec:
    up the stack to the nearest _find_spec, and whom that was called by.
    """
    if _FIND_SPEC is None:  # an importlib we do not know: treat every call as an import
        return True
    frame = caller
    for _ in range(8):
        if frame is None:
            return False
        if frame.f_code is _FIND_SPEC:  # type: ignore[attr-defined]
            back = frame.f_back  # type: ignore[attr-defined]
            return back is not None and back.f_code is _FIND_AND_LOAD
        frame = frame.f_back  # type: ignore[attr-defined]
    return False


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return type(exc).__name__ + (": " + text if text else "")


class _TimedLoader:
    """Stands in for a spec's loader until the module's code is about to run.

    Only the import system sees it (no attribute forwarding needed); the module then
    gets the real loader back.
    """

    __slots__ = ("_cpu0", "_frame", "_name", "_real", "_t0")

    def __init__(self, real: "object", name: str, t0: int, cpu0: int,
                 frame: "_Frame | None") -> None:
        self._real = real
        self._name = name
        self._t0 = t0
        self._cpu0 = cpu0
        self._frame = frame  # begun already when a finder imported while searching

    def create_module(self, spec: "object") -> "object":
        assert _PROBE is not None
        if self._frame is None:
            self._frame = _PROBE.begin(self._name, self._t0, self._cpu0)
        create = getattr(self._real, "create_module", None)
        if create is None:
            return None
        try:
            return create(spec)
        except BaseException as exc:
            self._finish(spec, _describe(exc))
            raise

    def exec_module(self, module: "object") -> None:
        assert _PROBE is not None
        real = self._real
        spec = getattr(module, "__spec__", None)
        if spec is not None and getattr(spec, "loader", None) is self:
            spec.loader = real
        if getattr(module, "__loader__", None) is self:
            module.__loader__ = real  # type: ignore[attr-defined]
        frame = self._frame
        if frame is None:  # create_module was not called (should not happen)
            frame = _PROBE.begin(self._name, self._t0, self._cpu0)
        self._frame = None
        try:
            real.exec_module(module)  # type: ignore[attr-defined]
        except BaseException as exc:
            _PROBE.end(frame, spec, real, _describe(exc))
            raise
        _PROBE.end(frame, spec, real, None)

    def _finish(self, spec: "object", error: "str | None") -> None:
        frame, self._frame = self._frame, None
        if frame is not None and _PROBE is not None:
            _PROBE.end(frame, spec, self._real, error)


class _TimedLegacyLoader:
    """For loaders that only have the old `load_module` protocol."""

    def __init__(self, real: "object", name: str, t0: int, cpu0: int,
                 frame: "_Frame | None") -> None:
        self._real = real
        self._name = name
        self._t0 = t0
        self._cpu0 = cpu0
        self._frame = frame

    def __getattr__(self, attr: str) -> "object":
        return getattr(self._real, attr)

    def load_module(self, fullname: str) -> "object":
        assert _PROBE is not None
        frame = self._frame or _PROBE.begin(self._name, self._t0, self._cpu0)
        self._frame = None
        spec = None
        try:
            module = self._real.load_module(fullname)  # type: ignore[attr-defined]
        except BaseException as exc:
            _PROBE.end(frame, spec, self._real, _describe(exc))
            raise
        spec = getattr(module, "__spec__", None)
        if spec is not None and getattr(spec, "loader", None) is self:
            spec.loader = self._real
        if getattr(module, "__loader__", None) is self:
            module.__loader__ = self._real
        _PROBE.end(frame, spec, self._real, None)
        return module



# ----------------------------------------------------------------------------- cache hits


def _hit_importer(channel: _Probe, name: str) -> str:
    """The module (as a JSON string) whose import an import statement of `name` runs in.

    A function of `name` called by another module's body (sqlalchemy's `__init__` calls
    `util.preloaded.import_prefix()`) imports during that other module's import, not
    during `name`'s: the hit belongs to the innermost import in progress on this
    thread. `name` keeps it while its own import is in progress, and when no import is
    (a program's run-time import).
    """
    quoted = _q(name)
    stack = channel.stacks.get(_get_ident())
    if not stack:
        return quoted
    for frame in stack:
        if frame[_NAME] == quoted:
            return quoted
    return str(stack[-1][_NAME])


def _install_hits(channel: _Probe) -> None:
    """Record each (importer, module) pair once when an import finds it already loaded."""
    import builtins

    original = builtins.__import__
    seen: "set[tuple[str, str]]" = set()
    modules = sys.modules

    def _resolve(name: str, globals_: "dict[str, object] | None", level: int) -> "str | None":
        if level == 0:
            return name
        if not globals_:
            return None
        package = globals_.get("__package__")
        if not isinstance(package, str):
            return None
        bits = package.rsplit(".", level - 1)
        if len(bits) < level:
            return None
        base = bits[0]
        return base + "." + name if name else base

    def __import__(name: str, globals: "object" = None, locals: "object" = None,
                   fromlist: "object" = (), level: int = 0) -> "object":
        absolute = None
        if isinstance(globals, dict):
            try:
                absolute = _resolve(name, globals, level)
            except Exception:
                absolute = None
        before = absolute is not None and absolute in modules
        result = original(name, globals, locals, fromlist, level)  # type: ignore[arg-type]
        if absolute is not None and isinstance(globals, dict):
            importer = globals.get("__name__")
            if isinstance(importer, str):
                wanted = []
                if before:
                    wanted.append(absolute)
                if fromlist:
                    for item in fromlist:  # type: ignore[attr-defined]
                        sub = absolute + "." + item if isinstance(item, str) else None
                        if sub is not None and sub in modules:
                            wanted.append(sub)
                for target in wanted:
                    key = (importer, target)
                    if key not in seen and target != importer:
                        seen.add(key)
                        by = _hit_importer(channel, importer)
                        channel.line('{"e":"hit","n":' + _q(target) + ',"i":' + by + "}\n")
        return result

    _as_importlib(__import__)
    builtins.__import__ = __import__  # type: ignore[assignment]


def _disarm_on_exec(channel: _Probe) -> None:
    """Make os.execv and os.execve (which the other os.exec* call) stop the line sampler first.

    The profiling timer and the pending SIGPROF outlive an exec: the program run in the
    probe's place would be ended by the signal ("Profiling timer expired"). If the exec
    fails, sampling goes on.
    """
    for name in ("execv", "execve"):
        real = getattr(os, name, None)
        if real is None:
            continue

        def wrapper(*args: "Any", __real: "Any" = real, **kwargs: "Any") -> "Any":
            sampling = channel.sampling
            channel.stop_sampling()
            try:
                return __real(*args, **kwargs)
            finally:  # it returns only if it failed
                if sampling:
                    channel.start_sampling()

        wrapper.__name__ = wrapper.__qualname__ = name
        wrapper.__doc__ = real.__doc__
        setattr(os, name, wrapper)


# ----------------------------------------------------------------------------- failures

_TRACEBACK_FRAMES = 40  # the innermost ones: where it was raised matters most


def _failure_fields(exc: BaseException) -> "list[tuple[str, object]]":
    """Where an exception that reached the top came from, for the `fail` record.

    `o`: the module whose loading it propagated out of first (the innermost of our
    loaders on its traceback; a module that failed earlier and was caught is not on
    it), `tb`: its frames as [file, line, function] without the import machinery's and
    ours, `mn`: the module that was not found, if a ModuleNotFoundError caused it.
    The traceback module is not used: it would be imported (and measured) here.
    """
    origin = None
    frames: "list[list[object]]" = []
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code in _LOADER_CODES:
            loader = tb.tb_frame.f_locals.get("self")
            origin = getattr(loader, "_name", origin)
        elif tb.tb_frame.f_globals is not _GLOBALS and not code.co_filename.startswith(
                "<frozen "):
            frames.append([code.co_filename, tb.tb_lineno, code.co_name])
        tb = tb.tb_next
    missing = None
    seen = 0
    cause: "BaseException | None" = exc
    while cause is not None and seen < 8:  # `raise ImportError(...) from exc` included
        if isinstance(cause, ModuleNotFoundError) and cause.name:
            missing = cause.name
            break
        cause = cause.__cause__ or cause.__context__
        seen += 1
    return [("o", origin), ("tb", frames[-_TRACEBACK_FRAMES:]), ("mn", missing)]


# ----------------------------------------------------------------------------- main


def _import(name: str) -> None:
    __import__(name)


def _run_imports(channel: _Probe, targets: "list[str]", tree: bool) -> bool:
    """Import each target in order; True if all succeeded.

    With `tree`, the targets are every module of the packages as the parent's static
    walk listed them, parents first (the probe does not walk: one definition of a
    package's modules, `importaudit.static.discover`). A failure does not stop the
    walk, but the submodules of a module that failed are not tried.
    """
    ok = True
    failed: "list[str]" = []
    for name in targets:
        if failed and any(name.startswith(f + ".") for f in failed):
            continue
        try:
            _import(name)
        except BaseException as exc:
            ok = False
            kind = "import-error"
            if isinstance(exc, ModuleNotFoundError) and exc.name is not None and (
                name == exc.name or name.startswith(exc.name + ".")
            ):
                kind = "not-found"
            elif isinstance(exc, SystemExit):
                kind = "exit"
            elif isinstance(exc, KeyboardInterrupt):
                raise
            channel.write([("e", "fail"), ("k", kind), ("n", name), ("m", _describe(exc)),
                           *_failure_fields(exc)])
            if not tree:
                return False
            failed.append(name)
    return ok


def _run_program(channel: _Probe, mode: str, args: "list[str]") -> int:
    """Run a program as python -m / script / -c would; return its exit status."""
    code = 0
    try:
        if mode == "module":
            import runpy

            sys.argv = list(args)
            runpy.run_module(args[0], run_name="__main__", alter_sys=True)
        elif mode == "script":
            import runpy

            sys.argv = list(args)
            sys.path[0] = os.path.dirname(os.path.abspath(args[0]))
            runpy.run_path(args[0], run_name="__main__")
        else:
            sys.argv = ["-c", *args[1:]]
            # A fresh __main__ (the probe's own globals must stay intact under it).
            main = type(sys)("__main__")
            main.__dict__["__builtins__"] = __builtins__
            sys.modules["__main__"] = main
            exec(compile(args[0], "<string>", "exec"), main.__dict__)
    except SystemExit as exc:
        value = exc.code
        if value is None:
            code = 0
        elif isinstance(value, int):
            code = value
        else:
            sys.stderr.write(str(value) + "\n")
            code = 1
    except BaseException as exc:
        channel.write([("e", "fail"), ("k", "program-error"), ("n", args[0] if args else None),
                       ("m", _describe(exc)), *_failure_fields(exc)])
        # The program is over: what printing its traceback imports is not its cost
        # (nor, after a Ctrl-C, part of what it measured before the signal).
        finders: "list[object]" = sys.meta_path  # type: ignore[assignment]
        if channel in finders:
            finders.remove(channel)
        import traceback

        traceback.print_exc()
        code = 1
    return code


def main() -> None:
    """Parse the arguments, install the finder, import or run the target, exit."""
    global _PROBE  # noqa: PLW0603  (set once; the loaders read it on the hot path)
    records, mode, flag_text, extra = sys.argv[1:5]
    args = sys.argv[5:]
    flags = set(flag_text.split(",")) if flag_text else set()
    probe = _Probe(records)
    # Frames added per nested import: our loader's exec_module, and with `hits` the
    # __import__ wrapper (before 3.11 its call of the real one counts a level too).
    probe.per_level = 1 + ((2 if sys.version_info < (3, 11) else 1) if "hits" in flags else 0)

    # sys.path as `python -c` / `-m` would have it: cwd first, not the probe's folder.
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or ".") == here:
        sys.path[0] = "" if mode in ("import", "code") else os.getcwd()
    if extra:
        sys.path[0:0] = [p for p in extra.split(os.pathsep) if p]
    sys.argv = [sys.argv[0]]

    # Everything loaded so far (start-up, .pth files, the probe's few imports) is
    # preloaded: the parent lists it and attributes none of it.
    impl = sys.implementation
    version = sys.version_info
    # Charged only to imports in progress: none is until the finder is in place.
    collector = "true" if probe.time_collector() else "false"
    probe.line(
        f'{{"e":"start","v":"{version[0]}.{version[1]}.{version[2]}","impl":{_q(impl.name)},'
        f'"tag":{_q(impl.cache_tag)},"exe":{_q(sys.executable)},"plat":{_q(sys.platform)},'
        f'"dwb":{"true" if sys.dont_write_bytecode else "false"},"gcb":{collector},'
        f'"pre":{_q(" ".join(sys.modules))}}}\n')
    if "hits" in flags:
        _install_hits(probe)
    room = 0
    for flag in flags:
        if flag.startswith("interned="):
            room = int(flag[9:])
    probe.measure("rss" in flags, "heap" in flags, room)
    interned0 = _interned()
    _PROBE = probe
    probe.known = set(sys.modules)
    sys.meta_path.insert(0, probe)  # type: ignore[arg-type]
    if "lines" in flags:
        probe.start_sampling()
    t0 = _clock()
    status = 0
    if mode == "import":
        status = 0 if _run_imports(probe, args, "tree" in flags) else 1
    else:
        status = _run_program(probe, mode, args)
        probe.write([("e", "exit"), ("code", status)])
    probe.stop_sampling()
    # How many strings the run interned (3.12+): the heap run's table is grown for them.
    interned = _interned()
    probe.write([("e", "done"), ("wall", _clock() - t0),
                 ("ni", interned - interned0 if interned >= 0 else None)])
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass
    # Skip interpreter finalisation: atexit handlers of the target are not part of import.
    os._exit(status if mode != "import" else 0)


def _as_importlib(function: "Any") -> None:
    """Give `function`'s code a file name that warnings skip, as they skip importlib's.

    A module body that warns with stacklevel=2 (a deprecated module: tqdm._tqdm,
    asyncore) names the module that imported it: CPython skips frames whose file name
    holds both "importlib" and "_bootstrap". Our loader's `exec_module` (and the
    `__import__` wrapper) stand between the two: the warning named the probe, whose
    `__name__` is `__main__`, where the default filters show a DeprecationWarning, and
    showing it imported linecache and tokenize (25 modules, 50 ms) into the measured
    import of the module that warned. Tracebacks show the name, without source lines.
    """
    code = function.__code__
    function.__code__ = code.replace(
        co_filename=code.co_filename + " (importaudit probe, in importlib._bootstrap's place)")


_as_importlib(_TimedLoader.exec_module)
_as_importlib(_TimedLoader.create_module)
_as_importlib(_TimedLegacyLoader.load_module)
_GLOBALS = globals()
_LOADER_CODES = (_TimedLoader.exec_module.__code__, _TimedLoader.create_module.__code__,
                 _TimedLegacyLoader.load_module.__code__)
# How the import system asks the finders (importlib._bootstrap, 3.9 to 3.13):
# _find_and_load_unlocked calls _find_spec, which calls each finder's find_spec.
_bootstrap = sys.modules.get("_frozen_importlib")
_FIND_SPEC = getattr(getattr(_bootstrap, "_find_spec", None), "__code__", None)
_FIND_AND_LOAD = getattr(getattr(_bootstrap, "_find_and_load_unlocked", None), "__code__", None)
# A frame whose code is a coroutine, an async generator or a generator-based coroutine.
_CO_ASYNC = 0x80 | 0x100 | 0x200
_ModuleType = type(sys)
# A module's own namespace, read past any `__getattribute__` or `__dict__` of a subclass.
_module_dict: "Any" = vars(_ModuleType)["__dict__"].__get__
_TRANSPARENT = frozenset({
    "importlib", "runpy", "pkgutil", "_frozen_importlib", "_frozen_importlib_external",
})

if __name__ == "__main__":
    main()
