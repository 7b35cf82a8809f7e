"""The rule registry: every review rule with its stable code, its doc and its check.

A rule family is one module of `importaudit.review` that calls `register` for each of
its rules at import time; `all_rules()` imports the families on first use, so listing
the rules (`importaudit rules`) and running them share one registry.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from importaudit.errors import UsageError

if TYPE_CHECKING:
    from importaudit.model import Finding
    from importaudit.review.context import ReviewContext

Check = Callable[["ReviewContext"], Iterable["Finding"]]

#: The rule families, in the order their rules are listed and run.
FAMILIES: tuple[str, ...] = (
    "importaudit.review.suppress",
    "importaudit.review.eager",
    "importaudit.review.cycles",
    "importaudit.review.exports",
    "importaudit.review.placeholders",
    "importaudit.review.annotations",
    "importaudit.review.sideeffects",
    "importaudit.review.eventloop",
    "importaudit.review.aliasing",
)


@dataclass(frozen=True, slots=True)
class RuleDoc:
    """What a rule finds, why it matters, how to fix it, and an example."""

    what: str
    why: str
    fix: str
    example: str


@dataclass(frozen=True, slots=True)
class Rule:
    """One review rule: a stable code, a short name, a title, its doc and its check."""

    code: str
    name: str
    title: str
    family: str
    doc: RuleDoc
    check: Check | None  # None: produced by the engine itself (e.g. unused suppressions)


_RULES: dict[str, Rule] = {}


def register(
    code: str, name: str, title: str, doc: RuleDoc,
) -> Callable[[Check], Check]:
    """Decorator registering `check` as rule `code`; codes are unique and never reused."""

    def decorate(check: Check) -> Check:
        _add(Rule(code, name, title, check.__module__.rsplit(".", 1)[-1], doc, check))
        return check

    return decorate


def register_doc(code: str, name: str, title: str, family: str, doc: RuleDoc) -> None:
    """Register a rule whose findings the engine produces itself (no check function)."""
    _add(Rule(code, name, title, family, doc, None))


def _add(rule: Rule) -> None:
    existing = _RULES.get(rule.code)
    if existing is not None and _origin(existing) != _origin(rule):
        raise RuntimeError(f"rule code {rule.code} registered twice")
    _RULES[rule.code] = rule


def _origin(rule: Rule) -> tuple[str, str]:
    """Where a rule is defined.

    A rule module imported again (importlib.reload, or dropped from sys.modules and
    re-imported) registers a new function object for the same rule: that is the same
    rule, not a second one with the same code.
    """
    if rule.check is None:
        return (rule.family, rule.name)
    return (rule.check.__module__, rule.check.__qualname__)


def all_rules() -> tuple[Rule, ...]:
    """Every registered rule, ordered by code."""
    for family in FAMILIES:
        importlib.import_module(family)
    return tuple(sorted(_RULES.values(), key=lambda r: r.code))


def get_rule(code_or_name: str) -> Rule:
    """The rule with this code (case-insensitive) or short name; UsageError if none."""
    wanted = code_or_name.strip()
    for rule in all_rules():
        if wanted.upper() == rule.code or wanted.lower() == rule.name:
            return rule
    known = ", ".join(r.code for r in all_rules())
    raise UsageError(f"unknown rule {code_or_name!r} (known: {known})")
