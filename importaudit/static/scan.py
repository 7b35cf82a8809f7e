"""Import statements of one source file, with their line and edge kind (no code runs).

This module holds the record types (`ImportStatement`, `FileScan`), the rules both
scanners share (which `if` tests mean `TYPE_CHECKING`, `__main__` or a platform
(`classify_test`, which the review's source reader uses too), which `except` clauses
make an import optional, which calls are dynamic or lazy imports), and the *reference*
scanner: `ast.parse` the whole file and visit every node. The fast scanner in
`fastscan` must produce exactly the same statements for every file that parses; the
differential tests hold it to that over the standard library.

Statements are recorded as written (`module`, `level`, `names`): resolving them to
module names needs the surrounding package layout and happens in `graph`.
"""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from importaudit.guards import (
    Bindings,
    Guard,
    catches_import_error,
    classify_test,
    suppresses_import_error,
)
from importaudit.model import EdgeKind

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

#: Bump when the statements a file yields change, so cached scans are not reused.
# 4: a lazy package's names (`ImportStatement.provides`); 5: deep expressions that
# parse are no error ("too deeply nested" came from the visitor's own recursion);
# 6: a package's own copy of `attach` bound to `__getattr__`, tables named by variable;
# 7: an `attach_stub` run on import names what the module binds itself; 8: a module
# `__getattr__` that only warns and returns what the module has is no lazy mechanism;
# 9: an import under `with contextlib.suppress(ImportError)` is optional; 10: whether a
# statement may not run when its module runs (`ImportStatement.conditional`); 11: whether
# it is in a function body (`ImportStatement.deferred`)
SCANNER_VERSION = 11

_ATTACH = "attach"
_ATTACH_STUB = "attach_stub"


@dataclass(frozen=True, slots=True)
class ImportStatement:
    """One import a file makes, as written; `graph` resolves it to module names.

    `names` is None for `import module`; for `from module import a, b` it holds the
    names. `level` counts the leading dots of a relative import. `anchor` is set for
    `importlib.import_module(".x", package)`: "__name__", "__package__" or the literal
    package. `guess` marks a module name read from a data literal (a PEP 562 lazy map):
    it is kept only when it names a module that exists. `stub` marks lazy_loader's
    `attach_stub`, whose imports live in the module's `.pyi` file; run on import, its
    `names` are every name the module binds itself (None: unknowable), which the
    stub's names never come from.

    `provides` marks no import of its own but what a package gives lazily: the
    package's lazy mechanism takes each of `names` from `module` on first use (see
    `provider_statements`), so a `from package import name` that runs at import time
    imports `module` then. `graph` adds that edge.

    `conditional` marks a statement that may not run when its module runs (`conditional`):
    the order in which a module's imports start other modules is certain only from
    statements that always run. `deferred` marks one in a function body (or the
    `__main__` block), which never runs while its module is imported: a guarded
    module-level `importlib.import_module("x")` is conditional but not deferred, and may
    run then.
    """

    line: int
    kind: EdgeKind
    module: str
    level: int = 0
    names: tuple[str, ...] | None = None
    anchor: str | None = None
    guess: bool = False
    stub: bool = False
    provides: bool = False
    conditional: bool = False
    deferred: bool = False


@dataclass(frozen=True, slots=True)
class FileScan:
    """The statements of one file, or why it could not be read (`error`)."""

    statements: tuple[ImportStatement, ...] = ()
    error: str | None = None
    error_line: int | None = None


class Ctx(NamedTuple):
    """Where a statement sits, which decides its edge kind."""

    function: bool = False  # inside a def/lambda body or an `if __name__ == "__main__"`
    type_only: bool = False  # under `if TYPE_CHECKING:`
    optional: bool = False  # inside `try:` whose handlers catch ImportError
    getattr: bool = False  # inside a module-level PEP 562 `__getattr__`
    module_scope: bool = True  # not inside a def or class body
    # Under a test that may not hold when the module runs: an `if` branch (other than
    # `TYPE_CHECKING`'s and `__main__`'s, which are decided), a `try` with handlers
    # (its body, handlers and else), a loop, a `with` body (its manager may swallow an
    # error and skip the rest), a `match` case.
    guarded: bool = False


MODULE = Ctx()


def conditional(ctx: Ctx) -> bool:
    """Whether a statement in `ctx` may not run when its module runs.

    Guarded (`Ctx.guarded`), or in a function body (a lambda's too), for type checkers
    only, or in a module `__getattr__`. A module-level statement otherwise runs each
    time its module does (unless one before it raises, which fails the import).
    """
    return ctx.guarded or ctx.function or ctx.type_only or ctx.getattr


def deferred(ctx: Ctx) -> bool:
    """Whether a statement in `ctx` runs only when a function is called (`Ctx.function`).

    In a def or lambda body, or in `if __name__ == "__main__":`: never while its
    module is imported, wherever it sits in the body.
    """
    return ctx.function


def guarded_context(ctx: Ctx) -> Ctx:
    """Context of a block that may not run when the statement holding it does.

    A loop's body and else, a `with` body, a `match` case, a `try`'s handlers and else.
    """
    return ctx if ctx.guarded else ctx._replace(guarded=True)


def statement_kind(ctx: Ctx, lazy_keyword: bool = False) -> EdgeKind:
    """The kind of an import statement in context `ctx` (PEP 810 `lazy import`: lazy)."""
    if ctx.type_only:
        return EdgeKind.TYPE_ONLY
    if ctx.getattr or lazy_keyword:
        return EdgeKind.LAZY
    if ctx.function:
        return EdgeKind.DEFERRED
    if ctx.optional:
        return EdgeKind.OPTIONAL
    return EdgeKind.EAGER


def call_kind(ctx: Ctx) -> EdgeKind:
    """The kind of an `importlib.import_module("x")` call in context `ctx`."""
    if ctx.type_only:
        return EdgeKind.TYPE_ONLY
    if ctx.getattr:
        return EdgeKind.LAZY
    return EdgeKind.DYNAMIC


def lazy_kind(ctx: Ctx) -> EdgeKind:
    """The kind of a lazy-loader declaration (`attach(...)`) in context `ctx`."""
    return EdgeKind.TYPE_ONLY if ctx.type_only else EdgeKind.LAZY




def if_contexts(test: ast.expr, ctx: Ctx, bindings: Bindings) -> tuple[Ctx, Ctx]:
    """Contexts of the body and the else branch of `if test:` inside `ctx`."""
    guard = classify_test(test, bindings)
    if guard is Guard.TYPE_CHECKING:
        return ctx._replace(type_only=True), ctx
    if guard is Guard.NOT_TYPE_CHECKING:
        return ctx, ctx._replace(type_only=True)
    if guard is Guard.MAIN:
        # Runs only when the file is executed as a script, never on import.
        return ctx._replace(function=True), ctx
    # A platform guard's branches run at import time on their platform: the edge keeps
    # its kind (eager, optional) so that cycles and budgets hold on every platform. But
    # either branch may not run: neither fixes the order of the module's imports.
    inner = guarded_context(ctx)
    return inner, inner


def try_body_context(handlers: list[ast.ExceptHandler], ctx: Ctx) -> Ctx:
    """Context of a `try:` body: optional when a handler catches ImportError.

    Guarded when it has handlers: an error they catch skips the rest of the body.
    """
    if not handlers:
        return ctx
    if any(catches_import_error(h) for h in handlers):
        return guarded_context(ctx)._replace(optional=True)
    return guarded_context(ctx)


def with_body_context(items: list[ast.withitem], ctx: Ctx) -> Ctx:
    """Context of a `with` body: optional when it suppresses ImportError."""
    return ctx._replace(optional=True) if suppresses_import_error(items) else ctx


def function_context(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda,
                     ctx: Ctx) -> Ctx:
    """Context of a function body defined in `ctx` (module-level `__getattr__`: lazy)."""
    return named_function_context(None if isinstance(node, ast.Lambda) else node.name, ctx)


def named_function_context(name: str | None, ctx: Ctx) -> Ctx:
    """`function_context` of a def called `name` (None: a lambda)."""
    is_getattr = ctx.module_scope and name == "__getattr__"
    return ctx._replace(function=True, module_scope=False,
                        getattr=ctx.getattr or is_getattr)


def class_context(ctx: Ctx) -> Ctx:
    """Context of a class body defined in `ctx`."""
    return ctx._replace(module_scope=False)


def is_module_getattr(node: ast.stmt, ctx: Ctx) -> bool:
    """Whether `node` defines a module-level PEP 562 `__getattr__`."""
    return (ctx.module_scope and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name == "__getattr__")


def import_statements(node: ast.Import | ast.ImportFrom, ctx: Ctx,
                      offset: int = 0) -> list[ImportStatement]:
    """Statements of one `import` / `from ... import` node (`__future__` is not an import)."""
    kind = statement_kind(ctx, bool(getattr(node, "is_lazy", False)))
    line = node.lineno + offset
    maybe, later = conditional(ctx), deferred(ctx)
    if isinstance(node, ast.Import):
        return [ImportStatement(line, kind, alias.name, conditional=maybe, deferred=later)
                for alias in node.names]
    if node.module == "__future__":
        return []
    names = tuple(alias.name for alias in node.names)
    return [ImportStatement(line, kind, node.module or "", node.level, names,
                            conditional=maybe, deferred=later)]


def _split_relative(text: str) -> tuple[str, int] | None:
    """(`module`, `level`) of a module name string such as "a.b" or "..c"; None if invalid."""
    rest = text.lstrip(".")
    level = len(text) - len(rest)
    if rest and not all(part.isidentifier() for part in rest.split(".")):
        return None
    if not rest and not level:
        return None
    return rest, level


def _str_value(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _anchor(node: ast.expr | None) -> str | None:
    """The package argument of import_module: a literal, __name__ or __package__."""
    if node is None:
        return None
    literal = _str_value(node)
    if literal is not None:
        return literal
    if isinstance(node, ast.Name) and node.id in ("__name__", "__package__"):
        return node.id
    if (isinstance(node, ast.Attribute) and node.attr == "parent"
            and isinstance(node.value, ast.Name) and node.value.id == "__spec__"):
        return "__package__"
    return None


def _argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    if len(call.args) > position:
        return call.args[position]
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    return None


def _strings(node: ast.expr | None) -> list[tuple[str, int]]:
    """(value, line) of the string constants of a list/tuple/set literal."""
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return [(e.value, e.lineno) for e in node.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return []


def _callee(call: ast.Call) -> tuple[str | None, str]:
    """(object name or None, function name) of `obj.func(...)` or `func(...)`."""
    func = call.func
    if isinstance(func, ast.Name):
        return None, func.id
    if isinstance(func, ast.Attribute):
        owner = func.value.id if isinstance(func.value, ast.Name) else ""
        return owner, func.attr
    return "", ""


def is_dynamic_import(call: ast.Call, bindings: Bindings) -> bool:
    """Whether `call` is `importlib.import_module(...)` or `__import__(...)`, any argument."""
    owner, name = _callee(call)
    if owner is None:
        return name in bindings.import_module or name == "__import__"
    return name == "import_module" and owner in bindings.importlib


def is_attach(call: ast.Call) -> bool:
    """Whether `call` is lazy_loader's `attach(__name__, ...)` or `attach_stub(__name__, ...)`."""
    owner, name = _callee(call)
    first = call.args[0] if call.args else None
    return (name in (_ATTACH, _ATTACH_STUB) and owner != ""
            and isinstance(first, ast.Name) and first.id == "__name__")


def call_statements(call: ast.Call, ctx: Ctx, bindings: Bindings, offset: int = 0,
                    tables: Mapping[str, ast.expr] | None = None) -> list[ImportStatement]:
    """Statements of a dynamic import call with literal arguments, or of a lazy `attach`.

    `tables`: the module's literal containers by name (`_literal_containers`), for an
    `attach` whose `submodules` or `submod_attrs` names one; None: not known here.
    """
    if is_dynamic_import(call, bindings):
        return _dynamic_statements(call, call_kind(ctx), call.lineno + offset,
                                   conditional(ctx), deferred(ctx))
    if not is_attach(call):
        return []
    kind = lazy_kind(ctx)
    if _callee(call)[1] == _ATTACH_STUB:
        return [ImportStatement(call.lineno + offset, kind, "", 1, None, "__name__", stub=True)]
    return _attach_statements(call, kind, offset, tables or {})


def _dynamic_statements(call: ast.Call, kind: EdgeKind, line: int,
                        maybe: bool, later: bool) -> list[ImportStatement]:
    """`importlib.import_module("x"[, package])` or `__import__("x", ..., fromlist, level)`.

    `maybe`: whether the call may not run when its module runs (`conditional`);
    `later`: whether it is in a function body (`deferred`).
    """
    text = _str_value(call.args[0]) if call.args else None
    parsed = _split_relative(text) if text is not None else None
    if parsed is None:
        return []
    module, level = parsed
    if _callee(call)[1] != "__import__":
        anchor = _anchor(_argument(call, 1, "package")) if level else None
        return [ImportStatement(line, kind, module, level, None, anchor, conditional=maybe,
                                deferred=later)]
    level_arg = _argument(call, 4, "level")
    if isinstance(level_arg, ast.Constant) and isinstance(level_arg.value, int):
        level = max(level, level_arg.value)
    names = tuple(value for value, _ in _strings(_argument(call, 3, "fromlist"))) or None
    return [ImportStatement(line, kind, module, level, names,
                            "__package__" if level else None, conditional=maybe,
                            deferred=later)]


def _literal(node: ast.expr | None, tables: Mapping[str, ast.expr]) -> ast.expr | None:
    """`node`, or the module-level literal it names (Hugging Face's `_SUBMOD_ATTRS`)."""
    if isinstance(node, ast.Name):
        return tables.get(node.id)
    return node


def _attach_statements(call: ast.Call, kind: EdgeKind, offset: int,
                       tables: Mapping[str, ast.expr]) -> list[ImportStatement]:
    """lazy_loader-style `attach(__name__, submodules=[...], submod_attrs={...}, ...)`."""
    out: list[ImportStatement] = []

    def add(value: str, line: int, *, guess: bool, submodule: bool) -> None:
        parsed = _split_relative(value)
        if parsed is None:
            return
        module, level = parsed
        if submodule and not level:
            level = 1  # "metrics" in submodules= means package.metrics
        out.append(ImportStatement(line + offset, kind, module, level, None,
                                   "__name__" if level else None, guess))

    for value, line in _strings(_literal(_argument(call, 1, "submodules"), tables)):
        add(value, line, guess=False, submodule=True)
    attrs = _literal(_argument(call, 2, "submod_attrs"), tables)
    if isinstance(attrs, ast.Dict):
        for key in attrs.keys:
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                add(key.value, key.lineno, guess=False, submodule=True)
    for kw in call.keywords:
        # Other mappings of name -> "module" (e.g. attributes={"Name": ".module"}): the
        # values are module names when they resolve to one; kept only then.
        if kw.arg in ("submodules", "submod_attrs") or not isinstance(kw.value, ast.Dict):
            continue
        for value_node in kw.value.values:
            text = _str_value(value_node)
            if text is not None:
                add(text, value_node.lineno, guess=True, submodule=False)
    return out


# --------------------------------------------------------------------------- lazy maps


def _literal_containers(tree_body: list[ast.stmt]) -> dict[str, ast.expr]:
    """Module-level `NAME = {...}` / `[...]` / `(...)` literals, by name."""
    found: dict[str, ast.expr] = {}
    for node in tree_body:
        value: ast.expr | None = None
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            value, targets = node.value, node.targets
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            value, targets = node.value, [node.target]
        if isinstance(value, ast.Dict | ast.List | ast.Tuple | ast.Set):
            for target in targets:
                if isinstance(target, ast.Name):
                    found[target.id] = value
    return found


def computed_imports(func: ast.AST, bindings: Bindings) -> list[ast.Call]:
    """Calls in `func` that import a computed name (`import_module(table[name])`)."""
    return [c for c in ast.walk(func) if isinstance(c, ast.Call)
            and is_dynamic_import(c, bindings) and c.args and _str_value(c.args[0]) is None]


def lazy_map_statements(func: ast.FunctionDef | ast.AsyncFunctionDef,
                        module_body: list[ast.stmt], bindings: Bindings,
                        ctx: Ctx) -> list[ImportStatement]:
    """Lazy edges named by the data a PEP 562 `__getattr__` imports from.

    Only when the function imports a computed name (`import_module(table[name])`):
    then the string literals of the containers it reads (module-level ones it names,
    and literals in its body) are candidate module names, kept by `graph` only when
    they name a module that exists (`guess`).
    """
    dynamic = computed_imports(func, bindings)
    if not dynamic:
        return []
    anchor = _anchor(_argument(dynamic[0], 1, "package")) or "__name__"
    kind = lazy_kind(ctx)
    module_literals = _literal_containers(module_body)
    containers: list[ast.expr] = []
    for node in ast.walk(func):
        if isinstance(node, ast.Name) and node.id in module_literals:
            containers.append(module_literals.pop(node.id))
        elif isinstance(node, ast.Dict | ast.List | ast.Tuple | ast.Set):
            containers.append(node)
    out: list[ImportStatement] = []

    def add(node: ast.expr, *, submodule: bool) -> None:
        text = _str_value(node)
        parsed = _split_relative(text) if text is not None else None
        if parsed is None:
            return
        module, level = parsed
        if submodule:
            if level or "." in module:
                return
            level = 1
        out.append(ImportStatement(node.lineno, kind, module, level, None,
                                   anchor if level else None, guess=True))

    for container in containers:
        if isinstance(container, ast.Dict):
            for key, value in zip(container.keys, container.values, strict=True):
                if isinstance(value, ast.Tuple | ast.List) and value.elts:
                    add(value.elts[0], submodule=False)  # name -> ("module", "attr")
                    if key is not None and _strings(value):
                        add(key, submodule=True)  # "submodule" -> ["attr", ...]
                else:
                    add(value, submodule=False)  # name -> "module"
        elif isinstance(container, ast.List | ast.Tuple | ast.Set):
            for item in container.elts:
                add(item, submodule=True)  # a list of submodule names
    return out


# --------------------------------------------------------------------------- lazy packages


def _blocks(node: ast.stmt, bindings: Bindings) -> list[list[ast.stmt]]:
    """The blocks of a module-level compound statement that can run on import."""
    if isinstance(node, ast.If):
        guard = classify_test(node.test, bindings)
        if guard in (Guard.TYPE_CHECKING, Guard.MAIN):
            return [node.orelse]
        return [node.body] if guard is Guard.NOT_TYPE_CHECKING else [node.body, node.orelse]
    if isinstance(node, ast.Try | ast.TryStar):
        return [node.body, *(h.body for h in node.handlers), node.orelse, node.finalbody]
    if isinstance(node, ast.Match):
        return [case.body for case in node.cases]
    # Loops and `with` (a simple statement has neither field).
    return [block for block in (getattr(node, "body", None), getattr(node, "orelse", None))
            if block]


_NAMESPACES = frozenset({"globals", "vars", "locals"})


def _namespace_call(node: ast.expr) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in _NAMESPACES)


def _binds_anything(node: ast.AST) -> bool:
    """Whether `node` can bind names nobody can list.

    `globals()[k] = v`, `globals().update(...)`, `exec(...)`, `setattr(...)`; reading
    `globals()["__file__"]` binds nothing.
    """
    for sub in ast.walk(node):
        if isinstance(sub, ast.Subscript) and isinstance(sub.ctx, ast.Store | ast.Del):
            if _namespace_call(sub.value):
                return True
        elif isinstance(sub, ast.Call):
            func = sub.func
            if isinstance(func, ast.Name) and func.id in ("exec", "setattr"):
                return True
            if isinstance(func, ast.Attribute) and _namespace_call(func.value) and (
                    func.attr != "get"):
                return True
    return False


def _header(node: ast.stmt) -> list[ast.AST]:
    """What may bind names in a compound statement, outside its blocks.

    A test, loop targets, `with ... as`, match patterns.
    """
    if isinstance(node, ast.If):
        return [node.test]
    parts = [n for n in ast.iter_child_nodes(node)
             if not isinstance(n, ast.stmt | ast.excepthandler | ast.match_case)]
    if isinstance(node, ast.Match):
        parts += [part for case in node.cases for part in (case.pattern, case.guard)
                  if part is not None]
    return parts


def runtime_names(body: list[ast.stmt], bindings: Bindings) -> set[str] | None:
    """Every name a module body may bind when it runs (any branch), or None: unknowable.

    Unknowable: a star import, or what binds names nobody can list (`_binds_anything`)
    in the module's own body (not in its functions). Names a function declares `global`
    count too. What runs only for type checkers or as a script does not.
    """
    names: set[str] = set()
    pending = list(body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
            names.update(n for sub in ast.walk(node) if isinstance(sub, ast.Global)
                         for n in sub.names)
            continue
        if isinstance(node, ast.Import):
            names.update(a.asname or a.name.partition(".")[0] for a in node.names)
            continue
        if isinstance(node, ast.ImportFrom):
            if any(a.name == "*" for a in node.names):
                return None
            names.update(a.asname or a.name for a in node.names)
            continue
        blocks = _blocks(node, bindings)
        if isinstance(node, ast.Try | ast.TryStar):
            names.update(h.name for h in node.handlers if h.name)
        for part in _header(node) if blocks else [node]:
            if _binds_anything(part):
                return None
            names.update(sub.id for sub in ast.walk(part)
                         if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store))
            names.update(sub.name for sub in ast.walk(part)
                         if isinstance(sub, ast.MatchAs | ast.MatchStar) and sub.name)
        for block in blocks:
            pending.extend(block)
    return names


def _is_self_replacement(node: ast.Assign, bindings: Bindings) -> bool:
    """`sys.modules[__name__] = ...`: the module puts another object in its place."""
    for target in node.targets:
        if (isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Name)
                and target.slice.id == "__name__" and isinstance(target.value, ast.Attribute)
                and target.value.attr == "modules" and isinstance(target.value.value, ast.Name)
                and target.value.value.id in {"sys", *bindings.sys}):
            return True
    return False


def binds_getattr(node: ast.stmt) -> bool:
    """Whether `node` assigns the module's `__getattr__` (alone, or in a tuple target).

    `__getattr__ = ...`, `__getattr__, __dir__ = ...`, `__getattr__, *_ = ...`.
    """
    return isinstance(node, ast.Assign) and any(
        isinstance(sub, ast.Name) and sub.id == "__getattr__"
        for target in node.targets for sub in ast.walk(target))


def _defines_lazy_getattr(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether `func` defines, somewhere in its body, a `__getattr__` that imports names."""
    return any(isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
               and node.name == "__getattr__" and can_give(node)
               for node in ast.walk(func) if node is not func)


def local_attach(node: ast.Assign, module_body: list[ast.stmt]) -> ast.Call | None:
    """The call of a module's own copy of lazy_loader's `attach`, spelt as `attach`'s.

    Hugging Face's `__getattr__, __dir__ = _attach(__name__, submodules=[],
    submod_attrs=_SUBMOD_ATTRS)`: `_attach` is a module-level function of the same file
    that builds a `__getattr__` importing what it is asked for (lazy_loader's code,
    vendored). Its arguments are bound to its parameters by name, so what it is given as
    `submodules` and `submod_attrs` reads as lazy_loader's would; a function without
    those parameters still makes the module lazy, naming nothing. None when the value
    assigned to `__getattr__` is no call of such a function with `__name__` first (a
    deprecation helper whose `__getattr__` only hands out what the module has).
    """
    call = node.value
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.args
            and isinstance(call.args[0], ast.Name) and call.args[0].id == "__name__"):
        return None
    func = next((f for f in reversed(module_body)
                 if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
                 and f.name == call.func.id), None)
    if func is None or not _defines_lazy_getattr(func):
        return None
    parameters = [a.arg for a in (*func.args.posonlyargs, *func.args.args)]
    bound: dict[str, ast.expr] = {}
    for parameter, argument in zip(parameters, call.args, strict=False):
        if isinstance(argument, ast.Starred):
            break
        bound[parameter] = argument
    bound.update((kw.arg, kw.value) for kw in call.keywords if kw.arg is not None)
    keywords = [ast.keyword(arg=name, value=bound[name])
                for name in ("submodules", "submod_attrs") if name in bound]
    spelt = ast.Call(func=ast.Name(id=_ATTACH, ctx=ast.Load()), args=[call.args[0]],
                     keywords=keywords)
    return ast.copy_location(spelt, call)


def can_give(func: ast.AST) -> bool:
    """Whether a module `__getattr__` can give names by importing them.

    It returns what an import gave it: a name an import statement binds, the result of
    a call whose name says it imports (`import_module`, langchain's `import_attr`), or
    a name or an entry assigned from either. One that only raises (scikit-learn's for
    names another module sets once enabled) or hands out objects it already has
    (deprecated aliases: `import warnings`, warn, return the old name's object) gives
    no name from a module of its own, and does not make its module lazy.
    """
    given: set[str] = set()  # names an import binds, and names assigned from them
    entries: set[str] = set()  # `cache[name] = ...`, `globals()[name] = ...`: the holder
    for node in ast.walk(func):
        if isinstance(node, ast.Import):
            given.update(a.asname or a.name.partition(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            given.update(a.asname or a.name for a in node.names)

    def gives(expr: ast.AST) -> bool:
        for sub in ast.walk(expr):
            if isinstance(sub, ast.Name) and sub.id in given:
                return True
            if isinstance(sub, ast.Subscript) and ast.dump(sub.value) in entries:
                return True
            if isinstance(sub, ast.Call):
                callee = sub.func
                name = (callee.id if isinstance(callee, ast.Name)
                        else callee.attr if isinstance(callee, ast.Attribute) else "")
                if "import" in name.lower():
                    return True
        return False

    assigned: list[tuple[ast.expr, ast.expr]] = []
    for node in ast.walk(func):
        if isinstance(node, ast.Assign):
            assigned.extend((target, node.value) for target in node.targets)
        elif isinstance(node, ast.AnnAssign | ast.NamedExpr) and node.value is not None:
            assigned.append((node.target, node.value))
    changed = True
    while changed:  # (names assigned from names assigned from an import, and so on)
        changed = False
        for target, value in assigned:
            if not gives(value):
                continue
            for sub in ast.walk(target):
                if isinstance(sub, ast.Name) and sub.id not in given:
                    given.add(sub.id)
                    changed = True
                elif isinstance(sub, ast.Subscript) and ast.dump(sub.value) not in entries:
                    entries.add(ast.dump(sub.value))
                    changed = True
    return any(isinstance(node, ast.Return) and node.value is not None and gives(node.value)
               for node in ast.walk(func))


def _map_provides(func: ast.FunctionDef | ast.AsyncFunctionDef,
                  module_body: list[ast.stmt],
                  bindings: Bindings) -> list[tuple[str, ast.expr, str | None]]:
    """(name, module string node, anchor) a PEP 562 `__getattr__` imports per name.

    Only `import_module(TABLE[name], ...)` with `name` the function's parameter and
    TABLE a module-level dict literal: key `name` -> value "module".
    """
    if not func.args.args:
        return []
    parameter = func.args.args[0].arg
    tables = _literal_containers(module_body)
    found: list[tuple[str, ast.expr, str | None]] = []
    for call in computed_imports(func, bindings):
        key = call.args[0]
        if not (isinstance(key, ast.Subscript) and isinstance(key.value, ast.Name)
                and isinstance(key.slice, ast.Name) and key.slice.id == parameter):
            continue
        table = tables.get(key.value.id)
        if not isinstance(table, ast.Dict):
            continue
        anchor = _anchor(_argument(call, 1, "package"))
        for name, value in zip(table.keys, table.values, strict=True):
            provided = _str_value(name)
            if provided is not None and _str_value(value) is not None:
                found.append((provided, value, anchor))
    return found


class LazyPackage:
    """What a module's body says about the names it gives lazily, as the reference visits it.

    A lazy mechanism (a module-level `__getattr__`, lazy_loader's `attach` or a copy of
    it (`local_attach`), or the module replacing itself in `sys.modules`, as Hugging
    Face's `_LazyModule` does) and the
    declarations of where names come from: `if TYPE_CHECKING:` imports (for type
    checkers only, so at run time the mechanism gives those names), `attach`'s
    `submod_attrs`, and a `__getattr__`'s literal map.
    """

    def __init__(self) -> None:
        self.mechanism = False
        self.typed: list[ast.ImportFrom] = []  # module-level, under `if TYPE_CHECKING:`
        self.attached: list[ast.Call] = []  # `attach(__name__, ...)` run on import
        self.mapped: list[tuple[str, ast.expr, str | None]] = []  # `_map_provides`

    def statements(self, body: list[ast.stmt], bindings: Bindings) -> list[ImportStatement]:
        """The `provides` records: only names the module does not bind otherwise."""
        if not self.mechanism or not (self.typed or self.attached or self.mapped):
            return []
        bound = runtime_names(body, bindings)
        if bound is None:
            return []
        out: list[ImportStatement] = []

        def add(line: int, module: str, level: int, names: list[str],
                anchor: str | None) -> None:
            kept = tuple(n for n in names if n not in bound and n != "*")
            if kept:
                out.append(ImportStatement(line, EdgeKind.LAZY, module, level, kept, anchor,
                                           guess=True, provides=True))

        for node in self.typed:
            # `from .x import a as b`: the mechanism gives `b` from wherever it does;
            # only names taken as they are say where they come from.
            add(node.lineno, node.module or "", node.level,
                [a.name for a in node.names if a.asname in (None, a.name)], None)
        tables = _literal_containers(body) if self.attached else {}
        for call in self.attached:
            attrs = _literal(_argument(call, 2, "submod_attrs"), tables)
            if not isinstance(attrs, ast.Dict):
                continue
            for key, value in zip(attrs.keys, attrs.values, strict=True):
                text = _str_value(key)
                parsed = _split_relative(text) if text is not None else None
                if key is not None and parsed is not None:
                    module, level = parsed
                    add(key.lineno, module, level or 1, [n for n, _ in _strings(value)],
                        "__name__")
        for name, value, anchor in self.mapped:
            text = _str_value(value)
            parsed = _split_relative(text) if text is not None else None
            if parsed is not None:
                module, level = parsed
                add(value.lineno, module, level, [name], anchor if level else None)
        return out


# --------------------------------------------------------------------------- reference


def error_scan(exc: BaseException) -> FileScan:
    """The FileScan of a file `ast.parse` rejected, with a one-line reason."""
    if isinstance(exc, SyntaxError):
        message = exc.msg or "invalid syntax"
        if "null bytes" in message:
            return FileScan(error="file contains NUL bytes")
        if message.startswith(("(unicode error)", "unknown encoding")):
            return FileScan(error=f"cannot decode: {message}", error_line=exc.lineno or None)
        return FileScan(error=f"syntax error: {message}", error_line=exc.lineno or None)
    if isinstance(exc, ValueError) and "null bytes" in str(exc):
        return FileScan(error="file contains NUL bytes")
    if isinstance(exc, RecursionError | MemoryError):
        return FileScan(error="too deeply nested to parse")
    return FileScan(error=f"cannot parse: {type(exc).__name__}: {exc}")


def quiet_parse(source: str | bytes) -> ast.Module:
    """`ast.parse` without the warnings compiling would give (invalid escapes, ...).

    They are about the scanned code, not for the person running importaudit.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return ast.parse(source)


def scan_reference(source: bytes) -> FileScan:
    """The import statements of `source`: parse it whole with `ast` and visit every node."""
    try:
        tree = quiet_parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return error_scan(exc)
    visitor = _ReferenceVisitor(tree.body)
    try:
        visitor.visit(tree)
    except RecursionError as exc:
        return error_scan(exc)
    visitor.statements.extend(visitor.lazy.statements(tree.body, visitor.bindings))
    return FileScan(tuple(_with_bound_names(visitor.statements, tree.body, visitor.bindings)))


def _with_bound_names(statements: list[ImportStatement], body: list[ast.stmt],
                      bindings: Bindings) -> list[ImportStatement]:
    """`statements`, each `attach_stub` run on import naming what the module binds itself.

    Its `.pyi` says which names the package gives lazily and from where (`graph.stub`),
    except those the package binds itself: its `__getattr__` never runs for them.
    """
    if not any(s.stub and s.kind is EdgeKind.LAZY for s in statements):
        return statements
    bound = runtime_names(body, bindings)
    names = tuple(sorted(bound)) if bound is not None else None
    return [ImportStatement(s.line, s.kind, s.module, s.level, names, s.anchor, stub=True)
            if s.stub and s.kind is EdgeKind.LAZY else s for s in statements]


def absolute_name(importer: str, is_package: bool, name: str, level: int,
                  anchor: str | None) -> str | None:
    """The absolute module a statement of `importer` names; None: it climbs above the top.

    `anchor` as `ImportStatement.anchor` has it: "__name__" counts from the importer
    itself (lazy_loader's `attach(__name__, ...)`), None and "__package__" from its
    package, anything else from that literal package.
    """
    if not level:
        return name
    if anchor == "__name__":
        base_name = importer
    elif anchor is None or anchor == "__package__":
        base_name = importer if is_package else importer.rpartition(".")[0]
    else:
        base_name = anchor
    parts = base_name.split(".") if base_name else []
    if level > len(parts):
        return None
    base = ".".join(parts[:len(parts) - level + 1])
    return f"{base}.{name}" if name else base


def stub_provides(stub: FileScan, bound: Sequence[str] | None) -> list[ImportStatement]:
    """What an `attach_stub` run on import gives lazily, read from its `.pyi` (`stub`).

    lazy_loader reads the stub's `from .sub import name` lines as its `submod_attrs`:
    only one level up, names as written. None of the names the package binds itself
    (`bound`; None: unknowable, so nothing is said).
    """
    if bound is None:
        return []
    out = []
    for inner in stub.statements:
        if inner.provides or inner.level != 1 or not inner.module or not inner.names:
            continue
        given = tuple(n for n in inner.names if n not in bound and n != "*")
        if given:
            out.append(ImportStatement(inner.line, EdgeKind.LAZY, inner.module, 1, given,
                                       "__name__", provides=True))
    return out


def lazy_provides(path: Path) -> list[ImportStatement]:
    """The `provides` records of the module file at `path`, its attach_stub's `.pyi` too.

    Which names its lazy mechanism gives from which module (`LazyPackage`: TYPE_CHECKING
    imports, `attach`'s `submod_attrs`, a `__getattr__`'s literal map; `stub_provides`),
    as the graph reads them. Empty when the file cannot be read.
    """
    try:
        scan = scan_reference(path.read_bytes())
    except OSError:
        return []
    out = [s for s in scan.statements if s.provides]
    for statement in scan.statements:
        if statement.stub and statement.kind is EdgeKind.LAZY:
            try:
                stub = scan_reference(path.with_suffix(".pyi").read_bytes())
            except OSError:
                continue
            out.extend(stub_provides(stub, statement.names))
    return out


class _ReferenceVisitor(ast.NodeVisitor):
    """Visits every node, keeping the context that decides each statement's kind."""

    def __init__(self, module_body: list[ast.stmt]) -> None:
        self.module_body = module_body
        self.bindings = Bindings()
        self.ctx = MODULE
        self.statements: list[ImportStatement] = []
        self.lazy = LazyPackage()
        self._tables: dict[str, ast.expr] | None = None

    @property
    def tables(self) -> dict[str, ast.expr]:
        """The module's literal containers by name (read on first use)."""
        if self._tables is None:
            self._tables = _literal_containers(self.module_body)
        return self._tables

    def _under(self, ctx: Ctx, nodes: Sequence[ast.AST] | ast.AST) -> None:
        saved, self.ctx = self.ctx, ctx
        try:
            for node in [nodes] if isinstance(nodes, ast.AST) else nodes:
                self.visit(node)
        finally:
            self.ctx = saved

    def _visit_all(self, nodes: Sequence[ast.AST]) -> None:
        for node in nodes:
            self.visit(node)

    def visit(self, node: ast.AST) -> None:
        """Visit `node`: an expression without recursion (see `_visit_expression`)."""
        if isinstance(node, ast.expr):
            self._visit_expression(node)
        else:
            super().visit(node)

    def _visit_expression(self, root: ast.expr) -> None:
        """The calls of an expression, in the order a recursive visit meets them.

        With an explicit stack: an expression nests as deep as CPython compiles (a
        600-term sum, as in sympy's generated resolvent tables, is 600 levels), while
        a recursive visit takes two frames a level and the default limit is 1000. Only
        a lambda changes the context inside an expression; statements nest at most 100
        blocks deep, so they keep the recursive visit.
        """
        saved = self.ctx
        pending: list[tuple[ast.AST, Ctx]] = [(root, saved)]
        try:
            while pending:
                node, self.ctx = pending.pop()
                if isinstance(node, ast.Lambda):
                    pending.append((node.body, function_context(node, self.ctx)))
                    pending.append((node.args, self.ctx))
                    continue
                if isinstance(node, ast.Call):
                    self._call(node)
                children = list(ast.iter_child_nodes(node))
                pending.extend((child, self.ctx) for child in reversed(children))
        finally:
            self.ctx = saved

    def visit_Import(self, node: ast.Import) -> None:
        self.bindings.learn(node)
        self.statements.extend(import_statements(node, self.ctx))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self.bindings.learn(node)
        self.statements.extend(import_statements(node, self.ctx))
        if self.ctx.type_only and self.ctx.module_scope and not self.ctx.function:
            self.lazy.typed.append(node)

    def _at_run_time(self) -> bool:
        """Whether the current statement runs in the module's body on import."""
        ctx = self.ctx
        return ctx.module_scope and not (ctx.type_only or ctx.function)

    def visit_Assign(self, node: ast.Assign) -> None:
        if self._at_run_time() and _is_self_replacement(node, self.bindings):
            self.lazy.mechanism = True
        self.generic_visit(node)
        copied = (local_attach(node, self.module_body)
                  if self._at_run_time() and binds_getattr(node) else None)
        if copied is not None:
            self.statements.extend(
                _attach_statements(copied, lazy_kind(self.ctx), 0, self.tables))
            self.lazy.mechanism = True
            self.lazy.attached.append(copied)

    def visit_If(self, node: ast.If) -> None:
        self.visit(node.test)
        body, orelse = if_contexts(node.test, self.ctx, self.bindings)
        self._under(body, node.body)
        self._under(orelse, node.orelse)

    def visit_Try(self, node: ast.Try | ast.TryStar) -> None:
        self._under(try_body_context(node.handlers, self.ctx), node.body)
        # Handlers run only on an error, the else only without one; finally always.
        self._under(guarded_context(self.ctx), [*node.handlers, *node.orelse])
        self._visit_all(node.finalbody)

    visit_TryStar = visit_Try

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self._visit_all([node.target, node.iter])
        self._under(guarded_context(self.ctx), [*node.body, *node.orelse])

    visit_AsyncFor = visit_For

    def visit_While(self, node: ast.While) -> None:
        self.visit(node.test)
        self._under(guarded_context(self.ctx), [*node.body, *node.orelse])

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        self._visit_all(node.items)
        self._under(guarded_context(with_body_context(node.items, self.ctx)), node.body)

    visit_AsyncWith = visit_With

    def visit_Match(self, node: ast.Match) -> None:
        self.visit(node.subject)
        self._under(guarded_context(self.ctx), node.cases)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._visit_all(node.decorator_list)
        self.visit(node.args)
        if node.returns is not None:
            self.visit(node.returns)
        inner = function_context(node, self.ctx)
        self._under(inner, node.body)
        if is_module_getattr(node, self.ctx):
            # After the body: an `import importlib` inside it counts.
            self.statements.extend(
                lazy_map_statements(node, self.module_body, self.bindings, inner))
            if self._at_run_time() and can_give(node):
                self.lazy.mechanism = True
                self.lazy.mapped.extend(_map_provides(node, self.module_body, self.bindings))

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._visit_all(node.decorator_list)
        self._visit_all(node.bases)
        self._visit_all(node.keywords)
        self._under(class_context(self.ctx), node.body)

    def _call(self, node: ast.Call) -> None:
        """The statements of a call (its arguments are visited by `_visit_expression`)."""
        found = call_statements(node, self.ctx, self.bindings, tables=self.tables)
        self.statements.extend(found)
        if self._at_run_time() and is_attach(node) and _callee(node)[1] == _ATTACH:
            self.lazy.mechanism = True  # lazy_loader's `attach`
            self.lazy.attached.append(node)
