"""Ending child process trees: what ignores SIGTERM is killed, a stopped set starts nothing."""

from __future__ import annotations

import contextlib
import gc
import signal
import subprocess
import sys
import time
import warnings

import psutil
import pytest

from importaudit.runtime.children import (
    Children,
    _Stopped,
    end_trees,
    run_child,
)
from importaudit.runtime.interpreter import find_interpreter
from importaudit.runtime.verify import run_trial

STUBBORN = (
    "import signal, subprocess, sys, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "subprocess.Popen([sys.executable, '-c', 'import os, signal, time\\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\\n"
    "os.setsid()\\n"  # leaves the group: only the list of descendants reaches it
    "time.sleep(60)'])\n"
    "print('ready', flush=True)\n"
    "time.sleep(60)\n"
)


def test_end_trees_kills_what_ignores_sigterm_even_outside_the_group() -> None:
    proc = subprocess.Popen([sys.executable, "-c", STUBBORN], stdout=subprocess.PIPE,
                            start_new_session=True)
    assert proc.stdout is not None
    assert proc.stdout.readline() == b"ready\n"
    tree = psutil.Process(proc.pid).children(recursive=True)
    deadline = time.monotonic() + 10
    while not tree and time.monotonic() < deadline:
        time.sleep(0.05)
        tree = psutil.Process(proc.pid).children(recursive=True)
    assert tree
    try:
        end_trees([proc], grace=0.3)
        assert proc.wait(timeout=10) == -signal.SIGKILL
        _, alive = psutil.wait_procs(tree, timeout=10)
        assert alive == []
    finally:  # nothing left burning CPU after a failure
        proc.kill()
        proc.wait()
        proc.stdout.close()
        for process in tree:
            with contextlib.suppress(psutil.Error):
                process.kill()


def test_stopped_children_start_no_more() -> None:
    children = Children()
    children.stop()
    with pytest.raises(_Stopped):
        run_child(find_interpreter(None), "import", [], ["json"], children=children)


def test_a_finished_child_leaves_no_pipe_open() -> None:
    # Its stderr pipe is closed once drained: nothing left for the garbage collector to
    # warn about (ResourceWarning: unclosed file), for the probe and the cycle trials.
    interpreter = find_interpreter(None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run_child(interpreter, "import", [], ["json"])
        run_trial(interpreter, "json")
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
