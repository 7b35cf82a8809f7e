"""The cycle trial's child runs inside the user's interpreter: check it on Python 3.9 to 3.13.

What it watches: a watched module whose import started, raised and was caught by the
code importing it is reported with where it was caught; the imported code sees its
real loader; a failure nothing caught is the trial's own error, not a caught one.
Set IMPORTAUDIT_REQUIRE_PYTHONS to make a missing interpreter a failure (see
test_probe_pythons).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_probe_pythons import VERSIONS, interpreter

from importaudit.runtime.interpreter import find_interpreter
from importaudit.runtime.verify import half_initialised, run_trial

STATIC = Path(__file__).resolve().parents[1] / "fixtures" / "static"
CAUGHT = STATIC / "caughtcycle"


@pytest.mark.parametrize("version", VERSIONS)
def test_a_watched_import_that_failed_and_was_caught_is_reported(version: str) -> None:
    python = find_interpreter(interpreter(version))
    trial, loaded = run_trial(python, "accelpkg", extra_path=[str(CAUGHT)],
                              watched=["accelpkg._speedups"])
    assert (trial.error, loaded) == (None, frozenset())
    (caught,) = trial.caught
    assert caught.module == "accelpkg._speedups"
    assert half_initialised(caught.error) == "accelpkg"
    assert (Path(caught.file or "").name, caught.line) == ("_speedups.py", 3)
    assert (caught.by, Path(caught.by_file or "").resolve(), caught.by_line) == (
        "accelpkg", CAUGHT / "accelpkg" / "__init__.py", 4)
    # A dependency that is not installed: caught too, with its own error.
    trial, _ = run_trial(python, "optpkg", extra_path=[str(CAUGHT)],
                         watched=["optpkg._native"])
    assert [(c.module, c.error, c.by) for c in trial.caught] == [
        ("optpkg._native", "ModuleNotFoundError: No module named "
         "'optpkg_missing_dependency'", "optpkg")]


@pytest.mark.parametrize("version", VERSIONS)
def test_watching_leaves_the_imported_code_its_real_loader(version: str) -> None:
    # lookpkg raises unless `importlib.util.find_spec` gives the finders' own spec, and
    # its plugin unless it runs with its real loader on __loader__ and __spec__.loader.
    python = find_interpreter(interpreter(version))
    trial, loaded = run_trial(python, "lookpkg", extra_path=[str(CAUGHT)],
                              watched=["lookpkg.plugin"])
    assert (trial.error, trial.caught, loaded) == (None, (), frozenset({"lookpkg.plugin"}))


@pytest.mark.parametrize("version", VERSIONS)
def test_a_failure_nothing_caught_is_the_trials_error(version: str) -> None:
    python = find_interpreter(interpreter(version))
    trial, _ = run_trial(python, "pkg_a.core", extra_path=[str(STATIC / "cyclic")],
                         watched=["pkg_b.service"])
    assert half_initialised(trial.error) == "pkg_a.core"
    assert trial.caught == ()


@pytest.mark.parametrize("version", VERSIONS)
def test_watching_leaves_a_find_module_finder_its_turn(version: str) -> None:
    # Before 3.12 the import system asks a finder with only find_module in its turn:
    # the watcher asked only those with find_spec, and legpkg.mod came from its file.
    python = find_interpreter(interpreter(version))
    trial, loaded = run_trial(python, "legpkg", extra_path=[str(CAUGHT)],
                              watched=["legpkg.mod"])
    assert (trial.error, trial.caught, loaded) == (None, (), frozenset({"legpkg.mod"}))


@pytest.mark.parametrize("version", VERSIONS)
def test_a_caught_error_is_reported_once_and_one_raised_again_not_at_all(
        version: str) -> None:
    python = find_interpreter(interpreter(version))
    # One error leaves resilience_utils' import, then shared_utils', then is caught.
    trial, _ = run_trial(python, "guardpkg.resilience", extra_path=[str(CAUGHT)],
                         watched=["guardpkg.resilience_utils", "guardpkg.shared_utils"])
    assert [(c.module, c.through) for c in trial.caught] == [
        ("guardpkg.resilience_utils", ("guardpkg.shared_utils",))]
    # Caught, and raised again as another error: the trial's error, not a caught one.
    trial, _ = run_trial(python, "reraisepkg", extra_path=[str(CAUGHT)],
                         watched=["reraisepkg._speedups"])
    assert trial.error is not None and "reinstall it" in trial.error
    assert trial.caught == ()
    # Caught, then a fallback that fails on its own (raised while handling it, not
    # from it): the circular failure was caught all the same (rev30).
    trial, _ = run_trial(python, "fallbackpkg", extra_path=[str(CAUGHT)],
                         watched=["fallbackpkg._speedups"])
    assert trial.error is not None and "pure_backend_not_installed" in trial.error
    assert [c.module for c in trial.caught] == ["fallbackpkg._speedups"]
