"""Rule about `__all__`: a long export list makes `from pkg import *` load everything.

A star import binds every name in `__all__`. For an eager `__init__` those names are
loaded already, so a star import costs nothing beyond `import pkg` (that cost is the
eager `__init__`'s, IA101's); for a lazy one each name triggers its `__getattr__`, and a
star-importing caller pays for every submodule that provides an exported name. The
finding's impact is that difference, on the runtime load graph.
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


def _star_names(ctx: ReviewContext, module: str) -> frozenset[str]:
    """The names `from module import *` takes: its `__all__`, else its public globals."""
    facts = ctx.facts(module)
    if facts is None:
        return frozenset()
    if facts.all_names is not None:
        return frozenset(facts.all_names)
    return frozenset(n for n in facts.defined if not n.startswith("_"))


def _providers(ctx: ReviewContext, facts: ModuleFacts) -> dict[str, str]:
    """Exported name -> the submodule of this package that provides it."""
    package = facts.name
    exported = set(facts.all_names or ())
    found: dict[str, str] = {}
    for edge in ctx.edges_from.get(package, ()):
        if edge.imported.startswith(package + "."):
            # `from ._api import *` provides whatever `_api` star-exports.
            names = (_star_names(ctx, edge.imported) if "*" in edge.names
                     else edge.names)
            for name in sorted(names):
                if name in exported:
                    found.setdefault(name, edge.imported)
    for binding in facts.bindings:
        if binding.name in exported and binding.module.startswith(package + "."):
            found.setdefault(binding.name, binding.module)
        elif binding.name in exported and ctx.is_module(binding.target):
            found.setdefault(binding.name, binding.target)
    for name, written in facts.lazy_modules.items():
        # A PEP 562 map's `".canvas"` is relative to the package, as import_module reads it.
        module = package + written if written.startswith(".") and written != "." else written
        if name in exported and module != package and ctx.is_module(module):
            found.setdefault(name, module)
    for name in exported - set(found):
        if ctx.is_module(f"{package}.{name}"):
            found[name] = f"{package}.{name}"
    return found


@register(
    "IA301", "large-star-export", "Large __all__ loads everything on star import",
    RuleDoc(
        what="A lazy package lists many names in `__all__`, provided by many "
             "submodules, so `from pkg import *` loads every one of them although "
             "`import pkg` does not. An eager `__init__` is not reported here: a star "
             "import costs nothing beyond `import pkg` there, and the cost is the "
             "`__init__`'s (IA101).",
        why="Star imports bind everything in `__all__`, and on a lazy package each name "
            "runs its `__getattr__`: a star-importing caller loads the whole surface the "
            "lazy `__init__` was written to avoid. The impact is what the providing "
            "submodules load beyond `import pkg`, in the measured run.",
        fix="Keep in `__all__` only the names callers should get from a star import, "
            "and let callers import the rest explicitly (attribute access on a lazy "
            "package still loads one submodule at a time).",
        example="__all__ = [...]  # the names star-importing callers need\n"
                "# callers: from pkg.breakers import DrawdownBreaker",
    ),
)
def large_star_export(ctx: ReviewContext) -> Iterator[Finding]:
    """IA301: an `__all__` long enough, and costly enough beyond `import pkg`, to matter."""
    settings = ctx.settings
    for facts in ctx.all_facts():
        names = facts.all_names or ()
        if len(names) < settings.large_all:
            continue
        providers = _providers(ctx, facts)
        modules = sorted(set(providers.values()))
        star_importers = sorted(f.name for f in ctx.all_facts()
                                if facts.name in f.star_imports)
        # What `import pkg` loads anyway (its parents included): a star import costs
        # only what its names load beyond that. A parent that star-imports pkg runs that
        # star import on `import pkg` too: its pull of the names is the cost, not a given.
        cut = {(parent, module) for parent in ancestors(facts.name)[1:]
               if parent in star_importers for module in modules}
        loaded = ctx.tree.loads([facts.name], cut=cut) or frozenset(ancestors(facts.name))
        extra = {m: ctx.tree.loads([m], loaded) for m in modules}
        beyond = frozenset().union(*extra.values())
        if not beyond:
            continue  # an eager __init__ (or names loaded anyway): trimming saves nothing
        impact = ctx.tree.cost(beyond)
        costly = ctx.grade(impact) >= Severity.LOW
        lazy = [m for m in modules if extra[m]]
        if len(lazy) < settings.large_all_min_providers and not costly:
            continue
        yield ctx.make_finding(
            "IA301", "Large __all__ loads everything on star import", facts.name,
            f"{facts.name}.__all__ lists {len(names)} names from {len(modules)} "
            f"submodule(s); `from {facts.name} import *` loads {len(lazy)} of them "
            f"that `import {facts.name}` does not ({impact.modules or 0} module(s) "
            "beyond it)"
            + (f"; star-imported by {', '.join(star_importers[:3])}" if star_importers
               else "") + ".",
            _fix_text(facts.name, providers, extra),
            impact=impact, line=facts.all_line,
        )


def _fix_text(package: str, providers: dict[str, str],
              extra: dict[str, frozenset[str]]) -> str:
    """What to change, with what each costly submodule loads.

    Which names stay is the package's API decision: the tool does not guess it.
    """
    costliest = sorted((m for m in extra if extra[m]), key=lambda m: (-len(extra[m]), m))
    lines = []
    for module in costliest[:3]:
        taken = sorted(n for n, m in providers.items() if m == module)
        shown = ", ".join(taken[:4]) + (f" (+{len(taken) - 4} more)" if len(taken) > 4 else "")
        others = frozenset().union(*(extra[m] for m in extra if m != module))
        only = len(extra[module] - others)
        lines.append(f"#   {shown}: {module} loads {len(extra[module])} module(s), "
                     f"{only} of them for these names alone")
    return ("Keep in __all__ only the names callers should get from a star import (which "
            "ones is the package's API decision) and let the rest be imported explicitly "
            f"from {package} or their submodules. The costliest names on a star import "
            "(their submodules share much of what they load):\n\n" + "\n".join(lines))
