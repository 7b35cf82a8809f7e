"""The probe's records, typed: one class per record kind and the one parser of the wire format.

Wire format. The probe (`probe.py`, standard library only, hand-written f-strings for
speed) appends one JSON object per line to a file the parent owns; a child that dies
mid-write leaves a torn last line, which is skipped. `"e"` names the record kind; the
other keys are short because the probe writes one `begin` and one `mod` line per
import, on the measured path. Times are integer nanoseconds from `time.perf_counter_ns`
(`fc`, `gc`: `time.thread_time_ns`), with the probe's own bookkeeping left out (see
`_WALL` in probe.py); sizes are integer bytes:

=======  ===========================================================================
`start`  once, before measuring: `v` Python version "3.11.7", `impl`, `tag` (the
         cache tag of .pyc files), `exe`, `plat`, `dwb` (dont_write_bytecode), `gcb`
         (the cyclic garbage collector's runs are timed), `pre` (the modules already
         loaded, space-separated)
`begin`  an import starts: `n` module, `i` importer (the module executing, or null),
         `d` depth on its thread's import stack, `s` start since the probe began,
         `th` thread name (null: the main thread)
`mod`    that import ended: `n`, `c` cumulative time, `f` own (self) time, `fc` own
         CPU time of the importing thread (`time.thread_time_ns`: what the body
         computed, which load does not stretch as it does `f`), `o` origin, `l` loader
         class, `p` is a package, `x` error text (null: it succeeded); `g` / `gc` /
         `gf` the wall ns, CPU ns and number of full (generation 2) collections of the
         garbage collector that ran while this was the innermost import on its thread
         (inside `f` and `fc`; absent: none ran, or `gcb` was false); with
         RSS measured `r` / `rs` (cumulative / own growth), with the heap measured `h` /
         `hs` / `hp` (cumulative / own / peak tracemalloc bytes)
`hit`    a statement found its module already loaded: `i` importer, `n` module
`fail`   an import (or the program) raised to the top: `k` kind ("import-error",
         "not-found", "exit", "program-error"), `n` module, `m` the exception as text,
         `o` the module it propagated out of first, `tb` frames [file, line, function],
         `mn` the module a ModuleNotFoundError named
`inj`    a module reached sys.modules without the probe's finder (a mypyc group, a
         plugin loader's `exec_module`, an alias): `n` module, `i` the import in
         progress meanwhile (null: none), `o` origin, `l` loader class, `a` the name
         the same object was already known as (null: not an alias), `p` is a package
`aio`    an import began, outside any other, while an asyncio loop ran on its thread:
         `n` module, `f` / `l` / `fn` the importing statement's file, line and
         function, `cf` / `cl` / `co` those of the coroutine it ran in (absent: none
         found)
`ln`     with the `lines` flag, after a module's `mod` record: where its own time
         went, sampled on a CPU-time timer (main thread only): `n` module, `t` the
         main thread's CPU ns sampled in it, `k` how many samples, `l` [line, ns,
         samples] of the costliest lines of its body (that of the statement its
         frame runs, whatever that calls), line 0 for its time outside them (loading
         its code; left out when this run wrote its .pyc, compiling its source)
`main`   the file run as __main__ (script, -m): `o` its path
`exit`   the program's exit status: `code`
`done`   the probe finished: `wall` time of the whole run
=======  ===========================================================================

Each kind is a frozen, slotted class below, registered with its wire keys; a new kind is
one class and its `@_kind(...)` line. Unknown kinds and keys are ignored (an older
parent reading a newer probe), and a value of the wrong type reads as missing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable

Frame = tuple[str, int, str]  # file, line, function

T = TypeVar("T")

#: kind -> (class, {wire key: (field, converter)})
_KINDS: dict[str, tuple[type[Any], dict[str, tuple[str, Callable[[Any], Any]]]]] = {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _bool(value: Any) -> bool:
    return value is True


def _lines(value: Any) -> tuple[tuple[int, int, int], ...]:
    """[line, ns, samples] triples of non-negative integers, malformed entries dropped."""
    if not isinstance(value, list):
        return ()
    return tuple((e[0], e[1], e[2]) for e in value if isinstance(e, list) and len(e) == 3
                 and all(_int(v) is not None and v >= 0 for v in e))


def _frames(value: Any) -> tuple[Frame, ...]:
    """Frames [file, line, function], malformed entries dropped."""
    return tuple((e[0], e[1], e[2]) for e in value if isinstance(e, list) and len(e) == 3
                 and isinstance(e[0], str) and _int(e[1]) is not None
                 and isinstance(e[2], str)) if isinstance(value, list) else ()


def _kind(name: str, **wire: tuple[str, Callable[[Any], Any]]) -> Callable[[type[T]], type[T]]:
    """Register a record class as the kind `name`, with its wire key -> (field, parser)."""
    def register(cls: type[T]) -> type[T]:
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        assert all(f in names for f, _ in wire.values()), cls
        _KINDS[name] = (cls, wire)
        return cls

    return register


@_kind("start", v=("version", _str), impl=("implementation", _str), tag=("cache_tag", _str),
       exe=("executable", _str), plat=("platform", _str), dwb=("dont_write_bytecode", _bool),
       gcb=("collector_timed", _bool), pre=("preloaded_text", _str))
@dataclass(frozen=True, slots=True)
class Start:
    """The child's interpreter, and what it had loaded before measuring began."""

    version: str | None = None
    implementation: str | None = None
    cache_tag: str | None = None
    executable: str | None = None
    platform: str | None = None
    dont_write_bytecode: bool = False
    collector_timed: bool = False  # `mod` records say what the collector's runs took
    preloaded_text: str | None = None

    @property
    def preloaded(self) -> tuple[str, ...]:
        """The preloaded module names, in load order, without repeats."""
        return tuple(dict.fromkeys((self.preloaded_text or "").split()))


@_kind("begin", n=("name", _str), i=("importer", _str), d=("depth", _int),
       s=("start_ns", _int), th=("thread", _str))
@dataclass(frozen=True, slots=True)
class Begin:
    """An import started."""

    name: str
    importer: str | None = None
    depth: int = 0
    start_ns: int | None = None
    thread: str | None = None


@_kind("mod", n=("name", _str), c=("cumulative_ns", _int), f=("self_ns", _int),
       fc=("self_cpu_ns", _int), o=("origin", _str), l=("loader", _str),
       p=("is_package", _bool), x=("error", _str),
       r=("rss_bytes", _int), rs=("self_rss_bytes", _int), h=("heap_bytes", _int),
       hs=("self_heap_bytes", _int), hp=("heap_peak_bytes", _int), g=("gc_ns", _int),
       gc=("gc_cpu_ns", _int), gf=("full_collections", _int))
@dataclass(frozen=True, slots=True)
class Finished:
    """An import ended (`error` set when it raised), with what it cost."""

    name: str
    cumulative_ns: int = 0
    self_ns: int = 0
    self_cpu_ns: int | None = None
    origin: str | None = None
    loader: str | None = None
    is_package: bool = False
    error: str | None = None
    rss_bytes: int | None = None
    self_rss_bytes: int | None = None
    heap_bytes: int | None = None
    self_heap_bytes: int | None = None
    heap_peak_bytes: int | None = None
    # The garbage collector's runs charged to this body (inside self_ns / self_cpu_ns);
    # None: not timed (`ChildRun` makes it 0 when the run timed them and none ran).
    gc_ns: int | None = None
    gc_cpu_ns: int | None = None
    full_collections: int | None = None


@_kind("hit", i=("importer", _str), n=("name", _str))
@dataclass(frozen=True, slots=True)
class Hit:
    """An import statement of `importer` found `name` already loaded."""

    importer: str
    name: str


@_kind("fail", k=("kind", _str), n=("name", _str), m=("message", _str), o=("origin", _str),
       tb=("frames", _frames), mn=("missing", _str))
@dataclass(frozen=True, slots=True)
class Fail:
    """An import (or the program) raised to the top."""

    kind: str | None = None
    name: str | None = None
    message: str | None = None
    origin: str | None = None
    frames: tuple[Frame, ...] = ()
    missing: str | None = None


@_kind("inj", n=("name", _str), i=("importer", _str), o=("origin", _str), l=("loader", _str),
       a=("alias_of", _str), p=("is_package", _bool))
@dataclass(frozen=True, slots=True)
class Injected:
    """A module that reached sys.modules without passing through the probe's finder.

    Its cost is inside `importer`'s own; `alias_of` set means it is a module already
    known under that name, stored under a second one (nothing was loaded).
    """

    name: str
    importer: str | None = None
    origin: str | None = None
    loader: str | None = None
    alias_of: str | None = None
    is_package: bool = False


@_kind("aio", n=("name", _str), f=("file", _str), l=("line", _int), fn=("function", _str),
       cf=("coroutine_file", _str), cl=("coroutine_line", _int), co=("coroutine", _str))
@dataclass(frozen=True, slots=True)
class LoopImport:
    """An import that blocked a running asyncio loop, with where it was made."""

    name: str
    file: str | None = None
    line: int | None = None
    function: str | None = None
    coroutine_file: str | None = None
    coroutine_line: int | None = None
    coroutine: str | None = None


@_kind("ln", n=("name", _str), t=("sampled_ns", _int), k=("samples", _int),
       l=("lines", _lines))
@dataclass(frozen=True, slots=True)
class Lines:
    """Where a module body's own time went, by line (sampled; the `lines` flag)."""

    name: str
    sampled_ns: int = 0
    samples: int = 0
    lines: tuple[tuple[int, int, int], ...] = ()  # (line, ns, samples), costliest first


@_kind("main", o=("file", _str))
@dataclass(frozen=True, slots=True)
class MainFile:
    """The file the child ran as __main__ (the same file imported by name runs twice)."""

    file: str | None = None


@_kind("exit", code=("code", _int))
@dataclass(frozen=True, slots=True)
class Exit:
    """The program run with -m, --script or -c ended with this status."""

    code: int | None = None


@_kind("done", wall=("wall_ns", _int), ni=("interned", _int))
@dataclass(frozen=True, slots=True)
class Done:
    """The probe wrote its last record: the child was not killed and did not crash.

    `interned`: how many strings the run added to the interned-string table (None:
    the Python does not say, before 3.12).
    """

    wall_ns: int | None = None
    interned: int | None = None


Record = (Start | Begin | Finished | Hit | Fail | Injected | LoopImport | Lines | MainFile | Exit
          | Done)


def from_wire(data: Any) -> Record | None:
    """The typed record of one decoded JSON object (None: not a record this parent knows).

    A required field (a module name) of the wrong type or missing drops the record.
    """
    if not isinstance(data, dict):
        return None
    known = _KINDS.get(data.get("e"))  # type: ignore[arg-type]
    if known is None:
        return None
    cls, wire = known
    values = {}
    for key, (name, parse) in wire.items():
        if key in data:
            value = parse(data[key])
            if value is not None:
                values[name] = value
    try:
        record: Record = cls(**values)
    except TypeError:  # a required field missing
        return None
    return record


def parse_lines(lines: Any) -> list[Record]:
    """Every record of the probe's output lines, in order (a torn line is skipped)."""
    out = []
    for raw in lines:
        try:
            data = json.loads(raw)
        except ValueError:
            continue  # the child died mid-write
        record = from_wire(data)
        if record is not None:
            out.append(record)
    return out
