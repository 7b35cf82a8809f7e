"""The one runtime load graph: loads, importers, parents, exclusive savings."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from importaudit.loadgraph import HIT, LOAD, PARENT, LoadGraph
from importaudit.model import Impact, ModuleRecord


def rec(name: str, importer: str | None, *importers: str, preloaded: bool = False,
        self_ns: int = 1000) -> ModuleRecord:
    return ModuleRecord(name=name, importer=importer, importers=(importer, *importers)
                        if importer else importers, self_ns=self_ns, preloaded=preloaded)


UTILS = {"utils", "utils.text", "utils.timing"}


def shop() -> list[ModuleRecord]:
    return [
        rec("shop", None), rec("shop.orders", "shop"), rec("utils", "shop.orders"),
        rec("utils.text", "utils"), rec("utils.timing", "utils"),
        rec("shop.billing", "shop.orders"), rec("sqlite3", "shop.billing"),
        rec("shop.reports", "shop"), rec("heavylib", "shop.reports"),
    ]


def test_loads_follows_imports_and_parent_packages() -> None:
    graph = LoadGraph(shop())
    # a submodule needs its parent package, and the package's __init__ imports all of it
    assert graph.loads(["utils.text"]) == UTILS
    # modules left out (the importer's own package, which runs anyway) are not followed
    assert graph.loads(["shop.orders"], ["shop"]) == {
        "shop.orders", "shop.billing", "sqlite3", *UTILS}
    # with its parent package, as Python runs it: shop's __init__ loads everything
    assert graph.loads(["shop.orders"]) == {r.name for r in shop()}
    assert graph.loads(["missing"]) == frozenset()
    assert graph.standalone(["utils.text"]) == Impact(3000, None, None, 3)
    assert graph.standalone(["missing"]) == Impact(0, None, None, 0)


def pretty() -> list[ModuleRecord]:
    # rich.pretty imports dataclasses (which loads inspect) and, later, inspect itself:
    # a cache hit, so the first loader is dataclasses.
    return [
        rec("app", None), rec("app.pretty", "app"),
        rec("dataclasses", "app.pretty"), rec("inspect", "dataclasses", "app.pretty"),
        rec("dis", "inspect"), rec("numpy", "app.pretty"), rec("numpy.core", "numpy"),
        rec("os", None, "app.pretty", preloaded=True),
    ]


def test_who_imports_a_module_and_how() -> None:
    graph = LoadGraph(pretty())
    assert graph.importers("inspect") == {"dataclasses": LOAD, "app.pretty": HIT}
    assert graph.importers("numpy") == {"app.pretty": LOAD, "numpy.core": PARENT}
    # preloaded modules are ends of edges, never walked through or counted
    assert "os" in graph.imports("app.pretty")
    assert "os" not in graph.loads(["app"])
    assert graph.loaded_by("inspect") == {"inspect", "dataclasses", "app.pretty", "app"}
    assert graph.path(["app"], "dis") == ("app", "app.pretty", "inspect", "dis")


def test_saving_is_what_only_the_cut_imports_bring_in() -> None:
    graph = LoadGraph(pretty())
    # dataclasses loads inspect anyway: not importing it in app.pretty saves nothing
    assert graph.saving(["app.pretty"], [("app.pretty", "inspect")]) == frozenset()
    # numpy comes only through app.pretty's own import of it
    assert graph.saving(["app.pretty"], [("app.pretty", "numpy")]) == {"numpy", "numpy.core"}
    # cutting both routes to inspect saves it and what only it loads
    both = [("app.pretty", "inspect"), ("app.pretty", "dataclasses")]
    assert graph.saving(["app.pretty"], both) == {"dataclasses", "inspect", "dis"}
    # a cut edge the profile never saw saves nothing
    assert graph.saving(["app"], [("app", "numpy")]) == frozenset()


def test_a_parent_package_that_loads_it_anyway_leaves_no_saving() -> None:
    records = [rec("pkg", None), rec("pkg.sub", "pkg"), rec("heavy", "pkg", "pkg.sub")]
    graph = LoadGraph(records)
    # importing pkg.sub runs pkg first, which imports heavy itself
    assert graph.saving(["pkg.sub"], [("pkg.sub", "heavy")]) == frozenset()
    # once pkg's __init__ no longer runs it (left out), the saving is real
    assert graph.saving(["pkg.sub"], [("pkg.sub", "heavy")], ["pkg"]) == {"heavy"}


def test_excluded_modules_are_left_out_like_preloaded_ones() -> None:
    graph = LoadGraph(pretty(), exclude=lambda name: name.startswith("numpy"))
    assert graph.loads(["app"]) == {"app", "app.pretty", "dataclasses", "inspect", "dis"}
    assert graph.get("numpy") is not None and "numpy" not in graph.live


def test_fastest_costs_sum_the_fastest_own_times() -> None:
    records = [ModuleRecord(name="a", self_ns=5000, self_ns_min=1000, runs=3),
               ModuleRecord(name="b", importer="a", importers=("a",), self_ns=2000, runs=3)]
    assert LoadGraph(records).standalone(["a"]).time_ns == 7000
    # b's fastest run is unknown (0): its median stands in
    assert LoadGraph(records, fastest=True).standalone(["a"]).time_ns == 3000


def _dominated(graph: LoadGraph, entry: str, cut: set[tuple[str, str]]) -> set[str]:
    """The modules a virtual node carrying the `cut` edges dominates (networkx)."""
    import networkx as nx

    g: nx.DiGraph[str] = nx.DiGraph()
    g.add_edge("<root>", entry)
    for a, b, _ in graph.edges():
        if a in graph.live and b in graph.live:
            g.add_edges_from([(a, "<cut>"), ("<cut>", b)] if (a, b) in cut else [(a, b)])
    idom = nx.immediate_dominators(g, "<root>")
    out = set()
    for node in idom:
        up = node
        while up not in ("<root>", "<cut>"):
            up = idom[up]
        if up == "<cut>" and node != "<cut>":
            out.add(node)
    return out


def test_saving_is_what_the_cut_imports_dominate() -> None:
    import random

    rng = random.Random(7)
    for _ in range(200):
        names = [f"m{i}" for i in range(8)] + ["m1.sub", "m1.sub.deep"]
        records = [rec("m0", None)]
        for name in names[1:]:
            records.append(rec(name, rng.choice([r.name for r in records]),
                               *rng.sample(names, rng.randint(0, 2))))
        graph = LoadGraph(records)
        edges = [(a, b) for a, b, _ in graph.edges()]
        cut = set(rng.sample(edges, min(len(edges), rng.randint(1, 3))))
        assert graph.saving(["m0"], cut) == _dominated(graph, "m0", cut)


def test_a_search_leaving_modules_out_takes_a_whole_reach_only_when_it_avoids_them() -> None:
    # `loads` takes what a module reaches at once from a module that reaches nothing
    # left out. Here `shop.orders` reaches `shop` (its parent package) and billing's
    # import of sqlite3 is cut: neither `shop`'s nor billing's reach may be taken whole.
    graph = LoadGraph(shop())
    assert graph.reach("shop.orders") == {r.name for r in shop()}
    assert graph.loads(["shop.orders"], ["shop"], {("shop.billing", "sqlite3")}) == {
        "shop.orders", "shop.billing", *UTILS}
    assert graph.loads(["shop.reports", "utils.text"], cut={("shop", "shop.orders")}) == {
        "shop", "shop.reports", "heavylib", *UTILS}
    assert graph.loads(["utils"], ["utils.text"]) == {"utils", "utils.timing"}


@settings(max_examples=300)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), min_size=1, max_size=30),
       st.sets(st.integers(0, 9), min_size=1, max_size=3),
       st.sets(st.integers(0, 9), max_size=3), st.sets(st.integers(0, 9), max_size=3),
       st.data())
def test_loads_is_plain_reachability_in_what_is_left(
        edges: list[tuple[int, int]], starts: set[int], preloaded: set[int],
        without: set[int], data: st.DataObject) -> None:
    # Against a search written the plain way, on graphs with cycles, preloaded modules,
    # modules left out and imports cut, asked several times (what `reach` keeps). The
    # cut is drawn from the edges there are (drawn by index, it was mostly empty).
    names = [f"m{i}" for i in range(10)]
    graph = LoadGraph([rec(n, None, *(names[a] for a, b in edges if names[b] == n),
                           preloaded=i in preloaded) for i, n in enumerate(names)])
    cut = {(names[a], names[b]) for a, b in data.draw(
        st.lists(st.sampled_from(edges), max_size=4), label="cut")}
    left_out = {names[i] for i in without}
    for _ in range(2):
        found = {names[i] for i in starts} - left_out - {names[i] for i in preloaded}
        todo = list(found)
        while todo:
            current = todo.pop()
            for a, b in edges:
                if (names[a] == current and names[b] not in found | left_out
                        and b not in preloaded and (current, names[b]) not in cut):
                    found.add(names[b])
                    todo.append(names[b])
        assert graph.loads([names[i] for i in starts], left_out, cut) == found
