"""Source facts the report model does not hold, from one small ast pass per module.

The runtime profile says what a module cost and the static graph says what it imports;
some rules also need to know how the module *uses* what it imports (only inside
functions? only in annotations?), how long its `__all__` is, whether it defines empty
placeholder classes, and which calls run while it is being imported. `module_facts`
reads one source file and answers those questions; it never executes the code.
"""

from __future__ import annotations

import ast
import enum
import io
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from importaudit.guards import Bindings, Guard, classify_test

if TYPE_CHECKING:
    from collections.abc import Sequence

#: The "function" that uses a name inside `if __name__ == "__main__":` (runs as a script).
MAIN_BLOCK = 'if __name__ == "__main__"'


class Use(enum.Enum):
    """Where a name is used, which decides when its import must have run."""

    IMPORT_TIME = "import-time"  # module body, class bodies, decorators, defaults
    FUNCTION = "function"  # only inside function bodies: runs when called
    ANNOTATION = "annotation"  # annotations that are never evaluated at run time
    EVALUATED_ANNOTATION = "evaluated-annotation"  # evaluated when the def/class runs
    EXPORT = "export"  # listed in __all__: re-exported, needed at import time


class ClassUse(enum.Enum):
    """How code uses a name that may be a class: as a marker, or as if it had behaviour."""

    # Its identity matters: a base, compared (`type(x) is C`, `x.__class__ is C`),
    # passed as a value (`isinstance(x, C)`, `type("V", (C,), {})`), a key, an instance
    # made without arguments (a sentinel), or attributes given to it.
    MARKER = "marker"
    # It is expected to do something: an attribute read (`C.parse`, `C().run`) or a call
    # with arguments, which an empty class cannot serve.
    BEHAVIOUR = "behaviour"


class BindingKind(enum.Enum):
    """How a module-level import statement runs."""

    EAGER = "eager"
    OPTIONAL = "optional"  # inside try/except ImportError
    TYPE_ONLY = "type-only"  # under `if TYPE_CHECKING:`


@dataclass(frozen=True, slots=True)
class Binding:
    """A name bound by a module-level import statement."""

    name: str  # the local name
    module: str  # absolute name of the module the statement imports from
    attr: str | None  # for `from module import attr`: the attribute taken
    line: int
    kind: BindingKind

    @property
    def target(self) -> str:
        """The module this binding may load: `module.attr` when attr is a submodule."""
        return f"{self.module}.{self.attr}" if self.attr else self.module

    def statement(self) -> str:
        """The import statement that binds just this name."""
        if self.attr:
            alias = f" as {self.name}" if self.name != self.attr else ""
            return f"from {self.module} import {self.attr}{alias}"
        alias = f" as {self.name}" if self.name != self.module.split(".")[0] else ""
        return f"import {self.module}{alias}"


@dataclass(frozen=True, slots=True)
class Placeholder:
    """A class that only stands in for an implementation that is not there."""

    name: str
    line: int
    end_line: int
    in_import_fallback: bool  # defined in an `except ImportError` handler
    methods: frozenset[str] = frozenset()  # the methods it declares (raising or empty)


@dataclass(frozen=True, slots=True)
class ImportTimeCall:
    """A call that runs while the module is being imported."""

    name: str  # dotted name, resolved through the module's import aliases
    line: int
    method: str  # the last part of the called name
    # For a method call: the module-level call that made the object it is called on
    # (`engine.connect()` after `engine = create_engine(...)`), when the source says so.
    receiver: ImportTimeCall | None = None
    # The platform test it runs under (`sys.platform == "win32"`): only there on import.
    platform: str | None = None


@dataclass(frozen=True, slots=True)
class Statement:
    """A module-level statement that does work (a loop, comprehension or call)."""

    line: int
    end_line: int
    what: str  # e.g. "for loop", "call to build_table()"
    call: ImportTimeCall | None = None  # the call, when the work is one


@dataclass(frozen=True, slots=True)
class ModuleFacts:
    """What one ast pass over a module's source tells the review rules."""

    name: str
    path: str
    lazy_annotations: bool  # annotations are not evaluated when functions are defined
    all_names: tuple[str, ...] | None = None
    all_line: int | None = None
    bindings: tuple[Binding, ...] = ()
    uses: dict[str, frozenset[Use]] = field(default_factory=dict)
    functions_using: dict[str, tuple[str, ...]] = field(default_factory=dict)
    placeholders: tuple[Placeholder, ...] = ()
    calls: tuple[ImportTimeCall, ...] = ()
    work: tuple[Statement, ...] = ()
    has_getattr: bool = False  # defines a PEP 562 module __getattr__
    lazy_map_names: tuple[str, ...] = ()  # names that __getattr__ can load
    lazy_modules: dict[str, str] = field(default_factory=dict)  # name -> ".mod" or "pkg.mod"
    annotation_consumers: tuple[str, ...] = ()  # imports/calls that read annotations
    ignores: dict[int, frozenset[str] | None] = field(default_factory=dict)  # line -> codes
    # Dotted names (resolved through the imports; own globals as `module.name`) -> how
    # they are used, for names used as a marker or as if they had behaviour.
    class_uses: dict[str, frozenset[ClassUse]] = field(default_factory=dict)
    defined: frozenset[str] = frozenset()  # module-level names it binds (star-importable)
    star_imports: tuple[str, ...] = ()  # modules it star-imports at module level
    refs: dict[str, frozenset[str]] = field(default_factory=dict)  # top-level def -> names

    def uses_of(self, name: str) -> frozenset[Use]:
        """How `name` is used in this module (empty: not at all)."""
        return self.uses.get(name, frozenset())

    def needs(self, name: str) -> frozenset[str]:
        """The module-level names the definition of `name` refers to, transitively."""
        seen: set[str] = set()
        stack = [name]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            stack.extend(self.refs.get(current, ()))
        return frozenset(seen)


#: Libraries that read annotations at run time (resolving them needs the real names).
ANNOTATION_LIBRARIES = frozenset({
    "pydantic", "pydantic_core", "attrs", "attr", "msgspec", "cattrs", "dacite",
    "dataclasses_json", "marshmallow_dataclass", "fastapi", "typer", "strawberry",
    "beartype", "typeguard", "sqlmodel", "apischema", "mashumaro", "pyserde",
})
#: Names whose presence means annotations are evaluated at run time.
ANNOTATION_READERS = frozenset({
    "get_type_hints", "get_annotations", "singledispatch", "singledispatchmethod",
    "Mapped",  # SQLAlchemy 2.0 declarative mapping resolves Mapped[...] annotations
})
#: Uses that only annotations make (movable under TYPE_CHECKING).
ANNOTATION_USES = frozenset({Use.ANNOTATION, Use.EVALUATED_ANNOTATION})
#: dataclasses recognises these in annotations by name, even as strings.
DATACLASS_MARKERS = frozenset({"ClassVar", "InitVar", "KW_ONLY"})

_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})
#: Calls that do no real work at import time (declarations, not computation).
_CHEAP_CALLS = frozenset({
    "TypeVar", "NewType", "ParamSpec", "TypeVarTuple", "namedtuple", "NamedTuple",
    "TypedDict", "getLogger", "compile", "frozenset", "set", "dict", "tuple", "list",
    "field", "dataclass", "object", "property", "staticmethod", "classmethod",
    "import_module", "__import__", "filterwarnings", "simplefilter", "getenv", "get",
    "Enum", "IntEnum", "StrEnum", "Flag", "auto", "cast", "overload", "final", "register",
    "partial", "wraps", "lru_cache", "cache", "total_ordering", "contextmanager",
    "local", "Lock", "RLock", "Event", "ContextVar", "declarative_base", "sessionmaker",
    "MetaData", "Column", "Table", "relationship", "mapped_column", "str", "int", "float",
    "bool", "bytes", "len", "sorted", "range", "zip", "enumerate", "isinstance", "hasattr",
    "getattr", "setattr", "globals", "Path", "join", "dirname", "abspath", "update",
    "append", "extend", "setdefault", "format", "replace", "lower", "upper", "strip",
    "split", "Decimal", "timedelta", "MappingProxyType", "type", "super", "abstractmethod",
    "runtime_checkable", "Generic", "Protocol", "Literal", "Annotated", "Optional", "Union",
})


def _dotted(node: ast.expr) -> str | None:
    """`a.b.c` for an attribute chain on a name, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _handles_import_error(handler: ast.ExceptHandler) -> bool:
    types = handler.type
    if types is None:
        return True
    exprs = types.elts if isinstance(types, ast.Tuple) else [types]
    return any((_dotted(e) or "").rsplit(".", 1)[-1] in _IMPORT_ERRORS for e in exprs)


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


def _trivial_body(body: list[ast.stmt]) -> bool:
    """A class body that holds nothing real: docstring, pass, ..., or empty methods."""
    for stmt in body:
        if isinstance(stmt, ast.Pass):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue  # docstring or `...`
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and _trivial_function(stmt):
            continue
        return False
    return True


def _method_names(node: ast.ClassDef) -> frozenset[str]:
    return frozenset(f.name for f in node.body
                     if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef))


def _implemented(placeholder: Placeholder, class_methods: dict[str, frozenset[str]]) -> bool:
    """Whether another class of the module implements every method `placeholder` declares.

    Then it is an interface the others follow by duck typing (numpy.distutils'
    CommandLineParser, whose split/join WindowsParser and PosixParser implement), not a
    stand-in for missing code. One shared method name (`run`) is a coincidence; a set
    of two or more is an interface.
    """
    return len(placeholder.methods) >= 2 and any(
        name != placeholder.name and placeholder.methods <= methods
        for name, methods in class_methods.items())


def _trivial_function(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for stmt in func.body:
        if isinstance(stmt, ast.Pass):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue
        if isinstance(stmt, ast.Raise) and stmt.exc is not None:
            exc = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
            if (_dotted(exc) or "").endswith("NotImplementedError"):
                continue
        return False
    return True


class _Collector(ast.NodeVisitor):
    """Walks a module once, tracking whether each node runs at import time."""

    def __init__(self, module: str, is_package: bool, lazy_annotations: bool) -> None:
        self.module = module
        self.is_package = is_package
        self.lazy_annotations = lazy_annotations
        self.bindings: list[Binding] = []
        self.uses: dict[str, set[Use]] = {}
        self.functions: dict[str, set[str]] = {}
        self.placeholders: list[Placeholder] = []
        self.calls: list[ImportTimeCall] = []
        self.work: list[Statement] = []
        self.aliases: dict[str, str] = {}  # local name -> dotted name it refers to
        self.made_by: dict[str, ImportTimeCall] = {}  # module global -> call it came from
        self.defined_functions: set[str] = set()
        self.all_names: tuple[str, ...] | None = None
        self.all_line: int | None = None
        self.has_getattr = False
        self.lazy_names: set[str] = set()
        self.lazy_modules: dict[str, str] = {}  # lazy name -> its module, as written
        self.consumers: set[str] = set()
        self.refs: dict[str, set[str]] = {}
        self.guards = Bindings()  # what `if` tests mean: the static scanner's classifier
        self.class_uses: dict[str, set[ClassUse]] = {}
        self.local_aliases: dict[str, str] = {}  # names imported inside functions
        self.defined: set[str] = set()
        self.star_imports: list[str] = []  # `from module import *` at module level
        # state
        self._owner: str | None = None  # the top-level definition being walked
        self._use = Use.IMPORT_TIME
        self._function: str | None = None
        self._depth = 0  # function nesting
        self._class_depth = 0
        self._binding_kind = BindingKind.EAGER
        self._in_fallback = False
        self._classes: list[str] = []  # enclosing class names, for qualified method names
        self.class_methods: dict[str, frozenset[str]] = {}  # module-level class -> methods
        self._platform: str | None = None  # the platform test the code runs under

    # ----------------------------------------------------------------- helpers
    def _note(self, name: str) -> None:
        self.uses.setdefault(name, set()).add(self._use)
        if self._owner is not None:
            self.refs.setdefault(self._owner, set()).add(name)
        if self._use is Use.FUNCTION and self._function:
            self.functions.setdefault(name, set()).add(self._function)

    def _with_use(self, use: Use, nodes: Sequence[ast.AST]) -> None:
        saved, self._use = self._use, use
        for node in nodes:
            self.visit(node)
        self._use = saved

    def _annotation(self, node: ast.expr | None) -> None:
        if node is None:
            return
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                parsed = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return
            self._with_use(Use.ANNOTATION, [parsed])
            return
        if self.lazy_annotations:
            use = Use.ANNOTATION
        elif self._use is Use.IMPORT_TIME:
            use = Use.EVALUATED_ANNOTATION  # needed now, but only by annotations
        else:
            use = self._use
        self._with_use(use, [node])

    def _module_level(self) -> bool:
        return self._depth == 0 and self._class_depth == 0

    # ----------------------------------------------------------------- imports
    def visit_Import(self, node: ast.Import) -> None:
        self.guards.learn(node)  # in source order at every depth, as the scanners do
        if self._depth:
            for alias in node.names:
                self.local_aliases.setdefault(alias.asname or alias.name.split(".")[0],
                                              alias.name if alias.asname else
                                              alias.name.split(".")[0])
            return
        for alias in node.names:
            if alias.asname:
                local, module = alias.asname, alias.name
            else:
                local = alias.name.split(".")[0]
                module = alias.name
            self.aliases[local] = alias.name if alias.asname else local
            self.defined.add(local)
            self.bindings.append(Binding(local, module, None, node.lineno, self._binding_kind))
            self._consumer(alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self.guards.learn(node)
        module = resolve_relative(self.module, self.is_package, node.level, node.module)
        if self._depth:
            for alias in node.names:
                self.local_aliases.setdefault(alias.asname or alias.name,
                                              f"{module}.{alias.name}")
            return
        for alias in node.names:
            if alias.name == "*":
                self.star_imports.append(module)
                continue
            local = alias.asname or alias.name
            self.defined.add(local)
            self.aliases[local] = f"{module}.{alias.name}"
            self.bindings.append(
                Binding(local, module, alias.name, node.lineno, self._binding_kind)
            )
            if alias.name in ANNOTATION_READERS:
                self.consumers.add(f"{module}.{alias.name}")
        self._consumer(module)

    def _consumer(self, module: str) -> None:
        if module.split(".", maxsplit=1)[0] in ANNOTATION_LIBRARIES:
            self.consumers.add(module)

    # ----------------------------------------------------------------- scopes
    def visit_If(self, node: ast.If) -> None:
        guard = classify_test(node.test, self.guards)
        self.visit(node.test)
        if guard is Guard.TYPE_CHECKING:
            self._type_only(node.body)
            self._visit_all(node.orelse)
        elif guard is Guard.NOT_TYPE_CHECKING:
            self._visit_all(node.body)
            self._type_only(node.orelse)
        elif guard is Guard.MAIN:
            self._script(node.body)
            self._visit_all(node.orelse)
        elif guard is Guard.PLATFORM and self._platform is None:
            test = ast.unparse(node.test)
            self._platform = test
            self._visit_all(node.body)
            self._platform = f"not ({test})"
            self._visit_all(node.orelse)
            self._platform = None
        else:
            self._visit_all(node.body)
            self._visit_all(node.orelse)

    def _visit_all(self, nodes: Sequence[ast.AST]) -> None:
        for node in nodes:
            self.visit(node)

    def _type_only(self, body: list[ast.stmt]) -> None:
        """Code only type checkers read: its imports are type-only, its uses annotations."""
        saved, self._binding_kind = self._binding_kind, BindingKind.TYPE_ONLY
        self._with_use(Use.ANNOTATION, body)
        self._binding_kind = saved

    def _script(self, body: list[ast.stmt]) -> None:
        """`if __name__ == "__main__":` runs only when the file is run as a script.

        Read as a function body: nothing in it runs on import (no calls, work, imports
        or classes of the module), and a name used there is used by that block.
        """
        saved = (self._use, self._function)
        self._use = Use.FUNCTION
        self._function = self._function or MAIN_BLOCK
        self._depth += 1
        self._visit_all(body)
        self._depth -= 1
        self._use, self._function = saved

    def visit_Try(self, node: ast.Try) -> None:
        fallback = any(_handles_import_error(h) for h in node.handlers)
        saved = self._binding_kind
        if fallback and self._binding_kind is BindingKind.EAGER:
            self._binding_kind = BindingKind.OPTIONAL
        for stmt in node.body:
            self.visit(stmt)
        self._binding_kind = saved
        for handler in node.handlers:
            was = self._in_fallback
            self._in_fallback = _handles_import_error(handler)
            if handler.type is not None:
                self.visit(handler.type)
            for stmt in handler.body:
                self.visit(stmt)
            self._in_fallback = was
        for stmt in node.orelse + node.finalbody:
            self.visit(stmt)

    visit_TryStar = visit_Try  # type: ignore[assignment]

    def _function_def(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if self._module_level():
            self.defined_functions.add(node.name)
            self.defined.add(node.name)
            if node.name == "__getattr__":
                self.has_getattr = True
            owner, self._owner = self._owner, node.name
            self._function_body(node)
            self._owner = owner
        else:
            self._function_body(node)

    def _function_body(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for deco in node.decorator_list:
            self.visit(deco)
            if (_dotted(deco) or "").endswith("register"):
                self.consumers.add("singledispatch register")
        args = node.args
        for default in [*args.defaults, *[d for d in args.kw_defaults if d is not None]]:
            self.visit(default)
        every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        every += [a for a in (args.vararg, args.kwarg) if a is not None]
        outer_function = self._function
        if self._depth:
            # Annotations of nested functions run when the outer function runs.
            saved_use, self._use = self._use, Use.FUNCTION
        for arg in every:
            self._annotation(arg.annotation)
        self._annotation(node.returns)
        if self._depth:
            self._use = saved_use
        saved, self._use = self._use, Use.FUNCTION
        # The outermost function is the one an import can move into (inner functions
        # see it as a closure); methods are named with their class.
        self._function = outer_function or ".".join([*self._classes, node.name])
        self._depth += 1
        for stmt in node.body:
            self.visit(stmt)
        self._depth -= 1
        self._function = outer_function
        self._use = saved

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._function_def(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._function_def(node)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        for default in [*node.args.defaults, *[d for d in node.args.kw_defaults if d]]:
            self.visit(default)
        saved, self._use = self._use, Use.FUNCTION
        outer_function = self._function
        # A lambda outside any function has no body an import could move into.
        self._function = outer_function or f"<lambda at line {node.lineno}>"
        self._depth += 1
        self.visit(node.body)
        self._depth -= 1
        self._function = outer_function
        self._use = saved

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        if self._module_level():
            self.defined.add(node.name)
            owner, self._owner = self._owner, node.name
            self._class_def(node)
            self._owner = owner
        else:
            self._class_def(node)

    def _class_def(self, node: ast.ClassDef) -> None:
        for expr in [*node.decorator_list, *node.bases, *[k.value for k in node.keywords]]:
            self.visit(expr)
        self._mark(node.bases, ClassUse.MARKER)  # a root others derive from
        if self._depth == 0 and self._class_depth == 0 and _trivial_body(node.body):
            # Only a class with nothing to it stands in for something missing: bases
            # (Exception, Protocol, ABC, a real base), a metaclass or a decorator make
            # it a deliberate declaration. Private names are internal markers.
            plain = (all(_dotted(b) == "object" for b in node.bases) and not node.keywords
                     and not node.decorator_list and not node.name.startswith("_"))
            if self._in_fallback or plain:
                self.placeholders.append(
                    Placeholder(node.name, node.lineno, node.end_lineno or node.lineno,
                                self._in_fallback, _method_names(node))
                )
        if self._depth == 0 and self._class_depth == 0:
            self.class_methods[node.name] = _method_names(node)
        self._classes.append(node.name)
        self._class_depth += 1
        for stmt in node.body:
            self.visit(stmt)
        self._class_depth -= 1
        self._classes.pop()

    # ----------------------------------------------------------------- statements
    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if self._depth:
            # Local variable annotations are never evaluated.
            self._with_use(Use.ANNOTATION, [node.annotation])
        else:
            self._annotation(node.annotation)
        if node.value is not None:
            self.visit(node.value)
        self.visit(node.target)
        if self._module_level() and isinstance(node.target, ast.Name):
            self.defined.add(node.target.id)
            self._made_by(node.target.id, node.value)

    def visit_Assign(self, node: ast.Assign) -> None:
        if self._module_level():
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == "__all__":
                    self._record_all(node.value, node.lineno)
            self._lazy_map(node.value)
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            self.defined.update(names)
            if len(names) == 1 and names[0] != "__all__":
                owner, self._owner = self._owner, names[0]
                self.generic_visit(node)
                self._owner = owner
                self._made_by(names[0], node.value)
                return
        self.generic_visit(node)

    def _made_by(self, name: str, value: ast.expr | None) -> None:
        """Remember which call produced module global `name` (forget it when rebound)."""
        call = self._call(value) if isinstance(value, ast.Call) else None
        if call is None:
            self.made_by.pop(name, None)
        else:
            self.made_by[name] = call

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if (self._module_level() and isinstance(node.target, ast.Name)
                and node.target.id == "__all__" and self.all_names is not None):
            extra = _string_items(node.value)
            if extra is not None:
                self.all_names = (*self.all_names, *extra)
        self.generic_visit(node)

    def _record_all(self, value: ast.expr, line: int) -> None:
        names = _string_items(value)
        if names is not None:
            self.all_names = names
            self.all_line = line
            saved, self._use = self._use, Use.EXPORT
            for name in names:
                self._note(name)
            self._use = saved

    def _lazy_map(self, value: ast.expr) -> None:
        # `_LAZY = {"Name": ".module", ...}`: the names a PEP 562 __getattr__ can load.
        if isinstance(value, ast.Dict) and value.keys and all(
            isinstance(k, ast.Constant) and isinstance(k.value, str) for k in value.keys
        ):
            values_are_modules = all(
                (isinstance(v, ast.Constant) and isinstance(v.value, str))
                or isinstance(v, ast.Tuple) for v in value.values
            )
            if values_are_modules:
                for key, target in zip(value.keys, value.values, strict=True):
                    if isinstance(key, ast.Constant) and isinstance(key.value, str):
                        self.lazy_names.add(key.value)
                        module = _lazy_target(target)
                        if module is not None:
                            self.lazy_modules[key.value] = module

    def visit_For(self, node: ast.For) -> None:
        self._statement(node, "for loop")
        self.generic_visit(node)

    visit_AsyncFor = visit_For  # type: ignore[assignment]

    def visit_While(self, node: ast.While) -> None:
        self._statement(node, "while loop")
        self.generic_visit(node)

    def _statement(self, node: ast.stmt, what: str) -> None:
        if self._depth == 0 and not self._in_fallback:
            self.work.append(Statement(node.lineno, node.end_lineno or node.lineno, what))

    def visit_ListComp(self, node: ast.ListComp) -> None:
        self._comprehension(node)

    def visit_SetComp(self, node: ast.SetComp) -> None:
        self._comprehension(node)

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._comprehension(node)

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.DictComp) -> None:
        if self._depth == 0 and not self._in_fallback:
            self.work.append(Statement(node.lineno, node.end_lineno or node.lineno,
                                       "comprehension"))
        self.generic_visit(node)

    def _call(self, node: ast.Call) -> ImportTimeCall | None:
        """The call `node` with its name resolved through aliases, and its receiver."""
        raw = _dotted(node.func)
        receiver = None
        if isinstance(node.func, ast.Attribute):
            base = node.func.value
            if isinstance(base, ast.Call):
                receiver = self._call(base)  # create_engine(url).connect()
            elif isinstance(base, ast.Name):
                receiver = self.made_by.get(base.id)  # engine.connect()
            if raw is None:
                raw = f"<expr>.{node.func.attr}"
        if raw is None:
            return None
        head, _, rest = raw.partition(".")
        resolved = self.aliases.get(head, head)
        name = f"{resolved}.{rest}" if rest else resolved
        return ImportTimeCall(name, node.lineno, raw.rsplit(".", 1)[-1], receiver,
                              self._platform)

    # ----------------------------------------------------------------- class uses
    def _resolve(self, expr: ast.expr) -> str | None:
        """The dotted name `expr` refers to: through the imports, else a global of ours."""
        name = _dotted(expr)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        base = (self.aliases.get(head) or self.local_aliases.get(head)
                or f"{self.module}.{head}")
        return f"{base}.{rest}" if rest else base

    def _mark(self, exprs: Sequence[ast.expr], use: ClassUse) -> None:
        """Note that the names in `exprs` (and in tuples/lists among them) are used so."""
        if self._use in ANNOTATION_USES:
            return  # a type checker's use: neither marker nor behaviour at run time
        for expr in exprs:
            items = expr.elts if isinstance(expr, ast.Tuple | ast.List | ast.Set) else [expr]
            for item in items:
                name = self._resolve(item)
                if name is not None:
                    self.class_uses.setdefault(name, set()).add(use)

    def visit_Compare(self, node: ast.Compare) -> None:
        operands = [node.left, *node.comparators]
        # `C is None` asks whether a name is bound; `type(x) is C` asks about identity.
        if not any(isinstance(o, ast.Constant) for o in operands):
            self._mark(operands, ClassUse.MARKER)
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        base = node.value.func if isinstance(node.value, ast.Call) else node.value
        # `C.__name__` is what every class has; `C.flag = 1` gives it the attribute.
        given = ((node.attr.startswith("__") and node.attr.endswith("__"))
                 or not isinstance(node.ctx, ast.Load))
        self._mark([base], ClassUse.MARKER if given else ClassUse.BEHAVIOUR)
        self.generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> None:
        self._mark([k for k in node.keys if k is not None], ClassUse.MARKER)
        self.generic_visit(node)

    def visit_Set(self, node: ast.Set) -> None:
        self._mark(node.elts, ClassUse.MARKER)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        # An empty class called with arguments raises TypeError: the caller expects more.
        self._mark([node.func], ClassUse.BEHAVIOUR if node.args or node.keywords
                   else ClassUse.MARKER)
        self._mark([*node.args, *(k.value for k in node.keywords)], ClassUse.MARKER)
        if self._depth == 0:
            call = self._call(node)
            if call is not None and call.method in ANNOTATION_READERS:
                self.consumers.add(call.name)
            # An `except ImportError:` handler runs only when that import failed, which
            # in the measured run it did not (numpy._core lists its folder there to
            # explain a broken build): no import-time work to report.
            if call is not None and not self._in_fallback:
                self.calls.append(call)
                if call.method not in _CHEAP_CALLS and not call.method[:1].isupper():
                    self.work.append(Statement(node.lineno, node.end_lineno or node.lineno,
                                               f"call to {_dotted(node.func) or call.name}()",
                                               call))
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self._note(node.id)


def _lazy_target(value: ast.expr) -> str | None:
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


def _string_items(value: ast.expr) -> tuple[str, ...] | None:
    if isinstance(value, ast.List | ast.Tuple | ast.Set):
        items = [e.value for e in value.elts if isinstance(e, ast.Constant)]
        if len(items) == len(value.elts) and all(isinstance(i, str) for i in items):
            return tuple(str(i) for i in items)
    return None


def _has_future_annotations(tree: ast.Module) -> bool:
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


def module_facts(
    name: str, path: str, *, is_package: bool = False, lazy_annotations: bool = False,
) -> ModuleFacts | None:
    """Facts about module `name` read from `path`; None if it cannot be read or parsed.

    `lazy_annotations` says the interpreter defers annotations itself (Python 3.14+);
    `from __future__ import annotations` in the file turns it on as well.
    """
    try:
        source = Path(path).read_bytes().decode("utf-8")
        tree = ast.parse(source, filename=path)
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return None
    lazy = lazy_annotations or _has_future_annotations(tree)
    collector = _Collector(name, is_package, lazy)
    for stmt in tree.body:
        collector.visit(stmt)
    return ModuleFacts(
        name=name,
        path=path,
        lazy_annotations=lazy,
        all_names=collector.all_names,
        all_line=collector.all_line,
        bindings=tuple(collector.bindings),
        uses={k: frozenset(v) for k, v in collector.uses.items()},
        functions_using={k: tuple(sorted(v)) for k, v in collector.functions.items()},
        # Candidates: whether the package uses one as a marker is for the rule to judge
        # from every module's `class_uses`; an interface other classes of the module
        # implement by duck typing is none.
        placeholders=tuple(p for p in collector.placeholders
                           if not _implemented(p, collector.class_methods)),
        calls=tuple(collector.calls),
        work=tuple(collector.work),
        has_getattr=collector.has_getattr,
        lazy_map_names=tuple(sorted(collector.lazy_names)),
        lazy_modules=dict(sorted(collector.lazy_modules.items())),
        annotation_consumers=tuple(sorted(collector.consumers)),
        ignores=ignore_comments(source),
        refs={k: frozenset(v - {k}) for k, v in collector.refs.items()},
        class_uses={k: frozenset(v) for k, v in collector.class_uses.items()},
        defined=frozenset(collector.defined),
        star_imports=tuple(collector.star_imports),
    )
