"""Runtime measurement: child-side probe, parent-side runner, `-X importtime` reader.

All three produce the same report model (`importaudit.model`).
"""
