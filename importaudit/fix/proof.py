"""The differential import: the original and the rewritten tree, side by side.

Each side is imported in fresh interpreters of the measured environment (the
measurement options' variables set, `--env`): one per
touched module (its public surface, see `snapshot.py`) and one that imports the
targets and every submodule of them. `compare` names every difference: a public name
that is missing, added or resolves to another object (type, `__module__`,
`__qualname__`), a changed `__all__` or star import, a module that no longer imports.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from importaudit.errors import TargetFailedError
from importaudit.runtime.children import Children, run_tree
from importaudit.runtime.interpreter import child_environ

if TYPE_CHECKING:
    from collections.abc import Sequence

    from importaudit.runtime.interpreter import Variables

SNAPSHOT = str(Path(__file__).with_name("snapshot.py"))


@dataclass(frozen=True, slots=True)
class Breakage:
    """One check of the proof that failed: which module, which name, what changed."""

    module: str
    message: str
    name: str | None = None


def run_json(python: str, script: Sequence[str], args: Sequence[str], *, timeout: float,
             what: str, env: Variables = (), children: Children | None = None) -> Any:
    """Run `python *script OUT *args` in a fresh interpreter; return the JSON it wrote to OUT.

    `script` is a file path or `-c CODE`; stdout belongs to the code it imports, so the
    answer goes through the file OUT. `what` names the run in errors; `env` are the
    variables of the measured environment (`Measure.environment`); `children` tracks
    it with the others run at once (`run_snapshots`).
    """
    fd, out = tempfile.mkstemp(prefix="importaudit-fix-", suffix=".json")
    os.close(fd)
    environ = child_environ(env, {"PYTHONDONTWRITEBYTECODE": "1"})
    try:
        # run_tree ends the whole tree at the timeout (what the import started too) and
        # keeps a bounded tail of the output: an import may print without end.
        done = run_tree([python, *script, out, *args], env=environ, timeout=timeout,
                        children=children)
        if done.timed_out:
            raise TargetFailedError(f"{what} timed out after {timeout:g} s")
        text = Path(out).read_text(encoding="utf-8")
        if done.returncode != 0 or not text:
            tail = done.stderr_tail.strip().splitlines()[-1:]
            raise TargetFailedError(f"{what} ended with status "
                                    f"{done.returncode}: {' '.join(tail) or 'no output'}")
        return json.loads(text)
    finally:
        Path(out).unlink(missing_ok=True)


def run_snapshot(python: str, paths: Sequence[str], mode: str, arg: str, *,
                 timeout: float, env: Variables = (),
                 children: Children | None = None) -> dict[str, Any]:
    """Run snapshot.py once in a fresh `python` (with `env` set) and return what it recorded.

    A tree's modules go to the child in a file, not on its command line: transformers'
    2951 names joined are longer than one argument may be (128 KiB on Linux), and the
    child could not start at all ("Argument list too long").
    """
    if mode != "tree":
        found: dict[str, Any] = run_json(
            python, [SNAPSHOT], [mode, os.pathsep.join(paths), arg], timeout=timeout,
            what=f"the proof's import of {arg}", env=env, children=children)
        return found
    names = arg.split(",")
    fd, listed = tempfile.mkstemp(prefix="importaudit-tree-", suffix=".txt")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write("\n".join(names))
        what = (f"the proof's import of {arg}" if len(names) == 1
                else f"the proof's import of the tree ({len(names)} modules)")
        result: dict[str, Any] = run_json(
            python, [SNAPSHOT], [mode, os.pathsep.join(paths), f"@{listed}"],
            timeout=timeout, what=what, env=env, children=children)
        return result
    finally:
        Path(listed).unlink(missing_ok=True)


#: One snapshot to take: (python, paths, mode, arg), as `run_snapshot` takes them.
Snapshot = tuple[str, tuple[str, ...], str, str]


def run_snapshots(asked: Sequence[Snapshot], *, timeout: float,
                  env: Variables = ()) -> list[dict[str, Any]]:
    """Each snapshot `asked` for, in order, each in a fresh interpreter of its own.

    They are independent (nothing one imports is seen by another), so as many run at
    once as there are cores: the proof of a round is tens of them. The first error, in
    the order asked, is raised, and the snapshots still running are ended with it.
    """
    from concurrent.futures import ThreadPoolExecutor

    children = Children()

    def one(snapshot: Snapshot) -> dict[str, Any]:
        python, paths, mode, arg = snapshot
        return run_snapshot(python, paths, mode, arg, timeout=timeout, env=env,
                            children=children)

    workers = min(len(asked), os.cpu_count() or 1)
    if workers <= 1:
        return [one(snapshot) for snapshot in asked]
    with ThreadPoolExecutor(max_workers=workers) as pool, children.stopped_on_error():
        return list(pool.map(one, asked))


def _diff(before: Sequence[str] | None, after: Sequence[str] | None) -> str | None:
    if before == after:
        return None
    if before is None or after is None:
        return f"{'none' if before is None else len(before)} -> " \
               f"{'none' if after is None else len(after)} names"
    missing = sorted(set(before) - set(after))
    added = sorted(set(after) - set(before))
    parts = ([f"missing {', '.join(missing[:5])}"] if missing else []) + (
        [f"added {', '.join(added[:5])}"] if added else [])
    return "; ".join(parts) or "same names, another order"


def compare_surface(module: str, before: dict[str, Any], after: dict[str, Any],
                    moved: frozenset[str] = frozenset(), added: frozenset[str] = frozenset(),
                    ) -> list[Breakage]:
    """Every difference between one module's public surface before and after.

    `moved` are names the rewrite took out of the module on purpose (imports only its
    annotations needed, which nothing imports from it): their absence is expected.
    `added` are the names the rewrite's own statements bind (`TYPE_CHECKING`, the
    `annotations` of a future import): their presence is expected.
    """
    if "error" in after and "error" not in before:
        return [Breakage(module, f"no longer imports: {after['error']}")]
    if "error" in before:
        return []  # it did not import before either: nothing to preserve
    found: list[Breakage] = []
    for key, label in (("dir", "dir()"), ("all", "__all__"), ("star", "star import")):
        if key == "all" and before[key] is None and after[key] is not None and sorted(
                after[key]) == [n for n in before["star"] if n not in moved]:
            # A lazy module without __all__ would lose its lazy names from a star
            # import; the rewrite lists exactly what the star import bound before
            # (without the names it moved out on purpose).
            continue
        was = before[key] if before[key] is None else [n for n in before[key]
                                                       if n not in moved]
        now = after[key] if after[key] is None else [n for n in after[key]
                                                     if n not in added]
        changed = _diff(was, now)
        if changed is not None:
            found.append(Breakage(module, f"{label} changed: {changed}"))
    for name, was in sorted(before["values"].items()):
        now = after["values"].get(name)
        if now is not None and now != was:
            found.append(Breakage(module, f"{module}.{name} was {_show(was)}, is now "
                                          f"{_show(now)}", name))
    return found


def _show(described: dict[str, Any]) -> str:
    if "error" in described:
        return f"an error ({described['error']})"
    where = described.get("name") or ".".join(
        p for p in (described.get("module"), described.get("qualname")) if p)
    return f"{described['type']} {where}".strip()


def compare_tree(before: dict[str, Any], after: dict[str, Any]) -> list[Breakage]:
    """Modules that imported in the original tree and do not in the rewritten one."""
    found = []
    for name, outcome in sorted(before["modules"].items()):
        now = after["modules"].get(name, "not imported")
        if outcome == "ok" and now != "ok":
            found.append(Breakage(name, f"{name} no longer imports: {now}"))
    return found
