"""Names a lazy package gives from its submodules: the import-time edge to that module.

`from pkg import name` at import time, where `pkg` gives `name` lazily (a PEP 562 map,
lazy_loader's `submod_attrs`, or `if TYPE_CHECKING:` imports beside a lazy mechanism),
imports the module that gives it then. The fixture packages are in
tests/fixtures/static/lazynames (see its README).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from static_helpers import STATIC, graph_of

from importaudit import api
from importaudit.model import EdgeKind, ImportEdge, StaticGraph

if TYPE_CHECKING:
    from pathlib import Path

LAZY = STATIC / "lazynames"


@pytest.fixture(autouse=True)
def _in_fixtures(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(LAZY)
    monkeypatch.setenv("IMPORTAUDIT_CACHE_DIR", str(tmp_path / "cache"))


def _edges_to(graph: StaticGraph, imported: str) -> list[ImportEdge]:
    return [e for e in graph.edges if e.imported == imported]


@pytest.mark.parametrize("scanner", ["fast", "reference"])
@pytest.mark.parametrize(("package", "user", "provider", "file"), [
    ("lzpkg", "lzpkg.user", "lzpkg.sub", "lzpkg/user.py"),  # PEP 562 literal map
    ("llpkg", "llpkg.user", "llpkg.sub", "llpkg/user.py"),  # lazy_loader submod_attrs
    # The package's own copy of lazy_loader's attach, bound by assignment: a tuple
    # target and a module-level table (Hugging Face's shape), a lone target and
    # positional arguments.
    ("hubpkg", "hubpkg.user", "hubpkg.sub", "hubpkg/user.py"),
    ("vendpkg", "vendpkg.user", "vendpkg.sub", "vendpkg/user.py"),
])
def test_a_name_a_lazy_package_gives_leads_to_its_module(
        scanner: str, package: str, user: str, provider: str, file: str) -> None:
    graph = graph_of(package, cwd=LAZY, scanner=scanner)
    into = [e for e in _edges_to(graph, provider) if e.importer == user]
    # The statement's own edge to the package stays; the new one has its kind, place
    # and the name it takes.
    assert into == [ImportEdge(user, provider, EdgeKind.EAGER, file, 1, ("thing",))]
    assert ImportEdge(user, package, EdgeKind.EAGER, file, 1, ("thing",)) in graph.edges


@pytest.mark.parametrize("scanner", ["fast", "reference"])
def test_type_checking_imports_beside_a_lazy_module_say_where_names_come_from(
        scanner: str) -> None:
    graph = graph_of("hflike", cwd=LAZY, scanner=scanner)
    user = "hflike.quantizers.quantizer_aqlm"
    got = {(e.imported, e.kind, e.line, e.names) for e in graph.edges if e.importer == user}
    assert got == {
        ("hflike.integrations", EdgeKind.EAGER, 1, ("download",)),
        ("hflike.integrations", EdgeKind.EAGER, 2, ("replace_with_aqlm_linear",)),
        ("hflike.integrations.hub", EdgeKind.EAGER, 1, ("download",)),
        ("hflike.integrations.aqlm", EdgeKind.EAGER, 2, ("replace_with_aqlm_linear",)),
    }
    # The package's own TYPE_CHECKING imports stay type-only: nothing else changes.
    assert {e.kind for e in graph.edges if e.importer == "hflike.integrations"
            and e.imported.startswith("hflike.integrations.")} == {EdgeKind.TYPE_ONLY}


@pytest.mark.parametrize("scanner", ["fast", "reference"])
def test_a_name_the_package_also_binds_at_run_time_leads_nowhere_else(scanner: str) -> None:
    graph = graph_of("boundpkg", cwd=LAZY, scanner=scanner)
    # `thing` is bound by the package itself (`from ._plain import thing`): its
    # `__getattr__` never runs for it, so `from boundpkg import thing` never loads `.sub`.
    assert [e for e in _edges_to(graph, "boundpkg.sub")
            if e.importer == "boundpkg.user"] == []


def test_only_imports_that_run_at_import_time_get_the_edge(tmp_path: Path) -> None:
    package = tmp_path / "later"
    package.mkdir()
    (package / "__init__.py").write_text(
        "import importlib\n_MAP = {'thing': '.sub'}\n\n\ndef __getattr__(name):\n"
        "    return getattr(importlib.import_module(_MAP[name], __name__), name)\n")
    (package / "sub.py").write_text("from later.user import helper\nthing = 1\n")
    (package / "user.py").write_text(
        "try:\n    from later import thing\nexcept ImportError:\n    thing = None\n\n\n"
        "def helper():\n    from later import thing\n    return thing\n")
    graph = graph_of("later", cwd=tmp_path)
    assert [(e.kind, e.line) for e in _edges_to(graph, "later.sub")
            if e.importer == "later.user"] == [(EdgeKind.OPTIONAL, 2)]


def test_a_warm_build_gives_the_same_edges() -> None:
    options = api.StaticOptions()
    cold = api.graph(["hflike"], options).graph
    warm = api.graph(["hflike"], options).graph
    assert cold is not None and warm is not None
    assert warm.edges == cold.edges
    assert any(e.imported == "hflike.integrations.aqlm" and e.kind is EdgeKind.EAGER
               for e in warm.edges)


def test_no_cycle_when_the_package_binds_the_name_itself() -> None:
    assert api.cycles(["boundpkg"], api.StaticOptions(verify=True)).cycles == ()


@pytest.mark.parametrize("scanner", ["fast", "reference"])
def test_a_copied_attach_gives_lazy_edges_to_what_it_names(scanner: str) -> None:
    graph = graph_of("hubpkg", cwd=LAZY, scanner=scanner)
    assert {(e.imported, e.kind, e.line) for e in graph.edges if e.importer == "hubpkg"
            and e.imported.startswith("hubpkg.")} == {
        ("hubpkg.sub", EdgeKind.LAZY, 6), ("hubpkg.tools", EdgeKind.LAZY, 7),
        ("hubpkg.extras", EdgeKind.LAZY, 31)}


@pytest.mark.parametrize("package", ["hubpkg", "vendpkg"])
def test_the_cycle_through_a_copied_attach_is_found(package: str) -> None:
    # `import PACKAGE.sub` fails at run time: sub -> user -> (the name from) sub.
    found = api.cycles([package], api.StaticOptions()).cycles
    assert [c.modules for c in found] == [(f"{package}.sub", f"{package}.user")]


@pytest.mark.parametrize("scanner", ["fast", "reference"])
def test_a_getattr_bound_by_assignment_that_imports_nothing_gives_no_edge(
        scanner: str) -> None:
    # deprpkg's `__getattr__ = _renamed(__name__, {"old_thing": "thing"})` hands out
    # what the package already has: `from deprpkg import old_thing` loads no submodule.
    graph = graph_of("deprpkg", cwd=LAZY, scanner=scanner)
    assert {(e.imported, e.kind) for e in graph.edges if e.importer == "deprpkg.user"} == {
        ("deprpkg", EdgeKind.EAGER)}
    assert api.cycles(["deprpkg"], api.StaticOptions()).cycles == ()


@pytest.mark.parametrize("scanner", ["fast", "reference"])
def test_a_deprecation_shim_is_no_lazy_mechanism(scanner: str) -> None:
    # shimpkg's `def __getattr__` imports warnings, warns and returns Engine for the
    # old name: it gives nothing from a module. Read as a lazy mechanism, its
    # `if TYPE_CHECKING:` import made `from shimpkg import OldEngine` an eager edge to
    # shimpkg.legacy, a module that never loads at run time.
    graph = graph_of("shimpkg", cwd=LAZY, scanner=scanner)
    assert {(e.imported, e.kind) for e in graph.edges if e.importer == "shimpkg.user"} == {
        ("shimpkg", EdgeKind.EAGER)}


@pytest.mark.parametrize(("body", "gives"), [
    ("import warnings\nwarnings.warn('old')\nreturn _OLD[name]", False),
    ("import warnings\nvalue = _OLD[name]\nwarnings.warn('old')\nreturn value", False),
    ("import importlib\nreturn importlib.import_module('.' + name, __name__)", True),
    ("from . import sub\nreturn sub", True),
    ("import importlib\nmodule = importlib.import_module(_MAP[name], __name__)\n"
     "return getattr(module, name)", True),
    ("import importlib\nglobals()[name] = importlib.import_module(name)\n"
     "return globals()[name]", True),
])
def test_a_getattr_gives_names_only_when_it_returns_what_it_imported(
        body: str, gives: bool) -> None:
    import ast
    import textwrap

    from importaudit.static.scan import can_give

    func = ast.parse("def __getattr__(name):\n" + textwrap.indent(body, "    ")).body[0]
    assert can_give(func) is gives


@pytest.mark.parametrize("scanner", ["fast", "reference"])
def test_an_attach_stub_s_pyi_says_where_names_come_from(scanner: str) -> None:
    graph = graph_of("skpkg", cwd=LAZY, scanner=scanner)
    got = {(e.imported, e.kind, e.line, e.names) for e in graph.edges
           if e.importer == "skpkg.user"}
    # `own` is bound by the package itself: its `__getattr__` never gives it from .other.
    assert got == {("skpkg", EdgeKind.EAGER, 1, ("own", "thing")),
                   ("skpkg.sub", EdgeKind.EAGER, 1, ("thing",))}
    found = api.cycles(["skpkg"], api.StaticOptions()).cycles
    assert [c.modules for c in found] == [("skpkg.sub", "skpkg.user")]


def test_the_names_a_lazy_package_declares_are_read_from_its_stub_as_the_graph_reads_them(
) -> None:
    # `lazy_provides` is what review follows a lazy package's names with
    # (`ReviewContext.served_lazily`); the stub's `own` is the package's own binding.
    from pathlib import Path

    from importaudit.static.scan import absolute_name, lazy_provides

    given = lazy_provides(Path("skpkg/__init__.py"))
    assert [(g.module, g.level, g.names, g.anchor) for g in given] == [
        ("sub", 1, ("thing",), "__name__")]
    assert absolute_name("skpkg", True, "sub", 1, "__name__") == "skpkg.sub"
    assert absolute_name("skpkg.user", False, "sub", 1, None) == "skpkg.sub"
    assert absolute_name("skpkg", True, "x", 3, None) is None
    assert lazy_provides(Path("no/such/__init__.py")) == []
