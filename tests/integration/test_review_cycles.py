"""IA201's impact is what breaking the cycle saves, measured on a real fixture package.

tests/fixtures/review/rings has networkx's shape (rings.convert imports its own package,
whose `__init__` keeps a 20 MiB table) and a second cycle, rings.billing <-> rings.orders,
whose cut (billing's annotation-only import) defers rings.orders and a pricing tree
holding 3 MiB. Breaking the first saves nothing: importing rings.convert runs
`rings/__init__` first. The severity follows the saving, not the cost of the members.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from importaudit import api
from importaudit.model import Severity

if TYPE_CHECKING:
    from importaudit.model import Finding, Report

RINGS = Path(__file__).resolve().parents[1] / "fixtures" / "review" / "rings"
LEDGERS = RINGS.parent / "ledgers"


@pytest.fixture(scope="module")
def rings() -> Report:
    return api.review([str(RINGS)], api.ReviewOptions(measure=api.Measure(repeat=1)))


def cycle(report: Report, start: str) -> Finding:
    [found] = [f for f in report.findings if f.code == "IA201" and f.chain[0] == start]
    return found


def test_a_submodule_importing_its_own_package_saves_nothing_to_break(rings: Report) -> None:
    f = cycle(rings, "rings")
    assert f.chain == ("rings", "rings.convert", "rings")
    assert f.impact.modules == 0
    assert ("convert.py:3 saves nothing in import cost: its modules load together anyway, "
            "through rings, the package rings.convert belongs to") in f.message
    # Not the 20 MiB the members load: an order-independent cycle in one package.
    assert f.severity is Severity.LOW


def test_a_cut_that_defers_a_tree_is_graded_by_what_it_saves(rings: Report) -> None:
    f = cycle(rings, "rings.billing")
    # rings.orders, rings.pricing and its three submodules no longer load.
    assert f.impact.modules == 5
    assert "billing.py:15 saves 5 module(s) for an import of rings.billing." in f.message
    # The 3 MiB rate table grades it (heap >= 2 MiB), above the floor of LOW.
    assert f.severity is Severity.MEDIUM
    assert "TYPE_CHECKING" in f.fix


@functools.cache
def ledgers() -> Report:
    return api.review([str(LEDGERS)], api.ReviewOptions(measure=api.Measure(repeat=1)))


def test_the_finding_points_at_the_statement_its_message_says_to_move() -> None:
    """tests/fixtures/review/ledgers: the static cut is ledger.py:15 (a plain import,
    cheapest to defer), but breaking the cycle there saves one small module, while
    reports.py:5 saves the ledger and its 3 MiB tree: the message names reports.py:5
    first, and the finding's place (what a suppression comment goes on) is that line."""
    report = ledgers()
    [cut] = [c for c in report.cycles if "ledgers.ledger" in c.modules]
    assert (Path(cut.cut[0].file or "").name, cut.cut[0].line) == ("ledger.py", 15)
    [f] = [f for f in report.findings if f.code == "IA201" and "ledgers.ledger" in f.chain]
    assert "reports.py:5 saves 4 module(s) for an import of ledgers.reports." in f.message
    assert (f.module, Path(f.file or "").name, f.line) == ("ledgers.reports", "reports.py", 5)
    assert f.fix.index("reports.py:5") < f.fix.index("ledger.py:15")


def test_a_cycle_through_an_import_that_did_not_run_says_so() -> None:
    """ledgers._console imports ledgers._winconsole only on Windows (click._compat's
    shape): nothing is saved because the module did not load, not because "other
    imports" load it, as the message said."""
    report = ledgers()
    [f] = [f for f in report.findings if f.code == "IA201" and "ledgers._console" in f.chain]
    assert f.impact.modules == 0
    assert ("saves nothing measured here: ledgers._winconsole did not load when "
            "ledgers._console was imported") in f.message
    assert "other imports" not in f.message


def test_the_cut_named_is_an_edge_of_the_witness_shown() -> None:
    """tests/fixtures/review/tangle (numpy's shape): the witness is tangle ->
    tangle.zeta -> tangle, and the static cut lists alpha.py's `import tangle` first,
    which breaks only alpha's own cycle. The finding named alpha.py:3."""
    report = api.review([str(RINGS.parent / "tangle")],
                        api.ReviewOptions(measure=api.Measure(repeat=1)))
    [f] = [f for f in report.findings if f.code == "IA201"]
    assert f.chain == ("tangle", "tangle.zeta", "tangle")
    assert (f.module, Path(f.file or "").name, f.line) == ("tangle.zeta", "zeta.py", 3)
    assert "zeta.py:3 (tangle.zeta -> tangle)" in f.fix and "alpha.py" not in f.fix


def test_a_package_body_that_uses_its_submodules_saves_nothing_by_breaking_there() -> None:
    """tests/fixtures/review/formulas (patsy): `import formulas.build` then
    `_reexport(formulas.build)` in the package's `__init__`, and the submodules derive
    their errors from the package's. IA201 said breaking the cycle at the `__init__`'s
    import saved build and its heavy library (patsy: all 588 modules of `import patsy`,
    CRITICAL): the body needs the module itself, so no restructuring removes it."""
    formulas = Path(__file__).resolve().parents[1] / "fixtures" / "review" / "formulas"
    report = api.review([str(formulas)], api.ReviewOptions(measure=api.Measure(repeat=1)))
    [cycle] = [f for f in report.findings if f.code == "IA201"]
    assert ("saves nothing in import cost: formulas's body uses formulas.build while it "
            "runs, so formulas loads it whatever breaks the cycle.") in cycle.message
    assert cycle.impact.modules == 0 and cycle.severity.name == "LOW"


def test_a_cut_that_would_remove_a_packages_public_name_keeps_it_served() -> None:
    # boto3/__init__'s `from boto3.session import Session` is used only in functions:
    # IA201 said to move it into them, which removes `boto3.Session`, boto3's API.
    sessions = RINGS.parent / "sessions"
    report = api.review([str(sessions)], api.ReviewOptions(measure=api.Measure(repeat=1)))
    f = cycle(report, "sessions")
    # The re-export is no import to move at all (a package's re-export keeps its public
    # name): the cut is the submodule's read-back of its package, used in functions only.
    assert (f.module, f.line) == ("sessions.session", 6)
    assert "__init__.py:2" not in f.fix
    assert "session.py:6 into the functions that use them" in f.fix


def test_a_name_of_the_statement_outside_the_cycle_does_not_keep_the_import() -> None:
    """tests/fixtures/review/knots (sphinx.util.rst's `from sphinx.util import docutils,
    logging`): roles.py's `from knots.util import log, registry` closes the cycle only
    through `registry`, which only `enable()` uses; `log` is called at import. IA201 said
    the edge was "needed at import time" and advised restructuring: moving `registry`
    alone into the function breaks the cycle."""
    knots = RINGS.parent / "knots"
    report = api.review([str(knots)], api.ReviewOptions(measure=api.Measure(repeat=1)))
    [f] = [f for f in report.findings if f.code == "IA201"]
    assert (f.module, f.line) == ("knots.util.roles", 12)
    assert "which is needed at import time" not in f.fix
    assert ("move registry from the import at " in f.fix and
            "roles.py:12 into the functions that use them" in f.fix)
    assert "log stays at module level" in f.fix
    assert f.impact.modules == 1  # knots.util.registry no longer loads with roles


def test_a_cycle_that_fails_at_import_is_reported_though_its_modules_failed() -> None:
    """tests/fixtures/review/failcycle (py._code's shape): the tree walk records both
    members as failed imports; the findings on failed modules are left out (what was
    measured of them is partial), but not the cycle that makes them fail: `review py`
    listed one IA102 and no IA201 under its "FAILS AT IMPORT (reproduced)" cycle."""
    failcycle = RINGS.parent / "failcycle"
    report = api.review([str(failcycle)], api.ReviewOptions(
        measure=api.Measure(repeat=1, memory=False)))
    assert {m.name for m in report.modules if m.error} >= {"failcycle.engine"}
    [f] = [f for f in report.findings if f.code == "IA201"]
    assert f.chain == ("failcycle.engine", "failcycle.ledger", "failcycle.engine")
    assert f.severity >= Severity.HIGH
    assert "It fails at import: importing failcycle.engine first: ImportError" in f.message
    # Its own import stopped at the failure: no saving is claimed from it.
    assert f.impact.modules is None
    assert "failcycle.engine fails to import here" in f.message
