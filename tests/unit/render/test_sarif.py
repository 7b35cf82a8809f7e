"""SARIF 2.1.0: valid against the OASIS schema, with rules, locations and fingerprints."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import jsonschema
import pytest
from gate_samples import judged

from importaudit.model import Finding, Impact, Severity
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
