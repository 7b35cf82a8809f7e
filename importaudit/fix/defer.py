"""IA102/IA103: a module-level import used only inside functions moves into them.

`plan_defer` reads one module with libcst and, for each module-level import of one of
the `roots` the review's finding named (the heavy dependency of IA102, the utility
package of IA103), follows every use of each name it binds (libcst's scope analysis)
up to the code that runs it. A name whose every use is in a function body moves: the
import statement, as written (`import a.b as c`, `from a import b as c`), goes to the
top of each function that uses it, after the docstring, with only the names that
function uses. A name that annotations use as well keeps a copy under
`if TYPE_CHECKING:` when the module's annotations are not evaluated (`from __future__
import annotations`); an evaluated one refuses the move. Anything that runs while the
module is imported refuses it, with the reason: a use at module level, in a decorator,
a base class, a default argument, a class body or a lambda outside any function; a
`global` statement or a second binding of the name; an import under if/try/with; an
import that nothing uses by name (kept for its side effects), or of a module of the
same package that registers itself while it is imported; a name other modules import
from this one or list in `__all__`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import libcst as cst
import libcst.matchers as m
from libcst.metadata import MetadataWrapper, PositionProvider, ScopeProvider

from importaudit.fix import lazy_values, reads
from importaudit.fix.lazy_init import (
    Refusal,
    guard_moved,
    imports_typing,
    registration,
    take_out,
)
from importaudit.fix.parents import parents
from importaudit.fix.typing_only import own_type_checking

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from libcst.metadata import Access

#: The kind of rewrite shown in the output and JSON.
KIND = "deferred"


@dataclass(frozen=True, slots=True)
class DeferPlan:
    """The imports of one module that move into the functions using them, and what stays."""

    module: str
    file: Path
    source: str
    names: tuple[str, ...] = ()  # bound names that leave the module's namespace
    refusals: tuple[Refusal, ...] = ()
    # Statement index in the module body -> the bound names taken out of it.
    moves: dict[int, frozenset[str]] = field(default_factory=dict)
    # Line of each using function's `def` -> (statement index, bound names) it imports.
    inserts: dict[int, tuple[tuple[int, frozenset[str]], ...]] = field(default_factory=dict)
    typing: frozenset[str] = frozenset()  # names annotations use: kept under TYPE_CHECKING
    binds_type_checking: bool = False
    original: str | None = None  # the file's text when `source` is an earlier rewrite's
    also_added: tuple[str, ...] = ()  # names that earlier rewrite's statements bind
    values: tuple[str, ...] = ()  # module-level values now built on first access
    # `source` as the planner read it, and the function of each line of `inserts`:
    # rendering edits that tree instead of reading the module again.
    tree: cst.Module | None = field(default=None, compare=False, repr=False)
    functions: Mapping[int, cst.FunctionDef] = field(default_factory=dict, compare=False,
                                                     repr=False)

    @property
    def added(self) -> tuple[str, ...]:
        """The names the rewrite's own statements bind in the module."""
        own = () if not self.typing or self.binds_type_checking else ("TYPE_CHECKING",)
        return tuple(dict.fromkeys((*self.also_added, *own)))

    @property
    def users(self) -> tuple[int, ...]:
        """The lines of the functions the imports move into."""
        return tuple(sorted(self.inserts))


def _dotted(node: cst.BaseExpression | None) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _bound(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return _dotted(alias.name).split(".")[0]


def _imported(node: cst.Import | cst.ImportFrom, alias: cst.ImportAlias, package: str) -> str:
    """The absolute module an alias of an import statement loads."""
    if isinstance(node, cst.Import):
        return _dotted(alias.name)
    base = _dotted(node.module)
    if node.relative:
        parts = package.split(".")
        up = parts[:len(parts) - len(node.relative) + 1] if len(node.relative) > 1 else parts
        base = ".".join([*up, base] if base else up)
    return base


def _under(module: str, roots: frozenset[str]) -> bool:
    return any(module == r or module.startswith(r + ".") for r in roots)


def _takes(node: cst.Import | cst.ImportFrom, alias: cst.ImportAlias, package: str,
           roots: frozenset[str]) -> bool:
    """Whether the alias imports one of `roots` (modules, with their submodules).

    `from google.cloud import storage` takes google.cloud.storage, a submodule of the
    namespace package google.cloud, as `import google.cloud.storage` does: the review
    names that project as the dependency, not the namespace.
    """
    module = _imported(node, alias, package)
    if module == "__future__":
        return False  # a compiler directive, never moved (nor listed as left alone)
    if isinstance(node, cst.ImportFrom):
        module = f"{module}.{_dotted(alias.name)}" if module else _dotted(alias.name)
    return _under(module, roots)


class _Uses:
    """Where each use of a module-level name runs: in which function, or why at import."""

    def __init__(self, wrapper: MetadataWrapper, lazy_annotations: bool) -> None:
        self.parents = parents(wrapper.module)
        self.lines = wrapper.resolve(PositionProvider)
        self.lazy_annotations = lazy_annotations

    def line(self, node: cst.CSTNode) -> int:
        return self.lines[node].start.line

    def classify(self, node: cst.CSTNode) -> tuple[str, cst.FunctionDef | None]:
        """("function", def) | ("annotation", None) | (reason it runs at import, None).

        Walks up from the use: a function body is where it runs (a decorator, default
        or annotation of a def nested in that body runs there too); reaching the module
        first, the innermost construct passed on the way is the reason.
        """
        annotation = isinstance(node, cst.SimpleString)  # a string annotation
        at = self.line(node)
        pending: str | None = None
        child: cst.CSTNode = node
        while child in self.parents:
            parent = self.parents[child]
            if isinstance(parent, cst.Annotation):
                annotation = True
            if isinstance(parent, cst.FunctionDef):
                if child is parent.body:
                    return "function", parent
                if pending is None:
                    pending = (f"a decorator uses it (line {at})"
                               if isinstance(child, cst.Decorator) else
                               self._annotation(at) if annotation else
                               f"a default argument uses it (line {at})")
            elif isinstance(parent, cst.Lambda) and child is parent.body:
                pending = pending or f"a lambda outside any function uses it (line {at})"
            elif isinstance(parent, cst.ClassDef) and pending is None:
                pending = (f"a class decorator uses it (line {at})"
                           if isinstance(child, cst.Decorator) else
                           f"a base class uses it (line {at})" if isinstance(child, cst.Arg)
                           else self._annotation(at) if annotation else
                           f"the body of class {parent.name.value} uses it (line {at})")
            elif isinstance(parent, cst.Module):
                return (pending or (self._annotation(at) if annotation else
                                    f"module-level code uses it (line {at})")), None
            child = parent
        return "its use could not be placed", None

    def _annotation(self, line: int) -> str:
        if self.lazy_annotations:
            return "annotation"
        return f"an evaluated annotation uses it (line {line})"


def _docstring_end(body: Sequence[cst.CSTNode]) -> int:
    first = body[0] if body else None
    if isinstance(first, cst.SimpleStatementLine) and isinstance(first.body[0], cst.Expr) \
            and isinstance(first.body[0].value, cst.SimpleString | cst.ConcatenatedString):
        return 1
    return 0


class _Planner:
    def __init__(self, module: str, file: Path, source: str, relpath: str,
                 exported: frozenset[str]) -> None:
        self.module = module
        self.file = file
        self.source = source
        self.relpath = relpath
        self.exported = exported
        self.tree = cst.parse_module(source)
        self.wrapper = MetadataWrapper(self.tree, unsafe_skip_copy=True)
        scope = self.wrapper.resolve(ScopeProvider)[self.tree]
        assert scope is not None
        self.scope = scope
        lazy = any(m.matches(s, m.SimpleStatementLine(body=[m.ImportFrom(
            module=m.Name("__future__"))])) and "annotations" in cst.Module([]).code_for_node(s)
            for s in self.tree.body)
        self.uses = _Uses(self.wrapper, lazy)
        self.refusals: list[Refusal] = []
        # Every node but the module has a parent: the `global` statements, in the
        # order of the source (a name in two keeps the last), without another walk.
        statements = sorted((n for n in self.uses.parents if isinstance(n, cst.Global)),
                            key=lambda n: (self.uses.lines[n].start.line,
                                           self.uses.lines[n].start.column))
        self.globals = {n.name.value: self.uses.line(n) for g in statements for n in g.names}
        self.defs: dict[int, cst.FunctionDef] = {}  # line -> function an import moves into

    def refuse(self, node: cst.CSTNode | None, reason: str, name: str | None = None) -> None:
        line = self.uses.line(node) if node is not None else None
        self.refusals.append(Refusal(self.module, self.relpath, line, reason, name))

    def _package(self) -> str:
        return self.module if self.file.name == "__init__.py" else \
            self.module.rpartition(".")[0]

    def plan(self, roots: frozenset[str]) -> DeferPlan:
        moves: dict[int, set[str]] = {}
        inserts: dict[int, list[tuple[int, frozenset[str]]]] = {}
        typing: set[str] = set()
        names: list[str] = []
        package = self._package()
        for index, statement in enumerate(self.tree.body):
            if not isinstance(statement, cst.SimpleStatementLine):
                self._conditional(statement, roots, package)
                continue
            for small in statement.body:
                if not isinstance(small, cst.Import | cst.ImportFrom) or \
                        isinstance(small.names, cst.ImportStar):
                    continue
                ours = [a for a in small.names if _takes(small, a, package, roots)]
                if not ours:
                    continue
                if len(statement.body) > 1:
                    self.refuse(small, "the import shares its line with other statements")
                    continue
                for alias in ours:
                    found = self._alias(small, alias, package)
                    if found is None:
                        continue
                    functions, annotated = found
                    name = _bound(alias)
                    names.append(name)
                    moves.setdefault(index, set()).add(name)
                    if annotated:
                        typing.add(name)
                    for line in functions:
                        inserts.setdefault(line, []).append((index, frozenset({name})))
        merged = {line: tuple(_merge(found)) for line, found in inserts.items()}
        checking = bool(self.scope.assignments["TYPE_CHECKING"])
        return DeferPlan(self.module, self.file, self.source, tuple(names),
                         tuple(self.refusals), {i: frozenset(n) for i, n in moves.items()},
                         merged, frozenset(typing), checking, tree=self.tree,
                         functions={line: self.defs[line] for line in merged})

    def _alias(self, node: cst.Import | cst.ImportFrom, alias: cst.ImportAlias,
               package: str) -> tuple[list[int], bool] | None:
        """The lines of the functions using the alias's name and whether annotations do.

        None when the name stays (refused, with the reason recorded). No function and
        annotations: the name only moves under TYPE_CHECKING.
        """
        name = _bound(alias)
        reason = self._binding_reason(name, _imported(node, alias, package), package)
        functions: dict[int, None] = {}
        annotated = False
        # `import a.b` is recorded under "a.b" too, with the uses `a.b.x` makes of it.
        dotted = _dotted(alias.name) if isinstance(node, cst.Import) and \
            alias.asname is None else name
        # In the order of the source: libcst keeps them in a set, whose order changes
        # from run to run, and a refusal names the first use that runs at import.
        accesses = sorted((a for key in dict.fromkeys((name, dotted))
                           for assignment in self.scope.assignments[key]
                           for a in assignment.references), key=self._where)
        if reason is None and not accesses:
            reason = f"nothing uses {name} by name: it may be imported for its side effects"
        for access in accesses if reason is None else ():
            where, function = self.uses.classify(access.node)
            if function is not None:
                line = self.uses.line(function)
                functions[line] = None
                self.defs[line] = function
            elif where == "annotation":
                annotated = True
            else:
                reason = where
                break
        if reason is not None:
            self.refuse(node, f"{name} stays at module level: {reason}", name)
            return None
        # Used only by annotations that are not evaluated: it goes under TYPE_CHECKING
        # with the others, or the dependency still loads (the finding counts it).
        return list(functions), annotated

    def _where(self, access: Access) -> tuple[int, int]:
        start = self.uses.lines[access.node].start
        return start.line, start.column

    def _binding_reason(self, name: str, target: str, package: str) -> str | None:
        """Why the import binding `name` (of module `target`) cannot move, if it cannot."""
        if name in self.exported:
            return f"{name} is part of {self.module}'s API (another module imports it " \
                   "from here, or __all__ lists it)"
        if name in self.globals:
            return f"a `global {name}` statement (line {self.globals[name]}) rebinds it"
        if len(self.scope.assignments[name]) > 1:
            return f"{name} is bound more than once (a rebound name cannot move)"
        if target.split(".", maxsplit=1)[0] == package.split(".", maxsplit=1)[0]:
            effect = self._registration(target)
            if effect is not None:
                return f"importing {target} has a side effect the package may rely on: " \
                       f"{effect}"
        return None

    def _registration(self, target: str) -> str | None:
        top = self.file.parent
        for _ in range(self.module.count(".") + (self.file.name == "__init__.py")):
            top = top.parent
        base = top.joinpath(*target.split("."))
        for path in (base.with_suffix(".py"), base / "__init__.py"):
            if reads.is_file(path):
                first = target.split(".", maxsplit=1)[0]
                return reads.derived(path, f"registration {first}",
                                     functools.partial(registration, top=first))
        return None

    def _conditional(self, statement: cst.BaseStatement, roots: frozenset[str],
                     package: str) -> None:
        if isinstance(statement, cst.FunctionDef | cst.ClassDef):
            return
        if isinstance(statement, cst.If) and _dotted(statement.test).split(".")[-1] == \
                "TYPE_CHECKING":
            return  # never runs: nothing to defer, and not a conditional import that does
        for node in m.findall(statement, m.Import() | m.ImportFrom()):
            assert isinstance(node, cst.Import | cst.ImportFrom)
            if isinstance(node.names, cst.ImportStar):
                continue
            if any(_takes(node, a, package, roots) for a in node.names):
                self.refuse(node, "conditional import (under if/try/with): whether it runs, "
                                  "and what it binds, is decided at import time")


def _merge(found: Sequence[tuple[int, frozenset[str]]]) -> list[tuple[int, frozenset[str]]]:
    """One entry per statement, in the module's order, with all names a function uses."""
    by_index: dict[int, set[str]] = {}
    for index, names in found:
        by_index.setdefault(index, set()).update(names)
    return [(i, frozenset(by_index[i])) for i in sorted(by_index)]


def plan_defer(module: str, file: Path, relpath: str, roots: frozenset[str], *,
               exported: frozenset[str] = frozenset(), source: str | None = None,
               added: tuple[str, ...] = ()) -> DeferPlan:
    """Plan the deferral of `module`'s imports of `roots` (modules, with their submodules).

    `exported` are names other modules import from this one; `source` overrides the
    file's text (the module as an earlier rewrite left it, binding `added`).
    """
    text = reads.text(file) if source is None else source
    planner = _Planner(module, file, text, relpath, exported | _listed(text))
    first = planner.plan(roots)
    # Imports of `roots` kept because module-level values are built from them: those
    # values can be built on first access instead, and the imports deferred then.
    kept = frozenset(r.name for r in first.refusals if r.name) - frozenset(first.names)
    values = lazy_values.candidates(planner.tree, planner.scope, kept)
    star = None if planner.scope.assignments["__all__"] else [
        n for n in lazy_values.star_names(planner.tree, planner.scope) if n not in added]
    while values:
        lazy = lazy_values.render(planner.tree, values, star)
        again = _Planner(module, file, lazy, relpath, exported | _listed(text))
        final = again.plan(roots)
        still = frozenset(r.name for r in final.refusals if r.name)
        useless = {i for i, (_, reads) in values.items() if reads & still}
        if useless:
            # A value whose imports stay anyway gains nothing from being lazy.
            values = {i: n for i, n in values.items() if i not in useless}
            continue
        if star is not None and set(star) & set(final.names):
            star = [n for n in star if n not in final.names]
            continue
        refused = tuple(r for r in first.refusals if r.name not in final.names) \
            if first.refusals else ()
        return replace(final, original=text, refusals=refused,
                       values=tuple(name for name, _ in values.values()))
    return first


def _listed(source: str) -> frozenset[str]:
    """The names a literal module-level `__all__` lists."""
    import ast

    found: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets) and \
                    isinstance(node.value, ast.List | ast.Tuple):
                found.update(e.value for e in node.value.elts
                             if isinstance(e, ast.Constant) and isinstance(e.value, str))
    return frozenset(found)


class _Insert(cst.CSTTransformer):
    def __init__(self, inserts: Mapping[cst.FunctionDef, Sequence[cst.SimpleStatementLine]]
                 ) -> None:
        super().__init__()
        self.inserts = inserts

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef
                          ) -> cst.FunctionDef:
        statements = self.inserts.get(original)
        if not statements:
            return updated
        body = updated.body
        if isinstance(body, cst.SimpleStatementSuite):  # `def f(): return np.pi`
            body = cst.IndentedBlock(body=[cst.SimpleStatementLine(body=body.body)])
        inner = list(body.body)
        at = _docstring_end(inner)
        inner[at:at] = statements
        return updated.with_changes(body=body.with_changes(body=inner))


def _only(statement: cst.BaseStatement, names: frozenset[str]) -> cst.SimpleStatementLine:
    """The import statement with only the aliases binding `names`, as written."""
    assert isinstance(statement, cst.SimpleStatementLine)
    small = statement.body[0]
    assert isinstance(small, cst.Import | cst.ImportFrom)
    assert not isinstance(small.names, cst.ImportStar)
    chosen = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT)
              for a in small.names if _bound(a) in names]
    clean = small.with_changes(names=chosen)
    if isinstance(clean, cst.ImportFrom):
        clean = clean.with_changes(lpar=None, rpar=None)
    return cst.SimpleStatementLine(body=[clean])


def _comments_stay(module: cst.Module, moves: Mapping[int, frozenset[str]]) -> cst.Module:
    """`module` with the comments above each import taken out whole kept where they were.

    The import goes into functions, its comments would go with the statement: sh's
    22-line licence header, which ends right above `import asyncio`, was deleted. The
    lines above such a statement (blank ones too, for the layout) move to the next
    statement that stays, or to the end of the module.
    """
    body = list(module.body)
    carry: list[cst.EmptyLine] = []
    for index, statement in enumerate(body):
        lead = [*carry, *statement.leading_lines]
        names = moves.get(index)
        whole = names is not None and isinstance(statement, cst.SimpleStatementLine) \
            and isinstance(small := statement.body[0], cst.Import | cst.ImportFrom) \
            and not isinstance(small.names, cst.ImportStar) \
            and all(_bound(a) in names for a in small.names)
        if whole and any(line.comment is not None for line in lead):
            carry = lead
            body[index] = statement.with_changes(leading_lines=[])
        elif carry:
            carry = []
            body[index] = statement.with_changes(leading_lines=lead)
    if carry:
        return module.with_changes(body=body, footer=[*carry, *module.footer])
    return module.with_changes(body=body)


def render_defer(plan: DeferPlan) -> str:
    """The module with the planned imports moved into the functions that use them."""
    module, functions = plan.tree, plan.functions
    if module is None:  # a plan made by hand: find its functions by their lines
        module = cst.parse_module(plan.source)
        lines = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        functions = {lines[f].start.line: f for f in m.findall(module, m.FunctionDef())
                     if isinstance(f, cst.FunctionDef)}
    inserts = {functions[line]: [_only(module.body[i], names) for i, names in found]
               for line, found in plan.inserts.items()}
    moved = _comments_stay(module.visit(_Insert(inserts)), plan.moves)
    body, insert_at, lead, _ = take_out(moved, plan.moves)
    if insert_at is None:
        return plan.source
    if not plan.typing:
        return moved.with_changes(body=body).code
    kept = [cst.Module(body=[_only(moved.body[i], names & plan.typing)]).code
            for i, names in sorted(plan.moves.items()) if names & plan.typing]
    binding = own_type_checking(body, insert_at) if plan.binds_type_checking else None
    if binding is not None:
        insert_at, lead = binding + 1, []
    return guard_moved(moved, body, insert_at, lead, kept,
                       binds_type_checking=plan.binds_type_checking,
                       has_typing=imports_typing(body))
