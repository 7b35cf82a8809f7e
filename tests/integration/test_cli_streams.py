"""What goes to stdout and what to stderr: the report alone on stdout, a failure said on stderr.

Run as a real process: a profiled program writes to the file descriptors it inherits,
which CliRunner does not capture.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

RUNTIME = Path(__file__).resolve().parent.parent / "fixtures" / "runtime"


def importaudit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "IMPORTAUDIT_NO_PROGRESS": "1"}
    return subprocess.run([sys.executable, "-m", "importaudit", *args], cwd=cwd, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=300, check=False)


@pytest.mark.parametrize("kind", ["-c", "--script", "-m"])
def test_program_output_goes_to_stderr_when_the_report_is_on_stdout(
    kind: str, tmp_path: Path,
) -> None:
    (tmp_path / "greet.py").write_text("import json\nprint(json.dumps('hello'))\n")
    program = {"-c": ["-c", "import json\nprint(json.dumps('hello'))"],
               "--script": ["--script", str(tmp_path / "greet.py")],
               "-m": ["-m", "greet"]}[kind]
    proc = importaudit("profile", "--format", "json", *program, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)  # the report, and nothing else
    assert report["meta"]["program_exit_code"] == 0
    assert any(m["name"] == "json" for m in report["modules"])
    lines = proc.stderr.splitlines()
    assert '"hello"' in lines
    notices = [line for line in lines if line.startswith("importaudit:")]
    assert len(notices) == 1
    assert "standard error" in notices[0]


def test_program_output_stays_on_stdout_when_the_report_goes_to_a_file(tmp_path: Path) -> None:
    proc = importaudit("profile", "-o", str(tmp_path / "r.json"), "-c", "print('hello')",
                       cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "hello\n"
    assert "importaudit:" not in proc.stderr
    assert json.loads((tmp_path / "r.json").read_text())["meta"]["program_exit_code"] == 0


@pytest.mark.parametrize("where", ["json-stdout", "file"])
def test_exit_3_says_on_stderr_what_failed_and_where_the_partial_report_is(
    where: str, tmp_path: Path,
) -> None:
    out = tmp_path / "partial.json"
    destination = ["--format", "json"] if where == "json-stdout" else ["-o", str(out)]
    proc = importaudit("profile", str(RUNTIME / "hangs.py"), "--repeat", "1", "--no-memory",
                       "--timeout", "5", *destination, cwd=tmp_path)
    assert proc.returncode == 3
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "timed out after 5 s while importing hangs" in lines[0]
    if where == "file":
        assert proc.stdout == ""
        assert str(out) in lines[0]
        assert json.loads(out.read_text())["failure"]["kind"] == "timeout"
    else:
        assert "stdout" in lines[0]
        assert json.loads(proc.stdout)["failure"]["kind"] == "timeout"


def test_check_exit_3_to_a_file_says_so_too(tmp_path: Path) -> None:
    out = tmp_path / "verdict.xml"
    proc = importaudit("check", str(RUNTIME / "broken_pkg"), "--repeat", "1", "--no-memory",
                       "--format", "junit", "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "broken_pkg" in lines[0]
    assert str(out) in lines[0]
    assert out.exists()


def test_exit_3_on_the_terminal_report_is_not_said_twice(tmp_path: Path) -> None:
    proc = importaudit("profile", str(RUNTIME / "hangs.py"), "--repeat", "1", "--no-memory",
                       "--timeout", "5", cwd=tmp_path)
    assert proc.returncode == 3
    assert "timed out" in proc.stdout
    assert proc.stderr == ""


def test_the_program_ends_without_collecting_what_its_run_built(tmp_path: Path) -> None:
    """The console script freezes the collector as it exits (shutdown would walk a large
    graph only to free it); atexit handlers still run and the report is complete. It
    also collects at a slower pace: imports of networkx, rich and the model made the
    default one walk every loaded module's objects many times."""
    code = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0,"
        " 'threshold', gc.get_threshold()[0], file=sys.stderr))\n"
        "sys.argv = ['importaudit', 'graph', 'ring', '--no-cache', '--format', 'json']\n"
        "from importaudit.cli import main\n"
        "main()\n"
    )
    package = tmp_path / "ring"
    package.mkdir()
    (package / "__init__.py").write_text("from ring import a\n")
    (package / "a.py").write_text("import ring\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "frozen True threshold 200000" in done.stderr
    assert json.loads(done.stdout)["graph"]["edges"]
