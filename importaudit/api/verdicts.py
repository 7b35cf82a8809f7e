"""IA602's verdict memory: near its threshold, an unchanged module keeps its verdict.

A module body's CPU time is not one number. Measured again with 15 runs (the review's
settle step), the median of `sqlalchemy.sql` was 10.2-10.3 ms in one hour and 9.3-9.7 ms
in another on the same idle 2-core machine: the machine's speed drifts over minutes,
and no reference workload run in the same child tracked it (its bursts are shorter
than the body). Against a 10 ms threshold, any rule on that figure alone flips between
identical reviews: moving the threshold only moves the modules that flip.

So the verdict near the threshold has hysteresis, as a thermostat does. A module whose
settled figure lies within `BAND` of its threshold keeps the verdict an earlier review
gave the same source file, measured by the same interpreter (and `--env` variables)
against the same threshold; a figure outside the band decides afresh (and is remembered). A changed
file, interpreter or threshold is a different key: nothing is carried over to code
that changed. The memory is a file of the cache folder (`.importaudit-cache/`, or
`$IMPORTAUDIT_CACHE_DIR`), the folder CI jobs already cache for the static graph; a
review with no memory decides on the figure, and the report's notes name every
verdict that was kept.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from importaudit.runtime.interpreter import Interpreter

#: Within this factor of the threshold (either side), an earlier verdict stands: the
#: settled medians of one body differed by 10% between hours on an idle machine.
BAND = 1.2
#: Verdicts kept (the newest); a tree of thousands of modules has only a few near it.
LIMIT = 4096
_FILE = "verdicts.json"
# 2: bodies judged without the collector's pauses (a verdict on the figure with them
# could otherwise stand for ever inside the band).
_FORMAT = 2


@dataclass(frozen=True)
class Judged:
    """A module IA602 judged on its settled CPU time."""

    name: str
    origin: str | None  # its source file: the verdict belongs to this content
    cpu_ns: int  # the settled figure (median over the settle runs)
    threshold_ns: int

    @property
    def slow(self) -> bool:
        """The verdict of the figure alone."""
        return self.cpu_ns >= self.threshold_ns

    @property
    def near(self) -> bool:
        """Whether the figure lies within `BAND` of the threshold."""
        return self.threshold_ns / BAND <= self.cpu_ns < self.threshold_ns * BAND


def _key(module: Judged, interpreter: Interpreter) -> str | None:
    """What a verdict is remembered by; None when the source cannot be read."""
    from importaudit.static.cache import content_key, file_key

    source = file_key(module.origin) if module.origin else None
    if source is None:
        return None
    # The measured environment's variables too (`--env`): a feature flag can change
    # what the same code does.
    variables = "\0".join(f"{name}={value}" for name, value in interpreter.env)
    text = "\0".join((interpreter.executable, interpreter.version_text,
                      interpreter.implementation, variables, module.name, source,
                      str(module.threshold_ns)))
    return content_key(text.encode())


def _load(path: Path) -> dict[str, Any]:
    """The remembered verdicts by key; an unreadable or foreign file is no memory."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        return {}
    verdicts = data.get("verdicts")
    return verdicts if isinstance(verdicts, dict) else {}


def kept(judged: Iterable[Judged], interpreter: Interpreter, directory: Path,
         ) -> dict[str, bool]:
    """The verdicts an earlier review gave these modules, where their figure is near.

    Returns module -> slow for every module whose remembered verdict differs from what
    its figure says and stands instead; the others are decided by their figure
    (`Judged.slow`). Remembers the verdict of every
    module given, kept or fresh.
    """
    from importaudit.static.cache import write_cache_file

    path = directory / _FILE
    memory = _load(path)
    decided: dict[str, bool] = {}
    now = int(time.time())
    for module in judged:
        key = _key(module, interpreter)
        if key is None:
            continue
        earlier = memory.get(key)
        slow = module.slow
        if module.near and isinstance(earlier, list) and earlier and isinstance(
                earlier[0], bool) and earlier[0] != slow:
            slow = earlier[0]
            decided[module.name] = slow
        memory[key] = [slow, module.cpu_ns, now]
    newest = sorted(memory.items(), key=lambda item: _when(item[1]), reverse=True)[:LIMIT]
    write_cache_file(path, json.dumps({"format": _FORMAT, "verdicts": dict(newest)},
                                      separators=(",", ":")))
    return decided


def _when(entry: Any) -> int:
    """When a remembered verdict was given (0 when the entry is malformed)."""
    return entry[2] if isinstance(entry, list) and len(entry) == 3 and isinstance(
        entry[2], int) else 0
