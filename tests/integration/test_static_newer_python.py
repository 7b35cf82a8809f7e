"""The static graph of a project written for a newer Python than importaudit's own.

importaudit installed on 3.11 (pipx's Python), the project's venv on 3.12+ and named
with `--python`: its `type X[T] = ...` and `def f[T]()` files were "syntax error:
invalid syntax" here, their imports missing, and a cycle through them unreported.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from importaudit import api
from tests.integration.test_probe_pythons import find_python

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "static" / "newsyntax"
SPARE = FIXTURE.parent / "newspare"


def _newer_python() -> str:
    """An interpreter 3.12+ and newer than this one (the fixture needs PEP 695)."""
    required = os.environ.get("IMPORTAUDIT_REQUIRE_PYTHONS", "").split(",")
    for version in ("3.13", "3.12"):
        if (3, int(version[2:])) > sys.version_info[:2]:
            found = find_python(version)
            if found is not None:
                return found
            if version in required:  # (CI requires them: never a silent skip there)
                pytest.fail(f"Python {version} is required here but was not found")
    pytest.skip("no Python 3.12+ newer than this one here")


@pytest.mark.parametrize("cache", [False, True])
def test_files_only_a_newer_python_parses_are_read_by_it(cache: bool,
                                                         tmp_path: Path) -> None:
    python = _newer_python()
    options = api.StaticOptions(measure=api.Measure(python=python), cache=cache,
                                cache_dir=tmp_path if cache else None)
    for _ in range(2 if cache else 1):  # a warm run keeps what the child read
        graph = api.static_graph([str(FIXTURE)], options)
        edges = {(e.importer, e.imported, e.kind.value) for e in graph.edges}
        assert {("newsyntax.generic", "json", "eager"),
                ("newsyntax.generic", "newsyntax.registry", "eager"),
                ("newsyntax.generic", "decimal", "deferred")} <= edges
        # What no Python parses stays a syntax error of its file, and only that one.
        assert [(Path(p.file).name, p.reason) for p in graph.problems] == [
            ("broken.py", "syntax error: invalid syntax")]
        # The report says which files another parser read, and what that leaves out.
        [note] = [n for n in graph.notes if "cannot parse" in n]
        assert "generic.py" in note and "broken.py" not in note
        assert f"Python {sys.version_info[0]}.{sys.version_info[1]} " in note


def test_the_cycle_through_such_a_file_is_found() -> None:
    report = api.cycles([str(FIXTURE)], api.StaticOptions(
        measure=api.Measure(python=_newer_python()), cache=False, verify=False))
    assert [sorted(c.modules) for c in report.cycles] == [
        ["newsyntax.generic", "newsyntax.registry"]]


def test_test_named_modules_such_a_file_imports_are_walked() -> None:
    # `newspare.testing` (imported by the package, so walked) reaches `tests.helpers`
    # only through its 3.12 source: read after the walk of test-named modules had
    # ended, the tests were left out and the cycle missed (rev25).
    report = api.cycles([str(SPARE)], api.StaticOptions(
        measure=api.Measure(python=_newer_python()), cache=False, verify=False))
    assert [sorted(c.modules) for c in report.cycles] == [
        ["newspare.core", "newspare.testing", "newspare.tests.helpers"]]


def test_a_failed_read_is_said_and_not_cached(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # The measured interpreter timed out (a loaded CI machine): the files stay syntax
    # errors, the report says why, and the next run asks again instead of being served
    # the incomplete graph from the cache.
    from importaudit.static import foreign
    from importaudit.static.foreign import Unread

    def timed_out(python: str, paths: list[str]) -> dict[str, list[object]]:
        raise Unread("timed out after 32 s")

    options = api.StaticOptions(measure=api.Measure(python=_newer_python()),
                                cache_dir=tmp_path)
    with monkeypatch.context() as patched:
        patched.setattr(foreign, "rescan", timed_out)
        graph = api.static_graph([str(FIXTURE)], options)
    [note] = [n for n in graph.notes if "could not be read" in n]
    assert "generic.py" in note and "timed out after 32 s" in note
    assert "newsyntax.registry" not in {e.imported for e in graph.edges}
    graph = api.static_graph([str(FIXTURE)], options)
    assert not [n for n in graph.notes if "could not be read" in n]
    assert ("newsyntax.generic", "newsyntax.registry") in {
        (e.importer, e.imported) for e in graph.edges}
