"""IA602 points at the statement its body's time was measured in, not at a likely-looking one."""

from __future__ import annotations

import json
from pathlib import Path

from importaudit import api
from importaudit.model import report_from_dict, report_to_dict
from importaudit.review import run_review

LATELOOP = Path(__file__).resolve().parents[1] / "fixtures" / "review" / "lateloop"


def test_the_finding_names_the_line_the_time_went_into() -> None:
    # lateloop's cheap comprehension (line 10) comes first, and a comprehension ranks
    # first by syntax; its time is the call that builds TABLE (lines 24-26).
    report = api.review([str(LATELOOP)], api.ReviewOptions(
        measure=api.Measure(repeat=1, memory=False), select=("IA602",)))
    assert report.failure is None, report.failure
    found = {f.module: f for f in report.findings if f.code == "IA602"}
    body = found["lateloop"]
    assert body.line == 24
    assert "line 24 (`TABLE = _build(...)`): about " in body.message
    assert "of its body's sampled time" in body.message
    assert "line 10" not in body.message  # the comprehension took none of it
    assert "Compute the result of line 24 on first use" in body.fix
    # The submodule's loop is its own time: not charged to lateloop's import of it.
    assert found["lateloop.tables"].line == 4
    assert "line 8" not in body.message
    # Saved and read back (`review --from`), the samples and the verdict are the same.
    again = report_from_dict(json.loads(json.dumps(report_to_dict(report))))
    assert again.modules == report.modules
    [same] = [f for f in run_review(again).findings if f.code == "IA602"
              and f.module == "lateloop"]
    assert same.line == 24 and same.message == body.message
    # A report saved before lines were sampled still loads, and IA602 says it lists
    # the statements by syntax then.
    data = report_to_dict(report)
    for module in data["modules"]:
        for key in ("sampled_ns", "samples", "lines"):
            del module[key]
    [old] = [f for f in run_review(report_from_dict(data)).findings if f.code == "IA602"
             and f.module == "lateloop"]
    assert "where its time goes was not sampled" in old.message
