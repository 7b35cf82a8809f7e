"""`importaudit check` and `baseline` end to end: real child interpreters, real packages.

Each test copies tests/fixtures/gate into tmp_path, writes a pyproject.toml there, and
injects a regression into the COPY (an eager import, a cycle, a slow module) to see the
gate catch it with the right message and exit status. Times are never asserted: the
slow module sleeps 150 ms against a sub-millisecond baseline, far beyond any noise.
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from gate_samples import isolate_gate

from importaudit.cli import cli

GATE_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "gate"

CONFIG = """
[tool.importaudit]
targets = ["gatepkg"]
repeat = 1  # nothing here is timed; the time tests pass --repeat 5
warm_bytecode = true

[tool.importaudit.budgets]
gatepkg = {{ max_modules = 10, max_heap_bytes = "2 MiB" }}

[tool.importaudit.forbidden]
gatepkg = ["json", "decimal"]
{extra}
"""

@pytest.fixture
def project(tmp_path, monkeypatch):
    """A copy of the gate fixtures with a pyproject.toml, as the working directory."""
    for name in ("gatepkg", "brokengate"):
        shutil.copytree(GATE_FIXTURES / name, tmp_path / name)
    (tmp_path / "pyproject.toml").write_text(CONFIG.format(extra=""))
    return isolate_gate(monkeypatch, tmp_path)


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def inject(project: Path, module: str, top: str = "", bottom: str = "") -> None:
    """Change the copied package: prepend `top`, append `bottom` to gatepkg/<module>.py."""
    path = project / "gatepkg" / f"{module}.py"
    path.write_text(top + path.read_text() + bottom)


def test_unchanged_package_passes_and_baseline_round_trips(project):
    saved = invoke("baseline", "save")
    assert saved.exit_code == 0, saved.output
    assert "saved baseline of gatepkg (3 modules" in saved.output
    result = invoke("check")
    assert result.exit_code == 0, result.output
    assert "verdict: passed - 0 violations" in result.output
    shown = invoke("baseline", "show")
    assert shown.exit_code == 0, shown.output
    assert "gatepkg.util" in shown.output


def test_injected_eager_import_is_forbidden_with_its_chain(project):
    assert invoke("baseline", "save").exit_code == 0
    inject(project, "util", top="import json\n")
    result = invoke("check")
    assert result.exit_code == 1, result.output
    assert ("importing gatepkg loads forbidden json "
            "(via gatepkg -> gatepkg.core -> gatepkg.util -> json)") in result.output
    assert "now loads" in result.output  # and the module set grew against the baseline
    assert "json (via gatepkg -> gatepkg.core -> gatepkg.util -> json)" in result.output


def test_deferred_import_is_not_forbidden(project):
    # util.encode imports json inside the function: never at import time.
    result = invoke("check")
    assert result.exit_code == 0, result.output


def test_injected_slow_module_is_a_confident_time_regression(project):
    assert invoke("baseline", "save", "--repeat", "5").exit_code == 0
    inject(project, "util", top="import time\ntime.sleep(0.15)\n")
    result = invoke("check", "--repeat", "5")
    assert result.exit_code == 1, result.output
    assert "FAIL regression.time gatepkg: importing gatepkg got slower" in result.output
    assert "all 5 runs slower than all 5 baseline runs: 99.6% confident" in result.output
    assert "grew most: gatepkg.util +" in result.output


def test_injected_cycle_is_caught_statically_and_at_check(project):
    inject(project, "util", bottom="\nimport gatepkg.core  # the injected cycle\n")
    for args in (("check", "--static"), ("check",)):
        result = invoke(*args)
        assert result.exit_code == 1, result.output
        assert "import cycle: gatepkg.core -> gatepkg.util -> gatepkg.core" in result.output


def test_check_runs_cycle_claims_and_check_static_labels_them_unverified(project):
    # models imports fields back after binding Model (where the static reading cannot
    # see it), which fields takes: suspected, and it does not fail when run.
    (project / "gatepkg" / "models.py").write_text(
        "globals()['Model'] = type('Model', (), {})\nimport gatepkg.fields\n")
    (project / "gatepkg" / "fields.py").write_text("from gatepkg.models import Model\n\n\n"
                                                  "class Field(Model):\n    pass\n")
    static = invoke("check", "--static")
    assert static.exit_code == 1, static.output
    assert "import cycle: gatepkg.fields -> gatepkg.models -> gatepkg.fields" in static.output
    assert "(unverified: not run: --static runs no code)" in static.output
    run = invoke("check")
    assert run.exit_code == 1, run.output
    assert "It is order-dependent" in run.output
    assert "did not fail from 2 entry point(s) tried" in run.output
    assert "unverified" not in run.output


def test_check_from_a_saved_report_runs_its_cycle_claims(project):
    # A saved report's environment is here (it is where its graph is read): the claims
    # are run as `check` runs them, not left "unverified" as if nothing could run.
    (project / "gatepkg" / "models.py").write_text(
        "globals()['Model'] = type('Model', (), {})\nimport gatepkg.fields\n")
    (project / "gatepkg" / "fields.py").write_text("from gatepkg.models import Model\n\n\n"
                                                  "class Field(Model):\n    pass\n")
    assert invoke("check", "--format", "json", "-o", "saved.json").exit_code == 1
    judged = invoke("check", "--from", "saved.json")
    assert judged.exit_code == 1, judged.output
    assert "It is order-dependent" in judged.output
    assert "unverified" not in judged.output


def test_cycles_flag_sets_the_cycle_policy(project):
    inject(project, "util", bottom="\nimport gatepkg.core  # the injected cycle\n")
    assert invoke("check", "--static", "--cycles", "none").exit_code == 1
    result = invoke("check", "--static", "--cycles", "off")
    assert result.exit_code == 0, result.output
    assert invoke("baseline", "save", "--static").exit_code == 0
    result = invoke("check", "--static", "--cycles", "new")  # the cycle is in the baseline
    assert result.exit_code == 0, result.output


def test_a_tree_check_passes_on_the_cycles_its_baseline_holds(project):
    # trio's and scikit-learn's shape: `baseline save` then `check --tree --baseline B`
    # on the unchanged tree failed on the cycle the baseline holds, as the default
    # policy was "none". A baseline accepts its cycles unless `cycles` is configured.
    inject(project, "util", bottom="\nimport gatepkg.core  # the cycle, before the save\n")
    tree = ("--tree", "--baseline", "B.json")
    assert invoke("baseline", "save", *tree).exit_code == 0
    for _ in range(2):  # run after run
        result = invoke("check", *tree, "-v")
        assert result.exit_code == 0, result.output
        assert "ok   cycle[gatepkg.core <-> gatepkg.util]: known cycle (in the baseline)" \
            in result.output
    # Configured explicitly, "none" still fails, by flag or in the file.
    flagged = invoke("check", *tree, "--cycles", "none")
    assert flagged.exit_code == 1, flagged.output
    assert "import cycle: gatepkg.core -> gatepkg.util -> gatepkg.core" in flagged.output
    configured = CONFIG.format(extra="").replace("warm_bytecode = true\n",
                                                 'warm_bytecode = true\ncycles = "none"\n')
    (project / "pyproject.toml").write_text(configured)
    assert invoke("check", *tree).exit_code == 1
    # A new cycle is not in the baseline: it fails under the baseline's default too.
    (project / "pyproject.toml").write_text(CONFIG.format(extra=""))
    (project / "gatepkg" / "left.py").write_text('"""New."""\n\nimport gatepkg.right\n')
    (project / "gatepkg" / "right.py").write_text('"""New."""\n\nimport gatepkg.left\n')
    grown = invoke("check", *tree)
    assert grown.exit_code == 1, grown.output
    assert "new import cycle: gatepkg.left -> gatepkg.right -> gatepkg.left" in grown.output
    # Without a baseline every cycle counts, as before.
    (project / "B.json").unlink()
    assert invoke("check", "--tree").exit_code == 1


def test_config_errors_exit_2_with_every_problem(project):
    (project / "pyproject.toml").write_text(
        "[tool.importaudit]\ntargets = ['gatepkg']\nrepeats = 3\n"
        "[tool.importaudit.budgets]\ngatepkg = { max_modules = 'ten' }\n")
    result = invoke("check")
    assert result.exit_code == 2
    assert "invalid configuration (2 problems)" in result.output
    assert "tool.importaudit.repeats: unknown key 'repeats' (did you mean 'repeat'?)" \
        in result.output
    assert "budgets.gatepkg.max_modules: expected an integer, got string 'ten'" in result.output
    assert "Traceback" not in result.output


def test_usage_errors_exit_2(project):
    assert invoke("check", "--baseline", "missing.json").exit_code == 2
    (project / "pyproject.toml").write_text("[tool.importaudit]\n")
    result = invoke("check")
    assert result.exit_code == 2
    assert "no targets" in result.output


def test_target_that_fails_to_import_exits_3(project):
    result = invoke("check", "brokengate")
    assert result.exit_code == 3, result.output
    assert "brokengate cannot be imported" in result.output


def test_ci_formats_are_written_and_readable(project):
    inject(project, "util", top="import json\n")
    junit = invoke("check", "-o", "gate.xml")
    assert junit.exit_code == 1
    suite = ET.parse(project / "gate.xml").getroot().find("testsuite")
    assert int(suite.get("failures")) == 1
    sarif = invoke("check", "--format", "sarif", "-o", "gate.sarif")
    assert sarif.exit_code == 1
    results = json.loads((project / "gate.sarif").read_text())["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["forbidden"]
    as_json = invoke("check", "--format", "json")
    assert json.loads(as_json.stdout)["verdict"]["passed"] is False


def test_github_actions_get_annotations_and_a_job_summary(project, monkeypatch):
    inject(project, "util", top="import json\n")
    summary = project / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = invoke("check")
    assert result.exit_code == 1
    # The line that made the forbidden import (from the static graph), relative path.
    assert "::error file=gatepkg/util.py,line=1,title=importaudit forbidden%3A gatepkg -> json::" \
        in result.output
    assert "## :x: importaudit check FAILED" in summary.read_text()


def test_baseline_diff_shows_the_new_module_and_exits_1(project):
    assert invoke("baseline", "save", "--baseline", "old.json").exit_code == 0
    inject(project, "util", top="import json\n")
    assert invoke("baseline", "save", "--baseline", "new.json").exit_code == 0
    result = invoke("baseline", "diff", "old.json", "new.json")
    assert result.exit_code == 1, result.output
    assert "new modules (" in result.output
    assert "  json" in result.output.splitlines()
    assert "FAIL regression.modules gatepkg" in result.output
    same = invoke("baseline", "diff", "old.json", "old.json", "--format", "json")
    assert same.exit_code == 0
    assert json.loads(same.stdout)["new_modules"] == []


def test_calibrate_suggests_tolerances(project):
    result = invoke("check", "--calibrate", "--rounds", "3", "--repeat", "2")
    assert result.exit_code == 0, result.output
    assert "importaudit check --calibrate: 3 identical rounds" in result.output
    assert "  gatepkg: round medians " in result.output
    assert "time_relative = " in result.output


@pytest.mark.slow
def test_no_change_never_fails_over_many_runs(project):
    """The noisy-runner promise: unchanged code passes run after run (no flake)."""
    assert invoke("baseline", "save", "--repeat", "5").exit_code == 0
    outcomes = [invoke("check", "--repeat", "5") for _ in range(8)]
    failures = [r.output for r in outcomes if r.exit_code != 0]
    assert not failures, failures[0]


def test_static_check_finds_an_eager_forbidden_import_without_running_code(project):
    inject(project, "util", top="import json\n")
    result = invoke("check", "--static")
    assert result.exit_code == 1, result.output
    assert ("importing gatepkg would load forbidden json (static, via gatepkg -> "
            "gatepkg.core -> gatepkg.util -> json; eager import)") in result.output
    assert "at gatepkg/util.py:1" in result.output


def test_a_saved_reports_notes_reach_the_ci_formats(project):
    # `check --from` on a report measured with an interpreter not on this machine reads
    # the graph with this one and says so; sarif and github output showed no notes.
    assert invoke("check", "--format", "json", "-o", "saved.json").exit_code == 0
    saved = json.loads((project / "saved.json").read_text())
    saved["meta"]["python"] = str(project / "gone" / "python")
    (project / "moved.json").write_text(json.dumps(saved))
    sarif = invoke("check", "--from", "moved.json", "--format", "sarif")
    assert sarif.exit_code == 0, sarif.output
    (invocation,) = json.loads(sarif.stdout)["runs"][0]["invocations"]
    notes = [n["message"]["text"] for n in invocation["toolExecutionNotifications"]
             if n["level"] == "note"]
    gone = f"the report was measured with {project / 'gone' / 'python'}, which is not here"
    assert any(n.startswith(gone) for n in notes), notes
    github = invoke("check", "--from", "moved.json", "--format", "github")
    assert github.exit_code == 0, github.output
    assert any(line.startswith(f"::notice title=importaudit note::{gone}")
               for line in github.stdout.splitlines()), github.stdout
