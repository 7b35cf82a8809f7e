"""What a static command's process imports: only the static path, never the runtime layers.

Start-up is a large part of a `cycles` or `graph` run (issue 15: the whole process is
measured against a grimp script), so these commands must not load the runtime
measurement, the review, the fix machinery or their use cases. Each test runs the real
console entry point in a fresh interpreter and reads `sys.modules` as the process ends.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CYCLIC = Path(__file__).resolve().parents[1] / "fixtures" / "static" / "cyclic"

# Runs `importaudit ARGS...` as the console script does and, at exit (after the command
# raised SystemExit with its status), writes the names of the loaded modules to a file.
_WRAPPER = """
import atexit, json, sys
out = sys.argv[1]
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
sys.argv = ["importaudit", *sys.argv[2:]]
from importaudit.cli import main
main()
"""

#: Layers a command that reads the source never needs (prefixes of module names).
_RUNTIME_REVIEW_FIX = ("importaudit.runtime", "importaudit.review", "importaudit.fix",
                       "importaudit.api.reviewing", "importaudit.api.fixing",
                       "importaudit.model.runtime")
#: ... and what `graph` and `cycles` need neither: the gate, profiling's use cases and
#: the findings' model.
_GATE = ("importaudit.gate", "importaudit.baseline", "importaudit.api.gate",
         "importaudit.api.profiling", "importaudit.model.findings")
#: The modules of the commands that measure, review, fix or render saved reports.
_OTHER_COMMANDS = ("importaudit.cli.profile", "importaudit.cli.review",
                   "importaudit.cli.report")


def _loaded(tmp_path: Path, *args: str) -> list[str]:
    listing = tmp_path / "modules.json"
    proc = subprocess.run([sys.executable, "-c", _WRAPPER, str(listing), *args],
                          capture_output=True, text=True, check=False, cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    assert "import graph:" in proc.stdout  # the command ran to its end
    modules: list[str] = json.loads(listing.read_text())
    return modules


def _fresh(code: str) -> subprocess.CompletedProcess[str]:
    """`code` run by a fresh interpreter (nothing imported or reloaded by other tests)."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)


def _under(modules: list[str], prefixes: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes)]


@pytest.mark.parametrize("args", [
    ("cycles", str(CYCLIC), "--no-cache", "--no-verify"),
    ("graph", str(CYCLIC), "--no-cache"),
])
def test_graph_and_cycles_load_only_the_static_path(tmp_path: Path, args: tuple[str, ...]) -> None:
    modules = _loaded(tmp_path, *args)
    assert "importaudit.static.graph" in modules  # the wrapper saw the real run
    assert _under(modules, _RUNTIME_REVIEW_FIX + _GATE + _OTHER_COMMANDS) == []
    assert "importaudit.cli.gate" not in modules


def test_static_check_loads_no_runtime_review_or_fix(tmp_path: Path) -> None:
    modules = _loaded(tmp_path, "check", "--static", str(CYCLIC))
    assert "importaudit.gate" in modules
    assert _under(modules, _RUNTIME_REVIEW_FIX + _OTHER_COMMANDS) == []


def test_every_command_is_found_where_the_group_looks_for_it() -> None:
    # The group imports a command's module when the command is looked up: a command
    # missing from its map would be missing from --help (and unknown) in a fresh process.
    from importaudit.cli import cli
    from importaudit.cli.base import _COMMAND_HOMES

    for module in set(_COMMAND_HOMES.values()):
        __import__(f"importaudit.cli.{module}")
    assert {name: command.callback.__module__ for name, command in cli.commands.items()
            if command.callback is not None} == {
        name: f"importaudit.cli.{module}" for name, module in _COMMAND_HOMES.items()}


def test_help_lists_every_command_and_a_typo_gets_a_suggestion(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "importaudit", "--help"],
                          capture_output=True, text=True, check=True, cwd=tmp_path)
    listed = proc.stdout.split("Commands:\n")[1].split("\n\n")[0].splitlines()
    assert [line.split()[0] for line in listed] == [
        "baseline", "check", "cycles", "fix", "graph", "profile", "report", "review",
        "rules", "why"]
    assert all(len(line.split()) > 2 for line in listed)  # each with its short help
    typo = subprocess.run([sys.executable, "-m", "importaudit", "cycle"],
                          capture_output=True, text=True, check=False, cwd=tmp_path)
    assert typo.returncode == 2
    assert "No such command 'cycle'. Did you mean 'cycles'?" in typo.stderr


def test_report_field_types_resolve_in_a_fresh_interpreter() -> None:
    # `Report` names the runtime and review classes without importing them at import
    # time; `type_hints` (what reading a report and the JSON Schema use) imports them.
    code = (
        "import sys, typing\n"
        "from importaudit.model import Report, type_hints\n"
        "assert 'importaudit.model.runtime' not in sys.modules\n"
        "hints = type_hints(Report)\n"
        "print(hints['meta'], hints['verdict'], typing.get_type_hints(Report) == hints)\n"
    )
    proc = _fresh(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [
        "importaudit.model.runtime.RunMeta", "|", "None",
        "importaudit.model.findings.Verdict", "|", "None", "True"]


@pytest.mark.parametrize("package", ["importaudit.api", "importaudit.model"])
def test_every_public_name_has_a_home_and_resolves(package: str) -> None:
    # The names are listed thrice (TYPE_CHECKING imports, the homes, __all__): a name
    # added to one list only would be missing for users or for type checkers. In a
    # fresh interpreter: other tests reload modules, which makes identities differ.
    check = (
        "import importlib, sys\n"
        f"module = importlib.import_module({package!r})\n"
        "homes = module._HOMES\n"
        "assert set(homes) == set(module.__all__), set(homes) ^ set(module.__all__)\n"
        "for name in module.__all__:\n"
        "    assert getattr(module, name) is getattr(importlib.import_module(homes[name]),"
        " name), name\n"
    )
    done = _fresh(check)
    assert done.returncode == 0, done.stderr
