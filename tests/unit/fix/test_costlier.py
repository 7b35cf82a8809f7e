"""`fix` flags rewrites whose measured import cost (heap, modules) went up."""

from __future__ import annotations

from importaudit.fix.copies import costlier, heap_rose, saving
from importaudit.model import ModuleRecord, Report


def report(*modules: tuple[str, int]) -> Report:
    return Report(targets=("pkg",), tool_version="0", created_at="2026-01-01T00:00:00Z",
                  modules=tuple(ModuleRecord(name, self_heap_bytes=heap, heap_bytes=heap)
                                for name, heap in modules))


def test_heap_that_went_up_in_every_run_is_flagged() -> None:
    # What the typing import did to fix_plain: fewer modules, more heap.
    before = report(("pkg", 60_000), ("pkg.a", 30_000), ("pkg.b", 25_000))
    after = report(("pkg", 120_000), ("typing", 330_000))
    assert heap_rose(before, after)
    runs = ((115_000, 115_200, 114_900, 115_100, 115_050),
            (450_000, 450_300, 449_800, 450_100, 450_200))
    assert costlier(before, after, runs) == ("heap",)
    # One run a side tells no rise from the runs' spread, however large it reads.
    assert costlier(before, after) == ()
    assert costlier(before, after, ((115_000,), (450_000,))) == ()


def test_more_modules_are_flagged_and_a_saving_is_not() -> None:
    before = report(("pkg", 60_000), ("pkg.a", 30_000))
    assert costlier(before, report(("pkg", 10_000), ("x", 1), ("y", 1))) == ("modules",)
    assert costlier(before, report(("pkg", 50_000))) == ()


def test_a_few_kilobytes_more_within_the_runs_spread_are_noise_not_a_cost() -> None:
    # CI once saw importing fix_defer_sub "costlier" by heap when the rewrite touched a
    # module it never loads: the same code, measured twice, moved by a few bytes. The
    # same import of pyramid.registry moves by 16 KiB over six runs.
    before = report(("pkg", 504_917), ("pkg.util", 1_000))
    assert not heap_rose(before, report(("pkg", 504_921), ("pkg.util", 1_000)))
    after = report(("pkg", 506_000), ("pkg.util", 1_000))
    assert heap_rose(before, after)  # so `fix` measures both sides again
    overlapping = ((505_917, 511_200, 503_100, 507_400, 509_000),
                   (507_000, 504_800, 510_900, 506_300, 508_100))
    assert costlier(before, after, overlapping) == ()
    # Runs that do not overlap but rise by less than FIX_MIN_HEAP_SAVING are no cost.
    close = ((505_000, 505_010, 505_020, 505_030, 505_040),
             (505_600, 505_610, 505_620, 505_630, 505_640))
    assert costlier(before, after, close) == ()
    apart = ((505_000, 505_010, 505_020, 505_030, 505_040),
             (507_000, 507_010, 507_020, 507_030, 507_040))
    assert costlier(before, after, apart) == ("heap",)


def test_heap_moved_between_modules_is_judged_on_the_whole_import() -> None:
    # gevent's lazy __init__: the same 66 modules, the heap of what is built first moved
    # from zope.interface.interface to gevent._config, the rewritten __init__ took 10 KiB
    # more, and the import as a whole took 6 KiB less. "Cost went up (heap)" said the
    # opposite of the table above it (3.00 MiB -> 2.98 MiB) and of the rewrite's saving.
    before = report(("gevent", 28_710), ("gevent._config", 187_127),
                    ("zope.interface.interface", 319_865))
    after = report(("gevent", 38_831), ("gevent._config", 360_427),
                   ("zope.interface.interface", 130_162))
    assert costlier(before, after) == ()
    saved = saving(before, after)
    assert saved is not None and saved["heap_bytes"] == 6_282 and saved["modules"] == 0


def test_a_heap_run_that_stops_only_after_the_rewrite_is_no_proven_saving() -> None:
    # A rewrite that makes the heap (tracemalloc) run run out of time leaves the
    # after-side with no heap figures (a heap gap): nothing said it went up, and
    # nothing said it did not. It read as no cost, and `fix --write` wrote it.
    import dataclasses

    from importaudit.model import HeapGap, RunMeta

    meta = RunMeta(python="python3", python_version="3.11.7", platform="linux",
                   implementation="cpython", mode="import", repeats=5, warmup=True,
                   memory=True)
    gap = HeapGap("timeout", "timed out after 120 s while importing pkg.a", ("pkg", "pkg.a"))
    before = dataclasses.replace(report(("pkg", 60_000), ("pkg.a", 30_000)), meta=meta)
    after = dataclasses.replace(report(("pkg", 10_000)),
                                meta=dataclasses.replace(meta, heap_gaps=(gap,)))
    assert costlier(before, after) == ("heap (its tracemalloc run did not finish after the "
                                       "rewrite, as it did before)",)
    # Both sides stopped (a tree tracemalloc cannot get through either way): no claim.
    both = dataclasses.replace(before, meta=dataclasses.replace(meta, heap_gaps=(gap,)))
    assert costlier(both, after) == ()
