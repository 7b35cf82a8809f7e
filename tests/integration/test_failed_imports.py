"""Failed imports end to end: skipped submodules of a tree walk, and the right module blamed.

`optional_parts` has submodules for another platform (guarded as rich and click guard
theirs, or needing a standard-library module only Windows has) and submodules needing
dependencies that are not installed: a `--tree` walk skips them with the reason and the
run does not fail. `blame_pkg` catches an optional import that fails, then imports a
module that really fails: that module is blamed, not the caught one.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from importaudit import api
from importaudit.cli import cli
from importaudit.model import report_from_dict, report_to_dict
from importaudit.render.github import workflow_commands
from tests.venvs import fresh_venv

RUNTIME = Path(__file__).resolve().parents[1] / "fixtures" / "runtime"

pytestmark = pytest.mark.skipif(sys.platform == "win32",
                                reason="the fixtures' Windows-only modules import there")

PLATFORM_ONLY = {"optional_parts.win_console", "optional_parts.win_asserted",
                 "optional_parts.win_flagged", "optional_parts.win_registry",
                 "optional_parts.win_renderer", "optional_parts.win_handles"}
NOT_INSTALLED = {"optional_parts.needs_extra": "importaudit_fixture_extra_not_installed",
                 "optional_parts.explains_extra": "importaudit_fixture_other_extra"}


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def package(root: Path, name: str, files: dict[str, str]) -> Path:
    """A package `name` under `root` with the given module files (name -> source)."""
    folder = root / name
    folder.mkdir(exist_ok=True)
    for file, source in files.items():
        (folder / file).write_text(source)
    return folder


def tree_report(folder: Path):
    return api.profile([str(folder)], api.Measure(tree=True, repeat=1, memory=False))


def test_a_submodule_a_lazy_attach_lists_only_under_a_platform_test_is_skipped(
        tmp_path: Path) -> None:
    # lazy_loader's `attach(...)` list makes lazy edges the scan does not mark
    # conditional; reading a test only for conditional edges made `_win` (a builtin
    # only Windows has, which no source explains) a failure of the run (exit 3), not a
    # skip.
    folder = package(tmp_path, "attpkg", {
        "__init__.py": ("import sys\n\ntry:\n    import lazy_loader as lazy\n"
                        "except ImportError:\n    lazy = None\n\n"
                        "if sys.platform == 'win32':\n"
                        "    __getattr__, __dir__, __all__ = lazy.attach(__name__, "
                        "submodules=['_win'])\n"),
        "_win.py": "import builtins\n\nBASE = builtins.WindowsError\n",
    })
    report = tree_report(folder)
    assert report.failure is None, report.failure
    [skipped] = report.skipped
    assert skipped.name == "attpkg._win" and skipped.kind == "platform", skipped


def test_tree_skips_modules_for_another_platform_or_missing_dependencies() -> None:
    report = api.profile([str(RUNTIME / "optional_parts")], api.Measure(tree=True, repeat=1,
                                                                        memory=False))
    assert report.failure is None, report.failure
    skipped = {s.name: s for s in report.skipped}
    assert set(skipped) == PLATFORM_ONLY | set(NOT_INSTALLED)
    for name in PLATFORM_ONLY:
        assert skipped[name].kind == "platform", skipped[name]
    for name, missing in NOT_INSTALLED.items():
        assert skipped[name].kind == "missing-dependency"
        assert skipped[name].missing == missing
        assert missing in skipped[name].reason
    console = skipped["optional_parts.win_console"]
    assert "sys.platform == 'win32'" in console.reason
    assert console.file is not None and console.file.endswith("win_console.py")
    assert console.line == 7
    assert "sys.platform == 'win32'" in skipped["optional_parts.win_asserted"].reason
    assert "not WIN" in skipped["optional_parts.win_flagged"].reason
    assert "winreg" in skipped["optional_parts.win_registry"].reason
    # twisted's `from ctypes import WinDLL`: a name its module defines only on Windows.
    assert skipped["optional_parts.win_handles"].reason == (
        "is for another platform: optional_parts._compat defines Handle only under `WIN`")
    # Skipped because what it imports is for another platform: that module is named.
    renderer = skipped["optional_parts.win_renderer"]
    assert renderer.module == "optional_parts.win_console"
    assert "imports optional_parts.win_console" in renderer.reason
    assert any("win_renderer.py" in line for line in renderer.traceback)
    measured = {m.name for m in report.modules if not m.preloaded}
    assert "optional_parts.fine" in measured
    # The skipped modules round-trip through the report's JSON.
    data = json.loads(json.dumps(report_to_dict(report)))
    assert report_from_dict(data).skipped == report.skipped


def test_profile_review_and_check_tree_exit_0_with_skipped_modules(tmp_path: Path) -> None:
    target = str(RUNTIME / "optional_parts")
    out = tmp_path / "profile.json"
    done = invoke("profile", "--tree", target, "--repeat", "1", "--no-memory",
                  "--format", "json", "-o", str(out))
    assert done.exit_code == 0, done.output
    names = {s["name"] for s in json.loads(out.read_text())["skipped"]}
    assert names == PLATFORM_ONLY | set(NOT_INSTALLED)

    text = invoke("profile", "--tree", target, "--repeat", "1", "--no-memory")
    assert text.exit_code == 0, text.output
    assert "FAILED" not in text.output
    summary = [line for line in text.output.splitlines() if line.startswith("skipped ")]
    assert summary == ["skipped 8 submodules that cannot be imported here (2 need a module "
                       "or library that is not installed, 6 for another platform); not "
                       "failures (-v lists them)"]
    verbose = invoke("profile", "--tree", target, "--repeat", "1", "--no-memory", "-v")
    isolated = invoke("profile", "--isolated", target, "--repeat", "1", "--no-memory")
    assert isolated.exit_code == 0, isolated.output  # skipped modules are not run alone
    assert "optional_parts.needs_extra: needs importaudit_fixture_extra_not_installed" \
        in verbose.output

    review = invoke("review", target, "--repeat", "1", "--no-memory", "--format", "json",
                    "-o", str(tmp_path / "review.json"))
    assert review.exit_code in (0, 1), review.output
    findings = json.loads((tmp_path / "review.json").read_text())["findings"]
    # win_asserted sleeps at import (IA601), but a module that did not import is no finding.
    assert not [f for f in findings if f["module"] in PLATFORM_ONLY | set(NOT_INSTALLED)]

    (tmp_path / "pyproject.toml").write_text(
        f'[tool.importaudit]\ntargets = ["{target}"]\nrepeat = 1\nmemory = false\n')
    check = invoke("check", "--config", str(tmp_path / "pyproject.toml"), "--tree",
                   "--format", "json", "-o", str(tmp_path / "check.json"))
    assert check.exit_code == 0, check.output
    checked = json.loads((tmp_path / "check.json").read_text())
    assert not [v for v in checked["verdict"]["violations"] if v["check"] == "import"]


def test_failure_of_the_target_itself_still_fails(tmp_path: Path) -> None:
    folder = package(tmp_path, "needs_dep_pkg", {
        "__init__.py": "import importaudit_fixture_not_installed_dep\n",
        "part.py": "VALUE = 1\n"})
    report = tree_report(folder)
    assert report.failure is not None
    assert report.skipped == ()
    done = invoke("profile", "--tree", str(folder), "--repeat", "1", "--no-memory")
    assert done.exit_code == 3


def test_submodule_failing_inside_the_targets_is_a_failure(tmp_path: Path) -> None:
    # Missing, but inside the targets: the package is broken, not an optional part.
    folder = package(tmp_path, "half_broken", {
        "__init__.py": "", "missing_inside.py": "import half_broken.not_there\n"})
    report = tree_report(folder)
    assert report.skipped == ()
    assert report.failure is not None
    assert report.failure.module == "half_broken.missing_inside"
    # A real error in the targets' code, under a test that is not about the platform.
    package(tmp_path, "half_broken", {"missing_inside.py": (
        "import os\nif os.environ.get('HOME') is not None or True:\n"
        "    raise ImportError('configuration missing')\n")})
    report = tree_report(folder)
    assert report.skipped == ()
    assert report.failure is not None
    assert "configuration missing" in report.failure.message


def test_the_module_whose_failure_propagated_is_blamed() -> None:
    report = api.profile([str(RUNTIME / "blame_pkg")], api.Measure(repeat=1, memory=False))
    failure = report.failure
    assert failure is not None
    # Not blame_pkg.optional_win: it failed first, but that failure was caught.
    assert failure.module == "blame_pkg.real"
    assert "raised in blame_pkg.real" in failure.message
    assert "settings file is corrupt" in failure.message
    assert failure.file == str(RUNTIME / "blame_pkg" / "real.py")
    assert failure.line == 5
    assert failure.traceback[0] == "Traceback (most recent call last):"
    assert '    raise ValueError("settings file is corrupt")' in failure.traceback
    assert failure.traceback[-1] == "ValueError: settings file is corrupt"
    # The caught failure is still on its own record.
    errors = {m.name: m.error for m in report.modules if m.error}
    assert errors["blame_pkg.optional_win"].startswith("ModuleNotFoundError")

    annotation = workflow_commands(report, RUNTIME)[0]
    assert annotation.startswith("::error file=blame_pkg/real.py,line=5,")


def test_a_failure_raised_in_a_library_is_placed_at_the_blamed_modules_line(
        tmp_path: Path) -> None:
    folder = package(tmp_path, "parses", {
        "__init__.py": "from parses import settings\n",
        "settings.py": "import json\n\nDEFAULTS = json.loads('{broken')\n"})
    report = api.profile([str(folder)], api.Measure(repeat=1, memory=False))
    assert report.failure is not None
    assert report.failure.module == "parses.settings"
    assert (report.failure.file, report.failure.line) == (str(folder / "settings.py"), 3)
    # The traceback still goes on into json, where it was raised.
    assert any("json" in line and "decoder.py" in line for line in report.failure.traceback)


def test_traceback_of_a_failure_is_shown_with_verbose() -> None:
    target = str(RUNTIME / "blame_pkg")
    quiet = invoke("profile", target, "--repeat", "1", "--no-memory")
    assert quiet.exit_code == 3
    assert f"raised at {RUNTIME / 'blame_pkg' / 'real.py'}:5" in quiet.output
    assert "Traceback" not in quiet.output
    verbose = invoke("profile", target, "--repeat", "1", "--no-memory", "-v")
    assert "Traceback (most recent call last):" in verbose.output
    assert "in load_settings" in verbose.output


def test_every_renderer_counts_skipped_modules_as_skipped() -> None:
    import io

    from importaudit.render import RenderOptions
    from importaudit.render.html import report_data
    from importaudit.render.markdown import render
    from importaudit.views import report_totals

    report = api.profile([str(RUNTIME / "optional_parts")], api.Measure(tree=True, repeat=1,
                                                                        memory=False))
    sums = report_totals(report)
    assert sums.failed == 0
    assert sums.skipped == len(report.skipped) > 0
    out = io.StringIO()
    render(report, out, RenderOptions())
    assert f"Skipped, not failures: {len(report.skipped)} submodule(s)" in out.getvalue()
    assert "`optional_parts.win_console`" in out.getvalue()
    data = report_data(report)
    assert set(data["skipped"]) == {s.name for s in report.skipped}
    assert data["skipped"]["optional_parts.win_console"].startswith("platform: ")


SHIPPED = RUNTIME / "site-packages" / "shipped_parts"


def _a_shared_library() -> Path:
    """A real shared library of this Python's (one of its extension modules' files)."""
    import importlib

    for name in ("_json", "_csv", "_struct", "array", "_bisect"):
        file = getattr(importlib.import_module(name), "__file__", None)
        if file and file.endswith(".so"):
            return Path(file)
    pytest.skip("no extension module of this Python is a file")


def test_a_shared_library_beside_the_modules_is_not_a_failing_module(tmp_path: Path) -> None:
    # pyarrow ships libarrow_python.so beside its extensions: a bare `.so` the import
    # system takes for an extension module, with no PyInit_libarrow_python. The walk
    # tried it and exited 3.
    folder = package(tmp_path, "ships_libs", {"__init__.py": "", "fine.py": "VALUE = 1\n"})
    shutil.copyfile(_a_shared_library(), folder / "libhelper.so")
    report = api.profile([str(folder)], api.Measure(tree=True, repeat=1, memory=False))
    assert report.failure is None
    (library,) = report.skipped
    assert (library.name, library.kind) == ("ships_libs.libhelper", "not-a-module")
    assert library.reason == ("is no Python module: a shared library that defines no "
                              "PyInit_libhelper, which no import can load")


@pytest.mark.parametrize("isolated", [False, True])
def test_a_module_that_fails_only_after_others_of_the_walk_is_not_a_failure(
        isolated: bool) -> None:
    # twisted.words.tap raised KeyError in the walk (a test script imported before it
    # replaced twisted's module path) and made it exit 3; alone it imports fine.
    report = api.profile([str(RUNTIME / "walk_order")],
                         api.Measure(tree=True, isolated=isolated, repeat=1, memory=False))
    skipped = {s.name: s for s in report.skipped}
    assert set(skipped) == {"walk_order.b_plugins"}
    plugins = skipped["walk_order.b_plugins"]
    assert (plugins.kind, plugins.error) == ("walk-order", "KeyError: 'walk_order'")
    assert plugins.reason.startswith("imports alone in a fresh interpreter")
    # Broken alone too: the walk's failure stands.
    assert report.failure is not None
    assert report.failure.module == "walk_order.c_broken"
    if isolated:  # measured alone, as every module of an isolated run
        plugins_record = next(m for m in report.modules if m.name == "walk_order.b_plugins")
        assert plugins_record.error is None


def test_optional_imports_seen_from_the_modules_top_level_are_skipped() -> None:
    # kombu's Kafka and Redis transports and nltk.twitter's demo made the walk exit 3:
    # a NameError, an attribute read off None, a name bound in a `try`'s `else:`.
    report = api.profile([str(RUNTIME / "optional_names")],
                         api.Measure(tree=True, repeat=1, memory=False))
    skipped = {s.name: (s.kind, s.missing) for s in report.skipped}
    assert skipped == {
        "optional_names.kafka": ("missing-dependency", "importaudit_fixture_kafka"),
        "optional_names.redis_store": ("missing-dependency", "importaudit_fixture_redis"),
        "optional_names.twitter.client": ("missing-dependency", "importaudit_fixture_twython"),
        "optional_names.twitter.demo": ("missing-dependency", "importaudit_fixture_twython"),
        # mlflow.catboost: the optional import of an installed module fails because
        # that module imports one that is not installed (pandas).
        "optional_names.boosting": ("missing-dependency", "importaudit_fixture_dataframes"),
        "optional_names.models.examples": ("missing-dependency",
                                           "importaudit_fixture_dataframes"),
    }
    reasons = {s.name: s.reason for s in report.skipped}
    assert reasons["optional_names.redis_store"] == (
        "needs importaudit_fixture_redis, which is not installed (optional_names.redis_store "
        "raised AttributeError at import: it sets redis to None where the imports of a "
        "`try:` fail, as they do without it)")
    # A name nothing binds, or a None of the module's own, fails wherever it runs.
    failed = {m.name for m in report.modules if m.error is not None}
    assert {"optional_names.typo", "optional_names.none_bug"} <= failed
    assert report.failure is not None
    assert report.failure.module in {"optional_names.typo", "optional_names.none_bug"}


def test_parts_an_installed_package_cannot_offer_here_are_skipped_with_their_cause(
        ) -> None:
    # Read from the files: matplotlib's macOS backend, botocore's CRT signer and Qt
    # backends, PIL's typing module made the whole walk fail (exit 3) before.
    report = api.profile([str(SHIPPED)], api.Measure(tree=True, repeat=1, memory=False))
    skipped = {s.name: s for s in report.skipped}
    assert set(skipped) == {"shipped_parts.backends.backend_native", "shipped_parts.crt_auth",
                            "shipped_parts.qt_compat", "shipped_parts.backends.backend_qt",
                            "shipped_parts._typing", "shipped_parts.qt_for_kernel"}
    native = skipped["shipped_parts.backends.backend_native"]
    assert (native.kind, native.missing) == ("missing-dependency",
                                             "shipped_parts.backends._native")
    assert "which this installation of shipped_parts does not include" in native.reason
    crt = skipped["shipped_parts.crt_auth"]
    assert (crt.kind, crt.missing) == ("missing-dependency", "importaudit_fixture_crt")
    assert crt.reason == ("needs importaudit_fixture_crt, which is not installed "
                          "(`from shipped_parts.compat import importaudit_fixture_crt` "
                          "failed: shipped_parts.compat binds importaudit_fixture_crt only "
                          "in a `try:` that catches ImportError, and its imports fail "
                          "without it)")
    assert skipped["shipped_parts.qt_compat"].reason.startswith(
        "says it cannot be used here (ImportError: Failed to import any of the following")
    assert skipped["shipped_parts.backends.backend_qt"].reason.startswith(
        "imports shipped_parts.qt_compat, which says it cannot be used here")
    # IPython's qt_for_kernel: the raise is in qt_loaders.load_qt, which it calls.
    assert skipped["shipped_parts.qt_for_kernel"].reason.startswith(
        "says it cannot be used here (ImportError: Could not load requested Qt binding.")
    typing_only = skipped["shipped_parts._typing"]
    assert typing_only.kind == "python-version"  # a PEP 810 lazy import: Python 3.15
    assert "its import of numbers (line 5) is lazy there" in typing_only.reason
    # A name its sibling no longer defines fails wherever it runs: still a failure.
    assert report.failure is not None
    assert report.failure.module == "shipped_parts.stale"


def test_the_same_parts_of_a_source_tree_are_failures(tmp_path: Path) -> None:
    # In a checkout, a missing sibling or a module refusing to import is the project's
    # own to fix; an optional dependency outside it, or a newer Python, is not.
    source = tmp_path / "src" / "shipped_parts"
    shutil.copytree(SHIPPED, source)
    report = api.profile([str(source)], api.Measure(tree=True, repeat=1, memory=False))
    assert {s.name for s in report.skipped} == {"shipped_parts.crt_auth",
                                                "shipped_parts._typing"}
    assert report.failure is not None


def test_a_module_in_a_folder_of_files_inside_a_package_is_skipped(tmp_path: Path) -> None:
    """alembic's templates/*/env.py: a folder without __init__.py holding .py files."""
    report = tree_report(RUNTIME / "with_templates")
    assert report.failure is None, report.failure
    [skip] = report.skipped
    assert skip.name == "with_templates.templates.generic.env"
    assert skip.kind == "folder-of-files"
    assert os.path.join("with_templates", "templates") in skip.reason
    assert "RuntimeError: env.py runs under the migration tool" in skip.error
    # The same module in a regular subpackage is the package's own, and fails.
    shutil.copytree(RUNTIME / "with_templates", tmp_path / "with_templates")
    for folder in ("templates", os.path.join("templates", "generic")):
        (tmp_path / "with_templates" / folder / "__init__.py").write_text("")
    failed = tree_report(tmp_path / "with_templates")
    assert failed.failure is not None and not failed.skipped
    assert failed.failure.module == "with_templates.templates.generic.env"


def test_a_platform_test_that_holds_here_or_a_local_name_skips_nothing(
        tmp_path: Path) -> None:
    # A name bound under a platform test true here (and another that is not) is
    # missing for another reason; `def render(plat): if plat == ...:` tests its
    # argument, not the module's `plat = sys.platform.lower()`. Both were skipped as
    # "for another platform", and the run exited 0. Installed, as the attribute read
    # (`_impl.BACKEND`) is looked up on the measured interpreter's sys.path.
    python, site = fresh_venv(tmp_path)
    shutil.copytree(RUNTIME / "platform_here", site / "platform_here")
    result = invoke("profile", "platform_here", "--python", str(python), "--tree",
                    "--repeat", "1", "--no-memory", "-v")
    assert result.exit_code == 3, result.output
    assert "another platform" not in result.output
    assert "platform_here.user FAILED" in result.output
    assert "platform_here.bundle FAILED" in result.output
    assert "platform_here.target_bundle FAILED" in result.output
    # A statement other than `raise` failing under a platform test true here was
    # "for another platform: raised under `sys.platform.startswith(...)`".
    assert "platform_here.chosen_branch FAILED" in result.output


def test_modules_their_package_imports_only_on_another_platform_are_skipped(
        tmp_path: Path) -> None:
    # paramiko's shape: `_winapi` fails at a class statement (no platform test there);
    # only `win_pageant` imports it, and only `agent` imports that, in a function, under
    # `elif sys.platform == "win32":`. `win_console` is imported under an imported flag.
    target = RUNTIME / "platform_importers"
    result = invoke("profile", str(target), "--tree", "--repeat", "1", "--no-memory", "-v")
    assert result.exit_code == 0, result.output
    assert ("platform_importers.win_pageant: is for another platform: "
            "platform_importers.agent imports platform_importers.win_pageant only under "
            "`sys.platform == 'win32'` (agent.py:11)") in result.output
    report = tree_report(target)
    assert report.failure is None, report.failure
    skipped = {s.name: s for s in report.skipped}
    assert set(skipped) == {"platform_importers._winapi", "platform_importers.win_pageant",
                            "platform_importers.win_console", "platform_importers.mac_ports",
                            "platform_importers.win_loader", "platform_importers.win_errors"}
    assert {s.kind for s in skipped.values()} == {"platform"}
    assert "through platform_importers.win_pageant" in skipped[
        "platform_importers._winapi"].reason
    assert "only under `WINDOWS` (tools.py:6)" in skipped[
        "platform_importers.win_console"].reason
    # pyserial's shape: `plat = sys.platform.lower()`, then `elif plat[:6] == 'darwin':`.
    assert "only under `plat[:6] == 'darwin'` (ports.py:10)" in skipped[
        "platform_importers.mac_ports"].reason
    # The flag imported by its absolute name (`from platform_importers._compat import`).
    assert "only under `WINDOWS` (console.py:10)" in skipped[
        "platform_importers.win_errors"].reason
    # watchdog's shape: `ctypes.WinDLL(...)` at the top, imported under a user's flag.
    assert skipped["platform_importers.win_loader"].reason == (
        "is for another platform: ctypes defines WinDLL only under `_os.name == 'nt'`")
    # Imported at the top of another module of the package, it is reached here: it fails.
    shutil.copytree(target, tmp_path / "platform_importers")
    (tmp_path / "platform_importers" / "extra.py").write_text("from . import _winapi\n")
    failed = tree_report(tmp_path / "platform_importers")
    assert failed.failure is not None and failed.failure.module == "platform_importers._winapi"
    assert "platform_importers._winapi" not in {s.name for s in failed.skipped}


def test_modules_their_package_imports_only_on_another_python_say_which_python(
) -> None:
    # pexpect's shape: `compat` imports `modern` only under `sys.version_info >= (3, 99)`
    # and `legacy` only in the else of `version_info >= (3,)`. Each needs another
    # Python, not another platform, and the reason says which.
    target = RUNTIME / "version_importers"
    result = invoke("profile", str(target), "--tree", "--repeat", "1", "--no-memory", "-v")
    assert result.exit_code == 0, result.output
    assert "(2 for another Python version)" in result.output
    assert "for another platform" not in result.output
    report = tree_report(target)
    assert report.failure is None, report.failure
    skipped = {s.name: (s.kind, s.reason) for s in report.skipped}
    assert skipped == {
        "version_importers.modern": (
            "python-version",
            "needs Python >= 3.99: version_importers.compat imports version_importers.modern "
            "only under `sys.version_info >= (3, 99)` (compat.py:7)"),
        "version_importers.legacy": (
            "python-version",
            "needs Python < 3: version_importers.compat imports version_importers.legacy "
            "only in the else of `version_info >= (3,)` (compat.py:11)"),
    }


def test_programs_no_import_statement_can_name_are_not_imported_by_a_walk() -> None:
    # jaraco.text's shape: `strip-prefix.py` is run with `python -m`; the walk imported
    # it (and the command-line library it needs, or skipped it when that was missing)
    # as if importing the package ran it. The static graph still has its imports.
    target = RUNTIME / "script_files"
    result = invoke("profile", str(target), "--tree", "--repeat", "1", "--no-memory")
    assert result.exit_code == 0, result.output
    assert ("did not import 2 module(s) whose file names no import statement can spell "
            "(script_files.strip-prefix, script_files.to-upper)") in result.output
    report = tree_report(target)
    assert report.failure is None, report.failure
    assert report.skipped == ()
    assert {m.name for m in report.modules if m.name.startswith("script_files")} == {
        "script_files", "script_files.layouts"}
    assert report.meta is not None
    assert any("no import statement can spell" in note for note in report.meta.notes)
    graph = invoke("graph", str(target), "--format", "json")
    assert graph.exit_code == 0, graph.output
    assert "script_files.strip-prefix" in {m["name"] for m in json.loads(
        graph.output)["graph"]["modules"]}


def test_a_package_imported_through_its_submodules_gets_no_exclude_hint(
        tmp_path: Path) -> None:
    # `from pkg.sub.x import X` runs pkg/sub/__init__: excluding `pkg.sub` would not
    # leave its failure out, so the message must not say nothing imports it.
    target = package(tmp_path, "through_pkg", {
        "__init__.py": "", "zed.py": "from through_pkg.sub.x import X\n"})
    package(target, "sub", {"__init__.py": "raise LookupError('sub needs data')\n",
                            "x.py": "X = 1\n"})
    result = invoke("profile", str(target), "--tree", "--repeat", "1", "--no-memory")
    assert result.exit_code == 3, result.output
    assert "importing through_pkg.sub failed" in result.output
    assert "--exclude" not in result.output


def test_a_failed_module_nothing_imports_gets_the_exclude_that_leaves_it_out(
        tmp_path: Path) -> None:
    # lxml's `usedoctest` raises LookupError outside a doctest, nltk's `book` without its
    # downloaded data: nothing of their package imports them. They still fail (exit 3),
    # but the message names the `--exclude` (and config key) that leaves them out.
    # `needs_data` is imported by `core` (in a function): excluding it is no advice.
    target = package(tmp_path, "unimported_pkg", {
        "__init__.py": "",
        "core.py": "def load():\n    from . import needs_data\n    return needs_data\n",
        "needs_data.py": "raise LookupError('resource not found')\n",
        "usedoctest.py": "raise LookupError('only use this inside a doctest')\n",
        "z_script.py": "raise ValueError('a script, run by hand')\n",
    })
    result = invoke("profile", str(target), "--tree", "--repeat", "1", "--no-memory")
    assert result.exit_code == 3, result.output
    assert "importing unimported_pkg.needs_data failed" in result.output
    assert "--exclude" not in result.output
    hint = ("no import in unimported_pkg names unimported_pkg.usedoctest, "
            "unimported_pkg.z_script: if only their own setting can import them (a doctest, "
            "a script, downloaded data, a name built at run time), `--exclude "
            "unimported_pkg.usedoctest --exclude unimported_pkg.z_script` (or `exclude = "
            "[\"unimported_pkg.usedoctest\", \"unimported_pkg.z_script\"]` under "
            "[tool.importaudit]) leaves them out of the walk")
    result = invoke("profile", str(target), "--tree", "--repeat", "1", "--no-memory",
                    "--exclude", "unimported_pkg.needs_data", "--format", "json")
    assert result.exit_code == 3, result.output
    failure = json.loads(result.stdout)["failure"]
    assert failure["module"] == "unimported_pkg.usedoctest"
    assert failure["message"] == ("importing unimported_pkg.usedoctest failed: LookupError: "
                                  f"only use this inside a doctest; {hint}")
    result = invoke("profile", str(target), "--tree", "--repeat", "1", "--no-memory",
                    "--exclude", "unimported_pkg.needs_data", "--exclude",
                    "unimported_pkg.usedoctest", "--exclude", "unimported_pkg.z_script")
    assert result.exit_code == 0, result.output


def _excluded_after_its_hint(target: Path, module: str) -> str:
    """Profile `target`'s tree: it fails (3) naming the `--exclude` of `module`, which passes.

    The failing run's output is returned.
    """
    result = invoke("profile", str(target), "--tree", "--repeat", "1", "--no-memory")
    assert result.exit_code == 3, result.output
    assert (f"`--exclude {module}` (or `exclude = [\"{module}\"]` "
            "under [tool.importaudit]) leaves it out of the walk") in result.output
    excluded = invoke("profile", str(target), "--tree", "--repeat", "1", "--no-memory",
                      "--exclude", module)
    assert excluded.exit_code == 0, excluded.output
    return str(result.output)


def test_a_setup_script_that_exits_at_import_gets_the_exclude_that_leaves_it_out(
        tmp_path: Path) -> None:
    # falcon ships falcon/bench/nuts/setup.py: importing it runs setup(), which exits
    # (SystemExit: "error: no commands supplied"). Nothing of falcon imports it; the
    # walk's failure said so for an ImportError-like failure, not for this exit.
    target = package(tmp_path, "exiting_pkg", {"__init__.py": "", "core.py": "X = 1\n"})
    package(target, "bench", {
        "__init__.py": "",
        "setup.py": "import sys\nsys.exit('usage: setup.py cmd\\nerror: no commands supplied')\n",
    })
    output = _excluded_after_its_hint(target, "exiting_pkg.bench.setup")
    assert "importing exiting_pkg.bench.setup failed: SystemExit" in output


def test_a_module_failing_in_a_submodule_of_its_own_gets_the_exclude_that_leaves_it_out(
        tmp_path: Path) -> None:
    # hypothesis.extra.django raises ImproperlyConfigured without DJANGO_SETTINGS_MODULE,
    # from its own `_fields`: excluding hypothesis.extra.django leaves both out, but
    # the hint was dropped because the raise was in another module of the targets.
    target = package(tmp_path, "settings_pkg", {"__init__.py": "", "core.py": "X = 1\n"})
    package(target, "extra", {
        "__init__.py": "from . import _fields\n",
        "_fields.py": "raise RuntimeError('settings are not configured')\n",
    })
    _excluded_after_its_hint(target, "settings_pkg.extra")


@pytest.mark.skipif(shutil.which("cc") is None or sys.platform != "linux",
                    reason="builds a C extension linked to a shared library (Linux)")
def test_an_extension_whose_shared_library_is_not_installed_is_skipped(
        tmp_path: Path) -> None:
    # numba.np.ufunc.tbbpool links to libtbb.so.12 (the optional tbb package); without
    # it the walk exited 3 on an extension numba loads only in a try, on demand.
    import subprocess
    import sysconfig

    libs = tmp_path / "libs"
    libs.mkdir()
    (libs / "needed.c").write_text("int needed(void) { return 1; }\n")
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(libs / "libneeded.so"),
                    str(libs / "needed.c")], check=True)
    target = package(tmp_path, "native_pkg", {
        "__init__.py": "", "core.py": "X = 1\n",
        "pool.c": ("#include <Python.h>\nint needed(void);\n"
                   "static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, \"pool\", 0, -1};\n"
                   "PyMODINIT_FUNC PyInit_pool(void) {\n"
                   "    needed(); return PyModule_Create(&def);\n}\n"),
    })
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    subprocess.run(["cc", "-shared", "-fPIC", f"-I{sysconfig.get_paths()['include']}",
                    "-o", str(target / f"pool{suffix}"), str(target / "pool.c"),
                    f"-L{libs}", "-lneeded", f"-Wl,-rpath,{libs}"], check=True)
    (libs / "libneeded.so").unlink()
    report = tree_report(target)
    assert report.failure is None
    (skip,) = report.skipped
    assert (skip.name, skip.kind, skip.missing) == (
        "native_pkg.pool", "missing-dependency", "libneeded.so")
    result = invoke("profile", str(target), "--tree", "--repeat", "1", "--no-memory")
    assert result.exit_code == 0, result.output
    assert "1 need a module or library that is not installed" in result.output


def test_a_module_the_package_loads_by_name_is_measured_and_not_said_to_be_left_out() -> None:
    # `import_module(__name__ + ".data-v1")` in the package's own `__init__`: importing
    # the package runs it, so the walk measured it; only the program is left out.
    target = RUNTIME / "named_data"
    report = tree_report(target)
    assert report.failure is None, report.failure
    assert {m.name for m in report.modules if m.name.startswith("named_data")} == {
        "named_data", "named_data.data-v1"}
    assert report.meta is not None
    assert [n for n in report.meta.notes if "no import statement can spell" in n] == [
        "did not import 1 module(s) whose file names no import statement can spell "
        "(named_data.run-report): only importlib.import_module or `python -m` loads them "
        "(programs, migrations), and importing the targets did not"]


@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="glibc's word for a symbol ctypes did not find")
def test_a_module_whose_ctypes_library_is_not_found_here_is_skipped() -> None:
    # IPython.terminal.pt_inputhooks.osx loads "objc" through ctypes.util.find_library:
    # on Linux it finds none, ctypes loads the interpreter in its place, and reading
    # objc_getClass raises AttributeError. The walk of IPython exited 3 on it.
    report = api.profile([str(RUNTIME / "native_hooks")],
                         api.Measure(tree=True, repeat=1, memory=False))
    assert report.failure is None, report.failure
    (hook,) = report.skipped
    assert (hook.name, hook.kind, hook.missing) == (
        "native_hooks.cocoa", "missing-dependency", "importaudit_fixture_objc")
    # The library the failing statement reads, not every library the module loads.
    assert hook.reason == (
        "needs the shared library importaudit_fixture_objc, which ctypes.util.find_library "
        "does not find here (ctypes loaded the interpreter in its place, which has no "
        "importaudit_fixture_get_class)")
    assert "native_hooks.plain" in {m.name for m in report.modules}


@pytest.mark.skipif(hasattr(__import__("select"), "kqueue"),
                    reason="kqueue_like imports where select has kqueue")
def test_modules_the_package_imports_only_under_its_own_false_platform_functions_are_skipped(
        tmp_path: Path) -> None:
    # watchdog's shape: `elif platform.is_bsd(): from . import kqueue`, where
    # `platform` is the package's module, `is_bsd()` returns `__platform__ ==
    # PLATFORM_BSD` and `__platform__ = get_platform_name()` tests sys.platform; and
    # `IS_WIN = _is_windows()`, imported by name and read as `_compat.IS_WIN`. The
    # three failed the run (exit 3): no test the scanners read was false here.
    # watchmedo imports kqueue too, under its user's flag: what kqueue lacks is the
    # compiled `select`'s, which the package chose it for other platforms for.
    target = RUNTIME / "platform_functions"
    result = invoke("profile", str(target), "--tree", "--repeat", "1", "--no-memory", "-v")
    assert result.exit_code == 0, result.output
    skipped = {s.name: s for s in tree_report(target).skipped}
    assert {name: s.reason for name, s in skipped.items()} == {
        "platform_functions.kqueue_like": (
            "is for another platform: platform_functions.observers imports "
            "platform_functions.kqueue_like only under `platform.is_bsd()` (observers.py:12); "
            "elsewhere only under tests the platform does not decide, and select (compiled: "
            "no source to read) has no KQ_FILTER_VNODE here"),
        "platform_functions.win_console": (
            "is for another platform: platform_functions.console imports "
            "platform_functions.win_console only under `IS_WIN` (console.py:7)"),
        "platform_functions.win_registry": (
            "is for another platform: platform_functions.console imports "
            "platform_functions.win_registry only under `_compat.IS_WIN` (console.py:12)"),
    }


@pytest.mark.parametrize("guard", ["platform.is_linux()", "platform.from_environment()"])
def test_a_failure_under_a_platform_function_true_here_or_one_read_from_elsewhere_counts(
        tmp_path: Path, guard: str) -> None:
    # Under a function that is true here, the module is imported here: its failure is
    # one. A function that tests anything but the platform tells nothing: the user
    # may set it anywhere.
    folder = tmp_path / "platform_functions"
    shutil.copytree(RUNTIME / "platform_functions", folder)
    platform = folder / "utils" / "platform.py"
    platform.write_text(platform.read_text() + "\n\ndef from_environment() -> bool:\n"
                        '    return os.environ.get("USE_BROKEN") == "1"\n')
    (folder / "broken.py").write_text("import builtins\n\nERRORS = builtins.WindowsError\n")
    (folder / "chooser.py").write_text("from .utils import platform\n\n"
                                       f"if {guard}:\n    from . import broken\n")
    (folder / "__init__.py").write_text("from . import chooser, console, observers\n")
    report = tree_report(folder)
    assert report.failure is not None, [s.name for s in report.skipped]
    assert report.failure.module == "platform_functions.broken"
    assert "platform_functions.broken" not in {s.name for s in report.skipped}


@pytest.mark.skipif(hasattr(__import__("select"), "kqueue"),
                    reason="select has kqueue's names here")
@pytest.mark.parametrize(("source", "guarded", "skipped"), [
    # What the compiled `select` lacks, imported for BSD and on a user's flag: skipped.
    ("import select\n\nFILTER = select.KQ_FILTER_VNODE\n", True, True),
    # The module's own error, which the flag's user meets here as anywhere: a failure.
    ("from . import polling\n\nOBSERVER = polling.KqueueObserver\n", True, False),
    # On the user's flag alone: nothing says the package chose it for elsewhere.
    ("import select\n\nFILTER = select.KQ_FILTER_VNODE\n", False, False),
])
def test_a_module_also_imported_on_a_users_flag_is_skipped_only_for_what_the_platform_lacks(
        tmp_path: Path, source: str, guarded: bool, skipped: bool) -> None:
    folder = tmp_path / "platform_functions"
    shutil.copytree(RUNTIME / "platform_functions", folder)
    (folder / "forced.py").write_text(source)
    chooser = ("from .utils import platform\n\nif platform.is_bsd():\n"
               "    from . import forced\n\n\n" if guarded else "")
    (folder / "chooser.py").write_text(chooser + "def pick(force: bool) -> None:\n"
                                       "    if force:\n        from . import forced\n")
    (folder / "__init__.py").write_text("from . import chooser, console, observers\n")
    report = tree_report(folder)
    names = {s.name for s in report.skipped}
    assert ("platform_functions.forced" in names) is skipped
    assert (report.failure is None) is skipped, report.failure
