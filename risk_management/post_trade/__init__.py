"""Post-trade analysis: slippage, implementation shortfall and trade reviews.

Real classes behind lazy exports (review ISSUE-3315: no placeholder classes).
"""

from __future__ import annotations

from risk_management._lazy import attach

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .post_trade_analyzer import PostTradeAnalyzer as PostTradeAnalyzer
    from .slippage_analyzer import ShortfallBreakdown as ShortfallBreakdown
    from .slippage_analyzer import SlippageAnalyzer as SlippageAnalyzer
    from .trade_review import Execution as Execution
    from .trade_review import Fill as Fill
    from .trade_review import PostTradeError as PostTradeError
    from .trade_review import ReviewFlag as ReviewFlag
    from .trade_review import Side as Side
    from .trade_review import TradeReview as TradeReview

__getattr__, __dir__, __all__ = attach(
    __name__,
    attributes={
        "PostTradeAnalyzer": ".post_trade_analyzer",
        "ShortfallBreakdown": ".slippage_analyzer",
        "SlippageAnalyzer": ".slippage_analyzer",
        "Execution": ".trade_review",
        "Fill": ".trade_review",
        "PostTradeError": ".trade_review",
        "ReviewFlag": ".trade_review",
        "Side": ".trade_review",
        "TradeReview": ".trade_review",
    },
)
