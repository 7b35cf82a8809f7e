"""`importaudit fix`: plan the rewrites of one round and prove them; nothing is written.

`propose` takes the review's findings (module and file of each), plans a rewrite for
each (a lazy package `__init__`, a TYPE_CHECKING move, imports deferred into their
functions), renders it with what the original module shows when imported, and proves
it on a temporary copy (`trial`). A rewrite whose module breaks a check is dropped (a
lazy `__init__` keeps eager only the names that broke it, `order.narrowed`) and the
rest proved again; a break that no rewrite can be blamed for by name is traced to
one rewrite by proving halves of the set (`_culprit`), else drops them all.
`fixpoint` runs rounds until nothing new is fixable; `copies` measures, `writing` writes.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from importaudit.fix import compat, deep, reads
from importaudit.fix.copies import package_root
from importaudit.fix.defer import KIND as DEFERRED
from importaudit.fix.defer import DeferPlan, plan_defer, render_defer
from importaudit.fix.helper import SHARED_MODULE, shared_helper_module
from importaudit.fix.lazy_init import InitPlan, Refusal, Surface, plan_init, render_init
from importaudit.fix.narrow import NARROWED, narrow
from importaudit.fix.order import narrowed
from importaudit.fix.proof import run_snapshots
from importaudit.fix.result import FixResult, Rewrite
from importaudit.fix.styles import (
    lazy_loader_refusal,
    render_lazy_loader,
    render_pep810,
    stub_path,
)
from importaudit.fix.trial import Context, breaks_tree, prove
from importaudit.fix.typing_only import TypingPlan, plan_typing, render_typing
from importaudit.static.sourcetree import project_package

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from importaudit.fix.project import Declared
    from importaudit.fix.proof import Breakage
    from importaudit.fix.reads import PlanCache
    from importaudit.runtime.interpreter import Variables

Plan = InitPlan | TypingPlan | DeferPlan

#: The review rules whose findings a lazy `__init__` fixes. Not IA301: it reports only
#: lazy packages, whose star import loads what `__all__` lists; a lazy `__init__` keeps
#: `__all__` as it is, and which names it lists is the package's API decision.
INIT_CODES = frozenset({"IA101"})
#: The review rules whose findings moving an import into its functions fixes.
DEFER_CODES = frozenset({"IA102", "IA103"})
#: Every rule `fix` rewrites.
FIX_CODES = INIT_CODES | DEFER_CODES | {"IA501"}


@dataclass(frozen=True, slots=True)
class Target:
    """One module a finding asks to fix: its name, file and the codes that named it."""

    module: str
    file: Path
    codes: tuple[str, ...]
    imported: frozenset[str] = frozenset()  # names other modules import from it
    roots: frozenset[str] = frozenset()  # IA102/IA103: the imported modules to defer
    # IA103: (bound name, module defining it) where the review found that importing it
    # from there loads less; used for the names that cannot be deferred.
    narrow: tuple[tuple[str, str], ...] = ()
    # IA103: (bound name, why it is left as it was: deferring it, or importing it from
    # its defining module, would save nothing).
    left: tuple[tuple[str, str], ...] = ()
    # IA501: names the annotations of classes whose annotations the project reads at
    # run time use (`review.introspect`): they stay where they are.
    read: frozenset[str] = frozenset()


def _relative_dots(package: str, top: str) -> str:
    return "." * (package.count(".") - top.count(".") + 1)


def _surface(package: str, shown: dict[str, Any]) -> Surface:
    subs = {name: f".{name}" for name, value in shown["values"].items()
            if value.get("name") == f"{package}.{name}"}
    exported = shown["all"]
    return Surface(subs, tuple(shown["star"]), frozenset(shown["globals"]),
                   None if exported is None else tuple(exported))


def _render(plans: Sequence[Plan], ctx: Context,
            targets: Mapping[str, Target]) -> list[Rewrite]:
    by_top: dict[str, list[InitPlan]] = {}
    rewrites = []
    for plan in plans:
        if isinstance(plan, DeferPlan):
            after, narrowed = narrow(render_defer(plan), _homes(plan, targets[plan.module]))
            rewrites.append(Rewrite(plan.module, plan.file, plan.original or plan.source,
                                    after, targets[plan.module].codes,
                                    plan.names, moved=True, added=plan.added,
                                    kind=DEFERRED if plan.names else NARROWED,
                                    functions=len(plan.inserts), narrowed=narrowed,
                                    values=plan.values))
        elif isinstance(plan, TypingPlan):
            rewrites.append(Rewrite(plan.module, plan.file, plan.source, render_typing(plan),
                                    targets[plan.module].codes, plan.names, moved=True,
                                    added=plan.added))
        else:
            # One shared helper per project package; inside a namespace package
            # (google.cloud.storage), not in the namespace's folder other projects share.
            by_top.setdefault(project_package(plan.package, str(plan.file)), []).append(plan)
    if ctx.style != "pep562":
        return rewrites + [r for plan in (p for g in by_top.values() for p in g)
                           for r in _styled(plan, ctx, targets)]
    for top, group in by_top.items():
        path = (package_root(group[0].file, group[0].package).joinpath(*top.split("."))
                / f"{SHARED_MODULE}.py")
        old = path.read_text(encoding="utf-8") if path.exists() else None
        # The package has the helper already (an earlier round, or run, wrote it): a
        # lazy __init__ uses it rather than a copy of its own.
        shared = len(group) > 1 or old == shared_helper_module()
        for plan in group:
            helper = (f"from {_relative_dots(plan.package, top)}{SHARED_MODULE} import "
                      "attach as _attach") if shared else None
            after = render_init(plan, _surface(plan.package, ctx.before[plan.package]),
                                helper)
            rewrites.append(Rewrite(plan.package, plan.file, plan.source, after,
                                    targets[plan.package].codes,
                                    tuple(n.name for n in plan.lazy),
                                    kept_for_order=plan.kept_for_order))
        if shared and old != shared_helper_module():
            rewrites.append(Rewrite(f"{top}.{SHARED_MODULE}", path, old,
                                    shared_helper_module()))
    return rewrites


def _styled(plan: InitPlan, ctx: Context, targets: Mapping[str, Target]) -> list[Rewrite]:
    """The lazy `__init__` of `plan` in the lazy-loader (with its stub) or PEP 810 form."""
    surface = _surface(plan.package, ctx.before[plan.package])
    codes, names = targets[plan.package].codes, tuple(n.name for n in plan.lazy)
    ordered = plan.kept_for_order
    if ctx.style == "pep810":
        return [Rewrite(plan.package, plan.file, plan.source, render_pep810(plan, surface),
                        codes, names, kept_for_order=ordered)]
    init, stub = render_lazy_loader(plan, surface)
    return [Rewrite(plan.package, plan.file, plan.source, init, codes, names,
                    kept_for_order=ordered),
            Rewrite(f"{plan.package} (stub)", stub_path(plan), None, stub)]


def _plan(target: Target, relpath: Callable[[Path], str]) -> Plan:
    """The lazy `__init__` for IA101 on a package, else IA501's TYPE_CHECKING move.

    IA102/IA103 move imports into the functions using them; with IA501 on the same
    module both apply, the deferral planned on the text the TYPE_CHECKING move left.
    """
    shown = relpath(target.file)
    init = target.file.name == "__init__.py"
    if init and INIT_CODES & set(target.codes):
        return plan_init(target.module, target.file, shown)
    typing = plan_typing(target.module, target.file, shown, is_package=init,
                         imported=target.imported, read=target.read,
                         ) if "IA501" in target.codes else None
    if not DEFER_CODES & set(target.codes):
        assert typing is not None
        return typing
    # Refusals are stated on the file as it is (its line numbers); names the
    # TYPE_CHECKING move takes are no refusal.
    plain = plan_defer(target.module, target.file, shown, target.roots,
                       exported=target.imported)
    if typing is None or not typing.names:
        return plain if typing is None else replace(
            plain, refusals=typing.refusals + plain.refusals)
    plan = plan_defer(target.module, target.file, shown, target.roots,
                      exported=target.imported, source=render_typing(typing),
                      added=typing.added)
    refused = tuple(r for r in plain.refusals if r.name not in typing.names)
    return replace(plan, names=typing.names + plan.names,
                   original=plain.original or plain.source,
                   refusals=typing.refusals + refused, also_added=typing.added)


def _homes(plan: Plan, target: Target) -> dict[str, str]:
    """The names of `target` to import from their defining module: those not deferred."""
    if not isinstance(plan, DeferPlan):
        return {}
    return {name: home for name, home in target.narrow if name not in plan.names}


def _narrowed(plan: Plan, target: Target) -> Plan:
    """`plan`, no longer listing as left alone the names imported from their home."""
    homes = _homes(plan, target)
    if not homes:
        return plan
    return replace(plan, refusals=tuple(r for r in plan.refusals if r.name not in homes))


def _light(plan: Plan) -> Plan:
    """`plan` without the libcst tree it was read from when it moves nothing.

    Kept for later rounds, such plans are most of them (every module whose imports
    must stay); one that narrows an import is rendered from its text instead.
    """
    if isinstance(plan, DeferPlan) and not plan.names:
        return replace(plan, tree=None, functions={})
    return plan


def _planned(target: Target, relpath: Callable[[Path], str],
             plans: PlanCache | None = None) -> Plan:
    """`_plan` on a stack of its own (see `deep`); code too deep for it is refused.

    With `plans`, a plan made from the same finding and the same files (an earlier
    round's or pass's, `reads.PlanCache`) is taken from there.
    """
    shown = relpath(target.file)

    def make() -> tuple[Plan, reads.Reads]:
        plan, seen = deep.run(reads.recorded, _plan, target, relpath)
        return _light(plan), seen

    try:
        if plans is None:
            return deep.run(_plan, target, relpath)
        # What `_plan` reads of the finding (its `narrow` and `left` are applied after).
        key = (target.module, target.codes, target.imported, target.roots, target.read,
               shown)
        return plans.plan(key, target.file, package_root(target.file, target.module), make)
    except deep.TooDeepError as exc:
        return DeferPlan(target.module, target.file, "", refusals=(
            Refusal(target.module, relpath(target.file), None, str(exc)),))


def _needs(plan: Plan, style: str) -> str | None:
    """The construct of `compat.NEEDS` a plan's rewrite writes (None: any Python runs it)."""
    if isinstance(plan, InitPlan):
        return style
    if isinstance(plan, DeferPlan):  # lazy values are a module __getattr__
        return "pep562" if plan.values else (
            "future" if "annotations" in plan.also_added else None)
    return "future" if plan.future else None


def _older(ctx: Context, plans: Sequence[Plan], versions: compat.VersionCheck,
           version: tuple[int, int, int] | None) -> compat.VersionCheck:
    """Make the oldest admitted Python a side of the proof, or say why it is not one."""
    if version is None or ctx.oldest is None:
        return versions
    side, note = compat.older_side(ctx.oldest, version,
                                   {p.module: ctx.before[p.module] for p in plans},
                                   paths=ctx.paths, targets=ctx.targets, style=ctx.style,
                                   timeout=ctx.timeout, env=ctx.env)
    ctx.others.extend([side] if side is not None else [])
    return replace(versions, not_checked=(*versions.not_checked, *([note] if note else [])))


def _culprit(plans: Sequence[Plan], ctx: Context, targets: Mapping[str, Target],
             tree_before: dict[str, Any]) -> str | None:
    """The module whose rewrite alone breaks the tree, when a trial of `plans` failed.

    A module that no longer imports is charged to the rewritten module it is (or is
    below), or to none: neither need be the rewrite that broke it (with
    pandas._libs.tslibs made lazy, its compiled modules and every rewritten pandas
    module failed to import). Halving the set and proving each half, tree check only,
    finds the one rewrite that breaks it in about 2 log2(n) imports of the tree. None
    when it takes two rewrites together, or when the failure is not in the tree check
    (a changed surface, an older Python): then the failures as charged decide.
    """
    suspects = list(plans)
    while len(suspects) > 1:
        half = len(suspects) // 2
        for part in (suspects[:half], suspects[half:]):
            with tempfile.TemporaryDirectory(prefix="importaudit-fix-") as tmp:
                rewrites = deep.run(_render, part, ctx, targets)
                if breaks_tree(rewrites, ctx, Path(tmp), tree_before):
                    suspects = part
                    break
        else:
            return None
    return suspects[0].module if suspects else None


def _charged(proven: Sequence[Rewrite], culprit: str, unblamed: Sequence[Breakage], *,
             halved: bool) -> list[Rewrite]:
    """The culprit's rewrite, charged with what it broke.

    Its own failures and the unnamed ones; when there are neither (its own module
    imports fine), the first failures of the others' modules it broke.
    """
    how = " (with only this rewrite applied: found by proving the rewrites in halves)"
    # A module that no longer imports says more than the surface that changed with it.
    theirs = sorted((b for r in proven if r.module != culprit for b in r.broke),
                    key=lambda b: "no longer imports" not in b.message)
    return [replace(r, broke=(*r.broke, *(
        replace(b, message=b.message + (how if halved else ""))
        for b in [*unblamed, *(theirs[:3] if not r.broke and not unblamed else [])])))
        for r in proven if r.module == culprit]


def _withdrawn(plans: Sequence[Plan], broken: Sequence[Rewrite], ctx: Context,
               relpath: Callable[[Path], str], dropped: list[Rewrite],
               left: list[Refusal]) -> list[Plan]:
    """`plans` without the `broken` rewrites (added to `dropped`), proven again after.

    A broken lazy `__init__` keeps eager only the names that broke it, when those can
    be told (`order.narrowed`: said in `left`), and the rest of it stays to be proven.
    """
    kept: dict[str, Plan | None] = {}
    for rewrite in broken:
        plan = next((p for p in plans if p.module == rewrite.module), None)
        smaller = (narrowed(plan, rewrite.broke, ctx.first, relpath(plan.file))
                   if isinstance(plan, InitPlan) and rewrite.broke else None)
        if smaller is None:
            dropped.append(rewrite)
            kept[rewrite.module] = None
        else:
            left.extend(smaller.refusals)
            kept[rewrite.module] = smaller.plan
    return [q for p in plans for q in ([kept[p.module]] if p.module in kept else [p])
            if q is not None]


def _prove_all(plans: Sequence[Plan], ctx: Context, targets: Mapping[str, Target],
               tree_before: dict[str, Any], relpath: Callable[[Path], str],
               left: list[Refusal], say: Callable[[str], None] = lambda _what: None,
               ) -> tuple[list[Rewrite], list[Rewrite], list[Breakage], int]:
    """Prove `plans` together, withdrawing what broke, until the rest pass.

    A lazy `__init__` that broke keeps eager only the names that broke it, when those
    can be told (`order.narrowed`: said in `left`); any other rewrite that broke is
    withdrawn. Returns the proven rewrites, the withdrawn ones, the failures no rewrite
    could be blamed for (then nothing is proven) and how many modules the tree check
    imported.
    """
    importable = list(plans)
    dropped: list[Rewrite] = []
    checked = 0
    while importable:
        with tempfile.TemporaryDirectory(prefix="importaudit-fix-") as tmp:
            rewrites = deep.run(_render, importable, ctx, targets)
            proven, unblamed, checked = prove(rewrites, ctx, Path(tmp), tree_before)
        failed = {r.module for r in proven if not r.passed}
        if not failed and not unblamed:
            return proven, dropped, [], checked
        # A failure is charged by name to the rewritten module it happened in (or
        # below), which need not be the rewrite that caused it: one rewrite can break
        # every module importing through it (pandas' 20 all failed on one `cannot
        # import name Timestamp`). So look for the one rewrite that breaks alone.
        say(f"a trial of {len(importable)} rewrite(s) broke: looking for the one to blame")
        culprit = (importable[0].module if len(importable) == 1 else
                   _culprit(importable, ctx, targets, tree_before))
        if culprit is not None:
            importable = _withdrawn(importable, _charged(
                proven, culprit, unblamed, halved=len(importable) > 1), ctx, relpath,
                dropped, left)
            say(f"proving the {len(importable)} rewrite(s) left")
            continue
        if unblamed:
            dropped.extend(replace(r, broke=tuple(unblamed)) for r in proven
                           if r.module in ctx.before)
            return [], dropped, unblamed, checked
        # Two rewrites that break only together (a package and its parent both lazy):
        # the failures as charged decide.
        importable = _withdrawn(importable, [r for r in proven if not r.passed], ctx,
                                relpath, dropped, left)
        say(f"proving the {len(importable)} rewrite(s) left")
    return [], dropped, [], checked


def propose(
    targets: Sequence[Target], *, python: str, paths: Sequence[str],
    imports: Sequence[str], timeout: float, relpath: Callable[[Path], str],
    style: str = "pep562", declared: Declared | None = None,
    version: tuple[int, int, int] | None = None, env: Variables = (),
    first: Sequence[str] = (), plan_cache: PlanCache | None = None,
    progress: Callable[[str], None] | None = None,
) -> FixResult:
    """Plan, render and prove the rewrites of `targets`; nothing is written here.

    `paths` go first on sys.path of every child (where the targets are found);
    `imports` are the modules that must still import afterwards: the targets and their
    submodules as the static walk found them (what `measure --tree` imports too).
    `style` is the form of a lazy `__init__` (see `styles.STYLES`); `declared` what the
    package declares (its requires-python), `version` that of `python`: a rewrite that
    needs a newer Python than the declared range starts with is refused, and the
    rewritten files are compiled, and proven, on the oldest Python it admits too. Every
    child starts with `env` set (`Measure.environment`), on every Python. `first` are
    the members of the import cycles that can fail: each must still import first,
    alone, in a fresh interpreter (`trial.first_breakages`). `plan_cache` keeps the plans
    of earlier rounds and passes of the same run (`reads.PlanCache`); `progress` is
    told what is being done (planning, proving), for a long run.
    """
    say = progress or (lambda _what: None)
    ctx = Context(python, tuple(paths), tuple(imports), timeout, style=style, env=env,
                  first=tuple(first))
    by_module = {t.module: t for t in targets}
    plans: list[Plan] = []
    refusals: list[Refusal] = []
    for number, target in enumerate(targets, 1):
        say(f"planning {number}/{len(targets)} modules")
        plan = _narrowed(_planned(target, relpath, plan_cache), target)
        refusals.extend(plan.refusals)
        refusals.extend(Refusal(plan.module, relpath(plan.file), None, why, name)
                        for name, why in target.left
                        if name not in plan.names)
        needs = _needs(plan, style)
        reason = compat.too_new(needs, declared) if plan.names and needs else None
        if reason is not None:
            refusals.append(Refusal(plan.module, relpath(plan.file), None, reason))
        elif plan.names or _homes(plan, target):
            plans.append(plan)
    versions, ctx.oldest = compat.check_versions(declared, version, python)
    if not plans:
        return FixResult(refusals=tuple(refusals), style=style, versions=versions)
    say(f"importing the {len(plans)} module(s) to rewrite as they are")
    # The originals, each module alone in a fresh interpreter, and (unless no proof can
    # run: PEP 810 imports before Python 3.15) the tree, all at once.
    unprovable = style == "pep810" and (version is None or version < (3, 15))
    tree = [] if unprovable else [(python, ctx.paths, "tree", ",".join(imports))]
    shots = run_snapshots([*((python, ctx.paths, "surface", p.module) for p in plans),
                           *tree], timeout=timeout, env=env)
    ctx.before.update(zip((p.module for p in plans), shots, strict=False))  # then the tree
    tree_before = shots[-1] if tree else {}
    importable = [p for p in plans if "error" not in ctx.before[p.module]]
    refusals.extend(
        Refusal(p.module, relpath(p.file), None,
                f"it does not import as it is: {ctx.before[p.module]['error']}")
        for p in plans if p not in importable)
    if style == "lazy-loader":
        unfit = {p.module: lazy_loader_refusal(p, _surface(p.module, ctx.before[p.module]))
                 for p in importable if isinstance(p, InitPlan)}
        refusals.extend(Refusal(p.module, relpath(p.file), None, unfit[p.module] or "")
                        for p in importable if unfit.get(p.module))
        importable = [p for p in importable if not unfit.get(p.module)]
    if unprovable:
        # Python before 3.15 cannot even compile `lazy from`: there is no proof to run.
        why = (f"the proof was not run: PEP 810 `lazy` imports need Python >= 3.15 and "
               f"--python is {compat.dotted(version) if version else 'unknown'}; "
               "run again with --python pointing at a 3.15 interpreter to prove them")
        rendered = deep.run(_render, importable, ctx, by_module)
        return FixResult(tuple(rendered), tuple(refusals), style=style, not_proven=why,
                         versions=replace(versions, not_checked=(
                             "no Python >= 3.15 here: the rewritten files were checked by "
                             "libcst's PEP 810 grammar only",)))
    versions = _older(ctx, importable, versions, version)
    say(f"proving {len(importable)} rewrite(s)")
    rewrites, dropped, unblamed, checked = _prove_all(importable, ctx, by_module, tree_before,
                                                      relpath, refusals, say)
    measured = "" if version is None else compat.dotted(version)
    proven_on = tuple(v for v in (measured, *(s.label for s in ctx.others))
                      if v and (rewrites or dropped))  # a proof ran there
    compiled_on = (compat.dotted(ctx.oldest[0]),) if ctx.oldest and ctx.compiled else ()
    return FixResult(tuple(rewrites) + tuple(dropped), tuple(refusals), tuple(unblamed),
                     checked, style=style, versions=replace(
                         versions, proven_on=proven_on, compiled_on=compiled_on))


