"""Modules that reach sys.modules without passing through the probe's finder.

mypyc's shared library stores the modules compiled together with the one imported,
plugin loaders execute a file and store it by hand: the probe notices new entries of
sys.modules after each import and records them as loaded by the import during which
they appeared, so `why`, the load graph and review see them.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from cext import build_extension

from importaudit import api
from importaudit.loadgraph import LoadGraph
from importaudit.model import Report, report_from_dict, report_to_dict
from importaudit.render.whytext import why_text
from importaudit.review.context import ReviewContext
from importaudit.views import answer_why

RUNTIME = Path(__file__).resolve().parent.parent / "fixtures" / "runtime"
REALENV = Path("/work/realenv/bin/python")


def test_modules_stored_by_hand_are_loaded_by_the_import_they_appeared_in() -> None:
    report = api.profile([str(RUNTIME / "injector")], api.Measure(repeat=1, memory=False))
    assert report.failure is None
    mods = {m.name: m for m in report.modules if not m.preloaded}
    generated, plugin = mods["injector.generated"], mods["injector_plugin"]
    assert (generated.via, generated.importer) == ("sys.modules", "injector")
    assert (plugin.via, plugin.importer) == ("sys.modules", "injector")
    assert plugin.origin == str(RUNTIME / "injector" / "plugins" / "alpha.py")
    assert plugin.loader == "SourceFileLoader"
    # Their cost is inside the importer's: none of their own.
    assert generated.self_ns == generated.cumulative_ns == 0
    # An alias loads nothing; imports through the import system are as before.
    assert "injector_alias" not in mods
    assert [n for n, m in mods.items() if m.via] == ["injector.generated", "injector_plugin"]
    assert report_from_dict(report_to_dict(report)) == report

    graph = LoadGraph(report.modules)
    assert {"injector.generated", "injector_plugin"} <= graph.loads(["injector"])
    assert graph.importers("injector.generated")["injector"] == "load"
    assert "injector.generated" in ReviewContext(report).tree.loads(["injector"])
    answer = answer_why(report, "injector.generated")
    assert answer.chains and answer.chains[0].modules == ("injector", "injector.generated")
    assert "without the import system" in why_text(answer)


@pytest.mark.parametrize("package", ["aliaser", "proxied"])
def test_an_alias_or_proxy_stored_in_sys_modules_is_left_alone(package: str) -> None:
    # apipkg's AliasModule (`py.test`, standing for pytest) and lazy proxies import
    # their target when any attribute is read. Noticing them must not read one: that
    # imported modules `import py` does not and recursed until RecursionError, failing
    # the whole tree (a lazy-object-proxy's lock made it hang until the timeout).
    target = RUNTIME / "alias_modules" / package
    report = api.profile([str(target)], api.Measure(repeat=1, memory=False, tree=True))
    assert report.failure is None
    measured = {m.name for m in report.modules if not m.preloaded}
    assert "alias_target" not in measured
    assert "json" not in measured
    assert package in measured
    if package == "aliaser":
        assert "aliaser.sub" in measured
        # The alias stands where the test module would: that module was not imported,
        # and the notes say it was left out (not "part of the import, not tests").
        notes = report.meta.notes if report.meta else ()
        assert any("left out 1 test package(s) and module(s) (aliaser.testing)" in n
                   for n in notes), notes
        assert not any("part of the import, not tests" in n for n in notes), notes


def test_a_deprecation_warning_names_the_importer_as_without_the_profiler() -> None:
    # A module body warning with stacklevel=2 names its importer: CPython skips
    # importlib's frames, and skipped ours too only once they say they are importlib's.
    # Named, the probe (__main__) got the warning, the default filters showed it, and
    # showing it imported linecache and tokenize into warns_deprecated.old's import.
    target = RUNTIME / "warns_deprecated"
    for memory in (False, True):
        report = api.profile([str(target)], api.Measure(repeat=1, memory=memory))
        assert report.failure is None
        measured = {m.name for m in report.modules if not m.preloaded}
        assert {"warns_deprecated", "warns_deprecated.old"} <= measured
        assert not measured & {"linecache", "tokenize"}, measured


# A C extension that, as mypyc's shared library does, initialises a second module
# compiled with it and stores it in sys.modules itself.
_GROUP_C = """
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static struct PyModuleDef group = {PyModuleDef_HEAD_INIT, "cgroup", NULL, -1, NULL};
static struct PyModuleDef sibling = {PyModuleDef_HEAD_INIT, "cgroup_sibling", NULL, -1, NULL};

PyMODINIT_FUNC PyInit_cgroup(void) {
    PyObject *other = PyModule_Create(&sibling);
    if (other == NULL) return NULL;
    if (PyDict_SetItemString(PyImport_GetModuleDict(), "cgroup_sibling", other) < 0) {
        Py_DECREF(other);
        return NULL;
    }
    Py_DECREF(other);
    return PyModule_Create(&group);
}
"""


def test_an_extension_that_stores_its_group_in_sys_modules(tmp_path: Path) -> None:
    build_extension(_GROUP_C, tmp_path, "cgroup")
    (tmp_path / "uses_group.py").write_text('"""Imports the group."""\nimport cgroup\n')
    report = api.profile([str(tmp_path / "uses_group.py")], api.Measure(repeat=1, memory=False))
    mods = {m.name: m for m in report.modules if not m.preloaded}
    assert mods["cgroup"].via is None and mods["cgroup"].loader == "ExtensionFileLoader"
    sibling = mods["cgroup_sibling"]
    assert (sibling.via, sibling.importer) == ("sys.modules", "cgroup")
    assert LoadGraph(report.modules).path(["uses_group"], "cgroup_sibling") == (
        "uses_group", "cgroup", "cgroup_sibling")


@pytest.mark.skipif(not REALENV.exists(), reason="needs the real packages in /work/realenv")
def test_black_compiled_by_mypyc_loads_its_modules_without_the_finder() -> None:
    # Which modules `import black` stores by hand, asked of the interpreter itself.
    listing = subprocess.run(
        [str(REALENV), "-c",
         "import sys; before = set(sys.modules); import black.linegen, black.mode; "
         "print(black.linegen.__file__.endswith(('.so', '.pyd')))"],
        capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": ""})
    if listing.stdout.strip() != "True":
        pytest.skip("black is not mypyc-compiled here")
    report: Report = api.profile(["black"], api.Measure(python=str(REALENV), repeat=1,
                                                        memory=False))
    mods = {m.name: m for m in report.modules if not m.preloaded}
    for name in ("black.linegen", "black.mode", "black.nodes", "black.trans"):
        assert mods[name].via == "sys.modules", name
        assert name in LoadGraph(report.modules).loads(["black"])
    answer = answer_why(report, "black.linegen")
    assert answer.chains and answer.chains[0].modules[0] == "black"
