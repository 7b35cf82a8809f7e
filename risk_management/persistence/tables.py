"""The two tables risk_management writes: breaker events and trade reviews.

Built when persistence is first used (this module is never imported by
``import risk_management``), never at package import.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, Integer, MetaData, String, Table, Text

metadata = MetaData()

breaker_events = Table(
    "breaker_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("timestamp", DateTime(timezone=True), nullable=False, index=True),
    Column("breaker_name", String(128), nullable=False, index=True),
    Column("breaker_type", String(64), nullable=False),
    Column("previous", String(32), nullable=False),
    Column("status", String(32), nullable=False),
    Column("value", Float, nullable=False),
    Column("threshold", Float, nullable=False),
    Column("message", Text, nullable=False, default=""),
)

trade_reviews = Table(
    "trade_reviews",
    metadata,
    Column("trade_id", String(128), primary_key=True),
    Column("symbol", String(64), nullable=False, index=True),
    Column("side", String(8), nullable=False),
    Column("intended_quantity", Float, nullable=False),
    Column("filled_quantity", Float, nullable=False),
    Column("average_price", Float, nullable=True),
    Column("arrival_price", Float, nullable=False),
    Column("slippage_vs_arrival_bps", Float, nullable=True),
    Column("slippage_vs_vwap_bps", Float, nullable=True),
    Column("implementation_shortfall", Float, nullable=False),
    Column("implementation_shortfall_bps", Float, nullable=False),
    Column("fees", Float, nullable=False),
    Column("flags", String(256), nullable=False, default=""),
    Column("reviewed_at", DateTime(timezone=True), nullable=False),
)
