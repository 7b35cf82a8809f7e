"""Whether IA101's lazy `__init__` keeps the package importing: proven by running it.

A package whose `__init__` imports members of an import cycle that can fail (a
`from x import name` on a half-initialised `x`, `static.failing`) may import them in
the one order that works: prompt_toolkit's `__init__` imports `application` first,
and with that `__init__` lazy a fresh `import prompt_toolkit.key_binding` raises
ImportError on `prompt_toolkit.filters`. For such a package the review asks the
measured environment (`ReviewSettings.lazy_check`, `fix.order.first_break`): the
rewrite `fix` would write is imported from a copy, each member of those cycles first
and alone. When it breaks one, the submodules that are members of the cycles stay
eager and the rest is tried the same way. What is proven is what IA101 offers, and
what a parent package's lazy `__init__` can defer when another finding's saving
counts it lazy (`order_kept`). Without the check (a saved report, `fix`, which proves
its own rewrites) nothing runs and nothing changes. Each trial applies the lazy
`__init__`s IA101 offers already (packages are reviewed parents first), so what is
offered works when every offered rewrite is applied together, as `fix` writes them.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from importaudit.loadgraph import ancestors
from importaudit.model import Severity
from importaudit.review.context import RUNS

if TYPE_CHECKING:
    from collections.abc import Callable

    from importaudit.model import Cycle
    from importaudit.review.context import ReviewContext
    from importaudit.review.source import Binding, ModuleFacts

    LazyCheck = Callable[["LazyTrial"], "LazyBreak | None"]


class ProofTimeSpent(Exception):
    """The time the review may spend proving lazy `__init__`s ran out (`--prove-time`)."""


@dataclass(frozen=True, slots=True)
class LazyTrial:
    """One lazy `__init__` to try: which names become lazy, and what to import first."""

    package: str
    file: str  # the package's `__init__.py`
    deferred: frozenset[str]  # the submodules whose names become lazy
    attributes: tuple[str, ...]  # submodules its eager imports bind as attributes today
    star_names: tuple[str, ...]  # what `from package import *` binds (without `__all__`)
    entries: tuple[str, ...]  # the modules to import first, each alone
    # The first level of packages whose run can settle entries (`verify.try_first`):
    # that of the outermost parent whose import loads the package (1: the top one).
    depth: int = 1
    # The other lazy `__init__`s of the same top package applied in the same copy: those
    # IA101 offers already (`ReviewContext.lazy_offered`).
    others: tuple[LazyTrial, ...] = ()


@dataclass(frozen=True, slots=True)
class LazyBreak:
    """A module that imported first before, and does not with the lazy `__init__`."""

    module: str
    error: str
    file: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class OrderVerdict:
    """A lazy `__init__` that broke an import: what it broke, and what can still be lazy.

    `members` are the deferred submodules that are members of the cycles; `partial`
    says whether keeping them eager and deferring the others was proven to keep every
    entry importing (False: nothing else was left, or that broke too: `partial_break`).
    `kept` is what must stay eager: `members` when `partial`, else every deferred one.
    """

    broke: LazyBreak
    cycle: Cycle
    members: frozenset[str]
    kept: frozenset[str]
    partial: bool
    partial_break: LazyBreak | None = None
    # The modules defining the names it keeps eager: `from .application import
    # Application` loads prompt_toolkit.application.application, however lazy
    # prompt_toolkit.application's own `__init__` is made.
    defining: frozenset[str] = frozenset()
    # Not run: what deferring only the others would save (modules), too little to offer.
    small: int | None = None
    # The packages whose lazy `__init__` (offered by IA101) was applied with it.
    together: tuple[str, ...] = ()


def init_bindings(ctx: ReviewContext, facts: ModuleFacts) -> tuple[list[Binding], list[Binding]]:
    """A package `__init__`'s names from its submodules: (those it can defer, those not).

    A name the package body itself uses while it runs (a helper it calls, a base class)
    is needed at import: a lazy `__init__` cannot defer it; nor one `fix`'s lazy
    `__init__` keeps eager (`ReviewContext.stays_eager`).
    """
    package = facts.name
    from_subs = [b for b in facts.bindings if b.kind in RUNS and (
        b.module.startswith(package + ".")
        or (b.module == package and b.attr and ctx.is_module(f"{package}.{b.attr}")))]
    needed = [b for b in from_subs if ctx.stays_eager(facts, b)]
    return [b for b in from_subs if b not in needed], needed


def _cycles(ctx: ReviewContext, package: str) -> list[Cycle]:
    """The cycles that can fail with a member in the package (it, or a module below it).

    Importing any module below it runs its `__init__` first, which then decides the
    order in which the cycle's members start. A cycle whose members all lie outside
    (what its submodules import from elsewhere in the project, loaded first by a
    parent's `__init__` in sqlalchemy's dialects) is not run: that would try every
    package of the project against every cycle.
    """
    return [c for c in ctx.report.cycles if c.order_matters and any(
        m == package or m.startswith(package + ".") for m in c.modules)]


def order_verdict(ctx: ReviewContext, package: str) -> OrderVerdict | None:
    """What making `package`'s `__init__` lazy broke, when it did (None: nothing, or unknown).

    Asked once per package (kept in the context): its IA101, and every saving that
    counts it lazy as a parent, read the same answer.
    """
    if package in ctx.order:
        return ctx.order[package]
    ctx.order[package] = None
    check = ctx.settings.lazy_check
    facts = ctx.facts(package)
    own = ctx.modules.get(package)
    if check is None or facts is None or own is None or not own.is_package or not own.file:
        return None
    subs, _ = init_bindings(ctx, facts)
    deferred = frozenset(ctx.submodule_of(b) for b in subs)
    cycles = _cycles(ctx, package)
    if not cycles:
        return None
    failed = {r.name for r in ctx.report.modules if r.error}
    entries = tuple(sorted({m for c in cycles for m in c.modules
                            if m in ctx.tree and m not in failed}))
    loaded = ctx.tree.loads([package])
    attributes = tuple(sorted(m.rpartition(".")[2] for m in loaded
                              if m.rpartition(".")[0] == package))
    stars = () if facts.all_line is not None else tuple(
        sorted(n for n in facts.defined if not n.startswith("_")))
    # A parent that loads the package settles, in one run, what it loads (prompt_toolkit
    # loads every subpackage); one that does not (sqlalchemy and its dialects) is no
    # run worth making for a cycle inside a dialect.
    depth = next((i + 1 for i, a in enumerate(reversed(ancestors(package)))
                  if package in ctx.tree.loads([a])), package.count(".") + 1)
    if not all(m.startswith(package + ".") or m == package for m in entries):
        depth = 1
    # Applied with the lazy `__init__`s IA101 offers already (alembic and
    # alembic.operations each kept `import alembic.operations.base` working alone, and
    # broke it together). The entries stay this package's cycles' members: each of
    # those was tried with its own cycles when it was offered.
    top = package.split(".", maxsplit=1)[0]
    others = tuple(t for p, t in sorted(ctx.lazy_offered.items())
                   if p != package and p.split(".", maxsplit=1)[0] == top)
    trial = LazyTrial(package, own.file, deferred, attributes, stars, entries, depth, others)
    try:
        broke = check(trial)
    except ProofTimeSpent:
        # Not proven either way: IA101 offers it as a review of a saved report would,
        # and says so; no later trial applies it (it is not in `lazy_tried`).
        ctx.unproven.add(package)
        return None
    if broke is None:
        ctx.lazy_tried[package] = dataclasses.replace(trial, others=())
        return None
    members = frozenset(m for c in cycles for m in c.modules)
    half = _half(broke)
    cycle = next((c for c in ctx.report.cycles if c.order_matters and half in c.modules),
                 cycles[0])
    kept = deferred & members
    rest = deferred - kept
    # The rest is run only when it would earn a finding of its own (LOW or more): a
    # few modules are not worth the interpreters, nor a rewrite.
    small = _small_rest(ctx, facts, rest) if rest and kept else None
    try:
        again = (check(dataclasses.replace(trial, deferred=rest))
                 if rest and kept and small is None else broke)
    except ProofTimeSpent:
        ctx.unproven.add(package)  # the rest not proven: all of it stays eager
        again = broke
    from importaudit.review.eager import defining_module

    stays = kept if again is None else deferred
    verdict = OrderVerdict(broke, cycle, kept, stays, again is None,
                           None if again is None or again is broke else again,
                           frozenset(defining_module(ctx, b) for b in subs
                                     if ctx.submodule_of(b) in stays), small,
                           tuple(t.package for t in others))
    if again is None:
        ctx.lazy_tried[package] = dataclasses.replace(trial, deferred=rest, others=())
    ctx.order[package] = verdict
    return verdict


def offered(ctx: ReviewContext, package: str) -> None:
    """Note that IA101 offers `package`'s lazy `__init__` as its trial ran (if one did).

    Every later trial applies it too (`LazyTrial.others`).
    """
    if package in ctx.lazy_tried:
        ctx.lazy_offered[package] = ctx.lazy_tried[package]


def _small_rest(ctx: ReviewContext, facts: ModuleFacts, rest: frozenset[str]) -> int | None:
    """How many modules deferring only `rest` saves, when that grades below LOW."""
    others = {ctx.submodule_of(b) for b in facts.bindings
              if b.kind in RUNS and ctx.submodule_of(b) not in rest}
    saved = ctx.defer_claim(facts.name, rest, others).saved
    return len(saved) if ctx.grade(ctx.tree.cost(saved)) < Severity.LOW else None


def _half(broke: LazyBreak) -> str | None:
    from importaudit.runtime.verify import half_initialised

    return half_initialised(broke.error)


def order_kept(ctx: ReviewContext, package: str) -> tuple[frozenset[str], frozenset[str]]:
    """The submodules `package`'s `__init__` must keep importing eagerly (see above).

    And the modules defining the names it takes from them, which load with it.
    """
    verdict = order_verdict(ctx, package)
    return (frozenset(), frozenset()) if verdict is None else (verdict.kept,
                                                                verdict.defining)


def break_text(ctx: ReviewContext, verdict: OrderVerdict) -> str:
    """`import m` first fails: the error, where, and the cycle whose order it needs."""
    broke = verdict.broke
    where = f" at {broke.file}:{broke.line}" if broke.file and broke.line else ""
    half = _half(broke)
    member = f", {half} among them" if half and half in verdict.cycle.modules else ""
    together = (f" (and {', '.join(verdict.together)}, whose lazy __init__ IA101 offers "
                "too)" if verdict.together else "")
    return (f"with it lazy{together}, `import {broke.module}` (first, in a fresh "
            f"interpreter) raises "
            f"{_short(broke.error)}{where}: the eager __init__ imports the members of an "
            f"import cycle ({len(verdict.cycle.modules)} modules{member}) in the one order "
            "that works")


def _short(error: str) -> str:
    """CPython's circular-import message without its hint and file (the finding says both)."""
    return re.sub(r" \(most likely due to a circular import\)| \([^()]*\.py\)$", "", error)
