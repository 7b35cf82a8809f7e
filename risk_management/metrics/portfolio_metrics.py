"""PortfolioRiskMetrics: exposure, concentration and covariance VaR of a book of positions.

Positions are signed market values by symbol (shorts negative). Portfolio VaR uses the
variance-covariance method: sigma_p = sqrt(v' S v) for the value vector v and the
covariance matrix S of periodic returns, VaR = z * sigma_p * sqrt(horizon), with the
mean return taken as zero (the usual convention for short horizons).
"""

from __future__ import annotations

import math
from types import MappingProxyType

from risk_management.metrics.risk_metrics_calculator import RiskMetricsError, normal_quantile

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import numpy as np
    from numpy.typing import NDArray


class PortfolioRiskMetrics:
    """Risk figures of one book: *positions* (symbol -> signed value) against *equity*."""

    def __init__(self, positions: Mapping[str, float], equity: float) -> None:
        if equity <= 0:
            raise RiskMetricsError(f"equity must be positive, got {equity}")
        bad = [s for s, v in positions.items() if not math.isfinite(v)]
        if bad:
            raise RiskMetricsError(f"position values must be finite: {', '.join(bad)}")
        self.positions: Mapping[str, float] = MappingProxyType(dict(positions))
        self.equity = equity

    # ------------------------------------------------------------------ exposure

    @property
    def long_exposure(self) -> float:
        """Sum of long position values."""
        return math.fsum(v for v in self.positions.values() if v > 0)

    @property
    def short_exposure(self) -> float:
        """Sum of absolute short position values."""
        return -math.fsum(v for v in self.positions.values() if v < 0)

    @property
    def gross_exposure(self) -> float:
        """Long plus short exposure."""
        return self.long_exposure + self.short_exposure

    @property
    def net_exposure(self) -> float:
        """Long minus short exposure."""
        return self.long_exposure - self.short_exposure

    @property
    def leverage(self) -> float:
        """Gross exposure over equity."""
        return self.gross_exposure / self.equity

    def weights(self) -> dict[str, float]:
        """Each position's signed value as a fraction of equity."""
        return {symbol: value / self.equity for symbol, value in self.positions.items()}

    # ------------------------------------------------------------------ concentration

    def herfindahl_index(self) -> float:
        """Sum of squared shares of gross exposure: 1/n for n equal positions, 1 for one."""
        gross = self.gross_exposure
        if gross == 0:
            return 0.0
        return math.fsum((abs(v) / gross) ** 2 for v in self.positions.values())

    def largest_position(self) -> tuple[str, float]:
        """The symbol with the largest absolute value and that value as a fraction of equity."""
        if not self.positions:
            return "", 0.0
        symbol = max(self.positions, key=lambda s: abs(self.positions[s]))
        return symbol, abs(self.positions[symbol]) / self.equity

    # ------------------------------------------------------------------ covariance VaR

    def _values(self, symbols: Sequence[str]) -> NDArray[np.float64]:
        import numpy as np

        missing = [s for s in self.positions if s not in symbols and self.positions[s] != 0]
        if missing:
            raise RiskMetricsError(f"no covariance for positions: {', '.join(missing)}")
        return np.array([self.positions.get(s, 0.0) for s in symbols], dtype=np.float64)

    def _covariance(
        self, covariance: Sequence[Sequence[float]] | NDArray[np.float64], size: int
    ) -> NDArray[np.float64]:
        import numpy as np

        matrix = np.asarray(covariance, dtype=np.float64)
        if matrix.shape != (size, size):
            raise RiskMetricsError(f"covariance must be {size}x{size}, got {matrix.shape}")
        if not np.allclose(matrix, matrix.T):
            raise RiskMetricsError("covariance must be symmetric")
        return matrix

    def portfolio_volatility(
        self, covariance: Sequence[Sequence[float]] | NDArray[np.float64], symbols: Sequence[str]
    ) -> float:
        """Standard deviation of the book's value change per period: sqrt(v' S v)."""
        values = self._values(symbols)
        matrix = self._covariance(covariance, len(symbols))
        variance = float(values @ matrix @ values)
        if variance < 0:
            raise RiskMetricsError("covariance is not positive semi-definite")
        return math.sqrt(variance)

    def portfolio_var(
        self,
        covariance: Sequence[Sequence[float]] | NDArray[np.float64],
        symbols: Sequence[str],
        confidence: float = 0.95,
        horizon_days: float = 1.0,
    ) -> float:
        """Value at risk of the book in currency: z * sqrt(v' S v) * sqrt(horizon)."""
        sigma = self.portfolio_volatility(covariance, symbols)
        return normal_quantile(confidence) * sigma * math.sqrt(horizon_days)

    def component_var(
        self,
        covariance: Sequence[Sequence[float]] | NDArray[np.float64],
        symbols: Sequence[str],
        confidence: float = 0.95,
    ) -> dict[str, float]:
        """Each position's share of portfolio VaR (Euler allocation; the shares sum to it)."""
        values = self._values(symbols)
        matrix = self._covariance(covariance, len(symbols))
        sigma = self.portfolio_volatility(matrix, symbols)
        if sigma == 0:
            return dict.fromkeys(symbols, 0.0)
        z = normal_quantile(confidence)
        marginal = matrix @ values / sigma
        return {s: float(z * v * m) for s, v, m in zip(symbols, values, marginal, strict=True)}
