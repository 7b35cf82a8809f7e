"""Suppressions: `# importaudit: ignore[CODE]` on a finding's line, or entries in config.

A config entry is `CODE` (everywhere) or `CODE:PATTERN` (modules matching the
fnmatch-style PATTERN). A suppression that matched no finding is itself reported
(IA001), like an unused `noqa`: the problem it hid is gone, so the comment should go.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import TYPE_CHECKING

from importaudit.model import Finding, Impact, Severity
from importaudit.review.registry import RuleDoc, register_doc

if TYPE_CHECKING:
    from collections.abc import Iterable

    from importaudit.review.source import ModuleFacts

UNUSED_CODE = "IA001"

register_doc(
    UNUSED_CODE, "unused-suppression", "Suppression matches no finding", "suppress",
    RuleDoc(
        what="A `# importaudit: ignore[CODE]` comment, or a suppression in "
             "`[tool.importaudit]`, that no finding of this review matched (or that "
             "names an unknown rule code).",
        why="The problem it silenced is gone (or was never there); a stale suppression "
            "would silently hide the next real finding on that line.",
        fix="Delete the comment or the config entry (or correct its rule code).",
        example="import numpy as np  # importaudit: ignore[IA102]   <- remove when "
                "IA102 no longer fires here",
    ),
)


@dataclass(frozen=True, slots=True)
class Suppression:
    """One suppression: an inline comment (file + line) or a config entry."""

    codes: frozenset[str] | None  # None: every code
    file: str | None = None
    line: int | None = None
    module: str | None = None  # the module an inline comment sits in
    pattern: str | None = None  # config: fnmatch pattern on module names
    source: str = "comment"  # "comment" | "config"
    text: str = ""

    def matches(self, finding: Finding) -> bool:
        """Whether this suppression silences `finding`."""
        return self.covers(finding.code, finding.module, finding.file, finding.line)

    def covers(self, code: str, module: str, file: str | None, line: int | None) -> bool:
        """Whether this suppression silences a finding of `code` on `module` at file:line."""
        if self.codes is not None and code not in self.codes:
            return False
        if self.source == "config":
            return self.pattern is None or fnmatch.fnmatchcase(module, self.pattern)
        return file == self.file and line == self.line


def parse_config_entry(entry: str) -> Suppression:
    """`CODE` or `CODE:PATTERN` -> a config suppression."""
    code, _, pattern = entry.partition(":")
    return Suppression(frozenset({code.strip().upper()}), pattern=pattern.strip() or None,
                       source="config", text=entry)


def inline_suppressions(facts: Iterable[ModuleFacts]) -> list[Suppression]:
    """Every `# importaudit: ignore[...]` comment in the given modules' sources."""
    found = []
    for module in facts:
        for line, codes in sorted(module.ignores.items()):
            label = f"ignore[{','.join(sorted(codes))}]" if codes else "ignore"
            found.append(Suppression(codes, module.path, line, module.name, text=label))
    return found


@dataclass(frozen=True, slots=True)
class Outcome:
    """Findings after suppression, what was suppressed, and suppressions matching nothing."""

    findings: tuple[Finding, ...]
    suppressed: tuple[tuple[Finding, Suppression], ...]
    unused: tuple[Finding, ...]  # IA001 findings


def apply(
    findings: Iterable[Finding], suppressions: Iterable[Suppression], known: frozenset[str],
    ran: frozenset[str] | None = None,
) -> Outcome:
    """Drop suppressed findings; turn suppressions that matched nothing into IA001.

    `ran` holds the codes of the rules that ran (None: every known rule). A suppression
    that matched nothing is stale only if a rule it names ran: under `--select IA602`
    an `ignore[IA601]` was not put to the test.
    """
    rules = list(suppressions)
    used: set[int] = set()
    kept: list[Finding] = []
    silenced: list[tuple[Finding, Suppression]] = []
    for finding in findings:
        hit = next((i for i, s in enumerate(rules) if s.matches(finding)), None)
        if hit is None:
            kept.append(finding)
        else:
            used.add(hit)
            silenced.append((finding, rules[hit]))
    unused = []
    for i, sup in enumerate(rules):
        unknown = sorted((sup.codes or frozenset()) - known)
        if not unknown and (i in used or not _tested(sup, ran)):
            continue
        where = f"{sup.file}:{sup.line}" if sup.source == "comment" else "config"
        reason = (f"names unknown rule code(s) {', '.join(unknown)}" if unknown
                  else "matched no finding")
        unused.append(Finding(
            code=UNUSED_CODE, title="Suppression matches no finding", severity=Severity.LOW,
            module=sup.module or (sup.pattern or "*"),
            message=f"Suppression `{sup.text}` ({where}) {reason}.",
            fix="Delete the suppression (or correct its rule code).",
            file=sup.file, line=sup.line, impact=Impact(),
        ))
    return Outcome(tuple(kept), tuple(silenced), tuple(unused))


def _tested(sup: Suppression, ran: frozenset[str] | None) -> bool:
    """Whether a rule this suppression names ran (so matching nothing means stale)."""
    if ran is None:
        return True
    return sup.codes is not None and bool(sup.codes & ran)
