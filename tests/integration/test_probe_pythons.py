"""The probe runs inside the user's interpreter: check it on every Python from 3.9 to 3.13.

Interpreters are found on PATH (`python3.X`) or under pyenv. Set
IMPORTAUDIT_REQUIRE_PYTHONS=3.9,3.10,... (CI and `tox -e probe` do) to make a missing
one a failure instead of a skip.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from importaudit import api

if TYPE_CHECKING:
    from importaudit.model import ModuleRecord, Report

RUNTIME = Path(__file__).resolve().parent.parent / "fixtures" / "runtime"
PAUSES = RUNTIME.parent / "review" / "pauses"
VERSIONS = ["3.9", "3.10", "3.11", "3.12", "3.13"]


def find_python(version: str) -> str | None:
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for candidate in sorted(root.glob(f"{version}.*"), reverse=True):
        exe = candidate / "bin" / f"python{version}"
        if exe.exists():
            return str(exe)
    found = shutil.which(f"python{version}")
    # pyenv's shims refuse versions that are not active: only a real binary counts.
    if found and "shims" not in Path(found).parts:
        return found
    return None


def interpreter(version: str) -> str:
    exe = find_python(version)
    if exe is None:
        required = os.environ.get("IMPORTAUDIT_REQUIRE_PYTHONS", "")
        if version in required.split(","):
            pytest.fail(f"Python {version} is required here but was not found")
        pytest.skip(f"Python {version} not found")
    return exe


def measured(report: Report) -> dict[str, ModuleRecord]:
    return {m.name: m for m in report.modules if not m.preloaded}


def profiled(target: Path, version: str) -> Report:
    """One measured run of `target` on that Python (after the warm-up), no heap run."""
    report = api.profile([str(target)], api.Measure(python=interpreter(version), repeat=1,
                                                    memory=False))
    assert report.failure is None, report.failure
    return report


def run_program(python: str, status: int, code: str) -> dict[str, ModuleRecord]:
    """Profile `code` (the runtime fixtures importable) and check it ran to `status`."""
    prog = api.profile_program(api.Program("code", (
        f"import sys; sys.path.insert(0, {str(RUNTIME / 'ns_root')!r}); "
        f"sys.path.insert(0, {str(RUNTIME)!r})\n{code}sys.exit({status})\n"
    )), api.program_measure(api.Measure(python=python)))
    assert prog.meta is not None
    assert prog.meta.program_exit_code == status, prog.failure
    return measured(prog)


@pytest.mark.parametrize("version", VERSIONS)
def test_probe_measures_and_preserves_behaviour(version: str) -> None:
    python = interpreter(version)
    report = api.profile(
        [str(RUNTIME / "slow_pkg"), str(RUNTIME / "hungry"), str(RUNTIME / "with_data"),
         str(RUNTIME / "c_ext_user.py")],
        api.Measure(python=python, repeat=1, memory=True))
    assert report.failure is None, report.failure
    assert report.meta is not None
    assert report.meta.python_version.startswith(version + ".")
    mods = measured(report)
    assert mods["slow_pkg.sleepy"].self_ns >= 150_000_000
    # Its own CPU time: sleeping takes wall time, not CPU (what IA602 decides on).
    sleepy_cpu = mods["slow_pkg.sleepy"].self_cpu_ns_min
    assert sleepy_cpu is not None and 0 <= sleepy_cpu < 100_000_000
    hungry_cpu = mods["hungry"].self_cpu_ns_min
    assert hungry_cpu is not None and hungry_cpu > 0  # it computes and allocates
    assert mods["slow_pkg.sleepy"].importer == "slow_pkg"
    assert mods["json"].importer == "slow_pkg.nested.deep"
    hungry = mods["hungry"].heap_bytes
    assert hungry is not None
    assert hungry >= 8 * 1024 * 1024
    assert mods["with_data"].loader == "SourceFileLoader"
    assert mods["_decimal"].loader == "ExtensionFileLoader"


@pytest.mark.parametrize("version", VERSIONS)
def test_the_collectors_pauses_are_charged_to_the_body_they_ran_in(version: str) -> None:
    # pauses.heap leaves a large heap and a full collection due; pauses.parser's small
    # allocations set it off, and it walks heap's records inside parser's body.
    report = profiled(PAUSES, version)
    mods = measured(report)
    parser = mods["pauses.parser"]
    assert parser.full_collections == 1
    assert parser.gc_ns is not None and 0 < parser.gc_ns <= parser.self_ns
    assert parser.gc_cpu_ns is not None and parser.gc_cpu_ns > 0
    # Timed in every module: no collection at all in the package's own body is a 0.
    assert mods["pauses"].full_collections == 0
    # rev11: a body's own `gc.collect()` is its work, not a pause left out of it.
    assert mods["pauses.sweeper"].full_collections == 0
    assert mods["pauses.sweeper"].gc_ns == 0
    assert report.meta is not None
    # Which pause was the largest is a matter of time (heap's own collection is close).
    assert any(n.startswith("garbage collector pauses: ") for n in report.meta.notes), \
        report.meta.notes


@pytest.mark.parametrize("version", VERSIONS)
def test_a_collection_while_the_finders_search_is_charged_to_that_import(
        version: str) -> None:
    # A finder behind ours allocates while it searches for colorsys and sets off the full
    # collection made due: that pause is in colorsys's wall time (timed from its search,
    # as -X importtime does), not in the time of whatever imports it.
    mods = run_program(interpreter(version), 5, (
        "import gc\n"
        "class Busy:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'colorsys':\n"
        "            global KEPT\n"
        "            KEPT = [(i, [i]) for i in range(6000)]\n"
        "for i, f in enumerate(sys.meta_path):\n"
        "    if getattr(f, '__name__', '') == 'PathFinder':\n"
        "        sys.meta_path.insert(i, Busy())\n"
        "        break\n"
        "gc.disable()\n"
        "RECORDS = [[] for _ in range(400_000)]\n"
        "gc.collect(1)\n"
        "gc.set_threshold(5_000, 10, 0)\n"
        "gc.enable()\n"
        "import colorsys\n"
    ))
    colorsys = mods["colorsys"]
    assert colorsys.full_collections == 1
    assert colorsys.gc_ns is not None and 0 < colorsys.gc_ns <= colorsys.self_ns


@pytest.mark.parametrize("version", VERSIONS)
def test_probe_failures_and_namespace_packages(version: str) -> None:
    python = interpreter(version)
    broken = api.profile([str(RUNTIME / "broken_pkg")], api.Measure(python=python, repeat=1,
                                                                    memory=False))
    assert broken.failure is not None
    assert broken.failure.module == "broken_pkg.bad"
    assert measured(broken)["broken_pkg.good"].error is None
    mods = run_program(python, 4, (
        "import nspkg.mod, replacer, with_data, importlib.machinery as m\n"
        "assert isinstance(with_data.__loader__, m.SourceFileLoader)\n"
        "assert replacer.answer == 42 and nspkg.mod.VALUE == 42\n"
    ))
    assert mods["nspkg.mod"].importer == "__main__"
    assert "nspkg" in mods


@pytest.mark.parametrize("version", VERSIONS)
def test_specs_found_outside_an_import_are_returned_as_found(version: str) -> None:
    # importlib.util.find_spec (runpy, pkgutil and LazyLoader recipes use it) is not an
    # import: its spec carries the real loader, a module only looked for is not
    # reported, and loading one by hand from its spec works as without the profiler.
    mods = run_program(interpreter(version), 6, (
        "import importlib.util, importlib.machinery as m\n"
        "spec = importlib.util.find_spec('with_data')\n"
        "assert type(spec.loader) is m.SourceFileLoader, type(spec.loader)\n"
        "assert 'importlib.resources' in spec.loader.get_source('with_data')\n"
        "assert importlib.util.find_spec('nspkg') is not None\n"
        "assert importlib.util.find_spec('replacer') is not None\n"
        "mod = importlib.util.module_from_spec(spec)\n"
        "sys.modules['with_data'] = mod\n"
        "spec.loader.exec_module(mod)\n"
        "assert mod.TEXT.startswith('hello')\n"
        "import json\n"
    ))
    assert "nspkg" not in mods
    assert "replacer" not in mods
    assert mods["json"].importer == "__main__"


@pytest.mark.parametrize("version", VERSIONS)
def test_a_module_run_with_dash_m(version: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # `importaudit profile -m runnable.cli`: runpy asks importlib.util.find_spec for the
    # module and runs its code as __main__; what that code imports is attributed to it.
    monkeypatch.chdir(RUNTIME)  # -m puts the working directory first on sys.path
    report = api.profile_program(api.Program("module", "runnable.cli", ("a", "b")),
                                 api.program_measure(api.Measure(python=interpreter(version))))
    assert report.meta is not None
    assert report.meta.program_exit_code == 2, report.failure
    mods = measured(report)
    assert "runnable" in mods  # the package, imported by runpy first
    assert mods["json"].importer == "__main__"
    assert mods["email.parser"].importer == "__main__"


@pytest.mark.parametrize("version", VERSIONS)
def test_imports_through_a_finder_that_wraps_ours_are_measured(version: str) -> None:
    # Tracers put a finder of their own first on sys.meta_path that asks the others,
    # ours included, from its find_spec: those are still imports, measured as such.
    mods = run_program(interpreter(version), 7, (
        "class Wrapping:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        for finder in sys.meta_path:\n"
        "            find = getattr(finder, 'find_spec', None)\n"
        "            spec = None if finder is self or find is None else find(name, path, target)\n"
        "            if spec is not None:\n"
        "                return spec\n"
        "sys.meta_path.insert(0, Wrapping())\n"
        "import csv\n"
    ))
    assert mods["csv"].importer == "__main__"
    assert mods["csv"].loader == "SourceFileLoader"


@pytest.mark.parametrize("version", VERSIONS)
def test_imports_served_by_a_finder_put_before_ours_are_measured(version: str) -> None:
    # pytest puts its assertion rewriter first on sys.meta_path, and it serves the test
    # modules itself: once the probe is asked again, it goes first again.
    mods = run_program(interpreter(version), 8, (
        "import importlib.util, os, tempfile\n"
        "folder = tempfile.mkdtemp()\n"
        "for name in ('served_a', 'served_b'):\n"
        "    with open(os.path.join(folder, name + '.py'), 'w') as out:\n"
        "        out.write('import colorsys\\n' if name == 'served_a' else 'X = 1\\n')\n"
        "class Serving:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.startswith('served_'):\n"
        "            where = os.path.join(folder, name + '.py')\n"
        "            return importlib.util.spec_from_file_location(name, where)\n"
        "sys.meta_path.insert(0, Serving())\n"
        "import served_a, served_b\n"
        "assert served_b.X == 1 and type(sys.meta_path[1]).__name__ == 'Serving'\n"
        "import shutil; shutil.rmtree(folder)\n"
    ))
    assert mods["colorsys"].importer == "served_a"
    assert mods["served_b"].importer == "__main__"
    assert mods["served_b"].loader == "SourceFileLoader"


def import_chain(folder: Path, depth: int, head: str = "") -> None:
    """Modules c0 .. c{depth-1}, each importing the next: `depth` nested imports."""
    folder.mkdir()
    for i in range(depth):
        body = f"import c{i + 1}\n" if i + 1 < depth else "DEEPEST = True\n"
        (folder / f"c{i}.py").write_text((head if i == 0 else "") + body)


@pytest.mark.parametrize("version", VERSIONS)
def test_a_chain_that_imports_without_the_profiler_imports_with_it(
        version: str, tmp_path: Path) -> None:
    # The probe adds frames to every nested import (its loader, the hits wrapper): it
    # raises the recursion limit by as much, over the target's own limit.
    python = interpreter(version)
    plain = subprocess.run([python, "-c", "import c0"], cwd=tmp_path, check=False)
    assert plain.returncode != 0  # no chain here yet: the check below can fail
    own_limit = "import sys\nsys.setrecursionlimit(1100)\n"
    # 150 deep fits under the default limit from 3.12 on; before, about 140 does.
    default_depth = 150 if version in ("3.12", "3.13") else 135
    for name, depth, head in (("raised", 150, own_limit), ("default", default_depth, "")):
        folder = tmp_path / name
        import_chain(folder, depth, head)
        done = subprocess.run([python, "-c", "import c0, sys; print(sys.getrecursionlimit())"],
                              cwd=folder, capture_output=True, text=True, check=False)
        assert done.returncode == 0, f"{name}: no import without the profiler: {done.stderr}"
        report = api.profile([str(folder / "c0.py")], api.Measure(python=python, repeat=1,
                                                                  memory=True))
        assert report.failure is None, (name, report.failure)
        assert measured(report)[f"c{depth - 1}"].depth == depth - 1
        # Program mode: the limit the program (or c0) set is what it reads back afterwards.
        own = 1100 if head else 1000
        prog = api.profile_program(api.Program("code", (
            f"import sys; sys.path.insert(0, {str(folder)!r}); sys.setrecursionlimit(1000)\n"
            f"import c0\nassert sys.getrecursionlimit() == {own}, sys.getrecursionlimit()\n"
        )), api.program_measure(api.Measure(python=python)))
        assert prog.failure is None, (name, prog.failure)


LATELOOP = RUNTIME.parent / "review" / "lateloop"


@pytest.mark.parametrize("version", VERSIONS)
def test_the_warm_up_samples_the_line_each_body_spends_its_time_on(version: str) -> None:
    # lateloop builds TABLE (lines 24-26) after a cheap comprehension; the loop of the
    # submodule it imports first is the submodule's own time, not that import line's.
    mods = measured(profiled(LATELOOP, version))
    for name, first, last in (("lateloop", 24, 26), ("lateloop.tables", 4, 5)):
        record = mods[name]
        assert record.samples is not None and record.samples >= 5, (name, record)
        assert record.sampled_ns is not None and record.sampled_ns > 0
        costliest = record.lines[0]
        assert first <= costliest.line <= last, (name, record.lines)
        assert costliest.sampled_ns >= record.sampled_ns / 2, (name, record.lines)
    # The import of the submodule (line 8) holds none of its computation.
    import_line = sum(t.sampled_ns for t in mods["lateloop"].lines if t.line == 8)
    assert import_line < mods["lateloop"].sampled_ns / 10  # type: ignore[operator]


@pytest.mark.parametrize("version", ["3.12", "3.13"])
def test_a_body_two_frames_under_the_recursion_limit_is_profiled(version: str) -> None:
    # The line sampler's signal handler runs frames on top of the body's deepest one
    # (3.12+ count only Python frames: the body itself runs there without the probe).
    # Before 3.12 the probe's own import wrapper takes more than those two levels.
    report = profiled(RUNTIME / "deep_body.py", version)
    assert "deep_body" in measured(report)


@pytest.mark.parametrize("version", VERSIONS)
def test_a_body_that_execs_a_program_gives_it_no_profiling_timer(version: str) -> None:
    # The warm-up's line sampler runs on a CPU-time timer, which an exec keeps: the
    # program exec_body runs in its place must not be ended by its SIGPROF.
    from importaudit.runtime.children import run_child
    from importaudit.runtime.interpreter import find_interpreter

    run = run_child(find_interpreter(interpreter(version)), "import", ["hits", "lines"],
                    ["exec_body"], extra_path=[str(RUNTIME)])
    assert run.returncode == 0, (run.returncode, run.stderr_tail)
    assert "the program run by exec ran to its end" in run.stderr_tail


HANDRUN = RUNTIME.parent / "review" / "handrun"


@pytest.mark.parametrize("version", VERSIONS)
def test_work_in_module_frames_of_its_own_is_the_statement_that_ran_it(version: str) -> None:
    # exec() of a string (line 21) and a module loaded by hand (line 25) run in
    # `<module>` frames below the body's: the body's statement is the one sampled.
    record = measured(profiled(HANDRUN, version))["handrun"]
    assert record.sampled_ns is not None and record.samples is not None
    assert record.samples >= 10, record
    by_line = {t.line: t.sampled_ns for t in record.lines}
    for line in (21, 25):
        assert by_line.get(line, 0) >= record.sampled_ns / 4, (line, record.lines)
    assert by_line.get(0, 0) < record.sampled_ns / 4, record.lines


@pytest.mark.parametrize("version", VERSIONS)
def test_compiling_a_fresh_source_is_left_out_of_its_sampled_lines(
        version: str, tmp_path: Path) -> None:
    # The warm-up that writes a module's .pyc compiles its source; the measured runs read
    # that .pyc. Its compilation (line 0, loading its code) is not what they spend.
    from importaudit.runtime.children import run_child
    from importaudit.runtime.interpreter import find_interpreter

    python = find_interpreter(interpreter(version))
    # Some 200 ms of compiling (8,000 small functions), then 50 ms of computing.
    source = "".join(f"def f{i}(a, b=1):\n    return a * b + {i}\n" for i in range(8000))
    source += ("import time\nt0 = time.thread_time()\n"
               "while time.thread_time() - t0 < 0.05:\n    pass\n")
    (tmp_path / "fresh.py").write_text(source)

    def lines(env: dict[str, str | None]) -> dict[int, int]:
        run = run_child(python, "import", ["lines"], ["fresh"], extra_path=[str(tmp_path)],
                        env_overrides=env)
        [record] = [r for r in run.lines if r.name == "fresh"]
        return {line: ns for line, ns, _ in record.lines}

    # Not written (as with PYTHONDONTWRITEBYTECODE set): every run compiles, line 0 stays
    # (compile() is one call: its time may come in one sample, on 3.12+).
    unwritten = lines({"PYTHONDONTWRITEBYTECODE": "1"})
    assert unwritten.get(0, 0) >= sum(unwritten.values()) / 3, unwritten
    written = lines({"PYTHONDONTWRITEBYTECODE": None})
    assert 0 not in written, written
    assert sum(written.values()) >= 40_000_000, written  # the loop's time stays
    assert list(tmp_path.glob("__pycache__/fresh.*.pyc"))


@pytest.mark.parametrize("version", ["3.9", "3.13"])
def test_the_interned_table_is_grown_with_room_for_what_the_imports_intern(
        version: str) -> None:
    # 150,000 strings: grown to 2**18 slots only (room for about 87,000), the table's
    # next doubling (7.7 MB on 3.11) landed in one submodule's heap, a different one as
    # allocations before it moved (jax + xarray + strawberry: a baseline check flipped
    # on an unchanged tree). With room asked for all of them, it lands in none.
    from importaudit.runtime.children import run_child
    from importaudit.runtime.interpreter import find_interpreter

    run = run_child(find_interpreter(interpreter(version)), "import",
                    ["heap", "interned=200000"], ["interner_large"], extra_path=[str(RUNTIME)])
    assert run.finished, run.stderr_tail
    own = sorted(m.self_heap_bytes or 0 for m in run.modules
                 if m.name.startswith("interner_large.m"))
    assert len(own) == 6
    assert own[0] > 1_000_000  # the strings themselves are measured
    assert own[-1] - own[0] < own[0] // 10, own


def test_the_time_runs_count_the_strings_the_heap_run_makes_room_for() -> None:
    # 3.12 and later count the interned strings (sys.getunicodeinternedsize): the time
    # runs say how many the import makes, and the heap run's table is grown for them.
    report = api.profile([str(RUNTIME / "interner_large")],
                         api.Measure(python=interpreter("3.13"), repeat=1, memory=True))
    assert report.failure is None, report.failure
    mods = measured(report)
    own = sorted(mods[f"interner_large.m{i}"].self_heap_bytes or 0 for i in range(1, 7))
    assert own[0] > 1_000_000
    assert own[-1] - own[0] < own[0] // 10, own


@pytest.mark.parametrize("version", VERSIONS)
def test_a_module_churning_sys_modules_is_charged_its_own_work_only(
        version: str, tmp_path: Path) -> None:
    """The probe's bookkeeping is left out of the times it reports (see probe._WALL).

    The churner fixture fills sys.modules with 100,000 entries and imports a module 20
    times that adds one more each time, as eventlet's greendns patches dnspython: each
    change made the probe scan sys.modules, and the scans landed in the churner's self
    time (on 3.11 before the fix: 2.9 s, 1.4 s of it CPU, against 128 ms of its own
    work, 62 ms of it CPU).
    """
    log = tmp_path / "own.log"
    report = api.profile([str(RUNTIME / "churner")], api.Measure(
        python=interpreter(version), repeat=3, memory=False,
        env=(("CHURNER_OWN_NS_LOG", str(log)),)))
    assert report.failure is None, report.failure
    churner = measured(report)["churner"]
    # Each run (the warm-up first) appended the wall and CPU time the module's body
    # spent outside its imports, timed by itself: the same work in the same runs. Its
    # self time also holds loading its code and the import machinery around its 20
    # imports (2-14% more, measured on 3.9-3.13); the scans cost 10-20 times its work.
    runs = [line.split() for line in log.read_text().splitlines()[1:]]
    own = statistics.median(int(wall) for wall, _ in runs)
    own_cpu = statistics.median(int(cpu) for _, cpu in runs)
    assert 0 < churner.self_ns < 2 * own, (churner.self_ns, own)
    assert churner.self_cpu_ns is not None
    assert 0 < churner.self_cpu_ns < 2 * own_cpu, (churner.self_cpu_ns, own_cpu)
