"""The IA102/IA103 rewrite: imports move into exactly the functions using them, or stay."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from importaudit.fix.defer import plan_defer, render_defer

if TYPE_CHECKING:
    from importaudit.model import Report

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "fix"
DEP = frozenset({"fix_defer_dep"})


def plan(module: str, roots: frozenset[str] = DEP):  # type: ignore[no-untyped-def]
    file = FIX / "fix_defer" / f"{module}.py"
    return plan_defer(f"fix_defer.{module}", file, f"fix_defer/{module}.py", roots)


def leading_imports(source: str) -> dict[str, list[str]]:
    """Each function's (qualified name) import statements at the top of its body."""
    found: dict[str, list[str]] = {}

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                if isinstance(child, ast.FunctionDef):
                    body = child.body[1:] if ast.get_docstring(child) else child.body
                    found[name] = [ast.unparse(s) for s in body
                                   if isinstance(s, ast.Import | ast.ImportFrom)]
                walk(child, name + ".")

    walk(ast.parse(source), "")
    return found


def test_imports_move_into_exactly_the_functions_using_them(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(FIX))  # the rewritten functions import fix_defer_dep
    found = plan("used")
    assert not found.refusals
    assert set(found.names) == {"dep", "helper", "other"}
    after = render_defer(found)
    tree = ast.parse(after)
    assert not [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    # Forms kept (`as dep`), each function gets only the names it uses, after its
    # docstring; the one-line function becomes a block; `untouched` gets nothing.
    assert leading_imports(after) == {
        "first": ["import fix_defer_dep as dep", "from fix_defer_dep.sub import other"],
        "second": ["from fix_defer_dep.sub import helper"],
        "untouched": [],
        "Holder.method": ["import fix_defer_dep as dep"],
    }
    assert '    """Uses dep and other."""\n    import fix_defer_dep as dep\n' in after
    namespace: dict[str, object] = {}
    exec(compile(after, "used.py", "exec"), namespace)
    assert "dep" not in namespace
    assert namespace["first"](1) == 3  # type: ignore[operator]
    assert namespace["second"](1) == 2  # type: ignore[operator]


def test_lazy_annotations_keep_a_type_checking_import() -> None:
    found = plan("annotated")
    assert found.names == ("Base",) and found.typing == {"Base"}
    after = render_defer(found)
    assert "if TYPE_CHECKING:\n    from fix_defer_dep import Base\n" in after
    assert leading_imports(after)["make"] == ["from fix_defer_dep import Base"]
    assert found.added == ("TYPE_CHECKING",)


@pytest.mark.parametrize(("module", "name", "reason"), [
    ("modlevel", "fix_defer_dep", "module-level code uses it (line 5)"),
    ("decorator", "decorate", "a decorator uses it (line 6)"),
    ("base", "Base", "a base class uses it (line 6)"),
    ("default", "VALUE", "a default argument uses it (line 6)"),
    ("classbody", "VALUE", "the body of class Settings uses it (line 7)"),
    ("globalstmt", "fix_defer_dep", "a `global fix_defer_dep` statement (line 7)"),
    ("rebound", "VALUE", "VALUE is bound more than once"),
    ("evaluated", "Base", "an evaluated annotation uses it (line 6"),
])
def test_each_use_at_import_refuses_the_move_with_its_reason(
        module: str, name: str, reason: str) -> None:
    found = plan(module)
    assert not found.names and not found.moves
    (refusal,) = found.refusals
    assert refusal.name == name and reason in refusal.reason
    assert refusal.line is not None and refusal.file == f"fix_defer/{module}.py"
    assert render_defer(found) == found.source


def test_conditional_import_is_refused() -> None:
    found = plan("conditional")
    assert not found.names
    assert [r.line for r in found.refusals] == [4]
    assert "conditional import" in found.refusals[0].reason


def test_side_effect_import_the_package_relies_on_is_refused() -> None:
    found = plan("sideeffect", frozenset({"fix_defer.plugins"}))
    assert not found.names
    (refusal,) = found.refusals
    assert "side effect" in refusal.reason and "PLUGINS" in refusal.reason


def test_a_name_other_modules_import_from_here_stays() -> None:
    file = FIX / "fix_defer" / "used.py"
    found = plan_defer("fix_defer.used", file, "used.py", DEP, exported=frozenset({"dep"}))
    assert set(found.names) == {"helper", "other"}
    assert any(r.name == "dep" and "API" in r.reason for r in found.refusals)
    assert "import fix_defer_dep as dep\n" in render_defer(found).split("def ")[0]


def test_an_annotation_only_name_of_the_dependency_goes_under_type_checking() -> None:
    # rich.markdown's case: deferring MarkdownIt alone saves nothing while the
    # annotation-only `from markdown_it.token import Token` still loads markdown_it.
    found = plan("typed")
    assert not found.refusals  # an import under `if TYPE_CHECKING:` is not conditional
    assert set(found.names) == {"fix_defer_dep", "Base"} and found.typing == {"Base"}
    after = render_defer(found)
    # Into the module's own block, after what it held: one block, not one per rewrite.
    assert ("if TYPE_CHECKING:\n    from fix_defer_dep.sub import helper\n"
            "    from fix_defer_dep import Base\n") in after
    assert after.count("if TYPE_CHECKING") == 1
    assert leading_imports(after) == {"value": ["import fix_defer_dep"]}
    assert not [n for n in ast.parse(after).body if isinstance(n, ast.Import | ast.ImportFrom)
                and n.module != "__future__"]


def test_values_built_from_the_dependency_become_lazy_and_the_import_moves() -> None:
    found = plan("values")
    assert found.names == ("fix_defer_dep",) and found.values == ("DOUBLE", "KIND")
    assert not found.refusals
    after = render_defer(found)
    assert leading_imports(after) == {"_lazy_DOUBLE": ["import fix_defer_dep"],
                                      "_lazy_KIND": ["import fix_defer_dep"],
                                      "get": ["import fix_defer_dep"],
                                      "__getattr__": [], "__dir__": []}
    # Without __all__ the star import would lose the values: it lists what it bound.
    assert "__all__ = [\n    'DOUBLE',\n    'KIND',\n    'get',\n]" in after


def test_a_value_the_module_itself_reads_is_not_made_lazy() -> None:
    found = plan("modlevel")
    assert not found.values and not found.names


def test_the_type_checking_block_goes_below_the_modules_own_type_checking_import(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(FIX))
    found = plan("typing_below")
    assert found.names == ("Base",) and found.binds_type_checking
    after = render_defer(found)
    assert after.index("from typing import TYPE_CHECKING") < after.index("if TYPE_CHECKING:\n"
                                                                         "    from fix_")
    exec(compile(after, "typing_below.py", "exec"), {"__name__": "typing_below"})


def _pull_report(tmp_path: Path, chain: tuple[str, ...],
                 loads: dict[str, tuple[str, ...]]) -> Report:
    """A report of `pkg.a.user` taking `helper` from pkg.util, whose modules load `loads`.

    `loads` maps each module to its importers, first loader first; the modules of pkg
    get real files, so the review's source facts read them.
    """
    from importaudit.model import Finding, ModuleRecord, Report, Severity

    sources = {"pkg": "", "pkg.a": "", "pkg.util": "", "pkg.util.helper": "",
               "pkg.util.other": "", "pkg.a.user": "from pkg.util import helper\n\n\n"
               "def f():\n    return helper()\n"}
    files = {}
    for name, text in sources.items():
        path = tmp_path.joinpath(*name.split("."))
        path = path / "__init__.py" if name.count(".") < 2 and name != "pkg.a.user" else \
            path.with_suffix(".py")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        files[name] = path
    records = [ModuleRecord(name, importer=by[0] if by else None, importers=by,
                            origin=str(files.get(name, tmp_path / "x.py")),
                            is_package=files.get(name, Path()).name == "__init__.py")
               for name, by in loads.items()]
    finding = Finding("IA103", "t", Severity.HIGH, "pkg.a.user", "m", "f", chain=chain)
    return Report(targets=("pkg",), tool_version="0", created_at="2026-01-01T00:00:00Z",
                  modules=tuple(records), findings=(finding,))


def test_ia103_helper_modules_outside_the_reviewed_packages_are_never_targets(
        tmp_path: Path) -> None:
    # SQLAlchemy's IA103 names functools as a helper module: fix must not rewrite it.
    from importaudit.api.fixing import _fix_targets

    # Each helper module imports a module that loads only through it.
    report = _pull_report(tmp_path, ("pkg.a.user", "pkg.util", "pkg.util.helper", "functools"),
                          {"pkg.a.user": (), "pkg.a": (), "pkg": (),
                           "pkg.util": ("pkg.a.user",), "pkg.util.helper": ("pkg.util",),
                           "functools": ("pkg.util.helper",), "heavy": ("pkg.util.helper",),
                           "other": ("functools",)})
    targets = {t.module: t for t in _fix_targets(report, ["IA103"])}
    assert set(targets) == {"pkg.a.user", "pkg.util.helper"}
    assert targets["pkg.a.user"].roots == {"pkg.util"}
    assert targets["pkg.util.helper"].roots == {"functools", "heavy"}


def test_an_ia103_helper_import_that_saves_nothing_is_not_deferred(tmp_path: Path) -> None:
    # sqlalchemy's round 2 deferred helper modules' imports that the finding's module
    # loads anyway: each saved nothing. Only an import whose deferral saves the
    # finding's module something is deferred in a helper.
    from importaudit.api.fixing import _fix_targets

    # pkg.util.helper imports json, which its own parent package pkg.util (that the
    # finding's module imports too) loads anyway; pkg.util.other imports heavy, which
    # loads only through it.
    report = _pull_report(
        tmp_path, ("pkg.a.user", "pkg.util", "pkg.util.helper", "pkg.util.other"),
        {"pkg.a.user": (), "pkg.a": (), "pkg": (), "pkg.util": ("pkg.a.user",),
         "pkg.util.helper": ("pkg.util",), "pkg.util.other": ("pkg.util",),
         "json": ("pkg.util", "pkg.util.helper"), "heavy": ("pkg.util.other",)})
    targets = {t.module: t for t in _fix_targets(report, ["IA103"])}
    assert set(targets) == {"pkg.a.user", "pkg.util.other"}
    assert targets["pkg.util.other"].roots == {"heavy"}


def test_an_ia103_import_the_parent_package_loads_anyway_is_left_with_the_reason(
        tmp_path: Path) -> None:
    # As sqlalchemy's __init__ does, pkg loads pkg.util itself: deferring pkg.a.user's
    # import of it saves nothing today, and fix says so instead of proposing it.
    from importaudit.api.fixing import _fix_targets

    report = _pull_report(tmp_path, ("pkg.a.user", "pkg.util", "pkg.util.helper"),
                          {"pkg": (), "pkg.util": ("pkg", "pkg.a.user"),
                           "pkg.util.helper": ("pkg.util",), "pkg.a": ("pkg",),
                           "pkg.a.user": ("pkg.a",)})
    (target,) = _fix_targets(report, ["IA103"])
    assert target.roots == frozenset()
    assert target.left == (("helper", "helper stays: saves nothing: pkg.util.helper is "
                                      "loaded anyway by pkg"),)


def test_a_deferral_without_narrower_imports_keeps_its_text_as_rendered() -> None:
    from importaudit.fix.narrow import narrow

    rendered = render_defer(plan("used"))
    assert narrow(rendered, {}) == (rendered, ())


def test_a_future_import_is_never_a_deferral(tmp_path: Path) -> None:
    # faker.generator, after round 1 added `from __future__ import annotations`: the
    # next round's IA103 counted __future__ among what deferring the helper's imports
    # saves, and "Left as it was" listed "annotations stays at module level: nothing
    # uses annotations by name: it may be imported for its side effects".
    module = tmp_path / "gen.py"
    module.write_text("from __future__ import annotations\n\n"
                      "import fix_defer_dep\n\n\n"
                      "def seed() -> int:\n    return fix_defer_dep.VALUE\n")
    found = plan_defer("gen", module, "gen.py", DEP | {"__future__"})
    assert found.names == ("fix_defer_dep",)
    assert not found.refusals
