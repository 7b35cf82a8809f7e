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
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from importaudit.guards import (
    Bindings,
    platform_facts,
    platform_text,
    platform_value,
    version_needed,
    version_value,
)
from importaudit.model import EdgeKind
from importaudit.runtime.absent import module_level, own_source, parse

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterator, Sequence

    import networkx as nx

    from importaudit.model import ImportEdge

# The bodies of a compound statement that hold statements (an `if`'s are read apart).
_BLOCKS = ("body", "orelse", "finalbody")


def _enclosing_ifs(body: Sequence[ast.stmt], line: int, local: frozenset[str] = frozenset()
                   ) -> Iterator[tuple[ast.If, bool, frozenset[str]]]:
    """Each `if` around the statement at `line`, outermost first, with the branch holding it.

    True: its body; False: its `else:` (an `elif` is an `if` there). Functions, classes,
    `try`, `with`, loops and `match` are looked into: a guard inside a function (paramiko's
    `get_agent_connection`) decides whether the import can run as much as one at the top.
    Third: the names the functions around it bind (`_local_names`), which are not the
    module's platform flags there.
    """
    here = next((s for s in body if s.lineno <= line <= (s.end_lineno or s.lineno)), None)
    if here is None:
        return
    if isinstance(here, ast.If):
        if here.test.lineno <= line <= (here.test.end_lineno or here.test.lineno):
            return  # in the test itself (`if find_spec("x"):`): that always runs
        in_body = bool(here.body) and here.body[0].lineno <= line <= (
            here.body[-1].end_lineno or here.body[-1].lineno)
        yield here, in_body, local
        yield from _enclosing_ifs(here.body if in_body else here.orelse, line, local)
        return
    if isinstance(here, ast.FunctionDef | ast.AsyncFunctionDef):
        local = local | _local_names(here)
    inner: list[ast.stmt] = []
    for field in _BLOCKS:
        inner.extend(getattr(here, field, ()))
    for handler in getattr(here, "handlers", ()):
        inner.extend(handler.body)
    for case in getattr(here, "cases", ()):
        inner.extend(case.body)
    if inner:
        yield from _enclosing_ifs(inner, line, local)


@functools.lru_cache(maxsize=4096)  # (the trees are cached: a node is asked again)
def _local_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[str]:
    """The names `function` binds: its parameters and what its body assigns (not `global`).

    A cross-compiling tool's `def render(plat): if plat == "darwin":` tests its
    argument, not the module's `plat = sys.platform.lower()`.
    """
    arguments = function.args
    names = {a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                             *filter(None, (arguments.vararg, arguments.kwarg)))}
    declared: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Global):
            declared.update(node.names)
    return frozenset(names - declared)


def _stat_key(file: str) -> tuple[int, int] | None:
    """What says `file` is the same as when it was read: its time of change and size."""
    try:
        stat = os.stat(file)
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


#: What a platform flag can be bound from: `guards.platform_value` reads only these, and
#: `guards.platform_text` a platform string (`plat = sys.platform.lower()`, `os.name`).
_TESTS = (ast.BoolOp, ast.UnaryOp, ast.Name, ast.Compare, ast.Call, ast.Attribute,
          ast.Subscript)


@dataclass(frozen=True, slots=True)
class _Facts:
    """What `_flags` reads of a file: its bindings and its module-level flag statements.

    In source order, the `from` imports of its own package, relative or not (source
    file, (name, bound as)), and the assignments whose value may be a platform test
    or string; nothing else of the tree is kept, so each file is parsed once however
    often (and at whatever depth) its flags are asked: transformers' modules import
    each other relatively, and reading the flags three imports deep parsed the same
    files thousands of times (tens of minutes).
    """

    bindings: Bindings
    statements: tuple[tuple[str | None, tuple[tuple[str, str], ...]] | ast.Assign, ...]


def _facts(file: str) -> _Facts | None:
    key = _stat_key(file)
    return None if key is None else _facts_as(file, *key)


@functools.lru_cache(maxsize=8192)
def _facts_as(file: str, _mtime_ns: int, _size: int) -> _Facts | None:
    tree = parse(file)
    if tree is None:
        return None
    bindings = Bindings()
    for node in ast.walk(tree):  # a guard in a function may use the function's own import
        if isinstance(node, ast.Import | ast.ImportFrom):
            bindings.learn(node)
    statements: list[tuple[str | None, tuple[tuple[str, str], ...]] | ast.Assign] = []
    for node in module_level(tree.body):
        source = (own_source(file, node.module, node.level)
                  if isinstance(node, ast.ImportFrom) else None)
        if isinstance(node, ast.ImportFrom) and (node.level or source is not None):
            statements.append((source,
                               tuple((a.name, a.asname or a.name) for a in node.names)))
        elif isinstance(node, ast.Assign):  # any: a later one may rebind a flag
            statements.append(node)
    return _Facts(bindings, tuple(statements))


def _bindings(file: str) -> Bindings | None:
    """The names `file` binds to sys, os, platform (`from sys import platform` too)."""
    facts = _facts(file)
    return None if facts is None else facts.bindings


@functools.lru_cache(maxsize=8192)
def _flags(file: str, sys_platform: str, depth: int = 0) -> dict[str, bool | str | None]:
    """The platform flags `file` binds at module level, with their values on `sys_platform`.

    `WIN = sys.platform == "win32"`, or a name imported from a module of the package
    that binds one so (`from ._compat import WIN`, `from pkg._compat import WIN`); or
    a platform string, its value the string (pyserial's `plat = sys.platform.lower()`,
    tested as `plat[:6] == 'darwin'`).
    """
    facts = _facts(file)
    if facts is None:
        return {}
    known = platform_facts(sys_platform)
    flags: dict[str, bool | str | None] = {}
    for statement in facts.statements:
        if isinstance(statement, ast.Assign):
            value: bool | str | None = None
            if isinstance(statement.value, _TESTS):
                value = platform_value(statement.value, facts.bindings, known, flags)
                if value is None:
                    value = platform_text(statement.value, facts.bindings, known, flags)
            bound = [t.id for t in statement.targets if isinstance(t, ast.Name)]
            if value is not None:
                flags.update(dict.fromkeys(bound, value))
            else:  # rebound to what the platform alone does not decide: no flag now
                for name in bound:
                    flags.pop(name, None)
        elif depth < 3:
            source, names = statement
            theirs = _flags(source, sys_platform, depth + 1) if source else {}
            flags.update({bound: theirs[name] for name, bound in names if name in theirs})
    return flags


def _reads_flags(test: ast.expr, bindings: Bindings) -> bool:
    """Whether `guards.platform_value` of `test` may look a name up in the flags.

    A bare name (`if WIN:`), or one compared or sliced (`if plat[:6] == "darwin":`);
    not the names of the modules the test reads (`sys` of `sys.platform`).
    """
    modules = bindings.sys | bindings.os | bindings.platform | bindings.sys_platform
    return any(isinstance(node, ast.Name) and node.id not in modules
               for node in ast.walk(test))


def _platform_test(test: ast.expr, bindings: Bindings, known: dict[str, str | None],
                   file: str, sys_platform: str, local: frozenset[str] = frozenset()
                   ) -> bool | None:
    """`guards.platform_value` of the `if` test `test` in `file`, its flags read if needed.

    Only a test naming a flag (`if WIN:`) needs them, and reading them reads the files
    `file` imports from, three deep: most tests (`sys.platform == "win32"`) do not.
    A name the enclosing functions bind (`local`) is theirs, not a flag.
    """
    flags = _flags(file, sys_platform) if _reads_flags(test, bindings) else None
    if flags is not None and local & flags.keys():
        flags = {k: v for k, v in flags.items() if k not in local}
    return platform_value(test, bindings, known, flags)


def false_guard(file: str, line: int, sys_platform: str,
                version: tuple[int, ...] | None = None) -> str | None:
    """The innermost platform test around `file:line` that keeps it from running here.

    As the source says it: "sys.platform == 'win32'", or "else of `os.name == 'posix'`"
    for a statement in the `else:` of a test that is true here. None when every `if`
    around it may be true (or is not about the platform alone). With the measured
    Python's `version`, a test of `sys.version_info` counts too (pexpect imports
    `_async_pre_await`, `@asyncio.coroutine` code, only for Python before 3.6). Under
    a false test of each sort, the platform test: no Python would run it here.
    """
    found = _false_guard(file, line, sys_platform, version)
    return found[0] if found is not None else None


def _false_guard(file: str, line: int, sys_platform: str, version: tuple[int, ...] | None
                 ) -> tuple[str, str | None] | None:
    """`false_guard`, and for a test of `sys.version_info` the Python it needs.

    The second item: None for a platform test; "Python >= 3.12" (what the branch
    holding the statement needs, as `guards.version_needed` reads it) or
    "another Python version" (a test too involved to say) for a version test.
    """
    tree, bindings = parse(file), _bindings(file)
    if tree is None or bindings is None:
        return None
    known = platform_facts(sys_platform)
    # The innermost false test of each sort: a platform test wins, for no Python
    # would run the statement here (`if win32:` around `if version >= 3.12:`).
    found: dict[bool, tuple[str, str | None]] = {}
    for node, in_body, local in _enclosing_ifs(tree.body, line):
        value = _platform_test(node.test, bindings, known, file, sys_platform, local)
        python = None
        if value is None and version is not None:
            value = version_value(node.test, bindings, version)
            if value is not None:
                python = version_needed(node.test, bindings, holds=in_body) or (
                    "another Python version")
        if value is not None and value is not in_body:
            test = ast.unparse(node.test)
            found[python is None] = (test if in_body else f"else of `{test}`", python)
    return found.get(True) or found.get(False)


def runs_here(file: str, line: int, sys_platform: str, version: tuple[int, ...] | None
              ) -> bool | None:
    """Whether the `if` tests around `file:line` let it run here, as far as they tell.

    False under a test of the platform or Python version false here (`false_guard`);
    True when every `if` around it is such a test, true here (future.backports.misc's
    `if sys.version_info >= (2, 7): from itertools import count`, or no `if` at all);
    None when one is anything else (`if PY26:`, a flag of another module).
    """
    if _false_guard(file, line, sys_platform, version) is not None:
        return False
    tree, bindings = parse(file), _bindings(file)
    if tree is None or bindings is None:
        return None
    known = platform_facts(sys_platform)
    for node, in_body, local in _enclosing_ifs(tree.body, line):
        value = _platform_test(node.test, bindings, known, file, sys_platform, local)
        if value is None and version is not None:
            value = version_value(node.test, bindings, version)
        if value is not in_body:
            return None
    return True


@dataclass(frozen=True, slots=True)
class Unreached:
    """Why a failed module is for another platform or Python: `reason`, as said.

    `python`: the Python it needs ("Python >= 3.12", "another Python version") when a
    test of `sys.version_info` keeps it out here; None for a platform test.
    """

    reason: str
    python: str | None = None


def platform_only(failed: Collection[str], edges: Sequence[ImportEdge],
                  targets: Collection[str], sys_platform: str,
                  version: tuple[int, ...] | None = None) -> dict[str, Unreached]:
    """Why each of the `failed` modules is for another platform, for those that are.

    `edges` are the targets' static import edges. The package reaches a module from
    the targets and from its modules nothing of it imports, along imports that can
    run (type-only ones never do); a module reached only along imports under a platform
    test false on `sys_platform` is for another platform, and the reason names the
    nearest such import; with `version`, tests of `sys.version_info` count as platform
    tests (another Python is another platform). (Asked only when such a failure is
    there: networkx is imported then.)
    """
    import networkx as nx

    graph: nx.DiGraph[str] = nx.DiGraph()  # importer -> imported, every statement kept
    for edge in edges:
        if edge.external or edge.kind is EdgeKind.TYPE_ONLY or edge.importer == edge.imported:
            continue
        if graph.has_edge(edge.importer, edge.imported):
            graph[edge.importer][edge.imported]["imports"].append(edge)
        else:
            graph.add_edge(edge.importer, edge.imported, imports=[edge])
    wanted = [m for m in failed if m in graph and graph.in_degree(m)]
    # Only paths through the failed modules' importers (transitively) can reach them.
    among = graph.subgraph(set(wanted).union(*(nx.ancestors(graph, m) for m in wanted)))
    guards: dict[ImportEdge, tuple[str, str | None] | None] = {}

    def guard(edge: ImportEdge) -> tuple[str, str | None] | None:
        # A statement the scan found under no `if` (nor try, loop, function: not
        # `conditional`) has no test to read: its file is not parsed for it. The lazy
        # edges (an `attach(...)` list, a lazy map, a stub's names) are made without
        # `conditional`: their test is always read (an `attach` under `if
        # sys.platform == "win32":` made its submodule a failure, not a skip).
        if edge not in guards:
            guards[edge] = (_false_guard(edge.file, edge.line, sys_platform, version)
                            if edge.file is not None and edge.line is not None
                            and (edge.conditional or edge.kind is EdgeKind.LAZY)
                            and edge.kind is not EdgeKind.PARENT else None)
        return guards[edge]

    def runs(importer: str, imported: str) -> bool:
        return any(guard(e) is None for e in among[importer][imported]["imports"])

    # Every importer of a module of `among` is in it: in-degrees there are the package's.
    starts = [n for n in among if n in targets or not among.in_degree(n)]
    here = _reached(nx.subgraph_view(among, filter_edge=runs), starts)
    anywhere = _reached(among, starts)
    return {module: _why(module, among, here, guard) for module in wanted
            if module in anywhere and module not in here}


def _reached(graph: nx.DiGraph[str], starts: Sequence[str]) -> set[str]:
    """The modules `starts` reach in `graph` (themselves included).

    One search from all of them at once: a search from each walked the graph once per
    start (transformers: hundreds of modules nothing imports, 40,000 imports, each
    edge's filter asked again in every walk).
    """
    import networkx as nx

    return set(nx.multi_source_dijkstra_path_length(graph, set(starts))) if starts else set()


def _why(module: str, graph: nx.DiGraph[str], here: Collection[str],
         guard: Callable[[ImportEdge], tuple[str, str | None] | None]) -> Unreached:
    """The nearest import under a false platform test on the way to `module`, said.

    A test of `sys.version_info` says the Python it needs ("needs Python >= 3.12"),
    not "another platform".
    """
    import networkx as nx

    distance = nx.single_source_shortest_path_length(graph.reverse(copy=False), module)
    blocked = sorted(
        ((distance[imported], importer, edge.line or 0, edge, blocking)
         for importer, imported, data in graph.edges(data=True) if imported in distance
         for edge in data["imports"] if importer in here
         and (blocking := guard(edge)) is not None),
        key=lambda found: found[:3])
    if not blocked:
        return Unreached("is for another platform: its package imports it only under "
                         "platform tests")
    _, importer, _, edge, (test, python) = blocked[0]
    chain = nx.shortest_path(graph, edge.imported, module)
    via = (f"it is imported only through {' -> '.join(chain[:-1])}, and "
           if len(chain) > 1 else "")
    place = f"{Path(edge.file or '').name}:{edge.line}"
    under = f"in the {test}" if test.startswith("else of `") else f"under `{test}`"
    what = f"needs {python}" if python is not None else "is for another platform"
    return Unreached(f"{what}: {via}{importer} imports {edge.imported} only {under} ({place})",
                     python)
