"""Post-trade analysis: slippage in bps, VWAP, implementation shortfall, review flags."""

from __future__ import annotations

import pytest
from risk_helpers import START

from risk_management.post_trade import (
    Execution,
    Fill,
    PostTradeAnalyzer,
    PostTradeError,
    ReviewFlag,
    Side,
    SlippageAnalyzer,
)


def buy(*fills: Fill, quantity: float = 1000.0, **kwargs: float) -> Execution:
    return Execution("T1", "AAPL", Side.BUY, quantity, 100.0, tuple(fills), **kwargs)  # type: ignore[arg-type]


def test_slippage_bps_sign_convention() -> None:
    assert SlippageAnalyzer.slippage_bps(Side.BUY, 100.10, 100.0) == pytest.approx(10.0)
    assert SlippageAnalyzer.slippage_bps(Side.BUY, 99.90, 100.0) == pytest.approx(-10.0)
    assert SlippageAnalyzer.slippage_bps(Side.SELL, 49.95, 50.0) == pytest.approx(10.0)
    assert SlippageAnalyzer.slippage_bps(Side.SELL, 50.05, 50.0) == pytest.approx(-10.0)


def test_vwap_and_slippage_against_arrival_and_market_vwap() -> None:
    execution = buy(Fill(600, 100.10), Fill(400, 100.20), market_vwap=100.12)
    analyzer = SlippageAnalyzer()
    assert analyzer.vwap(execution.fills) == pytest.approx(100.14)
    assert analyzer.slippage_vs_arrival_bps(execution) == pytest.approx(14.0)
    assert analyzer.slippage_vs_vwap_bps(execution) == pytest.approx(0.02 / 100.12 * 1e4)
    assert analyzer.slippage_vs_vwap_bps(buy(Fill(1, 100.0))) is None


def test_implementation_shortfall_perold() -> None:
    execution = buy(Fill(500, 100.10, fee=1.0), Fill(300, 100.20, fee=1.0), close_price=101.0)
    shortfall = SlippageAnalyzer().implementation_shortfall(execution)
    assert shortfall.execution_cost == pytest.approx(110.0)  # 500 * 0.10 + 300 * 0.20
    assert shortfall.opportunity_cost == pytest.approx(200.0)  # 200 unfilled * (101 - 100)
    assert shortfall.fees == 2.0
    assert shortfall.total == pytest.approx(312.0)
    assert shortfall.bps == pytest.approx(31.2)  # of the 100,000 paper notional


def test_review_flags_what_a_desk_should_look_at() -> None:
    analyzer = PostTradeAnalyzer(clock=lambda: START)
    clean = analyzer.review(buy(Fill(1000, 100.05), market_vwap=100.05))
    assert clean.flags == ()
    assert clean.slippage_vs_arrival_bps == pytest.approx(5.0)
    assert not clean.needs_attention
    bad = analyzer.review(buy(Fill(800, 100.20, fee=60.0), market_vwap=100.0, close_price=100.5))
    assert set(bad.flags) == {
        ReviewFlag.HIGH_SLIPPAGE,
        ReviewFlag.UNDERPERFORMED_VWAP,
        ReviewFlag.PARTIAL_FILL,
        ReviewFlag.HIGH_FEES,
    }
    assert bad.reviewed_at == START
    assert analyzer.flagged() == (bad,)
    assert analyzer.reviews() == (clean, bad)
    # Quantity-weighted: (1000 * 5 + 800 * 20) / 1800
    assert analyzer.average_slippage_bps() == pytest.approx(21_000 / 1800)


def test_unfilled_order_is_flagged_with_opportunity_cost_only() -> None:
    review = PostTradeAnalyzer().review(buy(close_price=102.0))
    assert review.flags == (ReviewFlag.UNFILLED,)
    assert review.average_price is None
    assert review.slippage_vs_arrival_bps is None
    assert review.implementation_shortfall == pytest.approx(2000.0)


def test_reviews_reach_the_store() -> None:
    class Store:
        def __init__(self) -> None:
            self.saved: list[object] = []

        def save(self, review: object) -> None:
            self.saved.append(review)

    store = Store()
    review = PostTradeAnalyzer(store=store).review(buy(Fill(1000, 100.0)))  # type: ignore[arg-type]
    assert store.saved == [review]


@pytest.mark.parametrize(
    "make",
    [
        lambda: Fill(0, 100.0),
        lambda: Fill(1, -1.0),
        lambda: Fill(1, 1.0, fee=-1.0),
        lambda: Execution("T", "X", Side.BUY, 0, 100.0),
        lambda: Execution("T", "X", Side.BUY, 1, 0.0),
        lambda: Execution("T", "X", Side.BUY, 1, 1.0, market_vwap=0.0),
        lambda: SlippageAnalyzer.vwap([]),
        lambda: SlippageAnalyzer.slippage_bps(Side.BUY, 1.0, 0.0),
    ],
)
def test_invalid_inputs_are_refused(make: object) -> None:
    with pytest.raises(PostTradeError):
        make()  # type: ignore[operator]
