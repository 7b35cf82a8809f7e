"""`importaudit profile` and `why` through the command line: flags, formats, exit statuses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from importaudit.cli import cli

RUNTIME = Path(__file__).resolve().parent.parent / "fixtures" / "runtime"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_profile_tree_is_plain_text_when_piped() -> None:
    code, out, _ = invoke("profile", str(RUNTIME / "slow_pkg"), "--repeat", "1", "--no-memory")
    assert code == 0
    assert "slow_pkg.sleepy" in out
    assert "\x1b[" not in out
    assert "total:" in out


def test_profile_table_sorted_by_self_with_top() -> None:
    code, out, _ = invoke("profile", str(RUNTIME / "slow_pkg"), "--repeat", "1", "--no-memory",
                          "--format", "table", "--sort", "self", "--top", "2")
    assert code == 0
    rows = [line.split() for line in out.splitlines() if line[:2] in ("1 ", "2 ", "3 ")]
    assert rows[0][:2] == ["1", "slow_pkg.sleepy"]
    assert len(rows) == 2


def test_profile_json_output_file_is_written_atomically(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("old content")
    code, out, _ = invoke("profile", str(RUNTIME / "hungry"), "--repeat", "1", "-o", str(target))
    assert code == 0
    assert out == ""
    data = json.loads(target.read_text())
    assert data["schema_version"] >= 1
    assert any(m["name"] == "hungry" and m["heap_bytes"] > 8_000_000 for m in data["modules"])
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]  # no temp file left behind


def test_profile_crash_exits_3_and_still_reports() -> None:
    code, out, err = invoke("profile", str(RUNTIME / "crasher.py"), "--repeat", "1",
                            "--no-memory", "--format", "json")
    assert code == 3
    data = json.loads(out)
    assert data["failure"]["kind"] == "signal"
    assert any(m["name"] == "json" for m in data["modules"])
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no_such_module_xyz"], "no_such_module_xyz"),
        (["./no/such/dir"], "no such file"),
        ([], "at least one TARGET"),
        (["json", "--python", "/nonexistent/python"], "no such interpreter"),
        (["json", "--repeat", "0"], "0"),
        (["json", "--timeout", "0"], "0"),
        (["json", "-o", "/no/such/folder/out.json"], "does not exist"),
        (["--importtime", "/no/such/log"], "log"),
    ],
)
def test_bad_input_is_one_line_exit_2(args: list[str], message: str, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no pyproject.toml with targets around
    code, _, err = invoke("profile", *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_a_src_layout_package_that_is_not_installed_is_named_by_its_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A checkout of a `src/` project: its package imports only once installed."""
    (tmp_path / "src" / "srconly").mkdir(parents=True)
    (tmp_path / "src" / "srconly" / "__init__.py").write_text('"""Not installed."""\n')
    monkeypatch.chdir(tmp_path)
    code, _, err = invoke("profile", "srconly")
    assert code == 2
    assert "cannot import 'srconly'" in err
    assert f"{os.path.join('src', 'srconly')} is here: give that path as the target" in err
    # A submodule: the path named is the submodule's, and only when it is there.
    (tmp_path / "src" / "srconly" / "part.py").write_text('"""A part."""\n')
    assert f"{os.path.join('src', 'srconly', 'part.py')} is here" in invoke(
        "profile", "srconly.part")[2]
    assert "is here" not in invoke("profile", "srconly.nosuch")[2]
    code, out, err = invoke("profile", "src/srconly", "--no-memory", "--repeat", "1")
    assert code == 0, err
    assert "srconly" in out


def test_a_source_folder_named_like_a_module_is_the_same_target_to_every_command(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`src` (no __init__.py) is a source root to the walk, as `graph src` says: the
    child imported it as an empty namespace package instead, so `profile src --tree`
    measured 0 modules and called the walked ones skipped, "not installed"."""
    (tmp_path / "src" / "srcroot").mkdir(parents=True)
    (tmp_path / "src" / "srcroot" / "__init__.py").write_text("from . import part\n")
    (tmp_path / "src" / "srcroot" / "part.py").write_text("import csv\n")
    (tmp_path / "src" / "srcroot" / "other.py").write_text("import json\n")
    # A folder named like a package with no Python in it (an output folder) is not
    # one: Python imports the installed package of that name, and so does the tool.
    (tmp_path / "json").mkdir()
    (tmp_path / "json" / "out.txt").write_text("not code\n")
    monkeypatch.chdir(tmp_path)
    code, out, err = invoke("profile", "src", "--tree", "--no-memory", "--repeat", "1",
                            "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["targets"] == ["srcroot"] and report["skipped"] == []
    names = {m["name"] for m in report["modules"]}
    assert {"srcroot", "srcroot.part", "srcroot.other", "csv"} <= names
    code, out, err = invoke("profile", "json", "--tree", "--no-memory", "--repeat", "1",
                            "--format", "json")
    assert code == 0, err
    assert {"json", "json.decoder"} <= {m["name"] for m in json.loads(out)["modules"]}


def test_unset_flags_come_from_the_config(tmp_path: Path) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text(
        f'[tool.importaudit]\ntargets = ["{RUNTIME / "hungry"}"]\nrepeat = 2\n'
        "memory = false\n"
    )
    code, out, _ = invoke("profile", "--config", str(config), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["targets"] == ["hungry"]
    assert data["meta"]["repeats"] == 2
    assert data["meta"]["memory"] is False
    # flags win over the file
    code, out, _ = invoke("profile", "--config", str(config), "--format", "json",
                          "--repeat", "1", "--memory")
    data = json.loads(out)
    assert data["meta"]["repeats"] == 1
    assert data["meta"]["memory"] is True


def test_program_arguments_after_module_belong_to_the_program(tmp_path: Path) -> None:
    script = tmp_path / "echo_args.py"
    script.write_text("import sys, json\nprint(json.dumps(sys.argv[1:]))\nsys.exit(2)\n")
    proc = subprocess.run(
        [sys.executable, "-m", "importaudit", "profile", "--format", "json", "-o",
         str(tmp_path / "r.json"), "--script", str(script), "--format", "x", "-v"],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    # The program got its own argv (even flags that look like ours) and wrote to stdout.
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == ["--format", "x", "-v"]
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["meta"]["program_exit_code"] == 2
    assert any(m["name"] == "json" and m["importer"] == "__main__" for m in data["modules"])


def test_a_program_that_raises_at_run_time_is_no_failed_import(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """tests/fixtures/runtime/runnable/fails_late.py imports json and then its main()
    raises. The report said "FAILED (import-error) while importing runnable.fails_late:
    importing runnable.fails_late failed: ValueError", though every import succeeded."""
    monkeypatch.chdir(RUNTIME)  # -m puts the working directory first on sys.path
    code, out, _ = invoke("profile", "-m", "runnable.fails_late")
    assert code == 3
    assert "FAILED (program-error): the program raised ValueError: bad input: [1]" in out
    assert "while importing" not in out
    assert "import-error" not in out
    assert "fails_late.py:6" in out


def test_why_lists_chains_and_exits_1_when_not_imported() -> None:
    code, out, _ = invoke("why", "json", str(RUNTIME / "slow_pkg"))
    assert code == 0
    assert "slow_pkg -> slow_pkg.nested.deep -> json" in out
    code, out, _ = invoke("why", "numpy", str(RUNTIME / "slow_pkg"))
    assert code == 1
    assert "numpy" in out


def test_debug_shows_traceback_for_unexpected_errors(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "importaudit", "--debug", "profile", "no_such_module_xyz",
         "--repeat", "1"], capture_output=True, text=True, check=False,
    )
    assert proc.returncode != 0
    assert "Traceback" in proc.stderr


def test_help_is_fast_to_import() -> None:
    # `importaudit --help` must not load the heavy parts (rich, networkx, the runner),
    # nor the configuration, the model or the use cases: command bodies load those
    # (nor dataclasses: the flags' own values are named tuples, click loads typing).
    code = (
        "import sys\nfrom importaudit import cli\n"
        "heavy = [m for m in ('rich', 'networkx', 'importaudit.runtime.runner', 'jinja2', "
        "'importaudit.config', 'importaudit.model', 'importaudit.api', 'dataclasses') "
        "if m in sys.modules]\nprint(heavy)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert proc.stdout.strip() == "[]"


def test_review_takes_measurement_keys_from_config_and_flags_win(tmp_path: Path) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text("[tool.importaudit]\nrepeat = 2\nmemory = false\n")
    out = tmp_path / "review.json"
    code, _, err = invoke("review", str(RUNTIME / "hungry"), "--config", str(config),
                          "--fail-on", "never", "-o", str(out))
    assert code == 0, err
    meta = json.loads(out.read_text())["meta"]
    assert (meta["repeats"], meta["memory"]) == (2, False)
    code, _, err = invoke("review", str(RUNTIME / "hungry"), "--config", str(config),
                          "--fail-on", "never", "--repeat", "1", "--memory", "-o", str(out))
    assert code == 0, err
    meta = json.loads(out.read_text())["meta"]
    assert (meta["repeats"], meta["memory"]) == (1, True)


def test_env_sets_variables_in_the_measuring_interpreters(tmp_path: Path) -> None:
    """--env NAME=VALUE (and the `env` table) reach the child: a feature flag's cost shows."""
    package = tmp_path / "flagged"
    package.mkdir()
    (package / "__init__.py").write_text(
        "import os\nif os.environ.get('FLAGGED_HEAVY') == '1':\n    from flagged import heavy\n")
    (package / "heavy.py").write_text("WEIGHT = 1\n")

    def modules(*flags: str, config: Path | None = None) -> set[str]:
        extra = ("--config", str(config)) if config else ()
        code, out, err = invoke("profile", str(package), "--repeat", "1", "--no-memory",
                                "--format", "json", *extra, *flags)
        assert code == 0, err
        report = json.loads(out)
        notes = " ".join(report["meta"]["notes"])  # names the variables, never their values
        assert ("FLAGGED_HEAVY" in notes) == bool(flags or config)
        return {m["name"] for m in report["modules"]}

    assert "flagged.heavy" not in modules()
    assert "flagged.heavy" in modules("--env", "FLAGGED_HEAVY=1", "--env", "OTHER=x=y")
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.importaudit]\nenv = { FLAGGED_HEAVY = "1" }\n')
    assert "flagged.heavy" in modules(config=config)
    assert "flagged.heavy" not in modules("--env", "FLAGGED_HEAVY=0", config=config)
    code, _, err = invoke("profile", str(package), "--env", "FLAGGED_HEAVY")
    assert code == 2
    assert err.strip().splitlines() == [
        "importaudit: error: invalid configuration: option --env: 'FLAGGED_HEAVY' sets no "
        "value (write NAME=value)"]


def test_hash_seed_sets_pythonhashseed_in_every_child_and_the_report_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--hash-seed N (or `hash_seed`): one seed, so code iterating a set imports in one order."""
    monkeypatch.delenv("PYTHONHASHSEED", raising=False)
    package = tmp_path / "seeded"
    package.mkdir()
    # A registry set imported in iteration order, as sqlalchemy.util.preloaded does.
    parts = [f"part{i}" for i in range(8)]
    (package / "__init__.py").write_text(
        "import importlib, os\n"
        f"for name in {set(parts)!r}:\n    importlib.import_module('seeded.' + name)\n"
        "if os.environ.get('PYTHONHASHSEED') == '7':\n    from seeded import seven\n")
    for name in [*parts, "seven"]:
        (package / f"{name}.py").write_text("X = 1\n")

    def profile(*flags: str) -> tuple[list[str], list[list[str]]]:
        code, out, err = invoke("profile", str(package), "--repeat", "2", "--no-memory",
                                "--format", "json", *flags)
        assert code == 0, err
        report = json.loads(out)
        order = [m["name"] for m in sorted(report["modules"], key=lambda m: m["order"])
                 if m["name"].startswith("seeded.")]
        return order, report["meta"]["variables"]

    order, variables = profile("--hash-seed", "7")
    assert "seeded.seven" in order and variables == [["PYTHONHASHSEED", "7"]]
    assert profile("--hash-seed", "7")[0] == order  # the same order in every run
    assert profile()[1] == [["PYTHONHASHSEED", "random"]]
    # The dedicated option wins over the same variable in --env; config and flag as keys.
    assert "seeded.seven" in profile("--env", "PYTHONHASHSEED=3", "--hash-seed", "7")[0]
    config = tmp_path / "pyproject.toml"
    config.write_text("[tool.importaudit]\nhash_seed = 7\n")
    assert "seeded.seven" in profile("--config", str(config))[0]
    assert profile("--config", str(config), "--hash-seed", "3")[1] == [["PYTHONHASHSEED", "3"]]
    code, _, err = invoke("profile", str(package), "--hash-seed", "-1")
    assert code == 2 and "--hash-seed" in err
    config.write_text("[tool.importaudit]\nhash_seed = \"fixed\"\n")
    code, _, err = invoke("profile", str(package), "--config", str(config))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "hash_seed" in err, err
