"""Contracts: which parts of the code may import which, judged on every import chain.

`[tool.importaudit.contracts]` declares `layers` (top to bottom: a layer may import only
the layers below it, and its sibling modules not each other) and `independent` groups
(none may import another), as import-linter's layers and independence contracts do.

A chain breaks a contract when it starts in one part and reaches another part it may not
import, walking only through modules no part of that contract names (a chain through a
named part is judged from that part). Each breaking import is one violation, named by
its last hop with file:line. The static graph is judged on the edge kinds that count
(`--kinds`; by default those that run at import time); a measured run adds what really
ran, which catches the imports no scan sees (`importlib.import_module(name)`).
"""

from __future__ import annotations

import difflib
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from importaudit.errors import ConfigError
from importaudit.gate.outcome import edge_location, origin
from importaudit.model import EdgeKind, Violation

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from importaudit.config import Config
    from importaudit.gate.outcome import Outcome
    from importaudit.loadgraph import LoadGraph
    from importaudit.model import ImportEdge, Report

CHECK = "contract"


@dataclass(frozen=True, slots=True)
class Contract:
    """One contract: its parts (module names) and which part may not import which."""

    subject: str
    parts: tuple[str, ...]
    rank: tuple[int, ...]  # per part: its layer (0 = top), or its group's one number
    layered: bool

    def owner(self, module: str) -> str | None:
        """The part `module` belongs to: the most specific name that covers it."""
        best: str | None = None
        for part in self.parts:
            if (module == part or module.startswith(part + ".")) and \
                    (best is None or len(part) > len(best)):
                best = part
        return best

    def breaks(self, importer: str, imported: str) -> str | None:
        """How part `importer` importing part `imported` breaks it (None: allowed)."""
        if importer == imported:
            return None
        mine = self.rank[self.parts.index(importer)]
        theirs = self.rank[self.parts.index(imported)]
        if not self.layered:
            return f"{importer} and {imported} must not import each other"
        if theirs < mine:
            return f"{imported} is a higher layer than {importer}"
        if theirs == mine:
            return f"{importer} and {imported} are sibling layers"
        return None


def contracts_of(config: Config) -> list[Contract]:
    """The configured contracts, in the order they are checked."""
    out = []
    layers = config.contracts.layers
    if layers:
        parts = tuple(m for layer in layers for m in layer)
        rank = tuple(i for i, layer in enumerate(layers) for _ in layer)
        out.append(Contract("layers", parts, rank, layered=True))
    for group in config.contracts.independent:
        out.append(Contract(f"independent: {' | '.join(group)}", group, (0,) * len(group),
                            layered=False))
    return out


def _static_edges(report: Report, config: Config) -> dict[tuple[str, str], ImportEdge]:
    """The counted static edges, one statement (the first) per pair of modules."""
    edges: dict[tuple[str, str], ImportEdge] = {}
    for edge in report.graph.edges if report.graph is not None else ():
        if edge.kind in config.kinds:
            edges.setdefault((edge.importer, edge.imported), edge)
    return edges


def _runtime_edges(index: LoadGraph) -> list[tuple[str, str]]:
    # Every load and cache hit ran at import time. A module's edge to its own parent
    # package is left out, as the static graph leaves it out: importing `a.b` runs `a`
    # first, but a package whose `__init__` gathers its submodules would otherwise make
    # each of them "import" all the others, and no layering could hold.
    return [(a, b) for a, b, kind in index.edges()
            if kind != "parent" and a in index.live and b in index.live]


def _check_known(contracts: Sequence[Contract], known: set[str], config: Config) -> None:
    """A part that names no module is a typo or a stale name: a configuration error."""
    prefixes = {".".join(k.split(".")[:i]) for k in known for i in range(1, k.count(".") + 2)}
    for contract in contracts:
        for part in contract.parts:
            if part not in prefixes:
                close = difflib.get_close_matches(part, sorted(prefixes), n=1, cutoff=0.8)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise ConfigError(
                    f"{config.source or 'pyproject.toml'}: tool.importaudit.contracts: "
                    f"{contract.subject.split(':')[0]} names {part}, which is not a module of "
                    f"the import graph{hint}")


def _breaking(contract: Contract, edges: Iterable[tuple[str, str]]
              ) -> list[tuple[tuple[str, ...], str]]:
    """Every import that breaks `contract`: (the chain to it, why), by its last hop."""
    out_edges: dict[str, list[str]] = {}
    for importer, imported in edges:
        out_edges.setdefault(importer, []).append(imported)
    found: dict[tuple[str, str], tuple[tuple[str, ...], str]] = {}
    for part in contract.parts:
        starts = sorted(n for n in out_edges if contract.owner(n) == part)
        previous: dict[str, str | None] = dict.fromkeys(starts)
        queue = deque(starts)
        while queue:
            current = queue.popleft()
            for imported in sorted(out_edges.get(current, ())):
                owner = contract.owner(imported)
                if owner is None:
                    if imported not in previous:
                        previous[imported] = current
                        queue.append(imported)
                    continue
                why = contract.breaks(part, owner)
                if why is None or (current, imported) in found:
                    continue
                chain = [imported, current]
                while (up := previous[chain[-1]]) is not None:
                    chain.append(up)
                found[(current, imported)] = (tuple(reversed(chain)), why)
    return [found[key] for key in sorted(found)]


def check_contracts(report: Report, index: LoadGraph, config: Config, out: Outcome) -> None:
    """Judge every configured contract on the static graph and on what the run loaded."""
    contracts = contracts_of(config)
    if not contracts:
        return
    if report.graph is None and not index.live:
        for contract in contracts:
            out.record(CHECK, contract.subject, [], "nothing measured or scanned", skipped=True)
        return
    known = set(index.records)
    if report.graph is not None:  # a module the walk left out (tests) exists all the same
        known |= {n.name for n in report.graph.modules} | set(report.graph.excluded)
    _check_known(contracts, known, config)
    static = _static_edges(report, config)
    runtime = _runtime_edges(index)
    kinds = "/".join(sorted(k.value for k in config.kinds))
    for contract in contracts:
        violations: list[Violation] = []
        seen: set[tuple[str, ...]] = set()
        scanned = sorted(_breaking(contract, static), key=lambda found: static[
            found[0][-2], found[0][-1]].kind is EdgeKind.PARENT)  # the statement's own kind first
        for (chain, why), by_scan in [*((f, True) for f in scanned),
                                      *((f, False) for f in _breaking(contract, runtime))]:
            statement = static.get((chain[-2], chain[-1])) if by_scan else None
            # One statement, one violation (`from a.b import c` is edges to a.b and a.b.c),
            # and an import the scan found is not found again by the run.
            place = (chain[-2], statement.file or "", str(statement.line)) \
                if statement is not None else (chain[-2], chain[-1])
            if place in seen or (chain[-2], chain[-1]) in seen:
                continue
            seen.update({place, (chain[-2], chain[-1])})
            if statement is not None:
                file, line = statement.file, statement.line
                how = f"static, via {' -> '.join(chain)}; {statement.kind.value} import"
            else:
                file, line = edge_location(report.graph, chain)
                how = f"at run time, via {' -> '.join(chain)}"
            violations.append(Violation(
                check=CHECK, subject=contract.subject,
                message=f"{chain[0]} imports {chain[-1]}, breaking the contract: {why} ({how})",
                chain=chain, file=file or origin(index, chain), line=line,
            ))
        out.record(CHECK, contract.subject, violations,
                   "" if violations else f"no {kinds} import chain breaks it")
