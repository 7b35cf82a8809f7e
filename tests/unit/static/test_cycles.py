"""Import cycles: components, shortest witnesses, cuts, can-fail and cross-package labels."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path
from typing import NoReturn

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from static_helpers import STATIC, graph_of

from importaudit.model import EdgeKind, ImportEdge, ModuleNode, StaticGraph
from importaudit.static import component as component_module
from importaudit.static import cut, cycles, failing
from importaudit.static.component import shortest_cycle
from importaudit.static.cut import feedback_arcs
from importaudit.static.cycles import find_cycles

ALL_KINDS = tuple(EdgeKind)


def test_cross_package_cycle_that_can_fail_comes_first() -> None:
    cycles = find_cycles(graph_of("cyclic"))
    assert [c.modules for c in cycles] == [("pkg_a.core", "pkg_b.service"),
                                           ("pkg_a.left", "pkg_a.right")]
    first = cycles[0]
    assert first.cross_package
    assert first.packages == ("pkg_a", "pkg_b")
    assert first.can_fail
    assert [(e.importer, e.imported, Path(e.file or "").name, e.line)
            for e in first.witness] == [("pkg_a.core", "pkg_b.service", "core.py", 3),
                                        ("pkg_b.service", "pkg_a.core", "service.py", 3)]
    assert {(e.importer, e.names) for e in first.failing} == {
        ("pkg_a.core", ("Service",)), ("pkg_b.service", ("Base",))}
    assert len(first.cut) == 1
    second = cycles[1]
    assert not second.cross_package and second.packages == ("pkg_a",)
    assert not second.can_fail  # plain `import x` both ways: nothing taken, not suspected
    assert second.failing == ()


def test_suspicion_spares_package_inits_and_names_bound_before_the_way_back(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(STATIC)  # the graph's files are relative to where it was read
    cycles = {c.packages[0]: c for c in find_cycles(graph_of("orderdep"))}
    assert sorted(cycles) == ["early", "ordered", "pkginit"]
    # `pkginit.engine` never starts before its package, whose import of it finishes it.
    assert not cycles["pkginit"].can_fail
    # `early.registry` binds REGISTRY and register before it imports plugins back.
    assert not cycles["early"].can_fail


def test_only_orders_that_can_occur_are_suspected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(STATIC)
    # `ordered.models` imports fields back before defining Model, but it never starts
    # before `fields`: importing it runs the package first, which imports `fields`,
    # and only `fields` imports `models`. It said "can fail" ("if ordered.models is
    # imported first"), an order that cannot occur.
    (ordered,) = (c for c in find_cycles(graph_of("orderdep")) if c.packages == ("ordered",))
    assert not ordered.can_fail and ordered.failing == ()
    assert ordered.entries == ("ordered.fields",)
    # Kept apart: a lazy `__init__` would let `models` start first (review and fix run it).
    assert [(e.importer, e.imported) for e in ordered.held_by_order] == [
        ("ordered.fields", "ordered.models")]
    assert ordered.order_matters
    cycles = {c.packages[0]: c for c in find_cycles(graph_of("orders"))}
    # The package is in the cycle: it starts first, and it starts `models` first.
    via = cycles["viapkg"]
    assert via.entries == ("viapkg",) and via.can_fail
    assert [(e.importer, e.imported) for e in via.failing] == [("viapkg.fields",
                                                                "viapkg.models")]
    # A package that imports none of its modules: either can be imported first.
    sideways = cycles["sideways"]
    assert sideways.entries == ("sideways.fields", "sideways.models") and sideways.can_fail
    # One package starting two cycles: each is entered at its own member (what the
    # package reaches first was kept across cycles, and the second got the first's).
    twins = {c.modules[0]: c for c in find_cycles(graph_of("twins"))
             if c.packages == ("twinpkg",)}
    assert {m: (c.entries, c.can_fail) for m, c in twins.items()} == {
        "twinpkg.alpha": (("twinpkg.alpha",), True),
        "twinpkg.beta": (("twinpkg.beta",), True)}


def test_a_package_starts_its_cycle_at_what_its_first_statement_reaches(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(STATIC)
    # pylint.testutils's shape: the package imports `functional` (line 3) before
    # `runner` (line 4); `runner` imports from `functional`, whose `output` takes
    # `Runner` back. Every import of a member runs the package first, so `functional`
    # always starts the cycle and `runner` is finished when `output` asks for `Runner`.
    # Read without the statements' order, `runner` could start first: "can fail at
    # import", shouted when the proof could not run (pylint's needs pytest).
    found = {c.modules[0].partition(".")[0]: c for c in find_cycles(graph_of("lineorder"))
             if len(c.modules) > 2}
    first = found["linefirst"]
    assert first.entries == ("linefirst.functional",)
    assert not first.can_fail and first.failing == ()
    assert [(e.importer, e.imported) for e in first.held_by_order] == [
        ("linefirst.functional.output", "linefirst.runner")]
    # The same lines swapped: `runner` starts first, and the import fails.
    second = found["linesecond"]
    assert second.entries == ("linesecond.runner",)
    assert [(e.importer, e.imported) for e in second.failing] == [
        ("linesecond.functional.output", "linesecond.runner")]
    # A statement that may not run (Windows only) does not end the search: the one
    # after it starts the cycle elsewhere, and both orders stay.
    guard = found["lineguard"]
    assert guard.entries == ("lineguard.functional", "lineguard.runner")
    assert guard.can_fail
    # What running says (this interpreter, not Windows): the first imports, the
    # second fails on its half-initialised `runner`.
    for package, fails in (("linefirst", False), ("linesecond", True), ("lineguard", False)):
        for module in (f"{package}.runner", f"{package}.functional.output"):
            run = subprocess.run([sys.executable, "-c", f"import {module}"],
                                 cwd=STATIC / "lineorder", capture_output=True,
                                 text=True, check=False)
            assert (run.returncode != 0) == fails, (module, run.stderr)
            assert ("partially initialized module" in run.stderr) == fails


def test_a_statement_whose_module_may_be_running_does_not_fix_the_order(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(STATIC)
    # rev9: a module outside the package that imports it may have started the
    # package's import; the package's statement importing it then returns at once
    # and a later line starts the cycle. `lineouter` imports `lineouter_plugins`
    # (which imports `lineouter.b`) before `a`: importing `lineouter_plugins` first
    # starts `a` first, and `b` then fails on it. In `linedeep`, `registry` starts
    # `sub`, whose first line imports `registry` back (running: it returns) and whose
    # second starts `fields`, which `models` fails on. Both read "one import order"
    # at `b` and at `models`.
    found = {c.modules: c for c in find_cycles(graph_of("lineorder"))}
    outer = found["lineouter.a", "lineouter.b"]
    assert outer.entries == ("lineouter.a", "lineouter.b") and outer.can_fail
    deep = found["linedeep.sub.fields", "linedeep.sub.models"]
    assert deep.entries == ("linedeep.sub.fields", "linedeep.sub.models") and deep.can_fail
    for module in ("lineouter_plugins", "linedeep"):
        run = subprocess.run([sys.executable, "-c", f"import {module}"],
                             cwd=STATIC / "lineorder", capture_output=True, text=True,
                             check=False)
        assert "partially initialized module" in run.stderr, (module, run.stderr)


def test_past_the_work_bound_entries_only_grow(monkeypatch: pytest.MonkeyPatch) -> None:
    # A tree whose packages each reach most of it made one search per package and
    # component: a generated 50,000-module monorepo took 135 s. Past a bound linear in
    # the graph, a package may start any member and fixes no order: more orders are
    # suspected (and run), none that can occur is lost.
    monkeypatch.chdir(STATIC)
    exact = {c.modules: c for c in find_cycles(graph_of("lineorder"))}
    monkeypatch.setattr(cycles, "entries_work", lambda edges: 0)
    bounded = {c.modules: c for c in find_cycles(graph_of("lineorder"))}
    assert sorted(bounded) == sorted(exact)
    for modules, cycle in bounded.items():
        assert set(exact[modules].entries) <= set(cycle.entries)
        assert ({(e.importer, e.imported) for e in exact[modules].failing}
                <= {(e.importer, e.imported) for e in cycle.failing})
    first = next(c for m, c in bounded.items() if m[0] == "linefirst.functional")
    assert first.entries == first.modules  # (any member may start it)
    assert first.can_fail  # (the order it rules out is suspected again: running decides)


def test_past_the_work_bound_packages_are_not_asked_one_set_at_a_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # rev10: past the bound every member was a hit, and each hit asked its packages
    # again with the packages running so far: a new question per set of packages, a
    # ring through 16 packages took 17 s (2^16). Past the bound the answer is every
    # member at once.
    monkeypatch.chdir(tmp_path)
    count = 12
    for i in range(count):
        package = tmp_path / f"ring{i}"
        package.mkdir()
        (package / "__init__.py").write_text("")
        (package / "m.py").write_text(f"import ring{(i + 1) % count}.m\n")
    monkeypatch.setattr(cycles, "entries_work", lambda edges: 0)
    asked: list[str] = []
    above = failing.Entries._above

    def counted(self: failing.Entries, package: str, started: frozenset[str],
                members: frozenset[str]) -> tuple[frozenset[str], bool]:
        asked.append(package)
        return above(self, package, started, members)

    monkeypatch.setattr(failing.Entries, "_above", counted)
    (cycle,) = find_cycles(graph_of(*(f"ring{i}" for i in range(count)), cwd=tmp_path))
    assert cycle.entries == tuple(sorted(f"ring{i}.m" for i in range(count)))
    assert len(asked) <= 2 * count  # (one question per package, not per set of them)


def test_an_order_read_from_imports_that_may_not_run_is_not_trusted(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(STATIC)
    # Each package's import seemed to start its cycle at `a`, which ruled out the order
    # that fails, and nothing was suspected ("one import order"). But `winguard` imports
    # `a` only on Windows and `tryguard` only if an optional module imports: elsewhere
    # `b` can be imported first, and `a`'s `from ... b import helper` meets it
    # half-initialised. `dynguard.a` loads `b` by `import_module` before it imports
    # `c`, so `b` starts before `c` and `c`'s `from dynguard.b import B` fails.
    found = {c.packages[0]: c for c in find_cycles(graph_of("guarded"))}
    assert sorted(found) == ["dynguard", "tryguard", "winguard"]
    for package in ("tryguard", "winguard"):
        cycle = found[package]
        assert cycle.entries == (f"{package}.a", f"{package}.b")
        assert [(e.importer, e.names) for e in cycle.failing] == [
            (f"{package}.a", ("helper",))]
        assert cycle.can_fail and cycle.held_by_order == ()
    dynamic = found["dynguard"]
    assert dynamic.entries == ("dynguard.a",)  # (the package always imports `a`)
    assert [(e.importer, e.imported) for e in dynamic.failing] == [
        ("dynguard.c", "dynguard.b")]
    assert dynamic.can_fail


def test_a_guarded_module_level_import_module_opens_a_way(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # `ifdyn.a` runs `importlib.import_module("ifdyn.b")` under an `if` before it
    # imports `ifdyn.c`: `b` starts first, and `c`'s `from ifdyn.b import B` fails
    # (importing the package raises). The call was recorded only as conditional, as one
    # in a function is, so no way was opened and the cycle read "does not fail".
    monkeypatch.chdir(STATIC)
    graph = graph_of("guardeddyn")
    calls = {(e.line, e.conditional, e.deferred) for e in graph.edges
             if e.kind is EdgeKind.DYNAMIC}
    assert calls == {(6, True, False), (14, True, True)}
    (cycle,) = find_cycles(graph)
    assert cycle.entries == ("ifdyn.a",)
    assert [(e.importer, e.imported) for e in cycle.failing] == [("ifdyn.c", "ifdyn.b")]
    assert cycle.can_fail


def test_an_import_module_call_in_an_expression_does_not_fix_the_order(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # rev6: `import_module` in `x if c else y` (an `and`/`or`, a generator) is not
    # flagged conditional by the scanners, and read as always running it made "one
    # import order" of a cycle whose `b`-first import fails.
    monkeypatch.chdir(tmp_path)
    package = tmp_path / "condexp"
    package.mkdir()
    (package / "__init__.py").write_text(
        'import importlib, sys\n'
        '_a = importlib.import_module("condexp.a") if sys.platform == "win32" else None\n')
    (package / "a.py").write_text("def A():\n    return 1\nfrom condexp.b import helper\n")
    (package / "b.py").write_text("from condexp.a import A\ndef helper():\n    return 2\n")
    (cycle,) = find_cycles(graph_of("condexp", cwd=tmp_path))
    assert cycle.entries == ("condexp.a", "condexp.b")
    assert cycle.can_fail
    assert [(e.importer, e.names) for e in cycle.failing] == [("condexp.a", ("helper",))]


def test_a_package_that_always_imports_its_cycle_keeps_one_order(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    # The same `winguard`, but its import of `a` at module level and in a class body:
    # both always run, so the cycle always starts at `a` (and `b` never first).
    for body in ("from . import a\n", "class Loader:\n    from . import a\n"):
        package = tmp_path / "plain"
        package.mkdir(exist_ok=True)
        (package / "__init__.py").write_text(body)
        (package / "a.py").write_text("def A():\n    return 1\nfrom plain.b import helper\n")
        (package / "b.py").write_text("from plain.a import A\ndef helper():\n    return 2\n")
        (cycle,) = find_cycles(graph_of("plain", cwd=tmp_path))
        assert cycle.entries == ("plain.a",) and not cycle.can_fail, body
        assert [(e.importer, e.imported) for e in cycle.held_by_order] == [
            ("plain.a", "plain.b")]


def test_a_type_only_edge_breaks_the_cycle_unless_every_kind_counts() -> None:
    graph = graph_of("typeonly")
    assert find_cycles(graph) == ()
    (cycle,) = find_cycles(graph, ALL_KINDS)
    assert cycle.modules == ("pkg_a.core", "pkg_b.service")
    assert not cycle.can_fail  # it never closes while modules are being imported


def test_a_deferred_edge_breaks_the_import_time_cycle() -> None:
    graph = graph_of("deferred")
    assert find_cycles(graph) == ()
    (cycle,) = find_cycles(graph, ALL_KINDS)
    assert {e.kind for e in cycle.witness} == {EdgeKind.EAGER, EdgeKind.DEFERRED}
    assert not cycle.can_fail
    assert [e.kind for e in cycle.cut] == [EdgeKind.DEFERRED]  # the cheapest edge to drop


def _graph(pairs: list[tuple[str, str]], kind: EdgeKind = EdgeKind.EAGER,
           names: tuple[str, ...] = ()) -> StaticGraph:
    nodes = sorted({n for pair in pairs for n in pair})
    return StaticGraph(
        roots=tuple(sorted({n.split(".")[0] for n in nodes})),
        modules=tuple(ModuleNode(n, f"{n}.py") for n in nodes),
        edges=tuple(ImportEdge(u, v, kind, f"{u}.py", i + 1, names)
                    for i, (u, v) in enumerate(pairs)),
    )


def test_parent_edges_close_cycles_too() -> None:
    graph = _graph([("a.x", "b.y")])
    graph = StaticGraph(graph.roots, graph.modules, (
        *graph.edges, ImportEdge("b.y", "a", EdgeKind.PARENT, "b/y.py", 2),
        ImportEdge("a", "a.x", EdgeKind.EAGER, "a/__init__.py", 1)))
    (cycle,) = find_cycles(graph)
    assert cycle.modules == ("a", "a.x", "b.y")
    assert EdgeKind.PARENT in {e.kind for e in cycle.witness}
    assert EdgeKind.PARENT not in {e.kind for e in cycle.cut}  # implicit: costly to cut


def test_output_does_not_depend_on_edge_order() -> None:
    rng = random.Random(7)
    names = [f"p{rng.randrange(3)}.m{rng.randrange(12)}" for _ in range(160)]
    pairs = list(zip(names[::2], names[1::2], strict=True))
    pairs = [(u, v) for u, v in pairs if u != v]
    graph = _graph(pairs, names=("thing",))
    expected = find_cycles(graph)
    assert expected
    for _ in range(5):
        shuffled = list(graph.edges)
        rng.shuffle(shuffled)
        again = find_cycles(StaticGraph(graph.roots, graph.modules[::-1], tuple(shuffled)))
        assert again == expected


@st.composite
def digraphs(draw: st.DrawFn) -> list[tuple[str, str]]:
    size = draw(st.integers(2, 9))
    names = [f"m{i}" for i in range(size)]
    pairs = draw(st.lists(st.tuples(st.sampled_from(names), st.sampled_from(names)),
                          min_size=1, max_size=30))
    return sorted({(u, v) for u, v in pairs if u != v})


@settings(max_examples=200, deadline=None)
@given(digraphs())
def test_components_witnesses_and_cuts_against_brute_force(pairs: list[tuple[str, str]]) -> None:
    graph = _graph(pairs)
    cycles = find_cycles(graph)
    reference = nx.DiGraph(pairs)
    components = sorted(tuple(sorted(c)) for c in nx.strongly_connected_components(reference)
                        if len(c) > 1)
    assert sorted(c.modules for c in cycles) == components
    for cycle in cycles:
        members = set(cycle.modules)
        sub = reference.subgraph(members)
        # The witness is a closed walk over real edges of the component...
        hops = [(e.importer, e.imported) for e in cycle.witness]
        assert all(sub.has_edge(u, v) for u, v in hops)
        assert all(hops[i][1] == hops[(i + 1) % len(hops)][0] for i in range(len(hops)))
        # ...and as short as the shortest cycle there is.
        assert len(hops) == min(len(c) for c in nx.simple_cycles(sub))
        # Removing the cut leaves no cycle, and every cut edge is needed.
        cut = {(e.importer, e.imported) for e in cycle.cut}
        rest = nx.DiGraph(sub)
        rest.remove_edges_from(cut)
        assert nx.is_directed_acyclic_graph(rest)
        for edge in cut:
            back = nx.DiGraph(rest)
            back.add_edge(*edge)
            assert not nx.is_directed_acyclic_graph(back)


def test_feedback_arcs_prefer_cheap_edges() -> None:
    component = nx.DiGraph([("a", "b"), ("b", "a")])
    assert feedback_arcs(component, {("a", "b"): 1.0, ("b", "a"): 5.0}) == [("a", "b")]
    assert feedback_arcs(component, {("a", "b"): 5.0, ("b", "a"): 1.0}) == [("b", "a")]


def test_shortest_cycle_on_a_large_component_is_found() -> None:
    rng = random.Random(3)
    ring = [(f"n{i}", f"n{(i + 1) % 400}") for i in range(400)]
    chords = [(f"n{rng.randrange(400)}", f"n{rng.randrange(400)}") for _ in range(800)]
    component = nx.DiGraph(ring + [c for c in chords if c[0] != c[1]])
    cycle = shortest_cycle(component)
    bound = len(cycle)
    assert bound == min(len(c) for c in nx.simple_cycles(component, length_bound=bound))


def test_the_legacy_twin_cycle_is_not_suspected(monkeypatch: pytest.MonkeyPatch) -> None:
    legacy = STATIC.parent / "legacy"
    monkeypatch.chdir(legacy)
    (cycle,) = find_cycles(graph_of("risk_management", "trading_engine", cwd=legacy))
    assert cycle.packages == ("risk_management", "trading_engine")
    # Both `from x import name` of the cycle are a package's __init__ taking names from
    # its own submodule, which cannot start before it: importing any side first works.
    assert not cycle.can_fail and cycle.failing == ()


def test_a_ring_of_twenty_thousand_modules_is_one_cycle_with_one_cut() -> None:
    # The old witness search ran a shortest-path search from every member: cubic-looking
    # on a long ring (3,000 modules took 54 s); now one search per component.
    count = 20_000
    pairs = [(f"r.m{i:05d}", f"r.m{(i + 1) % count:05d}") for i in range(count)]
    (cycle,) = find_cycles(_graph(pairs, names=("thing",)))
    assert len(cycle.modules) == count
    assert [(e.importer, e.imported) for e in cycle.witness] == pairs
    assert all(e.file and e.line for e in cycle.witness)
    assert [(e.importer, e.imported) for e in cycle.cut] == [pairs[-1]]


def test_past_its_budget_the_witness_is_the_shortest_cycle_through_the_first_member(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # `a` lies only on a 5-cycle; `c -> d -> e -> c` is shorter but found only by a
    # search from a later start.
    pairs = [("a", "b"), ("b", "c"), ("c", "d"), ("d", "e"), ("e", "a"), ("e", "c")]
    component = nx.DiGraph(pairs)
    assert len(shortest_cycle(component)) == 3  # the budget covers every start
    monkeypatch.setattr(component_module, "_WITNESS_WORK_MIN", 1)
    monkeypatch.setattr(component_module, "_WITNESS_WORK_PER_NODE", 0)
    assert shortest_cycle(component) == ["a", "b", "c", "d", "e"]


def test_past_its_budget_the_cut_stays_valid_but_unpruned(
        monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(11)
    pairs = {(f"n{rng.randrange(40)}", f"n{rng.randrange(40)}") for _ in range(160)}
    component = nx.DiGraph([(u, v) for u, v in sorted(pairs) if u != v])
    cost = dict.fromkeys(component.edges, 1.0)
    pruned = feedback_arcs(component, cost)
    monkeypatch.setattr(cut, "_PRUNE_WORK_MIN", 0)
    monkeypatch.setattr(cut, "_PRUNE_WORK_PER_EDGE", 0)
    unpruned = feedback_arcs(component, cost)
    assert set(pruned) < set(unpruned)
    rest = nx.DiGraph(component)
    rest.remove_edges_from(unpruned)
    assert nx.is_directed_acyclic_graph(rest)


@pytest.mark.parametrize(("fixture", "needs_networkx"), [("deferred", False), ("cyclic", True)])
def test_networkx_is_imported_only_when_the_graph_has_a_cycle(
        fixture: str, needs_networkx: bool) -> None:
    # networkx costs about a sixth of a second to import; a tree without cycles (what
    # a passing gate sees) is told so by taking away its sources and sinks.
    code = ("import sys\nfrom importaudit import api\n"
            f"report = api.cycles([{str(STATIC / fixture)!r}], api.StaticOptions(cache=False))\n"
            "print(len(report.cycles), 'networkx' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    count, imported = done.stdout.split()
    assert (int(count) > 0, imported == "True") == (needs_networkx, needs_networkx)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux")
def test_cycles_imports_networkx_and_the_renderer_while_workers_scan() -> None:
    # A cold build of a large tree scans in forked workers; what `cycles` needs after
    # the build is imported meanwhile, on the core that would otherwise wait for them.
    code = ("import sys\nfrom importaudit.static import batch, graph\n"
            "batch.STREAM_MIN_BYTES = 1\nbatch.fork_is_safe = lambda: True\n"
            "finish = graph.GraphBuilder.finish\nseen = []\n"
            "def spy(self):\n"
            "    seen.append(('networkx' in sys.modules,\n"
            "                 'importaudit.render.terminal' in sys.modules))\n"
            "    return finish(self)\n"
            "graph.GraphBuilder.finish = spy\n"
            "from importaudit.cli import cli\n"
            "try:\n"
            f"    cli(['cycles', {str(STATIC / 'cyclic')!r}, '--no-cache', '--no-verify',\n"
            "         '--jobs', '2'], prog_name='importaudit')\n"
            "finally:\n"
            "    print(seen, file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert done.stderr.strip().splitlines()[-1] == "[(True, True)]", done.stderr


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), max_size=30))
def test_the_cyclic_core_keeps_every_cycle_and_nothing_that_leads_only_in_or_out(
        pairs: list[tuple[int, int]]) -> None:
    # networkx is then handed only the core (sympy: 460 of 1,615 modules).
    edges = {(f"m{u}", f"m{v}") for u, v in pairs if u != v}
    core = cycles._cyclic_core(edges)
    graph = nx.DiGraph(list(edges))
    assert set(core) <= edges
    on_cycles = {(u, v) for c in nx.strongly_connected_components(graph) if len(c) > 1
                 for u, v in graph.subgraph(c).edges}
    assert on_cycles <= set(core)
    assert bool(core) == (not nx.is_directed_acyclic_graph(graph))
    left = nx.DiGraph(core)
    for node in left:  # every node left lies between cycles: no source, no sink
        assert left.in_degree(node) and left.out_degree(node)


def test_two_statements_on_one_line_give_the_same_witness_in_any_edge_order() -> None:
    # `from b import x; from b import y` on one line: the record standing for the edge
    # is the first in the edges' sort order, not in the order the graph lists them.
    records = [ImportEdge("a", "b", EdgeKind.EAGER, "a.py", 1, ("y",)),
               ImportEdge("a", "b", EdgeKind.EAGER, "a.py", 1, ("x",)),
               ImportEdge("b", "a", EdgeKind.EAGER, "b.py", 1, ("z",))]
    nodes = (ModuleNode("a", "a.py"), ModuleNode("b", "b.py"))
    found = [find_cycles(StaticGraph(("a", "b"), nodes, tuple(order)))
             for order in (records, records[::-1])]
    assert found[0] == found[1]
    assert found[0][0].witness[0].names == ("x",)
    assert [e.names for e in found[0][0].failing] == [("x",), ("y",), ("z",)]


def test_every_statement_running_at_import_is_not_looked_at_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # With the default kinds every statement of a component runs at import time:
    # neither the witness nor the can-fail check needs to ask each one.
    graph = _graph([("a", "b"), ("b", "c"), ("c", "a"), ("b", "a")], names=("thing",))
    expected = find_cycles(graph)

    def asked(*_args: object) -> NoReturn:
        raise AssertionError("looked at the statements again")

    monkeypatch.setattr(component_module, "runs_at_import", asked)
    assert find_cycles(graph) == expected
    with pytest.raises(AssertionError, match="looked at"):
        find_cycles(graph, ALL_KINDS)


def test_a_search_ahead_stops_where_it_closes_a_cycle() -> None:
    # Pruning the cut asks whether `v` leads to `u`; once it does, the rest of what `v`
    # leads to is not needed.
    chain = {f"n{i}": {f"n{i + 1}"} for i in range(9)} | {"n9": set()}
    order = {f"n{i}": i for i in range(10)}
    whole, work = cut._between(chain, order, "n0", upto=9, forward=True)
    assert whole == set(order) and work == 19
    stopped, less = cut._between(chain, order, "n0", upto=9, forward=True, stop="n3")
    assert stopped == {"n0", "n1", "n2", "n3"} and less < work


@settings(max_examples=100, deadline=None)
@given(digraphs())
def test_the_cut_is_the_same_when_searches_stop_early(
        pairs: list[tuple[str, str]]) -> None:
    component = nx.DiGraph(pairs)
    cost = {(u, v): float(1 + (ord(u[-1]) * 7 + ord(v[-1])) % 4) / 2 for u, v in pairs}
    early = feedback_arcs(component, cost)
    whole = cut._between

    def never_stopping(*args: object, stop: str | None = None,
                       **kwargs: object) -> tuple[set[str], int]:
        return whole(*args, **kwargs)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cut, "_between", never_stopping)
        assert feedback_arcs(component, cost) == early


def test_a_two_cycle_settles_the_witness_without_building_a_networkx_graph(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Building a component's networkx graph costs several microseconds per edge; most
    # components of real packages have a 2-cycle, the shortest there is.
    def component_of(pairs: list[tuple[str, str]]) -> component_module.Component:
        records = {(u, v): [ImportEdge(u, v, EdgeKind.EAGER, f"{u}.py", 1)] for u, v in pairs}
        members = sorted({u for pair in pairs for u in pair})
        return component_module.build(members, pairs, records, at_import=True)

    two = component_of([("c", "a"), ("a", "b"), ("b", "c"), ("c", "b")])
    ring = component_of([("a", "b"), ("b", "c"), ("c", "a")])
    assert component_module.witness_nodes(ring) == ["a", "b", "c"]  # needs the graph

    def no_graph(_self: object) -> NoReturn:
        raise AssertionError("built a networkx graph")

    monkeypatch.setattr(component_module.Component, "graph", property(no_graph))
    assert component_module.witness_nodes(two) == ["b", "c"]  # the first in sorted order
    with pytest.raises(AssertionError, match="networkx"):
        component_module.witness_nodes(component_of([("a", "b"), ("b", "c"), ("c", "a")]))


class _Refusing:
    """A finder that breaks the import of networkx with something else than ImportError."""

    @staticmethod
    def find_spec(name: str, path: object = None, target: object = None) -> None:
        if name == "networkx":
            raise RuntimeError("a broken networkx")


def test_what_runs_while_workers_scan_raises_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    # A broken networkx (or renderer) is met where it is needed, if it is: a cold
    # `cycles` of an acyclic tree passes as a warm one does.
    from importaudit.api import static as api_static
    from importaudit.cli.output import preload

    monkeypatch.delitem(sys.modules, "networkx")
    monkeypatch.setattr(sys, "meta_path", [_Refusing, *sys.meta_path])
    called: list[bool] = []
    api_static._networkx_then(lambda: called.append(True))
    assert called == [True] and "networkx" not in sys.modules
    monkeypatch.setattr("importaudit.render.get_renderer", _Refusing.find_spec)
    preload("networkx")()


def test_a_cycle_between_two_packages_of_one_namespace_is_across_packages(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # google.auth <-> google.oauth2 were "within google": the namespace many share.
    monkeypatch.chdir(STATIC)  # where files are shown from, as when the CLI walks here
    (found,) = find_cycles(graph_of("nested_ns/site_b"))
    assert found.modules == ("vendorns.auth", "vendorns.oauth")
    assert found.packages == ("vendorns.auth", "vendorns.oauth")
    assert found.cross_package


def test_a_cycle_between_two_packages_of_a_pkgutil_namespace_is_across_packages(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # zope.interface <-> zope.event were "within zope": its `__init__.py` only declares
    # the namespace (pkgutil's extend_path), as each zope.* distribution ships it.
    monkeypatch.chdir(STATIC)
    (found,) = find_cycles(graph_of("pkgutil_ns/site"))
    assert found.modules == ("oldns.auth", "oldns.oauth")
    assert found.packages == ("oldns.auth", "oldns.oauth")
    assert found.cross_package
