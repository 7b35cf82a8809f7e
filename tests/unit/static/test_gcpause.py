"""The collector's pause around graph builds: nothing made in it is walked twice, nor leaked."""

from __future__ import annotations

import gc
import weakref

from importaudit.static.gcpause import no_cyclic_gc


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_what_the_pause_made_joins_the_oldest_generation() -> None:
    # Left in the youngest generation, all of a build's objects were walked by the
    # first collection after it (25 ms of a cold `cycles django`).
    assert gc.isenabled()
    with no_cyclic_gc():
        assert not gc.isenabled()
        made = [[index] for index in range(100)]
    assert gc.isenabled()
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert all(id(m) in oldest for m in made)


def test_garbage_made_in_the_pause_is_still_collected() -> None:
    with no_cyclic_gc():
        first, second = _Node(), _Node()
        first.other, second.other = second, first
        gone = weakref.ref(first)
        del first, second
    gc.collect()
    assert gone() is None


def test_a_paused_collector_stays_paused() -> None:
    gc.disable()
    try:
        with no_cyclic_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
