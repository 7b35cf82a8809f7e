"""What `fix` rewrites for an IA103 finding, decided on the load graph as the code is.

The review judges a pull with the importer's parent packages lazy (what the fix is worth
once IA101's fix is in too); a rewrite is written into the code as it is, so each part
is checked for what it saves a process importing the finding's module today, parents
as Python runs them, and what saves nothing is not proposed:

* the module's own statements move into its functions only when that saves modules
  (sqlalchemy.dialects.mysql.dml's `Self` from sqlalchemy.util: the eager
  `sqlalchemy/__init__` loads that tree anyway); otherwise they are left as they were,
  with "saves nothing: X is loaded anyway by Y";
* a name is imported from the module defining it where that loads less (`narrower`);
* a helper module's imports are deferred only where that saves something
  (`review.eager.helper_roots`), not every import it uses only in functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from importaudit.review.context import RUNS
from importaudit.review.eager import helper_roots, narrower, not_narrower, pull_groups
from importaudit.review.impact import deferral_cut, loaded_anyway_by

if TYPE_CHECKING:
    from importaudit.model import Finding
    from importaudit.review.context import ReviewContext


@dataclass(frozen=True, slots=True)
class PullFix:
    """The rewrites of one IA103 finding: in its module, and in its helpers' modules.

    `roots`: the modules whose imports move into functions in the finding's module;
    `narrow`: bound name -> the module defining it; `left`: bound name -> why it is left
    as it was; `helpers`: helper module -> the modules its own imports of defer.
    """

    roots: frozenset[str] = frozenset()
    narrow: dict[str, str] = field(default_factory=dict)
    left: dict[str, str] = field(default_factory=dict)
    helpers: dict[str, frozenset[str]] = field(default_factory=dict)


def plan_pull(ctx: ReviewContext, finding: Finding, ours: frozenset[str]) -> PullFix:
    """What `fix` rewrites for the IA103 `finding`; `ours`: modules it may rewrite."""
    facts = ctx.facts(finding.module)
    root = finding.chain[1] if len(finding.chain) > 1 else ""
    bindings = pull_groups(ctx, facts).get(root, []) if facts is not None else []
    if facts is None or not bindings:
        return PullFix(frozenset({root}) if root else frozenset())
    graph, entry = ctx.tree, finding.module
    taken = {ctx.submodule_of(b) for b in bindings}
    kept = {ctx.submodule_of(b) for b in facts.bindings if b.kind in RUNS
            and b not in bindings}
    cut = deferral_cut(graph, entry, taken, kept)
    saved = graph.saving([entry], cut)
    left: dict[str, str] = {}
    if not saved:
        first = sorted(taken)[0]
        why = (f"saves nothing: {first} is loaded anyway by "
               f"{loaded_anyway_by(graph, entry, first, cut)}")
        left = {b.name: f"{b.name} stays: {why}" for b in bindings}
    homes, narrowed = narrower(ctx, facts, bindings)
    # A statement that brings nothing of its own saves nothing narrowed either: the
    # reason above says it.
    if homes and not narrowed and saved:
        why = not_narrower(ctx, facts, bindings, homes)
        left.update({n: f"{left[n]}; {why}" if n in left else why for n in homes})
    helpers = {h: helper_roots(ctx, entry, h) for h in finding.chain[2:] if h in ours}
    return PullFix(frozenset({root}) if saved else frozenset(),
                   homes if narrowed else {}, left,
                   {h: roots for h, roots in helpers.items() if roots})
