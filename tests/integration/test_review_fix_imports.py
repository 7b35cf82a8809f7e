"""IA501's saving leaves out what its own fix imports.

tests/fixtures/review/futurist has faker's shape: faker.documentor imports Generator,
BaseProvider and Faker only for annotations evaluated when its functions are defined,
so the fix adds `from __future__ import annotations`. The review said moving the
imports saved 117 modules, `__future__` first among them: the module the fix itself
makes it import.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from importaudit.cli import cli
from tests.venvs import fresh_venv

FUTURIST = Path(__file__).resolve().parents[1] / "fixtures" / "review" / "futurist"


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    # Measured in a fresh venv, as a user's interpreter: importaudit's own environment
    # loads `__future__` at start-up (a .pth file's import), where it is no saving.
    python, site = fresh_venv(tmp_path_factory.mktemp("futurist"))
    shutil.copytree(FUTURIST, site / "futurist")
    done = CliRunner().invoke(cli, ["review", "futurist", "--python", str(python),
                                    "--select", "IA501", "--repeat", "1", "--no-memory",
                                    "--format", "json"])
    assert done.exit_code == 1, done.output
    report: dict[str, Any] = json.loads(done.output)
    return report


def _ia501(report: dict[str, Any], module: str) -> dict[str, Any]:
    found: dict[str, Any] = next(f for f in report["findings"]
                                 if f["code"] == "IA501" and f["module"] == module)
    return found


def _saved(finding: dict[str, Any]) -> str:
    text: str = finding["message"].split("saves ", 1)[1]
    return text


def _modules(finding: dict[str, Any]) -> int:
    count: int = finding["impact"]["modules"]
    return count


def test_what_the_fix_adds_is_not_counted_saved(reviewed: dict[str, Any]) -> None:
    documentor = _ia501(reviewed, "futurist.documentor")
    assert documentor["fix"].startswith("Add `from __future__ import annotations`")
    assert "__future__" not in _saved(documentor)
    assert "\n\nfrom typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n" in documentor["fix"]
    # It saves what keeper saves: Engine's module and what that alone loads.
    keeper = _ia501(reviewed, "futurist.keeper")
    assert keeper["fix"].startswith("Move")  # its annotations are not evaluated
    assert "__future__" not in _saved(keeper) and "TYPE_CHECKING =" not in keeper["fix"]
    assert _modules(keeper) == _modules(documentor)


def test_a_module_without_typing_is_not_told_to_import_it(reviewed: dict[str, Any]) -> None:
    # `importaudit fix` writes `TYPE_CHECKING = False` there (typing costs
    # milliseconds); the finding shows the same, and counts typing as saved.
    plain = _ia501(reviewed, "futurist.plain")
    assert "TYPE_CHECKING = False" in plain["fix"] and "from typing" not in plain["fix"]
    assert "__future__" not in _saved(plain)
    assert _modules(plain) > _modules(_ia501(reviewed, "futurist.keeper"))


def test_the_example_binds_type_checking_as_the_fix_would(reviewed: dict[str, Any]) -> None:
    # A module that assigns the constant itself gets no second one (the fix joins its
    # block); one importing typing only in a `try:` gets the constant, as the fix
    # writes it there (that import may not have run).
    assigned = _ia501(reviewed, "futurist.assigned")["fix"]
    assert "TYPE_CHECKING =" not in assigned and "from typing" not in assigned
    assert "\n\nif TYPE_CHECKING:\n    from futurist.engine import Engine" in assigned
    tried = _ia501(reviewed, "futurist.tried")["fix"]
    assert "TYPE_CHECKING = False" in tried and "from typing import TYPE_CHECKING" not in tried


def test_a_decorator_taken_through_its_module_is_followed() -> None:
    # `@decorators.checked` / `@d.checked`: only the module's name was recorded, and
    # IA501 told both modules to move the type `get_type_hints` reads when `act` is
    # defined (NameError). A decorator that reads nothing leaves IA501 standing.
    from importaudit import api

    target = Path(__file__).resolve().parents[1] / "fixtures" / "review" / "modeco"
    report = api.review([str(target)], api.ReviewOptions(measure=api.Measure(repeat=1),
                                                         select=("IA501",)))
    # Decorating by a call is the same (`act = checked(act)`, a factory's decorator
    # applied in a loop, over a table's items, by `map`, in a comprehension, through the
    # class): moved, each import was a NameError when the line ran.
    assert sorted(f.module for f in report.findings if f.code == "IA501") == [
        "modeco.logged_by_call", "modeco.logged_user"]
