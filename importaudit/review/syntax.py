"""Pure helpers over ast nodes for the source pass, and the names it recognises.

Nothing here walks a whole module: these read one node (a dotted name, an `except`
clause, a class body, a PEP 562 map entry) or one file's comments, so the collector
and `module_facts` stay about what runs when.
"""

from __future__ import annotations

import ast
import builtins
import io
import re
import sys
import tokenize
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

    from importaudit.review.facts import Placeholder

#: Libraries that read annotations at run time (resolving them needs the real names).
ANNOTATION_LIBRARIES = frozenset({
    "pydantic", "pydantic_core", "attrs", "attr", "msgspec", "cattrs", "dacite",
    "dataclasses_json", "marshmallow_dataclass", "fastapi", "typer", "strawberry",
    "beartype", "typeguard", "sqlmodel", "apischema", "mashumaro", "pyserde",
    # Route handlers' and commands' signatures: litestar's `@post` (NameError when the
    # app is built), cyclopts' `@app.default` (NameError when the command runs).
    "litestar", "cyclopts",
})
#: Decorators, and classes whose objects' methods decorate, that read the signature of
#: what they decorate, from libraries most of whose names read nothing: tools for
#: language models (langchain_core's `@tool`: NameError on invoke; mcp's
#: `@server.tool()` on `server = MCPServer(...)`/`FastMCP(...)`: InvalidSignature).
#: Not the whole library (`ANNOTATION_LIBRARIES`): a module that takes
#: `langchain_core.messages.BaseMessage` for its annotations reads nothing.
ANNOTATION_DECORATORS = frozenset({
    "langchain_core.tools.tool", "langchain_core.tools.convert.tool",
    "langchain.tools.tool", "langchain.agents.tool",
    "mcp.server.fastmcp.FastMCP", "mcp.server.fastmcp.server.FastMCP",
    "mcp.server.mcpserver.MCPServer", "mcp.server.mcpserver.server.MCPServer",
    "fastmcp.FastMCP", "fastmcp.server.FastMCP", "fastmcp.server.server.FastMCP",
})
#: Library calls that read (evaluate) the annotations of what they are given, with the
#: arguments they read it from: positions and keyword names ("*": every argument).
#: `get_type_hints` evaluates a class's annotations, `inspect.get_annotations` with
#: `eval_str=True` or on Python 3.14+ (counted either way: keeping an import that
#: could move is the safer error); pydantic's TypeAdapter and parse_obj_as,
#: create_model's fields and base, dacite, cattrs, msgspec and typeguard build or check
#: against the type's fields, which resolves them.
READERS: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {
    "typing.get_type_hints": ((0,), ("obj",)),
    "typing_extensions.get_type_hints": ((0,), ("obj",)),
    "inspect.get_annotations": ((0,), ("obj",)),
    "annotationlib.get_annotations": ((0,), ("obj",)),
    "typing_extensions.get_annotations": ((0,), ("obj",)),
    "pydantic.TypeAdapter": ((0,), ("type",)),
    "pydantic.type_adapter.TypeAdapter": ((0,), ("type",)),
    "pydantic.parse_obj_as": ((0,), ("type_",)),
    "pydantic.tools.parse_obj_as": ((0,), ("type_",)),
    "pydantic.create_model": ((), ("*",)),
    "pydantic.main.create_model": ((), ("*",)),
    "dacite.from_dict": ((0,), ("data_class",)),
    "dacite.core.from_dict": ((0,), ("data_class",)),
    "cattrs.structure": ((1,), ("cl",)),
    "cattr.structure": ((1,), ("cl",)),
    "msgspec.convert": ((1,), ("type",)),
    "msgspec.json.decode": ((), ("type",)),
    "msgspec.json.Decoder": ((0,), ("type",)),
    "msgspec.msgpack.decode": ((), ("type",)),
    "msgspec.msgpack.Decoder": ((0,), ("type",)),
    "typeguard.check_type": ((1,), ("expected_type",)),
    # Methods of a library's object, called on a module-level instance the project made
    # (`converter = cattrs.Converter()`, then `converter.structure(raw, Config)`).
    "cattrs.Converter.structure": ((1,), ("cl",)),
    "cattrs.BaseConverter.structure": ((1,), ("cl",)),
    "cattrs.GenConverter.structure": ((1,), ("cl",)),
    "cattrs.converters.Converter.structure": ((1,), ("cl",)),
    "cattrs.converters.BaseConverter.structure": ((1,), ("cl",)),
    "cattr.Converter.structure": ((1,), ("cl",)),
    "cattr.GenConverter.structure": ((1,), ("cl",)),
    # FastAPI evaluates the signature of a dependency (a function, or a class's
    # `__init__`) and of an endpoint added without a decorator.
    "fastapi.Depends": ((0,), ("dependency",)),
    "fastapi.Security": ((0,), ("dependency",)),
    "fastapi.param_functions.Depends": ((0,), ("dependency",)),
    "fastapi.param_functions.Security": ((0,), ("dependency",)),
    "fastapi.APIRouter.add_api_route": ((1,), ("endpoint",)),
    "fastapi.routing.APIRouter.add_api_route": ((1,), ("endpoint",)),
    "fastapi.FastAPI.add_api_route": ((1,), ("endpoint",)),
    "fastapi.applications.FastAPI.add_api_route": ((1,), ("endpoint",)),
}
#: Names whose presence means annotations are evaluated at run time: the standard
#: library's readers of `READERS` (get_type_hints, get_annotations), singledispatch's
#: registration, and SQLAlchemy 2.0's declarative mapping, which resolves Mapped[...].
ANNOTATION_READERS = frozenset({
    *(name.rpartition(".")[2] for name in READERS
      if name.partition(".")[0] in ("typing", "typing_extensions", "inspect", "annotationlib")),
    "singledispatch", "singledispatchmethod", "Mapped",
})
#: Attributes through which code reads annotations back itself, wherever it does so
#: (transformers.processing_utils validates keyword arguments by its TypedDicts'
#: `__annotations__`, in a method): `getattr(x, "__annotations__")` too.
ANNOTATION_ATTRIBUTES = frozenset({"__annotations__", "__annotate__"})

#: Calls that do no real work at import time (declarations, not computation).
CHEAP_CALLS = frozenset({
    "TypeVar", "NewType", "ParamSpec", "TypeVarTuple", "namedtuple", "NamedTuple",
    "TypedDict", "getLogger", "compile", "frozenset", "set", "dict", "tuple", "list",
    "field", "dataclass", "object", "property", "staticmethod", "classmethod",
    "import_module", "__import__", "filterwarnings", "simplefilter", "getenv", "get",
    "Enum", "IntEnum", "StrEnum", "Flag", "auto", "cast", "overload", "final", "register",
    "partial", "wraps", "lru_cache", "cache", "total_ordering", "contextmanager",
    "local", "Lock", "RLock", "Event", "ContextVar", "declarative_base", "sessionmaker",
    "MetaData", "Column", "Table", "relationship", "mapped_column", "str", "int", "float",
    "bool", "bytes", "len", "sorted", "range", "zip", "enumerate", "isinstance", "hasattr",
    "chr", "ord", "items", "keys", "values",
    "getattr", "setattr", "globals", "Path", "join", "dirname", "abspath", "update",
    "append", "extend", "setdefault", "format", "replace", "lower", "upper", "strip",
    "split", "Decimal", "timedelta", "MappingProxyType", "type", "super", "abstractmethod",
    "runtime_checkable", "Generic", "Protocol", "Literal", "Annotated", "Optional", "Union",
})


def dotted(node: ast.expr) -> str | None:
    """`a.b.c` for an attribute chain on a name, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def resolve_relative(module: str, is_package: bool, level: int, target: str | None) -> str:
    """The absolute module named by a relative import in `module` (best effort)."""
    if level == 0:
        return target or ""
    package = module if is_package else module.rpartition(".")[0]
    parts = package.split(".") if package else []
    base = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
    if target:
        base = [*base, target]
    return ".".join(base)


def trivial_body(body: list[ast.stmt]) -> bool:
    """A class body that holds nothing real: docstring, pass, ..., or empty methods."""
    for stmt in body:
        if isinstance(stmt, ast.Pass):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue  # docstring or `...`
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and trivial_function(stmt):
            continue
        return False
    return True


def method_names(node: ast.ClassDef) -> frozenset[str]:
    """The names of the methods class `node` defines in its own body."""
    return frozenset(f.name for f in node.body
                     if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef))


def implemented(placeholder: Placeholder, class_methods: dict[str, frozenset[str]]) -> bool:
    """Whether another class of the module implements every method `placeholder` declares.

    Then it is an interface the others follow by duck typing (numpy.distutils'
    CommandLineParser, whose split/join WindowsParser and PosixParser implement), not a
    stand-in for missing code. One shared method name (`run`) is a coincidence; a set
    of two or more is an interface.
    """
    return len(placeholder.methods) >= 2 and any(
        name != placeholder.name and placeholder.methods <= methods
        for name, methods in class_methods.items())


def is_exception(node: ast.ClassDef) -> bool:
    """Whether class `node` derives from an exception, as far as its bases' names say.

    A built-in exception, or a name that reads as one (`FooError`, `BarWarning`).
    """
    for base in node.bases:
        name = (dotted(base) or "").rpartition(".")[2]
        builtin = getattr(builtins, name, None)
        if (isinstance(builtin, type) and issubclass(builtin, BaseException)) or name.endswith(
                ("Error", "Exception", "Warning")):
            return True
    return False


def declares_contract(node: ast.ClassDef) -> frozenset[tuple[str, int, int]]:
    """The methods class `node` declares for its subclasses to implement (empty: none).

    A method that raises NotImplementedError and says what it takes or returns
    (arguments beyond the instance, or a return annotation): starlette's
    `AuthenticationBackend.authenticate(self, conn: HTTPConnection) -> ...`. An empty
    `def run(self): raise NotImplementedError` declares nothing a subclass could follow.
    Each is (name, fewest arguments a call passes, most), the instance not counted.
    """
    declared: set[tuple[str, int, int]] = set()
    for func in node.body:
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        args = func.args
        positional = [*args.posonlyargs, *args.args][1:]
        params = positional + args.kwonlyargs
        params += [a for a in (args.vararg, args.kwarg) if a is not None]
        if (params or func.returns is not None) and any(
                _raises_not_implemented(stmt) for stmt in func.body):
            required = len(positional) - len(args.defaults) + sum(
                d is None for d in args.kw_defaults)
            most = (sys.maxsize if args.vararg or args.kwarg
                    else len(positional) + len(args.kwonlyargs))
            declared.add((func.name, required, most))
    return frozenset(declared)


#: Words a removed class's error says it with: "AR has been removed ... replaced with
#: AutoReg", "was deprecated ... use nltk.classify.scikitlearn", "use X instead".
_REMOVAL = re.compile(r"\b(removed|deprecated|replaced|no longer|instead|moved to)\b",
                      re.IGNORECASE)


def removal_notice(node: ast.ClassDef, texts: Mapping[str, str]) -> bool:
    """Whether making an instance of class `node` raises a message saying it was removed.

    statsmodels' `AR.__init__` raises NotImplementedError("AR has been removed from
    statsmodels and replaced with ...AutoReg."), scipy's `interp2d` raises a module
    constant saying so, nltk's `SvmClassifier` its module docstring ("... was
    deprecated"): a tombstone kept so that old imports work and old calls fail with
    directions, not a placeholder for missing code. `texts` maps module-level names
    bound to a string (`__doc__`: the module docstring) to it. A message that says
    nothing of the kind ("not implemented yet") keeps it a placeholder.
    """
    for func in node.body:
        if not (isinstance(func, ast.FunctionDef) and func.name in ("__init__", "__new__")):
            continue
        for stmt in func.body:
            if (isinstance(stmt, ast.Raise) and isinstance(stmt.exc, ast.Call)
                    and stmt.exc.args and _raises_not_implemented(stmt)
                    and _REMOVAL.search(_text(stmt.exc.args[0], texts))):
                return True
    return False


def _text(expr: ast.expr, texts: Mapping[str, str]) -> str:
    """The text a message argument holds, as far as the source says (else empty)."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value
    if isinstance(expr, ast.Name):
        return texts.get(expr.id, "")
    if isinstance(expr, ast.JoinedStr):  # an f-string: its literal parts
        return " ".join(_text(v, texts) for v in expr.values)
    if isinstance(expr, ast.BinOp):  # "..." + "..." or "... %s" % name
        return f"{_text(expr.left, texts)} {_text(expr.right, texts)}"
    return ""


#: Standard-library calls that are work at import: compiling a regular expression
#: (cryptography.x509.name's RFC 4514 parser spends 8-9 ms on five patterns with a
#: Unicode range). IA602 names them after the calls into libraries and own code.
STDLIB_WORK = frozenset({"re.compile"})

def union_members(annotation: ast.expr) -> list[ast.expr]:
    """The alternatives of a union annotation (`A | B | None`, `Union[A, B]`), else [it]."""
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        return union_members(annotation.left) + union_members(annotation.right)
    if (isinstance(annotation, ast.Subscript)
            and (dotted(annotation.value) or "").rpartition(".")[2] == "Union"):
        inner = annotation.slice
        return [m for e in (inner.elts if isinstance(inner, ast.Tuple) else [inner])
                for m in union_members(e)]
    return [annotation]


#: Dict methods a comprehension over a literal takes its items through.
_VIEWS = frozenset({"items", "keys", "values"})


def bounded(node: ast.ListComp | ast.SetComp | ast.DictComp, literals: set[str]) -> bool:
    """Whether a comprehension only walks what the source lists, calling nothing.

    `{i.value: i for i in _ASN1Type}` (an Enum of the module) and `{v: k for k, v in
    _NAMEOID_TO_NAME.items()}` (a dict display of the module) in cryptography.x509.name:
    a few items each, whose cost the module's length already accounts for; IA602
    pointed at them while the body's 9 ms went to compiling its parser's regexes.
    `literals`: the module-level names bound to a display that calls nothing, or to a
    class statement.
    """
    for generator in node.generators:
        source = generator.iter
        if (isinstance(source, ast.Call) and not source.args
                and isinstance(source.func, ast.Attribute) and source.func.attr in _VIEWS):
            source = source.func.value
        if not (isinstance(source, ast.Dict | ast.List | ast.Tuple | ast.Set)
                or (isinstance(source, ast.Name) and source.id in literals)):
            return False
    parts = [*(i for g in node.generators for i in g.ifs),
             *((node.key, node.value) if isinstance(node, ast.DictComp) else (node.elt,)),
             *(g.iter for g in node.generators if not isinstance(g.iter, ast.Call))]
    return not any(isinstance(n, ast.Call) for part in parts for n in ast.walk(part))


def _raises_not_implemented(stmt: ast.stmt) -> bool:
    if not isinstance(stmt, ast.Raise) or stmt.exc is None:
        return False
    exc = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
    return (dotted(exc) or "").endswith("NotImplementedError")


def trivial_function(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A body of docstrings, pass, `...` or `raise NotImplementedError` only."""
    for stmt in func.body:
        if isinstance(stmt, ast.Pass):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue
        if _raises_not_implemented(stmt):
            continue
        return False
    return True

#: Nodes with a scope of their own: what they bind is not their enclosing function's.
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def function_locals(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> set[str]:
    """The names local to a function: its parameters and every name its body binds.

    Python makes a name local to the whole function wherever in it the name is bound
    (an assignment in one `if` branch, a `for` or `with` target, an import, `except ...
    as`, a nested `def` or `class`, a walrus, a `match` capture), unless the function
    declares it `global` or `nonlocal`. Names bound inside a nested function, class or
    comprehension belong to that scope, not this one (a walrus in a comprehension
    excepted).
    """
    args = node.args
    names = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
    names.update(a.arg for a in (args.vararg, args.kwarg) if a is not None)
    declared: set[str] = set()
    todo: list[ast.AST] = [node.body] if isinstance(node, ast.Lambda) else [*node.body]
    while todo:
        item = todo.pop()
        if isinstance(item, ast.Global | ast.Nonlocal):
            declared.update(item.names)
        elif isinstance(item, _SCOPES):
            if not isinstance(item, ast.Lambda):
                names.add(item.name)
                todo.extend(item.decorator_list)
            if isinstance(item, ast.ClassDef):
                todo.extend([*item.bases, *(k.value for k in item.keywords)])
            else:
                todo.extend([*item.args.defaults,
                             *(d for d in item.args.kw_defaults if d is not None)])
        elif isinstance(item, _COMPREHENSIONS):
            names.update(n.target.id for n in ast.walk(item)
                         if isinstance(n, ast.NamedExpr) and isinstance(n.target, ast.Name))
        else:
            if isinstance(item, ast.Name) and isinstance(item.ctx, ast.Store | ast.Del):
                names.add(item.id)
            elif isinstance(item, ast.alias) and item.name != "*":
                names.add(item.asname or item.name.split(".")[0])
            elif isinstance(item, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and \
                    item.name:
                names.add(item.name)
            elif isinstance(item, ast.MatchMapping) and item.rest:
                names.add(item.rest)
            todo.extend(ast.iter_child_nodes(item))
    return names - declared


def declared_global(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> set[str]:
    """The names a function declares `global` itself (not those its nested scopes do).

    Such a name is the module's inside it, whatever an enclosing function binds.
    """
    if isinstance(node, ast.Lambda):
        return set()
    found: set[str] = set()
    todo: list[ast.AST] = [*node.body]
    while todo:
        item = todo.pop()
        if isinstance(item, ast.Global):
            found.update(item.names)
        elif not isinstance(item, _SCOPES):
            todo.extend(ast.iter_child_nodes(item))
    return found


def lazy_target(value: ast.expr) -> str | None:
    """The module a PEP 562 map entry names, as `import_module` would read it.

    `".canvas"` and `(__spec__.parent, ".main")` stay relative to the package;
    `("pydantic_core", ".core_schema")` names its anchor: `pydantic_core.core_schema`.
    """
    def text(node: ast.expr) -> str | None:
        return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) \
            else None

    if not isinstance(value, ast.Tuple):
        return text(value)
    if len(value.elts) != 2:
        return None
    anchor, name = text(value.elts[0]), text(value.elts[1])
    if name is None or anchor is None or not name.startswith("."):
        return name
    return anchor if name == "." else anchor + name


def string_items(value: ast.expr) -> tuple[str, ...] | None:
    """The strings of a literal list/tuple/set of strings only, else None."""
    if isinstance(value, ast.List | ast.Tuple | ast.Set):
        items = [e.value for e in value.elts if isinstance(e, ast.Constant)]
        if len(items) == len(value.elts) and all(isinstance(i, str) for i in items):
            return tuple(str(i) for i in items)
    return None


def has_future_annotations(tree: ast.Module) -> bool:
    """Whether the module starts with `from __future__ import annotations`."""
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
            if any(a.name == "annotations" for a in stmt.names):
                return True
        elif not isinstance(stmt, ast.ImportFrom) and not (
            isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
        ):
            break  # the future import must come before any other statement
    return False


IGNORE_MARK = "importaudit: ignore"


def ignore_comments(source: str) -> dict[int, frozenset[str] | None]:
    """Lines carrying `# importaudit: ignore[CODE,...]` -> the codes (None: every code)."""
    found: dict[int, frozenset[str] | None] = {}
    if IGNORE_MARK not in source:
        # Most files carry none: tokenizing every module of a large package cost an
        # eighth of a review's time (sqlalchemy), to find nothing.
        return found
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return found
    for tok in tokens:
        if tok.type != tokenize.COMMENT or IGNORE_MARK not in tok.string:
            continue
        rest = tok.string.split(IGNORE_MARK, 1)[1].strip()
        if rest.startswith("["):
            inside = rest[1:].split("]", 1)[0]
            codes = frozenset(c.strip().upper() for c in inside.split(",") if c.strip())
            found[tok.start[0]] = codes
        else:
            found[tok.start[0]] = None
    return found
