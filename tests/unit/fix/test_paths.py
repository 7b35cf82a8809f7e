"""The path shapes a user gives `fix` (and every command): names, and one copy per package."""

from __future__ import annotations

import os
import py_compile
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from importaudit.api import resolve_targets
from importaudit.fix.copies import copy_packages, rewritten_copy
from importaudit.fix.result import FixResult, Rewrite

if TYPE_CHECKING:
    import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def package(root: Path) -> Path:
    (root / "pkg" / "sub").mkdir(parents=True)
    for init in (root / "pkg" / "__init__.py", root / "pkg" / "sub" / "__init__.py"):
        init.write_text("VALUE = 1\n")
    return root / "pkg"


def test_a_packages_own_file_names_the_package(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package(tmp_path)
    monkeypatch.chdir(tmp_path)
    # `pkg.sub.__init__` would run the file a second time as a module of its own.
    for given in ("pkg/sub/__init__.py", "pkg/sub/", "./pkg/sub", str(tmp_path / "pkg/sub")):
        assert resolve_targets([given]).modules == ("pkg.sub",), given
        assert resolve_targets([given]).extra_path == (str(tmp_path),), given


def test_a_link_to_a_package_is_named_as_given(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = package(tmp_path / "real")
    (tmp_path / "here").mkdir()
    (tmp_path / "here" / "alias").symlink_to(real, target_is_directory=True)
    monkeypatch.chdir(tmp_path / "here")
    # As Python names it with the link's folder on sys.path, and as the static walk does:
    # the real name made the measured module another one than the reviewed one.
    resolved = resolve_targets(["alias/sub"])
    assert resolved.modules == ("alias.sub",)
    assert resolved.extra_path == (str(tmp_path / "here"),)


def test_one_package_reached_two_ways_is_copied_once(tmp_path: Path) -> None:
    real = package(tmp_path / "real")
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    linked = tmp_path / "link" / "pkg"
    rewrites = [Rewrite("pkg", real / "__init__.py", "VALUE = 1\n", "VALUE = 2\n"),
                Rewrite("pkg.sub", linked / "sub" / "__init__.py", "VALUE = 1\n",
                               "VALUE = 3\n")]
    copy = tmp_path / "copy"
    copy.mkdir()
    copy_packages(rewrites, copy)
    assert (copy / "pkg" / "__init__.py").read_text() == "VALUE = 2\n"
    assert (copy / "pkg" / "sub" / "__init__.py").read_text() == "VALUE = 3\n"
    assert os.listdir(copy) == ["pkg"]


def test_a_module_outside_any_package_is_copied_alone(tmp_path: Path) -> None:
    (tmp_path / "other.py").write_text("")
    solo = tmp_path / "solo.py"
    solo.write_text("import json\n")
    copy = tmp_path / "copy"
    copy.mkdir()
    copy_packages([Rewrite("solo", solo, "import json\n", "X = 1\n")], copy)
    assert os.listdir(copy) == ["solo.py"]
    assert (copy / "solo.py").read_text() == "X = 1\n"


def test_the_proofs_copy_keeps_the_bytecode_of_the_files_no_rewrite_changed(
        tmp_path: Path) -> None:
    # Installed as pip installs it, bytecode compiled; the __init__'s cache is an
    # unchecked hash (some distributions install those): never compared with the
    # source, so a rewrite that left it in the copy would not be what the copy imports.
    root = package(tmp_path / "site")
    (root / "sub" / "__init__.py").write_text("VALUE = 'sub'\n")
    py_compile.compile(str(root / "__init__.py"), doraise=True,
                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    py_compile.compile(str(root / "sub" / "__init__.py"), doraise=True)
    copy = tmp_path / "copy"
    copy.mkdir()
    copy_packages([Rewrite("pkg", root / "__init__.py", "VALUE = 1\n", "VALUE = 2\n")],
                  copy, bytecode=True)
    assert list((copy / "pkg" / "__pycache__").iterdir()) == []
    kept = [p.name for p in (copy / "pkg" / "sub" / "__pycache__").iterdir()]
    assert kept == [f"__init__.{sys.implementation.cache_tag}.pyc"]
    done = subprocess.run([sys.executable, "-B", "-c", "import pkg, pkg.sub; "
                           "print(pkg.VALUE, pkg.sub.VALUE)"],
                          cwd=copy, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["2", "sub"]
    # Without it, no bytecode is copied at all.
    plain = tmp_path / "plain"
    plain.mkdir()
    copy_packages([Rewrite("pkg", root / "__init__.py", "VALUE = 1\n", "VALUE = 2\n")],
                  plain)
    assert not list(plain.rglob("__pycache__"))


def test_the_measured_copies_keep_the_bytecode_of_the_files_no_rewrite_changed(
        tmp_path: Path) -> None:
    # Each measured copy is imported with a warm-up first, which compiled every module
    # it loaded from a copy without caches (2 s of CPU a copy of holidays).
    root = package(tmp_path / "site")
    (root / "sub" / "__init__.py").write_text("VALUE = 'sub'\n")
    for file in (root / "__init__.py", root / "sub" / "__init__.py"):
        py_compile.compile(str(file), doraise=True)
    rewrite = Rewrite("pkg", root / "__init__.py", "VALUE = 1\n", "VALUE = 2\n")
    cached = f"__init__.{sys.implementation.cache_tag}.pyc"
    for apply in (True, False):
        with rewritten_copy(FixResult((rewrite,)), apply=apply) as copy:
            assert [p.name for p in (copy / "pkg" / "sub" / "__pycache__").iterdir()] == [
                cached]
            assert [p.name for p in (copy / "pkg" / "__pycache__").iterdir()] == (
                [] if apply else [cached])
            done = subprocess.run([sys.executable, "-B", "-c", "import pkg; print(pkg.VALUE)"],
                                  cwd=copy, capture_output=True, text=True, check=True)
            assert done.stdout.split() == ["2" if apply else "1"]


def test_a_rewrite_of_a_linked_module_never_writes_through_the_link(tmp_path: Path) -> None:
    # A package whose __init__ is a symlink to a file elsewhere (absolute and relative):
    # the proof's copy keeps the link, and writing the rewrite there wrote the user's
    # own file, though `fix` ran without --write.
    for absolute in (True, False):
        root = tmp_path / ("absolute" if absolute else "relative")
        (root / "real").mkdir(parents=True)
        original = root / "real" / "init.py"
        original.write_text("VALUE = 1\n")
        (root / "pkg").mkdir()
        link = root / "pkg" / "__init__.py"
        link.symlink_to(original if absolute else os.path.join("..", "real", "init.py"))
        copy = root / "copy"
        copy.mkdir()
        copy_packages([Rewrite("pkg", link, "VALUE = 1\n", "VALUE = 2\n")], copy)
        assert original.read_text() == "VALUE = 1\n"
        assert (copy / "pkg" / "__init__.py").read_text() == "VALUE = 2\n"
        assert not (copy / "pkg" / "__init__.py").is_symlink()


def test_a_copy_of_a_copy_still_finds_what_the_wheel_installed_beside_it(
        tmp_path: Path) -> None:
    # numpy's second round of `fix` copies the copy the first round proved, which has
    # no RECORD, only the link to numpy.libs the first copy made: the second copy
    # lacked it, and every module "no longer imported" (libscipy_openblas64_...so).
    site = tmp_path / "site"
    shutil.copytree(FIXTURES / "fix" / "libsite", site)
    first, second = tmp_path / "round1", tmp_path / "round2"
    first.mkdir()
    second.mkdir()
    view = site / "fix_vendored" / "view.py"
    copy_packages([Rewrite("fix_vendored.view", view, view.read_text(), "X = 1\n")], first)
    again = first / "fix_vendored" / "view.py"
    copy_packages([Rewrite("fix_vendored.view", again, again.read_text(), "X = 2\n")], second)
    for copy in (first, second):
        libs = copy / "fix_vendored.libs"
        assert libs.is_symlink()
        assert libs.resolve() == (site / "fix_vendored.libs").resolve()  # not a chain
        done = subprocess.run([sys.executable, "-c", "import fix_vendored.view as v; print(v.X)"],
                              cwd=copy, capture_output=True, text=True, check=False)
        assert done.stdout.split() == ["1" if copy is first else "2"], done.stderr
    # The user's tree is not touched, nor is a folder without a RECORD linked.
    assert not (site / "fix_vendored.libs").is_symlink()


def test_every_distribution_of_a_namespace_top_and_a_module_file_are_read(
        tmp_path: Path) -> None:
    # Two distributions install into the namespace `ns`, each with its libraries
    # beside it: a copy of `ns` needs both. A top-level module is looked up by name.
    from importaudit.fix.copies import installed_beside

    for dist, libs, files in (("a-1.0", "a.libs", ["ns/a/__init__.py"]),
                              ("b-1.0", "b.libs", ["ns/b/__init__.py"]),
                              ("solo-1.0", "solo.libs", ["solo.py"])):
        (tmp_path / libs).mkdir()
        info = tmp_path / f"{dist}.dist-info"
        info.mkdir()
        (info / "RECORD").write_text("".join(f"{f},,\n" for f in [*files, f"{libs}/x.so"]))
    assert installed_beside(tmp_path, "ns") == ("a.libs", "b.libs")
    assert installed_beside(tmp_path, "solo.py") == ("solo.libs",)
