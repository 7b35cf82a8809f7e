"""Finding the modules of the targets on disk, without importing anything."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from importaudit.errors import TargetNotFoundError, UsageError
from importaudit.static.build import static_graph
from importaudit.static.discover import discover

STATIC = Path(__file__).resolve().parents[2] / "fixtures" / "static"


def test_a_directory_without_init_is_a_source_root_of_top_level_packages() -> None:
    tree = discover(["cyclic"], cwd=STATIC)
    assert tree.roots == ["pkg_a", "pkg_b"]
    assert list(tree.modules) == ["pkg_a", "pkg_a.core", "pkg_a.left", "pkg_a.right",
                                  "pkg_b", "pkg_b.service"]
    core = tree.modules["pkg_a.core"]
    assert core.display == os.path.join("cyclic", "pkg_a", "core.py")
    assert tree.modules["pkg_a"].is_package


def test_a_package_directory_is_named_by_walking_up_its_parent_packages() -> None:
    tree = discover(["relative/relpkg/sub"], cwd=STATIC)
    assert tree.roots == ["relpkg.sub"]
    assert set(tree.modules) == {"relpkg.sub", "relpkg.sub.deep"}


def test_a_single_file_target() -> None:
    tree = discover(["relative/relpkg/sibling.py"], cwd=STATIC)
    assert tree.roots == ["relpkg.sibling"]
    assert list(tree.modules) == ["relpkg.sibling"]


def test_namespace_packages_and_directories_without_code() -> None:
    tree = discover(["namespace"], cwd=STATIC)
    assert tree.roots == ["nspkg", "standalone"]
    assert tree.modules["nspkg"].namespace
    assert tree.modules["nspkg.inner"].namespace
    assert not tree.modules["nspkg.regular"].namespace
    assert "not_code" not in tree.modules  # no Python in it: not a module


def test_a_package_name_is_found_on_the_path_without_importing_it() -> None:
    tree = discover(["relpkg"], cwd=STATIC / "relative")
    assert tree.roots == ["relpkg"]
    assert "relpkg.sub.deep" in tree.modules
    assert "relpkg" not in sys.modules


def test_a_dotted_name_finds_the_subpackage_only() -> None:
    tree = discover(["relpkg.sub"], cwd=STATIC / "relative")
    assert set(tree.modules) == {"relpkg.sub", "relpkg.sub.deep"}


NESTED = STATIC / "nested_ns"


def test_a_package_inside_a_namespace_inside_a_namespace_is_found() -> None:
    # vendorns and vendorns.cloud have no __init__.py, and each is spread over two site
    # directories (google.cloud.storage, azure.storage.blob): the lookup raised KeyError.
    where = [str(NESTED / "site_a"), str(NESTED / "site_b")]
    tree = discover(["vendorns.cloud.store"], cwd=NESTED / "app", search_path=where)
    assert tree.roots == ["vendorns.cloud.store"]
    assert set(tree.modules) == {"vendorns.cloud.store", "vendorns.cloud.store.blob"}
    whole = discover(["vendorns.cloud"], cwd=NESTED / "app", search_path=where)
    assert whole.modules["vendorns.cloud"].namespace
    assert {"vendorns.cloud.queue", "vendorns.cloud.store.blob"} <= set(whole.modules)
    assert "vendorns" not in sys.modules and "vendorns.cloud" not in sys.modules


def test_modules_of_nested_namespace_packages_outside_the_targets_are_found(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(NESTED / "app")
    for site in ("site_b", "site_a"):
        monkeypatch.syspath_prepend(str(NESTED / site))
    graph = static_graph(["cloudapp"], cache_dir=None, collapse_external=False)
    used = {e.imported for e in graph.edges if e.importer == "cloudapp"}
    # `from vendorns.cloud import queue` names the module, found in the other site dir.
    assert {"vendorns.cloud.queue", "vendorns.cloud.store"} <= used


def test_dotted_file_names_are_reported_not_scanned() -> None:
    tree = discover(["broken"], cwd=STATIC)
    assert "brokenpkg.good" in tree.modules
    assert not any("not" in name for name in tree.modules)
    assert [p.reason for p in tree.problems if "not.a.module" in p.file] == [
        "file name has a dot in its stem; no import can name it, so it cannot be imported"]


def test_files_only_import_module_can_name_are_modules(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Django loads migrations by name: importlib.import_module("shop.migrations.0001_initial").
    migrations = tmp_path / "shop" / "migrations"
    migrations.mkdir(parents=True)
    (tmp_path / "shop" / "__init__.py").write_text("")
    (migrations / "__init__.py").write_text("")
    (migrations / "0001_initial.py").write_text("from shop import models\n")
    (migrations / "0002_add-price.py").write_text("import decimal\n")
    (tmp_path / "shop" / "models.py").write_text("")
    tree = discover(["shop"], cwd=tmp_path)
    assert tree.problems == []
    assert {"shop.migrations.0001_initial", "shop.migrations.0002_add-price"} <= set(
        tree.modules)
    # No import statement runs them: a --tree walk does not import them.
    assert tree.by_name_only() == ["shop.migrations.0001_initial",
                                   "shop.migrations.0002_add-price"]
    assert "shop.models" in tree.import_order()
    assert not set(tree.by_name_only()) & set(tree.import_order())
    monkeypatch.chdir(tmp_path)
    graph = static_graph(["shop"], cache_dir=None)
    edges = {(e.importer, e.imported) for e in graph.edges}
    assert ("shop.migrations.0001_initial", "shop.models") in edges
    assert graph.problems == ()


@pytest.mark.parametrize("target", ["no_such_package_anywhere", "missing/dir", "gone.py"])
def test_a_target_that_does_not_exist_is_a_usage_error(target: str) -> None:
    with pytest.raises(TargetNotFoundError) as caught:
        discover([target], cwd=STATIC)
    assert caught.value.exit_status == 2
    assert target in str(caught.value)


def test_a_non_python_target_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(UsageError):
        discover(["notes.txt"], cwd=tmp_path)
    with pytest.raises(UsageError):
        discover(["sys"], cwd=tmp_path)  # built in: no source to read


def test_symlink_loops_are_reported_and_do_not_hang(tmp_path: Path) -> None:
    package = tmp_path / "looped"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "mod.py").write_text("import looped\n")
    (package / "again").symlink_to(package, target_is_directory=True)
    tree = discover(["looped"], cwd=tmp_path)
    assert set(tree.modules) == {"looped", "looped.mod"}
    assert [p.reason for p in tree.problems] == [
        "symlink loop (a link to a directory above it); skipped"]


def test_a_link_to_a_real_directory_is_an_alias_and_the_real_one_is_walked(
        tmp_path: Path) -> None:
    # `a_compat` sorts first: the real `z_real` must still be walked, the alias said.
    package = tmp_path / "aliased"
    (package / "z_real").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "z_real" / "__init__.py").write_text("")
    (package / "z_real" / "mod.py").write_text("")
    (package / "a_compat").symlink_to("z_real", target_is_directory=True)
    tree = discover(["aliased"], cwd=tmp_path)
    assert set(tree.modules) == {"aliased", "aliased.z_real", "aliased.z_real.mod"}
    assert [(p.file, p.reason) for p in tree.problems] == [
        (os.path.join("aliased", "a_compat"), "symlink to a directory already walked as "
         "aliased.z_real; alias aliased.a_compat skipped")]


def test_a_link_to_a_directory_walked_nowhere_else_is_walked(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "__init__.py").write_text("")
    (tmp_path / "elsewhere" / "inner.py").write_text("")
    (tmp_path / "linked").mkdir()
    (tmp_path / "linked" / "__init__.py").write_text("")
    (tmp_path / "linked" / "sub").symlink_to(tmp_path / "elsewhere",
                                             target_is_directory=True)
    tree = discover(["linked"], cwd=tmp_path)
    assert set(tree.modules) == {"linked", "linked.sub", "linked.sub.inner"}
    assert tree.problems == []


def test_only_identifiers_are_walked_not_pycache_nor_data_folders(tmp_path: Path) -> None:
    package = tmp_path / "withdata"
    for folder in ("__pycache__", "templates", "static-files", "sub"):
        (package / folder).mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "templates" / "page.html").write_text("<p>")
    (package / "static-files" / "x.py").write_text("")
    (package / "__pycache__" / "stale.py").write_text("")
    tree = discover(["withdata"], cwd=tmp_path)
    assert list(tree.modules) == ["withdata", "withdata.sub"]


def _zipped_package(tmp_path: Path) -> Path:
    import zipfile

    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("zpkg/__init__.py", "from zpkg import core\n")
        out.writestr("zpkg/core.py", "from zpkg.sub import leaf\n")
        out.writestr("zpkg/sub/__init__.py", "")
        out.writestr("zpkg/sub/leaf.py", "import zpkg.core\n")
        out.writestr("zpkg/data/readme.txt", "not code")
        out.writestr("zpkg/tests/test_it.py", "")
    return archive


def test_a_package_inside_a_zip_archive_is_walked(tmp_path: Path) -> None:
    archive = _zipped_package(tmp_path)
    tree = discover(["zpkg"], cwd=tmp_path / "nowhere", search_path=[str(archive)])
    assert list(tree.modules) == ["zpkg", "zpkg.core", "zpkg.sub", "zpkg.sub.leaf"]
    assert tree.modules["zpkg.sub.leaf"].path == os.path.join(
        str(archive), "zpkg", "sub", "leaf.py")
    assert tree.excluded == {"zpkg.tests": "tests"}


def test_exclusions_stop_the_walk_and_tests_are_left_out_unless_asked_for(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from importaudit.static.sourcetree import Exclusions

    package = tmp_path / "big"
    for folder in ("tests", "vendored/deep", "core"):
        (package / folder).mkdir(parents=True)
        (package / folder / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "vendored" / "__init__.py").write_text("")
    (package / "conftest.py").write_text("")
    listed: list[str] = []
    real = os.scandir

    def counting(path: str):  # type: ignore[no-untyped-def]
        listed.append(os.path.relpath(path, tmp_path))
        return real(path)

    monkeypatch.setattr(os, "scandir", counting)
    tree = discover(["big"], cwd=tmp_path, exclusions=Exclusions(("big.vendored",)))
    assert list(tree.modules) == ["big", "big.core"]
    assert tree.excluded == {"big.conftest": "tests", "big.tests": "tests",
                             "big.vendored": "big.vendored"}
    assert not any(p.startswith(os.path.join("big", "vendored")) for p in listed)
    everything = discover(["big"], cwd=tmp_path, exclusions=Exclusions(tests=False))
    assert "big.tests" in everything.modules and "big.conftest" in everything.modules
    assert "big.vendored.deep" in everything.modules
    # A target is never left out, even when named like a test package.
    assert discover(["big.tests"], cwd=tmp_path).roots == ["big.tests"]


def test_test_packages_marked_private_are_left_out_too(tmp_path: Path) -> None:
    # trio's tests live in `trio._tests`; walked, its check_type_completeness script
    # raised "This script should be run standalone" and every --tree command exited 3.
    package = tmp_path / "trioish"
    for folder in ("", "_tests", "_testing"):
        (package / folder).mkdir(exist_ok=True)
        (package / folder / "__init__.py").write_text("")
    (package / "_tests" / "check_types.py").write_text(
        "assert __name__ == '__main__', 'This script should be run standalone'\n")
    tree = discover(["trioish"], cwd=tmp_path)
    assert list(tree.modules) == ["trioish"]
    assert tree.excluded == {"trioish._testing": "tests", "trioish._tests": "tests"}


def test_a_package_wins_over_a_module_and_a_namespace_directory(tmp_path: Path) -> None:
    (tmp_path / "both").mkdir()
    (tmp_path / "both" / "__init__.py").write_text("")
    (tmp_path / "both.py").write_text("")
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "x.py").write_text("")
    (tmp_path / "plain.py").write_text("")
    tree = discover(["."], cwd=tmp_path)
    assert tree.modules["both"].is_package
    assert tree.modules["plain"].path == str(tmp_path / "plain.py")
    assert "plain.x" not in tree.modules


def test_no_targets_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        discover([])


def _old(root: Path) -> None:
    """Give every directory under `root` an mtime long past (not "racily" recent)."""
    for folder, _, _ in os.walk(root):
        os.utime(folder, (1_000_000_000, 1_000_000_000))


def _package(root: Path) -> None:
    (root / "pkg" / "sub").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "sub" / "__init__.py").write_text("")
    (root / "pkg" / "sub" / "mod.py").write_text("import os\n")


def test_a_cached_discovery_is_reused_while_no_directory_changes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _package(tmp_path)
    cache = tmp_path / "cache"
    cache.mkdir()  # before the mtimes are set: creating it would change the cwd's
    _old(tmp_path)
    first = discover(["pkg"], cwd=tmp_path, cache_dir=cache)

    def no_listing(path: object) -> None:
        raise AssertionError("listed a directory although nothing changed")

    with monkeypatch.context() as patched:
        patched.setattr(os, "scandir", no_listing)
        again = discover(["pkg"], cwd=tmp_path, cache_dir=cache)
    assert again == first
    # Adding a module changes its directory's mtime: the next run lists again.
    (tmp_path / "pkg" / "sub" / "new.py").write_text("")
    changed = discover(["pkg"], cwd=tmp_path, cache_dir=cache)
    assert "pkg.sub.new" in changed.modules


def test_a_discovery_of_just_changed_directories_is_not_trusted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _package(tmp_path)  # mtimes: now, within the mtime resolution of the listing
    cache = tmp_path / "cache"
    discover(["pkg"], cwd=tmp_path, cache_dir=cache)
    listed: list[object] = []
    real = os.scandir

    def counting(path: str):  # type: ignore[no-untyped-def]
        listed.append(path)
        return real(path)

    monkeypatch.setattr(os, "scandir", counting)
    discover(["pkg"], cwd=tmp_path, cache_dir=cache)
    assert listed


def test_only_a_cached_discovery_stats_every_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Mtimes are for the cache: without one, a folder with no folder in it is only listed.

    (A folder with subfolders is stat'ed for its device, which their keys carry.)
    """
    _package(tmp_path)
    data = tmp_path / "pkg" / "locale" / "en" / "LC_MESSAGES"
    data.mkdir(parents=True)
    (data / "django.po").write_text("")
    stated: list[str] = []
    real = os.stat

    def counting(path: str | os.PathLike[str], *args: object, **kwargs: object) -> object:
        stated.append(os.fspath(path))
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    with monkeypatch.context() as patched:
        patched.setattr(os, "stat", counting)
        tree = discover(["pkg"], cwd=tmp_path)
    assert str(data) not in stated
    assert str(data.parent) in stated  # en: its device, for LC_MESSAGES' key
    with monkeypatch.context() as patched:
        patched.setattr(os, "stat", counting)
        cached = discover(["pkg"], cwd=tmp_path, cache_dir=tmp_path / "cache")
    assert str(data) in stated
    assert cached == tree
    assert "pkg.locale" not in tree.modules


def test_the_measured_interpreters_own_build_of_a_compiled_module_wins(tmp_path: Path) -> None:
    from importaudit.static.sourcetree import SearchPath

    package = tmp_path / "builds"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for tag in ("cpython-311-x86_64-linux-gnu", "cpython-313-x86_64-linux-gnu"):
        (package / f"fast.{tag}.so").write_bytes(b"")
    for tag in ("311", "313"):
        where = SearchPath((str(tmp_path),),
                           extension_suffixes=(f".cpython-{tag}-x86_64-linux-gnu.so",
                                               ".abi3.so", ".so"),
                           python=f"/somewhere/python3.{tag[1:]}")
        tree = discover(["builds"], cwd=tmp_path / "elsewhere", search_path=where)
        assert tree.modules["builds.fast"].path == str(
            package / f"fast.cpython-{tag}-x86_64-linux-gnu.so")


def test_a_folder_is_a_target_when_python_is_in_it_or_below(tmp_path: Path) -> None:
    from importaudit.static.discover import names_a_path

    (tmp_path / "src" / "ns" / "pkg").mkdir(parents=True)
    (tmp_path / "src" / "ns" / "pkg" / "mod.py").write_text("import json\n")
    (tmp_path / "numba").mkdir()
    (tmp_path / "numba" / "profile.out").write_text("output, not code\n")
    # A source root of namespace packages only is still that folder.
    assert names_a_path("src", tmp_path)
    assert discover(["src"], cwd=tmp_path).roots == ["ns"]
    # A folder named like a package with no Python in it is no target: the name is.
    assert not names_a_path("numba", tmp_path)
    assert names_a_path("./numba", tmp_path)
