"""Where output goes: `-o` onto links, devices and FIFOs, and stdout closed by `| head`."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from importaudit.cli import cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LEGACY = FIXTURES / "legacy"
RUNTIME = FIXTURES / "runtime"


def run_with_closed_stdout(*args: str) -> subprocess.CompletedProcess[str]:
    """Run importaudit with stdout a pipe nobody reads any more (what `| head` leaves)."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # every write now fails with EPIPE, however small the output
    try:
        return subprocess.run([sys.executable, "-m", "importaudit", *args], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=120, check=False)
    finally:
        os.close(write_end)


@pytest.mark.parametrize("args", [
    ("graph", str(LEGACY / "risk_management"), "--format", "json"),
    ("cycles", str(LEGACY / "risk_management"), str(LEGACY / "trading_engine")),
    ("why", "json", "json", "--format", "json", "--repeat", "1"),
    ("profile", str(RUNTIME / "slow_pkg"), "--repeat", "1", "--no-memory"),
    ("rules",),
])
def test_a_closed_pipe_ends_quietly_as_cat_does(args: tuple[str, ...]) -> None:
    result = run_with_closed_stdout(*args)
    assert result.stderr == ""
    assert result.returncode == 128 + 13  # what a shell shows for a process ended by SIGPIPE


def test_output_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "graph.json"
    real.write_text("old")
    link = tmp_path / "latest.json"
    link.symlink_to(real)
    result = CliRunner().invoke(cli, ["graph", str(LEGACY / "risk_management"), "-o", str(link)])
    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    assert '"schema_version"' in real.read_text()


@pytest.mark.skipif(os.geteuid() != 0, reason="creating a device node needs root")
def test_a_full_device_is_one_line_exit_2_and_stays_a_device(tmp_path: Path) -> None:
    # A private /dev/full (char 1:7): the old code, run as root, turned the device into
    # a regular file, so the test must never aim at the machine's own.
    full = tmp_path / "full"
    os.mknod(full, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    result = CliRunner().invoke(cli, ["graph", str(LEGACY / "risk_management"), "--format",
                                      "json", "-o", str(full)])
    assert result.exit_code == 2
    assert result.stderr == f"importaudit: error: cannot write {full}: No space left on device\n"
    assert full.is_char_device()


def test_a_folder_as_output_is_refused_before_measuring(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["profile", str(RUNTIME / "slow_pkg"), "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert "is a folder" in result.stderr
