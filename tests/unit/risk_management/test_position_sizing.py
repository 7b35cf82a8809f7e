"""VaR position sizing: hand-checkable sizes and the property that risk shrinks size."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from risk_management.position_sizing import (
    PositionSizingError,
    VaRMethod,
    VaRPositionSizer,
)

Z99 = 2.3263478740408408


def normal_series(sigma: float, n: int = 250, seed: int = 3) -> np.ndarray:
    """Mean exactly 0, sample std exactly *sigma*."""
    x = np.random.default_rng(seed).standard_normal(n)
    return sigma * (x - x.mean()) / x.std(ddof=1)


def test_parametric_size_fits_the_budget_exactly() -> None:
    sizer = VaRPositionSizer(10_000.0, confidence=0.99)
    size = sizer.size(100.0, normal_series(0.01))
    fraction = Z99 * 0.01
    assert size.var_fraction == pytest.approx(fraction)
    assert size.quantity == math.floor(10_000.0 / fraction / 100.0)  # 4298 shares
    assert size.notional == size.quantity * 100.0
    assert size.position_var <= 10_000.0
    assert size.position_var > 10_000.0 - fraction * 100.0  # one more share would not fit
    assert not size.capped
    assert size.method is VaRMethod.PARAMETRIC


def test_longer_horizon_uses_square_root_of_time() -> None:
    returns = normal_series(0.01)
    one_day = VaRPositionSizer(10_000.0).var_fraction(returns)
    four_days = VaRPositionSizer(10_000.0, horizon_days=4).var_fraction(returns)
    assert four_days == pytest.approx(2 * one_day)


def test_lots_and_cap() -> None:
    returns = normal_series(0.01)
    lots = VaRPositionSizer(10_000.0, lot_size=100).size(100.0, returns)
    assert lots.quantity == 4200
    capped = VaRPositionSizer(10_000.0, max_notional=50_000.0).size(100.0, returns)
    assert (capped.quantity, capped.capped) == (500, True)


def test_every_method_sizes_and_monte_carlo_is_reproducible() -> None:
    returns = normal_series(0.02)
    sizes = {m: VaRPositionSizer(5_000.0, method=m).size(10.0, returns) for m in VaRMethod}
    assert all(s.quantity > 0 for s in sizes.values())
    again = VaRPositionSizer(5_000.0, method=VaRMethod.MONTE_CARLO).size(10.0, returns)
    assert again == sizes[VaRMethod.MONTE_CARLO]
    # Monte Carlo and parametric estimate the same normal quantile.
    mc, para = sizes[VaRMethod.MONTE_CARLO], sizes[VaRMethod.PARAMETRIC]
    assert mc.var_fraction == pytest.approx(para.var_fraction, rel=0.03)


def test_no_loss_means_no_var_bound() -> None:
    gains = [0.01, 0.02, 0.03, 0.02]
    with pytest.raises(PositionSizingError, match="max_notional"):
        VaRPositionSizer(1_000.0, method=VaRMethod.HISTORICAL).size(10.0, gains)
    capped = VaRPositionSizer(1_000.0, method="historical", max_notional=500.0)  # type: ignore[arg-type]
    assert capped.size(10.0, gains).quantity == 50


@pytest.mark.parametrize(
    "kwargs",
    [
        {"risk_budget": 0.0},
        {"risk_budget": 1.0, "confidence": 1.0},
        {"risk_budget": 1.0, "horizon_days": 0},
        {"risk_budget": 1.0, "lot_size": 0},
        {"risk_budget": 1.0, "max_notional": -5.0},
    ],
)
def test_bad_settings_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - every refusal is a RiskMetricsError
        VaRPositionSizer(**kwargs)


def test_bad_price_is_refused() -> None:
    with pytest.raises(PositionSizingError, match="price"):
        VaRPositionSizer(1_000.0).size(0.0, normal_series(0.01))


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=10_000),
    low=st.floats(min_value=0.001, max_value=0.05),
    factor=st.floats(min_value=1.0, max_value=5.0),
    method=st.sampled_from(list(VaRMethod)),
)
def test_size_shrinks_as_volatility_grows(
    seed: int, low: float, factor: float, method: VaRMethod
) -> None:
    base = normal_series(1.0, n=60, seed=seed)
    # The cap only matters when a random series shows no loss at 99 %.
    sizer = VaRPositionSizer(10_000.0, method=method, max_notional=1e12)
    calm = sizer.size(50.0, base * low)
    wild = sizer.size(50.0, base * low * factor)
    assert wild.quantity <= calm.quantity
    if factor > 1.01 and not calm.capped:
        assert wild.var_fraction > calm.var_fraction
