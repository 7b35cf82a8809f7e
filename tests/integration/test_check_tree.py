"""`check --tree` against a tree baseline judges every submodule it measured.

A lazy package's `__init__` never runs its submodules, so a regression in one of them is
invisible to the package's own figures: the fixture's engine is loaded only on first
use. The test saves a tree baseline, makes the engine 300 ms slower (a sleep, far beyond
any noise), heavier and load one more module, and expects the gate to name the engine.
Times are never asserted.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from gate_samples import isolate_gate

from importaudit.cli import cli

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "lazytree" / "lazytreepkg"
CONFIG = """
[tool.importaudit]
targets = ["lazytreepkg"]
repeat = 5
warm_bytecode = true
tree = true
{extra}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "lazytreepkg")
    (tmp_path / "pyproject.toml").write_text(CONFIG.format(extra=""))
    return isolate_gate(monkeypatch, tmp_path)


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_a_slower_lazily_loaded_submodule_fails_the_tree_check(project: Path) -> None:
    assert invoke("baseline", "save")[0] == 0
    assert invoke("check")[0] == 0

    engine = project / "lazytreepkg" / "engine.py"
    engine.write_text(engine.read_text() + "\nimport decimal\nimport time\n\ntime.sleep(0.3)\n"
                      "_TABLE = [str(i) * 4 for i in range(100_000)]\n")
    code, output = invoke("check", "--format", "json")
    assert code == 1
    data = json.loads(output)
    failed = {(v["check"], v["subject"]) for v in data["verdict"]["violations"]}
    assert {("regression.time", "lazytreepkg.engine"), ("regression.heap", "lazytreepkg.engine"),
            ("regression.modules", "lazytreepkg.engine")} <= failed
    # the package's own import never runs the engine: it did not change
    assert not any(subject == "lazytreepkg" for _, subject in failed)


def test_a_budget_on_a_submodule_counts_the_parent_package(project: Path) -> None:
    budget = '[tool.importaudit.budgets]\n"lazytreepkg.engine" = { max_modules = 1 }\n'
    (project / "pyproject.toml").write_text(CONFIG.format(extra=budget))
    code, output = invoke("check", "--format", "json", "--repeat", "1")  # counts, not times
    assert code == 1
    [violation] = json.loads(output)["verdict"]["violations"]
    assert violation["subject"] == "lazytreepkg.engine"
    # Python runs lazytreepkg/__init__.py before the engine, and what it imports
    assert "most come through lazytreepkg (" in violation["message"]
