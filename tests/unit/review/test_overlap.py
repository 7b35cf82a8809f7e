"""One finding per import: findings whose fixes move the same imports are folded."""

from __future__ import annotations

from importaudit.model import Finding, Impact, Severity
from importaudit.review.impact import Claim, claim_key
from importaudit.review.overlap import fold_same_imports


def finding(code: str, module: str, line: int, modules: int,
            severity: Severity = Severity.MEDIUM) -> Finding:
    return Finding(code=code, title=f"{code} title", severity=severity, module=module,
                   message=f"{code} says {modules}.", fix=f"{code} fix.", line=line,
                   impact=Impact(None, None, None, modules))


def claim(entry: str, *imported: str) -> Claim:
    return Claim(entry, frozenset((entry, m) for m in imported), frozenset(), frozenset())


def test_a_finding_whose_fix_moves_only_what_anothers_moves_is_folded_into_it() -> None:
    typing_only = finding("IA501", "app.query", 7, 26)
    pull = finding("IA103", "app.query", 7, 24)
    elsewhere = finding("IA103", "app.other", 7, 24)  # the same imports, another module
    claims = {claim_key(typing_only): claim("app.query", "multidict"),
              claim_key(pull): claim("app.query", "multidict"),
              claim_key(elsewhere): claim("app.other", "multidict")}
    (one, other) = fold_same_imports([pull, typing_only, elsewhere], claims)
    assert one.code == "IA501" and one.impact.modules == 26 and other is elsewhere
    assert one.message == ("IA501 says 26. Also IA103 (IA103 title) on line 7, which the "
                           "same change fixes: IA103 says 24.")


def test_a_fix_moving_more_covers_one_moving_part_of_it_and_not_the_reverse() -> None:
    # IA102 defers numpy and moves `numpy.typing` under TYPE_CHECKING; IA501's fix moves
    # numpy.typing and a second annotation-only import IA102 does not touch.
    heavy = finding("IA102", "app.calc", 3, 40, Severity.HIGH)
    typing_only = finding("IA501", "app.calc", 5, 12)
    part = finding("IA501", "app.view", 2, 3)
    claims = {claim_key(heavy): claim("app.calc", "numpy", "numpy.typing"),
              claim_key(typing_only): claim("app.calc", "numpy.typing", "pandas"),
              claim_key(part): claim("app.view", "pandas")}
    assert fold_same_imports([heavy, typing_only, part], claims) == [heavy, typing_only, part]
    claims[claim_key(typing_only)] = claim("app.calc", "numpy.typing")
    (folded, kept) = fold_same_imports([heavy, typing_only, part], claims)
    assert folded.code == "IA102" and "Also IA501 (IA501 title) on line 5" in folded.message
    assert kept is part


def test_a_cycle_is_never_folded_into_a_cost_finding() -> None:
    cycle = finding("IA201", "app.a", 4, 2, Severity.HIGH)
    typing_only = finding("IA501", "app.a", 4, 30)
    claims = {claim_key(cycle): claim("app.a", "app.b"),
              claim_key(typing_only): claim("app.a", "app.b", "app.c")}
    assert fold_same_imports([cycle, typing_only], claims, {claim_key(cycle)}) == [
        cycle, typing_only]
    # The other way round, what the cycle's cut moves covers the cost finding's fix.
    claims[claim_key(typing_only)] = claim("app.a", "app.b")
    (one,) = fold_same_imports([cycle, typing_only], claims, {claim_key(cycle)})
    assert one.code == "IA201" and "Also IA501" in one.message
    # Graded higher than the cycle, the cost finding stays in view beside it.
    graver = finding("IA501", "app.a", 4, 300, Severity.CRITICAL)
    claims[claim_key(graver)] = claim("app.a", "app.b")
    assert fold_same_imports([cycle, graver], claims, {claim_key(cycle)}) == [cycle, graver]


def test_of_equal_cuts_the_cycle_carries_the_other() -> None:
    # docutils.parsers.rst's `from docutils.parsers.rst import roles, states`: its IA101
    # and where its cycle breaks, both 25 modules, both MEDIUM.
    eager = finding("IA101", "docutils.parsers.rst", 76, 25)
    cycle = finding("IA201", "docutils.parsers.rst", 76, 25)
    cut = claim("docutils.parsers.rst", "docutils.parsers.rst.roles",
                "docutils.parsers.rst.states")
    claims = {claim_key(eager): cut, claim_key(cycle): cut}
    (one,) = fold_same_imports([eager, cycle], claims, {claim_key(cycle)})
    assert one.code == "IA201" and "Also IA101 (IA101 title) on line 76" in one.message
