"""Reports built directly from the model over the fixture packages in tests/fixtures/review.

The numbers mirror a `python -X importtime` run of `import shop` on this kind of machine
(in microseconds there, nanoseconds here) plus heap figures of the right order; the
rules only compare them with thresholds, so the tests do not depend on a real run.
"""

from __future__ import annotations

from pathlib import Path

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

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "review"
KIB = 1024


def origin(name: str) -> tuple[str, bool]:
    base = FIXTURES.joinpath(*name.split("."))
    if base.is_dir():
        return str(base / "__init__.py"), True
    return str(base.with_suffix(".py")), False


def rec(name: str, importer: str | None, order: int, cum_us: int, self_us: int,
        heap_kib: int | None = None, self_heap_kib: int | None = None,
        stdlib: bool = False, **extra: object) -> ModuleRecord:
    if stdlib:
        file, pkg = f"/usr/lib/python3/{name.replace('.', '/')}.py", False
    else:
        file, pkg = origin(name)
    return ModuleRecord(
        name=name, importer=importer, importers=(importer,) if importer else (),
        order=order, self_ns=self_us * 1000, cumulative_ns=cum_us * 1000,
        heap_bytes=None if heap_kib is None else heap_kib * KIB,
        self_heap_bytes=None if self_heap_kib is None else self_heap_kib * KIB,
        origin=file, is_package=pkg, runs=5, **extra,  # type: ignore[arg-type]
    )


def shop_modules() -> tuple[ModuleRecord, ...]:
    rows = [
        rec("shop", None, 0, 43386, 641, 9000, 40),
        rec("shop.catalog", "shop", 1, 7197, 1000, 900, 60),
        rec("dataclasses", "shop.catalog", 2, 6198, 615, 800, 100, stdlib=True),
        rec("shop.orders", "shop", 3, 5318, 565, 700, 30),
        rec("shop_utils", "shop.orders", 4, 1245, 325, 60, 10),
        *[rec(f"shop_utils.{m}", "shop_utils", 5 + i, 140, 140, 8, 8)
          for i, m in enumerate(["text", "timing", "retry", "money", "dates", "audit"])],
        rec("shop.billing", "shop.orders", 11, 3510, 394, 500, 20),
        rec("sqlite3", "shop.billing", 12, 3116, 172, 400, 20, stdlib=True),
        rec("shop.reports", "shop", 13, 30093, 10032, 7300, 1200),
        rec("heavylib", "shop.reports", 14, 20062, 20062, 6100, 6100),
        rec("shop.forecast", "shop", 15, 139, 139, 1, 1,
            error="ModuleNotFoundError: No module named 'shop.forecast'"),
    ]
    return tuple(rows)


def edge(importer: str, imported: str, line: int, *names: str,
         kind: EdgeKind = EdgeKind.EAGER) -> ImportEdge:
    return ImportEdge(importer, imported, kind, origin(importer)[0], line, tuple(names))


def shop_graph() -> StaticGraph:
    names = ["shop", "shop.catalog", "shop.orders", "shop.billing", "shop.reports"]
    nodes = [ModuleNode(n, origin(n)[0], origin(n)[1]) for n in names]
    edges = [
        edge("shop", "shop.catalog", 3, "Catalog", "Item", "Price"),
        edge("shop", "shop.orders", 4, "Order", "OrderLine", "OrderStatus"),
        edge("shop", "shop.billing", 5, "Invoice", "InvoiceLine", "TaxTable"),
        edge("shop", "shop.reports", 6, "SalesReport", "monthly_totals"),
        edge("shop.orders", "shop.billing", 8, "Invoice"),
        edge("shop.billing", "shop.orders", 5),
    ]
    return StaticGraph(roots=("shop",), modules=tuple(nodes), edges=tuple(edges))


def shop_cycle() -> Cycle:
    there = edge("shop.orders", "shop.billing", 8, "Invoice")
    back = edge("shop.billing", "shop.orders", 5)
    return Cycle(modules=("shop.billing", "shop.orders"), witness=(there, back), cut=(there,),
                 packages=("shop",))


def make_report(targets: tuple[str, ...], modules: tuple[ModuleRecord, ...],
                graph: StaticGraph | None = None, cycles: tuple[Cycle, ...] = ()) -> Report:
    meta = RunMeta(python="python3", python_version="3.11.7", platform="linux",
                   mode="tree", repeats=5, memory=True)
    return Report(targets=targets, tool_version="0.1.0", created_at="2026-01-01T00:00:00Z",
                  meta=meta, modules=modules, graph=graph, cycles=cycles)


