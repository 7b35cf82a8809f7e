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
    from collections.abc import Iterator

    from importaudit.model import Finding, ModuleRecord
    from importaudit.review.context import ReviewContext

MAIN = "__main__"


def _key(path: str) -> str:
    return os.path.normcase(os.path.realpath(path))


def executed_twice(ctx: ReviewContext) -> list[tuple[str, list[str]]]:
    """(file, module names) for each file executed under more than one module name.

    Only modules whose code the import system ran (loaded with a file, not stored in
    sys.modules by hand, not an extension: those cannot be initialised twice); the
    file run as `__main__` counts as the module `__main__`.
    """
    by_file: dict[str, list[str]] = {}
    shown: dict[str, str] = {}
    main = ctx.report.meta.main_file if ctx.report.meta else None
    if main:
        by_file.setdefault(_key(main), []).append(MAIN)
        shown[_key(main)] = main
    for record in ctx.tree.measured.values():
        origin = record.origin
        if record.via is not None or not origin or not origin.endswith((".py", ".pyw")):
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
