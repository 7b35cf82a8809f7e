"""Gate, review and `why` give one answer to "what does importing X load".

On a tree profile of the real risk_management (every submodule imported), each module's
answer is asked three ways through each part's own interface: the gate's module count
(a `max_modules` budget of 0 on every module), the review's load graph, and `why`'s
list of the modules whose import loads a module, turned around.
"""

from __future__ import annotations

from pathlib import Path

from importaudit import api
from importaudit.config import Budget, Config, CyclePolicy
from importaudit.gate import evaluate
from importaudit.review.context import ReviewContext
from importaudit.views import answer_why

ROOT = Path(__file__).resolve().parents[2]


def test_gate_review_and_why_agree_on_every_module_of_the_tree() -> None:
    report = api.profile([str(ROOT / "risk_management")], api.Measure(tree=True, repeat=1,
                                                                      memory=False))
    measured = [m.name for m in report.modules if not m.preloaded]
    assert len(measured) > 100  # the whole tree and its dependencies

    verdict = evaluate(report, Config(budgets=(Budget("*", max_modules=0),),
                                      cycles=CyclePolicy.OFF))
    gate = {v.subject: v.measured for v in verdict.violations if v.check == "budget.max_modules"}

    review = ReviewContext(report).tree
    why: dict[str, set[str]] = {name: set() for name in measured}
    for name in measured:
        for importer in answer_why(report, name, limit=1).loaded_by:
            why[importer].add(name)

    differ = [name for name in measured
              if not gate[name] == len(review.loads([name])) == len(why[name])
              or review.loads([name]) != why[name]]
    assert differ == []
    # a submodule counts the parent packages Python runs before it
    facade = "risk_management.real_time.circuit_breaker.facade"
    assert {"risk_management", "risk_management.real_time"} <= why[facade]
