"""Rule about imports that run while an asyncio event loop is running: they block it.

An import is synchronous: while a coroutine's `import x` (or a function it calls) loads
x, nothing else on that loop runs, no timers, no I/O, no other requests. The probe
notes each import that begins outside any other while a loop runs on the importing
thread (program mode: `-m`, `--script`, `-c`), with the import statement's place and
the coroutine it ran in; the loop was blocked for that import's whole cumulative time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from importaudit.model import Impact, Severity
from importaudit.review.registry import RuleDoc, register

if TYPE_CHECKING:
    from collections.abc import Iterator

    from importaudit.model import Finding
    from importaudit.review.context import ReviewContext


@register(
    "IA701", "import-blocks-event-loop", "Import blocks the running asyncio event loop",
    RuleDoc(
        what="A module was imported (loaded for the first time) from code running on an "
             "asyncio event loop: typically an import inside a coroutine, or in a function "
             "a coroutine calls, that defers a heavy dependency until first use.",
        why="Importing is synchronous. For the whole import the loop runs nothing else: "
            "timers fire late, other requests wait, heartbeats are missed. Deferring the "
            "import saved start-up time but moved the whole cost onto a live request.",
        fix="Load it before the loop starts (at start-up, or in a warm-up step before "
            "serving), or off the loop: `await asyncio.to_thread(importlib.import_module, "
            "name)` (the import lock makes that safe).",
        example="import asyncio, importlib\n\nasync def main():\n    await "
                "asyncio.to_thread(importlib.import_module, 'heavy.module')\n    await "
                "serve()",
    ),
)
def import_blocks_event_loop(ctx: ReviewContext) -> Iterator[Finding]:
    """IA701: one finding per module first imported while a loop ran on its thread."""
    for record in ctx.tree.measured.values():
        site = record.loop
        if site is None:
            continue
        # The lower bound over the runs: noise only ever adds time.
        blocked = record.cumulative_ns_min or record.cumulative_ns
        loaded = ctx.tree.loads([record.name])
        impact = Impact(blocked, record.heap_bytes, record.rss_bytes, len(loaded))
        where = f"{site.file}:{site.line}" if site.file else "code on the loop"
        inside = ""
        if site.coroutine:
            inside = f" in coroutine {site.coroutine}()"
            if (site.coroutine_file, site.coroutine_line) != (site.file, site.line):
                inside += f" (awaiting at {site.coroutine_file}:{site.coroutine_line})"
        yield ctx.make_finding(
            "IA701", "Import blocks the running asyncio event loop", record.name,
            f"import of {record.name} at {where}{inside} ran while an asyncio event loop "
            f"was running and blocked it for the whole import ({len(loaded)} module(s) "
            f"loaded).",
            "Import it before the loop starts, or off the loop in a thread.\n\n"
            "await asyncio.to_thread(importlib.import_module, "
            f"{record.name!r})",
            impact=impact, file=site.file, line=site.line, floor=Severity.MEDIUM,
        )
