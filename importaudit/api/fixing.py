"""The `fix` use case: review, rewrite into lazy imports, prove, measure, write."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from importaudit.api.reviewing import review
from importaudit.api.runs import (
    Environments,
    new_report,
    progress_line,
    resolve_targets,
    run_profile,
    shown_path,
    walk,
)
from importaudit.config.options import FixOptions, ReviewOptions
from importaudit.defaults import FIX_ROUNDS
from importaudit.errors import Interrupted, UsageError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from importaudit.api.runs import ResolvedTargets
    from importaudit.config.options import Measure
    from importaudit.fix import fixpoint
    from importaudit.fix.engine import Target as FixTarget
    from importaudit.fix.lazy_init import Refusal
    from importaudit.fix.project import Declared
    from importaudit.fix.result import FixResult, Rewrite
    from importaudit.model import Report
    from importaudit.runtime.interpreter import Interpreter
    from importaudit.static.discover import SearchPath


def fix(targets: Sequence[str], options: FixOptions | None = None) -> FixResult:
    """Rewrite what the review found into lazy imports, prove it, and write it if asked.

    See `_fix`. Interrupted by a signal (`errors.Interrupted`), the signal carries as its
    `partial` what the rounds finished by then proved (a `FixResult` whose
    `interrupted` names the signal and whose `stopped` says where it came): the command
    line shows it before it exits. Nothing is written then, unless the signal came
    while the files were being written: they are all written first (`fix.writing`).
    """
    from importaudit.fix.result import FixResult

    try:
        return _fix(targets, options)
    except Interrupted as exc:
        if not isinstance(exc.partial, FixResult):
            exc.partial = FixResult(
                style=(options or FixOptions()).style, fixed_point=False,
                interrupted=exc.name, stopped=f"interrupted by {exc.name} before the first "
                "round was proven: nothing is proven yet")
        raise


def _interrupted(exc: Interrupted, result: FixResult, where: str) -> None:
    """Put `result` on `exc`: what was proven when the signal came (`where`).

    Unless a stage under this one did: a round's own partial says more than the run's.
    """
    import dataclasses

    from importaudit.fix.result import FixResult

    if not isinstance(exc.partial, FixResult):
        exc.partial = dataclasses.replace(result, interrupted=exc.name, fixed_point=False,
                                          stopped=f"interrupted by {exc.name} {where}")


def _fix(targets: Sequence[str], options: FixOptions | None = None) -> FixResult:
    """Rewrite what the review found into lazy imports, prove it, and write it if asked.

    Reviews `targets` (rules `options.select`, default the ones `fix` can rewrite),
    plans a rewrite per finding, proves the rewrites by importing the original and a
    rewritten copy in fresh interpreters of `measure.python`, measures both
    (`measure.repeat` runs, heap included), runs `test_cmd` on the copy, and with
    `write` replaces the files atomically, only when every check passed and the
    measured heap and module count did not go up (unless `allow_costlier`). Nothing is
    written otherwise. A proven rewrite whose own measured saving is none (`fix.output.
    saves_nothing`) is left as it was, with the reason, and the rest proven again.
    The proof imports the targets' submodules the measure's walk
    keeps (never test packages unless `include_tests`); findings `ignore` suppresses
    (as in `review`) are left alone. `style` is the form of a lazy `__init__`
    (`fix.styles.STYLES`), checked against what the package declares
    (`fix.project.declared`).
    """
    import dataclasses

    from importaudit.errors import TargetFailedError
    from importaudit.fix import engine
    from importaudit.fix import result as outcome
    from importaudit.fix.reads import PlanCache

    options = options or FixOptions()
    measure = options.measure
    out_of_time = _deadline(options.time_limit)
    codes = sorted({c.strip().upper() for c in options.select or engine.FIX_CODES
                    if c.strip()})
    unknown = [c for c in codes if c not in engine.FIX_CODES]
    if unknown:
        raise UsageError(f"fix cannot rewrite {', '.join(unknown)} (it rewrites "
                         f"{', '.join(sorted(engine.FIX_CODES))}; `importaudit rules "
                         "CODE` says how to fix the others by hand)")
    resolved = resolve_targets(targets)
    envs = Environments()
    interpreter = envs.interpreter(measure)
    declared = _declared_for(resolved, envs.search_path(measure), options.style,
                             interpreter, measure.timeout)
    once = dataclasses.replace(measure, repeat=1)
    reviewed = review(targets, ReviewOptions(measure=once, select=tuple(codes),
                                             ignore=options.ignore, fold_pulls=False,
                                             prove_lazy=False, distribution=False),
                      environments=envs)
    failure = reviewed.failure
    # A submodule that fails in the tree walk (a Windows-only module) is no reason to
    # stop; a target that does not import is: there is nothing to prove against.
    if failure is not None and (failure.module is None or failure.module in resolved.modules):
        raise TargetFailedError(f"cannot fix: {failure.message}")
    # The proof imports what the profiler's tree walk imports: never test packages or
    # excluded modules (importing those would run the user's test code).
    modules, _ = walk(targets, measure, envs)
    # Each member of an import cycle that can fail must still import first, alone: an
    # eager `__init__` may import them in the one order that works (prompt_toolkit's).
    imported = {m.name for m in reviewed.modules if not m.error}
    cyclic = sorted({m for c in reviewed.cycles if c.order_matters for m in c.modules
                     if m in imported})
    # Every round, and every pass of `_worth_offering`, plans most modules again on
    # files that did not change: a plan is made once for the same finding and files.
    plans = PlanCache()
    # A long run says where it is on stderr (on a terminal only: `progress_line`).
    shows: list[Callable[[str], None]] = []

    def say(what: str) -> None:
        for show in shows:
            show(what)

    def propose(fixes: Sequence[FixTarget], paths: Sequence[str],
                relpath: Callable[[Path], str], step: str) -> FixResult:
        return engine.propose(fixes, python=interpreter.executable, paths=paths,
                              imports=modules or resolved.modules, timeout=measure.timeout,
                              relpath=relpath, style=options.style, declared=declared,
                              version=interpreter.version, env=interpreter.env,
                              first=cyclic, plan_cache=plans,
                              progress=lambda what: say(f"fix {step}: {what}"))

    def again(where: fixpoint.Round, tried: frozenset[str], step: str) -> FixResult:
        """The next round: review the rewritten copy, propose what is newly fixable."""
        folders = resolved.extra_path
        # The targets by the names round 1 gave them, looked up in the copy first, then
        # where round 1 found them (as the proof imports them): a path in the copy
        # names a package inside a namespace package by its last part alone
        # (`store` for ns.store), and as such it does not import.
        copied = dataclasses.replace(once, search_first=(str(where.copy), *folders),
                                     warm_bytecode=True)  # (a copy: see `plain` below)
        say(f"fix {step}: reviewing the rewritten copy")
        found = review(resolved.modules,
                       ReviewOptions(measure=copied, select=tuple(codes),
                                     ignore=options.ignore, fold_pulls=False,
                                     prove_lazy=False, distribution=False),
                       environments=envs)
        if found.failure is not None and (found.failure.module is None
                                          or found.failure.module in resolved.modules):
            # The proof imported this tree; a review that cannot is no round to build on.
            return outcome.FixResult()
        return propose([t for t in _fix_targets(found, codes) if t.module not in tried],
                       (str(where.copy), *folders), lambda p: shown_path(where.original(p)),
                       step)

    first = _fix_targets(reviewed, codes)
    # Both sides load their copies with bytecode written, as an installed package does
    # (see `_measured`).
    plain = dataclasses.replace(measure, tree=False, isolated=False, memory=True,
                                warm_bytecode=True)

    def proven(idle: frozenset[str]) -> FixResult:
        """The rounds, proven, measured and tested, without the rewrites of `idle` modules."""
        without = f" (again, without {len(idle)} that saved nothing)" if idle else ""
        found = _fixed_point(propose([t for t in first if t.module not in idle],
                                     resolved.extra_path, shown_path, f"round 1{without}"),
                             lambda where, tried, number: again(
                                 where, tried | idle, f"round {number}{without}"),
                             out_of_time)
        return _measured(found, resolved, plain, options, interpreter,
                         lambda what: say(f"fix{without}: {what}"))

    with progress_line() as show:
        shows.extend([show] if show is not None else [])
        result = _worth_offering(proven, out_of_time)
    if not first:
        return dataclasses.replace(result, nothing_found=_nothing_found(
            reviewed, codes, options.ignore))
    if not result.passed or result.before is None or result.after is None:
        return result
    if options.write and (options.allow_costlier or not result.costlier):
        return _written(result)
    return result


def _written(result: FixResult) -> FixResult:
    """`result` with its proven files written (`fix.writing.write`)."""
    import dataclasses

    from importaudit.fix import writing

    try:
        return dataclasses.replace(result, written=writing.write(result))
    except Interrupted as exc:
        # A signal while writing took effect once every file was written; one before
        # (while the files were checked) stopped it with none written.
        written = exc.partial if isinstance(exc.partial, tuple) else ()
        every = len(result.passed)
        exc.partial = dataclasses.replace(
            result, written=written, interrupted=exc.name,
            stopped=(f"interrupted by {exc.name} while writing: every proven file was "
                     "written first" if len(written) == every else
                     f"interrupted by {exc.name} while writing: {len(written)} of the "
                     f"{every} proven files were written (a second signal stopped it)"
                     if written else
                     f"interrupted by {exc.name} before writing: nothing was written"))
        raise


def _nothing_found(reviewed: Report, codes: Sequence[str], ignore: Sequence[str]) -> str:
    """Why the review of `reviewed` gave `fix` nothing to rewrite, in one line."""
    found = [f for f in reviewed.findings if f.code in codes]
    rules = ", ".join(codes)
    if found:  # on modules without a source fix could rewrite (compiled, not .py)
        return (f"the review's {len(found)} {rules} finding(s) name modules whose "
                "source fix cannot rewrite (compiled, or no .py file)")
    suppressed = (f"; {len(ignore)} suppression(s) of --ignore and review_ignore applied"
                  if ignore else "")
    return (f"the review ({rules}{suppressed}) found no import in "
            f"{', '.join(reviewed.targets)} whose rewrite would save anything measurable")


def _deadline(limit: float | None) -> Callable[[], str | None]:
    """What says, once `limit` seconds from now have passed, that the time is up (else None)."""
    import time

    if limit is None:
        return lambda: None
    end = time.monotonic() + limit
    return lambda: (f"stopped at the time limit ({limit:g} s)"
                    if time.monotonic() >= end else None)


def _worth_offering(proven: Callable[[frozenset[str]], FixResult],
                    out_of_time: Callable[[], str | None] = lambda: None) -> FixResult:
    """What `proven` gives without the modules whose proven rewrite saves nothing.

    `proven(idle)` runs the rounds without the rewrites of the `idle` modules, and
    proves, measures and tests the rest.
    A proven rewrite that saves nothing measured makes the code more complex for
    nothing: it is not offered (pendulum's lazy `__init__`: the eager names it keeps
    load what it defers). The rest were proven with it applied, so they are proven
    and measured again without it; each pass leaves out at least one module more. What
    was left alone in the rewrites not offered (why they save nothing) stays said.

    When `out_of_time` says so before a pass that would prove the rest without them,
    the pass that ran stands as it was proven and measured (`_between_passes`): the
    rest were proven only together with the rewrites that save nothing, so those are
    kept too, and `stopped` says so. Interrupted by a signal during a later pass, the
    signal carries that pass's finished rounds, or else the pass before, the same way.
    """
    import dataclasses

    from importaudit.fix.output import saves_nothing, too_little
    from importaudit.fix.result import FixResult

    idle: dict[str, Rewrite] = {}
    left: list[Refusal] = []
    last: tuple[FixResult, dict[str, Rewrite], dict[str, Rewrite], list[Refusal]] | None = None
    while True:
        try:
            result = proven(frozenset(idle))
        except Interrupted as exc:
            partial = exc.partial
            if isinstance(partial, FixResult) and partial.passed:  # a round of this pass
                exc.partial = _offered(partial, idle, left)
            elif last is not None:
                before, earlier, now, kept = last
                exc.partial = _between_passes(
                    dataclasses.replace(before, interrupted=exc.name, fixed_point=False),
                    earlier, now, kept, f"interrupted by {exc.name}", "")
            raise
        now = {r.module: r for r in result.passed
               if r.codes and (saves_nothing(r.exclusive) or too_little(r))}
        if not now:
            break
        stopped = out_of_time()
        if stopped is not None:
            return _between_passes(result, idle, now, left, stopped,
                                   "; run fix again with a longer --time-limit to have "
                                   "them proven alone")
        last = (result, dict(idle), now, list(left))
        idle.update(now)
        left.extend(f for f in result.refusals if f.module in now)
    return _offered(result, idle, left)


def _offered(result: FixResult, idle: dict[str, Rewrite], left: Sequence[Refusal]) -> FixResult:
    """`result`, saying that the rewrites of `idle` are not offered, and why (`left`)."""
    import dataclasses

    from importaudit.fix.lazy_init import Refusal
    from importaudit.fix.output import not_worth

    if not idle:
        return result
    return dataclasses.replace(result, not_offered=tuple(idle), refusals=tuple(dict.fromkeys((
        *result.refusals, *left, *(Refusal(r.module, shown_path(r.file), None, not_worth(r))
                                   for r in idle.values())))))


def _between_passes(result: FixResult, earlier: dict[str, Rewrite], now: dict[str, Rewrite],
                    left: Sequence[Refusal], stopped: str, then: str) -> FixResult:
    """What a pass `result` offers when no further pass proves its rest without `now`.

    `now` are its rewrites that save nothing, `earlier` those the passes before left
    out (with `left`, what was left alone in them). The others were proven only
    together with `now` applied: all of them stand as proven and measured, those of
    `now` included (each says it saves nothing), and `stopped` + `then` say so. If
    every proven rewrite is in `now`, none is offered, as after a last pass: nothing
    is left that a further pass would prove.
    """
    import dataclasses

    others = sum(1 for r in result.passed if r.codes and r.module not in now)
    if others:
        kept = dataclasses.replace(result, stopped=(
            f"{stopped} before proving the {others} other rewrite(s) again without the "
            f"{len(now)} that save nothing ({', '.join(sorted(now))}): they were proven "
            f"only together with those, so all are kept, as proven{then}"))
        return _offered(kept, earlier, left)
    # Only what failed stays: not the helper file or stub either (no codes:
    # `_lazy_exports`, `pkg (stub)`), which serve the rewrites not offered.
    none = dataclasses.replace(
        result, rewrites=tuple(r for r in result.rewrites if not r.passed),
        before=None, after=None, tests=None, costlier=(),
        stopped=f"{stopped}: every rewrite proven saves nothing, so none is offered")
    return _offered(none, {**earlier, **now},
                    [*left, *(f for f in result.refusals if f.module in now)])


def _measured(result: FixResult, resolved: ResolvedTargets, plain: Measure,
              options: FixOptions, interpreter: Interpreter,
              say: Callable[[str], None] = lambda _what: None) -> FixResult:
    """`result` with the targets' import cost before and after, tests, exclusive savings.

    See `_measuring`. Interrupted, the signal carries `result`: proven, not measured.
    """
    try:
        return _measuring(result, resolved, plain, options, interpreter, say)
    except Interrupted as exc:
        tested = " and tested with --test-cmd" if options.test_cmd else ""
        _interrupted(exc, result, f"while the rewrites the {_rounds(result.rounds)} "
                     f"proved were measured{tested}: they are shown, not measured"
                     f"{', not tested' if tested else ''}")
        raise


def _rounds(count: int) -> str:
    """`round` or `3 rounds`."""
    return "round" if count == 1 else f"{count} rounds"


def _measuring(result: FixResult, resolved: ResolvedTargets, plain: Measure,
               options: FixOptions, interpreter: Interpreter,
               say: Callable[[str], None]) -> FixResult:
    """`result` with the targets' import cost before and after, tests, exclusive savings.

    `say` is told which measurement runs, for a long run.

    The user's tests run on the rewritten copy; every rewrite is withdrawn when the
    copy fails to import or the tests fail.
    """
    import dataclasses

    from importaudit.fix import copies, writing
    from importaudit.runtime.runner import ProfileRequest

    if not result.passed:
        return result
    # The cost of importing the targets themselves, heap included, before and after.
    # The copies are ours and temporary: the warm-up writes their bytecode, so both
    # sides load as an installed package does. Under PYTHONDONTWRITEBYTECODE (many
    # container images set it) every run compiled every module it loaded, the "before"
    # side far more of them: arrow's before read 302 ms, where importing it costs 45.

    def cost(paths: tuple[str, ...], modules: tuple[str, ...] = resolved.modules,
             measure: Measure = plain, warm: bool = True) -> Report:
        request = ProfileRequest(mode="import", args=modules, measure=measure,
                                 extra_path=paths, warmup=warm)
        return new_report(modules, run_profile(request, interpreter))

    once = dataclasses.replace(plain, repeat=1)
    say("measuring the cost of importing the targets before and after")
    with copies.rewritten_copy(result, apply=False) as old, \
            copies.rewritten_copy(result) as new:
        before = cost((str(old), *resolved.extra_path))
        after = cost((str(new), *resolved.extra_path))
        tests = (copies.run_tests(options.test_cmd, new, timeout=plain.timeout,
                                  env=interpreter.env) if options.test_cmd else None)
        heap: tuple[tuple[int, ...], tuple[int, ...]] = ((), ())
        if after.failure is None and copies.heap_rose(before, after):
            # One run a side says the heap went up: judged on repeated runs (`costlier`).
            heap = _heap_runs(before, after, lambda side: cost(
                (str(old if side == 0 else new), *resolved.extra_path), measure=once,
                warm=False))
    result = dataclasses.replace(result, before=before, after=after, tests=tests,
                                 costlier=copies.costlier(before, after, heap))
    if after.failure is not None or (tests is not None and tests.returncode != 0):
        return writing.withdraw(result)

    def entry_cost(copy: Path, module: str, warm: bool = True) -> Report:
        # Module counts repeat exactly: one run; a heap figure the offer hangs on is
        # measured again (`_exclusive`).
        return cost((str(copy), *resolved.extra_path), (module,), once, warm)

    say(f"measuring what each of the {sum(1 for r in result.passed if r.codes)} proven "
        "rewrite(s) saves alone")
    return _exclusive(result, entry_cost)


def _heap_runs(before: Report, after: Report, again: Callable[[int], Report],
               ) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The heap of importing `before`'s and `after`'s targets, over `FIX_HEAP_RUNS` runs a side.

    The reports give the first run of each side; `again(0)` measures the before side
    once more, `again(1)` the after side, taken in turn so that a drift of the machine
    falls on both. A run that measured no heap (it failed) ends the series.
    """
    from importaudit.defaults import FIX_HEAP_RUNS
    from importaudit.views import report_totals

    runs: tuple[list[int], list[int]] = ([], [])
    for first, side in ((before, 0), (after, 1)):
        heap = report_totals(first).heap_bytes
        if heap is None:
            return (), ()
        runs[side].append(heap)
    for _ in range(FIX_HEAP_RUNS - 1):
        for side in (0, 1):
            heap = report_totals(again(side)).heap_bytes
            if heap is None:
                return tuple(runs[0]), tuple(runs[1])
            runs[side].append(heap)
    return tuple(runs[0]), tuple(runs[1])


def _fixed_point(result: FixResult,
                 again: Callable[[fixpoint.Round, frozenset[str], int], FixResult],
                 out_of_time: Callable[[], str | None] = lambda: None) -> FixResult:
    """`result` (the first round) and the rounds after it, until nothing new is fixable.

    Each round reviews a copy with every rewrite proven so far applied (`again`); see
    `fix.fixpoint`. A module whose rewrite a round withdrew is not tried again. When
    `out_of_time` says so, no further round starts: the rounds run so far stand (each
    was proven), and why it stopped is said.
    """
    import dataclasses

    from importaudit.errors import TargetFailedError
    from importaudit.fix import copies, fixpoint
    from importaudit.fix.proof import Breakage

    latest, tried = result, fixpoint.withdrawn(result)
    for number in range(2, FIX_ROUNDS + 1):
        if not latest.passed:  # the last round changed nothing a review would see
            return result
        stopped = out_of_time()
        if stopped is not None:
            return dataclasses.replace(result, rounds=number - 1, fixed_point=False,
                                       stopped=f"{stopped} before round {number}: the "
                                       "rounds before are proven; run fix again for more")
        with copies.rewritten_copy(result) as copy:
            where = fixpoint.Round.of(result, copy)
            try:
                latest = where.carry_back(again(where, tried, number), number)
            except TargetFailedError as error:
                # The rounds before stand (each was proven); this one is said, not hidden.
                return dataclasses.replace(result, rounds=number, fixed_point=False, broke=(
                    *result.broke, Breakage("", f"round {number} did not finish: {error}")))
            except Interrupted as exc:
                # So do they when a signal stops this round: they are what is kept.
                _interrupted(exc, dataclasses.replace(result, rounds=number - 1),
                             f"during round {number}: the {_rounds(number - 1)} before "
                             "it proved what is shown (not measured or tested)")
                raise
        if not fixpoint.proposed(latest):
            return dataclasses.replace(result, rounds=number)
        tried |= fixpoint.withdrawn(latest)
        result = fixpoint.merge(result, latest, number)
    return dataclasses.replace(result, fixed_point=not latest.passed)


def _project_of(module: str, entries: Sequence[Path]) -> tuple[str, Path | None]:
    """The project package of `module` (`project_package`) and its top folder, if found.

    The top folder is where a pyproject.toml beside it is looked for; a namespace
    package's project (google.cloud.storage) is its own distribution, not the one that
    happens to be listed first for the shared `google` folder.
    """
    from importaudit.static.sourcetree import project_package, shared_folder

    parts = module.split(".")
    tops = [entry / parts[0] for entry in entries]
    regular = next((top for top in tops if top.is_dir() and not shared_folder(str(top))),
                   None)
    if regular is not None or len(parts) == 1:
        return parts[0], regular
    for top in tops:  # a namespace package's portions: the one holding the module
        place = top.parent.joinpath(*parts)
        file = place / "__init__.py" if place.is_dir() else place.with_suffix(".py")
        if file.is_file():
            return project_package(module, str(file)), top
    return parts[0], None


def _declared_for(resolved: ResolvedTargets, where: SearchPath, style: str,
                  interpreter: Interpreter, timeout: float) -> Declared | None:
    """What the targets' project declares, refusing a style it does not allow.

    Targets of several projects: the declaration whose range starts lowest (every
    rewrite must run there). One line says why a style cannot be used.
    """
    import dataclasses

    from importaudit.fix.project import declared, lowest
    from importaudit.fix.styles import LAZY_LOADER, STYLES

    if style not in STYLES:
        raise UsageError(f"no fix style {style!r} (styles: {', '.join(STYLES)})")
    found: list[Declared] = []
    entries = [Path(entry) for entry in (*resolved.extra_path, *where.entries) if entry]
    for top, folder in dict.fromkeys(_project_of(m, entries) for m in resolved.modules):
        said = declared(top, folder, python=interpreter.executable, timeout=timeout,
                        env=interpreter.env)
        if said is not None and said.source.endswith("pyproject.toml"):
            said = dataclasses.replace(said, source=shown_path(Path(said.source)))
        if style == "lazy-loader" and (said is None or not said.depends_on(LAZY_LOADER)):
            place = said.source if said is not None else "no pyproject.toml or installed metadata"
            raise UsageError(f"--style lazy-loader writes code that imports lazy_loader, and "
                             f"{top} does not depend on it ({place}); add it to "
                             "[project] dependencies, or use --style pep562")
        if said is not None:
            found.append(said)

    def start(said: Declared) -> tuple[int, int]:  # undeclared: every Python
        specifier = said.specifier
        return (0, 0) if specifier is None else lowest(specifier) or (0, 0)

    widest = min(found, default=None, key=start)
    if style == "pep810":
        oldest = lowest(widest.specifier) if widest and widest.specifier else None
        if oldest is None or oldest < (3, 15):
            what = (f"declares requires-python {widest.requires_python!r} ({widest.source})"
                    if widest is not None and widest.requires_python else
                    "declares no requires-python")
            raise UsageError(f"--style pep810 writes `lazy` imports, which need Python >= "
                             f"3.15, and the package {what}; use --style pep562")
    return widest


def _fix_targets(reviewed: Report, codes: Sequence[str]) -> list[FixTarget]:
    """What `fix` rewrites: each finding's module and file, codes and what to defer."""
    from importaudit.fix import engine
    from importaudit.fix.pulls import plan_pull
    from importaudit.review.context import ReviewContext
    from importaudit.review.introspect import read_at_run_time

    files = {r.name: r.origin for r in reviewed.modules if r.origin}
    # A module that runs compiled (mypyc: black.concurrency) is not its .py: a rewrite
    # of the source beside it would change nothing that runs, so it is not a target.
    compiled = {name for name, origin in files.items() if not origin.endswith(".py")}
    if reviewed.graph is not None:
        files.update({n.name: n.file for n in reviewed.graph.modules
                      if n.file and n.name not in compiled})
    # Only the reviewed packages' own modules are rewritten as helpers: never the
    # standard library's or another package's (functools is a helper too).
    ours = frozenset(m for m, f in files.items() if (f or "").endswith(".py") and any(
        m == t or m.startswith(t + ".") for t in reviewed.targets))
    context = ReviewContext(reviewed)
    found: dict[str, list[str]] = {}
    roots: dict[str, set[str]] = {}
    narrow: dict[str, dict[str, str]] = {}
    left: dict[str, dict[str, str]] = {}
    for finding in reviewed.findings:
        where = files.get(finding.module)
        init_only = finding.code in engine.INIT_CODES
        if finding.code in codes and where and where.endswith(".py") and (
                not init_only or Path(where).name == "__init__.py"):
            found.setdefault(finding.module, []).append(finding.code)
            if finding.code == "IA103":
                # IA103's chain is (module, utility package, helper modules...): what
                # saves something as the code is, there and in the helpers' modules.
                pull = plan_pull(context, finding, ours)
                roots.setdefault(finding.module, set()).update(pull.roots)
                narrow.setdefault(finding.module, {}).update(pull.narrow)
                left.setdefault(finding.module, {}).update(pull.left)
                for helper, deferred in pull.helpers.items():
                    found.setdefault(helper, []).append(finding.code)
                    roots.setdefault(helper, set()).update(deferred)
            elif finding.code in engine.DEFER_CODES:  # IA102: (module, dependency)
                roots.setdefault(finding.module, set()).update(finding.chain[1:2])
    imported: dict[str, set[str]] = {}
    for edge in reviewed.graph.edges if reviewed.graph is not None else ():
        if edge.importer != edge.imported:
            imported.setdefault(edge.imported, set()).update(edge.names)
    # The graph shows files relative to the current folder, the import system gives
    # them absolute: one absolute form, or one package looks like two (and is copied
    # twice) when a path target names a subpackage.
    # What the review keeps for annotations read at run time (IA501 leaves it too).
    read = read_at_run_time(context) if any("IA501" in c for c in found.values()) else {}
    return [engine.Target(m, Path(os.path.abspath(files[m])), tuple(sorted(set(c))),
                          frozenset(imported.get(m, ())), frozenset(roots.get(m, ())),
                          tuple(sorted(narrow.get(m, {}).items())),
                          tuple(sorted(left.get(m, {}).items())),
                          frozenset(read.get(m, {})))
            for m, c in sorted(found.items())]


def _exclusive(result: FixResult, measure: Callable[..., Report]) -> FixResult:
    """Each rewrite's exclusive saving, measured from an import of its own module.

    What a process importing the rewritten module no longer loads because of this
    rewrite: the copy with every proven rewrite applied against the same copy without
    this one (the earlier rounds' rewrites it builds on stay applied). It is what the
    review planned on the load graph from that module; zero when the module loads
    the same either way (then it is no saving, and the output says so). The
    measurements are independent, each in interpreters of its own: as many run at once
    as there are cores (what they decide on, module counts and heap, does not depend
    on how busy the machine is; their time, in the JSON only, does).

    Where the offer hangs on the heap alone (`fix.output.heap_decides`: no module
    less, say), both sides' heap is measured `FIX_HEAP_RUNS` times: the saving's
    `heap_bytes_least` is the least drop over every pairing of those runs where they
    separate clearly, else None (`fix.heapnoise.clear_drop`); `heap_bytes` is then the
    medians' difference.
    """
    import dataclasses
    import statistics
    from concurrent.futures import ThreadPoolExecutor

    from importaudit.fix import copies
    from importaudit.fix.heapnoise import clear_drop
    from importaudit.fix.output import heap_decides

    measured = copies.all_but(result)

    def judged(rewrite: Rewrite, others: Sequence[Rewrite],
               copy: Path) -> dict[str, int | None] | None:
        after = measure(copy, rewrite.module)
        with copies.rewritten_copy(result, others) as old:
            was = measure(old, rewrite.module)
            if was.failure is not None:
                return None
            saved = copies.saving(was, after)
            if saved is None or not heap_decides(rewrite, saved):
                return None if saved is None else {**saved, "heap_bytes_least": None}
            runs = _heap_runs(was, after, lambda side: measure(
                old if side == 0 else copy, rewrite.module, warm=False))
        if not runs[0] or not runs[1]:
            return {**saved, "heap_bytes_least": None}
        return {**saved, "heap_bytes": round(statistics.median(runs[0])
                                             - statistics.median(runs[1])),
                "heap_bytes_least": clear_drop(*runs)}

    with copies.rewritten_copy(result) as copy:
        pool = ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1))
        try:
            found = {r.module: pool.submit(judged, r, others, copy) for r, others in measured}
            exclusive = {module: future.result() for module, future in found.items()}
        finally:
            # An interrupt (or an error) starts none of the measurements still queued.
            pool.shutdown(cancel_futures=True)
    return dataclasses.replace(result, rewrites=tuple(
        dataclasses.replace(r, exclusive=exclusive.get(r.module)) for r in result.rewrites))
