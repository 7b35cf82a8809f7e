"""A finding sharing its saving with others is graded on what its fix can save at best.

tests/fixtures/review/tollgate has bokeh's shape: tollgate.app.hooks imports Document
only for an annotation (bokeh.application.handlers.function:44), from tollgate.document,
whose eager `__init__` loads a 3 MiB model; tollgate.app's eager `__init__` loads
tollgate.app.runner, whose class body needs Document (no finding covers that import).
Today the parent loads the model anyway, so moving hooks' import saves nothing; with
tollgate.app's `__init__` lazy it saves the model (3 modules: measured, as on bokeh,
486 -> 256 modules). It was graded on 1 module "with every other fix made", as if
tollgate.document's lazy `__init__` deferred the model: but `from tollgate.document
import Document` loads it from a lazy package all the same (measured: 3 modules).
"""

from __future__ import annotations

from pathlib import Path

from importaudit import api
from importaudit.model import Severity

TOLLGATE = Path(__file__).resolve().parents[1] / "fixtures" / "review" / "tollgate"


def test_a_shared_finding_is_graded_on_what_its_fix_saves_with_its_parents_fixed() -> None:
    report = api.review([str(TOLLGATE)], api.ReviewOptions(measure=api.Measure(repeat=1),
                                                           select=("IA101", "IA501")))
    found = {(f.code, f.module): f for f in report.findings}
    hooks = found["IA501", "tollgate.app.hooks"]
    # The message explains the shared figure and what it takes to save it.
    assert "moving it saves 3 module(s)" in hooks.message
    assert "count them once" in hooks.message
    assert hooks.message.endswith(
        "Fixing this one alone saves nothing today (other imports load the rest); with "
        "IA101 tollgate.app:3 fixed too, it saves 3.")
    # Graded on that: the model's 3 MiB, not one module.
    assert hooks.impact.modules == 3 and hooks.severity == Severity.MEDIUM
    assert "Graded on" not in hooks.message
    document = found["IA101", "tollgate.document"]
    assert document.impact.modules == 2 and document.severity >= Severity.MEDIUM
