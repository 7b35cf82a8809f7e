"""TradingEngineRiskIntegration against a small in-memory engine (any Protocol match)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import numpy as np
import pytest
from risk_helpers import START, FakeClock, snap

from risk_management.integration import (
    DecisionAction,
    Order,
    TradingEngine,
    TradingEngineRiskIntegration,
)
from risk_management.position_sizing import VaRPositionSizer
from risk_management.post_trade import Execution, Fill, PostTradeAnalyzer, Side
from risk_management.real_time.circuit_breaker import (
    BreakerConfig,
    BreakerType,
    CircuitBreakerFacade,
    PortfolioSnapshot,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

Z99 = 2.3263478740408408


class Engine:
    """Just enough of a trading engine: positions, returns, a halt switch."""

    def __init__(self) -> None:
        self.equity = 100_000.0
        self.positions: dict[str, float] = {}
        x = np.random.default_rng(1).standard_normal(250)
        self.returns = list(0.01 * (x - x.mean()) / x.std(ddof=1))
        self.halts: list[str] = []

    def portfolio_snapshot(self) -> PortfolioSnapshot:
        return snap(self.equity, positions=dict(self.positions))

    def recent_returns(self, symbol: str) -> Sequence[float]:
        return self.returns

    def halt_trading(self, reason: str) -> None:
        self.halts.append(reason)


@pytest.fixture
def engine() -> Engine:
    return Engine()


def integration(engine: Engine, clock: FakeClock, **kwargs: object) -> TradingEngineRiskIntegration:
    breakers = CircuitBreakerFacade([BreakerConfig(BreakerType.DRAWDOWN, 0.10)], clock=clock)
    return TradingEngineRiskIntegration(engine, breakers, **kwargs)  # type: ignore[arg-type]


def test_engine_matches_the_protocol(engine: Engine) -> None:
    assert isinstance(engine, TradingEngine)
    assert not isinstance(object(), TradingEngine)


def test_approves_when_nothing_objects(engine: Engine, clock: FakeClock) -> None:
    decision = integration(engine, clock).pre_trade_check(Order("AAPL", Side.BUY, 10, 100.0))
    assert decision.action is DecisionAction.APPROVE
    assert decision.quantity == 10
    assert decision.approved


def test_tripped_breaker_rejects_and_halts_the_engine(engine: Engine, clock: FakeClock) -> None:
    risk = integration(engine, clock)
    risk.pre_trade_check(Order("AAPL", Side.BUY, 1, 100.0))
    engine.equity = 89_000.0
    decision = risk.pre_trade_check(Order("AAPL", Side.BUY, 1, 100.0))
    assert decision.action is DecisionAction.REJECT
    assert decision.reasons == ("circuit breaker drawdown is tripped",)
    assert not decision.approved
    assert len(engine.halts) == 1
    assert engine.halts[0].startswith("circuit breaker drawdown")


def test_var_budget_resizes_orders_that_add_risk(engine: Engine, clock: FakeClock) -> None:
    risk = integration(engine, clock, sizer=VaRPositionSizer(1_000.0, confidence=0.99))
    limit = 1_000.0 / (Z99 * 0.01)  # 42,986 of notional
    decision = risk.pre_trade_check(Order("AAPL", Side.BUY, 1000, 100.0))
    assert decision.action is DecisionAction.RESIZE
    assert decision.quantity == int(limit / 100)
    engine.positions["AAPL"] = 20_000.0
    decision = risk.pre_trade_check(Order("AAPL", Side.BUY, 1000, 100.0))
    assert decision.quantity == int((limit - 20_000) / 100)
    engine.positions["AAPL"] = -10_000.0  # short: buying first closes it, then opens
    decision = risk.pre_trade_check(Order("AAPL", Side.BUY, 1000, 100.0))
    assert decision.quantity == int((limit + 10_000) / 100)


def test_reducing_orders_skip_sizing_and_full_books_reject(
    engine: Engine, clock: FakeClock
) -> None:
    risk = integration(engine, clock, sizer=VaRPositionSizer(1_000.0, confidence=0.99))
    engine.positions["AAPL"] = 90_000.0
    sell = risk.pre_trade_check(Order("AAPL", Side.SELL, 500, 100.0))
    assert (sell.action, sell.quantity) == (DecisionAction.APPROVE, 500)
    more = risk.pre_trade_check(Order("AAPL", Side.BUY, 1, 100.0))
    assert more.action is DecisionAction.REJECT
    assert "VaR budget" in more.reasons[0]


def test_short_history_or_bad_orders_are_rejected(engine: Engine, clock: FakeClock) -> None:
    risk = integration(engine, clock, sizer=VaRPositionSizer(1_000.0))
    engine.returns = engine.returns[:5]
    decision = risk.pre_trade_check(Order("AAPL", Side.BUY, 1, 100.0))
    assert decision.action is DecisionAction.REJECT
    assert "needs 20" in decision.reasons[0]
    assert risk.pre_trade_check(Order("AAPL", Side.BUY, 0, 100.0)).action is DecisionAction.REJECT


def test_async_check_awaits_async_listeners(engine: Engine, clock: FakeClock) -> None:
    risk = integration(engine, clock)
    seen = []

    async def listener(event: object) -> None:
        seen.append(event)

    risk.breakers.add_async_listener(listener)

    async def run() -> None:
        await risk.pre_trade_check_async(Order("AAPL", Side.BUY, 1, 100.0))
        engine.equity = 50_000.0
        decision = await risk.pre_trade_check_async(Order("AAPL", Side.BUY, 1, 100.0))
        assert decision.action is DecisionAction.REJECT

    asyncio.run(run())
    assert len(seen) == 1


def test_fills_are_reviewed(engine: Engine, clock: FakeClock) -> None:
    execution = Execution("T9", "AAPL", Side.BUY, 100, 100.0, (Fill(100, 100.3),))
    assert integration(engine, clock).on_fill(execution) is None
    analyzer = PostTradeAnalyzer(clock=lambda: START)
    review = integration(engine, clock, analyzer=analyzer).on_fill(execution)
    assert review is not None
    assert review.slippage_vs_arrival_bps == pytest.approx(30.0)
    assert analyzer.reviews() == (review,)
