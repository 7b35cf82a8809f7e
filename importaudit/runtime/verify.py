"""Prove or drop the static claim "this cycle can fail at import" by running it.

The static analysis suspects a cycle can fail when a member does `from x import name`
while `x` may be half-initialised: that is, when `x` is imported first. Whether it
does depends on everything the static graph cannot see (package `__init__` files that
fix the order, names bound conditionally, `__getattr__`). So each suspected module is
imported first, alone, in a fresh interpreter of the measured environment (the
folders holding the files that were read put on its sys.path when not there yet), several
at once (bounded by `jobs`, default the CPU count), each with a timeout. One run stands
for many: importing `pkg.x` first imports `pkg` first, so when importing `pkg` first
already loaded `pkg.x` (or failed), that run settles `pkg.x` too (`ImportTrial.via`). A cycle
*fails* when one of them raised an error naming a half-initialised member of the cycle
("partially initialized module 'x'"); otherwise, when one of them imported fine, it is
*not reproduced*: the cycle is order-dependent, but did not fail from any entry point
that imported. An entry point that fails for another reason (a missing dependency, a
timeout) is kept with its error, but proves nothing about the cycle: when every one
did, the claim stays unverified. Each run also watches the modules at risk and the
cycles' members: one whose import started and raised, the error caught by the code
importing it (`try: from .ext import X` `except ImportError: X = None`), is kept on the
trial (`ImportTrial.caught`); when that error names a half-initialised member, the
cycle *fails* too, though the entry point imported: the package goes on without it
(or, when something imported it again later in the run, it failed once:
`CaughtImport.imported_later`).
A cycle nothing is suspected of that closes at import time (`Cycle.to_run`) is run
from each member it can start at all the same: that no `from x import name` is at risk
is static reasoning, and the run shows it imports from each of them, or fails on a
half-initialised member after all.

This is the one place where `importaudit cycles` runs the code it analyses.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import os
import re
import tempfile
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from importaudit import defaults
from importaudit.model import CaughtImport, Cycle, ImportTrial, Proof
from importaudit.runtime.children import Children, run_tracked

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from importaudit.model import StaticGraph
    from importaudit.runtime.interpreter import Interpreter

    Trial = Callable[[str, Sequence[str]], tuple[ImportTrial, frozenset[str]]]

TRIAL_PATH = str(Path(__file__).with_name("trial.py"))
#: How CPython names the module a circular import caught half-way: `from m import x`
#: and `m.x` on it (3.8+), and `p.m` on its package before `m` finished (3.11+ says so;
#: 3.9 and 3.10 only say the package lacks the attribute).
_PARTIAL = re.compile(r"partially initialized module '(?P<module>[^']+)'"
                      r"|cannot access submodule '(?P<sub>[^']+)' of module '(?P<of>[^']+)'"
                      r"|^AttributeError: module '(?P<pkg>[^']+)' has no attribute "
                      r"'(?P<attr>[^']+)'")


def import_roots(graph: StaticGraph, modules: Iterable[str]) -> tuple[str, ...]:
    """The folders to put on sys.path so `modules` import from the files that were read.

    For `a.b.c` read from `/x/a/b/c.py` (or `/x/a/b/c/__init__.py`) that is `/x`: the
    same files the static graph describes, whatever the targets were called.
    """
    nodes = {n.name: n for n in graph.modules if n.file}
    roots: dict[str, None] = {}
    for module in modules:
        node = nodes.get(module)
        if node is None or node.file is None:
            continue
        folder = Path(node.file).resolve().parent
        depth = module.count(".") + (1 if node.is_package else 0)
        roots[str(folder.parents[depth - 1] if depth else folder)] = None
    return tuple(roots)


def entry_points(cycle: Cycle) -> tuple[str, ...]:
    """The modules whose import first the suspicion is about, to run.

    (For a cycle nothing is suspected of: the members it can start at, and the `x` of
    the edges held safe by the order.)
    The `x` of each edge, and the members the cycle can start at (`cycle.entries`):
    when `x` is never the first to start, the orders that can start it before its
    importer begin there. The `x` of each edge held safe only by the packages' order
    (`held_by_order`) too: that order is read from the import statements as if each
    always ran, and one under a platform test or a `try`, or a module imported by
    `import_module`, can leave `x` free to start first after all. A `__main__` module
    is never one: importing it runs a program.
    """
    return tuple(sorted({m for m in (*(e.imported for e in cycle.failing),
                                     *(e.imported for e in cycle.held_by_order),
                                     *cycle.entries)
                         if m.rpartition(".")[2] != "__main__"}))


def run_trial(interpreter: Interpreter, module: str, *, extra_path: Sequence[str] = (),
              timeout: float = defaults.TIMEOUT_S, watched: Sequence[str] = (),
              children: Children | None = None) -> tuple[ImportTrial, frozenset[str]]:
    """Import `module` first, alone, in a fresh `interpreter` (tracked by `children`).

    Returns how it ended, and which of the `watched` modules it loaded (when it failed:
    which had finished importing before it did).
    """
    outcome, died = _run_trial_child(interpreter, [module, *watched], module,
                                     extra_path=extra_path, timeout=timeout,
                                     children=children)
    if outcome is None:
        return ImportTrial(module, error=died), frozenset()
    loaded = frozenset(outcome.get("loaded", ()))
    # One in `loaded` failed and was caught, and then imported again later in the run.
    caught = tuple(CaughtImport(c["module"], _message(c), file=_shown_path(c.get("file")),
                                line=c.get("line"), by=c.get("by"),
                                by_file=_shown_path(c.get("by_file")),
                                by_line=c.get("by_line"), imported_later=c["module"] in loaded,
                                through=tuple(c.get("through", ())))
                   for c in outcome.get("caught", ()))
    # With modules to watch, the child reports every caught failure of theirs it saw.
    seen = bool(watched)
    if outcome.get("ok"):
        return ImportTrial(module, caught=caught, watched=seen), loaded
    return ImportTrial(module, error=_message(outcome), file=_shown_path(outcome.get("file")),
                       line=outcome.get("line"), caught=caught, watched=seen), loaded


def _message(raised: Mapping[str, Any]) -> str:
    """`Type: message` of an exception the trial child reported (with what it came from).

    Raised from an error that names the half-initialised module (a lazy package's
    `__getattr__` re-raises what it met), that one is added: it says why.
    """
    # (a bare `assert` has no message: its type alone, not "AssertionError: ")
    message = (f"{raised['type']}: {raised['message']}" if raised["message"]
               else str(raised["type"]))
    if half_initialised(message) is None:
        named = [c for c in raised.get("causes", ()) if half_initialised(c) is not None]
        if named:
            message = f"{message} (raised from {named[-1]})"
    return message


def _run_trial_child(interpreter: Interpreter, args: Sequence[str], module: str, *,
                     extra_path: Sequence[str], timeout: float,
                     children: Children | None) -> tuple[dict[str, Any] | None, str]:
    """Run trial.py with `args` in a fresh `interpreter`: its outcome, or why it has none."""
    children = children or Children()
    children.check()
    fd, result_path = tempfile.mkstemp(prefix="importaudit-trial-", suffix=".json")
    os.close(fd)
    # Only the tail of what the imported code writes is kept: a flood cannot block us.
    tail: deque[bytes] = deque()
    try:
        returncode, timed_out = run_tracked(
            [interpreter.executable, TRIAL_PATH, result_path, os.pathsep.join(extra_path),
             *args], tail, timeout=timeout, children=children,
            env=interpreter.environ())
        text = Path(result_path).read_text(encoding="utf-8")
    finally:
        os.unlink(result_path)
    if text:
        outcome: dict[str, Any] = json.loads(text)
        return outcome, ""
    # The child died before it could say (os._exit, a signal, a timeout).
    if timed_out:
        return None, f"TimeoutError: importing {module} did not finish in {timeout:g} s"
    last = b"".join(tail).decode("utf-8", "replace").strip().splitlines()[-1:]
    return None, (f"the interpreter exited with status {returncode}"
                  + (f": {last[0]}" if last else ""))


def star_imports(modules: Sequence[str], interpreter: Interpreter, *,
                 extra_path: Sequence[str] = (), timeout: float = defaults.TIMEOUT_S,
                 jobs: int | None = None) -> dict[str, tuple[str, tuple[str, ...]]]:
    """`from m import *` run for each of `modules`, each in a fresh `interpreter`.

    For each module whose star import raised: the exception (type and message) and the
    names of its `__all__` the module cannot give (at most `jobs` at once, default the
    CPU count). A module that did not import, or whose star import worked, is left out.
    """
    children = Children()

    def one(module: str) -> tuple[str, tuple[str, tuple[str, ...]] | None]:
        outcome, _ = _run_trial_child(interpreter, ["--star", module], module,
                                      extra_path=extra_path, timeout=timeout,
                                      children=children)
        star = (outcome or {}).get("star") or {}
        if not star.get("error"):
            return module, None
        return module, (str(star["error"]), tuple(star.get("unbound", ())))

    found: dict[str, tuple[str, tuple[str, ...]]] = {}
    workers = max(1, jobs or os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool, children.stopped_on_error():
        for module, result in pool.map(one, sorted(set(modules))):
            if result is not None:
                found[module] = result
    return found


def _shown_path(file: str | None) -> str | None:
    """A path under the current directory as a relative one, like the graph's files."""
    if file is None:
        return None
    try:
        return str(Path(file).relative_to(Path.cwd()))
    except ValueError:
        return file


def half_initialised(error: str | None) -> str | None:
    """The module an import error says was caught half-initialised, if it says one.

    For "module 'p' has no attribute 'm'" (Python 3.9, 3.10) that is `p.m`, which is
    a circular import only when `p.m` is a module of the cycle being judged.
    """
    found = _PARTIAL.search(error or "")
    if found is None:
        return None
    if found["module"]:
        return found["module"]
    if found["sub"]:
        return f"{found['of']}.{found['sub']}"
    return f"{found['pkg']}.{found['attr']}"


#: `from p import name` that found no `name` on `p`.
_NO_NAME = re.compile(r"ImportError: cannot import name '(?P<name>[^']+)'")


def _half_initialised(trial: ImportTrial, cycle: Cycle) -> bool:
    """Whether the trial failed on a half-initialised member of `cycle`.

    Either the error names one, or it is "cannot import name" raised by a statement
    the cycle suspects of taking that name from the module this trial imported first
    (while that module runs). The second is how a name a lazy package gives from a
    half-initialised module fails: the package's `__getattr__` raises AttributeError,
    which the import statement turns into an ImportError naming the package only.
    """
    if half_initialised(trial.error) in cycle.modules:
        return True
    found = _NO_NAME.match(trial.error or "")
    if found is None or trial.via is not None or trial.file is None:
        return False
    where = Path(trial.file).resolve()
    return any(e.imported == trial.module and found["name"] in e.names
               and e.line == trial.line and e.file is not None
               and Path(e.file).resolve() == where
               for e in (*cycle.failing, *cycle.held_by_order))


def _caught_on(caught: CaughtImport, trial: ImportTrial, cycle: Cycle) -> bool:
    """Whether an import whose error was caught failed on a half-initialised member of `cycle`.

    Judged as an uncaught error is (`_half_initialised`), in the same run: the error
    names one, or it is "cannot import name" raised by a statement the cycle suspects of
    taking that name from the module the run imported first (a lazy package's
    `__getattr__`). A caught ModuleNotFoundError of a dependency that is not installed
    (an optional extra) is a failure for another reason.
    """
    return _half_initialised(dataclasses.replace(trial, error=caught.error, file=caught.file,
                                                 line=caught.line), cycle)


def _at_risk(cycle: Cycle, module: str) -> set[str]:
    """The modules suspected of taking a name from `module` while it is half-initialised."""
    return {e.importer for e in cycle.failing if e.imported == module}


def _cleared(trial: ImportTrial, cycle: Cycle,
             finished: Mapping[str, frozenset[str]]) -> bool:
    """Whether a trial that failed for another reason got past `cycle`'s risky imports.

    So it did when every module suspected of taking a name from the entry point had
    finished importing in that run (`finished`: what each failed run had finished, by
    the module it imported first): their `from x import name` ran without failing, or
    their own code skipped it (click's `_compat` imports `_winconsole` only on Windows,
    and the package loads `_compat` before anything can import `_winconsole` first).
    """
    if trial.error is None or trial.circular:
        return False
    ran = finished.get(trial.via or trial.module)
    at_risk = _at_risk(cycle, trial.module)
    return ran is not None and bool(at_risk) and at_risk <= ran


def _unreached(trial: ImportTrial, cycle: Cycle,
               loaded: Mapping[str, frozenset[str]]) -> tuple[str, ...]:
    """The modules suspected of taking a name from the entry point, when a clean run loaded none.

    altair imports `altair.jupyter.jupyter_chart` (whose `from altair import
    TopLevelSpec` the cycle suspects) only when anywidget is installed: without it,
    `import altair` imported fine without running that import, and the cycle was
    called "does not fail: its only order was run".
    """
    if trial.error is not None:
        return ()
    ran = loaded.get(trial.via or trial.module)
    if ran is not None:
        # One whose import failed on the cycle, the error caught, ran its import at risk.
        ran = ran | {m for c in trial.caught if c.circular for m in (c.module, *c.through)}
    at_risk = _at_risk(cycle, trial.module)
    # One that loaded ran its imports at risk: the run says what it says of those
    # (trio's Windows-only members beside the rest), as it did before.
    if ran is None or at_risk & ran:
        return ()
    return tuple(sorted(at_risk))


def _judge(cycle: Cycle, done: Mapping[str, ImportTrial],
           finished: Mapping[str, frozenset[str]]) -> Cycle:
    """The cycle with its trials and the proof they give.

    Its own entry points' trials, and any other trial that failed on one of its members
    (entering elsewhere can fail on it too, suspected or not).
    """
    own = entry_points(cycle) if cycle.to_run else ()
    trials = [done[m] for m in own]
    trials += [t for m, t in sorted(done.items())
               if m not in own and (_half_initialised(t, cycle)
                                    or any(_caught_on(c, t, cycle) for c in t.caught))]
    if not trials:
        return (dataclasses.replace(cycle, not_run="its entry points are `__main__` "
                                    "modules: importing one runs a program")
                if cycle.to_run else cycle)
    judged = tuple(dataclasses.replace(
        t, circular=_half_initialised(t, cycle),
        caught=tuple(dataclasses.replace(c, circular=_caught_on(c, t, cycle)) for c in t.caught))
        for t in trials)
    # Nothing suspected: the trials say whether it imports from each entry point (or
    # fails on a half-initialised member all the same), kept like a suspicion's.
    judged = tuple(dataclasses.replace(t, cleared=_cleared(t, cycle, finished),
                                       unreached=_unreached(t, cycle, finished))
                   for t in judged)
    # An entry point that failed for another reason (a missing dependency, a timeout)
    # may never have reached the cycle, nor one that imported without loading the
    # modules at risk: only one that ran them, or failed after they had run, says it
    # did not fail.
    # A module whose import failed on the cycle and was caught (an optional accelerator in
    # `try`/`except ImportError`) failed all the same: the package goes on without it,
    # or imports it again later (`imported_later`), having run without it till then.
    proof = (Proof.FAILS if any(t.circular or any(c.circular for c in t.caught)
                                for t in judged)
             else Proof.NOT_REPRODUCED if any(t.ran_through for t in judged)
             else Proof.UNVERIFIED)
    return dataclasses.replace(cycle, proof=proof, trials=judged)


def _prefix(module: str, depth: int) -> str:
    return ".".join(module.split(".")[:depth])


def try_first(modules: Iterable[str], trial: Trial, *, jobs: int | None = None,
              progress: Callable[[str], None] | None = None,
              children: Children | None = None,
              until: Callable[[ImportTrial], bool] | None = None, depth: int = 1,
              ) -> dict[str, ImportTrial]:
    """Each of `modules` imported first, alone, in a fresh interpreter: how it ended.

    Importing `a.b.c` first imports `a` first, then `a.b`, then `a.b.c`, so one run
    can stand for many: when importing `a` first (alone, fresh) already loaded `a.b.c`,
    or failed, importing `a.b.c` first would have run exactly that. So the packages are
    tried level by level, each run watching which of the modules below it it loaded;
    only the modules still unsettled go one level deeper. `trial(module, watched)`
    runs one interpreter; at most `jobs` run at once (default: the CPU count), tracked
    by `children` when given. `until` stops at the first result it accepts (in the
    modules' order; runs not started yet are cancelled): a question one failure answers.
    `depth` is the first level tried (1: the top packages), for callers who know the
    packages above it load none of the modules.
    """
    pending = sorted(set(modules))
    total = len(pending)
    settled: dict[str, ImportTrial] = {}
    workers = max(1, jobs or os.cpu_count() or 1)
    runs = 0
    # Interrupted (Ctrl-C, or a signal the command line made an exception), `children`
    # ends every trial still running before the pool's exit waits for its workers.
    guard = children.stopped_on_error() if children else contextlib.nullcontext()
    with ThreadPoolExecutor(max_workers=workers) as pool, guard:
        while pending:
            groups: dict[str, list[str]] = {}
            for module in pending:
                groups.setdefault(_prefix(module, depth), []).append(module)
            prefixes = list(groups)
            watched = [[m for m in groups[p] if m != p] for p in prefixes]
            pending = []
            # At most `workers` runs ahead of the one awaited: with `until`, a run is
            # only started while no earlier one has answered.
            jobs_of = iter(zip(prefixes, watched, strict=True))
            ahead: deque[Future[tuple[ImportTrial, frozenset[str]]]] = deque(
                pool.submit(trial, p, w) for p, w in itertools.islice(jobs_of, workers))
            for prefix in prefixes:
                result, loaded = ahead.popleft().result()
                runs += 1
                if until is not None and until(result):
                    for rest in ahead:
                        rest.cancel()
                    settled[prefix] = result
                    return settled
                ahead.extend(pool.submit(trial, p, w) for p, w in itertools.islice(jobs_of, 1))
                for module in groups[prefix]:
                    if module == prefix:
                        settled[module] = result
                    elif result.error is not None or module in loaded:
                        settled[module] = dataclasses.replace(result, module=module,
                                                              via=prefix)
                    else:
                        pending.append(module)
                if progress is not None:
                    progress(f"verifying cycle claims: {len(settled)}/{total} entry points "
                             f"settled by {runs} interpreter(s)")
            depth += 1
    return settled


def verify_cycles(
    cycles: Sequence[Cycle], interpreter: Interpreter, *, extra_path: Sequence[str] = (),
    timeout: float = defaults.TIMEOUT_S, jobs: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[Cycle, ...]:
    """`cycles` with a proof for each one run (`Cycle.to_run`), or that a trial failed on.

    Every entry point is settled once, even when several cycles start there (see
    `try_first`). A cycle not run (one that closes only after import) is left as it was
    unless a trial failed on one of its members.
    """
    wanted = {m for c in cycles if c.to_run for m in entry_points(c)}
    if not wanted:
        return tuple(cycles)

    children = Children()
    # The modules suspected of taking a name from an entry point, watched in every run:
    # a run that failed for another reason says whether they had finished by then, and
    # one that imported fine whether it loaded them at all (`_unreached`). The members
    # of the cycles run are watched too: one whose import started and failed, the error
    # caught by the module importing it, is a failure the run's outcome does not show.
    importers = sorted({e.importer for c in cycles if c.order_matters
                        for e in (*c.failing, *c.held_by_order)}
                       | {m for c in cycles if c.to_run for m in c.modules})
    finished: dict[str, frozenset[str]] = {}

    def trial(module: str, watched: Sequence[str]) -> tuple[ImportTrial, frozenset[str]]:
        result, loaded = run_trial(interpreter, module, extra_path=extra_path,
                                   timeout=timeout, watched=[*watched, *importers],
                                   children=children)
        finished[module] = loaded
        return result, loaded

    done = try_first(wanted, trial, jobs=jobs, progress=progress, children=children)
    return tuple(_judge(c, done, finished) for c in cycles)
