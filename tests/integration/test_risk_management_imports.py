"""What importing risk_management costs, checked in fresh interpreters (subprocess).

Each test starts a new `python` in the repo root (where risk_management is importable;
it is not installed), runs a few lines and reports facts as JSON: which modules got
loaded, whether names resolved. Counts and module sets, never wall-clock times.
The legacy twin (tests/fixtures/legacy) is only ever imported in a child too: it has
the same package names as the real one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LEGACY = ROOT / "tests" / "fixtures" / "legacy"
HEAVY = ("numpy", "sqlalchemy", "sqlite3")

CIRCUIT = "risk_management.real_time.circuit_breaker"
FACADE_MODULES = {
    "risk_management",
    "risk_management._lazy",
    "risk_management.real_time",
    CIRCUIT,
    f"{CIRCUIT}.events",
    f"{CIRCUIT}.facade",
    f"{CIRCUIT}.registry",
    f"{CIRCUIT}.types",
}


def child(code: str, *, eager: bool = False, legacy: bool = False, tmp: Path | None = None) -> dict:
    """Run *code* in a fresh interpreter; it must print one JSON object last."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RISK_MANAGEMENT", "PYTHON"))}
    if eager:
        env["RISK_MANAGEMENT_EAGER"] = "1"
    if legacy:
        env["PYTHONPATH"] = str(LEGACY)
        env["LEGACY_RISK_DB"] = str((tmp or Path("/nonexistent")) / "legacy.sqlite3")
    prelude = "import json, sys\nBEFORE = set(sys.modules)\n"
    done = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        cwd=LEGACY if legacy else ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


NEW_MODULES = "sorted(set(sys.modules) - BEFORE)"


def test_import_risk_management_loads_only_the_lazy_helper() -> None:
    facts = child(f"import risk_management\nprint(json.dumps({NEW_MODULES}))")
    ours = {m for m in facts if m.startswith("risk_management")}
    assert ours == {"risk_management", "risk_management._lazy"}
    assert not any(m.split(".")[0] in HEAVY for m in facts)
    assert len(facts) <= 3  # the package, the helper, at most one stdlib module


def test_circuit_breaker_facade_loads_only_its_own_modules() -> None:
    facts = child(
        f"""
        from risk_management.real_time.circuit_breaker import CircuitBreakerFacade
        print(json.dumps({NEW_MODULES}))
        """
    )
    ours = {m for m in facts if m.startswith("risk_management")}
    assert ours == FACADE_MODULES
    assert not any(m.split(".")[0] in (*HEAVY, "asyncio", "logging") for m in facts)


def test_a_configured_breaker_loads_its_module_and_no_other() -> None:
    facts = child(
        f"""
        from risk_management.real_time.circuit_breaker import (
            BreakerConfig, BreakerType, CircuitBreakerFacade,
        )
        CircuitBreakerFacade([BreakerConfig(BreakerType.DRAWDOWN, 0.1)])
        print(json.dumps({NEW_MODULES}))
        """
    )
    ours = {m for m in facts if m.startswith("risk_management")}
    assert ours == FACADE_MODULES | {f"{CIRCUIT}.base", f"{CIRCUIT}.drawdown"}


def test_numpy_waits_for_the_first_computation() -> None:
    facts = child(
        """
        from risk_management.position_sizing import VaRPositionSizer
        sizer = VaRPositionSizer(1000.0)
        before = "numpy" in sys.modules
        size = sizer.size(10.0, [0.01, -0.02, 0.015, -0.01, 0.005])
        print(json.dumps([before, "numpy" in sys.modules, size.quantity > 0]))
        """
    )
    assert facts == [False, True, True]


def test_persistence_connects_on_first_use_only(tmp_path: Path) -> None:
    facts = child(
        f"""
        from risk_management.persistence import BreakerEventStore, configure
        configure("sqlite:///{tmp_path / "db.sqlite3"}")
        store = BreakerEventStore()
        before = "sqlite3" in sys.modules
        store.events()
        print(json.dumps([before, "sqlite3" in sys.modules]))
        """
    )
    assert facts == [False, True]


def test_dir_lists_lazy_names_without_loading_them() -> None:
    facts = child(
        f"""
        import risk_management, risk_management.real_time.circuit_breaker as cb
        names = dir(cb)
        print(json.dumps([names, dir(risk_management), "{CIRCUIT}.drawdown" in sys.modules]))
        """
    )
    breaker_names, top_names, loaded = facts
    assert {"DrawdownBreaker", "CircuitBreakerFacade", "BreakerRegistry"} <= set(breaker_names)
    assert {"metrics", "CircuitBreakerFacade", "warm_up", "VaRPositionSizer"} <= set(top_names)
    assert loaded is False


def test_every_name_in_every_all_resolves_in_eager_mode() -> None:
    facts = child(
        """
        import importlib, pkgutil
        import risk_management
        report = {}
        for info in pkgutil.walk_packages(risk_management.__path__, "risk_management."):
            if info.ispkg:
                module = importlib.import_module(info.name)
                missing = [n for n in module.__all__ if n not in vars(module)]
                report[info.name] = [len(module.__all__), missing]
                for name in dir(module):
                    getattr(module, name)
        report["risk_management"] = [len(risk_management.__all__),
            [n for n in risk_management.__all__ if n not in vars(risk_management)]]
        report["heavy"] = [m for m in ("numpy", "sqlalchemy") if m in sys.modules]
        print(json.dumps(report))
        """,
        eager=True,
    )
    heavy = facts.pop("heavy")
    assert heavy == ["sqlalchemy"]  # persistence is a module; numpy waits for a computation
    assert set(facts) == {
        "risk_management",
        "risk_management.integration",
        "risk_management.metrics",
        "risk_management.persistence",
        "risk_management.position_sizing",
        "risk_management.post_trade",
        "risk_management.real_time",
        f"{CIRCUIT}",
    }
    for package, (count, missing) in facts.items():
        assert count > 0, package
        assert missing == [], f"{package}: not resolved at import in eager mode: {missing}"


def test_first_access_from_many_threads_yields_one_object() -> None:
    facts = child(
        """
        import threading
        import risk_management
        barrier = threading.Barrier(16)
        seen, errors = [], []
        def grab():
            barrier.wait()
            try:
                seen.append((
                    id(risk_management.CircuitBreakerFacade),
                    id(risk_management.real_time.circuit_breaker.BreakerConfig),
                    id(risk_management.post_trade.PostTradeAnalyzer),
                ))
            except BaseException as exc:
                errors.append(repr(exc))
        threads = [threading.Thread(target=grab) for _ in range(16)]
        for t in threads: t.start()
        for t in threads: t.join()
        print(json.dumps([len(seen), len(set(seen)), errors]))
        """
    )
    assert facts == [16, 1, []]


def test_warm_up_imports_the_heavy_parts_from_asyncio() -> None:
    facts = child(
        """
        import asyncio
        import risk_management
        async def main():
            ticks = 0
            async def tick():
                nonlocal ticks
                while True:
                    ticks += 1
                    await asyncio.sleep(0)
            ticker = asyncio.ensure_future(tick())
            modules = await risk_management.warm_up()
            ticker.cancel()
            return len(modules)
        count = asyncio.run(main())
        print(json.dumps([count, "numpy" in sys.modules, "sqlalchemy" in sys.modules]))
        """
    )
    assert facts[1:] == [True, True]
    assert facts[0] >= 10


def test_trading_engine_is_never_imported() -> None:
    facts = child(
        f"""
        import risk_management.integration as integration
        integration.TradingEngineRiskIntegration
        print(json.dumps({NEW_MODULES}))
        """
    )
    assert not any(m.startswith("trading_engine") for m in facts)


# --------------------------------------------------------------------------- the legacy twin


def test_legacy_twin_reproduces_the_review(tmp_path: Path) -> None:
    facts = child(
        """
        import risk_management
        import risk_management.real_time.circuit_breaker as cb
        from risk_management import metrics, post_trade, database
        placeholders = [
            [n for n in vars(c) if not n.startswith("__")]
            for c in (metrics.RiskMetricsCalculator, metrics.PortfolioRiskMetrics,
                      post_trade.PostTradeAnalyzer, post_trade.TradeReview,
                      post_trade.SlippageAnalyzer)
        ]
        print(json.dumps({
            "heavy": [m for m in ("numpy", "sqlalchemy", "sqlite3") if m in sys.modules],
            "trading_engine": "trading_engine.engine" in sys.modules,
            "all": len(cb.__all__),
            "registry_cached": cb.get_breaker_registry() is cb.get_breaker_registry(),
            "connection_open": not database.connection.closed,
            "placeholders": placeholders,
            "modules": len(set(sys.modules) - BEFORE),
        }))
        """,
        legacy=True,
        tmp=tmp_path,
    )
    assert facts["heavy"] == ["numpy", "sqlalchemy", "sqlite3"]  # 3310, 3312, 3318, 3319
    assert facts["trading_engine"] is True  # 3313
    assert facts["all"] == 19  # 3314
    assert facts["registry_cached"] is False  # 3317
    assert facts["connection_open"] is True  # 3319
    assert facts["placeholders"] == [[], [], [], [], []]  # 3311, 3315
    assert facts["modules"] > 100
    assert (tmp_path / "legacy.sqlite3").exists()  # the database was created at import


@pytest.mark.parametrize("first", ["trading_engine", "risk_management.integration"])
def test_legacy_cycle_is_real_in_both_directions(first: str, tmp_path: Path) -> None:
    facts = child(
        f"""
        import {first}
        print(json.dumps(["trading_engine.engine" in sys.modules,
                          "risk_management.integration" in sys.modules]))
        """,
        legacy=True,
        tmp=tmp_path,
    )
    assert facts == [True, True]
