"""Contracts (`[tool.importaudit.contracts]`): layers and independence on every chain."""

from __future__ import annotations

import dataclasses

import pytest
from gate_samples import edge, graph, rec, report

from importaudit.config import resolve
from importaudit.errors import ConfigError
from importaudit.gate import evaluate
from importaudit.model import EdgeKind, ImportEdge, ModuleNode, Report, Verdict

LAYERS = ["app.cli", "app.api", ["app.gate", "app.render"], "app.model"]


def judge(rep: Report, contracts: dict[str, object]) -> Verdict:
    config = resolve({"contracts": contracts, "cycles": "off"}, {}, {})
    return evaluate(rep, config)


def static(*edges: ImportEdge) -> Report:
    """A scanned-only report: the edges, and every module the layers name."""
    scanned = graph(*edges, roots=("app",))
    present = {n.name for n in scanned.modules}
    extra = tuple(ModuleNode(name=n, file=f"{n.replace('.', '/')}.py")
                  for n in ("app.cli", "app.api", "app.gate", "app.render", "app.model",
                            "app.a", "app.b", "app.c") if n not in present)
    return report(graph=dataclasses.replace(scanned, modules=scanned.modules + extra),
                  targets=("app",))


def messages(verdict: Verdict) -> list[str]:
    return [v.message for v in verdict.violations]


def test_downward_imports_pass_and_the_check_is_recorded() -> None:
    verdict = judge(static(edge("app.cli", "app.api"), edge("app.api", "app.gate.core"),
                           edge("app.gate.core", "app.model"),
                           edge("app.render", "app.model")), {"layers": LAYERS})
    assert verdict.passed
    assert [c.name for c in verdict.checks] == ["contract[layers]"]


def test_an_upward_import_fails_with_its_statement() -> None:
    verdict = judge(static(edge("app.cli", "app.api"),
                           edge("app.model.base", "app.api.use", line=7)), {"layers": LAYERS})
    [violation] = verdict.violations
    assert violation.chain == ("app.model.base", "app.api.use")
    assert (violation.file, violation.line) == ("app/model/base.py", 7)
    assert "app.api is a higher layer than app.model" in violation.message
    assert "(static, via app.model.base -> app.api.use; eager import)" in violation.message


def test_siblings_of_one_layer_must_not_import_each_other() -> None:
    verdict = judge(static(edge("app.gate", "app.render.units")), {"layers": LAYERS})
    assert messages(verdict) == [
        "app.gate imports app.render.units, breaking the contract: app.gate and app.render "
        "are sibling layers (static, via app.gate -> app.render.units; eager import)"]


def test_a_chain_through_modules_no_layer_names_is_followed() -> None:
    # app.model -> app.helpers (in no layer) -> app.cli: the fix is at the last hop.
    verdict = judge(static(edge("app.model", "app.helpers", line=3),
                           edge("app.helpers", "app.cli", line=9)), {"layers": LAYERS})
    [violation] = verdict.violations
    assert violation.chain == ("app.model", "app.helpers", "app.cli")
    assert (violation.file, violation.line) == ("app/helpers.py", 9)


def test_a_chain_through_another_layer_is_judged_from_that_layer() -> None:
    # model -> gate is the break; gate -> api is a second, separate one.
    verdict = judge(static(edge("app.model", "app.gate"), edge("app.gate", "app.api")),
                    {"layers": LAYERS})
    assert sorted(v.chain for v in verdict.violations) == [
        ("app.gate", "app.api"), ("app.model", "app.gate")]


def test_only_the_counted_edge_kinds_break_a_contract() -> None:
    rep = static(edge("app.model", "app.api", EdgeKind.TYPE_ONLY, line=4),
                 edge("app.model", "app.cli", EdgeKind.DEFERRED, line=9))
    assert judge(rep, {"layers": LAYERS}).passed
    config = resolve({"contracts": {"layers": LAYERS}, "cycles": "off", "kinds": "all"}, {}, {})
    assert len(evaluate(rep, config).violations) == 2


def test_the_most_specific_name_owns_a_module() -> None:
    # app.gate.probe is a layer below app.gate: it may import nothing of app.gate.
    layers = ["app.gate", "app.gate.probe"]
    verdict = judge(static(edge("app.gate.core", "app.gate.probe"),
                           edge("app.gate.probe", "app.gate.core")), {"layers": layers})
    assert [v.chain for v in verdict.violations] == [("app.gate.probe", "app.gate.core")]


def test_independent_modules_import_neither_way() -> None:
    verdict = judge(static(edge("app.a", "app.b"), edge("app.c", "app.a")),
                    {"independent": [["app.a", "app.b", "app.c"]]})
    assert [c.name for c in verdict.checks] == ["contract[independent: app.a | app.b | app.c]"]
    assert sorted(v.chain for v in verdict.violations) == [("app.a", "app.b"), ("app.c", "app.a")]
    assert "app.a and app.b must not import each other" in verdict.violations[0].message


def test_a_run_adds_the_imports_no_scan_sees() -> None:
    # app.model imported app.api with importlib at run time: no static edge says so.
    rep = report(rec("app"), rec("app.model", "app", order=1), rec("app.api", "app.model",
                 order=2), graph=graph(edge("app", "app.model"), roots=("app",)),
                 targets=("app",))
    verdict = judge(rep, {"layers": ["app.api", "app.model"]})
    [violation] = verdict.violations
    assert violation.chain == ("app.model", "app.api")
    assert "(at run time, via app.model -> app.api)" in violation.message
    assert violation.file == "/src/app/model.py"


def test_a_name_that_is_no_module_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"layers names app\.gates, which is not a module "
                                          r"of the import graph \(did you mean 'app\.gate'\?\)"):
        judge(static(edge("app.gate", "app.model")), {"layers": ["app.gates", "app.model"]})
    # A package whose submodules alone are in the graph is a module all the same.
    assert judge(static(edge("app.x.y", "app.model")), {"layers": ["app.x", "app.model"]}).passed


@pytest.mark.parametrize(("contracts", "problem"), [
    ({"layers": ["a", ["b", "a"]]}, "a is named twice (in layers 1 and 2)"),
    ({"layers": [["a", "a"]]}, "a is named twice (in layer 1)"),
    ({"independent": [["a"]]}, "each independent group names at least two modules"),
    ({"layers": ["a-b"]}, "'a-b' is not a dotted module name"),
    ({"layer": []}, "unknown key 'layer' (did you mean 'layers'?)"),
])
def test_config_problems_are_one_line(contracts: dict[str, object], problem: str) -> None:
    with pytest.raises(ConfigError) as exc:
        resolve({"contracts": contracts}, {}, {})
    assert str(exc.value).endswith(problem)
    assert "\n" not in str(exc.value)


def test_independent_may_be_written_as_one_flat_group() -> None:
    config = resolve({"contracts": {"independent": ["a", "b"]}}, {}, {})
    assert config.contracts.independent == (("a", "b"),)


def test_a_package_gathering_its_submodules_does_not_join_them() -> None:
    # app/__init__ imports both; importing app.model runs app first, but that is no
    # import of app.api by app.model (the static graph has no such edge either).
    rep = report(rec("app"), rec("app.api", "app", order=1), rec("app.model", "app", order=2),
                 graph=graph(edge("app", "app.api"), edge("app", "app.model"), roots=("app",)),
                 targets=("app",))
    assert judge(rep, {"layers": ["app.api", "app.model"]}).passed


def test_one_statement_is_one_violation() -> None:
    # `from app.render.units import x` runs app.render too: two edges, one statement.
    verdict = judge(static(edge("app.gate", "app.render", EdgeKind.PARENT, line=3),
                           edge("app.gate", "app.render.units", line=3)), {"layers": LAYERS})
    [violation] = verdict.violations
    assert violation.chain == ("app.gate", "app.render.units") and violation.line == 3


def test_a_module_the_walk_left_out_is_no_unknown_name() -> None:
    rep = static(edge("app.gate", "app.model"))
    assert rep.graph is not None
    rep = dataclasses.replace(rep, graph=dataclasses.replace(rep.graph, excluded=("app.tests",)))
    assert judge(rep, {"independent": [["app.tests", "app.gate"]]}).passed
