"""What makes a decorator: the module's names its object comes from, or hands the function to.

IA501 leaves a module's annotation imports alone when a decorator it applies reads the
annotations of what it decorates (`annotations.read_by_decorator`). Following a
decorator of the project towards such a reader, what counts is what produces the
decorator object and what the decorator does with the function it is given, not every
name its definition mentions: a caching decorator that tests `isinstance(result,
BaseModel)` on what the function *returned* reads no annotation, though `BaseModel` is
pydantic's (every module decorating with it lost its true IA501 when it counted).

`Makers(tree).of(name, how)` says which of the module's names (its imports and
definitions) count for its module-level `name` applied `how` (`Applies`), and how each
of those is applied in turn:

- an assignment: the names called to make its value (`router = APIRouter()`:
  APIRouter; `app = make_app()`: make_app; `registry = Registry(settings.name)`:
  Registry, not the `settings` it is given), or the name it is bound to
  (`tool = langchain_tool`), and the function a `functools.partial` binds;
- a function applied (`@cached`): the callees of the calls, in it and in the functions
  nested in it, that are handed the decorated function (its first parameter) or a
  value made from it without calling it (`inner = fn`, `partial(fn, ...)`, a nested
  function decorated with `@functools.wraps(fn)`); a nested function called with it
  is given it at that parameter (transformers' `auto_docstring(obj)` calls its
  `auto_docstring_decorator(obj)`), a function of the module given it elsewhere than
  first (`_register(name, fn)`) at any of its parameters. Calling it makes a result,
  no longer the function: `isinstance(fn(*a), BaseModel)` and
  `BaseModel.model_validate(fn(*a))` read no annotation of it. What it returns
  replaces the function and reads nothing;
- a function called (`@route("/x")`, `app = make_app()`): what its `return`s call or
  name (`return typer.Typer()`), and, for a nested function it returns (the decorator
  it makes), what that one is handed, as above;
- either way, a function's own decorators;
- a class: its bases, metaclass and decorators, what its class-level assignments
  count, and what the method given the function counts as a function applied: its
  `__init__` for `@Timed`, its `__call__` for `@Timed(...)` or an instance made
  elsewhere, the method taken for `@registry.add` (or called: `@router.get(...)`). A
  method that keeps the function on the instance (`self.fn = fn`) lets every method
  hand `self.fn` on (`validate_call(self.fn)` in `__call__`); calling it makes a result.

A definition that reads annotations itself (`get_type_hints`, `__annotations__`) is
the facts' `reading_annotations`; these names are what to follow from the others.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from importaudit.review.facts import Applies
from importaudit.review.syntax import dotted, function_locals, resolve_relative

if TYPE_CHECKING:
    from collections.abc import Iterator

_Function = ast.FunctionDef | ast.AsyncFunctionDef
#: How `_handed_on` marks a name a function imports itself: `<level:module:attr`.
_IMPORTED = "<"
#: (a name, how what it names is applied)
Made = frozenset[tuple[str, Applies]]


class Makers:
    """The module-level definitions of one module, and what makes each (on demand)."""

    def __init__(self, tree: ast.Module, module: str = "", is_package: bool = False) -> None:
        from importaudit.runtime.absent import module_level

        self.module, self.is_package = module, is_package
        # (Under `if`/`try`/`with` too: two definitions of one name count together.)
        self._defined: dict[str, list[ast.stmt]] = {}
        for stmt in module_level(tree.body):
            for name in _bound(stmt):
                self._defined.setdefault(name, []).append(stmt)
        self._made: dict[tuple[str, Applies], Made] = {}

    def of(self, name: str, how: Applies) -> Made | None:
        """What counts for module-level `name` applied `how` (None: not defined here).

        Not defined here: an import, or a name bound otherwise (a `for` target).
        """
        statements = self._defined.get(name)
        if statements is None:
            return None
        key = (name, how)
        if key not in self._made:
            found: set[tuple[str, Applies]] = set()
            for stmt in statements:
                found |= _statement(stmt, how)
            self._made[key] = frozenset(
                (self._imported(m[0]), m[1]) if m[0].startswith(_IMPORTED) else m
                for m in found if m[0] != name)
        return self._made[key]

    def _imported(self, marked: str) -> str:
        """A name a function imports itself, as `module:attr` (`module:` for a module)."""
        level, _, rest = marked.removeprefix(_IMPORTED).partition(":")
        written, _, attr = rest.partition(":")
        source = resolve_relative(self.module, self.is_package, int(level), written or None)
        return f"{source}:{attr}"


def imported(name: str) -> tuple[str, str | None] | None:
    """(module, attribute) of a name `Makers.of` gives for a function's own import."""
    module, colon, attr = name.partition(":")
    return (module, attr or None) if colon else None


def _bound(stmt: ast.stmt) -> Iterator[str]:
    """The names a module-level statement defines that `_statement` reads."""
    if isinstance(stmt, _Function | ast.ClassDef):
        yield stmt.name
    elif isinstance(stmt, ast.Assign):
        for target in stmt.targets:
            yield from (name for name in _stored(target) if "." not in name)
    elif (isinstance(stmt, ast.AnnAssign) and stmt.value is not None
          and isinstance(stmt.target, ast.Name)):
        yield stmt.target.id


def _statement(stmt: ast.stmt, how: Applies) -> set[tuple[str, Applies]]:
    """What counts for the name a module-level statement defines, applied `how`."""
    if isinstance(stmt, _Function):
        return _function(stmt, how, method=False)
    if isinstance(stmt, ast.ClassDef):
        return _class(stmt, how)
    if isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
        return produced(stmt.value, how)
    return set()


def produced(expr: ast.expr, how: Applies) -> set[tuple[str, Applies]]:
    """The names an expression's value is made by, each with how it is applied then.

    A name it is (`tool = langchain_tool`) is applied as the value is (`how`); one it
    calls (`APIRouter()`) is CALLED; one whose attribute or item it takes
    (`router.get(...)`, `Users[User](...)`), MEMBER; one a partial binds, ANY. Not what a
    call is given (`Registry(settings.name)`: Registry); a lambda is a function.
    """
    found: set[tuple[str, Applies]] = set()
    todo: list[tuple[ast.expr, Applies]] = [(expr, how)]
    while todo:
        node, mode = todo.pop()
        if isinstance(node, ast.Call):
            todo.append((node.func, Applies.CALLED))
            if _is_partial(node):
                todo.append((node.args[0], Applies.ANY))
        elif isinstance(node, ast.Attribute | ast.Subscript):
            todo.append((node.value, Applies.MEMBER))
        elif isinstance(node, ast.Starred | ast.Await | ast.NamedExpr):
            todo.append((node.value, mode))
        elif isinstance(node, ast.Name):
            found.add((node.id, mode))
        elif isinstance(node, ast.IfExp):
            todo.extend(((node.body, mode), (node.orelse, mode)))
        elif isinstance(node, ast.BoolOp):
            todo.extend((value, mode) for value in node.values)
        elif isinstance(node, ast.Lambda):
            found |= _function(node, mode, method=False)
    return found


def _class(node: ast.ClassDef, how: Applies) -> set[tuple[str, Applies]]:
    """What a class applied `how` counts: bases, metaclass, decorators, methods, attributes.

    Which method is given the function depends on how (`_given`): `@Timed` gives it to
    `__init__` (or `__new__`), an instance (`@Timed(...)`, `registry = Registry()`) to
    `__call__` or the method taken (`@registry.add`, `@router.get(...)`). A method given
    it may keep it on the instance (`self.fn = fn`): all methods may hand that on.
    """
    found: set[tuple[str, Applies]] = set()
    for expr in node.decorator_list:
        found |= produced(expr, Applies.DIRECTLY)
    for expr in (*node.bases, *(k.value for k in node.keywords)):
        found |= produced(expr, how)
    methods = [stmt for stmt in node.body if isinstance(stmt, _Function)]
    given = {m.name: _given(m.name, how) for m in methods}
    kept = _kept([m for m in methods if given[m.name]])
    for method in methods:
        receiver = _receiver(method)
        found |= _function(method, given[method.name], method=True, carriers=frozenset(
            f"{receiver}.{attr}" for attr in kept) if receiver else frozenset())
    for stmt in node.body:
        if isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
            found |= produced(stmt.value, Applies.MEMBER)
    return found


def _given(method: str, how: Applies) -> Applies:
    """How a method of a class applied `how` is given the function (0: it is not).

    The class applied, its `__init__`; an instance (the class called: `registry =
    Registry(...)`, or a member of the class taken) may be applied (`__call__`) or have
    a method taken and applied or called (`@registry.add`, `@router.get(...)`).
    """
    constructs = method in ("__init__", "__new__")
    given = Applies(0)
    if how & Applies.DIRECTLY and constructs:
        given |= Applies.DIRECTLY
    if how & Applies.CALLED and method == "__call__":
        given |= Applies.DIRECTLY
    if how & (Applies.CALLED | Applies.MEMBER) and not constructs:
        given |= Applies.DIRECTLY | Applies.CALLED
    return given


def _kept(methods: list[_Function]) -> set[str]:
    """The attributes of the instance these methods keep the function they are given in.

    `def __init__(self, fn): self.fn = fn` (a class applied as a decorator), or
    `def add(self, fn): self.last = fn`: its other methods may hand `self.fn` on.
    """
    found: set[str] = set()
    for method in methods:
        receiver, first = _receiver(method), _first_parameter(method, method=True)
        if receiver is None or first is None:
            continue
        holding = {first}
        _Scope(method).spread(holding)
        found.update(h.partition(".")[2] for h in holding if h.startswith(f"{receiver}."))
    return found


def _receiver(node: _Function) -> str | None:
    """The parameter a method is given its instance or class by (None: a staticmethod)."""
    if any((dotted(d) or "").rpartition(".")[2] == "staticmethod" for d in node.decorator_list):
        return None
    positional = [*node.args.posonlyargs, *node.args.args]
    return positional[0].arg if positional else None


def _function(node: _Function | ast.Lambda, how: Applies, *, method: bool,
              carriers: frozenset[str] = frozenset()) -> set[tuple[str, Applies]]:
    """What a function applied `how` counts (`method`: its first parameter is `self`).

    `carriers`: what holds the decorated function before it is called (a method's
    `self.fn`, which another method kept).
    """
    found: set[tuple[str, Applies]] = set()
    if not isinstance(node, ast.Lambda):
        for expr in node.decorator_list:  # (evaluated outside it: no local to leave out)
            found |= produced(expr, Applies.DIRECTLY)
    local = function_locals(node)
    # (A member of a function, `@dispatch.register`, either way; so a function handed
    # it at another place than first, `_register(name, fn)`: any parameter may hold it.)
    anywhere = bool(how & Applies.MEMBER)
    if anywhere:
        how |= Applies.DIRECTLY | Applies.CALLED
    if how & Applies.CALLED:
        imports = _marked(_Scope(node).imports)
        for value in _returned(node):  # (`return typer.Typer()`, `from x import Y` first)
            found |= {(imports.get(m[0], m[0]), m[1]) for m in produced(value, Applies.DIRECTLY)
                      if m[0] not in local or m[0] in imports}
        found |= _handed_on(node, frozenset(), carriers, frozenset(), {}, makes=True)
    if how & Applies.DIRECTLY:
        first = _first_parameter(node, method=method)
        given = (_parameters(node, {"*"}) - ({_receiver(node)} if method and not isinstance(
            node, ast.Lambda) else set())) if anywhere else frozenset({first} if first else ())
        found |= _handed_on(node, frozenset(), carriers, frozenset(given), {}, makes=False)
    elif carriers:  # (given none itself: what it hands on of what another kept)
        found |= _handed_on(node, frozenset(), carriers, frozenset(), {}, makes=False)
    return found


def _positions(call: ast.Call, holding: set[str]) -> set[int | str]:
    """Where a call is given what `holding` names: argument positions, keywords ("*": any).

    From a `*args` argument on, any position.
    """
    found: set[int | str] = set()
    for at, arg in enumerate(call.args):
        if carries(arg, holding):
            found.add("*" if isinstance(arg, ast.Starred) else at)
    found.update(k.arg or "*" for k in call.keywords if carries(k.value, holding))
    return found


def _parameters(node: _Function | ast.Lambda, at: set[str]) -> frozenset[str]:
    """The parameters of `node` a call gives the arguments at `at` (`_positions`) to."""
    if not at:
        return frozenset()
    args = node.args
    positional = [a.arg for a in (*args.posonlyargs, *args.args)]
    every = [*positional, *(a.arg for a in args.kwonlyargs),
             *(a.arg for a in (args.vararg, args.kwarg) if a is not None)]
    if "*" in at:
        return frozenset(every)
    found = {positional[int(i)] if int(i) < len(positional) else
             (args.vararg.arg if args.vararg else "") for i in at if i.isdigit()}
    found |= {k if k in every else (args.kwarg.arg if args.kwarg else "")
              for k in at if not k.isdigit()}
    return frozenset(found - {""})


def _marked(imports: dict[str, str]) -> dict[str, str]:
    """A function's own imports (`_Scope.imports`), each as `Makers.of` resolves it."""
    return {name: f"{_IMPORTED}{where}" for name, where in imports.items()}


def _handed_on(node: _Function | ast.Lambda, outer: frozenset[str], carriers: frozenset[str],
               given: frozenset[str], outer_imports: dict[str, str], *,
               makes: bool) -> set[tuple[str, Applies]]:
    """The callees (not local names) of the calls in `node` handed the decorated function.

    `outer`: the names local to the enclosing functions; `carriers`, those of them that
    hold the decorated function (a local of `node` rebinding one does not); `given`,
    the parameters of `node` given it (a decorator's first); `outer_imports`, the
    enclosing functions' own imports (`_marked`). `makes`: `node` makes the decorator,
    so a nested function it returns is one (its first parameter is given the
    function); else such a function is a wrapper, given the call's arguments.
    """
    local = function_locals(node)
    visible = outer | local
    holding = set(carriers - local) | given
    scope = _Scope(node)
    scope.spread(holding)
    nested, calls, decorated = scope.nested, scope.calls, scope.decorated
    # (A reader imported in the function, as to break an import cycle, counts too:
    # `from ..runnables.base import RunnableLambda`, then `RunnableLambda(partial(fn))`.)
    imports = {**{n: w for n, w in outer_imports.items() if n not in local},
               **_marked(scope.imports)}
    found: set[tuple[str, Applies]] = set()
    # (A nested function called with it is given it: transformers' `auto_docstring(obj)`
    # calls its `auto_docstring_decorator(obj)`, which hands it to the readers.)
    passed: dict[str, set[str]] = {}
    for call in calls:
        at = _positions(call, holding)
        if at:
            found |= produced(call.func, Applies.DIRECTLY if at == {0} else Applies.ANY)
            if isinstance(call.func, ast.Name):
                passed.setdefault(call.func.id, set()).update(map(str, at))
    for name, decorators in decorated:  # (each decorator is given what it decorates)
        if name in holding:
            for expr in decorators:
                found |= produced(expr, Applies.DIRECTLY)
    returned = {v.id for v in _returned(node) if isinstance(v, ast.Name)} if makes else set()
    for inner in nested:
        # (`@route(path)` returns the decorator it makes: given the function.)
        name = "" if isinstance(inner, ast.Lambda) else inner.name
        first = _first_parameter(inner, method=False) if name in returned else None
        found |= _handed_on(inner, visible, frozenset(holding), frozenset(
            {first} if first else ()) | _parameters(inner, passed.get(name, set())),
            imports, makes=False)
    return {(imports.get(m[0], m[0]), m[1]) for m in found
            if m[0] not in visible or m[0] in imports}


class _Scope:
    """What of one function's own scope `_handed_on` reads."""

    def __init__(self, node: _Function | ast.Lambda) -> None:
        self.nested: list[_Function | ast.Lambda] = []
        self.calls: list[ast.Call] = []
        self.decorated: list[tuple[str, list[ast.expr]]] = []  # nested function, decorators
        self.assigned: list[tuple[set[str], ast.expr]] = []  # names bound, from what
        # Names it imports itself -> "level:module:attr" (attr "": the module).
        self.imports: dict[str, str] = {}
        for inner in _scope(node):
            if isinstance(inner, ast.Import):
                self.imports.update({(a.asname or a.name.partition(".")[0]):
                                     f"0:{a.name if a.asname else a.name.partition('.')[0]}:"
                                     for a in inner.names})
            elif isinstance(inner, ast.ImportFrom):
                self.imports.update({(a.asname or a.name): f"{inner.level}:"
                                     f"{inner.module or ''}:{a.name}" for a in inner.names
                                     if a.name != "*"})
            if isinstance(inner, _Function | ast.Lambda):
                self.nested.append(inner)
                if not isinstance(inner, ast.Lambda):
                    self.decorated.append((inner.name, inner.decorator_list))
            elif isinstance(inner, ast.Call):
                self.calls.append(inner)
            elif isinstance(inner, ast.Assign):
                self.assigned.append(({n for t in inner.targets for n in _stored(t)},
                                      inner.value))
            elif isinstance(inner, ast.AnnAssign | ast.NamedExpr) and inner.value is not None:
                self.assigned.append((set(_stored(inner.target)), inner.value))

    def spread(self, holding: set[str]) -> None:
        """Add to `holding` the names bound to what they hold (`inner = fn`, then ...)."""
        changed = True
        while changed:  # `inner = fn`, then `wrapped = partial(inner, ...)`
            changed = False
            for targets, value in self.assigned:
                if not targets <= holding and carries(value, holding):
                    holding |= targets
                    changed = True
            for name, decorators in self.decorated:  # `@functools.wraps(fn)` on one
                if name not in holding and any(carries(d, holding) for d in decorators):
                    holding.add(name)
                    changed = True


def carries(expr: ast.expr, holding: set[str]) -> bool:
    """Whether `expr`'s value may be (or wrap) one of the functions `holding` names.

    `holding` holds names and attributes of a method's receiver (`self.fn`). A call of
    one (`fn(*a)`, `fn.method()`, `self.fn(*a)`) makes a result, not the function: what
    the call is given still counts (`wraps(fn)(wrapper)`).
    """
    todo: list[ast.AST] = [expr]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Name | ast.Attribute) and _held(node, holding):
            return True
        if isinstance(node, ast.Call):
            if not _held(node.func, holding):
                todo.append(node.func)
            todo.extend(node.args)
            todo.extend(k.value for k in node.keywords)
        elif not isinstance(node, ast.Lambda | ast.Name):
            todo.extend(ast.iter_child_nodes(node))
    return False


def _held(expr: ast.expr, holding: set[str]) -> bool:
    """Whether `expr` is, or is an attribute or call of, a name or attribute `holding` has."""
    while isinstance(expr, ast.Call | ast.Attribute | ast.Subscript):
        if isinstance(expr, ast.Attribute) and dotted(expr) in holding:
            return True
        expr = expr.func if isinstance(expr, ast.Call) else expr.value
    return isinstance(expr, ast.Name) and expr.id in holding


def _stored(target: ast.expr) -> Iterator[str]:
    """The names an assignment target binds, and the receiver attributes it sets.

    `x`, `a, b` and `self.fn` (as "self.fn": a class-based decorator keeps the function
    there, and hands it on in another method); not `x.y` of another object's.
    """
    from importaudit.static.bound import target_names

    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
        yield f"{target.value.id}.{target.attr}"
    else:
        yield from target_names(target)


def _scope(node: _Function | ast.Lambda) -> Iterator[ast.AST]:
    """The nodes of a function's own scope, and its nested functions (not their bodies).

    A nested function's decorators and defaults are evaluated here; a nested class's
    body is walked as if here (what it hands on runs when the function does).
    """
    todo: list[ast.AST] = [node.body] if isinstance(node, ast.Lambda) else [*node.body]
    while todo:
        inner = todo.pop()
        yield inner
        if isinstance(inner, _Function | ast.Lambda):
            todo.extend([*inner.args.defaults,
                         *(d for d in inner.args.kw_defaults if d is not None)])
            if not isinstance(inner, ast.Lambda):
                todo.extend(inner.decorator_list)
        else:
            todo.extend(ast.iter_child_nodes(inner))


def _returned(node: _Function | ast.Lambda) -> Iterator[ast.expr]:
    """The values a function's own `return` statements give (a lambda's body)."""
    if isinstance(node, ast.Lambda):
        yield node.body
        return
    for inner in _scope(node):
        if isinstance(inner, ast.Return) and inner.value is not None:
            yield inner.value


def _first_parameter(node: _Function | ast.Lambda, *, method: bool) -> str | None:
    """The parameter a decorator is given the decorated function by.

    Its first positional one (after a method's instance or class; a staticmethod has
    none), or, for a function, its `*args`.
    """
    args = node.args
    positional = [a.arg for a in (*args.posonlyargs, *args.args)]
    if method and not isinstance(node, ast.Lambda) and _receiver(node) is not None:
        positional = positional[1:]
    if positional:
        return positional[0]
    # (A method's `*args` is what a call of the decorated function is given: `__call__`.)
    return args.vararg.arg if args.vararg is not None and not method else None


def _is_partial(node: ast.Call) -> bool:
    """`functools.partial(f, ...)` (or `partial(f, ...)`)."""
    return bool(node.args) and (dotted(node.func) or "").rpartition(".")[2] == "partial"
