"""Find the modules of the targets: package names on a sys.path or paths to source trees.

This is THE definition of "the modules of this package": the static graph reads the
modules found here, and `profile --tree` (and `review`, `check --tree`) imports exactly
these modules, in this order, in the child (the parent walks and hands the probe the
list). Nothing is imported: names are found with the import system's path finder on the
sys.path of the interpreter being measured (`SearchPath`), and packages are walked on
disk or inside zip archives (`walker.Walker`, which says what a module is). A target is
a path when it contains a path separator, ends in `.py`, is `.` or `..`, or exists on
disk and is not a valid module name or is a directory without `__init__.py` holding
Python source (`names_a_path`, which the runtime side shares); otherwise it is a module
name, looked up with the current directory first on the path (as `python -m` does).

A directory with `__init__.py` is a package (named by walking up through parent
packages); one without is a *source root* whose top-level modules and packages are
all targets. The terms of a walk (`SourceTree`, `SourceModule`, `SearchPath`,
`Exclusions`) live in `sourcetree` and are importable from here too.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from importaudit.errors import TargetNotFoundError, UsageError
from importaudit.static.sourcetree import (
    TEST_NAMES,
    Exclusions,
    SearchPath,
    SourceModule,
    SourceTree,
    find_submodule,
    module_of_file,
    walk_notes,
)
from importaudit.static.treecache import TreeCache
from importaudit.static.walker import Walker, read_archived, zip_location

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["TEST_NAMES", "Exclusions", "SearchPath", "SourceModule", "SourceTree", "discover",
           "module_of_file", "names_a_path", "read_archived", "walk_notes", "zip_location"]


def _is_module_name(text: str) -> bool:
    return bool(text) and all(part.isidentifier() for part in text.split("."))


def _looks_like_path(target: str) -> bool:
    return (os.sep in target or "/" in target or target.endswith(".py")
            or target in (".", "..") or (os.altsep is not None and os.altsep in target))


def _holds_python(folder: Path) -> bool:
    """Whether a folder holds Python source, in it or in folders below it.

    Only folders named like packages are looked into (a source root of namespace
    packages only: `src/ns/pkg/mod.py`); the first source file answers.
    """
    for _here, folders, files in os.walk(folder):
        if any(name.endswith(".py") for name in files):
            return True
        folders[:] = [f for f in folders if f.isidentifier()]
    return False


def names_a_path(target: str, base: Path) -> bool:
    """Whether TARGET names a file or folder (else a module name), relative to `base`.

    The one rule for the walk (`discover`) and for what the child imports (`api`'s
    `resolve_targets`): they disagreed on `src`, a folder without `__init__.py`, which
    the walk read as the source root it is and the child imported as an empty
    namespace package, so `profile src --tree` measured nothing and said its modules
    needed what is not installed. A folder without `__init__.py` and without Python in
    it (an output folder named like a package) is no target: Python itself imports
    the installed package of that name, not that folder.
    """
    if _looks_like_path(target):
        return True
    on_disk = base / target
    if not on_disk.exists():
        return False
    if not _is_module_name(target):
        return True
    # An existing directory without __init__.py is a source root even when its name
    # could be a (namespace) package: `importaudit graph src` means the folder.
    return (on_disk.is_dir() and not (on_disk / "__init__.py").is_file()
            and _holds_python(on_disk))


def _dotted_name(path: Path, walker: Walker) -> tuple[str, Path]:
    """Dotted name of a package directory or module file, and the folder above its top."""
    parts = [path.name if path.is_dir() else path.stem]
    folder = path.parent
    walker.probe(folder / "__init__.py")  # the name depends on these, not their folders
    while (folder / "__init__.py").is_file() and folder.name.isidentifier():
        parts.insert(0, folder.name)
        folder = folder.parent
        walker.probe(folder / "__init__.py")
    return ".".join(parts), folder


def _path_target(target: str, base: Path, walker: Walker) -> list[str]:
    """Walk a path target; the module names it names."""
    path = (base / target).absolute()
    walker.probe(path)  # a folder is walked (its mtime kept); a file is read as it is
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


def _find_spec(name: str, search: list[str], where: SearchPath, walker: Walker
               ) -> importlib.machinery.ModuleSpec | None:
    """Find module `name` without importing it (nor, for dotted names, its parents).

    The walker remembers what each lookup depended on. On `search` (the current
    directory first), only the paths the top-level name can be found as: a `name.py`
    added anywhere may shadow the target or add a portion of a namespace package, an
    unrelated file may not. A name found by another finder (an editable install's)
    depends on files of the sys.path entries (the `.pth` line that installs it, its
    mapping), so their mtimes are kept, but not the current directory's: Python reads
    `.pth` files before it puts that on the path.
    """
    top, _, rest = name.partition(".")
    for entry in search:
        walker.lookup(entry, top)
    spec = importlib.machinery.PathFinder.find_spec(top, search)
    if spec is None:
        spec = _locate(top, where)
        for entry in search[1:] if spec is not None else ():
            if entry != search[0] and os.path.isdir(entry):  # `python -m` puts it there too
                walker.note(entry)
    for part in rest.split(".") if rest else ():
        if spec is None or not spec.submodule_search_locations:
            return None
        locations = list(spec.submodule_search_locations)
        for location in locations:
            walker.lookup(location, part)
        spec = find_submodule(f"{spec.name}.{part}", locations)
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


def _name_target(target: str, walker: Walker, search: list[str],
                 where: SearchPath) -> list[str]:
    """Walk the module or package called `target`; the module names it names."""
    spec = _find_spec(target, search, where, walker)
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
        walker.probe(origin)
        walker.probe(source)  # a source added beside it changes the module
        walker.tree.directories.append(os.path.abspath(origin))
        walker.add_compiled(target, origin, source if os.path.isfile(source) else None)
        return [target]
    if not origin or not origin.endswith(".py"):
        raise UsageError(f"{target}: not a Python source module ({origin or 'built in'})")
    walker.probe(origin)  # found by another finder, it was no lookup's candidate
    walker.tree.directories.append(os.path.abspath(origin))
    walker.add_file(target, origin)
    return [target]


def _target(target: str, base: Path, walker: Walker, search: list[str],
            where: SearchPath) -> list[str]:
    """Walk one TARGET, a path or a module name (`names_a_path`); the names it names."""
    on_disk = base / target
    if not _looks_like_path(target):  # whether it names a folder here decides how it is read
        walker.probe(on_disk)
        walker.probe(on_disk / "__init__.py")
    if names_a_path(target, base):
        return _path_target(target, base, walker)
    if _is_module_name(target):
        if on_disk.is_dir():  # no Python in it now: one added makes it the target
            walker.note(on_disk)
        return _name_target(target, walker, search, where)
    raise UsageError(f"{target!r} is neither a module name nor an existing path")


def discover(targets: Sequence[str], *, cwd: str | os.PathLike[str] | None = None,
             search_path: list[str] | tuple[str, ...] | SearchPath | None = None,
             cache_dir: str | os.PathLike[str] | None = None,
             on_file: Callable[[str], None] | None = None,
             exclusions: Exclusions | None = None) -> SourceTree:
    """Find every module of `targets` (module names or paths), without importing any.

    Names are looked up on `search_path` (a `SearchPath` of the measured interpreter,
    or plain entries; default this interpreter's sys.path), after the current
    directory (and after the folders it puts `first`). `exclusions` (default: test
    packages) are not walked; they are listed in the tree's `excluded`. With
    `cache_dir`, the result of the last identical call is reused while no directory
    it walked has changed (directory mtimes change when entries are added, removed or
    renamed; file contents are not part of this result) and nothing new can be found
    where the targets' names were looked up (the current directory, the sys.path
    entries: see `treecache`). Raises TargetNotFoundError (exit 2) for a target that
    does not exist and UsageError for one that is not Python source. `on_file` is
    called with the path of each source file as the walk finds it (some may not end
    up modules: a file shadowed by a package, say); not at all when the result is
    reused.
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
    search = [*where.first, str(base), *where.entries]
    store = (TreeCache(Path(cache_dir), targets, base, search, excluding, where.suffixes)
             if cache_dir is not None else None)
    if store is not None:
        cached = store.load()
        if cached is not None:
            return cached
    started = time.time_ns()
    tree = SourceTree()
    walker = Walker(tree, base, on_file=on_file, exclusions=excluding, suffixes=where.suffixes,
                    mtimes=store is not None)
    for target in targets:
        names = _target(target, base, walker, search, where)
        tree.roots.extend(n for n in names if n not in tree.roots)
    walker.follow_links()
    tree.modules = dict(sorted(tree.modules.items()))
    tree.excluded = dict(sorted(tree.excluded.items()))
    if store is not None:
        store.save(tree, walker.listed, walker.probed, started)
    return tree

