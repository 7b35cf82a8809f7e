"""`fix` runs to a fixed point: what one round's rewrite exposes, the next one fixes.

`fix_rounds`' eager `__init__` loads asyncio through its dependency, so `tools`'
function-only `import asyncio` saves nothing until that `__init__` is lazy; one
`fix --write` must reach what took two runs before, and a second `fix` then finds
nothing. The target is a path, from another folder: the later rounds review a copy,
and `tools` needs the package beside it (found only through the target's folder).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest  # noqa: TC002 - fixtures' type, used at run time by pytest too
from click.testing import CliRunner

from importaudit import api
from importaudit.api import runs
from importaudit.cli import cli
from importaudit.config import FixOptions, Measure
from importaudit.schema import fix_schema

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "fix"


def test_one_fix_write_reaches_the_fixed_point(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "project"
    for name in ("fix_rounds", "fix_rounds_dep"):
        shutil.copytree(FIX / name, project / name)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    target = str(project / "fix_rounds")

    result = CliRunner().invoke(cli, ["fix", target, "--repeat", "1", "--write",
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    done = json.loads(result.output)
    jsonschema.Draft202012Validator(fix_schema()).validate(done)
    rounds = {r["module"]: (r["codes"], r["rounds"], r["proof"]["passed"])
              for r in done["rewrites"]}
    # Round 1 makes the __init__ lazy; round 2 (on that copy) defers tools' asyncio;
    # round 3 finds nothing new.
    assert rounds == {"fix_rounds": (["IA101"], [1], True),
                      "fix_rounds.tools": (["IA102"], [2], True)}
    assert (done["rounds"], done["fixed_point"]) == (3, True)
    assert len(done["written"]) == 2
    tools = (project / "fix_rounds" / "tools.py").read_text()
    assert "    import asyncio\n    return asyncio.run" in tools
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, fix_rounds.tools as t; "
         "print('asyncio' in sys.modules, t.LABEL, t.run.__name__)"],
        cwd=project, capture_output=True, text=True, check=True).stdout.split()
    assert loaded == ["False", "dep", "run"]

    again = CliRunner().invoke(cli, ["fix", target, "--repeat", "1"])
    assert again.exit_code == 0, again.output  # nothing to apply
    assert "0 rewrite(s) proposed" in again.output



def test_later_rounds_review_a_project_inside_a_namespace_package_by_its_name() -> None:
    # Round 2 reviewed the copy's `fixns/app` folder as the package `app` (the folder
    # above it, a namespace package, has no __init__.py), whose tools then did "not
    # import as it is: No module named 'app'": the IA102 it exposed was never offered.
    site = FIX / "fix_rounds_ns" / "site"
    before = {p: p.read_bytes() for p in site.rglob("*.py")}
    result = CliRunner().invoke(cli, ["fix", "fixns.app", "--env", f"PYTHONPATH={site}",
                                      "--repeat", "1", "--format", "json"])
    assert result.exit_code == 1, result.output  # rewrites to apply
    done = json.loads(result.output)
    rounds = {r["module"]: (r["codes"], r["rounds"], r["proof"]["passed"])
              for r in done["rewrites"]}
    assert rounds == {"fixns.app": (["IA101"], [1], True),
                      "fixns.app.tools": (["IA102"], [2], True)}
    assert {Path(r["file"]).resolve() for r in done["rewrites"]} == {
        site / "fixns" / "app" / "__init__.py", site / "fixns" / "app" / "tools.py"}
    assert (done["rounds"], done["fixed_point"]) == (3, True)
    assert {p: p.read_bytes() for p in site.rglob("*.py")} == before  # nothing written



def test_a_long_fix_says_which_round_does_what(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # On a terminal the line is stderr's, after half a second; here, every message.
    for name in ("fix_rounds", "fix_rounds_dep"):
        shutil.copytree(FIX / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    said: list[str] = []
    monkeypatch.setattr(runs, "_progress", lambda: said.append)
    found = api.fix(["fix_rounds"], FixOptions(Measure(repeat=1)))
    assert {r.module for r in found.passed} == {"fix_rounds", "fix_rounds.tools"}
    for step in ("fix round 1: planning 1/1 modules",
                 "fix round 1: proving 1 rewrite(s)",
                 "fix round 2: reviewing the rewritten copy",
                 "fix round 2: proving 1 rewrite(s)",
                 "fix round 3: reviewing the rewritten copy",
                 "fix: measuring the cost of importing the targets before and after",
                 "fix: measuring what each of the 2 proven rewrite(s) saves alone"):
        assert step in said, said


def test_a_run_stopped_at_its_time_limit_keeps_what_it_proved(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The limit has passed by the time round 1 is proven: no round 2 starts, and round
    # 1's lazy __init__ stays proven, measured and written; the output says why it
    # stopped, and a second run goes on from there.
    project = tmp_path / "project"
    for name in ("fix_rounds", "fix_rounds_dep"):
        shutil.copytree(FIX / name, project / name)
    monkeypatch.chdir(project)

    result = CliRunner().invoke(cli, ["fix", "fix_rounds", "--repeat", "1", "--write",
                                      "--time-limit", "0.001", "--format", "json"])
    assert result.exit_code == 0, result.output
    done = json.loads(result.output)
    jsonschema.Draft202012Validator(fix_schema()).validate(done)
    assert {r["module"]: (r["rounds"], r["proof"]["passed"]) for r in done["rewrites"]} == {
        "fix_rounds": ([1], True)}
    assert (done["rounds"], done["fixed_point"]) == (1, False)
    assert done["stopped"].startswith("stopped at the time limit (0.001 s) before round 2")
    assert done["cost"]["saving"] is not None and len(done["written"]) == 1
    assert "__getattr__" in (project / "fix_rounds" / "__init__.py").read_text()

    again = CliRunner().invoke(cli, ["fix", "fix_rounds", "--repeat", "1", "--format",
                                     "json"])
    assert {r["module"] for r in json.loads(again.output)["rewrites"]} == {"fix_rounds.tools"}
