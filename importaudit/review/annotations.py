"""Rule about imports that only annotations need but that run at import time anyway.

With `from __future__ import annotations` (or Python 3.14's deferred annotations) an
annotation is never evaluated unless something asks, so a name used only there can be
imported under `if TYPE_CHECKING:`. Some libraries do ask: pydantic, attrs, msgspec,
SQLAlchemy's `Mapped[...]`, FastAPI/typer signatures, `typing.get_type_hints`,
`functools.singledispatch` registration, code reading `__annotations__` itself;
dataclasses recognises `ClassVar`/`InitVar` by name. Modules using any of those are
left alone, and so are modules whose classes derive from such a class through bases of
their own package (openai's models: `openai._models.BaseModel` is pydantic's). Names
that the annotations of a class the project hands to such a reader use stay too, in
any module (openai's request TypedDicts, walked by `maybe_transform`: `introspect`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from importaudit.review.bases import ancestors
from importaudit.review.introspect import read_at_run_time
from importaudit.review.registry import RuleDoc, register
from importaudit.review.source import ANNOTATION_USES, DATACLASS_MARKERS, BindingKind, Use
from importaudit.review.syntax import ANNOTATION_DECORATORS, ANNOTATION_LIBRARIES

if TYPE_CHECKING:
    from collections.abc import Iterator

    from importaudit.model import Finding
    from importaudit.review.context import ReviewContext
    from importaudit.review.source import Binding, ModuleFacts

#: Importing these is needed to write `if TYPE_CHECKING:` at all, or costs nothing.
_TYPING_MACHINERY = frozenset({"typing", "typing_extensions", "__future__", "collections.abc",
                               "types", "abc"})


@register(
    "IA501", "typing-only-import", "Import used only in annotations runs at import time",
    RuleDoc(
        what="A module-level import whose names appear only in annotations that are "
             "never evaluated at run time (the module has `from __future__ import "
             "annotations`, or quotes them, or runs on Python 3.14+).",
        why="The import loads the module (and whatever it imports) for type checkers "
            "only; between packages it also creates import cycles. Modules that use a "
            "library reading annotations at run time (pydantic, attrs, msgspec, "
            "SQLAlchemy Mapped, FastAPI, get_type_hints, singledispatch), that read "
            "`__annotations__` back themselves, that apply a decorator of the project "
            "that does or is made by such a library (with `@`, or by a call at import "
            "time: `act = checked(act)`), or whose classes derive "
            "(through the package's own bases) from a class that reads them, are skipped, "
            "and dataclasses' ClassVar/InitVar markers are never reported. So are the "
            "names a class's field annotations, bases or a type alias use when the "
            "project passes it to a reader: a library one (get_type_hints, "
            "inspect.get_annotations, pydantic TypeAdapter, dacite, cattrs, msgspec, "
            "typeguard) or a function or method of its own (called on `self`/`cls`), "
            "or a name bound to one, that hands its argument on to one "
            "(openai's `maybe_transform(params, CompletionCreateParams)` walks the "
            "TypedDict with get_type_hints), and the classes those annotations name, "
            "transitively. Those calls are looked for in the whole project the reviewed "
            "modules belong to (their top-level package, read from disk, tests left "
            "out unless --include-tests; --exclude leaves modules out of the review, "
            "not their calls), so reviewing "
            "openai.types.chat alone still sees openai.resources' calls. The impact is "
            "what the import loaded first in the measured run.",
        fix="Move the import under `if TYPE_CHECKING:` (with `from __future__ import "
            "annotations` at the top of the module).",
        example="from __future__ import annotations\nfrom typing import TYPE_CHECKING\n\n"
                "if TYPE_CHECKING:\n    from main.utils.core import ErrorHandlingMixin",
    ),
)
def typing_only_import(ctx: ReviewContext) -> Iterator[Finding]:
    """IA501: eager imports whose names only unevaluated annotations use."""
    # Names other modules take from a module: re-exports, needed at run time there
    # (sqlalchemy.engine.interfaces' `TypeCompiler as TypeCompiler`, which the MySQL
    # dialect imports from it), however the module itself uses them.
    taken: dict[str, set[str]] = {}
    for edges in ctx.edges_from.values():
        for edge in edges:
            if edge.importer != edge.imported:
                taken.setdefault(edge.imported, set()).update(edge.names)
    for facts in ctx.all_facts():
        reexported = taken.get(facts.name, set())
        if read_by_decorator(ctx, facts) or read_by_base(ctx, facts):
            continue
        # Names whose annotations the project's code reads at run time, elsewhere
        # (openai's TypedDicts, walked by `maybe_transform` with get_type_hints).
        read = frozenset(read_at_run_time(ctx).get(facts.name, {}))
        moved_bindings = [b for b in annotation_only(facts, read)
                          if b.name not in reexported]
        if not moved_bindings:
            continue
        # One finding per module: the imports overlap, so only their joint saving is real.
        moved = {ctx.submodule_of(b) for b in moved_bindings}
        kept = {ctx.submodule_of(b) for b in facts.bindings
                if b.kind is not BindingKind.TYPE_ONLY and b not in moved_bindings}
        names = [b.name for b in moved_bindings]
        evaluated = any(Use.EVALUATED_ANNOTATION in facts.uses_of(n) for n in names)
        # What the fix adds runs at import time too, so it is no saving: faker.documentor
        # was told moving its imports saved `__future__`, the first name listed, which
        # the fix's own `from __future__ import annotations` imports.
        kept |= fix_imports(evaluated)
        # Exclusive: what importing the module would no longer load, its parent packages
        # and other imports (which may need all of it anyway) still running.
        claim = ctx.defer_claim(facts.name, moved, kept)
        saved = claim.saved
        if not saved:
            continue
        impact = ctx.tree.cost(saved)
        first_step = ("Add `from __future__ import annotations` at the top of the module "
                      "(its annotations are evaluated now), then move" if evaluated
                      else "Move")
        lines = sorted({b.line for b in moved_bindings})
        yield ctx.claimed(claim, ctx.make_finding(
            "IA501", "Import used only in annotations runs at import time", facts.name,
            f"{facts.name} imports {', '.join(names)} at import time (line"
            f"{'s' if len(lines) > 1 else ''} {', '.join(map(str, lines))}) only for "
            f"annotations; moving {'them' if len(names) > 1 else 'it'} saves "
            f"{impact.modules or 0} module(s) "
            f"({', '.join(sorted(saved)[:3])}{', ...' if len(saved) > 3 else ''}).",
            f"{first_step} the import{'s' if len(names) > 1 else ''} under "
            "`if TYPE_CHECKING:`.\n\n" + checking_head(facts) + "if TYPE_CHECKING:\n    "
            + "\n    ".join(b.statement() for b in moved_bindings),
            impact=impact, line=lines[0], chain=(facts.name, *sorted(moved)[:1]),
        ))


def fix_imports(evaluated: bool) -> set[str]:
    """The modules IA501's fix makes the module import.

    `__future__` when it adds `from __future__ import annotations`. Never typing: where
    the module does not import it already, the fix writes `TYPE_CHECKING = False`
    (`checking_head`), as `importaudit fix` does.
    """
    return {"__future__"} if evaluated else set()


def checking_head(facts: ModuleFacts) -> str:
    """What binds `TYPE_CHECKING` in IA501's fix, unless the module imports it already.

    Importing typing costs milliseconds: a module that does not import it gets the
    constant typing defines (`TYPE_CHECKING = False`, which type checkers read as
    typing's), as `fix.lazy_init.type_checking_block` writes it.
    """
    # Bound already, imported or assigned (Pillow's `TYPE_CHECKING = False`): the fix
    # joins that (`fix.typing_only.own_type_checking`).
    if "TYPE_CHECKING" in facts.defined or any(b.name == "TYPE_CHECKING"
                                               for b in facts.bindings):
        return ""
    # Only an import that always runs counts (`fix.lazy_init.imports_typing`): one in
    # a `try:` may not have run.
    if any(b.module == "typing" and b.kind is BindingKind.EAGER for b in facts.bindings):
        return "from typing import TYPE_CHECKING\n\n"
    return "TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing\n\n"


def read_by_decorator(ctx: ReviewContext, facts: ModuleFacts) -> str | None:
    """A decorator the module applies that reads annotations, if any.

    transformers' `@auto_docstring` (from transformers.utils, defined in
    transformers.utils.auto_docstring, which reads `__annotations__` and signatures)
    writes a method's docstring from its annotations when the class is defined: with
    them unevaluated the docstring changes (`images (ImageInput)`, kwargs not listed).

    The decorator may also be a method of an object another module of the project made
    with a library that reads annotations: an application's `router = APIRouter()` (or
    `app = typer.Typer()`) in one module, its routes (commands) in others that import
    only the router and decorate with `@router.post(...)`. FastAPI evaluates each
    route's parameter and return annotations when it is decorated, typer each command's
    when the CLI runs: a model moved under `if TYPE_CHECKING:` is a NameError or a
    "not fully defined" model then, and nothing in the route module imports fastapi.
    """
    for name in sorted(facts.decorators):
        if _needs_reader(ctx, facts, facts.needs(name), set()):
            return name
    return None


def _needs_reader(ctx: ReviewContext, facts: ModuleFacts, names: frozenset[str],
                  seen: set[tuple[str, str]]) -> bool:
    """Whether module-level `names` of `facts` read annotations or come from a reader.

    True for a definition of the module whose code reads annotations, for a name
    imported from a library reading them (`APIRouter`, `typer`: what `router =
    APIRouter()` needs), and for a name imported from another module of the project
    whose definition there is either, followed through re-exports and imports.
    """
    from importaudit.review.eager import defining_module

    if names & facts.reading_annotations:
        return True
    for binding in facts.bindings:
        if binding.name not in names or binding.kind is BindingKind.TYPE_ONLY:
            continue
        if binding.module.split(".", maxsplit=1)[0] in ANNOTATION_LIBRARIES:
            return True
        if ctx.is_module(binding.target) or binding.attr is None:
            if _module_reads(ctx, binding.target, seen):
                return True
            continue
        home = defining_module(ctx, binding)
        # langchain_core's `tool`, mcp's server class; or a library's reader
        # re-exported by the project.
        if (f"{binding.module}.{binding.attr}" in ANNOTATION_DECORATORS
                or home.split(".", maxsplit=1)[0] in ANNOTATION_LIBRARIES
                or f"{home}.{binding.attr}" in ANNOTATION_DECORATORS):
            return True
        found = ctx.facts(home) if ctx.is_own(home) else None
        if found is None or (home, binding.attr) in seen:
            continue
        seen.add((home, binding.attr))
        if _needs_reader(ctx, found, found.needs(binding.attr), seen):
            return True
    return False


def _module_reads(ctx: ReviewContext, module: str, seen: set[tuple[str, str]]) -> bool:
    """Whether a module of the project a decorator is taken from has a name that reads.

    `@decorators.validated` after `from pkg import decorators`, or `@d.validated` after
    `import pkg.decorators as d`: which of its names is the decorator is not recorded,
    so any of them that reads annotations counts. Those imports were told to move, and
    pydantic's `validate_call` then raised NameError (rev24).
    """
    found = ctx.facts(module) if ctx.is_module(module) and ctx.is_own(module) else None
    if found is None or (module, "*") in seen:
        return False
    seen.add((module, "*"))
    every = frozenset().union(*(found.needs(n) for n in found.defined))
    return _needs_reader(ctx, found, every | found.reading_annotations, seen)


def read_by_base(ctx: ReviewContext, facts: ModuleFacts) -> str | None:
    """A class the module's classes derive from that reads their annotations, if any.

    openai's models derive from `openai._models.BaseModel`, a class of its own that
    derives from pydantic's: the module never imports pydantic, yet pydantic reads each
    model's field annotations when its class statement runs, and with one moved under
    `if TYPE_CHECKING:` the model is not fully defined (PydanticUserError on first use).
    The bases are followed through the measured modules' source to a class of a library
    reading annotations, or to a class of the project whose code reads them itself.
    """
    for base in sorted(facts.class_bases):
        for ancestor in ancestors(ctx.tree, base):
            if ancestor.split(".", maxsplit=1)[0] in ANNOTATION_LIBRARIES:
                return ancestor
            home, _, attr = ancestor.rpartition(".")
            found = ctx.facts(home) if home and ctx.is_own(home) else None
            if found is not None and found.needs(attr) & found.reading_annotations:
                return ancestor
    return None


def annotation_only(facts: ModuleFacts, read: frozenset[str] = frozenset()) -> list[Binding]:
    """The eager imports of a module whose names only annotations use (IA501's subject).

    `read`: names used in the annotations of classes whose annotations the project
    reads at run time (`introspect.read_at_run_time`): each stays, only that binding
    (a reader evaluates the annotations of the class it is given, its bases' and those
    of the classes they name, not the module's other annotations).

    Empty for a module that uses a library reading annotations at run time, and for a
    Cython source in pure-Python mode (it imports `cython`): compiled, its annotations
    declare C types (`am: anon_map` with `anon_map` cimported when `cython.compiled`),
    so the import is needed to build it, and the compiled module does not run it.
    """
    if facts.annotation_consumers or any(b.module.split(".")[0] == "cython"
                                         for b in facts.bindings):
        return []
    found: list[Binding] = []
    for binding in facts.bindings:
        if binding.kind is not BindingKind.EAGER or binding.module in _TYPING_MACHINERY:
            continue
        if binding.name in DATACLASS_MARKERS or binding.name in read:
            continue
        uses = facts.uses_of(binding.name)
        if uses and uses <= ANNOTATION_USES:
            found.append(binding)
    return found
