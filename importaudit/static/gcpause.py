"""Pause Python's cyclic garbage collector while building large graphs; pace it for a run."""

from __future__ import annotations

import contextlib
import gc
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator


@contextlib.contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector (reference counting goes on).

    Scanning and resolving create hundreds of thousands of small objects that never
    form cycles; the collector would walk them over and over for nothing (about a
    fifth of a large tree's build time).

    At the end, what was made meanwhile joins the oldest generation before the
    collector resumes (`gc.freeze` then `gc.unfreeze`: two list splices). Left in
    the youngest, all of it was walked by the first collection after the pause: 25 ms
    of `importaudit cycles django --no-cache`, at the first allocation after the
    build. Garbage among it is still collected, by the next full collection.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def pace_for_a_run() -> None:
    """Make the cyclic collector run rarely, for a process that is one short run (the CLI).

    Its default pace (a pass every 700 new objects) walks the objects of every module
    loaded so far again and again while networkx, rich and our model load: about 7% of
    the CPU of `importaudit cycles django --no-cache`. Rarer passes, the thresholds
    mypy's `tune_gc` sets, still collect reference cycles.
    """
    gc.set_threshold(200_000, 30, 30)
