"""Instances of frozen, slotted dataclasses made column by column (`static.records`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pytest

from importaudit.model import EdgeKind, ImportEdge, ModuleNode
from importaudit.static.records import from_rows, instances

ROWS = [
    ("a.b", "c", EdgeKind.EAGER, "a/b.py", 3, ("x", "y"), False, False, False),
    ("a.b", "numpy", EdgeKind.DEFERRED, None, None, (), True, True, True),
    ("a", "a.b", EdgeKind.PARENT, "a/__init__.py", 1, (), False, False, False),
]


def test_the_instances_are_those_init_makes() -> None:
    made = from_rows(ImportEdge, ROWS)
    expected = [ImportEdge(*row) for row in ROWS]
    assert made == expected
    assert [hash(e) for e in made] == [hash(e) for e in expected]
    assert [repr(e) for e in made] == [repr(e) for e in expected]
    assert all(type(e) is ImportEdge for e in made)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made[0].line = 4  # type: ignore[misc]


def test_columns_give_every_field_in_order() -> None:
    made = instances(ModuleNode, [["p", "p.q"], ["p/__init__.py", None], [True, False],
                                  [False, False], [False, True], [False, False], [None, None]])
    assert made == [ModuleNode("p", "p/__init__.py", True),
                    ModuleNode("p.q", None, False, False, True)]


def test_nothing_is_made_without_a_value_for_every_field() -> None:
    with pytest.raises(ValueError, match="9 fields, 8 columns"):
        instances(ImportEdge, list(zip(*ROWS, strict=True))[:8])
    with pytest.raises(ValueError, match="different lengths"):
        instances(ImportEdge, [*list(zip(*ROWS, strict=True))[:8], (False,)])
    assert from_rows(ImportEdge, []) == []


def test_a_class_whose_init_does_more_is_refused() -> None:
    @dataclass(frozen=True, slots=True)
    class Checked:
        value: int

        def __post_init__(self) -> None:
            if self.value < 0:
                raise ValueError(self.value)

    @dataclass(frozen=True)
    class Unslotted:
        value: int

    with pytest.raises(TypeError, match="__post_init__"):
        from_rows(Checked, [(1,)])
    with pytest.raises(TypeError, match="not a slotted dataclass"):
        from_rows(Unslotted, [(1,)])
