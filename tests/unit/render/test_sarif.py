"""SARIF 2.1.0: valid against the OASIS schema, with rules, locations and fingerprints."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import jsonschema
import pytest
from gate_samples import judged

from importaudit.model import Finding, Impact, Report, Severity, StaticGraph
from importaudit.render import RenderOptions, get_renderer
from importaudit.render.sarif import build

SCHEMAS = Path(__file__).resolve().parents[2] / "fixtures" / "schemas"


@pytest.fixture(scope="module")
def validator():
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text())
    return jsonschema.Draft4Validator(schema)


def sarif(report_) -> dict:
    stream = io.StringIO()
    get_renderer("sarif")(report_, stream, RenderOptions())
    return json.loads(stream.getvalue())


FINDING = Finding(
    code="IA101", title="Eager import of a heavy module", severity=Severity.HIGH,
    module="pkg.core", message="pkg.core imports numpy at module level.",
    fix="Import numpy inside the function that uses it.", file="pkg/core.py", line=4,
    impact=Impact(time_ns=5_000_000), chain=("pkg", "pkg.core", "numpy"),
)


@pytest.mark.parametrize("passing", [False, True])
def test_output_is_valid_sarif_2_1_0(validator, passing):
    log = sarif(dataclasses.replace(judged(passing=passing), findings=(FINDING,)))
    errors = sorted(validator.iter_errors(log), key=str)
    assert not errors, errors[0]
    assert log["version"] == "2.1.0"


def test_violations_and_findings_become_results_with_rules_and_locations(tmp_path):
    log = build(dataclasses.replace(judged(), findings=(FINDING,)), root=tmp_path)
    run = log["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rules == ["budget.max_modules", "forbidden", "cycle", "IA101"]
    results = run["results"]
    assert [r["ruleId"] for r in results] == rules
    assert all(rules[r["ruleIndex"]] == r["ruleId"] for r in results)
    forbidden = results[1]
    assert forbidden["level"] == "error"
    location = forbidden["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "pkg/util.py", "uriBaseId": "SRCROOT"}
    assert location["region"] == {"startLine": 7}
    assert forbidden["properties"]["chain"] == ["pkg", "pkg.core", "pkg.util", "numpy"]
    finding = results[3]
    assert finding["level"] == "error"  # HIGH severity
    assert finding["locations"][0]["logicalLocations"] == [
        {"fullyQualifiedName": "pkg.core", "kind": "module"}]
    assert "Fix: Import numpy inside" in finding["message"]["text"]
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == tmp_path.resolve().as_uri() + "/"
    # A file outside the root keeps an absolute URI.
    budget = results[0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert budget == {"uri": "file:///src/pkg.py"}


def test_fingerprints_are_stable_across_runs_and_distinct_per_problem():
    first = [r["partialFingerprints"] for r in build(judged())["runs"][0]["results"]]
    again = [r["partialFingerprints"] for r in build(judged())["runs"][0]["results"]]
    assert first == again
    assert len({f["importaudit/v1"] for f in first}) == len(first)


def test_passing_report_has_no_results():
    assert build(judged(passing=True))["runs"][0]["results"] == []


FALLBACK = ("the report was measured with /gone/python, which is not here: its targets were "
            "looked up on the sys.path of /usr/bin/python3 (give --python)")


def noted(base: Report) -> Report:
    """`base` as `check --from` leaves it: a note on the run, one on the graph walk."""
    assert base.meta is not None
    graph = dataclasses.replace(base.graph or StaticGraph(roots=("pkg",)),
                                python="/usr/bin/python3",
                                notes=("1 compiled module(s) without source",))
    return dataclasses.replace(base, meta=dataclasses.replace(base.meta, notes=(FALLBACK,)),
                               graph=graph)


def test_the_runs_notes_and_interpreters_are_in_the_invocation(validator):
    # A `check --from` that fell back to this interpreter said so only on the terminal.
    log = sarif(noted(judged()))
    assert not sorted(validator.iter_errors(log), key=str)
    (invocation,) = log["runs"][0]["invocations"]
    told = [(n["level"], n["message"]["text"]) for n in invocation["toolExecutionNotifications"]]
    assert ("note", FALLBACK) in told
    assert ("note", "1 compiled module(s) without source") in told
    assert any(level == "warning" and text.startswith("ignore pattern") for level, text in told)
    assert invocation["properties"] == {"python": "/usr/bin/python3",
                                        "graphPython": "/usr/bin/python3"}
    (plain,) = sarif(judged(passing=True))["runs"][0]["invocations"]
    assert [n["level"] for n in plain["toolExecutionNotifications"]] == ["warning"]


def test_a_run_a_signal_cut_short_is_not_a_successful_execution(validator):
    # A cancelled CI job's partial profile: what it measured is there, the run is not whole.
    whole = judged(passing=True)
    assert whole.meta is not None
    assert sarif(whole)["runs"][0]["invocations"][0]["executionSuccessful"] is True
    cut = dataclasses.replace(whole, meta=dataclasses.replace(whole.meta,
                                                              interrupted="SIGTERM"))
    log = sarif(cut)
    assert not sorted(validator.iter_errors(log), key=str)
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is False
