"""What `fix` proposes: each rewrite with its proof, what was left alone, the cost.

The value objects every part of `fix` shares: `engine` makes them, `trial` proves the
rewrites, `copies` measures and tests them, `writing` writes them, `output` shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from importaudit.fix.compat import VersionCheck
    from importaudit.fix.lazy_init import Refusal
    from importaudit.fix.proof import Breakage
    from importaudit.model import Report


@dataclass(frozen=True, slots=True)
class Rewrite:
    """One file the fix changes (or creates: `before` is None), and its proof."""

    module: str
    file: Path
    before: str | None
    after: str
    codes: tuple[str, ...] = ()
    names: tuple[str, ...] = ()  # the names that become lazy (or type-only)
    broke: tuple[Breakage, ...] = ()  # empty: the proof passed
    moved: bool = False  # IA501: `names` leave the module's namespace on purpose
    added: tuple[str, ...] = ()  # names the rewrite's own statements bind
    kind: str = ""  # "deferred": `names` moved into the functions using them
    # IA103: names now imported from the module that defines them (`fix.narrow`); they
    # stay bound to the same objects, which the proof checks.
    narrowed: tuple[str, ...] = ()
    functions: int = 0  # deferred: how many functions the imports moved into
    # Deferred: module-level values now built on first access by a module `__getattr__`
    # (`fix.lazy_values`), so they are not in `vars(module)` until then.
    values: tuple[str, ...] = ()
    # What importing this module no longer loads because of this rewrite (time_ns,
    # heap_bytes, modules saved), the other rewrites applied on both sides; see api.fix.
    exclusive: dict[str, int | None] | None = None
    rounds: tuple[int, ...] = (1,)  # the rounds of `fix` that rewrote this file (fixpoint)
    # A lazy `__init__`: the names it keeps eager for an import cycle's order (fix.order).
    kept_for_order: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        """Whether every check of the proof passed for this rewrite."""
        return not self.broke


@dataclass(frozen=True, slots=True)
class TestRun:
    """The user's test command, run on the rewritten copy."""

    command: str
    returncode: int
    tail: str


@dataclass(frozen=True, slots=True)
class FixResult:
    """Every proposed rewrite with its proof, what was left alone, and the cost."""

    rewrites: tuple[Rewrite, ...] = ()
    refusals: tuple[Refusal, ...] = ()
    broke: tuple[Breakage, ...] = ()  # failures no single rewrite could be blamed for
    modules_checked: int = 0  # modules the tree check imported on both sides
    before: Report | None = None
    after: Report | None = None
    tests: TestRun | None = None
    written: tuple[Path, ...] = ()
    costlier: tuple[str, ...] = ()  # what the rewrites made more expensive (see `costlier`)
    style: str = "pep562"
    versions: VersionCheck | None = None  # requires-python, and where checked
    not_proven: str | None = None  # why the proof could not run (then nothing is written)
    rounds: int = 1  # review-and-prove rounds run (see `fixpoint`)
    fixed_point: bool = True  # False: stopped at the bound with new rewrites still coming
    stopped: str | None = None  # why the rounds stopped early (`--time-limit`, a signal), said
    # The signal that interrupted `fix` ("SIGINT"): the result is what was proven by
    # then, shown before the command exits 128 + the signal's number (see `api.fix`).
    interrupted: str | None = None
    # Modules whose proven rewrite saved nothing measured, so it is not offered (listed
    # with the reason under `refusals`; see `api.fix`).
    not_offered: tuple[str, ...] = ()
    # Why the review gave `fix` nothing to rewrite (None: it gave something).
    nothing_found: str | None = None

    @property
    def passed(self) -> tuple[Rewrite, ...]:
        """The rewrites that passed the proof (what `--write` writes); none unproven."""
        return () if self.not_proven else tuple(r for r in self.rewrites if r.passed)

    @property
    def pending(self) -> bool:
        """Whether there are fixes to apply: proven and not written, or not provable here."""
        return bool(self.passed or (self.not_proven and self.rewrites)) and not self.written

    @property
    def withdrawn(self) -> tuple[Rewrite, ...]:
        """The rewrites a check broke (the proof, the import of the copy, the tests)."""
        return tuple(r for r in self.rewrites if not r.passed)

    @property
    def proof_failed(self) -> bool:
        """Whether a rewrite was withdrawn or a check broke that no rewrite is blamed for."""
        return bool(self.withdrawn or self.broke)
