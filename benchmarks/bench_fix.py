"""`importaudit fix` on the legacy twin and on real PyPI packages, measured side by side.

Part 1 copies the legacy twin (tests/fixtures/legacy) into a temporary folder, runs
`importaudit fix risk_management --write` there, and then measures `import
risk_management` and `import risk_management.real_time.circuit_breaker.facade`
(ISSUE-3318) in the original and in the rewritten copy with `importaudit profile`,
in interleaved rounds (the order alternating), printing medians and the saving against
the issue's target (>= 90% less time and heap).

Part 2 runs `importaudit fix` (no --write) on real packages of another environment
(`--python`, default /work/realenv/bin/python; targets by their site-packages folder)
and prints, per package, how many rewrites were proposed, how many passed the proof,
and the measured saving of `import PKG`. Each passing rewrite is then written into a
copy of the package and imported once more, independently of the proof: the package
and every submodule that imported before must still import. Every command is checked.
It also prints what `fix` cost: the CPU time of the `fix` process itself (reviewing,
planning and rendering the rewrites: libcst), of the interpreters it started (the
review's measurement, the proof's imports, the before/after measurements), and the
wall time; medians of `--fix-runs` runs.

    python benchmarks/bench_fix.py [--rounds 7] [--python EXE] [--packages a,b]
                                   [--fix-runs 1]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LEGACY = ROOT / "tests" / "fixtures" / "legacy"
#: The whole package, and the circuit-breaker facade alone (ISSUE-3318: its utils imports).
TWIN_TARGETS = ("risk_management", "risk_management.real_time.circuit_breaker.facade")
PACKAGES = ("jinja2", "requests", "dateutil", "click", "rich", "httpx", "attr",
            "pydantic", "sqlalchemy", "pandas")

TREE = r"""
import importlib, json, pkgutil, sys
sys.path.insert(0, sys.argv[1])
found = {}
root = importlib.import_module(sys.argv[2])
found[sys.argv[2]] = "ok"
for info in pkgutil.walk_packages(root.__path__, sys.argv[2] + ".", onerror=lambda n: None):
    if info.name.endswith("__main__"):
        continue
    try:
        importlib.import_module(info.name)
        found[info.name] = "ok"
    except BaseException as exc:
        found[info.name] = type(exc).__name__
print(json.dumps(found))
"""


#: Runs importaudit's console script and, at its exit, writes the CPU time of the
#: process itself and of the children it waited for to the file named by argv[1].
TIMED = r"""
import atexit, json, resource, sys
out = sys.argv.pop(1)
def said():
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "w") as f:
        json.dump([own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime], f)
atexit.register(said)
sys.argv[0] = "importaudit"
from importaudit.cli import main
main()
"""


def importaudit(*args: str, cwd: Path, ok: tuple[int, ...] = (0,),
                cpu: list[tuple[float, float, float]] | None = None) -> str:
    """Run importaudit; with `cpu`, append (own CPU s, children's CPU s, wall s) to it."""
    with tempfile.TemporaryDirectory(prefix="bench-fix-cpu-") as tmp:
        times = Path(tmp) / "cpu.json"
        cmd = [sys.executable, "-c", TIMED, str(times), *args]
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - start
        if done.returncode not in ok:
            raise SystemExit(f"FAILED ({done.returncode}): importaudit {' '.join(args)}\n"
                             f"{done.stderr[-2000:]}")
        if cpu is not None:
            own, children = json.loads(times.read_text())
            cpu.append((own, children, wall))
    return done.stdout


def profile_totals(cwd: Path, target: str) -> tuple[int, int, int]:
    out = importaudit("profile", target, "--repeat", "1", "--format", "json", cwd=cwd)
    modules = [m for m in json.loads(out)["modules"] if not m["preloaded"]]
    roots = {m["name"] for m in modules}
    time_ns = max(sum(m["self_ns"] for m in modules),
                  sum(m["cumulative_ns"] for m in modules
                      if m["importer"] is None or m["importer"] not in roots))
    heap = sum(m["self_heap_bytes"] or 0 for m in modules)
    return time_ns, heap, len(modules)


def saving(before: float, after: float) -> str:
    return f"{1 - after / before:6.1%}" if before else "   n/a"


def legacy_twin(rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-fix-") as tmp:
        copy = Path(tmp)
        shutil.copytree(LEGACY, copy, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__"))
        os.environ["LEGACY_RISK_DB"] = str(copy / "risk.sqlite3")
        done = json.loads(importaudit("fix", "risk_management", "--write", "--repeat", "1",
                                      "--format", "json", cwd=copy))
        rewritten = [r["module"] for r in done["rewrites"] if r["proof"]["passed"]]
        print(f"legacy twin: {len(rewritten)} file(s) rewritten and proven in one fix "
              f"--write ({done['rounds']} rounds): {', '.join(rewritten)}")
        for target in TWIN_TARGETS:
            samples: dict[str, list[tuple[int, int, int]]] = {"original": [],
                                                              "rewritten": []}
            for i in range(rounds):
                order = [("original", LEGACY), ("rewritten", copy)]
                for label, folder in order if i % 2 == 0 else reversed(order):
                    samples[label].append(profile_totals(folder, target))
            print(f"\nimport {target}, medians of {rounds} interleaved rounds")
            print(f"{'':12}{'original':>14}{'rewritten':>14}{'saving':>9}   target")
            for index, (label, unit, scale) in enumerate(
                    (("time", "ms", 1e6), ("heap", "KiB", 1024), ("modules", "", 1))):
                before = statistics.median(s[index] for s in samples["original"])
                after = statistics.median(s[index] for s in samples["rewritten"])
                goal = ">= 90%" if label != "modules" else ""
                print(f"{label:12}{before / scale:>11.1f}{unit:>3}{after / scale:>11.1f}"
                      f"{unit:>3}{saving(before, after):>9}   {goal}")


def real_packages(python: str, packages: list[str], runs: int) -> None:
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], capture_output=True, text=True, check=True
                          ).stdout.strip()
    print(f"\nreal packages ({python})")
    print(f"{'package':12}{'proposed':>9}{'proven':>8}{'rounds':>7}{'time':>9}{'heap':>9}"
          f"{'modules':>9}{'fix CPU s':>11}{'children':>10}{'wall s':>8}"
          "   still imports (independent check)")
    for name in packages:
        folder = Path(site) / name
        if not folder.is_dir():
            print(f"{name:12} not installed")
            continue
        cpu: list[tuple[float, float, float]] = []
        for _ in range(runs - 1):  # the same fix, not written: only its cost counts
            importaudit("fix", str(folder), "--python", python, "--repeat", "3",
                        "--format", "json", cwd=ROOT, ok=(0, 1), cpu=cpu)
        with tempfile.TemporaryDirectory(prefix="bench-fix-") as tmp:
            # fix writes only into this copy, which goes first on the child's sys.path.
            copy = Path(tmp) / name
            shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("__pycache__"))
            out = importaudit("fix", str(copy), "--python", python, "--repeat", "3",
                              "--write", "--format", "json", cwd=ROOT, ok=(0, 1), cpu=cpu)
            result = json.loads(out)
            proposed = [r for r in result["rewrites"]
                        if r["codes"] or not r["proof"]["passed"]]
            proven = [r for r in proposed if r["proof"]["passed"]]
            cost = result["cost"]["saving"] or {}
            cells = [f"{cost[k]:>9.0%}" if cost.get(k) is not None else f"{'-':>9}"
                     for k in ("time_ns", "heap_bytes", "modules")]
            check = still_imports(python, folder.parent, Path(tmp), name) if proven else "-"
            spent = "".join(f"{statistics.median(c[i] for c in cpu):>{w}.1f}"
                            for i, w in ((0, 11), (1, 10), (2, 8)))
            print(f"{name:12}{len(proposed):>9}{len(proven):>8}{result['rounds']:>7}"
                  f"{''.join(cells)}{spent}   {check}")
            for rewrite in proposed:
                for broke in rewrite["proof"]["broke"][:2]:
                    print(f"{'':14}{rewrite['module']}: {broke['message'][:100]}")


def still_imports(python: str, original: Path, rewritten: Path, name: str) -> str:
    """Import the package and every submodule from both folders, apart from fix's proof."""
    trees = []
    for where in (original, rewritten):
        done = subprocess.run([python, "-c", TREE, str(where), name],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            return f"NO: import {name} failed from {where}"
        trees.append(json.loads(done.stdout))
    broken = [m for m, ok in trees[0].items() if ok == "ok" and trees[1].get(m) != "ok"]
    return f"NO: {', '.join(broken[:3])}" if broken else f"yes ({len(trees[0])} modules)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--python", default="/work/realenv/bin/python")
    parser.add_argument("--packages", default=",".join(PACKAGES))
    parser.add_argument("--skip-legacy", action="store_true")
    parser.add_argument("--fix-runs", type=int, default=1,
                        help="runs of fix per package whose CPU and wall time give the "
                             "median (the last one writes into a copy)")
    args = parser.parse_args()
    if not args.skip_legacy:
        legacy_twin(args.rounds)
    if Path(args.python).exists():
        real_packages(args.python, [p for p in args.packages.split(",") if p],
                      max(1, args.fix_runs))


if __name__ == "__main__":
    main()
