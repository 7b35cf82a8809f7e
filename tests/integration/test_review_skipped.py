"""No finding on a module that does not import here: below a skipped one, or failing.

`review plotly` (without matplotlib) reported IA101 HIGH on
`plotly.matplotlylib.mplexporter` and its `renderers`: "they need 108 module(s) that a
lazy __init__ would defer". `plotly.matplotlylib` is skipped (it needs matplotlib), and
those modules were only the start of its failing import: the renderers had loaded 107
modules before one of them needed matplotlib. Nobody can import them here.
tests/fixtures/review/bridged has that shape.
"""

from __future__ import annotations

from pathlib import Path

from importaudit import api

BRIDGED = Path(__file__).resolve().parents[1] / "fixtures" / "review" / "bridged"


def test_modules_below_a_skipped_module_or_in_its_failing_import_get_no_finding() -> None:
    report = api.review([str(BRIDGED)], api.ReviewOptions(measure=api.Measure(repeat=1)))
    assert [s.name for s in report.skipped] == ["bridged.mplbridge"]
    # What was measured of them is there (the renderers' fake one loaded heavylib)...
    measured = {m.name: m.error for m in report.modules if m.name.startswith("bridged.")}
    assert measured["bridged.mplbridge.exporter.renderers.fake"] is None
    assert measured["bridged.mplbridge.exporter.renderers"] is not None
    # ... but none of it is a finding.
    assert [(f.code, f.module) for f in report.findings] == []
