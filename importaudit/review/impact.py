"""Measured impact: adding and ranking impacts, and the severity an impact earns.

What a set of modules costs, and which modules an import alone brings in, come from the
one runtime load graph (`importaudit.loadgraph`). Severity is a pure function of an
impact against a scale, so the same measurement always earns the same severity and a
reader can see why.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from importaudit.loadgraph import PARENT, ancestors
from importaudit.model import Impact, Severity

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

    from importaudit.loadgraph import LoadGraph
    from importaudit.model import Finding

_MS = 1_000_000
_KIB = 1024
_MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class SeverityScale:
    """Lower bounds of LOW, MEDIUM, HIGH and CRITICAL for each measured dimension."""

    time_ns: tuple[int, int, int, int] = (1 * _MS, 5 * _MS, 25 * _MS, 100 * _MS)
    heap_bytes: tuple[int, int, int, int] = (256 * _KIB, 2 * _MIB, 16 * _MIB, 64 * _MIB)
    rss_bytes: tuple[int, int, int, int] = (1 * _MIB, 8 * _MIB, 32 * _MIB, 128 * _MIB)
    modules: tuple[int, int, int, int] = (5, 20, 60, 200)


DEFAULT_SCALE = SeverityScale()


def _grade(value: int | None, bounds: tuple[int, int, int, int]) -> Severity:
    if value is None:
        return Severity.INFO
    level = Severity.INFO
    for sev, bound in zip(
        (Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL), bounds, strict=True
    ):
        if value >= bound:
            level = sev
    return level


def severity_of(impact: Impact, scale: SeverityScale = DEFAULT_SCALE) -> Severity:
    """The highest grade any measured dimension of `impact` reaches on `scale`."""
    return max(
        _grade(impact.time_ns, scale.time_ns),
        _grade(impact.heap_bytes, scale.heap_bytes),
        _grade(impact.rss_bytes, scale.rss_bytes),
        _grade(impact.modules, scale.modules),
    )


def _add(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _sub(a: int | None, b: int | None) -> int | None:
    if a is None or b is None:
        return a
    return max(0, a - b)


def add_impacts(impacts: Iterable[Impact]) -> Impact:
    """The sum of impacts over disjoint sets of modules (None stays None if all are)."""
    total = Impact()
    for imp in impacts:
        total = Impact(
            _add(total.time_ns, imp.time_ns), _add(total.heap_bytes, imp.heap_bytes),
            _add(total.rss_bytes, imp.rss_bytes), _add(total.modules, imp.modules),
        )
    return total


def subtract_impact(whole: Impact, part: Impact) -> Impact:
    """`whole` minus a part of it, never below zero."""
    return Impact(
        _sub(whole.time_ns, part.time_ns), _sub(whole.heap_bytes, part.heap_bytes),
        _sub(whole.rss_bytes, part.rss_bytes), _sub(whole.modules, part.modules),
    )


def impact_key(impact: Impact) -> tuple[int, int, int, int]:
    """A sort key ranking impacts by time, then heap, RSS and modules."""
    return (impact.time_ns or 0, impact.heap_bytes or 0, impact.rss_bytes or 0,
            impact.modules or 0)


def deferral_cut(graph: LoadGraph, importer: str, deferred: Iterable[str],
                 kept: Iterable[str] = ()) -> frozenset[tuple[str, str]]:
    """The import edges of `importer` that stop running when `deferred` imports are deferred.

    `import a.b.c` runs `a`, `a.b` and `a.b.c`, so each of those is cut unless one of the
    `kept` imports (or `importer`'s own parent packages) still needs it.
    """
    needed = {a for module in kept for a in ancestors(module)} | set(ancestors(importer))
    wanted = {a for module in deferred for a in ancestors(module)} - needed
    imported = graph.imports(importer)
    return frozenset((importer, m) for m in wanted if m in imported)


def deferral_savings(graph: LoadGraph, entry: str, importer: str,
                     ) -> dict[str, frozenset[str]]:
    """Each module `importer`'s statements import, with what deferring that import saves.

    What a process importing `entry` would no longer load if `importer` deferred its
    import of that module alone, as the code is now (parent packages as Python runs
    them, every other import of `importer` kept); only imports that save something are
    listed. IA103's helper modules are fixed with these: a helper's import that some
    other module loads anyway (sqlalchemy.util's eager `__init__`) is no saving.
    """
    statements = [m for m, kind in graph.imports(importer).items() if kind != PARENT]
    found = {}
    for module in statements:
        cut = deferral_cut(graph, importer, [module], [m for m in statements if m != module])
        saved = graph.saving([entry], cut)
        if saved:
            found[module] = saved
    return found


def loaded_anyway_by(graph: LoadGraph, entry: str, module: str,
                     cut: frozenset[tuple[str, str]]) -> str:
    """What `entry` still loads `module` through with the `cut` imports gone.

    The nearest parent package whose own imports load it (importing a.b.c runs a.b
    and a), else the first of `entry`'s other imports that does, else `entry` itself.
    """
    def through(importer: str) -> str | None:
        steps = graph.imports(importer)
        # Not back through `entry` (a parent importing it runs it: that is no other way).
        return next((s for s in sorted(steps) if steps[s] != PARENT and (importer, s)
                     not in cut and module in graph.loads([s], (entry,), cut)), None)

    parent = next((a for a in ancestors(entry)[1:] if through(a) is not None), None)
    return parent or through(entry) or entry


@dataclass(frozen=True, slots=True)
class Claim:
    """What a finding's fix saves: the entry it is measured from and the imports it cuts.

    `saved` is what importing the entry would no longer load once its parent packages
    no longer load it either (the finding's impact: what fixing this import, with its
    packages lazy, is worth); `alone` is what the fix saves with the rest of the code as
    it is now (less, when a parent package or another module loads the same modules).
    """

    entry: str
    cut: frozenset[tuple[str, str]]
    saved: frozenset[str]
    alone: frozenset[str]
    # What the fix leaves loading whatever else is fixed: IA103's helper needs its own
    # module and what that imports, however the pull is fixed.
    needs: frozenset[str] = frozenset()
    # The submodules defining what the moved statements take from a package: while
    # they stay, those load even with the package's `__init__` lazy (its `__getattr__`
    # serves the name from there), whatever other fixes are made.
    serves: frozenset[str] = frozenset()


ClaimKey = tuple[str, str, int | None]


def defer_claim(graph: LoadGraph, importer: str, deferred: Iterable[str],
                kept: Iterable[str] = (),
                parent_needs: Mapping[str, Collection[str]] | None = None) -> Claim:
    """What deferring `importer`'s imports of `deferred` saves a process importing it.

    Exclusive: only the modules every import path from `importer` reaches through the
    deferred imports (dominators), so a module another import loads anyway
    (`dataclasses` loads `inspect`) is no saving. `kept` names the modules the
    importer's other imports run (a name from a package: the package itself).
    `parent_needs` maps each parent package counted lazy to the submodules its own
    body uses while it runs (a lazy `__init__` still loads those); the other parents
    stay as they are.
    """
    kept = frozenset(kept)
    cut = deferral_cut(graph, importer, deferred, kept)
    lazy = lazy_parents(graph, importer, kept, parent_needs or {})
    # What the other imports load comes anyway, also where the load graph has no edge
    # to it from the importer: a lazy package's `__getattr__` served the name from a
    # submodule an earlier module of the walk had loaded
    # (huggingface_hub.utils._pagination's `from . import hf_raise_for_status`).
    others = kept - {importer}
    return Claim(importer, cut,
                 graph.loads([importer], cut=lazy) - graph.loads([importer], cut=lazy | cut)
                 - graph.loads(others, cut=lazy | cut),
                 graph.saving([importer], cut) - graph.loads(others, cut=cut))


def lazy_parents(graph: LoadGraph, importer: str, kept: Collection[str],
                 needs: Mapping[str, Collection[str]]) -> frozenset[tuple[str, str]]:
    """The imports `importer`'s parent packages would no longer run with lazy `__init__`s.

    Only the parents in `needs` are made lazy (those IA101 offers to make lazy).
    A lazy `__init__` (IA101's fix) defers its submodules, not the rest of what its body
    imports and uses: black/__init__ builds `Path(__file__)` and click options at import
    time, so pathlib and click load with it however lazy it is, and deferring an import
    of them in black.report saves nothing. So only a parent's imports of its own
    submodules are cut, except those its body uses while it runs (`needs`), and no
    import of a parent the importer takes a name from that its own body defines
    (`from numpy.distutils.fcompiler import FCompiler` in a submodule of it): that body
    must run, with everything it imports.
    """
    return frozenset((parent, module) for parent in ancestors(importer)[1:]
                     if parent in needs and parent not in kept
                     for module in graph.imports(parent)
                     if module.startswith(parent + ".")
                     and module not in needs.get(parent, ()))


def claim_key(finding: Finding) -> ClaimKey:
    """How a claim is filed for its finding: (code, module, line)."""
    return (finding.code, finding.module, finding.line)


def group_shared_costs(graph: LoadGraph, findings: Sequence[Finding],
                       claims: Mapping[ClaimKey, Claim],
                       regrade: Callable[[Finding, Impact], Finding]) -> list[Finding]:
    """Findings whose fixes save mostly the same modules say so, instead of each claiming all.

    The legacy twin's nested eager `__init__`s and annotation imports all bring in the
    same trading engine, numpy and SQLAlchemy. A finding whose saved modules are mostly
    also claimed by others names them and what the shared modules cost (count it once),
    what fixing it alone saves today (its exclusive saving, the code as it is), and,
    when that is less, which of the others must be fixed too for the rest: those whose
    imports, left in place, would still load some of it (checked on the load graph).

    Such a finding is graded on what fixing it can save at best where that earns a
    lower grade than the shared total: `regrade` gives it that impact and severity. At
    best is the most of three: alone; with the fixes on its import path made (its
    parent packages' findings: importing it runs them); with every other fix in reach
    made. bokeh.application.handlers.function's annotation-only import of Document
    saves none today (its parent packages load Document anyway), 230 modules with only
    its parents' `__init__`s lazy (measured: 486 -> 256 modules), and 203 with every
    other fix made: CRITICAL. It was graded INFO on "1 with every other fix made", as
    if bokeh.document's lazy `__init__` kept `from bokeh.document import Document` from
    loading bokeh.document.document (`Claim.serves`). sqlalchemy.util's IA101 (152
    modules) saves 1 however it is judged.
    """
    claimed = {claim_key(f): claims[claim_key(f)] for f in findings
               if claim_key(f) in claims and claims[claim_key(f)].saved}
    every_cut = frozenset().union(*(c.cut for c in claimed.values()))
    out = []
    for finding in findings:
        key = claim_key(finding)
        claim = claimed.get(key)
        if claim is None:
            out.append(finding)
            continue
        sharers = sorted((k for k, c in claimed.items() if k != key and claim.saved & c.saved),
                         key=lambda k: (k[1], k[2] or 0, k[0]))
        shared = claim.saved & frozenset().union(*(claimed[k].saved for k in sharers))
        if 2 * len(shared) < len(claim.saved):
            # Mostly its own modules: nothing worth grouping, but a figure that counts
            # the parent packages lazy must not read as what the fix saves today.
            out.append(_today_if_parents_load(graph, finding, claim))
            continue
        cost = graph.cost(shared)
        note = (f" {cost.modules} of these module(s) ({_describe(cost)}) are also claimed by "
                f"{len(sharers)} other finding(s) ({_named(sharers)}): count them once. ")
        alone = len(claim.alone)
        reach = graph.loads([claim.entry])
        # Only the other fixes this import's own load walks into can matter to it.
        others = frozenset(e for e in every_cut - claim.cut if e[0] in reach)
        best_saved = _marginal(graph, claim, others)
        best = len(best_saved)
        needed = [] if best <= alone else [
            k for k in sharers if claimed[k].cut & others
            and len(_marginal(graph, claim, others - claimed[k].cut)) < best]
        # With only its parent packages' fixes made: importing it runs them, and the
        # other fixes may defer what it saves themselves (bokeh.document's for Document).
        parents = set(ancestors(claim.entry)[1:])
        path = frozenset(e for e in others if e[0] in parents)
        path_saved = _marginal(graph, claim, path) if path else frozenset()
        along = [k for k in claimed if k != key and claimed[k].cut & path]
        # Those it needs; all of them where none alone is (each covering the others).
        on_path = [k for k in along if len(_marginal(graph, claim, path - claimed[k].cut))
                   < len(path_saved)] or along
        note += _reach(alone, (on_path, len(path_saved)), (needed, best))
        grouped = dataclasses.replace(finding, message=finding.message + note)
        # The best of the savings by its grade, not its module count: one heavy module
        # saved alone outweighs a few light ones saved with the others.
        achievable = max((graph.cost(claim.alone), graph.cost(path_saved),
                          graph.cost(best_saved)),
                         key=lambda i: (regrade(grouped, i).severity, impact_key(i)))
        out.append(_graded_on_saving(grouped, achievable, regrade))
    return out


def _graded_on_saving(finding: Finding, achievable: Impact,
                      regrade: Callable[[Finding, Impact], Finding]) -> Finding:
    """`finding` graded on the `achievable` saving where that grades lower, else as it is.

    Its impact becomes that saving (what the report ranks by and shows); the message
    already explains the shared figure.
    """
    regraded = regrade(finding, achievable)
    if regraded.severity >= finding.severity:
        return finding
    return dataclasses.replace(regraded, message=(
        f"{regraded.message} Graded on what fixing it can save at best "
        f"({achievable.modules or 0} module(s), {_describe(achievable)}), not on the "
        "shared figure."))


def _today_if_parents_load(graph: LoadGraph, finding: Finding, claim: Claim) -> Finding:
    """`finding`, saying so when its parent packages load what its fix would save.

    httpx/__init__ star-imports httpx._models, so moving httpx._transports.base's
    annotation-only import of it saves nothing until that `__init__` is lazy.
    """
    rest = claim.saved - claim.alone
    if not rest:
        return finding
    parents = [p for p in ancestors(claim.entry)[1:] if graph.loads([p]) & rest]
    if not parents:
        return finding
    today = (f"saves {len(claim.alone)} module(s)" if claim.alone else "saves nothing")
    note = (f" The figure counts {', '.join(parents)} as lazy: as the code is now, "
            f"{'it loads' if len(parents) == 1 else 'they load'} {len(rest)} of these "
            f"module(s) anyway and fixing this one alone {today} today.")
    return dataclasses.replace(finding, message=finding.message + note)


def _reach(alone: int, path: tuple[list[ClaimKey], int],
           best: tuple[list[ClaimKey], int]) -> str:
    """What fixing a shared finding saves alone, with its path's fixes, with all fixes.

    `path`: the parent packages' findings it needs and what it then saves; `best`: the
    others it needs with every fix in reach made, and what it then saves.
    """
    (on_path, with_path), (needed, with_all) = path, best
    today = f"saves {alone} module(s) today" if alone else "saves nothing today"
    parts = []
    if on_path and with_path > alone:
        parts.append(f"with {_named(on_path)} fixed too, it saves {with_path}")
    if parts and with_all != with_path:
        parts.append(f"with every other fix in its reach made as well, {with_all}")
    elif needed and not parts:
        parts.append(f"with {_named(needed)} fixed too, it saves {with_all}")
    if not parts:
        return f"Fixing this one alone {today}."
    return f"Fixing this one alone {today} (other imports load the rest); {'; '.join(parts)}."


def _marginal(graph: LoadGraph, claim: Claim,
              fixed: frozenset[tuple[str, str]]) -> frozenset[str]:
    """The modules `claim`'s fix saves its entry beyond what the `fixed` cuts save.

    With the statements in place they load what they take names from (`serves`), also
    from a package the `fixed` cuts make lazy: tollgate.app.hooks' `from
    tollgate.document import Document` loads the model with tollgate.document lazy.
    """
    return (graph.loads([claim.entry, *claim.serves], cut=fixed)
            - graph.loads([claim.entry], cut=fixed | claim.cut) - claim.needs)


def _named(keys: Sequence[ClaimKey], shown: int = 5) -> str:
    named = ", ".join(f"{c} {m}:{ln}" if ln else f"{c} {m}" for c, m, ln in keys[:shown])
    return named + (f" and {len(keys) - shown} more" if len(keys) > shown else "")


def _describe(impact: Impact) -> str:
    from importaudit.units import format_bytes, format_ns

    parts = [format_ns(impact.time_ns)]
    if impact.heap_bytes is not None:
        parts.append(f"heap {format_bytes(impact.heap_bytes)}")
    return ", ".join(parts)
