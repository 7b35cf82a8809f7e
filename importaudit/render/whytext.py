"""Output of `importaudit why MODULE TARGET...`: every chain to MODULE, as text or JSON.

Text lists each chain as `a -> b -> c`, the one that loaded the module first, then the
others shortest first, with which of its steps found
the module already loaded and its cost: the cumulative time (and heap) of the first
module on it that no chain above passes through (`importaudit.views.Chain`), i.e. the
branch of imports this chain adds. JSON carries the same facts for tools, plus the
failure if the child failed (the chains may then be incomplete).
"""

from __future__ import annotations

import json
from itertools import pairwise
from typing import TYPE_CHECKING, Any, TextIO

from importaudit.errors import UsageError
from importaudit.model import to_dict
from importaudit.units import format_bytes, format_ns

if TYPE_CHECKING:
    from importaudit.model import ModuleRecord
    from importaudit.views import Chain, WhyAnswer

#: Formats `render_why` writes.
WHY_FORMATS: tuple[str, ...] = ("text", "json")


def render_why(answer: WhyAnswer, stream: TextIO, fmt: str) -> None:
    """Write the chains of `answer` to `stream` as "text" or "json"."""
    if fmt == "text":
        stream.write(why_text(answer))
    elif fmt == "json":
        json.dump(why_data(answer), stream, indent=2)
        stream.write("\n")
    else:
        raise UsageError(f"`why` writes {' or '.join(WHY_FORMATS)}, not {fmt!r}")


def _cost(ns: int, heap: int | None) -> str:
    text = format_ns(ns)
    if heap is not None:
        text += f" and {format_bytes(heap)} heap"
    return text


def _chain_lines(index: int, chain: Chain, answer: WhyAnswer) -> list[str]:
    lines = [f"  {index}. {' -> '.join(chain.modules)}"]
    if len(chain.modules) == 1:
        record = answer.record
        importer = record.importer if record is not None else None
        if importer is None or answer.module in answer.report.targets:
            what = "a target itself"
        else:
            what = f"imported by {importer}, outside the measured modules"
    elif chain.first_load:
        what = "first load"
    else:
        kinds = chain.kinds or tuple("hit" if hit else "load" for hit in chain.cached)
        hits = [f"{a} -> {b}" + (" (its package, run first)" if kind == "parent" else "")
                for (a, b), kind in zip(pairwise(chain.modules), kinds, strict=True)
                if kind != "load"]
        what = "already loaded at " + ", ".join(hits)
    cost = _cost(chain.cost_ns, chain.cost_heap_bytes)
    if chain.entry is None:
        adds = "nothing new: each module on it is on a chain above"
    elif len(chain.modules) == 1:
        adds = f"{cost} cumulative"
    else:
        adds = f"through {chain.entry}: {cost} cumulative"
    lines.append(f"     {what}; {adds}")
    return lines


def _headline(module: str, record: ModuleRecord) -> str:
    """How `module` got loaded, and its cost."""
    facts = f"{format_ns(record.cumulative_ns)} cumulative"
    if record.heap_bytes is not None:
        facts += f", heap {format_bytes(record.heap_bytes)}"
    if record.preloaded:
        return (f"{module} was already loaded before measurement "
                "(interpreter start-up), so the targets did not pay for it.")
    if record.via is not None:
        return (f"{module} was loaded without the import system: it appeared in "
                f"{record.via} during the import of {record.importer} (as a compiled "
                "extension such as mypyc's stores the modules built with it); its cost is "
                f"inside {record.importer}'s.")
    if record.error:
        return f"{module} was imported ({facts}) and FAILED: {record.error}"
    return f"{module} was imported ({facts})."


def why_text(answer: WhyAnswer) -> str:
    """The plain-text answer, ending with a newline."""
    report = answer.report
    targets = ", ".join(report.targets) or "the targets"
    record = answer.record
    lines: list[str] = []
    if record is None:
        lines.append(f"{answer.module} was not imported by {targets}.")
    else:
        lines.append(_headline(answer.module, record))
        if answer.chains:
            count = len(answer.chains)
            more = " (more exist; only these were listed)" if answer.truncated else ""
            order = ("the one that loaded it, then the others shortest first"
                     if answer.chains[0].first_load and count > 1 else "shortest first")
            lines.append(f"{count} chain{'s' if count != 1 else ''} from {targets}, "
                         f"{order}{more}:")
            for index, chain in enumerate(answer.chains, start=1):
                lines.extend(_chain_lines(index, chain, answer))
        elif record.preloaded:
            lines.append(f"No recorded import statement of {targets} reaches it.")
        else:
            lines.append(f"No chain from {targets} reaches it (loaded by {record.importer}, "
                         "which the targets did not import).")
    others = len(answer.loaded_by - {answer.module})
    if others:
        lines.append(f"Importing any of {others} measured module"
                     f"{'s' if others != 1 else ''} alone would load it.")
    if report.failure is not None:
        failure = report.failure
        where = f" while importing {failure.module}" if failure.module else ""
        lines.append(f"note: the child failed ({failure.kind}{where}: {failure.message}); "
                     "chains after that point are missing.")
    return "\n".join(lines) + "\n"


def why_data(answer: WhyAnswer) -> dict[str, Any]:
    """The JSON-able answer: the module's facts and every chain with its edges and cost."""
    record = answer.record
    return {
        "module": answer.module,
        "targets": list(answer.report.targets),
        "imported": record is not None and not record.preloaded,
        "preloaded": record is not None and record.preloaded,
        "cumulative_ns": record.cumulative_ns if record else None,
        "heap_bytes": record.heap_bytes if record else None,
        "error": record.error if record else None,
        "via": record.via if record else None,
        "loaded_by": sorted(answer.loaded_by),
        "chains": [
            {
                "modules": list(chain.modules),
                "edges": [
                    {"importer": a, "imported": b, "cached": hit, "kind": kind}
                    for (a, b), hit, kind in zip(
                        pairwise(chain.modules), chain.cached,
                        chain.kinds or tuple("hit" if h else "load" for h in chain.cached),
                        strict=True)
                ],
                "first_load": chain.first_load,
                "entry": chain.entry,
                "cost_ns": chain.cost_ns,
                "cost_heap_bytes": chain.cost_heap_bytes,
            }
            for chain in answer.chains
        ],
        "truncated": answer.truncated,
        "failure": to_dict(answer.report.failure),
    }
