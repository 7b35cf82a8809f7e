"""The benchmarks stop with the error when a command they measure fails.

A figure from a failed command is never printed: an import that fails early is fast and
cheap, so its ratios look like good news. These run the benchmarks' own code on real
failing imports (and, with valgrind, the instruction counts in a real venv).
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ROOT / "tests" / "fixtures" / "runtime"


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """benchmarks/bench_profile.py as a module (it imports its sibling `checked`)."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import bench_profile

    return bench_profile


def test_a_failing_plain_import_stops_with_its_error(bench) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as stopped:
        bench.wall([sys.executable, "-c", "import no_such_module_for_bench"])
    message = str(stopped.value.code)
    assert message.startswith("benchmark stopped: `")
    assert "exited with status 1" in message
    assert "ModuleNotFoundError: No module named 'no_such_module_for_bench'" in message


def test_a_probe_run_whose_import_failed_stops_the_benchmark(
        bench, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    # The probe exits 0 even when the import failed: only its records tell.
    monkeypatch.chdir(RUNTIME)
    interpreter = bench.find_interpreter(None)
    with pytest.raises(SystemExit) as stopped:
        bench._same_run(interpreter, "broken_pkg")
    assert "failed (import-error): importing broken_pkg failed: ValueError: bad module " \
        "refuses to load" in str(stopped.value.code)
    _rho, ratio = bench._same_run(interpreter, "json")  # and a good one passes
    assert ratio > 0


def test_a_failed_profile_stops_the_gate_noise_benchmark(
        bench, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from checked import check_report

    from importaudit import api

    monkeypatch.chdir(RUNTIME)
    report = api.profile(["broken_pkg"], api.Measure(repeat=1, memory=False))
    with pytest.raises(SystemExit, match="profiling broken_pkg failed \\(import-error\\)"):
        check_report("profiling broken_pkg", report)


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux" or not any(
    os.access(os.path.join(d, "valgrind"), os.X_OK)
    for d in os.environ.get("PATH", "").split(os.pathsep)), reason="needs valgrind")
def test_instruction_counts_import_from_the_venv_they_run_in(tmp_path: Path) -> None:
    # A venv (seeing the base packages) with one module only it has, which notes each
    # import: counted under the base interpreter, the import failed and nothing was noted.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages",
                    str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path("
                           "'purelib'))"], capture_output=True, text=True, check=True)
    marker = tmp_path / "imported"
    Path(site.stdout.strip(), "only_in_this_venv.py").write_text(
        f"with open({str(marker)!r}, 'a') as f:\n    f.write('x')\n")
    assert sysconfig.get_path("purelib") != site.stdout.strip()
    done = subprocess.run([str(python), str(ROOT / "benchmarks" / "bench_profile.py"),
                           "--only", "instructions", "only_in_this_venv"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=600,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert "only_in_this_venv" in done.stdout
    marker_text = marker.read_text()
    # available() once, then plain, probe and -X importtime under valgrind
    assert marker_text == "xxxx"


def test_the_tree_cache_benchmark_stops_when_its_target_is_not_found(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import bench_treecache

    with pytest.raises(SystemExit) as stopped:
        bench_treecache.bench("no_such_module_for_bench", rounds=1)
    message = str(stopped.value.code)
    assert message.startswith("benchmark stopped: `")
    assert "no_such_module_for_bench: no such module" in message
