"""Many instances of a frozen, slotted dataclass at once, without a Python call each.

A large graph has tens of thousands of edges (sympy: 30,000), each a frozen `ImportEdge`.
The `__init__` dataclasses writes for a frozen class sets every field through
`object.__setattr__`, one Python-level call per field: building the edges that way
was a third of loading a cached sympy graph. Here the instances are allocated and
their slots filled column by column with `map` over each slot's own setter (the
member descriptor Python made for the slot), so no Python frame runs per instance.
The result is the same: instances of the class itself, equal to and hashing like
those its `__init__` makes, and as frozen.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from itertools import repeat
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import Sequence

T = TypeVar("T")


def _setters(cls: type[Any]) -> list[Any]:
    """Each field's slot setter, in field order; TypeError for a class this cannot build."""
    if not (dataclasses.is_dataclass(cls) and "__slots__" in vars(cls)):
        raise TypeError(f"{cls.__name__} is not a slotted dataclass")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} has a __post_init__ its __init__ would run")
    return [vars(cls)[f.name].__set__ for f in dataclasses.fields(cls)]


_SETTERS: dict[type[Any], list[Any]] = {}


def instances(cls: type[T], columns: Sequence[Sequence[Any]]) -> list[T]:
    """Instances of `cls`, field values given as columns (one per field, in field order).

    `cls(*row)` for each row of the columns, with every field given: defaults and
    `__init__` are not run, so `cls` must be a slotted dataclass without
    `__post_init__`. Raises ValueError unless there is one column per field, all of
    one length.
    """
    setters = _SETTERS.get(cls)
    if setters is None:
        setters = _SETTERS[cls] = _setters(cls)
    if len(columns) != len(setters):
        raise ValueError(f"{cls.__name__} has {len(setters)} fields, {len(columns)} columns given")
    count = len(columns[0]) if columns else 0
    if any(len(column) != count for column in columns):
        raise ValueError("columns of different lengths")
    made: list[T] = list(map(object.__new__, repeat(cls, count)))
    for setter, column in zip(setters, columns, strict=True):
        deque(map(setter, made, column), maxlen=0)  # consumed in C: no Python frame
    return made


def from_rows(cls: type[T], rows: Sequence[tuple[Any, ...]]) -> list[T]:
    """`[cls(*row) for row in rows]`, each row giving every field (see `instances`)."""
    if not rows:
        return []
    return instances(cls, list(zip(*rows, strict=True)))
