"""Heap figures of `fix` judged against the spread of repeated runs, not one run each.

One tracemalloc run of the same import of the same code moves by kilobytes: importing
pyramid.registry (211 modules, 12 MiB) took 12,495,765 to 12,512,020 bytes over six
runs, and still 12,502,771 to 12,512,808 with one PYTHONHASHSEED. A rewrite that loads
no module less is worth offering only for the heap it saves, and one run of each side
called pyramid.exceptions' rewrite a 2.06 KiB saving in one `fix` and 11.6 KiB more heap
in the next. So a heap difference counts only as the least of it over every pairing of
repeated runs (every run of one side against every run of the other), only with
enough runs on each side that a full separation is not chance (the gate's exact rank
test, `gate.stats.separation_confidence`, as the gate judges a time regression), and
only where the gap between the sides is at least as wide as the spread within them.
Anything less is no measurable difference, the same answer every time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from importaudit.gate.stats import separation_confidence

if TYPE_CHECKING:
    from collections.abc import Sequence

#: How sure a full separation of the runs must make us: 5 runs a side reach it (1/252),
#: 4 and 5 too (1/126); fewer do not.
CONFIDENCE = 0.99


def clear_drop(before: Sequence[int], after: Sequence[int]) -> int | None:
    """The heap every run `before` took more than every run `after`, if the runs say so.

    `min(before) - max(after)`, the smallest drop of any pairing, where it is clear of
    the noise: enough runs a side for a full separation to reach `CONFIDENCE` (one run
    a side cannot tell a saving from the spread), and a gap between the sides at least
    as wide as the spread within either side. Split the same import's runs into two
    halves and the highest half lies above the lowest by a few hundred bytes, inside
    a spread of kilobytes: chance, not a saving. None otherwise.
    """
    if not before or not after or separation_confidence(len(before), len(after)) < CONFIDENCE:
        return None
    drop = min(before) - max(after)
    spread = max(max(before) - min(before), max(after) - min(after))
    return drop if drop > 0 and drop >= spread else None


def clearly_less(before: Sequence[int], after: Sequence[int], by: int) -> bool:
    """Whether every run `after` took at least `by` bytes less than every run `before`.

    And clearly so (`clear_drop`): the same answer for the same code, run after run.
    """
    drop = clear_drop(before, after)
    return drop is not None and drop >= by
