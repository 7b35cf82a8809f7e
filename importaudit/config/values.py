"""Parsers of `[tool.importaudit]` values: one per kind of value, each raising `Bad`.

Each takes what TOML (or an environment variable, or a flag) gave and returns the typed
value, or raises `Bad` with what was expected; `importaudit.config` collects those into
one error that names every problem at once.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from importaudit.model import EdgeKind

if TYPE_CHECKING:
    from collections.abc import Callable


class Bad(Exception):
    """A value that does not fit its key; the message says what was expected."""


def type_name(value: object) -> str:
    """The TOML name of a value's type ("integer", "array", ...)."""
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "array",
            dict: "table"}.get(type(value), type(value).__name__)


def got(value: object) -> str:
    """"got integer 3", for messages."""
    return f"got {type_name(value)} {value!r}"


def integer(minimum: int, maximum: int | None = None) -> Callable[[object], int]:
    """A parser of integers in [minimum, maximum]."""

    def parse(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Bad(f"expected an integer, {got(value)}")
        if value < minimum:
            raise Bad(f"must be at least {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise Bad(f"must be at most {maximum}, got {value}")
        return value

    return parse


def number(value: object, *, positive: bool = False) -> float:
    """A finite number, at least 0 (greater than 0 with `positive`)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Bad(f"expected a number, {got(value)}")
    if value < 0 or (positive and value == 0):
        raise Bad(f"must be {'greater than' if positive else 'at least'} 0, got {value}")
    return float(value)


def confidence(value: object) -> float:
    """A probability strictly between 0 and 1."""
    parsed = number(value)
    if not 0 < parsed < 1:
        raise Bad(f"must be between 0 and 1 (exclusive), got {value}")
    return parsed


def seconds(value: object) -> float:
    """A positive number of seconds."""
    return number(value, positive=True)


def boolean(value: object) -> bool:
    """A boolean: true or false."""
    if not isinstance(value, bool):
        raise Bad(f"expected true or false, {got(value)}")
    return value


def opt_str(value: object) -> str | None:
    """A non-empty string (None: unset)."""
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise Bad(f"expected a non-empty string, {got(value)}")
    return value


def str_list(value: object) -> tuple[str, ...]:
    """An array of non-empty strings."""
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v for v in value):
        raise Bad(f"expected an array of non-empty strings, {got(value)}")
    return tuple(value)


def choice(choices: tuple[str, ...]) -> Callable[[object], str]:
    """A parser of one of `choices`."""

    def parse(value: object) -> str:
        if value not in choices:
            raise Bad(f"expected one of {', '.join(choices)}, {got(value)}")
        return str(value)

    return parse


ALL_KINDS = "all"


def kinds(value: object) -> frozenset[EdgeKind]:
    """Edge kinds: an array of names, "k,k" (a flag or variable), or "all"."""
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
        if not value:
            raise Bad(f"expected at least one edge kind, or '{ALL_KINDS}'")
    if value == ALL_KINDS or (isinstance(value, list | tuple) and ALL_KINDS in value):
        return frozenset(EdgeKind)
    names = str_list(value)
    known = {k.value for k in EdgeKind}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise Bad(f"unknown edge kind {', '.join(map(repr, unknown))} "
                  f"(known: {', '.join(sorted(known))}, or '{ALL_KINDS}')")
    return frozenset(EdgeKind(n) for n in names)


# Patterns are compiled on first use (re caches them): every command reads its
# configuration at start-up, and most configurations use none of these keys.
_CYCLE_SPLIT = r"\s*(?:<->|->|<-)\s*"


def allow_cycles(value: object) -> tuple[frozenset[str], ...]:
    """Known cycles: each 'a <-> b' or ['a', 'b']."""
    if not isinstance(value, list | tuple):
        raise Bad(f"expected an array of cycles ('a <-> b' or ['a', 'b']), {got(value)}")
    cycles: list[frozenset[str]] = []
    for item in value:
        members = (re.split(_CYCLE_SPLIT, item.strip()) if isinstance(item, str)
                   else list(str_list(item)) if isinstance(item, list | tuple) else None)
        if members is None or len({m for m in members if m}) < 2:
            raise Bad(f"each cycle names at least two modules ('a <-> b' or ['a', 'b']), "
                      f"{got(item)}")
        cycles.append(frozenset(m for m in members if m))
    return tuple(cycles)


_SIZE = r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)\s*$"
_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "kib": 1024, "ki": 1024, "m": 1000**2,
          "mb": 1000**2, "mib": 1024**2, "mi": 1024**2, "g": 1000**3, "gb": 1000**3,
          "gib": 1024**3, "gi": 1024**3}


def parse_size(value: object) -> int:
    """Bytes from an integer or a string such as "8 MiB" or "500 kB"."""
    if isinstance(value, bool):
        raise Bad(f"expected bytes (an integer or a string like '8 MiB'), {got(value)}")
    if isinstance(value, int):
        if value < 0:
            raise Bad(f"must be at least 0, got {value}")
        return value
    if isinstance(value, str):
        match = re.match(_SIZE, value, re.IGNORECASE)
        if match and match.group(2).lower() in _UNITS:
            return int(float(match.group(1)) * _UNITS[match.group(2).lower()])
    raise Bad(f"expected bytes (an integer or a string like '8 MiB'), {got(value)}")


def ms_to_ns(value: object) -> int:
    """Milliseconds (a number) as integer nanoseconds."""
    return round(number(value) * 1_000_000)


_MODULE = r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$"


def _modules(value: object) -> tuple[str, ...]:
    """One layer or group: a module name, or an array of sibling module names."""
    names = (value,) if isinstance(value, str) else str_list(value)
    bad = [n for n in names if not re.match(_MODULE, n)]
    if bad:
        raise Bad(f"{bad[0]!r} is not a dotted module name")
    if not names:
        raise Bad("expected a module name or an array of them, got an empty array")
    return names


def _groups(value: object, *, pairs: bool) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list | tuple):
        raise Bad(f"expected an array, {got(value)}")
    if pairs and value and all(isinstance(v, str) for v in value):
        value = [value]  # one group written flat: ["a", "b"]
    groups = tuple(_modules(v) for v in value)
    if pairs and any(len(set(g)) < 2 for g in groups):
        raise Bad("each independent group names at least two modules")
    # A module in two layers has no place in the order; across independent groups a
    # module may recur (one group per pair of parts that must stay apart).
    seen: dict[str, int] = {}
    for number_, group in enumerate(groups, 1):
        if pairs:
            seen = {}
        for name in group:
            if name in seen:
                place = (f"layers {seen[name]} and {number_}" if seen[name] != number_
                         else f"layer {number_}") if not pairs else f"group {number_}"
                raise Bad(f"{name} is named twice (in {place})")
            seen[name] = number_
    return groups


def layers(value: object) -> tuple[tuple[str, ...], ...]:
    """Contract layers, top to bottom; each a module or an array of siblings."""
    return _groups(value, pairs=False)


def independent(value: object) -> tuple[tuple[str, ...], ...]:
    """Groups of modules none of which may import another."""
    return _groups(value, pairs=True)
