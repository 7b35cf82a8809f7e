"""The content-hash scan cache and batch scanning (in worker processes or not)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from static_helpers import STATIC, graph_of, module_ring

from importaudit.model import EdgeKind
from importaudit.static import batch
from importaudit.static.batch import scan_files
from importaudit.static.cache import (
    ScanCache,
    content_key,
    decode_graph,
    decode_scan,
    encode_graph,
    encode_scan,
)
from importaudit.static.scan import scan_reference


def _tree(root: Path, count: int = 6) -> list[str]:
    return module_ring(root, count)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every source the scanner actually reads (cache hits read none)."""
    seen: list[bytes] = []
    real = batch.SCANNERS["fast"]

    def spy(source: bytes):  # type: ignore[no-untyped-def]
        seen.append(source)
        return real(source)

    monkeypatch.setitem(batch.SCANNERS, "fast", spy)
    return seen


def test_a_warm_run_scans_nothing_and_gives_the_same_result(
        tmp_path: Path, counted: list[bytes]) -> None:
    paths = _tree(tmp_path)
    cache = ScanCache(tmp_path / "cache", [str(tmp_path)])
    cold = scan_files(paths, cache=cache, jobs=1)
    assert len(counted) == len(paths)
    counted.clear()
    warm = scan_files(paths, cache=ScanCache(tmp_path / "cache", [str(tmp_path)]), jobs=1)
    assert counted == []
    assert warm == cold
    assert (tmp_path / "cache" / "CACHEDIR.TAG").exists()
    assert (tmp_path / "cache" / ".gitignore").read_text() == "*\n"


def test_cache_files_get_the_usual_mode(tmp_path: Path) -> None:
    paths = _tree(tmp_path)
    old_umask = os.umask(0o022)
    try:
        scan_files(paths, cache=ScanCache(tmp_path / "cache", [str(tmp_path)]), jobs=1)
    finally:
        os.umask(old_umask)
    files = list((tmp_path / "cache").iterdir())
    assert len(files) >= 3  # the scans, CACHEDIR.TAG, .gitignore
    assert {f.name: stat.S_IMODE(f.stat().st_mode) for f in files} == {
        f.name: 0o644 for f in files}


def test_the_cache_follows_content_not_mtime(tmp_path: Path, counted: list[bytes]) -> None:
    paths = _tree(tmp_path)
    scan_files(paths, cache=ScanCache(tmp_path / "c", [str(tmp_path)]), jobs=1)
    counted.clear()
    # A new mtime alone (as after a CI checkout) costs no scan...
    os.utime(paths[0], (1_000_000, 1_000_000))
    scan_files(paths, cache=ScanCache(tmp_path / "c", [str(tmp_path)]), jobs=1)
    assert counted == []
    # ...and new content with the old mtime is scanned again.
    before = os.stat(paths[1])
    Path(paths[1]).write_text("import changed\n")
    os.utime(paths[1], (before.st_atime, before.st_mtime))
    result = scan_files(paths, cache=ScanCache(tmp_path / "c", [str(tmp_path)]), jobs=1)
    assert counted == [b"import changed\n"]
    assert [s.module for s in result[paths[1]].statements] == ["changed"]


def test_a_damaged_cache_is_ignored_and_replaced(tmp_path: Path, counted: list[bytes]) -> None:
    paths = _tree(tmp_path, 2)
    cache = ScanCache(tmp_path / "c", [str(tmp_path)])
    cache.path.parent.mkdir()
    cache.path.write_text("{not json")
    first = scan_files(paths, cache=cache, jobs=1)
    assert len(counted) == 2
    data = json.loads(cache.path.read_text())
    key = content_key(Path(paths[0]).read_bytes())
    data["entries"][key] = ["bad", "shape"]
    cache.path.write_text(json.dumps(data))
    counted.clear()
    again = scan_files(paths, cache=ScanCache(tmp_path / "c", [str(tmp_path)]), jobs=1)
    assert counted == [Path(paths[0]).read_bytes()]
    assert again == first


def test_an_unwritable_cache_costs_only_speed(tmp_path: Path) -> None:
    paths = _tree(tmp_path, 2)
    blocker = tmp_path / "file_not_dir"
    blocker.write_text("")
    result = scan_files(paths, cache=ScanCache(blocker / "cache", [str(tmp_path)]), jobs=1)
    assert set(result) == set(paths)


def test_two_runs_writing_one_cache_at_once_leave_a_valid_file(tmp_path: Path) -> None:
    paths = _tree(tmp_path, 40)
    cache_dir = tmp_path / "shared"
    script = textwrap.dedent(f"""
        import sys
        from importaudit.static.batch import scan_files
        from importaudit.static.cache import ScanCache
        paths = {paths!r}
        for _ in range(15):
            scan_files(paths, cache=ScanCache({str(cache_dir)!r}, [{str(tmp_path)!r}]), jobs=1)
            ScanCache({str(cache_dir)!r}, [{str(tmp_path)!r}]).path.unlink(missing_ok=True)
        scan_files(paths, cache=ScanCache({str(cache_dir)!r}, [{str(tmp_path)!r}]), jobs=1)
    """)
    runs = [subprocess.Popen([sys.executable, "-c", script]) for _ in range(2)]
    assert [run.wait(timeout=120) for run in runs] == [0, 0]
    cache = ScanCache(cache_dir, [str(tmp_path)])
    entries = json.loads(cache.path.read_text())["entries"]
    assert len(entries) == len({content_key(Path(p).read_bytes()) for p in paths})
    assert not [p for p in cache_dir.iterdir() if p.name.endswith(".tmp")]


def test_worker_processes_give_what_one_process_gives(tmp_path: Path) -> None:
    paths = _tree(tmp_path, 12)
    (tmp_path / "broken.py").write_bytes(b"import os\n\x00\n")
    paths.append(str(tmp_path / "broken.py"))
    assert scan_files(paths, jobs=2) == scan_files(paths, jobs=1)
    assert scan_files(paths, jobs=2, scanner="reference") == {
        p: scan_reference(Path(p).read_bytes()) for p in paths}


def test_an_unreadable_file_is_a_scan_error(tmp_path: Path) -> None:
    missing = str(tmp_path / "vanished.py")
    (result,) = scan_files([missing], jobs=1).values()
    assert result.error is not None
    assert result.error.startswith("cannot read")


def test_the_graph_cache_keeps_which_imports_may_not_run() -> None:
    # `winguard` imports `a` only on Windows: the cycle analysis must not read an order
    # from it, cached or not.
    graph = graph_of("guarded")
    conditional = {(e.importer, e.imported) for e in graph.edges if e.conditional}
    assert ("winguard", "winguard.a") in conditional
    assert ("tryguard", "tryguard.a") in conditional
    assert ("dynguard", "dynguard.a") not in conditional
    assert decode_graph(encode_graph(graph)) == graph


def test_the_caches_keep_which_imports_are_in_a_function() -> None:
    # A guarded module-level import_module opens a way in the cycle analysis; one in a
    # function does not: a cached scan or graph must still tell them apart.
    graph = graph_of("guardeddyn")
    assert {(e.line, e.deferred) for e in graph.edges if e.kind is EdgeKind.DYNAMIC} == {
        (6, False), (14, True)}
    assert decode_graph(encode_graph(graph)) == graph
    source = (STATIC / "guardeddyn" / "ifdyn" / "a.py").read_bytes()
    scanned = scan_reference(source)
    assert decode_scan(json.loads(json.dumps(encode_scan(scanned)))) == scanned
