"""The tree cache: a walk is reused while nothing it read changed, and only then.

A directory the walk listed is kept by its mtime; a directory where a target's name
was only looked up (the current directory, a sys.path entry, a package folder holding
a dotted target) by the few paths the name can be found as there. Each trap below is a
change that must make the next run walk again, and the first test a change that must
not.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import os
import shutil
from typing import TYPE_CHECKING
from unittest import mock

import pytest
from venvs import fresh_venv

from importaudit.api.runs import Environments
from importaudit.config.options import Measure
from importaudit.static.discover import discover

if TYPE_CHECKING:
    from pathlib import Path

    from importaudit.static.sourcetree import SearchPath, SourceTree

LONG_AGO = 1_000_000_000  # an mtime no run can take for "racily" recent


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _old(*roots: Path) -> None:
    """Give every directory under `roots` an mtime long past."""
    for root in roots:
        for folder, _, _ in os.walk(root):
            os.utime(folder, (LONG_AGO, LONG_AGO))


def _walk(targets: list[str], cwd: Path, search: list[str] | SearchPath,
          cache: Path) -> tuple[SourceTree, int]:
    """The tree `discover` gives with the cache at `cache`, and how many folders it listed."""
    with mock.patch.object(os, "scandir", wraps=os.scandir) as listing:
        tree = discover(targets, cwd=cwd, search_path=search, cache_dir=cache)
    return tree, listing.call_count


@pytest.fixture
def places(tmp_path: Path) -> dict[str, Path]:
    """A current directory and three sys.path entries, empty, and a cache folder."""
    found = {name: tmp_path / name for name in ("work", "early", "site", "late", "cache")}
    for path in found.values():
        path.mkdir()
    return found


def _search(places: dict[str, Path]) -> list[str]:
    return [str(places[name]) for name in ("early", "site", "late")]


def _installed(places: dict[str, Path]) -> None:
    _write(places["site"], {"pkg/__init__.py": "", "pkg/core.py": "import os\n"})
    _old(*places.values())


def test_a_new_file_beside_where_the_target_is_looked_up_keeps_the_cache(
        places: dict[str, Path]) -> None:
    """An editor's temp file or a build artefact in the current directory, or another
    package installed beside the target, cannot change where `pkg` is found."""
    _installed(places)
    first, _ = _walk(["pkg"], places["work"], _search(places), places["cache"])
    _write(places["work"], {".notes.txt.swp": "", "build/out.o": "", "pkgs.py": ""})
    _write(places["site"], {"other/__init__.py": "", "pkg-1.0.dist-info/RECORD": ""})
    _write(places["early"], {"unrelated.py": ""})
    again, listed = _walk(["pkg"], places["work"], _search(places), places["cache"])
    assert listed == 0
    assert again == first


@pytest.mark.parametrize("where", ["work", "early"])
@pytest.mark.parametrize("shape", ["pkg.py", "pkg/__init__.py", "compiled"])
def test_a_module_of_the_targets_name_earlier_on_the_path_shadows_it(
        places: dict[str, Path], where: str, shape: str) -> None:
    _installed(places)
    first, _ = _walk(["pkg"], places["work"], _search(places), places["cache"])
    assert first.modules["pkg"].path == str(places["site"] / "pkg" / "__init__.py")
    name = f"pkg{importlib.machinery.EXTENSION_SUFFIXES[0]}" if shape == "compiled" else shape
    _write(places[where], {name: ""})
    again, _ = _walk(["pkg"], places["work"], _search(places), places["cache"])
    assert again.modules["pkg"].path == str(places[where] / name)
    assert "pkg.core" not in again.modules


def test_a_folder_of_the_targets_name_in_the_current_directory_makes_it_a_path(
        places: dict[str, Path]) -> None:
    """`pkg/` without `__init__.py` here is a source root: the target is that folder now."""
    _installed(places)
    _walk(["pkg"], places["work"], _search(places), places["cache"])
    _write(places["work"], {"pkg/tool.py": ""})
    again, _ = _walk(["pkg"], places["work"], _search(places), places["cache"])
    assert again.roots == ["tool"]


def test_a_namespace_portion_earlier_on_the_path_that_becomes_a_package_shadows(
        places: dict[str, Path]) -> None:
    """A folder without `__init__.py` gives way to a package later on the path, until it
    gets one."""
    _write(places["early"], {"pkg/mine.py": ""})
    _installed(places)
    first, _ = _walk(["pkg"], places["work"], _search(places), places["cache"])
    assert set(first.modules) == {"pkg", "pkg.core"}
    _write(places["early"], {"pkg/__init__.py": ""})
    again, _ = _walk(["pkg"], places["work"], _search(places), places["cache"])
    assert set(again.modules) == {"pkg", "pkg.mine"}


def test_a_new_portion_of_a_namespace_target_anywhere_on_the_path_is_walked(
        places: dict[str, Path]) -> None:
    _write(places["early"], {"ns/a.py": ""})
    _write(places["late"], {"ns/b.py": ""})
    _old(*places.values())
    first, _ = _walk(["ns"], places["work"], _search(places), places["cache"])
    assert set(first.modules) == {"ns", "ns.a", "ns.b"}
    _write(places["site"], {"ns/c.py": ""})  # between the two
    again, _ = _walk(["ns"], places["work"], _search(places), places["cache"])
    assert set(again.modules) == {"ns", "ns.a", "ns.b", "ns.c"}
    _write(places["work"], {"ns.py": ""})  # a module beats every portion
    last, _ = _walk(["ns"], places["work"], _search(places), places["cache"])
    assert list(last.modules) == ["ns"]
    assert not last.modules["ns"].is_package


def test_a_dotted_target_that_becomes_a_package_is_walked(places: dict[str, Path]) -> None:
    """`pkg.sub` is looked up in `pkg`'s folder, which the walk of `pkg.sub` never lists."""
    _write(places["site"], {"pkg/__init__.py": "", "pkg/sub.py": ""})
    _old(*places.values())
    first, _ = _walk(["pkg.sub"], places["work"], _search(places), places["cache"])
    assert list(first.modules) == ["pkg.sub"]
    _write(places["site"], {"pkg/sub/__init__.py": "", "pkg/sub/leaf.py": ""})
    again, _ = _walk(["pkg.sub"], places["work"], _search(places), places["cache"])
    assert set(again.modules) == {"pkg.sub", "pkg.sub.leaf"}


def test_the_order_of_the_path_decides_which_copy_is_walked(places: dict[str, Path]) -> None:
    _write(places["early"], {"pkg/__init__.py": "", "pkg/first.py": ""})
    _installed(places)
    first, _ = _walk(["pkg"], places["work"], _search(places), places["cache"])
    assert "pkg.first" in first.modules
    reordered = [str(places["site"]), str(places["early"])]
    again, _ = _walk(["pkg"], places["work"], reordered, places["cache"])
    assert "pkg.core" in again.modules


def test_a_path_entry_that_appears_later_is_looked_in(places: dict[str, Path]) -> None:
    """An entry that does not exist yet (a folder a build makes) may come to shadow."""
    _installed(places)
    missing = places["work"].parent / "made-later"
    search = [str(missing), *_search(places)]
    _walk(["pkg"], places["work"], search, places["cache"])
    _write(missing, {"pkg.py": ""})
    # This process's path finder remembers that the entry was no folder; a new run's
    # process (a command) starts without that memory.
    importlib.invalidate_caches()
    again, _ = _walk(["pkg"], places["work"], search, places["cache"])
    assert again.modules["pkg"].path == str(missing / "pkg.py")


def test_a_path_target_keeps_the_cache_when_its_parent_gets_other_files(
        places: dict[str, Path]) -> None:
    """`graph pkg/` depends on the folder itself and the `__init__.py` files above it."""
    _write(places["work"], {"pkg/__init__.py": "", "pkg/core.py": ""})
    _old(*places.values())
    first, _ = _walk(["pkg/"], places["work"], [], places["cache"])
    _write(places["work"], {"README.md": ""})
    again, listed = _walk(["pkg/"], places["work"], [], places["cache"])
    assert (listed, again) == (0, first)
    _write(places["work"], {"__init__.py": ""})  # now pkg is a subpackage of `work`
    last, _ = _walk(["pkg/"], places["work"], [], places["cache"])
    assert last.roots == ["work.pkg"]


# ------------------------------------------------------------ another interpreter's path


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A fresh venv's python and its site-packages."""
    return fresh_venv(tmp_path_factory.mktemp("venv"))


def _where(python: Path) -> SearchPath:
    """Where `python` finds names now (asked afresh, as every command run asks)."""
    return Environments().search_path(Measure(python=str(python)))


def test_a_pth_file_that_adds_a_portion_of_the_target_is_seen(
        venv: tuple[Path, Path], tmp_path: Path) -> None:
    python, site = venv
    _write(site, {"pthns/a.py": ""})
    _write(tmp_path, {"extra/pthns/b.py": ""})
    cwd, cache = tmp_path / "work", tmp_path / "cache"
    cwd.mkdir()
    _old(site, tmp_path)
    first, _ = _walk(["pthns"], cwd, _where(python), cache)
    assert set(first.modules) == {"pthns", "pthns.a"}
    try:
        (site / "extra.pth").write_text(f"{tmp_path / 'extra'}\n")
        again, _ = _walk(["pthns"], cwd, _where(python), cache)
    finally:
        (site / "extra.pth").unlink()
        shutil.rmtree(site / "pthns")
    assert set(again.modules) == {"pthns", "pthns.a", "pthns.b"}


def _editable(site: Path, source: Path) -> None:
    """Install `edpkg` from `source` as setuptools' editable installs do: a finder on
    sys.meta_path, installed by a `.pth` line, maps the name to a folder."""
    for old in site.glob("*edpkg*"):
        old.unlink()  # pip uninstalls first
    _write(site, {
        "__editable___edpkg_1_0_finder.py": (
            "import importlib.machinery, sys\n"
            f"MAPPING = {{'edpkg': {str(source / 'edpkg')!r}}}\n"
            "class _EditableFinder:\n"
            "    @classmethod\n"
            "    def find_spec(cls, name, path=None, target=None):\n"
            "        if name not in MAPPING:\n"
            "            return None\n"
            "        return importlib.machinery.PathFinder.find_spec(\n"
            "            name, [MAPPING[name].rpartition('/')[0]])\n"
            "def install():\n"
            "    sys.meta_path.append(_EditableFinder)\n"),
        "__editable__.edpkg-1.0.pth": (
            "import __editable___edpkg_1_0_finder; __editable___edpkg_1_0_finder.install()\n"),
    })


def test_an_editable_install_pointed_elsewhere_is_walked_again(
        venv: tuple[Path, Path], tmp_path: Path) -> None:
    python, site = venv
    _write(tmp_path, {"one/edpkg/__init__.py": "", "one/edpkg/old.py": "",
                      "two/edpkg/__init__.py": "", "two/edpkg/new.py": ""})
    cwd, cache = tmp_path / "work", tmp_path / "cache"
    cwd.mkdir()
    _editable(site, tmp_path / "one")
    _old(site, tmp_path)
    try:
        first, _ = _walk(["edpkg"], cwd, _where(python), cache)
        assert set(first.modules) == {"edpkg", "edpkg.old"}
        _write(cwd, {"scratch.txt": ""})  # the current directory holds no finder
        kept, listed = _walk(["edpkg"], cwd, _where(python), cache)
        assert (listed, kept) == (0, first)
        _editable(site, tmp_path / "two")
        again, _ = _walk(["edpkg"], cwd, _where(python), cache)
    finally:
        for installed in site.glob("*edpkg*"):
            installed.unlink()
    assert set(again.modules) == {"edpkg", "edpkg.new"}


def test_a_link_of_the_targets_name_repointed_is_walked_again(
        places: dict[str, Path], tmp_path: Path) -> None:
    """`site/pkg` a symlink moved from one copy to another whose folders have the same
    mtimes (unpacked archives keep theirs): its kind and the walked mtimes stay, the
    link's own folder does not."""
    _write(tmp_path / "a", {"pkg/__init__.py": "", "pkg/first.py": ""})
    _write(tmp_path / "b", {"pkg/__init__.py": "", "pkg/second.py": ""})
    link = places["site"] / "pkg"
    link.symlink_to(tmp_path / "a" / "pkg")
    _old(*places.values(), tmp_path / "a", tmp_path / "b")
    first, _ = _walk(["pkg"], places["work"], _search(places), places["cache"])
    assert "pkg.first" in first.modules
    link.unlink()
    link.symlink_to(tmp_path / "b" / "pkg")
    again, _ = _walk(["pkg"], places["work"], _search(places), places["cache"])
    assert "pkg.second" in again.modules and "pkg.first" not in again.modules
