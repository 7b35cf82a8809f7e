"""One finding per import: findings whose fixes move the same imports become one.

Two rules can judge the same statement: yarl._query's `from multidict import istr`,
used only in annotations, was IA501 (moving it under `if TYPE_CHECKING:` saves 26
modules) and IA103 (multidict's tree for one helper: 24 modules the helper does not
need), each fixed by the same move, each with its own saving. A reader got two findings
and two figures for one line. The claims say which fix covers which: a claim's `cut`
is the import edges its fix stops, so a finding whose cut lies inside another's, from
the same module, is fixed by that other finding's fix. It is folded into it, named in
its message; the figure shown is the covering fix's own saving, the larger (moving the
import saves what the helper needs too, which IA103 leaves out).

A finding with a hazard floor (an import cycle) is a problem of its own, not only a
cost: it is never folded into another (others may fold into it). Nor is a finding
folded into one graded lower: the grade a reader ranks by stays in view.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from importaudit.review.impact import claim_key, impact_key

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping, Sequence

    from importaudit.model import Finding
    from importaudit.review.impact import Claim, ClaimKey


def fold_same_imports(findings: Sequence[Finding], claims: Mapping[ClaimKey, Claim],
                      hazards: Collection[ClaimKey] = ()) -> list[Finding]:
    """`findings` with each one whose fix moves only imports another's moves folded into it.

    Judged per importing module (a claim's entry): a finding whose cut is inside another
    finding's cut goes into the one with the widest cut covering it (of equal cuts, the
    one with a hazard, then graded higher, then saving more), when that one is graded as
    high at least.
    Findings in `hazards` are never folded.
    """
    def cut(finding: Finding) -> frozenset[tuple[str, str]]:
        claim = claims.get(claim_key(finding))
        return claim.cut if claim is not None else frozenset()

    # Widest cut first, so a covering fix is a lead before what it covers is met; of
    # equal cuts a hazard first (docutils.parsers.rst's eager `from . import roles,
    # states` is both its IA101 and where its cycle breaks: the cycle says both).
    order = sorted((f for f in findings if cut(f)), key=lambda f: (
        -len(cut(f)), claim_key(f) not in hazards, -int(f.severity),
        tuple(-v for v in impact_key(f.impact)), f.code))
    leads: dict[str, list[Finding]] = {}
    folded: dict[ClaimKey, list[Finding]] = {}
    for finding in order:
        entry = claims[claim_key(finding)].entry
        # Never under a lower grade: what a reader ranks by must not hide it.
        lead = None if claim_key(finding) in hazards else next(
            (lead for lead in leads.get(entry, ())
             if cut(finding) <= cut(lead) and lead.severity >= finding.severity), None)
        if lead is None:
            leads.setdefault(entry, []).append(finding)
        else:
            folded.setdefault(claim_key(lead), []).append(finding)
    gone = {claim_key(f) for covered in folded.values() for f in covered}
    return [_with_folded(f, folded.get(claim_key(f), [])) for f in findings
            if claim_key(f) not in gone]


def _with_folded(lead: Finding, covered: list[Finding]) -> Finding:
    """`lead`, naming each finding its fix covers and what that finding said."""
    if not covered:
        return lead
    said = " ".join(
        f"Also {f.code} ({f.title}) on line {f.line}, which the same change fixes: "
        f"{f.message}" for f in sorted(covered, key=lambda f: (f.line or 0, f.code)))
    return dataclasses.replace(lead, message=f"{lead.message} {said}")
