"""A heap run that does not finish: no exit 3 for a good run, and no judging without figures.

`tracedpkg` imports at once, but its `engine` computes for ever under tracemalloc (as
spacy's French tokenizer exceptions took 75 s of CPU under it, 5 without, and the heap
run ran out of its 120 s); `tracedstuck` waits on a lock under tracemalloc (a hang).
The time runs finish in milliseconds; the heap run is ended by a short `--timeout`.
Each test checks one of the review's (rev15) points against a waiver that only
dropped the failure: a memory budget passing on partial figures, a heap regression
that stops the heap run passing with exit 0, `baseline save` keeping unmeasured heap
as measured, a hang read as slowness. No time is asserted.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from gate_samples import isolate_gate

from importaudit.cli import cli

GATE_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "gate"
#: Far beyond what importing these tiny packages takes, even on a loaded machine.
TIMEOUT = "8"

CONFIG = """
[tool.importaudit]
targets = ["tracedpkg"]
repeat = 1
timeout = {timeout}

[tool.importaudit.budgets]
"tracedpkg.small" = {{ max_modules = 10, max_heap_bytes = "200 KiB" }}
"""

FAST_ENGINE = ('"""The engine before it was made to compute under tracemalloc."""\n\n'
               'import _tracemalloc\n\nRULES = {"x": 1}\n')


@pytest.fixture
def project(tmp_path, monkeypatch):
    for name in ("tracedpkg", "tracedstuck"):
        shutil.copytree(GATE_FIXTURES / name, tmp_path / name)
    (tmp_path / "pyproject.toml").write_text(CONFIG.format(timeout=TIMEOUT))
    return isolate_gate(monkeypatch, tmp_path)


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def gaps_of(path: Path) -> list[dict]:
    return json.loads(path.read_text())["meta"]["heap_gaps"]


def test_profile_keeps_the_time_results_and_says_which_modules_have_no_heap(project):
    result = invoke("profile", "tracedpkg", "--format", "json", "-o", "out.json")
    assert result.exit_code == 0, result.output
    report = json.loads((project / "out.json").read_text())
    assert report["failure"] is None
    by_name = {m["name"]: m for m in report["modules"]}
    assert by_name["tracedpkg.small"]["heap_bytes"] is not None  # finished: complete
    # Unfinished: no figures, not the part measured before the timeout.
    assert by_name["tracedpkg"]["heap_bytes"] is None
    assert by_name["tracedpkg.engine"]["self_heap_bytes"] is None
    [gap] = gaps_of(project / "out.json")
    assert gap["kind"] == "timeout"
    assert gap["module"] == "tracedpkg.engine"
    assert sorted(gap["modules"]) == ["tracedpkg", "tracedpkg.engine"]
    assert gap["stalled"] is not True  # it computes: never called a hang
    assert "no heap figures for 2 module(s)" in result.output  # said on stderr


def test_a_memory_budget_over_unmeasured_modules_cannot_be_judged(project):
    # `tracedpkg.small` is a few hundred bytes; importing it runs `tracedpkg` first,
    # whose heap (about 1 MiB, over the 200 KiB budget) was never measured in full.
    result = invoke("check", "--format", "json", "-o", "verdict.json")
    assert result.exit_code == 3, result.output
    report = json.loads((project / "verdict.json").read_text())
    assert report["failure"] is None  # the import did not fail
    verdict = report["verdict"]
    assert verdict["passed"] is False and verdict["violations"] == []  # nor over budget
    assert verdict["undecided"] == [
        "budget.max_heap_bytes tracedpkg.small: heap not measured for tracedpkg, "
        "tracedpkg.engine: the heap run timed out after 8 s while importing "
        "tracedpkg.engine (imported by tracedpkg); a longer --timeout measures it"]
    checks = {c["name"]: c for c in verdict["checks"]}
    assert checks["budget.max_heap_bytes[tracedpkg.small]"]["undecided"] is True
    # A check that needs no heap still judges.
    assert checks["budget.max_modules[tracedpkg.small]"]["passed"] is True


def test_a_program_whose_heap_run_outlives_its_imports_has_every_figure(project):
    # Every import was measured under tracemalloc; only the program's own loop after
    # them ran out of time: no gap, no failure, and a note says so.
    code = "import json, _tracemalloc\nwhile _tracemalloc.is_tracing(): pass\n"
    result = invoke("profile", "--memory", "--repeat", "1", "--format", "json",
                    "-o", "out.json", "-c", code)
    assert result.exit_code == 0, result.output
    report = json.loads((project / "out.json").read_text())
    assert report["failure"] is None and report["meta"]["heap_gaps"] == []
    assert any("after every import was measured: the heap figures are complete" in n
               for n in report["meta"]["notes"])


def test_a_busy_heap_run_on_a_loaded_machine_is_not_called_a_hang(monkeypatch):
    # Load 15 on 2 cores gives a computing child about 13% of a core: that is the
    # share it is judged against, not a whole core (it was called stuck, and failed).
    from importaudit.runtime import heapgaps

    monkeypatch.setattr(heapgaps.os, "getloadavg", lambda: (15.0, 15.0, 15.0))
    monkeypatch.setattr(heapgaps.os, "cpu_count", lambda: 2)
    second = 1_000_000_000
    assert heapgaps._stalled(13 * second, 100 * second, 100 * second) is not True
    assert heapgaps._stalled(second // 10, 100 * second, 100 * second) is True


def test_sarif_and_github_do_not_read_cannot_judge_as_a_pass_or_a_failure(project):
    sarif = invoke("check", "--format", "sarif", "-o", "verdict.sarif")
    assert sarif.exit_code == 3, sarif.output
    log = json.loads((project / "verdict.sarif").read_text())
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is False
    github = invoke("check", "--format", "github")
    assert github.exit_code == 3, github.output
    assert "check CANNOT JUDGE: 0 violations in" in github.output
    assert "1 not judged" in github.output
    assert "check FAILED" not in github.output


def test_a_violation_beside_what_cannot_be_judged_exits_1(project):
    # What was measured and is over budget is a violation (exit 1), whatever could not
    # be judged beside it: a CI that reads 3 as "inconclusive" would let it through.
    config = project / "pyproject.toml"
    config.write_text(config.read_text().replace("max_modules = 10", "max_modules = 1"))
    result = invoke("check", "--format", "json", "-o", "verdict.json")
    assert result.exit_code == 1, result.output
    verdict = json.loads((project / "verdict.json").read_text())["verdict"]
    assert [v["check"] for v in verdict["violations"]] == ["budget.max_modules"]
    assert len(verdict["undecided"]) == 1


def test_a_heap_regression_that_stops_the_heap_run_cannot_pass(project):
    engine = project / "tracedpkg" / "engine.py"
    traced = engine.read_text()
    engine.write_text(FAST_ENGINE)
    saved = invoke("baseline", "save")
    assert saved.exit_code == 0, saved.output
    engine.write_text(traced)  # the regression: a body tracemalloc never gets through
    result = invoke("check")
    assert result.exit_code == 3, result.output
    assert "CANNOT JUDGE regression.heap: heap not measured for tracedpkg: the heap " \
        "run timed out" in result.output


def test_a_baseline_keeps_no_unmeasured_heap_and_a_later_check_says_so(project):
    saved = invoke("baseline", "save")
    assert saved.exit_code == 0, saved.output
    assert "without heap figures for 2 module(s)" in saved.output
    baseline = json.loads((project / ".importaudit" / "baseline.json").read_text())
    stored = {m["name"]: m["heap_bytes"] for m in baseline["report"]["modules"]}
    assert stored["tracedpkg"] is None and stored["tracedpkg.engine"] is None
    assert len(baseline["report"]["meta"]["heap_gaps"]) == 1
    (project / "tracedpkg" / "engine.py").write_text(FAST_ENGINE)  # measured in full now
    # (Only the regression is asked: the budgets, measured in full now, judge apart.)
    config = project / "pyproject.toml"
    config.write_text(config.read_text().replace(', max_heap_bytes = "200 KiB"', ""))
    result = invoke("check")
    assert result.exit_code == 3, result.output
    assert "CANNOT JUDGE regression.heap: heap not measured in the baseline for " \
        "tracedpkg" in result.output
    assert "save the baseline again with a longer --timeout" in result.output
    diff = invoke("baseline", "diff")  # the regressions alone: judged the same way
    assert diff.exit_code == 3, diff.output
    assert "CANNOT JUDGE regression.heap" in diff.output


def test_a_hang_under_tracemalloc_is_a_failure_not_a_gap(project):
    # tracemalloc slows code, it does not block it: a heap run that sat idle is a hang
    # (a deadlock that strikes now and then), which the gate must not let pass.
    result = invoke("profile", "tracedstuck", "--format", "json", "-o", "out.json")
    assert result.exit_code == 3, result.output
    report = json.loads((project / "out.json").read_text())
    assert report["meta"]["heap_gaps"] == []
    message = report["failure"]["message"]
    assert message.startswith("the heap run (tracemalloc) timed out after 8 s while "
                              "importing tracedstuck, sitting idle")
    assert "stuck, not slow, though the time runs imported it" in message


def test_review_exits_by_its_findings_and_says_what_has_no_heap(project):
    result = invoke("review", "tracedpkg", "--fail-on", "never")
    assert result.exit_code == 0, result.output
    assert "no heap figures for 2 modules (tracedpkg, tracedpkg.engine): the heap run " \
        "(tracemalloc) timed out" in result.output
    assert "a longer --timeout (now 8 s) measures them" in result.output


def test_a_module_measured_alone_whose_heap_run_did_not_finish_is_a_gap(project):
    # With --isolated each module has a heap run of its own: one that did not finish
    # left its heap blank, read as "no heap run" by the gate. One that ran out of time
    # computing is a gap; one that sat idle is a hang, and fails as it does in a tree.
    result = invoke("profile", "tracedpkg.engine", "--isolated", "--format", "json",
                    "-o", "out.json")
    assert result.exit_code == 0, result.output
    [gap] = gaps_of(project / "out.json")
    assert gap["modules"] == ["tracedpkg.engine"]
    assert gap["stalled"] is not True
    hung = invoke("profile", "tracedstuck", "--isolated", "--format", "json",
                  "-o", "hung.json")
    assert hung.exit_code == 3, hung.output
    assert gaps_of(project / "hung.json") == []
