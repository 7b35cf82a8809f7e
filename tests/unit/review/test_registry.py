"""The rule registry: unique stable codes, complete docs, lookup by code or name."""

from __future__ import annotations

import pytest

from importaudit.errors import UsageError
from importaudit.review.registry import all_rules, get_rule

#: Codes are a public contract (suppression comments, config): never renumber.
STABLE = {
    "IA001": "unused-suppression", "IA101": "eager-package-init",
    "IA102": "eager-heavy-dependency", "IA103": "utility-tree-pull",
    "IA201": "import-cycle", "IA301": "large-star-export", "IA302": "unbound-star-export",
    "IA401": "placeholder-class",
    "IA501": "typing-only-import", "IA601": "import-time-io",
    "IA602": "module-level-computation", "IA701": "import-blocks-event-loop",
    "IA702": "module-executed-twice",
}


def test_codes_are_stable_and_unique() -> None:
    rules = all_rules()
    assert {r.code: r.name for r in rules} == STABLE
    assert len({r.name for r in rules}) == len(rules)


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_every_rule_has_a_full_doc(rule) -> None:  # type: ignore[no-untyped-def]
    for part in (rule.doc.what, rule.doc.why, rule.doc.fix, rule.doc.example):
        assert len(part.strip()) > 20


def test_lookup_by_code_or_name() -> None:
    assert get_rule("ia201").name == "import-cycle"
    assert get_rule("placeholder-class").code == "IA401"
    with pytest.raises(UsageError, match="unknown rule 'IA999'"):
        get_rule("IA999")


def test_a_rule_module_imported_again_is_the_same_rule() -> None:
    # importlib.reload, or a module dropped from sys.modules and imported again (as the
    # test suite's import-state fixture does), registers new function objects.
    import importlib
    import sys

    all_rules()
    del sys.modules["importaudit.review.eager"]
    importlib.import_module("importaudit.review.eager")
    assert {r.code for r in all_rules()} == set(STABLE)


def test_a_second_rule_with_a_used_code_is_refused() -> None:
    from importaudit.review.registry import RuleDoc, register

    doc = RuleDoc(what="w" * 30, why="w" * 30, fix="f" * 30, example="e" * 30)
    with pytest.raises(RuntimeError, match="IA101 registered twice"):
        register("IA101", "impostor", "Impostor", doc)(lambda ctx: ())
