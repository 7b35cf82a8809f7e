"""The probe's accounting of its own time, on a clock that moves only when told to.

begin() and end() do bookkeeping (an RSS read, a record, a scan of sys.modules when
its size changed) between the clock reads of the imports in progress. Each stretch
of it is timed and left out of every import it ran inside: the new import's for
begin(), the importer's for end(). Here only the scans take time (5 ms each, on the
fake clock), so every figure the probe writes can be checked exactly.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import threading
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest

from importaudit.runtime.interpreter import PROBE_PATH

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

SCAN_NS = 5_000_000


class FakeClock:
    def __init__(self) -> None:
        self.now = 0

    def __call__(self) -> int:
        return self.now

    def advance(self, ns: int) -> None:
        self.now += ns


def load_probe() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_importaudit_probe_under_test", PROBE_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def probed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any, FakeClock, Path]:
    """A probe (not installed as a finder) writing to a file, on a fake wall and CPU clock.

    The fake modules the tests put in sys.modules leave with the test (rev28: a later
    `find_spec("pkg")` in the same process raised ValueError on one without a spec).
    """
    module = load_probe()
    clock = FakeClock()
    monkeypatch.setattr(module, "_clock", clock)
    monkeypatch.setattr(module, "_cpu", clock)
    records = tmp_path / "records.jsonl"
    probe = module._Probe(str(records))
    probe.measure(False, False)
    probe.known = set(sys.modules)
    real_appeared = probe.appeared

    def slow_scan(importer: str) -> None:
        real_appeared(importer)
        clock.advance(SCAN_NS)

    monkeypatch.setattr(probe, "appeared", slow_scan)
    return module, probe, clock, records


@pytest.fixture(autouse=True)
def _fake_modules_leave() -> Iterator[None]:
    """The fake modules a test puts in sys.modules leave with it.

    rev28: a later `find_spec("pkg")` in the same process raised ValueError on one
    without a spec.
    """
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name in FAKE or name.startswith("_probe_clock_test_"):
            del sys.modules[name]


#: The modules the tests import on the fake clock.
FAKE = frozenset({"pkg", "pkg.child"})


def churn(index: int) -> None:
    """Change the size of sys.modules, as eventlet's patcher does: the next begin or end scans."""
    sys.modules[f"_probe_clock_test_{index}"] = ModuleType(f"_probe_clock_test_{index}")


def begin(probe: Any, name: str, t0: int) -> Any:
    """An import begins; importlib then puts its module in sys.modules."""
    frame = probe.begin(name, t0, t0)  # its wall and CPU clocks started at its search
    sys.modules[name] = ModuleType(name)
    return frame


def read(records: Path) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for line in records.read_text().splitlines():
        record = json.loads(line)
        if record["e"] in ("mod", "begin"):
            out[f"{record['e']} {record['n']}"] = record
    return out


def test_scans_in_begin_and_end_are_left_out_of_self_and_cumulative(probed: Any) -> None:
    _, probe, clock, records = probed
    churn(0)
    parent = begin(probe, "pkg", clock())  # scans (churned): 5 ms of the probe's, in its window
    clock.advance(100)  # the parent's own work
    churn(1)
    searched = clock()
    clock.advance(50)  # the finders search for the child: its time, wall and CPU
    child = begin(probe, "pkg.child", searched)  # scans again: in the child's window
    clock.advance(150)
    churn(2)
    probe.end(child, None, None, None)  # scans after the child's clock stopped: the parent's
    clock.advance(300)
    probe.end(parent, None, None, None)
    assert clock() == 600 + 3 * SCAN_NS  # the scans did take time

    got = read(records)
    assert (got["mod pkg.child"]["c"], got["mod pkg.child"]["f"]) == (200, 200)
    assert (got["mod pkg"]["c"], got["mod pkg"]["f"]) == (600, 400)
    # CPU time likewise (the same fake clock here).
    assert (got["mod pkg.child"]["fc"], got["mod pkg"]["fc"]) == (200, 400)
    # Start offsets are on the same clock, so the timeline nests: the child starts
    # after the parent's 100 ns of work, not after the probe's 5 ms scan.
    assert (got["begin pkg"]["s"], got["begin pkg.child"]["s"]) == (0, 100)
    # The modules that appeared were still found and reported, by the import in progress.
    injected = [json.loads(line) for line in records.read_text().splitlines()
                if '"e":"inj"' in line]
    assert [(r["n"], r["i"]) for r in injected][1:] == [
        ("_probe_clock_test_1", "pkg"), ("_probe_clock_test_2", "pkg.child")]
    assert injected[0]["n"] == "_probe_clock_test_0"  # before any import: its caller's


def test_a_collection_run_by_the_probes_bookkeeping_is_charged_to_no_module(
        probed: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    module, probe, clock, records = probed
    # Every collection reported here counts as one the allocations set off.
    monkeypatch.setattr(module, "_gc_count", lambda: (10**9, 0, 0))

    def collection(ns: int) -> None:
        probe.collected("start", {})
        clock.advance(ns)
        probe.collected("stop", {"generation": 0})

    def scan_that_collects(importer: str) -> None:
        collection(SCAN_NS)  # set off by the probe's own allocations

    monkeypatch.setattr(probe, "appeared", scan_that_collects)
    parent = begin(probe, "pkg", clock())
    clock.advance(100)
    collection(50)  # set off by the module's body: its pause, inside its self time
    churn(0)
    # The finders search for the child (find_spec keeps the search open meanwhile),
    # and a collection runs: the child's, wall and CPU, as its clocks started then.
    searched = clock()
    searches = probe.searching.setdefault(threading.get_ident(), [])
    searches.append(["pkg.child", searched, None, 1, None, searched])
    collection(30)
    searches.pop()
    child = begin(probe, "pkg.child", searched)  # its scan collects, the parent on top
    clock.advance(200)
    probe.end(child, None, None, None)
    probe.end(parent, None, None, None)

    got = read(records)
    assert [got["mod pkg.child"][k] for k in ("c", "f", "fc", "g", "gc")] == [
        230, 230, 230, 30, 30]
    assert [got["mod pkg"][k] for k in ("c", "f", "fc", "g", "gc")] == [380, 150, 150, 50, 50]
