"""Rule about placeholder classes that stand in for implementations that are missing.

`class RiskMetricsCalculator: pass` (often in an `except ImportError:` fallback) lets
the import succeed and moves the failure to the first use, far from its cause. The
problem is correctness, not cost, so the finding has a severity floor; its measured
impact is the module's own body cost, which such classes only add to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from importaudit.model import Severity
from importaudit.review.registry import RuleDoc, register
from importaudit.review.source import ClassUse

if TYPE_CHECKING:
    from collections.abc import Iterator

    from importaudit.model import Finding
    from importaudit.review.context import ReviewContext
    from importaudit.review.source import ModuleFacts, Placeholder


@register(
    "IA401", "placeholder-class", "Placeholder class stands in for a missing implementation",
    RuleDoc(
        what="A module defines classes with no behaviour (only `pass`, `...`, a "
             "docstring, or methods raising NotImplementedError), typically in an "
             "`except ImportError:` fallback or as exported names of unfinished work, "
             "and nothing in the package uses them as markers, or something uses them "
             "as if they did something (reads an attribute, calls with arguments). "
             "Deliberately empty classes are not reported: markers the package derives "
             "from, compares (`type(x) is C`, `x.__class__ is C`), passes as a value "
             "(`isinstance(x, C)`, `type('V', (C,), {})`), uses as a key or instantiates "
             "without arguments as a sentinel, in any of its modules and under any name "
             "it re-exports them as (a class standing in for an import of its name, in "
             "an `except ImportError:` or an `else:`, also under the name the import "
             "binds: `{Color: str}` reads the fallback `Color` whenever the import did "
             "not run); interfaces: a class declaring a method that raises "
             "NotImplementedError with a signature (arguments or a return annotation) "
             "whose type the package takes as a parameter (`backend: "
             "AuthenticationBackend`) or on whose objects it calls that method "
             "(`handler.emit(event_type, payload, source)`); tombstones: a removed "
             "class whose `__init__` raises NotImplementedError saying it was removed, "
             "deprecated or replaced (statsmodels' `AR`); exceptions (in a fallback "
             "too), Protocols, ABCs "
             "and other classes with a base, metaclass or decorator; private classes; "
             "anything under "
             "`if __name__ == \"__main__\":`.",
        why="Callers import the name successfully and fail later, far from the cause "
            "(an AttributeError or TypeError instead of a clear ImportError); type "
            "checkers and readers believe the feature exists.",
        fix="Delete the placeholder and let the import fail, or raise a clear error on "
            "access from a module `__getattr__` naming what is missing.",
        example="def __getattr__(name):\n    if name in {'PostTradeAnalyzer', "
                "'TradeReview'}:\n        raise NotImplementedError(f'{name} is not "
                "implemented yet')\n    raise AttributeError(name)",
    ),
)
def placeholder_class(ctx: ReviewContext) -> Iterator[Finding]:
    """IA401: one finding per module defining placeholder classes."""
    every = list(ctx.all_facts())
    uses = _uses_by_name(every)
    for facts in every:
        placeholders = [p for p in facts.placeholders
                        if _placeholder(p, _found(facts, p, every, uses),
                                        _dispatched(p, every))]
        if not placeholders:
            continue
        names = [p.name for p in placeholders]
        fallback = any(p.in_import_fallback for p in placeholders)
        lines = f"{placeholders[0].line}-{max(p.end_line for p in placeholders)}"
        listing = ", ".join(f"'{n}'" for n in names)
        yield ctx.make_finding(
            "IA401", "Placeholder class stands in for a missing implementation", facts.name,
            f"{facts.name} defines {len(names)} placeholder class(es) "
            f"({', '.join(names)}) at lines {lines}"
            + (" in an `except ImportError:` fallback" if fallback else "")
            + "; importing them succeeds and the failure surfaces later.",
            "Remove the placeholders; if the names must stay importable, raise a clear "
            "error on access.\n\ndef __getattr__(name):\n"
            f"    if name in {{{listing}}}:\n"
            "        raise NotImplementedError(f\"{name} is not implemented yet\")\n"
            "    raise AttributeError(f\"module {__name__!r} has no attribute {name!r}\")",
            impact=ctx.tree.self_impact(facts.name), line=placeholders[0].line,
            floor=Severity.MEDIUM,
        )


def _uses_by_name(every: list[ModuleFacts]) -> dict[str, set[ClassUse]]:
    """Dotted name -> how any reviewed module uses it."""
    uses: dict[str, set[ClassUse]] = {}
    for facts in every:
        for name, kinds in facts.class_uses.items():
            uses.setdefault(name, set()).update(kinds)
    return uses


def _names_of(every: list[ModuleFacts], defined: str) -> set[str]:
    """`module.Class` and every name the package re-exports it under.

    `from .types import JsonWrapper` in `pkg.v1` makes `pkg.v1.JsonWrapper` the same
    class; so does `from .types import *` when the star import takes it, and a
    module-level alias (jax._src.hijax's `QDD = core.QuasiDynamicData`, then
    `class BoxTypeState(QDD):`).
    """
    names = {defined}
    grew = True
    while grew:
        grew = False
        for facts in every:
            for binding in facts.bindings:
                if binding.attr and f"{binding.module}.{binding.attr}" in names:
                    alias = f"{facts.name}.{binding.name}"
                    if alias not in names:
                        names.add(alias)
                        grew = True
            for local, target in facts.value_aliases.items():
                alias = f"{facts.name}.{local}"
                if target in names and alias not in names:
                    names.add(alias)
                    grew = True
            for source in facts.star_imports:
                for name in [n for n in names if n.rpartition(".")[0] == source]:
                    alias = f"{facts.name}.{name.rpartition('.')[2]}"
                    if alias not in names:
                        names.add(alias)
                        grew = True
    return names


def _found(facts: ModuleFacts, placeholder: Placeholder, every: list[ModuleFacts],
           uses: dict[str, set[ClassUse]]) -> set[ClassUse]:
    """How the package uses the class, under every name it goes by.

    A class that stands in for an import of the same name (in an `except ImportError:`
    fallback, or the `else:` of `if lark: from lark import Token`) is also what the
    module's own uses of the imported name mean whenever the import did not run:
    fastapi.encoders reads `{Color: str, PyExtraColor: str}` through
    `from pydantic.color import Color`, yet those keys are its fallback classes when
    pydantic.color is missing.
    """
    names = _names_of(every, f"{facts.name}.{placeholder.name}")
    found = set().union(*(uses.get(name, set()) for name in names))
    read: set[str] = set()
    given: set[str] = set()
    for module in every:
        for name in names:
            read |= module.attrs_read.get(name, frozenset())
            given |= module.attrs_given.get(name, frozenset())
    for binding in facts.bindings:
        if binding.name == placeholder.name:
            # `import PIL.Image` binds PIL: how code uses the class through that name.
            top = binding.target.partition(".")[0]
            bound = top if not binding.attr and binding.name == top else binding.target
            found |= facts.class_uses.get(bound, frozenset())
            read |= facts.attrs_read.get(bound, frozenset())
            given |= facts.attrs_given.get(bound, frozenset())
    # An attribute read is behaviour the class lacks, unless code gives it that
    # attribute (`PIL.Image = Image` in docutils' fallback, read as `PIL.Image.open`;
    # `setattr(PreambleCmds, name, ...)` with a computed name gives any).
    if read - given and "*" not in given:
        found.add(ClassUse.BEHAVIOUR)
    return found


def _dispatched(placeholder: Placeholder, every: list[ModuleFacts]) -> bool:
    """Whether the package calls a method the class declares on objects it is handed.

    botocore's `HistoryRecorder.record` calls `handler.emit(event_type, payload,
    source)` on every handler `add_handler` stored: the three arguments
    `BaseHistoryHandler.emit` declares, which subclasses (awscli's) implement.
    """
    # Special methods (`__init__`, `__call__`) are called on everything: no evidence.
    declared = [(name, fewest, most) for name, fewest, most in placeholder.contract
                if not name.startswith("__")]
    return any(name == method and fewest <= count <= most
               for name, fewest, most in declared
               for facts in every for method, count in facts.method_calls)


def _placeholder(placeholder: Placeholder, found: set[ClassUse], dispatched: bool) -> bool:
    """Whether the class is used as if it had behaviour, or not at all, given `found`.

    A class the package uses only as a marker (a base, an identity, an isinstance
    type, a sentinel instance) is what it is meant to be; so is an interface, a class
    (not an import fallback) declaring a method its subclasses implement, with its
    signature, whose instances the package takes as a parameter (starlette's
    `AuthenticationBackend`, annotated `backend: AuthenticationBackend`) or on whose
    handed-in objects it calls that method (`dispatched`). One never used in the
    package is exported for callers who will expect an implementation.
    """
    if ClassUse.BEHAVIOUR in found:
        return True
    if (placeholder.contract and not placeholder.in_import_fallback
            and (ClassUse.ACCEPTED in found or dispatched)):
        return False
    return ClassUse.MARKER not in found
