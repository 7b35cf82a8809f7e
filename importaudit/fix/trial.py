"""One trial of a set of rewrites: applied to a copy, compiled, proven by import.

`prove` applies the rewrites to a temporary copy, compiles the rewritten files on the
oldest Python the package admits, and imports each rewritten module and the whole tree
on each side of the proof (the measured interpreter, and an older one the package
admits when it imports there), comparing with what the original showed (`proof`). A
failure is charged to the rewrite of the module that broke, or of its nearest parent
that was rewritten; one no rewrite can be blamed for is returned apart (and `engine`
looks for the rewrite behind it with `breaks_tree`, proving parts of the set).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from importaudit.fix import compat
from importaudit.fix.copies import copy_packages, in_copy
from importaudit.fix.order import first_failures
from importaudit.fix.proof import (
    Breakage,
    compare_surface,
    compare_tree,
    run_snapshot,
    run_snapshots,
)
from importaudit.runtime.interpreter import find_interpreter

if TYPE_CHECKING:
    from collections.abc import Sequence

    from importaudit.fix.result import Rewrite
    from importaudit.runtime.interpreter import Interpreter, Variables


@dataclass
class Context:
    """What every trial of one round shares: where and how to import, and the before."""

    python: str
    paths: tuple[str, ...]
    targets: tuple[str, ...]
    timeout: float
    before: dict[str, dict[str, Any]] = field(default_factory=dict)
    style: str = "pep562"
    others: list[compat.Side] = field(default_factory=list)  # older Pythons it admits
    # The oldest interpreter the declared range admits: it compiles the rewrites.
    oldest: tuple[tuple[int, int, int], str] | None = None
    compiled: bool = False  # whether it compiled any rewritten file
    # Whether each original file compiled there: asked once a round (`compile_check`).
    compile_originals: dict[str, bool] = field(default_factory=dict)
    env: Variables = ()  # what the measurement options set in every child (`--env`)
    # The members of the import cycles that can fail: each must still import first,
    # alone (one interpreter importing the tree in order misses an order that breaks).
    first: tuple[str, ...] = ()
    originals: dict[str, bool] = field(default_factory=dict)  # each imports first there
    interpreter: Interpreter | None = None  # ctx.python, asked once (`first_breakages`)


def _blame(broken: str, modules: Sequence[str]) -> str | None:
    """The rewritten module a broken module's failure is charged to (itself or a parent)."""
    owners = [m for m in modules if broken == m or broken.startswith(m + ".")]
    return max(owners, key=len) if owners else None


def compile_check(rewrites: Sequence[Rewrite], ctx: Context, copy: Path,
                  found: dict[str, list[Breakage]]) -> None:
    """Charge each rewritten file the oldest admitted Python cannot compile to its rewrite."""
    if ctx.oldest is None:
        return
    files = [(r.module, r.file if r.before is not None else None, in_copy(r, copy))
             for r in rewrites if r.file.suffix == ".py"]
    ctx.compiled = ctx.compiled or bool(files)
    for module, message in compat.compile_breakages(ctx.oldest, files, timeout=ctx.timeout,
                                                    env=ctx.env,
                                                    originals=ctx.compile_originals).items():
        found.setdefault(module, []).append(Breakage(module, message))


def breaks_tree(rewrites: Sequence[Rewrite], ctx: Context, copy: Path,
                tree_before: dict[str, Any]) -> bool:
    """Whether applying only `rewrites` in `copy` stops a module of the tree importing.

    The tree check alone, on the measured interpreter: what `engine` asks of a part of
    the rewrites when a whole trial broke a module no rewrite could be blamed for.
    """
    copy_packages(rewrites, copy, bytecode=True)
    tree_after = run_snapshot(ctx.python, (str(copy), *ctx.paths), "tree",
                              ",".join(ctx.targets), timeout=ctx.timeout, env=ctx.env)
    return bool(compare_tree(tree_before, tree_after)) or bool(
        first_breakages(ctx, copy, stop=True))


def first_breakages(ctx: Context, copy: Path, *, stop: bool = False) -> list[Breakage]:
    """The members of the cycles that no longer import first from `copy` (see `Context`).

    prompt_toolkit-shaped packages import a cycle's members in the one order that
    works from an eager `__init__`; lazy, `import pkg.filters` first can meet a
    half-initialised member, though importing the tree in order never does.
    """
    if not ctx.first:
        return []
    if ctx.interpreter is None:
        ctx.interpreter = find_interpreter(ctx.python, ctx.timeout, ctx.env)
    broke = first_failures(ctx.first, ctx.interpreter, after=(str(copy), *ctx.paths),
                           before=ctx.paths, timeout=ctx.timeout, stop=stop,
                           originals=ctx.originals)
    return [Breakage(t.module, f"{t.module} no longer imports first, alone: "
                               f"{str(t.error).replace(str(copy), '<copy>')}"
                     + (f" (importing {t.via} first)" if t.via else "")) for t in broke]


def prove(rewrites: list[Rewrite], ctx: Context, copy: Path,
          tree_before: dict[str, Any]) -> tuple[list[Rewrite], list[Breakage], int]:
    """Apply `rewrites` in `copy` and prove them: each with its breakages, the unblamed.

    Also returns how many modules the tree check imported on both sides.
    """
    copy_packages(rewrites, copy, bytecode=True)
    paths = (str(copy), *ctx.paths)
    checked = [r for r in rewrites if r.module in ctx.before]
    found: dict[str, list[Breakage]] = {r.module: [] for r in rewrites}
    compile_check(rewrites, ctx, copy, found)
    unblamed: list[Breakage] = []
    sides = [compat.Side(ctx.python, "", ctx.before, tree_before), *ctx.others]
    # Every import of the rewritten tree, on every side, run at once (each in a fresh
    # interpreter of its own), then read in the order asked. A module the original does
    # not import on a side is not asked there (said in the version check).
    shots = iter(run_snapshots([
        snapshot for side in sides for snapshot in (
            *((side.python, paths, "surface", r.module) for r in checked
              if r.module in side.before),
            (side.python, paths, "tree", ",".join(ctx.targets)))],
        timeout=ctx.timeout, env=ctx.env))
    for side in sides:
        on = f"on Python {side.label}: " if side is not sides[0] else ""
        for rewrite in checked:
            if rewrite.module not in side.before:
                continue
            after = next(shots)
            loaded = after.get("file")
            if loaded and not Path(loaded).resolve().is_relative_to(copy.resolve()):
                # A compiled package (mypyc's black) can load its modules from where it
                # was installed: then the copy is never imported and nothing is proven.
                found[rewrite.module].append(Breakage(
                    rewrite.module, f"{on}the rewritten copy is not what imports: "
                    f"{rewrite.module} loads from {loaded}, so the proof cannot check it"))
            found[rewrite.module].extend(
                replace(b, message=on + b.message) for b in compare_surface(
                    rewrite.module, side.before[rewrite.module], after,
                    frozenset(rewrite.names) if rewrite.moved else frozenset(),
                    frozenset(rewrite.added)))
        tree_after = next(shots)
        first = first_breakages(ctx, copy) if side is sides[0] else []
        for broke in [*compare_tree(side.tree, tree_after), *first]:
            owner = _blame(broke.module, [r.module for r in checked])
            (unblamed if owner is None else found[owner]).append(
                replace(broke, message=on + broke.message))
    proven = [replace(r, broke=tuple(found.get(r.module, ()))) for r in rewrites]
    return proven, unblamed, len(tree_before["modules"])

