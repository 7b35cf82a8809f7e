"""Names of the gate's checks: `check[subject]`, as a `CheckResult` carries them.

The gate writes these names and the CI renderers (JUnit, GitHub) read them back. They
live here, on the model's layer and with no imports, so rendering a saved verdict does
not load the gate and everything it needs to decide one (config, tomllib, difflib).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importaudit.model import CheckResult, Verdict, Violation


def check_id(check: str, subject: str) -> str:
    """The name of one check, shared by its CheckResult and its Violations."""
    return f"{check}[{subject}]"


def split_check_id(name: str) -> tuple[str, str]:
    """(check, subject) back from a `check_id`."""
    check, _, subject = name.partition("[")
    return check, subject[:-1] if subject.endswith("]") else subject


def violations_of(verdict: Verdict, check: CheckResult) -> list[Violation]:
    """The violations a check result stands for (renderers show them together)."""
    return [v for v in verdict.violations if check_id(v.check, v.subject) == check.name]
