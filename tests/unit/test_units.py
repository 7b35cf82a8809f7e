"""Unit formatting shared by renderers: short, ASCII, three significant digits."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from importaudit.units import (
    MISSING,
    format_bytes,
    format_ns,
    format_percent,
    format_spread,
)

TIME_UNITS = {"ns": 1, "us": 1_000, "ms": 1_000_000, "s": 1_000_000_000}
BYTE_UNITS = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}


@pytest.mark.parametrize(
    ("ns", "text"),
    [
        (0, "0 ns"),
        (999, "999 ns"),
        (1_000, "1.00 us"),
        (12_345, "12.3 us"),
        (999_499, "999 us"),
        (999_500, "1.00 ms"),  # never "1000 us"
        (12_300_000, "12.3 ms"),
        (99_960_000, "100 ms"),
        (1_200_000_000, "1.20 s"),
        (90_000_000_000, "90.0 s"),
        (-2_500_000, "-2.50 ms"),
        (None, MISSING),
    ],
)
def test_format_ns(ns: int | None, text: str) -> None:
    assert format_ns(ns) == text


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0 B"),
        (512, "512 B"),
        (1024, "1.00 KiB"),
        (4300, "4.20 KiB"),
        (4 * 1024 * 1024 + 100 * 1024, "4.10 MiB"),
        ((1 << 20) - 1, "1.00 MiB"),
        (3 << 30, "3.00 GiB"),
        (-3 << 20, "-3.00 MiB"),  # RSS can shrink
        (None, MISSING),
    ],
)
def test_format_bytes(n: int | None, text: str) -> None:
    assert format_bytes(n) == text


def test_format_percent_and_spread() -> None:
    assert format_percent(1, 8) == "12.5%"
    assert format_percent(5, 0) == MISSING
    assert format_percent(None, 10) == MISSING
    assert format_spread(11_900_000, 13_000_000) == "11.9 ms..13.0 ms"
    assert format_spread(None, 3) == MISSING


def _parse(text: str, units: dict[str, int]) -> float:
    match = re.fullmatch(r"(-?\d+(?:\.\d+)?) (\w+)", text)
    assert match, text
    assert match[2] in units, text
    return float(match[1]) * units[match[2]]


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_format_ns_is_ascii_and_close_to_the_value(ns: int) -> None:
    text = format_ns(ns)
    text.encode("ascii")
    if abs(ns) < 999_500_000_000:  # seconds are the largest unit: 1000 s stays "1000 s"
        assert len(text.split()[0].lstrip("-").replace(".", "")) <= 3
    assert _parse(text, TIME_UNITS) == pytest.approx(ns, rel=0.006, abs=0.5)


@given(st.integers(min_value=-(1 << 50), max_value=1 << 50))
def test_format_bytes_is_ascii_and_close_to_the_value(n: int) -> None:
    text = format_bytes(n)
    text.encode("ascii")
    assert _parse(text, BYTE_UNITS) == pytest.approx(n, rel=0.006, abs=0.5)
