"""The IA101 rewrite of a package __init__: what becomes lazy, what stays and why."""

from __future__ import annotations

import ast
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
