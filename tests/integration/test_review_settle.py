"""`review` measures again the modules whose IA602 verdict hangs on a time near 10 ms."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from importaudit import api
from importaudit.defaults import SETTLE_REPEAT

if TYPE_CHECKING:
    import pytest

SETTLED = Path(__file__).resolve().parents[1] / "fixtures" / "review" / "settled"
DRIFTING = SETTLED.with_name("drifting")


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


def test_near_the_threshold_an_unchanged_module_keeps_its_verdict_between_reviews(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "drifting"
    shutil.copytree(DRIFTING, package)
    monkeypatch.setenv("IMPORTAUDIT_CACHE_DIR", str(tmp_path / "cache"))

    def review(cost_ms: float) -> tuple[list[str], list[str]]:
        (package / "cost_ms.txt").write_text(f"{cost_ms}\n")
        report = api.review([str(package)], api.ReviewOptions(
            measure=api.Measure(repeat=1), select=("IA602",)))
        assert report.meta is not None
        return ([f.message for f in report.findings],
                [n for n in report.meta.notes if n.startswith("IA602 on")])

    # 10.3 ms against 10 ms: slow, decided on the figure (nothing remembered yet). The
    # spin loop makes each figure a floor; what the body costs around it only grows
    # under load (a whole run at load 8-9 once crossed an edge), so each figure sits as
    # low in its range as it can: 10.3 in the band [8.33, 12), 6.8 in [6.67, 8.33),
    # measured again but outside the band.
    [message], kept = review(10.3)
    assert "near the" not in message and kept == []
    # The same code, now 9.4 ms: within 20% of the threshold the verdict stands.
    [message], [note] = review(9.4)
    assert "the verdict of an earlier review of the same code stands" in message
    assert note.startswith("IA602 on drifting.body: 9.") and note.endswith(": slow")
    # 6.8 ms is clearly under: decided afresh, and that verdict is remembered in turn.
    assert review(6.8) == ([], [])
    found, [note] = review(10.3)
    assert found == [] and note.endswith(": not slow")
