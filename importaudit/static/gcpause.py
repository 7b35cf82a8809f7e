"""Pause Python's cyclic garbage collector while building large graphs; pace it for a run."""

from __future__ import annotations

import contextlib
import gc
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator


#: Whether this process is one short run (the CLI), not a host program: `pace_for_a_run`.
_RUN = {"one": False}


@contextlib.contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector (reference counting goes on).

    Scanning and resolving create hundreds of thousands of small objects that never
    form cycles; the collector would walk them over and over for nothing (about a
    fifth of a large tree's build time).

    In a process that is one short run (`pace_for_a_run`), what was made meanwhile
    joins the oldest generation before the collector resumes (`gc.freeze` then
    `gc.unfreeze`: two list splices). Left in the youngest, all of it was walked by the
    first collection after the pause: 10-12 ms of `importaudit cycles django`, cold or
    warm. Not in a host program (the API, the pytest plugin): there, garbage moved to
    the oldest generation waits for a full collection, which may not come for a long
    time, and a host's own `gc.freeze` would be undone.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if _RUN["one"] and not gc.get_freeze_count():
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def pace_for_a_run() -> None:
    """Make the cyclic collector run rarely, for a process that is one short run (the CLI).

    Its default pace (a pass every 700 new objects) walks the objects of every module
    loaded so far again and again while networkx, rich and our model load: about 7% of
    the CPU of `importaudit cycles django --no-cache`. Rarer passes, the thresholds
    mypy's `tune_gc` sets, still collect reference cycles. Graph builds then also leave
    what they made in the oldest generation (`no_cyclic_gc`).
    """
    _RUN["one"] = True
    gc.set_threshold(200_000, 30, 30)
