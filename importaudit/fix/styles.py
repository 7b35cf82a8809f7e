"""The other forms of a lazy `__init__`: `--style lazy-loader` and `--style pep810`.

Both take the same plan as the PEP 562 form (`lazy_init.plan_init`: what may become
lazy and what stays, with the reason) and write it another way:

- `lazy-loader`: `__getattr__, __dir__, __all__ = lazy.attach(__name__, submodules=...,
  submod_attrs=...)` from the lazy_loader package, and the eager imports in an
  `__init__.pyi` stub beside the module (lazy_loader's `attach_stub` convention), so type
  checkers still see every name. lazy_loader's contract decides what fits: `attach`
  cannot rename (`Square as Box`), its `__dir__` lists only the names it attaches (any
  other public name of the module would vanish from `dir()`), and the `__all__` it
  returns replaces one assigned before it.
- `pep810`: the same imports with Python 3.15's `lazy` soft keyword (`lazy from .x import
  Y`), written as libcst's own `LazyImportFrom` nodes, so the text is libcst's code
  generation and not string surgery; submodules the original exposed as attributes get
  a `lazy from . import sub` of their own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst
from libcst.metadata import MetadataWrapper, ScopeProvider

from importaudit.config import FIX_STYLES
from importaudit.errors import UsageError
from importaudit.fix.lazy_init import split_import, take_out

if TYPE_CHECKING:
    from pathlib import Path

    from importaudit.fix.lazy_init import InitPlan, Surface

#: The styles `fix --style` writes, the default first (a config key's values too).
STYLES = FIX_STYLES

#: The distribution the lazy-loader style's code imports.
LAZY_LOADER = "lazy_loader"


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def _relative(package: str, module: str) -> str:
    """A submodule as lazy_loader names it: relative to the package, without the dot."""
    return module[1:] if module.startswith(".") else module[len(package) + 1:]


def _assigns_all(statement: cst.BaseStatement) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    return any(isinstance(small, cst.Assign | cst.AnnAssign | cst.AugAssign) and any(
        isinstance(t, cst.Name) and t.value == "__all__" for t in (
            [a.target for a in small.targets] if isinstance(small, cst.Assign)
            else [small.target])) for small in statement.body)


def stub_path(plan: InitPlan) -> Path:
    """Where the stub of a lazy-loader `__init__` goes: `__init__.pyi` beside it."""
    return plan.file.with_suffix(".pyi")


def lazy_loader_refusal(plan: InitPlan, surface: Surface) -> str | None:
    """Why lazy_loader's `attach` cannot stand for this `__init__`, or None."""
    if plan.own_hooks:
        hooks = " and ".join(sorted(plan.own_hooks))
        return (f"the module has its own {hooks}, which the ones lazy_loader.attach returns "
                "would replace; --style pep562 asks them after the lazy names")
    renamed = [f"{n.name} (is {n.attr})" for n in plan.lazy
               if (n.attr or n.module.rsplit(".", 1)[-1]) != n.name]
    if renamed:
        return (f"lazy_loader.attach cannot rename: {', '.join(renamed[:3])}; "
                "--style pep562 can")
    attached = set(plan.names) | set(surface.submodules)
    public = sorted(n for n in surface.own_names - attached if not n.startswith("_"))
    if public:
        return (f"lazy_loader's __dir__ lists only the names attach loads: "
                f"{', '.join(public[:5])} would vanish from dir(); --style pep562 keeps them")
    if stub_path(plan).exists():
        return f"it has a stub already ({stub_path(plan).name}): not overwritten"
    module = cst.parse_module(plan.source)
    first = min(plan.moves) if plan.moves else 0
    if any(_assigns_all(s) for s in module.body[:first]):
        return ("its __all__ is assigned before the imports: the __all__ lazy_loader.attach "
                "returns would replace it")
    return None


def render_lazy_loader(plan: InitPlan, surface: Surface) -> tuple[str, str]:
    """The `__init__` in lazy_loader's `attach` form, and its `__init__.pyi` stub."""
    module = cst.parse_module(plan.source)
    body, insert_at, lead, moved = take_out(module, plan.moves)
    assert insert_at is not None
    submodules = sorted({_relative(plan.package, n.module) for n in plan.lazy if n.attr is None}
                        | {_relative(plan.package, m) for m in surface.submodules.values()})
    attrs: dict[str, list[str]] = {}
    for name in plan.lazy:
        if name.attr is not None:
            attrs.setdefault(_relative(plan.package, name.module), []).append(name.attr)
    alias = "_lazy_loader" if "lazy" in surface.own_names else "lazy"
    entries = "".join(f"        {mod!r}: {sorted(names)!r},\n" for mod, names in attrs.items())
    block = (f"import {LAZY_LOADER} as {alias}\n\n"
             "# Loaded on first access by lazy_loader; the imports, for type checkers, are\n"
             "# in __init__.pyi (written by `importaudit fix`).\n"
             f"__getattr__, __dir__, __all__ = {alias}.attach(\n"
             f"    __name__,\n    submodules={submodules!r},\n"
             f"    submod_attrs={{\n{entries}    }},\n)\n")
    generated = list(cst.parse_module(block).body)
    generated[0] = generated[0].with_changes(leading_lines=lead)
    body[insert_at:insert_at] = generated
    exported = _stub_all(surface, submodules, plan)
    dunders = _dunders(module)
    stub = ('"""Names of this package for type checkers: __init__.py loads them lazily '
            'with\nlazy_loader.attach (written by `importaudit fix`)."""\n\n'
            + (dunders + "\n" if dunders else "") + "".join(moved)
            + "".join(f"from . import {name} as {name}\n" for name in submodules
                      if name not in plan.names and "." not in name)
            + f"\n__all__ = {exported!r}\n")
    return module.with_changes(body=body).code, stub


def _stub_all(surface: Surface, submodules: list[str], plan: InitPlan) -> list[str]:
    """`__all__` of the stub: the module's own when it has one, else what attach returns."""
    if plan.has_all and surface.exported is not None:
        return list(surface.exported)
    return sorted(set(plan.names) | set(submodules))


def _dunders(module: cst.Module) -> str:
    """`__version__ = "1.2"` and the like: module-level dunders with a literal string."""
    found = []
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
            small = statement.body[0]
            if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(
                    target := small.targets[0].target, cst.Name) and target.value.startswith(
                    "__") and target.value != "__all__" and isinstance(
                    small.value, cst.SimpleString):
                found.append(_code(statement.with_changes(leading_lines=[])))
    return "".join(found)


def render_pep810(plan: InitPlan, surface: Surface) -> str:
    """The `__init__` with its lazy imports written `lazy from ... import ...` (PEP 810)."""
    lazy_from = getattr(cst, "LazyImportFrom", None)
    if lazy_from is None:
        from importlib.metadata import version

        raise UsageError(f"libcst {version('libcst')} cannot write PEP 810 `lazy` imports: "
                         "--style pep810 needs libcst >= 1.9")
    module = cst.parse_module(plan.source)
    body: list[cst.BaseStatement] = []
    last = 0
    for index, statement in enumerate(module.body):
        names = plan.moves.get(index)
        if names is None:
            body.append(statement)
            continue
        assert isinstance(statement, cst.SimpleStatementLine)
        small = statement.body[0]
        assert isinstance(small, cst.ImportFrom)
        assert not isinstance(small.names, cst.ImportStar)
        went = split_import(small, names, keep=False)
        assert isinstance(went, cst.ImportFrom)
        assert not isinstance(went.names, cst.ImportStar)
        lazy = lazy_from(module=went.module, names=went.names, relative=went.relative,
                         lpar=went.lpar, rpar=went.rpar,
                         whitespace_after_from=went.whitespace_after_from,
                         whitespace_before_import=went.whitespace_before_import,
                         whitespace_after_import=went.whitespace_after_import)
        if len(went.names) < len(small.names):  # some names stay eager
            body.append(statement.with_changes(body=[split_import(small, names, keep=True)]))
            body.append(statement.with_changes(body=[lazy], leading_lines=[]))
        else:
            body.append(statement.with_changes(body=[lazy]))
        last = len(body)
    scope = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ScopeProvider)[module]
    assert scope is not None
    # Submodules the original exposed only because its imports loaded them: bound by
    # nothing in the source, and loaded by no import that stays eager, they would be
    # missing until something imports them.
    eager = {_code(s.body[0].module).split(".")[0] for s in body
             if isinstance(s, cst.SimpleStatementLine) and isinstance(s.body[0], cst.ImportFrom)
             and len(s.body[0].relative) == 1 and s.body[0].module is not None}
    extra = [name for name in sorted(surface.submodules)
             if not scope.assignments[name] and name not in eager]
    if extra:
        added = list(cst.parse_module(
            "".join(f"lazy from . import {name}\n" for name in extra)).body)
        added[0] = added[0].with_changes(leading_lines=[cst.EmptyLine(comment=cst.Comment(
            "# Submodules the eager imports loaded (written by `importaudit fix`)."))])
        body[last:last] = added
    code = module.with_changes(body=body).code
    cst.parse_module(code)  # no Python < 3.15 can check it: libcst's PEP 810 grammar does
    return code
