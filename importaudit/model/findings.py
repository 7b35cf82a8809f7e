"""What the review and the gate conclude: findings, violations, checks, verdicts."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(enum.IntEnum):
    """How much a finding or violation matters; ordered so thresholds compare."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4


@dataclass(frozen=True, slots=True)
class Impact:
    """Measured cost a finding or violation is about (None: not measured)."""

    time_ns: int | None = None
    heap_bytes: int | None = None
    rss_bytes: int | None = None
    modules: int | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """One review result: a rule code, a place, its measured impact and a fix."""

    code: str
    title: str
    severity: Severity
    module: str
    message: str
    fix: str
    file: str | None = None
    line: int | None = None
    impact: Impact = field(default_factory=Impact)
    chain: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Violation:
    """One failed check of the gate."""

    check: str  # e.g. "budget.cumulative_ns", "forbidden", "cycle", "regression.heap"
    subject: str  # the module, pattern or cycle it is about
    message: str
    measured: float | None = None
    limit: float | None = None
    chain: tuple[str, ...] = ()
    file: str | None = None
    line: int | None = None
    # For statistical (time) checks: how sure the gate is that this is not noise, 0..1.
    confidence: float | None = None


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check the gate ran, passed or not (JUnit shows one test case each)."""

    name: str
    passed: bool
    detail: str = ""
    skipped: bool = False  # could not run (e.g. heap not measured); passed stays True
    # Ran, but could not judge what it was given (heap figures a heap run left out):
    # neither passed nor failed; the verdict's `undecided` says why.
    undecided: bool = False


@dataclass(frozen=True, slots=True)
class Verdict:
    """All violations and the overall decision of the gate."""

    passed: bool
    violations: tuple[Violation, ...] = ()
    checks: tuple[CheckResult, ...] = ()
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # how the decision was made (e.g. machine-speed scaling)
    # Checks the gate could not judge, one line each with the reason (heap figures that
    # were not measured): the verdict does not pass, and `check` exits 3.
    undecided: tuple[str, ...] = ()
