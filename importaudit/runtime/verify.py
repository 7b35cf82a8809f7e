"""Prove or drop the static claim "this cycle can fail at import" by running it.

The static analysis suspects a cycle can fail when a member does `from x import name`
while `x` may be half-initialised: that is, when `x` is imported first. Whether it
does depends on everything the static graph cannot see (package `__init__` files that
fix the order, names bound conditionally, `__getattr__`). So each suspected module is
imported first, alone, in a fresh interpreter of the measured environment (the
folders holding the files that were read put on its sys.path when not there yet), several
at once (bounded by `jobs`, default the CPU count), each with a timeout. A cycle
*fails* when one of them raised an error naming a half-initialised member of the cycle
("partially initialized module 'x'"); otherwise it is *not reproduced*: the cycle is
order-dependent, but did not fail from any entry point tried. An entry point that
fails for another reason (a missing dependency, a timeout) is kept with its error, but
proves nothing about the cycle.

This is the one place where `importaudit cycles` runs the code it analyses.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from importaudit.model import Cycle, ImportTrial, Proof
from importaudit.runtime.runner import DEFAULT_TIMEOUT_S, _kill_tree

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from importaudit.model import StaticGraph
    from importaudit.runtime.runner import Interpreter

TRIAL_PATH = str(Path(__file__).with_name("trial.py"))
#: How CPython (3.8+) names the module a circular import caught half-way.
_PARTIAL = re.compile(r"partially initialized module '([^']+)'")


def import_roots(graph: StaticGraph, modules: Iterable[str]) -> tuple[str, ...]:
    """The folders to put on sys.path so `modules` import from the files that were read.

    For `a.b.c` read from `/x/a/b/c.py` (or `/x/a/b/c/__init__.py`) that is `/x`: the
    same files the static graph describes, whatever the targets were called.
    """
    files = {n.name: n.file for n in graph.modules if n.file}
    roots: dict[str, None] = {}
    for module in modules:
        file = files.get(module)
        if file is None:
            continue
        folder = Path(file).resolve().parent
        depth = module.count(".") + (1 if Path(file).stem == "__init__" else 0)
        roots[str(folder.parents[depth - 1] if depth else folder)] = None
    return tuple(roots)


def entry_points(cycle: Cycle) -> tuple[str, ...]:
    """The modules the suspicion says fail when imported first: the `x` of each edge.

    A `__main__` module is never one: importing it runs a program.
    """
    return tuple(sorted({e.imported for e in cycle.failing
                         if e.imported.rpartition(".")[2] != "__main__"}))


def run_trial(interpreter: Interpreter, module: str, *, extra_path: Sequence[str] = (),
              timeout: float = DEFAULT_TIMEOUT_S) -> ImportTrial:
    """Import `module` first, alone, in a fresh `interpreter`; how it ended."""
    fd, result_path = tempfile.mkstemp(prefix="importaudit-trial-", suffix=".json")
    os.close(fd)
    try:
        proc = subprocess.Popen(
            [interpreter.executable, TRIAL_PATH, result_path, os.pathsep.join(extra_path),
             module],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            _, stderr = proc.communicate(timeout=timeout)
            ended = None
        except subprocess.TimeoutExpired:
            _kill_tree(proc)
            _, stderr = proc.communicate()
            ended = f"TimeoutError: importing {module} did not finish in {timeout:g} s"
        text = Path(result_path).read_text(encoding="utf-8")
    finally:
        os.unlink(result_path)
    if not text:  # the child died before it could say (os._exit, a signal, a timeout)
        tail = stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        return ImportTrial(module, error=ended or (
            f"the interpreter exited with status {proc.returncode}"
            + (f": {tail[0]}" if tail else "")))
    outcome = json.loads(text)
    if outcome.get("ok"):
        return ImportTrial(module)
    message = f"{outcome['type']}: {outcome['message']}"
    return ImportTrial(module, error=message, file=_shown_path(outcome.get("file")),
                       line=outcome.get("line"))


def _shown_path(file: str | None) -> str | None:
    """A path under the current directory as a relative one, like the graph's files."""
    if file is None:
        return None
    try:
        return str(Path(file).relative_to(Path.cwd()))
    except ValueError:
        return file


def _judge(cycle: Cycle, trials: Iterable[ImportTrial]) -> Cycle:
    members = set(cycle.modules)
    judged = []
    for trial in trials:
        partial = _PARTIAL.search(trial.error or "")
        judged.append(dataclasses.replace(
            trial, circular=partial is not None and partial.group(1) in members))
    proof = Proof.FAILS if any(t.circular for t in judged) else Proof.NOT_REPRODUCED
    return dataclasses.replace(cycle, proof=proof, trials=tuple(judged))


def verify_cycles(
    cycles: Sequence[Cycle], interpreter: Interpreter, *, extra_path: Sequence[str] = (),
    timeout: float = DEFAULT_TIMEOUT_S, jobs: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[Cycle, ...]:
    """`cycles` with a proof for each one suspected to fail (the others unchanged).

    Every entry point is imported once, even when several cycles suspect it; at most
    `jobs` interpreters run at once (default: the CPU count).
    """
    wanted = sorted({m for c in cycles if c.can_fail for m in entry_points(c)})
    if not wanted:
        return tuple(cycles)
    workers = max(1, min(jobs or os.cpu_count() or 1, len(wanted)))
    done: dict[str, ImportTrial] = {}

    def trial(module: str) -> ImportTrial:
        return run_trial(interpreter, module, extra_path=extra_path, timeout=timeout)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for count, result in enumerate(pool.map(trial, wanted), 1):
            done[result.module] = result
            if progress is not None:
                progress(f"verifying cycle claims: {count}/{len(wanted)} imported first")
    return tuple(_judge(c, (done[m] for m in entry_points(c))) if c.can_fail and
                 entry_points(c) else c for c in cycles)
