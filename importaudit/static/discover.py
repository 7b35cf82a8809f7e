"""Find the modules of the targets: package names on a sys.path or paths to source trees.

This is THE definition of "the modules of this package": the static graph reads the
modules found here, and `profile --tree` (and `review`, `check --tree`) imports exactly
these modules, in this order, in the child (the parent walks and hands the probe the
list). Nothing is imported: names are found with the import system's path finder on the
sys.path of the interpreter being measured (`SearchPath`), and packages are walked on
disk or inside zip archives. A target is a path when it contains a path separator, ends
in `.py`, is `.` or `..`, or exists on disk and is not a valid module name or is a
directory without `__init__.py`; otherwise it is a module name, looked up with the
current directory first on the path (as `python -m` does).

A directory with `__init__.py` is a package (named by walking up through parent
packages); one without is a *source root* whose top-level modules and packages are
all targets, and subdirectories without `__init__.py` are namespace packages. Only
identifiers name directories that are packages: `__pycache__` and data folders (no
module in them) are not modules; inside a package a file such as `0001_initial.py` is
(`importlib.import_module` can name it), but not `not.a.module.py`. Module
precedence follows the import system: a package directory, then an extension
module, then `name.py`, then a namespace directory.

Symlinked directories are walked after every real directory (a real directory wins
over a link to it): a link to a directory walked already is an alias and is skipped
with a problem saying so; a link to a directory on its own walk path is a loop,
reported the same way. Submodules whose name matches an `Exclusions` pattern, and test
packages (`tests`, `testing`, `conftest`) unless asked for, are not walked at all.

A compiled module (an extension of any interpreter's ABI tag, `.so` or `.pyd`) is
what Python loads, so it is the module's file; when the `.py` it was compiled from
ships beside it (mypyc, Cython's pure-Python mode) that source is the module's
`source`, whose imports are the module's. A compiled `__init__` is its package.
"""

from __future__ import annotations

import fnmatch
import hashlib
import importlib.machinery
import importlib.util
import json
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from importaudit.errors import TargetNotFoundError, UsageError
from importaudit.model import ScanProblem

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

# 2: compiled modules' `source`; 3: package files named only by import_module;
# 4: exclusions, symlinked aliases, zip archives
_TREE_FORMAT = 4

#: A compiled module's file name: the module's name, an ABI tag of any interpreter
#: (`.cpython-311-x86_64-linux-gnu`, `.abi3`, `.cp311-win_amd64`, `.pypy310-pp73-...`)
#: or none, then `.so` or `.pyd`. Not only the running interpreter's tags: the tree may
#: be installed for another Python (`--python`), and its modules are the same.
_COMPILED = re.compile(r"([^.]+)(?:\.(?:cpython|cp\d|pypy|abi\d|graalpy)[^.]*)?\.(?:so|pyd)")
_COMPILED_TAILS = (".so", ".pyd")
_MODULE_TAILS = (".py", *_COMPILED_TAILS)  # a cheap first test per directory entry

#: Last parts of a module name that make it a test package (left out of walks by default).
TEST_NAMES = frozenset({"tests", "testing", "conftest"})


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


def _rank(path: str, suffixes: Sequence[str]) -> int:
    """The place of `path`'s suffix in the import system's order (`suffixes`)."""
    return next((i for i, suffix in enumerate(suffixes) if path.endswith(suffix)),
                len(suffixes))


def _preferred(known: str | None, path: str, suffixes: Sequence[str]) -> bool:
    """Whether extension `path` wins over `known`, another build of the same module.

    The build the measured interpreter would load first (`suffixes`, in its import
    system's order: its own ABI tag, then `.abi3.so`, then a bare `.so`), then by name
    (a directory lists in no particular order).
    """
    if known is None:
        return True
    return (_rank(path, suffixes), path) < (_rank(known, suffixes), known)


@dataclass(frozen=True, slots=True)
class SearchPath:
    """Where module names are looked up: the sys.path of the interpreter being measured.

    `python` is that interpreter (None: the one running importaudit, whose meta-path
    finders, editable installs included, are then asked too). `locate` asks the
    measured interpreter's own finders about a top-level name the path finder did not
    find (editable installs put finders on sys.meta_path): its spec's origin and
    submodule search locations, or None.
    """

    entries: tuple[str, ...]
    builtins: frozenset[str] = frozenset()
    extension_suffixes: tuple[str, ...] = ()  # in its import system's order
    python: str | None = None
    locate: Callable[[str], tuple[str | None, tuple[str, ...]] | None] | None = field(
        default=None, compare=False)

    @classmethod
    def current(cls) -> SearchPath:
        """The sys.path, builtins and extension suffixes of the running interpreter."""
        return cls(tuple(sys.path), frozenset(sys.builtin_module_names),
                   tuple(importlib.machinery.EXTENSION_SUFFIXES))

    @property
    def suffixes(self) -> tuple[str, ...]:
        """Extension suffixes in import order (this interpreter's when none were given)."""
        return self.extension_suffixes or tuple(importlib.machinery.EXTENSION_SUFFIXES)


@dataclass(frozen=True, slots=True)
class Exclusions:
    """Which submodules a walk leaves out: glob `patterns` over module names, and tests.

    A target itself is never left out; a package left out takes its submodules with it.
    """

    patterns: tuple[str, ...] = ()
    tests: bool = True  # leave out `tests`, `testing` and `conftest` packages and modules

    def reason(self, name: str) -> str | None:
        """Why module `name` is left out ("tests" or the pattern), or None."""
        if self.tests and name.rpartition(".")[2] in TEST_NAMES:
            return "tests"
        for pattern in self.patterns:
            if fnmatch.fnmatchcase(name, pattern):
                return pattern
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
        excluded = self.excluded
        if not excluded:
            return False
        parts = name.split(".")
        return any(".".join(parts[:i]) in excluded for i in range(1, len(parts) + 1))

    def import_order(self) -> list[str]:
        """The modules `--tree` imports, parents before children (namespace packages too).

        Every module but `__main__` ones: those are programs (`python -m pkg` runs
        them), and importing one runs the program.
        """
        return [name for name in self.modules if name.rpartition(".")[2] != "__main__"]


def walk_notes(tree: SourceTree) -> tuple[str, ...]:
    """What a report says about the modules the walk left out, and how to walk them."""
    tests = [name for name, why in tree.excluded.items() if why == "tests"]
    other = [name for name, why in tree.excluded.items() if why != "tests"]
    notes = []
    if tests:
        shown = ", ".join(tests[:3]) + (", ..." if len(tests) > 3 else "")
        notes.append(f"left out {len(tests)} test package(s) and module(s) ({shown}): "
                     f"--include-tests walks them")
    if other:
        shown = ", ".join(other[:3]) + (", ..." if len(other) > 3 else "")
        notes.append(f"left out {len(other)} module(s) matching exclude patterns ({shown})")
    return tuple(notes)


def _display(path: str | Path, cwd: Path) -> str:
    """`path` relative to `cwd` when inside it, else as it is."""
    text, base = str(path), str(cwd)
    if text.startswith(base) and text[len(base):len(base) + 1] == os.sep:
        return text[len(base) + 1:]
    return text


def _is_module_name(text: str) -> bool:
    return bool(text) and all(part.isidentifier() for part in text.split("."))


def _looks_like_path(target: str) -> bool:
    return (os.sep in target or "/" in target or target.endswith(".py")
            or target in (".", "..") or (os.altsep is not None and os.altsep in target))


def zip_location(path: str) -> tuple[str, str] | None:
    """(archive, member prefix) when `path` names a folder or file inside a zip archive.

    As zipimport names them: `/lib/pkgs.zip/pkg/mod.py` is member `pkg/mod.py`.
    """
    head, parts = path, []
    while not os.path.exists(head):
        parent, tail = os.path.split(head)
        if parent == head or not tail:
            return None
        parts.append(tail)
        head = parent
    if not parts or not os.path.isfile(head):
        return None
    import zipfile  # only here: most trees hold no archive, and it costs an import

    if not zipfile.is_zipfile(head):
        return None
    return head, "/".join(reversed(parts))


def read_archived(path: str) -> bytes | None:
    """The bytes of a file inside a zip archive (None when `path` is not one)."""
    where = zip_location(path)
    if where is None:
        return None
    import zipfile

    try:
        with zipfile.ZipFile(where[0]) as archive:
            return archive.read(where[1])
    except (OSError, KeyError, zipfile.BadZipFile):
        return None


class _Listing:
    """What one directory holds, by module name: files, extension modules, directories."""

    __slots__ = ("dirs", "extensions", "files", "has_init", "init_extension", "inits", "keys",
                 "links")

    def __init__(self) -> None:
        self.files: dict[str, str] = {}
        self.extensions: dict[str, str] = {}
        self.dirs: dict[str, str] = {}
        self.keys: dict[str, tuple[int, int]] = {}  # real directories: (device, inode)
        self.links: set[str] = set()  # directories that are symlinks
        self.inits: set[str] = set()  # zip folders holding an __init__.py
        self.has_init = False  # an `__init__.py`
        self.init_extension: str | None = None  # a compiled `__init__`

    def add_file(self, path: str, stem: str, compiled: bool, suffixes: Sequence[str]) -> None:
        """Count the module file at `path` (module `stem`, an identifier) in."""
        if not compiled:
            if stem == "__init__":
                self.has_init = True
            else:
                self.files[stem] = path
        elif stem == "__init__":
            if _preferred(self.init_extension, path, suffixes):
                self.init_extension = path
        elif _preferred(self.extensions.get(stem), path, suffixes):
            self.extensions[stem] = path


_Key = tuple[int, int] | tuple[str, str]  # (device, inode), or (archive, member prefix)


class _Walker:
    """Collects modules into a SourceTree, guarding against symlink loops and aliases.

    Paths are plain strings and every directory is listed once (a large tree has
    thousands of directories, many of them data, such as locale folders). Links to
    directories wait in `deferred` until every real directory is walked.
    """

    def __init__(self, tree: SourceTree, cwd: Path, *,
                 on_file: Callable[[str], None] | None = None,
                 exclusions: Exclusions | None = None,
                 suffixes: Sequence[str] = ()) -> None:
        self.tree = tree
        self.cwd = cwd
        self.on_file = on_file
        self.exclusions = exclusions or Exclusions()
        self.suffixes = tuple(suffixes)  # the measured interpreter's, in its import order
        self.walked: dict[_Key, str] = {}  # directory -> the module name it was walked as
        # (link path, module name, keys of the directories on its walk path)
        self.deferred: list[tuple[str, str, tuple[_Key, ...]]] = []
        self.archives: dict[str, list[str]] = {}  # zip archive -> its member names
        # Every directory whose listing the result depends on, with its mtime then:
        # a later run may reuse the result while none of them changed.
        self.listed: dict[str, int] = {}

    def note(self, directory: str | Path) -> None:
        """Remember `directory`'s mtime (its listing shapes the result)."""
        try:
            self.listed[str(directory)] = os.stat(directory).st_mtime_ns
        except OSError:
            self.listed[str(directory)] = -1

    def add(self, module: SourceModule) -> None:
        known = self.tree.modules.get(module.name)
        # The first portion found wins, as on sys.path; a namespace gives way to code.
        if known is None or (known.namespace and not module.namespace):
            self.tree.modules[module.name] = module

    def add_file(self, name: str, path: str | Path, *, is_package: bool = False) -> None:
        path = str(path)
        self.add(SourceModule(name, path, _display(path, self.cwd), is_package))
        if self.on_file is not None:
            self.on_file(path)

    def add_compiled(self, name: str, path: str, source: str | None, *,
                     is_package: bool = False) -> None:
        """Add a compiled module; `source` is the `.py` beside it, when one ships."""
        self.add(SourceModule(name, path, _display(path, self.cwd), is_package,
                              extension=True, source=source))
        if source is not None and self.on_file is not None:
            self.on_file(source)

    def _problem(self, path: str | Path, reason: str) -> None:
        self.tree.problems.append(ScanProblem(_display(path, self.cwd), reason))

    def _key(self, directory: str) -> _Key | None:
        where = zip_location(directory) if not os.path.isdir(directory) else None
        if where is not None:
            return where
        try:
            info = os.stat(directory)
        except OSError as exc:
            self._problem(directory, f"cannot read directory: {exc.strerror}")
            return None
        return (info.st_dev, info.st_ino)

    def _list(self, directory: str, prefix: str) -> _Listing | None:
        self.note(directory)
        try:
            entries = list(os.scandir(directory))
        except OSError as exc:
            self._problem(directory, f"cannot read directory: {exc.strerror}")
            return None
        listing = _Listing()
        device: int | None = None
        for entry in entries:
            name = entry.name
            if name.isidentifier():  # only a directory can be a module without a suffix
                try:
                    if name == "__pycache__" or not entry.is_dir():
                        continue
                    listing.dirs[name] = entry.path
                    if entry.is_symlink():
                        listing.links.add(name)
                    else:
                        if device is None:
                            device = os.stat(directory).st_dev
                        listing.keys[name] = (device, entry.inode())
                except OSError:
                    continue
            elif name.endswith(_MODULE_TAILS):
                self._file(listing, name, entry.path, prefix)
        return listing

    def _file(self, listing: _Listing, filename: str, path: str, prefix: str, *,
              archived: bool = False) -> None:
        module = module_of_file(filename)
        if module is None or (archived and module[1]):  # zipimport loads no extension
            return
        stem, compiled = module
        if stem.isidentifier() or (prefix and stem and "." not in stem and not compiled):
            # Inside a package a name no import statement can spell is still a
            # module: importlib.import_module("app.migrations.0001_initial") loads
            # it, as Django does with migrations.
            listing.add_file(path, stem, compiled, self.suffixes)
        elif prefix and not compiled:
            self._problem(path, "file name has a dot in its stem; no import can name it, "
                          "so it cannot be imported")

    def _list_zip(self, archive: str, inner: str, prefix: str) -> _Listing | None:
        """The listing of folder `inner` of a zip archive (zipimport has no extensions)."""
        import zipfile

        members = self.archives.get(archive)
        if members is None:
            self.note(archive)
            try:
                with zipfile.ZipFile(archive) as opened:
                    members = self.archives[archive] = opened.namelist()
            except (OSError, zipfile.BadZipFile) as exc:
                self._problem(archive, f"cannot read zip archive: {exc}")
                return None
        start = inner + "/" if inner else ""
        listing = _Listing()
        base = os.path.join(archive, *inner.split("/")) if inner else archive
        for member in members:
            if not member.startswith(start):
                continue
            rest = member[len(start):]
            head, slash, _ = rest.partition("/")
            if slash:
                if head.isidentifier() and head != "__pycache__":
                    listing.dirs[head] = os.path.join(base, head)
                    if rest == head + "/__init__.py":
                        listing.inits.add(head)
            elif head:
                self._file(listing, head, os.path.join(base, head), prefix, archived=True)
        return listing

    def package(self, directory: str | Path, name: str, *, namespace: bool | None = None,
                key: _Key | None = None, above: tuple[_Key, ...] = ()) -> bool:
        """Walk a package directory as module `name`; whether it holds any module.

        `namespace` None: decided by whether the directory has `__init__.py`. `above`
        are the directories on the walk path down to it.
        """
        directory = str(directory)
        entered = self._enter(directory, name + ".", key)
        if entered is None:
            return False
        key, listing = entered
        if namespace is None:
            namespace = not (listing.has_init or listing.init_extension)
        if not namespace:
            source = os.path.join(directory, "__init__.py")
            if listing.init_extension is not None:
                self.add_compiled(name, listing.init_extension,
                                  source if listing.has_init else None, is_package=True)
            else:
                self.add_file(name, source, is_package=True)
        # Children never add `name` itself, so a namespace is added after them, and
        # only when it holds modules (most data directories do not).
        found = self.children(listing, name + ".", (*above, key))
        if namespace:
            if found:
                self.add(SourceModule(name, None, _display(directory, self.cwd), True, True))
            else:
                known = self.tree.modules.get(name)
                if known is not None and known.namespace:
                    del self.tree.modules[name]  # a directory without modules is not a module
        return found or not namespace

    def _enter(self, directory: str, prefix: str, key: _Key | None
               ) -> tuple[_Key, _Listing] | None:
        """List `directory` unless it was walked already (then None)."""
        key = key if key is not None else self._key(directory)
        if key is None or key in self.walked:
            return None
        self.walked[key] = prefix[:-1]
        if isinstance(key[0], str):
            return key, self._list_zip(str(key[0]), str(key[1]), prefix)  # type: ignore[return-value]
        listing = self._list(directory, prefix)
        return None if listing is None else (key, listing)

    def root(self, directory: str | Path) -> None:
        """Walk a source root: its top-level modules and packages."""
        entered = self._enter(str(directory), "", None)
        if entered is not None:
            self.children(entered[1], "", (entered[0],))

    def children(self, listing: _Listing, prefix: str, above: tuple[_Key, ...]) -> bool:
        """Add every module of a listed directory; whether there was any."""
        found = False
        files, extensions, dirs = listing.files, listing.extensions, listing.dirs
        for stem in sorted({*files, *extensions, *dirs}):
            full = prefix + stem
            why = self.exclusions.reason(full)
            if why is not None:
                self.tree.excluded[full] = why
                continue
            path = dirs.get(stem)
            if path is not None and ((stem not in files and stem not in extensions)
                                     or stem in listing.inits
                                     or os.path.isfile(os.path.join(path, "__init__.py"))):
                # A package directory beats a same-named module; a namespace one does not.
                if stem in listing.links:
                    self.deferred.append((path, full, above))
                    # Counted as found: a link to a package is a package of this one.
                    found = True
                else:
                    found = self.package(path, full, key=listing.keys.get(stem),
                                         above=above) or found
            elif stem in extensions:
                self.add_compiled(full, extensions[stem], files.get(stem))
                found = True
            elif stem in files:
                self.add_file(full, files[stem])
                found = True
        return found

    def follow_links(self) -> None:
        """Walk the symlinked directories met so far, now that every real one is walked."""
        while self.deferred:
            path, name, above = self.deferred.pop(0)
            key = self._key(path)
            if key is None:
                continue
            if key in above:
                self._problem(path, "symlink loop (a link to a directory above it); skipped")
            elif key in self.walked:
                self._problem(path, f"symlink to a directory already walked as "
                              f"{self.walked[key] or 'a source root'}; alias {name} skipped")
            else:
                self.package(path, name, key=key, above=above)


def _dotted_name(path: Path, walker: _Walker) -> tuple[str, Path]:
    """Dotted name of a package directory or module file, and the folder above its top."""
    parts = [path.name if path.is_dir() else path.stem]
    folder = path.parent
    walker.note(folder)
    while (folder / "__init__.py").is_file() and folder.name.isidentifier():
        parts.insert(0, folder.name)
        folder = folder.parent
        walker.note(folder)
    return ".".join(parts), folder


def _path_target(target: str, base: Path, walker: _Walker) -> list[str]:
    """Walk a path target; the module names it names."""
    path = (base / target).absolute()
    walker.note(path.parent)
    if not path.exists():
        raise TargetNotFoundError(f"{target}: no such file or directory")
    if path.is_file():
        if path.suffix != ".py":
            raise UsageError(f"{target}: not a Python source file")
        if path.stem == "__init__":
            path = path.parent
        else:
            name, _ = _dotted_name(path, walker)
            if not _is_module_name(name):
                raise UsageError(f"{target}: {path.name} is not an importable module name")
            walker.add_file(name, path)
            walker.tree.directories.append(str(path))
            return [name]
    if (path / "__init__.py").is_file():
        name, _ = _dotted_name(path, walker)
        if not _is_module_name(name):
            raise UsageError(f"{target}: {path.name} is not an importable package name")
        walker.tree.directories.append(str(path))
        walker.package(path, name, namespace=False)
        return [name]
    # A plain directory: a source root whose top-level modules are the targets.
    before = set(walker.tree.modules)
    walker.tree.directories.append(str(path))
    walker.root(path)
    walker.follow_links()
    names = sorted(n for n in set(walker.tree.modules) - before if "." not in n)
    if not names:
        raise TargetNotFoundError(f"{target}: no Python modules or packages in it")
    return names


def _find_spec(name: str, search: list[str], where: SearchPath
               ) -> importlib.machinery.ModuleSpec | None:
    """Find module `name` without importing it (nor, for dotted names, its parents)."""
    top, _, rest = name.partition(".")
    spec = importlib.machinery.PathFinder.find_spec(top, search)
    if spec is None:
        spec = _locate(top, where)
    for part in rest.split(".") if rest else ():
        if spec is None or not spec.submodule_search_locations:
            return None
        spec = importlib.machinery.PathFinder.find_spec(
            f"{spec.name}.{part}", list(spec.submodule_search_locations))
    return spec


def _locate(top: str, where: SearchPath) -> importlib.machinery.ModuleSpec | None:
    """A top-level name the path finder missed, from the other meta-path finders.

    Editable installs and other meta-path finders: asking them for a top-level name
    runs no code of the package itself. In another interpreter, that one is asked.
    """
    if where.python is None:
        try:
            return importlib.util.find_spec(top)
        except (ImportError, ValueError):
            return None
    found = where.locate(top) if where.locate is not None else None
    if found is None:
        return None
    origin, locations = found
    spec = importlib.machinery.ModuleSpec(top, None, origin=origin,
                                          is_package=bool(locations))
    if locations:
        spec.submodule_search_locations = list(locations)
    return spec


def _name_target(target: str, walker: _Walker, search: list[str],
                 where: SearchPath) -> list[str]:
    """Walk the module or package called `target`; the module names it names."""
    for entry in search:
        if entry and os.path.isdir(entry):
            walker.note(entry)  # a package appearing earlier on the path would shadow it
    spec = _find_spec(target, search, where)
    if spec is None:
        python = f" of {where.python}" if where.python else ""
        raise TargetNotFoundError(
            f"{target}: no such module on the sys.path{python} (nor a file or directory here)")
    locations = list(spec.submodule_search_locations or [])
    if locations:
        module = module_of_file(os.path.basename(spec.origin or ""))
        namespace = spec.origin in (None, "namespace") or module is None or (
            module[0] != "__init__")
        for location in locations:
            if os.path.isdir(location) or zip_location(location) is not None:
                walker.tree.directories.append(os.path.abspath(location))
                walker.package(location, target, namespace=namespace)
        walker.follow_links()
        if target not in walker.tree.modules:
            raise TargetNotFoundError(f"{target}: a package with no Python modules in it")
        return [target]
    origin = spec.origin
    module = module_of_file(os.path.basename(origin or ""))
    if origin and module is not None and module[1]:
        source = os.path.join(os.path.dirname(origin), module[0] + ".py")
        walker.note(os.path.dirname(origin))  # a source added beside it changes the module
        walker.tree.directories.append(os.path.abspath(origin))
        walker.add_compiled(target, origin, source if os.path.isfile(source) else None)
        return [target]
    if not origin or not origin.endswith(".py"):
        raise UsageError(f"{target}: not a Python source module ({origin or 'built in'})")
    walker.tree.directories.append(os.path.abspath(origin))
    walker.add_file(target, origin)
    return [target]


def discover(targets: Sequence[str], *, cwd: str | os.PathLike[str] | None = None,
             search_path: list[str] | tuple[str, ...] | SearchPath | None = None,
             cache_dir: str | os.PathLike[str] | None = None,
             on_file: Callable[[str], None] | None = None,
             exclusions: Exclusions | None = None) -> SourceTree:
    """Find every module of `targets` (module names or paths), without importing any.

    Names are looked up on `search_path` (a `SearchPath` of the measured interpreter,
    or plain entries; default this interpreter's sys.path), after the current
    directory. `exclusions` (default: test packages) are not walked; they are listed
    in the tree's `excluded`. With `cache_dir`, the result of the last identical call is
    reused while no directory it listed has changed (directory mtimes change when
    entries are added, removed or renamed; file contents are not part of this
    result). Raises TargetNotFoundError (exit 2) for a target that does not exist and
    UsageError for one that is not Python source. `on_file` is called with the path of
    each source file as the walk finds it (some may not end up modules: a file
    shadowed by a package, say); not at all when the result is reused.
    """
    if not targets:
        raise UsageError("give at least one TARGET (a package name or a path)")
    base = Path(cwd) if cwd is not None else Path.cwd()
    if search_path is None:
        where = SearchPath.current()
    elif isinstance(search_path, list | tuple):
        where = SearchPath(tuple(search_path))
    else:  # a SearchPath (kept by a caller across imports of this module, as api does)
        where = search_path
    excluding = exclusions if exclusions is not None else Exclusions()
    search = [str(base), *where.entries]
    store = (_TreeCache(Path(cache_dir), targets, base, search, excluding, where.suffixes)
             if cache_dir is not None else None)
    if store is not None:
        cached = store.load()
        if cached is not None:
            return cached
    started = time.time_ns()
    tree = SourceTree()
    walker = _Walker(tree, base, on_file=on_file, exclusions=excluding, suffixes=where.suffixes)
    for target in targets:
        on_disk = base / target
        # An existing directory without __init__.py is a source root even when its
        # name could be a (namespace) package: `importaudit graph src` means the folder.
        if _looks_like_path(target) or (on_disk.exists() and (
                not _is_module_name(target)
                or (on_disk.is_dir() and not (on_disk / "__init__.py").is_file()))):
            names = _path_target(target, base, walker)
        elif _is_module_name(target):
            names = _name_target(target, walker, search, where)
        else:
            raise UsageError(f"{target!r} is neither a module name nor an existing path")
        tree.roots.extend(n for n in names if n not in tree.roots)
    walker.follow_links()
    tree.modules = dict(sorted(tree.modules.items()))
    tree.excluded = dict(sorted(tree.excluded.items()))
    if store is not None:
        store.save(tree, walker.listed, started)
    return tree


class _TreeCache:
    """The last discovery of the same targets, valid while its directories are unchanged.

    A directory changed less than `_RACY_NS` before it was listed may change again
    within its mtime's resolution without a new mtime, so such a result is not
    reused (as git does with "racily clean" files).
    """

    _RACY_NS = 2_000_000_000

    def __init__(self, directory: Path, targets: Sequence[str], base: Path,
                 search: list[str], exclusions: Exclusions, suffixes: Sequence[str]) -> None:
        identity = json.dumps([_TREE_FORMAT, list(targets), str(base), search,
                               list(exclusions.patterns), exclusions.tests, list(suffixes)])
        self.path = directory / f"tree-{hashlib.sha256(identity.encode()).hexdigest()[:20]}.json"

    def load(self) -> SourceTree | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            listed_at = data["listed_at"]
            for directory, mtime in data["listed"]:
                if mtime < 0 or mtime >= listed_at - self._RACY_NS:
                    return None
                if os.stat(directory).st_mtime_ns != mtime:
                    return None
            return SourceTree(
                roots=list(data["roots"]),
                modules={m[0]: SourceModule(*m) for m in data["modules"]},
                problems=[ScanProblem(*p) for p in data["problems"]],
                directories=list(data["directories"]),
                excluded=dict(data["excluded"]))
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def save(self, tree: SourceTree, listed: dict[str, int], started: int) -> None:
        from importaudit.static.cache import write_cache_file

        data = {
            "listed_at": started, "listed": sorted(listed.items()), "roots": tree.roots,
            "modules": [[m.name, m.path, m.display, m.is_package, m.namespace, m.extension,
                         m.source]
                        for m in tree.modules.values()],
            "problems": [[p.file, p.reason, p.line] for p in tree.problems],
            "directories": tree.directories, "excluded": tree.excluded,
        }
        write_cache_file(self.path, json.dumps(data, separators=(",", ":")))
