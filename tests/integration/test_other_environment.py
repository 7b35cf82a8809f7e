"""Targets resolve in the environment being measured (`--python`), and walks agree.

A second virtual environment is made in the test (`python -m venv --without-pip`),
with packages dropped into its site-packages that importaudit's own environment does
not have (`envonly`, a zip archive on a .pth line) or has differently (`rich`). Every
command, static ones included, must find them there and say which environment it used.
"""

from __future__ import annotations

import json
import sys
import zipfile
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner
from venvs import fresh_venv

from importaudit import api
from importaudit.cli import cli

if TYPE_CHECKING:
    from pathlib import Path


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a fresh venv holding `envonly`, a `rich` of its own and `zpkg` (zipped)."""
    root = tmp_path_factory.mktemp("venv")
    python, site = fresh_venv(root)
    _write(site, {
        # A cycle that can only be found where the package is installed.
        "envonly/__init__.py": "from envonly import left\n",
        "envonly/left.py": "from envonly import right\n",
        "envonly/right.py": "from envonly import left\n",
        "envonly/extra.py": "",
        # A cycle suspected to fail at import (`from x import name` both ways): review
        # proves it by running trials, in this environment too.
        "envcycle/__init__.py": "",
        "envcycle/a.py": "from envcycle.b import B\nA = 1\n",
        "envcycle/b.py": "from envcycle.a import A\nB = 1\n",
        "envonly/__main__.py": "raise SystemExit('a program: running it is not importing')\n",
        "envonly/templates/page.html": "<p>data, not code</p>\n",
        "envonly/__pycache__/stale.py": "raise RuntimeError('not a module')\n",
        "envonly/tests/__init__.py": "",
        "envonly/tests/test_left.py": "import envonly.left\n",
        # Not the rich importaudit runs with: a module only this one has.
        "rich/__init__.py": "",
        "rich/only_in_the_other_env.py": "import json\n",
    })
    archive = root / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("zpkg/__init__.py", "")
        out.writestr("zpkg/core.py", "from zpkg.sub import leaf\n")
        out.writestr("zpkg/sub/__init__.py", "")
        out.writestr("zpkg/sub/leaf.py", "import zpkg.core\n")
    (site / "bundle.pth").write_text(f"{archive}\n")
    # An editable install the way setuptools makes them: a finder on sys.meta_path
    # (installed by a .pth line) maps the name to a folder that is not on sys.path.
    _write(root, {"project/src_tree/edpkg/__init__.py": "from edpkg import part\n",
                  "project/src_tree/edpkg/part.py": "import edpkg\n"})
    _write(site, {
        "_edpkg_finder.py": (
            "import importlib.machinery, sys\n"
            "class Finder:\n"
            "    @classmethod\n"
            "    def find_spec(cls, name, path=None, target=None):\n"
            "        if name != 'edpkg':\n"
            "            return None\n"
            f"        return importlib.machinery.PathFinder.find_spec(name, "
            f"[{str(root / 'project' / 'src_tree')!r}])\n"
            "sys.meta_path.append(Finder)\n"),
        "_edpkg.pth": "import _edpkg_finder\n",
    })
    return python


def _internal(report_graph: object) -> set[str]:
    modules = getattr(report_graph, "modules", ())
    return {n.name for n in modules if not n.external and (n.file or n.namespace)}


def test_graph_and_cycles_resolve_names_on_the_other_interpreters_sys_path(
        venv: Path, tmp_path: Path) -> None:
    report = api.cycles(["envonly"], api.StaticOptions(measure=api.Measure(python=str(venv)),
                                                       cache_dir=tmp_path))
    assert report.graph is not None
    assert _internal(report.graph) == {"envonly", "envonly.__main__", "envonly.extra",
                                       "envonly.left", "envonly.right"}
    assert [c.modules for c in report.cycles] == [("envonly.left", "envonly.right")]
    assert report.graph.python == str(venv)
    assert report.graph.excluded == ("envonly.tests",)
    # The rich of that environment, not the one importaudit itself runs with.
    rich = api.graph(["rich"], api.StaticOptions(measure=api.Measure(python=str(venv)),
                                                 cache_dir=tmp_path))
    assert rich.graph is not None
    assert _internal(rich.graph) == {"rich", "rich.only_in_the_other_env"}


def test_the_cli_says_which_environment_and_gates_there(venv: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    shown = runner.invoke(cli, ["graph", "envonly", "--python", str(venv)])
    assert shown.exit_code == 0, shown.output
    assert f"environment: the sys.path of {venv}" in shown.output
    assert "left out 1 test package(s) and module(s) (envonly.tests)" in shown.output
    found = runner.invoke(cli, ["cycles", "envonly", "--python", str(venv)])
    assert found.exit_code == 1, found.output
    gate = runner.invoke(cli, ["check", "envonly", "--static", "--python", str(venv),
                               "--format", "json"])
    assert gate.exit_code == 1, gate.output
    assert json.loads(gate.output)["graph"]["python"] == str(venv)
    missing = runner.invoke(cli, ["graph", "envonly"])  # not installed here
    assert missing.exit_code == 2
    assert "no such module" in missing.output


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each interpreter asked about itself from now on (nothing remembered before)."""
    from importaudit.runtime import interpreter as runner

    seen: list[str] = []
    real = runner._ask_interpreter

    def counting(exe: str, path: str, timeout: float,
                 env: runner.Variables) -> runner.Interpreter:
        seen.append(exe)
        return real(exe, path, timeout, env)

    monkeypatch.setattr(runner, "_ask_interpreter", counting)
    return seen


def test_review_measures_and_reads_the_same_modules_in_the_other_environment(
        venv: Path, asked: list[str]) -> None:
    report = api.review(["envonly"], api.ReviewOptions(measure=api.Measure(python=str(venv),
                                                                           repeat=1, memory=False)))
    assert asked == [str(venv)]  # one question serves the measurement and the graph
    measured = {m.name for m in report.modules if m.name.startswith("envonly")}
    # No data folder, no __pycache__, no tests: the modules the graph has, but the
    # program `envonly.__main__` (importing it would run it).
    assert measured == {"envonly", "envonly.extra", "envonly.left", "envonly.right"}
    assert report.failure is None
    assert _internal(report.graph) == {*measured, "envonly.__main__"}
    assert report.meta is not None and report.meta.python == str(venv)
    assert any("envonly.tests" in note for note in report.meta.notes)
    with_tests = api.profile(["envonly"], api.Measure(tree=True, python=str(venv), repeat=1,
                                                      memory=False, include_tests=True))
    assert "envonly.tests.test_left" in {m.name for m in with_tests.modules}


def test_review_and_fix_ask_the_other_interpreter_once(
        venv: Path, asked: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from importaudit.model import Proof

    # The measurement, the graph and the cycle's trials all run in that interpreter.
    measure = api.Measure(python=str(venv), repeat=1, memory=False)
    report = api.review(["envcycle"], api.ReviewOptions(measure=measure))
    (cycle,) = report.cycles
    assert cycle.proof is Proof.FAILS
    assert asked == [str(venv)]
    asked.clear()
    # fix: its review and the interpreter it proposes and measures with (envonly has
    # nothing to rewrite, so no measurement runs here).
    api.fix(["envonly"], api.FixOptions(measure=api.Measure(python=str(venv), repeat=1)))
    assert asked == [str(venv)]


def test_exclude_stops_the_walk_on_every_command(venv: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    profiled = runner.invoke(cli, ["profile", "envonly", "--tree", "--python", str(venv),
                                   "--repeat", "1", "--no-memory", "--exclude", "*.extra",
                                   "--format", "json"])
    assert profiled.exit_code == 0, profiled.output
    names = {m["name"] for m in json.loads(profiled.output)["modules"]}
    assert "envonly.left" in names and "envonly.extra" not in names
    (tmp_path / "pyproject.toml").write_text(
        '[tool.importaudit]\nexclude = ["envonly.extra"]\ninclude_tests = true\n')
    shown = runner.invoke(cli, ["graph", "envonly", "--python", str(venv), "--format", "json"])
    assert shown.exit_code == 0, shown.output
    graph = json.loads(shown.output)["graph"]
    assert graph["excluded"] == ["envonly.extra"]
    assert "envonly.tests.test_left" in {n["name"] for n in graph["modules"]}


def test_a_saved_report_is_judged_in_the_environment_it_measured(
        venv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`check --from` / `review --from` with no --python read the graph where the report
    was measured (a merged CI run judged on a machine whose importaudit lives elsewhere)."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    profiled = runner.invoke(cli, ["profile", "envonly", "--tree", "--python", str(venv),
                                   "--repeat", "1", "--no-memory", "-o", "saved.json"])
    assert profiled.exit_code == 0, profiled.output
    gate = runner.invoke(cli, ["check", "--from", "saved.json", "--format", "json"])
    assert gate.exit_code == 1, gate.output  # the envonly cycle, only there
    graph = json.loads(gate.output)["graph"]
    assert graph["python"] == str(venv)
    assert {"envonly.left", "envonly.right"} <= {n["name"] for n in graph["modules"]}
    reviewed = runner.invoke(cli, ["review", "--from", "saved.json", "--fail-on", "never",
                                   "--format", "json"])  # the report names its targets
    assert reviewed.exit_code == 0, reviewed.output
    assert json.loads(reviewed.output)["graph"]["python"] == str(venv)
    # Moved to a machine without that interpreter: this one's, and the note says so.
    saved = json.loads((tmp_path / "saved.json").read_text())
    saved["meta"]["python"] = str(tmp_path / "gone" / "python")
    (tmp_path / "moved.json").write_text(json.dumps(saved))
    moved = runner.invoke(cli, ["check", "--from", "moved.json", "--format", "json"])
    assert moved.exit_code == 2, moved.output  # envonly is not installed here
    noted = runner.invoke(cli, ["review", "--from", "moved.json", "rich", "--format", "json"])
    assert "which is not here" in " ".join(json.loads(noted.output)["meta"]["notes"])
    # A merged report whose first shard's interpreter is gone: another shard's runs.
    merged = json.loads(json.dumps(saved))
    merged["meta"]["shards"] = [
        {"created_at": saved["created_at"], "meta": {**saved["meta"], "python": python},
         "failure": None, "verdict": None, "records": 0}
        for python in (str(tmp_path / "gone" / "python"), str(venv))]
    (tmp_path / "merged.json").write_text(json.dumps(merged))
    gate = runner.invoke(cli, ["check", "--from", "merged.json", "--format", "json"])
    assert gate.exit_code == 1, gate.output
    assert json.loads(gate.output)["graph"]["python"] == str(venv)
    # There, but not a Python that runs: the same, and the note says why.
    saved["meta"]["python"] = "/bin/true"
    (tmp_path / "broken.json").write_text(json.dumps(saved))
    noted = runner.invoke(cli, ["review", "--from", "broken.json", "rich", "--format", "json"])
    assert noted.exit_code == 0, noted.output
    assert "which does not run here" in " ".join(json.loads(noted.output)["meta"]["notes"])


def test_a_saved_report_is_not_judged_by_another_copy_of_its_code(
        venv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Measured with `--env PYTHONPATH=src` (a checkout before its installed copy), judged
    without: the graph would read the installed copy. Refused, not judged."""
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "src", {"envonly/__init__.py": "", "envonly/left.py": ""})
    runner = CliRunner()
    profiled = runner.invoke(cli, ["profile", "envonly", "--tree", "--python", str(venv),
                                   "--env", f"PYTHONPATH={tmp_path / 'src'}", "--repeat",
                                   "1", "--no-memory", "-o", "saved.json"])
    assert profiled.exit_code == 0, profiled.output
    saved = json.loads((tmp_path / "saved.json").read_text())
    assert str(tmp_path / "src") in {m["name"]: m["origin"] for m in saved["modules"]}[
        "envonly"]
    for command in (["check", "--from", "saved.json"], ["review", "--from", "saved.json"]):
        refused = runner.invoke(cli, command)
        assert refused.exit_code == 2, refused.output
        assert "give the --python and --env it was measured with" in refused.output
    same = runner.invoke(cli, ["check", "--from", "saved.json", "--env",
                               f"PYTHONPATH={tmp_path / 'src'}"])
    assert same.exit_code == 0, same.output  # the checkout's copy has no cycle


def test_a_programs_report_needs_targets_to_be_judged(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    ran = runner.invoke(cli, ["profile", "--repeat", "1", "-o", "program.json", "-c",
                              "import json"])  # what follows -c is the program's argv
    assert ran.exit_code == 0, ran.output
    for command in ("check", "review"):
        refused = runner.invoke(cli, [command, "--from", "program.json"])
        assert refused.exit_code == 2, refused.output
        assert "the report profiles a program" in refused.output


def test_an_editable_install_is_found_by_that_interpreters_finders(
        venv: Path, tmp_path: Path) -> None:
    graph = api.graph(["edpkg"], api.StaticOptions(measure=api.Measure(python=str(venv)),
                                                   cache_dir=tmp_path))
    assert graph.graph is not None
    assert _internal(graph.graph) == {"edpkg", "edpkg.part"}


def test_a_zip_imported_package_is_walked_by_both(venv: Path, tmp_path: Path) -> None:
    profiled = api.profile(["zpkg"], api.Measure(tree=True, python=str(venv), repeat=1,
                                                 memory=False))
    assert {m.name for m in profiled.modules if m.name.startswith("zpkg")} == {
        "zpkg", "zpkg.core", "zpkg.sub", "zpkg.sub.leaf"}
    graph = api.graph(["zpkg"], api.StaticOptions(measure=api.Measure(python=str(venv)),
                                                  cache_dir=tmp_path))
    assert graph.graph is not None
    assert _internal(graph.graph) == {"zpkg", "zpkg.core", "zpkg.sub", "zpkg.sub.leaf"}
    assert {(e.importer, e.imported) for e in graph.graph.edges if not e.external} >= {
        ("zpkg.core", "zpkg.sub.leaf"), ("zpkg.sub.leaf", "zpkg.core")}


def test_each_run_asks_the_interpreter_afresh(asked: list[str]) -> None:
    """What an interpreter said belongs to one run: a second run in the process asks again.

    A process-wide memo would hand a later run (a test, the pytest plugin's next marker)
    what an earlier one learned, stale once a package was installed in between.
    """
    once = api.Measure(python=sys.executable, repeat=1, memory=False)
    api.profile(["json"], once)
    api.profile(["json"], once)
    assert asked == [sys.executable, sys.executable]
