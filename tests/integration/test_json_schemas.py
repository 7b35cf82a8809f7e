"""Every JSON importaudit writes validates against the schemas it publishes.

The schemas in importaudit/schemas/ are generated from the report model
(importaudit.schema); these tests keep the published files equal to the model and run
the real commands (profile, graph, cycles, check, review, baseline save) on fixture
packages to validate what they write.
"""

from __future__ import annotations

import json
import shutil
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from referencing import Registry, Resource

from importaudit import schema
from importaudit.cli import cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def published(name: str) -> dict[str, Any]:
    """A schema as the installed package ships it."""
    data: dict[str, Any] = json.loads(files("importaudit").joinpath("schemas", name).read_text())
    return data


def validator(name: str) -> jsonschema.Draft202012Validator:
    registry: Registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s))
        for s in map(published, schema.SCHEMAS))
    return jsonschema.Draft202012Validator(published(name), registry=registry)


def test_published_schemas_are_the_models_and_valid_json_schema() -> None:
    for name in schema.SCHEMAS:
        text = files("importaudit").joinpath("schemas", name).read_text()
        assert text == schema.schema_text(name), (
            f"{name} is out of date with importaudit.model: run python -m importaudit.schema")
        jsonschema.Draft202012Validator.check_schema(json.loads(text))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The gate fixture with a cycle and a forbidden import, as the working directory."""
    shutil.copytree(FIXTURES / "gate" / "gatepkg", tmp_path / "gatepkg")
    util = tmp_path / "gatepkg" / "util.py"
    util.write_text("import json\n" + util.read_text() + "\nimport gatepkg.core\n")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.importaudit]\ntargets = ["gatepkg"]\nrepeat = 2\n'
        '[tool.importaudit.budgets]\ngatepkg = { max_modules = 3 }\n'
        '[tool.importaudit.forbidden]\ngatepkg = ["json"]\n')
    monkeypatch.chdir(tmp_path)
    for name in ("GITHUB_ACTIONS", "IMPORTAUDIT_BASELINE", "IMPORTAUDIT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def written(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def test_every_command_writes_json_the_report_schema_accepts(project: Path) -> None:
    reports = {
        "profile": written("profile", "gatepkg", "--format", "json"),
        "graph": written("graph", "gatepkg", "--format", "json"),
        "cycles": written("cycles", "gatepkg", "--format", "json"),
        "check": written("check", "--format", "json"),
        "review": written("review", str(FIXTURES / "review" / "shop"), "--repeat", "1",
                          "--format", "json"),
    }
    # each carries the parts the schema describes, so each part was validated
    assert reports["check"]["verdict"]["violations"] and reports["review"]["findings"]
    assert reports["cycles"]["cycles"] and reports["graph"]["graph"]["edges"]
    assert reports["profile"]["modules"][0]["self_ns"] >= 0
    check = validator("report.schema.json")
    for command, data in reports.items():
        errors = [e.message for e in check.iter_errors(data)]
        assert errors == [], f"{command}: {errors[:3]}"


def test_a_saved_baseline_matches_the_baseline_schema(project: Path) -> None:
    assert CliRunner().invoke(cli, ["baseline", "save"]).exit_code == 0
    data = json.loads((project / ".importaudit" / "baseline.json").read_text())
    validator("baseline.schema.json").validate(data)


@pytest.mark.parametrize(("change", "field"), [
    (lambda m: m.update(cumulative_ns=-1), "cumulative_ns"),
    (lambda m: m.update(self_ns=10**30), "self_ns"),
    (lambda m: m.update(runs=True), "runs"),
    (lambda m: m.update(surprise=1), "surprise"),
])
def test_the_schema_refuses_what_baselines_refuse(project: Path, change, field) -> None:  # type: ignore[no-untyped-def]
    data = written("profile", "gatepkg", "--format", "json", "--no-memory")
    change(data["modules"][0])
    errors = list(validator("report.schema.json").iter_errors(data))
    assert errors and any(field in (str(e.path) + e.message) for e in errors)
