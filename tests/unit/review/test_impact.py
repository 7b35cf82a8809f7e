"""Severity graded from measured impact, and impacts added and subtracted."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from importaudit.model import Impact, Severity
from importaudit.model.runtime import ModuleRecord
from importaudit.review.context import ReviewContext
from importaudit.review.impact import DEFAULT_SCALE, add_impacts, severity_of, subtract_impact

if TYPE_CHECKING:
    from importaudit.model import Finding, Report

MS = 1_000_000
MIB = 1024 * 1024


def test_severity_is_the_highest_grade_of_any_dimension() -> None:
    assert severity_of(Impact()) == Severity.INFO
    assert severity_of(Impact(time_ns=MS // 2)) == Severity.INFO
    assert severity_of(Impact(time_ns=2 * MS)) == Severity.LOW
    assert severity_of(Impact(time_ns=2 * MS, heap_bytes=20 * MIB)) == Severity.HIGH
    assert severity_of(Impact(modules=250)) == Severity.CRITICAL
    assert severity_of(Impact(rss_bytes=10 * MIB)) == Severity.MEDIUM


def test_impacts_add_and_subtract_without_inventing_values() -> None:
    total = add_impacts([Impact(1, None, None, 2), Impact(3, None, None, 1)])
    assert total == Impact(4, None, None, 3)
    assert subtract_impact(Impact(5, 10, None, 3), Impact(7, 4, 9, 1)) == Impact(0, 6, None, 2)


def test_a_regraded_finding_keeps_its_hazard_floor(shop_report: Report) -> None:
    # group_shared_costs regrades a shared finding on what its fix can save; a failing
    # cycle (IA201's HIGH floor) stays HIGH however little breaking it saves.
    ctx = ReviewContext(shop_report)
    big = Impact(None, 70 * 1024 * 1024, None, 300)
    small = Impact(None, 1024, None, 1)
    cycle = ctx.make_finding("IA201", "Import cycle", "shop.orders", "m", "f", impact=big,
                             line=3, floor=Severity.HIGH)
    plain = ctx.make_finding("IA501", "Annotation import", "shop.orders", "m", "f",
                             impact=big, line=4)
    assert cycle.severity == plain.severity == Severity.CRITICAL
    assert ctx.regrade(cycle, small).severity == Severity.HIGH
    regraded = ctx.regrade(plain, small)
    assert (regraded.severity, regraded.impact) == (Severity.INFO, small)


def record(name: str, importer: str | None, importers: tuple[str, ...] = (),
           heap: int = 1000) -> ModuleRecord:
    """A measured module of a load graph: `importer` loaded it, `importers` import it."""
    return ModuleRecord(name=name, importer=importer, importers=importers,
                        self_heap_bytes=heap, heap_bytes=heap, self_ns=1000, self_ns_min=1000)


def graded(finding: Finding, impact: Impact) -> Finding:
    """`finding` with `impact`, graded on it as the review grades."""
    return dataclasses.replace(finding, impact=impact,
                               severity=severity_of(impact, DEFAULT_SCALE))


def test_a_shared_finding_is_graded_on_its_weightier_saving_not_its_module_count() -> None:
    # E's fix alone saves X and a 40 MiB H; with the others made it saves X and three
    # small modules Y also loads. Four modules must not outrank 40 MiB.
    from importaudit.loadgraph import LoadGraph
    from importaudit.model import Finding
    from importaudit.review.impact import Claim, group_shared_costs

    small = ("S1", "S2", "S3")
    graph = LoadGraph([record("E", None), record("X", "E"),
                       record("H", "X", heap=40 * 1024 * 1024), record("Y", "E"),
                       *(record(s, "X", ("X", "Y")) for s in small)], fastest=True)
    claims = {
        ("IA501", "E", 1): Claim("E", frozenset({("E", "X")}), frozenset({"X", "H"}),
                                 frozenset({"X", "H"})),
        ("IA101", "X", 2): Claim("X", frozenset({("X", "H")}), frozenset({"H"}),
                                 frozenset({"H"})),
        ("IA101", "Y", 3): Claim("Y", frozenset(("Y", s) for s in small), frozenset(small),
                                 frozenset()),
    }

    findings = [graded(Finding(code, "t", Severity.INFO, module, "m", "f", line=line),
                       graph.cost(claims[(code, module, line)].saved))
                for code, module, line in claims]
    regraded = group_shared_costs(graph, findings, claims, graded)
    assert findings[0].severity >= Severity.HIGH
    assert regraded[0].severity == findings[0].severity


def test_a_shared_finding_is_graded_on_its_fix_with_its_parents_fixes_made() -> None:
    # bokeh.application.handlers.function's shape (tollgate): hooks imports Document only
    # for annotations from the package doc, whose model is 3 MiB; app's eager __init__
    # loads runner, which needs Document. Moving hooks' import saves nothing today, the
    # model with app's __init__ lazy (measured), and the model too with doc's __init__
    # lazy as well: `from doc import Document` loads doc.model from a lazy doc all the
    # same. It was graded on 1 module ("with every other fix made").
    from importaudit.loadgraph import LoadGraph
    from importaudit.model import Finding
    from importaudit.review.impact import Claim, group_shared_costs

    graph = LoadGraph([record("app", None), record("app.runner", "app"),
                       record("doc", "app.runner", ("app.runner", "app.hooks")),
                       record("doc.model", "doc", heap=3 * 1024 * 1024),
                       record("app.hooks", None)], fastest=True)
    hooks = Claim("app.hooks", frozenset({("app.hooks", "doc")}),
                  frozenset({"doc", "doc.model"}), frozenset(), serves=frozenset({"doc.model"}))
    claims = {("IA501", "app.hooks", 5): hooks,
              ("IA101", "app", 3): Claim("app", frozenset({("app", "app.runner")}),
                                         frozenset({"app.runner", "doc", "doc.model"}),
                                         frozenset({"app.runner", "doc", "doc.model"})),
              ("IA101", "doc", 3): Claim("doc", frozenset({("doc", "doc.model")}),
                                         frozenset({"doc.model"}), frozenset({"doc.model"}))}

    findings = [graded(Finding(code, "t", Severity.INFO, module, "m.", "f", line=line),
                       graph.cost(claims[(code, module, line)].saved))
                for code, module, line in claims]
    moved = group_shared_costs(graph, findings, claims, graded)[0]
    assert moved.message.endswith(
        "Fixing this one alone saves nothing today (other imports load the rest); with "
        "IA101 app:3 fixed too, it saves 2.")
    assert (moved.severity, moved.impact.modules) == (Severity.MEDIUM, 2)
    # Without what the statement takes from doc, doc's lazy __init__ seemed to defer
    # the model for it too; the path still says what the fix saves.
    plain = {**claims, ("IA501", "app.hooks", 5): dataclasses.replace(hooks, serves=frozenset())}
    unserved = group_shared_costs(graph, findings, plain, graded)[0]
    assert unserved.message.endswith(
        "with IA101 app:3 fixed too, it saves 2; with every other fix in its reach made as "
        "well, 1.")
    assert unserved.severity == Severity.MEDIUM
