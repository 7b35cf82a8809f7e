"""`importaudit graph` and `importaudit cycles` end to end, on the fixture trees.

Exit statuses (0 none, 1 cycles, 2 usage), every output format, the cache directory,
and the same output across runs and PYTHONHASHSEED values.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from importaudit.cli import cli
from importaudit.model import report_from_dict

STATIC = Path(__file__).resolve().parents[1] / "fixtures" / "static"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.chdir(STATIC)
    monkeypatch.setenv("IMPORTAUDIT_CACHE_DIR", str(tmp_path / "cache"))
    return CliRunner()


@pytest.mark.parametrize(("args", "status"), [
    (["cycles", "cyclic"], 1),
    (["cycles", "typeonly"], 0),
    (["cycles", "deferred"], 0),
    (["cycles", "deferred", "--kinds", "all"], 1),
    (["cycles", "typeonly", "--kinds", "eager,type-only"], 1),
    (["cycles", "relative", "namespace", "lazy", "broken"], 0),
    (["graph", "cyclic"], 0),
])
def test_exit_statuses(runner: CliRunner, args: list[str], status: int) -> None:
    result = runner.invoke(cli, args)
    assert result.exit_code == status, result.output


@pytest.mark.parametrize("args", [
    ["graph", "no_such_package_anywhere"],
    ["cycles", "missing/directory"],
    ["cycles", "cyclic", "--kinds", "eager,sometimes"],
    ["graph", "cyclic", "--format", "html"],
])
def test_bad_input_is_one_line_and_exit_2(runner: CliRunner, args: list[str]) -> None:
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_cycles_json_round_trips_and_names_the_failing_import(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["cycles", "cyclic", "--format", "json"])
    assert result.exit_code == 1
    report = report_from_dict(json.loads(result.output))
    assert report.graph is not None
    assert [k.value for k in report.graph.cycle_kinds] == ["eager", "optional", "parent"]
    first = report.cycles[0]
    assert first.cross_package and first.can_fail
    assert {(e.importer, e.line) for e in first.failing} == {("pkg_a.core", 3),
                                                            ("pkg_b.service", 3)}
    # Proven by running it: the JSON carries the proof and the errors, and reads back.
    assert json.loads(result.output)["cycles"][0]["proof"] == "fails"
    assert first.fails and [t.module for t in first.failures] == ["pkg_a.core",
                                                                  "pkg_b.service"]
    assert "partially initialized module 'pkg_a.core'" in (first.failures[0].error or "")


def test_cycles_proves_claims_by_running_them_unless_told_not_to(runner: CliRunner) -> None:
    proven = runner.invoke(cli, ["cycles", "cyclic", "orders"])
    assert proven.exit_code == 1, proven.output
    assert "cycle 1: pkg_a <-> pkg_b  FAILS AT IMPORT (reproduced)" in proven.output
    assert "fails: importing pkg_b.service first: ImportError: cannot import name " \
           "'Service' from partially initialized module 'pkg_b.service'" in proven.output
    assert "within sideways  order-dependent: did not fail from 2 entry point(s) tried" \
        in proven.output
    static = runner.invoke(cli, ["cycles", "cyclic", "orders", "--no-verify"])
    assert static.exit_code == 1, static.output
    assert "pkg_a <-> pkg_b  CAN FAIL AT IMPORT (unverified: not run: --no-verify)" \
        in static.output
    assert "within sideways  CAN FAIL AT IMPORT (unverified" in static.output
    assert "FAILS AT IMPORT" not in static.output and "order-dependent" not in static.output
    other = runner.invoke(cli, ["cycles", "cyclic", "--python", sys.executable])
    assert "FAILS AT IMPORT (reproduced)" in other.output
    missing = runner.invoke(cli, ["cycles", "cyclic", "--python", "/no/such/python"])
    assert missing.exit_code == 2 and "Traceback" not in missing.output
    assert "runs the targets' code" in runner.invoke(cli, ["cycles", "--help"]).output


def test_an_order_from_imports_that_may_not_run_is_not_called_safe_unrun(
        runner: CliRunner) -> None:
    # An import under a platform test, in a `try`, or by `import_module` seemed to fix
    # each cycle's order, and with nothing run they read "one import order": each fails
    # at import (run, they say so). Unguarded, the one order stays (toolz-like).
    text = runner.invoke(cli, ["cycles", "guarded", "oneorder", "--no-verify"])
    assert text.exit_code == 1, text.output
    for package in ("dynguard", "tryguard", "winguard"):
        assert f"within {package}  CAN FAIL AT IMPORT (unverified: not run: --no-verify)" \
            in text.output, text.output
    assert "one import order: it always starts at winguard" not in text.output
    assert "within shim  one import order: it always starts at shim" in text.output
    data = json.loads(runner.invoke(cli, ["cycles", "guarded", "--no-verify",
                                          "--format", "json"]).output)
    assert [(c["modules"][0], c["can_fail"], c["entries"],
             [(e["importer"], e["imported"]) for e in c["held_by_order"]])
            for c in data["cycles"]] == [
        # (the package always imports `a`: `a`'s own import is held by that order)
        ("dynguard.a", True, ["dynguard.a"], [("dynguard.a", "dynguard.c")]),
        ("tryguard.a", True, ["tryguard.a", "tryguard.b"], []),
        ("winguard.a", True, ["winguard.a", "winguard.b"], [])]
    assert {e["conditional"] for c in data["cycles"] for e in c["failing"]} == {False}


def test_output_file_format_follows_its_suffix(runner: CliRunner, tmp_path: Path) -> None:
    for suffix, marker in ((".dot", "digraph"), (".graphml", "<graphml"), (".json", '"graph"')):
        out = tmp_path / f"graph{suffix}"
        result = runner.invoke(cli, ["graph", "lazy", "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert marker in out.read_text()


def test_graph_kinds_and_external_modules(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["graph", "lazy", "--kinds", "lazy", "--format", "json"])
    graph = json.loads(result.output)["graph"]
    assert {e["kind"] for e in graph["edges"]} == {"lazy"}
    assert graph["kinds"] == ["lazy"]
    full = runner.invoke(cli, ["graph", "lazy", "--external", "full", "--format", "json"])
    assert "lazy_loader" in {n["name"] for n in json.loads(full.output)["graph"]["modules"]}


def test_the_cache_directory_is_used_and_can_be_turned_off(
        runner: CliRunner, tmp_path: Path) -> None:
    assert runner.invoke(cli, ["graph", "cyclic", "--cache-dir", str(tmp_path / "c1")]
                         ).exit_code == 0
    assert list((tmp_path / "c1").glob("scan-*.json"))
    assert runner.invoke(cli, ["graph", "cyclic", "--no-cache"]).exit_code == 0
    assert not (tmp_path / "cache").exists()


def test_full_parse_reports_every_broken_file(runner: CliRunner) -> None:
    fast = runner.invoke(cli, ["graph", "broken", "--format", "json"])
    full = runner.invoke(cli, ["graph", "broken", "--full-parse", "--format", "json"])

    def broken(output: str) -> set[str]:
        return {Path(p["file"]).name for p in json.loads(output)["graph"]["problems"]}

    assert {"syntax_error.py", "nul_bytes.py", "bad_encoding.py",
            "unknown_coding.py"} <= broken(fast.output)
    assert broken(full.output) - broken(fast.output) == {"broken_body.py"}


def _static_json(seed: str, tmp_path: Path) -> dict[str, object]:
    """`cycles --format json` on several stdlib packages in a fresh interpreter."""
    env = {**os.environ, "PYTHONHASHSEED": seed, "IMPORTAUDIT_CACHE_DIR": str(tmp_path / seed)}
    result = subprocess.run(
        [sys.executable, "-m", "importaudit", "cycles", "email", "asyncio", "xml",
         "multiprocessing", "importlib", "unittest", "--kinds", "all", "--format", "json"],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=False, timeout=300,
    )
    assert result.returncode == 1, result.stderr
    data: dict[str, object] = json.loads(result.stdout)
    return {"graph": data["graph"], "cycles": data["cycles"]}


def test_same_output_under_different_hash_seeds(tmp_path: Path) -> None:
    first = _static_json("0", tmp_path)
    assert first["cycles"]
    assert _static_json("4242", tmp_path) == first


def test_cycles_takes_targets_and_kinds_from_config(tmp_path: Path) -> None:
    cyclic = STATIC / "cyclic"
    config = tmp_path / "pyproject.toml"
    config.write_text(f'[tool.importaudit]\ntargets = ["{cyclic}"]\nkinds = ["eager"]\n')
    result = CliRunner().invoke(cli, ["cycles", "--config", str(config), "--format", "json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["graph"]["cycle_kinds"] == ["eager"]
    assert data["cycles"]
    # the flag wins over the config
    result = CliRunner().invoke(cli, ["cycles", "--config", str(config), "--kinds",
                                      "type-only", "--format", "json"])
    assert json.loads(result.stdout)["graph"]["cycle_kinds"] == ["type-only"]
    empty = tmp_path / "empty.toml"
    empty.write_text("[tool.importaudit]\n")
    result = CliRunner().invoke(cli, ["graph", "--config", str(empty)])
    assert result.exit_code == 2
    assert "TARGET" in result.stderr


def test_a_symlinked_alias_cannot_hide_a_cycle(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # `a_compat` sorts before `z_real`: walked first, it used to claim the directory,
    # and the cycle inside `z_real` was never seen (`cycles` exited 0).
    package = tmp_path / "linked"
    (package / "z_real").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "z_real" / "__init__.py").write_text("")
    (package / "z_real" / "one.py").write_text("from linked.z_real import two\n")
    (package / "z_real" / "two.py").write_text("from linked.z_real import one\n")
    (package / "a_compat").symlink_to("z_real", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IMPORTAUDIT_CACHE_DIR", str(tmp_path / "cache"))
    result = CliRunner().invoke(cli, ["cycles", "linked"])
    assert result.exit_code == 1, result.output
    assert "linked.z_real.one" in result.output
    assert "alias linked.a_compat skipped" in result.output


def test_a_test_named_module_the_package_imports_is_graphed_and_measured(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """jinja2's `tests` and pandas' `testing` shape: walked, measured, and said so."""
    monkeypatch.chdir(STATIC / "testnamed")
    monkeypatch.setenv("IMPORTAUDIT_CACHE_DIR", str(tmp_path / "cache"))
    runner = CliRunner()
    shown = runner.invoke(cli, ["graph", "tmpl"])
    assert shown.exit_code == 0, shown.output
    assert "tmpl.tests  tmpl/tests.py" in shown.output
    assert "tmpl.sub.tests  (imported, but left out of the walk" in shown.output
    profiled = runner.invoke(cli, ["profile", "tmpl", "--tree", "--no-memory", "--repeat",
                                   "1", "--format", "json"])
    assert profiled.exit_code == 0, profiled.output
    notes = report_from_dict(json.loads(profiled.output)).meta.notes  # type: ignore[union-attr]
    # Measured, as every import of tmpl loads them (the walk lists what it left out).
    assert any("part of the import" in n and "(tmpl.testing, tmpl.testing.asserts, "
               "tmpl.tests)" in n for n in notes), notes
    assert [n for n in notes if n.startswith("left out")] == [
        "left out 2 test package(s) and module(s) (tmpl.sub.tests, tmpl.test): "
        "--include-tests walks them"]
