"""IA602's verdict memory: near the threshold an unchanged module keeps its verdict."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from importaudit.api.verdicts import Judged, kept
from importaudit.runtime.interpreter import Interpreter

if TYPE_CHECKING:
    from pathlib import Path

MS = 1_000_000
PY311 = Interpreter("/venv/bin/python", (3, 11, 7), "cpython", "linux")


def judged(source: Path, cpu_ms: float, threshold_ms: int = 10) -> Judged:
    return Judged("app.tables", str(source), int(cpu_ms * MS), threshold_ms * MS)


def test_near_the_threshold_the_first_verdict_stands_until_the_figure_leaves_the_band(
        tmp_path: Path) -> None:
    source = tmp_path / "tables.py"
    source.write_text("TABLE = [i * i for i in range(200_000)]\n")
    cache = tmp_path / "cache"
    # No memory yet: the figure decides (10.3 ms >= 10 ms), and is remembered.
    assert kept([judged(source, 10.3)], PY311, cache) == {}
    # The same code measured at 9.6 ms: within 20% of the threshold, still slow.
    assert kept([judged(source, 9.6)], PY311, cache) == {"app.tables": True}
    assert kept([judged(source, 8.4)], PY311, cache) == {"app.tables": True}
    # Clearly under (7 ms < 10 / 1.2): decided afresh, and that verdict is the one kept.
    assert kept([judged(source, 7.0)], PY311, cache) == {}
    assert kept([judged(source, 10.9)], PY311, cache) == {"app.tables": False}


def test_changed_code_interpreter_or_threshold_is_judged_afresh(tmp_path: Path) -> None:
    source = tmp_path / "tables.py"
    source.write_text("TABLE = [i * i for i in range(200_000)]\n")
    cache = tmp_path / "cache"
    assert kept([judged(source, 10.3)], PY311, cache) == {}
    py312 = Interpreter("/venv/bin/python", (3, 12, 1), "cpython", "linux")
    assert kept([judged(source, 9.6)], py312, cache) == {}
    assert kept([judged(source, 9.6, threshold_ms=11)], PY311, cache) == {}
    source.write_text("TABLE = [i * i for i in range(300_000)]\n")
    assert kept([judged(source, 9.6)], PY311, cache) == {}
    # A module whose source cannot be read has no key: decided on its figure.
    assert kept([judged(tmp_path / "gone.py", 9.6)], PY311, cache) == {}


def test_an_unreadable_memory_is_no_memory_and_is_replaced(tmp_path: Path) -> None:
    source = tmp_path / "tables.py"
    source.write_text("x = 1\n")
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "verdicts.json").write_text("{not json")
    assert kept([judged(source, 10.3)], PY311, cache) == {}
    data = json.loads((cache / "verdicts.json").read_text())
    assert data["format"] == 2 and len(data["verdicts"]) == 1
    assert kept([judged(source, 9.9)], PY311, cache) == {"app.tables": True}
