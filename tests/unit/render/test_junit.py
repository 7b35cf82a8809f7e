"""JUnit XML: valid against the schema CI servers read, one test case per check."""

from __future__ import annotations

import dataclasses
import io
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema
from gate_samples import judged, rec, report

from importaudit.model import ChildFailure
from importaudit.render import RenderOptions, get_renderer

SCHEMAS = Path(__file__).resolve().parents[2] / "fixtures" / "schemas"


@pytest.fixture(scope="module")
def schema():
    return xmlschema.XMLSchema(str(SCHEMAS / "junit-10.xsd"))


def junit(report_) -> str:
    stream = io.StringIO()
    get_renderer("junit")(report_, stream, RenderOptions())
    return stream.getvalue()


@pytest.mark.parametrize("passing", [False, True])
def test_output_is_valid_against_the_junit_schema(schema, passing):
    schema.validate(junit(judged(passing=passing)))


def test_one_test_case_per_check_with_failure_text():
    report_ = judged()
    root = ET.fromstring(junit(report_))
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == len(report_.verdict.checks) == int(suite.get("tests"))
    assert (suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("3", "0", "1")
    forbidden = next(c for c in cases if c.get("name") == "pkg -> numpy")
    assert forbidden.get("classname") == "importaudit.forbidden"
    failure = forbidden.find("failure")
    assert "importing pkg loads forbidden numpy" in failure.get("message")
    assert "chain: pkg -> pkg.core -> pkg.util -> numpy" in failure.text
    assert "at: pkg/util.py:7" in failure.text
    budget = next(c for c in cases if c.get("classname") == "importaudit.budget.max_modules")
    assert "measured: 4, limit: 3" in budget.find("failure").text
    skipped = next(c for c in cases if c.find("skipped") is not None)
    assert skipped.get("classname") == "importaudit.budget.max_heap_bytes"
    passed = next(c for c in cases if c.get("name") == "pkg -> pandas")
    assert passed.find("failure") is None


def test_failed_import_is_an_error_case(schema):
    from importaudit.config import Config
    from importaudit.gate import evaluate

    failed = dataclasses.replace(report(rec("pkg")), failure=ChildFailure(
        kind="import-error", message="ModuleNotFoundError: No module named 'x'", module="pkg"))
    judged_failed = dataclasses.replace(failed, verdict=evaluate(failed, Config()))
    for subject in (judged_failed, failed):  # with and without a verdict
        text = junit(subject)
        schema.validate(text)
        suite = ET.fromstring(text).find("testsuite")
        assert suite.get("errors") == "1"
        error = suite.find("testcase/error")
        assert "No module named 'x'" in error.get("message")


@pytest.mark.parametrize("module", ["importaudit.render.junit", "importaudit.render.github"])
def test_ci_renderers_do_not_load_the_gate(module):
    # They only read check names back from a verdict: rendering a saved report must not
    # import the gate and its config (tomllib, difflib).
    code = f"import sys, {module}; print(sorted(m for m in sys.modules if 'importaudit' in m))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout
    assert "importaudit.checks" in loaded
    assert "importaudit.gate" not in loaded
    assert "importaudit.config" not in loaded
