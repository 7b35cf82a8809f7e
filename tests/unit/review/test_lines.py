"""The sampled lines of a body, charged to the statements its own frame runs."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from importaudit.model import LineTime, ModuleRecord
from importaudit.review.lines import hot_statements, loading_share

if TYPE_CHECKING:
    from pathlib import Path

SOURCE = '''\
import sys

NAMES = [n for n in "abc"]

if sys.platform:
    TABLE = build(
        1000,
    )
else:
    TABLE = {}

for key in NAMES:
    TABLE[key] = slow(key)


@decorate(
    option=1,
)
class Model:
    field = compute()
'''


def sampled(*lines: tuple[int, int]) -> ModuleRecord:
    total = sum(ns for _, ns in lines)
    return ModuleRecord("m", sampled_ns=total, samples=total,
                        lines=tuple(LineTime(line, ns, ns) for line, ns in lines))


def test_lines_are_charged_to_the_statements_of_the_modules_frame(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(SOURCE)
    # A line inside a call over several lines, a loop's body, a class body (its
    # statement's line while it runs) and a decorator's arguments; loading the code.
    record = sampled((7, 50), (6, 10), (13, 20), (16, 5), (19, 5), (0, 10))
    hot = hot_statements(record, str(path))
    assert hot is not None
    assert [(h.line, h.end_line, h.source, round(h.share, 2)) for h in hot] == [
        (6, 8, "TABLE = build(...)", 0.6),  # inside `if`: the statement, not the block
        (12, 13, "for key in NAMES: ...", 0.2),
        (16, 20, "class Model: ...", 0.1),  # from its first decorator's line
    ]
    assert loading_share(record) == 0.1


def test_too_few_samples_or_a_spread_body_name_no_statement(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(SOURCE)
    assert hot_statements(ModuleRecord("m"), str(path)) is None  # never sampled
    few = sampled((7, 1), (13, 1))
    assert hot_statements(few, str(path)) is None
    # Sampled enough, but no statement holds a tenth of the time: nothing to name.
    spread = sampled((3, 1), (7, 1), (13, 1), (20, 1), (1, 1), (0, 95))
    assert hot_statements(spread, str(path)) == []
    # A source that no longer parses says nothing either.
    path.write_text("def broken(:\n")
    assert hot_statements(dataclasses.replace(few, samples=50), str(path)) is None


def test_a_statement_one_sample_landed_in_is_not_named(tmp_path: Path) -> None:
    # openai's response_input_item: 7 samples of about 2.6 ms over 40 model classes; three
    # classes of one sample each read "about 15%" and were named, by chance.
    path = tmp_path / "m.py"
    path.write_text(SOURCE)
    tick = 2_600_000
    lines = (*(LineTime(line, tick, 1) for line in (3, 7, 13, 20)), LineTime(0, 3 * tick, 3))
    record = ModuleRecord("m", sampled_ns=7 * tick, samples=7, lines=lines)
    assert hot_statements(record, str(path)) == []
    # Two samples in one statement: that one is named.
    twice = dataclasses.replace(record, lines=(LineTime(7, 2 * tick, 2), *lines[2:]))
    hot = hot_statements(twice, str(path))
    assert hot is not None and [h.line for h in hot] == [6]
