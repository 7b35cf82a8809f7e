"""The collector's pause around graph builds: nothing made in it is walked twice, nor leaked."""

from __future__ import annotations

import gc
import weakref

import pytest

from importaudit.static import gcpause
from importaudit.static.gcpause import no_cyclic_gc


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_in_one_run_what_the_pause_made_joins_the_oldest_generation(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Left in the youngest generation, all of a build's objects were walked by the
    # first collection after it (10-12 ms of a `cycles django` run).
    monkeypatch.setitem(gcpause._RUN, "one", True)
    assert gc.isenabled()
    with no_cyclic_gc():
        assert not gc.isenabled()
        made = [[index] for index in range(100)]
    assert gc.isenabled()
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert all(id(m) in oldest for m in made)


def test_in_a_host_program_the_pause_moves_nothing_and_keeps_its_freeze() -> None:
    # A long-lived host (the API, the pytest plugin) would wait for a full collection
    # to free garbage moved to the oldest generation; its own freeze stays frozen.
    assert not gcpause._RUN["one"]
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with no_cyclic_gc():
            made = [[index] for index in range(100)]
        assert gc.get_freeze_count() == frozen
        oldest = {id(o) for o in gc.get_objects(generation=2)}
        assert not any(id(m) in oldest for m in made)
    finally:
        gc.unfreeze()


@pytest.mark.parametrize("one_run", [False, True])
def test_garbage_made_in_the_pause_is_still_collected(
        monkeypatch: pytest.MonkeyPatch, one_run: bool) -> None:
    monkeypatch.setitem(gcpause._RUN, "one", one_run)
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
