"""Findings on imports a file already declares lazy for Python 3.15 (`__lazy_modules__`).

PEP 810 lets a module list modules in `__lazy_modules__`: from Python 3.15 on, its
module-level imports of them are lazy, and before that they run where they stand (tox
4.67 lists `tox.run` and `tox.version` so). A finding about such an import measured on
an older Python is true there, but the reader should learn that the code already asks
for laziness, and from which version it gets it: each one says so.
"""

from __future__ import annotations

import ast
import dataclasses
from typing import TYPE_CHECKING

from importaudit.guards import imported_modules, lazy_importable, lazy_modules

if TYPE_CHECKING:
    from collections.abc import Iterable

    from importaudit.model import Finding, Report

#: The first Python whose imports read `__lazy_modules__`.
_LAZY_FROM = (3, 15)


def _statement_at(body: list[ast.stmt], line: int) -> ast.stmt | None:
    """The module-level statement holding `line` (in an `if` or `with` at module level too).

    PEP 810 makes imports lazy at module level, in `with` blocks too, never in a `try`
    (nor in a function or class body: their statement is the one returned).
    """
    for node in body:
        if node.lineno <= line <= (node.end_lineno or node.lineno):
            if isinstance(node, ast.If):
                return _statement_at([*node.body, *node.orelse], line)
            if isinstance(node, ast.With):
                return _statement_at(node.body, line)
            return node
    return None


def note_declared_lazy(report: Report, findings: Iterable[Finding]) -> list[Finding]:
    """`findings`, each one about an import its file lists in `__lazy_modules__` noted.

    Only when the measured Python is older than 3.15 (on 3.15 such an import is lazy
    and nothing was measured of it there).
    """
    from importaudit.runtime.absent import parse

    meta = report.meta
    version = (tuple(int(p) for p in meta.python_version.split(".")[:2] if p.isdigit())
               if meta is not None else ())
    packages = {m.name: m.is_package for m in report.modules}
    noted: list[Finding] = []
    for finding in findings:
        listed: list[str] = []
        if (finding.file and finding.line and version and version < _LAZY_FROM
                and finding.module in packages):
            tree = parse(finding.file)
            node = _statement_at(tree.body, finding.line) if tree is not None else None
            if (tree is not None and isinstance(node, ast.Import | ast.ImportFrom)
                    and lazy_importable(node)):
                is_package = packages[finding.module]
                lazy = lazy_modules(tree.body, node.lineno, finding.module, is_package)
                listed = [m for m in imported_modules(node, finding.module, is_package)
                          if m in lazy]
        if not listed:
            noted.append(finding)
            continue
        them = "it" if len(listed) == 1 else "them"
        where = ".".join(map(str, version))
        noted.append(dataclasses.replace(finding, message=(
            f"{finding.message} Its file lists {', '.join(listed)} in "
            f"`__lazy_modules__`: lazy from Python 3.15 on (PEP 810), while the "
            f"measured Python {where} imports {them} where the statement stands.")))
    return noted
