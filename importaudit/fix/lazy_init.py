"""IA101: a package `__init__`'s eager re-exports rewritten into a PEP 562 form.

`plan_init` reads one `__init__.py` with libcst and decides, import by import and name
by name, what can become lazy: a name imported at module level from a submodule of the
package, which nothing else in the module uses, binds again or mutates, and whose
submodule does not register itself into the package while it is imported. Everything
else stays as it is and is listed with the reason (a `Refusal`). `render_init` writes
the rewritten module: the lazy imports move, unchanged and with their comments, under
`if TYPE_CHECKING:` (type checkers and IDEs still see every name), and a `__getattr__` /
`__dir__` pair made by the helper (inline, or the package's shared one) loads each name
from a name -> submodule map on first access. `__all__` stays as it was; a module
without one gets the list its star import gave before, so `from pkg import *` still
binds the same names.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

import libcst as cst
import libcst.matchers as m
from libcst.metadata import Assignment, MetadataWrapper, PositionProvider, ScopeProvider

from importaudit.fix import reads
from importaudit.fix.helper import inline_helper

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from pathlib import Path

    from libcst.metadata import CodeRange, Scope


@dataclass(frozen=True, slots=True)
class LazyName:
    """One public name the rewritten `__init__` loads on first access."""

    name: str
    module: str  # as the import statement wrote it: ".types", "pkg.sub"
    attr: str | None  # None: the name is the submodule itself
    line: int


@dataclass(frozen=True, slots=True)
class Refusal:
    """Something `fix` left as it was, and why."""

    module: str
    file: str
    line: int | None
    reason: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class InitPlan:
    """What can become lazy in one package `__init__`, and what stays."""

    package: str
    file: Path
    source: str
    lazy: tuple[LazyName, ...] = ()
    refusals: tuple[Refusal, ...] = ()
    # Statement index in the module body -> aliases (by bound name) that become lazy.
    moves: dict[int, frozenset[str]] = field(default_factory=dict)
    has_all: bool = False
    binds_type_checking: bool = False
    # The module's own `def __getattr__` / `def __dir__`, kept under another name
    # (`KEPT_HOOKS`) and consulted by the lazy ones: a lazy name first, then theirs.
    own_hooks: frozenset[str] = frozenset()
    # Names kept eager because, lazy, they broke an import cycle's order (`fix.order`).
    kept_for_order: tuple[str, ...] = ()

    @property
    def module(self) -> str:
        """The module rewritten (the package)."""
        return self.package

    @property
    def names(self) -> tuple[str, ...]:
        """The names that become lazy."""
        return tuple(n.name for n in self.lazy)


def _dotted(node: cst.BaseExpression | None) -> str:
    if node is None:
        return ""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _root_name(node: cst.BaseExpression) -> str | None:
    while isinstance(node, cst.Attribute | cst.Subscript | cst.Call):
        node = node.func if isinstance(node, cst.Call) else node.value
    return node.value if isinstance(node, cst.Name) else None


def _bound(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return _dotted(alias.name).split(".")[0]


def _is_submodule(folder: Path, name: str) -> bool:
    return reads.is_file(folder / f"{name}.py") or reads.is_dir(folder / name)


def _module_file(folder: Path, parts: Sequence[str]) -> Path | None:
    """The source of submodule `parts` of the package in `folder`, if it has one."""
    base = folder.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if reads.is_file(candidate):
            return candidate
    return None


class _Mutations(cst.CSTVisitor):
    """Names whose attributes or items the module assigns, deletes or `setattr`s."""

    def __init__(self) -> None:
        self.mutated: dict[str, cst.CSTNode] = {}

    def _target(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Attribute | cst.Subscript):
            root = _root_name(target)
            if root is not None:
                self.mutated.setdefault(root, target)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._target(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._target(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._target(node.target)

    def visit_Del(self, node: cst.Del) -> None:
        self._target(node.target)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value in ("setattr", "delattr") \
                and node.args:
            root = _root_name(node.args[0].value)
            if root is not None:
                self.mutated.setdefault(root, node)


class _Finder(cst.CSTVisitor):
    """The nodes below one (itself included) that `wanted` accepts, in source order.

    What `libcst.matchers.findall` gives, without importing the matchers: their module
    costs a second to import, and a review, which asks only for `plan_init`, would pay
    it for nothing.
    """

    def __init__(self, wanted: Callable[[cst.CSTNode], bool]) -> None:
        self.wanted = wanted
        self.found: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.wanted(node):
            self.found.append(node)
        return True


def _find(root: cst.CSTNode, wanted: Callable[[cst.CSTNode], bool]) -> list[cst.CSTNode]:
    finder = _Finder(wanted)
    root.visit(finder)
    return finder.found


def _is_star_import(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.ImportFrom) and isinstance(node.names, cst.ImportStar)


def _reads_namespace(node: cst.CSTNode) -> bool:
    """`globals()`, `vars()` or `sys.modules`."""
    if isinstance(node, cst.Call):
        return isinstance(node.func, cst.Name) and node.func.value in ("globals", "vars")
    return (isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name)
            and node.value.value == "sys" and node.attr.value == "modules")


#: A module-level statement that may change the package: (a call, not an assignment;
#: the names its call or its assignment targets start from; its line).
_Candidate = tuple[bool, list[str | None], int]


@functools.lru_cache(maxsize=4096)
def registration(source: str, top: str) -> str | None:
    """How a module changes its own package while it is imported, or None.

    A module-level call of something imported from the same top package whose result
    is thrown away (`registry.register(X)`), or an assignment into such a name, is a
    side effect the package may rely on: loading the module later would change that.
    Cached by the source's text: every module of a package that imports the same
    sibling asks about it (on pandas, 248 questions about 58 files for three modules).
    Read with `ast`, ten times faster than libcst on such files (which only the
    module being rewritten needs): this question is asked of every module an
    `__init__` imports, and was most of what a review of SQLAlchemy spent planning.
    A module in syntax newer than this interpreter's (PEP 695 on 3.11, for a 3.12
    `--python`) is read with libcst, which knows it.
    """
    try:
        with warnings.catch_warnings():
            # About the scanned code (an invalid escape), not for our user.
            warnings.simplefilter("ignore", SyntaxWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            module = ast.parse(source)
        candidates: list[_Candidate] = _ast_candidates(module)
        own: Callable[[], set[str]] = lambda: _own_names(module, top)  # noqa: E731
    except (SyntaxError, ValueError):  # ValueError: a NUL byte
        try:
            tree = cst.parse_module(source)
        except cst.ParserSyntaxError:
            return "its source does not parse"
        candidates, own = _cst_candidates(tree), lambda: _cst_own_names(tree, top)
    names: set[str] | None = None
    for calls, roots, line in candidates:
        for root in roots:
            if root is None:
                continue
            if names is None:
                # Which names the package's own imports bind is a walk over the whole
                # module: only a module with a candidate statement pays for it, once.
                names = own()
            if root in names:
                return (f"it calls {root} from its own package at import (line {line})"
                        if calls else
                        f"it assigns into {root} of its own package (line {line})")
    return None


def _ast_candidates(module: ast.Module) -> list[_Candidate]:
    found: list[_Candidate] = []
    for statement in module.body:
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            found.append((True, [_ast_root(statement.value.func)], statement.lineno))
        elif isinstance(statement, ast.Assign | ast.AugAssign):
            targets = (statement.targets if isinstance(statement, ast.Assign)
                       else [statement.target])
            found.append((False, [_ast_root(t) for t in targets
                                  if isinstance(t, ast.Attribute | ast.Subscript)],
                          statement.lineno))
    return found


def _ast_root(node: ast.expr) -> str | None:
    """The name an attribute, item or call chain starts from (`a` of `a.b[0].c()`)."""
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _own_names(module: ast.Module, top: str) -> set[str]:
    """The names the module's imports from its own top package bind, at any depth."""
    own: set[str] = set()
    for node in ast.walk(module):
        if isinstance(node, ast.ImportFrom):
            name = node.module or ""
            if node.level or name == top or name.startswith(top + "."):
                own.update(a.asname or a.name.split(".")[0] for a in node.names
                           if a.name != "*")
        elif isinstance(node, ast.Import):
            own.update(a.asname or a.name.split(".")[0] for a in node.names
                       if a.name.split(".")[0] == top)
    return own


def _cst_candidates(module: cst.Module) -> list[_Candidate]:
    """`_ast_candidates`, read from libcst's tree (lines resolved only when one is found)."""
    found: list[_Candidate] = []
    lines: Mapping[cst.CSTNode, CodeRange] | None = None
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                calls, roots = True, [_root_name(small.value.func)]
            elif isinstance(small, cst.Assign | cst.AugAssign):
                targets = ([t.target for t in small.targets] if isinstance(small, cst.Assign)
                           else [small.target])
                calls, roots = False, [_root_name(t) for t in targets
                                       if isinstance(t, cst.Attribute | cst.Subscript)]
            else:
                continue
            if lines is None:
                lines = MetadataWrapper(module, unsafe_skip_copy=True).resolve(
                    PositionProvider)
            found.append((calls, roots, lines[statement].start.line))
    return found


def _cst_own_names(module: cst.Module, top: str) -> set[str]:
    """`_own_names`, read from libcst's tree."""
    own: set[str] = set()
    for node in _find(module, lambda n: isinstance(n, cst.Import | cst.ImportFrom)):
        if isinstance(node, cst.ImportFrom):
            name = _dotted(node.module)
            if (node.relative or name == top or name.startswith(top + ".")) and \
                    not isinstance(node.names, cst.ImportStar):
                own.update(_bound(a) for a in node.names)
        elif isinstance(node, cst.Import):
            own.update(_bound(a) for a in node.names if _dotted(a.name).split(".")[0] == top)
    return own


class _Planner:
    def __init__(self, package: str, file: Path, source: str, relpath: str, *,
                 order_only: bool = False) -> None:
        self.order_only = order_only
        self.package = package
        self.top = package.split(".", maxsplit=1)[0]
        self.file = file
        self.folder = file.parent
        self.relpath = relpath
        self.source = source
        self.module = cst.parse_module(source)
        self.wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
        self.lines = self.wrapper.resolve(PositionProvider)
        scopes = self.wrapper.resolve(ScopeProvider)
        scope = scopes[self.module]
        assert scope is not None
        self.scope: Scope = scope
        visitor = _Mutations()
        self.module.visit(visitor)
        self.mutated = visitor.mutated
        self.refusals: list[Refusal] = []
        self.registered: dict[str, str | None] = {}

    def refuse(self, node: cst.CSTNode | None, reason: str, name: str | None = None) -> None:
        line = self.lines[node].start.line if node is not None else None
        self.refusals.append(Refusal(self.package, self.relpath, line, reason, name))

    def whole_module_refusal(self) -> bool:
        for node in _find(self.module, _is_star_import):
            assert isinstance(node, cst.ImportFrom)
            dots = "." * len(node.relative)
            self.refuse(node, f"`from {dots}{_dotted(node.module)} import *` binds names "
                              "known only when it runs: the module is left as it is")
            return True
        for special in ("__getattr__", "__dir__"):
            reason = self.hook_refusal(special)
            if reason is not None:
                self.refuse(None, reason)
                return True
        return False

    def hook_refusal(self, special: str) -> str | None:
        """Why the module's own `special` cannot be chained behind the lazy one, or None.

        One `def` at module level (or in flask's `if not t.TYPE_CHECKING:`, which always
        runs) that nothing else in the module names can be: it is renamed (`KEPT_HOOKS`)
        and asked for what the lazy map does not hold, as jinja2's and flask's
        `__getattr__` serve a deprecated `__version__`.
        """
        assignments = self.scope.assignments[special]
        if not assignments:
            return None
        kept = KEPT_HOOKS[special]
        if self.scope.assignments[kept]:
            return f"the module defines {special} already, and binds {kept}"
        nodes = [a.node for a in assignments if isinstance(a, Assignment)]
        top = {id(statement) for body in runtime_bodies(self.module) for statement in body}
        if len(nodes) != len(assignments) or len(nodes) != 1 or not isinstance(
                nodes[0], cst.FunctionDef) or id(nodes[0]) not in top:
            return (f"the module binds {special} other than by one `def` at module level: "
                    "it is left as it is")
        if any(access for a in assignments for access in a.references):
            return f"the module's own code names {special}: it is left as it is"
        # A __dir__ may list globals(): the lazy __dir__ adds the lazy names to its list.
        if special == "__getattr__" and not self.order_only and _find(nodes[0],
                                                                      _reads_namespace):
            return (f"its {special} reads the module's namespace (globals(), vars() or "
                    f"sys.modules), where the names that would become lazy are not bound")
        return None

    def descendant(self, node: cst.ImportFrom) -> str | None:
        """The submodule an import statement takes names from, if it is this package's."""
        name = _dotted(node.module)
        if len(node.relative) == 1:
            return f"{self.package}.{name}" if name else self.package
        if not node.relative and (name == self.package or name.startswith(self.package + ".")):
            return name  # `from pandas import api` in pandas: as `from . import api`
        return None

    def side_effect_of(self, absolute: str) -> str | None:
        if absolute not in self.registered:
            parts = absolute[len(self.package) + 1:].split(".")
            path = _module_file(self.folder, parts)
            self.registered[absolute] = None if path is None else reads.derived(
                path, f"registration {self.top}",
                functools.partial(registration, top=self.top))
        return self.registered[absolute]

    def name_refusal(self, name: str, submodule: bool) -> str | None:
        if not submodule and _is_submodule(self.folder, name):
            return (f"{name} is also a submodule of {self.package}: importing that "
                    f"submodule would rebind {name} to the module")
        assignments = self.scope.assignments[name]
        if len(assignments) > 1:
            return f"{name} is bound more than once at module level"
        if name in self.mutated:
            line = self.lines[self.mutated[name]].start.line
            return (f"the module mutates {name} (line {line}): that must happen when the "
                    "package is imported")
        for assignment in assignments:
            for access in assignment.references:
                line = self.lines[access.node].start.line
                return (f"{name} is used by the module's own code (line {line}): a module "
                        "__getattr__ does not serve the module's own global lookups")
        return None

    def plan(self) -> InitPlan:
        has_all = bool(self.scope.assignments["__all__"])
        checking = bool(self.scope.assignments["TYPE_CHECKING"])
        hooks = frozenset(h for h in ("__getattr__", "__dir__") if self.scope.assignments[h])
        base = InitPlan(self.package, self.file, self.source, has_all=has_all,
                        binds_type_checking=checking, own_hooks=hooks)
        if self.whole_module_refusal():
            return dataclasses.replace(base, refusals=tuple(self.refusals))
        lazy: list[LazyName] = []
        moves: dict[int, frozenset[str]] = {}
        for index, statement in enumerate(self.wrapper.module.body):
            if not isinstance(statement, cst.SimpleStatementLine):
                self._conditional(statement)
                continue
            for small in statement.body:
                if isinstance(small, cst.Import):
                    self._plain_import(small)
                if not isinstance(small, cst.ImportFrom):
                    continue
                absolute = self.descendant(small)
                if absolute is None or isinstance(small.names, cst.ImportStar):
                    continue
                if len(statement.body) > 1:
                    self.refuse(small, "the import shares its line with other statements")
                    continue
                chosen = self._aliases(small, absolute, lazy)
                if chosen:
                    moves[index] = frozenset(chosen)
        return dataclasses.replace(base, lazy=tuple(lazy), refusals=tuple(self.refusals),
                                   moves=moves)

    def _aliases(self, node: cst.ImportFrom, absolute: str, lazy: list[LazyName]) -> list[str]:
        assert not isinstance(node.names, cst.ImportStar)
        written = "." * len(node.relative) + _dotted(node.module)
        line = self.lines[node].start.line
        chosen: list[str] = []
        private = [_bound(a) for a in node.names if _bound(a).startswith("_")]
        if private:
            self.refuse(node, f"private name(s) {', '.join(private)} kept eager: not part "
                              "of the public API the proof checks")
        for alias in node.names:
            name = _bound(alias)
            attr = _dotted(alias.name)
            if name in private:
                continue
            if absolute == self.package:  # `from . import sub`: the submodule itself
                if not _is_submodule(self.folder, attr):
                    self.refuse(node, f"{attr} is not a submodule of {self.package}", name)
                    continue
                target: tuple[str, str | None] = (f".{attr}", None)
                source = f"{absolute}.{attr}"
            else:
                target, source = (written, attr), absolute
            reason = self.name_refusal(name, target[1] is None)
            if reason is None:
                effect = self.side_effect_of(source)
                if effect is not None:
                    reason = (f"importing {source} has a side effect the package may rely "
                              f"on: {effect}")
            if reason is not None:
                self.refuse(node, reason, name)
                continue
            lazy.append(LazyName(name, target[0], target[1], line))
            chosen.append(name)
        return chosen

    def _plain_import(self, node: cst.Import) -> None:
        for alias in node.names:
            dotted = _dotted(alias.name)
            if dotted.startswith(self.package + "."):
                self.refuse(node, f"`import {dotted}` is kept: it binds "
                                  f"{_bound(alias)}, and may be imported for its side "
                                  "effects", _bound(alias))

    def _conditional(self, statement: cst.BaseStatement) -> None:
        if isinstance(statement, cst.FunctionDef | cst.ClassDef):
            return
        for node in _find(statement, lambda n: isinstance(n, cst.ImportFrom)):
            assert isinstance(node, cst.ImportFrom)
            if self.descendant(node) is not None:
                self.refuse(node, "conditional import (under if/try/with): whether it "
                                  "runs, and what it binds, is decided at import time")


def plan_init(package: str, file: Path, relpath: str, *, order_only: bool = False) -> InitPlan:
    """Read `file` (the `__init__.py` of `package`) and decide what can become lazy.

    `order_only` plans a rewrite that only has to import as the lazy form would (the
    review's trial of the import order, `fix.order`), not one to write: a module
    `__getattr__` that reads the module's namespace is chained all the same
    (prompt_toolkit's serves `__version__` from `globals()`; it is asked only for
    names the lazy map does not hold).
    """
    source = reads.text(file)
    return _Planner(package, file, source, relpath, order_only=order_only).plan()


# --------------------------------------------------------------------------- rendering


def split_import(node: cst.ImportFrom | cst.Import, names: frozenset[str], keep: bool
                 ) -> cst.ImportFrom | cst.Import:
    """The import with only the aliases binding `names` (`keep`: only the others)."""
    assert not isinstance(node.names, cst.ImportStar)
    chosen = [a for a in node.names if (_bound(a) in names) != keep]
    # The last name takes the original last name's comma: a trailing one (and the line
    # break before a closing parenthesis) stays, none stays none.
    chosen[-1] = chosen[-1].with_changes(comma=node.names[-1].comma)
    return node.with_changes(names=chosen)


def _comments(lines: Sequence[cst.EmptyLine]) -> list[cst.EmptyLine]:
    return [line for line in lines if line.comment is not None]


def _indent(code: str) -> str:
    return "".join(f"    {line}" if line.strip() else line
                   for line in code.splitlines(keepends=True))


#: The names a rewritten `__init__` keeps its own `__getattr__` / `__dir__` under.
KEPT_HOOKS = {"__getattr__": "_getattr_before_lazy", "__dir__": "_dir_before_lazy"}


def _runs_always(statement: cst.BaseStatement) -> bool:
    """`if not TYPE_CHECKING:` (any spelling of the name), without `else`: always runs."""
    if not isinstance(statement, cst.If) or statement.orelse is not None:
        return False
    test = statement.test
    if not (isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not)):
        return False
    name = test.expression
    last = name.attr.value if isinstance(name, cst.Attribute) else (
        name.value if isinstance(name, cst.Name) else None)
    return last == "TYPE_CHECKING"


def runtime_bodies(module: cst.Module) -> list[Sequence[cst.BaseStatement]]:
    """The module's body and those of its `if not TYPE_CHECKING:` blocks."""
    bodies: list[Sequence[cst.BaseStatement]] = [module.body]
    for statement in module.body:
        if (_runs_always(statement) and isinstance(statement, cst.If)
                and isinstance(statement.body, cst.IndentedBlock)):
            bodies.append(statement.body.body)
    return bodies


class _RenameHooks(cst.CSTTransformer):
    """Rename the module-level `def`s of `hooks` to their `KEPT_HOOKS` names."""

    def __init__(self, hooks: frozenset[str]) -> None:
        self.hooks = hooks
        self.depth = 0

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.depth += 1
        return False  # nested defs keep their names

    def leave_FunctionDef(self, original_node: cst.FunctionDef,
                          updated_node: cst.FunctionDef) -> cst.FunctionDef:
        self.depth -= 1
        name = updated_node.name.value
        if self.depth == 0 and name in self.hooks:
            return updated_node.with_changes(name=cst.Name(KEPT_HOOKS[name]))
        return updated_node

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_If(self, node: cst.If) -> bool:
        return _runs_always(node)  # only the `if not TYPE_CHECKING:` holding a hook


def rename_hooks(body: list[cst.BaseStatement], hooks: frozenset[str]
                 ) -> list[cst.BaseStatement]:
    """`body` with its module-level `def __getattr__` / `def __dir__` renamed."""
    if not hooks:
        return body
    renamer = _RenameHooks(hooks)
    renamed: list[cst.BaseStatement] = []
    for statement in body:
        done = (statement.visit(renamer)
                if isinstance(statement, cst.FunctionDef) or _runs_always(statement)
                else statement)
        assert isinstance(done, cst.BaseStatement)
        renamed.append(done)
    return renamed


@dataclass(frozen=True, slots=True)
class Surface:
    """What the original module showed, measured by importing it (see proof.snapshot)."""

    submodules: Mapping[str, str] = field(default_factory=dict)  # name -> relative module
    star_names: tuple[str, ...] = ()
    own_names: frozenset[str] = frozenset()  # every name of the original's globals
    exported: tuple[str, ...] | None = None  # the original's __all__ (None: it had none)


def take_out(module: cst.Module, moves: Mapping[int, frozenset[str]]) -> tuple[
        list[cst.BaseStatement], int | None, list[cst.EmptyLine], list[str]]:
    """Take the names `moves` (statement index -> bound names) out of their imports.

    Returns the new module body, where the statements taken out were (the index of the
    first, after what stays of it), its blank leading lines, and the code of each taken
    out statement, as written (comments kept), to put under `if TYPE_CHECKING:`.
    """
    moved: list[str] = []
    body: list[cst.BaseStatement] = []
    insert_at: int | None = None
    lead: list[cst.EmptyLine] = []
    for index, statement in enumerate(module.body):
        names = moves.get(index)
        if names is None:
            body.append(statement)
            continue
        assert isinstance(statement, cst.SimpleStatementLine)
        small = statement.body[0]
        assert isinstance(small, cst.ImportFrom | cst.Import)
        aliases = small.names
        assert not isinstance(aliases, cst.ImportStar)
        keeps = any(_bound(a) not in names for a in aliases)
        if insert_at is None:
            insert_at = len(body) + (1 if keeps else 0)
            lead = [line for line in statement.leading_lines if line.comment is None]
        go = statement.with_changes(
            body=[split_import(small, names, keep=False)],
            leading_lines=[] if keeps else _comments(statement.leading_lines))
        moved.append(cst.Module(body=[go]).code)
        if keeps:
            body.append(statement.with_changes(body=[split_import(small, names, keep=True)]))
    return body, insert_at, lead, moved


def imports_typing(body: Iterable[cst.BaseStatement]) -> bool:
    """Whether a module-level statement of `body` imports `typing` when the module runs."""
    for statement in body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Import) and any(
                    cst.Module([]).code_for_node(a.name) == "typing" for a in small.names):
                return True
            if isinstance(small, cst.ImportFrom) and small.module is not None and \
                    cst.Module([]).code_for_node(small.module) == "typing" and not small.relative:
                return True
    return False


def type_checking_block(moved: Iterable[str], *, binds_type_checking: bool,
                        has_typing: bool) -> str:
    """`TYPE_CHECKING` (unless bound) and the statements guarded by it.

    Importing `typing` costs ~15 ms and ~300 KiB: a rewrite meant to make the import
    cheaper must not add it. Unless the module imports typing anyway, the constant is
    written as `TYPE_CHECKING = False`, which mypy and pyright treat as typing's.
    """
    head = "" if binds_type_checking else (
        "from typing import TYPE_CHECKING\n\n" if has_typing else
        "TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing\n\n")
    return head + "if TYPE_CHECKING:\n" + "".join(_indent(code) for code in moved)


def splice(module: cst.Module, body: list[cst.BaseStatement], at: int,
           lead: list[cst.EmptyLine], block: str) -> str:
    """`module` with `body`, the statements of `block` inserted at `at`."""
    generated = list(cst.parse_module(block).body)
    generated[0] = generated[0].with_changes(leading_lines=lead)
    body[at:at] = generated
    return module.with_changes(body=body).code


#: A module's own `if TYPE_CHECKING:` (or `typing.`, `typing_extensions.`) block. Not
#: `if flags.TYPE_CHECKING:`: that may be true at run time (the scanners do not count it).
_CHECKING = m.If(
    test=m.Name("TYPE_CHECKING") | m.Attribute(
        value=m.Name("typing") | m.Name("typing_extensions"), attr=m.Name("TYPE_CHECKING")),
    orelse=None, body=m.IndentedBlock())


def guard_moved(module: cst.Module, body: list[cst.BaseStatement], at: int,
                lead: list[cst.EmptyLine], moved: list[str], *,
                binds_type_checking: bool, has_typing: bool) -> str:
    """`module` with `body`, the `moved` import statements under `if TYPE_CHECKING:`.

    Into the module's own top-level block when it has one, after what it holds (what a
    type checker reads is the same wherever the block stands; the code never runs
    it), so a module rewritten by more than one fix does not grow a block per fix
    (markdown's blockprocessors got three). Else a new block at `at`
    (`type_checking_block`). The comments above a moved statement move with it.
    """
    own = next((i for i, s in enumerate(body) if m.matches(s, _CHECKING)), None) \
        if binds_type_checking else None
    if own is None:
        return splice(module, body, at, lead, type_checking_block(
            moved, binds_type_checking=binds_type_checking, has_typing=has_typing))
    block = cast("cst.If", body[own])
    inner = cast("cst.IndentedBlock", block.body)
    added = [cst.parse_statement(code) for code in moved]
    held = [s for s in inner.body  # (a lone `pass` held the place of what now comes)
            if not m.matches(s, m.SimpleStatementLine(body=[m.Pass()]))]
    body[own] = block.with_changes(body=inner.with_changes(body=[*held, *added]))
    return module.with_changes(body=body).code


def render_init(plan: InitPlan, surface: Surface, helper_import: str | None = None) -> str:
    """The rewritten source of `plan`'s module.

    `surface` adds the submodules the original exposed as attributes (loaded by its
    eager imports) to the lazy map, and the star-import names when the module has no
    `__all__`. `helper_import` is the statement importing the shared helper as
    `_attach`; None writes the helper inline.
    """
    module = cst.parse_module(plan.source)
    body, insert_at, lead, moved = take_out(module, plan.moves)
    if insert_at is None:
        return plan.source
    body = rename_hooks(body, plan.own_hooks)
    return splice(module, body, insert_at, lead,
                  _block(plan, surface, moved, helper_import, imports_typing(body)))


def _block(plan: InitPlan, surface: Surface, moved: Iterable[str],
           helper_import: str | None, has_typing: bool) -> str:
    lazy: dict[str, tuple[str, str | None]] = {n.name: (n.module, n.attr) for n in plan.lazy}
    for name, relative in sorted(surface.submodules.items()):
        lazy.setdefault(name, (relative, None))
    added = ["__getattr__", "__dir__", "_LAZY", "_attach"]
    parts: list[str] = []
    if not plan.binds_type_checking:
        added.append("TYPE_CHECKING")
    if helper_import is not None:
        parts.append(f"{helper_import}\n\n")
    parts.append(type_checking_block(moved, binds_type_checking=plan.binds_type_checking,
                                     has_typing=has_typing) + "\n")
    if helper_import is None:
        parts.append("\n" + inline_helper() + "\n\n")
    entries = "".join(f"    {name!r}: ({module!r}, {attr!r}),\n"
                      for name, (module, attr) in lazy.items())
    added += [KEPT_HOOKS[hook] for hook in sorted(plan.own_hooks)]
    hidden = tuple(sorted(n for n in added if n not in surface.own_names))
    # The module's own hooks are defined further down: named, and looked up when asked.
    own = "".join(f",\n    own_{hook[2:-2]}={KEPT_HOOKS[hook]!r}"
                  for hook in sorted(plan.own_hooks))
    parts.append("# Loaded on first access (PEP 562); written by `importaudit fix`.\n"
                 f"_LAZY = {{\n{entries}}}\n"
                 f"__getattr__, __dir__ = _attach(\n    __name__, _LAZY, {hidden!r}{own},\n)\n")
    if not plan.has_all:
        listed = "".join(f"    {name!r},\n" for name in surface.star_names)
        parts.append(f"__all__ = [\n{listed}]\n")
    return "".join(parts)
