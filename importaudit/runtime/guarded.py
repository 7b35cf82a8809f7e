"""Modules a walk imports that their own package imports only on other platforms.

paramiko's `_winapi` subclasses `builtins.WindowsError`, which exists only on Windows:
imported on Linux it fails. Nothing is wrong with it: paramiko imports it only from
`win_pageant`, and imports that only under `elif sys.platform == "win32":` inside
`agent.get_agent_connection`. The failure says nothing of a platform test (it raised
at a class statement), its importers' guards do. `platform_only` reads them from the
targets' static import edges, evaluated for the measured interpreter's platform
(`guards.platform_value`): a failed module is platform-only when the package reaches
it (from modules nothing of the package imports, and the targets) only through imports
under a platform test that is false here. One imported unguarded, or by a module
nothing imports, still fails.
"""

from __future__ import annotations

import ast
import functools
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING

from importaudit.guards import Bindings, platform_facts, platform_value
from importaudit.model import EdgeKind
from importaudit.runtime.absent import module_level, parse, relative_source

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterator, Sequence

    from importaudit.model import ImportEdge

# The bodies of a compound statement that hold statements (an `if`'s are read apart).
_BLOCKS = ("body", "orelse", "finalbody")


def _enclosing_ifs(body: Sequence[ast.stmt], line: int
                   ) -> Iterator[tuple[ast.If, bool]]:
    """Each `if` around the statement at `line`, outermost first, with the branch holding it.

    True: its body; False: its `else:` (an `elif` is an `if` there). Functions, classes,
    `try`, `with`, loops and `match` are looked into: a guard inside a function (paramiko's
    `get_agent_connection`) decides whether the import can run as much as one at the top.
    """
    here = next((s for s in body if s.lineno <= line <= (s.end_lineno or s.lineno)), None)
    if here is None:
        return
    if isinstance(here, ast.If):
        if here.test.lineno <= line <= (here.test.end_lineno or here.test.lineno):
            return  # in the test itself (`if find_spec("x"):`): that always runs
        in_body = bool(here.body) and here.body[0].lineno <= line <= (
            here.body[-1].end_lineno or here.body[-1].lineno)
        yield here, in_body
        yield from _enclosing_ifs(here.body if in_body else here.orelse, line)
        return
    inner: list[ast.stmt] = []
    for field in _BLOCKS:
        inner.extend(getattr(here, field, ()))
    for handler in getattr(here, "handlers", ()):
        inner.extend(handler.body)
    for case in getattr(here, "cases", ()):
        inner.extend(case.body)
    if inner:
        yield from _enclosing_ifs(inner, line)


@functools.lru_cache(maxsize=256)
def _bindings(file: str) -> Bindings | None:
    """The names `file` binds to sys, os, platform (`from sys import platform` too)."""
    tree = parse(file)
    if tree is None:
        return None
    bindings = Bindings()
    for node in ast.walk(tree):  # a guard in a function may use the function's own import
        if isinstance(node, ast.Import | ast.ImportFrom):
            bindings.learn(node)
    return bindings


@functools.lru_cache(maxsize=256)
def _flags(file: str, sys_platform: str, depth: int = 0) -> dict[str, bool | None]:
    """The platform flags `file` binds at module level, with their values on `sys_platform`.

    `WIN = sys.platform == "win32"`, or a name imported from a module of the package
    that binds one so (`from ._compat import WIN`).
    """
    tree, bindings = parse(file), _bindings(file)
    if tree is None or bindings is None:
        return {}
    known = platform_facts(sys_platform)
    flags: dict[str, bool | None] = {}
    for node in module_level(tree.body):
        if isinstance(node, ast.ImportFrom) and node.level and depth < 3:
            source = relative_source(file, node.module, node.level)
            theirs = _flags(source, sys_platform, depth + 1) if source else {}
            flags.update({a.asname or a.name: theirs[a.name] for a in node.names
                          if a.name in theirs})
        elif isinstance(node, ast.Assign):
            value = platform_value(node.value, bindings, known, flags)
            if value is not None:
                flags.update({t.id: value for t in node.targets if isinstance(t, ast.Name)})
    return flags


def false_guard(file: str, line: int, sys_platform: str) -> str | None:
    """The innermost platform test around `file:line` that keeps it from running here.

    As the source says it: "sys.platform == 'win32'", or "else of `os.name == 'posix'`"
    for a statement in the `else:` of a test that is true here. None when every `if`
    around it may be true (or is not about the platform alone).
    """
    tree, bindings = parse(file), _bindings(file)
    if tree is None or bindings is None:
        return None
    known = platform_facts(sys_platform)
    flags = _flags(file, sys_platform)
    found = None
    for node, in_body in _enclosing_ifs(tree.body, line):
        value = platform_value(node.test, bindings, known, flags)
        if value is not None and value is not in_body:
            test = ast.unparse(node.test)
            found = test if in_body else f"else of `{test}`"
    return found


def platform_only(failed: Collection[str], edges: Sequence[ImportEdge],
                  targets: Collection[str], sys_platform: str) -> dict[str, str]:
    """Why each of the `failed` modules is for another platform, for those that are.

    `edges` are the targets' static import edges. The package reaches a module from
    the targets and from its modules nothing of it imports, along imports that can
    run (type-only ones never do); a module reached only along imports under a platform
    test false on `sys_platform` is for another platform, and the reason names the
    nearest such import.
    """
    incoming: dict[str, list[ImportEdge]] = {}
    nodes: set[str] = set(targets)
    for edge in edges:
        if edge.external or edge.kind is EdgeKind.TYPE_ONLY or edge.importer == edge.imported:
            continue
        incoming.setdefault(edge.imported, []).append(edge)
        nodes.update((edge.importer, edge.imported))
    wanted = [m for m in failed if m in incoming]
    # Only paths through the failed modules' importers (transitively) can reach them.
    ancestors = set(wanted)
    queue = deque(wanted)
    while queue:
        for edge in incoming.get(queue.popleft(), ()):
            if edge.importer not in ancestors:
                ancestors.add(edge.importer)
                queue.append(edge.importer)
    guards: dict[ImportEdge, str | None] = {}

    def guard(edge: ImportEdge) -> str | None:
        if edge not in guards:
            guards[edge] = (false_guard(edge.file, edge.line, sys_platform)
                            if edge.file is not None and edge.line is not None
                            and edge.kind is not EdgeKind.PARENT else None)
        return guards[edge]

    starts = [n for n in ancestors if n in targets or not incoming.get(n)]
    here = _reached(starts, ancestors, incoming, lambda e: guard(e) is None)
    anywhere = _reached(starts, ancestors, incoming, lambda _e: True)
    reasons = {}
    for module in wanted:
        if module in anywhere and module not in here:
            reasons[module] = _why(module, incoming, here, guard)
    return reasons


def _reached(starts: Sequence[str], among: Collection[str],
             incoming: dict[str, list[ImportEdge]], runs: Callable[[ImportEdge], bool]
             ) -> set[str]:
    """The modules of `among` that `starts` reach along edges for which `runs` holds."""
    outgoing: dict[str, list[ImportEdge]] = {}
    for module in among:
        for edge in incoming.get(module, ()):
            outgoing.setdefault(edge.importer, []).append(edge)
    seen = set(starts)
    queue = deque(starts)
    while queue:
        for edge in outgoing.get(queue.popleft(), ()):
            if edge.imported not in seen and runs(edge):
                seen.add(edge.imported)
                queue.append(edge.imported)
    return seen


def _why(module: str, incoming: dict[str, list[ImportEdge]], here: Collection[str],
         guard: Callable[[ImportEdge], str | None]) -> str:
    """The nearest import under a false platform test on the way to `module`, said."""
    through: dict[str, str] = {module: module}  # each importer -> the module it leads to
    queue = deque([module])
    while queue:
        current = queue.popleft()
        for edge in sorted(incoming.get(current, ()), key=lambda e: (e.importer, e.line or 0)):
            test = guard(edge)
            if test is not None and edge.importer in here:
                chain = [current]
                while chain[-1] != module:
                    chain.append(through[chain[-1]])
                via = (f"it is imported only through {' -> '.join(chain[:-1])}, and "
                       if len(chain) > 1 else "")
                place = f"{Path(edge.file or '').name}:{edge.line}"
                return (f"is for another platform: {via}{edge.importer} imports "
                        f"{current} only under `{test}` ({place})")
            if edge.importer not in through:
                through[edge.importer] = current
                queue.append(edge.importer)
    return "is for another platform: its package imports it only under platform tests"
