"""The rewritten copy: made in a temporary folder, measured, and tested.

Nothing of the user's tree is touched here: each touched top package is copied (the
rewrites applied, or not), imported and measured from the copy, and the user's test
command runs in it. `saving` and `costlier` compare what the profiler measured.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from importaudit.defaults import FIX_MIN_HEAP_SAVING
from importaudit.fix.result import TestRun

if TYPE_CHECKING:
    from collections.abc import Collection, Iterator, Sequence

    from importaudit.fix.result import FixResult, Rewrite
    from importaudit.model import Report
    from importaudit.runtime.interpreter import Variables


def package_root(file: Path, module: str | None = None) -> Path:
    """The folder holding the top package (or the top-level module) `file` belongs to.

    With `module` (the file's module name), the folder its top part is in, when the
    path spells the name: setuptools' `_vendor` has no `__init__.py`, so the chain of
    `__init__.py` files above `setuptools/_vendor/jaraco/text/__init__.py` stops at
    `_vendor`, where the module `setuptools._vendor.jaraco.text` has its top above
    `setuptools`. Without it (or for a path that does not spell it), that chain.
    """
    if module is not None:
        stem = file.name.partition(".")[0]  # `mod.py`, `mod.cpython-311-x86_64-linux-gnu.so`
        spelled = module.split(".") + (["__init__"] if stem == "__init__" else [])
        if len(file.parts) > len(spelled) and [*file.parent.parts[len(file.parts)
                                                                - len(spelled):], stem] == spelled:
            return file.parents[len(spelled) - 1]
    folder = file.parent
    if not (folder / "__init__.py").is_file():
        return folder  # a module outside any package: its own top
    while (folder.parent / "__init__.py").is_file():
        folder = folder.parent
    return folder.parent



def installed_beside(root: Path, top: str) -> tuple[str, ...]:
    """The folders `top`'s distribution installed beside it in `root` that no import names.

    A wheel repaired by auditwheel (or delvewheel) ships its shared libraries in a
    folder beside the package (`pillow.libs`), which its extension modules find
    relative to their own file (`$ORIGIN/../pillow.libs`): a copy of `PIL` alone
    cannot load `PIL._imaging`, and every module of the copy failed to import, so
    `fix PIL` withdrew a rewrite that was right. Read from the distribution's RECORD,
    not guessed from names; a tree no installer wrote (no RECORD lists `top`) has none,
    unless it is a copy made here: a later round of `fix` copies from the copy the last
    one proved, where the links made for it stand in for the RECORD (numpy's second
    round could not load `numpy.libs` otherwise).
    """
    recorded = _beside(str(root))
    top = top.partition(".")[0]  # a module's file (`solo.py`) by its name
    if top in recorded:
        return recorded[top]
    with contextlib.suppress(OSError), os.scandir(root) as entries:
        return tuple(sorted(e.name for e in entries if e.is_symlink() and e.is_dir()
                            and not e.name.isidentifier()
                            and not e.name.endswith((".dist-info", ".egg-info"))))
    return ()


@functools.lru_cache(maxsize=16)
def _beside(root: str) -> dict[str, tuple[str, ...]]:
    """Each top-level name a RECORD in `root` lists -> the folders it has no import name for."""
    found: dict[str, tuple[str, ...]] = {}
    for record in sorted(Path(root).glob("*.dist-info/RECORD")):
        try:
            with record.open(encoding="utf-8", newline="") as lines:
                firsts = {row[0].replace("\\", "/").split("/", 1)[0]
                          for row in csv.reader(lines) if row}
        except (OSError, UnicodeDecodeError, csv.Error):
            continue
        folders = tuple(sorted(
            name for name in firsts
            if not name.isidentifier() and name not in ("", ".", "..")
            and not name.endswith((".dist-info", ".egg-info", ".data"))
            and Path(root, name).is_dir()))
        if folders:  # a namespace top several distributions install gets all theirs
            for name in firsts:
                if name.isidentifier() or name.endswith(".py"):
                    key = name.removesuffix(".py")
                    found[key] = tuple(sorted({*found.get(key, ()), *folders}))
    return found


def in_copy(rewrite: Rewrite, into: Path) -> Path:
    """Where `rewrite`'s file is in a copy made by `copy_packages` into `into`."""
    return into / rewrite.file.relative_to(package_root(rewrite.file, rewrite.module))


def copy_packages(rewrites: Sequence[Rewrite], into: Path, *,
                  apply: bool | Collection[Rewrite] = True, bytecode: bool = False) -> None:
    """Copy each touched top package into `into` and apply the rewrites there (or not).

    `apply` may name the rewrites to apply: the others' packages are copied unchanged.
    `bytecode` keeps the bytecode caches of the files no rewrite changes (the proof's
    copies: its imports write none, and each compiled every module of the copy it
    loaded, 2 s of CPU for numba's tree); a rewritten file's caches are removed, so it
    is compiled from its new text whatever kind of cache it had (an unchecked hash is
    never compared with the source).
    """
    done: set[str] = set()
    for rewrite in rewrites:
        root = package_root(rewrite.file, rewrite.module)
        relative = rewrite.file.relative_to(root)
        top = relative.parts[0]
        # Keyed by what the copy is imported as: one package's files can reach here
        # spelled two ways (through a symlinked folder), and it is copied once.
        if top not in done:
            if (root / top).is_dir():
                shutil.copytree(root / top, into / top, symlinks=True, ignore=None if bytecode
                                else shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(root / top, into / top)
            for name in installed_beside(root, top):
                if not (into / name).exists():  # to the folder, not to a link of a copy
                    (into / name).symlink_to(os.path.realpath(root / name),
                                             target_is_directory=True)
            done.add(top)
        if apply is True or (apply is not False and rewrite in apply):
            written = into / relative
            for cached in (written.parent / "__pycache__").glob(f"{written.stem}.*.pyc"):
                cached.unlink()
            # The copy keeps symlinks: a module that is one (a file linked in from
            # elsewhere) would be written through, into the user's own file. The link
            # goes; the rewrite is a file of the copy's own.
            written.unlink(missing_ok=True)
            written.write_text(rewrite.after, encoding="utf-8")



@contextlib.contextmanager
def rewritten_copy(result: FixResult, only: Collection[Rewrite] | None = None, *,
                   apply: bool = True) -> Iterator[Path]:
    """A temporary copy of the touched packages with the proven rewrites (or `only`).

    `apply=False` copies them unchanged: the "before" side is measured from a copy
    too, so both sides pay the same for a folder first on sys.path (tens of KiB of
    heap), and only the rewrites differ.
    With `only`, every touched package is copied and only those rewrites applied.
    The bytecode caches of the files no rewrite changed come along (`copy_packages`):
    every copy is imported with a warm-up first, which compiled every module it loaded
    from a copy without them (holidays: 2 s of CPU a copy, and `fix` measures from a
    copy per proven rewrite); the measured runs load from caches either way.
    """
    with tempfile.TemporaryDirectory(prefix="importaudit-fix-") as tmp:
        copy_packages(result.passed, Path(tmp),
                      apply=apply if only is None or not apply else only, bytecode=True)
        yield Path(tmp)


def all_but(result: FixResult) -> list[tuple[Rewrite, tuple[Rewrite, ...]]]:
    """Each proven rewrite with every other proven rewrite (new helper files included)."""
    return [(r, tuple(o for o in result.passed if o is not r))
            for r in result.passed if r.codes]


def saving(before: Report, alone: Report) -> dict[str, int | None] | None:
    """What importing the targets no longer costs with one rewrite alone applied."""
    from importaudit.views import report_totals

    if alone.failure is not None:
        return None
    b, a = report_totals(before), report_totals(alone)

    def less(x: int | None, y: int | None) -> int | None:
        return None if x is None or y is None else x - y

    return {"time_ns": less(b.total_ns, a.total_ns),
            "heap_bytes": less(b.heap_bytes, a.heap_bytes),
            "modules": less(b.modules, a.modules)}


def run_tests(command: str, copy: Path, *, timeout: float, env: Variables = ()) -> TestRun:
    """Run the user's test command in the rewritten copy, with it first on PYTHONPATH.

    It runs in the measured environment (`env` set, as for the proof). At the timeout
    the whole tree ends (the shell, pytest, its workers) before the copy is deleted
    under it; only the tail of the output is kept.
    """
    from importaudit.runtime.children import run_tree
    from importaudit.runtime.interpreter import child_environ

    environ = child_environ(env)
    environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(copy), environ.get("PYTHONPATH")) if p)
    done = run_tree(command, shell=True, cwd=copy, env=environ, timeout=timeout)
    if done.timed_out:
        return TestRun(command, -1, f"timed out after {timeout:g} s")
    tail = "\n".join(done.stderr_tail.strip().splitlines()[-5:])
    return TestRun(command, done.returncode if done.returncode is not None else -1, tail)


def heap_rose(before: Report, after: Report) -> bool:
    """Whether one run a side says importing the targets took more heap after the rewrite.

    By `FIX_MIN_HEAP_SAVING` or more: `api.fix` then measures both sides' heap again,
    and `costlier` judges it on the repeated runs.
    """
    from importaudit.views import report_totals

    b, a = report_totals(before).heap_bytes, report_totals(after).heap_bytes
    return b is not None and a is not None and a - b >= FIX_MIN_HEAP_SAVING


def _heap_stopped(before: Report, after: Report) -> bool:
    """Whether the heap run got through the original and not the rewrite (`heap_gaps`).

    No figure then says the heap went up, and none says it did not: a rewrite that
    makes the heap run run out of time is not proven cheaper.
    """
    return (after.meta is not None and bool(after.meta.heap_gaps)
            and before.meta is not None and not before.meta.heap_gaps)


def costlier(before: Report, after: Report,
             heap: tuple[Sequence[int], Sequence[int]] = ((), ())) -> tuple[str, ...]:
    """The costs (heap, modules) that importing the targets went up by after the rewrite.

    Heap is the whole import's, as `saving` counts it, and `heap` holds it per run
    (before, after): it went up only when every run after took `FIX_MIN_HEAP_SAVING`
    or more than every run before, over runs enough for that separation not to be
    chance (`fix.heapnoise`). One run a side is not: the same import of the same code
    moves by kilobytes from run to run (the probe's own records are traced, a clock
    reading takes more bytes as it grows, hash seeds size sets). Not module by module:
    a module's own heap holds what it is the first to build (typing's caches, compiled
    patterns), and a lazy `__init__` changes which module that is. gevent's moved
    200 KiB from zope.interface.interface to gevent._config and back, and the
    rewritten `__init__` took 10 KiB more of it, while the import as a whole took less.

    Time is left out on purpose: medians of a few runs on a busy machine go up and down
    by more than a lazy `__init__` changes them; heap and module counts do not.
    """
    from importaudit.fix.heapnoise import clearly_less
    from importaudit.views import report_totals

    went_up = []
    runs_before, runs_after = heap
    if clearly_less(runs_after, runs_before, FIX_MIN_HEAP_SAVING):
        went_up.append("heap")
    elif _heap_stopped(before, after):
        went_up.append("heap (its tracemalloc run did not finish after the rewrite, as it "
                       "did before)")
    if report_totals(after).modules > report_totals(before).modules:
        went_up.append("modules")
    return tuple(went_up)
