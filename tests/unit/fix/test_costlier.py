"""`fix` flags rewrites whose measured import cost (heap, modules) went up."""

from __future__ import annotations

from importaudit.fix.copies import costlier
from importaudit.model import ModuleRecord, Report


def report(*modules: tuple[str, int]) -> Report:
    return Report(targets=("pkg",), tool_version="0", created_at="2026-01-01T00:00:00Z",
                  modules=tuple(ModuleRecord(name, self_heap_bytes=heap, heap_bytes=heap)
                                for name, heap in modules))


def test_heap_that_went_up_is_flagged() -> None:
    # What the typing import did to fix_plain: fewer modules, more heap.
    before = report(("pkg", 60_000), ("pkg.a", 30_000), ("pkg.b", 25_000))
    after = report(("pkg", 120_000), ("typing", 330_000))
    assert costlier(before, after, {"pkg"}) == ("heap",)


def test_more_modules_are_flagged_and_a_saving_is_not() -> None:
    before = report(("pkg", 60_000), ("pkg.a", 30_000))
    assert costlier(before, report(("pkg", 10_000), ("x", 1), ("y", 1)), {"pkg"}) == (
        "modules",)
    assert costlier(before, report(("pkg", 50_000)), {"pkg"}) == ()


def test_an_unchanged_module_whose_figure_moved_is_noise_not_a_cost() -> None:
    # CI once saw importing fix_defer_sub "costlier" by heap when the rewrite touched a
    # module it never loads: the same code, measured twice, moved by a few bytes.
    before = report(("pkg", 504_917), ("pkg.util", 1_000))
    assert costlier(before, report(("pkg", 504_921), ("pkg.util", 1_000)), {"pkg.tools"}) == ()
    # The rewritten module's own heap is compared byte for byte.
    assert costlier(before, report(("pkg", 504_917), ("pkg.util", 1_004)), {"pkg.util"}) == (
        "heap",)
    # A module loaded on one side only counts in full, rewritten or not.
    assert costlier(before, report(("pkg", 400_000), ("pkg.util", 1_000), ("json", 200_000)),
                    {"pkg"}) == ("heap", "modules")
