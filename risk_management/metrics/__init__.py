"""Risk metrics of return series and of portfolios (numpy loads on first computation).

Both classes are real implementations behind lazy exports (review ISSUE-3311: no
placeholder classes): reading ``RiskMetricsCalculator`` imports its module, which
itself imports numpy only inside the computations.
"""

from __future__ import annotations

from risk_management._lazy import attach

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .portfolio_metrics import PortfolioRiskMetrics as PortfolioRiskMetrics
    from .risk_metrics_calculator import RiskMetrics as RiskMetrics
    from .risk_metrics_calculator import RiskMetricsCalculator as RiskMetricsCalculator
    from .risk_metrics_calculator import RiskMetricsError as RiskMetricsError

__getattr__, __dir__, __all__ = attach(
    __name__,
    attributes={
        "PortfolioRiskMetrics": ".portfolio_metrics",
        "RiskMetrics": ".risk_metrics_calculator",
        "RiskMetricsCalculator": ".risk_metrics_calculator",
        "RiskMetricsError": ".risk_metrics_calculator",
    },
)
