"""Forked workers and scanning while discovery runs: the same results as one process."""

from __future__ import annotations

import binascii
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from static_helpers import STATIC, module_ring

from importaudit.static import batch, build
from importaudit.static.batch import ScanStream, scan_files
from importaudit.static.cache import (
    EDGE_ROW,
    GraphCache,
    ScanCache,
    decode_graph,
    encode_graph,
)
from importaudit.static.discover import discover
from importaudit.static.graph import GraphBuilder
from importaudit.static.workers import ForkedWorkers

CAN_FORK = sys.platform.startswith("linux") and hasattr(os, "fork")
needs_fork = pytest.mark.skipif(not CAN_FORK, reason="workers are forked on Linux only")


@pytest.fixture
def forked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scan by forked workers even if a C library of this test run started a thread
    (numpy's OpenBLAS: `fork_is_safe` says no then), so these tests never skip quietly."""
    monkeypatch.setattr(batch, "fork_is_safe", lambda: CAN_FORK)


def _tree(root: Path, count: int = 30) -> list[str]:
    return module_ring(root, count)


def _open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else set()


def _children() -> set[int]:
    """Processes (running or not yet reaped) whose parent is this one."""
    found: set[int] = set()
    for entry in os.listdir("/proc") if os.path.isdir("/proc/self") else ():
        if entry.isdigit():
            try:
                stat = Path("/proc", entry, "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == os.getpid():
                found.add(int(entry))
    return found


@needs_fork
def test_every_batch_comes_back_once_whoever_takes_it() -> None:
    with ForkedWorkers(lambda paths: [(p, len(p)) for p in paths], 2) as workers:
        for start in range(0, 100, 7):
            workers.submit([f"p{i}" for i in range(start, min(start + 7, 100))])
        workers.done()
        rows: list[tuple[str, int]] = []
        while len(rows) < 100:
            taken = workers.take()  # this process works too, as ScanStream does
            if taken is not None:
                rows += [(p, len(p)) for p in taken]
            elif workers.alive:
                rows += workers.collect(wait=True)
            else:
                break
    assert sorted(rows) == sorted((f"p{i}", len(f"p{i}")) for i in range(100))


@needs_fork
def test_a_worker_waits_for_work_while_this_process_can_take_some() -> None:
    """This process reads the shared pipe without blocking; the workers must block."""
    with ForkedWorkers(lambda paths: [(p, 1) for p in paths], 1) as workers:
        assert workers.take() is None  # nothing there yet
        time.sleep(0.05)  # the worker reads an empty pipe meanwhile
        workers.submit(["a", "b"])
        assert workers.collect(wait=True) == [("a", 1), ("b", 1)]
        workers.done()
        assert workers.collect(wait=True) == []  # it exited: no more batches
        assert not workers.alive


@needs_fork
@pytest.mark.usefixtures("forked")
def test_worker_processes_leave_no_process_nor_file_descriptor(tmp_path: Path) -> None:
    paths = _tree(tmp_path)
    before, children = _open_fds(), _children()
    assert scan_files(paths, jobs=3) == scan_files(paths, jobs=1)
    assert _open_fds() == before
    assert _children() == children


@needs_fork
@pytest.mark.usefixtures("forked")
def test_a_worker_that_dies_costs_only_speed(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    paths = _tree(tmp_path, 120)
    expected = scan_files(paths, jobs=1)
    # This process takes no batch itself, so the worker surely gets one (however late
    # the machine schedules it) and dies with it.
    monkeypatch.setattr(ForkedWorkers, "take", lambda self: None)
    parent, real = os.getpid(), batch.SCANNERS["fast"]

    died = tmp_path / "died"

    def dies_in_a_worker(source: bytes):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:
            died.touch()
            os._exit(3)
        return real(source)

    monkeypatch.setitem(batch.SCANNERS, "fast", dies_in_a_worker)
    children = _children()
    assert scan_files(paths, jobs=2) == expected
    assert _children() == children
    assert died.exists()  # with the batch it had taken: this process scanned it


@needs_fork
@pytest.mark.usefixtures("forked")
def test_a_path_too_long_for_a_batch_is_scanned_here(tmp_path: Path) -> None:
    paths = [*_tree(tmp_path, 5), str(tmp_path / ("x" * 5000 + ".py"))]
    result = scan_files(paths, jobs=2)
    assert result == scan_files(paths, jobs=1)
    assert result[paths[-1]].error is not None


def test_discovery_reports_every_module_file_it_finds() -> None:
    found: list[str] = []
    tree = discover(["cyclic", "relative"], cwd=STATIC, on_file=found.append)
    modules = {m.scanned for m in tree.modules.values() if m.scanned}
    assert modules <= set(found)


@pytest.mark.usefixtures("forked")
@pytest.mark.parametrize("threshold", [1, 10**12])
def test_scanning_while_discovering_builds_the_same_graph(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threshold: int) -> None:
    """Workers forked during discovery (threshold 1) or never (10**12): one graph."""
    target = tmp_path / "relpkg"
    shutil.copytree(STATIC / "relative" / "relpkg", target)
    monkeypatch.setattr(batch, "STREAM_MIN_BYTES", threshold)
    children = _children()
    cold = build.static_graph([str(target)], cache_dir=tmp_path / "cache")
    assert cold == build.static_graph([str(target)], cache_dir=None, jobs=1)
    assert build.static_graph([str(target)], cache_dir=tmp_path / "cache") == cold
    assert _children() == children


@needs_fork
@pytest.mark.usefixtures("forked")
def test_a_stream_gives_only_what_is_asked_for(tmp_path: Path) -> None:
    paths = _tree(tmp_path, 40)
    with ScanStream(jobs=2) as stream:
        for path in paths:
            stream.add(path)  # handed to a worker at once: `jobs` asks for two
        rows = list(stream.scan(paths[:25]))
    assert sorted(row[0] for row in rows) == sorted(paths[:25])
    assert {row[0]: row[2] for row in rows} == {
        row[0]: row[2] for row in batch._scan_batch(("fast", paths[:25], True))}


@pytest.mark.parametrize("jobs", [1, 2])
def test_without_a_cache_no_file_is_hashed_nor_encoded_as_text(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    # Content keys and JSON text exist for the cache; a run without one skips both
    # (forked workers inherit the patched function).
    target = tmp_path / "relpkg"
    shutil.copytree(STATIC / "relative" / "relpkg", target)
    cached = build.static_graph([str(target)], cache_dir=tmp_path / "cache", jobs=jobs)

    def no_hash(data: bytes) -> str:
        raise AssertionError("hashed")

    monkeypatch.setattr(batch, "content_key", no_hash)
    assert build.static_graph([str(target)], cache_dir=None, jobs=jobs) == cached
    rows = batch._scan_batch(("fast", [str(target / "__init__.py")], False))
    assert [row[1:3] for row in rows] == [("", "")]
    with ScanStream(keyed=False) as stream, pytest.raises(ValueError, match="content keys"):
        batch.scan_tree([], cache=ScanCache(tmp_path / "c", [str(target)]), stream=stream)


def test_graph_rows_made_while_resolving_encode_like_the_graph(tmp_path: Path) -> None:
    target = tmp_path / "relpkg"
    shutil.copytree(STATIC / "relative" / "relpkg", target)
    tree = discover([str(target)])
    builder = GraphBuilder(tree, True)
    for row in batch._scan_batch(("fast", [m.scanned for m in tree.modules.values()
                                            if m.scanned], True)):
        builder.add_encoded(row[0], row[3])
    graph = builder.finish()
    assert decode_graph(encode_graph(graph, builder.edge_rows())) == graph
    assert decode_graph(encode_graph(graph)) == graph


def test_a_graph_with_damaged_edges_is_not_used(tmp_path: Path) -> None:
    target = tmp_path / "relpkg"
    shutil.copytree(STATIC / "relative" / "relpkg", target)
    build.static_graph([str(target)], cache_dir=tmp_path / "cache")
    scans = ScanCache(tmp_path / "cache", [str(target)])
    graphs = GraphCache(scans)
    data = json.loads(graphs.path.read_text())
    data["graph"]["edges"] = data["graph"]["edges"][:-4]  # a row cut short
    graphs.path.write_text(json.dumps(data))
    assert graphs.load(data["digest"]) is None



def test_a_graph_whose_edge_names_a_text_outside_its_table_is_not_used(
        tmp_path: Path) -> None:
    target = tmp_path / "relpkg"
    shutil.copytree(STATIC / "relative" / "relpkg", target)
    build.static_graph([str(target)], cache_dir=tmp_path / "cache")
    graphs = GraphCache(ScanCache(tmp_path / "cache", [str(target)]))
    data = json.loads(graphs.path.read_text())
    packed = bytearray(binascii.a2b_base64(data["graph"]["edges"]))
    assert graphs.load(data["digest"]) is not None
    for importer in (-1, len(data["graph"]["strings"])):  # no text, or past the table
        EDGE_ROW.pack_into(packed, 0, importer, *EDGE_ROW.unpack_from(packed)[1:])
        data["graph"]["edges"] = binascii.b2a_base64(packed, newline=False).decode()
        graphs.path.write_text(json.dumps(data))
        assert graphs.load(data["digest"]) is None

def test_where_fork_is_unsafe_spawned_workers_give_the_same(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With other threads running (or not on Linux) nothing is forked: spawned workers."""
    paths = _tree(tmp_path, 12)
    monkeypatch.setattr(batch, "fork_is_safe", lambda: False)
    with ScanStream(jobs=2) as stream:
        for path in paths:
            stream.add(path)
        assert stream.workers is None  # nothing forked while "discovering"
        rows = {row[0]: row[2] for row in stream.scan(paths)}
    assert rows == {row[0]: row[2] for row in batch._scan_batch(("fast", paths, True))}


@needs_fork
def test_a_thread_a_c_library_started_makes_forking_unsafe() -> None:
    # Python lists only its own threads; a pthread started from C (as OpenBLAS or a
    # Rust thread pool do) may hold a lock a forked child would wait on forever.
    code = (
        "import ctypes\n"
        "from importaudit.static.workers import fork_is_safe\n"
        "before = fork_is_safe()\n"
        "libc = ctypes.CDLL(None)\n"
        "thread = ctypes.c_ulong()\n"
        "pause = ctypes.cast(libc.pause, ctypes.c_void_p)\n"  # blocks: the thread stays
        "assert libc.pthread_create(ctypes.byref(thread), None, pause, None) == 0\n"
        "print(before, fork_is_safe())\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.stdout.split() == ["True", "False"], proc.stderr


@needs_fork
@pytest.mark.usefixtures("forked")
def test_meanwhile_runs_once_while_the_workers_hold_every_file(tmp_path: Path) -> None:
    """The caller's idle-time work runs after the hand-out, not instead of any scan."""
    paths = _tree(tmp_path, 40)
    seen: list[int] = []

    def meanwhile() -> None:
        assert stream.workers is not None and stream.workers.last
        seen.append(len(stream.workers.queue))

    with ScanStream(jobs=2, meanwhile=meanwhile) as stream:
        for path in paths:
            stream.add(path)
        rows = list(stream.scan(paths))
    assert seen == [0]  # every batch was in the workers' pipe
    assert sorted(row[0] for row in rows) == sorted(paths)


def test_meanwhile_is_not_called_without_workers(tmp_path: Path) -> None:
    paths = _tree(tmp_path, 40)
    called: list[bool] = []
    with ScanStream(jobs=1, meanwhile=lambda: called.append(True)) as stream:
        for path in paths:
            stream.add(path)
        assert len(list(stream.scan(paths))) == len(paths)
    assert called == []
