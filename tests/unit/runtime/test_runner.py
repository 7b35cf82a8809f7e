"""The runner's logic through its seams: a scripted launcher and a stepping clock.

No child interpreter runs: the fake launcher writes, into the record file the runner
names on the command line, the lines a probe would write (in the probe's wire format,
`importaudit.runtime.records`), and ends as a child would (an exit status, a signal, a
timeout). What is tested is the runner's own work: the order and flags of its runs,
merging them, and what it says when a child fails.
"""

from __future__ import annotations

import json
import signal
import subprocess
from typing import Any

import pytest

from importaudit.config import Measure
from importaudit.errors import TargetNotFoundError
from importaudit.model import LineTime, LoopBlock, ModuleRecord
from importaudit.runtime import children, runner
from importaudit.runtime.interpreter import Interpreter
from importaudit.runtime.records import (
    Begin,
    Fail,
    Finished,
    Hit,
    Injected,
    LoopImport,
    MainFile,
    Start,
    from_wire,
    parse_lines,
)
from importaudit.runtime.runner import ProfileRequest, Runner

NO_PID = 2**31 - 1  # no process has it: signals sent to it go nowhere


def line(**fields: Any) -> bytes:
    return json.dumps(fields).encode()


START = line(e="start", v="3.11.7", impl="cpython", tag="cpython-311", exe="/py", plat="linux",
             dwb=False, pre="sys builtins sys")


def begin(name: str, importer: str | None, depth: int, at: int = 0) -> bytes:
    return line(e="begin", n=name, i=importer, d=depth, s=at, th=None)


def mod(name: str, cum: int, own: int, **more: Any) -> bytes:
    return line(e="mod", n=name, c=cum, f=own, o=f"/src/{name}.py", l="SourceFileLoader",
                p=False, x=None, **more)


def pkg_run(own_ms: int, *, heap: bool = False) -> list[bytes]:
    """`pkg` (its own time `own_ms`) importing `pkg.core` (1 ms), as the probe writes it."""
    extra: dict[str, int] = {"h": 4000, "hs": 1000, "hp": 5000} if heap else {"r": 0, "rs": 0}
    core: dict[str, int] = {"h": 3000, "hs": 3000, "hp": 3000} if heap else {"r": 0, "rs": 0}
    return [START, begin("pkg", None, 0), begin("pkg.core", "pkg", 1, at=10),
            mod("pkg.core", 1_000_000, 1_000_000, **core),
            mod("pkg", (own_ms + 1) * 1_000_000, own_ms * 1_000_000, fc=own_ms * 500_000,
                **extra),
            line(e="done", wall=123)]


class FakeProc:
    """What the runner asks of a child process."""

    pid = NO_PID
    stderr = None

    def __init__(self, returncode: int, *, hangs: bool = False) -> None:
        self.returncode = returncode
        self.hangs = hangs
        self.signals: list[int] = []

    def wait(self, timeout: float | None = None) -> int:
        if self.hangs and timeout is not None:
            self.hangs = False
            raise subprocess.TimeoutExpired("python", timeout)
        return self.returncode

    def poll(self) -> int | None:
        return self.returncode

    def send_signal(self, sig: int) -> None:
        self.signals.append(sig)


class Script:
    """A launcher playing back one child per call: (record lines, return code, hangs)."""

    def __init__(self, *children: tuple[list[bytes], int, bool]) -> None:
        self.children = list(children)
        self.calls: list[list[str]] = []

    def __call__(self, cmd: list[str], **_: Any) -> FakeProc:
        if cmd[1:] == ["-c", "pass"]:  # the bare interpreter's start-up
            return FakeProc(0)
        self.calls.append(cmd)
        lines, code, hangs = self.children.pop(0)
        with open(cmd[2], "wb") as stream:
            stream.write(b"\n".join(lines) + b"\n")
        return FakeProc(code, hangs=hangs)

    def flags(self) -> list[str]:
        return [cmd[4] for cmd in self.calls]


def clock() -> Any:
    """Each reading 2 ms after the last: every timed span measures 2 ms."""
    now = [0]

    def read() -> int:
        now[0] += 2_000_000
        return now[0]

    return read


@pytest.fixture(autouse=True)
def no_watchdog(monkeypatch: pytest.MonkeyPatch) -> None:
    # The watchdog ties a real child to us through a pipe and fcntl; a fake has none.
    monkeypatch.setattr(children, "_watchdog_pipe", lambda: None)


def profile(script: Script, mode: str = "import", **measure: Any) -> runner.Measurement:
    interpreter = Interpreter("/py", (3, 11, 7), "cpython", "linux")
    chosen = Runner(interpreter, launcher=script, clock=clock())
    return chosen.profile(ProfileRequest(mode=mode, args=("pkg",), measure=Measure(**measure)))


def with_records(run: list[bytes], *more: bytes) -> list[bytes]:
    """`run` with `more` written before its `done` record."""
    return [*run[:-1], *more, run[-1]]


def test_warm_up_then_repeats_then_one_heap_run_merged_into_medians() -> None:
    warm = [*pkg_run(9)[:-1], line(e="hit", i="pkg.core", n="pkg"),
            line(e="ln", n="pkg", t=9_000_000, k=9, l=[[12, 8_000_000, 8], [0, 1_000_000, 1]]),
            line(e="done", wall=1)]
    script = Script((warm, 0, False), (pkg_run(4), 0, False), (pkg_run(8), 0, False),
                    (pkg_run(5), 0, False), (pkg_run(7, heap=True), 0, False))
    measured = profile(script, repeat=3)
    # The warm-up records hits and samples lines; time runs measure RSS; the heap run is
    # apart.
    assert script.flags() == ["rss,hits,lines", "rss", "rss", "rss",
                              f"heap,interned={2 * runner.STRINGS_PER_MODULE}"]
    assert measured.failure is None
    by_name = {m.name: m for m in measured.modules}
    pkg = by_name["pkg"]
    assert (pkg.self_ns, pkg.self_ns_min, pkg.self_ns_max) == (5_000_000, 4_000_000, 8_000_000)
    # its own CPU time: the lowest of the time runs (not the warm-up's, not the heap run's)
    assert pkg.self_cpu_ns_min == 2_000_000
    assert pkg.self_cpu_ns == 2_500_000  # and the median of them (runs of 4, 8, 5 ms)
    assert by_name["pkg.core"].self_cpu_ns_min is None  # no `fc`: not measured
    assert pkg.cumulative_ns == 6_000_000 and pkg.runs == 3
    assert (pkg.heap_bytes, pkg.self_heap_bytes, pkg.heap_peak_bytes) == (4000, 1000, 5000)
    assert by_name["pkg.core"].importer == "pkg" and by_name["pkg.core"].depth == 1
    assert pkg.importers == ("pkg.core",)  # the warm-up's cache hit
    # Where the warm-up sampled pkg's body spending its time; pkg.core was not sampled.
    assert (pkg.sampled_ns, pkg.samples) == (9_000_000, 9)
    assert pkg.lines == (LineTime(12, 8_000_000, 8), LineTime(0, 1_000_000, 1))
    assert by_name["pkg.core"].samples is None and by_name["pkg.core"].lines == ()
    assert [m.name for m in measured.modules if m.preloaded] == ["sys", "builtins"]
    assert measured.meta.startup_ns == 2_000_000  # one clock step per bare start-up
    assert measured.meta.wall_ns == 123 and measured.meta.repeats == 3


def test_a_child_killed_mid_import_stops_the_repeats_and_names_the_import() -> None:
    killed = [START, begin("pkg", None, 0), begin("pkg.core", "pkg", 1),
              mod("pkg.core", 1_000_000, 1_000_000)]
    script = Script((pkg_run(3), 0, False), (pkg_run(3), 0, False), (killed, -9, False))
    measured = profile(script, repeat=5)
    assert script.flags() == ["rss,hits,lines", "rss", "rss"]  # no more runs, no heap run
    assert measured.failure is not None
    assert measured.failure.kind == "signal" and measured.failure.signal == "SIGKILL"
    assert measured.failure.message == "the interpreter was killed by SIGKILL while " \
                                       "importing pkg"


def test_a_warm_up_that_fails_with_the_line_sampler_is_run_again_without_it() -> None:
    # The sampler's signal handler ran frames inside the target: killed (or a
    # RecursionError) only with it on. The target itself imports: it is measured.
    killed = [START, begin("pkg", None, 0)]
    script = Script((killed, -signal.SIGPROF, False), (pkg_run(3), 0, False),
                    (pkg_run(3), 0, False))
    measured = profile(script, repeat=1, memory=False)
    assert script.flags() == ["rss,hits,lines", "rss,hits", "rss"]
    assert measured.failure is None
    assert measured.meta.warmup and measured.meta.repeats == 1
    assert measured.meta.notes[0] == (
        "line samples unavailable because the warm-up run failed with the line sampler on "
        "(the interpreter was killed by SIGPROF while importing pkg) and not without it")
    assert {m.name for m in measured.modules if not m.preloaded} == {"pkg", "pkg.core"}


def test_a_target_that_fails_without_the_line_sampler_too_is_failed_without_a_note() -> None:
    failed = [START, begin("pkg", None, 0),
              line(e="fail", k="import-error", n="pkg", m="RecursionError: too deep", o="pkg",
                   tb=[], mn=None), line(e="done", wall=1)]
    script = Script((failed, 0, False), (failed, 0, False))
    measured = profile(script, repeat=3)
    assert script.flags() == ["rss,hits,lines", "rss,hits"]  # then no measured run
    assert measured.failure is not None and "RecursionError" in measured.failure.message
    assert not any("line samples" in note for note in measured.meta.notes)


def test_a_timeout_kills_the_child_and_keeps_what_it_measured() -> None:
    hung = [START, begin("pkg", None, 0), begin("pkg.core", "pkg", 1)]
    script = Script((hung, -signal.SIGKILL, True))
    measured = profile(script, repeat=3, timeout=0.5)
    assert script.flags() == ["rss,hits,lines"]  # the warm-up failed: nothing runs again
    assert measured.failure is not None and measured.failure.kind == "timeout"
    assert measured.failure.message == ("timed out after 0.5 s while importing pkg.core "
                                        "(imported by pkg)")


def test_a_heap_run_that_crashes_is_still_a_failure() -> None:
    killed = [START, begin("pkg", None, 0)]
    script = Script((pkg_run(4), 0, False), (pkg_run(5), 0, False), (killed, -11, False))
    measured = profile(script, repeat=1)
    assert measured.failure is not None and measured.failure.kind == "signal"


def test_a_target_that_does_not_exist_is_an_error_of_its_own() -> None:
    missing = [START, line(e="fail", k="not-found", n="pkg", m="ModuleNotFoundError: pkg",
                           o=None, tb=[], mn="pkg"), line(e="done", wall=1)]
    with pytest.raises(TargetNotFoundError, match="cannot import 'pkg'"):
        profile(Script((missing, 1, False)))


def test_the_wire_format_reads_into_typed_records() -> None:
    records = parse_lines([START, begin("a", None, 0, at=5), mod("a", 7, 3, r=1, rs=1),
                           line(e="hit", i="a", n="b"), b'{"e":"mod","n":"torn',
                           line(e="fail", k="import-error", n="a", m="E", o="a",
                                tb=[["f.py", 3, "g"], ["bad"]], mn=None),
                           line(e="future", n="x"), line(e="begin", n=None)])
    start, first, finished, hit, failed = records
    assert isinstance(start, Start) and start.preloaded == ("sys", "builtins")
    assert first == Begin("a", None, 0, 5, None)
    assert isinstance(finished, Finished) and (finished.cumulative_ns, finished.self_ns,
                                               finished.rss_bytes) == (7, 3, 1)
    assert hit == Hit("a", "b")
    assert failed == Fail("import-error", "a", "E", "a", (("f.py", 3, "g"),), None)
    # Unknown kinds (a newer probe) and records without their module are left out.
    assert from_wire({"e": "future"}) is None and from_wire({"e": "begin"}) is None
    assert from_wire({"e": "mod", "n": "a", "c": "soon"}) == Finished("a")


def injected(name: str, importer: str | None, alias: str | None = None) -> bytes:
    return line(e="inj", n=name, i=importer, o=f"/src/{name}.so", l="ExtensionFileLoader",
                a=alias, p=False)


def test_modules_put_in_sys_modules_by_others_are_recorded_once_without_a_cost() -> None:
    # pkg's compiled group stores pkg._native itself; pkg.short is pkg.core under a
    # second name; pkg.core also went through the finder, so its own record stands.
    seen = [injected("pkg._native", "pkg"), injected("pkg.short", "pkg", alias="pkg.core"),
            injected("pkg.core", "pkg")]
    script = Script((with_records(pkg_run(3), *seen), 0, False),
                    (with_records(pkg_run(3), seen[0]), 0, False), (pkg_run(3), 0, False))
    measured = profile(script, repeat=2, memory=False)
    by_name = {m.name: m for m in measured.modules}
    assert "pkg.short" not in by_name
    assert by_name["pkg.core"].via != "sys.modules" and by_name["pkg.core"].runs == 2
    native = by_name["pkg._native"]
    assert (native.via, native.importer, native.importers) == ("sys.modules", "pkg", ("pkg",))
    assert (native.origin, native.loader, native.is_package) == (
        "/src/pkg._native.so", "ExtensionFileLoader", False)
    assert native.runs == 2 and native.self_ns == 0 and native.cumulative_ns == 0
    assert native.order == 2  # after the two modules the finder saw


def test_an_import_made_while_an_asyncio_loop_ran_says_where() -> None:
    blocked = line(e="aio", n="pkg", f="/app/main.py", l=12, fn="handler",
                   cf="/app/main.py", cl=10, co="serve")
    script = Script((pkg_run(3), 0, False), (with_records(pkg_run(3), blocked), 0, False))
    measured = profile(script, repeat=1, memory=False)
    by_name = {m.name: m for m in measured.modules}
    assert by_name["pkg"].loop == LoopBlock(file="/app/main.py", line=12, function="handler",
                                            coroutine="serve", coroutine_file="/app/main.py",
                                            coroutine_line=10)
    assert by_name["pkg.core"].loop is None


def test_the_file_run_as_main_reaches_the_run_meta() -> None:
    ran = line(e="main", o="/app/pkg/__main__.py")
    script = Script((with_records(pkg_run(3), ran), 0, False), (pkg_run(3), 0, False))
    assert profile(script, mode="module", repeat=1, memory=False).meta.main_file == \
        "/app/pkg/__main__.py"
    # A program's warm-up samples no lines: the CPU-time timer would outlive its exec*.
    assert script.flags() == ["rss,hits", "rss"]
    assert profile(Script((pkg_run(3), 0, False), (pkg_run(3), 0, False)),
                   mode="module", repeat=1, memory=False).meta.main_file is None


def test_the_new_kinds_read_into_typed_records() -> None:
    inj, aio, main = parse_lines([injected("m", None, alias="n"),
                                  line(e="aio", n="m", f="a.py", l="x"),
                                  line(e="main", o="/a.py")])
    assert inj == Injected("m", None, "/src/m.so", "ExtensionFileLoader", "n", False)
    assert aio == LoopImport("m", "a.py")  # a line that is not an int reads as missing
    assert main == MainFile("/a.py")
    assert from_wire({"e": "inj"}) is None and from_wire({"e": "aio", "n": 3}) is None


def test_the_collectors_pauses_are_merged_and_noted() -> None:
    timed = START.replace(b'"dwb": false', b'"dwb": false, "gcb": true')
    assert timed != START

    def run(pause_ms: int) -> list[bytes]:
        """pkg.core's 1 ms without a collection; pkg's own time holds `pause_ms` of one."""
        lines = pkg_run(pause_ms + 1)
        pkg = json.loads(lines[4])
        if pause_ms:
            pkg.update(g=pause_ms * 1_000_000, gc=pause_ms * 400_000, gf=1)
        return [timed, *lines[1:4], json.dumps(pkg).encode(), lines[5]]

    script = Script((run(0), 0, False), (run(30), 0, False), (run(0), 0, False),
                    (run(40), 0, False))
    measured = profile(script, repeat=3, memory=False)
    by_name = {m.name: m for m in measured.modules}
    pkg, core = by_name["pkg"], by_name["pkg.core"]
    # Medians over the time runs (0, 30, 40 ms), like the times they are part of.
    assert (pkg.gc_ns, pkg.gc_cpu_ns, pkg.full_collections) == (30_000_000, 12_000_000, 1)
    assert pkg.body_ns == pkg.self_ns - 30_000_000
    # Timed, and none ran in pkg.core: 0, not "unknown".
    assert (core.gc_ns, core.gc_cpu_ns, core.full_collections) == (0, 0, 0)
    [note] = [n for n in measured.meta.notes if n.startswith("garbage collector pauses")]
    assert note.startswith("garbage collector pauses: 30.0 ms of the own times, in 1 module "
                           "(largest 30.0 ms of pkg's 31.0 ms, 1 full collection)")
    # A probe that did not time the collector: unknown, and no note.
    plain = profile(Script(*[(pkg_run(3), 0, False)] * 2), repeat=1, memory=False)
    assert {m.gc_ns for m in plain.modules} == {None}
    assert not [n for n in plain.meta.notes if n.startswith("garbage collector")]


def test_a_few_small_pauses_are_no_note() -> None:
    records = [ModuleRecord(f"m{i}", self_ns=10_000_000, gc_ns=100_000, full_collections=0)
               for i in range(10)]
    assert runner.collector_note(records) is None  # 1% of the own times
    # Most of one module's own time (over 1 ms) is worth a note however small the share.
    records.append(ModuleRecord("late", self_ns=2_000_000, gc_ns=1_500_000,
                                full_collections=2))
    note = runner.collector_note(records)
    assert note is not None and "(largest 1.50 ms of late's 2.00 ms, 2 full collections)" in note


def test_the_heap_run_makes_room_for_the_strings_the_time_runs_interned() -> None:
    # 3.12+ counts them (`ni` in the done record): room for the most, and a margin.
    counted = [children.ChildRun(interned=n) for n in (1000, 4000, 3000)]
    assert runner.interned_room(counted) == 5000
    # Before 3.12 nothing counts them: estimated from the modules imported.
    uncounted = children.ChildRun()
    parse = children.parse_records
    parse(pkg_run(4), uncounted)
    assert uncounted.interned is None
    assert runner.interned_room([uncounted]) == 2 * runner.STRINGS_PER_MODULE
    parse([line(e="done", wall=1, ni=7)], uncounted)
    assert uncounted.interned == 7
