"""The seed review (batch 10, ISSUE-3310..3319) against what importaudit finds and measures.

Each seed issue is mapped to the rule and module whose finding detects it; the table
says whether the reviewed legacy twin (and its asyncio service, run as a program) really
got that finding, with its measured impact, and compares the seed's guessed figures
(236 MB for the circuit breaker, 2-3 s of start-up) with what the twin measures.
Used by reports/regenerate.py; nothing here measures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from importaudit.render.markdown import impact_text
from importaudit.units import format_bytes, format_ns

if TYPE_CHECKING:
    from importaudit.model import Finding, Report

#: Seed issue -> (its title, the rule that detects it, the module the finding is about).
SEED_ISSUES: dict[int, tuple[str, str, str]] = {
    3310: ("Excessive import memory in the circuit breaker", "IA101",
           "risk_management.real_time.circuit_breaker"),
    3311: ("Placeholder classes", "IA401", "risk_management.metrics"),
    3312: ("Missing lazy loading in position sizing", "IA101",
           "risk_management.position_sizing"),
    3313: ("Circular dependency risk in integration", "IA201", "risk_management.integration"),
    # The twin's __init__ is eager, so a star import costs nothing beyond the import and
    # trimming __all__ saves nothing: the cost is the eager __init__'s (as for 3310).
    # IA301 reports the 19 names once the __init__ is lazy (real_time star-imports it).
    3314: ("Inefficient __all__ in the circuit breaker", "IA101",
           "risk_management.real_time.circuit_breaker"),
    3315: ("Post-trade placeholder anti-pattern", "IA401", "risk_management.post_trade"),
    3316: ("Missing async support: imports block the event loop", "IA701", "risk_management"),
    3317: ("No caching: registries and singletons built more than once", "IA702",
           "risk_service"),
    # The facade's utility-tree import (IA103) is folded into utils' IA101: one fix.
    3318: ("Circuit breaker imports utils without lazy loading", "IA101",
           "risk_management.utils"),
    3319: ("No database connection pooling", "IA601", "risk_management.database"),
}
CIRCUIT_BREAKER = "risk_management.real_time.circuit_breaker"
SEED_MEMORY_BYTES = 236 * 1000 * 1000  # "236MB just for imports"
SEED_STARTUP_NS = (2_000_000_000, 3_000_000_000)  # "~2-3 seconds additional delay"


def _found(findings: tuple[Finding, ...], code: str, module: str) -> Finding | None:
    return next((f for f in findings if f.code == code and f.module == module), None)


def seed_markdown(reviewed: Report, program: Report, isolated: Report | None) -> str:
    """The seed-issue table and the figures section, as Markdown."""
    findings = (*reviewed.findings, *program.findings)
    lines = ["## The seed review (batch 10) against the measurements", "",
             "Each issue of the seed review, the finding that detects it on the legacy "
             "twin (ISSUE-3316 and 3317 on its asyncio service, "
             "`tests/fixtures/legacy/risk_service.py`, reviewed as a program), and what "
             "that finding measured.", "",
             "| Seed issue | What the seed says | Rule | Finding on the legacy twin | "
             "Measured impact |", "|---|---|---|---|---|"]
    for issue, (title, code, module) in SEED_ISSUES.items():
        finding = _found(findings, code, module)
        where = (f"`{module}` ({finding.severity.name.lower()})" if finding
                 else f"**not found** on `{module}`")
        impact = impact_text(finding.impact) if finding else "-"
        lines.append(f"| ISSUE-{issue} | {title} | {code} | {where} | {impact} |")
    lines += ["", *_figures(reviewed, isolated), ""]
    return "\n".join(lines)


def _figures(reviewed: Report, isolated: Report | None) -> list[str]:
    """The seed's guessed figures next to the measured ones, and by how much they differ."""
    source = isolated if isolated is not None else reviewed
    record = next((m for m in source.modules if m.name == CIRCUIT_BREAKER), None)
    how = ("imported alone in a fresh interpreter (isolated profile)" if isolated is not None
           else "in the tree profile")
    if record is None:
        return ["The circuit breaker was not measured; the seed's figures cannot be checked."]
    out = ["**The seed's figures against the legacy twin.** The seed guessed; these are "
           f"measured ({CIRCUIT_BREAKER}, {how}):", ""]
    rss = record.rss_bytes
    heap = record.heap_bytes
    if rss:
        out.append(f"- Memory: the seed says 236 MB on import; the twin grows RSS by "
                   f"{format_bytes(rss)} (heap {format_bytes(heap)}), "
                   f"{SEED_MEMORY_BYTES / rss:.1f}x less than the seed claims.")
    low, high = SEED_STARTUP_NS
    # Noise (a loaded machine) only ever adds time: the fastest run is the figure to hold.
    time_ns = record.cumulative_ns_min or record.cumulative_ns
    verdict = ("within the seed's range" if low <= time_ns <= high else
               f"{low / time_ns:.1f}x less than the seed's lower bound" if time_ns < low else
               "more than the seed's upper bound")
    out.append(f"- Start-up: the seed says 2-3 s of additional delay; importing the circuit "
               f"breaker takes {format_ns(time_ns)} (fastest of {record.runs} runs; the "
               f"median was {format_ns(record.cumulative_ns)}), {verdict}. Times grow with "
               "the machine's load; heap and module counts do not.")
    return out
