"""The warm tree cache: what a change beside the targets costs the next run's walk.

Run: `python benchmarks/bench_treecache.py [--rounds N] [PACKAGE ...]` (default: django
sympy pandas; each must be importable here).

A warm `cycles`, `graph` or `check --static` first asks the tree cache for the list of
modules (`discover`); a miss walks the whole tree again. Each run here is a fresh
process (as a command is) timing `discover(PACKAGE)` with the tree cache in a scratch
folder, run from a scratch current directory, with a scratch folder first on its
sys.path (standing in for site-packages, where a `pip install` lands). Per round, in
turn, after one untimed run that settles the cache (2 s after the last change):
  unchanged            nothing changed since the last run
  new file in cwd      an editor's temporary file appears in the current directory
  package on the path  another package appears in the folder on sys.path
  shadowing module     `PACKAGE.py` appears in the current directory: it shadows the
                       package, so the run must walk again and find one module (checked;
                       the file is removed after the run)
Printed: the median CPU time of `discover` (what a loaded machine changes least) and
of the whole process, the folders `discover` listed (0: the cache was used), and each
variant's ratio to "unchanged". Every run is checked to exit 0 and find the package.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checked import run_checked, stop  # noqa: E402

# Runs in each fresh process: one `discover`, its CPU time and the folders it listed.
_CHILD = """
import os, sys, time
from importaudit.static.discover import discover
real, listed = os.scandir, [0]
def counting(path):
    listed[0] += 1
    return real(path)
os.scandir = counting
start = time.process_time()
tree = discover([sys.argv[1]], cache_dir=sys.argv[2])
print(time.process_time() - start, listed[0], len(tree.modules))
"""

VARIANTS = ("unchanged", "new file in cwd", "package on the path", "shadowing module")


def _run(package: str, scratch: Path) -> tuple[float, float, int, int]:
    """Discover's CPU seconds, the process's, folders listed, modules found."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(scratch / "path"), str(ROOT), os.environ.get("PYTHONPATH", "")])}
    before = _children_cpu()
    done = run_checked([sys.executable, "-c", _CHILD, package, str(scratch / "cache")],
                       cwd=scratch / "cwd", env=env)
    used = _children_cpu() - before
    cpu, listed, modules = done.stdout.split()
    return float(cpu), used, int(listed), int(modules)


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def bench(package: str, rounds: int) -> None:
    results: dict[str, list[tuple[float, float, int, int]]] = {v: [] for v in VARIANTS}
    with tempfile.TemporaryDirectory(prefix="bench-treecache-") as name:
        scratch = Path(name)
        for folder in ("cwd", "path", "cache"):
            (scratch / folder).mkdir()
        whole = _run(package, scratch)[3]
        for index in range(rounds):
            # A folder changed less than 2 s before a walk is not trusted by the next
            # run (`TreeCache._RACY_NS`): the settling run starts after that.
            time.sleep(2.1)
            _run(package, scratch)  # settles the cache after the last round's shadow
            results["unchanged"].append(_run(package, scratch))
            (scratch / "cwd" / f".notes-{index}.txt.swp").write_text("")
            results["new file in cwd"].append(_run(package, scratch))
            installed = scratch / "path" / f"other_{index}"
            installed.mkdir()
            (installed / "__init__.py").write_text("")
            results["package on the path"].append(_run(package, scratch))
            shadow = scratch / "cwd" / f"{package}.py"
            shadow.write_text("")
            results["shadowing module"].append(_run(package, scratch))
            shadow.unlink()
    print(f"\n{package}: {whole} modules, medians of {rounds} rounds (fresh process per run)")
    print(f"  {'after':<22} {'discover CPU':>12} {'process CPU':>12} {'folders listed':>15} "
          f"{'vs unchanged':>13}")
    base = statistics.median(r[0] for r in results["unchanged"])
    for variant, runs in results.items():
        modules = {r[3] for r in runs}
        expected = {1} if variant == "shadowing module" else {whole}
        if modules != expected:
            stop(f"discover {package} after '{variant}'", f"found {modules} modules, "
                 f"not {expected}")
        cpu = statistics.median(r[0] for r in runs)
        process = statistics.median(r[1] for r in runs)
        print(f"  {variant:<22} {cpu * 1000:9.1f} ms {process:10.3f} s"
              f" {statistics.median(r[2] for r in runs):15.0f} {cpu / base:12.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("packages", nargs="*", default=["django", "sympy", "pandas"])
    args = parser.parse_args()
    for package in args.packages:
        bench(package, args.rounds)


if __name__ == "__main__":
    main()
