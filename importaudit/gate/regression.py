"""Checks against the baseline: new modules, heap growth, slower imports.

Like for like: modules one side's interpreter had preloaded are left out of both, and
baseline times are scaled by the start-up ratio when this machine is slower (never down).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from importaudit.gate.outcome import (
    SHOWN,
    Outcome,
    delta,
    heap_gaps_of,
    load_graph,
    origin,
    pct,
    runs_of,
)
from importaudit.gate.stats import runs_needed, separation_confidence, speed_factor
from importaudit.model import Violation
from importaudit.units import format_bytes, format_ns

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from importaudit.config import Config, Tolerance
    from importaudit.loadgraph import LoadGraph
    from importaudit.model import Report


def compare(report: Report, baseline: Report, index: LoadGraph, config: Config,
             out: Outcome) -> Compared:
    """The current run and the baseline, made comparable (see `Compared`)."""
    # Like for like: a module one side's interpreter had loaded at start-up (a .pth
    # file, sitecustomize, another venv) is no one's regression on the other side.
    env = _environment(report, baseline)
    env.note(index, out)
    return Compared(index=load_graph(report, config.ignore, env.new), env=env,
                     full=index, baseline=baseline,
                     base=load_graph(baseline, config.ignore, env.gone))


def _roots(index: LoadGraph, targets: Sequence[str]) -> list[str]:
    """The targets that were measured, in the report's order."""
    return [t for t in targets if t in index.live]


def _mode(report: Report) -> str | None:
    return report.meta.mode if report.meta is not None else None


def compared_modules(report: Report, baseline: Report, index: LoadGraph) -> list[str]:
    """The modules compared with the baseline: the targets, and every module of theirs.

    Every module of the target packages is compared when a tree (or isolated) profile
    is judged against a baseline measured the same way.

    A tree profile imports each submodule itself, so a lazily loaded one (which the
    target's own import never runs) is where a regression hides; each is measured in the
    same order on both sides, so its figures compare like for like.
    """
    roots = _roots(index, report.targets)
    if _mode(report) not in ("tree", "isolated") or _mode(report) != _mode(baseline):
        return roots
    under = tuple(f"{t}." for t in roots)
    return [*roots, *(n for n in index.measured if n.startswith(under))]


@dataclass(frozen=True, slots=True)
class _Environment:
    """Modules preloaded on one side only: in the baseline (`new` here) or here (`gone`)."""

    new: frozenset[str]  # loaded by the targets now, preloaded in the baseline's run
    gone: frozenset[str]  # loaded by the targets in the baseline, preloaded now

    def share(self, full: LoadGraph, target: str, attr: str) -> int:
        """What `target`'s cumulative `attr` holds of modules in `new` (to leave out)."""
        total = 0
        for name in self.new:
            record = full.measured.get(name)
            if record is None or record.importer in self.new:
                continue  # nested inside another environment module: counted there
            if target in full.chain(name):
                total += getattr(record, attr) or 0
        return total

    def note(self, full: LoadGraph, out: Outcome) -> None:
        loaded = sorted(n for n in self.new if n in full.live)
        if loaded:
            shown = ", ".join(loaded[:SHOWN]) + (f" and {len(loaded) - SHOWN} more"
                                                 if len(loaded) > SHOWN else "")
            out.notes.append(
                f"not compared with the baseline: {len(loaded)} module(s) its interpreter "
                f"had already loaded at start-up ({shown})"
            )


def _environment(report: Report, baseline: Report) -> _Environment:
    now = {m.name for m in report.modules if m.preloaded}
    then = {m.name for m in baseline.modules if m.preloaded}
    return _Environment(new=frozenset(then - now), gone=frozenset(now - then))


@dataclass(frozen=True, slots=True)
class Compared:
    """The current run as the baseline saw the world (environment modules left out)."""

    index: LoadGraph  # without the modules the baseline had preloaded
    env: _Environment
    full: LoadGraph  # everything measured now
    baseline: Report
    base: LoadGraph  # the baseline, without the modules preloaded now

    def value(self, target: str, attr: str) -> int:
        """`target`'s cumulative `attr` less what environment modules contributed."""
        record = self.full.measured[target]
        return (getattr(record, attr) or 0) - self.env.share(self.full, target, attr)


def check_new_modules(report: Report, compared: Compared, tolerance: Tolerance,
                       out: Outcome) -> None:
    """Modules a target loads now that it did not load in the baseline."""
    index, base = compared.index, compared.base
    for target in compared_modules(report, compared.baseline, index):
        if target not in base.live:
            continue
        now, then = set(index.loads([target])), base.loads([target])
        # A module only some runs loaded (a race with a thread the import started) is
        # not a deterministic fact: name it, but do not count it as new.
        runs = runs_of(index.measured[target])
        sometimes = sorted(n for n in now - then if runs_of(index.measured[n]) < runs)
        if sometimes:
            now -= set(sometimes)
            more = f" and {len(sometimes) - SHOWN} more" if len(sometimes) > SHOWN else ""
            out.warnings.append(
                f"{', '.join(sometimes[:SHOWN])}{more}: loaded in only some of the {runs} "
                f"runs of {target}, so not counted as new modules"
            )
        new = now - then
        gone = then - now
        detail = f"{len(then)} -> {len(now)} modules"
        if gone:
            detail += f"; no longer loads {', '.join(sorted(gone)[:SHOWN])}"
            detail += f" and {len(gone) - SHOWN} more" if len(gone) > SHOWN else ""
        violations = []
        if len(new) > tolerance.new_modules:
            # The entry points of the new subtrees: new modules loaded by an old one.
            heads = [n for n in sorted(new, key=lambda n: index.measured[n].order)
                     if index.measured[n].importer not in new]
            shown = []
            for name in heads[:SHOWN]:
                chain = index.path([target], name) or index.chain(name)
                shown.append(f"{name} (via {' -> '.join(chain)})")
            more = f" and {len(heads) - SHOWN} more" if len(heads) > SHOWN else ""
            first = index.path([target], heads[0]) if heads else None
            violations.append(Violation(
                check="regression.modules", subject=target,
                message=f"importing {target} now loads {len(new)} more module"
                        f"{'s' if len(new) != 1 else ''} than the baseline "
                        f"({len(then)} -> {len(now)}): {'; '.join(shown)}{more}",
                measured=len(now), limit=len(then) + tolerance.new_modules,
                chain=first or (), file=origin(index, first),
            ))
        out.record("regression.modules", target, violations, detail)


def _heaviest(index: LoadGraph, base: LoadGraph, root: str, attr: str,
              fmt: Callable[[int | None], str]) -> str:
    """The modules under `root` whose own cost grew most, to say where to look."""
    grown = []
    for name in index.loads([root]):
        now = getattr(index.measured[name], attr) or 0
        old_record = base.measured.get(name)
        then = (getattr(old_record, attr) or 0) if old_record is not None else 0
        if now > then:
            grown.append((now - then, name, old_record is None))
    grown.sort(reverse=True)
    parts = [f"{name} +{fmt(d)}{' (new)' if new else ''}" for d, name, new in grown[:3]]
    return f"; grew most: {', '.join(parts)}" if parts else ""


def check_heap_regression(report: Report, compared: Compared, tolerance: Tolerance,
                           out: Outcome) -> None:
    """Heap growth of each compared module over the baseline.

    A module a heap run left without heap figures, here or in the baseline, cannot be
    judged: a heap regression big enough to stop the heap run would pass unseen.
    """
    index, base = compared.index, compared.base
    gaps, then_gaps = heap_gaps_of(report), heap_gaps_of(compared.baseline)
    now_missing: list[str] = []
    then_missing: list[str] = []
    for target in compared_modules(report, compared.baseline, index):
        now_record, then_record = index.measured[target], base.measured.get(target)
        if then_record is None:
            continue
        if target in gaps or target in then_gaps:
            (now_missing if target in gaps else then_missing).append(target)
            out.record("regression.heap", target, [], "cannot judge: heap not measured "
                       + ("in this run" if target in gaps else "in the baseline"),
                       undecided=True)
            continue
        if now_record.heap_bytes is None or then_record.heap_bytes is None:
            continue
        now, then = compared.value(target, "heap_bytes"), then_record.heap_bytes
        growth = now - then
        violations = []
        if growth > tolerance.heap_absolute_bytes and growth > tolerance.heap_relative * then:
            violations.append(Violation(
                check="regression.heap", subject=target,
                message=f"importing {target} takes more heap than the baseline: "
                        f"{delta(now, then, format_bytes)}"
                        + _heaviest(index, base, target, "self_heap_bytes", format_bytes),
                measured=now, limit=then, file=now_record.origin,
            ))
        out.record("regression.heap", target, violations, delta(now, then, format_bytes))
    out.cannot_judge("regression.heap", now_missing, gaps)
    out.cannot_judge("regression.heap", then_missing, then_gaps, baseline=True)


def check_time_regression(report: Report, compared: Compared, tolerance: Tolerance,
                           out: Outcome) -> None:
    """Import time over the baseline, with the exact rank test."""
    index, base, baseline = compared.index, compared.base, compared.baseline
    factor = speed_factor(report, baseline) if tolerance.normalize else None
    # Only ever make the comparison more lenient: start-up has noise of its own, and
    # scaling the baseline down would turn that noise into false alarms.
    scale = max(factor or 1.0, 1.0)
    if factor is not None and factor > 1.0:
        out.notes.append(
            f"baseline times scaled by {factor:.2f}: the interpreter starts in "
            f"{format_ns(report.meta.startup_ns if report.meta else None)} here, "
            f"{format_ns(baseline.meta.startup_ns if baseline.meta else None)} in the baseline"
        )
    pairs = [(target, base.measured[target])
             for target in compared_modules(report, compared.baseline, index)
             if target in base.measured]
    needed = family_confidence(tolerance.confidence, len(pairs))
    too_few: tuple[int, int] | None = None  # the first (runs, baseline runs) that cannot fail
    for target, then_record in pairs:
        now_record = index.measured[target]
        extra = compared.env.share(compared.full, target, "cumulative_ns")
        now = now_record.cumulative_ns - extra
        then = round(then_record.cumulative_ns * scale)
        then_max = round((then_record.cumulative_ns_max or then_record.cumulative_ns) * scale)
        fastest = (now_record.cumulative_ns_min or now_record.cumulative_ns) - extra
        runs, base_runs = runs_of(now_record), runs_of(then_record)
        reachable = separation_confidence(runs, base_runs)
        if reachable + 1e-12 < needed and too_few is None:
            too_few = (runs, base_runs)
        growth = now - then
        detail = delta(now, then, format_ns)
        over = growth > tolerance.time_absolute_ns and growth > tolerance.time_relative * then
        violations = []
        if over:
            separated = fastest > then_max
            if separated and reachable + 1e-12 >= needed:
                violations.append(Violation(
                    check="regression.time", subject=target,
                    message=f"importing {target} got slower: {detail}; all {runs} runs "
                            f"slower than all {base_runs} baseline runs: {pct(reachable)} "
                            f"confident{_family_text(len(pairs), needed)}"
                            + _heaviest(index, base, target, "self_ns", format_ns),
                    measured=now, limit=then, file=now_record.origin, confidence=reachable,
                ))
            else:
                reason = (f"{runs} + {base_runs} runs give at most "
                          f"{pct(reachable)} confidence, below "
                          f"{pct(needed)}{_family_text(len(pairs), needed)}" if separated
                          else "its runs overlap the baseline's, so this may be noise")
                out.warnings.append(f"{target} looks slower ({detail}), not failing: {reason}")
        out.record("regression.time", target, violations, detail)
    if too_few is not None:
        runs, base_runs = too_few
        out.warnings.append(
            f"with {runs} runs against {base_runs} baseline runs a time regression can "
            f"never reach {pct(needed)} confidence{_family_text(len(pairs), needed)}: use "
            f"--repeat {runs_needed(needed, base_runs)} or more"
        )


def family_confidence(confidence: float, comparisons: int) -> float:
    """The confidence each of `comparisons` time tests of one run must reach.

    A tree check compares every submodule: at the configured confidence each, a run of
    263 unchanged modules would fail about one time in eight on noise alone. Holding
    each test to 1 - (1 - confidence) / comparisons (Bonferroni) keeps the chance that
    any of them fails on an unchanged tree within 1 - confidence for the whole run.
    """
    return 1.0 - (1.0 - confidence) / max(comparisons, 1)


def _family_text(comparisons: int, needed: float) -> str:
    if comparisons <= 1:
        return ""
    return (f" (one of {comparisons} modules compared in this run: each needs "
            f"{pct(needed)})")



def compare_environments(report: Report, baseline: Report, out: Outcome) -> None:
    """Warn when the baseline ran on another Python or platform."""
    if report.meta is None or baseline.meta is None:
        return
    now, then = report.meta, baseline.meta
    if (now.python_version, now.platform) != (then.python_version, then.platform):
        out.warnings.append(
            f"the baseline was measured on Python {then.python_version} ({then.platform}), "
            f"this run on Python {now.python_version} ({now.platform}): module sets and "
            f"times may differ for that reason alone"
        )
