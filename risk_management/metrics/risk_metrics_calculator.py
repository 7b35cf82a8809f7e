"""RiskMetricsCalculator: VaR, expected shortfall, volatility, Sharpe, Sortino, drawdown, beta.

Inputs are periodic simple returns (0.01 is +1 %) unless a function says otherwise.
VaR and expected shortfall are reported as positive numbers for losses (a 95 % VaR
of 0.02 means: with 95 % confidence the next period loses less than 2 %).

numpy is imported inside each computation, never at module import, so importing this
module (for example to annotate a parameter, or through the position sizer) is cheap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import numpy as np
    from numpy.typing import NDArray

    FloatArray = NDArray[np.float64]


class RiskMetricsError(ValueError):
    """The input cannot give a meaningful risk figure (too short, not finite, flat)."""


def as_returns(values: Sequence[float] | FloatArray, *, minimum: int = 2) -> FloatArray:
    """Validate *values* as a one-dimensional, finite float array of at least *minimum*."""
    import numpy as np

    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise RiskMetricsError(f"expected a one-dimensional series, got shape {array.shape}")
    if array.size < minimum:
        raise RiskMetricsError(f"need at least {minimum} observations, got {array.size}")
    if not np.all(np.isfinite(array)):
        raise RiskMetricsError("the series contains NaN or infinite values")
    return array


def normal_quantile(confidence: float) -> float:
    """The standard normal quantile z with P(Z <= z) = *confidence*."""
    from statistics import NormalDist

    check_confidence(confidence)
    return NormalDist().inv_cdf(confidence)


def check_confidence(confidence: float) -> None:
    """Refuse a confidence level outside the open interval (0, 1)."""
    if not 0.0 < confidence < 1.0:
        raise RiskMetricsError(f"confidence must be between 0 and 1 (exclusive), got {confidence}")


@dataclass(frozen=True, slots=True)
class RiskMetrics:
    """A summary of one return series (see :meth:`RiskMetricsCalculator.summary`)."""

    confidence: float
    historical_var: float
    parametric_var: float
    expected_shortfall: float
    volatility: float
    sharpe_ratio: float
    sortino_ratio: float
    max_drawdown: float
    beta: float | None


class RiskMetricsCalculator:
    """Risk figures for a return series.

    *periods_per_year* annualises volatility, Sharpe and Sortino (252 for daily data);
    *risk_free_rate* is annual. *seed* makes Monte Carlo VaR reproducible.
    """

    def __init__(
        self,
        *,
        periods_per_year: int = 252,
        risk_free_rate: float = 0.0,
        seed: int = 0,
        simulations: int = 100_000,
    ) -> None:
        if periods_per_year <= 0:
            raise RiskMetricsError("periods_per_year must be positive")
        if simulations < 100:
            raise RiskMetricsError("simulations must be at least 100")
        self.periods_per_year = periods_per_year
        self.risk_free_rate = risk_free_rate
        self.seed = seed
        self.simulations = simulations

    # ------------------------------------------------------------------ value at risk

    def historical_var(
        self, returns: Sequence[float] | FloatArray, confidence: float = 0.95
    ) -> float:
        """Minus the (1 - confidence) quantile of the observed returns (linear interpolation)."""
        import numpy as np

        check_confidence(confidence)
        return -float(np.quantile(as_returns(returns), 1.0 - confidence))

    def parametric_var(
        self, returns: Sequence[float] | FloatArray, confidence: float = 0.95
    ) -> float:
        """Variance-covariance VaR: z * sigma - mu for normally distributed returns."""
        array = as_returns(returns)
        mu, sigma = float(array.mean()), float(array.std(ddof=1))
        return normal_quantile(confidence) * sigma - mu

    def monte_carlo_var(
        self,
        returns: Sequence[float] | FloatArray,
        confidence: float = 0.95,
        *,
        simulations: int | None = None,
        seed: int | None = None,
    ) -> float:
        """VaR of returns simulated from a normal fitted to the series (seeded, reproducible)."""
        import numpy as np

        check_confidence(confidence)
        array = as_returns(returns)
        rng = np.random.default_rng(self.seed if seed is None else seed)
        simulated = rng.normal(
            float(array.mean()), float(array.std(ddof=1)), simulations or self.simulations
        )
        return -float(np.quantile(simulated, 1.0 - confidence))

    def expected_shortfall(
        self,
        returns: Sequence[float] | FloatArray,
        confidence: float = 0.95,
        *,
        parametric: bool = False,
    ) -> float:
        """Average loss beyond VaR (conditional VaR), historical or for a fitted normal."""
        array = as_returns(returns)
        if parametric:
            from statistics import NormalDist

            z = normal_quantile(confidence)
            sigma = float(array.std(ddof=1))
            return sigma * NormalDist().pdf(z) / (1.0 - confidence) - float(array.mean())
        cutoff = -self.historical_var(array, confidence)
        return -float(array[array <= cutoff].mean())

    # ------------------------------------------------------------------ dispersion and ratios

    def volatility(self, returns: Sequence[float] | FloatArray, *, annualize: bool = True) -> float:
        """Sample standard deviation, times sqrt(periods_per_year) when *annualize*."""
        sigma = float(as_returns(returns).std(ddof=1))
        return sigma * math.sqrt(self.periods_per_year) if annualize else sigma

    def sharpe_ratio(self, returns: Sequence[float] | FloatArray) -> float:
        """Annualised mean excess return over its standard deviation."""
        excess = as_returns(returns) - self.risk_free_rate / self.periods_per_year
        sigma = float(excess.std(ddof=1))
        if sigma == 0.0:
            raise RiskMetricsError("Sharpe ratio is undefined for a series without variance")
        return float(excess.mean()) / sigma * math.sqrt(self.periods_per_year)

    def sortino_ratio(self, returns: Sequence[float] | FloatArray) -> float:
        """Annualised mean excess return over the downside deviation (RMS of shortfalls)."""
        import numpy as np

        excess = as_returns(returns) - self.risk_free_rate / self.periods_per_year
        downside = math.sqrt(float(np.mean(np.minimum(excess, 0.0) ** 2)))
        if downside == 0.0:
            raise RiskMetricsError("Sortino ratio is undefined without any return below target")
        return float(excess.mean()) / downside * math.sqrt(self.periods_per_year)

    def max_drawdown(self, equity: Sequence[float] | FloatArray) -> float:
        """Largest fall from a running peak of an equity curve (or price path), as a fraction."""
        import numpy as np

        curve = as_returns(equity, minimum=1)
        if np.any(curve <= 0):
            raise RiskMetricsError("an equity curve must stay positive")
        peaks = np.maximum.accumulate(curve)
        return float(np.max((peaks - curve) / peaks))

    def max_drawdown_from_returns(self, returns: Sequence[float] | FloatArray) -> float:
        """Max drawdown of the curve that compounds *returns* from 1.0."""
        import numpy as np

        curve = np.concatenate(([1.0], np.cumprod(1.0 + as_returns(returns, minimum=1))))
        return self.max_drawdown(curve)

    def beta(
        self, returns: Sequence[float] | FloatArray, benchmark: Sequence[float] | FloatArray
    ) -> float:
        """Cov(returns, benchmark) / Var(benchmark), both sample estimates."""
        import numpy as np

        asset, market = as_returns(returns), as_returns(benchmark)
        if asset.shape != market.shape:
            raise RiskMetricsError("returns and benchmark must have the same length")
        variance = float(market.var(ddof=1))
        if variance == 0.0:
            raise RiskMetricsError("beta is undefined for a benchmark without variance")
        return float(np.cov(asset, market, ddof=1)[0, 1]) / variance

    def summary(
        self,
        returns: Sequence[float] | FloatArray,
        confidence: float = 0.95,
        benchmark: Sequence[float] | FloatArray | None = None,
    ) -> RiskMetrics:
        """Every figure at once (Sharpe/Sortino are NaN where undefined)."""
        return RiskMetrics(
            confidence=confidence,
            historical_var=self.historical_var(returns, confidence),
            parametric_var=self.parametric_var(returns, confidence),
            expected_shortfall=self.expected_shortfall(returns, confidence),
            volatility=self.volatility(returns),
            sharpe_ratio=_or_nan(self.sharpe_ratio, returns),
            sortino_ratio=_or_nan(self.sortino_ratio, returns),
            max_drawdown=self.max_drawdown_from_returns(returns),
            beta=None if benchmark is None else self.beta(returns, benchmark),
        )


def _or_nan(
    ratio: Callable[[Sequence[float] | FloatArray], float], returns: Sequence[float] | FloatArray
) -> float:
    """Call *ratio* on *returns*; NaN where the ratio is undefined (flat series)."""
    try:
        return ratio(returns)
    except RiskMetricsError:
        return math.nan
