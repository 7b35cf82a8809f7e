"""Which classes the project hands to code that reads their annotations at run time.

`from __future__ import annotations` keeps an annotation a string until something asks
for its value; `typing.get_type_hints(cls)` asks, and raises NameError for a name the
class's module imports only under `if TYPE_CHECKING:`. IA501 must not move such names.
A module that calls a reader itself is skipped whole (`annotation_consumers`); this
module finds the classes whose annotations are read *elsewhere*: openai's request
parameters are TypedDicts in `openai.types`, whose resources call
`maybe_transform(params, completion_create_params.CompletionCreateParams)`, and
`openai._utils._transform` walks the TypedDict with `get_type_hints`, recursing into
the TypedDicts its fields name (`Iterable[ChatCompletionContentPartParam]`).

A class (or a type alias) is *introspected* when

- the project passes it (an argument naming it: `X`, `mod.X`, `list[X]`) to a call of
  a library reader (`READERS`, at the argument that reader reads; a method called on
  a module-level object the project made with a library class is that class's:
  `converter.structure(raw, X)` after `converter = cattrs.Converter()`), or of one of the
  project's own module-level functions that hands that parameter on to such a reader,
  transitively: through local assignments (`stripped = strip(annotation)`), calls of
  other such functions of its module, and of other modules through their imports and
  re-exports (`from ._transform import maybe_transform as maybe_transform`), or (on
  Python 3.14+, where that evaluates them) reads its `__annotations__`;
- or it is named in the annotations or bases of an introspected class, or in the value
  of an introspected type alias (`X = Union[A, B]`): readers resolve field types and
  recurse into them, and `get_type_hints` walks a class's bases too.

IA501 then keeps the bindings those annotations use, not the whole module: a reader
evaluates the annotations of the class it walks, not the module's other annotations
(function signatures), whose imports can still move.

The calls are looked for in the whole project the reviewed modules belong to, not only
in them (`ReviewContext.project_modules`): `review openai.types.chat` holds neither
openai.resources nor what loads it, and its answer must be `review openai`'s. Those
other modules have no facts: their text says whether they may take part, and their
source, parsed, what they bind. The answer depends on the project's sources only, and
is kept in the cache directory under their digest (`_Analysis.cached`).

A reader may be a method: `self._transform(params, T)` / `cls._validate(params, T)`
calls the method of the class the calling method is defined in, or of a base of it
(followed through the project's modules; an override in a subclass is not looked for),
and a name bound in a class body or at module level (`hints =
staticmethod(get_type_hints)`, `reader = get_type_hints`) reads what it is bound to. A
method is read only where a module read calls its name on `self` or `cls` (a method
called only on an instance, `client.send(...)`, does not say which class it is). An
argument reaches a reader through `*args`/`**kwargs` too (`transform(*args, **kwargs)`
forwarding them; `**options` taking `expected_type=T`), and through `functools.partial`
(`hints = partial(get_type_hints, include_extras=True)`; `walk = partial(_walk, data)`
then `walk(T)`; `partial(reader, T)` hands T on). Classes kept in containers and handed
on later are not followed. Only modules
that may take part
are parsed: those using an annotation library whose text names a reader, and those
importing a function found to read and calling it other than as a decorator
(`read_by_decorator` covers decorators); a project without readers costs one look at
each module's facts (kubernetes: 1.6% of reading them, transformers 3%).
"""

from __future__ import annotations

import ast
import bisect
import contextlib
import functools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from importaudit.review.facts import Binding, BindingKind
from importaudit.review.syntax import (
    ANNOTATION_ATTRIBUTES,
    READERS,
    dotted,
    function_locals,
    resolve_relative,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from importaudit.review.context import ReviewContext

# (`ANNOTATION_ATTRIBUTES`: reading them on a class evaluates its annotations on Python
# 3.14+ only (`__annotations__` runs `__annotate__`). Before, with `from __future__
# import annotations`, they hold strings: anthropic's `reject_unexpected_keywords` reads
# `params_type.__annotations__.keys()` of its TypedDicts, which needs no import.)
#: How a call of a library reader is written: (its package, its name).
_LIBRARY_NAMES = frozenset({(name.partition(".")[0], name.rpartition(".")[2])
                            for name in READERS})
_LIBRARY_PACKAGES = frozenset(package for package, _ in _LIBRARY_NAMES)


def _object_readers() -> dict[str, frozenset[str]]:
    """Library classes whose objects have reader methods: the class -> those methods."""
    found: dict[str, set[str]] = {}
    for name in READERS:
        owner, _, method = name.rpartition(".")
        if owner.rpartition(".")[2][:1].isupper():
            found.setdefault(owner, set()).add(method)
    return {owner: frozenset(methods) for owner, methods in found.items()}


_OBJECT_READERS = _object_readers()
#: A call on a method's receiver: `self.name(`, `cls.name(`.
_RECEIVED = re.compile(r"\b(?:self|cls)\.(\w+)\(")
#: How many rounds of "modules importing a newly found reader" are read at most.
_MAX_ROUNDS = 8


@dataclass(slots=True)
class _Call:
    """A call in a module: the callee's dotted name, what each argument names.

    `positional[i]` / `keywords[k]`: for a function's summary, the parameters whose
    values flow into that argument; for a seed, the dotted names (resolved) it names.
    From a `*args` argument on, what every later position may hold is `spread`
    (`spread_at`: where it starts); `keywords["**"]`, what a `**kwargs` argument holds.
    """

    callee: str
    positional: tuple[frozenset[str], ...]
    keywords: dict[str, frozenset[str]]
    spread: frozenset[str] = frozenset()
    spread_at: int | None = None

    def at(self, positions: Iterable[int], names: Iterable[str]) -> frozenset[str]:
        """What flows into the arguments at `positions` or with keyword `names`.

        `names` may hold `*N` (every position from N on: a callee's `*args`) and `**`
        (every keyword: its `**kwargs`); "*", every argument.
        """
        names = set(names)
        if "*" in names:
            return frozenset().union(*self.positional, *self.keywords.values(), self.spread)
        positions = set(positions)
        for name in names:
            if name[:1] == "*" and name[1:].isdigit():
                positions.update(range(int(name[1:]), len(self.positional) + 1))
        found = {n for i in positions if i < len(self.positional) for n in self.positional[i]}
        if self.spread_at is not None and any(i >= self.spread_at for i in positions):
            found |= self.spread
        for key, value in self.keywords.items():
            if key in names or "**" in names or (key == "**" and (names or positions)):
                found |= value
        return frozenset(found)


@dataclass(slots=True)
class _Function:
    """A module-level function or a method: its parameters and where their values go.

    A method's `self`/`cls` is no parameter here: `self.m(a, T)` hands `T` to the second.
    """

    params: tuple[str, ...]  # positional, in order
    kwonly: frozenset[str]
    reads: set[str]  # parameters whose annotations it reads (directly or through calls)
    passes: list[_Call]  # calls whose arguments carry parameters' values
    rest: tuple[str, str] = ("", "")  # its `*args` and `**kwargs` parameters ("": none)

    def read_at(self) -> tuple[tuple[int, ...], tuple[str, ...]]:
        """The argument positions and keywords of a call that reach `reads`.

        `*N`: the positions from N on, which `*args` takes; `**`: the keywords which
        `**kwargs` takes (`_Call.at`).
        """
        star, double = self.rest
        marks = ((f"*{len(self.params)}",) if star and star in self.reads else ()) + (
            ("**",) if double and double in self.reads else ())
        return (tuple(i for i, p in enumerate(self.params) if p in self.reads),
                tuple(sorted(self.reads - {star, double})) + marks)


@dataclass(slots=True)
class _Module:
    """What the analysis reads of one own module's source."""

    name: str
    is_package: bool
    tree: ast.Module
    source: str
    aliases: dict[str, str]  # module-level imports: local name -> dotted name
    defined: dict[str, ast.stmt]  # module-level def/class/assignment by name
    stars: tuple[str, ...]  # modules it star-imports (where that runs)
    runs: dict[str, str]  # the imports of `aliases` that run (not `if TYPE_CHECKING:`)
    # Read only for the modules that may call a reader (`_Analysis._code`): functions
    # by name, methods as `Class.method` (those whose lines name a reader found).
    functions: dict[str, _Function] | None = None
    # Names bound to a callable elsewhere (`hints = staticmethod(get_type_hints)` in a
    # class body: `Class.hints`; `reader = get_type_hints`): the callable's dotted name,
    # and how many arguments a call through it adds first (a plain function as a class
    # attribute, called on `self`, is given `self`).
    bound: dict[str, tuple[str, int]] = field(default_factory=dict)

    def resolve(self, written: str, local: dict[str, str] | None = None) -> str:
        """`written` (a dotted name as in the source) as an absolute dotted name."""
        head, _, rest = written.partition(".")
        if local is not None and head in local:
            base = local[head]
        elif head in self.aliases:
            base = self.aliases[head]
        elif head in self.defined:
            base = f"{self.name}.{head}"
        else:
            return written  # a builtin or unknown
        return f"{base}.{rest}" if rest else base


def read_at_run_time(ctx: ReviewContext) -> dict[str, dict[str, str]]:
    """Own module -> {local name: the introspected class whose annotations use it}.

    Computed once per review (kept on `ctx`), and kept in the cache directory
    (`static.cache.default_cache_dir`) for the same sources: reviews of a project and
    of its parts share it.
    """
    if ctx.introspected is None:
        ctx.introspected = _Analysis(ctx).cached()
    return ctx.introspected


class _Analysis:
    """One run of the analysis over a review's own modules."""

    def __init__(self, ctx: ReviewContext) -> None:
        self.ctx = ctx
        # The project's modules the review does not hold (`ReviewContext.project_modules`:
        # openai.resources, when openai.types.chat is reviewed): read from their source
        # alone, without the facts the review's own modules have.
        self.rest = ctx.project_modules()
        self.modules: dict[str, _Module | None] = {}
        self.coded: list[_Module] = []  # the modules whose functions and calls were read
        self._homes: dict[str, tuple[str, str] | None] = {}
        self._function_names: set[str] = set()  # (methods' and bound names too)
        self._receivers: set[str] | None = None  # see `_on_receivers`
        self._texts: dict[str, str] = {}  # module -> its source, as `_wanted` read it
        # Module-level objects of the project made by a library class with reader
        # methods (`converter = cattrs.Converter()`): dotted name -> those methods.
        self._objects: dict[str, frozenset[str]] = {}

    def cached(self) -> dict[str, dict[str, str]]:
        """`run`'s answer, from the cache when the project's sources are those it was for.

        What it says depends only on the source of each module of the project (its
        name, whether it is a package, its text), on whether the interpreter defers
        annotations itself, and on the code that reads them: the review's modules (the
        facts, the readers), how a module-level statement is found and how the project
        is walked, and the Python running it (what its `ast` parses). The digest of
        those is the key.
        """
        import hashlib
        import json
        import sys
        from pathlib import Path

        from importaudit._version import __version__
        from importaudit.runtime import absent
        from importaudit.static import discover
        from importaudit.static.cache import default_cache_dir, write_cache_file

        names = sorted({*self.ctx.modules, *self.rest})
        digest = hashlib.sha256(f"{__version__}\0{self.ctx.lazy_annotations}\0"
                                f"{sys.version_info[:2]}".encode())
        codes = sorted(Path(__file__).parent.glob("*.py"))  # (what the analysis is)
        for code in (*codes, Path(absent.__file__), Path(discover.__file__)):
            digest.update(code.read_bytes())
        for name in names:
            own = self.ctx.modules.get(name) or self.rest[name]
            text = self._text(name) if own.file is not None else ""
            digest.update(f"\0{name}\0{own.is_package}\0{len(text)}\0".encode())
            digest.update(text.encode("utf-8", "surrogatepass"))
        key = digest.hexdigest()
        projects = hashlib.sha256("\0".join(sorted(self.ctx.own)).encode()).hexdigest()
        path = default_cache_dir() / f"introspect-{projects[:16]}.json"
        with contextlib.suppress(OSError, ValueError, TypeError, AttributeError, KeyError):
            data = json.loads(path.read_text(encoding="utf-8"))
            if data["key"] == key:
                return {module: dict(names) for module, names in data["kept"].items()}
        kept = self.run()
        write_cache_file(path, json.dumps({"key": key, "kept": kept}, separators=(",", ":")))
        return kept

    def run(self) -> dict[str, dict[str, str]]:
        """Own module -> {local name: the introspected class whose annotations use it}."""
        ctx = self.ctx
        # (A module of `rest` counts where its text names a reader: `_wanted`.)
        todo = {f.name for f in ctx.all_facts() if f.annotation_consumers} | set(self.rest)
        self._objects = self._reader_objects(todo)
        todo |= self._importers({(o.rpartition(".")[0], o.rpartition(".")[2])
                                 for o in self._objects})
        readers: set[tuple[str, str]] = set()
        for _ in range(_MAX_ROUNDS):
            # Only a module whose text names a reader can call one (kubernetes' 1826
            # modules all import pydantic; none calls a reader).
            for name in sorted(todo):
                wanted = self._wanted(name, readers)
                if wanted:
                    self._code(name, wanted)
            found = self._settle()
            if found <= readers:
                break
            # (Those of `rest` not read yet named no reader known before: the new ones?
            # A module read already is read again for its methods naming a new one.)
            named = {n.rpartition(".")[2] for _, n in found - readers}
            readers = found
            todo = (self._importers(readers) | {home for home, _ in readers} | {
                m for m in self.rest if any(n in self._text(m) for n in named)})
        return self._spread(self._seeds(readers))

    # ------------------------------------------------------------- reading modules
    def _read(self, name: str) -> _Module | None:
        """The module's imports and definitions (its source parsed once)."""
        if name not in self.modules:
            own = self.ctx.modules.get(name) or self.rest.get(name)
            module = None
            if own is not None and own.file is not None:
                text = self._text(name)
                tree = _parse(text, own.file) if text else None
                if tree is not None:
                    module = _scope(name, own.is_package, tree, text)
            self.modules[name] = module
        return self.modules[name]

    def _wanted(self, name: str, readers: set[tuple[str, str]]) -> set[str]:
        """The names of readers the source of module `name` may call (read as text).

        A library reader's name counts where the library's name is written too
        (`decode` alone is everywhere, `msgspec` with it is not); a function of the
        project's where it is called other than as a decorator (`@auto_docstring` on
        1800 transformers modules: a decorator that reads annotations is
        `read_by_decorator`'s, for the whole module).
        """
        text = self._text(name)
        found = {tail for tail in {n.rpartition(".")[2] for _, n in readers}
                 if _called(text, tail)}
        packages = {package for package in _LIBRARY_PACKAGES if package in text}
        found.update(tail for package, tail in _LIBRARY_NAMES
                     if package in packages and tail in text)
        found.update(method for dotted_name, methods in self._objects.items()
                     if dotted_name.rpartition(".")[2] in text
                     for method in methods if method in text)
        if self.ctx.lazy_annotations:
            found.update(attr for attr in ANNOTATION_ATTRIBUTES if attr in text)
        return found

    def _text(self, name: str) -> str:
        """The source of own module `name` ("" when it has none)."""
        if name not in self._texts:
            facts = self.ctx.facts(name) if name in self.ctx.modules else None
            rest = self.rest.get(name)
            path = facts.path if facts is not None else rest.file if rest is not None else None
            try:
                with open(path or "", "rb") as stream:
                    self._texts[name] = stream.read().decode("utf-8")
            except (OSError, UnicodeDecodeError):
                self._texts[name] = ""
        return self._texts[name]

    def _code(self, name: str, wanted: set[str]) -> None:
        """Read the functions and calls of module `name` too.

        Its functions once, its methods and class attributes as the readers `wanted`
        (the names its text may call) are found: those whose lines name one.
        """
        module = self._read(name)
        if module is None:
            return
        from importaudit.runtime.absent import module_level

        if module.functions is None:
            module.functions = {}
            # (Under `if`/`try`/`with` too: `if sys.version_info >= ...: def
            # get_type_hints`. Of two definitions of one name, the later is read.)
            for stmt in module_level(module.tree.body):
                if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                    module.functions[stmt.name] = _function(
                        module, stmt, attributes=self.ctx.lazy_annotations)
                    self._function_names.add(stmt.name)
                elif isinstance(stmt, ast.Assign) and (
                        bound := _binding(module, stmt, None)) is not None:
                    module.bound[bound[0]] = bound[1]
                    self._function_names.add(bound[0])
            self.coded.append(module)
        lines = _lines(module.source, wanted)
        for stmt in module_level(module.tree.body) if lines else ():
            if not isinstance(stmt, ast.ClassDef) or not _spans(lines, stmt):
                continue
            for inner in stmt.body:
                if not _spans(lines, inner):
                    continue
                # (A method counts where the project calls it on `self`/`cls`: openai's
                # resources' 2,500 `create(...)`, each naming maybe_transform, are not.)
                if isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef) and (
                        inner.name in self._on_receivers()):
                    key = f"{stmt.name}.{inner.name}"
                    if key not in module.functions:
                        module.functions[key] = _function(
                            module, inner, attributes=self.ctx.lazy_annotations,
                            owner=stmt.name)
                        self._function_names.add(inner.name)
                elif isinstance(inner, ast.Assign) and (
                        bound := _binding(module, inner, stmt.name)) is not None:
                    module.bound[f"{stmt.name}.{bound[0]}"] = bound[1]
                    self._function_names.add(bound[0])

    def _on_receivers(self) -> set[str]:
        """The names the project's modules call on `self` or `cls` (`self._transform(`).

        A method is summarised only where one is (openai's resources' 2,500
        `create(...)`, each naming maybe_transform, are not).
        """
        if self._receivers is None:
            # Every module of the project, read as text once: a subclass in another
            # module calls the base's reading method (`class Client(Base)`, then
            # `self._transform(params, Letter)`), and no reader is named there, so
            # the modules read so far do not hold that call.
            self._receivers = set()
            for name in sorted({*self.ctx.modules, *self.rest}):
                self._receivers.update(_RECEIVED.findall(self._text(name)))
        return self._receivers

    def _importers(self, readers: set[tuple[str, str]]) -> set[str]:
        """Own modules whose imports may name one of `readers` (cheap, from facts).

        A method's callers elsewhere import its class (a subclass's `self.m(...)`).
        """
        names = {attr.partition(".")[0] for _, attr in readers}
        homes = {home for home, attr in readers if "." not in attr}
        found: set[str] = set()
        for facts in self.ctx.all_facts():
            for binding in facts.bindings:
                if binding.attr in names or (self.ctx.is_module(binding.target) and any(
                        h == binding.target or h.startswith(binding.target + ".")
                        for h in homes)):
                    found.add(facts.name)
                    break
        return found

    # ------------------------------------------------------------- resolving names
    def home(self, name: str) -> tuple[str, str] | None:
        """(module defining it, its name there) for dotted `name`, following re-exports.

        Through the own modules' imports (`from .x import Y as Y`, the last one that
        runs) and star imports; a name of another package stops at the module it is
        taken from. None for a module, or what cannot be found.
        """
        if name not in self._homes:
            self._homes[name] = self._find_home(name)
        return self._homes[name]

    def _split(self, name: str) -> tuple[str, str] | None:
        module, _, attr = name.rpartition(".")
        while module and not self._is_module(module):
            module, _, head = module.rpartition(".")
            attr = f"{head}.{attr}"
        if not module or "." in attr or self._is_module(name):
            return None
        return module, attr

    def _is_module(self, name: str) -> bool:
        return self.ctx.is_module(name) or name in self.rest

    def _find_home(self, name: str) -> tuple[str, str] | None:
        found = self._split(name)
        seen: set[tuple[str, str]] = set()
        while found is not None and found not in seen:
            seen.add(found)
            module, attr = found
            if module in self.rest:  # (no facts: its source says what it binds)
                read = self._read(module)
                if read is None:
                    return found
                bound, defined, stars = read.runs.get(attr), attr in read.defined, read.stars
            else:
                # The module's facts say what it binds: no need to parse it.
                facts = self.ctx.facts(module) if self.ctx.is_own(module) else None
                if facts is None:
                    return found
                taken = [b for b in facts.bindings
                         if b.name == attr and b.kind is not BindingKind.TYPE_ONLY]
                bound = _dotted(taken[-1]) if taken else None
                defined, stars = attr in facts.defined, facts.star_imports
            if bound is not None:
                found = self._split(bound)
            elif defined:
                return found
            else:
                starred = [s for s in stars if attr in self._star_names(s)]
                found = (starred[0], attr) if starred else None
        return None

    def _star_names(self, module: str) -> frozenset[str]:
        """The names `from module import *` takes (`ReviewContext.star_names`)."""
        read = self._read(module) if module in self.rest else None
        if read is None:
            return self.ctx.star_names(module)
        listed = read.defined.get("__all__")
        if isinstance(listed, ast.Assign):
            with contextlib.suppress(ValueError, TypeError, SyntaxError, RecursionError):
                return frozenset(str(n) for n in ast.literal_eval(listed.value))
        return frozenset(n for n in (*read.defined, *read.runs) if not n.startswith("_"))

    def function(self, name: str) -> _Function | None:
        """The summary of own function or method `name` (dotted), if it was read."""
        place = self._place(name)
        return place[0].functions.get(place[1]) if place and place[0].functions else None

    def _place(self, name: str) -> tuple[_Module, str] | None:
        """The read module where dotted `name` is a function, method or bound name.

        With its key there (`f`, `Class.method`); a method a class inherits is its base's
        (bases followed through the project's modules).
        """
        if name.rpartition(".")[2] not in self._function_names:
            return None  # the common case: no function of that name was read
        found = self.home(name)
        if found is not None:
            module = self.modules.get(found[0])
            return (module, found[1]) if module is not None else None
        owner, _, member = name.rpartition(".")
        found = self.home(owner)
        return self._in_class(found, member, set()) if found is not None else None

    def _in_class(self, cls: tuple[str, str], member: str,
                  seen: set[tuple[str, str]]) -> tuple[_Module, str] | None:
        """Where class `cls` (module, name) gets `member` from: itself, or a base."""
        module = self._read(cls[0]) if self.ctx.is_own(cls[0]) else None
        if module is None or cls in seen:
            return None
        seen.add(cls)
        key = f"{cls[1]}.{member}"
        if key in (module.functions or {}) or key in module.bound:
            return module, key
        node = module.defined.get(cls[1])
        for base in node.bases if isinstance(node, ast.ClassDef) else ():
            written = dotted(base)
            found = self.home(module.resolve(written)) if written is not None else None
            place = self._in_class(found, member, seen) if found is not None else None
            if place is not None:
                return place
        return None

    def _spec(self, callee: str, depth: int = 0,
              ) -> tuple[tuple[int, ...], tuple[str, ...]] | None:
        """The arguments a call of `callee` hands to a reader of annotations, if any.

        A library reader's (`READERS`), or those of a function or method of the
        project's that reaches one, or of what a name is bound to (`_Module.bound`).
        """
        spec = self.library_reader(callee)
        if spec is not None:
            return spec
        place = self._place(callee)
        if place is None:
            return None
        module, key = place
        function = (module.functions or {}).get(key)
        if function is not None:
            return function.read_at() if function.reads else None
        target, added = module.bound.get(key, ("", 0))
        spec = self._spec(target, depth + 1) if target and depth < _MAX_ROUNDS else None
        if spec is None or not added:
            return spec
        # (The arguments it adds come first: what the target reads from position N on,
        # its `*args`, a call through the name gives from position N - added on.)
        return tuple(i - added for i in spec[0] if i >= added), tuple(
            f"*{max(int(n[1:]) - added, 0)}" if n[:1] == "*" and n[1:].isdigit() else n
            for n in spec[1])

    def library_reader(self, callee: str) -> tuple[tuple[int, ...], tuple[str, ...]] | None:
        """What a library reader `callee` reads (`READERS`), if it is one.

        A method called on a module-level object of the project counts as the method of
        the library class that made it: `converter = cattrs.Converter()` in the module
        or another of the project, then `converter.structure(raw, Config)`.
        """
        spec = READERS.get(callee)
        receiver, _, method = callee.rpartition(".")
        if spec is not None or not receiver:
            return spec
        found = self.home(receiver)
        made_by = self._made_by(*found) if found is not None else None
        return READERS.get(f"{made_by}.{method}") if made_by else None

    def _made_by(self, module_name: str, name: str) -> str | None:
        """The class (dotted) whose call made module-level `name` of an own module."""
        module = self._read(module_name) if self.ctx.is_own(module_name) else None
        node = module.defined.get(name) if module is not None else None
        if (module is None or not isinstance(node, ast.Assign | ast.AnnAssign)
                or not isinstance(node.value, ast.Call)):
            return None
        written = dotted(node.value.func)
        return module.resolve(written) if written else None

    def _reader_objects(self, consumers: set[str]) -> dict[str, frozenset[str]]:
        """The own module-level objects made by a class of `_OBJECT_READERS`.

        Only modules using an annotation library whose text names such a class are
        parsed (the project's converter module: `converter = cattrs.Converter()`).
        """
        tails = {cls.rpartition(".")[2] for cls in _OBJECT_READERS}
        found: dict[str, frozenset[str]] = {}
        for name in sorted(consumers):
            if not any(tail in self._text(name) for tail in tails):
                continue
            module = self._read(name)
            for defined in module.defined if module is not None else ():
                made_by = self._made_by(name, defined)
                if made_by in _OBJECT_READERS:
                    found[f"{name}.{defined}"] = _OBJECT_READERS[made_by]
        return found

    # ------------------------------------------------------------- readers
    def _settle(self) -> set[tuple[str, str]]:
        """Spread `reads` through the calls between read functions; the readers found."""
        changed = True
        while changed:
            changed = False
            for module in self.coded:
                for function in (module.functions or {}).values():
                    for call in function.passes:
                        spec = self._spec(call.callee)
                        if spec is None:
                            continue
                        new = call.at(*spec) - function.reads
                        if new:
                            function.reads |= new
                            changed = True
        return {(m.name, n) for m in self.coded
                for n, f in (m.functions or {}).items() if f.reads} | {
            (m.name, n) for m in self.coded for n in m.bound
            if self._spec(f"{m.name}.{n}") is not None}

    # ------------------------------------------------------------- classes
    def _seeds(self, readers: set[tuple[str, str]]) -> set[str]:
        """Dotted names the project hands to a reader (a library's or a function in `readers`)."""
        found: set[str] = set()
        for module in self.coded:
            for call in _seed_calls(module, self._wanted(module.name, readers)):
                spec = self._spec(call.callee)
                if spec is not None:
                    found |= call.at(*spec)
        return found

    def _spread(self, seeds: set[str]) -> dict[str, dict[str, str]]:
        """Follow the introspected names into the annotations, bases and aliases they use."""
        kept: dict[str, dict[str, str]] = {}
        seen: set[tuple[str, str]] = set()
        todo = sorted(seeds)
        while todo:
            found = self.home(todo.pop())
            if found is None or found in seen or not self.ctx.is_own(found[0]):
                continue
            seen.add(found)
            module = self._read(found[0])
            node = module.defined.get(found[1]) if module is not None else None
            if module is None or node is None:
                continue
            for written in _type_names(node):
                head = written.partition(".")[0]
                if head in module.aliases:
                    kept.setdefault(module.name, {}).setdefault(head, found[1])
                todo.append(module.resolve(written))
        return kept


# ----------------------------------------------------------------- one module's source
def _called(text: str, name: str) -> bool:
    """Whether `text` calls `name` other than as a decorator.

    `name(` and `module.name(` (`_utils.maybe_transform(...)`), not `@name(` nor
    `@module.name(`.
    """
    at = text.find(name)
    while at != -1:
        before = text[at - 1] if at else " "
        after = text[at + len(name):at + len(name) + 40].lstrip()
        if not (before.isalnum() or before in "_@") and after.startswith("("):
            start = at
            while start and (text[start - 1].isalnum() or text[start - 1] in "_."):
                start -= 1  # (back over the dotted name it ends)
            if not start or text[start - 1] != "@":
                return True
        at = text.find(name, at + len(name))
    return False


def _lines(source: str, wanted: set[str]) -> list[int]:
    """The numbers of the lines of `source` naming one of `wanted` (in order)."""
    if not wanted:
        return []
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(wanted))) + r")\b")
    return ([n for n, line in enumerate(source.splitlines(), 1) if pattern.search(line)]
            if pattern.search(source) else [])


def _spans(lines: list[int], node: ast.stmt) -> bool:
    """Whether `node` holds one of `lines` (sorted)."""
    at = bisect.bisect_left(lines, node.lineno)
    return at < len(lines) and lines[at] <= (node.end_lineno or node.lineno)


def _receiver(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """The name a method is given its instance or class by (None: a staticmethod)."""
    if any((dotted(d) or "").rpartition(".")[2] == "staticmethod" for d in node.decorator_list):
        return None
    args = [*node.args.posonlyargs, *node.args.args]
    return args[0].arg if args else None


def _binding(module: _Module, stmt: ast.Assign, owner: str | None,
             ) -> tuple[str, tuple[str, int]] | None:
    """`name = f` / `staticmethod(f)` / `partial(f, ...)`: (name, (f, arguments added)).

    In a class body (`owner`), a plain function is given the instance first when
    called on `self`: one argument added; `staticmethod` adds none, nor does a name
    bound at module level; a partial adds the positional arguments it binds.
    """
    if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
        return None
    value, added = stmt.value, 0 if owner is None else 1
    if (isinstance(value, ast.Call) and len(value.args) == 1 and not value.keywords
            and (dotted(value.func) or "").rpartition(".")[2] == "staticmethod"):
        value, added = value.args[0], 0
    fixed = _partial(value)
    if fixed is not None:  # (a partial is given the arguments it binds first, no `self`)
        value, added = fixed.args[0], len(fixed.args) - 1
    written = dotted(value)
    if written is None:
        return None
    return stmt.targets[0].id, (module.resolve(written), added)


def _dotted(binding: Binding) -> str:
    """What an import binds its name to, as a dotted name (`import a.b` binds `a`)."""
    if binding.attr:
        return f"{binding.module}.{binding.attr}"
    head: str = binding.module.partition(".")[0]
    return head if binding.name == head else str(binding.module)


def _parse(source: str, path: str) -> ast.Module | None:
    """The syntax tree of a module's source (None: it does not parse)."""
    try:
        return ast.parse(source, path)
    except (SyntaxError, ValueError, RecursionError):
        return None


def _scope(name: str, is_package: bool, tree: ast.Module, source: str) -> _Module:
    """The imports and definitions of one module (statements under `if`/`try` too)."""
    from importaudit.runtime.absent import module_level

    aliases: dict[str, str] = {}
    defined: dict[str, ast.stmt] = {}
    runs: dict[str, str] = {}
    stars: list[str] = []
    for stmt in module_level(tree.body, runs=True):
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            runs.update(_imports(name, is_package, stmt))
        if isinstance(stmt, ast.ImportFrom) and any(a.name == "*" for a in stmt.names):
            stars.append(resolve_relative(name, is_package, stmt.level, stmt.module))
    for stmt in module_level(tree.body):
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            aliases.update(_imports(name, is_package, stmt))
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            defined[stmt.name] = stmt
        elif isinstance(stmt, ast.Assign | ast.AnnAssign) or _is_type_alias(stmt):
            targets = (stmt.targets if isinstance(stmt, ast.Assign)
                       else [stmt.target] if isinstance(stmt, ast.AnnAssign)
                       else [getattr(stmt, "name", None)])
            for target in targets:
                if isinstance(target, ast.Name):
                    defined[target.id] = stmt
    return _Module(name, is_package, tree, source, aliases, defined, tuple(stars), runs)


def _imports(module: str, is_package: bool, stmt: ast.Import | ast.ImportFrom,
             ) -> dict[str, str]:
    if isinstance(stmt, ast.Import):
        return {(a.asname or a.name.partition(".")[0]):
                (a.name if a.asname else a.name.partition(".")[0]) for a in stmt.names}
    source = resolve_relative(module, is_package, stmt.level, stmt.module)
    return {(a.asname or a.name): f"{source}.{a.name}" for a in stmt.names
            if a.name != "*" and source}


def _local_imports(module: _Module,
                   node: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, str]:
    found: dict[str, str] = {}
    for inner in ast.walk(node):
        if isinstance(inner, ast.Import | ast.ImportFrom):
            found.update(_imports(module.name, module.is_package, inner))
    return found


def _function(module: _Module, node: ast.FunctionDef | ast.AsyncFunctionDef, *,
              attributes: bool, owner: str | None = None) -> _Function:
    """Which parameters' values reach which calls, and which it reads itself.

    `attributes`: reading `__annotations__` evaluates them (Python 3.14+). `owner`: the
    class of a method, whose `self.x(...)`/`cls.x(...)` calls its own `x`.
    """
    args = node.args
    params = tuple(a.arg for a in [*args.posonlyargs, *args.args])
    this = _receiver(node) if owner is not None else None
    if this is not None:
        params = params[1:]
    kwonly = frozenset(a.arg for a in args.kwonlyargs)
    rest = (args.vararg.arg if args.vararg else "", args.kwarg.arg if args.kwarg else "")
    flows: dict[str, set[str]] = {p: {p} for p in (*params, *kwonly, *rest) if p}
    assigns = [(targets, value) for targets, value in _assignments(node)]
    changed = True
    while changed:  # `inner = annotation`, then `stripped = strip(inner)`
        changed = False
        for targets, value in assigns:
            carried = _carried(value, flows)
            for target in targets:
                if not carried <= flows.setdefault(target, set()):
                    flows[target] |= carried
                    changed = True
    local = _local_imports(module, node)
    locals_ = function_locals(node)
    # `walk = functools.partial(f, data)`: a call of `walk` calls f, `data` first.
    partials = {targets[0]: value for targets, value in assigns
                if len(targets) == 1 and _partial(value) is not None}
    reads: set[str] = set()
    passes: list[_Call] = []
    for inner in ast.walk(node):
        if (attributes and isinstance(inner, ast.Attribute)
                and inner.attr in ANNOTATION_ATTRIBUTES):
            reads |= _carried(inner.value, flows)
        if not isinstance(inner, ast.Call):
            continue
        written = dotted(inner.func)
        if attributes and written == "getattr" and len(inner.args) >= 2 and isinstance(
                inner.args[1], ast.Constant) and inner.args[1].value in ANNOTATION_ATTRIBUTES:
            reads |= _carried(inner.args[0], flows)
        # (A partial made of a function is a call of it with the arguments it binds;
        # one made here and called is a call of it with those and the call's.)
        made = partials.get(written or "")
        fixed = _partial(made) if made is not None else _partial(inner)
        if fixed is not None:
            written = dotted(fixed.args[0])
        callee = _callee(module, written, (owner or "", this or ""), local, locals_)
        if callee is None:
            continue
        call = _call(callee, [*fixed.args[1:], *(inner.args if made is not None else ())]
                     if fixed is not None else inner.args,
                     [*fixed.keywords, *(inner.keywords if made is not None else ())]
                     if fixed is not None else inner.keywords,
                     lambda expr: frozenset(_carried(expr, flows)))
        if any(call.positional) or any(call.keywords.values()) or call.spread:
            passes.append(call)
    return _Function(params, kwonly, reads & {*params, *kwonly, *rest}, passes, rest)


def _partial(expr: ast.expr) -> ast.Call | None:
    """`functools.partial(f, ...)` (f a dotted name), else None."""
    if (isinstance(expr, ast.Call) and expr.args and dotted(expr.args[0]) is not None
            and (dotted(expr.func) or "").rpartition(".")[2] == "partial"):
        return expr
    return None


def _call(callee: str, args: list[ast.expr], keywords: list[ast.keyword],
          carried: Callable[[ast.expr], frozenset[str]]) -> _Call:
    """A `_Call` of `callee` with these arguments, what each carries by `carried`."""
    positional: list[frozenset[str]] = []
    spread: frozenset[str] = frozenset()
    spread_at: int | None = None
    for at, arg in enumerate(args):
        if spread_at is None and isinstance(arg, ast.Starred):
            spread_at = at
        if spread_at is None:
            positional.append(carried(arg))
        else:  # (`*args` and what follows it: any position from there on)
            spread |= carried(arg)
    named: dict[str, frozenset[str]] = {}
    for keyword in keywords:
        key = keyword.arg if keyword.arg is not None else "**"
        named[key] = named.get(key, frozenset()) | carried(keyword.value)
    return _Call(callee, tuple(positional), named, spread, spread_at)


def _callee(module: _Module, written: str | None, method: tuple[str, str],
            local: dict[str, str], locals_: set[str]) -> str | None:
    """The dotted name a call written `written` calls (None: a local, or not a name).

    `method`: the class and receiver (`self`) of the method it is in ("": none).
    """
    if written is None:
        return None
    head, _, rest = written.partition(".")
    owner, this = method
    if this and head == this and rest:
        return f"{module.name}.{owner}.{rest}"
    if head in locals_ and head not in local:
        return None
    return module.resolve(written, local)


def _assignments(node: ast.AST) -> Iterator[tuple[list[str], ast.expr]]:
    """(names bound, the expression they are bound from) for each binding in `node`."""
    for inner in ast.walk(node):
        if isinstance(inner, ast.Assign):
            yield _names(inner.targets), inner.value
        elif isinstance(inner, ast.AnnAssign | ast.AugAssign) and inner.value is not None:
            yield _names([inner.target]), inner.value
        elif isinstance(inner, ast.NamedExpr):
            yield [inner.target.id], inner.value
        elif isinstance(inner, ast.For | ast.AsyncFor | ast.comprehension):
            yield _names([inner.target]), inner.iter
        elif isinstance(inner, ast.withitem) and inner.optional_vars is not None:
            yield _names([inner.optional_vars]), inner.context_expr


def _names(targets: list[ast.expr]) -> list[str]:
    return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]


def _carried(expr: ast.expr, flows: dict[str, set[str]]) -> set[str]:
    """The parameters whose values an expression may carry."""
    found: set[str] = set()
    for inner in ast.walk(expr):
        if isinstance(inner, ast.Name) and inner.id in flows:
            found |= flows[inner.id]
    return found


def _seed_calls(module: _Module, wanted: set[str]) -> Iterator[_Call]:
    """The calls of a function named in `wanted`, with the names each argument names.

    Anywhere in the module (methods too); a name local to an enclosing function is
    not the module's, and names imported in a function are resolved there.
    """
    scopes: dict[int, tuple[dict[str, str], set[str]]] = {}

    def scope(functions: tuple[ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, ...],
              ) -> tuple[dict[str, str], set[str]]:
        key = id(functions[-1]) if functions else 0
        if key not in scopes:
            local, shadowed = scope(functions[:-1]) if functions else ({}, set())
            if functions:
                inner = functions[-1]
                more = {} if isinstance(inner, ast.Lambda) else _local_imports(module, inner)
                local = {**local, **more}
                shadowed = shadowed | (function_locals(inner) - set(more))
            scopes[key] = (local, shadowed)
        return scopes[key]

    if not wanted:
        return
    # The lines naming a wanted function: statements elsewhere are not walked (most of
    # a module's source; walking every node of openai's resources doubled IA501's time).
    lines = _lines(module.source, wanted)
    # A method's receiver (`self`, `cls`) calls its class's methods: id -> (class, name).
    from importaudit.runtime.absent import module_level

    methods = {id(inner): (stmt.name, this)
               for stmt in module_level(module.tree.body) if isinstance(stmt, ast.ClassDef)
               for inner in stmt.body if isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef)
               and (this := _receiver(inner)) is not None}
    todo: list[tuple[ast.AST, tuple[ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda,
                                    ...]]] = [(module.tree, ())] if lines else []
    while todo:
        node, functions = todo.pop()
        for inner in ast.iter_child_nodes(node):
            start, end = getattr(inner, "lineno", None), getattr(inner, "end_lineno", None)
            if start is not None and end is not None:
                at = bisect.bisect_left(lines, start)
                if at == len(lines) or lines[at] > end:
                    continue
            if isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                todo.append((inner, (*functions, inner)))
                continue
            todo.append((inner, functions))
            if not isinstance(inner, ast.Call):
                continue
            # (`partial(reader, T)` hands T to the reader, as a call of it would.)
            fixed = _partial(inner)
            written = dotted(fixed.args[0] if fixed is not None else inner.func)
            if written is None or written.rpartition(".")[2] not in wanted:
                continue
            local, shadowed = scope(functions)
            owner, this = methods.get(id(functions[0]), ("", "")) if functions else ("", "")
            head, _, rest = written.partition(".")
            if this and head == this and rest:
                callee = f"{module.name}.{owner}.{rest}"
            elif head not in shadowed:
                callee = module.resolve(written, local)
            else:
                continue
            yield _call(callee, fixed.args[1:] if fixed is not None else inner.args,
                        (fixed or inner).keywords,
                        functools.partial(_named, module=module, local=local,
                                          shadowed=shadowed))


def _named(expr: ast.expr, module: _Module, local: dict[str, str],
           shadowed: set[str]) -> frozenset[str]:
    """The dotted names (resolved) an argument names: `X`, `mod.X`, `list[X]`."""
    return frozenset(module.resolve(w, local) for w in _written(expr, strings=False)
                     if w.partition(".")[0] not in shadowed)


def _written(expr: ast.expr, *, strings: bool = True) -> Iterator[str]:
    """The dotted names written in an expression (`strings`: in string annotations too)."""
    todo: list[ast.AST] = [expr]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Attribute | ast.Name):
            name = dotted(node)
            if name is not None:
                yield name
                continue
        if strings and isinstance(node, ast.Constant) and isinstance(node.value, str):
            with contextlib.suppress(SyntaxError, ValueError):
                todo.append(ast.parse(node.value, mode="eval").body)
            continue
        todo.extend(ast.iter_child_nodes(node))


def _is_type_alias(node: ast.stmt) -> bool:
    """A `type X = ...` statement (ast.TypeAlias, which Python 3.11 does not have)."""
    return type(node).__name__ == "TypeAlias"


def _signature_names(node: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[str]:
    """The names written in a function's parameter and return annotations."""
    args = node.args
    for arg in (*args.posonlyargs, *args.args, args.vararg, *args.kwonlyargs, args.kwarg):
        if arg is not None and arg.annotation is not None:
            yield from _written(arg.annotation)
    if node.returns is not None:
        yield from _written(node.returns)


def _type_names(node: ast.stmt) -> Iterator[str]:
    """What a reader resolves from a definition.

    A class's field annotations, its bases and its `__init__`'s signature, a type
    alias's value, a function's signature (FastAPI's dependencies and endpoints).
    """
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        yield from _signature_names(node)
    elif isinstance(node, ast.ClassDef):
        for base in node.bases:
            yield from _written(base)
        for stmt in node.body:
            if isinstance(stmt, ast.AnnAssign):
                yield from _written(stmt.annotation)
            elif isinstance(stmt, ast.FunctionDef) and stmt.name == "__init__":
                yield from _signature_names(stmt)
    elif isinstance(node, ast.Assign):
        yield from _written(node.value)
    elif _is_type_alias(node):  # `type X = A | B` (Python 3.12+)
        yield from _written(getattr(node, "value", ast.Constant(None)))
    elif isinstance(node, ast.AnnAssign):
        yield from _written(node.annotation)
        if node.value is not None:
            yield from _written(node.value)
