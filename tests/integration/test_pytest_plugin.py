"""The pytest plugin in real pytest sessions (pytester): fixture, marker, --importaudit."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

GATE_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "gate"


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A pytester directory holding a copy of the gate fixture package."""
    shutil.copytree(GATE_FIXTURES / "gatepkg", pytester.path / "gatepkg")
    return pytester


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # A subprocess: the plugin comes from the installed pytest11 entry point, as for users.
    # Hypothesis's plugin (also a pytest11 entry point) imports all of hypothesis at
    # start-up, about 1 s of CPU per run; these sessions use none of it.
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:hypothesispytest",
                                         *args)


def test_plugin_is_registered_and_costs_nothing_at_import():
    code = ("import sys; before = set(sys.modules); import importaudit.pytest_plugin; "
            "print(sorted(m for m in set(sys.modules) - before "
            "if m.split('.')[0] in ('importaudit', 'click', 'rich', 'networkx')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == "['importaudit', 'importaudit._version', 'importaudit.pytest_plugin']"
    from importlib.metadata import entry_points

    names = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert names.get("importaudit") == "importaudit.pytest_plugin"


def test_import_profile_fixture_returns_the_report(project):
    project.makepyfile(test_profile="""
        def test_startup(import_profile):
            report = import_profile("gatepkg")
            names = [m.name for m in report.modules if not m.preloaded]
            assert names == ["gatepkg", "gatepkg.core", "gatepkg.util"]
            assert report.failure is None
            util = next(m for m in report.modules if m.name == "gatepkg.util")
            assert util.importer == "gatepkg.core"
    """)
    run(project).assert_outcomes(passed=1)


def test_marker_passes_within_budget(project):
    project.makepyfile(test_budget="""
        import pytest

        @pytest.mark.import_budget("gatepkg", max_modules=5, forbid=["json"])
        def test_cheap():
            pass
    """)
    result = run(project, "--strict-markers")
    result.assert_outcomes(passed=1)


def test_marker_failure_reads_like_a_pytest_failure(project):
    (project.path / "gatepkg" / "util.py").write_text(
        "import json\n" + (project.path / "gatepkg" / "util.py").read_text())
    project.makepyfile(test_budget="""
        import pytest

        @pytest.mark.import_budget("gatepkg", max_modules=3, forbid=["json"])
        def test_cheap():
            pass
    """)
    result = run(project)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*import budget of gatepkg exceeded:*",
        "*FAIL budget.max_modules gatepkg: importing gatepkg loads * modules, budget 3*",
        "*FAIL forbidden gatepkg -> json: importing gatepkg loads forbidden json "
        "(via gatepkg -> gatepkg.core -> gatepkg.util -> json)*",
        "*chain: gatepkg -> gatepkg.core -> gatepkg.util -> json*",
    ])
    assert "Traceback" not in result.stdout.str()
    assert "pytest_plugin.py" not in result.stdout.str()
    assert "During handling" not in result.stdout.str()
    assert result.stdout.str().count("import budget of gatepkg exceeded:") == 2  # body, summary


def test_marker_with_a_bad_argument_fails_clearly(project):
    project.makepyfile(test_budget="""
        import pytest

        @pytest.mark.import_budget("gatepkg", max_modules="many", colour="red")
        def test_x():
            pass

        @pytest.mark.import_budget("gatepkg", max_modules="many")
        def test_y():
            pass

        @pytest.mark.import_budget("gatepkg", max_modules=10, repeat="3")
        def test_z():
            pass
    """)
    result = run(project)
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines([
        "*import_budget: unknown argument colour*",
        "*budgets.gatepkg.max_modules: expected an integer, got string 'many'*",
        "*tool.importaudit.repeat: expected an integer, got string '3'*",
    ])
    assert "Traceback" not in result.stdout.str()


def test_failing_test_body_is_reported_as_itself(project):
    project.makepyfile(test_budget="""
        import pytest

        @pytest.mark.import_budget("gatepkg", max_modules=1)
        def test_body_fails():
            assert 1 == 2
    """)
    result = run(project)
    result.assert_outcomes(failed=1)
    assert "import budget" not in result.stdout.str()


def test_importaudit_option_runs_the_configured_gate(project):
    project.makepyprojecttoml("""
        [tool.importaudit]
        targets = ["gatepkg"]
        repeat = 1
        memory = false

        [tool.importaudit.forbidden]
        gatepkg = ["json"]
    """)
    project.makepyfile(test_nothing="def test_ok():\n    pass\n")
    run(project).assert_outcomes(passed=1)  # without the option: no gate item
    run(project, "--importaudit").assert_outcomes(passed=2)

    (project.path / "gatepkg" / "util.py").write_text(
        "import json\n" + (project.path / "gatepkg" / "util.py").read_text())
    result = run(project, "--importaudit", "-rf")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "*importaudit check of gatepkg failed:*",
        "*FAIL forbidden gatepkg -> json: importing gatepkg loads forbidden json*",
    ])


def test_importaudit_option_reports_config_errors_without_traceback(project):
    project.makepyprojecttoml("""
        [tool.importaudit]
        targets = ["gatepkg"]
        repeats = 1
    """)
    result = run(project, "--importaudit")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*unknown key 'repeats' (did you mean 'repeat'?)*"])
    assert "Traceback" not in result.stdout.str()
