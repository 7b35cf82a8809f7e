"""The graph cache of `build.static_graph`: reused exactly when nothing it was read from changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from static_helpers import STATIC

from importaudit.static import build


@pytest.fixture
def scans(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per run that scanned files (a run that loads its stored graph scans none)."""
    seen: list[int] = []
    real = build.scan_tree

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(build, "scan_tree", spy)
    return seen


def _copy(tmp_path: Path, fixture: str) -> str:
    target = tmp_path / Path(fixture).name
    shutil.copytree(STATIC / fixture, target)
    return str(target)


def test_a_tree_with_files_that_do_not_parse_loads_its_stored_graph(
        tmp_path: Path, scans: list[int]) -> None:
    target = _copy(tmp_path, "broken/brokenpkg")
    cold = build.static_graph([target], cache_dir=tmp_path / "cache", jobs=1)
    assert any("syntax error" in p.reason for p in cold.problems)
    warm = build.static_graph([target], cache_dir=tmp_path / "cache", jobs=1)
    assert scans == [1]
    assert warm == cold


def test_a_changed_module_is_read_again(tmp_path: Path, scans: list[int]) -> None:
    target = _copy(tmp_path, "broken/brokenpkg")
    build.static_graph([target], cache_dir=tmp_path / "cache", jobs=1)
    Path(target, "good.py").write_text("import json\n")
    changed = build.static_graph([target], cache_dir=tmp_path / "cache", jobs=1)
    assert len(scans) == 2
    assert changed == build.static_graph([target], cache_dir=None, jobs=1)
    assert ("brokenpkg.good", "json") in {(e.importer, e.imported) for e in changed.edges}


def test_an_edited_attach_stub_makes_the_stored_graph_stale(tmp_path: Path) -> None:
    """The `.pyi` is no module of the tree, yet its imports are the package's lazy edges."""
    target = _copy(tmp_path, "lazy/stubpkg")
    cold = build.static_graph([target], cache_dir=tmp_path / "cache", jobs=1)
    stub = Path(target, "__init__.pyi")
    stub.write_text(stub.read_text() + "import json\n")
    edited = build.static_graph([target], cache_dir=tmp_path / "cache", jobs=1)
    assert edited == build.static_graph([target], cache_dir=None, jobs=1)
    assert edited != cold
    assert ("stubpkg", "json", "lazy") in {
        (e.importer, e.imported, e.kind.value) for e in edited.edges}
    stub.unlink()
    gone = build.static_graph([target], cache_dir=tmp_path / "cache", jobs=1)
    assert any("no readable stub" in p.reason for p in gone.problems)
