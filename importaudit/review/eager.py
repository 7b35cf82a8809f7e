"""Rules about eager imports: package `__init__`s, heavy dependencies, utility trees.

All three measure what an import statement loaded first in the runtime profile (its
subtree of the first-load tree), so their impact is what making that import lazy or
deferred would have saved in the measured run.
"""

from __future__ import annotations

import ast
import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from importaudit.loadgraph import ancestors
from importaudit.model import Impact, Severity
from importaudit.review.context import NEEDED_AT_IMPORT, RUNS, is_stdlib, same_family
from importaudit.review.impact import deferral_cut, deferral_savings
from importaudit.review.order import break_text, init_bindings, offered, order_verdict
from importaudit.review.registry import RuleDoc, register
from importaudit.review.source import ANNOTATION_USES, MAIN_BLOCK, Binding, Use

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from importaudit.model import Finding
    from importaudit.review.context import ReviewContext
    from importaudit.review.impact import Claim, ClaimKey
    from importaudit.review.order import OrderVerdict
    from importaudit.review.source import ModuleFacts



def lazy_init_snippet(package: str, names: dict[str, str]) -> str:
    """A PEP 562 `__getattr__` exposing `names` (name -> module) lazily from `package`."""
    width = max((len(n) for n in names), default=0) + 3
    lines = ["import importlib", "", "_LAZY = {"]
    for name, module in sorted(names.items()):
        rel = "." + module[len(package) + 1:] if module.startswith(package + ".") else module
        lines.append(f"    {repr(name) + ':':<{width}} {rel!r},")
    lines += [
        "}",
        "",
        "def __getattr__(name):",
        "    if name in _LAZY:",
        "        value = getattr(importlib.import_module(_LAZY[name], __name__), name)",
        "        globals()[name] = value  # later lookups skip __getattr__",
        "        return value",
        '    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")',
    ]
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class InitPlan:
    """What IA101 makes of a package `__init__`: the names and what deferring them saves.

    `subs` are the names its lazy `__init__` defers, `needed` those it keeps eager,
    `ordered` those an import cycle's order keeps eager (`verdict`, partial); or, with
    `verdict` not partial, the lazy `__init__` broke an import and nothing is offered.
    """

    subs: list[Binding]
    needed: list[Binding]
    ordered: list[Binding]
    claim: Claim
    verdict: OrderVerdict | None


def _init_plan(ctx: ReviewContext, facts: ModuleFacts) -> InitPlan | None:
    """IA101's plan for a package `__init__` (None: nothing worth a finding), made once."""
    if facts.name not in ctx.init_plans:
        ctx.init_plans[facts.name] = _plan(ctx, facts)
    return ctx.init_plans[facts.name]


def _plan(ctx: ReviewContext, facts: ModuleFacts) -> InitPlan | None:
    if not ctx.modules[facts.name].is_package:
        return None
    # A name the package body itself uses while it runs (a helper it calls, a base
    # class) is needed at import: a lazy __init__ cannot defer it, so only the other
    # names count, and a package that needs all of them has no finding, whatever
    # their measured cost on a noisy machine.
    subs, needed = init_bindings(ctx, facts)
    if not subs:
        return None
    claim = _init_claim(ctx, facts, subs)
    if claim is None:
        return None  # nothing a lazy __init__ would defer, or too little for few names
    # Deferring some of them may break an import of the package (an import cycle
    # whose members the eager __init__ imports in the one order that works): run.
    verdict = order_verdict(ctx, facts.name)
    if verdict is not None and not verdict.partial:
        return InitPlan(subs, needed, [], claim, verdict)
    ordered = [b for b in subs if verdict is not None
               and ctx.submodule_of(b) in verdict.kept]
    subs = [b for b in subs if b not in ordered]
    claim = _init_claim(ctx, facts, subs) if ordered else claim
    return None if claim is None else InitPlan(subs, needed, ordered, claim, verdict)


def settle_offers(ctx: ReviewContext, package: str) -> None:
    """IA101's plans made, in its order, up to `package`'s, each offered as IA101 offers it.

    A plan's trial applies the lazy `__init__`s offered before it (`review.order`), so
    it must see the same ones whichever rule asks first: IA101 itself, or another
    rule's saving that counts a parent lazy (`offers_lazy_init`), even with IA101 not
    selected (`--select IA501` counted `ordercombo.ops` lazy, whose lazy `__init__`
    breaks once `ordercombo`'s is applied, which IA101 offers first).
    """
    order = ctx.offer_order()
    target = order.get(package)
    if target is None:
        return
    names = list(order)
    while ctx.offers_settled <= target:
        name = names[ctx.offers_settled]
        ctx.offers_settled += 1  # (first: a plan asks only of packages above it)
        facts = ctx.facts(name)
        plan = _init_plan(ctx, facts) if facts is not None else None
        if _offered(ctx, name, plan):
            offered(ctx, name)  # later trials apply this lazy __init__ too


def _offered(ctx: ReviewContext, package: str, plan: InitPlan | None) -> bool:
    """Whether IA101 offers `plan`'s lazy `__init__` for `package`.

    Not one it keeps eager, nor one the user suppressed (`# importaudit:
    ignore[IA101]`, `--ignore IA101:pkg`), which is not going to be written: no other
    trial applies it, and no saving counts it.
    """
    return (plan is not None and (plan.verdict is None or plan.verdict.partial)
            and not ctx.silenced("IA101", package, _first_line(plan)))


def _first_line(plan: InitPlan) -> int:
    """The line of IA101's finding: the first of the `__init__`'s submodule imports."""
    return min(b.line for b in (*plan.subs, *plan.needed, *plan.ordered))


def offers_lazy_init(ctx: ReviewContext, package: str) -> bool:
    """Whether IA101 offers `package` a lazy `__init__` a reader is asked to make.

    Its rewrite, graded LOW or more: not an `__init__` whose lazy form broke an import
    (it is told to stay eager), nor one graded INFO, nor one with no finding. Only such
    a parent counts as lazy in another finding's saving (`ReviewContext.defer_claim`).
    """
    facts = ctx.facts(package)
    own = ctx.modules.get(package)
    if facts is None or own is None:
        return False
    settle_offers(ctx, package)
    plan = _init_plan(ctx, facts)
    # One whose trial the proving time cut short is not proven to keep the order: no
    # saving counts it lazy (a false finding otherwise, as without the trial).
    return (plan is not None and _offered(ctx, package, plan)
            and package not in ctx.unproven
            and ctx.grade(ctx.tree.cost(plan.claim.saved)) >= Severity.LOW)


@register(
    "IA101", "eager-package-init", "Package __init__ eagerly imports its submodules",
    RuleDoc(
        what="A package's `__init__.py` imports its submodules (or classes from them) at "
             "module level, so `import pkg` or `import pkg.small` pays for all of them.",
        why="Every user of any part of the package pays the whole package's import time "
            "and memory, and every submodule's dependencies come along. The impact shown "
            "is what the submodules it loaded cost in the measured run: what a lazy "
            "`__init__` would save a caller who uses none of them.",
        fix="Keep the public names but load them on first access with a module "
            "`__getattr__` (PEP 562), and list them under `if TYPE_CHECKING:` for type "
            "checkers and IDEs. Where the package is in an import cycle that can fail, "
            "the review first runs the lazy form (each member of the cycle imported "
            "first, in a fresh interpreter); when that breaks an import, the cycle's "
            "members stay eager, or, with nothing else to defer, no lazy fix is offered.",
        example="# before\nfrom .facade import CircuitBreakerFacade\nfrom .breakers import "
                "DrawdownBreaker\n\n# after\n_LAZY = {'CircuitBreakerFacade': '.facade', "
                "'DrawdownBreaker': '.breakers'}\n\ndef __getattr__(name):\n    if name in "
                "_LAZY:\n        return getattr(importlib.import_module(_LAZY[name], "
                "__name__), name)\n    raise AttributeError(name)",
    ),
)
def eager_package_init(ctx: ReviewContext) -> Iterator[Finding]:
    """IA101: a package `__init__` whose eager submodule imports cost measurable time."""
    for facts in ctx.all_facts():
        settle_offers(ctx, facts.name)
        plan = _init_plan(ctx, facts)
        if plan is None:
            continue
        package, subs, needed, ordered, claim, verdict = (
            facts.name, plan.subs, plan.needed, plan.ordered, plan.claim, plan.verdict)
        if verdict is not None and not verdict.partial:
            finding = _order_finding(ctx, facts, verdict, subs, claim)
            if finding is not None:
                yield finding
            continue
        targets = {ctx.submodule_of(b) for b in subs}
        impact = ctx.tree.cost(claim.saved)
        names = {b.name: ctx.submodule_of(b) for b in subs}
        modules = sorted(targets | {ctx.submodule_of(b) for b in (*needed, *ordered)})
        first = _first_line(plan)
        kept = sorted({b.name for b in needed if facts.uses_of(b.name) & NEEDED_AT_IMPORT})
        stays = sorted({b.name for b in needed} - set(kept))
        order = "" if verdict is None else (
            f" Keep {_names_of(ctx, ordered)} eager: "
            f"{break_text(ctx, verdict)}; with only the others lazy, every member of "
            "the cycle still imports first (run in fresh interpreters).")
        if package in ctx.unproven and verdict is None:
            order = _unproven_text(ctx, package)
        yield ctx.claimed(claim, ctx.make_finding(
            "IA101", "Package __init__ eagerly imports its submodules", package,
            f"{package} imports {len(names) + len(kept) + len(ordered)} name(s) from "
            f"{len(modules)} "
            f"submodule(s) at import time "
            f"({', '.join(modules[:4])}{', ...' if len(modules) > 4 else ''}); "
            f"they need {impact.modules or 0} module(s) that a lazy __init__ would "
            "defer until first use"
            + (f" ({', '.join(kept)} {'is' if len(kept) == 1 else 'are'} used by the "
               "package body while it runs: defer that code too, or keep "
               f"{'it' if len(kept) == 1 else 'them'} eager)." if kept else ".")
            + (f" {_few(stays)} stay{'s' if len(stays) == 1 else ''} eager in the lazy "
               "__init__ `importaudit fix` would write (it says why): not counted."
               if stays else "") + _star_taken(ctx, facts, subs) + order,
            "Load the submodules on first attribute access (PEP 562 __getattr__) and "
            "keep the names for type checkers under `if TYPE_CHECKING:`"
            + (" (the names of the import cycle stay eager)" if ordered else "") + ".\n\n"
            + lazy_init_snippet(package, names),
            impact=impact, line=first, chain=(package, *modules[:1]),
        ))


def _unproven_text(ctx: ReviewContext, package: str) -> str:
    """IA101's words when the proving time ran out before `package`'s trial answered."""
    return (f" Not proven to keep import order: {package} has a member of an import cycle "
            "that can fail, and the review's time for running lazy __init__s "
            f"(--prove-time {ctx.settings.prove_time:g} s) ran out before its trial "
            "answered; `importaudit fix` proves the rewrite before writing it.")


def _star_taken(ctx: ReviewContext, facts: ModuleFacts, subs: list[Binding]) -> str:
    """IA101's words on an eager parent's `from .pkg import *` of the package, or "".

    The legacy twin's real_time runs `from .circuit_breaker import *`, and importing
    circuit_breaker runs real_time first: that star import takes every name of the
    lazy `__init__`'s `__all__`, which no `__getattr__` map can defer (a star import
    reads each listed name at once), so it loads their submodules all the same until it
    takes fewer. The saving is still counted (IA301 says how, once the `__init__` is
    lazy), but the reader is told which statement stands in its way.
    """
    deferred = {b.name for b in subs}
    for parent in ancestors(facts.name)[1:]:
        parent_facts = ctx.facts(parent)
        if (parent_facts is None or facts.name not in parent_facts.star_imports
                or ctx.counts_lazy(parent)):
            continue
        taken = deferred & ctx.star_names(facts.name)
        if not taken:
            continue
        lines = sorted(e.line for e in ctx.edges_from.get(parent, ())
                       if e.imported == facts.name and "*" in e.names and e.line)
        where = f"{parent}:{lines[0]}" if lines else parent
        return (f" {where} runs `from ... import *` of {facts.name}, which takes "
                f"{len(taken)} of these names: a star import cannot be made lazy by a "
                "`__getattr__` map without listing the names it takes, so while it takes "
                f"them every import of {parent} (and so of {facts.name}) loads their "
                "submodules all the same; once this __init__ is lazy, IA301 says how to "
                "take fewer.")
    return ""


def _few(names: Sequence[str]) -> str:
    """`a, b, c` for a few names; `a, b, c and 5 more` for many."""
    shown = ", ".join(names[:4])
    return shown + (f" and {len(names) - 4} more" if len(names) > 4 else "")


def _names_of(ctx: ReviewContext, bindings: list[Binding]) -> str:
    """`App, Filter` (a few names), or `the 40 names from a.b, a.c` (many)."""
    names = sorted({b.name for b in bindings})
    if len(names) <= 4:
        return ", ".join(names)
    modules = sorted({ctx.submodule_of(b) for b in bindings})
    return (f"the {len(names)} names from {', '.join(modules[:4])}"
            + (f" and {len(modules) - 4} more submodule(s)" if len(modules) > 4 else ""))


def _init_claim(ctx: ReviewContext, facts: ModuleFacts, subs: list[Binding]) -> Claim | None:
    """What a lazy `__init__` deferring `subs` saves (None: nothing, or too little to say)."""
    targets = {ctx.submodule_of(b) for b in subs}
    others = {ctx.submodule_of(b) for b in facts.bindings if b.kind in RUNS and b not in subs}
    claim = ctx.defer_claim(facts.name, targets, others | _taken_by_parents(ctx, facts, subs))
    if not subs or not claim.saved or (ctx.grade(ctx.tree.cost(claim.saved)) < Severity.LOW
                                       and len(subs) < ctx.settings.init_many_names):
        return None
    return claim


def _taken_by_parents(ctx: ReviewContext, facts: ModuleFacts, subs: list[Binding]
                      ) -> set[str]:
    """The submodules serving names that the package's eager parents take from it.

    polars/__init__ runs `from polars.io import read_csv, ...` (all 35 names
    polars.io re-exports): with polars.io lazy, those names load their submodules all
    the same, and importing polars.io runs polars first. A parent counted lazy
    (`counts_lazy`) defers that statement with the rest.
    """
    served = {b.name: ctx.submodule_of(b) for b in subs}
    taken: set[str] = set()
    for parent in ancestors(facts.name)[1:]:
        parent_facts = ctx.facts(parent)
        if parent_facts is None or ctx.counts_lazy(parent):
            continue
        taken.update(served[b.attr] for b in parent_facts.bindings
                     if b.kind in RUNS and b.module == facts.name and b.attr in served)
    return taken


def _order_finding(ctx: ReviewContext, facts: ModuleFacts, verdict: OrderVerdict,
                   subs: list[Binding], claim: Claim) -> Finding | None:
    """IA101 for an `__init__` whose lazy form was shown to break an import: INFO, no fix.

    What it would defer is named, not claimed: that saving cannot be had while the
    cycle needs the eager order, so it neither grades the finding nor counts in any
    other finding's saving (`order_kept` keeps the package eager there too).
    """
    package = facts.name
    targets = {ctx.submodule_of(b) for b in subs}
    members = sorted(targets & verdict.members)
    if verdict.partial_break is not None:
        also = (f" Keeping the cycle's members ({', '.join(members)}) eager and deferring "
                f"the rest breaks `import {verdict.partial_break.module}` too: "
                f"{verdict.partial_break.error}.")
    elif verdict.small is not None:
        also = (f" Keeping the cycle's members ({', '.join(members)}) eager, deferring the "
                f"rest would save {verdict.small} module(s): too little to offer.")
    elif package in ctx.unproven:
        also = (f" Keeping the cycle's members ({', '.join(members)}) eager and deferring "
                "the rest was not tried: the review's time for running lazy __init__s "
                f"(--prove-time {ctx.settings.prove_time:g} s) ran out.")
    elif members and len(members) == len(targets):
        also = " Every submodule it would defer is a member of that cycle."
    else:
        also = ""
    return ctx.make_finding(
        "IA101", "Package __init__ eagerly imports its submodules", package,
        f"{package} imports {len(subs)} name(s) from {len(targets)} submodule(s) at import "
        f"time; a lazy __init__ would defer {len(claim.saved)} module(s), but "
        f"{break_text(ctx, verdict)}.{also}"
        + ("" if package in ctx.unproven else " Nothing is saved until the cycle is broken."),
        "Keep this __init__ eager until the import cycle is broken (IA201 names where to "
        "cut it; `importaudit cycles` lists the cut), then make it lazy.",
        impact=Impact(), line=min(b.line for b in subs), chain=(package,),
    )


def _function_only(facts: ModuleFacts, binding: Binding) -> bool:
    """Used only in bodies an import can move into (functions, the `__main__` block)."""
    uses = facts.uses_of(binding.name)
    if not (uses and uses <= {Use.FUNCTION, Use.ANNOTATION} and Use.FUNCTION in uses):
        return False
    users = facts.functions_using.get(binding.name, ())
    # A lambda outside any function has no body to hold an import: it is no fix.
    return bool(users) and all(u == MAIN_BLOCK or not u.startswith("<") for u in users)


def _users_text(functions: tuple[str, ...]) -> str:
    """`Book.add(), total()` or the `__main__` block, as a message names them."""
    # A block name (`if __name__ == "__main__"`, `if _in_development`) starts with "if ".
    shown = [f"the `{f}:` block" if f.startswith("if ") else f"{f}()" for f in functions[:4]]
    return ", ".join(shown) + (", ..." if len(functions) > 4 else "")


def _deferred_snippet(functions: tuple[str, ...], statement: str) -> str:
    """The first user with the import moved into it."""
    first = functions[0] if functions else "..."
    if first.startswith("if "):
        return f"{first}:\n    {statement}\n    ..."
    return f"def {first.rsplit('.', 1)[-1]}(...):\n    {statement}\n    ..."


@register(
    "IA102", "eager-heavy-dependency",
    "Heavy dependency imported eagerly but used only inside functions",
    RuleDoc(
        what="A module imports a heavy package (numpy, pandas, an ORM, a large part of "
             "the standard library) at module level but uses it only inside functions, "
             "so only the code paths that call those functions need it.",
        why="Everyone who imports the module pays for the dependency, including callers "
            "that never reach the functions that use it. The impact is the dependency's "
            "measured cumulative cost, saved when every module that imports it eagerly "
            "only for functions defers it.",
        fix="Import the package inside the functions that use it (Python caches the "
            "module after the first call), or behind a small accessor; keep an "
            "`if TYPE_CHECKING:` import for annotations.",
        example="# before\nimport numpy as np\n\ndef var(returns):\n    return "
                "np.percentile(returns, 5)\n\n# after\ndef var(returns):\n    import numpy "
                "as np\n    return np.percentile(returns, 5)",
    ),
)
def eager_heavy_dependency(ctx: ReviewContext) -> Iterator[Finding]:
    """IA102: a heavy external import used only in function bodies."""
    by_dep: dict[str, list[tuple[ModuleFacts, Binding]]] = {}
    typing_only: dict[tuple[str, str], list[Binding]] = {}
    needed_at_import: set[str] = set()
    for facts in ctx.all_facts():
        for binding in facts.bindings:
            if binding.kind not in RUNS or not binding.module:
                continue
            # The module the statement loads: `from google.cloud import storage` imports
            # google.cloud.storage, a project of its own, not the namespace package
            # google.cloud many distributions share (nor the rest of `google`).
            loaded = ctx.submodule_of(binding)
            if ctx.is_own(loaded):
                continue
            top = ctx.package_of(loaded)
            uses = facts.uses_of(binding.name)
            if _function_only(facts, binding):
                by_dep.setdefault(top, []).append((facts, binding))
            elif uses - {Use.ANNOTATION}:
                needed_at_import.add(top)
            elif uses and not facts.annotation_consumers:
                # Only unevaluated annotations use it: it can move under TYPE_CHECKING,
                # and must, or it keeps loading the dependency (`from markdown_it.token
                # import Token` runs markdown_it/__init__ all the same).
                typing_only.setdefault((facts.name, top), []).append(binding)
    for dep, users in sorted(by_dep.items()):
        record = ctx.tree.get(dep)
        if record is None or dep in needed_at_import or record.preloaded:
            continue
        importers = sorted({f.name for f, _ in users})
        # "The same way" is the same module of the dependency (importlib.metadata), not
        # anything from its top package (`from importlib import import_module`).
        taken = {name: {ctx.submodule_of(b) for f, b in users if f.name == name}
                 for name in importers}
        for name in importers:
            facts = next(f for f, _ in users if f.name == name)
            mine = [b for f, b in users if f.name == name]
            finding = _heavy_finding(ctx, facts, dep, (mine, typing_only.get((name, dep), [])),
                                     [m for m in importers
                                      if m != name and taken[m] & taken[name]])
            if finding is not None:
                yield finding


def _heavy_finding(ctx: ReviewContext, facts: ModuleFacts, dep: str,
                   moved: tuple[list[Binding], list[Binding]],
                   others: list[str]) -> Finding | None:
    """IA102 for one module's function-only imports of `dep`, if deferring them saves.

    `moved` holds the imports used only in functions (to defer) and those used only in
    annotations (to move under TYPE_CHECKING): both must go for the dependency to stay
    unloaded.
    """
    bindings, typing_only = moved
    deferred = {ctx.submodule_of(b) for b in (*bindings, *typing_only)}
    kept = {ctx.submodule_of(b) for b in facts.bindings
            if b.kind in RUNS and b not in bindings and b not in typing_only}
    # Exclusive: what importing this module would no longer load. Zero when something
    # else it runs (a parent package, another import: dataclasses loads inspect) loads
    # the dependency anyway, and then deferring it here saves nothing.
    # A dependency is not ours to make lazy, so only today's saving counts, parent
    # packages included.
    claim = ctx.defer_claim(facts.name, deferred, kept)
    claim = dataclasses.replace(claim, saved=claim.alone)
    impact = ctx.tree.cost(claim.saved)
    if not claim.saved or ctx.grade(impact) < ctx.settings.heavy_min_severity:
        return None
    functions = tuple(dict.fromkeys(
        f for b in bindings for f in facts.functions_using.get(b.name, ())))
    where = _users_text(functions)
    also = (f"; {len(others)} other module(s) import it the same way "
            f"({', '.join(others[:3])})" if others else "")
    kind = "standard-library package" if is_stdlib(dep) else "package"
    # The module it really imports (importlib.metadata), where that is one of `dep`'s.
    mods = sorted(m for m in deferred if m != dep and m.startswith(f"{dep}."))
    shown = (mods[0] if len(mods) == 1 and len(deferred) == 1
             else f"{dep} ({', '.join(mods)})" if mods else dep)
    first = min(bindings, key=lambda b: b.line)
    # `import rich.console` and `import rich.table` both bind `rich`: name it once.
    names = ", ".join(dict.fromkeys(f"`{b.name}`" for b in bindings))
    statements = "\n    ".join(b.statement() for b in bindings)
    typed = ", ".join(f"`{b.name}`" for b in typing_only)
    annotations = (f", and {typed} only in annotations" if typing_only else "")
    checking = ("\n\nif TYPE_CHECKING:\n    "
                + "\n    ".join(b.statement() for b in typing_only)) if typing_only else ""
    return ctx.claimed(claim, ctx.make_finding(
        "IA102", "Heavy dependency imported eagerly but used only inside functions",
        facts.name,
        f"{facts.name} imports the {kind} {shown} at module level but uses {names} only "
        f"inside {where}{annotations}{also}; deferring "
        f"{'it' if len(bindings) + len(typing_only) == 1 else 'them'} saves "
        f"{impact.modules or 0} module(s) that nothing else importing {facts.name} loads.",
        f"Import {', '.join(sorted({b.target for b in bindings}))} inside {where} (or behind "
        f"an accessor) instead of at module level"
        + (f", and move the import of {typed} under `if TYPE_CHECKING:`" if typing_only
           else "")
        + f".\n\n{_deferred_snippet(functions, statements)}{checking}",
        impact=impact, line=first.line, chain=(facts.name, dep),
    ))


def defining_module(ctx: ReviewContext, binding: Binding) -> str:
    """The module that defines what `binding` takes: the last of `reexport_chain`."""
    return reexport_chain(ctx, binding)[-1]


def reexport_chain(ctx: ReviewContext, binding: Binding) -> tuple[str, ...]:
    """The modules a name passes through, from the one `binding` takes it from to its home.

    Each module's re-export of the name (`_reexported_from`) is followed to the module
    that binds it itself (by def, class or assignment): `from pkg.backports import
    count`, where pkg.backports takes `count` from pkg.backports.misc and that module
    from itertools, ends at itertools (IA103 told the importer to move `count` out of
    pkg.backports). The walk stops at a module whose source is not read (compiled: it
    binds the name for all the review can tell), at a module object (`import a.b as
    c`), at a name bound under another one (`from a import x as y`: a home must bind
    the name the statement takes), and where it comes back to a module it passed.
    A submodule taken by name is its own home.
    """
    if ctx.is_module(binding.target):
        return (binding.target,)
    assert binding.attr is not None
    chain = [binding.module]
    while True:
        home, onward = _reexported_from(ctx, chain[-1], binding.attr)
        if home in chain:
            return tuple(chain)
        chain.append(home)
        if not onward:
            return tuple(chain)


def _reexported_from(ctx: ReviewContext, module: str, name: str) -> tuple[str, bool]:
    """The module `module` takes `name` from, and whether that one may re-export it too.

    `module` itself when it binds the name (or nothing the review can read says where
    from). A re-export is a `from .sub import name` of the module, its binding of a
    module, or a `from .sub import *` of a submodule that binds the name for star
    imports.

    Where two statements bind the name (multidict's `__init__` takes its classes from
    `_multidict_py` if extensions are off, else from the compiled `_multidict`; or a
    try/except ImportError), the one whose module the measured run loaded. A home is
    a module that binds the name: python-future's `future.builtins` binds `object`
    by `from future.types import newobject as object` (on Python 2), where
    `future.types` binds `newobject` to a class over its submodule of that name, and
    that submodule binds no `object`.
    """
    homes = [edge.imported for edge in ctx.edges_from.get(module, ())
             if name in edge.names and edge.imported.startswith(module + ".")]
    values: set[str] = set()  # homes that are the module object the name is bound to
    facts = ctx.facts(module)
    if not homes and facts is not None:
        # Python keeps the last binding that ran. One whose `if` tests are all true
        # here decides (future.backports.misc defines `count` under `if PY26:`, then
        # runs `from itertools import count` under `if sys.version_info >= (2, 7):`);
        # a def, class or assignment last, or one that may run before an import that
        # may not, binds the name here for all the review can tell (typing_extensions
        # defines TypeVar unless `_PEP_696_IMPLEMENTED`, then imports typing's).
        bound = _bound_here(ctx, facts, name)
        sure = (bool(bound) and ctx.runs_here(facts, bound[-1][0]) is True
                and not _caught_around(facts.path, bound[-1][0]))
        if bound and (bound[-1][1] is None
                      or (not sure and any(b is None for _, b in bound))):
            return module, False
        inners = [b for _, b in (bound[-1:] if sure else bound) if b is not None]
        for inner in inners:
            # `import PIL.Image` binds PIL (the package, PIL.Image loaded), and
            # `import a.b as c` the module a.b: a module object, which no other
            # `from M import PIL` takes (docutils' writers take it from
            # docutils.parsers.rst.directives.images; `from PIL.Image import
            # PIL` fails), so it comes from the module that imported it.
            if inner.attr is None or (inner.attr != name and not ctx.is_module(inner.target)):
                # (a module object; or a name bound under another, `from itertools
                # import count as counter`: a home must bind the name taken)
                homes.append(module)
            elif ctx.is_module(inner.target) and not _shadowed(ctx, inner):
                homes.append(inner.target)
                values.add(inner.target)
            elif not ctx.is_module(inner.target):
                homes.append(inner.module)
    if not homes:
        # `from ._interface import *` re-exports what _interface's `__all__` lists:
        # scipy.sparse.linalg takes LinearOperator so, and IA103 read it as defined in
        # the package's `__init__` (then "needs 1" module, and "move it into a small
        # module of its own", which _interface already is).
        starred = facts.star_imports if facts is not None else ()
        homes = [star for star in starred if star.startswith(module + ".")
                 and name in ctx.star_names(star)]
    homes = [h for h in homes if h == module or _binds(ctx, h, name)
             or ctx.is_module(f"{h}.{name}")]
    # The one its own module loaded: a --tree walk imports every branch's module itself
    # (IPython.utils.process takes arg_split from _process_posix here; the walk loaded
    # _process_win32 too, and that one was named).
    loaded = ctx.tree.imports(module)
    home = next((h for h in homes if h in loaded),
                next((h for h in homes if h in ctx.tree), homes[0] if homes else module))
    return home, home != module and home not in values


def _bound_here(ctx: ReviewContext, facts: ModuleFacts, name: str
                ) -> list[tuple[int, Binding | None]]:
    """The module-level statements binding `name` that may run here, in source order.

    Each as its line and its import (None: a def, class or assignment). Not one under
    a test of the platform or Python version that is false on the measured interpreter
    (typing_extensions' `from typing import TypeVarTuple`, for Python 3.15 on).
    """
    found: list[tuple[int, Binding | None]] = [(b.line, b) for b in facts.bindings
                                               if b.name == name]
    if name in facts.defined:
        found.extend((line, None) for line in ctx.defined_at(facts).get(name, ()))
    return [(line, b) for line, b in sorted(found, key=lambda f: f[0])
            if ctx.runs_here(facts, line) is not False]


def _caught_around(path: str | None, line: int) -> bool:
    """Whether line `line` of the module at `path` is in a `try` (or a suppressing `with`).

    Its binding may not be the one that ran: markupsafe-like `try: from ._speedups import
    escape` / `except ImportError: from ._native import escape` binds the handler's only
    where the body's import failed (`runs_here` reads `if` tests only).
    """
    from importaudit.guards import suppresses_import_error
    from importaudit.runtime.absent import module_level, parse

    tree = parse(path) if path is not None else None
    return tree is not None and any(
        (isinstance(node, ast.Try) or (isinstance(node, ast.With)
                                       and suppresses_import_error(node.items)))
        and node.lineno <= line <= (node.end_lineno or node.lineno)
        for node in module_level(tree.body))


def _binds(ctx: ReviewContext, module: str, name: str) -> bool:
    """Whether `module` binds `name` at module level (True when its source is not read)."""
    facts = ctx.facts(module)
    return facts is None or name in facts.defined or name in ctx.star_names(module)


def _shadowed(ctx: ReviewContext, inner: Binding) -> bool:
    """Whether `from P import N`, N a submodule of P, takes what P binds over it.

    `from future.types import newobject` takes the class future.types' `__init__`
    binds by `from future.types.newobject import newobject`, not the submodule.
    """
    assert inner.attr is not None
    facts = ctx.facts(inner.module)
    if facts is None or inner.attr not in facts.defined:
        return False
    return not any(b.name == inner.attr and b.target == inner.target for b in facts.bindings)


@register(
    "IA103", "utility-tree-pull", "Whole utility tree loaded for one helper",
    RuleDoc(
        what="A module takes one or two helpers from a utility package, and importing "
             "them loads the whole package tree (its `__init__` imports everything).",
        why="The module pays for every utility module to use one function or mixin; "
            "the cascade multiplies memory and start-up time. The impact is what the "
            "import loaded beyond the module(s) that define the helpers.",
        fix="Import the helper from the module that defines it and make the utility "
            "package's `__init__` lazy; or move annotation-only helpers under "
            "`if TYPE_CHECKING:`; or defer the import into the function that uses it.",
        example="# before: loads utils/__init__.py and everything it imports\nfrom "
                "main.utils import timer\n\n# after (with a lazy utils/__init__.py)\nfrom "
                "main.utils.monitoring import timer",
    ),
)
def utility_tree_pull(ctx: ReviewContext) -> Iterator[Finding]:
    """IA103: a few names whose import loads a large tree the helpers do not need.

    Judged like IA101, with the importer's parent packages made lazy: what the
    statements alone bring into a process importing the importer (dominators: not what
    its other imports load anyway), less what the helpers need. A helper taken from
    another package of the same project is held for the utility package's own IA101
    (`fold_utility_pulls`): making that `__init__` lazy is the one fix they all share.
    """
    settings = ctx.settings
    for facts in ctx.all_facts():
        mine = set(ancestors(facts.name))
        for root, bindings in sorted(pull_groups(ctx, facts).items()):
            names = sorted({b.attr or b.name for b in bindings})
            if len(names) > settings.utility_max_names:
                continue
            taken = {b.module for b in bindings}
            pulled = ctx.tree.loads(taken, mine)
            helpers = sorted({defining_module(ctx, b) for b in bindings})
            needed = set().union(*(_helper_needs(ctx, b, mine) for b in bindings))
            # What these statements pull in beyond what the helpers need, and of that
            # what only they bring in (with the parents lazy, as IA101 judges): the
            # rule's impact. Modules the importer's other imports load anyway are no
            # saving, however large the tree (sqlalchemy.orm.x taking `Self` from
            # sqlalchemy.util, which every other sqlalchemy import loads too).
            waste = pulled - needed
            kept = {ctx.submodule_of(b) for b in facts.bindings
                    if b.kind in RUNS and b not in bindings}
            alone = ctx.defer_claim(facts.name, taken, kept)
            saving = alone.saved - needed
            impact = ctx.tree.cost(saving)
            held = ctx.is_own(root) and root.split(".")[0] == facts.name.split(".")[0]
            small = _too_small(ctx, saving)
            if (small and not held) or len(waste) < settings.utility_min_share * len(pulled):
                continue  # saves too little, or the helpers use most of what comes along
            fix = _utility_fix(ctx, facts, root, bindings, helpers,
                               (narrower(ctx, facts, bindings)[1], frozenset(saving)))
            if fix is None:
                continue  # nothing the reviewed package can change would load less
            first = min(b.line for b in bindings)
            claim = dataclasses.replace(alone, saved=frozenset(saving),
                                        alone=alone.alone - needed, needs=frozenset(needed))
            finding = ctx.make_finding(
                "IA103", "Whole utility tree loaded for one helper", facts.name,
                f"{facts.name} takes {', '.join(names)} from {root}, whose import needs "
                f"{len(pulled)} module(s); "
                + _needs_text(ctx, bindings, helpers, len(needed & pulled), len(saving)),
                fix,
                impact=impact, line=first, chain=(facts.name, root, *helpers),
            )
            if held:
                homes = {b.attr or b.name: defining_module(ctx, b) for b in bindings
                         if defining_module(ctx, b) != b.module}
                ctx.held.append(HeldPull(root, names, finding, claim, small,
                                         _too_small(ctx, claim.alone), homes))
            else:
                yield ctx.claimed(claim, finding)


def _needs_text(ctx: ReviewContext, bindings: list[Binding], helpers: list[str],
                needed: int, saved: int) -> str:
    """IA103's sentence on what the helpers need of the tree, as far as it is known.

    scipy.special binds loggamma by `globals().update(...)` in a module it star-imports
    under an `__all__` computed at import (scipy.signal by `vars()[name] = ...`): no
    statement the review reads binds it, so what it refers to is not known, and the
    count ("needs 1 of them": the package alone) would be a guess.
    """
    names = sorted({b.attr or b.name for b in bindings})
    unread = sorted({b.attr for b in bindings if b.attr and not _bound_in_home(ctx, b)})
    these = "these imports" if len(bindings) > 1 else "this import"
    if not unread:
        return (f"what {', '.join(names)} {'refer' if len(names) > 1 else 'refers'} to in "
                f"{', '.join(helpers)} needs {needed} of them, and {saved} of the rest load "
                f"only through {these}.")
    one = len(unread) == 1
    return (f"{', '.join(unread)} {'is' if one else 'are'} bound in {', '.join(helpers)} "
            "by code the review does not follow (a `globals()` update, a computed "
            "`__all__`, a star import of compiled code), so what "
            f"{'it needs' if one else 'they need'} beyond {', '.join(helpers)} is not known; "
            f"{saved} of the other modules load only through {these}.")


def _bound_in_home(ctx: ReviewContext, binding: Binding) -> bool:
    """Whether the module defining what `binding` takes binds it by a statement read here.

    True for a submodule, and for a home whose source is not read (a compiled module:
    all it loads counts).
    """
    home = defining_module(ctx, binding)
    facts = ctx.facts(home)
    return (binding.attr is None or home == binding.target or facts is None
            or binding.attr in facts.defined)


def with_served(ctx: ReviewContext, claims: dict[ClaimKey, Claim]) -> None:
    """Each claim with the submodules serving what its moved statements take (`serves`).

    A name taken from a package (`from bokeh.document import Document`) is defined in
    a submodule of it, which the statement loads however lazy the package's
    `__init__` is made: judging the fix with other fixes made must keep it loading.
    That is the deepest of its re-exports inside the package (future.backports'
    `count` passes through its misc module on the way to itertools).
    """
    for key, claim in claims.items():
        facts = ctx.facts(claim.entry)
        if facts is None:
            continue
        moved = {m for importer, m in claim.cut if importer == claim.entry}
        serves = frozenset(
            inside[-1] for b in facts.bindings if b.kind in RUNS and b.attr
            and ctx.submodule_of(b) in moved
            and (inside := [m for m in reexport_chain(ctx, b)
                            if m.startswith(b.module + ".") and ctx.is_module(m)]))
        if serves:
            claims[key] = dataclasses.replace(claim, serves=serves)


def pull_groups(ctx: ReviewContext, facts: ModuleFacts) -> dict[str, list[Binding]]:
    """IA103's candidates in one module: its names taken from each other package's tree.

    Keyed by the top package the names come from (the first ancestor that is not one of
    the module's own parents); same-family and standard-library imports are no pull.
    """
    mine = set(ancestors(facts.name))
    groups: dict[str, list[Binding]] = {}
    for binding in facts.bindings:
        if binding.kind not in RUNS or not binding.attr:
            continue
        if same_family(facts.name, binding.module) or is_stdlib(binding.module):
            continue
        root = next((a for a in reversed(ancestors(binding.module)) if a not in mine), None)
        if root is not None and root in ctx.tree:
            groups.setdefault(root, []).append(binding)
    return groups


def narrower(ctx: ReviewContext, facts: ModuleFacts, bindings: list[Binding],
             ) -> tuple[dict[str, str], frozenset[str]]:
    """The narrowest import of each binding, and what importing `facts` then no longer loads.

    A name is taken from the module that defines it (`from pkg.api import X` ->
    `from pkg.small import X`) when that is another module than the statement's. The
    saving is exclusive and judged as Python runs it: importing pkg.small still runs
    pkg's `__init__` (so when that loads everything, nothing is saved), and what the
    module's other imports load anyway is no saving. Empty when nothing is narrower.
    """
    homes = {b.name: home for b in bindings
             if (home := defining_module(ctx, b)) != ctx.submodule_of(b)
             and ctx.is_module(home) and home in ctx.tree}
    if not homes:
        return {}, frozenset()
    statements = {ctx.submodule_of(b) for b in bindings}
    # A statement's module stops loading only when every name it gave moves away.
    gone = {m for m in statements
            if all(b.name in homes for b in bindings if ctx.submodule_of(b) == m)}
    kept = {ctx.submodule_of(b) for b in facts.bindings
            if b.kind in RUNS and ctx.submodule_of(b) not in gone}
    cut = deferral_cut(ctx.tree, facts.name, gone, kept)
    now = ctx.tree.loads([facts.name])
    after = ctx.tree.loads([facts.name], cut=cut) | ctx.tree.loads(set(homes.values()))
    return homes, frozenset(now - after)


def not_narrower(ctx: ReviewContext, facts: ModuleFacts, bindings: list[Binding],
                 homes: dict[str, str]) -> str:
    """Why importing `homes` from where they are defined saves `facts` nothing.

    "saves nothing: X is loaded anyway by Y", Y being the defining module's outermost
    parent package that loads it (importing a.b.c runs a first), else the module itself.
    """
    statements = {ctx.submodule_of(b) for b in bindings if b.name in homes}
    pulled = ctx.tree.loads(statements) - ctx.tree.loads([facts.name], cut=deferral_cut(
        ctx.tree, facts.name, statements))
    home = sorted(set(homes.values()))[0]
    # The statement's own module first: it is what the reader would expect to go.
    shown = sorted(pulled & ctx.tree.loads([home]), key=lambda m: (m not in statements, m))
    by = next((a for a in reversed(ancestors(home)) if shown and shown[0] in
               ctx.tree.loads([a])), f"{facts.name}'s other imports")
    shown = shown or sorted(statements)
    what = shown[0] + (f" and {len(shown) - 1} more" if len(shown) > 1 else "")
    return (f"{', '.join(sorted(homes))} not imported from {home}: saves nothing: {what} "
            f"{'is' if len(shown) == 1 else 'are'} loaded anyway by {by}")


def helper_roots(ctx: ReviewContext, entry: str, helper: str) -> frozenset[str]:
    """The imports of an IA103 helper module that `fix` defers for the finding at `entry`.

    Those whose deferral saves modules as the code is now (`deferral_savings`: not one
    that other imports load anyway), to `entry` or to the helper's own import (what
    `fix` measures a helper's rewrite on; once a round has made its parent packages
    lazy, that is what a caller of the helper alone saves). When the helper's own body
    retains much heap (graded MEDIUM: the legacy twin's utils.core builds a numpy price
    grid at import), every import it runs: `fix` builds such values on first use, which
    saves that heap even where the modules load anyway, and doing so lists the module's
    star-import names in a new `__all__`, where an import not deferred with them would
    stay for good.
    """
    facts = ctx.facts(helper)
    if facts is not None and ctx.grade(ctx.tree.self_impact(helper)) >= Severity.MEDIUM:
        return frozenset(ctx.submodule_of(b) for b in facts.bindings if b.kind in RUNS)
    return frozenset({*deferral_savings(ctx.tree, entry, helper),
                      *deferral_savings(ctx.tree, helper, helper)})


def _too_small(ctx: ReviewContext, saving: frozenset[str] | set[str]) -> bool:
    """Whether an IA103 saving is below the rule's threshold (modules, or grade MEDIUM)."""
    return (len(saving) < ctx.settings.utility_min_modules
            and ctx.grade(ctx.tree.cost(saving)) < Severity.MEDIUM)


@dataclass(frozen=True, slots=True)
class HeldPull:
    """An IA103 finding inside the project, held for the IA101 whose fix it depends on.

    `small`: its saving with the parent packages lazy is below the rule's threshold;
    `small_today`: so is its saving with the code as it is (a parent package loads the
    tree anyway, so nothing changes until that package is lazy).
    """

    root: str
    names: list[str]
    finding: Finding
    claim: Claim
    small: bool
    small_today: bool
    # The names it takes through a re-export -> the module defining each: what to
    # import from there once the package is lazy (the other names come from there).
    homes: dict[str, str] = dataclasses.field(default_factory=dict)


def fold_utility_pulls(ctx: ReviewContext, findings: list[Finding]) -> list[Finding]:
    """Fold held IA103 findings into the IA101 they depend on: one fix, one finding.

    sqlalchemy has 56 modules that take a helper or two from sqlalchemy.util, .sql or
    .engine; each claimed the package's whole tree, yet none saves anything until that
    package's `__init__` is lazy (its IA101), so that IA101 names them. A pull from a
    plain module (numpy.distutils.command.config taking one function from
    mingw32ccompiler) that saves nothing today, because a parent package loads the same
    tree, goes to that parent's IA101. Any other held finding stands alone when its
    saving is large enough, and is dropped when not.
    """
    if not ctx.settings.fold_pulls:
        return findings + [ctx.claimed(p.claim, p.finding) for p in ctx.held]
    inits = {f.module: f for f in findings if f.code == "IA101"}
    by_target: dict[str, list[HeldPull]] = {}
    alone: list[Finding] = []
    for pull in ctx.held:
        target = pull.root if pull.root in inits else (
            _loading_parent(ctx, pull, inits) if pull.small_today else None)
        if target is not None:
            by_target.setdefault(target, []).append(pull)
        elif not pull.small:
            alone.append(ctx.claimed(pull.claim, pull.finding))
    out: list[Finding] = []
    for finding in findings:
        pulls = by_target.get(finding.module) if finding.code == "IA101" else None
        if not pulls:
            out.append(finding)
            continue
        pulls.sort(key=lambda p: (p.finding.module, p.finding.line or 0))
        shown = "; ".join(f"{p.finding.module}:{p.finding.line} ({', '.join(p.names)} from "
                          f"{p.root})" for p in pulls[:5])
        more = f"; and {len(pulls) - 5} more" if len(pulls) > 5 else ""
        note = (f" {len(pulls)} module(s) of the project take at most "
                f"{ctx.settings.utility_max_names} helper(s) from a tree this __init__ "
                f"loads (IA103, folded here: {shown}{more}); {_once_lazy(pulls)}")
        out.append(dataclasses.replace(finding, message=finding.message + note))
    return out + alone


def _loading_parent(ctx: ReviewContext, pull: HeldPull,
                    inits: dict[str, Finding]) -> str | None:
    """The parent package with an IA101 that loads most of what `pull` would save today."""
    saved = pull.claim.saved
    for parent in reversed(ancestors(pull.finding.module)[1:]):
        # What the parent loads on its own: not through the pulling module, which is
        # what its eager __init__ imports in kombu.transport.virtual (a lazy __init__
        # leaves that module's own imports as they are, so it is no fix for them).
        if parent in inits and saved and 2 * len(saved & ctx.tree.loads(
                [parent], without={pull.finding.module})) >= len(saved):
            return parent
    return None


def _once_lazy(pulls: list[HeldPull]) -> str:
    """What the folded pulls do once the __init__ is lazy: import names where defined.

    A pull that imports its helpers from the modules defining them already
    (kombu.transport.base's `from kombu.utils.functional import dictfilter`) needs no
    change: only the names taken through a re-export are named.
    """
    homes = {name: home for p in pulls for name, home in p.homes.items()}
    if not homes:
        return ("once it is lazy, nothing more is needed: they import those helpers from "
                "the modules that define them already.")
    names = sorted(homes)
    where = ", ".join(sorted(set(homes.values())))
    rest = (" (the others import from the modules that define them already)"
            if any(len(p.homes) < len(p.names) for p in pulls) else "")
    return (f"once it is lazy, import {', '.join(names[:5])}{', ...' if len(names) > 5 else ''}"
            f" from {where}, which define{'s' if len(homes) == 1 else ''} "
            f"{'it' if len(homes) == 1 else 'them'}{rest}.")


def _utility_fix(ctx: ReviewContext, facts: ModuleFacts, root: str,
                 bindings: list[Binding], helpers: list[str],
                 saved: tuple[frozenset[str], frozenset[str]]) -> str | None:
    """The fix for an IA103 finding: only the options that change what loads (or None).

    `saved` holds what importing the module would no longer load with each helper
    imported from its defining module (`narrower`), and what only the pull loads that
    the helpers do not need (the finding's saving). Importing a helper from its
    defining submodule still runs the package's `__init__`. For an own package the
    fix is where the rest loads from: a lazy `__init__` where the packages' imports of
    their own submodules load some of it; the helper moved out of the package where
    their bodies use it while they run (bokeh.protocol builds SPEC from every message
    class); else a small module of its own (langchain_core.runnables is lazy already:
    run_in_executor's module, runnables.config, loads the tree itself). For a
    dependency (not ours to make lazy), or helpers the package only re-exports from
    outside it (future.backports' `count` is itertools'), the narrower import only when
    the load graph shows it saves something, and never when the statement imports
    from the defining module already. Deferring into functions is offered only when
    functions are the only users, `TYPE_CHECKING` only when annotations are. With no
    option left there is no finding.
    """
    narrowed, waste = saved  # waste: what only the pull loads, the helpers not needing it
    mine = set(ancestors(facts.name))  # run by the importer anyway
    taken = ", ".join(sorted({b.attr or b.name for b in bindings}))
    indirect = sorted({b.attr or b.name for b in bindings
                       if defining_module(ctx, b) != b.module})
    record = ctx.tree.get(root)
    options: list[str] = []
    # Helpers the package only re-exports from elsewhere (future.backports' `count`,
    # itertools' own): nothing of the package's to move, import them from there.
    elsewhere = helpers != [root] and not any(h == root or h.startswith(root + ".")
                                              for h in helpers)
    if not ctx.is_own(root) or elsewhere:
        if indirect and helpers != [root] and narrowed:
            options.append(f"import {', '.join(indirect)} from {', '.join(helpers)} "
                           f"directly (importing {facts.name} then loads {len(narrowed)} "
                           "module(s) fewer)")
    elif (record is not None and record.is_package and helpers != [root]
          and _inits_load(ctx, root, helpers) & waste):
        lazy = (f"make {root.replace('.', '/')}/__init__.py lazy (a PEP 562 __getattr__): "
                f"importing {', '.join(helpers)} runs it, and it loads what {taken} "
                f"{'do' if len(bindings) > 1 else 'does'} not need")
        if indirect:
            lazy += f", and import {', '.join(indirect)} from {', '.join(helpers)} directly"
        options.append(lazy)
    elif (record is not None and record.is_package and helpers != [root]
          and not ctx.tree.loads(helpers, without=_packages(root, helpers) | mine) & waste
          and ctx.tree.loads(_packages(root, helpers), without=mine) & waste):
        # bokeh.protocol's body builds SPEC from every message class while it runs: a
        # small module inside it runs that too, and a lazy __init__ cannot defer it
        # (where the helper's own module loads the rest, as langchain_core.runnables.
        # config does, a small module of its own is the fix).
        options.append(f"move {taken} out of {root}, whose __init__ uses what loads the "
                       "rest while it runs (a lazy __init__ cannot defer that), and import "
                       f"{'them' if len(bindings) > 1 else 'it'} from there")
    else:
        options.append(f"move {taken} into a small module of their own that {root} "
                       "re-exports, and import them from there")
    uses = frozenset().union(*(facts.uses_of(b.name) for b in bindings))
    if uses and uses <= ANNOTATION_USES:
        options.append("move the import under `if TYPE_CHECKING:` (only annotations use "
                       f"{taken})")
    elif all(_function_only(facts, b) for b in bindings):
        functions = tuple(sorted({f for b in bindings
                                  for f in facts.functions_using.get(b.name, ())}))
        options.append(f"import {taken} inside {_users_text(functions)}, the only "
                       "user(s)")
    if not options:
        return None
    text = "; or ".join(options) + "."
    return text[0].upper() + text[1:]


def _packages(root: str, helpers: list[str]) -> set[str]:
    """`root` and its packages that importing `helpers` runs."""
    return {p for h in helpers for p in ancestors(h)[1:] if p == root or p.startswith(root + ".")}


def _inits_load(ctx: ReviewContext, root: str, helpers: list[str]) -> frozenset[str]:
    """What importing `helpers` loads only through the `__init__`s of `root`'s packages.

    Their imports of their own submodules, as a lazy `__init__` defers them (not those
    the package body uses while it runs).
    """
    packages = _packages(root, helpers)
    cut = frozenset((p, m) for p in packages for m in ctx.tree.imports(p)
                    if m.startswith(p + ".") and m not in ctx.needed_at_import(p))
    return ctx.tree.loads(helpers) - ctx.tree.loads(helpers, cut=cut)


def _helper_needs(ctx: ReviewContext, binding: Binding, skip: set[str]) -> frozenset[str]:
    """Modules the helper a binding takes really needs: its module, parents, references."""
    helper = defining_module(ctx, binding)
    facts = ctx.facts(helper)
    if facts is None or binding.attr is None or helper == binding.target:
        return ctx.tree.loads([helper], skip)  # a submodule, or no source: all of it
    names = facts.needs(binding.attr)
    used = {ctx.submodule_of(b) for b in facts.bindings if b.name in names and b.kind in RUNS}
    parents = {a for a in ancestors(helper) if a not in skip}
    return frozenset(parents | ctx.tree.loads(used, skip | {helper}))
