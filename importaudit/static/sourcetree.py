"""What a walk of source trees finds: modules by name, and the terms it finds them by.

`SourceTree` is THE list of the modules of the targets (`discover` fills it; the static
graph reads it and `profile --tree` imports it in order). `SearchPath` is where module
names are looked up (the measured interpreter's sys.path), `Exclusions` what a walk
leaves out, and `module_of_file` the one place where a file name becomes a module name
(a compiled module of any interpreter's ABI tag included).
"""

from __future__ import annotations

import fnmatch
import importlib.machinery
import os
import re
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ast
    from collections.abc import Callable, Collection, Mapping, Sequence

    from importaudit.model import ScanProblem

#: A compiled module's file name: the module's name, an ABI tag of any interpreter
#: (`.cpython-311-x86_64-linux-gnu`, `.abi3`, `.cp311-win_amd64`, `.pypy310-pp73-...`)
#: or none, then `.so` or `.pyd`. Not only the running interpreter's tags: the tree may
#: be installed for another Python (`--python`), and its modules are the same.
_COMPILED = re.compile(r"([^.]+)(?:\.(?:cpython|cp\d|pypy|abi\d|graalpy)[^.]*)?\.(?:so|pyd)")
_COMPILED_TAILS = (".so", ".pyd")
MODULE_TAILS = (".py", *_COMPILED_TAILS)  # a cheap first test per directory entry

#: Last parts of a module name that make it a test package (left out of walks by default).
#: Test packages, also marked private (trio's `_tests`, pandas' `_testing`).
TEST_NAMES = frozenset({"test", "tests", "testing", "conftest", "_tests", "_testing"})


def module_of_file(filename: str) -> tuple[str, bool] | None:
    """The module a file of a package directory is, and whether it is compiled.

    The one place where a file name becomes a module name. `("linegen", True)` for
    `linegen.cpython-311-x86_64-linux-gnu.so`, `("cli", False)` for `cli.py`; None for
    a file that is no module. The name may still be no identifier (then only
    `importlib.import_module` can name it, and with a dot in it nothing can);
    `__init__` is the package itself.
    """
    if filename.endswith(".py"):
        return filename[:-3], False
    if filename.endswith(_COMPILED_TAILS):
        match = _COMPILED.fullmatch(filename)
        if match is not None:
            return match.group(1), True
    return None


@dataclass(frozen=True, slots=True)
class SearchPath:
    """Where module names are looked up: the sys.path of the interpreter being measured.

    `python` is that interpreter (None: the one running importaudit, whose meta-path
    finders, editable installs included, are then asked too). `locate` asks the
    measured interpreter's own finders about a top-level name the path finder did not
    find (editable installs put finders on sys.meta_path): its spec's origin and
    submodule search locations, or None. `first`: folders looked in before any other,
    the current directory included (`Measure.search_first`), as the child puts them
    first on its sys.path.
    """

    entries: tuple[str, ...]
    builtins: frozenset[str] = frozenset()
    extension_suffixes: tuple[str, ...] = ()  # in its import system's order
    python: str | None = None
    locate: Callable[[str], tuple[str | None, tuple[str, ...]] | None] | None = field(
        default=None, compare=False)
    first: tuple[str, ...] = ()
    # The measured interpreter's version, when it is not this one: a newer one parses
    # files this one rejects (`static.foreign`).
    version: tuple[int, ...] | None = None

    @classmethod
    def current(cls) -> SearchPath:
        """The sys.path, builtins and extension suffixes of the running interpreter."""
        return cls(tuple(sys.path), frozenset(sys.builtin_module_names),
                   tuple(importlib.machinery.EXTENSION_SUFFIXES))

    @property
    def suffixes(self) -> tuple[str, ...]:
        """Extension suffixes in import order (this interpreter's when none were given)."""
        return self.extension_suffixes or tuple(importlib.machinery.EXTENSION_SUFFIXES)


def name_root(name: str, file: str) -> str | None:
    """The folder dotted module `name`, found in `file`, starts in (its top's parent).

    None when the path does not spell the name (a zip archive, a module loaded under
    another name).
    """
    path = os.path.abspath(file)
    stem = os.path.basename(path).partition(".")[0]  # `mod.py`, `mod.cpython-311-...so`
    spelled = [*name.split("."), *(["__init__"] if stem == "__init__" else [])]
    folders = path.split(os.sep)[:-1]
    cut = len(folders) - len(spelled) + 1  # where the name starts on the path
    if cut < 1 or [*folders[cut:], stem] != spelled:
        return None
    return os.sep.join(folders[:cut])


def project_package(name: str, file: str | None) -> str:
    """The package module `name` (found in `file`) belongs to as a project's code.

    Its top-level package, unless that is a namespace package shared by many
    distributions (`shared_folder`: `google`, `azure.storage`, `backports`): then the
    first package down the name that is not (`google.cloud.storage` for
    `google.cloud.storage.blob`; google.auth and google.protobuf are other projects).
    Read on disk beside `file`; a name the path does not spell (a zip archive, a
    module without a file) keeps its top-level package.
    """
    parts = name.split(".")
    top = parts[0]
    base = name_root(name, file) if file is not None and len(parts) > 1 else None
    if base is None:
        return top
    for depth in range(1, len(parts) + 1):
        folder = os.path.join(base, *parts[:depth])
        if not os.path.isdir(folder):
            return ".".join(parts[:depth]) if depth > 1 else top  # a module file
        if not shared_folder(folder):
            return ".".join(parts[:depth])
    return name


def shared_folder(folder: str) -> bool:
    """Whether package folder `folder` is a namespace package many distributions share.

    A folder without `__init__.py` (PEP 420), or one whose `__init__.py` only declares
    the namespace (`declares_namespace`: pkgutil's `extend_path`, pkg_resources'
    `declare_namespace`), as each distribution in azure.storage, backports or older
    google and zope releases ships it.
    """
    init = os.path.join(folder, "__init__.py")
    return not os.path.isfile(init) or declares_namespace(init)


#: The calls by which an `__init__.py` makes its package's `__path__` span every folder
#: of that name on sys.path: `__path__ = pkgutil.extend_path(__path__, __name__)` and
#: `pkg_resources.declare_namespace(__name__)`.
_DECLARATIONS = ("extend_path", "declare_namespace")
#: Larger `__init__` files are taken for packages' code without being read: a
#: declaration is a line or two, with a licence header at most.
_DECLARATION_MAX_BYTES = 16 * 1024
#: (file, mtime, size) -> whether it only declares a namespace (`declares_namespace`).
_DECLARED: dict[tuple[str, int, int], bool] = {}


def declares_namespace(init: str) -> bool:
    """Whether the `__init__.py` at `init` only declares its package a namespace.

    It calls `extend_path(__path__, __name__)` or `declare_namespace(__name__)` (under
    a `try` or an `if` too: protobuf 3's `google/__init__.py` falls back from one to
    the other) and does nothing else (`_declaration_only`): the package's code lives
    in the distributions that share it. A package that extends its path and has code
    of its own is a project's package: one for plugins, or PyFilesystem2's `fs`, which
    declares a namespace and then imports its submodules and binds `__all__`.
    """
    try:
        stat = os.stat(init)
    except OSError:
        return False
    if stat.st_size > _DECLARATION_MAX_BYTES:
        return False
    key = (init, stat.st_mtime_ns, stat.st_size)
    known = _DECLARED.get(key)
    if known is None:
        if len(_DECLARED) >= 4096:
            _DECLARED.clear()
        known = _DECLARED[key] = _only_declares(init)
    return known


def _only_declares(init: str) -> bool:
    try:
        with open(init, "rb") as handle:
            data = handle.read()
    except OSError:
        return False
    if not any(word.encode() in data for word in _DECLARATIONS):
        return False
    import ast  # only for a file that names a declaration

    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError):
        return False
    if not _declaration_only(tree.body):
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = (func.attr if isinstance(func, ast.Attribute)
                      else func.id if isinstance(func, ast.Name) else None)
            if called in _DECLARATIONS and any(
                    isinstance(arg, ast.Name) and arg.id == "__name__" for arg in node.args):
                return True
    return False


#: What a namespace declaration imports: the machinery, nothing of the package's own
#: (`__future__`, `typing` for a type comment on `__path__`, `warnings` to silence
#: pkg_resources' deprecation).
_DECLARING_MODULES = frozenset({"pkgutil", "pkg_resources", "modulefinder", "__future__",
                                "typing", "warnings"})


def _declaration_only(body: list[ast.stmt]) -> bool:
    """Whether these statements do no more than declare a namespace.

    A docstring, imports of the machinery (`_DECLARING_MODULES`), assignments to
    `__path__` (annotated too), `name = None` for a machinery name a fallback gives up
    on, an empty `__all__`, `del` of names, bare calls (`declare_namespace(__name__)`, Paste's
    `modulefinder.AddPackagePath`), and `try`/`if`/`for`/`with` blocks of the same. An
    import of anything else (the package's own submodules), or a binding of another
    name (`__all__`, `__version__`, an alias), is code of the package's own.
    """
    return all(_declaring(node) for node in body)


def _declaring(node: ast.stmt) -> bool:  # noqa: PLR0911  (one answer per statement kind)
    """Whether one statement is part of a namespace declaration (`_declaration_only`)."""
    import ast

    if isinstance(node, ast.Pass):
        return True
    if isinstance(node, ast.Expr):
        return isinstance(node.value, ast.Call | ast.Constant)
    if isinstance(node, ast.Import):
        return all(a.name in _DECLARING_MODULES for a in node.names)
    if isinstance(node, ast.ImportFrom):
        return not node.level and node.module in _DECLARING_MODULES
    if isinstance(node, ast.Assign):
        return all(isinstance(t, ast.Name) and (t.id == "__path__" or (
            t.id in _DECLARING_MODULES and isinstance(node.value, ast.Constant)
            and node.value.value is None) or (
            t.id == "__all__" and isinstance(node.value, ast.List | ast.Tuple)
            and not node.value.elts)) for t in node.targets)
    if isinstance(node, ast.AnnAssign):
        return isinstance(node.target, ast.Name) and node.target.id == "__path__"
    if isinstance(node, ast.Delete):
        return True
    if isinstance(node, ast.With):
        return _declaration_only(node.body)
    if isinstance(node, ast.Try):
        return all(_declaration_only(part) for part in (
            node.body, *(h.body for h in node.handlers), node.orelse, node.finalbody))
    if isinstance(node, ast.If | ast.For):
        return _declaration_only(node.body) and _declaration_only(node.orelse)
    return False


def find_submodule(name: str, locations: Sequence[str]) -> importlib.machinery.ModuleSpec | None:
    """The spec of dotted module `name` in its parent's `locations`, importing nothing.

    As `PathFinder.find_spec(name, locations)` finds it (each location's path-entry
    finder, the first module or regular package wins, namespace portions are joined),
    but a namespace package's locations come back as a plain list. The path finder
    wraps them in a `_NamespacePath`, whose constructor reads the parent's `__path__`
    from `sys.modules`: for a namespace package inside another (`google.cloud`,
    `azure.storage`), whose parent is never imported here, that raised KeyError.
    """
    import pkgutil  # only here: a walk of a top-level target never needs it

    portions: list[str] = []
    for location in locations:
        finder = pkgutil.get_importer(location)  # from sys.path_hooks, as the path finder
        spec: importlib.machinery.ModuleSpec | None = (
            finder.find_spec(name) if finder is not None else None)
        if spec is None:
            continue
        if spec.loader is not None:
            return spec
        portions.extend(spec.submodule_search_locations or ())
    if not portions:
        return None
    spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
    spec.submodule_search_locations = portions
    return spec


@dataclass(frozen=True, slots=True)
class Exclusions:
    """Which submodules a walk leaves out: glob `patterns` over module names, and tests.

    A target itself is never left out; a package left out takes its submodules with it.
    """

    patterns: tuple[str, ...] = ()
    tests: bool = True  # leave out `test`, `tests`, `testing`, `conftest`... (TEST_NAMES)

    def reason(self, name: str) -> str | None:
        """Why module `name` is left out (the pattern, or "tests"), or None.

        A user's pattern comes first: what it leaves out stays out, where a test-named
        module the targets import at import time is walked after all (`spare`).
        """
        for pattern in self.patterns:
            if fnmatch.fnmatchcase(name, pattern):
                return pattern
        if self.tests and name.rpartition(".")[2] in TEST_NAMES:
            return "tests"
        return None


@dataclass(frozen=True, slots=True)
class SourceModule:
    """One module found on disk (`path` None for a namespace package)."""

    name: str
    path: str | None
    display: str | None  # the path as reports show it (relative to cwd when inside it)
    is_package: bool = False
    namespace: bool = False
    extension: bool = False  # compiled: `path` is the extension Python loads
    source: str | None = None  # compiled: the `.py` beside it (None: its imports are unknown)

    @property
    def scanned(self) -> str | None:
        """The file whose import statements are this module's edges (None: no such file)."""
        return self.source if self.extension else self.path

    @property
    def scanned_display(self) -> str | None:
        """`scanned` as reports show it (the source sits beside the extension)."""
        if not self.extension:
            return self.display
        if self.source is None or self.display is None:
            return None
        return os.path.join(os.path.dirname(self.display), os.path.basename(self.source))


@dataclass(slots=True)
class SourceTree:
    """Every module of the targets, by name, and what could not be used."""

    roots: list[str] = field(default_factory=list)
    modules: dict[str, SourceModule] = field(default_factory=dict)
    problems: list[ScanProblem] = field(default_factory=list)
    directories: list[str] = field(default_factory=list)  # scanned roots, absolute
    excluded: dict[str, str] = field(default_factory=dict)  # module left out -> why

    def is_excluded(self, name: str) -> bool:
        """Whether `name` is a module left out of the walk, or lies inside one."""
        return bool(self.excluded) and self.left_out_because(name) is not None

    def left_out_because(self, name: str) -> str | None:
        """Why the walk left out `name` or the nearest package it lies in (None: it did not).

        "tests", or the exclude pattern that matched.
        """
        excluded = self.excluded
        parts = name.split(".")
        for cut in range(len(parts), 0, -1):
            why = excluded.get(".".join(parts[:cut]))
            if why is not None:
                return why
        return None

    def import_order(self) -> list[str]:
        """The modules `--tree` imports, parents before children (namespace packages too).

        Every module but `__main__` ones and those `by_name_only`: the first are
        programs (`python -m pkg` runs them), and importing one runs the program; the
        others no import statement can reach (see `by_name_only`).
        """
        return [name for name in self.modules
                if name.rpartition(".")[2] != "__main__" and _spelled(name)]

    def by_name_only(self) -> list[str]:
        """Modules whose file name no import statement can spell (`strip-prefix.py`).

        Only `importlib.import_module` or `python -m` loads them: jaraco.text's
        `strip-prefix.py` is a program (`python -m jaraco.text.strip-prefix`), Django's
        `0001_initial.py` a migration its loader imports by name. They are modules of
        the static graph (their imports are real when they run), but no import of the
        package runs them, so a `--tree` walk does not import them.
        """
        return [name for name in self.modules if not _spelled(name)]


def _spelled(name: str) -> bool:
    """Whether an import statement can spell the module's last name (an identifier)."""
    return name.rpartition(".")[2].isidentifier()


#: `locate_left_out`'s answer when the disk cannot tell (a namespace or zipped ancestor).
UNKNOWN = "unknown"


def locate_left_out(name: str, known: Mapping[str, SourceModule],
                    looked: set[str] | None = None) -> SourceModule | str | None:
    """Module `name`, which the walk left out, found on disk below a `known` package.

    The walk does not enter what it leaves out, so the file is looked for from the
    nearest package it did walk (or `known` holds since), in the import system's order:
    a package directory `part/__init__.py`, a compiled `part.<tag>.so` (with the `.py`
    beside it as its source), then `part.py`. None when nothing is there; `UNKNOWN`
    when the disk cannot tell (the nearest known ancestor is a namespace package, or
    lies in a zip archive). `looked` collects the directories looked in (each with a
    trailing separator: `cache.file_key` keys their listings), on which the answer
    depends.
    """
    place = _left_out_directory(name, known)
    if place is None or isinstance(place, str):
        return place
    directory, shown, last, folders = place
    if looked is not None:
        looked.update(os.path.join(folder, "") for folder in folders)
    if os.path.isfile(os.path.join(directory, last, "__init__.py")):
        if looked is not None:
            looked.add(os.path.join(directory, last, ""))
        return SourceModule(name, os.path.join(directory, last, "__init__.py"),
                            os.path.join(shown, last, "__init__.py"), True)
    try:
        entries = sorted(os.listdir(directory))
    except OSError:
        return None
    source = f"{last}.py" if f"{last}.py" in entries else None
    compiled = [entry for entry in entries
                if entry.endswith(_COMPILED_TAILS) and module_of_file(entry) == (last, True)]
    if compiled:
        return SourceModule(name, os.path.join(directory, compiled[0]),
                            os.path.join(shown, compiled[0]), extension=True,
                            source=os.path.join(directory, source) if source else None)
    if source is None:
        return None
    return SourceModule(name, os.path.join(directory, source), os.path.join(shown, source))


def _left_out_directory(name: str, known: Mapping[str, SourceModule]
                        ) -> tuple[str, str, str, list[str]] | str | None:
    """Where module `name` would be: (directory as read, as shown, last part, folders).

    `folders` are the directories on the way. None when it cannot be there, `UNKNOWN`
    when the disk cannot tell.
    """
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        ancestor = known.get(".".join(parts[:cut]))
        if ancestor is None:
            continue
        if ancestor.namespace or ancestor.path is None:
            return UNKNOWN
        if not ancestor.is_package or ancestor.extension:
            return None
        directory = os.path.dirname(ancestor.path)
        if not os.path.isdir(directory):
            return UNKNOWN  # inside a zip archive
        shown = os.path.dirname(ancestor.display) if ancestor.display else directory
        folders = [directory]
        for part in parts[cut:-1]:
            directory, shown = os.path.join(directory, part), os.path.join(shown, part)
            folders.append(directory)
            if not os.path.isfile(os.path.join(directory, "__init__.py")):
                return None
        return directory, shown, parts[-1], folders
    return None


def unimported_notes(tree: SourceTree, loaded: Collection[str] = ()) -> tuple[str, ...]:
    """What a report of a `--tree` walk says about the modules it did not import.

    Those only `importlib.import_module` or `python -m` loads (`SourceTree.by_name_only`),
    but for the ones the targets `loaded` themselves (a package's own
    `import_module(__name__ + ".data-v1")`): those were measured.
    """
    named = [name for name in tree.by_name_only() if name not in loaded]
    if not named:
        return ()
    shown = ", ".join(named[:3]) + (", ..." if len(named) > 3 else "")
    return (f"did not import {len(named)} module(s) whose file names no import statement "
            f"can spell ({shown}): only importlib.import_module or `python -m` loads them "
            f"(programs, migrations), and importing the targets did not",)


def walk_notes(tree: SourceTree, walked: Sequence[str] = ()) -> tuple[str, ...]:
    """What a report says about the modules the walk left out, and how to walk them.

    `walked`: test-named modules walked (or measured) after all, because modules of
    the targets import them at import time (see `GraphBuilder.spare`).
    """
    notes = []
    if walked:
        shown = ", ".join(walked[:3]) + (", ..." if len(walked) > 3 else "")
        notes.append(f"{len(walked)} test-named module(s) that modules of the targets import "
                     f"at import time are part of the import, not tests: not left out "
                     f"({shown})")
    tests = [name for name, why in tree.excluded.items()
             if why == "tests" and name not in walked]
    other = [name for name, why in tree.excluded.items() if why != "tests"]
    if tests:
        shown = ", ".join(tests[:3]) + (", ..." if len(tests) > 3 else "")
        notes.append(f"left out {len(tests)} test package(s) and module(s) ({shown}): "
                     f"--include-tests walks them")
    if other:
        shown = ", ".join(other[:3]) + (", ..." if len(other) > 3 else "")
        notes.append(f"left out {len(other)} module(s) matching exclude patterns ({shown})")
    return tuple(notes)
