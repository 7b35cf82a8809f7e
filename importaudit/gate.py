"""The CI gate: a pure decision `evaluate(report, config, baseline) -> Verdict`.

Deterministic facts are checked first, because a runner's noise cannot move them: which
modules an import loads and how many, forbidden modules (with the chain that loaded
them), heap bytes from tracemalloc, import cycles. Wall-clock time comes last and is
judged statistically, so a noisy machine does not fail the build:

* a time budget fails only when every measured run was over it: under the hypothesis
  that the module's typical time is within budget, that happens with probability at
  most 0.5**n (a sign test), so the confidence is 1 - 0.5**n;
* a time regression fails only when the median is over the baseline median by more than
  BOTH the relative and the absolute tolerance, AND every run is slower than every
  baseline run. With n runs now and m in the baseline, under "nothing changed" all
  orderings of the n + m runs are equally likely, and the chance that all n come last is
  1 / C(n + m, n) (an exact rank test), so the confidence is 1 - 1 / C(n + m, n).

A failing check below the configured confidence is a warning, never a violation. When
both reports measured the bare interpreter's start-up, baseline times are scaled by
the start-up ratio first, so a baseline recorded on a faster machine does not fail a
slower runner (never scaled down: a faster machine only makes the gate more lenient).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections import deque
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from importaudit.checks import check_id
from importaudit.config import CyclePolicy
from importaudit.cycletext import claim_sentence
from importaudit.loadgraph import LoadGraph, ancestors
from importaudit.model import CheckResult, Proof, Verdict, Violation, cycle_changes
from importaudit.units import format_bytes, format_ns

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from importaudit.config import Budget, Config, ForbiddenRule, Tolerance
    from importaudit.model import Cycle, ImportEdge, ModuleRecord, Report, StaticGraph

#: How many new modules / culprits a message names before it says "and N more".
SHOWN = 5


def matches(name: str, pattern: str) -> bool:
    """Whether a module name matches a pattern (a glob over the dotted name)."""
    return name == pattern or fnmatchcase(name, pattern)


def covers(name: str, forbidden: str) -> bool:
    """Whether `forbidden` names `name`: the module itself, a submodule, or a glob match."""
    return name == forbidden or name.startswith(forbidden + ".") or fnmatchcase(name, forbidden)


# --------------------------------------------------------------------------- statistics


def budget_confidence(runs: int) -> float:
    """Sign test: how sure 'every one of `runs` runs was over budget' makes us."""
    return 1.0 - 0.5 ** max(runs, 0)


def separation_confidence(runs: int, baseline_runs: int) -> float:
    """Exact rank test: how sure 'every run slower than every baseline run' makes us."""
    if runs < 1 or baseline_runs < 1:
        return 0.0
    orderings = math.comb(runs + baseline_runs, runs)
    # Hundreds of repeats make the count too big for a float (OverflowError), long after
    # 1 / orderings has stopped making any difference to a float near 1.
    return 1.0 - 1.0 / orderings if orderings < 1 << 64 else 1.0


def runs_needed(confidence: float, baseline_runs: int) -> int:
    """The fewest runs for which a full separation reaches `confidence`."""
    n = 1
    while separation_confidence(n, baseline_runs) + 1e-12 < confidence and n < 1000:
        n += 1
    return n


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _delta(now: int, then: int, fmt: Callable[[int | None], str]) -> str:
    change = f"{(now - then) / then:+.0%}" if then else "new"
    return f"{fmt(then)} -> {fmt(now)} ({'+' if now >= then else ''}{fmt(now - then)}, {change})"


# --------------------------------------------------------------------------- the evaluation


@dataclass(slots=True)
class _Outcome:
    """What the checks found so far (mutable while evaluating, frozen into a Verdict)."""

    checks: list[CheckResult] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def record(self, check: str, subject: str, violations: Sequence[Violation],
               detail: str = "", *, skipped: bool = False) -> None:
        self.violations.extend(violations)
        text = detail or "; ".join(v.message for v in violations)
        self.checks.append(CheckResult(check_id(check, subject), not violations, text,
                                       skipped=skipped))

    def verdict(self) -> Verdict:
        return Verdict(
            passed=not self.violations, violations=tuple(self.violations),
            checks=tuple(self.checks), warnings=tuple(dict.fromkeys(self.warnings)),
            notes=tuple(self.notes),
        )


def evaluate(report: Report, config: Config, baseline: Report | None = None) -> Verdict:
    """Judge `report` against the budgets, rules and tolerances of `config`.

    `baseline` (a saved report) enables the regression checks and the "new cycles"
    policy. Pure: the same inputs always give the same verdict.
    """
    out = _Outcome()
    index = _graph(report, config.ignore)
    compared = _compare(report, baseline, index, config, out) if baseline is not None else None
    tolerance = config.tolerance
    measured = bool(index.live)

    _check_failure(report, out)
    _check_ignores(report, baseline, config, out)
    # Deterministic: module sets and counts, forbidden modules, memory, cycles.
    for budget in config.budgets if measured else ():
        if not _subjects(index, budget.pattern):
            out.warnings.append(f"budget pattern {budget.pattern!r} matches no measured module")
        _check_budget_modules(index, budget, out)
    if measured and compared is not None:
        _check_new_modules(report, compared, tolerance, out)
    for rule in config.forbidden:
        _check_forbidden(report, index, rule, config, out)
    for budget in config.budgets if measured else ():
        _check_budget_memory(index, budget, out)
    if measured and compared is not None:
        _check_heap_regression(report, compared, tolerance, out)
    _check_cycles(report, baseline, config, out)
    # Statistical: wall-clock time, judged with the repeats.
    for budget in config.budgets if measured else ():
        _check_budget_time(index, budget, out, tolerance.confidence)
    if measured and compared is not None:
        _check_time_regression(report, compared, tolerance, out)
    if baseline is not None:
        _compare_environments(report, baseline, out)
    return out.verdict()


def _compare(report: Report, baseline: Report, index: LoadGraph, config: Config,
             out: _Outcome) -> _Compared:
    # Like for like: a module one side's interpreter had loaded at start-up (a .pth
    # file, sitecustomize, another venv) is no one's regression on the other side.
    env = _environment(report, baseline)
    env.note(index, out)
    return _Compared(index=_graph(report, config.ignore, env.new), env=env,
                     full=index, baseline=baseline,
                     base=_graph(baseline, config.ignore, env.gone))


def _graph(report: Report, ignore: Sequence[str],
           exclude: frozenset[str] = frozenset()) -> LoadGraph:
    """The report's load graph without ignored modules (and `exclude`d ones)."""
    return LoadGraph(report.modules, exclude=lambda name: name in exclude or any(
        matches(name, p) for p in ignore))


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

    def note(self, full: LoadGraph, out: _Outcome) -> None:
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
class _Compared:
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


def _check_failure(report: Report, out: _Outcome) -> None:
    failure = report.failure
    if failure is None:
        return
    subject = failure.module or ", ".join(report.targets) or "targets"
    out.record("import", subject, [Violation(
        check="import", subject=subject,
        message=f"the import failed ({failure.kind}): {failure.message}",
        file=failure.file, line=failure.line,
    )])


def _check_ignores(report: Report, baseline: Report | None, config: Config,
                   out: _Outcome) -> None:
    names = {m.name for m in report.modules}
    if baseline is not None:
        names |= {m.name for m in baseline.modules}
    if report.graph is not None:
        names |= {n.name for n in report.graph.modules}
    for cycle in report.cycles:
        names |= set(cycle.modules)
    if not names:
        return
    for pattern in config.ignore:
        if not any(matches(n, pattern) for n in names):
            out.warnings.append(
                f"ignore pattern {pattern!r} matches no module any more: remove it"
            )


def _subjects(index: LoadGraph, pattern: str) -> list[ModuleRecord]:
    """The measured modules a budget pattern applies to, with the figures it judges.

    A submodule's own record leaves out its parent packages, which were running (or had
    run) when it was loaded; importing it alone runs them first, with all they import.
    So its figures are summed over everything its import loads: the medians of the own
    costs, and for the fastest time the sum of the fastest own times, which no run's
    total can be below (so "every run was over budget" still holds when it is).
    """
    subjects = []
    for own in index.measured.values():
        if not matches(own.name, pattern):
            continue
        record = own
        if any(parent in index.live for parent in ancestors(own.name)[1:]):
            chosen = [index.measured[n] for n in index.loads([own.name])]
            record = dataclasses.replace(
                own, cumulative_ns=sum(r.self_ns for r in chosen),
                cumulative_ns_min=sum(r.self_ns_min or r.self_ns for r in chosen),
                heap_bytes=_sum_of(r.self_heap_bytes for r in chosen)
                if own.heap_bytes is not None else None,
                rss_bytes=_sum_of(r.self_rss_bytes for r in chosen)
                if own.rss_bytes is not None else None,
            )
        subjects.append(record)
    return subjects


def _sum_of(values: Iterable[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _check_budget_modules(index: LoadGraph, budget: Budget, out: _Outcome) -> None:
    if budget.max_modules is None:
        return
    for record in _subjects(index, budget.pattern):
        loaded = index.loads([record.name])
        count = len(loaded)
        violations = []
        if count > budget.max_modules:
            # Name the direct imports that pull in the most (what would no longer load
            # without each), to say where to cut.
            name = record.name
            heavy = sorted(
                ((len(index.saving([name], [(name, c)])), c) for c in index.imports(name)
                 if c in index.live),
                reverse=True,
            )[:SHOWN]
            biggest = ", ".join(f"{c} ({n})" for n, c in heavy if n)
            violations.append(Violation(
                check="budget.max_modules", subject=record.name,
                message=f"importing {record.name} loads {count} modules, budget "
                        f"{budget.max_modules}" + (f"; most come through {biggest}"
                                                   if biggest else ""),
                measured=count, limit=budget.max_modules, file=record.origin,
            ))
        out.record("budget.max_modules", record.name, violations,
                   f"{count} modules (budget {budget.max_modules})")


def _check_new_modules(report: Report, compared: _Compared, tolerance: Tolerance,
                       out: _Outcome) -> None:
    index, base = compared.index, compared.base
    for target in compared_modules(report, compared.baseline, index):
        if target not in base.live:
            continue
        now, then = set(index.loads([target])), base.loads([target])
        # A module only some runs loaded (a race with a thread the import started) is
        # not a deterministic fact: name it, but do not count it as new.
        runs = _runs(index.measured[target])
        sometimes = sorted(n for n in now - then if _runs(index.measured[n]) < runs)
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
                chain=first or (), file=_origin(index, first),
            ))
        out.record("regression.modules", target, violations, detail)


def _origin(index: LoadGraph, chain: Sequence[str] | None) -> str | None:
    """The file of the module that made the last import in a chain (where to fix it)."""
    if not chain or len(chain) < 2:
        return None
    record = index.measured.get(chain[-2])
    return record.origin if record is not None else None


def _edge_location(graph: StaticGraph | None,
                   chain: Sequence[str]) -> tuple[str | None, int | None]:
    """file:line of the last hop of `chain` that the static graph knows a statement for."""
    if graph is None:
        return None, None
    located: dict[tuple[str, str], ImportEdge] = {}
    for edge in graph.edges:
        if edge.file is not None:
            located.setdefault((edge.importer, edge.imported), edge)
    for importer, imported in reversed(list(itertools.pairwise(chain))):
        found = located.get((importer, imported))
        if found is not None:
            return found.file, found.line
    return None, None


def _check_forbidden(report: Report, index: LoadGraph, rule: ForbiddenRule, config: Config,
                     out: _Outcome) -> None:
    if index.live:
        importers = [n for n in index.measured if matches(n, rule.importer)]
        if not importers:
            out.warnings.append(f"forbidden rule {rule.importer!r} matches no measured module")
        for forbidden in rule.modules:
            _forbidden_runtime(report, index, rule, forbidden, importers, out)
    elif report.graph is not None:
        for forbidden in rule.modules:
            _forbidden_static(report.graph, rule, forbidden, config, out)
    else:
        for forbidden in rule.modules:
            out.record("forbidden", f"{rule.importer} -> {forbidden}", [],
                       "nothing measured or scanned", skipped=True)


def _forbidden_runtime(report: Report, index: LoadGraph, rule: ForbiddenRule, forbidden: str,
                       importers: Sequence[str], out: _Outcome) -> None:
    subject = f"{rule.importer} -> {forbidden}"
    # Only the head of a forbidden package: numpy, not also numpy.linalg it pulled in.
    heads = [r for r in index.measured.values()
             if covers(r.name, forbidden) and not (r.importer and covers(r.importer, forbidden))]
    violations = []
    for head in heads:
        chain: tuple[str, ...] | None = index.chain(head.name)
        starts = [i for i, name in enumerate(chain or ()) if matches(name, rule.importer)]
        if starts:
            chain = chain[starts[0]:] if chain else None
        else:
            chain = index.path(importers, head.name)  # loaded first by another target
        if chain is None or chain[0] == head.name:
            continue
        file, line = _edge_location(report.graph, chain)
        violations.append(Violation(
            check="forbidden", subject=subject,
            message=f"importing {chain[0]} loads forbidden {head.name} "
                    f"(via {' -> '.join(chain)})",
            chain=chain, file=file or _origin(index, chain), line=line,
        ))
    out.record("forbidden", subject, violations, "" if violations else f"{forbidden} not loaded")


def _forbidden_static(graph: StaticGraph, rule: ForbiddenRule, forbidden: str, config: Config,
                      out: _Outcome) -> None:
    subject = f"{rule.importer} -> {forbidden}"
    edges: dict[str, list[ImportEdge]] = {}
    for edge in graph.edges:
        if edge.kind in config.kinds:
            edges.setdefault(edge.importer, []).append(edge)
    starts = sorted(n.name for n in graph.modules
                    if not n.external and matches(n.name, rule.importer))
    via: dict[str, ImportEdge | None] = dict.fromkeys(starts)
    queue = deque(starts)
    hit: str | None = None
    while queue and hit is None:
        current = queue.popleft()
        for edge in edges.get(current, ()):
            if edge.imported in via:
                continue
            via[edge.imported] = edge
            if covers(edge.imported, forbidden):
                hit = edge.imported
                break
            queue.append(edge.imported)
    violations = []
    if hit is not None:
        hops: list[ImportEdge] = []
        node = hit
        while (hop := via[node]) is not None:
            hops.append(hop)
            node = hop.importer
        hops.reverse()
        chain = (hops[0].importer, *(e.imported for e in hops))
        # The fix goes where our own code makes the last import on the way.
        internal = {n.name for n in graph.modules if not n.external}
        own = [e for e in hops if e.file is not None and e.importer in internal] or hops
        at = own[-1]
        violations.append(Violation(
            check="forbidden", subject=subject,
            message=f"importing {chain[0]} would load forbidden {hit} "
                    f"(static, via {' -> '.join(chain)}; {at.kind.value} import)",
            chain=chain, file=at.file, line=at.line,
        ))
    out.record("forbidden", subject, violations,
               "" if violations else f"no {'/'.join(sorted(k.value for k in config.kinds))} "
                                     f"import chain reaches {forbidden}")


def _check_budget_memory(index: LoadGraph, budget: Budget, out: _Outcome) -> None:
    limits = (("budget.max_heap_bytes", budget.max_heap_bytes, "heap_bytes", "heap"),
              ("budget.max_rss_bytes", budget.max_rss_bytes, "rss_bytes", "RSS growth"))
    for check, limit, attr, label in limits:
        if limit is None:
            continue
        for record in _subjects(index, budget.pattern):
            value: int | None = getattr(record, attr)
            if value is None:
                why = "the heap run did not happen (--no-memory?)" if attr == "heap_bytes" \
                    else "RSS was not measured"
                out.record(check, record.name, [], f"not measured: {why}", skipped=True)
                continue
            violations = []
            if value > limit:
                violations.append(Violation(
                    check=check, subject=record.name,
                    message=f"importing {record.name} takes {format_bytes(value)} of {label}, "
                            f"budget {format_bytes(limit)}",
                    measured=value, limit=limit, file=record.origin,
                ))
            out.record(check, record.name, violations,
                       f"{format_bytes(value)} (budget {format_bytes(limit)})")


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


def _check_heap_regression(report: Report, compared: _Compared, tolerance: Tolerance,
                           out: _Outcome) -> None:
    index, base = compared.index, compared.base
    for target in compared_modules(report, compared.baseline, index):
        now_record, then_record = index.measured[target], base.measured.get(target)
        if then_record is None or now_record.heap_bytes is None or then_record.heap_bytes is None:
            continue
        now, then = compared.value(target, "heap_bytes"), then_record.heap_bytes
        growth = now - then
        violations = []
        if growth > tolerance.heap_absolute_bytes and growth > tolerance.heap_relative * then:
            violations.append(Violation(
                check="regression.heap", subject=target,
                message=f"importing {target} takes more heap than the baseline: "
                        f"{_delta(now, then, format_bytes)}"
                        + _heaviest(index, base, target, "self_heap_bytes", format_bytes),
                measured=now, limit=then, file=now_record.origin,
            ))
        out.record("regression.heap", target, violations, _delta(now, then, format_bytes))


def _cycle_subject(cycle: Cycle) -> str:
    return " <-> ".join(cycle.modules)


def _counted_cycles(cycles: Iterable[Cycle], config: Config) -> list[Cycle]:
    """Cycles whose witness runs over counted edge kinds, not wholly ignored."""
    counted = []
    for cycle in cycles:
        if cycle.witness and any(e.kind not in config.kinds for e in cycle.witness):
            continue
        if all(any(matches(m, p) for p in config.ignore) for m in cycle.modules):
            continue
        counted.append(cycle)
    return counted


def _newly_failing(cycle: Cycle, baseline: Report) -> bool:
    """A known cycle shown to fail now that the baseline ran and saw import fine.

    The baseline's cycle counts as not failing when running it did not reproduce the
    suspicion, or when nothing was suspected; an unverified suspicion says nothing.
    """
    if not cycle.fails:
        return False
    before = [c for c in baseline.cycles if set(cycle.modules) <= set(c.modules)]
    return bool(before) and not any(
        c.fails or (c.can_fail and c.proof is Proof.UNVERIFIED) for c in before)


def _check_cycles(report: Report, baseline: Report | None, config: Config, out: _Outcome) -> None:
    if config.cycles is CyclePolicy.OFF:
        return
    if report.graph is None and not report.cycles:
        out.record("cycle", "static graph", [], "static analysis did not run", skipped=True)
        return
    cycles = _counted_cycles(report.cycles, config)
    new_policy = config.cycles is CyclePolicy.NEW
    appeared = cycles
    if new_policy and baseline is None:
        out.warnings.append("cycles = 'new' but there is no baseline: every cycle counts "
                            "as new (save one with `importaudit baseline save`)")
    elif new_policy and baseline is not None:
        appeared_now, fixed = cycle_changes(_counted_cycles(baseline.cycles, config), cycles)
        appeared = list(appeared_now)
        out.notes.extend(f"cycle fixed since the baseline: {_cycle_subject(c)}" for c in fixed)
    for allowed in config.allow_cycles:
        if not any(set(c.modules) <= allowed for c in report.cycles):
            out.warnings.append(f"allowed cycle {' <-> '.join(sorted(allowed))} no longer "
                                f"exists: remove it from allow_cycles")
    if not cycles:
        out.record("cycle", "all", [], "no import cycles over "
                   + ", ".join(sorted(k.value for k in config.kinds)) + " edges")
        return
    for cycle in cycles:
        subject = _cycle_subject(cycle)
        if any(set(cycle.modules) <= allowed for allowed in config.allow_cycles):
            out.record("cycle", subject, [], "known cycle (allowed)")
            continue
        label = "new import cycle" if new_policy else "import cycle"
        if cycle not in appeared:
            if baseline is None or not _newly_failing(cycle, baseline):
                out.record("cycle", subject, [], "known cycle (in the baseline)")
                continue
            label = "known import cycle that now fails at import"
        path = (cycle.witness[0].importer, *(e.imported for e in cycle.witness)) \
            if cycle.witness else cycle.modules
        first = next((e for e in cycle.witness if e.file is not None), None)
        cut = "; break it at " + ", ".join(
            f"{e.importer} -> {e.imported}" + (f" ({e.file}:{e.line})" if e.file else "")
            for e in cycle.cut) if cycle.cut else ""
        claim = claim_sentence(cycle)
        out.record("cycle", subject, [Violation(
            check="cycle", subject=subject,
            message=f"{label}: {' -> '.join(path)}{cut}" + (f". {claim}" if claim else ""),
            chain=tuple(path), file=first.file if first else None,
            line=first.line if first else None,
        )])


def _runs(record: ModuleRecord) -> int:
    # A record that does not say how many runs saw it (hand-written JSON) may hold one
    # run's numbers: claiming the report's repeats would overstate the confidence.
    return record.runs or 1


def _check_budget_time(index: LoadGraph, budget: Budget, out: _Outcome,
                       confidence: float) -> None:
    limit = budget.max_cumulative_ns
    if limit is None:
        return
    for record in _subjects(index, budget.pattern):
        runs = _runs(record)
        fastest = record.cumulative_ns_min or record.cumulative_ns
        sure = budget_confidence(runs)
        violations = []
        detail = f"median {format_ns(record.cumulative_ns)}, fastest {format_ns(fastest)} " \
                 f"(budget {format_ns(limit)})"
        if fastest > limit and sure + 1e-12 >= confidence:
            violations.append(Violation(
                check="budget.max_cumulative_ms", subject=record.name,
                message=f"importing {record.name} takes {format_ns(record.cumulative_ns)} "
                        f"(median; fastest of {runs} runs {format_ns(fastest)}), budget "
                        f"{format_ns(limit)}; all {runs} runs over budget: "
                        f"{_pct(sure)} confident",
                measured=record.cumulative_ns, limit=limit, file=record.origin,
                confidence=sure,
            ))
        elif record.cumulative_ns > limit:
            reason = (f"only {runs} run{'s' if runs != 1 else ''}: {_pct(sure)} confidence, "
                      f"below {_pct(confidence)}" if fastest > limit
                      else "its fastest run was within budget, so this may be noise")
            out.warnings.append(
                f"{record.name} took {format_ns(record.cumulative_ns)} (median) against a "
                f"budget of {format_ns(limit)}, not failing: {reason}"
            )
        out.record("budget.max_cumulative_ms", record.name, violations, detail)


def speed_factor(report: Report, baseline: Report) -> float | None:
    """How much slower this machine starts a bare interpreter than the baseline's did."""
    now = report.meta.startup_ns if report.meta is not None else None
    then = baseline.meta.startup_ns if baseline.meta is not None else None
    if not now or not then:
        return None
    return now / then


def _check_time_regression(report: Report, compared: _Compared, tolerance: Tolerance,
                           out: _Outcome) -> None:
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
    too_few: tuple[int, int] | None = None  # the first (runs, baseline runs) that cannot fail
    for target in compared_modules(report, compared.baseline, index):
        then_record = base.measured.get(target)
        if then_record is None:
            continue
        now_record = index.measured[target]
        extra = compared.env.share(compared.full, target, "cumulative_ns")
        now = now_record.cumulative_ns - extra
        then = round(then_record.cumulative_ns * scale)
        then_max = round((then_record.cumulative_ns_max or then_record.cumulative_ns) * scale)
        fastest = (now_record.cumulative_ns_min or now_record.cumulative_ns) - extra
        runs, base_runs = _runs(now_record), _runs(then_record)
        reachable = separation_confidence(runs, base_runs)
        if reachable + 1e-12 < tolerance.confidence and too_few is None:
            too_few = (runs, base_runs)
        growth = now - then
        detail = _delta(now, then, format_ns)
        over = growth > tolerance.time_absolute_ns and growth > tolerance.time_relative * then
        violations = []
        if over:
            separated = fastest > then_max
            if separated and reachable + 1e-12 >= tolerance.confidence:
                violations.append(Violation(
                    check="regression.time", subject=target,
                    message=f"importing {target} got slower: {detail}; all {runs} runs "
                            f"slower than all {base_runs} baseline runs: {_pct(reachable)} "
                            f"confident" + _heaviest(index, base, target, "self_ns", format_ns),
                    measured=now, limit=then, file=now_record.origin, confidence=reachable,
                ))
            else:
                reason = (f"{runs} + {base_runs} runs give at most "
                          f"{_pct(reachable)} confidence, below "
                          f"{_pct(tolerance.confidence)}" if separated
                          else "its runs overlap the baseline's, so this may be noise")
                out.warnings.append(f"{target} looks slower ({detail}), not failing: {reason}")
        out.record("regression.time", target, violations, detail)
    if too_few is not None:
        runs, base_runs = too_few
        out.warnings.append(
            f"with {runs} runs against {base_runs} baseline runs a time regression can "
            f"never reach {_pct(tolerance.confidence)} confidence: use --repeat "
            f"{runs_needed(tolerance.confidence, base_runs)} or more"
        )


def _compare_environments(report: Report, baseline: Report, out: _Outcome) -> None:
    if report.meta is None or baseline.meta is None:
        return
    now, then = report.meta, baseline.meta
    if (now.python_version, now.platform) != (then.python_version, then.platform):
        out.warnings.append(
            f"the baseline was measured on Python {then.python_version} ({then.platform}), "
            f"this run on Python {now.python_version} ({now.platform}): module sets and "
            f"times may differ for that reason alone"
        )


# --------------------------------------------------------------------------- calibration


@dataclass(frozen=True, slots=True)
class TargetSpread:
    """How much one target's median import time moved between identical rounds."""

    target: str
    medians_ns: tuple[int, ...]  # one per round
    fastest_ns: int  # the fastest single run of any round
    slowest_ns: int  # the slowest single run of any round

    @property
    def absolute_ns(self) -> int:
        """Largest minus smallest round median."""
        return max(self.medians_ns) - min(self.medians_ns)

    @property
    def relative(self) -> float:
        """The absolute spread as a share of the smallest round median."""
        low = min(self.medians_ns)
        return self.absolute_ns / low if low else 0.0


@dataclass(frozen=True, slots=True)
class Calibration:
    """The run-to-run noise of this machine and the tolerances it suggests."""

    rounds: int
    targets: tuple[TargetSpread, ...]
    current: Tolerance
    suggested: Tolerance
    false_alarms_current: int  # round pairs the current tolerances would fail
    false_alarms_suggested: int
    pairs: int


def _round_up(value: float, step: float) -> float:
    return math.ceil(value / step - 1e-9) * step


def _false_alarms(reports: Sequence[Report], tolerance: Tolerance) -> int:
    from importaudit.config import Config

    config = Config(tolerance=tolerance, cycles=CyclePolicy.OFF)
    return sum(
        any(v.check == "regression.time" for v in evaluate(now, config, then).violations)
        for i, then in enumerate(reports) for j, now in enumerate(reports) if i != j
    )


def calibrate(reports: Sequence[Report], current: Tolerance) -> Calibration:
    """Suggest time tolerances from `reports`: the same profile measured several times.

    Nothing changed between the rounds, so every difference is noise: the suggestion is
    twice the largest spread of the round medians (at least 10 % and 1 ms), and every
    ordered pair of rounds is judged as baseline and run to count false alarms with the
    current and the suggested tolerances.
    """
    spreads = []
    first = reports[0]
    for target in first.targets:
        records = [next((m for m in r.modules if m.name == target and not m.preloaded), None)
                   for r in reports]
        present = [r for r in records if r is not None]
        if len(present) < len(reports):
            continue
        spreads.append(TargetSpread(
            target=target, medians_ns=tuple(r.cumulative_ns for r in present),
            fastest_ns=min(r.cumulative_ns_min or r.cumulative_ns for r in present),
            slowest_ns=max(r.cumulative_ns_max or r.cumulative_ns for r in present),
        ))
    relative = max((s.relative for s in spreads), default=0.0)
    absolute = max((s.absolute_ns for s in spreads), default=0)
    suggested = dataclasses.replace(
        current,
        time_relative=round(max(0.10, _round_up(2 * relative, 0.05)), 2),
        time_absolute_ns=max(1_000_000, int(_round_up(2 * absolute, 1_000_000))),
    )
    pairs = len(reports) * (len(reports) - 1)
    return Calibration(
        rounds=len(reports), targets=tuple(spreads), current=current, suggested=suggested,
        false_alarms_current=_false_alarms(reports, current),
        false_alarms_suggested=_false_alarms(reports, suggested), pairs=pairs,
    )
