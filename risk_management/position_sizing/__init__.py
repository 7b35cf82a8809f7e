"""Position sizing from a VaR risk budget (review ISSUE-3312: loaded on first access).

``from risk_management.position_sizing import VaRPositionSizer`` imports the sizer and
the metrics calculator it uses, but not numpy: that waits for the first VaR figure.
"""

from __future__ import annotations

from risk_management._lazy import attach

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .var_position_sizer import PositionSize as PositionSize
    from .var_position_sizer import PositionSizingError as PositionSizingError
    from .var_position_sizer import VaRMethod as VaRMethod
    from .var_position_sizer import VaRPositionSizer as VaRPositionSizer

__getattr__, __dir__, __all__ = attach(
    __name__,
    attributes={
        "PositionSize": ".var_position_sizer",
        "PositionSizingError": ".var_position_sizer",
        "VaRMethod": ".var_position_sizer",
        "VaRPositionSizer": ".var_position_sizer",
    },
)
