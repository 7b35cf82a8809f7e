"""The one ast walk behind `module_facts`: what each node of a module does on import.

`_Collector` visits a module's statements once, tracking whether each node runs at
import time, inside a function, under `TYPE_CHECKING` or in an import fallback, and
records bindings, name uses, placeholders, import-time calls and work.
"""

from __future__ import annotations

import ast
import sys
from typing import TYPE_CHECKING

from importaudit.guards import (
    Bindings,
    Guard,
    catches_import_error,
    classify_test,
    suppresses_import_error,
)
from importaudit.review.classuses import _ClassUseVisitor
from importaudit.review.facts import (
    MAIN_BLOCK,
    Binding,
    BindingKind,
    ClassUse,
    ImportTimeCall,
    Placeholder,
    Statement,
    Use,
)
from importaudit.review.syntax import (
    ANNOTATION_ATTRIBUTES,
    ANNOTATION_LIBRARIES,
    ANNOTATION_READERS,
    CHEAP_CALLS,
    STDLIB_WORK,
    bounded,
    declared_global,
    declares_contract,
    dotted,
    function_locals,
    is_exception,
    lazy_target,
    method_names,
    removal_notice,
    resolve_relative,
    string_items,
    trivial_body,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence


class _Collector(_ClassUseVisitor):
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
        # Calls that are a whole import-time statement's value (`t = Table(...)`,
        # `register(x)`), with the line the statement ends on: see `with_repeated`.
        self.statement_calls: list[tuple[ImportTimeCall, int]] = []
        self.aliases: dict[str, str] = {}  # local name -> dotted name it refers to
        self.made_by: dict[str, ImportTimeCall] = {}  # module global -> call it came from
        self.defined_functions: set[str] = set()
        self.all_names: tuple[str, ...] | None = None
        self.all_line: int | None = None
        self.has_getattr = False
        self.module_body: list[ast.stmt] = []  # the module's statements (`_attaches`)
        self.lazy_names: set[str] = set()
        self.lazy_modules: dict[str, str] = {}  # lazy name -> its module, as written
        self.consumers: set[str] = set()
        self.decorators: set[str] = set()  # the local names decorators start with
        # Functions and classes defined where code runs at import (module level, class
        # bodies), and loop variables going over them: a call handed one decorates it.
        self._import_defs: set[str] = set()
        self.reading_owners: set[str] = set()  # top-level definitions reading annotations
        self.refs: dict[str, set[str]] = {}
        self.guards = Bindings()  # what `if` tests mean: the static scanner's classifier
        self.class_uses: dict[str, set[ClassUse]] = {}
        self.attrs_given: dict[str, set[str]] = {}
        self.attrs_read: dict[str, set[str]] = {}
        self.method_calls: set[tuple[str, int]] = set()  # `x.m(a, b)`: ("m", 2)
        self.local_aliases: dict[str, str] = {}  # names imported inside functions
        self.defined: set[str] = set()
        self.star_imports: list[str] = []  # `from module import *` at module level
        # Module-level names bound to another name (`QDD = core.QuasiDynamicData`):
        # local name -> the dotted name it is, resolved through the imports.
        self.value_aliases: dict[str, str] = {}
        # Module-level names bound to a string, `__doc__` (the docstring) included: what
        # a removed class's `raise NotImplementedError(err_mesg)` says (`removal_notice`).
        self.texts: dict[str, str] = {}
        # Module-level names bound to a literal display (`{...}`, `[...]`) or a class
        # statement: a comprehension over one is bounded by the source (`bounded`).
        self.literals: set[str] = set()
        # state
        self._owner: str | None = None  # the top-level definition being walked
        self._use = Use.IMPORT_TIME
        self._function: str | None = None
        self._depth = 0  # function nesting
        self._class_depth = 0
        self._binding_kind = BindingKind.EAGER
        self._in_fallback = False
        self._switched_off: set[str] = set()  # module-level names bound to a false constant
        # (local names, names declared global) of each enclosing function, outermost first
        self._parameters: list[tuple[set[str], set[str]]] = []
        self._receivers: set[int] = set()  # ids of calls whose result a chain calls on
        self._classes: list[str] = []  # enclosing class names, for qualified method names
        self.class_methods: dict[str, frozenset[str]] = {}  # module-level class -> methods
        # Module-level class statements: (name, line, end line, its first base resolved).
        self.classes: list[tuple[str, int, int, str | None]] = []
        # The bases of every module-level class, resolved (a class's base may build it
        # from its annotations: pydantic reads them when the class statement runs).
        self.class_bases: set[str] = set()
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

    def _type_checking(self) -> bool:
        """Whether the code walked runs only for type checkers (`if TYPE_CHECKING:`)."""
        return self._binding_kind is BindingKind.TYPE_ONLY

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
            self._define(local)
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
            self._define(local)
            self.aliases[local] = f"{module}.{alias.name}"
            self.bindings.append(
                Binding(local, module, alias.name, node.lineno, self._binding_kind)
            )
            if alias.name in ANNOTATION_READERS:
                self.consumers.add(f"{module}.{alias.name}")
        self._consumer(module)

    def _define(self, local: str) -> None:
        """An import binds `local` at run time, unless only type checkers read it."""
        if self._binding_kind is not BindingKind.TYPE_ONLY:
            self.defined.add(local)

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
        elif (self._module_level() and isinstance(node.test, ast.Name)
              and node.test.id in self._switched_off):
            # sphinx/__init__: `_in_development = False`, then `if _in_development:`
            # runs git in a subprocess: a block the module switched off never runs on
            # import; it is read as a script block is (not a function of the module).
            self._script(node.body, f"if {node.test.id}")
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

    def _script(self, body: list[ast.stmt], label: str = MAIN_BLOCK) -> None:
        """`if __name__ == "__main__":` runs only when the file is run as a script.

        Read as a function body: nothing in it runs on import (no calls, work, imports
        or classes of the module), and a name used there is used by that block.
        """
        saved = (self._use, self._function)
        self._use = Use.FUNCTION
        self._function = self._function or label
        self._depth += 1
        self._visit_all(body)
        self._depth -= 1
        self._use, self._function = saved

    def visit_Try(self, node: ast.Try) -> None:
        fallback = any(catches_import_error(h) for h in node.handlers)
        saved = self._binding_kind
        if fallback and self._binding_kind is BindingKind.EAGER:
            self._binding_kind = BindingKind.OPTIONAL
        bound = len(self.bindings)
        for stmt in node.body:
            self.visit(stmt)
        self._binding_kind = saved
        # A module that raises its own error when the import fails (sentry_sdk's
        # integrations `raise DidNotEnable`, gunicorn's tornado worker "You need tornado
        # installed") checks at import time that the library is there: that check uses
        # the import then, wherever else its names are used. Deferring it would let the
        # module import without the library.
        if self._module_level() and any(
                catches_import_error(h) and any(isinstance(s, ast.Raise) for s in h.body)
                for h in node.handlers):
            for binding in self.bindings[bound:]:
                self.uses.setdefault(binding.name, set()).add(Use.IMPORT_TIME)
        for handler in node.handlers:
            was = self._in_fallback
            self._in_fallback = catches_import_error(handler)
            if handler.type is not None:
                self.visit(handler.type)
            for stmt in handler.body:
                self.visit(stmt)
            self._in_fallback = was
        for stmt in node.orelse + node.finalbody:
            self.visit(stmt)

    visit_TryStar = visit_Try  # type: ignore[assignment]

    def _attaches(self, node: ast.Assign) -> bool:
        """Whether `node` binds the module's `__getattr__` from a lazy loader, on import.

        lazy_loader's `attach`/`attach_stub`, or the module's own copy of `attach`
        (huggingface_hub's `__getattr__, __dir__ = _attach(__name__, ...)`), at module
        level, also inside `if`/`try` (`if not TYPE_CHECKING:`, a fallback to eager
        imports), but not where it never runs on import: the rules that follow a lazy
        package's names (`ReviewContext.served_lazily`) read it as a module
        `__getattr__`, as the static graph does (`static.scan.local_attach`).
        """
        if self._binding_kind is BindingKind.TYPE_ONLY or self._use is Use.FUNCTION:
            return False
        from importaudit.static.scan import binds_getattr, is_attach, local_attach

        return binds_getattr(node) and (
            (isinstance(node.value, ast.Call) and is_attach(node.value))
            or local_attach(node, self.module_body) is not None)

    def _function_def(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if self._module_level():
            self.defined_functions.add(node.name)
            self.defined.add(node.name)
            if node.name == "__getattr__":
                from importaudit.static.scan import can_give

                # A deprecation shim (warn, return an object it has) loads nothing lazily.
                self.has_getattr = self.has_getattr or can_give(node)
            owner, self._owner = self._owner, node.name
            self._function_body(node)
            self._owner = owner
        else:
            self._function_body(node)

    def _function_body(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._decorated(node.decorator_list)
        if self._depth == 0:
            self._import_defs.add(node.name)
        for deco in node.decorator_list:
            self.visit(deco)
            if (dotted(deco) or "").endswith("register"):
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
            self._accept(arg.annotation)
            self._annotation(arg.annotation)
        self._annotation(node.returns)
        if self._depth:
            self._use = saved_use
        saved, self._use = self._use, Use.FUNCTION
        # The outermost function is the one an import can move into (inner functions
        # see it as a closure); methods are named with their class.
        self._function = outer_function or ".".join([*self._classes, node.name])
        self._depth += 1
        self._parameters.append((function_locals(node), declared_global(node)))
        for stmt in node.body:
            self.visit(stmt)
        self._parameters.pop()
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
        self._parameters.append((function_locals(node), set()))
        self.visit(node.body)
        self._parameters.pop()
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

    def _decorated(self, decorators: list[ast.expr]) -> None:
        """Note the local names the decorators start with (`auto_docstring`, `utils`)."""
        for deco in decorators:
            name = dotted(deco.func if isinstance(deco, ast.Call) else deco)
            if name:
                self.decorators.add(name.partition(".")[0])

    def _class_def(self, node: ast.ClassDef) -> None:
        self._decorated(node.decorator_list)
        if self._depth == 0:
            self._import_defs.add(node.name)
        for expr in [*node.decorator_list, *node.bases, *[k.value for k in node.keywords]]:
            self.visit(expr)
        self._mark(node.bases, ClassUse.MARKER)  # a root others derive from
        if self._depth == 0 and self._class_depth == 0 and trivial_body(node.body):
            # Only a class with nothing to it stands in for something missing: bases
            # (Exception, Protocol, ABC, a real base), a metaclass or a decorator make
            # it a deliberate declaration. Private names are internal markers.
            plain = (all(dotted(b) == "object" for b in node.bases) and not node.keywords
                     and not node.decorator_list and not node.name.startswith("_"))
            # An exception is raised and caught, in a fallback too: sympy's
            # `except ImportError: class NoPytestError(Exception)`, which its shadow
            # pytest raises.
            # A removed class whose instances raise directions is a tombstone.
            if ((self._in_fallback and not is_exception(node)) or plain) \
                    and not removal_notice(node, self.texts):
                self.placeholders.append(
                    Placeholder(node.name, node.lineno, node.end_lineno or node.lineno,
                                self._in_fallback, method_names(node),
                                declares_contract(node))
                )
        if self._depth == 0 and self._class_depth == 0:
            self.literals.add(node.name)  # iterating it walks what its body lists
            self.class_methods[node.name] = method_names(node)
            if not self._type_checking():
                self.class_bases.update(b for b in map(self._resolve, (
                    x.value if isinstance(x, ast.Subscript) else x for x in node.bases)) if b)
            if not self._in_fallback and not self._type_checking():
                self.classes.append((node.name, node.lineno, node.end_lineno or node.lineno,
                                     self._resolve(node.bases[0]) if node.bases else None))
        self._classes.append(node.name)
        self._class_depth += 1
        for stmt in node.body:
            self.visit(stmt)
        self._class_depth -= 1
        self._classes.pop()

    # ----------------------------------------------------------------- statements
    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._statement_call(node, node.value)
        if self._depth:
            # Local variable annotations are never evaluated.
            self._with_use(Use.ANNOTATION, [node.annotation])
        else:
            self._annotation(node.annotation)
        if node.value is not None:
            self.visit(node.value)
        self.visit(node.target)
        if self._module_level() and isinstance(node.target, ast.Name):
            self._learn_off_switch([node.target], node.value)
            self._learn_value([node.target.id], node.value)
            self.defined.add(node.target.id)
            self._made_by(node.target.id, node.value)

    def _learn_value(self, names: list[str], value: ast.expr | None) -> None:
        """Remember which module-level names hold a string, a display or another name.

        A display counts only without calls; another name is an alias
        (`QDD = core.QuasiDynamicData`).
        """
        for name in names:
            target = self._resolve(value) if isinstance(value, ast.Name | ast.Attribute) else None
            if target is not None and target != f"{self.module}.{name}":
                self.value_aliases[name] = target
            else:
                self.value_aliases.pop(name, None)
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                self.texts[name] = value.value
            else:
                self.texts.pop(name, None)
            # A display of calls is built work, and iterating it may run more: scipy's
            # `{nfo.func.__name__: nfo.wrapper for nfo in _special_funcs}` over a tuple of
            # `_FuncInfo(...)` (30 ms: `wrapper` is a property that builds each one).
            if isinstance(value, ast.Dict | ast.List | ast.Tuple | ast.Set) and not any(
                    isinstance(n, ast.Call) for n in ast.walk(value)):
                self.literals.add(name)
            else:
                self.literals.discard(name)

    def _learn_off_switch(self, targets: Sequence[ast.expr], value: ast.expr | None) -> None:
        """Note module-level names bound to a false constant (`_in_development = False`).

        Any other module-level binding of the name forgets it: only the value the name
        has when a later `if NAME:` runs counts.
        """
        names = {t.id for t in targets if isinstance(t, ast.Name)}
        if isinstance(value, ast.Constant) and not value.value and len(targets) == 1:
            self._switched_off |= names
        else:
            self._switched_off -= names

    def visit_Assign(self, node: ast.Assign) -> None:
        self._statement_call(node, node.value)
        self._type_tuple(node.value)
        if self._module_level() and not self.has_getattr and self._attaches(node):
            self.has_getattr = True
        if self._module_level():
            self._learn_off_switch(node.targets, node.value)
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == "__all__":
                    self._record_all(node.value, node.lineno)
            self._lazy_map(node.value)
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            self.defined.update(names)
            self._learn_value(names, node.value)
            if isinstance(node.value, (ast.Name, ast.List, ast.Tuple, ast.Set, ast.Dict)) \
                    and self._names_def(node.value):
                # `HANDLERS = [create, update]`, `handler = create`: handed on later.
                self._import_defs.update(names)
            if len(names) == 1 and names[0] != "__all__":
                owner, self._owner = self._owner, names[0]
                self.generic_visit(node)
                self._owner = owner
                self._made_by(names[0], node.value)
                return
        self.generic_visit(node)

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        # `with try_import() as _imports:` binds `_imports` (optuna's _plotly_imports
        # lists it in `__all__`).
        if self._module_level():
            self.defined.update(item.optional_vars.id for item in node.items
                                if isinstance(item.optional_vars, ast.Name))
        if not suppresses_import_error(node.items):
            self.generic_visit(node)
            return
        # `with suppress(ImportError):` binds what it imports as a `try:` with an
        # ImportError handler does: optionally.
        for item in node.items:
            self.visit(item)
        saved = self._binding_kind
        if self._binding_kind is BindingKind.EAGER:
            self._binding_kind = BindingKind.OPTIONAL
        for stmt in node.body:
            self.visit(stmt)
        self._binding_kind = saved

    visit_AsyncWith = visit_With

    def visit_Expr(self, node: ast.Expr) -> None:
        self._statement_call(node, node.value)
        self.generic_visit(node)

    def _statement_call(self, node: ast.stmt, value: ast.expr | None) -> None:
        """Remember an import-time statement whose value is one call (`with_repeated`).

        Not in a class body: `ref: str = Field(alias="$ref")` declares a field, which
        the class's base then builds (`derived_classes`); 32 of them are no work.
        """
        if (self._depth == 0 and self._class_depth == 0 and not self._in_fallback
                and not self._type_checking() and isinstance(value, ast.Call)):
            call = self._call(value)
            if call is not None:
                self.statement_calls.append((call, node.end_lineno or node.lineno))

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.generic_visit(node)
        # `if (logger := logging.getLogger("psycopg")).level == logging.NOTSET:` binds a
        # module global, made by that call, as an assignment does.
        if self._module_level() and isinstance(node.target, ast.Name):
            self._made_by(node.target.id, node.value)

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
            extra = string_items(node.value)
            if extra is not None:
                self.all_names = (*self.all_names, *extra)
        self.generic_visit(node)

    def _record_all(self, value: ast.expr, line: int) -> None:
        names = string_items(value)
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
                        module = lazy_target(target)
                        if module is not None:
                            self.lazy_modules[key.value] = module

    def visit_For(self, node: ast.For) -> None:
        self._statement(node, "for loop")
        # `for hook in (create, update): app.post("/")(hook)` decorates each of them;
        # so may `for path, fn in ROUTES.items()`: what a loop at import time goes over
        # is not followed, so every name it binds may be one of the module's functions.
        if self._depth == 0:
            self._import_defs.update(_bound_names(node.target))
        self.generic_visit(node)

    visit_AsyncFor = visit_For  # type: ignore[assignment]

    def visit_While(self, node: ast.While) -> None:
        self._statement(node, "while loop")
        self.generic_visit(node)

    def _statement(self, node: ast.stmt, what: str) -> None:
        if self._depth == 0 and not self._in_fallback and not self._type_checking():
            self.work.append(Statement(node.lineno, node.end_lineno or node.lineno, what))

    def visit_ListComp(self, node: ast.ListComp) -> None:
        self._comprehension(node)

    def visit_SetComp(self, node: ast.SetComp) -> None:
        self._comprehension(node)

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._comprehension(node)

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.DictComp) -> None:
        if (self._depth == 0 and not self._in_fallback and not self._type_checking()
                and not bounded(node, self.literals)):
            self.work.append(Statement(node.lineno, node.end_lineno or node.lineno,
                                       "comprehension"))
        self._in_scope(node)

    def visit_GeneratorExp(self, node: ast.GeneratorExp) -> None:
        self._in_scope(node)

    def _in_scope(self, node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp,
                  ) -> None:
        """Visit a comprehension: its targets are its own names, not the module's.

        `[hv for hv in values]` never reads the module's `import heavy as hv`. The first
        iterable is evaluated in the enclosing scope, the rest in the comprehension's.
        """
        first, *more = node.generators
        self.visit(first.iter)
        own = {n.id for g in node.generators for n in ast.walk(g.target)
               if isinstance(n, ast.Name)}
        if self._depth == 0:  # `[checked(f) for f in HANDLERS]` decorates them too
            self._import_defs.update(own)
        self._parameters.append((own, set()))
        self.visit(first.target)
        for test in first.ifs:
            self.visit(test)
        for generator in more:
            self.visit(generator)
        for part in ((node.key, node.value) if isinstance(node, ast.DictComp)
                     else (node.elt,)):
            self.visit(part)
        self._parameters.pop()

    def _call(self, node: ast.Call) -> ImportTimeCall | None:
        """The call `node` with its name resolved through aliases, and its receiver."""
        raw = dotted(node.func)
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

    def _library_class(self, node: ast.Call) -> bool:
        """Whether `node`, at module level, instantiates a class of another package.

        Making an instance of one's own class (`JSON_ARRAY = JsonArray()`) is seldom
        work; another package's constructor may be: celery.bin.base's
        `LEXER = PythonLexer()` spends 20-30 ms compiling pygments' token regexes. In
        a class body such calls declare fields (pydantic's `Field(...)`), which the
        class's base builds: IA602 counts those classes, not the declarations.
        """
        head = (dotted(node.func) or "").partition(".")[0]
        imported = self.aliases.get(head)
        return (self._class_depth == 0 and imported is not None
                and imported.partition(".")[0] != self.module.partition(".")[0])

    def visit_Call(self, node: ast.Call) -> None:
        # An empty class called with arguments raises TypeError: the caller expects more.
        self._mark([node.func], ClassUse.BEHAVIOUR if node.args or node.keywords
                   else ClassUse.MARKER)
        self._mark([*node.args, *(k.value for k in node.keywords)], ClassUse.MARKER)
        self._setattr(node)
        if isinstance(node.func, ast.Attribute) and not any(
                isinstance(a, ast.Starred) for a in node.args) and all(
                k.arg is not None for k in node.keywords):
            self.method_calls.add((node.func.attr, len(node.args) + len(node.keywords)))
        if self._depth == 0:
            self._decorated_by_call(node)
            call = self._call(node)
            if call is not None and call.method in ANNOTATION_READERS:
                self.consumers.add(call.name)
            # An `except ImportError:` handler runs only when that import failed, which
            # in the measured run it did not (numpy._core lists its folder there to
            # explain a broken build): no import-time work to report.
            if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Call):
                # `sa.Integer().with_variant(...)` is one piece of work, listed as the
                # chain: its receiver `sa.Integer()` is not listed again.
                self._receivers.add(id(node.func.value))
            if call is not None and not self._in_fallback and not self._type_checking():
                self.calls.append(call)
                if ((call.method not in CHEAP_CALLS or call.name in STDLIB_WORK)
                        and id(node) not in self._receivers
                        and (not call.method[:1].isupper() or self._library_class(node))):
                    self.work.append(Statement(node.lineno, node.end_lineno or node.lineno,
                                               f"call to {_shown(node, call)}",
                                               call))
        self.generic_visit(node)

    def _decorated_by_call(self, node: ast.Call) -> None:
        """A call at import time handed a function or class of the module decorates it.

        `act = validated(act)`, `app.add_api_route("/act", act)`, `router.get("/")(act)`:
        what the callee reads of `act` (its annotations, for pydantic's `validate_call`
        or FastAPI) runs as the `@` form would, so the callee's name counts as one of the
        module's decorators (`read_by_decorator`). Its first name is noted, as for `@`.
        """
        handed = [*node.args, *(k.value for k in node.keywords)]
        if not any(self._names_def(a) for a in handed):
            return
        # The callee, and a callable handed beside the functions (`map(checked, [create,
        # update])`): either may be what reads them.
        for expr in (node.func, *handed):
            root = expr
            while isinstance(root, (ast.Call, ast.Attribute, ast.Subscript)):
                root = root.func if isinstance(root, ast.Call) else root.value
            if isinstance(root, ast.Name):
                self.decorators.add(root.id)

    def _names_def(self, expr: ast.expr) -> bool:
        """Whether `expr` names one of the module's functions or classes.

        Also within a container or as the base of an attribute: `[create, update]`,
        `B.method` (`B.method = checked(B.method)`), `*HANDLERS`.
        """
        defs = self._import_defs
        return bool(defs) and any(isinstance(n, ast.Name) and n.id in defs
                                  for n in ast.walk(expr))

    def visit_Attribute(self, node: ast.Attribute) -> None:
        # Reading annotations back makes them run-time data, in a function as at module
        # level: `typing.get_type_hints(cls)` in a method, `Kwargs.__annotations__`.
        if node.attr in ANNOTATION_ATTRIBUTES or node.attr in ANNOTATION_READERS:
            self._reads_annotations(dotted(node) or node.attr)
        super().visit_Attribute(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if node.value in ANNOTATION_ATTRIBUTES:  # getattr(x, "__annotations__", {})
            self._reads_annotations(node.value)

    def _reads_annotations(self, how: str) -> None:
        self.consumers.add(how)
        if self._owner is not None:
            self.reading_owners.add(self._owner)

    def _local(self, name: str) -> bool:
        """Whether `name` is a local of an enclosing function where it is read.

        The innermost function that binds it or declares it `global` decides.
        """
        for local, declared in reversed(self._parameters):
            if name in declared:
                return False
            if name in local:
                return True
        return False

    def visit_Name(self, node: ast.Name) -> None:
        # A local name of an enclosing function is not the module's name it shadows:
        # sklearn.utils.fixes' `def pd_fillna(pd, frame)` never reads its `import pandas
        # as pd` (which IA102 said only pd_fillna() used), nor matplotlib's
        # `track_glyph()`, which assigns `subset`, its `from fontTools import subset`.
        if isinstance(node.ctx, ast.Load) and not self._local(node.id):
            self._note(node.id)
            if node.id in ANNOTATION_READERS and self._owner is not None:
                self.reading_owners.add(self._owner)  # `get_type_hints(cls)` in a def


#: Statements making the same call that count as one repeated piece of work.
REPEATED = 5
#: Classes derived from one base that may build each (see `derived_classes`). A single
#: declarative class costs milliseconds of mapping (celery.backends.database.models:
#: 2-20 ms per class statement, 3 classes), so fewer are a group than for calls; one
#: alone is not, as a single call is not.
REPEATED_CLASSES = 2


def with_repeated(work: list[Statement], calls: list[tuple[ImportTimeCall, int]],
                  ) -> tuple[Statement, ...]:
    """`work`, with one statement per call that `REPEATED` or more statements make.

    Each of 18 `Table(...)` statements is cheap, together they are what a module body
    spends its time on (sqlalchemy.dialects.oracle.dictionary, mssql.information_schema):
    IA602 points at the group, not at a single call it happens to list first. Only whole
    statements count, so the `Column(...)` arguments of a `Table(...)` and decorators
    are not groups of their own. A grouped call's single statements leave `work`.
    """
    groups: dict[str, list[tuple[ImportTimeCall, int]]] = {}
    for call, end in calls:
        groups.setdefault(_chain(call, named=True), []).append((call, end))
    grouped = {chain for chain, same in groups.items() if len(same) >= REPEATED}
    repeated = [Statement(groups[chain][0][0].line, max(end for _, end in groups[chain]),
                          f"{len(groups[chain])} calls to {_chain(groups[chain][0][0])}",
                          _root(groups[chain][0][0]),
                          len(groups[chain])) for chain in grouped]
    return (*(w for w in work if w.call is None or _chain(w.call, named=True) not in grouped),
            *sorted(repeated, key=lambda w: w.line))


def derived_classes(module: str, classes: Sequence[tuple[str, int, int, str | None]],
                    ) -> list[Statement]:
    """One statement per class that `REPEATED_CLASSES` or more module classes derive from.

    Creating a class runs its base's metaclass and `__init_subclass__`: pydantic builds
    each model's validators and schema there (fastapi.openapi.models: 25 models), while
    the `Field(...)` declarations in their bodies cost next to nothing. A base the module
    defines is followed to the class it derives from; bases of the standard library and
    builtins are not counted. A base of the module's own package is (celery's
    `ResultModelBase = declarative_base()`, whose three models are what
    celery.backends.database.models spends its body on): IA602 keeps only the bases that
    may build (`bases.builds_subclasses`).
    """
    own = {name: base for name, _, _, base in classes}
    groups: dict[str, list[tuple[int, int]]] = {}
    for _, line, end, first in classes:
        root, seen = first, set()
        while (root is not None and root.startswith(module + ".") and root not in seen
               and root[len(module) + 1:] in own):
            seen.add(root)
            root = own[root[len(module) + 1:]]
        head = (root or "").split(".", maxsplit=1)[0]
        if root is None or root.startswith(module + ".") or head in sys.stdlib_module_names:
            continue
        groups.setdefault(root, []).append((line, end))
    return [Statement(spans[0][0], max(e for _, e in spans),
                      f"{len(spans)} classes derived from {base.rsplit('.', 1)[-1]}",
                      repeat=len(spans), base=base)
            for base, spans in groups.items() if len(spans) >= REPEATED_CLASSES]


def _root(call: ImportTimeCall) -> ImportTimeCall:
    """The call a chain of calls starts with: `Table(...)` of `Table(...).alias(...)`."""
    while call.receiver is not None and call.name.startswith("<expr>."):
        call = call.receiver
    return call


def _shown(node: ast.Call, call: ImportTimeCall) -> str:
    """A call as the message shows it.

    As written ("np.round()"), or as its chain ("Path().with_name()") where a call's
    result is called on.
    """
    if call.name.startswith("<expr>."):
        return _chain(call)
    return f"{dotted(node.func) or call.name}()"


def _chain(call: ImportTimeCall, *, named: bool = False) -> str:
    """How a call reads: "Table().alias()", "register()".

    `named`: with the callee's resolved name instead ("sqlalchemy.Table().alias()"),
    so that `a.append()` and `b.append()` are not one call.
    """
    if call.receiver is not None and call.name.startswith("<expr>."):
        return f"{_chain(call.receiver, named=named)}.{call.method}()"
    return f"{call.name if named else call.method}()"


def _bound_names(target: ast.expr) -> Iterator[str]:
    """The names an assignment target binds (`fn`, `path, fn`, `(a, [b, *c])`)."""
    for node in ast.walk(target):
        if isinstance(node, ast.Name):
            yield node.id
