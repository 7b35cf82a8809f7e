"""Small, hand-built reports for the gate, baseline and CI renderer tests.

Built from the model directly (no child interpreter), so every number is known.
Importable from any test: pytest puts tests/ on sys.path for tests/conftest.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from importaudit.model import (
    Cycle,
    EdgeKind,
    ImportEdge,
    ModuleNode,
    ModuleRecord,
    Report,
    RunMeta,
    StaticGraph,
)

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

    from importaudit.model import CheckResult, Verdict, Violation

MS = 1_000_000

#: Environment variables that would change what `importaudit check` does in a test.
GATE_ENV = ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "IMPORTAUDIT_REPEAT",
            "IMPORTAUDIT_BASELINE", "IMPORTAUDIT_CONFIG", "IMPORTAUDIT_CYCLES")


def isolate_gate(monkeypatch: pytest.MonkeyPatch, project: Path) -> Path:
    """Run `importaudit check` in `project`, with no CI or IMPORTAUDIT_* variables."""
    monkeypatch.chdir(project)
    for name in GATE_ENV:
        monkeypatch.delenv(name, raising=False)
    return project


def rec(
    name: str, importer: str | None = None, *, ms: float = 1.0, self_ms: float | None = None,
    spread: float = 0.05, heap: int | None = None, self_heap: int | None = None,
    rss: int | None = None, runs: int = 5, importers: tuple[str, ...] = (), order: int = 0,
    origin: str | None = None, preloaded: bool = False,
) -> ModuleRecord:
    """A module record whose runs lie within +-`spread` of the median `ms`."""
    cum = round(ms * MS)
    own = round((self_ms if self_ms is not None else ms) * MS)
    return ModuleRecord(
        name=name, importer=importer, importers=importers or ((importer,) if importer else ()),
        order=order, self_ns=own, cumulative_ns=cum,
        self_ns_min=round(own * (1 - spread)), self_ns_max=round(own * (1 + spread)),
        cumulative_ns_min=round(cum * (1 - spread)), cumulative_ns_max=round(cum * (1 + spread)),
        heap_bytes=heap, self_heap_bytes=self_heap if self_heap is not None else heap,
        rss_bytes=rss, runs=runs, origin=origin or f"/src/{name.replace('.', '/')}.py",
        preloaded=preloaded,
    )


def report(
    *records: ModuleRecord, targets: tuple[str, ...] = ("pkg",), startup_ms: float | None = 10.0,
    repeats: int = 5, graph: StaticGraph | None = None, cycles: tuple[Cycle, ...] = (),
    python_version: str = "3.11.7",
) -> Report:
    """A report over `records` with the given run metadata."""
    meta = RunMeta(
        python="/usr/bin/python3", python_version=python_version, platform="linux",
        repeats=repeats, memory=any(r.heap_bytes is not None for r in records),
        startup_ns=round(startup_ms * MS) if startup_ms is not None else None,
    )
    return Report(targets=targets, tool_version="0.1", created_at="2024-01-01T00:00:00+00:00",
                  meta=meta, modules=records, graph=graph, cycles=cycles)


def pkg_records(*, extra: tuple[ModuleRecord, ...] = (), pkg_ms: float = 20.0,
                heap: int | None = 1_000_000) -> tuple[ModuleRecord, ...]:
    """pkg -> pkg.core -> pkg.util, plus `extra`; a small package with known costs."""
    return (
        rec("pkg", ms=pkg_ms, self_ms=1.0, heap=heap, order=0),
        rec("pkg.core", "pkg", ms=pkg_ms * 0.8, heap=heap and heap // 2, order=1),
        rec("pkg.util", "pkg.core", ms=2.0, heap=heap and heap // 10, order=2),
        *extra,
    )


def edge(importer: str, imported: str, kind: EdgeKind = EdgeKind.EAGER, line: int = 1,
         *, external: bool = False) -> ImportEdge:
    """A static import edge with a file named after the importer."""
    return ImportEdge(importer=importer, imported=imported, kind=kind,
                      file=f"{importer.replace('.', '/')}.py", line=line, external=external)


def cycle(*edges: ImportEdge) -> Cycle:
    """A cycle whose witness is `edges` (which must close)."""
    members = tuple(sorted({e.importer for e in edges}))
    return Cycle(modules=members, witness=edges, cut=edges[-1:],
                 packages=tuple(sorted({m.split(".")[0] for m in members})))


def graph(*edges: ImportEdge, roots: tuple[str, ...] = ("pkg",)) -> StaticGraph:
    """A static graph over the modules the edges mention."""
    names = sorted({e.importer for e in edges} | {e.imported for e in edges})
    internal = {e.importer for e in edges}
    nodes = tuple(ModuleNode(name=n, file=f"{n.replace('.', '/')}.py" if n in internal else None,
                             external=n not in internal) for n in names)
    return StaticGraph(roots=roots, modules=nodes, edges=edges)


def judged(*, passing: bool = False) -> Report:
    """A report the gate has judged: several kinds of violation, a skipped check, warnings.

    With `passing`, the same kinds of checks all pass.
    """
    import dataclasses

    from importaudit.config import Budget, Config, ForbiddenRule
    from importaudit.gate import evaluate

    extra = () if passing else (rec("numpy", "pkg.util", order=3),)
    cycles = () if passing else (cycle(edge("pkg.core", "pkg.util", line=3),
                                       edge("pkg.util", "pkg.core", line=12)),)
    static = graph(edge("pkg", "pkg.core", line=1), edge("pkg.core", "pkg.util", line=3),
                   edge("pkg.util", "numpy", line=7), edge("pkg.util", "pkg.core", line=12))
    subject = report(*pkg_records(extra=extra, heap=None), graph=static, cycles=cycles)
    config = Config(
        budgets=(Budget("pkg", max_modules=10 if passing else 3, max_heap_bytes=1 << 20),),
        forbidden=(ForbiddenRule("pkg", ("numpy", "pandas")),),
        ignore=("never.*",),
    )
    return dataclasses.replace(subject, verdict=evaluate(subject, config))


def only(verdict: Verdict, check: str) -> Violation:
    """The one violation of `check` in `verdict` (fails when there is none or several)."""
    found = [v for v in verdict.violations if v.check == check]
    assert len(found) == 1, verdict.violations
    return found[0]


def result(verdict: Verdict, check: str, subject: str) -> CheckResult:
    """The result of `check` on `subject` in `verdict`."""
    from importaudit.checks import check_id

    name = check_id(check, subject)
    return next(c for c in verdict.checks if c.name == name)
