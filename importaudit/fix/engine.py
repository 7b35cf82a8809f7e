"""`importaudit fix`: plan the rewrites, prove them on a copy, and only then write.

`propose` takes the review's findings (module and file of each), plans a rewrite for
each package `__init__` they name, renders it with what the original module shows when
imported, applies it to a temporary copy of the package and proves it by differential
import. A rewrite whose module breaks a check is dropped and the rest proved again;
a break that no rewrite can be blamed for drops them all. `write` replaces the files
atomically, only when none changed since it was read.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from importaudit.errors import UsageError
from importaudit.fix import compat, deep
from importaudit.fix.defer import KIND as DEFERRED
from importaudit.fix.defer import DeferPlan, plan_defer, render_defer
from importaudit.fix.helper import SHARED_MODULE, shared_helper_module
from importaudit.fix.lazy_init import InitPlan, Refusal, Surface, plan_init, render_init
from importaudit.fix.proof import (
    Breakage,
    compare_surface,
    compare_tree,
    run_snapshot,
)
from importaudit.fix.styles import (
    lazy_loader_refusal,
    render_lazy_loader,
    render_pep810,
    stub_path,
)
from importaudit.fix.typing_only import TypingPlan, plan_typing, render_typing

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterator, Mapping, Sequence

    from importaudit.fix.project import Declared
    from importaudit.model import Report
    from importaudit.runtime.interpreter import Variables

Plan = InitPlan | TypingPlan | DeferPlan

#: The review rules whose findings a lazy `__init__` fixes. Not IA301: it reports only
#: lazy packages, whose star import loads what `__all__` lists; a lazy `__init__` keeps
#: `__all__` as it is, and which names it lists is the package's API decision.
INIT_CODES = frozenset({"IA101"})
#: The review rules whose findings moving an import into its functions fixes.
DEFER_CODES = frozenset({"IA102", "IA103"})
#: Every rule `fix` rewrites.
FIX_CODES = INIT_CODES | DEFER_CODES | {"IA501"}


@dataclass(frozen=True, slots=True)
class Target:
    """One module a finding asks to fix: its name, file and the codes that named it."""

    module: str
    file: Path
    codes: tuple[str, ...]
    imported: frozenset[str] = frozenset()  # names other modules import from it
    roots: frozenset[str] = frozenset()  # IA102/IA103: the imported modules to defer


@dataclass(frozen=True, slots=True)
class Rewrite:
    """One file the fix changes (or creates: `before` is None), and its proof."""

    module: str
    file: Path
    before: str | None
    after: str
    codes: tuple[str, ...] = ()
    names: tuple[str, ...] = ()  # the names that become lazy (or type-only)
    broke: tuple[Breakage, ...] = ()  # empty: the proof passed
    moved: bool = False  # IA501: `names` leave the module's namespace on purpose
    added: tuple[str, ...] = ()  # names the rewrite's own statements bind
    kind: str = ""  # "deferred": `names` moved into the functions using them
    functions: int = 0  # deferred: how many functions the imports moved into
    # Measured with this rewrite alone applied: what importing the targets no longer
    # loads because of it (time_ns, heap_bytes, modules saved; see api.fix).
    exclusive: dict[str, int | None] | None = None

    @property
    def passed(self) -> bool:
        """Whether every check of the proof passed for this rewrite."""
        return not self.broke


@dataclass(frozen=True, slots=True)
class TestRun:
    """The user's test command, run on the rewritten copy."""

    command: str
    returncode: int
    tail: str


@dataclass(frozen=True, slots=True)
class FixResult:
    """Every proposed rewrite with its proof, what was left alone, and the cost."""

    rewrites: tuple[Rewrite, ...] = ()
    refusals: tuple[Refusal, ...] = ()
    broke: tuple[Breakage, ...] = ()  # failures no single rewrite could be blamed for
    modules_checked: int = 0  # modules the tree check imported on both sides
    before: Report | None = None
    after: Report | None = None
    tests: TestRun | None = None
    written: tuple[Path, ...] = ()
    costlier: tuple[str, ...] = ()  # what the rewrites made more expensive (see `costlier`)
    style: str = "pep562"
    versions: compat.VersionCheck | None = None  # requires-python, and where checked
    not_proven: str | None = None  # why the proof could not run (then nothing is written)

    @property
    def passed(self) -> tuple[Rewrite, ...]:
        """The rewrites that passed the proof (what `--write` writes); none unproven."""
        return () if self.not_proven else tuple(r for r in self.rewrites if r.passed)

    @property
    def pending(self) -> bool:
        """Whether there are fixes to apply: proven and not written, or not provable here."""
        return bool(self.passed or (self.not_proven and self.rewrites)) and not self.written

    @property
    def withdrawn(self) -> tuple[Rewrite, ...]:
        """The rewrites a check broke (the proof, the import of the copy, the tests)."""
        return tuple(r for r in self.rewrites if not r.passed)

    @property
    def proof_failed(self) -> bool:
        """Whether a rewrite was withdrawn or a check broke that no rewrite is blamed for."""
        return bool(self.withdrawn or self.broke)


@dataclass
class _Context:
    python: str
    paths: tuple[str, ...]
    targets: tuple[str, ...]
    timeout: float
    before: dict[str, dict[str, Any]] = field(default_factory=dict)
    style: str = "pep562"
    others: list[compat.Side] = field(default_factory=list)  # older Pythons it admits
    # The oldest interpreter the declared range admits: it compiles the rewrites.
    oldest: tuple[tuple[int, int, int], str] | None = None
    compiled: bool = False  # whether it compiled any rewritten file
    env: Variables = ()  # what the measurement options set in every child (`--env`)


def _package_root(file: Path) -> Path:
    """The folder holding the top package (or the top-level module) `file` belongs to."""
    folder = file.parent
    if not (folder / "__init__.py").is_file():
        return folder  # a module outside any package: its own top
    while (folder.parent / "__init__.py").is_file():
        folder = folder.parent
    return folder.parent


def _relative_dots(package: str, top: str) -> str:
    return "." * (package.count(".") - top.count(".") + 1)


def _surface(package: str, shown: dict[str, Any]) -> Surface:
    subs = {name: f".{name}" for name, value in shown["values"].items()
            if value.get("name") == f"{package}.{name}"}
    exported = shown["all"]
    return Surface(subs, tuple(shown["star"]), frozenset(shown["globals"]),
                   None if exported is None else tuple(exported))


def _render(plans: Sequence[Plan], ctx: _Context,
            targets: Mapping[str, Target]) -> list[Rewrite]:
    by_top: dict[str, list[InitPlan]] = {}
    rewrites = []
    for plan in plans:
        if isinstance(plan, DeferPlan):
            rewrites.append(Rewrite(plan.module, plan.file, plan.original or plan.source,
                                    render_defer(plan), targets[plan.module].codes,
                                    plan.names, moved=True, added=plan.added,
                                    kind=DEFERRED, functions=len(plan.inserts)))
        elif isinstance(plan, TypingPlan):
            rewrites.append(Rewrite(plan.module, plan.file, plan.source, render_typing(plan),
                                    targets[plan.module].codes, plan.names, moved=True,
                                    added=plan.added))
        else:
            by_top.setdefault(plan.package.split(".")[0], []).append(plan)
    if ctx.style != "pep562":
        return rewrites + [r for plan in (p for g in by_top.values() for p in g)
                           for r in _styled(plan, ctx, targets)]
    for top, group in by_top.items():
        shared = len(group) > 1
        for plan in group:
            helper = (f"from {_relative_dots(plan.package, top)}{SHARED_MODULE} import "
                      "attach as _attach") if shared else None
            after = render_init(plan, _surface(plan.package, ctx.before[plan.package]),
                                helper)
            rewrites.append(Rewrite(plan.package, plan.file, plan.source, after,
                                    targets[plan.package].codes,
                                    tuple(n.name for n in plan.lazy)))
        if shared:
            path = _package_root(group[0].file) / top / f"{SHARED_MODULE}.py"
            old = path.read_text(encoding="utf-8") if path.exists() else None
            rewrites.append(Rewrite(f"{top}.{SHARED_MODULE}", path, old,
                                    shared_helper_module()))
    return rewrites


def _styled(plan: InitPlan, ctx: _Context, targets: Mapping[str, Target]) -> list[Rewrite]:
    """The lazy `__init__` of `plan` in the lazy-loader (with its stub) or PEP 810 form."""
    surface = _surface(plan.package, ctx.before[plan.package])
    codes, names = targets[plan.package].codes, tuple(n.name for n in plan.lazy)
    if ctx.style == "pep810":
        return [Rewrite(plan.package, plan.file, plan.source, render_pep810(plan, surface),
                        codes, names)]
    init, stub = render_lazy_loader(plan, surface)
    return [Rewrite(plan.package, plan.file, plan.source, init, codes, names),
            Rewrite(f"{plan.package} (stub)", stub_path(plan), None, stub)]


def _in_copy(rewrite: Rewrite, into: Path) -> Path:
    """Where `rewrite`'s file is in a copy made by `_copy` into `into`."""
    return into / rewrite.file.relative_to(_package_root(rewrite.file))


def _copy(rewrites: Sequence[Rewrite], into: Path, *, apply: bool = True) -> None:
    """Copy each touched top package into `into` and apply the rewrites there (or not)."""
    done: set[str] = set()
    for rewrite in rewrites:
        root = _package_root(rewrite.file)
        relative = rewrite.file.relative_to(root)
        top = relative.parts[0]
        # Keyed by what the copy is imported as: one package's files can reach here
        # spelled two ways (through a symlinked folder), and it is copied once.
        if top not in done:
            if (root / top).is_dir():
                shutil.copytree(root / top, into / top, symlinks=True,
                                ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(root / top, into / top)
            done.add(top)
        if apply:
            (into / relative).write_text(rewrite.after, encoding="utf-8")


def _blame(broken: str, modules: Sequence[str]) -> str | None:
    """The rewritten module a broken module's failure is charged to (itself or a parent)."""
    owners = [m for m in modules if broken == m or broken.startswith(m + ".")]
    return max(owners, key=len) if owners else None


def _compiled(rewrites: Sequence[Rewrite], ctx: _Context, copy: Path,
              found: dict[str, list[Breakage]]) -> None:
    """Charge each rewritten file the oldest admitted Python cannot compile to its rewrite."""
    if ctx.oldest is None:
        return
    files = [(r.module, r.file if r.before is not None else None, _in_copy(r, copy))
             for r in rewrites if r.file.suffix == ".py"]
    ctx.compiled = ctx.compiled or bool(files)
    for module, message in compat.compile_breakages(ctx.oldest, files, timeout=ctx.timeout,
                                                    env=ctx.env).items():
        found.setdefault(module, []).append(Breakage(module, message))


def _prove(rewrites: list[Rewrite], ctx: _Context, copy: Path,
           tree_before: dict[str, Any]) -> tuple[list[Rewrite], list[Breakage], int]:
    _copy(rewrites, copy)
    paths = (str(copy), *ctx.paths)
    checked = [r for r in rewrites if r.module in ctx.before]
    found: dict[str, list[Breakage]] = {r.module: [] for r in rewrites}
    _compiled(rewrites, ctx, copy, found)
    unblamed: list[Breakage] = []
    sides = [compat.Side(ctx.python, "", ctx.before, tree_before), *ctx.others]
    for side in sides:
        on = f"on Python {side.label}: " if side is not sides[0] else ""
        for rewrite in checked:
            if rewrite.module not in side.before:
                continue  # the original does not import there (said in the version check)
            after = run_snapshot(side.python, paths, "surface", rewrite.module,
                                 timeout=ctx.timeout, env=ctx.env)
            loaded = after.get("file")
            if loaded and not Path(loaded).resolve().is_relative_to(copy.resolve()):
                # A compiled package (mypyc's black) can load its modules from where it
                # was installed: then the copy is never imported and nothing is proven.
                found[rewrite.module].append(Breakage(
                    rewrite.module, f"{on}the rewritten copy is not what imports: "
                    f"{rewrite.module} loads from {loaded}, so the proof cannot check it"))
            found[rewrite.module].extend(
                replace(b, message=on + b.message) for b in compare_surface(
                    rewrite.module, side.before[rewrite.module], after,
                    frozenset(rewrite.names) if rewrite.moved else frozenset(),
                    frozenset(rewrite.added)))
        tree_after = run_snapshot(side.python, paths, "tree", ",".join(ctx.targets),
                                  timeout=ctx.timeout, env=ctx.env)
        for broke in compare_tree(side.tree, tree_after):
            owner = _blame(broke.module, [r.module for r in checked])
            (unblamed if owner is None else found[owner]).append(
                replace(broke, message=on + broke.message))
    proven = [replace(r, broke=tuple(found.get(r.module, ()))) for r in rewrites]
    return proven, unblamed, len(tree_before["modules"])


def _plan(target: Target, relpath: Callable[[Path], str]) -> Plan:
    """The lazy `__init__` for IA101 on a package, else IA501's TYPE_CHECKING move.

    IA102/IA103 move imports into the functions using them; with IA501 on the same
    module both apply, the deferral planned on the text the TYPE_CHECKING move left.
    """
    shown = relpath(target.file)
    init = target.file.name == "__init__.py"
    if init and INIT_CODES & set(target.codes):
        return plan_init(target.module, target.file, shown)
    typing = plan_typing(target.module, target.file, shown, is_package=init,
                         imported=target.imported) if "IA501" in target.codes else None
    if not DEFER_CODES & set(target.codes):
        assert typing is not None
        return typing
    # Refusals are stated on the file as it is (its line numbers); names the
    # TYPE_CHECKING move takes are no refusal.
    plain = plan_defer(target.module, target.file, shown, target.roots,
                       exported=target.imported)
    if typing is None or not typing.names:
        return plain if typing is None else replace(
            plain, refusals=typing.refusals + plain.refusals)
    plan = plan_defer(target.module, target.file, shown, target.roots,
                      exported=target.imported, source=render_typing(typing),
                      added=typing.added)
    refused = tuple(r for r in plain.refusals if r.name not in typing.names)
    return replace(plan, names=typing.names + plan.names,
                   original=plain.original or plain.source,
                   refusals=typing.refusals + refused, also_added=typing.added)


def _planned(target: Target, relpath: Callable[[Path], str]) -> Plan:
    """`_plan` on a stack of its own (see `deep`); code too deep for it is refused."""
    try:
        return deep.run(_plan, target, relpath)
    except deep.TooDeepError as exc:
        return DeferPlan(target.module, target.file, "", refusals=(
            Refusal(target.module, relpath(target.file), None, str(exc)),))


def _needs(plan: Plan, style: str) -> str | None:
    """The construct of `compat.NEEDS` a plan's rewrite writes (None: any Python runs it)."""
    if isinstance(plan, InitPlan):
        return style
    if isinstance(plan, DeferPlan):  # lazy values are a module __getattr__
        return "pep562" if plan.values else (
            "future" if "annotations" in plan.also_added else None)
    return "future" if plan.future else None


def _older(ctx: _Context, plans: Sequence[Plan], versions: compat.VersionCheck,
           version: tuple[int, int, int] | None) -> compat.VersionCheck:
    """Make the oldest admitted Python a side of the proof, or say why it is not one."""
    if version is None or ctx.oldest is None:
        return versions
    side, note = compat.older_side(ctx.oldest, version, [p.module for p in plans],
                                   paths=ctx.paths, targets=ctx.targets, style=ctx.style,
                                   timeout=ctx.timeout, env=ctx.env)
    ctx.others.extend([side] if side is not None else [])
    return replace(versions, not_checked=(*versions.not_checked, *([note] if note else [])))


def propose(
    targets: Sequence[Target], *, python: str, paths: Sequence[str],
    imports: Sequence[str], timeout: float, relpath: Callable[[Path], str],
    style: str = "pep562", declared: Declared | None = None,
    version: tuple[int, int, int] | None = None, env: Variables = (),
) -> FixResult:
    """Plan, render and prove the rewrites of `targets`; nothing is written here.

    `paths` go first on sys.path of every child (where the targets are found);
    `imports` are the modules that must still import afterwards: the targets and their
    submodules as the static walk found them (what `measure --tree` imports too).
    `style` is the form of a lazy `__init__` (see `styles.STYLES`); `declared` what the
    package declares (its requires-python), `version` that of `python`: a rewrite that
    needs a newer Python than the declared range starts with is refused, and the
    rewritten files are compiled, and proven, on the oldest Python it admits too. Every
    child starts with `env` set (`Measure.environment`), on every Python.
    """
    ctx = _Context(python, tuple(paths), tuple(imports), timeout, style=style, env=env)
    by_module = {t.module: t for t in targets}
    plans: list[Plan] = []
    refusals: list[Refusal] = []
    for target in targets:
        plan = _planned(target, relpath)
        refusals.extend(plan.refusals)
        needs = _needs(plan, style)
        reason = compat.too_new(needs, declared) if plan.names and needs else None
        if reason is not None:
            refusals.append(Refusal(plan.module, relpath(plan.file), None, reason))
        elif plan.names:
            plans.append(plan)
    versions, ctx.oldest = compat.check_versions(declared, version, python)
    if not plans:
        return FixResult(refusals=tuple(refusals), style=style, versions=versions)
    for plan in plans:
        ctx.before[plan.module] = run_snapshot(python, ctx.paths, "surface", plan.module,
                                               timeout=timeout, env=env)
    importable = [p for p in plans if "error" not in ctx.before[p.module]]
    refusals.extend(
        Refusal(p.module, relpath(p.file), None,
                f"it does not import as it is: {ctx.before[p.module]['error']}")
        for p in plans if p not in importable)
    if style == "lazy-loader":
        unfit = {p.module: lazy_loader_refusal(p, _surface(p.module, ctx.before[p.module]))
                 for p in importable if isinstance(p, InitPlan)}
        refusals.extend(Refusal(p.module, relpath(p.file), None, unfit[p.module] or "")
                        for p in importable if unfit.get(p.module))
        importable = [p for p in importable if not unfit.get(p.module)]
    if style == "pep810" and (version is None or version < (3, 15)):
        # Python before 3.15 cannot even compile `lazy from`: there is no proof to run.
        why = (f"the proof was not run: PEP 810 `lazy` imports need Python >= 3.15 and "
               f"--python is {compat.dotted(version) if version else 'unknown'}; "
               "run again with --python pointing at a 3.15 interpreter to prove them")
        rendered = deep.run(_render, importable, ctx, by_module)
        return FixResult(tuple(rendered), tuple(refusals), style=style, not_proven=why,
                         versions=replace(versions, not_checked=(
                             "no Python >= 3.15 here: the rewritten files were checked by "
                             "libcst's PEP 810 grammar only",)))
    tree_before = run_snapshot(python, ctx.paths, "tree", ",".join(imports),
                               timeout=timeout, env=env)
    versions = _older(ctx, importable, versions, version)
    dropped: list[Rewrite] = []
    unblamed: list[Breakage] = []
    checked = 0
    rewrites: list[Rewrite] = []
    while importable:
        with tempfile.TemporaryDirectory(prefix="importaudit-fix-") as tmp:
            rewrites = deep.run(_render, importable, ctx, by_module)
            proven, unblamed, checked = _prove(rewrites, ctx, Path(tmp), tree_before)
        failed = {r.module for r in proven if not r.passed}
        if unblamed:
            dropped.extend(replace(r, broke=tuple(unblamed)) for r in proven
                           if r.module in ctx.before)
            rewrites = []
            break
        if not failed:
            rewrites = proven
            break
        dropped.extend(r for r in proven if not r.passed)
        importable = [p for p in importable if p.module not in failed]
        rewrites = []
    measured = "" if version is None else compat.dotted(version)
    proven_on = tuple(v for v in (measured, *(s.label for s in ctx.others))
                      if v and (rewrites or dropped))  # a proof ran there
    compiled_on = (compat.dotted(ctx.oldest[0]),) if ctx.oldest and ctx.compiled else ()
    return FixResult(tuple(rewrites) + tuple(dropped), tuple(refusals), tuple(unblamed),
                     checked, style=style, versions=replace(
                         versions, proven_on=proven_on, compiled_on=compiled_on))


@contextlib.contextmanager
def rewritten_copy(result: FixResult, only: Sequence[Rewrite] | None = None, *,
                   apply: bool = True) -> Iterator[Path]:
    """A temporary copy of the touched packages with the proven rewrites (or `only`).

    `apply=False` copies them unchanged: the "before" side is measured from a copy
    too, so both sides pay the same for a folder first on sys.path without bytecode
    caches (tens of KiB of heap, the compile time), and only the rewrites differ.
    """
    with tempfile.TemporaryDirectory(prefix="importaudit-fix-") as tmp:
        _copy(result.passed if only is None else only, Path(tmp), apply=apply)
        yield Path(tmp)


def singles(result: FixResult) -> list[tuple[Rewrite, tuple[Rewrite, ...]]]:
    """Each proven rewrite with what applying it alone takes (itself and new helpers)."""
    helpers = tuple(r for r in result.passed if not r.codes)
    return [(r, (r, *helpers)) for r in result.passed if r.codes]


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


def costlier(before: Report, after: Report, rewritten: Collection[str]) -> tuple[str, ...]:
    """The costs (heap, modules) that importing the targets went up by after the rewrite.

    Heap counts what the rewrite can change: the modules that load only before or only
    after, and the own heap of the `rewritten` modules loaded on both sides. A module
    whose code is the same on both sides costs the same; the few bytes its figure moves
    by between two runs (the probe's own records are traced, and a clock reading takes
    more bytes as it grows) are noise, not a cost of the rewrite.

    Time is left out on purpose: medians of a few runs on a busy machine go up and down
    by more than a lazy `__init__` changes them; heap and module counts do not.
    """
    then = {r.name: r for r in before.modules if not r.preloaded}
    now = {r.name: r for r in after.modules if not r.preloaded}
    went_up = []
    heap: int | None = 0
    for name in then.keys() | now.keys():
        b, a = then.get(name), now.get(name)
        if b is not None and a is not None and name not in rewritten:
            continue
        b_heap = 0 if b is None else b.self_heap_bytes
        a_heap = 0 if a is None else a.self_heap_bytes
        if heap is None or b_heap is None or a_heap is None:
            heap = None
        else:
            heap += a_heap - b_heap
    if heap is not None and heap > 0:
        went_up.append("heap")
    if len(now) > len(then):
        went_up.append("modules")
    return tuple(went_up)


def withdraw(result: FixResult) -> FixResult:
    """`result` with every rewrite failed: the rewritten copy broke the import or tests."""
    reasons = []
    if result.after is not None and result.after.failure is not None:
        reasons.append(Breakage(result.after.failure.module or "", "the rewritten copy "
                                f"failed to import: {result.after.failure.message}"))
    if result.tests is not None and result.tests.returncode != 0:
        reasons.append(Breakage("", f"`{result.tests.command}` failed on the rewritten "
                                    f"copy (status {result.tests.returncode})"))
    # Files that only serve the rewrites (the shared helper, a stub) carry no codes.
    return replace(result, rewrites=tuple(
        replace(r, broke=r.broke or tuple(reasons)) for r in result.rewrites if r.codes))


def _newline(path: Path) -> str:
    """The line ending `path` uses (that of its first line); LF for a new file."""
    if not path.exists():
        return "\n"
    # The plans read sources with universal newlines; writing back must not turn a
    # Windows (CRLF) file into an LF one, or every line of it shows in the diff.
    with open(path, encoding="utf-8", newline="") as stream:
        first = stream.readline()
    return "\r\n" if first.endswith("\r\n") else "\r" if first.endswith("\r") else "\n"


def write(result: FixResult) -> tuple[Path, ...]:
    """Replace each proven file atomically, or none if any changed since it was read."""
    from importaudit._atomic import write_text_atomic

    changed = [r.file for r in result.passed
               if (r.file.read_text(encoding="utf-8") if r.file.exists() else None)
               != r.before]
    if changed:
        raise UsageError(f"{changed[0]} changed since importaudit read it: nothing "
                         "written (run fix again)")
    for rewrite in result.passed:
        write_text_atomic(rewrite.file, rewrite.after, newline=_newline(rewrite.file))
    return tuple(r.file for r in result.passed)
