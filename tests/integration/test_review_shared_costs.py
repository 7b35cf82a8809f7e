"""A finding whose fix saves little even with the others made is graded on that.

tests/fixtures/review/tollgate has bokeh's shape: tollgate.app.hooks imports Document
only for an annotation (bokeh.application.handlers.function:44), from tollgate.document,
whose eager `__init__` loads a 3 MiB model; tollgate.app's eager `__init__` loads
tollgate.app.runner, whose class body needs Document (no finding covers that import).
With its parent packages lazy, moving hooks' import saves the model, so it claimed
MEDIUM; but today the parent loads it anyway, and with the other fixes made,
tollgate.document's own lazy `__init__` defers the model: hooks' fix saves one module.
"""

from __future__ import annotations

from pathlib import Path

from importaudit import api
from importaudit.model import Severity

TOLLGATE = Path(__file__).resolve().parents[1] / "fixtures" / "review" / "tollgate"


def test_a_shared_cost_is_not_graded_on_a_finding_whose_fix_saves_little_of_it() -> None:
    report = api.review([str(TOLLGATE)], api.ReviewOptions(measure=api.Measure(repeat=1),
                                                           select=("IA101", "IA501")))
    found = {(f.code, f.module): f for f in report.findings}
    hooks = found["IA501", "tollgate.app.hooks"]
    # The message still explains the shared figure and what it takes to save more.
    assert "moving it saves 3 module(s)" in hooks.message
    assert "count them once" in hooks.message
    assert ("Fixing this one alone saves nothing today (other imports load the rest); "
            "with IA101 tollgate.app:3 fixed too, it saves 1.") in hooks.message
    # ... but its impact and severity are what its fix can save: tollgate.document.
    assert hooks.impact.modules == 1
    assert "Graded on what fixing it can save at best (1 module(s)," in hooks.message
    assert hooks.severity <= Severity.LOW
    # The fix that defers the model keeps the grade the model earns.
    document = found["IA101", "tollgate.document"]
    assert document.impact.modules == 2 and document.severity >= Severity.MEDIUM
    assert "Graded on" not in document.message
    # Ranked by what fixing achieves: the annotation import comes last.
    assert report.findings[-1] is hooks
