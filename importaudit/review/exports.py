"""Rules about `__all__`: what `from pkg import *` loads, and whether it works at all.

A star import binds every name in `__all__`. For an eager `__init__` those names are
loaded already, so a star import costs nothing beyond `import pkg` (that cost is the
eager `__init__`'s, IA101's); for a lazy one each name triggers its `__getattr__`, and a
star-importing caller pays for every submodule that provides an exported name. The
finding's impact is that difference, on the runtime load graph.

A name in `__all__` that the module never binds makes the star import raise
AttributeError (attrs 26.1 lists `__author__`; SQLAlchemy 2.1's
sqlalchemy.ext.declarative lists `instrument_declarative`). The source only suspects
it (names bound by `global` in a function, `globals()`, a module `__getattr__`), so
IA302 runs the star import in a fresh interpreter and reports what it raised.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from importaudit.loadgraph import ancestors
from importaudit.model import Impact, Severity
from importaudit.review.context import RUNS
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
            # `from ._api import *` provides whatever `_api` star-exports.
            names = (ctx.star_names(edge.imported) if "*" in edge.names
                     else edge.names)
            for name in sorted(names):
                if name in exported:
                    found.setdefault(name, edge.imported)
    for binding in facts.bindings:
        if binding.kind not in RUNS:
            # `if TYPE_CHECKING: import numpy` binds nothing at run time: polars'
            # _dependencies exports lazy proxies under those names (`numpy, _ =
            # _lazy_import("numpy")`), and its star import loads no module.
            continue
        if binding.name in exported and binding.module.startswith(package + "."):
            found.setdefault(binding.name, binding.module)
        elif binding.name in exported and ctx.is_module(binding.target):
            found.setdefault(binding.name, binding.target)
    for name, written in facts.lazy_modules.items():
        # A PEP 562 map's `".canvas"` is relative to the package, as import_module reads it.
        module = package + written if written.startswith(".") and written != "." else written
        if name in exported and module != package and ctx.is_module(module):
            found.setdefault(name, module)
    # A star import imports `package.name` only for a name the package does not bind:
    # optuna binds `visualization` to a lazy proxy (`_LazyImport`), which it takes.
    for name in exported - set(found) - facts.defined:
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
               else "") + "." + _unimportable(ctx, modules),
            _fix_text(facts.name, providers, extra),
            impact=impact, line=facts.all_line,
        )


def _unimportable(ctx: ReviewContext, modules: list[str]) -> str:
    """What the star import raises here when a listed submodule could not be imported.

    tornado lists `curl_httpclient`, which needs pycurl: without it `from tornado
    import *` raises ModuleNotFoundError, so it loads nothing the message counts.
    """
    skipped = {s.name: s for s in ctx.report.skipped}
    failed = {r.name: r.error for r in ctx.report.modules if r.error}
    for module in modules:
        if module in skipped:
            why = skipped[module]
            return (f" Here it raises instead ({why.error.partition(':')[0]}): {module} "
                    f"{why.reason}; the count is what it loads where it works.")
        if module in failed:
            error = failed[module] or ""
            return (f" Here it raises instead ({error.partition(':')[0]}): importing "
                    f"{module} failed; the count is what it loads where it works.")
    return ""


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


#: Attributes every module has, whatever its source binds.
_MODULE_ATTRS = frozenset({"__name__", "__doc__", "__file__", "__spec__", "__loader__",
                           "__package__", "__builtins__", "__cached__", "__dict__"})


def unbound_suspects(ctx: ReviewContext, facts: ModuleFacts) -> tuple[str, ...]:
    """Names of `facts`' `__all__` its source does not bind (nor a submodule provides)."""
    bound = facts.defined | _MODULE_ATTRS | ({"__path__"} if _is_package(ctx, facts) else set())
    return tuple(n for n in facts.all_names or () if n not in bound
                 and not ctx.is_module(f"{facts.name}.{n}"))


def _is_package(ctx: ReviewContext, facts: ModuleFacts) -> bool:
    own = ctx.modules.get(facts.name)
    return own is not None and own.is_package


@register(
    "IA302", "unbound-star-export", "__all__ names what the module does not define",
    RuleDoc(
        what="`__all__` lists a name the module does not define (a removed function, a "
             "typo, a name a module `__getattr__` no longer serves), so "
             "`from pkg import *` raises AttributeError. Found in the source, confirmed "
             "by running the star import in a fresh interpreter of the measured "
             "environment (not from a saved report: nothing runs there).",
        why="Every caller that star-imports the module fails at import time, and tools "
            "that read `__all__` (documentation, IDEs, type checkers) advertise a name "
            "that is not there.",
        fix="Remove the name from `__all__`, or define it again (a deprecation alias); "
            "a module `__getattr__` must return every name `__all__` lists.",
        example="__all__ = ['declarative_base', 'instrument_declarative']  # before: the "
                "second is gone\n__all__ = ['declarative_base']  # after",
    ),
)
def unbound_star_export(ctx: ReviewContext) -> Iterator[Finding]:
    """IA302: an `__all__` whose star import raises, run to confirm what the source suspects."""
    check = ctx.settings.star_check
    if check is None:
        return
    failed = {f.name for f in ctx.report.modules if f.error}
    suspects = {facts.name: facts for facts in ctx.all_facts()
                if facts.name not in failed and unbound_suspects(ctx, facts)}
    if not suspects:
        return
    for module, (error, unbound_here) in sorted(check(sorted(suspects)).items()):
        facts = suspects.get(module)
        if facts is None:
            continue
        # A name an import statement of the module binds is defined wherever that import
        # works: here an optional dependency is missing (optuna's `with try_import():
        # import plotly`), which is no name to remove from `__all__`. So is one imported
        # for type checkers and served at run time by a lazy module object whose
        # optional package is missing (optuna.integration's `_IntegrationModule`).
        imported = {b.name for b in facts.bindings}
        failed_here = [n for n in unbound_here if n in imported]
        unbound = tuple(n for n in unbound_here if n not in imported)
        if not unbound:
            continue
        shown = ", ".join(unbound[:8]) + (f" (+{len(unbound) - 8} more)"
                                          if len(unbound) > 8 else "")
        also = (f" {', '.join(failed_here)} too, bound by an import that failed here "
                "(an optional dependency not installed, or served lazily from one): not "
                "counted." if failed_here else "")
        yield ctx.make_finding(
            "IA302", "__all__ names what the module does not define", module,
            f"{module}.__all__ lists {len(unbound)} name(s) the module does not define: "
            f"{shown}; `from {module} import *` raises {error} (run in a fresh "
            f"interpreter).{also}",
            f"Remove {'it' if len(unbound) == 1 else 'them'} from __all__, or define "
            f"{'it' if len(unbound) == 1 else 'them'} (a deprecation alias; a module "
            "__getattr__ must return every name __all__ lists).",
            impact=Impact(), line=facts.all_line, floor=Severity.MEDIUM,
        )
