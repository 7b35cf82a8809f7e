"""Modules named like tests that a package imports while it loads are part of its graph.

Walks leave out `tests`/`testing` packages, but jinja2 has a `tests` module of template
tests that its defaults import, and pandas imports its public `testing` at load. The
fixture `testnamed/tmpl` has both shapes, and a real test package (`tmpl.sub.tests`)
that only a function imports.
"""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

from static_helpers import STATIC, edges, graph_of

from importaudit.static import build
from importaudit.static.cycles import find_cycles
from importaudit.static.sourcetree import Exclusions

if TYPE_CHECKING:
    from pathlib import Path

FIXTURE = STATIC / "testnamed"
PART_OF_THE_IMPORT = {"tmpl.tests", "tmpl.testing", "tmpl.testing.asserts"}


def _internal(graph: object) -> dict[str, str | None]:
    return {n.name: n.file for n in graph.modules if not n.external}  # type: ignore[attr-defined]


def test_test_named_modules_the_package_imports_at_load_are_walked() -> None:
    graph = build.static_graph(["tmpl"], cache_dir=None, jobs=1,
                               where=build.SearchPath((str(FIXTURE),)))
    files = _internal(graph)
    for name in PART_OF_THE_IMPORT:
        assert files[name] is not None, name
    # Their own imports are edges of the graph, and `from .tests import TESTS` takes a
    # name of the module tests, not a module tests.TESTS.
    found = edges(graph)
    assert ("tmpl.tests", "tmpl.runtime", "eager") in found
    assert ("tmpl.testing.asserts", "difflib", "eager") in found
    assert ("tmpl.defaults", "tmpl.tests", "eager") in found
    assert not any(e.imported == "tmpl.tests.TESTS" for e in graph.edges)
    # The real test packages stay out: only a function imports one, when called; and
    # `test` is a test name too (twisted's and CPython's spelling).
    assert graph.excluded == ("tmpl.sub.tests", "tmpl.test")
    assert files["tmpl.sub.tests"] is None
    assert "tmpl.testing.test_asserts" not in files
    assert any("tmpl.testing, tmpl.testing.asserts, tmpl.tests" in n for n in graph.notes)
    assert any("left out 2 test package" in n and "tmpl.sub.tests, tmpl.test" in n
               for n in graph.notes)


def test_a_name_taken_from_a_left_out_package_is_no_submodule() -> None:
    """`from .sub.tests import run_all`: run_all is a function, no file of the package."""
    graph = graph_of("testnamed/tmpl")
    deferred = [e for e in graph.edges if e.importer == "tmpl.cli"]
    assert {(e.imported, e.names) for e in deferred} >= {("tmpl.sub.tests", ("run_all",))}
    assert not any(e.imported == "tmpl.sub.tests.run_all" for e in deferred)


def test_the_cycle_through_a_test_named_module_is_found() -> None:
    graph = graph_of("testnamed/tmpl")
    members = [set(c.modules) for c in find_cycles(graph)]
    assert {"tmpl.defaults", "tmpl.tests", "tmpl.runtime"} in members


def test_an_exclude_pattern_keeps_a_test_named_module_out() -> None:
    """What a user's pattern leaves out is their word; only the default test rule yields."""
    graph = build.static_graph(["tmpl"], cache_dir=None, jobs=1,
                               where=build.SearchPath((str(FIXTURE),)),
                               exclusions=Exclusions(("tmpl.tests",)))
    assert _internal(graph)["tmpl.tests"] is None
    assert {(e.imported, e.names) for e in graph.edges if e.importer == "tmpl.defaults"} == {
        ("tmpl.tests", ("TESTS",))}


def test_the_stored_graph_keeps_them_and_goes_stale_when_one_changes(tmp_path: Path) -> None:
    shutil.copytree(FIXTURE / "tmpl", tmp_path / "tmpl")
    where = build.SearchPath((str(tmp_path),))
    cache = tmp_path / "cache"
    cold = build.static_graph(["tmpl"], cache_dir=cache, jobs=1, where=where)
    warm = build.static_graph(["tmpl"], cache_dir=cache, jobs=1, where=where)
    assert warm == cold
    assert {n for n, f in _internal(warm).items() if f} >= PART_OF_THE_IMPORT
    # The walk never lists the file, so the stored graph must notice the edit itself.
    tests = tmp_path / "tmpl" / "tests.py"
    tests.write_text(tests.read_text() + "import json\n")
    edited = build.static_graph(["tmpl"], cache_dir=cache, jobs=1, where=where)
    assert ("tmpl.tests", "json", "eager") in edges(edited)


def _graph(root: Path, cache: Path | None, exclusions: Exclusions | None = None) -> object:
    return build.static_graph(["pkg"], cache_dir=cache, jobs=1,
                              where=build.SearchPath((str(root),)), exclusions=exclusions)


def _same_as_cold(root: Path, exclusions: Exclusions | None = None) -> object:
    warm = _graph(root, root / "cache", exclusions)
    assert warm == _graph(root, None, exclusions)
    return warm


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_the_stored_graph_notices_a_file_added_where_a_walked_module_looks(
        tmp_path: Path) -> None:
    """A walked test package's import of a submodule that was not there yet."""
    _write(tmp_path, {"pkg/__init__.py": "from . import tests\n",
                      "pkg/tests/__init__.py": "from . import helpers\n"})
    _same_as_cold(tmp_path)
    _write(tmp_path, {"pkg/tests/helpers.py": "import json\n"})
    graph = _same_as_cold(tmp_path)
    assert ("pkg.tests.helpers", "json", "eager") in edges(graph)  # type: ignore[arg-type]


def test_the_stored_graph_notices_a_package_taking_a_modules_place(tmp_path: Path) -> None:
    _write(tmp_path, {"pkg/__init__.py": "from . import tests\n",
                      "pkg/tests.py": "import json\n"})
    _same_as_cold(tmp_path)
    _write(tmp_path, {"pkg/tests/__init__.py": "import csv\n"})
    graph = _same_as_cold(tmp_path)
    assert ("pkg.tests", "csv", "eager") in edges(graph)  # type: ignore[arg-type]


def test_an_exclude_pattern_holds_on_a_warm_run_and_inside_a_walked_package(
        tmp_path: Path) -> None:
    _write(tmp_path, {"pkg/__init__.py": "from . import tests\n",
                      "pkg/tests/__init__.py": "from . import heavy\n",
                      "pkg/tests/heavy.py": "import json\n"})
    walked = _same_as_cold(tmp_path)
    assert "pkg.tests.heavy" in _internal(walked) and _internal(walked)["pkg.tests.heavy"]
    out = _same_as_cold(tmp_path, Exclusions(("pkg.tests",)))
    assert _internal(out)["pkg.tests"] is None
    inner = _same_as_cold(tmp_path, Exclusions(("*.heavy",)))
    assert _internal(inner)["pkg.tests"] is not None
    assert _internal(inner).get("pkg.tests.heavy") is None
    assert _same_as_cold(tmp_path) == walked


def test_under_a_namespace_package_a_left_out_module_stays_a_module(tmp_path: Path) -> None:
    """The disk below a namespace package is not looked at: the edge keeps its module."""
    _write(tmp_path, {"ns/mod.py": "from . import tests\n",
                      "ns/tests/__init__.py": "import json\n"})
    graph = build.static_graph(["ns"], cache_dir=None, jobs=1,
                               where=build.SearchPath((str(tmp_path),)))
    assert ("ns.mod", "ns.tests", "eager") in edges(graph)
