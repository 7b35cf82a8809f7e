"""Risk metrics against closed-form and hand-computed values."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from risk_management.metrics import (
    PortfolioRiskMetrics,
    RiskMetricsCalculator,
    RiskMetricsError,
)

KNOWN = [-0.05, -0.04, -0.03, -0.02, -0.01, 0.0, 0.01, 0.02, 0.03, 0.04, 0.05]
Z95 = 1.6448536269514722


def normal_series(mu: float, sigma: float, n: int = 500, seed: int = 7) -> np.ndarray:
    """A series whose sample mean and sample std are exactly *mu* and *sigma*."""
    x = np.random.default_rng(seed).standard_normal(n)
    return mu + sigma * (x - x.mean()) / x.std(ddof=1)


@pytest.fixture
def calc() -> RiskMetricsCalculator:
    return RiskMetricsCalculator()


def test_historical_var_of_a_known_series(calc: RiskMetricsCalculator) -> None:
    # 11 points: the 10 % quantile sits exactly on the second-worst return.
    assert calc.historical_var(KNOWN, 0.90) == pytest.approx(0.04)
    # 5 % quantile: halfway between -0.05 and -0.04 (linear interpolation).
    assert calc.historical_var(KNOWN, 0.95) == pytest.approx(0.045)


def test_expected_shortfall_is_the_mean_beyond_var(calc: RiskMetricsCalculator) -> None:
    assert calc.expected_shortfall(KNOWN, 0.90) == pytest.approx(0.045)
    assert calc.expected_shortfall(KNOWN, 0.90) >= calc.historical_var(KNOWN, 0.90)


def test_parametric_var_of_a_normal_series(calc: RiskMetricsCalculator) -> None:
    returns = normal_series(0.001, 0.02)
    assert calc.parametric_var(returns, 0.95) == pytest.approx(Z95 * 0.02 - 0.001, rel=1e-12)
    z99 = NormalDist().inv_cdf(0.99)
    assert calc.parametric_var(returns, 0.99) == pytest.approx(z99 * 0.02 - 0.001, rel=1e-12)


def test_parametric_expected_shortfall_closed_form(calc: RiskMetricsCalculator) -> None:
    returns = normal_series(0.0, 0.01)
    expected = 0.01 * NormalDist().pdf(Z95) / 0.05  # sigma * phi(z) / (1 - c)
    assert calc.expected_shortfall(returns, 0.95, parametric=True) == pytest.approx(expected)


def test_monte_carlo_var_is_seeded_and_close_to_parametric() -> None:
    returns = normal_series(0.0005, 0.015)
    calc = RiskMetricsCalculator(seed=42, simulations=200_000)
    first = calc.monte_carlo_var(returns, 0.95)
    assert first == calc.monte_carlo_var(returns, 0.95)
    assert first != calc.monte_carlo_var(returns, 0.95, seed=43)
    assert first == pytest.approx(calc.parametric_var(returns, 0.95), rel=0.02)


def test_volatility_sharpe_sortino_by_hand() -> None:
    calc = RiskMetricsCalculator(periods_per_year=252)
    alternating = [0.01, -0.01, 0.01, -0.01]
    sigma = math.sqrt(4 * 0.0001 / 3)
    assert calc.volatility(alternating, annualize=False) == pytest.approx(sigma)
    assert calc.volatility(alternating) == pytest.approx(sigma * math.sqrt(252))
    assert calc.sharpe_ratio([0.01, 0.02, 0.03]) == pytest.approx(2 * math.sqrt(252))
    with_rf = RiskMetricsCalculator(risk_free_rate=0.0252)  # 0.0001 per period
    assert with_rf.sharpe_ratio([0.01, 0.02, 0.03]) == pytest.approx(1.99 * math.sqrt(252))
    downside = math.sqrt((0.0001 + 0.0004) / 4)
    expected = 0.005 / downside * math.sqrt(252)
    assert calc.sortino_ratio([0.02, -0.01, 0.03, -0.02]) == pytest.approx(expected)


def test_max_drawdown_of_a_known_path(calc: RiskMetricsCalculator) -> None:
    assert calc.max_drawdown([100, 120, 90, 110, 60, 130]) == pytest.approx(0.5)
    assert calc.max_drawdown([1, 2, 3]) == 0.0
    assert calc.max_drawdown_from_returns([0.1, -0.5, 1.0]) == pytest.approx(0.5)
    with pytest.raises(RiskMetricsError, match="positive"):
        calc.max_drawdown([1.0, 0.0])


def test_beta_recovers_the_slope(calc: RiskMetricsCalculator) -> None:
    market = [0.01, -0.02, 0.03, 0.0, 0.015]
    asset = [2 * m + 0.001 for m in market]
    assert calc.beta(asset, market) == pytest.approx(2.0)
    with pytest.raises(RiskMetricsError, match="same length"):
        calc.beta(asset, market[:-1])


def test_summary_collects_every_figure(calc: RiskMetricsCalculator) -> None:
    summary = calc.summary(KNOWN, 0.90, benchmark=KNOWN)
    assert summary.historical_var == pytest.approx(0.04)
    assert summary.beta == pytest.approx(1.0)
    assert summary.sharpe_ratio == pytest.approx(0.0)
    flat = calc.summary([0.01, 0.01, 0.01])
    assert math.isnan(flat.sharpe_ratio)
    assert math.isnan(flat.sortino_ratio)


@pytest.mark.parametrize(
    "bad",
    [[0.01], [0.01, float("nan")], [[0.01, 0.02], [0.03, 0.04]]],
    ids=["too-short", "nan", "two-dimensional"],
)
def test_bad_series_are_refused(calc: RiskMetricsCalculator, bad: list[object]) -> None:
    with pytest.raises(RiskMetricsError):
        calc.historical_var(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("confidence", [0.0, 1.0, 1.5, -0.1])
def test_confidence_must_be_inside_zero_one(calc: RiskMetricsCalculator, confidence: float) -> None:
    with pytest.raises(RiskMetricsError, match="confidence"):
        calc.parametric_var(KNOWN, confidence)


@settings(max_examples=60, deadline=None)
@given(
    returns=st.lists(
        st.floats(min_value=-0.2, max_value=0.2, allow_nan=False), min_size=5, max_size=60
    ).filter(lambda r: max(r) - min(r) > 1e-6),
    low=st.floats(min_value=0.5, max_value=0.98),
    step=st.floats(min_value=0.001, max_value=0.019),
)
def test_var_grows_with_confidence(returns: list[float], low: float, step: float) -> None:
    calc = RiskMetricsCalculator(simulations=2_000)
    high = low + step
    assert calc.historical_var(returns, high) >= calc.historical_var(returns, low) - 1e-12
    assert calc.parametric_var(returns, high) > calc.parametric_var(returns, low)
    # Same seed, same normal draws: the quantile of a fixed sample is monotone too.
    assert calc.monte_carlo_var(returns, high) >= calc.monte_carlo_var(returns, low) - 1e-12
    assert calc.expected_shortfall(returns, high) >= calc.expected_shortfall(returns, low) - 1e-12


# --------------------------------------------------------------------------- portfolio


def test_exposure_and_concentration() -> None:
    book = PortfolioRiskMetrics({"A": 60_000.0, "B": -40_000.0}, equity=100_000.0)
    assert (book.long_exposure, book.short_exposure) == (60_000.0, 40_000.0)
    assert (book.gross_exposure, book.net_exposure, book.leverage) == (100_000.0, 20_000.0, 1.0)
    assert book.weights() == {"A": 0.6, "B": -0.4}
    assert book.herfindahl_index() == pytest.approx(0.52)
    assert book.largest_position() == ("A", 0.6)
    assert PortfolioRiskMetrics({}, 1.0).herfindahl_index() == 0.0


def test_portfolio_var_from_covariance() -> None:
    book = PortfolioRiskMetrics({"A": 30_000.0, "B": 40_000.0}, equity=100_000.0)
    cov = [[0.0001, 0.0], [0.0, 0.0001]]
    # sigma_p = sqrt(30000^2 * 1e-4 + 40000^2 * 1e-4) = 500
    assert book.portfolio_volatility(cov, ["A", "B"]) == pytest.approx(500.0)
    assert book.portfolio_var(cov, ["A", "B"], 0.95) == pytest.approx(Z95 * 500.0)
    ten_day = book.portfolio_var(cov, ["A", "B"], 0.95, horizon_days=10)
    assert ten_day == pytest.approx(Z95 * 500.0 * math.sqrt(10))
    parts = book.component_var(cov, ["A", "B"], 0.95)
    assert sum(parts.values()) == pytest.approx(Z95 * 500.0)
    assert parts["B"] / parts["A"] == pytest.approx(16 / 9)


def test_hedged_book_has_lower_var() -> None:
    cov = [[0.0004, 0.0002], [0.0002, 0.0004]]  # correlation 0.5
    long_only = PortfolioRiskMetrics({"A": 50_000.0, "B": 50_000.0}, 100_000.0)
    hedged = PortfolioRiskMetrics({"A": 50_000.0, "B": -50_000.0}, 100_000.0)
    assert hedged.portfolio_var(cov, ["A", "B"]) < long_only.portfolio_var(cov, ["A", "B"])


def test_portfolio_inputs_are_validated() -> None:
    book = PortfolioRiskMetrics({"A": 1.0, "C": 2.0}, 10.0)
    with pytest.raises(RiskMetricsError, match="no covariance for positions: C"):
        book.portfolio_var([[1.0]], ["A"])
    with pytest.raises(RiskMetricsError, match="2x2"):
        book.portfolio_var([[1.0]], ["A", "C"])
    with pytest.raises(RiskMetricsError, match="symmetric"):
        book.portfolio_var([[1.0, 0.5], [0.0, 1.0]], ["A", "C"])
    with pytest.raises(RiskMetricsError, match="equity"):
        PortfolioRiskMetrics({}, 0.0)
