"""`--env` reaches every child started in the measured environment, not only the profile's.

Each test builds a package (or an interpreter) that works only with a variable set, as a
Django project without DJANGO_SETTINGS_MODULE or a Python that needs LD_LIBRARY_PATH
does, and runs one path that starts children: the question asked of the interpreter,
the cycle trials, fix's proof and measurements. Without the variable each gives a
false verdict ("not a working Python", a cycle not reproduced, "does not import").
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from importaudit.cli import cli

GATE = "IMPORTAUDIT_TEST_SETTINGS"
#: What a package that needs its settings variable does at import without it.
GUARD = (f"import os\nif os.environ.get({GATE!r}) != 'ready':\n"
         f"    raise ImportError('{GATE} is not set')\n")


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def settings(root: Path, **variables: str) -> str:
    """A pyproject.toml whose [tool.importaudit] env table sets `variables`; its path."""
    config = root / "pyproject.toml"
    table = ", ".join(f"{name} = {json.dumps(value)}" for name, value in variables.items())
    config.write_text(f"[tool.importaudit]\nenv = {{ {table} }}\n")
    return str(config)


def package(root: Path, name: str, files: dict[str, str]) -> Path:
    folder = root / name
    folder.mkdir()
    for file, text in files.items():
        (folder / file).write_text(text)
    return folder


@pytest.fixture(autouse=True)
def unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(GATE, raising=False)


def test_the_interpreter_is_asked_with_the_variables_set(tmp_path: Path) -> None:
    """A --python that starts only with a variable set (a library path) is usable."""
    python = tmp_path / "python-needing-a-library-path"
    python.write_text(f"#!/bin/sh\n[ \"${GATE}\" = ready ] || "
                      "{ echo 'error while loading shared libraries: libgate.so' >&2; exit 127; }\n"
                      f"exec {sys.executable} \"$@\"\n")
    python.chmod(python.stat().st_mode | stat.S_IXUSR)
    flags = ("profile", "json", "--python", str(python), "--repeat", "1", "--no-memory",
             "--format", "json")
    code, _, err = invoke(*flags)
    assert code == 2 and "libgate.so" in err, err
    code, out, err = invoke(*flags, "--env", f"{GATE}=ready")
    assert code == 0, err
    assert "json" in {m["name"] for m in json.loads(out)["modules"]}


def test_a_variable_on_the_search_path_is_where_targets_are_found(tmp_path: Path) -> None:
    """--env PYTHONPATH=DIR: the static graph finds the targets where the children do."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    package(elsewhere, "hidden_pkg", {"__init__.py": "from . import part\n", "part.py": "X = 1\n"})
    code, _, err = invoke("graph", "hidden_pkg", "--format", "json")
    assert code != 0 and "hidden_pkg" in err
    config = settings(tmp_path, PYTHONPATH=str(elsewhere))
    code, out, err = invoke("graph", "hidden_pkg", "--format", "json", "--config", config)
    assert code == 0, err
    modules = {m["name"] for m in json.loads(out)["graph"]["modules"]}
    assert {"hidden_pkg", "hidden_pkg.part"} <= modules


def test_cycle_trials_run_with_the_variables_set(tmp_path: Path) -> None:
    """A cycle that fails at import is proven so only when its package can import at all."""
    root = package(tmp_path, "gated_cycle", {
        "__init__.py": GUARD,
        "a.py": "from gated_cycle.b import helper\nVALUE = 1\n",
        "b.py": "from gated_cycle.a import VALUE\n\ndef helper():\n    return VALUE\n",
    })

    def proof(*flags: str) -> tuple[str, list[str]]:
        code, out, err = invoke("cycles", str(root), "--format", "json", *flags)
        assert code == 1, err  # a cycle is found either way
        (cycle,) = json.loads(out)["cycles"]
        return cycle["proof"], [t["error"] or "" for t in cycle["trials"]]

    proved, errors = proof()
    # Every entry point failed on the missing variable, before the cycle: still unproven.
    assert proved == "unverified" and all(f"{GATE} is not set" in e for e in errors)
    for given in (("--config", settings(tmp_path, **{GATE: "ready"})),
                  ("--env", f"{GATE}=ready")):
        proved, errors = proof(*given)
        assert proved == "fails", errors
        assert any("partially initialized module 'gated_cycle.a'" in e for e in errors), errors


def test_fix_proves_and_measures_with_the_variables_set(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """fix's proof, its before/after measurements and the test command get --env too."""
    package(tmp_path, "gated_fix", {
        "__init__.py": "from .shapes import Circle\nfrom . import colours\n",
        "shapes.py": GUARD + "import json\n\nclass Circle:\n    side = json.dumps(1)\n",
        "colours.py": "RED = 'red'\n",
    })
    monkeypatch.chdir(tmp_path)
    seen = tmp_path / "seen-by-the-tests"
    test_cmd = (f"{sys.executable} -c \"import os; "
                f"open({str(seen)!r}, 'w').write(os.environ['{GATE}'])\"")
    # The env table of the nearest pyproject.toml (the key `fix --env` sets too).
    settings(tmp_path, **{GATE: "ready"})
    result = CliRunner().invoke(cli, ["fix", "gated_fix", "--repeat", "1", "--format", "json",
                                      "--test-cmd", test_cmd])
    assert result.exit_code == 1, result.output  # a proven fix to apply
    done = json.loads(result.output)
    (rewrite,) = done["rewrites"]
    assert rewrite["module"] == "gated_fix" and rewrite["proof"]["passed"], done
    assert not done["left_alone"], done["left_alone"]
    cost = done["cost"]  # both sides measured: the rewrite leaves shapes (and json) unloaded
    assert cost["after"]["modules"] < cost["before"]["modules"], cost
    assert done["tests"]["returncode"] == 0 and seen.read_text() == "ready"
    assert os.environ.get(GATE) is None  # set for the children only


@pytest.mark.parametrize("mode", [(), ("--isolated",)])
def test_the_report_records_pythons_variables_as_the_children_had_them(
        monkeypatch: pytest.MonkeyPatch, mode: tuple[str, ...]) -> None:
    """PYTHONHASHSEED (random when unset) and PYTHONMALLOC as --env set them, not as ours."""
    for name in ("PYTHONHASHSEED", "PYTHONMALLOC"):
        monkeypatch.delenv(name, raising=False)

    def meta(*flags: str) -> dict[str, list[list[str]]]:
        code, out, err = invoke("profile", "json", *mode, "--repeat", "1", "--no-memory",
                                "--format", "json", *flags)
        assert code == 0, err
        found: dict[str, list[list[str]]] = json.loads(out)["meta"]
        return found

    assert meta()["variables"] == [["PYTHONHASHSEED", "random"]]
    given = meta("--env", "PYTHONHASHSEED=3", "--env", "PYTHONMALLOC=malloc")
    assert given["variables"] == [["PYTHONHASHSEED", "3"], ["PYTHONMALLOC", "malloc"]]
    assert any(note.startswith("PYTHONMALLOC is set") for note in given["notes"])


SETTINGS_BOUND = Path(__file__).resolve().parents[1] / "fixtures" / "runtime" / "settings_bound"


def test_a_failure_that_asks_for_a_variable_says_how_to_set_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """tests/fixtures/runtime/settings_bound (a Django app's shape): without its settings
    variable a module raises ImproperlyConfigured. The failure is the environment's,
    not the package's code: it says which variable and how to set it. With `--env`
    set as its users set it, the tree imports."""
    monkeypatch.delenv("SETTINGS_BOUND_MODULE", raising=False)
    status, out, _ = invoke("profile", str(SETTINGS_BOUND), "--tree", "--repeat", "1",
                            "--no-memory")
    assert status == 3
    assert "ImproperlyConfigured" in out
    assert ("the error asks for the environment variable SETTINGS_BOUND_MODULE, which was "
            "not set where it was measured: `--env SETTINGS_BOUND_MODULE=VALUE`") in out
    status, out, _ = invoke("profile", str(SETTINGS_BOUND), "--tree", "--repeat", "1",
                            "--no-memory", "--env", "SETTINGS_BOUND_MODULE=settings_bound.site")
    assert status == 0, out
    assert "settings_bound.views" in out

