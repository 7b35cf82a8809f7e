"""Walk package directories and zip archives into a SourceTree (`Walker`).

A directory with `__init__.py` is a package; one without is a namespace package when
it holds modules (a data folder is no module). Only identifiers name directories that
are packages: `__pycache__` and data folders are not modules; inside a package a file
such as `0001_initial.py` is (`importlib.import_module` can name it), but not
`not.a.module.py`. Module precedence follows the import system: a package directory,
then an extension module (the measured interpreter's own build first), then
`name.py`, then a namespace directory.

Symlinked directories are walked after every real directory (a real directory wins
over a link to it): a link to a directory walked already is an alias and is skipped
with a problem saying so; a link to a directory on its own walk path is a loop,
reported the same way. Submodules whose name matches an `Exclusions` pattern, and test
packages (`sourcetree.TEST_NAMES`) unless asked for, are not walked at all.

A compiled module (an extension of any interpreter's ABI tag, `.so` or `.pyd`) is
what Python loads, so it is the module's file; when the `.py` it was compiled from
ships beside it (mypyc, Cython's pure-Python mode) that source is the module's
`source`, whose imports are the module's. A compiled `__init__` is its package.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from importaudit.model import ScanProblem
from importaudit.static.sourcetree import (
    MODULE_TAILS,
    Exclusions,
    SourceModule,
    SourceTree,
    module_of_file,
)
from importaudit.static.treecache import ABSENT, FILE, FOLDER, lookup_suffixes, path_kind

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path


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


def _display(path: str | Path, cwd: Path) -> str:
    """`path` relative to `cwd` when inside it, else as it is."""
    text, base = str(path), str(cwd)
    if text.startswith(base) and text[len(base):len(base) + 1] == os.sep:
        return text[len(base) + 1:]
    return text


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


class Walker:
    """Collects modules into a SourceTree, guarding against symlink loops and aliases.

    Paths are plain strings and every directory is listed once (a large tree has
    thousands of directories, many of them data, such as locale folders). Links to
    directories wait in `deferred` until every real directory is walked.
    """

    def __init__(self, tree: SourceTree, cwd: Path, *,
                 on_file: Callable[[str], None] | None = None,
                 exclusions: Exclusions | None = None,
                 suffixes: Sequence[str] = (), mtimes: bool = True) -> None:
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
        # a later run may reuse the result while none of them changed. Only kept when
        # `mtimes` (for a cache of the result): otherwise no directory is stat'ed for it.
        self.listed: dict[str, int] = {}
        # Paths a name was looked up as, with their kind then (`treecache.path_kind`):
        # of a directory where names are only looked up, nothing else counts.
        self.probed: dict[str, int] = {}
        self.mtimes = mtimes

    def note(self, directory: str | Path) -> os.stat_result | None:
        """Remember `directory`'s mtime (its listing shapes the result); its stat, if any.

        Nothing (None) when mtimes are not kept.
        """
        if not self.mtimes:
            return None
        try:
            info = os.stat(directory)
        except OSError:
            self.listed[str(directory)] = -1
            return None
        self.listed[str(directory)] = info.st_mtime_ns
        return info

    def probe(self, path: str | Path) -> None:
        """Remember the kind of `path` (whether it exists, as a folder or not).

        Nothing when mtimes are not kept. Called before the path is looked at: a change
        between the two shows as a different kind in the next run.
        """
        if self.mtimes:
            kind = self.probed[str(path)] = path_kind(str(path))
            if kind != ABSENT and os.path.islink(path):
                # A link repointed to a folder of the same mtime keeps its kind and the
                # mtimes walked; replacing the link changes its folder's mtime.
                self.note(os.path.dirname(str(path)))

    def lookup(self, directory: str, name: str) -> None:
        """Remember what module `name` can be found as in `directory`, and only that.

        As the path finder looks: folder `name` (a package when it holds an `__init__`
        of any module suffix, else a namespace portion), then `name` with each module
        suffix. The rest of `directory` may change (a new file in the current
        directory, a package installed beside the target) without changing the result.
        A zip archive's members are not probed: its mtime is kept. A directory that does
        not exist yet changes kind when it is made.
        """
        if not self.mtimes:
            return
        directory = directory or os.getcwd()  # as the path finder reads an empty entry
        kind = self.probed[directory] = path_kind(directory)
        if kind == FILE:
            self.note(directory)
        if kind != FOLDER:
            return
        suffixes = lookup_suffixes(self.suffixes)
        base = os.path.join(directory, name)
        self.probe(base)
        if self.probed[base] == FOLDER:
            for suffix in suffixes:
                self.probe(os.path.join(base, "__init__" + suffix))
        for suffix in suffixes:
            self.probe(base + suffix)

    def add(self, module: SourceModule) -> None:
        """Add `module` unless a module of that name is known (a namespace gives way)."""
        known = self.tree.modules.get(module.name)
        # The first portion found wins, as on sys.path; a namespace gives way to code.
        if known is None or (known.namespace and not module.namespace):
            self.tree.modules[module.name] = module

    def add_file(self, name: str, path: str | Path, *, is_package: bool = False) -> None:
        """Add the source module `name` at `path`."""
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
        noted = self.note(directory)
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
                        if device is None:  # the device of its subdirectories
                            device = (noted or os.stat(directory)).st_dev
                        listing.keys[name] = (device, entry.inode())
                except OSError:
                    continue
            elif name.endswith(MODULE_TAILS):
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
        if not (files or extensions or dirs):
            return False  # a data folder (most of a large tree's directories)
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

