"""Rule documentation for `importaudit rules [CODE]`: text, JSON or Markdown.

The docs live with the rules (`importaudit.review.registry`); this only lays them out:
a one-line list of every rule, or one rule's what / why / how to fix / example.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from collections.abc import Sequence

    from importaudit.review.registry import Rule


def _rule_dict(rule: Rule) -> dict[str, str]:
    return {"code": rule.code, "name": rule.name, "title": rule.title, "family": rule.family,
            "what": rule.doc.what, "why": rule.doc.why, "fix": rule.doc.fix,
            "example": rule.doc.example}


def _indent(text: str) -> str:
    return "\n".join("    " + line if line else "" for line in text.splitlines())


def render_rules(rules: Sequence[Rule], stream: TextIO, fmt: str, *, detail: bool) -> None:
    """Write the rules list (or, with `detail`, the full docs) in `fmt`."""
    if fmt == "json":
        json.dump([_rule_dict(r) for r in rules], stream, indent=2)
        stream.write("\n")
        return
    if not detail:
        width = max((len(r.name) for r in rules), default=0)
        for rule in rules:
            stream.write(f"{rule.code}  {rule.name:<{width}}  {rule.title}\n")
        stream.write("\nimportaudit rules CODE: what it finds, why it matters, how to fix it.\n"
                     "Silence one finding with `# importaudit: ignore[CODE]` on its line.\n")
        return
    for rule in rules:
        doc = rule.doc
        if fmt == "markdown":
            stream.write(f"## {rule.code} {rule.name}: {rule.title}\n\n"
                         f"**What.** {doc.what}\n\n**Why.** {doc.why}\n\n"
                         f"**How to fix.** {doc.fix}\n\n```python\n{doc.example}\n```\n\n")
        else:
            stream.write(f"{rule.code} {rule.name}: {rule.title}\n\n"
                         f"What:\n{_indent(doc.what)}\n\nWhy:\n{_indent(doc.why)}\n\n"
                         f"How to fix:\n{_indent(doc.fix)}\n\nExample:\n"
                         f"{_indent(doc.example)}\n\n"
                         f"Silence one finding: # importaudit: ignore[{rule.code}]\n")
