"""A saving counts a parent package lazy only where IA101 offers to make it lazy.

tests/fixtures/review/eagerparent: `epkg/__init__` loads three small modules, too
little for IA101 to ask for a lazy `__init__` (no finding); `ipkg/__init__` loads the
same three for ten names, an IA101 graded INFO. Each `tools` subpackage's IA101 defers
`heavy` (six modules of its own). Its figure counted the parent lazy as well, nine
modules with a note that the parent loads three of them anyway: a saving nobody is
asked to make (sqlalchemy.testing's IA101 counted sqlalchemy lazy, whose IA101 says to
keep it eager).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from importaudit import api
from importaudit.model import Severity

EAGERPARENT = Path(__file__).resolve().parents[1] / "fixtures" / "review" / "eagerparent"
QUIET = Path(__file__).resolve().parents[1] / "fixtures" / "review" / "quietinit"


@pytest.mark.parametrize("ignore", [
    pytest.param((), id="inline-comment"),
    pytest.param(("IA101:quietpkg",), id="config-entry"),
])
def test_a_parent_whose_ia101_is_suppressed_is_not_counted_lazy(
        ignore: tuple[str, ...]) -> None:
    # quietpkg's IA101 is suppressed (`# importaudit: ignore[IA101]`, or also in config):
    # its lazy __init__ will not be written. IA501 on quietpkg.report still counted it
    # lazy: MEDIUM, "with IA101 quietpkg:3 fixed too, it saves 1".
    report = api.review([str(QUIET / "quietpkg")],
                        api.ReviewOptions(measure=api.Measure(repeat=1), ignore=ignore))
    assert [f for f in report.findings if f.code in ("IA101", "IA501")] == []
    # The comment still silences IA101 (a finding there is): no IA001 says it is stale
    # (the config entry, doubling it, is).
    assert [f.line for f in report.findings if f.code == "IA001"] == (
        [] if not ignore else [None])


@pytest.mark.parametrize(("package", "parent_finding"), [
    pytest.param("epkg", None, id="no-parent-finding"),
    pytest.param("ipkg", Severity.INFO, id="parent-info"),
])
def test_a_child_s_figure_keeps_a_parent_ia101_does_not_offer_eager(
        package: str, parent_finding: Severity | None) -> None:
    report = api.review([str(EAGERPARENT / package)],
                        api.ReviewOptions(measure=api.Measure(repeat=1), select=("IA101",)))
    assert [f.severity for f in report.findings if f.module == package] == (
        [] if parent_finding is None else [parent_finding])
    [tools] = [f for f in report.findings if f.module == f"{package}.tools"]
    assert tools.impact.modules == 6  # heavy and its five parts, not the parent's trio
    assert f"counts {package} as lazy" not in tools.message
    assert "they need 6 module(s) that a lazy __init__ would defer" in tools.message
