"""Pure views over a runtime profile: tree, folding, totals, top-N and why-chains."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importaudit import views
from importaudit.errors import UsageError
from importaudit.model import ModuleRecord, Report


def rec(name: str, importer: str | None = None, order: int = 0, self_ns: int = 0,
        cumulative_ns: int = 0, importers: tuple[str, ...] | None = None,
        **extra: object) -> ModuleRecord:
    if importers is None:
        importers = (importer,) if importer else ()
    return ModuleRecord(name, importer, importers, order, self_ns=self_ns,  # type: ignore[arg-type]
                        cumulative_ns=cumulative_ns, **extra)


def report_of(*records: ModuleRecord, targets: tuple[str, ...] = ("a",)) -> Report:
    return Report(targets=targets, tool_version="t", created_at="2026-01-01T00:00:00+00:00",
                  modules=records)


def shape(node: views.TreeNode) -> object:
    """A node as nested (name, [children]) for readable equality."""
    return (node.record.name, [shape(c) for c in node.children])


# --------------------------------------------------------------------------- tree


def test_tree_follows_importer_and_load_order() -> None:
    tree = views.build_tree([
        rec("a", None, 0, cumulative_ns=10), rec("a.y", "a", 3), rec("a.x", "a", 1),
        rec("a.x.z", "a.x", 2), rec("b", None, 4),
    ])
    assert [shape(r) for r in tree.roots] == [
        ("a", [("a.x", [("a.x.z", [])]), ("a.y", [])]),
        ("b", []),
    ]
    assert tree.roots[0].size == 4
    assert tree.size == 5


def test_importer_outside_the_records_makes_a_root() -> None:
    tree = views.build_tree([rec("late", "__main__", 1), rec("late.sub", "late", 2)])
    assert [shape(r) for r in tree.roots] == [("late", [("late.sub", [])])]


def test_preloaded_modules_are_left_out_unless_asked() -> None:
    records = [rec("os", None, 0, preloaded=True), rec("app", None, 1),
               rec("lazy", "os", 2)]  # loaded during measurement by preloaded code
    assert [r.record.name for r in views.build_tree(records).roots] == ["app", "lazy"]
    full = views.build_tree(records, include_preloaded=True)
    assert [shape(r) for r in full.roots] == [("os", [("lazy", [])]), ("app", [])]


def test_importer_cycle_from_bad_input_keeps_every_module() -> None:
    tree = views.build_tree([rec("p", "q", 0), rec("q", "p", 1), rec("r", None, 2)])
    assert tree.size == 3
    assert [shape(r) for r in tree.roots] == [("r", []), ("p", [("q", [])])]


def test_deep_nesting_needs_no_recursion() -> None:
    depth = 5000
    records = [rec("m0", None, 0, cumulative_ns=depth)]
    records += [rec(f"m{i}", f"m{i - 1}", i, cumulative_ns=depth - i) for i in range(1, depth)]
    tree = views.build_tree(records)
    assert tree.size == depth
    rows = list(views.walk_tree(tree))
    assert len(rows) == depth
    folded = views.fold_tree(tree, threshold_ns=depth - 10)
    assert sum(1 for _ in views.walk_tree(folded)) == 12  # 11 kept + 1 summary


# --------------------------------------------------------------------------- folding


def _sample_tree() -> views.ImportTree:
    return views.build_tree([
        rec("a", None, 0, cumulative_ns=100, heap_bytes=1000),
        rec("a.big", "a", 1, cumulative_ns=60, heap_bytes=600),
        rec("a.big.small", "a.big", 2, cumulative_ns=5, heap_bytes=50),
        rec("a.small", "a", 3, cumulative_ns=8, heap_bytes=80),
        rec("a.small.leaf", "a.small", 4, cumulative_ns=2, heap_bytes=None),
        rec("cheap_root", None, 5, cumulative_ns=1, heap_bytes=10),
    ])


def test_fold_below_threshold_summarises_subtrees() -> None:
    folded = views.fold_tree(_sample_tree(), threshold_ns=10)
    assert [shape(r) for r in folded.roots] == [("a", [("a.big", [])])]
    a = folded.roots[0]
    # a.small and its leaf: 2 modules, a.small's cumulative (it includes the leaf)
    assert a.folded == views.Folded(modules=2, cumulative_ns=8, heap_bytes=80)
    assert a.children[0].folded == views.Folded(modules=1, cumulative_ns=5, heap_bytes=50)
    assert folded.folded == views.Folded(modules=1, cumulative_ns=1, heap_bytes=10)
    assert folded.size == _sample_tree().size


def test_fold_with_zero_threshold_keeps_everything() -> None:
    tree = _sample_tree()
    assert views.fold_tree(tree, 0) is tree


def test_fold_sums_heap_only_where_measured() -> None:
    tree = views.build_tree([rec("a", None, 0, cumulative_ns=50), rec("b", "a", 1, cumulative_ns=1),
                             rec("c", "a", 2, cumulative_ns=1, heap_bytes=7)])
    assert views.fold_tree(tree, 10).roots[0].folded == views.Folded(2, 2, 7)
    none = views.build_tree([rec("a", None, 0, cumulative_ns=50), rec("b", "a", 1)])
    assert views.fold_tree(none, 10).roots[0].folded == views.Folded(1, 0, None)


def test_walk_tree_orders_rows_and_marks_last_children() -> None:
    rows = [
        (item.record.name if isinstance(item, views.TreeNode) else f"folded:{item.modules}",
         lasts)
        for item, lasts in views.walk_tree(views.fold_tree(_sample_tree(), threshold_ns=10))
    ]
    assert rows == [
        ("a", (False,)),  # the tree's own summary follows the roots
        ("a.big", (False, False)),  # a's summary is its last child
        ("folded:1", (False, False, True)),
        ("folded:2", (False, True)),
        ("folded:1", (True,)),
    ]


@st.composite
def forests(draw: st.DrawFn) -> list[ModuleRecord]:
    """Random import forests: each module's importer is an earlier module or None."""
    count = draw(st.integers(min_value=1, max_value=40))
    records = []
    for i in range(count):
        parent = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=max(i - 1, 0))))
        importer = f"m{parent}" if parent is not None and i > 0 else None
        records.append(rec(f"m{i}", importer, draw(st.integers(0, 1000)),
                           cumulative_ns=draw(st.integers(0, 100)),
                           preloaded=draw(st.booleans()) and i % 7 == 3))
    return records


@settings(max_examples=150, deadline=None)
@given(forests(), st.integers(min_value=0, max_value=120))
def test_every_measured_module_is_shown_or_folded_exactly_once(
    records: list[ModuleRecord], threshold: int,
) -> None:
    measured = {r.name for r in records if not r.preloaded}
    tree = views.fold_tree(views.build_tree(records), threshold)
    shown = [item.record.name for item, _ in views.walk_tree(tree)
             if isinstance(item, views.TreeNode)]
    folded = sum(item.modules for item, _ in views.walk_tree(tree)
                 if isinstance(item, views.Folded))
    assert len(shown) == len(set(shown))
    assert set(shown) <= measured
    assert len(shown) + folded == len(measured) == tree.size
    assert all(item.record.cumulative_ns >= threshold for item, _ in views.walk_tree(tree)
               if isinstance(item, views.TreeNode) and threshold > 0)


# --------------------------------------------------------------------------- totals, top-N


def test_totals_exclude_preloaded_and_count_failures() -> None:
    sums = views.totals([
        rec("os", preloaded=True, self_ns=999, self_heap_bytes=999),
        rec("a", self_ns=10, self_heap_bytes=100, self_rss_bytes=4096),
        rec("b", "a", self_ns=5, self_heap_bytes=None, self_rss_bytes=-1024,
            error="ImportError: x"),
    ])
    # a went on after b raised: b's failure was caught (an optional import)
    assert sums == views.Totals(modules=2, preloaded=1, failed=0, total_ns=15,
                                heap_bytes=100, rss_bytes=3072, caught=1)


def test_totals_without_memory_measurement_say_none() -> None:
    sums = views.totals([rec("a", self_ns=3)])
    assert sums.heap_bytes is None
    assert sums.rss_bytes is None


def test_top_n_orders_by_each_key() -> None:
    records = [
        rec("a", None, 0, self_ns=1, cumulative_ns=30, heap_bytes=5, rss_bytes=None),
        rec("b", "a", 1, self_ns=20, cumulative_ns=20, heap_bytes=None, rss_bytes=7),
        rec("c", "a", 2, self_ns=9, cumulative_ns=9, heap_bytes=50, rss_bytes=1),
        rec("os", None, 3, self_ns=99, cumulative_ns=99, preloaded=True),
    ]
    names = {key: [r.name for r in views.top_n(records, key)] for key in views.SORT_KEYS}
    assert names == {
        "self": ["b", "c", "a"],
        "cumulative": ["a", "b", "c"],
        "heap": ["c", "a", "b"],  # unmeasured last
        "rss": ["b", "c", "a"],
    }
    assert [r.name for r in views.top_n(records, "self", 2)] == ["b", "c"]


def test_top_n_ties_keep_load_order() -> None:
    records = [rec("z", None, 0, self_ns=5), rec("y", None, 1, self_ns=5)]
    assert [r.name for r in views.top_n(records, "self")] == ["z", "y"]


def test_unknown_sort_key_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown sort key 'size'"):
        views.top_n([rec("a")], "size")
    with pytest.raises(UsageError):
        views.sort_value(rec("a"), "size")


# --------------------------------------------------------------------------- why


def _why_report() -> Report:
    """a -> b -> d (first load); a -> c -> d (cache hit); c -> b (cache hit); e preloaded."""
    return report_of(
        rec("e", None, 0, preloaded=True),
        rec("a", None, 1, cumulative_ns=100, heap_bytes=1000),
        rec("b", "a", 2, cumulative_ns=40, heap_bytes=400, importers=("a", "c")),
        rec("d", "b", 3, cumulative_ns=30, heap_bytes=300, importers=("b", "c")),
        rec("c", "a", 4, cumulative_ns=20, heap_bytes=200),
        rec("e2", "e", 5, cumulative_ns=3, importers=("e", "c")),
        rec("x", "c", 6, cumulative_ns=1, importers=("c",)),
    )


def test_why_lists_every_chain_shortest_first_with_edge_kinds() -> None:
    answer = views.answer_why(_why_report(), "d")
    assert [c.modules for c in answer.chains] == [
        ("a", "b", "d"),
        ("a", "c", "d"),
        ("a", "c", "b", "d"),
    ]
    assert [c.cached for c in answer.chains] == [
        (False, False), (False, True), (False, True, False),
    ]
    assert [c.first_load for c in answer.chains] == [True, False, False]
    assert not answer.truncated
    assert answer.record is not None
    assert answer.record.name == "d"


def test_why_cost_is_the_first_module_no_earlier_chain_passes_through() -> None:
    first, second, third = views.answer_why(_why_report(), "d").chains
    assert (first.entry, first.cost_ns, first.cost_heap_bytes) == ("b", 40, 400)
    assert (second.entry, second.cost_ns, second.cost_heap_bytes) == ("c", 20, 200)
    assert (third.entry, third.cost_ns, third.cost_heap_bytes) == (None, 0, None)


def test_why_a_target_is_its_own_chain() -> None:
    (chain,) = views.answer_why(_why_report(), "a").chains
    assert chain.modules == ("a",)
    assert (chain.entry, chain.cost_ns) == ("a", 100)
    assert chain.first_load


def test_why_not_imported_gives_no_chains() -> None:
    answer = views.answer_why(_why_report(), "numpy")
    assert answer.chains == ()
    assert answer.record is None


def test_why_reaches_preloaded_modules_through_cache_hits_only() -> None:
    answer = views.answer_why(_why_report(), "e2")
    # e2 was loaded by preloaded e (not a start); the targets reached it through c.
    assert [c.modules for c in answer.chains] == [("a", "c", "e2")]
    assert answer.chains[0].cached == (False, True)


def test_why_stops_at_the_limit_and_says_so() -> None:
    # a -> m_i -> z for 10 middles: 10 chains of equal length
    records = [rec("a", None, 0)]
    records += [rec(f"m{i}", "a", i + 1) for i in range(10)]
    records.append(rec("z", "m0", 20, importers=("m0", *(f"m{i}" for i in range(1, 10)))))
    answer = views.answer_why(report_of(*records), "z", limit=4)
    assert len(answer.chains) == 4
    assert answer.truncated
    # equal lengths come in load order of the modules they pass
    assert [c.modules[1] for c in answer.chains] == ["m0", "m1", "m2", "m3"]


def test_why_survives_import_cycles_through_cache_hits() -> None:
    report = report_of(
        rec("a", None, 0), rec("p", "a", 1, importers=("a", "q")), rec("q", "p", 2),
        rec("t", "q", 3),
    )
    answer = views.answer_why(report, "t")
    assert [c.modules for c in answer.chains] == [("a", "p", "q", "t")]


def test_total_covers_the_roots_when_medians_do_not_add_up() -> None:
    # Medians: the root's cumulative (674 us) exceeds the sum of self medians (639 us).
    records = [
        ModuleRecord(name="pkg", self_ns=396_000, cumulative_ns=674_000),
        ModuleRecord(name="pkg._lazy", importer="pkg", self_ns=243_000,
                     cumulative_ns=243_000),
    ]
    assert views.totals(records).total_ns == 674_000
    # A late import under its caller but outside its cumulative still counts.
    late = [*records, ModuleRecord(name="late", importer="pkg", self_ns=500_000,
                                   cumulative_ns=500_000)]
    assert views.totals(late).total_ns == 396_000 + 243_000 + 500_000


def test_a_failure_is_caught_where_an_importer_went_on() -> None:
    """requests' `try: from urllib3.contrib.socks import ...` without PySocks."""
    from importaudit.model import ModuleRecord

    records = [
        ModuleRecord("app", None, order=1),
        ModuleRecord("app.adapters", "app", order=2),
        ModuleRecord("socks_support", "app.adapters", order=3, error="ModuleNotFoundError: x"),
        ModuleRecord("socks", "socks_support", order=4, error="ModuleNotFoundError: x"),
        ModuleRecord("broken", None, order=5, error="ValueError: y"),
        ModuleRecord("broken.part", "broken", order=6, error="ValueError: y"),
    ]
    assert views.failure_ends(records) == {
        "socks_support": ("app.adapters", True), "socks": ("app.adapters", True),
        "broken": ("broken", False), "broken.part": ("broken", False)}
    sums = views.totals(records)
    assert (sums.failed, sums.caught) == (2, 2)


def test_a_failure_under_a_skipped_module_is_skipped_with_it() -> None:
    """urllib3.contrib.emscripten (needs `js`) and its submodules that fail with it."""
    from importaudit.model import ModuleRecord

    error = "ModuleNotFoundError: No module named 'js'"
    records = [
        ModuleRecord("web", None, order=1, error=error),
        ModuleRecord("web.connection", "web", order=2, error=error),
        ModuleRecord("web.fetch", "web.connection", order=3, error=error),
        ModuleRecord("other", None, order=4, error="ValueError: y"),
    ]
    assert views.failure_ends(records) == {
        "web": ("web", False), "web.connection": ("web", False), "web.fetch": ("web", False),
        "other": ("other", False)}
    sums = views.totals(records, skipped={"web"})
    assert (sums.failed, sums.skipped, sums.caught) == (1, 1, 0)


def test_the_failure_that_ended_the_run_was_not_caught() -> None:
    """--tree imports fp._speed itself after fp caught its failure: the second ends the run."""
    from importaudit.model import ChildFailure, ModuleRecord

    records = (ModuleRecord("fp", None, order=1),
               ModuleRecord("fp._speed", "fp", order=2, error="NameError: x"))
    report = Report(targets=("fp",), tool_version="t", created_at="now", modules=records,
                    failure=ChildFailure(kind="import-error", message="NameError: x",
                                         module="fp._speed"))
    assert views.report_failure_ends(report) == {"fp._speed": ("fp._speed", False)}
    sums = views.report_totals(report)
    assert (sums.failed, sums.caught) == (1, 0)
    assert views.failure_ends(records) == {"fp._speed": ("fp", True)}


def test_a_failure_in_another_thread_is_not_caught_by_the_module_that_started_it() -> None:
    from importaudit.model import ModuleRecord

    records = [ModuleRecord("thr", None, order=1),
               ModuleRecord("thbad", "thr", order=2, error="RuntimeError: boom",
                            thread="Thread-1 (work)")]
    assert views.failure_ends(records) == {"thbad": ("thbad", False)}
    assert views.totals(records).failed == 1
