"""The IA102/IA103 deferral proven by differential import, in child interpreters.

The fixture packages are copied into tmp_path; nothing under tests/ is rewritten.
"""

from __future__ import annotations

import compileall
import io
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest  # noqa: TC002 - fixtures' type, used at run time by pytest too

from importaudit.fix import engine, writing
from importaudit.fix.output import render_text, to_dict
from importaudit.static.discover import discover

if TYPE_CHECKING:
    from importaudit.fix.result import FixResult

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "fix"


def propose(root: Path, package: str, *modules: str) -> FixResult:
    root.mkdir(exist_ok=True)
    for name in (package, "fix_defer_dep"):
        shutil.copytree(FIX / name, root / name)
    targets = [engine.Target(f"{package}.{m}", root / package / f"{m}.py", ("IA102",),
                             roots=frozenset({"fix_defer_dep"})) for m in modules]
    walk = discover([package], search_path=[str(root)]).import_order()
    return engine.propose(targets, python=sys.executable, paths=(str(root),), imports=walk,
                          timeout=60, relpath=lambda p: str(p.relative_to(root)))


def test_a_deferral_is_proven_written_and_the_module_still_works(tmp_path: Path) -> None:
    result = propose(tmp_path, "fix_defer", "used", "base")
    (rewrite,) = result.rewrites  # base: every use refused, no rewrite
    assert rewrite.passed and rewrite.kind == "deferred" and rewrite.functions == 3
    assert set(rewrite.names) == {"dep", "helper", "other"}
    assert [r.name for r in result.refusals] == ["Base"]
    writing.write(result)
    done = subprocess.run(
        [sys.executable, "-c", "import sys, fix_defer.used as u; "
         "print('fix_defer_dep' in sys.modules, u.first(1), u.second(1), "
         "type(u.Holder().method()).__name__, 'fix_defer_dep' in sys.modules)"],
        cwd=tmp_path, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "3", "2", "Base", "True"]


def test_the_comments_above_an_import_that_moves_stay_in_the_module(tmp_path: Path) -> None:
    """fix_defer.licensed (sh's shape): the licence header ends right above the import
    that moves into the function. It was deleted with the statement (`fix sh` offered a
    diff removing sh's 22-line copyright notice); it stays where it was."""
    original = (FIX / "fix_defer" / "licensed.py").read_text()
    result = propose(tmp_path, "fix_defer", "licensed")
    (rewrite,) = result.rewrites
    assert rewrite.passed and rewrite.names == ("dep",)
    writing.write(result)
    written = (tmp_path / "fix_defer" / "licensed.py").read_text()
    header = original[original.index("\n\n# ====") : original.index("import fix_defer_dep")]
    assert header + "import os\n" in written
    assert "    import fix_defer_dep as dep\n" in written


def test_the_proof_withdraws_a_deferral_that_breaks_another_modules_import(
        tmp_path: Path) -> None:
    result = propose(tmp_path, "fix_defer_break", "a")
    assert result.proof_failed and not result.passed
    (withdrawn,) = result.withdrawn
    assert withdrawn.module == "fix_defer_break.a"
    assert any(b.module == "fix_defer_break.b" and "AttributeError" in b.message
               for b in withdrawn.broke)
    assert writing.write(result) == ()
    assert "import fix_defer_dep\n" in (tmp_path / "fix_defer_break" / "a.py").read_text()


def test_lazy_values_are_proven_and_build_on_first_access(tmp_path: Path) -> None:
    result = propose(tmp_path, "fix_defer", "values")
    (rewrite,) = result.rewrites
    assert rewrite.passed, rewrite.broke
    writing.write(result)
    done = subprocess.run(
        [sys.executable, "-c", "import sys, fix_defer.values as v; "
         "print('fix_defer_dep' in sys.modules, 'DOUBLE' in dir(v), v.DOUBLE, "
         "'fix_defer_dep' in sys.modules); ns = {}; "
         "exec('from fix_defer.values import *', ns); print(sorted(set(ns) - {'__builtins__'}))"],
        cwd=tmp_path, capture_output=True, text=True, check=True)
    first, star = done.stdout.splitlines()
    assert first.split() == ["False", "True", "2", "True"]
    assert star == "['DOUBLE', 'KIND', 'get']"
    # What shows beyond attribute access is said: tornado's API snapshot, a listing of
    # `vars(tornado.util)`, lost `TimeoutError` while fix said only "2 name(s) moved".
    fresh = subprocess.run(
        [sys.executable, "-c", "import fix_defer.values as v; print('DOUBLE' in vars(v))"],
        cwd=tmp_path, capture_output=True, text=True, check=True)
    assert fresh.stdout.split() == ["False"]
    assert rewrite.values == ("DOUBLE", "KIND")
    assert to_dict(result)["rewrites"][0]["lazy_values"] == ["DOUBLE", "KIND"]
    text = io.StringIO()
    render_text(result, text)
    assert ("DOUBLE, KIND built on first access (not in the module's `__dict__` until "
            "then)") in text.getvalue()


def test_the_json_of_a_proven_and_a_withdrawn_deferral_matches_the_fix_schema(
        tmp_path: Path) -> None:
    import jsonschema

    from importaudit.fix.output import to_dict
    from importaudit.schema import fix_schema

    check = jsonschema.Draft202012Validator(fix_schema())
    proven = propose(tmp_path / "a", "fix_defer", "used", "base")
    data = to_dict(proven)
    check.validate(data)
    assert data["rewrites"][0]["kind"] == "deferred" and data["rewrites"][0]["functions"] == 3
    check.validate(to_dict(propose(tmp_path / "b", "fix_defer_break", "a")))


def test_ia501_and_a_deferral_with_lazy_values_on_one_module_are_written(
        tmp_path: Path) -> None:
    for name in ("fix_defer", "fix_defer_dep"):
        shutil.copytree(FIX / name, tmp_path / name)
    file = tmp_path / "fix_defer" / "mixed.py"
    original = file.read_text()
    target = engine.Target("fix_defer.mixed", file, ("IA102", "IA501"),
                           roots=frozenset({"fix_defer_dep"}))
    result = engine.propose([target], python=sys.executable, paths=(str(tmp_path),),
                            imports=["fix_defer", "fix_defer.mixed"], timeout=60,
                            relpath=lambda p: str(p.relative_to(tmp_path)))
    (rewrite,) = result.rewrites
    assert rewrite.passed, rewrite.broke
    assert rewrite.before == original  # what write() compares the file with
    assert set(rewrite.names) == {"helper", "fix_defer_dep"}
    assert writing.write(result) == (file,)
    done = subprocess.run(
        [sys.executable, "-c", "import sys, fix_defer.mixed as m; "
         "print('fix_defer_dep' in sys.modules, m.TABLE, m.use(None))"],
        cwd=tmp_path, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "10", "1"]


def test_fix_defers_a_real_ia102_and_a_rewrite_the_target_never_imports_costs_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from importaudit import api

    shutil.copytree(FIX / "fix_defer_sub", tmp_path / "fix_defer_sub")
    # Code the root runs, with bytecode caches as an installed package has them: the
    # copy fix measures has none, and compiling costs heap a cached load does not
    # (what made rich "costlier" before both sides were measured from a copy).
    with (tmp_path / "fix_defer_sub" / "__init__.py").open("a") as init:
        init.writelines(f"\n\ndef f{i}(x):\n    return [x, {i}, 'text {i}']\n"
                        for i in range(400))
    compileall.compile_dir(tmp_path / "fix_defer_sub", quiet=1)
    monkeypatch.chdir(tmp_path)
    result = api.fix(["fix_defer_sub"], api.FixOptions(measure=api.Measure(repeat=1),
                                                       select=("IA102",), write=True))
    (rewrite,) = result.rewrites
    assert rewrite.passed and rewrite.kind == "deferred" and rewrite.names == ("asyncio",)
    # Both sides are measured from a copy: importing fix_defer_sub (which never loads
    # tools) costs the same, so nothing is "costlier" and the file is written.
    assert result.costlier == ()
    # Its own saving is measured from `import fix_defer_sub.tools`, where the review
    # planned it: asyncio no longer loads (importing the root never changed).
    assert result.before is not None and result.after is not None
    assert len(result.before.modules) == len(result.after.modules)
    assert rewrite.exclusive is not None and rewrite.exclusive["modules"] >= 20
    (written,) = result.written
    assert written.resolve() == (tmp_path / "fix_defer_sub" / "tools.py").resolve()
    assert "    import asyncio\n    return asyncio.run" in written.read_text()


def test_a_subpackage_given_as_a_path_is_fixed_with_its_parents(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from importaudit.cli import cli

    # The graph gives the subpackage's files relative to the current folder and the
    # import system its parent's absolute: one package seen as two was copied twice
    # (FileExistsError) when `fix` was given `fix_subpath/sub` instead of the dotted name.
    shutil.copytree(FIX / "fix_subpath", tmp_path / "fix_subpath")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["fix", "fix_subpath/sub", "--select", "IA102",
                                      "--repeat", "1", "--write"])
    assert result.exit_code == 0, result.output
    assert "2 rewrite(s) proposed, 2 passed the proof" in result.output
    assert "Import cost of fix_subpath.sub " in result.output
    done = subprocess.run(
        [sys.executable, "-c", "import sys, fix_subpath.sub as s; "
         "print('asyncio' in sys.modules, 'email.message' in sys.modules, "
         "s.message('hi')['Content-Type'].split(';')[0])"],
        cwd=tmp_path, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False", "text/plain"]


def test_a_module_outside_any_package_is_fixed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from importaudit.cli import cli

    # Its "top package" is the file itself: the whole folder holding it was taken for
    # one (NotADirectoryError while copying it).
    (tmp_path / "solo.py").write_text(
        '"""Imports asyncio for one function."""\n\nimport asyncio\n\n\n'
        "def run(coroutine):\n    return asyncio.run(coroutine)\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["fix", "solo.py", "--select", "IA102", "--repeat", "1"])
    assert result.exit_code == 1, result.output  # a proven fix to apply
    assert "1 rewrite(s) proposed, 1 passed the proof" in result.output
    assert "+    import asyncio" in result.output


def test_a_class_body_deeper_than_the_default_recursion_limit_is_deferred(
        tmp_path: Path) -> None:
    # libcst reads the 600-term sum in Table's body with a frame or more per term: under
    # the default limit its position provider failed with a KeyError on the class body,
    # or not, depending on how deep the caller already was.
    result = propose(tmp_path, "fix_deep", "table")
    (rewrite,) = result.rewrites
    assert rewrite.passed and rewrite.names == ("dep",) and rewrite.functions == 1
    assert "    def row(self):\n        import fix_defer_dep as dep\n" in rewrite.after
    assert result.refusals == ()


def test_code_deeper_than_the_limit_is_left_alone_with_the_reason(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from importaudit.fix import deep

    monkeypatch.setattr(deep, "LIMIT", 900)
    result = propose(tmp_path, "fix_deep", "table")
    assert result.rewrites == ()
    (refusal,) = result.refusals
    assert refusal.module == "fix_deep.table" and refusal.file == "fix_deep/table.py"
    assert refusal.reason == ("libcst cannot read it: its code nests deeper than 900 "
                              "frames of recursion follow")
