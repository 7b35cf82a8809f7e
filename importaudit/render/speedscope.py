"""speedscope renderer: the import tree as a speedscope file (https://www.speedscope.app).

Each measured module is a frame; each module contributes one sample whose stack is the
chain of modules that loaded it and whose weight is its self time, so speedscope's
flame graph and "left heavy" views show cumulative import time exactly as the
profile measured it. When the heap was measured, a second profile weighs the same
stacks by self heap bytes.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TextIO

from importaudit.views import build_tree

if TYPE_CHECKING:
    from collections.abc import Callable

    from importaudit.model import ModuleRecord, Report
    from importaudit.render import RenderOptions
    from importaudit.views import TreeNode

SCHEMA = "https://www.speedscope.app/file-format-schema.json"


def _stacks(report: Report) -> tuple[list[dict[str, Any]], list[tuple[list[int], ModuleRecord]]]:
    """Frames (one per module) and, in pre-order, each module's stack of frame indices."""
    frames: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    samples: list[tuple[list[int], ModuleRecord]] = []
    tree = build_tree(report.modules)
    pending: list[tuple[TreeNode, list[int]]] = [(n, []) for n in reversed(tree.roots)]
    while pending:
        node, parents = pending.pop()
        record = node.record
        if record.name not in index:
            index[record.name] = len(frames)
            frame: dict[str, Any] = {"name": record.name}
            if record.origin:
                frame["file"] = record.origin
            frames.append(frame)
        stack = [*parents, index[record.name]]
        samples.append((stack, record))
        pending.extend((child, stack) for child in reversed(node.children))
    return frames, samples


def _profile(name: str, unit: str, samples: list[tuple[list[int], ModuleRecord]],
             weight: Callable[[ModuleRecord], int]) -> dict[str, Any]:
    weights = [max(0, weight(record)) for _, record in samples]
    return {"type": "sampled", "name": name, "unit": unit, "startValue": 0,
            "endValue": sum(weights), "samples": [s for s, _ in samples], "weights": weights}


def speedscope_document(report: Report) -> dict[str, Any]:
    """The speedscope file of `report` as JSON-able data."""
    from importaudit._version import __version__

    frames, samples = _stacks(report)
    targets = ", ".join(report.targets)
    profiles = [_profile(f"import time: {targets}", "nanoseconds", samples,
                         lambda r: r.self_ns)]
    if any(r.self_heap_bytes is not None for _, r in samples):
        profiles.append(_profile(f"Python heap: {targets}", "bytes", samples,
                                 lambda r: r.self_heap_bytes or 0))
    return {
        "$schema": SCHEMA,
        "shared": {"frames": frames},
        "profiles": profiles,
        "name": f"importaudit: {targets}",
        "activeProfileIndex": 0,
        "exporter": f"importaudit {__version__}",
    }


def render(report: Report, stream: TextIO, options: RenderOptions) -> None:
    """Write `report`'s import tree as a speedscope JSON file."""
    json.dump(speedscope_document(report), stream, separators=(",", ":"))
    stream.write("\n")
