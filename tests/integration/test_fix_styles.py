"""`importaudit fix --style ...` and the requires-python check, through the command line.

Each project of tests/fixtures/fix/style_* (a pyproject.toml beside a package) is copied
into a temporary folder first. The proof runs in this interpreter (whose environment
has lazy_loader: the test extra) and, where the project's range admits an older Python
that pyenv has, there too.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

# Imported before the tests, so it outlives conftest's per-test sys.modules restore:
# libcst's native parser keeps the node classes of the first import, and a second
# import of its Python side would not recognise the Module it returns.
import libcst  # noqa: F401
import pytest
from click.testing import CliRunner

from importaudit.cli import cli
from importaudit.fix import compat

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "fix"
PY39 = [compat.dotted(v) for v, _ in compat.interpreters() if v[:2] == (3, 9)]
HERE = compat.dotted(sys.version_info[:3])


def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> Path:
    shutil.copytree(FIX / name, tmp_path / name,
                    ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.chdir(tmp_path)
    return tmp_path / name


def fix(target: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["fix", target, "--repeat", "1", *args])
    return result.exit_code, result.output


def child(root: Path, code: str, *args: str) -> str:
    return subprocess.run([sys.executable, *args, "-c", code] if not args else
                          [sys.executable, *args], cwd=root, capture_output=True,
                          text=True, check=False).stdout


def test_lazy_loader_style_is_proven_written_and_type_checkers_see_every_name(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, monkeypatch, "style_attach")
    init = root / "fix_attach" / "__init__.py"
    status, output = fix("style_attach/fix_attach", "--style", "lazy-loader",
                         "--format", "json")
    assert status == 1, output  # fixes to apply
    done = json.loads(output)
    assert done["style"] == "lazy-loader"
    rewrites = {r["module"]: r for r in done["rewrites"]}
    assert rewrites["fix_attach"]["proof"]["passed"] is True
    assert "lazy.attach(" in rewrites["fix_attach"]["diff"]
    assert rewrites["fix_attach (stub)"]["created"]
    assert rewrites["fix_attach (stub)"]["file"] == "style_attach/fix_attach/__init__.pyi"
    versions = done["python_versions"]
    assert versions["requires_python"] == ">=3.9" and HERE in versions["proven_on"]
    if PY39:  # the oldest admitted Python compiles it; it proves it only with lazy_loader
        assert versions["compiled_on"] == PY39[:1]
        assert PY39[0] in versions["proven_on"] or any(
            "lazy_loader is not installed there" in n for n in versions["not_checked"])

    status, output = fix("style_attach/fix_attach", "--style", "lazy-loader", "--write")
    assert status == 0, output
    assert "lazy.attach(" in init.read_text()
    shown = json.loads(child(root, "import json, sys, fix_attach as f; loaded = "
                                   "'fix_attach.shapes' in sys.modules; print(json.dumps(["
                                   "loaded, f.Circle.radius, str(f.Leaf.value), dir(f), "
                                   "f.__all__]))"))
    assert shown == [False, 1, "1", ["Circle", "Leaf", "Square", "colours", "deep", "shapes"],
                     ["Circle", "Leaf", "Square", "colours"]]
    # mypy reads __init__.pyi and sees every name with its type; without the stub, the
    # module __getattr__ of __init__.py makes each of them Any.
    (root / "use.py").write_text("import fix_attach\nfrom fix_attach import Leaf\n"
                                 "reveal_type(fix_attach.Circle.radius)\n"
                                 "reveal_type(fix_attach.colours.RED)\nreveal_type(Leaf)\n")
    mypy = ("-m", "mypy", "--no-incremental", "--ignore-missing-imports", "use.py")
    checked = child(root, "", *mypy)
    revealed = re.findall(r'Revealed type is "(?:builtins\.)?(.*)"', checked)
    assert revealed == ["int", "str", "def () -> fix_attach.deep.inner.Leaf"], checked
    assert "error" not in checked
    (root / "fix_attach" / "__init__.pyi").unlink()
    assert child(root, "", *mypy).count('Revealed type is "Any"') == 3


def test_lazy_loader_style_needs_a_project_that_depends_on_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project(tmp_path, monkeypatch, "style_nodep")
    status, output = fix("style_nodep/fix_nodep", "--style", "lazy-loader")
    assert status == 2
    assert output.count("\n") == 1 and "fix_nodep does not depend on it" in output


def test_pep810_style_shows_lazy_syntax_and_says_the_proof_did_not_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, monkeypatch, "style_pep810")
    before = (root / "fix_p810" / "__init__.py").read_text()
    status, output = fix("style_pep810/fix_p810", "--style", "pep810", "--write")
    assert status == 1, output
    assert "+lazy from .shapes import Circle, Square as Box\n" in output
    assert "NOT proven: the proof was not run" in output and "passed the proof" not in output
    assert "Nothing written" in output
    assert (root / "fix_p810" / "__init__.py").read_text() == before
    status, output = fix("style_pep810/fix_p810", "--style", "pep810", "--format", "json")
    done = json.loads(output)
    (rewrite,) = done["rewrites"]
    assert rewrite["proof"]["passed"] is None and "Python >= 3.15" in rewrite["proof"]["not_run"]
    assert done["python_versions"]["compiled_on"] == [] and done["written"] == []


def test_pep810_style_is_refused_below_python_315(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project(tmp_path, monkeypatch, "style_attach")
    status, output = fix("style_attach/fix_attach", "--style", "pep810")
    assert status == 2 and output.count("\n") == 1
    assert "need Python >= 3.15, and the package declares requires-python '>=3.9'" in output
    # The same from [tool.importaudit] (fix reads its configuration there).
    (tmp_path / "ia.toml").write_text('[tool.importaudit]\nfix_style = "pep810"\n')
    status, output = fix("style_attach/fix_attach", "--config", "ia.toml")
    assert status == 2 and "--style pep810 writes `lazy` imports" in output


@pytest.mark.skipif(not PY39 or HERE.startswith("3.9."), reason="needs another Python 3.9")
def test_a_package_declaring_39_is_compiled_and_proven_on_39(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project(tmp_path, monkeypatch, "style_attach")
    status, output = fix("style_attach/fix_attach")
    assert status == 1, output
    assert (f"Python versions: requires-python >=3.9 (style_attach/pyproject.toml); compiled "
            f"on {PY39[0]}; proven on {HERE}, {PY39[0]}\n") in output


def test_a_rewrite_newer_than_the_declared_range_is_left_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project(tmp_path, monkeypatch, "style_py36")
    status, output = fix("style_py36/fix_py36", "--format", "json")
    assert status == 0, output
    done = json.loads(output)
    assert done["rewrites"] == []
    (refused,) = done["left_alone"]
    assert refused["reason"].startswith("a module __getattr__ (PEP 562) needs Python >= 3.7; "
                                        "the package declares requires-python '>=3.6'")


def test_pep810_style_on_python_315_runs_the_proof_against_the_tree_before(
        tmp_path: Path) -> None:
    # Where `lazy from` compiles (3.15), the proof runs, and compares the tree after
    # with the tree before: a run that took no tree before raised KeyError there. Here
    # the interpreter is older than the version given, so the rewrite fails its proof
    # (it does not compile), which is what a proof that ran says.
    from importaudit.fix import engine
    from importaudit.static.discover import discover

    shutil.copytree(FIX / "fix_plain", tmp_path / "fix_plain")
    walk = discover(["fix_plain"], search_path=[str(tmp_path)]).import_order()
    result = engine.propose(
        [engine.Target("fix_plain", tmp_path / "fix_plain" / "__init__.py", ("IA101",))],
        python=sys.executable, paths=(str(tmp_path),), imports=walk, timeout=60,
        relpath=lambda p: str(p.relative_to(tmp_path)), style="pep810", version=(3, 15, 0))
    assert result.not_proven is None
    assert [(r.module, r.passed) for r in result.rewrites] == [("fix_plain", False)]
