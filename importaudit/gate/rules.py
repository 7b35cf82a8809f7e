"""Checks of rules over the import graph: forbidden modules and import cycles."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from importaudit.config import CyclePolicy
from importaudit.cycletext import caught_by, claim_sentence
from importaudit.gate.outcome import Outcome, covers, edge_location, matches, origin
from importaudit.model import Proof, Violation, cycle_changes

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from importaudit.config import Config, ForbiddenRule
    from importaudit.loadgraph import LoadGraph
    from importaudit.model import Cycle, ImportEdge, Report, StaticGraph


def check_forbidden(report: Report, index: LoadGraph, rule: ForbiddenRule, config: Config,
                     out: Outcome) -> None:
    """Whether importing `rule.importer` loads (or would load) a forbidden module."""
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
                       importers: Sequence[str], out: Outcome) -> None:
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
        file, line = edge_location(report.graph, chain)
        violations.append(Violation(
            check="forbidden", subject=subject,
            message=f"importing {chain[0]} loads forbidden {head.name} "
                    f"(via {' -> '.join(chain)})",
            chain=chain, file=file or origin(index, chain), line=line,
        ))
    out.record("forbidden", subject, violations, "" if violations else f"{forbidden} not loaded")


def _forbidden_static(graph: StaticGraph, rule: ForbiddenRule, forbidden: str, config: Config,
                      out: Outcome) -> None:
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


def _newly_failing(cycle: Cycle, baseline: Report) -> bool | None:
    """A known cycle shown to fail now that the baseline ran and saw import fine.

    The baseline's cycle counts as not failing only when it was run and did not fail;
    one never run says nothing (a suspicion unverified, or a cycle nothing was
    suspected of: `baseline save --static`, or a baseline from before such cycles were
    run, where a plain import both ways was taken on trust). A cycle that fails only
    where the error was caught counts only against a baseline whose runs watched for
    caught failures: an importaudit from before did not, and its run "imported fine"
    said nothing of them. None: it would be newly failing but for that.
    """
    if not cycle.fails:
        return False
    before = [c for c in baseline.cycles if set(cycle.modules) <= set(c.modules)]
    if not before or any(c.fails or c.proof is Proof.UNVERIFIED for c in before):
        return False
    if cycle.failures:  # its own import failed: any run would have seen that
        return True
    return True if any(t.watched for c in before for t in c.trials) else None


def check_cycles(report: Report, baseline: Report | None, config: Config, out: Outcome) -> None:
    """Import cycles over the counted edge kinds, under the configured policy."""
    policy = config.cycle_policy(baseline is not None)
    if policy is CyclePolicy.OFF:
        return
    if report.graph is None and not report.cycles:
        out.record("cycle", "static graph", [], "static analysis did not run", skipped=True)
        return
    cycles = _counted_cycles(report.cycles, config)
    new_policy = policy is CyclePolicy.NEW
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
            newly = False if baseline is None else _newly_failing(cycle, baseline)
            if not newly:
                if newly is None:
                    caught = caught_by(cycle.caught_failures[0][1])
                    out.notes.append(
                        f"known cycle {subject} fails ({caught}); the baseline's "
                        "importaudit did not watch for caught failures: save the baseline "
                        "again")
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
