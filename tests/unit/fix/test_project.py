"""What a project declares (requires-python, dependencies), and the requires-python check."""

from __future__ import annotations

import importlib.metadata
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from packaging.specifiers import SpecifierSet

from importaudit.fix import compat, copies, trial
from importaudit.fix.project import Declared, declared, lowest
from importaudit.fix.result import Rewrite
from importaudit.static.sourcetree import project_package

if TYPE_CHECKING:
    from importaudit.fix.proof import Breakage

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "fix"
PY39 = [(v, p) for v, p in compat.interpreters() if v[:2] == (3, 9)]


@pytest.mark.parametrize(("specifier", "oldest"), [
    (">=3.9", (3, 9)), (">=3.8.1,<4", (3, 8)), ("~=3.10", (3, 10)), (">3.9", (3, 9)),
    ("==3.11.*", (3, 11)), (">=3.9,!=3.9.*", (3, 10)), (">=3.15", (3, 15)),
    (">=2.7,!=3.0.*,!=3.1.*", (2, 7)), ("<3", (2, 7)), (">=4", None),
])
def test_lowest_is_the_oldest_minor_with_an_admitted_release(
        specifier: str, oldest: tuple[int, int] | None) -> None:
    assert lowest(SpecifierSet(specifier)) == oldest


def test_pyproject_beside_the_package_is_read_and_an_extra_is_no_dependency() -> None:
    found = declared("fix_nodep", FIX / "style_nodep" / "fix_nodep", python=sys.executable,
                     timeout=60)
    assert found is not None and found.source.endswith("style_nodep/pyproject.toml")
    assert found.requires_python == ">=3.9" and found.depends_on("packaging")
    assert not found.depends_on("lazy_loader")  # only in [project.optional-dependencies]
    attach = declared("fix_attach", FIX / "style_attach" / "fix_attach",
                      python=sys.executable, timeout=60)
    assert attach is not None and attach.depends_on("Lazy.Loader")  # names normalised


def test_a_marker_makes_a_requirement_no_unconditional_dependency() -> None:
    said = Declared("x", None, ("lazy_loader; python_version >= '3.12'", "attrs>=22"))
    assert not said.depends_on("lazy-loader") and said.depends_on("attrs")


def test_src_layout_reads_the_pyproject_above_src(tmp_path: Path) -> None:
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "pkg"\n'
                                             'requires-python = ">=3.10"\n')
    found = declared("pkg", tmp_path / "src" / "pkg", python=sys.executable, timeout=60)
    assert found is not None and found.requires_python == ">=3.10"


def test_installed_metadata_is_asked_of_the_measured_interpreter() -> None:
    # click has no pyproject.toml beside it in site-packages: its dist-info answers.
    found = declared("click", None, python=sys.executable, timeout=60)
    meta = importlib.metadata.metadata("click")
    assert found is not None and found.source == f"installed metadata of {meta['Name']}"
    assert found.requires_python == meta["Requires-Python"]
    assert declared("no_such_top_package_here", None, python=sys.executable,
                    timeout=60) is None


def test_a_construct_newer_than_the_declared_range_is_refused() -> None:
    old = Declared("pyproject.toml", ">=3.6")
    reason = compat.too_new("pep562", old)
    assert reason is not None and "needs Python >= 3.7" in reason and "'>=3.6'" in reason
    assert compat.too_new("pep562", Declared("pyproject.toml", ">=3.7")) is None
    assert compat.too_new("future", Declared("p", ">=3.8")) is None
    assert compat.too_new("pep810", Declared("p", ">=3.14")) is not None
    assert compat.too_new("pep562", Declared("p", None)) is None  # nothing declared


@pytest.mark.skipif(not PY39, reason="needs Python 3.9 from pyenv")
def test_a_rewritten_file_that_an_old_python_cannot_compile_is_charged_to_its_rewrite(
        tmp_path: Path) -> None:
    src, copy = tmp_path / "src" / "pkg", tmp_path / "copy"
    src.mkdir(parents=True)
    (src / "__init__.py").write_text("")
    (src / "new.py").write_text("x = 1\n")
    (src / "old.py").write_text("match = 1\nmatch match:\n    case _: pass\n")  # 3.10 syntax
    rewrites = [Rewrite("pkg.new", src / "new.py", "x = 1\n",
                               "match x:\n    case _: pass\n"),
                Rewrite("pkg.old", src / "old.py", (src / "old.py").read_text(),
                               "match = 2\nmatch match:\n    case _: pass\n")]
    copies.copy_packages(rewrites, copy)
    ctx = trial.Context(sys.executable, (), (), 60, oldest=PY39[0])
    found: dict[str, list[Breakage]] = {}
    trial.compile_check(rewrites, ctx, copy, found)
    # new.py compiled on 3.9 before the rewrite; old.py did not (not the rewrite's fault).
    assert list(found) == ["pkg.new"]
    assert found["pkg.new"][0].message.startswith(
        f"does not compile on Python {compat.dotted(PY39[0][0])}: SyntaxError")


@pytest.mark.skipif(not PY39, reason="needs Python 3.9 from pyenv")
def test_the_originals_are_compiled_once_a_round_the_copies_each_trial(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "src" / "pkg"
    src.mkdir(parents=True)
    (src / "__init__.py").write_text("")
    (src / "old.py").write_text("match = 1\nmatch match:\n    case _: pass\n")  # 3.10
    (src / "new.py").write_text("x = 1\n")
    asked: list[list[str]] = []
    compile_errors = compat.compile_errors

    def counted(python: str, files: list[Path], **kwargs: Any) -> dict[str, str]:
        asked.append([f.name for f in files])
        return compile_errors(python, files, **kwargs)

    monkeypatch.setattr(compat, "compile_errors", counted)
    ctx = trial.Context(sys.executable, (), (), 60, oldest=PY39[0])
    for number, text in enumerate(("match x:\n    case _: pass\n", "y = 2\n")):
        rewrites = [Rewrite("pkg.new", src / "new.py", "x = 1\n", text),
                    Rewrite("pkg.old", src / "old.py", (src / "old.py").read_text(),
                            "match = 2\nmatch match:\n    case _: pass\n")]
        copy = tmp_path / f"copy{number}"
        copies.copy_packages(rewrites, copy)
        found: dict[str, list[Breakage]] = {}
        trial.compile_check(rewrites, ctx, copy, found)
        # Each trial: what it broke, judged against the originals as compiled once.
        assert list(found) == (["pkg.new"] if number == 0 else [])
    assert asked == [["new.py", "old.py"], ["new.py", "old.py"], ["new.py", "old.py"]]
    assert ctx.compile_originals == {str(src / "new.py"): True, str(src / "old.py"): False}


def _installed(site: Path, dist: str, requires: str, files: list[str]) -> None:
    info = site / f"{dist}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n"
                                   f"Requires-Python: {requires}\n")
    (info / "top_level.txt").write_text("vendorns\n")  # as setuptools writes it for each
    (info / "RECORD").write_text("".join(f"{f},,\n" for f in files))
    for name in files:
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text("")


def test_a_project_inside_a_namespace_package_is_its_own_distribution(tmp_path: Path) -> None:
    # google-cloud-storage's requires-python was read from googleapis-common-protos, the
    # distribution listed first for the `google` folder every google-* one shares.
    site = tmp_path / "site"
    for dist, requires, files in (
            ("aa_ns_protos", ">=3.12", ["vendorns/api/__init__.py"]),
            ("zz_ns_store", ">=3.9", ["vendorns/cloud/store/__init__.py"]),
            ("mm_ns_core", ">=3.11", ["vendorns/core/__init__.py"])):
        _installed(site, dist, requires, files)
    store = str(site / "vendorns" / "cloud" / "store" / "__init__.py")
    assert project_package("vendorns.cloud.store", store) == "vendorns.cloud.store"
    found = declared("vendorns.cloud.store", site / "vendorns", python=sys.executable,
                     timeout=60, env=(("PYTHONPATH", str(site)),))
    assert found is not None and found.source == "installed metadata of zz_ns_store"
    assert found.requires_python == ">=3.9"

