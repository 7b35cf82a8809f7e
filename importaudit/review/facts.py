"""The facts one ast pass reads from a module's source, as frozen value objects.

`module_facts` (in `importaudit.review.source`) fills a `ModuleFacts`; the review rules
read it. Here live the records and the small vocabularies the rules share about them
(how a name is used, how an import statement runs).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

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
    # A parameter annotation names it: the package takes instances of it, which for a
    # class declaring abstract methods means of the subclasses callers write.
    ACCEPTED = "accepted"


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
    # The methods it declares for subclasses to implement, with what they take or
    # return (`async def authenticate(self, conn: HTTPConnection) -> ...: raise
    # NotImplementedError()`), as (name, fewest arguments, most): an interface, if the
    # package accepts the type or calls such a method on what it is handed.
    contract: frozenset[tuple[str, int, int]] = frozenset()


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
    what: str  # e.g. "for loop", "call to build_table()", "18 calls to Table()"
    call: ImportTimeCall | None = None  # the call, when the work is one (the first of several)
    repeat: int = 1  # how many import-time statements make that call
    # For class statements grouped by the library class they derive from (its
    # metaclass or `__init_subclass__` runs for each): that class, "pydantic.BaseModel".
    base: str | None = None


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
    has_getattr: bool = False  # a PEP 562 module __getattr__ that gives names by importing
    lazy_map_names: tuple[str, ...] = ()  # names that __getattr__ can load
    lazy_modules: dict[str, str] = field(default_factory=dict)  # name -> ".mod" or "pkg.mod"
    annotation_consumers: tuple[str, ...] = ()  # imports/calls that read annotations
    # Local names decorators start with: `@` ones, and callees handed a function or
    # class of the module at import time (`act = checked(act)`).
    decorators: frozenset[str] = frozenset()
    # Top-level definitions whose code reads annotations (`__annotations__`,
    # `get_type_hints`): with `refs`, what a decorator of the module does.
    reading_annotations: frozenset[str] = frozenset()
    class_bases: frozenset[str] = frozenset()  # module-level classes' bases, resolved
    ignores: dict[int, frozenset[str] | None] = field(default_factory=dict)  # line -> codes
    # Dotted names (resolved through the imports; own globals as `module.name`) -> how
    # they are used, for names used as a marker or as if they had behaviour.
    class_uses: dict[str, frozenset[ClassUse]] = field(default_factory=dict)
    # Dotted names as in `class_uses` -> the attributes code assigns on them
    # (`C.color = ...`), and those it reads (not dunders).
    attrs_given: dict[str, frozenset[str]] = field(default_factory=dict)
    attrs_read: dict[str, frozenset[str]] = field(default_factory=dict)
    # Methods called on some object, with how many arguments: (name, count).
    method_calls: frozenset[tuple[str, int]] = frozenset()
    defined: frozenset[str] = frozenset()  # module-level names it binds (star-importable)
    star_imports: tuple[str, ...] = ()  # modules it star-imports at module level
    # Module-level names bound to another name (`QDD = core.QuasiDynamicData`) -> the
    # dotted name they are, resolved through the imports (own globals as `module.name`).
    value_aliases: dict[str, str] = field(default_factory=dict)
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

#: Uses that only annotations make (movable under TYPE_CHECKING).
ANNOTATION_USES = frozenset({Use.ANNOTATION, Use.EVALUATED_ANNOTATION})
#: dataclasses recognises these in annotations by name, even as strings.
DATACLASS_MARKERS = frozenset({"ClassVar", "InitVar", "KW_ONLY"})
