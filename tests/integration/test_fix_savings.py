"""`fix` proposes only what saves something, and the narrowest import where it pays.

Each fixture package is copied into tmp_path; `fix` reviews it, plans, proves and
measures in child interpreters. Module counts are asserted, never times.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest  # noqa: TC002 - fixtures' type, used at run time by pytest too

from importaudit import api

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "fix"


def copied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *packages: str) -> None:
    for name in packages:
        shutil.copytree(FIX / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)


def test_a_deferral_that_saves_nothing_as_the_code_is_is_not_proposed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # fix_nosave's eager __init__ imports fix_nosave.util itself (as sqlalchemy's does):
    # moving sql.table's `from fix_nosave.util import helper` into its function saves
    # a process importing fix_nosave.sql.table nothing. The review still says what it
    # would save with that __init__ lazy, and that it saves nothing today; fix leaves
    # it as it is and says why.
    copied(tmp_path, monkeypatch, "fix_nosave")
    options = api.Measure(repeat=1)
    report = api.review(["fix_nosave"], api.ReviewOptions(measure=options, select=("IA103",)))
    (finding,) = report.findings
    assert finding.module == "fix_nosave.sql.table"
    assert finding.message.endswith("fixing this one alone saves nothing today.")

    result = api.fix(["fix_nosave"], api.FixOptions(measure=options, select=("IA103",)))
    assert result.rewrites == ()
    assert [(r.module, r.reason) for r in result.refusals] == [
        ("fix_nosave.sql.table",
         "helper stays: saves nothing: fix_nosave.util is loaded anyway by fix_nosave")]


def test_a_narrower_import_is_written_where_it_loads_less_and_refused_where_not(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copied(tmp_path, monkeypatch, "fix_narrow", "fix_narrow_dep", "fix_narrow_eager")
    result = api.fix(["fix_narrow"], api.FixOptions(measure=api.Measure(repeat=1),
                                                    select=("IA103",), write=True))
    # user.py: Helper is a base class (it cannot be deferred) and fix_narrow_dep's
    # __init__ imports nothing: importing it from its defining module saves asyncio.
    (rewrite,) = result.rewrites
    assert rewrite.passed and rewrite.module == "fix_narrow.user"
    assert (rewrite.kind, rewrite.narrowed, rewrite.names) == ("narrowed", ("Helper",), ())
    # Measured from `import fix_narrow.user`, as the review planned it on the load graph.
    assert rewrite.exclusive is not None and rewrite.exclusive["modules"] >= 20
    text = (tmp_path / "fix_narrow" / "user.py").read_text()
    assert "\nfrom fix_narrow_dep.small import Helper\n" in text
    assert "fix_narrow_dep.api" not in text.split('"""')[-1]
    done = subprocess.run(
        [sys.executable, "-c", "import sys, fix_narrow.user as u; "
         "print('asyncio' in sys.modules, u.Thing().name())"],
        cwd=tmp_path, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "thing:Thing"]

    # eager_user.py: fix_narrow_eager's __init__ imports its api module, so importing
    # Helper from fix_narrow_eager.small loads as much: refused, with the reason.
    reasons = [r.reason for r in result.refusals if r.module == "fix_narrow.eager_user"]
    assert ("Helper not imported from fix_narrow_eager.small: saves nothing: "
            "fix_narrow_eager.api and") in " ".join(reasons)
    assert any(r.endswith("are loaded anyway by fix_narrow_eager") for r in reasons)
    assert "from fix_narrow_eager.api import Helper" in (
        tmp_path / "fix_narrow" / "eager_user.py").read_text()


def test_both_sides_are_measured_with_bytecode_as_an_installed_package_loads(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Under PYTHONDONTWRITEBYTECODE (set in many container images) the temporary copies
    # never got a .pyc: every run compiled every module it loaded, and the "before"
    # side loads far more of them (arrow's before read 302 ms, importing it costs 45).
    copied(tmp_path, monkeypatch, "fix_plain")
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    result = api.fix(["fix_plain"], api.FixOptions(measure=api.Measure(repeat=1)))
    assert result.passed and result.before is not None and result.after is not None
    for side in (result.before, result.after):
        ours = [m for m in side.modules if m.name.startswith("fix_plain")]
        assert ours and all(m.bytecode_cached for m in ours), [
            (m.name, m.bytecode_cached) for m in ours]
    # Nothing is written into the user's own package for it.
    assert not (tmp_path / "fix_plain" / "__pycache__").exists()


def test_a_rewrite_that_would_save_nothing_is_not_offered(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # pendulum's lazy `__init__` kept eager the names its own functions use, which load
    # what the lazy ones would defer: proven, it saved nothing measured, and was still
    # offered and written. fix_idle's `__init__` is that shape; `sub`'s saves decimal.
    # The review now counts deferred only what this lazy `__init__` would defer
    # (`Engine` stays eager), so it finds nothing to save there and offers nothing.
    from click.testing import CliRunner

    from importaudit.cli import cli

    copied(tmp_path, monkeypatch, "fix_idle")
    original = (tmp_path / "fix_idle" / "__init__.py").read_text()
    result = api.fix(["fix_idle"], api.FixOptions(measure=api.Measure(repeat=1),
                                                  select=("IA101",), write=True))
    assert [(r.module, r.passed) for r in result.rewrites] == [("fix_idle.sub", True)]
    (sub,) = result.rewrites
    assert sub.exclusive is not None and sub.exclusive["modules"] >= 2
    assert result.written == (tmp_path / "fix_idle" / "sub" / "__init__.py",)
    assert (tmp_path / "fix_idle" / "__init__.py").read_text() == original
    assert "__getattr__" in (tmp_path / "fix_idle" / "sub" / "__init__.py").read_text()

    # With only the rewrite that saves nothing, there is nothing to apply: exit 0.
    shutil.rmtree(tmp_path / "fix_idle")
    copied(tmp_path, monkeypatch, "fix_idle")
    shutil.rmtree(tmp_path / "fix_idle" / "sub")
    done = CliRunner().invoke(cli, ["fix", "fix_idle", "--repeat", "1",
                                    "--select", "IA101"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert "+++ " not in done.output
    # Saying why: a bare "0 rewrite(s) proposed" left the user guessing.
    assert done.output == ("0 rewrite(s) proposed: the review (IA101) found no import in "
                           "fix_idle whose rewrite would save anything measurable\n"), \
        done.output


def test_a_class_whose_metaclass_hides_its_module_is_proven_the_same(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # wrapt.wrappers' classes have a metaclass whose own `__module__` is a property: the
    # proof described their type with the property's repr, an address that differs in
    # each interpreter, and withdrew a correct rewrite of wrapt as changing them.
    copied(tmp_path, monkeypatch, "fix_proxy")
    result = api.fix(["fix_proxy"], api.FixOptions(measure=api.Measure(repeat=1),
                                                   select=("IA101",)))
    assert [r.module for r in result.passed] == ["fix_proxy"], [
        (r.module, [b.message for b in r.broke]) for r in result.rewrites]
