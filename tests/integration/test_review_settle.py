"""`review` measures again the modules whose IA602 verdict hangs on a time near 10 ms."""

from __future__ import annotations

from pathlib import Path

from importaudit import api
from importaudit.defaults import SETTLE_REPEAT

SETTLED = Path(__file__).resolve().parents[1] / "fixtures" / "review" / "settled"


def test_a_body_near_the_threshold_is_measured_again_and_judged_on_those_runs() -> None:
    report = api.review([str(SETTLED)], api.ReviewOptions(measure=api.Measure(repeat=1),
                                                          select=("IA602",)))
    assert [(f.code, f.module) for f in report.findings] == [("IA602", "settled.busy")]
    # It says the figure that decided: CPU time, which load does not stretch.
    assert "ms of CPU, median over the runs)" in report.findings[0].message
    assert report.meta is not None
    again = [n for n in report.meta.notes if "measured" in n and " again " in n]
    # Only the module near the threshold (12 ms of CPU): not the cheap one beside it.
    assert again == [f"measured settled.busy again ({SETTLE_REPEAT} runs, without the rest "
                     "of the tree): the CPU time of the body was near IA602's threshold"]
    busy = next(m for m in report.modules if m.name == "settled.busy")
    assert busy.self_cpu_ns is not None and busy.self_cpu_ns >= 12_000_000
