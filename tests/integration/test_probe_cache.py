"""The compiled probe in the cache folder is checked before each use, rebuilt if it is wrong.

A truncated .pyc there made every run fail ("Bad code object in .pyc file"), and any
other valid .pyc put there ran instead of the probe. Checked on every Python the
probe supports, since each compiles and checks its own.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from test_probe_pythons import VERSIONS, interpreter

from importaudit import api
from importaudit.runtime.interpreter import find_interpreter

RUNTIME = Path(__file__).resolve().parent.parent / "fixtures" / "runtime"


def cached_probe(python: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The probe compiled for `python` into a private cache folder."""
    monkeypatch.setenv("IMPORTAUDIT_CACHE_DIR", str(tmp_path / "cache"))
    probe = Path(find_interpreter(python).probe)
    assert probe.suffix == ".pyc"
    assert probe.parent == tmp_path / "cache"
    return probe


def assert_measures(python: str | None) -> None:
    # A package that costs nothing to import (slow_pkg slept 0.2 s in each of 12 x 2
    # children here): what is checked is that the probe ran and recorded.
    report = api.profile([str(RUNTIME / "runnable")], api.Measure(python=python, repeat=1,
                                                                  memory=False))
    assert report.failure is None, report.failure
    assert "runnable" in {m.name for m in report.modules if not m.preloaded}


@pytest.mark.parametrize("version", [None, *VERSIONS])
def test_a_truncated_probe_pyc_is_rebuilt(version: str | None, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    python = interpreter(version) if version else None
    probe = cached_probe(python, tmp_path, monkeypatch)
    data = probe.read_bytes()
    probe.write_bytes(data[: len(data) // 2])
    assert_measures(python)
    assert len(probe.read_bytes()) == len(data)


@pytest.mark.parametrize("version", [None, *VERSIONS])
def test_another_pyc_in_place_of_the_probe_is_not_run(version: str | None, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    python = interpreter(version) if version else None
    probe = cached_probe(python, tmp_path, monkeypatch)
    marker = tmp_path / "ran"
    other = tmp_path / "other.py"
    other.write_text(f"open({str(marker)!r}, 'w').close()\n")
    # A valid .pyc for that interpreter, of another source, put where the probe's is.
    subprocess.run([python or sys.executable, "-c", "import py_compile, sys; py_compile.compile("
                    "sys.argv[1], cfile=sys.argv[2], doraise=True)", str(other), str(probe)],
                   check=True)
    assert_measures(python)
    assert not marker.exists()


def test_the_compiled_probe_names_the_probe_it_was_compiled_from(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Two checkouts of one version share a cache folder: the .pyc compiled from the
    # first named that checkout's probe.py in every warning and traceback the child
    # printed for the second, even after the first was deleted.
    import marshal

    from importaudit.runtime import interpreter as module

    ours = Path(module.PROBE_PATH)
    copies = []
    for name in ("first", "second"):
        copy = tmp_path / name / "probe.py"
        copy.parent.mkdir()
        copy.write_bytes(ours.read_bytes())
        copies.append(copy)
    monkeypatch.setenv("IMPORTAUDIT_CACHE_DIR", str(tmp_path / "cache"))
    compiled = []
    for copy in copies:
        monkeypatch.setattr(module, "PROBE_PATH", str(copy))
        compiled.append(Path(find_interpreter(None).probe))
    assert compiled[0] != compiled[1]
    for copy, pyc in zip(copies, compiled, strict=True):
        assert marshal.loads(pyc.read_bytes()[16:]).co_filename == str(copy)
    # A .pyc of the same source compiled elsewhere, copied in under our name, is rebuilt.
    compiled[1].write_bytes(compiled[0].read_bytes())
    assert marshal.loads(Path(find_interpreter(None).probe).read_bytes()[16:]).co_filename \
        == str(copies[1])
