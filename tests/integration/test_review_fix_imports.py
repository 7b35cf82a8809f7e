"""IA501's saving leaves out what its own fix imports.

tests/fixtures/review/futurist has faker's shape: faker.documentor imports Generator,
BaseProvider and Faker only for annotations evaluated when its functions are defined,
so the fix adds `from __future__ import annotations` and an `if TYPE_CHECKING:` block
from typing. The review said moving the imports saved 117 modules, `__future__` first
among them: the module the fix itself makes it import.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from importaudit import api

if TYPE_CHECKING:
    from importaudit.model import Finding, Report

FUTURIST = Path(__file__).resolve().parents[1] / "fixtures" / "review" / "futurist"


@pytest.fixture(scope="module")
def reviewed() -> Report:
    return api.review([str(FUTURIST)], api.ReviewOptions(measure=api.Measure(repeat=1),
                                                         select=("IA501",)))


def _ia501(report: Report, module: str) -> Finding:
    return next(f for f in report.findings if f.code == "IA501" and f.module == module)


def test_what_the_fix_adds_is_not_counted_saved(reviewed: Report) -> None:
    documentor = _ia501(reviewed, "futurist.documentor")
    assert documentor.fix.startswith("Add `from __future__ import annotations`")
    saved = documentor.message.split("saves ", 1)[1]
    assert "__future__" not in saved and "typing" not in saved
    # The rest of what Engine's module loads is saved.
    assert "decimal" in saved or "fractions" in saved


def test_a_module_with_a_type_checking_block_is_counted_as_it_is(reviewed: Report) -> None:
    keeper = _ia501(reviewed, "futurist.keeper")
    assert keeper.fix.startswith("Move")  # its annotations are not evaluated
    saved = keeper.message.split("saves ", 1)[1]
    assert "__future__" not in saved and "typing" not in saved
    # Both lose the same modules: Engine's module and what it alone loads.
    documentor = _ia501(reviewed, "futurist.documentor")
    assert keeper.impact.modules == documentor.impact.modules
