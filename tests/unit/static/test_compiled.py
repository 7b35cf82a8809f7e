"""Compiled modules in the static graph: read from the `.py` beside them, or unknown.

mypyc and Cython's pure-Python mode ship each module twice: the extension Python loads
and the `.py` it was compiled from, whose imports are the extension's. The package
`cpkg` is built in `tmp_path`: with stand-in extension files (any bytes under an
extension's name: discovery only reads names), and once with a real extension the
system compiler builds, which Python then loads.
"""

from __future__ import annotations

import dataclasses
import importlib.machinery
import io
import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from cext import build_extension
from rich.console import Console
from static_helpers import edges, graph_of

from importaudit import api
from importaudit.model import Report, report_from_dict, report_to_dict
from importaudit.render import RenderOptions
from importaudit.render.terminal_graph import render_static
from importaudit.review.context import ReviewContext
from importaudit.static import build
from importaudit.static.cache import decode_graph, encode_graph
from importaudit.static.cycles import find_cycles
from importaudit.static.discover import discover
from importaudit.static.graph import export_digraph
from importaudit.static.sourcetree import module_of_file
from importaudit.views import answer_why

if TYPE_CHECKING:
    from pathlib import Path

#: The running interpreter's own extension suffix (what it would load).
NATIVE = importlib.machinery.EXTENSION_SUFFIXES[0]


def _package(root: Path, suffix: str = NATIVE) -> Path:
    """`cpkg`: a compiled `__init__`, `fast` and `plain` (a cycle), and `opaque`.

    Every compiled module but `opaque` has its source beside it; `plain` is pure Python.
    """
    package = root / "cpkg"
    package.mkdir()
    (package / "__init__.py").write_text("from cpkg import fast\n")
    (package / f"__init__{suffix}").write_bytes(b"\x7fELF stand-in")
    (package / "fast.py").write_text("import json\nfrom cpkg import plain\n\n"
                                     "def f():\n    import csv\n")
    (package / f"fast{suffix}").write_bytes(b"\x7fELF stand-in")
    (package / "plain.py").write_text("from cpkg.fast import f\n")
    (package / f"opaque{suffix}").write_bytes(b"\x7fELF stand-in")
    return package


@pytest.mark.parametrize(("filename", "module"), [
    ("linegen.cpython-311-x86_64-linux-gnu.so", ("linegen", True)),
    ("_row_cy.cpython-313-darwin.so", ("_row_cy", True)),
    ("speedups.abi3.so", ("speedups", True)),
    ("speedups.cp311-win_amd64.pyd", ("speedups", True)),
    ("speedups.pypy310-pp73-x86_64-linux-gnu.so", ("speedups", True)),
    ("plain.so", ("plain", True)),
    ("__init__.cpython-312-x86_64-linux-gnu.so", ("__init__", True)),
    ("cli.py", ("cli", False)),
    ("libgfortran.so.5", None),
    ("data.so.json", None),
    ("two.parts.so", None),
    ("notes.txt", None),
])
def test_a_file_name_becomes_a_module_name_whatever_the_abi_tag(
        filename: str, module: tuple[str, bool] | None) -> None:
    assert module_of_file(filename) == module


@pytest.mark.parametrize("suffix", [NATIVE, ".cpython-39-darwin.so", ".abi3.so",
                                    ".cp311-win_amd64.pyd"])
def test_a_compiled_module_is_the_extension_with_its_source_beside_it(
        tmp_path: Path, suffix: str) -> None:
    package = _package(tmp_path, suffix)
    found: list[str] = []
    tree = discover(["cpkg"], cwd=tmp_path, on_file=found.append)
    assert list(tree.modules) == ["cpkg", "cpkg.fast", "cpkg.opaque", "cpkg.plain"]
    fast = tree.modules["cpkg.fast"]
    assert (fast.path, fast.source) == (str(package / f"fast{suffix}"), str(package / "fast.py"))
    assert fast.extension and fast.scanned == fast.source
    assert fast.scanned_display == os.path.join("cpkg", "fast.py")
    top = tree.modules["cpkg"]  # the package itself, never a module `cpkg.__init__`
    assert top.is_package and top.extension and not top.namespace
    assert (top.path, top.source) == (str(package / f"__init__{suffix}"),
                                      str(package / "__init__.py"))
    opaque = tree.modules["cpkg.opaque"]
    assert opaque.extension and opaque.source is None and opaque.scanned is None
    # The sources are handed to the scan as they are found; the extensions never.
    assert sorted(found) == sorted(str(package / n) for n in ("__init__.py", "fast.py",
                                                              "plain.py"))


def test_a_compiled_init_without_source_still_makes_a_package(tmp_path: Path) -> None:
    (tmp_path / "cpkg").mkdir()
    (tmp_path / "cpkg" / f"__init__{NATIVE}").write_bytes(b"stand-in")
    (tmp_path / "cpkg" / "mod.py").write_text("")
    tree = discover(["."], cwd=tmp_path)
    assert set(tree.modules) == {"cpkg", "cpkg.mod"}
    assert not tree.modules["cpkg"].namespace
    assert tree.modules["cpkg"].extension and tree.modules["cpkg"].source is None


def test_compiled_modules_are_found_by_name_too(tmp_path: Path) -> None:
    _package(tmp_path)
    tree = discover(["cpkg"], cwd=tmp_path, search_path=[])
    assert not tree.modules["cpkg"].namespace  # its spec's origin is the extension
    assert "cpkg.fast" in tree.modules
    single = discover(["cpkg.fast"], cwd=tmp_path, search_path=[])
    assert single.modules["cpkg.fast"].source == str(tmp_path / "cpkg" / "fast.py")


def test_the_edges_of_a_compiled_module_are_its_sources(tmp_path: Path) -> None:
    package = _package(tmp_path)
    graph = graph_of("cpkg", cwd=tmp_path)
    assert edges(graph) == {
        ("cpkg", "cpkg.fast", "eager"),
        ("cpkg.fast", "json", "eager"), ("cpkg.fast", "cpkg.plain", "eager"),
        ("cpkg.fast", "csv", "deferred"), ("cpkg.plain", "cpkg.fast", "eager"),
    }
    fast_edges = [e for e in graph.edges if e.importer == "cpkg.fast"]
    assert {e.file for e in fast_edges} == {os.path.join("cpkg", "fast.py")}
    nodes = {n.name: n for n in graph.modules}
    assert nodes["cpkg.fast"].file == os.path.join("cpkg", f"fast{NATIVE}")
    assert nodes["cpkg.fast"].compiled
    assert nodes["cpkg.fast"].source == os.path.join("cpkg", "fast.py")
    assert not nodes["cpkg.plain"].compiled and nodes["cpkg.plain"].source is None
    assert nodes["cpkg.opaque"].compiled and nodes["cpkg.opaque"].source is None
    assert graph.imports_unknown == ("cpkg.opaque",)
    # The cycle through the compiled module is seen.
    assert [c.modules for c in find_cycles(graph)] == [("cpkg.fast", "cpkg.plain")]
    assert package.is_dir()


def test_the_json_report_says_where_edges_come_from_and_what_is_unknown(
        tmp_path: Path) -> None:
    _package(tmp_path)
    graph = graph_of("cpkg", cwd=tmp_path)
    data = report_to_dict(Report(("cpkg",), "0", "now", graph=graph))
    nodes = {n["name"]: n for n in data["graph"]["modules"]}
    assert nodes["cpkg.fast"]["compiled"] is True
    assert nodes["cpkg.fast"]["source"] == os.path.join("cpkg", "fast.py")
    assert nodes["cpkg.opaque"]["source"] is None
    assert data["graph"]["imports_unknown"] == ["cpkg.opaque"]
    assert report_from_dict(data).graph == graph
    flat = export_digraph(graph)  # DOT and GraphML say it too
    assert flat.nodes["cpkg.fast"]["compiled"] is True
    assert flat.nodes["cpkg.fast"]["source"] == os.path.join("cpkg", "fast.py")
    assert flat.nodes["cpkg.opaque"]["source"] == ""
    assert decode_graph(encode_graph(graph)) == graph  # the graph cache keeps it all


def test_the_cached_graph_follows_the_source_beside_a_compiled_module(
        tmp_path: Path) -> None:
    package = _package(tmp_path)
    cache = tmp_path / "cache"
    cold = build.static_graph([str(package)], cache_dir=cache)
    assert ("cpkg.fast", "json", "eager") in edges(cold)
    assert cold == build.static_graph([str(package)], cache_dir=None, jobs=1)
    assert build.static_graph([str(package)], cache_dir=cache) == cold
    (package / "fast.py").write_text("import decimal\n")
    changed = build.static_graph([str(package)], cache_dir=cache)
    assert ("cpkg.fast", "decimal", "eager") in edges(changed)
    assert ("cpkg.fast", "json", "eager") not in edges(changed)


def _text(report: Report, command: str) -> str:
    stream = io.StringIO()
    console = Console(file=stream, width=400, color_system=None, highlight=False)
    render_static(report, console, RenderOptions(command=command))
    return stream.getvalue()


def test_the_header_counts_compiled_modules_and_those_whose_imports_are_unknown(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _package(tmp_path)
    monkeypatch.chdir(tmp_path)
    text = _text(api.graph(["cpkg"], api.StaticOptions(cache=False)), "graph")
    assert ("3 compiled module(s): 2 read from the source beside them, 1 with imports "
            "unknown (no source ships; their edges and cycles through them are missing)"
            in text)
    fast = os.path.join("cpkg", f"fast{NATIVE}")
    assert f"cpkg.fast  {fast}  (compiled; imports read from fast.py beside it)" in text
    opaque = os.path.join("cpkg", f"opaque{NATIVE}")
    assert f"cpkg.opaque  {opaque}  (compiled, no source: imports unknown)" in text
    assert "imports nothing" not in text
    cycles = _text(api.cycles(["cpkg"], api.StaticOptions(cache=False)), "cycles")
    assert ("imports unknown for 1 compiled module(s) without source (cpkg.opaque): "
            "cycles through them cannot be seen") in cycles


def test_a_package_without_compiled_modules_has_no_such_header(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pure").mkdir()
    (tmp_path / "pure" / "__init__.py").write_text("")
    monkeypatch.chdir(tmp_path)
    assert "compiled" not in _text(api.cycles(["pure"], api.StaticOptions(cache=False)), "cycles")


def test_review_reads_a_compiled_modules_source_not_its_extension(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _package(tmp_path)
    monkeypatch.chdir(tmp_path)  # the graph's paths are relative to it
    graph = graph_of("cpkg", cwd=tmp_path)
    context = ReviewContext(Report(("cpkg",), "0", "now", graph=graph))
    assert context.modules["cpkg.fast"].file == os.path.join("cpkg", "fast.py")
    assert context.modules["cpkg.opaque"].file is None
    facts = context.facts("cpkg.fast")
    assert facts is not None and facts.path == os.path.join("cpkg", "fast.py")


# --------------------------------------------------------------------------- a real extension

_EXTENSION_C = """
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* What fast.py beside it says: import json, and cpkg.plain. */
static struct PyModuleDef fast = {PyModuleDef_HEAD_INIT, "cpkg.fast", NULL, -1, NULL};

PyMODINIT_FUNC PyInit_fast(void) {
    PyObject *json = PyImport_ImportModule("json");
    if (json == NULL) return NULL;
    Py_DECREF(json);
    return PyModule_Create(&fast);
}
"""


def _compile(package: Path) -> Path:
    """Build `cpkg.fast` as a real extension with the system compiler (or skip)."""
    return build_extension(_EXTENSION_C, package, "fast")


def test_a_real_extension_is_what_python_loads_and_its_source_gives_the_edges(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = _package(tmp_path)
    (package / f"__init__{NATIVE}").unlink()  # a pure-Python __init__ imports it
    (package / f"opaque{NATIVE}").unlink()
    extension = _compile(package)
    loaded = subprocess.run(
        [sys.executable, "-c", "import cpkg.fast; print(cpkg.fast.__file__)"],
        cwd=tmp_path, check=True, capture_output=True, text=True).stdout.strip()
    assert loaded == str(extension)
    monkeypatch.chdir(tmp_path)
    static = api.cycles(["cpkg"], api.StaticOptions(cache=False))
    assert static.graph is not None
    nodes = {n.name: n for n in static.graph.modules}
    assert nodes["cpkg.fast"].file == os.path.join("cpkg", extension.name)
    assert ("cpkg.fast", "json", "eager") in edges(static.graph)
    assert static.graph.imports_unknown == ()
    # The runtime side sees the extension load; both views join on its name.
    measured = api.profile(["cpkg"], api.Measure(tree=True, repeat=1, memory=False))
    record = next(m for m in measured.modules if m.name == "cpkg.fast")
    assert record.origin is not None and record.origin.endswith(extension.name)
    joined = dataclasses.replace(measured, graph=static.graph, cycles=static.cycles)
    assert ReviewContext(joined).modules["cpkg.fast"].file == os.path.join("cpkg", "fast.py")
    chains = answer_why(joined, "cpkg.fast")
    assert chains.chains and chains.chains[0].modules[-1] == "cpkg.fast"
