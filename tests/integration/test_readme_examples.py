"""The README's graph and cycles examples that name this repository's code run as shown.

They are what a new user types first, from the repo root; an example that exits 2 there
(a target not found) teaches nothing. Examples naming placeholders (`mypkg`, `src/`)
are left out.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from importaudit.cli import cli

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDERS = {"mypkg", "src/", "pkg"}


def examples() -> list[tuple[list[str], str]]:
    """(argv after `importaudit`, the comment) of each runnable graph/cycles example."""
    text = (ROOT / "README.md").read_text()
    found = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        comment = ""
        for line in block.splitlines():
            if line.startswith("#"):
                comment = line
                continue
            command, _, said = line.partition("#")
            argv = shlex.split(command)
            if argv[:1] == ["importaudit"] and argv[1:2] in (["graph"], ["cycles"]) \
                    and not PLACEHOLDERS & set(argv):
                found.append((argv[1:], (said or comment).strip()))
            comment = ""
    return found


@pytest.mark.parametrize(("argv", "said"), examples(),
                         ids=[" ".join(argv) for argv, _ in examples()])
def test_the_example_runs_from_the_repo_root(argv: list[str], said: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, [*argv, "--no-cache"])
    expected = 1 if "exit 1" in said else 0
    assert result.exit_code == expected, result.output


def test_the_legacy_cycles_example_is_among_them() -> None:
    commands = [" ".join(argv) for argv, _ in examples()]
    assert any(c.startswith("cycles tests/fixtures/legacy/risk_management") for c in commands)
