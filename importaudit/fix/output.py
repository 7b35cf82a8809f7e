"""What `importaudit fix` prints: a unified diff and the proof as text, or JSON.

Both views are pure functions over one `FixResult`: each rewrite with its proof, what
was left alone and why, the measured cost of importing the targets before and after
(from the profiler's own reports), the user's tests, and what was written.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from importaudit.defaults import FIX_MIN_HEAP_SAVING
from importaudit.units import format_bytes, format_ns
from importaudit.views import report_totals

if TYPE_CHECKING:
    from collections.abc import Sequence

    from importaudit.fix.compat import VersionCheck
    from importaudit.fix.lazy_init import Refusal
    from importaudit.fix.result import FixResult, Rewrite
    from importaudit.model import Report

#: Version of the JSON document `fix --format json` writes.
FIX_SCHEMA = 1
#: What `not_worth` says of a rewrite whose saving is too little to offer.
TOO_LITTLE = "too little to offer"


def unified_diff(rewrite: Rewrite, shown: str) -> str:
    """The rewrite as a unified diff of `shown` (the path as the user sees it)."""
    old = (rewrite.before or "").splitlines(keepends=True)
    new = rewrite.after.splitlines(keepends=True)
    # A file outside the current folder is shown absolute: `a/tmp/x.py`, as git writes
    # it, not `a//tmp/x.py` (`patch -p1` run from / applies it).
    name = shown.lstrip("/")
    start = "/dev/null" if rewrite.before is None else f"a/{name}"
    return "".join(difflib.unified_diff(old, new, start, f"b/{name}"))


def cost(report: Report | None) -> dict[str, int | None] | None:
    """Time, heap and module count of importing a report's targets."""
    if report is None:
        return None
    found = report_totals(report)
    return {"time_ns": found.total_ns, "heap_bytes": found.heap_bytes,
            "modules": found.modules}


def _saving(before: int | None, after: int | None) -> float | None:
    if before is None or after is None or before <= 0:
        return None
    return round(1 - after / before, 4)


def to_dict(result: FixResult, shown: Any = str) -> dict[str, Any]:
    """The result as JSON-able data; `shown` turns a path into the text to print."""
    before, after = cost(result.before), cost(result.after)
    saving = None if before is None or after is None else {
        key: _saving(before[key], after[key]) for key in before}
    timing = None
    if result.before is not None and result.after is not None:
        verdict = time_verdict(result.before, result.after)
        timing = {"verdict": verdict.verdict,
                  "before": _runs_dict(verdict.before), "after": _runs_dict(verdict.after)}
    return {
        "schema_version": FIX_SCHEMA,
        "rewrites": [{
            "module": r.module, "file": shown(r.file), "created": r.before is None,
            "codes": list(r.codes), "kind": _kind(r),
            "names": list(r.names), "added_names": list(r.added),
            "narrowed": list(r.narrowed), "lazy_values": list(r.values),
            "kept_for_order": list(r.kept_for_order),
            "functions": r.functions if r.kind else None,
            "exclusive_saving": r.exclusive, "rounds": list(r.rounds),
            "proof": {"passed": None if result.not_proven else r.passed,
                      "not_run": result.not_proven,
                      "broke": [{"module": b.module, "name": b.name, "message": b.message}
                                for b in r.broke]},
            "diff": unified_diff(r, shown(r.file)),
        } for r in result.rewrites],
        "left_alone": [{"module": f.module, "file": f.file, "line": f.line, "name": f.name,
                        "reason": f.reason} for f in result.refusals],
        "unattributed": [{"module": b.module, "message": b.message} for b in result.broke],
        "modules_checked": result.modules_checked,
        "cost": {"before": before, "after": after, "saving": saving, "time": timing},
        "tests": None if result.tests is None else {
            "command": result.tests.command, "returncode": result.tests.returncode,
            "tail": result.tests.tail},
        "written": [shown(p) for p in result.written],
        "costlier": list(result.costlier),
        "style": result.style,
        "python_versions": _versions_dict(result.versions),
        "rounds": result.rounds, "fixed_point": result.fixed_point,
        "stopped": result.stopped,
        "nothing_found": result.nothing_found,
    }


def _versions_dict(found: VersionCheck | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {"requires_python": found.requires_python, "source": found.source,
            "lowest": None if found.lowest is None else ".".join(map(str, found.lowest)),
            "compiled_on": list(found.compiled_on), "proven_on": list(found.proven_on),
            "not_checked": list(found.not_checked)}


def _versions_text(found: VersionCheck) -> str:
    """One paragraph: the declared range, and the Pythons the rewrites were checked on."""
    declared = (f"requires-python {found.requires_python} ({found.source})"
                if found.requires_python else "requires-python not declared")
    lines = [f"Python versions: {declared}; compiled on "
             f"{', '.join(found.compiled_on) or 'none'}; proven on "
             f"{', '.join(found.proven_on) or 'none'}\n"]
    lines.extend(f"  {note}\n" for note in found.not_checked)
    return "".join(lines)


def _kind(rewrite: Rewrite) -> str:
    return rewrite.kind or ("type-only" if rewrite.moved else "lazy")


def saves_nothing(saved: dict[str, int | None] | None) -> bool:
    """Whether a measured exclusive saving is none: no module less, no heap clearly less.

    Such a rewrite is proven but no saving: importing its module loads the same
    modules with it as without it (something else loads what it defers). The heap it
    saves counts only as `heap_bytes_least`, the least drop over every pairing of
    repeated runs (`fix.heapnoise`), and only from `defaults.FIX_MIN_HEAP_SAVING` up:
    less is the names it unbound. One run a side (`heap_bytes` alone) tells no heap
    saving from the runs' spread, so it is no saving, the same answer every time.
    """
    if saved is None:
        return False
    modules = saved.get("modules")
    return modules is not None and modules <= 0 and not clear_heap(saved, FIX_MIN_HEAP_SAVING)


def clear_heap(saved: dict[str, int | None], by: int) -> bool:
    """Whether a saving's heap drop is at least `by` bytes in every pairing of its runs."""
    least = saved.get("heap_bytes_least")
    return least is not None and least >= by


def too_little(rewrite: Rewrite) -> bool:
    """Whether a lazy `__init__` keeping names eager for an import cycle saves too little.

    The review offers such a rest only when its saving earns LOW on its scale (IA101,
    `review.order`): below that, a few modules are not worth the rewrite. Graded as the
    review grades, on the module count and on the heap every pairing of repeated runs
    saved (`saves_nothing`): one run's heap figure is not clear of the runs' spread.
    """
    from importaudit.model import Impact, Severity
    from importaudit.review.impact import severity_of

    saved = rewrite.exclusive
    if not rewrite.kept_for_order or saved is None:
        return False
    return severity_of(Impact(None, saved.get("heap_bytes_least"), None,
                              saved.get("modules"))) < Severity.LOW


def heap_decides(rewrite: Rewrite, single: dict[str, int | None]) -> bool:
    """Whether the offer of `rewrite` hangs on its heap: one run a side says it saves.

    `single` is its saving from one run a side. If that heap figure were clear of the
    noise, the rewrite would be offered; without it, not: `api.fix` then measures the
    heap of both sides again, to judge it on the spread of repeated runs.
    """
    import dataclasses

    def offered(least: int | None) -> bool:
        saved = {**single, "heap_bytes_least": least}
        return not (saves_nothing(saved)
                    or too_little(dataclasses.replace(rewrite, exclusive=saved)))

    return offered(single.get("heap_bytes")) and not offered(None)


def not_worth(rewrite: Rewrite) -> str:
    """Why a proven rewrite that saves nothing (or too little) is not offered (`api.fix`)."""
    saved = rewrite.exclusive or {}
    modules = saved.get("modules") or 0
    counted = (f"{modules} module(s)" if modules >= 0 else f"{-modules} more module(s)")
    if not saves_nothing(rewrite.exclusive):
        least = saved.get("heap_bytes_least")
        heap = (f"{format_bytes(least)} heap" if least is not None and least >= 0
                else _NO_CLEAR_HEAP)
        return (f"proven, but not offered: with {', '.join(rewrite.kept_for_order)} kept "
                f"eager for the import cycle, for `import {rewrite.module}` it saves only "
                f"{counted}, {heap}: {TOO_LITTLE} (below LOW, as the review grades it)")
    return (f"proven, but not offered: for `import {rewrite.module}` it saves nothing "
            f"measured ({counted}, {_NO_CLEAR_HEAP}): it would only make the code more "
            "complex")


#: What is said of a heap difference the repeated runs do not separate (`fix.heapnoise`).
_NO_CLEAR_HEAP = "no heap saving clear of the runs' spread"


def _values(names: Sequence[str]) -> str:
    """`; TimeoutError built on first access (...)`: the values `fix.lazy_values` made lazy.

    Said because it shows beyond attribute access: a module `__getattr__` serves them,
    so `vars(module)` and `module.__dict__` lack them until first used (tornado's API
    snapshot test lists `vars(tornado.util)`, and lost `TimeoutError` from it).
    """
    if not names:
        return ""
    return (f"; {', '.join(names)} built on first access (not in the module's "
            "`__dict__` until then)")


def _exclusive(saved: dict[str, int | None] | None, module: str) -> str:
    """`; for `import m` it saves 88 module(s), 5.2 MiB heap` (what no longer loads).

    Measured from an import of the rewritten module, the other rewrites applied (see
    `api.fix`). A rewrite that loads more than before (a lazy `__init__` whose parent
    still imports everything, plus the shared helper it brings) says so: "it costs 1
    more module(s)", never "saves -1 module(s)"; one that saves nothing says that. A
    rewrite that loads the same modules shows the heap its repeated runs separate by
    (`saves_nothing`): one run's heap difference is the runs' spread.
    """
    if saved is None:
        return ""
    if saves_nothing(saved) and not (saved.get("modules") or 0) < 0:
        return f"; for `import {module}` it saves nothing measured: no saving"
    # Time is left out of the text (JSON has it): one rewrite's share of a few medians
    # on a busy machine is mostly noise; module counts and heap are not.
    modules, heap = saved.get("modules"), saved.get("heap_bytes")
    if modules == 0:
        heap = saved.get("heap_bytes_least") if clear_heap(saved, FIX_MIN_HEAP_SAVING) else None
    saves = [f"{modules} module(s)" if modules is not None and modules >= 0 else "",
             f"{format_bytes(heap)} heap" if heap is not None and heap >= 0 else ""]
    costs = [f"{-modules} more module(s)" if modules is not None and modules < 0 else "",
             f"{format_bytes(-heap)} more heap" if heap is not None and heap < 0 else ""]
    text = ""
    if any(saves):
        text += f"; for `import {module}` it saves " + ", ".join(p for p in saves if p)
    if any(costs):
        text += (f"; for `import {module}` it costs " if not text else " but costs ") \
            + ", ".join(p for p in costs if p)
    return text


def render_json(result: FixResult, stream: TextIO, shown: Any = str) -> None:
    """Write the result as indented JSON."""
    json.dump(to_dict(result, shown), stream, indent=2)
    stream.write("\n")


def _row(label: str, before: int | None, after: int | None, unit: Any) -> str:
    saved = _saving(before, after)
    share = "" if saved is None else f"{saved:>8.0%}"
    return f"  {label:<8}{unit(before):>12}{unit(after):>12}{share}"


@dataclass(frozen=True, slots=True)
class TimeRuns:
    """The fastest and slowest run of importing a report's targets, and how many runs.

    Bounds, summed over the roots: each run's total lies between them.
    """

    fastest_ns: int
    slowest_ns: int
    runs: int


@dataclass(frozen=True, slots=True)
class TimeVerdict:
    """Whether importing the targets got faster, with the runs of each side.

    `verdict`: "faster" (every run after beat every run before), "slower" (the
    reverse), "within-noise" (the runs overlap: the medians' difference is the runs'
    spread; tornado's rewrites left `import tornado` its same 25 modules, and its
    medians 16% apart), "not-judged" (a side had one run: no spread to judge by).
    """

    verdict: str
    before: TimeRuns
    after: TimeRuns


def _time_runs(report: Report) -> TimeRuns:
    roots = [r for r in report.modules if r.importer is None and not r.preloaded]
    return TimeRuns(sum(r.cumulative_ns_min for r in roots),
                    sum(r.cumulative_ns_max for r in roots),
                    min((r.runs for r in roots), default=0))


def time_verdict(before: Report, after: Report) -> TimeVerdict:
    """Whether the time saving of `before` -> `after` lies beyond the noise (TimeVerdict)."""
    b, a = _time_runs(before), _time_runs(after)
    if b.runs < 2 or a.runs < 2:
        verdict = "not-judged"
    elif a.slowest_ns < b.fastest_ns:
        verdict = "faster"
    elif a.fastest_ns > b.slowest_ns:
        verdict = "slower"
    else:
        verdict = "within-noise"
    return TimeVerdict(verdict, b, a)


def _runs_dict(runs: TimeRuns) -> dict[str, int]:
    return {"fastest_ns": runs.fastest_ns, "slowest_ns": runs.slowest_ns, "runs": runs.runs}


def _time_row(before: Report, after: Report, b: int, a: int) -> str:
    """The time row: a saving (or cost) only when every run of one side beat the other's.

    Otherwise the medians' difference is within the runs' spread: noise (`time_verdict`).
    """
    verdict = time_verdict(before, after).verdict
    if _saving(b, a) is None or verdict in ("faster", "slower"):
        return _row("time", b, a, format_ns)
    why = ("within noise (the runs overlap)" if verdict == "within-noise"
           else "not judged (one run has no spread: use --repeat)")
    return f"  {'time':<8}{format_ns(b):>12}{format_ns(a):>12}  {why}"


def render_text(result: FixResult, stream: TextIO, shown: Any = str) -> None:
    """Diffs of the proven rewrites, the proof, what was left alone, and the cost."""
    out = stream.write
    for rewrite in result.rewrites:
        if rewrite.passed:  # unproven ones too: the diff is what the user may apply
            out(unified_diff(rewrite, shown(rewrite.file)) + "\n")
    out(_summary(result))
    for rewrite in result.rewrites:
        if rewrite.passed:
            how = (f"moved into the {rewrite.functions} function(s) using them, or under "
                   "TYPE_CHECKING" if rewrite.functions else
                   "under TYPE_CHECKING" if rewrite.moved else "lazy")
            narrowed = (f"{len(rewrite.narrowed)} name(s) imported from the module "
                        f"defining {'it' if len(rewrite.narrowed) == 1 else 'them'} "
                        f"({', '.join(rewrite.narrowed)})" if rewrite.narrowed else "")
            moved = (f"{len(rewrite.names)} name(s) {how}"
                     if rewrite.names or not narrowed else "")
            what = f"new file {shown(rewrite.file)}" if rewrite.before is None else (
                "; ".join(p for p in (moved, narrowed) if p)
                + f" ({', '.join(rewrite.codes)})" + _values(rewrite.values)
                + _exclusive(rewrite.exclusive, rewrite.module))
            out(f"  {'--' if result.not_proven else 'ok'}    {rewrite.module}: {what}"
                f"{_rounds(rewrite, result)}\n")
            continue
        out(f"  FAIL  {rewrite.module}: not written{_rounds(rewrite, result)}\n")
        for broke in rewrite.broke:
            out(f"          {broke.message}\n")
    if result.refusals:
        out("Left as it was:\n")
        out("".join(f"{line}\n" for line in left_lines(result.refusals)))
    before, after = result.before, result.after
    if before is not None and after is not None:
        b, a = report_totals(before), report_totals(after)
        out(f"Import cost of {', '.join(before.targets)}  (before, after, saving)\n")
        out(_time_row(before, after, b.total_ns, a.total_ns) + "\n")
        out(_row("heap", b.heap_bytes, a.heap_bytes, format_bytes) + "\n")
        out(_row("modules", b.modules, a.modules, str) + "\n")
    if result.tests is not None:
        verdict = "passed" if result.tests.returncode == 0 else (
            f"FAILED (status {result.tests.returncode})")
        out(f"Tests on the rewritten copy: `{result.tests.command}` {verdict}\n")
        if result.tests.returncode != 0 and result.tests.tail:
            out("".join(f"  {line}\n" for line in result.tests.tail.splitlines()))
    if result.versions is not None and result.rewrites:  # nothing offered: nothing to check
        out(_versions_text(result.versions))
    _verdict(result, out, shown)


def _lines(numbers: Sequence[int]) -> str:
    """`43, 46-53`: line numbers, runs of consecutive ones as ranges."""
    runs: list[list[int]] = []
    for number in sorted(set(numbers)):
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def _split(refusal: Refusal) -> tuple[str, str]:
    """(what stays, why): `Self stays: saves nothing: ...` -> ("Self", "saves nothing: ...")."""
    name, reason = refusal.name, refusal.reason
    if name and reason.startswith(f"{name} stays: "):
        return name, reason[len(name) + len(" stays: "):]
    return "", reason


def left_lines(refusals: Sequence[Refusal]) -> list[str]:
    """What was left as it was: each reason once, with the files, lines and names it holds for.

    One reason for several lines or names of a file is one line
    (`typing.py:43, 46-53: conditional import ...`); one reason in several files
    (`saves nothing: sqlalchemy.util.typing is loaded anyway by sqlalchemy.orm`) heads
    the files it holds in, each with its names, instead of a line per name.
    """
    # Keyed by the reason and whether it names what stays: a line of a statement is
    # never shown as if a name's.
    groups: dict[tuple[str, bool], dict[str, list[Refusal]]] = {}
    for refusal in refusals:
        what, why = _split(refusal)
        groups.setdefault((why, bool(what)), {}).setdefault(refusal.file, []).append(refusal)

    def place(file: str, items: list[Refusal]) -> str:
        numbers = [r.line for r in items if r.line]
        names = [n for n in dict.fromkeys(_split(r)[0] for r in items) if n]
        where = f"{file}:{_lines(numbers)}" if numbers else file
        return f"{where}: {', '.join(names)}" if names else where

    lines: list[str] = []
    for (why, named), files in groups.items():
        if len(files) == 1:
            (file, items), = files.items()
            names = {_split(r)[0] for r in items}
            stays = (" stays" if len(names) == 1 else " stay") if named else ""
            lines.append(f"  {place(file, items)}{stays}: {why}")
            continue
        lines.append(f"  {why}:")
        lines.extend(f"    {place(file, items)}" for file, items in files.items())
    return lines


def _rounds(rewrite: Rewrite, result: FixResult) -> str:
    """` [round 2]`: which rounds rewrote the file, when there was more than one."""
    if result.rounds == 1:
        return ""
    return f" [round{'s' if len(rewrite.rounds) > 1 else ''} " \
           f"{', '.join(map(str, rewrite.rounds))}]"


def _summary(result: FixResult) -> str:
    """How many rewrites were proposed, and how many passed the proof (or why none ran)."""
    proposed = [r for r in result.rewrites if r.codes or not r.passed]
    if result.not_proven:
        return (f"{len(proposed)} rewrite(s) proposed (--style {result.style}), NOT proven: "
                f"{result.not_proven}\n")
    rounds = "" if result.rounds == 1 else (
        f"; {result.rounds} rounds, each reviewing the copy the last one proved"
        + ("" if result.fixed_point or result.stopped else
           ", stopped at the bound: run fix again for the rewrites the last round exposed"))
    rounds += f"; {result.stopped}" if result.stopped else ""
    idle = sum(1 for r in proposed if r.passed and saves_nothing(r.exclusive))
    unoffered = len(result.not_offered)
    # A lazy __init__ keeping an import cycle's names eager may save too little (`too_little`).
    little = ", or too little" if any(
        TOO_LITTLE in f.reason for f in result.refusals if f.module in result.not_offered) else ""
    if unoffered and not proposed:
        # Every proven rewrite saved nothing: "0 proposed" read as if none was found.
        return (f"{unoffered} rewrite(s) proven, none offered: "
                f"{'it saves' if unoffered == 1 else 'each saves'} nothing measured{little} "
                "(see \"Left as it was\")\n")
    if not proposed and result.interrupted:  # not "nothing could be rewritten"
        return f"0 rewrite(s) proven: {result.stopped}\n"
    if not proposed:  # "0 proposed" alone leaves the user guessing why
        why = result.nothing_found or (
            "what the review found was left as it was (see \"Left as it was\")"
            if result.refusals else "nothing the review found could be rewritten")
        return f"0 rewrite(s) proposed: {why}\n"
    return (f"{len(proposed)} rewrite(s) proposed, "
            f"{sum(1 for r in proposed if r.passed)} passed the proof"
            + (f" ({result.modules_checked} module(s) imported on both sides)"
               if result.modules_checked else "")
            + (f", {idle} of them measured saving nothing" if idle else "")
            + (f"; {unoffered} more proven but not offered: saving nothing measured{little}"
               if unoffered else "") + rounds + "\n")


def _verdict(result: FixResult, out: Any, shown: Any) -> None:
    """The closing lines: what failed, what costs more, what was written."""
    if result.proof_failed:
        # Says why the command exits 1 even when other rewrites were written.
        out(f"Proof failed: {len(result.withdrawn)} rewrite(s) withdrawn"
            + (f", {len(result.broke)} failure(s) no rewrite is blamed for"
               if result.broke else "") + "; those files are not written.\n")
    if result.costlier:
        out(f"Cost went up ({', '.join(result.costlier)}): the rewrites make importing "
            "the targets more expensive"
            + ("" if result.written else "; not written (--allow-costlier writes anyway)")
            + ".\n")
    if result.not_proven:
        out("Nothing written: a rewrite is written only once its proof passed.\n")
    elif result.written:
        out(f"Written: {', '.join(shown(p) for p in result.written)}\n")
    elif result.interrupted:
        out(f"Nothing written: interrupted by {result.interrupted}"
            + (" (the diffs above are what was proven)" if result.passed else "") + ".\n")
    elif result.passed and not result.costlier:
        out("Nothing written: run again with --write to apply.\n")
