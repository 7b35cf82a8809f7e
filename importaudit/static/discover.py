"""Find the modules of the targets: package names on sys.path or paths to source trees.

Nothing is imported: names are found with the import system's finders (which only
look at the file system, or at an editable install's mapping), and packages are walked
on disk. A target is a path when it contains a path separator, ends in `.py`, is `.`
or `..`, or exists on disk and is not a valid module name or is a directory without
`__init__.py`; otherwise it is a module name, looked up with the current directory
first on the path (as `python -m` does).

A directory with `__init__.py` is a package (named by walking up through parent
packages); one without is a *source root* whose top-level modules and packages are
all targets, and subdirectories without `__init__.py` are namespace packages. Module
precedence follows the import system: a package directory, then an extension module,
then `name.py`, then a namespace directory. Directories are remembered by device and
inode, so a symlink loop is reported once instead of walked forever.

A compiled module (an extension of any interpreter's ABI tag, `.so` or `.pyd`) is
what Python loads, so it is the module's file; when the `.py` it was compiled from
ships beside it (mypyc, Cython's pure-Python mode) that source is the module's
`source`, whose imports are the module's. A compiled `__init__` is its package.
"""

from __future__ import annotations

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

_EXTENSION_SUFFIXES = tuple(sorted(importlib.machinery.EXTENSION_SUFFIXES, key=len, reverse=True))
#: A compiled module's file name: the module's name, an ABI tag of any interpreter
#: (`.cpython-311-x86_64-linux-gnu`, `.abi3`, `.cp311-win_amd64`, `.pypy310-pp73-...`)
#: or none, then `.so` or `.pyd`. Not only the running interpreter's tags: the tree may
#: be installed for another Python (`--python`), and its modules are the same.
_COMPILED = re.compile(r"([^.]+)(?:\.(?:cpython|cp\d|pypy|abi\d|graalpy)[^.]*)?\.(?:so|pyd)")
_COMPILED_TAILS = (".so", ".pyd")
# 2: compiled modules' `source`; 3: package files named only by import_module
_TREE_FORMAT = 3


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


def module_of_file(filename: str) -> tuple[str, bool] | None:
    """The module a file of a package directory is, and whether it is compiled.

    `("linegen", True)` for `linegen.cpython-311-x86_64-linux-gnu.so`, `("cli", False)`
    for `cli.py`; None for a file that is no module. The name may still be no
    identifier (then only `importlib.import_module` can name it, and with a dot in it
    nothing can); `__init__` is the package itself.
    """
    if filename.endswith(".py"):
        return filename[:-3], False
    if filename.endswith(_COMPILED_TAILS):
        match = _COMPILED.fullmatch(filename)
        if match is not None:
            return match.group(1), True
    return None


def _preferred(known: str | None, path: str) -> bool:
    """Whether extension `path` wins over `known`, another build of the same module.

    The running interpreter's own build first (as it would load that one), then by name
    (a directory lists in no particular order).
    """
    if known is None:
        return True
    return ((not path.endswith(_EXTENSION_SUFFIXES), path)
            < (not known.endswith(_EXTENSION_SUFFIXES), known))


class _Listing:
    """What one directory holds, by module name: files, extension modules, directories."""

    __slots__ = ("dirs", "extensions", "files", "has_init", "init_extension")

    def __init__(self) -> None:
        self.files: dict[str, str] = {}
        self.extensions: dict[str, str] = {}
        self.dirs: dict[str, os.DirEntry[str]] = {}
        self.has_init = False  # an `__init__.py`
        self.init_extension: str | None = None  # a compiled `__init__`

    def add_file(self, entry: os.DirEntry[str], stem: str, compiled: bool) -> None:
        """Count the module file `entry` (module `stem`, an identifier) in."""
        if not compiled:
            if stem == "__init__":
                self.has_init = True
            else:
                self.files[stem] = entry.path
        elif stem == "__init__":
            if _preferred(self.init_extension, entry.path):
                self.init_extension = entry.path
        elif _preferred(self.extensions.get(stem), entry.path):
            self.extensions[stem] = entry.path


class _Walker:
    """Collects modules into a SourceTree, guarding against symlink loops.

    Paths are plain strings and every directory is listed once (a large tree has
    thousands of directories, many of them data, such as locale folders).
    """

    def __init__(self, tree: SourceTree, cwd: Path,
                 on_file: Callable[[str], None] | None = None) -> None:
        self.tree = tree
        self.cwd = cwd
        self.on_file = on_file
        self.seen_dirs: set[tuple[int, int]] = set()
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

    def enter(self, directory: str | Path, entry: os.DirEntry[str] | None = None,
              device: int | None = None) -> int | None:
        """The device of `directory` if it is to be walked; None when walked already.

        A directory listed by its parent (on `device`) is known by its inode without a
        stat call; a symlink or a top-level directory is looked up.
        """
        try:
            if entry is not None and device is not None and not entry.is_symlink():
                key = (device, entry.inode())
            else:
                info = os.stat(directory)
                key = (info.st_dev, info.st_ino)
        except OSError as exc:
            self._problem(directory, f"cannot read directory: {exc.strerror}")
            return None
        if key in self.seen_dirs:
            if os.path.islink(directory):
                self._problem(directory, "symlink to a directory already scanned "
                              "(a loop or a duplicate); skipped")
            return None
        self.seen_dirs.add(key)
        return key[0]

    def _list(self, directory: str, prefix: str) -> _Listing | None:
        self.note(directory)
        try:
            entries = list(os.scandir(directory))
        except OSError as exc:
            self._problem(directory, f"cannot read directory: {exc.strerror}")
            return None
        listing = _Listing()
        for entry in entries:
            name = entry.name
            if name.isidentifier():  # only a directory can be a module without a suffix
                try:
                    if entry.is_dir() and name != "__pycache__":
                        listing.dirs[name] = entry
                except OSError:
                    continue
                continue
            module = module_of_file(name)
            if module is None:
                continue
            stem, compiled = module
            if stem.isidentifier() or (prefix and stem and "." not in stem and not compiled):
                # Inside a package a name no import statement can spell is still a
                # module: importlib.import_module("app.migrations.0001_initial") loads
                # it, as Django does with migrations.
                listing.add_file(entry, stem, compiled)
            elif prefix and not compiled:
                self._problem(entry.path, "file name has a dot in its stem; no import "
                              "can name it, so it cannot be imported")
        return listing

    def package(self, directory: str | Path, name: str, *, namespace: bool | None = None,
                entry: os.DirEntry[str] | None = None, device: int | None = None) -> bool:
        """Walk a package directory as module `name`; whether it holds any module.

        `namespace` None: decided by whether the directory has `__init__.py`.
        """
        directory = str(directory)
        device = self.enter(directory, entry, device)
        if device is None:
            return False
        listing = self._list(directory, name + ".")
        if listing is None:
            return False
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
        found = self.children(listing, name + ".", device)
        if namespace:
            if found:
                self.add(SourceModule(name, None, _display(directory, self.cwd), True, True))
            else:
                known = self.tree.modules.get(name)
                if known is not None and known.namespace:
                    del self.tree.modules[name]  # a directory without modules is not a module
        return found or not namespace

    def root(self, directory: str | Path) -> None:
        """Walk a source root: its top-level modules and packages."""
        device = self.enter(directory)
        if device is not None:
            listing = self._list(str(directory), "")
            if listing is not None:
                self.children(listing, "", device)

    def children(self, listing: _Listing, prefix: str, device: int) -> bool:
        """Add every module of a listed directory; whether there was any."""
        found = False
        files, extensions, dirs = listing.files, listing.extensions, listing.dirs
        for stem in sorted({*files, *extensions, *dirs}):
            full = prefix + stem
            entry = dirs.get(stem)
            if entry is not None and ((stem not in files and stem not in extensions)
                                      or os.path.isfile(os.path.join(entry.path,
                                                                     "__init__.py"))):
                # A package directory beats a same-named module; a namespace one does not.
                found = self.package(entry.path, full, entry=entry, device=device) or found
            elif stem in extensions:
                self.add_compiled(full, extensions[stem], files.get(stem))
                found = True
            elif stem in files:
                self.add_file(full, files[stem])
                found = True
        return found


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
    names = sorted(n for n in set(walker.tree.modules) - before if "." not in n)
    if not names:
        raise TargetNotFoundError(f"{target}: no Python modules or packages in it")
    return names


def _find_spec(name: str, search: list[str]) -> importlib.machinery.ModuleSpec | None:
    """Find module `name` without importing it (nor, for dotted names, its parents)."""
    top, _, rest = name.partition(".")
    spec = importlib.machinery.PathFinder.find_spec(top, search)
    if spec is None:
        # Editable installs and other meta-path finders: asking them for a top-level
        # name runs no code of the package itself.
        try:
            spec = importlib.util.find_spec(top)
        except (ImportError, ValueError):
            spec = None
    for part in rest.split(".") if rest else ():
        if spec is None or not spec.submodule_search_locations:
            return None
        spec = importlib.machinery.PathFinder.find_spec(
            f"{spec.name}.{part}", list(spec.submodule_search_locations))
    return spec


def _name_target(target: str, walker: _Walker, search: list[str]) -> list[str]:
    """Walk the module or package called `target`; the module names it names."""
    for entry in search:
        if entry and os.path.isdir(entry):
            walker.note(entry)  # a package appearing earlier on the path would shadow it
    spec = _find_spec(target, search)
    if spec is None:
        raise TargetNotFoundError(
            f"{target}: no such module on sys.path (nor a file or directory here)")
    locations = list(spec.submodule_search_locations or [])
    if locations:
        module = module_of_file(os.path.basename(spec.origin or ""))
        namespace = spec.origin in (None, "namespace") or module is None or (
            module[0] != "__init__")
        for location in locations:
            directory = Path(location)
            if directory.is_dir():
                walker.tree.directories.append(str(directory.absolute()))
                walker.package(directory, target, namespace=namespace)
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
    path = Path(origin)
    walker.tree.directories.append(str(path.absolute()))
    walker.add_file(target, path)
    return [target]


def discover(targets: Sequence[str], *, cwd: str | os.PathLike[str] | None = None,
             search_path: Sequence[str] | None = None,
             cache_dir: str | os.PathLike[str] | None = None,
             on_file: Callable[[str], None] | None = None) -> SourceTree:
    """Find every module of `targets` (module names or paths), without importing any.

    With `cache_dir`, the result of the last identical call is reused while no
    directory it listed has changed (directory mtimes change when entries are added,
    removed or renamed; file contents are not part of this result). Raises
    TargetNotFoundError (exit 2) for a target that does not exist and UsageError for
    one that is not Python source. `on_file` is called with the path of each source
    file as the walk finds it (some may not end up modules: a file shadowed by a
    package, say); not at all when the result is reused.
    """
    if not targets:
        raise UsageError("give at least one TARGET (a package name or a path)")
    base = Path(cwd) if cwd is not None else Path.cwd()
    search = [str(base), *(search_path if search_path is not None else sys.path)]
    store = _TreeCache(Path(cache_dir), targets, base, search) if cache_dir is not None else None
    if store is not None:
        cached = store.load()
        if cached is not None:
            return cached
    started = time.time_ns()
    tree = SourceTree()
    walker = _Walker(tree, base, on_file)
    for target in targets:
        on_disk = base / target
        # An existing directory without __init__.py is a source root even when its
        # name could be a (namespace) package: `importaudit graph src` means the folder.
        if _looks_like_path(target) or (on_disk.exists() and (
                not _is_module_name(target)
                or (on_disk.is_dir() and not (on_disk / "__init__.py").is_file()))):
            names = _path_target(target, base, walker)
        elif _is_module_name(target):
            names = _name_target(target, walker, search)
        else:
            raise UsageError(f"{target!r} is neither a module name nor an existing path")
        tree.roots.extend(n for n in names if n not in tree.roots)
    tree.modules = dict(sorted(tree.modules.items()))
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
                 search: list[str]) -> None:
        identity = json.dumps([_TREE_FORMAT, list(targets), str(base), search])
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
                directories=list(data["directories"]))
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
            "directories": tree.directories,
        }
        write_cache_file(self.path, json.dumps(data, separators=(",", ":")))
