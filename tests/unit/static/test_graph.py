"""Resolving statements into the import graph, on the fixture trees."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest
from static_helpers import edges, graph_of

from importaudit.model import EdgeKind, ImportEdge
from importaudit.static.graph import export_digraph, to_networkx


def test_cross_package_edges_with_file_and_line() -> None:
    graph = graph_of("cyclic")
    core = [e for e in graph.edges if e.importer == "pkg_a.core"]
    assert ImportEdge("pkg_a.core", "pkg_b.service", EdgeKind.EAGER,
                      str(Path("cyclic/pkg_a/core.py")), 3, ("Service",)) in core
    # Importing pkg_b.service runs pkg_b first: an implicit parent edge.
    assert ("pkg_a.core", "pkg_b", "parent") in edges(graph)
    # ...but not to the importer's own parent, which is already being imported.
    assert ("pkg_a.left", "pkg_a", "parent") not in edges(graph)


def test_relative_imports_submodules_attributes_and_problems() -> None:
    graph = graph_of("relative")
    found = edges(graph)
    assert {("relpkg", "relpkg.sub", "eager"), ("relpkg", "relpkg.helpers", "eager"),
            ("relpkg", "relpkg.sibling", "eager"), ("relpkg", "relpkg.sub.deep", "eager"),
            ("relpkg.sub", "relpkg.sibling", "eager"),
            ("relpkg.sub.deep", "relpkg.sibling", "eager")} <= found
    # `from . import LIMIT` takes an attribute of the package: the edge keeps the name.
    limit = [e for e in graph.edges if e.importer == "relpkg.sub.deep"
             and e.imported == "relpkg.sub"]
    assert [e.names for e in limit] == [("LIMIT",)]
    # `from .sibling import VALUE` keeps VALUE on the edge to the submodule it names.
    assert ("VALUE",) in {e.names for e in graph.edges if e.imported == "relpkg.sibling"}
    reasons = {(Path(p.file).name, p.line, p.reason) for p in graph.problems}
    assert ("deep.py", 15, "relative import ... climbs above the top-level package of "
            "relpkg.sub.deep") in reasons
    assert ("deep.py", 11, "imports relpkg.gone, which is not in the scanned tree "
            "(eager import)") in reasons
    assert ("deep.py", 7, "imports relpkg.optional_extra, which is not in the scanned "
            "tree (optional import)") in reasons


def test_from_package_import_name_prefers_the_submodule() -> None:
    graph = graph_of("namespace")
    assert ("nspkg.alpha", "nspkg.beta", "eager") in edges(graph)
    assert ("nspkg.alpha", "nspkg.inner.gamma", "eager") in edges(graph)
    assert ("nspkg.alpha", "nspkg.inner", "parent") in edges(graph)
    nodes = {n.name: n for n in graph.modules}
    assert nodes["nspkg"].namespace
    assert nodes["nspkg"].file is None


def test_external_modules_collapse_to_their_top_level_package() -> None:
    graph = graph_of("lazy")
    heavy = {(e.imported, e.kind.value, e.external) for e in graph.edges
             if e.importer == "lazypkg.heavy"}
    assert heavy == {("json", "eager", True), ("ujson", "optional", True),
                     ("optional_dependency_that_may_be_missing", "eager", True)}
    full = graph_of("lazy", collapse_external=False)
    assert ("lazypkg.heavy", "json", "eager") in edges(full)
    outside = {n.name for n in full.modules if n.external}
    assert "lazy_loader" in outside


def test_external_modules_can_be_kept_whole(tmp_path: Path) -> None:
    (tmp_path / "user.py").write_text("import os.path\nfrom email import message\n")
    collapsed = graph_of("user.py", cwd=tmp_path)
    assert edges(collapsed) == {("user", "os", "eager"), ("user", "email", "eager")}
    full = graph_of("user.py", cwd=tmp_path, collapse_external=False)
    # email.message is a module (found on disk), so the edge goes to it, and the
    # statement runs the email package first.
    assert edges(full) == {("user", "os.path", "eager"), ("user", "os", "parent"),
                           ("user", "email.message", "eager"), ("user", "email", "parent")}


def test_lazy_edges_from_maps_attach_and_stubs() -> None:
    graph = graph_of("lazy")
    lazy = {(e.importer, e.imported) for e in graph.edges if e.kind is EdgeKind.LAZY}
    assert lazy == {
        ("lazypkg", "lazypkg.heavy"), ("lazypkg", "lazypkg.other"),
        ("lazypkg", "lazypkg.plugins"),
        ("attachpkg", "attachpkg.linalg"), ("attachpkg", "attachpkg.fft"),
        ("stubpkg", "stubpkg.tools"),
    }
    # A map value that names no module ("not_a_module_anywhere") is dropped silently.
    assert not any("not_a_module" in n.name for n in graph.modules)
    stub = [e for e in graph.edges if e.importer == "stubpkg"
            and e.kind is EdgeKind.LAZY]
    assert {Path(e.file or "").name for e in stub} == {"__init__.pyi"}
    assert ("lazypkg.other", "lazypkg.plugins", "dynamic") in edges(graph)
    assert ("lazypkg.other", "lazypkg.heavy", "deferred") in edges(graph)  # __main__ guard


def test_broken_files_are_reported_and_the_rest_is_built() -> None:
    graph = graph_of("broken")
    reasons = {Path(p.file).name: p.reason for p in graph.problems}
    assert reasons["nul_bytes.py"] == "file contains NUL bytes"
    assert reasons["bad_encoding.py"].startswith("cannot decode")
    assert reasons["unknown_coding.py"] == "cannot decode: unknown encoding: no-such-codec"
    assert reasons["syntax_error.py"].startswith("syntax error")
    assert ("brokenpkg", "brokenpkg.good", "eager") in edges(graph)
    assert ("brokenpkg.latin1_ok", "os", "eager") in edges(graph)
    # A syntax error away from any import is seen only when every file is parsed whole.
    assert "broken_body.py" not in reasons
    full = graph_of("broken", scanner="reference")
    assert "broken_body.py" in {Path(p.file).name for p in full.problems}


def test_kinds_filter_the_edges_kept() -> None:
    graph = graph_of("typeonly", kinds=[EdgeKind.TYPE_ONLY])
    assert graph.kinds == (EdgeKind.TYPE_ONLY,)
    assert edges(graph) == {("pkg_b.service", "pkg_a.core", "type-only"),
                            ("pkg_b.service", "pkg_a", "type-only"),
                            ("pkg_b.registry", "pkg_a.core", "type-only"),
                            ("pkg_b.registry", "pkg_a", "type-only")}


def test_networkx_views_answer_who_imports_and_why() -> None:
    graph = graph_of("cyclic")
    digraph = to_networkx(graph)
    assert sorted(digraph.predecessors("pkg_b.service")) == ["pkg_a.core"]
    assert nx.shortest_path(digraph, "pkg_b.service", "pkg_b") == [
        "pkg_b.service", "pkg_a.core", "pkg_b"]
    data = digraph.edges["pkg_a.core", "pkg_b.service"]
    assert data["kinds"] == ["eager"]
    assert data["imports"][0].line == 3
    assert digraph.nodes["pkg_a.core"]["file"] == str(Path("cyclic/pkg_a/core.py"))
    only_parent = to_networkx(graph, [EdgeKind.PARENT])
    assert list(only_parent.edges) == [("pkg_a.core", "pkg_b"), ("pkg_b.service", "pkg_a")]


def test_export_digraph_has_scalar_attributes_only() -> None:
    flat = export_digraph(graph_of("lazy"))
    for _, data in flat.nodes(data=True):
        assert all(isinstance(v, str | bool | int) for v in data.values())
    edge = flat.edges["stubpkg", "stubpkg.tools"]
    assert edge["kinds"] == "lazy"
    assert edge["names"] == "helper"
    assert edge["lines"].count("__init__.pyi:") == 2


@pytest.mark.parametrize("target", ["cyclic", "relative", "namespace", "lazy", "broken"])
def test_the_graph_is_the_same_from_both_scanners_for_parsable_trees(target: str) -> None:
    fast, reference = graph_of(target), graph_of(target, scanner="reference")
    if target == "broken":  # the one tree with a syntax error the fast path never reads
        assert set(fast.edges) >= set(reference.edges)
    else:
        assert fast == reference


def test_a_module_made_at_run_time_or_an_init_by_name_is_said_to_be_so() -> None:
    # six puts `six.moves` into sys.modules while it runs (hypothesis' compiled _native
    # registers `_native.internal.floats`); statsmodels.api runs `from .__init__ import
    # test`. Both import fine: "not in the scanned tree" sounded like a missing module.
    graph = graph_of("runmade")
    reasons = {(Path(p.file).name, p.line, p.reason) for p in graph.problems}
    assert ("user.py", 3, "imports runmade.compat.moves, which no file defines: "
            "runmade.compat is a module, not a package, so only code that runs can make "
            "it (by putting it in sys.modules); the static graph cannot see what it "
            "imports (eager import)") in reasons
    assert ("api.py", 3, "imports runmade.__init__, the __init__.py of package runmade "
            "run a second time, as a module of its own (eager import)") in reasons
    assert not [r for r in reasons if "not in the scanned tree" in r[2]]
