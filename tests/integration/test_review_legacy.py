"""`importaudit review` on the legacy twin finds every machine-judgeable issue of the seed
review (batch 10, ISSUE-3310..3319), with measured impact; on the real `risk_management`
it finds nothing.

ISSUE-3316 (no async initialisation) and ISSUE-3317 (no import caching) are not import
problems a tool can measure: Python caches imports itself, and a missing async API is a
design choice. Every other issue maps to a rule and a place in
tests/fixtures/legacy/README.md; each test names its issue. Times are never asserted:
the checks are on which rule fired where, and on counts (modules a fix would defer).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from importaudit import api
from importaudit.model import Severity

if TYPE_CHECKING:
    from importaudit.model import Finding, Report

ROOT = Path(__file__).resolve().parents[2]
LEGACY = ROOT / "tests" / "fixtures" / "legacy"


@pytest.fixture(scope="module")
def legacy(tmp_path_factory: pytest.TempPathFactory) -> Report:
    import os

    db = tmp_path_factory.mktemp("legacy-db") / "risk.sqlite3"
    old = os.environ.get("LEGACY_RISK_DB")
    os.environ["LEGACY_RISK_DB"] = str(db)  # the child inherits it: no shared temp file
    try:
        return api.review([str(LEGACY / "risk_management"), str(LEGACY / "trading_engine")],
                          api.ReviewOptions(measure=api.Measure(repeat=1)))
    finally:
        if old is None:
            del os.environ["LEGACY_RISK_DB"]
        else:
            os.environ["LEGACY_RISK_DB"] = old


def found(report: Report, code: str, module: str) -> Finding:
    hits = [f for f in report.findings if f.code == code and f.module == module]
    got = [(f.code, f.module) for f in report.findings]
    assert hits, f"{code} on {module} not found; got {got}"
    return hits[0]


def in_file(finding: Finding, relative: str, lines: range) -> None:
    assert finding.file is not None and finding.file.endswith(relative)
    assert finding.line in lines, (finding.line, lines)


def test_3310_circuit_breaker_init_imports_19_names_eagerly(legacy: Report) -> None:
    f = found(legacy, "IA101", "risk_management.real_time.circuit_breaker")
    in_file(f, "real_time/circuit_breaker/__init__.py", range(8, 45))
    assert "19 name(s)" in f.message
    assert f.impact.modules is not None and f.impact.modules > 50  # numpy, SQLAlchemy, utils
    assert f.severity >= Severity.HIGH
    assert "def __getattr__(name):" in f.fix and "'CircuitBreakerFacade':" in f.fix


def test_3311_metrics_placeholders(legacy: Report) -> None:
    f = found(legacy, "IA401", "risk_management.metrics")
    in_file(f, "metrics/__init__.py", range(21, 28))
    assert "RiskMetricsCalculator" in f.message and "PortfolioRiskMetrics" in f.message


def test_3312_position_sizing_eager_var_sizer_pulls_numpy(legacy: Report) -> None:
    f = found(legacy, "IA101", "risk_management.position_sizing")
    in_file(f, "position_sizing/__init__.py", range(8, 12))
    assert "var_position_sizer" in f.message
    assert f.impact.modules is not None and f.impact.modules > 20  # numpy comes along


def test_3313_cross_package_cycle_with_witness(legacy: Report) -> None:
    cycles = [f for f in legacy.findings if f.code == "IA201"]
    assert cycles, "no import cycle found"
    first = cycles[0]
    tops = {m.split(".")[0] for m in first.chain}
    assert tops == {"risk_management", "trading_engine"}  # cross-package first
    assert first.chain[0] == first.chain[-1]  # a closed witness path
    # Its impact is what breaking it saves: moving trading_engine/engine.py's imports of
    # risk_management into functions keeps all of risk_management (numpy, SQLAlchemy)
    # out of an import of the engine, so it stays as serious as a finding gets.
    assert "engine.py:5, 6 saves" in first.message
    assert "for an import of trading_engine.engine." in first.message
    assert first.impact.modules is not None and first.impact.modules > 300
    assert first.severity is Severity.CRITICAL


def test_3313_integration_pulls_the_trading_engine_for_annotations(legacy: Report) -> None:
    module = "risk_management.integration.trading_engine_integration"
    f = found(legacy, "IA501", module)
    assert "trading_engine" in f.message and "Order" in f.message
    # `from trading_engine import Order` alone saves nothing (line 10 imports the
    # engine anyway): no utility-tree finding claims the engine's whole tree for it.
    assert not [g for g in legacy.findings if g.code == "IA103" and g.module == module]


def test_3314_large_all_is_the_eager_init_cost(legacy: Report) -> None:
    # The twin's circuit breaker __init__ is eager: `from ... import *` loads nothing that
    # `import ...` has not, so trimming the 19-name __all__ alone saves nothing. The cost
    # the seed describes is 3310's IA101; IA301 applies once that __init__ is lazy (then
    # real_time's `from .circuit_breaker import *` pulls every name on each import).
    assert not [f for f in legacy.findings if f.code == "IA301"]
    f = found(legacy, "IA101", "risk_management.real_time.circuit_breaker")
    assert f.impact.modules is not None and f.impact.modules > 20


def test_3314_the_parents_star_import_is_named_in_the_init_finding(legacy: Report) -> None:
    # real_time runs `from .circuit_breaker import *`, which takes every name of the
    # 19-name __all__: a lazy __getattr__ map cannot defer what a star import reads at
    # once. IA101 stays (IA301 follows once the __init__ is lazy), and says so.
    f = found(legacy, "IA101", "risk_management.real_time.circuit_breaker")
    assert ("risk_management.real_time:3 runs `from ... import *` of "
            "risk_management.real_time.circuit_breaker, which takes 18 of these names: a "
            "star import cannot be made lazy by a `__getattr__` map without listing the "
            "names it takes" in f.message)
    assert "IA301 says how to take fewer" in f.message


def test_3315_post_trade_placeholders(legacy: Report) -> None:
    f = found(legacy, "IA401", "risk_management.post_trade")
    in_file(f, "post_trade/__init__.py", range(18, 29))
    for name in ("PostTradeAnalyzer", "TradeReview", "SlippageAnalyzer"):
        assert name in f.message


def test_3318_facade_loads_the_utils_tree_for_two_helpers(legacy: Report) -> None:
    # The facade's two helpers from utils are one fix with utils' lazy __init__: the
    # utility-tree finding is folded into that package's IA101, which names it.
    f = found(legacy, "IA101", "risk_management.utils")
    assert ("risk_management.real_time.circuit_breaker.facade:25 (ErrorHandlingMixin, timer "
            "from risk_management.utils)"
            in f.message)
    assert f.impact.modules is not None and f.impact.modules >= 5


def test_3319_database_connections_at_import(legacy: Report) -> None:
    db = found(legacy, "IA601", "risk_management.database")
    in_file(db, "risk_management/database.py", range(39, 42))
    assert "create_engine" in db.message and "connect" in db.message
    second = found(legacy, "IA601", "risk_management.post_trade")
    assert "sqlite3.connect" in second.message
    assert db.severity >= Severity.HIGH


def test_typing_only_import_in_the_facade(legacy: Report) -> None:
    f = found(legacy, "IA501", "risk_management.real_time.circuit_breaker.facade")
    assert "VaRCalculator" in f.message
    assert "from __future__ import annotations" in f.fix  # its annotations are evaluated


def test_findings_that_claim_the_same_modules_say_so(legacy: Report) -> None:
    # importing risk_management.integration runs risk_management/__init__.py first, which
    # loads everything: its own lazy __init__ alone saves only what nothing else loads
    nested = found(legacy, "IA101", "risk_management.integration")
    assert "also claimed by" in nested.message and "count them once" in nested.message
    # ... and once the top-level __init__ is lazy too, it saves more
    assert "with IA101 risk_management:8 fixed too, it saves" in nested.message
    top = found(legacy, "IA101", "risk_management")
    assert top.impact.modules is not None
    assert f"Fixing this one alone saves {top.impact.modules} module(s) today." in top.message


def test_findings_are_ranked_and_carry_measured_impact(legacy: Report) -> None:
    severities = [f.severity for f in legacy.findings]
    assert severities == sorted(severities, reverse=True)
    costs = [f for f in legacy.findings if f.code in {"IA101", "IA102", "IA103", "IA301"}]
    assert all(f.impact.time_ns is not None and f.impact.heap_bytes is not None for f in costs)


def test_real_risk_management_has_none_of_them() -> None:
    # Three runs: savings are judged on the fastest own times, which one run under load
    # cannot give (a 1 ms stdlib module once took 11 ms on a busy 2-core runner).
    report = api.review([str(ROOT / "risk_management")],
                        api.ReviewOptions(measure=api.Measure(repeat=3)))
    assert [(f.code, f.module, f.message) for f in report.findings] == []
    assert len(report.modules) > 10  # it was measured: every module of the tree imported
