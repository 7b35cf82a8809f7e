"""Rule about import cycles: one finding per cycle that runs at import time.

The static graph's cycles come with a shortest witness path (file:line on every edge)
and suggested cuts. Only cycles whose every witness edge executes at import time are
real import cycles; one through a deferred, type-only or lazy edge is already broken.
Cross-package cycles come first: they couple packages that should layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from importaudit.cycletext import claim_sentence, unreached
from importaudit.loadgraph import ancestors
from importaudit.model import Impact, Proof, Severity
from importaudit.review.context import NEEDED_AT_IMPORT, RUNS
from importaudit.review.impact import Claim, deferral_cut, loaded_anyway_by
from importaudit.review.registry import RuleDoc, register
from importaudit.review.source import ANNOTATION_USES, Use

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Iterator, Sequence

    import networkx as nx

    from importaudit.model import Cycle, Finding, ImportEdge
    from importaudit.review.context import ReviewContext


def _uses(ctx: ReviewContext, importer: str, line: int | None,
          names: frozenset[str] | None = None) -> set[Use]:
    """How the importer uses what its statement at `line` binds (of it, `names` only).

    A name the importer gives others is needed once it is imported, however its own
    code uses it: listed in `__all__`, taken by another module, or a public name of a
    package's `__init__` (sqlglot's `from sqlglot.dialects.dialect import Dialect as
    Dialect`, which its functions use too, is `sqlglot.Dialect`).
    """
    facts = ctx.facts(importer)
    uses: set[Use] = set()
    if facts is None:
        return uses
    own = ctx.modules.get(importer)
    package = own is not None and own.is_package
    taken = {name for edges in ctx.edges_from.values() for edge in edges
             if edge.imported == importer and edge.importer != importer
             for name in edge.names}
    for binding in facts.bindings:
        if binding.line == line and (names is None or binding.name in names):
            uses |= facts.uses_of(binding.name)
            if (binding.name in (facts.all_names or ()) or binding.name in taken
                    or (package and not binding.name.startswith("_"))):
                uses.add(Use.IMPORT_TIME)
    return uses


def _component(ctx: ReviewContext, cycle: Cycle, importer: str,
               lines: frozenset[int | None]) -> nx.DiGraph[str]:
    """The cycle's component on the import-time graph, without `importer`'s `lines`.

    Every edge those statements make goes (their implicit parent edges too); an edge
    that another statement also makes stays.
    """
    import networkx as nx

    graph = ctx.import_graph()
    members = [m for m in cycle.modules if m in graph]
    component: nx.DiGraph[str] = nx.DiGraph()
    component.add_nodes_from(members)
    for u, v in graph.subgraph(members).edges():
        records: list[ImportEdge] = graph.edges[u, v]["imports"]
        if any(r.importer != importer or r.line not in lines for r in records):
            component.add_edge(u, v)
    return component


def breaks_cycle(ctx: ReviewContext, cycle: Cycle, edge: ImportEdge,
                 lines: frozenset[int | None] | None = None) -> bool:
    """Whether removing the importer's statements at `lines` breaks the edge's cycle.

    `lines` defaults to the edge's own statement. A second statement between the same
    modules, or a parent package the importer reaches another way, keeps the cycle:
    then that cut is no fix.
    """
    import networkx as nx

    component = _component(ctx, cycle, edge.importer,
                           frozenset({edge.line}) if lines is None else lines)
    if edge.importer not in component or edge.imported not in component:
        return True
    return not (nx.has_path(component, edge.importer, edge.imported)
                and nx.has_path(component, edge.imported, edge.importer))


#: At most this many statements of one importer make one cheap cut.
_MAX_STATEMENTS = 3


def _cheap_cut(ctx: ReviewContext, cycle: Cycle, edge: ImportEdge) -> _Cut | None:
    """Moving statements of the edge's importer that it does not need at import time.

    Starts from the edge's statement; while the cycle still holds, adds the importer's
    statement that starts a shortest remaining path back into the cycle, if that one
    is movable too. Offered only when the statements together break the cycle.
    """
    import networkx as nx

    lines: list[int | None] = [edge.line]
    moved, kept = _into_cycle(ctx, cycle, edge.importer, edge.line)
    uses = _uses(ctx, edge.importer, edge.line, moved)
    while not breaks_cycle(ctx, cycle, edge, frozenset(lines)):
        if len(lines) >= _MAX_STATEMENTS:
            return None
        component = _component(ctx, cycle, edge.importer, frozenset(lines))
        path = nx.shortest_path(component, edge.importer, edge.imported)
        records: list[ImportEdge] = ctx.import_graph().edges[path[0], path[1]]["imports"]
        more = sorted({r.line for r in records if r.importer == edge.importer
                       and r.line not in lines}, key=lambda n: n or 0)
        if not more:
            return None
        lines.extend(more[:1])
        also, stays = _into_cycle(ctx, cycle, edge.importer, more[0])
        moved, kept = moved | also, kept | stays
        uses |= _uses(ctx, edge.importer, more[0], also)
    movable = _movable(uses)
    if movable is None:
        return None
    exported = [n for n in _exported(ctx, edge.importer, frozenset(lines)) if n in moved]
    if exported:
        # boto3's `from boto3.session import Session` is used only in its functions,
        # and is `boto3.Session`, the package's API: a function-local import removes it.
        movable += (f", and serve {', '.join(exported)} to users from a module "
                    "__getattr__ (the package's public API, which the move alone would "
                    "remove; a module __getattr__ does not serve the module's own code)")
    file = edge.file or edge.importer
    at = ", ".join(str(n) for n in sorted(n for n in lines if n is not None))
    what = "import" if len(lines) == 1 else "imports"
    # sphinx.util.rst's `from sphinx.util import docutils, logging`: only `docutils`
    # closes the cycle, and only functions use it; `logging` is called at import.
    part = (f"{', '.join(sorted(moved))} from the {what} at {file}:{at} {movable}; "
            f"{', '.join(sorted(kept))} {'stays' if len(kept) == 1 else 'stay'} at module "
            "level" if kept else f"the {what} at {file}:{at} {movable}")
    return _Cut(((edge.importer, frozenset(lines)),), f"{file}:{at}", f"move {part}", edge)


def _into_cycle(ctx: ReviewContext, cycle: Cycle, importer: str,
                line: int | None) -> tuple[frozenset[str], frozenset[str]]:
    """The names `importer`'s statement at `line` binds that lead into the cycle, and the rest.

    A name leads in when the module it loads, or a package run first to load it, is a
    member of the cycle (its strongly connected component: a module reached through a
    kept name that led back would be a member too). Moving the others changes nothing
    about the cycle, so how the importer uses them is no reason to keep the statement.
    When no name is known to lead in (facts missing), every name counts.
    """
    facts = ctx.facts(importer)
    if facts is None:
        return frozenset(), frozenset()
    members = set(cycle.modules)
    bound = [b for b in facts.bindings if b.line == line]
    moved = frozenset(b.name for b in bound
                      if members.intersection(ancestors(ctx.submodule_of(b))))
    if not moved:
        return frozenset(b.name for b in bound), frozenset()
    return moved, frozenset(b.name for b in bound) - moved


def _exported(ctx: ReviewContext, importer: str, lines: frozenset[int | None]) -> list[str]:
    """Public names a package `__init__` takes from its own submodules at `lines`.

    They are the package's API (`boto3.Session`) whether or not `__all__` lists them:
    users read them from the package.
    """
    own = ctx.modules.get(importer)
    facts = ctx.facts(importer)
    if own is None or not own.is_package or facts is None:
        return []
    return sorted({b.name for b in facts.bindings
                   if b.line in lines and b.attr is not None and not b.name.startswith("_")
                   and b.module.startswith(importer + ".")})


def _movable(uses: set[Use]) -> str | None:
    """Where imports used this way can move (None: they are needed at import time)."""
    future = ("; add `from __future__ import annotations` first, the module's "
              "annotations are evaluated now" if Use.EVALUATED_ANNOTATION in uses else "")
    if uses and uses <= ANNOTATION_USES:
        return f"under `if TYPE_CHECKING:` (only annotations use them{future})"
    if uses and uses <= {Use.FUNCTION, *ANNOTATION_USES}:
        return f"into the functions that use them (not needed at import time{future})"
    return None


@dataclass(frozen=True, slots=True)
class _Cut:
    """One way the fix offers to break a cycle: the import statements it removes.

    `statements`: (importer, its lines) for each module whose imports go; `where`
    names them as the message does; `how` is the fix's own words for this cut (a
    cheap cut: a clause of "Break the cycle: ..."; otherwise the whole advice); `at`
    is the first statement it removes, where the finding points: the place a user
    edits is the one the message names.
    """

    statements: tuple[tuple[str, frozenset[int | None]], ...]
    where: str
    how: str
    at: ImportEdge
    cheap: bool = True


def _cuts(ctx: ReviewContext, cycle: Cycle) -> list[_Cut]:
    """Cheap cuts on the witness path first; otherwise restructure at the suggested cut.

    Only cuts that break the cycle on the graph are offered (see `breaks_cycle`).
    """
    cheap = [cut for e in cycle.witness if (cut := _cheap_cut(ctx, cycle, e)) is not None]
    if cheap:
        return cheap
    # An edge breaks the finding's cycle only if it is on the witness path (between
    # two of its modules): numpy's 57-module component has the witness numpy ->
    # numpy._core.memmap -> numpy, and cutting numpy._core._dtype's `import numpy`
    # breaks only a cycle of its own, not that one.
    on_path = {e.importer for e in cycle.witness}
    candidates = [e for e in [*cycle.cut, *cycle.witness]
                  if e.importer in on_path and e.imported in on_path]
    at = next((e for e in candidates if breaks_cycle(ctx, cycle, e)), None)
    if at is None:
        edges = cycle.cut or cycle.witness[:1]
        where = _places(edges)
        lines: dict[str, set[int | None]] = {}
        for edge in edges:
            lines.setdefault(edge.importer, set()).add(edge.line)
        # The message names one module's statements; more are the fix's to list.
        named = where if len(lines) == 1 else f"the {len(edges)} imports the fix names"
        return [_Cut(tuple((m, frozenset(n)) for m, n in lines.items()), named,
                     f"No single import breaks this cycle: remove all of {where}, by moving "
                     "what the modules share into a module that none of them imports back, "
                     "or by exposing names lazily with a module __getattr__.", edges[0],
                     cheap=False)]
    return [_Cut(((at.importer, frozenset({at.line})),), _places([at]),
                 f"Break the cycle at {_places([at])} ({at.importer} -> {at.imported}), which is "
                 "needed at import time: move what both sides share into a module that "
                 "neither imports back, or expose the name lazily with a module __getattr__.",
                 at, cheap=False)]


def _fix(cuts: Sequence[_Cut]) -> str:
    """The fix's text: up to two cheap cuts, or the one restructuring advice."""
    if cuts[0].cheap:
        return "Break the cycle: " + "; or ".join(c.how for c in cuts[:2]) + "."
    return cuts[0].how


def _claim(ctx: ReviewContext, cut: _Cut, failed: Collection[str]) -> Claim:
    """What removing the cut's statements saves an import of its (first) importer.

    As `fix` judges an IA103 pull (`fix.pulls`): the exclusive saving on the load graph
    with the code as it is, parent packages as Python runs them. Breaking a cycle
    saves only what then no longer loads, so nothing when the members load together
    anyway (a submodule importing its own package, which runs first whenever the
    submodule is imported).
    """
    parts = []
    for m, lines in cut.statements:
        deferred, kept = _statements(ctx, m, lines)
        # A module the body itself uses while it runs stays, whatever breaks the cycle.
        used = _used_modules(ctx, m, lines)
        parts.append((m, deferred - used, kept | (deferred & used)))
    edges: frozenset[tuple[str, str]] = frozenset().union(
        *(deferral_cut(ctx.tree, m, deferred, kept) for m, deferred, kept in parts))
    entry = parts[0][0]
    # What was measured of an import that failed stops at the failure: no saving.
    saved = frozenset() if entry in failed else ctx.tree.saving([entry], edges)
    return Claim(entry, edges, saved, saved)


def _used_modules(ctx: ReviewContext, importer: str,
                  lines: frozenset[int | None]) -> set[str]:
    """The modules `importer`'s statements at `lines` bind, which its body uses at import.

    patsy's `__init__` runs `import patsy.build` and then `_reexport(patsy.build)`: it
    needs the module itself, not a name that could move to a module neither side
    imports back, so no restructuring of the cycle stops it loading patsy.build (IA201
    claimed breaking the cycle there saved all 588 modules of `import patsy`).
    """
    facts = ctx.facts(importer)
    if facts is None:
        return set()
    return {ctx.submodule_of(b) for b in facts.bindings
            if b.line in lines and b.kind in RUNS
            and (b.attr is None or ctx.is_module(b.target))
            and facts.uses_of(b.name) & NEEDED_AT_IMPORT}


def _statements(ctx: ReviewContext, importer: str,
                lines: frozenset[int | None]) -> tuple[set[str], set[str]]:
    """The modules `importer`'s statements at `lines` import, and those its others do."""
    graph = ctx.import_graph()
    records: list[ImportEdge] = []
    if importer in graph:
        for imported in graph.successors(importer):
            found: list[ImportEdge] = graph.edges[importer, imported]["imports"]
            records += [r for r in found if r.importer == importer]
    return ({r.imported for r in records if r.line in lines},
            {r.imported for r in records if r.line not in lines})


def _saving(ctx: ReviewContext, cut: _Cut, claim: Claim, failed: Collection[str]) -> str:
    """The message's sentence on what breaking the cycle at `cut` saves, and why."""
    entry = claim.entry
    if entry in failed:
        return (f" What breaking it saves is not known: {entry} fails to import here, so "
                "what was measured of its import stops where it failed.")
    if entry not in ctx.tree.live:
        return (f" What breaking it saves is not known: {entry} was not measured "
                "(it failed, or no profile was taken).")
    if claim.saved:
        return (f" Breaking it at {cut.where} saves {len(claim.saved)} module(s) for an "
                f"import of {entry}.")
    deferred = sorted(_statements(ctx, entry, cut.statements[0][1])[0])
    own = next((m for m in deferred if m in ancestors(entry)[1:]), None)
    used = _used_modules(ctx, entry, cut.statements[0][1])
    if own is None and used and set(deferred) <= used:
        return (f" Breaking it at {cut.where} saves nothing in import cost: {entry}'s body "
                f"uses {', '.join(sorted(used))} while it runs, so {entry} loads "
                f"{'it' if len(used) == 1 else 'them'} whatever breaks the cycle.")
    if own is None and deferred and not set(deferred) & ctx.tree.loads([entry]):
        # click._compat's `from ._winconsole import ...` runs only on Windows: nothing
        # it imports loaded here, so there was nothing to save, not "other imports".
        return (f" Breaking it at {cut.where} saves nothing measured here: "
                f"{', '.join(deferred)} did not load when {entry} was imported (the "
                "statement does not run on this platform or configuration).")
    if own is not None:
        why = (f"through {own}, the package {entry} belongs to, which runs first whenever "
               f"{entry} is imported")
    elif not claim.cut:
        why = f"through {entry}'s other imports of the same modules"
    else:
        first = next((m for m in deferred if m in ctx.tree.live), None)
        by = entry if first is None else loaded_anyway_by(ctx.tree, entry, first, claim.cut)
        why = (f"through {entry}'s other imports" if by == entry else
               f"through {by}, which runs first whenever {entry} is imported"
               if by in ancestors(entry) else f"through {by}, which {entry} imports too")
    return (f" Breaking it at {cut.where} saves nothing in import cost: its modules load "
            f"together anyway, {why}.")


def _places(edges: Iterable[ImportEdge]) -> str:
    """Where statements are, by file: `a.py:4189, 4190; b.py:16` (a module without a line)."""
    lines: dict[str, set[int]] = {}
    for edge in edges:
        if edge.file and edge.line:
            lines.setdefault(edge.file, set()).add(edge.line)
        else:
            lines.setdefault(edge.importer, set())
    return "; ".join(f"{where}:{', '.join(str(n) for n in sorted(found))}" if found else where
                     for where, found in lines.items())


def _sort_key(cycle: Cycle) -> tuple[int, int, tuple[str, ...]]:
    return (0 if cycle.cross_package else 1, len(cycle.witness), cycle.modules)


@register(
    "IA201", "import-cycle", "Import cycle",
    RuleDoc(
        what="Modules that import each other at import time, directly or through a "
             "chain (for example risk_management -> trading_engine -> risk_management).",
        why="Whichever side is imported first sees the other half-initialised: a "
            "`from x import name` then fails with ImportError, import order starts to "
            "matter, and importing either side loads both. A cycle across packages "
            "also means neither package can be used or tested alone. The impact is "
            "what breaking it at the cut the fix names saves an import of that cut's "
            "module (nothing when the members load together anyway, as a submodule "
            "that imports its own package does); the severity follows it, at least "
            "HIGH for a cycle that fails at import (or may: unverified), MEDIUM for one "
            "that fails only where the error is caught (the package goes on without the "
            "module: a lost feature, not a crash) and MEDIUM across packages.",
        fix="Break one edge of the witness path: move an import used only in annotations "
            "under `if TYPE_CHECKING:`, one used only in functions into those functions, "
            "or move the shared code into a module both can import.",
        example="# risk_management/integration/engine.py\nfrom typing import "
                "TYPE_CHECKING\nif TYPE_CHECKING:\n    from trading_engine import Engine\n\n"
                "def attach(engine: 'Engine') -> None:\n    from trading_engine import "
                "hooks  # deferred: breaks the cycle\n    hooks.register(engine)",
    ),
)
def import_cycle(ctx: ReviewContext) -> Iterator[Finding]:
    """IA201: cycles of the static graph whose witness runs entirely at import time."""
    failed = {r.name for r in ctx.report.modules if r.error}
    for cycle in sorted(ctx.report.cycles, key=_sort_key):
        if not cycle.closes_at_import:
            continue
        path = (*tuple(e.importer for e in cycle.witness), cycle.witness[-1].imported)
        # The impact is what breaking the cycle saves, as every rule's is what its fix
        # saves; of the cuts the fix offers, the one that saves most comes first.
        claims = sorted(((_claim(ctx, cut, failed), cut) for cut in _cuts(ctx, cycle)),
                        key=lambda pair: -len(pair[0].saved))
        claim, cut = claims[0]
        at = cut.at
        proof = claim_sentence(cycle)
        scope = (f"across packages {', '.join(cycle.packages)}" if cycle.cross_package
                 else "inside one package")
        yield ctx.claimed(claim, ctx.make_finding(
            "IA201", "Import cycle", at.importer,
            f"Import cycle {scope} through {len(cycle.modules)} module(s): "
            f"{' -> '.join(path)}.{' ' if proof else ''}{proof}"
            f"{_saving(ctx, cut, claim, failed)}",
            _fix([c for _, c in claims]),
            impact=Impact() if claim.entry in failed else ctx.tree.cost(claim.saved),
            file=at.file, line=at.line, chain=path,
            floor=_floor(cycle), explains_failure=cycle.fails,
        ))


def _floor(cycle: Cycle) -> Severity:
    """How serious a cycle is at least, by what is known about it failing at import.

    High when it fails (reproduced, or suspected and not run: unverified); medium when
    it fails only where the error is caught (a lost feature, not a crash); an
    order-dependent cycle that did not fail when run ranks as any other cycle, and so
    does one whose runs imported fine without loading the modules at risk: here the
    suspected imports never run (`cycletext.unreached`).
    """
    if cycle.fails and not cycle.failures:
        return Severity.MEDIUM
    if cycle.fails or (cycle.can_fail and cycle.proof is Proof.UNVERIFIED
                       and not unreached(cycle)):
        return Severity.HIGH
    return Severity.MEDIUM if cycle.cross_package else Severity.LOW
