"""What is known about a cycle failing at import, in words every output shares.

A cycle's static suspicion ("a `from x import name` can meet `x` half-initialised")
is proven or not by running it (`importaudit.runtime.verify`); so is the absence of
one: a cycle nothing is suspected of is run from each member it can start at, and
then "imports from each of its N entry points", or fails, or (not run) says only what
the static analysis shows: no import statement takes a name from a partly initialised
module. The terminal,
Markdown, the gate's violations (and so SARIF, JUnit and GitHub annotations) and
review finding IA201 all say the same thing about it, from here: on the core layer,
so the gate and the review word it without importing an output format.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from importaudit.model import Proof

if TYPE_CHECKING:
    from collections.abc import Sequence

    from importaudit.model import CaughtImport, Cycle, ImportEdge, ImportTrial


def trial_text(trial: ImportTrial) -> str:
    """`importing x first: ImportError: ... at file:line` (and through which package)."""
    where = f" at {trial.file}:{trial.line}" if trial.file and trial.line else ""
    through = f" runs {trial.via} first" if trial.via else ""
    return f"importing {trial.module} first{through}: {trial.error}{where}"


def caught_by(caught: CaughtImport) -> str:
    """`caught by m:12` (the module whose code caught the error, and the line it left)."""
    if caught.by is None:
        return "caught"
    return f"caught by {caught.by}" + (f":{caught.by_line}" if caught.by_line else "")


def caught_text(trial: ImportTrial, caught: CaughtImport) -> str:
    """`importing x first: importing m raised ImportError: ... at f:3, caught by p at f:4`.

    (`; m imported later in the run` when something imported it again and it loaded.)
    """
    where = f" at {caught.file}:{caught.line}" if caught.file and caught.line else ""
    by = (f", caught by {caught.by}" if caught.by else ", caught") + (
        f" at {caught.by_file}:{caught.by_line}" if caught.by_file and caught.by_line else "")
    through = f" runs {trial.via} first" if trial.via else ""
    later = f"; {caught.module} imported later in the run" if caught.imported_later else ""
    return (f"importing {trial.module} first{through}: importing {caught.module} raised "
            f"{caught.error}{where}{by}{later}")


def failure_text(cycle: Cycle) -> str | None:
    """The first failure of a cycle that fails: a trial's error, else one caught (None)."""
    if cycle.failures:
        return trial_text(cycle.failures[0])
    if cycle.caught_failures:
        return caught_text(*cycle.caught_failures[0])
    return None


def other_reason_text(trial: ImportTrial) -> str:
    """How a trial that failed for another reason is listed, and whether it says much."""
    if trial.cleared:
        return ("failed for another reason, after the imports at risk had run: "
                + trial_text(trial))
    return f"failed for another reason: {trial_text(trial)}"


def _imported(cycle: Cycle) -> int:
    """How many entry points tried did not fail on the cycle.

    Those that imported fine, or failed for another reason only after the imports at
    risk had run; one that failed otherwise says nothing.
    """
    return sum(1 for t in cycle.trials if t.ran_through)


def _unverified_why(cycle: Cycle) -> str:
    if cycle.trials:
        return (f"the {len(cycle.trials)} entry point(s) tried failed for another reason "
                "first")
    return f"not run: {cycle.not_run}" if cycle.not_run else "static reasoning, no code ran"


def unreached(cycle: Cycle) -> tuple[str, ...]:
    """The modules at risk the runs never loaded, when that is why the cycle is unverified.

    Empty unless a suspected cycle was run, nothing failed on it, no run got past its
    imports at risk, and a run imported fine without loading them: here the statements
    suspected never ran (altair's `jupyter_chart` needs anywidget; or its import started
    and failed for another reason before them, the error caught: `ImportTrial.caught`),
    so the cycle is not judged here, and it is not called "can fail" as if no code had
    run. (One whose import failed on the cycle, caught, makes the cycle fail.)
    """
    if not cycle.can_fail or cycle.proof is not Proof.UNVERIFIED:
        return ()
    return tuple(sorted({m for t in cycle.trials for m in t.unreached}))


def unreached_text(trial: ImportTrial) -> str:
    """How a trial that imported without loading the modules at risk is listed.

    Those whose import started and failed for another reason, the error caught, are
    listed with it; of the others, the import did not run.
    """
    caught = {m: c for c in trial.caught if not c.circular for m in (c.module, *c.through)}
    never = [m for m in trial.unreached if m not in caught]
    failed = [f"{m} started and failed for another reason ({caught_by(caught[m])}): "
              f"{caught[m].error}" for m in trial.unreached if m in caught]
    text = (f"importing {trial.module} first"
            f"{f' runs {trial.via} first' if trial.via else ''} imported fine")
    if never:
        text += (f" without loading {', '.join(never)}: "
                 f"{'its' if len(never) == 1 else 'their'} import did not run here")
    if failed:
        text += ("; " if never else ", but ") + "; ".join(failed)
    return text


def first_text(cycle: Cycle, edge: ImportEdge) -> str:
    """The order in which `edge` (one of `cycle.failing`) meets its module half-initialised.

    `if x is the first of the cycle to start`, unless `x` is never the first member to start
    (`cycle.entries`): importing it runs a package first, which is in the cycle or
    starts other members, so the order is another member's import reaching `x`
    before the importer.
    """
    x = edge.imported
    package = cycle.runs_first(x)
    if package is None and (not cycle.entries or x in cycle.entries):
        return f"if {x} is the first of the cycle to start"
    first = ", ".join(cycle.entries) if cycle.entries else package
    return (f"if {x} has started before {edge.importer} (it is never the first to start: "
            f"importing it runs its package{' ' + package if package else 's'} first; "
            f"the cycle starts at {first})")


def only_start(cycle: Cycle) -> str | None:
    """The one member the cycle always starts at, when it has only one (`cycle.entries`).

    Importing any member runs its packages first, and those import the cycle's members
    in one order: toolz's `__init__` is in its cycle with toolz.curried, so every import
    of either runs that `__init__` first. Such a cycle has one import order, not several.
    """
    return cycle.entries[0] if len(cycle.entries) == 1 else None


def _imports_from(cycle: Cycle) -> tuple[int, int] | None:
    """(entry points that imported, entry points tried) of a cycle nothing is suspected of.

    None unless it was run and did not fail (`Proof.NOT_REPRODUCED`): a suspected
    cycle is "order-dependent" instead.
    """
    if cycle.can_fail or cycle.proof is not Proof.NOT_REPRODUCED:
        return None
    return _imported(cycle), len(cycle.trials)


def _imports_text(cycle: Cycle, *, sentence: bool) -> str | None:
    """The label (or `sentence`) of a cycle nothing is suspected of that was run.

    None when it is not one (`_imports_from`).
    """
    ran = _imports_from(cycle)
    if ran is None:
        return None
    imported, tried = ran
    if not sentence:
        return (f"imports from each of its {tried} entry point(s) (run)" if imported == tried
                else f"imports from {imported} of its {tried} entry point(s) (run; the "
                "others failed for another reason)")
    how = "each imported first, alone, in a fresh interpreter"
    if imported == tried:
        return f"It imports without error from each of its {tried} entry point(s), {how}."
    return (f"It imports without error from {imported} of its {tried} entry point(s), "
            f"{how}; the others failed for another reason.")


def unsuspected_label(cycle: Cycle) -> str:
    """What a cycle that closes at import time and has no claim yet can truly be called.

    Nothing is suspected (no `from x import name` meets a partly initialised member,
    by static reasoning), and no run showed it imports: not run, or every entry point
    tried failed for another reason first. Not "fragile": no risk was shown either.
    Only import statements are read: a module-level `b.NAME` on a half-initialised `b`
    fails too, which only a run shows.
    """
    return ("no import statement takes a name from a partly initialised module "
            f"(unverified: {_unverified_why(cycle)})")


def ran_only_order(cycle: Cycle) -> str | None:
    """The start of a cycle with one order, when a trial ran that order without failing."""
    start = only_start(cycle)
    if start is None or cycle.proof is not Proof.NOT_REPRODUCED:
        return None
    # Every trial runs the one order (a member's packages run first); one that imported
    # fine, or failed only after the imports at risk had run, ran it through.
    return start if any(t.ran_through for t in cycle.trials) else None


def _only_caught(cycle: Cycle) -> tuple[ImportTrial, CaughtImport] | None:
    """The first caught failure of a cycle that failed only where the error was caught.

    Every import that failed on it did inside a `try` that swallowed the error (None:
    a trial's own import failed on it, or it does not fail). One whose module nothing
    imported again comes first: the package lost it, where the other failed once.
    """
    if cycle.fails and not cycle.failures and cycle.caught_failures:
        return min(cycle.caught_failures, key=lambda pair: pair[1].imported_later)
    return None


def claim_label(cycle: Cycle) -> str | None:
    """A short label for the claim (None: not suspected of failing at import)."""
    caught = _only_caught(cycle)
    if caught is not None:
        return (f"failed once ({caught_by(caught[1])}), imported later in the run"
                if caught[1].imported_later else f"fails ({caught_by(caught[1])})")
    if cycle.fails:
        return "fails at import (reproduced)"
    start = ran_only_order(cycle)
    if start is not None:
        return f"does not fail: its only order (it always starts at {start}) was run"
    ran = _imports_text(cycle, sentence=False)
    if ran is not None:
        return ran
    if cycle.proof is Proof.NOT_REPRODUCED:
        return f"order-dependent: did not fail from {_imported(cycle)} entry point(s) tried"
    return _unverified_label(cycle)


def _unverified_label(cycle: Cycle) -> str | None:
    missing = unreached(cycle)
    if missing:
        failed = _caught_other(cycle)
        said = [f"{_names([m for m in missing if m not in failed])} did not load"] \
            if set(missing) - set(failed) else []
        if failed:
            said.append(f"{_names(sorted(failed))} failed for another reason")
        return f"unproven here: {' and '.join(said)} when run"
    if cycle.can_fail:
        return f"can fail at import (unverified: {_unverified_why(cycle)})"
    return None


def _names(modules: Sequence[str]) -> str:
    return ", ".join(modules[:3]) + (f" and {len(modules) - 3} more" if len(modules) > 3
                                     else "")


def claim_sentence(cycle: Cycle) -> str:
    """One sentence on the claim, with the error when reproduced ("" when none)."""
    only_caught = _only_caught(cycle)
    if only_caught is not None:
        trial, caught = only_caught
        how = ("It fails at import once, and the error is caught" if caught.imported_later
               else "It fails at import, and the error is caught, so the import goes on "
               f"without {caught.module}")
        return f"{how}: {caught_text(trial, caught)}."
    if cycle.fails:
        return f"It fails at import: {trial_text(cycle.failures[0])}."
    start = ran_only_order(cycle)
    if start is not None:
        looked = (": a `from ... import name` on a half-initialised module looked "
                  "possible, but" if cycle.can_fail else ":")
        return (f"It does not fail at import here{looked} the cycle has one import "
                f"order (every import of its modules runs their packages first, and it "
                f"starts at {start}), and that order was run without error.")
    ran = _imports_text(cycle, sentence=True)
    if ran is not None:
        return ran
    if cycle.proof is Proof.NOT_REPRODUCED:
        return ("It is order-dependent: a `from ... import name` on a half-initialised "
                f"module could fail, but it did not fail from {_imported(cycle)} entry "
                "point(s) tried.")
    return _unverified_sentence(cycle)


def _unverified_sentence(cycle: Cycle) -> str:
    missing = unreached(cycle)
    if missing:
        return ("A `from ... import name` on a half-initialised module looked possible, "
                f"but it is unproven here: no run got past {_names(missing)}, whose "
                "imports are the ones at risk; the entry points that imported fine did not "
                f"load them ({_why_unloaded(cycle)}).")
    if cycle.can_fail:
        why = (_unverified_why(cycle) if cycle.trials or cycle.not_run
               else "no code ran")
        return ("A `from ... import name` on the half-initialised module can fail depending "
                f"on which side is imported first (unverified: {why}).")
    return ""


def _caught_other(cycle: Cycle) -> dict[str, str]:
    """The modules at risk whose import started and failed for another reason, caught.

    Each with its error (the first one met).
    """
    failed: dict[str, str] = {}
    for trial in cycle.trials:
        for caught in trial.caught:
            for module in (caught.module, *caught.through):
                if module in trial.unreached and not caught.circular:
                    failed.setdefault(module, caught.error)
    return failed


def _why_unloaded(cycle: Cycle) -> str:
    """Why the modules at risk did not load: their import did not run, or failed first."""
    failed = sorted(_caught_other(cycle).items())
    never = "their import did not run here, as a conditional or optional one does " \
        "without its condition"
    if not failed:
        return never
    said = "; ".join(f"{module} started and failed for another reason, the error caught: "
                     f"{error}" for module, error in failed[:3])
    missing = {m for t in cycle.trials for m in t.unreached} - {m for m, _ in failed}
    return f"{said}; of the others, {never}" if missing else said


def claims_count(cycles: Sequence[Cycle]) -> str:
    """`2 fail at import, 5 order-dependent, 1 can fail (unverified)` (zeros left out).

    A cycle whose only order was run without error is "safe in their only order"; one
    nothing was suspected of that imported from every entry point tried "imports from
    each entry point".
    """
    parts = [f"{sum(1 for c in cycles if c.fails)} fail at import"]
    several = [c for c in cycles if ran_only_order(c) is None]
    single = len(cycles) - len(several)
    tried = sum(1 for c in several if c.can_fail and c.proof is Proof.NOT_REPRODUCED)
    if tried:
        parts.append(f"{tried} order-dependent")
    everywhere = sum(1 for c in several
                     if (ran := _imports_from(c)) is not None and ran[0] == ran[1])
    if everywhere:
        parts.append(f"{everywhere} import from each entry point")
    if single:
        parts.append(f"{single} safe in their only order")
    skipped = sum(1 for c in cycles if unreached(c))
    unverified = sum(1 for c in cycles
                     if c.can_fail and c.proof is Proof.UNVERIFIED) - skipped
    if unverified:
        parts.append(f"{unverified} can fail (unverified)")
    if skipped:
        parts.append(f"{skipped} unproven here")
    return ", ".join(parts)
