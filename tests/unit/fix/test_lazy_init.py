"""The IA101 rewrite of a package __init__: what becomes lazy, what stays and why."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from importaudit.fix.lazy_init import Surface, plan_init, registration, render_init

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "fix"


def plan(package: str):  # type: ignore[no-untyped-def]
    init = FIX / package / "__init__.py"
    return plan_init(package, init, f"{package}/__init__.py")


def test_plain_reexports_all_become_lazy_with_their_aliases() -> None:
    found = plan("fix_plain")
    assert {(n.name, n.module, n.attr) for n in found.lazy} == {
        ("Circle", ".shapes", "Circle"), ("Box", ".shapes", "Square"),
        ("colours", ".colours", None)}
    assert not found.refusals
    after = render_init(found, Surface(star_names=("Box", "Circle", "colours")))
    tree = ast.parse(after)
    guarded = [n for n in tree.body if isinstance(n, ast.If)]
    assert len(guarded) == 1 and ast.unparse(guarded[0].test) == "TYPE_CHECKING"
    # The imports are kept as written (alias and comment included), only guarded.
    assert "    # Shapes\n    from .shapes import Circle, Square as Box\n" in after
    assert "__all__ = [\n    'Box',\n    'Circle',\n    'colours',\n]" in after
    assert "def _attach(" in after  # one __init__: the helper inline


@pytest.mark.parametrize(("package", "name", "reason", "lazy"), [
    ("fix_sideeffect", "CsvPlugin", "calls REGISTRY from its own package", {"REGISTRY", "lookup"}),
    ("fix_star", None, "import *", set()),
    ("fix_modlevel", "Engine", "used by the module's own code (line 5)", {"Other"}),
    ("fix_conditional", None, "conditional import", {"Base"}),
    ("fix_mutates", "config", "mutates config (line 6)", {"Plain"}),
    ("fix_mutates", "Model", "mutates Model (line 7)", {"Plain"}),
    ("fix_shadow", "widget", "also a submodule of fix_shadow", {"make_widget", "PUBLIC"}),
    ("fix_shadow", None, "private name(s) _helper kept eager", {"make_widget", "PUBLIC"}),
])
def test_what_cannot_be_rewritten_safely_is_left_with_its_reason(
        package: str, name: str | None, reason: str, lazy: set[str]) -> None:
    found = plan(package)
    assert {n.name for n in found.lazy} == lazy
    assert any(r.name == name and reason in r.reason for r in found.refusals), found.refusals


def test_conditional_imports_are_each_listed_with_their_line() -> None:
    lines = sorted(r.line for r in plan("fix_conditional").refusals if r.line)
    assert lines == [8, 13]


def test_a_statement_with_kept_and_lazy_names_is_split() -> None:
    found = plan("fix_modlevel")
    after = render_init(found, Surface(star_names=("DEFAULT", "Engine", "Other")))
    assert "\nfrom .engine import Engine\n" in after
    assert "if TYPE_CHECKING:\n    from .engine import Other\n" in after
    assert after.index("__getattr__, __dir__") < after.index("DEFAULT = Engine()")


def test_shared_helper_is_imported_instead_of_inlined() -> None:
    found = plan("fix_plain")
    after = render_init(found, Surface(), "from ._lazy_exports import attach as _attach")
    assert "def _attach(" not in after
    assert "from ._lazy_exports import attach as _attach" in after


def test_a_module_without_lazy_names_is_returned_unchanged() -> None:
    found = plan("fix_star")
    assert render_init(found, Surface()) == found.source


def test_registration_sees_calls_and_assignments_into_the_own_package() -> None:
    assert registration("from .registry import R\nR.add(1)\n", "pkg") is not None
    assert registration("import pkg.registry\npkg.registry.TABLE['x'] = 1\n", "pkg") is not None
    assert registration("import logging\nlogging.basicConfig()\n", "pkg") is None
    assert registration("from .registry import R\nX = R.make()\n", "pkg") is None


def test_registration_reads_syntax_newer_than_this_python() -> None:
    # A `--python` newer than importaudit's own: PEP 695 and PEP 701 there are no
    # "source does not parse" (which kept every name from the module eager).
    newer = ('from .registry import R\n# comment\n\n'
             'type Alias = int\n\n\ndef first[T](x: T) -> T:\n    return x\n\n\n'
             'LABEL = f"{ {"k": 1}["k"] }"\n')
    assert registration(newer, "pkg") is None
    assert registration(newer + "R.add(1)\n", "pkg") == (
        "it calls R from its own package at import (line 12)")
    assert registration("def broken(:\n", "pkg") == "its source does not parse"


def test_registration_shows_no_warning_about_the_code_it_reads(
        recwarn: pytest.WarningsRecorder) -> None:
    assert registration('PATTERN = "\\d+"\nOTHER = "\\d"\n', "pkg") is None
    assert [w for w in recwarn if issubclass(w.category, SyntaxWarning | DeprecationWarning)] \
        == []


def run_rewritten(tmp_path: Path, package: str, init: str, script: str) -> None:
    """Copy fixture `package` with `init` as its `__init__.py`; `script` must pass there."""
    shutil.copytree(FIX / package, tmp_path / package)
    (tmp_path / package / "__init__.py").write_text(init)
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                         text=True, check=False)
    assert run.returncode == 0, run.stderr


def test_a_package_naming_itself_absolutely_has_its_submodules_made_lazy(
        tmp_path: Path) -> None:
    # pandas' `from pandas import api, arrays, io`: once left eager without a word, so
    # review (which asks this plan what a lazy __init__ defers) counted them eager too.
    found = plan("fix_selfimport")
    assert {(n.name, n.module, n.attr) for n in found.lazy} == {
        ("colours", ".colours", None), ("Circle", "fix_selfimport.shapes", "Circle")}
    assert not found.refusals
    after = render_init(found, Surface(star_names=("Circle", "colours")))
    run_rewritten(tmp_path, "fix_selfimport", after, (
        "import sys, fix_selfimport\n"
        "assert 'fix_selfimport.colours' not in sys.modules\n"
        "assert fix_selfimport.colours.RED == 'red'\n"
        "assert fix_selfimport.Circle.__module__ == 'fix_selfimport.shapes'\n"))


def test_the_modules_own_getattr_and_dir_are_asked_after_the_lazy_names(
        tmp_path: Path) -> None:
    """jinja2's shape: a `def __getattr__` serving a deprecated `__version__`."""
    found = plan("fix_owngetattr")
    assert found.names == ("Engine", "EngineError")
    assert found.own_hooks == {"__getattr__", "__dir__"}
    assert not found.refusals
    after = render_init(found, Surface(own_names=frozenset({"__getattr__", "__dir__"})))
    run_rewritten(tmp_path, "fix_owngetattr", after, (
        "import sys, warnings\n"
        "import fix_owngetattr as p\n"
        "assert 'decimal' not in sys.modules\n"
        "with warnings.catch_warnings(record=True) as seen:\n"
        "    warnings.simplefilter('always')\n"
        "    assert p.__version__ == '1.0'\n"
        "assert seen and seen[0].category is DeprecationWarning\n"
        "assert '__version__' in dir(p) and 'Engine' in dir(p)\n"
        "assert '_getattr_before_lazy' not in dir(p)\n"
        "try:\n"
        "    p.missing\n"
        "except AttributeError as error:\n"
        "    assert 'missing' in str(error)\n"
        "else:\n"
        "    raise SystemExit('no AttributeError')\n"
        "assert p.Engine.precision is not None and 'decimal' in sys.modules\n"))


def test_a_getattr_not_made_by_one_def_is_left_as_it_is() -> None:
    found = plan("fix_getattr_made")
    assert found.names == ()
    assert [r.reason for r in found.refusals] == [
        "the module binds __getattr__ other than by one `def` at module level: "
        "it is left as it is"]


def test_a_getattr_under_if_not_type_checking_is_kept_too(tmp_path: Path) -> None:
    found = plan("fix_getattr_guarded")
    assert found.names == ("App",)
    assert found.own_hooks == {"__getattr__"}
    after = render_init(found, Surface(own_names=frozenset({"__getattr__", "t"})))
    assert "if not t.TYPE_CHECKING:\n\n    def _getattr_before_lazy(name: str)" in after
    run_rewritten(tmp_path, "fix_getattr_guarded", after,
                  "import sys, fix_getattr_guarded as p\n"
                  "assert 'decimal' not in sys.modules and p.__version__ == '2.0'\n"
                  "assert p.App.scale == 1 and 'decimal' in sys.modules\n")


def test_a_getattr_reading_the_module_namespace_is_left_as_it_is() -> None:
    found = plan("fix_getattr_globals")
    assert found.names == ()
    assert [r.reason for r in found.refusals] == [
        "its __getattr__ reads the module's namespace (globals(), vars() or sys.modules), "
        "where the names that would become lazy are not bound"]


def test_the_own_getattr_is_asked_only_once_bound(tmp_path: Path) -> None:
    """An import the __init__ keeps eager may ask for a name before the def is bound."""
    found = plan("fix_owngetattr")
    after = render_init(found, Surface(own_names=frozenset({"__getattr__", "__dir__"})))
    assert "own_getattr='_getattr_before_lazy'" in after
    call_end = after.index(")\n", after.index("__getattr__, __dir__ = _attach(")) + 2
    early = (after[:call_end] + "try:\n    __getattr__('__version__')\n"
             "except AttributeError:\n    pass\n" + after[call_end:])
    run_rewritten(tmp_path, "fix_owngetattr", early,
                  "import fix_owngetattr as p; assert p.__version__ == '1.0'")
