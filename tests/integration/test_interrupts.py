"""Interrupting `importaudit` while it measures: no child process and no temp file survives.

Each test runs the real command in its own session (so the signals reach only it),
waits until the child interpreter is stuck importing a module that never finishes,
sends a signal, and then looks for every process of the child's tree and for the
record files in $TMPDIR.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import psutil
import pytest
from test_probe_pythons import VERSIONS, interpreter

if TYPE_CHECKING:
    from collections.abc import Iterator

RUNTIME = Path(__file__).resolve().parent.parent / "fixtures" / "runtime"
WAIT_S = 60.0  # generous: two cores shared by many test runs


# Sets the stop signals' dispositions, then becomes `python -m importaudit ARGS` (same
# pid): what a process ignores, or not, survives exec.
_LAUNCH = (
    "import os, signal, sys\n"
    "ignored = sys.argv[1].split(',') if sys.argv[1] else []\n"
    "for name in ('SIGINT', 'SIGTERM', 'SIGHUP'):\n"
    "    sig = getattr(signal, name)\n"
    "    signal.signal(sig, signal.SIG_IGN if name in ignored else signal.SIG_DFL)\n"
    "os.execv(sys.executable, [sys.executable, '-m', 'importaudit', *sys.argv[2:]])\n"
)


def start(tmp_path: Path, *args: str,
          ignored: tuple[signal.Signals, ...] = ()) -> subprocess.Popen[str]:
    """`python -m importaudit ARGS` in a session of its own, with a private TMPDIR.

    It starts with the stop signals at their default action, as from a terminal, except
    `ignored`: a disposition of SIG_IGN is inherited, and a test suite started in the
    background by a non-interactive shell (`pytest &`, as CI scripts and nohup do)
    ignores SIGINT, which importaudit then rightly leaves ignored.
    """
    tmp = tmp_path / "tmp"
    tmp.mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(tmp), "IMPORTAUDIT_NO_PROGRESS": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", _LAUNCH, ",".join(s.name for s in ignored), *args], env=env,
        cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )


@pytest.fixture
def seen() -> Iterator[list[psutil.Process]]:
    """Processes a test saw: whatever of them a failed test left running is killed."""
    found: list[psutil.Process] = []
    yield found
    for process in found:
        with contextlib.suppress(psutil.Error):
            process.kill()


def tree_of(proc: subprocess.Popen[str], wanted: str, count: int,
            seen: list[psutil.Process]) -> list[psutil.Process]:
    """Every descendant of `proc`, once `count` of them have `wanted` in their command line
    and no new process has appeared for a moment (also added to `seen`)."""
    deadline = time.monotonic() + WAIT_S
    previous: set[int] = set()
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        try:
            found = psutil.Process(proc.pid).children(recursive=True)
        except psutil.Error:
            found = []
        matching = []
        for child in found:
            try:
                if wanted in " ".join(child.cmdline()):
                    matching.append(child)
            except psutil.Error:
                pass
        pids = {p.pid for p in found}
        if len(matching) >= count and pids == previous:
            seen.extend(found)
            return found
        previous = pids
        time.sleep(0.3)
    pytest.fail(f"no {count} child processes running {wanted!r} after {WAIT_S} s")


def gone(processes: list[psutil.Process], timeout: float = 15.0) -> list[psutil.Process]:
    """The processes still alive after `timeout` (a zombie waiting for its reaper is dead)."""
    deadline = time.monotonic() + timeout
    alive = processes
    while alive and time.monotonic() < deadline:
        still = []
        for p in alive:
            try:
                if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                    still.append(p)
            except psutil.Error:
                pass
        alive = still
        if alive:
            time.sleep(0.1)
    return alive


def records_files(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in (tmp_path / "tmp").glob("importaudit-*"))


def interrupt(proc: subprocess.Popen[str], sig: signal.Signals, tree: list[psutil.Process],
              tmp_path: Path) -> str:
    """Send `sig`; check that importaudit exits 128 + `sig` and leaves no process of
    `tree` and no record file behind. Its stderr."""
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=WAIT_S)
    assert proc.returncode == 128 + sig, err
    assert gone(tree) == []
    assert records_files(tmp_path) == []
    return err


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_signal_ends_the_child_tree_and_removes_temp_files(
    sig: signal.Signals, tmp_path: Path, seen: list[psutil.Process],
) -> None:
    proc = start(tmp_path, "profile", str(RUNTIME / "hangs_tree.py"), "--repeat", "1",
                 "--no-memory", "--timeout", "600")
    # The child interpreter and the process it started, both in the hanging import.
    tree = tree_of(proc, "time.sleep(0.5)", 1, seen)
    assert len(tree) >= 2
    err = interrupt(proc, sig, tree, tmp_path)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert sig.name in lines[0]
    assert "Traceback" not in err


def test_interrupted_isolated_run_ends_every_worker_child(
    tmp_path: Path, seen: list[psutil.Process],
) -> None:
    proc = start(tmp_path, "profile", "--isolated", str(RUNTIME / "hangs_alone"),
                 "--repeat", "1", "--no-memory", "--timeout", "600")
    # Two workers (at least), each with a child stuck importing y or z alone.
    workers = min(2, os.cpu_count() or 1)
    tree = tree_of(proc, "hangs_alone.", workers, seen)
    interrupt(proc, signal.SIGTERM, tree, tmp_path)


def test_check_interrupted_by_ctrl_c_exits_130_not_1(
    tmp_path: Path, seen: list[psutil.Process],
) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text(f'[tool.importaudit]\ntargets = ["{RUNTIME / "hangs_tree.py"}"]\n'
                      "repeat = 1\nmemory = false\ntimeout = 600\n")
    proc = start(tmp_path, "check", "--config", str(config))
    tree = tree_of(proc, "time.sleep(0.5)", 1, seen)
    interrupt(proc, signal.SIGINT, tree, tmp_path)  # 130, not the 1 of a failed check


def test_a_signal_ignored_at_start_stays_ignored(
    tmp_path: Path, seen: list[psutil.Process],
) -> None:
    # nohup, or a background job of a non-interactive shell: SIGINT is ignored. Sent
    # before SIGTERM, a handled SIGINT would be the first signal, and the one exited on.
    proc = start(tmp_path, "profile", str(RUNTIME / "hangs_tree.py"), "--repeat", "1",
                 "--no-memory", "--timeout", "600", ignored=(signal.SIGINT,))
    tree = tree_of(proc, "time.sleep(0.5)", 1, seen)
    proc.send_signal(signal.SIGINT)
    err = interrupt(proc, signal.SIGTERM, tree, tmp_path)
    assert "SIGINT" not in err


@pytest.mark.parametrize("version", [None, *VERSIONS])
def test_children_end_when_importaudit_is_killed_outright(
    version: str | None, tmp_path: Path, seen: list[psutil.Process],
) -> None:
    python = ["--python", interpreter(version)] if version else []
    proc = start(tmp_path, "profile", str(RUNTIME / "hangs_tree.py"), "--repeat", "1",
                 "--no-memory", "--timeout", "600", *python)
    tree = tree_of(proc, "time.sleep(0.5)", 1, seen)
    proc.kill()  # SIGKILL: no handler runs, so the children have to notice by themselves
    proc.communicate(timeout=WAIT_S)
    assert gone(tree) == []


HANGING_PROGRAM = "import time\nwhile True:\n    time.sleep(0.5)\n"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_program_run_under_the_profiler_ends_with_importaudit(
    sig: signal.Signals, tmp_path: Path, seen: list[psutil.Process],
) -> None:
    # -c shares our process group (it owns the terminal), so it is ended by itself.
    proc = start(tmp_path, "profile", "--format", "json", "--timeout", "600",
                 "-c", HANGING_PROGRAM)
    tree = tree_of(proc, "time.sleep(0.5)", 1, seen)
    proc.send_signal(sig)
    proc.communicate(timeout=WAIT_S)
    assert proc.returncode == (128 + sig if sig != signal.SIGKILL else -sig)
    assert gone(tree) == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_cycle_verification_ends_every_trial(
    sig: signal.Signals, tmp_path: Path, seen: list[psutil.Process],
) -> None:
    # The trial importing the suspected module hangs: the interrupt must not wait for
    # its timeout (nor the thread pool for it), and ends what the trial started too.
    proc = start(tmp_path, "cycles", str(RUNTIME / "hangs_cycle"), "--timeout", "600")
    tree = tree_of(proc, "time.sleep(0.5)", 1, seen)
    err = interrupt(proc, sig, tree, tmp_path)
    assert "Traceback" not in err


def wait_for(path: Path, proc: subprocess.Popen[str]) -> None:
    """Wait until `path` exists (while `proc` runs)."""
    deadline = time.monotonic() + WAIT_S
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"no {path.name} after {WAIT_S} s"
        time.sleep(0.1)


def test_a_cancelled_profile_still_writes_what_it_measured(
    tmp_path: Path, seen: list[psutil.Process],
) -> None:
    # A CI job cancelled (SIGTERM) during a long run: the report file it was asked for
    # holds the modules measured before the signal, and says that it is partial.
    proc = start(tmp_path, "profile", str(RUNTIME / "measured_then_hangs.py"), "--repeat",
                 "1", "--no-memory", "--timeout", "600", "-o", "out.json")
    wait_for(tmp_path / "measured.marker", proc)
    tree = tree_of(proc, "measured_then_hangs", 1, seen)
    err = interrupt(proc, signal.SIGTERM, tree, tmp_path)
    assert "Traceback" not in err
    assert err.splitlines() == [
        "importaudit: what was measured before SIGTERM is in out.json",
        "importaudit: error: interrupted by SIGTERM",
    ]
    report = json.loads((tmp_path / "out.json").read_text())
    meta = report["meta"]
    assert meta["interrupted"] == "SIGTERM"
    assert meta["notes"][0].startswith("interrupted by SIGTERM during the warm-up run: only")
    assert not meta["warmup"]  # the one run measured is the warm-up itself
    names = {m["name"] for m in report["modules"] if not m["preloaded"]}
    assert {"json", "decimal"} <= names
    assert "measured_then_hangs" not in names  # it never finished
    assert report["failure"] is None  # the signal is no failure of the target


def test_an_interrupted_isolated_run_keeps_the_modules_measured_alone(
    tmp_path: Path, seen: list[psutil.Process],
) -> None:
    proc = start(tmp_path, "profile", "--isolated", str(RUNTIME / "hangs_alone"),
                 "--repeat", "1", "--no-memory", "--timeout", "600", "--format", "json")
    # y and z hang alone: the package and `a` were measured alone before them.
    tree = tree_of(proc, "hangs_alone.", min(2, os.cpu_count() or 1), seen)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=WAIT_S)
    assert proc.returncode == 130, err
    assert gone(tree) == []
    assert "what was measured before SIGINT is on stdout (json)" in err
    report = json.loads(out)
    names = {m["name"] for m in report["modules"] if not m["preloaded"]}
    assert {"hangs_alone", "hangs_alone.a"} <= names
    assert not names & {"hangs_alone.y", "hangs_alone.z"}
    assert report["meta"]["interrupted"] == "SIGINT"
    assert report["meta"]["notes"][0].startswith("interrupted by SIGINT: ")


def test_an_interrupt_after_a_measured_run_keeps_the_runs_that_ended(
    tmp_path: Path, seen: list[psutil.Process],
) -> None:
    proc = start(tmp_path, "profile", str(RUNTIME / "hangs_third_time.py"), "--repeat", "3",
                 "--timeout", "600", "--format", "json", "-o", "out.json")
    wait_for(tmp_path / "measured.marker", proc)
    tree = tree_of(proc, "hangs_third_time", 1, seen)
    interrupt(proc, signal.SIGINT, tree, tmp_path)
    report = json.loads((tmp_path / "out.json").read_text())
    meta = report["meta"]
    assert meta["notes"][0] == ("interrupted by SIGINT during the measured run 2 of 3: "
                                "measured from 1 of 3 run(s) and no heap run")
    assert (meta["repeats"], meta["warmup"], meta["memory"]) == (1, True, False)
    names = {m["name"] for m in report["modules"] if not m["preloaded"]}
    assert {"hangs_third_time", "json"} <= names


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two workers")
def test_an_interrupted_isolated_run_keeps_modules_measured_after_one_that_hangs(
    tmp_path: Path, seen: list[psutil.Process],
) -> None:
    # The results come in list order; those already measured behind a hanging module
    # must not wait for it, and an interrupt must not throw them away.
    proc = start(tmp_path, "profile", "--isolated", str(RUNTIME / "hangs_late"),
                 "--repeat", "1", "--no-memory", "--timeout", "600", "-o", "out.json")
    for name in ("b", "c", "d"):
        wait_for(tmp_path / f"{name}.marker", proc)
    tree = tree_of(proc, "hangs_late.a", 1, seen)
    time.sleep(1.0)  # the quick modules' children have ended and been collected
    interrupt(proc, signal.SIGTERM, tree, tmp_path)
    report = json.loads((tmp_path / "out.json").read_text())
    names = {m["name"] for m in report["modules"] if not m["preloaded"]}
    assert {"hangs_late.b", "hangs_late.c", "hangs_late.d"} <= names
    assert "hangs_late.a" not in names


def test_a_program_that_gets_the_terminals_ctrl_c_too_is_no_failure(
    tmp_path: Path, seen: list[psutil.Process],
) -> None:
    # Ctrl-C at a terminal signals the whole foreground group: importaudit, and the
    # program (it owns the terminal) which ends by KeyboardInterrupt. The partial
    # report keeps its imports, and says neither that it failed nor what the probe
    # imported to print its traceback.
    program = ("import json, decimal\nopen('measured.marker', 'w').close()\n"
               "import time\nwhile True:\n    time.sleep(0.05)\n")
    proc = start(tmp_path, "profile", "--timeout", "600", "-o", "out.json", "-c", program)
    wait_for(tmp_path / "measured.marker", proc)
    tree_of(proc, "measured.marker", 1, seen)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=WAIT_S)
    assert proc.returncode == 130, err
    report = json.loads((tmp_path / "out.json").read_text())
    assert report["failure"] is None
    assert report["meta"]["program_exit_code"] is None
    assert report["meta"]["interrupted"] == "SIGINT"
    names = {m["name"] for m in report["modules"] if not m["preloaded"]}
    assert {"json", "decimal"} <= names
    assert "traceback" not in names


# A --test-cmd that says it runs (a mark in $GATE_DIR), then waits on a FIFO no one
# writes: `fix` is then past every round, measuring and testing what they proved.
_BLOCKING_TESTS = (
    "import os, pathlib\n"
    "gate = pathlib.Path(os.environ['GATE_DIR'])\n"
    "(gate / 'testing.marker').write_text('')\n"
    "open(gate / 'gate.fifo').read()\n"
)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a FIFO")
def test_an_interrupted_fix_shows_and_writes_what_its_rounds_proved(
    tmp_path: Path, seen: list[psutil.Process], monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Ctrl-C after fix's rounds had proved two rewrites (round 1 the lazy __init__,
    # round 2 the deferral it exposed) reported nothing: the proof was lost. Now the
    # report (-o, atomically) holds them, says it was interrupted, and with --write
    # nothing of the user's tree is touched: the rewrites were never measured or tested.
    fixtures = RUNTIME.parent / "fix"
    for name in ("fix_rounds", "fix_rounds_dep"):
        shutil.copytree(fixtures / name, tmp_path / name)
    (tmp_path / "blocking_tests.py").write_text(_BLOCKING_TESTS)
    originals = {p: p.read_text() for p in tmp_path.rglob("*.py")}
    os.mkfifo(tmp_path / "gate.fifo")
    monkeypatch.setenv("GATE_DIR", str(tmp_path))
    proc = start(tmp_path, "fix", "fix_rounds", "--repeat", "1", "--write", "--test-cmd",
                 f"{sys.executable} {tmp_path / 'blocking_tests.py'}", "-o", "out.json")
    wait_for(tmp_path / "testing.marker", proc)
    tree = tree_of(proc, "blocking_tests.py", 1, seen)
    err = interrupt(proc, signal.SIGINT, tree, tmp_path)
    assert err.splitlines() == [
        "importaudit: what was proven before SIGINT is in out.json",
        "importaudit: error: interrupted by SIGINT",
    ]
    assert list((tmp_path / "tmp").iterdir()) == []  # no rewritten copy left behind
    done = json.loads((tmp_path / "out.json").read_text())
    assert done["stopped"].startswith("interrupted by SIGINT while the rewrites the 3 "
                                      "rounds proved were measured and tested")
    assert {r["module"]: (r["rounds"], r["proof"]["passed"]) for r in done["rewrites"]} == {
        "fix_rounds": ([1], True), "fix_rounds.tools": ([2], True)}
    assert all(r["diff"] for r in done["rewrites"])
    assert (done["written"], done["tests"], done["cost"]["after"]) == ([], None, None)
    assert {p: p.read_text() for p in tmp_path.rglob("*.py")} == originals
