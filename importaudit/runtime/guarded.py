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

A test may read the package's own flags and platform functions (`_flags`): watchdog
imports `observers.kqueue` only under `elif platform.is_bsd():`, a function of its
`utils.platform` comparing `__platform__ = get_platform_name()` (an if/return chain of
`sys.platform.startswith(...)`) with a constant. Such functions are read, never run:
what they do not tell is unknown, and an unknown test may be true.
"""

from __future__ import annotations

import ast
import copy
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
    from collections.abc import Callable, Collection, Iterator, Mapping, Sequence

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
#: How many steps (a call of the package's function, a module's attribute, an import
#: of another module's name) reading one test may take: watchdog's `platform.is_bsd()`
#: takes four (the module, its function, `__platform__`, `get_platform_name()`).
_DEPTH = 6
#: How many imports deep `_flags` follows a name to the module that binds it.
_FOLLOWED = 3
#: Decorators that leave what a function returns as it is (`@functools.lru_cache`).
_KEEPING = frozenset({"cache", "lru_cache"})


@dataclass(frozen=True, slots=True)
class _Text:
    """A name bound once, at the top of its module, to a string (`PLATFORM_BSD = "bsd"`).

    No platform test of its own: only what a test compares a platform string with.
    """

    value: str


@dataclass(frozen=True, slots=True)
class _Function:
    """A function of the package a test may call with no arguments (`is_bsd()`)."""

    file: str
    node: ast.FunctionDef


@dataclass(frozen=True, slots=True)
class _Module:
    """A module of the package a name is bound to (`from watchdog.utils import platform`)."""

    file: str


#: What a module-level name of a file is, as far as platform tests care: a platform
#: flag (a bool or a platform string, its value here), or one of the three above.
_Name = bool | str | _Text | _Function | _Module


@dataclass(frozen=True, slots=True)
class _Import:
    """An import of the package's own modules: the file it names and the names it binds.

    `names`: (name, bound as) of a `from` import; empty for `import pkg.sub [as x]`,
    which binds `bound` to the module `file` (the top package's for no `as`).
    """

    file: str
    names: tuple[tuple[str, str], ...] = ()
    bound: str | None = None


#: A star import, in `_Facts.statements`: every name bound before it may be rebound.
_STAR = _Import("*", (("*", "*"),))


@dataclass(frozen=True, slots=True)
class _Facts:
    """What `_flags` reads of a file: its bindings and its module-level name statements.

    In source order, the imports of its own package, relative or not, the assignments
    whose value may be a platform test or string, and its functions, each with whether
    it stands at the top (in no `if`, `try` or `with`); `once`: the names the module
    binds exactly once (none rebound, none a function's `global`), `bound`: all it
    binds. Nothing else of the tree is kept, so each file is parsed once however
    often (and at whatever depth) its flags are asked: transformers' modules import
    each other relatively, and reading the flags three imports deep parsed the same
    files thousands of times (tens of minutes).
    """

    bindings: Bindings
    statements: tuple[tuple[_Import | ast.Assign | ast.AnnAssign | ast.FunctionDef, bool], ...]
    once: frozenset[str]
    bound: frozenset[str]


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
    top = {id(node) for node in tree.body}
    statements: list[tuple[_Import | ast.Assign | ast.AnnAssign | ast.FunctionDef, bool]] = []
    for node in module_level(tree.body):
        found: _Import | ast.Assign | ast.AnnAssign | ast.FunctionDef | None = None
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            found = _STAR  # may rebind any name bound before it (rev29)
        elif isinstance(node, ast.ImportFrom):
            source = own_source(file, node.module, node.level)
            if source is not None:
                found = _Import(source, tuple((a.name, a.asname or a.name)
                                              for a in node.names))
        elif isinstance(node, ast.Import):
            statements.extend((imported, False) for imported in _own_imports(node, file))
        elif isinstance(node, ast.Assign | ast.FunctionDef) or (
                isinstance(node, ast.AnnAssign) and node.value is not None):
            found = node  # any assignment: a later one may rebind a flag
        if found is not None:
            statements.append((found, id(node) in top))
    counts = _binding_counts(tree)
    once = frozenset(name for name, count in counts.items() if count == 1) - {
        name for node in ast.walk(tree) if isinstance(node, ast.Global) for name in node.names}
    return _Facts(bindings, tuple(statements), once, frozenset(counts))


def _own_imports(node: ast.Import, file: str) -> Iterator[_Import]:
    """`import pkg.sub` (binds `pkg`) and `import pkg.sub as x`, of `file`'s own package."""
    for alias in node.names:
        named = alias.name if alias.asname else alias.name.partition(".")[0]
        source = own_source(file, named, 0)
        if source is not None:
            yield _Import(source, bound=alias.asname or named)


def _binding_counts(tree: ast.Module) -> dict[str, int]:
    """How many statements of the module's own scope bind each name (imports too)."""
    counts: dict[str, int] = {}
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        names: list[str] = []
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(node.name)  # its body is another scope
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.extend(a.asname or a.name.partition(".")[0] for a in node.names)
        elif isinstance(node, ast.Lambda | ast.comprehension):
            continue
        else:
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
                names.append(node.id)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                names.append(node.name)
            pending.extend(ast.iter_child_nodes(node))
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    return counts


def _bindings(file: str) -> Bindings | None:
    """The names `file` binds to sys, os, platform (`from sys import platform` too)."""
    facts = _facts(file)
    return None if facts is None else facts.bindings


@functools.lru_cache(maxsize=8192)
def _flags(file: str, sys_platform: str, depth: int = 0) -> dict[str, _Name]:
    """What `file`'s module-level names are to a platform test, on `sys_platform`.

    Platform flags with their values: `WIN = sys.platform == "win32"`, a platform string
    (pyserial's `plat = sys.platform.lower()`, tested as `plat[:6] == 'darwin'`), or
    what a call of the package's own platform function gives (`IS_WIN = _is_windows()`,
    watchdog's `__platform__ = get_platform_name()`, see `_called`); a name imported
    from a module of the package that binds one so (`from ._compat import WIN`, `from
    pkg._compat import WIN`). And what a test may read further: strings bound once at
    the top (`_Text`), functions (`_Function`) and modules of the package (`_Module`).
    """
    facts = _facts(file)
    if facts is None:
        return {}
    names: dict[str, _Name] = {}
    for statement, top in facts.statements:
        if statement == _STAR:  # `from ._override import *`: what came before is unknown
            names.clear()
            continue
        if isinstance(statement, ast.FunctionDef):
            known = top and statement.name in facts.once and _keeps_value(statement)
            bound: dict[str, _Name | None] = {
                statement.name: _Function(file, statement) if known else None}
        elif isinstance(statement, ast.Assign | ast.AnnAssign):
            targets = (statement.targets if isinstance(statement, ast.Assign)
                       else [statement.target])
            named = [t.id for t in targets if isinstance(t, ast.Name)]
            value = _assigned(statement.value, file, names, sys_platform, depth,
                              once=top and set(named) <= facts.once)
            bound = dict.fromkeys(named, value)
        elif depth < _FOLLOWED:
            bound = _imported(statement, file, sys_platform, depth + 1)
        else:
            bound = dict.fromkeys([statement.bound] if statement.bound else
                                  [name for _, name in statement.names])
        for name, value in bound.items():  # rebound to what the files do not tell: unknown
            if value is None:
                names.pop(name, None)
            else:
                names[name] = value
    return names


def _assigned(value: ast.expr | None, file: str, names: Mapping[str, _Name],
              sys_platform: str, depth: int, *, once: bool) -> _Name | None:
    """What a module-level name bound to `value` is to a platform test (`_flags`).

    A string is a `_Text`, and a test's value a flag, only when the name is bound
    `once`, at the top: another binding of it may hold when a test reads it (rev29: `if
    os.environ.get("FORCE_BSD"): _BSD = True` / `else: _BSD = sys.platform...`, or a
    function's `global` rebinding it).
    """
    if not once:
        return None
    if isinstance(value, _TESTS):
        bindings = _bindings(file)
        return None if bindings is None else _value(
            value, bindings, platform_facts(sys_platform), file, names, sys_platform, depth)
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return _Text(value.value)
    return None


def _keeps_value(function: ast.FunctionDef) -> bool:
    """Whether a call of `function` runs its body: no decorators but a cache."""
    for decorator in function.decorator_list:
        named = decorator.func if isinstance(decorator, ast.Call) else decorator
        called = (named.id if isinstance(named, ast.Name)
                  else named.attr if isinstance(named, ast.Attribute) else None)
        if called not in _KEEPING:
            return False
    return True


def _imported(statement: _Import, file: str, sys_platform: str, depth: int
              ) -> dict[str, _Name | None]:
    """What an import in `file` of the package's own module binds (`_flags`), None: unknown.

    `from . import platform` in a package's `__init__` names its submodule.
    """
    if statement.bound is not None:
        return {statement.bound: _Module(statement.file)}
    return {bound: (_submodule(file, name) if statement.file == file
                    else _member(statement.file, name, sys_platform, depth))
            for name, bound in statement.names}


def _member(file: str, name: str, sys_platform: str, depth: int) -> _Name | None:
    """What `name` is in the module at `file`: its own name, else its submodule."""
    theirs = _flags(file, sys_platform, depth)
    if name in theirs:
        return theirs[name]
    facts = _facts(file)
    if facts is None or name in facts.bound or Path(file).name != "__init__.py":
        return None  # bound to something else there (`import platform`: the standard one)
    return _submodule(file, name)


def _submodule(file: str, name: str) -> _Module | None:
    """The submodule `name` of the package whose `__init__` is `file`, if it has one."""
    folder = Path(file).parent / name
    for candidate in (folder.with_suffix(".py"), folder / "__init__.py"):
        if candidate.is_file():
            return _Module(str(candidate))
    return None


def _resolved(node: ast.expr, file: str, names: Mapping[str, _Name], sys_platform: str,
              depth: int) -> _Name | None:
    """What a name, a module's attribute or a no-argument call of the package's is here.

    `platform.is_bsd()` where `platform` is the package's module: the value its function
    returns here (`_called`). None for what the package's code does not tell.
    """
    if depth >= _DEPTH:
        return None
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.Attribute):
        owner = _resolved(node.value, file, names, sys_platform, depth)
        return (_member(owner.file, node.attr, sys_platform, depth + 1)
                if isinstance(owner, _Module) else None)
    if isinstance(node, ast.Call) and not node.args and not node.keywords:
        function = _resolved(node.func, file, names, sys_platform, depth)
        if isinstance(function, _Function):
            # Its own module's names as they stand now, for a call at the top of it.
            theirs = (names if function.file == file
                      else _flags(function.file, sys_platform, depth + 1))
            return _called(function, theirs, sys_platform, depth + 1)
    return None


def _substituted(node: ast.expr, file: str, names: Mapping[str, _Name], sys_platform: str,
                 depth: int, local: frozenset[str] = frozenset()
                 ) -> tuple[ast.expr, dict[str, bool | str]]:
    """`node` with what the package's code tells put in, for `guards.platform_value`.

    A call of the package's platform function, or a module's flag, becomes a flag of
    its own (a name no code can spell, its value in the returned flags); a string bound
    once at the top (`PLATFORM_BSD`) its constant. Names the enclosing functions bind
    (`local`) are theirs, not the module's. The tree given is not changed.
    """
    flags = {k: v for k, v in names.items() if isinstance(v, bool | str) and k not in local}
    if not any(isinstance(n, ast.Name) and n.id in names and n.id not in local
               for n in ast.walk(node)):
        return node, flags  # every read the package tells of starts at one of its names

    class Substitute(ast.NodeTransformer):
        def visit_Name(self, name: ast.Name) -> ast.expr:
            value = names.get(name.id) if name.id not in local else None
            return ast.Constant(value.value) if isinstance(value, _Text) else name

        def visit_Attribute(self, attribute: ast.Attribute) -> ast.expr:
            return self._read(attribute) or self.generic_visit(attribute)  # type: ignore[return-value]

        def visit_Call(self, call: ast.Call) -> ast.expr:
            return self._read(call) or self.generic_visit(call)  # type: ignore[return-value]

        def _read(self, read: ast.Attribute | ast.Call) -> ast.expr | None:
            root: ast.expr = read
            while isinstance(root, ast.Attribute | ast.Call):
                root = root.value if isinstance(root, ast.Attribute) else root.func
            if isinstance(root, ast.Name) and root.id in local:
                return None
            value = _resolved(read, file, names, sys_platform, depth)
            if isinstance(value, _Text):
                return ast.Constant(value.value)
            if not isinstance(value, bool | str):
                return None
            flag = f"<{len(flags)}>"
            flags[flag] = value
            return ast.Name(flag, ast.Load())

    return Substitute().visit(copy.deepcopy(node)), flags


def _value(node: ast.expr, bindings: Bindings, known: dict[str, str | None], file: str,
           names: Mapping[str, _Name], sys_platform: str, depth: int,
           local: frozenset[str] = frozenset()) -> bool | str | None:
    """What `node` is here: a platform test (a bool) or string, if only the platform decides."""
    read, flags = _substituted(node, file, names, sys_platform, depth, local)
    value = platform_value(read, bindings, known, flags)
    return value if value is not None else platform_text(read, bindings, known, flags)


def _called(function: _Function, names: Mapping[str, _Name], sys_platform: str,
            depth: int) -> bool | str | None:
    """What a call of the package's `function` with no arguments returns here, if known.

    Read, never run: its body may hold only `if` tests the platform decides (read as
    `if` tests are, its module's flags and functions with them), `return`, `pass` and a
    docstring, along the way the tests take here; the value returned, a platform test or
    string, or a constant returned under such tests (watchdog's `get_platform_name()`
    returns `PLATFORM_LINUX` under `sys.platform.startswith("linux")`). Anything else
    on the way, or a function of arguments: None, as is a constant returned under no
    test, which says nothing of the platform.
    """
    arguments = function.node.args
    if (depth >= _DEPTH or arguments.posonlyargs or arguments.args or arguments.kwonlyargs
            or arguments.vararg or arguments.kwarg):
        return None
    bindings = _bindings(function.file)
    if bindings is None:
        return None
    known = platform_facts(sys_platform)
    body: Sequence[ast.stmt] = function.node.body
    tested = False
    while body:
        statement, rest = body[0], body[1:]
        if isinstance(statement, ast.Pass) or (isinstance(statement, ast.Expr) and isinstance(
                statement.value, ast.Constant)):
            body = rest
        elif isinstance(statement, ast.If):
            holds = _value(statement.test, bindings, known, function.file, names,
                           sys_platform, depth)
            if not isinstance(holds, bool):
                return None
            tested = True
            body = [*(statement.body if holds else statement.orelse), *rest]
        elif isinstance(statement, ast.Return) and statement.value is not None:
            value = _value(statement.value, bindings, known, function.file, names,
                           sys_platform, depth)
            return value if value is not None else _constant(statement.value, names,
                                                              tested=tested)
        else:
            return None
    return None


def _constant(node: ast.expr, names: Mapping[str, _Name], *, tested: bool
              ) -> bool | str | None:
    """The constant a function returns (`PLATFORM_LINUX`, `True`), when a test led there.

    Under no test, the function returns it wherever it runs: nothing of the platform.
    """
    read = names.get(node.id) if isinstance(node, ast.Name) else None
    value = (read.value if isinstance(read, _Text)
             else node.value if isinstance(node, ast.Constant) else None)
    return value if tested and isinstance(value, bool | str) else None


def _reads_flags(test: ast.expr, bindings: Bindings) -> bool:
    """Whether `guards.platform_value` of `test` may look a name up in the flags.

    A bare name (`if WIN:`), one compared or sliced (`if plat[:6] == "darwin":`), or a
    call or attribute of one (`if platform.is_bsd():`); not the names of the modules
    the test reads (`sys` of `sys.platform`).
    """
    modules = bindings.sys | bindings.os | bindings.platform | bindings.sys_platform
    return any(isinstance(node, ast.Name) and node.id not in modules
               for node in ast.walk(test))


def _platform_test(test: ast.expr, bindings: Bindings, known: dict[str, str | None],
                   file: str, sys_platform: str, local: frozenset[str] = frozenset()
                   ) -> bool | None:
    """`guards.platform_value` of the `if` test `test` in `file`, its flags read if needed.

    Only a test naming a flag (`if WIN:`) or the package's function (`if is_bsd():`)
    needs them, and reading them reads the files `file` imports from, a few deep: most
    tests (`sys.platform == "win32"`) do not. A name the enclosing functions bind
    (`local`) is theirs, not a flag.
    """
    if not _reads_flags(test, bindings):
        return platform_value(test, bindings, known)
    read, flags = _substituted(test, file, _flags(file, sys_platform), sys_platform, 0, local)
    return platform_value(read, bindings, known, flags)


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
                  version: tuple[int, ...] | None = None, *, chosen: bool = False
                  ) -> dict[str, Unreached]:
    """Why each of the `failed` modules is for another platform, for those that are.

    `edges` are the targets' static import edges. The package reaches a module from
    the targets and from its modules nothing of it imports, along imports that can
    run (type-only ones never do); a module reached only along imports under a platform
    test false on `sys_platform` is for another platform, and the reason names the
    nearest such import; with `version`, tests of `sys.version_info` count as platform
    tests (another Python is another platform). (Asked only when such a failure is
    there: networkx is imported then.)

    `chosen`: an import of the module under a test the platform does not decide
    (watchmedo's `elif args.debug_force_kqueue:`) does not reach it either, but one
    under a platform test false here must stand on the way: the package chose the module for
    other platforms, and what else imports it does so on a user's word. Only for a
    failure the interpreter explains (`failures`: a compiled module of the standard
    library lacks the name here); a module of the package that fails on its own is
    one a user setting that flag must see.
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

    def surely(edge: ImportEdge) -> bool:
        # An import of a failed module runs whenever its importer does, as far as the
        # `if` tests around it tell (`chosen`; for any other, a test not decided here
        # may hold).
        return (not chosen or edge.imported not in wanted or edge.file is None
                or edge.line is None or edge.kind is EdgeKind.PARENT
                or not (edge.conditional or edge.kind is EdgeKind.LAZY)
                or runs_here(edge.file, edge.line, sys_platform, version) is True)

    def runs(importer: str, imported: str) -> bool:
        return any(guard(e) is None and surely(e) for e in among[importer][imported]["imports"])

    # Every importer of a module of `among` is in it: in-degrees there are the package's.
    starts = [n for n in among if n in targets or not among.in_degree(n)]
    here = _reached(nx.subgraph_view(among, filter_edge=runs), starts)
    anywhere = _reached(among, starts)
    found: dict[str, Unreached] = {}
    for module in wanted:
        if module in anywhere and module not in here:
            why = _why(module, among, here, guard)
            if why is not None:
                found[module] = why
            elif not chosen:
                found[module] = Unreached("is for another platform: its package imports it "
                                          "only under platform tests")
    return found


def _reached(graph: nx.DiGraph[str], starts: Sequence[str]) -> set[str]:
    """The modules `starts` reach in `graph` (themselves included).

    One search from all of them at once: a search from each walked the graph once per
    start (transformers: hundreds of modules nothing imports, 40,000 imports, each
    edge's filter asked again in every walk).
    """
    import networkx as nx

    return set(nx.multi_source_dijkstra_path_length(graph, set(starts))) if starts else set()


def _why(module: str, graph: nx.DiGraph[str], here: Collection[str],
         guard: Callable[[ImportEdge], tuple[str, str | None] | None]) -> Unreached | None:
    """The nearest import under a false platform test on the way to `module`, said.

    A test of `sys.version_info` says the Python it needs ("needs Python >= 3.12"),
    not "another platform". None when no such import is on the way from `here`.
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
        return None
    _, importer, _, edge, (test, python) = blocked[0]
    chain = nx.shortest_path(graph, edge.imported, module)
    via = (f"it is imported only through {' -> '.join(chain[:-1])}, and "
           if len(chain) > 1 else "")
    place = f"{Path(edge.file or '').name}:{edge.line}"
    under = f"in the {test}" if test.startswith("else of `") else f"under `{test}`"
    what = f"needs {python}" if python is not None else "is for another platform"
    return Unreached(f"{what}: {via}{importer} imports {edge.imported} only {under} ({place})",
                     python)
