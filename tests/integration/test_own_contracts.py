"""The project's own layers (`[tool.importaudit.contracts]` in pyproject.toml) hold, and
`importaudit check`, as `.ci/run` runs it, fails when a gate module reaches up into render.

The repository is copied into tmp_path and the import is injected into the COPY.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner
from gate_samples import isolate_gate

from importaudit.cli import cli

REPO = Path(__file__).resolve().parents[2]


def copy_repo(into: Path) -> Path:
    """What `importaudit check` reads in this repository: config, baseline, both packages."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for part in ("importaudit", "risk_management", ".importaudit"):
        shutil.copytree(REPO / part, into / part, ignore=ignore)
    shutil.copy2(REPO / "pyproject.toml", into / "pyproject.toml")
    return into


def test_the_project_check_fails_when_the_gate_imports_render(tmp_path, monkeypatch):
    project = isolate_gate(monkeypatch, copy_repo(tmp_path))
    runner = CliRunner()
    clean = runner.invoke(cli, ["check", "--static"])
    assert clean.exit_code == 0, clean.output
    assert "contract" not in clean.output  # passing checks are not listed

    rules = project / "importaudit" / "gate" / "rules.py"
    source = rules.read_text()
    line = source.count("\n") + 1
    rules.write_text(source + "from importaudit.render import x  # the injected import\n")

    # The run itself is not what this is about: one repeat, no heap run.
    result = runner.invoke(cli, ["check", "--repeat", "1", "--no-memory"])
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    assert ("importaudit.gate.rules imports importaudit.render, breaking the contract: "
            "importaudit.render is a higher layer than importaudit.gate (static, via "
            "importaudit.gate.rules -> importaudit.render; eager import)") in text
    assert f"importaudit/gate/rules.py:{line}" in text
