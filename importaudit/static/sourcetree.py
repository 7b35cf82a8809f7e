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
    from collections.abc import Callable

    from importaudit.model import ScanProblem

#: A compiled module's file name: the module's name, an ABI tag of any interpreter
#: (`.cpython-311-x86_64-linux-gnu`, `.abi3`, `.cp311-win_amd64`, `.pypy310-pp73-...`)
#: or none, then `.so` or `.pyd`. Not only the running interpreter's tags: the tree may
#: be installed for another Python (`--python`), and its modules are the same.
_COMPILED = re.compile(r"([^.]+)(?:\.(?:cpython|cp\d|pypy|abi\d|graalpy)[^.]*)?\.(?:so|pyd)")
_COMPILED_TAILS = (".so", ".pyd")
MODULE_TAILS = (".py", *_COMPILED_TAILS)  # a cheap first test per directory entry

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
