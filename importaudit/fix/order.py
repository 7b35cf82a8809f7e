"""Whether a lazy `__init__` keeps every member of an import cycle importing: run it.

IA101 recommends making a package `__init__` lazy. Where the package takes part in an
import cycle that can fail (a `from x import name` meeting `x` half-initialised), its
eager `__init__` may be what imports the cycle's members in the one order that works:
prompt_toolkit's imports `application` first, and with it lazy, a fresh
`import prompt_toolkit.key_binding` meets `prompt_toolkit.filters` half-initialised.
Which orders work is not read from the source: `first_break` writes the `__init__`
`fix` would write (`lazy_init`: only the submodules asked for become lazy) into a
temporary copy of the top package and imports the given modules first, each alone in
a fresh interpreter of the measured environment, level by level as the cycle check
does (`runtime.verify.try_first`), stopping at the first that fails on a
half-initialised module. That module is then imported first from the original too: a
failure the original has as well is not the rewrite's.

`fix` meets the same breakage in its proof: `narrowed` keeps eager only the names
whose laziness broke it (the cycle's members, or the names the proof found changed)
and lets the rest stay lazy, as the review offers it.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from importaudit import defaults
from importaudit.fix.copies import package_root
from importaudit.fix.lazy_init import Refusal, Surface, plan_init, render_init
from importaudit.runtime.verify import half_initialised, run_trial, try_first

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

    from importaudit.fix.lazy_init import InitPlan
    from importaudit.fix.proof import Breakage
    from importaudit.model import ImportTrial
    from importaudit.review.order import LazyBreak, LazyTrial
    from importaudit.runtime.interpreter import Interpreter


def submodules(plan: InitPlan) -> dict[str, str]:
    """Each name `plan` makes lazy -> the submodule it is taken from (absolute)."""
    # The planner takes only `from .x import y` and `from pkg.x import y` (absolute);
    # `from . import x` is the submodule x itself (module ".x", attr None).
    return {n.name: f"{plan.package}{n.module}" if n.module.startswith(".") else n.module
            for n in plan.lazy}


def _keeping(plan: InitPlan, lazy_names: Collection[str]) -> InitPlan:
    """`plan` making lazy only `lazy_names` (the others stay as the original imports them)."""
    lazy = tuple(n for n in plan.lazy if n.name in lazy_names)
    names = {n.name for n in lazy}
    moves = {index: chosen & names for index, chosen in plan.moves.items() if chosen & names}
    return dataclasses.replace(plan, lazy=lazy, moves=moves)


def _only(plan: InitPlan, deferred: frozenset[str]) -> InitPlan:
    """`plan` making lazy only the names it takes from the `deferred` submodules."""
    return _keeping(plan, [n for n, sub in submodules(plan).items() if sub in deferred])


@dataclass(frozen=True, slots=True)
class Narrowed:
    """What of a lazy `__init__` the proof broke can stay lazy, and what stays eager, why.

    `plan` is None when nothing is left to make lazy (every name stays eager).
    """

    plan: InitPlan | None
    refusals: tuple[Refusal, ...]


def narrowed(plan: InitPlan, broke: Sequence[Breakage], members: Collection[str],
             shown: str) -> Narrowed | None:
    """`plan` without the names whose laziness broke the proof (`broke`), or None.

    Those are the names the proof found changed (a breakage naming one), and, when a
    module failed on a half-initialised one, those taken from the members of the
    import cycles that can fail (`members`): the eager `__init__` imports them in the
    one order that works, which is what the review keeps eager too (`review.order`).
    None when no name can be blamed: the rewrite is withdrawn whole. `shown` is the
    file as the user sees it.
    """
    subs = submodules(plan)
    named = {b.name for b in broke if b.name in subs}
    cyclic = any(half_initialised(b.message) for b in broke)
    keep = named | ({n for n, sub in subs.items() if sub in members} if cyclic else set())
    if not keep:
        return None
    lines = {n.name: n.line for n in plan.lazy}
    # A module that no longer imports (first, alone) says it best: a changed surface
    # lists the same error among the names it lost.
    half = min((b for b in broke if half_initialised(b.message)), default=None,
               key=lambda b: "no longer imports" not in b.message)

    def why(name: str) -> str:
        found = next((b for b in broke if b.name == name), half)
        assert found is not None
        cycle = (" (a member of an import cycle that the eager __init__ imports in the "
                 "one order that works)" if name not in named else "")
        # The file CPython names is in the proof's copy, gone when this is read.
        message = re.sub(r" \(most likely due to a circular import\)| \([^()]*\.py\)", "",
                         found.message)
        return f"{name} stays: kept eager{cycle}: with it lazy, the proof found {message}"

    refusals = tuple(Refusal(plan.package, shown, lines[n], why(n), n)
                     for n in subs if n in keep)
    rest = [n for n in subs if n not in keep]
    ordered = (*plan.kept_for_order, *(n for n in subs if n in keep and n not in named))
    return Narrowed(dataclasses.replace(_keeping(plan, rest), kept_for_order=ordered)
                    if rest else None, refusals)


def lazy_source(trial: LazyTrial) -> str | None:
    """The `__init__` `fix` would write deferring `trial.deferred` (None: it defers none).

    What the original shows when imported is taken from the review, not from another
    run: its submodules bound as attributes, and the names its star import binds.
    """
    file = Path(trial.file)
    plan = _only(plan_init(trial.package, file, str(file), order_only=True), trial.deferred)
    if not plan.lazy:
        return None
    surface = Surface({name: f".{name}" for name in trial.attributes}, trial.star_names)
    return render_init(plan, surface)


def _link(source: str, target: str) -> None:
    """`shutil.copytree`'s copy function: a link to the file, for a copy read only."""
    os.symlink(os.path.abspath(source), target)


def first_failures(entries: Sequence[str], interpreter: Interpreter, *,
                   after: Sequence[str], before: Sequence[str],
                   timeout: float = defaults.TIMEOUT_S, jobs: int | None = None,
                   stop: bool = False, originals: dict[str, bool] | None = None,
                   depth: int = 1, deadline: float | None = None) -> list[ImportTrial]:
    """The `entries` that, imported first with `after` on sys.path, break on a cycle.

    Each is imported first, alone, in a fresh `interpreter` (`verify.try_first`: a run
    of a package settles what it loads). A failure counts when it names a
    half-initialised module and the same module imports first with `before` instead
    (the original; `originals` caches those answers). `stop`: only the first run
    that broke; else every entry that broke (settled by a run that broke, `via`).
    `deadline` (`time.monotonic()`): no run starts after it; `ProofTimeSpent` is
    raised instead, once the runs started have ended.
    """
    known = {} if originals is None else originals
    found: list[ImportTrial] = []  # the runs (each a module imported first) that broke

    def run(module: str, watched: Sequence[str]) -> tuple[ImportTrial, frozenset[str]]:
        if deadline is not None and time.monotonic() >= deadline:
            from importaudit.review.order import ProofTimeSpent

            raise ProofTimeSpent(module)
        return run_trial(interpreter, module, extra_path=after, timeout=timeout,
                         watched=watched)

    def broken(result: ImportTrial) -> bool:
        if result.error is None or half_initialised(result.error) is None:
            return False
        if result.module not in known:
            original, _ = run_trial(interpreter, result.module, extra_path=before,
                                    timeout=timeout)
            known[result.module] = original.error is None
        if not known[result.module]:
            return False  # it fails without the rewrite too
        found.append(result)
        return stop

    done = try_first(entries, run, jobs=jobs, until=broken, depth=depth)
    if stop:
        return found
    # Every entry such a run settled (importing `a.b` first runs `a` first) broke too.
    runs = {t.module for t in found}
    return [t for t in done.values() if t.error is not None and (t.via or t.module) in runs]


def first_break(trial: LazyTrial, interpreter: Interpreter, *,
                extra_path: Sequence[str] = (), timeout: float = defaults.TIMEOUT_S,
                jobs: int | None = None, deadline: float | None = None) -> LazyBreak | None:
    """The first of `trial.entries` that fails, imported first, with the rewrite applied.

    And with the lazy `__init__`s of `trial.others` applied in the same copy.

    Only a failure on a half-initialised module counts, and only when importing the
    same module first from the original works. None: every entry imported (or failed
    as it does without the rewrite), or `fix` would rewrite nothing. Past `deadline`
    (`time.monotonic()`) no trial starts: `review.order.ProofTimeSpent`.
    """
    from importaudit.review.order import LazyBreak

    rewritten = lazy_source(trial)
    if rewritten is None:
        return None
    file = Path(trial.file)
    root = package_root(file)
    top = file.relative_to(root).parts[0]
    # The other lazy `__init__`s applied with it (`trial.others`), in the same copy.
    written = {file: rewritten}
    for other in trial.others:
        source, path = lazy_source(other), Path(other.file)
        if source is not None and path.is_relative_to(root / top):
            written[path] = source
    with tempfile.TemporaryDirectory(prefix="importaudit-order-") as tmp:
        # Files are linked, not copied (bokeh's 32 MiB took 0.7 s a trial), bytecode
        # caches included, which stay valid for the sources they link to: only the
        # rewritten `__init__`s compile, as in an installed package. The links to the
        # original `__init__`s are removed before writing, never written through.
        shutil.copytree(root / top, Path(tmp) / top, symlinks=True,
                        copy_function=_link)
        for path, source in written.items():
            init = Path(tmp) / path.relative_to(root)
            init.unlink()
            # Its bytecode goes too: an unchecked-hash cache (some distributions install
            # those) is never compared with the source, and the trial would import the
            # original `__init__` and find nothing broken.
            for cached in (init.parent / "__pycache__").glob(f"{init.stem}.*.pyc"):
                cached.unlink()
            init.write_text(source, encoding="utf-8")
        found = first_failures(trial.entries, interpreter, after=(tmp, *extra_path),
                               before=extra_path, timeout=timeout, jobs=jobs, stop=True,
                               depth=trial.depth, deadline=deadline)
        if not found:
            return None
        # Named as the user's files: the copy is gone when the review is read.
        result = found[0]
        where = (result.file or "").replace(tmp, str(root)) or None
        return LazyBreak(result.module, (result.error or "").replace(tmp, str(root)),
                         where, result.line)
