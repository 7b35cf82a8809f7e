"""A heap figure decides an offer of `fix` only where repeated runs separate it from noise.

The samples are what one tracemalloc run of the same import measured: kilobytes apart
from run to run, so a 1 KiB floor on one run a side flipped pyramid's verdicts between
identical runs of `fix` (pyramid.exceptions offered with "2.06 KiB heap" saved, then
"not offered: 11.6 KiB more heap").
"""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

from importaudit.defaults import FIX_MIN_HEAP_SAVING
from importaudit.fix.heapnoise import clear_drop, clearly_less
from importaudit.fix.output import heap_decides, not_worth, saves_nothing
from importaudit.fix.result import Rewrite

# Heap of importing pyramid.registry, ten runs (bytes; the last four with one hash seed).
SPREAD = (12_512_020, 12_506_517, 12_505_291, 12_503_451, 12_495_765, 12_508_534,
          12_509_798, 12_502_771, 12_507_689, 12_512_808)


def saving(before: tuple[int, ...], after: tuple[int, ...]) -> dict[str, int | None]:
    return {"time_ns": 1, "modules": 0, "heap_bytes": before[0] - after[0],
            "heap_bytes_least": clear_drop(before, after)}


def test_the_same_import_measured_again_never_saves_heap_however_the_runs_pair() -> None:
    # Every split of the same ten runs into five "before" and five "after" (252): one
    # run a side reads as a saving of up to 16 KiB (or as much more heap) in many of
    # them; the repeated runs read as none in all, the top half against the bottom
    # half too (every run 1,172 B apart, inside a spread of 10 KiB).
    verdicts, single = set(), 0
    for picked in itertools.combinations(range(10), 5):
        before = tuple(SPREAD[i] for i in picked)
        after = tuple(SPREAD[i] for i in range(10) if i not in picked)
        single += before[0] - after[0] >= FIX_MIN_HEAP_SAVING
        assert saves_nothing(saving(before, after))
        assert saves_nothing({"time_ns": 1, "modules": 0, "heap_bytes": before[0] - after[0]})
        verdicts.add(not_worth(Rewrite("pkg.registry", Path("r.py"), "a", "b", ("IA103",),
                                       exclusive=saving(before, after))))
    assert single > 60  # what the floor on one run a side called a saving
    assert verdicts == {"proven, but not offered: for `import pkg.registry` it saves "
                        "nothing measured (0 module(s), no heap saving clear of the runs' "
                        "spread): it would only make the code more complex"}


def test_a_saving_clear_of_the_spread_counts_and_one_near_the_floor_does_not() -> None:
    before = (500_000, 500_300, 499_900, 500_100, 500_200)
    assert clearly_less(before, tuple(b - 40_000 for b in before), FIX_MIN_HEAP_SAVING)
    assert not saves_nothing(saving(before, (460_300, 460_000, 459_800, 460_200, 460_100)))
    # Every run 500-1,000 B lower: separated beyond the spread, but under the floor.
    near = (499_300, 499_200, 498_900, 499_100, 499_400)
    assert clear_drop(before, near) == 500
    assert saves_nothing(saving(before, near))
    # Runs that overlap, whatever their medians say; and runs apart by less than the
    # spread within them.
    assert saves_nothing(saving(before, (498_000, 500_250, 497_500, 498_100, 497_900)))
    wide = (510_000, 500_300, 505_000, 502_000, 508_000)
    assert clear_drop(wide, (498_000, 499_000, 497_500, 498_100, 497_900)) is None


def test_too_few_runs_cannot_separate_a_saving_from_chance() -> None:
    # 3 runs a side: a full separation is chance once in 20; 4 and 5, once in 126.
    assert clear_drop((10_000, 10_100, 10_050), (1_000, 1_100, 1_050)) is None
    assert clear_drop((10_000, 10_100, 10_050, 10_000), (1_000, 1_100, 1_050, 1_000,
                                                         1_020)) == 8_900
    assert clear_drop((5_000,), (1_000,)) is None
    assert clear_drop((), ()) is None


def test_the_heap_is_measured_again_only_where_the_offer_hangs_on_it() -> None:
    rewrite = Rewrite("pkg.registry", Path("r.py"), "a", "b", ("IA103",))
    single = {"time_ns": 1, "modules": 0, "heap_bytes": 5_000}
    assert heap_decides(rewrite, single)
    # Under the floor in one run, or modules saved: the heap changes nothing.
    assert not heap_decides(rewrite, {**single, "heap_bytes": 536})
    assert not heap_decides(rewrite, {**single, "modules": 3})
    # A lazy __init__ kept partly eager for a cycle is offered from LOW (256 KiB) up.
    kept = dataclasses.replace(rewrite, codes=("IA101",), kept_for_order=("a",))
    assert not heap_decides(kept, {**single, "modules": 2})
    assert heap_decides(kept, {**single, "modules": 2, "heap_bytes": 300_000})
