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
from typing import TYPE_CHECKING, cast

from importaudit.guards import imported_modules, lazy_importable, lazy_modules

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from importaudit.model import Finding, Report

#: The first Python whose imports read `__lazy_modules__`.
_LAZY_FROM = (3, 15)


def _statement_at(body: list[ast.stmt], line: int) -> ast.stmt | None:
    """The module-level statement holding `line` (in an `if` or `with` at module level too).

    PEP 810 makes imports lazy at module level, in `with` blocks too, never in a `try`
    (nor in a function or class body: their statement is the one returned).
    """
    return next((node for node in _module_level(body)
                 if node.lineno <= line <= (node.end_lineno or node.lineno)), None)


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
        listed: dict[str, None] = {}
        statements = 0
        if (finding.file and finding.line and version and version < _LAZY_FROM
                and finding.module in packages):
            tree = parse(finding.file)
            body = tree.body if tree is not None else []
            is_package = packages[finding.module]
            for node in _subjects(body, finding, is_package):
                lazy = lazy_modules(body, node.lineno, finding.module, is_package)
                mine = [m for m in imported_modules(node, finding.module, is_package)
                        if m in lazy]
                statements += bool(mine)
                listed.update(dict.fromkeys(mine))
        if not listed:
            noted.append(finding)
            continue
        them = "it" if len(listed) == 1 else "them"
        stands = "the statement stands" if statements == 1 else "their statements stand"
        where = ".".join(map(str, version))
        noted.append(dataclasses.replace(finding, message=(
            f"{finding.message} Its file lists {', '.join(listed)} in "
            f"`__lazy_modules__`: lazy from Python 3.15 on (PEP 810), while the "
            f"measured Python {where} imports {them} where {stands}.")))
    return noted


def _subjects(body: list[ast.stmt], finding: Finding,
              is_package: bool) -> list[ast.Import | ast.ImportFrom]:
    """The import statements a finding is about that PEP 810 could make lazy.

    The one at its line; for IA101 (a package `__init__` importing its submodules, the
    finding on the first of them), every module-level import of a submodule of the
    package: tox.config.source lists both of its, `api` and `discover`.
    """
    line = cast("int", finding.line)
    first = _statement_at(body, line)
    found = [first] if isinstance(first, ast.Import | ast.ImportFrom) else []
    if finding.code == "IA101" and is_package:
        below = finding.module + "."
        found += [node for node in _module_level(body)
                  if node is not first and isinstance(node, ast.Import | ast.ImportFrom)
                  and any(m.startswith(below)
                          for m in imported_modules(node, finding.module, is_package))]
    return sorted((n for n in found if lazy_importable(n)), key=lambda n: n.lineno)


def _module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements PEP 810 counts as module level: in an `if` or `with` there too."""
    for node in body:
        if isinstance(node, ast.If):
            yield from _module_level([*node.body, *node.orelse])
        elif isinstance(node, ast.With):
            yield from _module_level(node.body)
        else:
            yield node
