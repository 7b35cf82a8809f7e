"""Persistence: one lazily built shared engine, stores that round-trip, nothing at import."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import pytest
from risk_helpers import START, FakeClock, snap

from risk_management.persistence import (
    DATABASE_URL_ENV,
    BreakerEventStore,
    TradeReviewStore,
    configure,
    database_url,
    dispose_engine,
    get_engine,
)
from risk_management.post_trade import Execution, Fill, PostTradeAnalyzer, ReviewFlag, Side
from risk_management.real_time.circuit_breaker import (
    BreakerConfig,
    BreakerStatus,
    BreakerType,
    CircuitBreakerFacade,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "nested" / "risk.sqlite3"
    configure(f"sqlite:///{path}")
    yield path
    configure(None)


def test_nothing_connects_until_first_use(db: Path) -> None:
    store = BreakerEventStore()
    CircuitBreakerFacade([BreakerConfig(BreakerType.DRAWDOWN, 0.1)], sink=store)
    assert not db.exists()
    assert store.events() == ()
    assert db.exists()  # parent directory created too


def test_every_thread_gets_the_same_engine(db: Path) -> None:
    start = threading.Barrier(8)
    engines = []

    def grab() -> None:
        start.wait()
        engines.append(get_engine())

    threads = [threading.Thread(target=grab) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(engines) == 8
    assert len({id(e) for e in engines}) == 1
    assert BreakerEventStore().engine is TradeReviewStore().engine is engines[0]


def test_breaker_events_round_trip(db: Path) -> None:
    clock = FakeClock()
    store = BreakerEventStore()
    cb = CircuitBreakerFacade([BreakerConfig(BreakerType.DRAWDOWN, 0.1)], clock=clock, sink=store)
    cb.evaluate(snap(100.0))
    cb.evaluate(snap(85.0))
    clock.advance(600)
    cb.reset("drawdown")
    assert store.events() == cb.audit_trail.events()
    assert [e.status for e in store.events(limit=1)] == [BreakerStatus.ARMED]
    assert store.events("nothing") == ()
    assert store.events()[0].timestamp == START


def test_writes_from_many_threads_share_the_pool(db: Path) -> None:
    store = BreakerEventStore()
    config = BreakerConfig(BreakerType.CONSECUTIVE_LOSSES, 1, cooldown_seconds=0, auto_reset=True)
    desks = [CircuitBreakerFacade([config], sink=store) for _ in range(4)]

    def trade(desk: CircuitBreakerFacade) -> None:
        for pnl in (-1.0, 1.0) * 5:  # every pnl flips the breaker: 10 events per desk
            desk.evaluate(snap(1.0, pnls=(pnl,)))

    threads = [threading.Thread(target=trade, args=(desk,)) for desk in desks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [len(desk.audit_trail) for desk in desks] == [10, 10, 10, 10]
    assert len(store.events()) == 40


def test_trade_reviews_round_trip_and_replace(db: Path) -> None:
    store = TradeReviewStore()
    analyzer = PostTradeAnalyzer(store=store, clock=lambda: START)
    execution = Execution("T1", "AAPL", Side.SELL, 100, 50.0, (Fill(60, 49.9),), market_vwap=49.95)
    review = analyzer.review(execution)
    assert review.flags == (
        ReviewFlag.HIGH_SLIPPAGE,
        ReviewFlag.UNDERPERFORMED_VWAP,
        ReviewFlag.PARTIAL_FILL,
    )
    assert store.get("T1") == review
    assert store.get("nope") is None
    again = analyzer.review(Execution("T1", "AAPL", Side.SELL, 100, 50.0, (Fill(100, 50.0),)))
    assert store.reviews() == (again,)
    assert store.reviews(flagged_only=True) == ()


def test_url_comes_from_configuration_then_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    configure(None)
    monkeypatch.setenv(DATABASE_URL_ENV, f"sqlite:///{tmp_path / 'env.db'}")
    assert database_url().endswith("env.db")
    try:
        get_engine()
        assert (tmp_path / "env.db").exists()
        configure("sqlite://")
        assert database_url() == "sqlite://"
        monkeypatch.delenv(DATABASE_URL_ENV)
        configure(None)
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
        expected = tmp_path / "data" / "risk_management" / "risk.sqlite3"
        assert database_url() == f"sqlite:///{expected}"
    finally:
        configure(None)


def test_dispose_rebuilds_on_next_use(db: Path) -> None:
    first = get_engine()
    dispose_engine()
    assert get_engine() is not first
