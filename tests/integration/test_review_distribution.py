"""`review` of an installed package also reviews what its distribution installs beside it.

pytest's code is in `_pytest`, which the pytest distribution installs next to `pytest`
and `pytest/__init__.py` imports: reviewed alone, pytest measured 247 modules and
found nothing, because `_pytest` counted as a dependency. The fixture distribution
`twinpkg` (tests/fixtures/distribution, copied into a fresh venv's site-packages with
its RECORD) has that shape: `twinpkg` imports `_twinpkg`, whose module takes a
standard-library type for an annotation only (IA501). It also installs
`twinpkg_tools`, which only `twinpkg.cli` imports (`import twinpkg` does not run it:
python-future's `past.translation` and libfuturize), and `_twinpkg.unused`, which
`import twinpkg` never loads and which fails to import; and its RECORD names a
`json.py` that is not where this interpreter's json comes from.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from importaudit.cli import cli
from tests.venvs import fresh_venv

FIXTURE = Path(__file__).parent.parent / "fixtures" / "distribution"


@pytest.fixture(scope="module")
def python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the twinpkg distribution installed."""
    root = tmp_path_factory.mktemp("distribution")
    python, site = fresh_venv(root)
    shutil.copytree(FIXTURE, site, dirs_exist_ok=True)
    return python


def _review(python: Path, *flags: str) -> tuple[int, dict[str, object]]:
    done = CliRunner().invoke(cli, ["review", "twinpkg", "--python", str(python),
                                    "--repeat", "1", "--no-memory", "--format", "json",
                                    *flags])
    return done.exit_code, json.loads(done.output)


def test_review_takes_in_the_package_its_distribution_installs_and_it_imports(
        python: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    status, report = _review(python)
    assert status == 1
    found = {(f["code"], f["module"]) for f in report["findings"]}  # type: ignore[union-attr,index]
    assert ("IA501", "_twinpkg.annotated") in found
    # Not twinpkg_tools (only the command line's module imports it), nor the
    # standard library's json, which the RECORD's stale line names.
    assert report["targets"] == ["twinpkg", "_twinpkg"]
    notes = " ".join(report["meta"]["notes"])  # type: ignore[index]
    assert ("reviewed _twinpkg too: the twinpkg distribution installs it beside twinpkg, "
            "and importing twinpkg loads it (its 1 other module(s) are left out") in notes
    # `_twinpkg.unused` is left out of the walk: its failure is not twinpkg's.
    assert report["failure"] is None
    measured = {m["name"] for m in report["modules"]}  # type: ignore[union-attr,index]
    assert "_twinpkg.unused" not in measured


def test_exclude_keeps_a_package_of_the_distribution_out(python: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    monkeypatch.chdir(tmp_path)
    status, report = _review(python, "--exclude", "_twinpkg")
    assert report["targets"] == ["twinpkg"]
    assert report["findings"] == []
    assert status == 0


def test_no_distribution_reviews_the_target_alone(python: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    status, report = _review(python, "--no-distribution")
    assert status == 0
    assert report["findings"] == []
    assert report["targets"] == ["twinpkg"]


def test_a_tree_of_ones_own_is_not_looked_up_as_a_distribution(
        python: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A folder here named like the installed package, given as a path: the user's own
    # tree, which no installed distribution describes.
    shutil.copytree(FIXTURE / "twinpkg", tmp_path / "twinpkg")
    shutil.copytree(FIXTURE / "_twinpkg", tmp_path / "_twinpkg")
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(cli, ["review", "./twinpkg", "--python", str(python),
                                    "--repeat", "1", "--no-memory", "--format", "json"])
    report = json.loads(done.output)
    assert report["targets"] == ["twinpkg"]
    assert not any("distribution installs" in n for n in report["meta"]["notes"])
