"""Rule about `__all__`: a long export list makes `from pkg import *` load everything.

A star import binds every name in `__all__`; for a lazy package each of those names
triggers its `__getattr__`, for an eager one they are loaded already. Either way a
star-importing caller pays for every submodule that provides an exported name, which
the runtime profile measures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from importaudit.loadgraph import ancestors
from importaudit.model import Severity
from importaudit.review.registry import RuleDoc, register

if TYPE_CHECKING:
    from collections.abc import Iterator

    from importaudit.model import Finding
    from importaudit.review.context import ReviewContext
    from importaudit.review.source import ModuleFacts


def _providers(ctx: ReviewContext, facts: ModuleFacts) -> dict[str, str]:
    """Exported name -> the submodule of this package that provides it."""
    package = facts.name
    exported = set(facts.all_names or ())
    found: dict[str, str] = {}
    for edge in ctx.edges_from.get(package, ()):
        if edge.imported.startswith(package + "."):
            for name in edge.names:
                if name in exported:
                    found.setdefault(name, edge.imported)
    for binding in facts.bindings:
        if binding.name in exported and binding.module.startswith(package + "."):
            found.setdefault(binding.name, binding.module)
        elif binding.name in exported and ctx.is_module(binding.target):
            found.setdefault(binding.name, binding.target)
    for name in exported - set(found):
        if ctx.is_module(f"{package}.{name}"):
            found[name] = f"{package}.{name}"
    return found


@register(
    "IA301", "large-star-export", "Large __all__ loads everything on star import",
    RuleDoc(
        what="A module lists many names in `__all__`, provided by many submodules, so "
             "`from pkg import *` loads every one of them.",
        why="Star imports bind everything in `__all__`: with an eager `__init__` the "
            "cost is paid on every import, with a lazy one on every star import, and a "
            "long list couples callers to the whole surface. The impact is what the "
            "providing submodules cost in the measured run.",
        fix="Keep `__all__` to the core entry points and let callers import the rest "
            "from their submodules explicitly.",
        example="__all__ = ['CircuitBreakerFacade', 'BreakerConfig']  # core only\n"
                "# callers: from pkg.breakers import DrawdownBreaker",
    ),
)
def large_star_export(ctx: ReviewContext) -> Iterator[Finding]:
    """IA301: an `__all__` long enough and costly enough to matter on star import."""
    settings = ctx.settings
    for facts in ctx.all_facts():
        names = facts.all_names or ()
        if len(names) < settings.large_all:
            continue
        providers = _providers(ctx, facts)
        modules = sorted(set(providers.values()))
        impact = ctx.tree.standalone(modules, ancestors(facts.name))
        costly = ctx.grade(impact) >= Severity.LOW
        if len(modules) < settings.large_all_min_providers and not costly:
            continue
        core = ", ".join(repr(n) for n in names[:2])
        yield ctx.make_finding(
            "IA301", "Large __all__ loads everything on star import", facts.name,
            f"{facts.name}.__all__ lists {len(names)} names from {len(modules)} "
            f"submodule(s); `from {facts.name} import *` loads all of them "
            f"({impact.modules or 0} module(s)).",
            f"Trim __all__ to the core entry points and import the rest from their "
            f"submodules explicitly.\n\n__all__ = [{core}]  # core only",
            impact=impact, line=facts.all_line,
        )
