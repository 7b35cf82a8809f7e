"""Rule about placeholder classes that stand in for implementations that are missing.

`class RiskMetricsCalculator: pass` (often in an `except ImportError:` fallback) lets
the import succeed and moves the failure to the first use, far from its cause. The
problem is correctness, not cost, so the finding has a severity floor; its measured
impact is the module's own body cost, which such classes only add to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from importaudit.model import Severity
from importaudit.review.registry import RuleDoc, register

if TYPE_CHECKING:
    from collections.abc import Iterator

    from importaudit.model import Finding
    from importaudit.review.context import ReviewContext


@register(
    "IA401", "placeholder-class", "Placeholder class stands in for a missing implementation",
    RuleDoc(
        what="A module defines classes with no behaviour (only `pass`, `...`, a "
             "docstring, or methods raising NotImplementedError), typically in an "
             "`except ImportError:` fallback or as exported names of unfinished work. "
             "Deliberately empty classes are not reported: sentinels the module "
             "instantiates, roots other classes derive from, exceptions, Protocols, ABCs "
             "and other classes with a base, metaclass or decorator, private classes, and "
             "anything under `if __name__ == \"__main__\":`.",
        why="Callers import the name successfully and fail later, far from the cause "
            "(an AttributeError or TypeError instead of a clear ImportError); type "
            "checkers and readers believe the feature exists.",
        fix="Delete the placeholder and let the import fail, or raise a clear error on "
            "access from a module `__getattr__` naming what is missing.",
        example="def __getattr__(name):\n    if name in {'PostTradeAnalyzer', "
                "'TradeReview'}:\n        raise NotImplementedError(f'{name} is not "
                "implemented yet')\n    raise AttributeError(name)",
    ),
)
def placeholder_class(ctx: ReviewContext) -> Iterator[Finding]:
    """IA401: one finding per module defining placeholder classes."""
    # A class any reviewed module derives from or tests with isinstance/issubclass is a
    # marker or mixin root (sqlalchemy.exc.DontWrapMixin), not a missing implementation.
    type_uses = frozenset().union(*(facts.type_uses for facts in ctx.all_facts()))
    for facts in ctx.all_facts():
        placeholders = [p for p in facts.placeholders
                        if p.in_import_fallback or p.name not in type_uses]
        if not placeholders:
            continue
        names = [p.name for p in placeholders]
        fallback = any(p.in_import_fallback for p in placeholders)
        lines = f"{placeholders[0].line}-{max(p.end_line for p in placeholders)}"
        listing = ", ".join(f"'{n}'" for n in names)
        yield ctx.make_finding(
            "IA401", "Placeholder class stands in for a missing implementation", facts.name,
            f"{facts.name} defines {len(names)} placeholder class(es) "
            f"({', '.join(names)}) at lines {lines}"
            + (" in an `except ImportError:` fallback" if fallback else "")
            + "; importing them succeeds and the failure surfaces later.",
            "Remove the placeholders; if the names must stay importable, raise a clear "
            "error on access.\n\ndef __getattr__(name):\n"
            f"    if name in {{{listing}}}:\n"
            "        raise NotImplementedError(f\"{name} is not implemented yet\")\n"
            "    raise AttributeError(f\"module {__name__!r} has no attribute {name!r}\")",
            impact=ctx.tree.self_impact(facts.name), line=placeholders[0].line,
            floor=Severity.MEDIUM,
        )
