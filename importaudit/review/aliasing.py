"""Rule about one source file executed as two modules (sys.path aliasing, self-import).

Python keys modules by name, not by file: with both a package's parent and the package
directory on sys.path, `pkg.mod` and `mod` are two modules made from one file; a script
run as `__main__` and imported by its own name runs twice too. Each copy has its own
globals, so module-level singletons (registries, caches, configuration, locks) exist
twice and `isinstance` checks across the copies fail. The profile knows each executed
module's file, and the probe the file that ran as `__main__`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from importaudit.model import Severity
from importaudit.review.registry import RuleDoc, register

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from importaudit.model import Finding, ModuleRecord
    from importaudit.review.context import ReviewContext

MAIN = "__main__"


def _key(path: str) -> str:
    return os.path.normcase(os.path.realpath(path))


def _private_below(name: str, targets: Sequence[str]) -> bool:
    """Whether `name` has a private part (`_vendor`, not `__init__`) below its target."""
    top = next((t for t in targets if name.startswith(t + ".")), None)
    if top is None:
        return False
    return any(part.startswith("_") and not (part.startswith("__") and part.endswith("__"))
               for part in name[len(top) + 1:].split("."))


def _walk_only(ctx: ReviewContext) -> frozenset[str]:
    """Modules a `--tree` walk ran only by importing private modules no code imports.

    The walk imports every module by its place in the file tree. setuptools puts its
    `_vendor` folder on sys.path and serves `distutils` from `setuptools._distutils`:
    its code imports `jaraco.text` and `distutils.core`, and only the walk imports
    `setuptools._vendor.jaraco.text` or `setuptools._distutils.command.bdist` (and,
    through the latter, `setuptools._distutils.core`). Those second copies are the
    walk's doing: no code of the package runs them, and a private module is no one
    else's entry point. A public module the walk imported is one (users import it).
    """
    meta = ctx.report.meta
    if meta is None or meta.mode != "tree":
        return frozenset()
    targets = ctx.report.targets
    entries = [name for name, record in ctx.tree.measured.items()
               if name in targets or (not record.importer
                                      and not _private_below(name, targets))]
    return frozenset(ctx.tree.measured) - ctx.tree.loads(entries)


def executed_twice(ctx: ReviewContext) -> list[tuple[str, list[str]]]:
    """(file, module names) for each file executed under more than one module name.

    Only modules whose code the import system ran (loaded with a file, not stored in
    sys.modules by hand, not an extension: those cannot be initialised twice); the
    file run as `__main__` counts as the module `__main__`. A copy only a tree walk's
    import of a private module ran is not counted (`_walk_only`).
    """
    by_file: dict[str, list[str]] = {}
    shown: dict[str, str] = {}
    main = ctx.report.meta.main_file if ctx.report.meta else None
    if main:
        by_file.setdefault(_key(main), []).append(MAIN)
        shown[_key(main)] = main
    walk_only = _walk_only(ctx)
    for record in ctx.tree.measured.values():
        origin = record.origin
        if (record.via is not None or not origin or not origin.endswith((".py", ".pyw"))
                or record.name in walk_only):
            continue
        names = by_file.setdefault(_key(origin), [])
        shown.setdefault(_key(origin), origin)
        if record.name not in names:
            names.append(record.name)
    return sorted((shown[k], names) for k, names in by_file.items() if len(names) > 1)


def _who(record: ModuleRecord | None, name: str) -> str:
    if name == MAIN:
        return "run as the program"
    if record is None or not record.importer:
        return "imported directly"
    return f"imported by {record.importer}"


@register(
    "IA702", "module-executed-twice", "One file executed as two modules",
    RuleDoc(
        what="The same source file was executed under two module names: imported as "
             "`pkg.mod` and as `mod` (both the package's parent and the package directory "
             "are on sys.path), or a script run as `__main__` imports itself by name.",
        why="Each name is a separate module with its own globals: module-level "
            "singletons (registries, caches, configuration, connections) exist twice, "
            "registrations made through one name are invisible through the other, "
            "`isinstance` fails across them, and the module's import cost is paid twice.",
        fix="Import the module under one name only: remove the package directory from "
            "sys.path (PYTHONPATH, sys.path.insert, .pth files) and use the full name; "
            "keep what other modules import out of the script (a script imports the "
            "library, never the reverse).",
        example="# service.py is run as a script; shared state lives in a module:\n"
                "# registry.py\nHANDLERS = {}\n\n# service.py\nfrom registry import "
                "HANDLERS",
    ),
)
def module_executed_twice(ctx: ReviewContext) -> Iterator[Finding]:
    """IA702: one finding per file executed under more than one module name."""
    for file, names in executed_twice(ctx):
        records = {n: ctx.tree.get(n) for n in names}
        # The copy that ran later is the surplus one; __main__ ran first.
        later = [n for n in names if n != MAIN] if MAIN in names else names[1:]
        surplus = later[-1]
        listing = "; ".join(f"{n} ({_who(records[n], n)})" for n in names)
        yield ctx.make_finding(
            "IA702", "One file executed as two modules", surplus,
            f"{file} was executed {len(names)} times as different modules: {listing}. "
            "Each copy has its own module-level state, so singletons and registries "
            "defined there exist more than once.",
            _fix(ctx, surplus, records.get(surplus)),
            impact=ctx.tree.self_impact(surplus), file=file, line=1, floor=Severity.HIGH,
            chain=tuple(names),
        )


def _fix(ctx: ReviewContext, surplus: str, record: ModuleRecord | None) -> str:
    """How to import the file under one name: by its package's name, or off sys.path.

    statsmodels.api's `from .__init__ import test` imports `statsmodels.__init__`, a
    second copy of `statsmodels`: the fix is that statement, not sys.path.
    """
    package = surplus.removesuffix(".__init__")
    if package == surplus:
        return ("Import it under one name only: take its directory off sys.path and use "
                "the full module name everywhere (a script should not be imported by name).")
    importer = record.importer if record is not None else None
    where = next((f" ({e.file or importer}:{e.line})" for e in ctx.edges_from.get(
        importer or "", ()) if e.imported == surplus and e.line), "")
    by = f" in {importer}{where}" if importer else ""
    return (f"Import the package, not its `__init__` module: {surplus} is a second copy "
            f"of {package}. Import from {package} itself{by}, as "
            f"`from {package} import ...` (or `from . import ...` inside it).")
