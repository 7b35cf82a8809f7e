"""`importaudit fix` on a copy of the legacy twin, through the command line.

The twin (tests/fixtures/legacy) is copied into a temporary folder; `fix` reviews it,
rewrites the eager package __init__s (ISSUE-3310, 3312, and the others IA101 finds),
proves them and writes only with --write. Counts of loaded modules are asserted, never
times.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import jsonschema
import pytest
from click.testing import CliRunner

from importaudit import api
from importaudit.cli import cli
from importaudit.schema import fix_schema

if TYPE_CHECKING:
    from collections.abc import Iterator

LEGACY = Path(__file__).resolve().parents[1] / "fixtures" / "legacy"
TOUCHED = ("risk_management", "risk_management.position_sizing")

# Each public name of every module of the tree, described independently of fix's proof.
SURFACE = r"""
import importlib, json, pkgutil, sys
root = importlib.import_module("risk_management")
names = ["risk_management"] + sorted(
    m.name for m in pkgutil.walk_packages(root.__path__, "risk_management."))
found = {}
for name in names:
    module = importlib.import_module(name)
    star = {}
    exec("from %s import *" % name, star)
    public = set(n for n in dir(module) if not n.startswith("_"))
    public = sorted(public | set(star) - {"__builtins__"})
    found[name] = {n: [type(getattr(module, n)).__qualname__,
                       str(getattr(getattr(module, n), "__module__", None)),
                       str(getattr(getattr(module, n), "__qualname__", None))] for n in public}
print(json.dumps(found))
"""


@pytest.fixture(scope="module")
def twin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("twin")
    shutil.copytree(LEGACY, root, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    old_db, old_cwd = os.environ.get("LEGACY_RISK_DB"), os.getcwd()
    os.environ["LEGACY_RISK_DB"] = str(root / "risk.sqlite3")
    os.chdir(root)
    try:
        yield root
    finally:
        os.chdir(old_cwd)
        if old_db is None:
            del os.environ["LEGACY_RISK_DB"]
        else:
            os.environ["LEGACY_RISK_DB"] = old_db


def fix(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["fix", "risk_management", "--repeat", "1", *args])
    return result.exit_code, result.output


def child(root: Path, code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                          text=True, check=True).stdout


@pytest.mark.slow
def test_fix_proves_writes_and_keeps_the_public_api(twin: Path) -> None:
    # One run of fix on the twin (each costs ~35 child interpreters importing numpy and
    # SQLAlchemy): what a dry run, a failed --test-cmd and the text output add is the
    # same on any package and is tested on fix_plain below.
    originals = {p: p.read_text() for p in twin.rglob("*.py")}
    surface_before = json.loads(child(twin, SURFACE))

    status, output = fix("--write", "--format", "json")
    assert status == 0, output
    done = json.loads(output)
    jsonschema.Draft202012Validator(fix_schema()).validate(done)
    rewrites = {r["module"]: r for r in done["rewrites"]}
    assert set(TOUCHED) <= set(rewrites)
    # circuit_breaker's lazy __init__ is proven, but BreakerRegistry, which its own code
    # uses, stays eager and loads what the lazy names would defer: it saves nothing for
    # `import risk_management.real_time.circuit_breaker`, so it is not offered.
    assert "risk_management.real_time.circuit_breaker" not in rewrites
    left = {f["reason"] for f in done["left_alone"]
            if f["module"] == "risk_management.real_time.circuit_breaker"}
    assert any("BreakerRegistry is used by the module's own code (line 44)" in f
               for f in left), left
    assert any(f.startswith("proven, but not offered: for `import risk_management.real_time"
                            ".circuit_breaker` it saves nothing measured") for f in left), left
    assert {"risk_management.real_time.circuit_breaker.facade",
            "risk_management.integration.trading_engine_integration"} <= set(rewrites)
    assert all(r["proof"]["passed"] for r in done["rewrites"])
    assert "risk_management._lazy_exports" in rewrites  # several __init__s: one helper
    assert sorted(done["written"]) == sorted(r["file"] for r in done["rewrites"])
    assert done["cost"]["after"]["modules"] * 10 < done["cost"]["before"]["modules"]
    assert [p for p, text in originals.items()
            if str(p.relative_to(twin)) not in done["written"] and p.read_text() != text] == []

    # The public API, compared independently of the proof.
    surface_after = json.loads(child(twin, SURFACE))
    assert surface_after.pop("risk_management._lazy_exports") == {
        "attach": ["function", "risk_management._lazy_exports", "attach"]}
    # IA501 takes annotation-only imports out of a module and binds TYPE_CHECKING (and
    # the future import's `annotations`) in it, IA102/IA103 move imports into functions;
    # every other name stays as it was (utils.core's lazy values included).
    for moved in (r for r in done["rewrites"] if r["kind"] in ("type-only", "deferred")):
        for name in moved["names"]:
            del surface_before[moved["module"]][name]
        for name in moved["added_names"]:
            del surface_after[moved["module"]][name]
    assert surface_after == surface_before
    loaded = child(twin, "import sys, risk_management; print(len(sys.modules)); "
                         "print('numpy' in sys.modules, 'sqlalchemy' in sys.modules)")
    assert loaded.split()[1:] == ["False", "False"]

    # review no longer reports IA101 or IA501 where fix rewrote it, nor ISSUE-3318 (the
    # facade's pull: utils.core's numpy and thread pool are built on first use now).
    # One round can make another import's cost its own: before, trading_engine loaded
    # asyncio anyway; with the __init__s lazy, utils.core's `import asyncio` (used in
    # one coroutine) is what loads it. The next round, on the rewritten copy, takes it:
    # one `fix --write` reaches what took two runs before, and a second finds nothing.
    assert done["rounds"] >= 2 and done["fixed_point"]
    chosen = ("IA101", "IA501", "IA102", "IA103")
    # Which finding is where does not depend on the heap (only its severity and text do):
    # no tracemalloc run, the costliest child of a review (numpy and SQLAlchemy traced).
    options = api.ReviewOptions(measure=api.Measure(repeat=1, memory=False), select=chosen)
    report = api.review(["risk_management"], options)
    assert not [(f.code, f.module) for f in report.findings if f.module in rewrites]
    status, output = fix("--format", "json")
    assert status == 0, output
    assert json.loads(output)["rewrites"] == []
    assert rewrites["risk_management.utils.core"]["kind"] == "deferred"
    assert {"np", "asyncio"} <= set(rewrites["risk_management.utils.core"]["names"])


def test_fix_refuses_rules_it_cannot_rewrite() -> None:
    result = CliRunner().invoke(cli, ["fix", "x", "--select", "IA101,IA601"])
    assert result.exit_code == 2
    assert "fix cannot rewrite IA601" in result.output


def test_fix_says_it_does_not_rewrite_ia301(monkeypatch: pytest.MonkeyPatch) -> None:
    from importaudit.fix import engine
    from importaudit.fix.lazy_init import Surface, plan_init, render_init

    # IA301 reports only lazy packages (gallery: a PEP 562 map, a 12-name __all__). A
    # lazy __init__ is what fix writes, and it keeps __all__: nothing of it to rewrite.
    gallery = Path(__file__).resolve().parents[1] / "fixtures" / "review" / "gallery"
    plan = plan_init("gallery", gallery / "__init__.py", "gallery/__init__.py")
    assert plan.names == ()
    assert render_init(plan, Surface()) == plan.source
    monkeypatch.chdir(gallery.parent)
    result = CliRunner().invoke(cli, ["fix", "gallery", "--select", "IA301"])
    assert result.exit_code == 2, result.output
    assert "fix cannot rewrite IA301" in result.output
    # --help's default list is what fix rewrites.
    shown = CliRunner().invoke(cli, ["fix", "--help"], terminal_width=200).output
    assert f"(default: {','.join(sorted(engine.FIX_CODES))})" in " ".join(shown.split())
    assert "(IA301) is left to you" in " ".join(shown.split())


def test_cli_import_does_not_load_libcst() -> None:
    code = "import sys, importaudit.cli; print('libcst' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"


FIX = Path(__file__).resolve().parents[1] / "fixtures" / "fix"


@pytest.mark.parametrize("write", [False, True])
def test_failed_test_command_withdraws_the_rewrites_and_exits_1(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write: bool) -> None:
    shutil.copytree(FIX / "fix_plain", tmp_path / "fix_plain")
    monkeypatch.chdir(tmp_path)
    before = (tmp_path / "fix_plain" / "__init__.py").read_text()
    result = CliRunner().invoke(cli, ["fix", "fix_plain", "--repeat", "1",
                                      "--test-cmd", "exit 3", *(["--write"] if write else [])])
    assert result.exit_code == 1, result.output
    assert "withdrawn" in result.output and "`exit 3` failed" in result.output
    assert (tmp_path / "fix_plain" / "__init__.py").read_text() == before


def test_without_write_the_diff_is_shown_and_nothing_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(FIX / "fix_plain", tmp_path / "fix_plain")
    monkeypatch.chdir(tmp_path)
    originals = {p: p.read_text() for p in tmp_path.rglob("*.py")}
    result = CliRunner().invoke(cli, ["fix", "fix_plain", "--repeat", "1"])
    assert result.exit_code == 1, result.output  # fixes to apply
    assert "+++ b/fix_plain/__init__.py" in result.output
    assert "Import cost of fix_plain  (before, after, saving)" in result.output
    assert "Nothing written: run again with --write to apply." in result.output
    assert {p: p.read_text() for p in tmp_path.rglob("*.py")} == originals


def test_a_failed_test_command_is_in_the_json_and_nothing_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(FIX / "fix_plain", tmp_path / "fix_plain")
    monkeypatch.chdir(tmp_path)
    originals = {p: p.read_text() for p in tmp_path.rglob("*.py")}
    result = CliRunner().invoke(cli, [
        "fix", "fix_plain", "--repeat", "1", "--write", "--format", "json",
        "--test-cmd", f"{sys.executable} -c 'raise SystemExit(3)'"])
    assert result.exit_code == 1, result.output
    failed = json.loads(result.output)
    assert failed["tests"]["returncode"] == 3 and failed["written"] == []
    assert failed["rewrites"] and not any(r["proof"]["passed"] for r in failed["rewrites"])
    assert {p: p.read_text() for p in tmp_path.rglob("*.py")} == originals


def test_the_proof_never_imports_test_packages(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(FIX / "fix_plain", tmp_path / "fix_plain")
    tests = tmp_path / "fix_plain" / "tests"
    tests.mkdir()
    marker = tmp_path / "test-code-ran"
    (tests / "__init__.py").write_text(f"open({str(marker)!r}, 'a').write('ran')\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["fix", "fix_plain", "--repeat", "1"])
    assert result.exit_code == 1, result.output  # a fix to apply
    assert "1 passed the proof" in result.output
    assert not marker.exists()


def test_fix_applies_tool_importaudit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(FIX / "fix_plain", tmp_path / "fix_plain")
    marker = tmp_path / "excluded-module-ran"
    (tmp_path / "fix_plain" / "extra.py").write_text(f"open({str(marker)!r}, 'a')\n")
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.importaudit]\nexclude = ["fix_plain.extra"]\n')
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["fix", "fix_plain", "--repeat", "1"])
    assert "1 passed the proof" in result.output, result.output
    assert not marker.exists()  # neither the review's walk nor the proof imported it
    pyproject.write_text('[tool.importaudit]\nreview_ignore = ["IA101"]\n')
    result = CliRunner().invoke(cli, ["fix", "fix_plain", "--repeat", "1"])
    assert result.exit_code == 0 and ("0 rewrite(s) proposed: the review (IA101, IA102, "
                                      "IA103, IA501; 1 suppression(s) of --ignore and "
                                      "review_ignore applied) found no import in "
                                      "fix_plain") in result.output, result.output
    pyproject.write_text('[tool.importaudit]\npython = "no-such-python-here"\n')
    result = CliRunner().invoke(cli, ["fix", "fix_plain", "--repeat", "1"])
    assert result.exit_code == 2 and "no-such-python-here" in result.output, result.output


def test_an_init_with_its_own_getattr_is_made_lazy_and_keeps_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """jinja2's and flask's shape, proven by the differential import and written."""
    shutil.copytree(FIX / "fix_owngetattr", tmp_path / "fix_owngetattr")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["fix", "fix_owngetattr", "--repeat", "1", "--write"])
    assert result.exit_code == 0, result.output
    assert "1 passed the proof" in result.output
    written = (tmp_path / "fix_owngetattr" / "__init__.py").read_text()
    assert "def _getattr_before_lazy(name):" in written
    assert "own_getattr='_getattr_before_lazy'" in written
    check = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "-c",
         "import sys, fix_owngetattr as p\n"
         "assert 'decimal' not in sys.modules\n"
         "try:\n    p.__version__\nexcept DeprecationWarning:\n    pass\n"
         "else:\n    raise SystemExit('the own __getattr__ was not asked')\n"],
        cwd=tmp_path, capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr



def test_a_copy_finds_what_the_wheel_installed_beside_the_package(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Pillow's extension modules load `pillow.libs` beside `PIL` (auditwheel's
    # `$ORIGIN/../pillow.libs`): the proof's copy of PIL alone could not, every module
    # "no longer imported", and `fix PIL` withdrew a rewrite that was right.
    shutil.copytree(FIX / "libsite", tmp_path, dirs_exist_ok=True)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["fix", "fix_vendored", "--repeat", "1"])
    assert result.exit_code == 1, result.output  # a fix to apply
    assert "1 passed the proof" in result.output and "no longer imports" not in result.output
    assert "+    from fix_vendored.heavy import Frame" in result.output
    # The user's tree is as it was: the copy linked the folder, it did not move it.
    assert (tmp_path / "fix_vendored.libs").is_dir()
    assert not (tmp_path / "fix_vendored.libs").is_symlink()
