"""The values post-trade analysis works on: sides, fills, executions and trade reviews."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

TYPE_CHECKING = False
if TYPE_CHECKING:
    from datetime import datetime


class PostTradeError(ValueError):
    """An execution that cannot be analysed (no quantity, non-positive prices...)."""


class Side(enum.StrEnum):
    """Buy or sell; ``sign`` turns price differences into costs."""

    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        """+1 for a buy (paying more is a cost), -1 for a sell (receiving less is)."""
        return 1 if self is Side.BUY else -1


class ReviewFlag(enum.StrEnum):
    """Why a trade deserves a human look."""

    HIGH_SLIPPAGE = "high_slippage"  # cost against the arrival price above the limit
    UNDERPERFORMED_VWAP = "underperformed_vwap"  # cost against market VWAP above the limit
    PARTIAL_FILL = "partial_fill"  # filled less than the minimum fill ratio
    UNFILLED = "unfilled"  # nothing filled at all
    HIGH_FEES = "high_fees"  # fees above the limit in basis points of traded value


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution report: quantity (positive), price and fee (currency)."""

    quantity: float
    price: float
    fee: float = 0.0
    timestamp: datetime | None = None

    def __post_init__(self) -> None:
        if not (self.quantity > 0 and math.isfinite(self.quantity)):
            raise PostTradeError(f"fill quantity must be positive, got {self.quantity}")
        if not (self.price > 0 and math.isfinite(self.price)):
            raise PostTradeError(f"fill price must be positive, got {self.price}")
        if self.fee < 0:
            raise PostTradeError(f"fee must not be negative, got {self.fee}")


@dataclass(frozen=True, slots=True)
class Execution:
    """An order as it was meant (quantity, arrival price) and as it happened (fills).

    ``arrival_price`` is the mid price when the decision to trade was made;
    ``market_vwap`` the market's volume-weighted price over the execution window;
    ``close_price`` prices the unfilled remainder for implementation shortfall.
    """

    trade_id: str
    symbol: str
    side: Side
    intended_quantity: float
    arrival_price: float
    fills: tuple[Fill, ...] = ()
    market_vwap: float | None = None
    close_price: float | None = None

    def __post_init__(self) -> None:
        if self.intended_quantity <= 0:
            raise PostTradeError(f"{self.trade_id}: intended quantity must be positive")
        if self.arrival_price <= 0:
            raise PostTradeError(f"{self.trade_id}: arrival price must be positive")
        for name in ("market_vwap", "close_price"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise PostTradeError(f"{self.trade_id}: {name} must be positive")

    @property
    def filled_quantity(self) -> float:
        """Total filled quantity."""
        return math.fsum(f.quantity for f in self.fills)

    @property
    def fill_ratio(self) -> float:
        """Filled over intended quantity."""
        return self.filled_quantity / self.intended_quantity


@dataclass(frozen=True, slots=True)
class TradeReview:
    """The post-trade verdict on one execution; slippage in basis points, positive = cost."""

    trade_id: str
    symbol: str
    side: Side
    intended_quantity: float
    filled_quantity: float
    average_price: float | None
    arrival_price: float
    slippage_vs_arrival_bps: float | None
    slippage_vs_vwap_bps: float | None
    implementation_shortfall: float
    implementation_shortfall_bps: float
    fees: float
    flags: tuple[ReviewFlag, ...]
    reviewed_at: datetime

    @property
    def needs_attention(self) -> bool:
        """True when any flag was raised."""
        return bool(self.flags)
