"""The runtime profiler end to end: real fixture packages measured in child interpreters."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from importaudit import api
from importaudit.errors import InterpreterError, TargetNotFoundError, UsageError
from importaudit.model import ModuleRecord, Report, report_from_dict, report_to_dict

RUNTIME = Path(__file__).resolve().parent.parent / "fixtures" / "runtime"


def target(name: str) -> str:
    return str(RUNTIME / name)


def measured(report: Report) -> dict[str, ModuleRecord]:
    return {m.name: m for m in report.modules if not m.preloaded}


def test_slow_module_self_time_and_attribution() -> None:
    report = api.profile([target("slow_pkg")], api.Measure(repeat=2, memory=False))
    mods = measured(report)
    assert report.failure is None
    assert report.targets == ("slow_pkg",)
    sleepy = mods["slow_pkg.sleepy"]
    # 200 ms sleep: wide margin, never a tight wall-clock assertion.
    assert sleepy.self_ns >= 150_000_000
    assert sleepy.importer == "slow_pkg"
    assert mods["slow_pkg"].cumulative_ns >= sleepy.cumulative_ns
    # The package's own body is cheap: the sleep is attributed to the child, not the parent.
    assert mods["slow_pkg"].self_ns < sleepy.self_ns / 2
    assert mods["slow_pkg.nested.deep"].importer == "slow_pkg"
    assert mods["slow_pkg.nested"].importer == "slow_pkg"
    assert mods["json"].importer == "slow_pkg.nested.deep"
    assert mods["json.decoder"].depth > mods["json"].depth
    assert sleepy.runs == 2
    assert sleepy.self_ns_min <= sleepy.self_ns <= sleepy.self_ns_max
    # Self times of a subtree add up to its cumulative time (within clock granularity).
    subtree = [m for m in mods.values() if m.name.startswith("slow_pkg") or m.depth > 0]
    assert sum(m.self_ns for m in subtree) <= mods["slow_pkg"].cumulative_ns * 1.05
    assert report.meta is not None and report.meta.repeats == 2
    assert not report.meta.memory
    assert report.meta.startup_ns is not None and report.meta.startup_ns > 0


def test_preloaded_modules_listed_not_attributed() -> None:
    report = api.profile([target("slow_pkg")], api.Measure(repeat=1, memory=False))
    pre = {m.name for m in report.modules if m.preloaded}
    assert {"sys", "builtins", "os"} <= pre
    assert all(m.self_ns == 0 and m.cumulative_ns == 0 for m in report.modules if m.preloaded)
    assert "slow_pkg" not in pre


def test_heap_run_measures_retained_python_memory() -> None:
    report = api.profile([target("hungry")], api.Measure(repeat=1, memory=True))
    hungry = measured(report)["hungry"]
    assert hungry.heap_bytes is not None and hungry.heap_bytes >= 8 * 1024 * 1024
    assert hungry.self_heap_bytes is not None and hungry.self_heap_bytes >= 8 * 1024 * 1024
    assert hungry.heap_peak_bytes is not None and hungry.heap_peak_bytes >= hungry.heap_bytes
    assert hungry.rss_bytes is not None and hungry.rss_bytes >= 6 * 1024 * 1024
    assert report.meta is not None and report.meta.memory


def test_the_interned_string_table_growing_is_charged_to_no_module() -> None:
    # Each submodule interns and keeps 6000 strings; together they fill the table of
    # interned strings past a size where it doubles. Before, that reallocation (546 KiB
    # at 2**16 slots on 3.11) landed in whichever submodule tipped it over, and which one
    # moved between runs of the same code: a baseline check failed on an unchanged tree.
    report = api.profile([target("interner")], api.Measure(repeat=1, memory=True))
    mods = measured(report)
    own = sorted(mods[f"interner.m{i}"].self_heap_bytes or 0 for i in range(1, 9))
    assert own[0] > 100_000  # the strings themselves are measured
    assert own[-1] - own[0] < own[0] // 10, own


def test_time_runs_never_trace_the_heap() -> None:
    report = api.profile([target("hungry")], api.Measure(repeat=1, memory=False))
    assert measured(report)["hungry"].heap_bytes is None


def test_failing_import_records_partial_and_error() -> None:
    report = api.profile([target("broken_pkg")], api.Measure(repeat=1, memory=False))
    mods = measured(report)
    assert report.failure is not None
    assert report.failure.kind == "import-error"
    assert report.failure.module == "broken_pkg.bad"
    assert "bad module refuses to load" in report.failure.message
    assert mods["broken_pkg.bad"].error == "ValueError: bad module refuses to load"
    assert mods["broken_pkg"].error is not None
    # What loaded before the failure is kept, with its importer.
    assert mods["broken_pkg.good"].error is None
    assert mods["broken_pkg.good"].importer == "broken_pkg.bad"


@pytest.mark.parametrize(
    ("name", "kind", "detail"),
    [
        ("exits_sys", "exit", "SystemExit: 3"),
        ("exits_os", "exit", "status 7"),
        ("crasher", "signal", "SIGSEGV"),
    ],
)
def test_child_death_keeps_what_was_measured(name: str, kind: str, detail: str) -> None:
    report = api.profile([target(f"{name}.py")], api.Measure(repeat=2, memory=False))
    assert report.failure is not None
    assert report.failure.kind == kind
    assert detail in report.failure.message
    assert report.failure.module == name
    # json was imported before the death: its record survived.
    assert measured(report)["json"].importer == name


def test_timeout_names_the_module_that_hangs() -> None:
    report = api.profile([target("hangs.py")], api.Measure(repeat=1, memory=False, timeout=3))
    assert report.failure is not None
    assert report.failure.kind == "timeout"
    assert "hangs" in report.failure.message
    assert report.failure.module == "hangs"
    assert "json" in measured(report)


def test_output_flood_and_closed_descriptors_lose_nothing() -> None:
    report = api.profile([target("floods.py")], api.Measure(repeat=1, memory=False, timeout=60))
    mods = measured(report)
    assert report.failure is None
    assert mods["json"].importer == "floods"
    assert mods["floods"].cumulative_ns >= mods["json"].cumulative_ns


def test_threads_keep_separate_stacks() -> None:
    report = api.profile([target("threaded_start.py")], api.Measure(repeat=1, memory=False))
    mods = measured(report)
    assert report.failure is None
    for x in "abcd":
        leaf = mods[f"threaded_pkg.{x}_leaf"]
        assert leaf.importer == f"threaded_pkg.{x}", leaf
        assert leaf.thread == x
        assert mods[f"threaded_pkg.{x}"].thread == x
        # the code that started the import, not the threading machinery
        assert mods[f"threaded_pkg.{x}"].importer == "threaded_start"
        # each thread's sleep is its own, not nested in another thread's import
        assert mods[f"threaded_pkg.{x}"].self_ns >= 30_000_000
    assert mods["threaded_start"].thread is None


def test_namespace_package_and_self_replacing_module() -> None:
    report = api.profile([target("ns_root/nspkg/mod.py")], api.Measure(repeat=1, memory=False))
    # ns_root/nspkg has no __init__.py: the file is a top-level module of that folder.
    assert "mod" in measured(report)
    code = (
        f"import sys; sys.path.insert(0, {str(RUNTIME / 'ns_root')!r}); "
        f"sys.path.insert(0, {str(RUNTIME)!r}); import nspkg.mod, replacer; "
        "assert nspkg.mod.VALUE == 42; assert replacer.answer == 42; "
        "assert nspkg.__spec__.origin is None or nspkg.__spec__.origin == 'namespace'"
    )
    prog = api.profile_program(api.Program("code", code))
    assert prog.meta is not None
    mods = measured(prog)
    assert prog.meta.program_exit_code == 0, prog.failure
    assert mods["nspkg"].is_package
    assert mods["nspkg.mod"].importer == "__main__"


def test_a_class_used_as_loader_is_named_by_its_own_name() -> None:
    # BuiltinImporter-style: the loader is a class (here with a metaclass of its own).
    code = (
        "import abc, importlib.machinery as m, sys\n"
        "class ClassLoader(metaclass=abc.ABCMeta):\n"
        "    @classmethod\n"
        "    def find_spec(cls, name, path=None, target=None):\n"
        "        return m.ModuleSpec(name, cls) if name == 'virtual_mod' else None\n"
        "    @staticmethod\n"
        "    def create_module(spec):\n"
        "        return None\n"
        "    @staticmethod\n"
        "    def exec_module(module):\n"
        "        module.x = 1\n"
        "sys.meta_path.append(ClassLoader)\n"
        "import virtual_mod\n"
        "assert virtual_mod.x == 1\n"
    )
    report = api.profile_program(api.Program("code", code))
    assert report.meta is not None and report.meta.program_exit_code == 0, report.failure
    assert measured(report)["virtual_mod"].loader == "ClassLoader"


def test_real_loader_is_restored(tmp_path: Path) -> None:
    # with_data asserts at import time that it sees its real loader and can read its data.
    report = api.profile([target("with_data"), target("c_ext_user.py")], api.Measure(repeat=1,
                                                                                     memory=True))
    assert report.failure is None, report.failure
    mods = measured(report)
    assert mods["with_data"].loader == "SourceFileLoader"
    assert mods["_decimal"].loader == "ExtensionFileLoader"
    assert mods["_decimal"].self_ns > 0
    # After import, too: run a program that inspects the modules under the probe.
    code = (
        "import importlib.machinery as m, importlib.resources as r, inspect, with_data, "
        "replacer, sys\n"
        "assert isinstance(with_data.__loader__, m.SourceFileLoader)\n"
        "assert with_data.__spec__.loader is with_data.__loader__\n"
        "assert r.files('with_data').joinpath('data.txt').read_text().startswith('hello')\n"
        "assert 'importlib.resources' in inspect.getsource(with_data)\n"
        "assert type(sys.modules['replacer']).__name__ == '_Replacement'\n"
        "sys.exit(5)\n"
    )
    source = f"import sys; sys.path.insert(0, {str(RUNTIME)!r})\n" + code
    prog = api.profile_program(api.Program("code", source))
    assert prog.meta is not None and prog.meta.program_exit_code == 5
    assert prog.failure is None


def test_tree_imports_every_submodule() -> None:
    report = api.profile([target("threaded_pkg")], api.Measure(tree=True, repeat=1, memory=False))
    names = set(measured(report))
    assert {f"threaded_pkg.{x}_leaf" for x in "abcd"} <= names
    assert report.meta is not None and report.meta.mode == "tree"


def test_tree_keeps_going_past_a_broken_submodule() -> None:
    report = api.profile([target("broken_pkg")], api.Measure(tree=True, repeat=1, memory=False))
    assert report.failure is not None
    assert "broken_pkg.good" in measured(report)


def test_isolated_gives_standalone_costs() -> None:
    report = api.profile([target("slow_pkg")], api.Measure(isolated=True, repeat=1, memory=False))
    mods = measured(report)
    assert report.meta is not None and report.meta.mode == "isolated"
    # Alone, deep.py costs its parents (slow_pkg sleeps 200 ms in __init__) too.
    assert mods["slow_pkg.nested.deep"].cumulative_ns >= 150_000_000
    assert mods["slow_pkg.sleepy"].cumulative_ns >= 150_000_000


def test_program_mode_keeps_argv_and_exit_status(tmp_path: Path) -> None:
    script = tmp_path / "prog.py"
    script.write_text(
        "import sys\nimport json\n"
        "def late():\n    import email.parser\n"
        "late()\nprint(json.dumps(sys.argv[1:]))\nsys.exit(len(sys.argv))\n"
    )
    report = api.profile_program(api.Program("script", str(script), ("a", "--b")))
    assert report.meta is not None
    assert report.meta.program_exit_code == 3
    assert report.meta.mode == "program"
    mods = measured(report)
    assert mods["json"].importer == "__main__"
    # Imported later, from a function: still attributed to the code that imported it.
    assert mods["email.parser"].importer == "__main__"


def test_cache_hits_recorded_as_importers() -> None:
    report = api.profile([target("broken_pkg")], api.Measure(repeat=1, memory=False))
    good = measured(report)["broken_pkg.good"]
    assert good.importers[0] == "broken_pkg.bad"
    deep = api.profile([target("slow_pkg")], api.Measure(repeat=1, memory=False))
    # json is first loaded by slow_pkg.nested.deep; the warm-up run records every importer
    json_rec = measured(deep)["json"]
    assert json_rec.importers[0] == "slow_pkg.nested.deep"


def test_report_round_trips_through_json() -> None:
    report = api.profile([target("hungry")], api.Measure(repeat=1, memory=True))
    data = json.loads(json.dumps(report_to_dict(report)))
    assert report_from_dict(data) == report
    assert data["schema_version"] >= 1
    first = next(m for m in data["modules"] if m["name"] == "hungry")
    for key in ("name", "importer", "self_ns", "cumulative_ns", "heap_bytes",
                "self_heap_bytes", "rss_bytes", "error", "preloaded"):
        assert key in first


def test_environment_notes_explain_bytecode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    pkg = tmp_path / "fresh_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("X = 1\n")
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    report = api.profile([str(pkg)], api.Measure(repeat=1, memory=False))
    assert report.meta is not None
    assert any("PYTHONDONTWRITEBYTECODE" in n and "compil" in n for n in report.meta.notes)
    assert measured(report)["fresh_pkg"].bytecode_cached is False
    warm = api.profile([str(pkg)], api.Measure(repeat=1, memory=False, warm_bytecode=True))
    assert measured(warm)["fresh_pkg"].bytecode_cached is True
    assert (pkg / "__pycache__").is_dir()


def test_isolated_mode_warms_bytecode_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    pkg = tmp_path / "fresh_iso"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("X = 1\n")
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    report = api.profile([str(pkg)], api.Measure(isolated=True, repeat=1,
                                                 memory=False, warm_bytecode=True))
    assert report.failure is None, report.failure
    assert measured(report)["fresh_iso"].bytecode_cached is True
    assert (pkg / "__pycache__").is_dir()


def test_module_under_an_undecodable_path_is_measured(tmp_path: Path) -> None:
    folder = os.fsencode(tmp_path) + b"/dir\xff"
    try:
        os.mkdir(folder)
    except OSError:
        pytest.skip("this file system refuses names that are not UTF-8")
    Path(os.fsdecode(folder), "odd_name_mod.py").write_text("import json\n")
    report = api.profile([os.fsdecode(folder)], api.Measure(repeat=1, memory=False))
    assert report.failure is None, report.failure
    odd = measured(report)["odd_name_mod"]
    assert odd.origin == os.fsdecode(folder + b"/odd_name_mod.py")
    assert measured(report)["json"].importer == "odd_name_mod"
    assert report_from_dict(json.loads(json.dumps(report_to_dict(report)))) == report


def test_missing_target_is_a_usage_error() -> None:
    with pytest.raises(TargetNotFoundError, match="no_such_module_xyz"):
        api.profile(["no_such_module_xyz"], api.Measure(repeat=1, memory=False))
    with pytest.raises(TargetNotFoundError):
        api.profile(["./does/not/exist"], api.Measure(repeat=1))
    with pytest.raises(UsageError):
        api.profile(["not a module!"], api.Measure(repeat=1))


def test_missing_dependency_inside_target_is_a_target_failure(tmp_path: Path) -> None:
    (tmp_path / "needs_dep.py").write_text("import surely_not_installed_dep\n")
    report = api.profile([str(tmp_path / "needs_dep.py")], api.Measure(repeat=1, memory=False))
    assert report.failure is not None
    assert "surely_not_installed_dep" in report.failure.message


def test_bad_interpreter_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(InterpreterError):
        api.profile(["json"], api.Measure(python=str(tmp_path / "nope"), repeat=1))
    fake = tmp_path / "fakepython"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    with pytest.raises(InterpreterError, match="not a working Python"):
        api.profile(["json"], api.Measure(python=str(fake), repeat=1))
    # A Python 2 prints its version, then fails on sys.implementation: it is too old,
    # not broken (it read "not a working Python (AttributeError: ...)").
    python2 = tmp_path / "python2"
    python2.write_text("#!/bin/sh\necho /usr/bin/python2\necho 2.7.18\n"
                       "echo \"AttributeError: 'module' object has no attribute "
                       "'implementation'\" >&2\nexit 1\n")
    python2.chmod(0o755)
    with pytest.raises(InterpreterError, match=r"Python 2\.7\.18 is too old; the probe "
                                               r"needs 3\.9 or newer"):
        api.profile(["json"], api.Measure(python=str(python2), repeat=1))


def test_profiles_under_another_interpreter_path() -> None:
    report = api.profile([target("slow_pkg")], api.Measure(python=sys.executable, repeat=1,
                                                           memory=False))
    assert report.meta is not None
    assert report.meta.python_version == ".".join(map(str, sys.version_info[:3]))


def _can_hide_proc() -> bool:
    import shutil
    import subprocess

    if sys.platform != "linux" or shutil.which("unshare") is None:
        return False
    done = subprocess.run(["unshare", "--mount", "sh", "-c", "mount -t tmpfs none /proc"],
                          capture_output=True, check=False)
    return done.returncode == 0


@pytest.mark.skipif(not _can_hide_proc(), reason="needs unshare --mount (root on Linux)")
def test_without_proc_rss_is_unmeasured_not_zero() -> None:
    # What macOS and Windows look like to the probe: no /proc/self/statm.
    import subprocess

    done = subprocess.run(
        ["unshare", "--mount", "sh", "-c", 'mount -t tmpfs none /proc && exec "$0" "$@"',
         sys.executable, "-m", "importaudit", "profile", target("hungry"), "--repeat", "1",
         "--format", "json"], capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    report = report_from_dict(json.loads(done.stdout))
    hungry = measured(report)["hungry"]
    assert hungry.heap_bytes is not None and hungry.heap_bytes > 8_000_000  # still measured
    assert hungry.rss_bytes is None and hungry.self_rss_bytes is None


def test_a_cache_hit_belongs_to_the_import_it_happened_in() -> None:
    # preloads/__init__ calls registry.preload(), whose `import preloads.heavy` finds
    # the module loaded: that happened while `preloads` was being imported, not
    # registry. An edge registry -> heavy would say registry's own body imports heavy
    # (`why` would name it; savings of deferring registry's imports would count heavy).
    from importaudit.loadgraph import LoadGraph

    report = api.profile([target("preloads")], api.Measure(repeat=1, memory=False))
    mods = measured(report)
    assert "preloads.registry" not in mods["preloads.heavy"].importers
    graph = LoadGraph(report.modules)
    assert "preloads.heavy" not in graph.imports("preloads.registry")
    assert "preloads.heavy" in graph.imports("preloads")


def test_an_import_a_finder_makes_while_searching_is_part_of_the_import_searched() -> None:
    # setuptools' _distutils_hack imports traceback (with re, tokenize, ...: 78 ms here)
    # from its find_spec when asked for pip: the profile put traceback at the top level
    # under _distutils_hack and counted its time in pip's self time too (47 ms of a body
    # that only defines a function), and review took re & co. for what pip._vendor's
    # `import glob` alone loads. fixtures/runtime/searching has that shape.
    report = api.profile([target("searching")], api.Measure(repeat=1, memory=False))
    assert report.failure is None
    mods = measured(report)
    found, checked = mods["searching.found"], mods["searching.checked"]
    assert checked.importer == "searching.found"
    assert checked.depth == found.depth + 1
    assert found.importer == "searching"
    assert found.cumulative_ns >= checked.cumulative_ns
    assert found.self_ns <= found.cumulative_ns - checked.cumulative_ns
    # A finder that imports, then raises: the search's module ends there, failed; what
    # the package imports next is the package's, not that module's (rev8).
    assert mods["searching.after"].importer == "searching"
    assert mods["searching.after"].depth == found.depth
    assert not [m for m in mods.values() if m.importer == "searching.blocked"
                and m.name != "searching.checked_too"]
