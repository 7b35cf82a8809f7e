"""IA101 counts deferred only what `fix`'s lazy `__init__` would defer.

tests/fixtures/review/sideinit: `sidepkg/__init__` does `import sidepkg.codecs` for its
side effect (it registers a codec) and re-exports `Report` from `heavy`. `fix` keeps
the plain import eager; the review's claim, its snippet and its saving followed its
own reading and deferred it too (pandas' `import pandas.core.config_init`, whose
options pandas then lacked: `KeyError: 'compute'`).
"""

from __future__ import annotations

from pathlib import Path

from importaudit import api

SIDEINIT = Path(__file__).resolve().parents[1] / "fixtures" / "review" / "sideinit"


def test_a_side_effect_import_stays_eager_in_the_claim_and_the_snippet() -> None:
    report = api.review([str(SIDEINIT / "sidepkg")],
                        api.ReviewOptions(measure=api.Measure(repeat=1), select=("IA101",)))
    [finding] = [f for f in report.findings if f.code == "IA101"]
    assert "'Report': '.heavy'" in finding.fix
    assert "'sidepkg'" not in finding.fix  # `import sidepkg.codecs` binds sidepkg
    assert ("sidepkg stays eager in the lazy __init__ `importaudit fix` would write"
            in finding.message)
    # json and heavy (and what json imports): not decimal, which codecs needs
    assert finding.impact.modules is not None and finding.impact.modules < 8
