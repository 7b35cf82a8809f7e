"""Human units: nanoseconds and bytes to short, ASCII-only text.

The report model keeps integers with the unit in the name (`self_ns`, `heap_bytes`);
they become "12.3 ms" or "4.1 MiB" only in text meant for people: renderers, and the
messages of the gate's violations and the review's findings. All of them format here,
on the core layer (it imports nothing), so the terminal, Markdown, HTML and a verdict's
messages agree and no decision has to import an output format. Output is plain ASCII
("us", not "µs") so a piped report survives any terminal encoding and `grep`.
"""

from __future__ import annotations

#: Shown where a value was not measured (e.g. heap without the tracemalloc run).
MISSING = "-"

_TIME_STEPS: tuple[tuple[int, str], ...] = (
    (1_000_000_000, "s"),
    (1_000_000, "ms"),
    (1_000, "us"),
)

_BYTE_STEPS: tuple[tuple[int, str], ...] = (
    (1 << 40, "TiB"),
    (1 << 30, "GiB"),
    (1 << 20, "MiB"),
    (1 << 10, "KiB"),
)


def _three_digits(value: float) -> str:
    """Three significant digits without exponent: 1.23, 12.3, 123."""
    magnitude = abs(value)
    if magnitude >= 99.95:
        return f"{value:.0f}"
    if magnitude >= 9.995:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _scaled(value: int, steps: tuple[tuple[int, str], ...], base: str) -> str:
    """Format `value` in the largest unit of `steps` it reaches, else in `base` units."""
    magnitude = abs(value)
    for size, unit in steps:
        # Promote at 99.95% of the unit so rounding never prints "1000 us" or "1024 KiB".
        if magnitude >= size * 0.9995:
            return f"{_three_digits(value / size)} {unit}"
    return f"{value} {base}"


def format_ns(ns: int | None) -> str:
    """Format a duration in nanoseconds as "850 ns", "12.3 us", "4.56 ms" or "1.20 s"."""
    return MISSING if ns is None else _scaled(ns, _TIME_STEPS, "ns")


def format_bytes(n: int | None) -> str:
    """Format a size in bytes as "512 B", "4.10 KiB", "12.3 MiB" (binary units, signed)."""
    return MISSING if n is None else _scaled(n, _BYTE_STEPS, "B")


def format_percent(part: int | None, whole: int | None) -> str:
    """Format `part` as a percentage of `whole` ("12.5%"); MISSING if unknown or whole is 0."""
    if part is None or whole is None or whole == 0:
        return MISSING
    return f"{100 * part / whole:.1f}%"


def format_spread(low: int | None, high: int | None) -> str:
    """Format a min..max range of durations, e.g. "11.9 ms..13.0 ms" (MISSING if unknown)."""
    if low is None or high is None:
        return MISSING
    return f"{format_ns(low)}..{format_ns(high)}"
