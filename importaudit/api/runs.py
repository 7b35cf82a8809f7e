"""What every use case shares: targets resolved, one run's interpreters, walks, progress.

A run (one call of a use case, and the use cases it calls) asks each interpreter about
itself once, through the `Environments` it holds: a command that measures, reads the
source and runs trials (review, check, fix) asks one question, and two runs in one
process (tests, the pytest plugin) never share what they learned.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from importaudit.errors import Interrupted, TargetNotFoundError, UsageError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence

    from importaudit.config import Measure
    from importaudit.model import Report
    from importaudit.runtime.interpreter import Interpreter, Variables
    from importaudit.runtime.runner import Measurement, ProfileRequest
    from importaudit.static.discover import Exclusions, SearchPath, SourceTree


@dataclass(frozen=True, slots=True)
class ResolvedTargets:
    """Module names to import and the folders to put on sys.path for them."""

    modules: tuple[str, ...]
    extra_path: tuple[str, ...]


def _is_module_name(text: str) -> bool:
    return all(part.isidentifier() for part in text.split("."))


def _package_root(path: Path) -> tuple[str, Path]:
    """Dotted name of a package dir or module file, and the folder holding its top."""
    if path.name == "__init__.py":  # a package's own file names the package (as in discover)
        path = path.parent
    parts = [path.stem if path.is_file() else path.name]
    folder = path.parent
    while (folder / "__init__.py").exists():
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts), folder


def resolve_targets(targets: Sequence[str], first: Sequence[str] = ()) -> ResolvedTargets:
    """Turn TARGET arguments (module names or paths) into module names + sys.path entries.

    A directory that is a package (or a .py file) is imported by its dotted name with
    the folder above its top package on sys.path; a plain directory is put on sys.path
    and every top-level module and package in it is a target. `first`
    (`Measure.search_first`) goes on sys.path before all of those.
    """
    from importaudit.static.discover import names_a_path

    modules: list[str] = []
    extra: list[str] = list(first)
    here = Path.cwd()
    for target in targets:
        path = Path(target)
        looks_like_path = os.sep in target or target.endswith(".py") or target in (".", "..")
        if path.exists() and names_a_path(target, here):
            # Absolute, symlinks kept: the module is named by the path as given (a link
            # `alias` to a package imports as `alias`), as the static walk names it.
            path = Path(os.path.abspath(path))
            if (path.is_file() and path.suffix == ".py") or (path / "__init__.py").exists():
                name, folder = _package_root(path)
                modules.append(name)
                extra.append(str(folder))
            elif path.is_dir():
                found = sorted(
                    p.stem if p.is_file() else p.name for p in path.iterdir()
                    if (p.suffix == ".py" and p.is_file() and p.stem.isidentifier())
                    or (p.is_dir() and p.name.isidentifier() and (p / "__init__.py").exists())
                )
                if not found:
                    raise TargetNotFoundError(f"{target}: no Python modules or packages in it")
                modules.extend(found)
                extra.append(str(path))
            else:
                raise UsageError(f"{target}: not a Python file, package or directory")
        elif looks_like_path:
            raise TargetNotFoundError(f"{target}: no such file or directory")
        elif _is_module_name(target):
            modules.append(target)
        else:
            raise UsageError(f"{target!r} is neither a module name nor an existing path")
    return ResolvedTargets(tuple(dict.fromkeys(modules)), tuple(dict.fromkeys(extra)))


def _progress() -> Callable[[str], None] | None:
    """A progress callback for stderr on a terminal (None otherwise).

    Silent for the first half second, so quick runs print nothing but their result.
    """
    import time

    if not sys.stderr.isatty() or os.environ.get("IMPORTAUDIT_NO_PROGRESS"):
        return None
    started = time.monotonic()

    def show(message: str) -> None:
        if time.monotonic() - started >= 0.5:
            sys.stderr.write(f"\r\x1b[2K importaudit: {message}")
            sys.stderr.flush()

    return show


@contextlib.contextmanager
def progress_line() -> Iterator[Callable[[str], None] | None]:
    """`_progress()` for the length of a block, its line cleared at the end."""
    show = _progress()
    try:
        yield show
    finally:
        if show is not None:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()


class Environments:
    """The interpreters one run asked about, and where each finds modules.

    Held by the use case a command calls and passed to those it calls in turn, so each
    interpreter is asked once per run and a later run asks again (an interpreter may
    have changed in between: a package installed, the probe's cache folder removed).
    """

    def __init__(self) -> None:
        self._known: dict[tuple[str, Variables], tuple[Interpreter, SearchPath]] = {}

    def _environment(self, measure: Measure) -> tuple[Interpreter, SearchPath]:
        from importaudit.runtime.interpreter import find_interpreter, locate_module
        from importaudit.static.discover import SearchPath

        # The same executable with other variables is another environment: PYTHONPATH
        # moves its sys.path, a settings variable decides what imports.
        key = (measure.python or sys.executable, measure.environment())
        known = self._known.get(key)
        if known is not None:
            return known
        interpreter = find_interpreter(measure.python, env=measure.environment())
        where = SearchPath(interpreter.sys_path, frozenset(interpreter.builtins),
                           interpreter.extension_suffixes, python=interpreter.executable,
                           locate=lambda name: locate_module(interpreter, name),
                           version=interpreter.version)
        self._known[key] = (interpreter, where)
        return interpreter, where

    def interpreter(self, measure: Measure) -> Interpreter:
        """The interpreter `measure.python` names (default: this one), in its environment."""
        return self._environment(measure)[0]

    def search_path(self, measure: Measure) -> SearchPath:
        """Where target names are looked up: the measured interpreter's sys.path.

        This process's own when that is this interpreter with nothing set for its
        children (no question to ask); `measure.search_first` before either.
        """
        import dataclasses

        from importaudit.static.discover import SearchPath

        if measure.python is None and not measure.environment():
            where = SearchPath.current()
        else:
            where = self._environment(measure)[1]
        return (dataclasses.replace(where, first=measure.search_first)
                if measure.search_first else where)


def saved_measure(measure: Measure, saved: Report,
                  envs: Environments) -> tuple[Measure, str | None]:
    """`measure` for judging the saved report `saved`, and a note when it must differ.

    A report measured with `--python` names its targets as that environment has them:
    with no interpreter given now (`--python`, `python` in [tool.importaudit]), its
    graph is read from the same one (`saved.meta.python`; in a merged report, the first
    shard's whose interpreter runs here), not importaudit's own. When none is on this
    machine, or none runs here, this one's is used and the note says so.
    """
    import dataclasses

    from importaudit.errors import ImportAuditError

    named: list[str | None] = (
        [saved.meta.python, *(shard.meta.python for shard in saved.meta.shards)]
        if saved.meta is not None else [saved.graph.python if saved.graph else None])
    # Reports read from -X importtime output name no interpreter ("unknown").
    recorded = list(dict.fromkeys(p for p in named if p and os.path.isabs(p)))
    if measure.python is not None or not recorded:
        return measure, None
    # Not `realpath`: a venv's python is a link to its base interpreter, and which
    # environment it is shows only in the path it was started by.
    if any(os.path.abspath(p) == os.path.abspath(sys.executable) for p in recorded):
        return measure, None
    problems = []
    for python in recorded:
        if not (os.path.isfile(python) and os.access(python, os.X_OK)):
            problems.append(f"{python}, which is not here")
            continue
        chosen = dataclasses.replace(measure, python=python)
        try:
            envs.interpreter(chosen)  # asked once: the run's later questions reuse it
        except ImportAuditError as exc:
            problems.append(f"{python}, which does not run here ({exc})")
            continue
        return chosen, None
    return measure, (f"the report was measured with {'; '.join(problems)}: its targets "
                     f"were looked up on the sys.path of {sys.executable} (give --python)")


def saved_targets(saved: Report) -> tuple[str, ...]:
    """The targets a saved report judges by, when none are given: its own.

    A program's report names a program (`-m tool`), not modules: it needs TARGETs.
    """
    if saved.meta is not None and saved.meta.mode == "program":
        shown = " ".join(saved.targets)
        raise UsageError(f"the report profiles a program ({shown}): give the TARGETs "
                         "whose modules it judges")
    return tuple(saved.targets)


def whole(saved: Report, use: str) -> None:
    """Refuse to `use` a saved report that a signal cut short: it holds part of a run."""
    if saved.meta is not None and saved.meta.interrupted:
        raise UsageError(f"the report was interrupted by {saved.meta.interrupted}: it "
                         f"holds only what was measured before it, so it is not {use}; "
                         "measure again")


def same_code(report: Report) -> None:
    """Refuse to judge a saved report whose graph was read from another copy of its code.

    A target the report measured from a file that is on this machine, but that the
    graph found elsewhere (an `--env PYTHONPATH=src` or another interpreter that the
    judging run was not given), would judge one copy's measurements by another's
    imports. Files not on this machine (a report from a machine laid out otherwise)
    are not compared.
    """
    graph = report.graph
    if graph is None:
        return
    origins = {m.name: m.origin for m in report.modules}
    files = {m.name: m.file for m in graph.modules}
    for name in graph.roots:
        measured, read = origins.get(name), files.get(name)
        if measured and read and os.path.exists(measured) and (
                os.path.realpath(measured) != os.path.realpath(read)):
            raise UsageError(f"the report measured {name} from {measured}, but its graph "
                             f"here reads {read}: give the --python and --env it was "
                             "measured with")


def noted(report: Report, *notes: str) -> Report:
    """`report` with `notes` added to its run's notes (none without a run)."""
    import dataclasses

    if not notes or report.meta is None:
        return report
    meta = dataclasses.replace(report.meta, notes=(*report.meta.notes, *notes))
    return dataclasses.replace(report, meta=meta)


def exclusions(measure: Measure) -> Exclusions:
    """What tree walks leave out: modules matching `exclude` globs, and test packages."""
    from importaudit.static.discover import Exclusions

    return Exclusions(tuple(measure.exclude), tests=not measure.include_tests)


def run_profile(request: ProfileRequest, interpreter: Interpreter) -> Measurement:
    """Run the profiler for `request`, with progress on a terminal."""
    from importaudit.runtime.runner import Runner

    with progress_line() as show:
        return Runner(interpreter, progress=show).profile(request)


def profile_report(request: ProfileRequest, interpreter: Interpreter,
                   make: Callable[[Measurement], Report]) -> Report:
    """`make`'s report of the profile of `request`.

    Interrupted by a signal after something was measured, the report `make` builds of
    that partial measurement rides on the signal (`Interrupted.partial`) for the
    command line to write out.
    """
    from importaudit.runtime.runner import Measurement

    try:
        measurement = run_profile(request, interpreter)
    except Interrupted as exc:
        if isinstance(exc.partial, Measurement):
            exc.partial = make(exc.partial)
        raise
    return make(measurement)


def walk(targets: Sequence[str], measure: Measure,
         envs: Environments) -> tuple[tuple[str, ...], SourceTree | None]:
    """Every module of `targets` in the measured environment, parents first, and the tree.

    Nothing (the child imports the targets alone) when they cannot be walked: a
    built-in or compiled target has no tree, and a missing one is reported by the child.
    """
    from importaudit.static.discover import discover

    try:
        found = discover(targets, search_path=envs.search_path(measure),
                         exclusions=exclusions(measure))
    except (TargetNotFoundError, UsageError):
        return (), None
    return tuple(found.import_order()), found


def measured_walk_notes(tree: SourceTree | None, loaded: Iterable[str]) -> tuple[str, ...]:
    """What a report of a walk of `tree` says about what the walk left out.

    A test-named module the targets imported anyway (`loaded`: every module the run
    measured) was measured: it is part of the import, not a test left out.
    """
    if tree is None:
        return ()
    from importaudit.static.sourcetree import unimported_notes, walk_notes

    measured = set(loaded)
    # Counted as the static graph counts them: the test package and what it loaded.
    return (*walk_notes(tree, sorted({name for name in measured
                                      if tree.left_out_because(name) == "tests"})),
            *unimported_notes(tree, measured))


def new_report(targets: Sequence[str], measurement: Measurement) -> Report:
    """A Report of one measurement, stamped with the tool's version and the time."""
    from datetime import UTC, datetime

    from importaudit._version import __version__
    from importaudit.model import Report

    return Report(
        targets=tuple(targets),
        tool_version=__version__,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        meta=measurement.meta,
        modules=measurement.modules,
        failure=measurement.failure,
        skipped=measurement.skipped,
    )


def shown_path(path: Path) -> str:  # also the CLI's, for paths in fix's output
    """A path as the user sees it: relative to the current folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
