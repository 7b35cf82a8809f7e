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

from importaudit.guards import Bindings, Guard, classify_test
from importaudit.model import EdgeKind

if TYPE_CHECKING:
    from collections.abc import Sequence

#: Bump when the statements a file yields change, so cached scans are not reused.
SCANNER_VERSION = 3

_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})
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
    `attach_stub`, whose imports live in the module's `.pyi` file.
    """

    line: int
    kind: EdgeKind
    module: str
    level: int = 0
    names: tuple[str, ...] | None = None
    anchor: str | None = None
    guess: bool = False
    stub: bool = False


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


MODULE = Ctx()


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
    # its kind (eager, optional) so that cycles and budgets hold on every platform.
    return ctx, ctx


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    kind = handler.type
    if kind is None:
        return True
    candidates = kind.elts if isinstance(kind, ast.Tuple) else [kind]
    for candidate in candidates:
        name = (candidate.id if isinstance(candidate, ast.Name)
                else candidate.attr if isinstance(candidate, ast.Attribute) else None)
        if name in _IMPORT_ERRORS:
            return True
    return False


def try_body_context(handlers: list[ast.ExceptHandler], ctx: Ctx) -> Ctx:
    """Context of a `try:` body: optional when a handler catches ImportError."""
    if any(_catches_import_error(h) for h in handlers):
        return ctx._replace(optional=True)
    return ctx


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
    if isinstance(node, ast.Import):
        return [ImportStatement(line, kind, alias.name) for alias in node.names]
    if node.module == "__future__":
        return []
    names = tuple(alias.name for alias in node.names)
    return [ImportStatement(line, kind, node.module or "", node.level, names)]


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


def call_statements(call: ast.Call, ctx: Ctx, bindings: Bindings,
                    offset: int = 0) -> list[ImportStatement]:
    """Statements of a dynamic import call with literal arguments, or of a lazy `attach`."""
    if is_dynamic_import(call, bindings):
        return _dynamic_statements(call, call_kind(ctx), call.lineno + offset)
    owner, name = _callee(call)
    first = call.args[0] if call.args else None
    if (name not in (_ATTACH, _ATTACH_STUB) or owner == ""
            or not (isinstance(first, ast.Name) and first.id == "__name__")):
        return []
    kind = lazy_kind(ctx)
    if name == _ATTACH_STUB:
        return [ImportStatement(call.lineno + offset, kind, "", 1, None, "__name__", stub=True)]
    return _attach_statements(call, kind, offset)


def _dynamic_statements(call: ast.Call, kind: EdgeKind, line: int) -> list[ImportStatement]:
    """`importlib.import_module("x"[, package])` or `__import__("x", ..., fromlist, level)`."""
    text = _str_value(call.args[0]) if call.args else None
    parsed = _split_relative(text) if text is not None else None
    if parsed is None:
        return []
    module, level = parsed
    if _callee(call)[1] != "__import__":
        anchor = _anchor(_argument(call, 1, "package")) if level else None
        return [ImportStatement(line, kind, module, level, None, anchor)]
    level_arg = _argument(call, 4, "level")
    if isinstance(level_arg, ast.Constant) and isinstance(level_arg.value, int):
        level = max(level, level_arg.value)
    names = tuple(value for value, _ in _strings(_argument(call, 3, "fromlist"))) or None
    return [ImportStatement(line, kind, module, level, names,
                            "__package__" if level else None)]


def _attach_statements(call: ast.Call, kind: EdgeKind, offset: int) -> list[ImportStatement]:
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

    for value, line in _strings(_argument(call, 1, "submodules")):
        add(value, line, guess=False, submodule=True)
    attrs = _argument(call, 2, "submod_attrs")
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
    return FileScan(tuple(visitor.statements))


class _ReferenceVisitor(ast.NodeVisitor):
    """Visits every node, keeping the context that decides each statement's kind."""

    def __init__(self, module_body: list[ast.stmt]) -> None:
        self.module_body = module_body
        self.bindings = Bindings()
        self.ctx = MODULE
        self.statements: list[ImportStatement] = []

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

    def visit_Import(self, node: ast.Import) -> None:
        self.bindings.learn(node)
        self.statements.extend(import_statements(node, self.ctx))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self.bindings.learn(node)
        self.statements.extend(import_statements(node, self.ctx))

    def visit_If(self, node: ast.If) -> None:
        self.visit(node.test)
        body, orelse = if_contexts(node.test, self.ctx, self.bindings)
        self._under(body, node.body)
        self._under(orelse, node.orelse)

    def visit_Try(self, node: ast.Try | ast.TryStar) -> None:
        self._under(try_body_context(node.handlers, self.ctx), node.body)
        self._visit_all(node.handlers)
        self._visit_all(node.orelse)
        self._visit_all(node.finalbody)

    visit_TryStar = visit_Try

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

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.visit(node.args)
        self._under(function_context(node, self.ctx), node.body)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._visit_all(node.decorator_list)
        self._visit_all(node.bases)
        self._visit_all(node.keywords)
        self._under(class_context(self.ctx), node.body)

    def visit_Call(self, node: ast.Call) -> None:
        self.statements.extend(call_statements(node, self.ctx, self.bindings))
        self.generic_visit(node)
