"""`fix` to a fixed point: the rounds after the first, on the copy the last one proved.

A rewrite can expose the next fix: once a package `__init__` is lazy, an import that
its eager submodules used to load anyway (asyncio through another package) becomes a
cost of its own, which the review then finds. So after a round is proven, the targets
are reviewed again in a copy with every proven rewrite applied, and what is newly
fixable is planned and proven there (on top of the earlier rounds) until a round
proposes nothing new, proves nothing, or `defaults.FIX_ROUNDS` rounds ran.

A round reviews the targets under the names the first round gave them, found in the
copy first (`Measure.search_first`), and plans and proves on the copy (`Round`): its
files are carried back to where they are in the user's tree (`Round.carry_back`), and
`merge` makes one rewrite per file across rounds, from the original text to the last
round's, so what is measured and written is the result of every round.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from importaudit.fix.copies import package_root

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from importaudit.fix.compat import VersionCheck
    from importaudit.fix.lazy_init import Refusal
    from importaudit.fix.result import FixResult, Rewrite


@dataclass(frozen=True, slots=True)
class Round:
    """A later round's copy: the packages the earlier rounds rewrote, with their rewrites.

    `copy` holds each top package a proven rewrite touched (as `copies.rewritten_copy`
    makes it); `roots` says where each of those tops is in the user's tree.
    """

    copy: Path
    roots: dict[str, Path]

    @classmethod
    def of(cls, result: FixResult, copy: Path) -> Round:
        """The round reviewing `copy`, the rewritten copy of `result`'s proven rewrites."""
        roots = {}
        for rewrite in result.passed:
            root = package_root(rewrite.file, rewrite.module)
            roots[_top(rewrite.file.relative_to(root))] = root
        return cls(copy, roots)

    def original(self, path: Path) -> Path:
        """Where a file of the copy is in the user's tree (any other path: itself)."""
        try:
            inside = path.relative_to(self.copy)
        except ValueError:
            return path
        return self.roots[_top(inside)] / inside if inside.parts else path

    def carry_back(self, result: FixResult, number: int) -> FixResult:
        """`result`, planned and proven on the copy, with the files of the user's tree."""
        return replace(result, rewrites=tuple(
            replace(r, file=self.original(r.file), rounds=(number,)) for r in result.rewrites))


def _top(relative: Path) -> str:
    """The top module a path relative to its root is in (`pkg/a.py`: pkg; `mod.py`: mod)."""
    first = relative.parts[0]
    return first[:-3] if len(relative.parts) == 1 and first.endswith(".py") else first


def proposed(result: FixResult) -> bool:
    """Whether a round proposed a rewrite (files that only serve one do not count)."""
    return any(r.codes for r in result.rewrites)


def withdrawn(result: FixResult) -> frozenset[str]:
    """The modules whose rewrite a round withdrew: a later round does not try them again."""
    return frozenset(r.module for r in result.withdrawn)


def merge(earlier: FixResult, later: FixResult, number: int) -> FixResult:
    """The result of every round so far: `earlier`'s, then round `number`'s (`later`).

    A file both rewrote becomes one rewrite, from the original text to the later one,
    with the names, codes and rounds of both; a later rewrite that was withdrawn is
    listed apart (the earlier one of that file stands). What was left alone is listed
    once (a later round meets most of it again).
    """
    rewrites = list(earlier.rewrites)
    proven = {r.file: i for i, r in enumerate(rewrites) if r.passed}
    for rewrite in later.rewrites:
        at = proven.get(rewrite.file) if rewrite.passed else None
        if at is None:
            rewrites.append(rewrite)
        else:
            rewrites[at] = _combined(rewrites[at], rewrite)
    return replace(
        earlier, rewrites=tuple(rewrites),
        refusals=_once(earlier.refusals, later.refusals),
        broke=earlier.broke + later.broke,
        modules_checked=max(earlier.modules_checked, later.modules_checked),
        versions=_versions(earlier.versions, later.versions), rounds=number)


def _combined(first: Rewrite, then: Rewrite) -> Rewrite:
    return replace(
        then, before=first.before, codes=tuple(sorted({*first.codes, *then.codes})),
        names=tuple(dict.fromkeys((*first.names, *then.names))),
        added=tuple(dict.fromkeys((*first.added, *then.added))),
        moved=first.moved or then.moved, kind=then.kind or first.kind,
        narrowed=tuple(dict.fromkeys((*first.narrowed, *then.narrowed))),
        values=tuple(dict.fromkeys((*first.values, *then.values))),
        functions=first.functions + then.functions,
        rounds=tuple(dict.fromkeys((*first.rounds, *then.rounds))))


def _once(first: Sequence[Refusal], then: Sequence[Refusal]) -> tuple[Refusal, ...]:
    """`first`, and what `then` refuses that `first` did not (by module and name).

    Lines move in a file an earlier round rewrote, so the name (or, for a whole module,
    the reason) is what says it is the same refusal.
    """
    seen = {(f.module, f.name or f.reason) for f in first}
    return (*first, *(f for f in then if (f.module, f.name or f.reason) not in seen))


def _versions(first: VersionCheck | None, then: VersionCheck | None) -> VersionCheck | None:
    """The Pythons every round compiled and proved its rewrites on, and the notes of each.

    A Python only some rounds proved on is not one the fix was proven on: wrapt's
    first round could not import the installed originals on pyenv's 3.9 (no wrapt
    there), its later rounds could, from the copy the first one proved.
    """
    if first is None or then is None:
        return first or then

    def both(a: Sequence[str], b: Sequence[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*a, *b)))

    proven = tuple(v for v in first.proven_on if v in then.proven_on)
    partly = tuple(f"proven on Python {v} for the rewrites of some rounds only (the notes "
                   "say which were not)" for v in both(first.proven_on, then.proven_on)
                   if v not in proven)
    return replace(first, compiled_on=both(first.compiled_on, then.compiled_on),
                   proven_on=proven,
                   not_checked=both(both(first.not_checked, then.not_checked), partly))
