"""How the static graph and cycle analysis grow with tree size: generated trees.

Run: `python benchmarks/bench_scale.py [--sizes 1000,10000,50000] [--rounds N]
[--isolated-size 200]`

Each tree is generated once in a scratch directory, shaped like a large monorepo:
a top package of packages of packages (`gen.p3.s7.m12`), each module importing a few
earlier modules of its package (`import`, `from x import name`, one inside a
function), a standard library module and, one module in five, a sibling package;
every package `__init__` re-exports names from its modules (which import from it:
cycles through the `__init__`, as in real packages); one module in fifty imports the
next one back (2-cycles); and one long-girth strongly connected component, a ring of
a tenth of the modules, each importing the next (the shape whose cycle analysis used
to grow cubically: its shortest cycle is the whole ring).

For each size, each round runs one fresh process (so peak memory is that size's
alone) that builds the graph without a cache (`api.static_graph`, its default worker
processes) and then finds the cycles (`find_cycles`, default kinds), timing both
inside itself and reporting its peak RSS (`ru_maxrss`: this process, not the scan
workers). The table shows medians over the rounds, and how each cost grows: the
exponent k in cost ~ size^k between consecutive sizes (1 is linear). The process
checks what it found (module count, the ring's component and its witness), so a
broken run fails instead of printing a number.

Then `--isolated` across machines (`--shard`, docs/sharding.md): a generated tree of
`--isolated-size` modules that imports cleanly (packages of modules, each importing an
earlier sibling and a standard library module) measured by `importaudit profile
--isolated` once whole and once as 2 shards started side by side (two processes at
once), then merged. Each shard stands for one CI machine, so on Linux each process is
pinned to one core (the whole run to one core as well): the ratio whole / 2 shards
shows what the split gains, less the listing run every shard repeats. Every command
must exit 0, and the merged report must hold exactly the modules of the whole run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, cast

from checked import check_exit, run_checked

ROOT = Path(__file__).resolve().parent.parent

PACKAGES_PER_LEVEL = 10


def _layout(size: int) -> list[tuple[str, list[str]]]:
    """(package, its module names) for about `size` modules in packages of packages."""
    leaves = max(1, size // 100)  # about 100 modules per leaf package
    outer = max(1, min(PACKAGES_PER_LEVEL, leaves))
    inner = max(1, leaves // outer)
    per_leaf = max(1, size // (outer * inner))
    return [(f"gen.p{i}.s{j}", [f"m{k}" for k in range(per_leaf)])
            for i in range(outer) for j in range(inner)]


def generate(root: Path, size: int) -> tuple[int, int]:
    """Write the tree under `root/gen`; returns (modules written, the ring's length)."""
    ring = max(3, size // 10)
    layout = _layout(size - ring)
    files: dict[str, list[str]] = {}
    for index, (package, names) in enumerate(layout):
        # Packages import only later siblings: the short cycles stay the only ones.
        sibling = layout[index + 1][0] if index + 1 < len(layout) else None
        for k, name in enumerate(names):
            lines = ["import os", ""]
            if k >= 1:
                lines.append(f"from {package}.m{k - 1} import VALUE as _previous")
            if k >= 2:
                lines.append(f"import {package}.m{k - 2}")
            if k % 5 == 0 and sibling:
                lines.append(f"from {sibling} import m0 as _sibling")
            if k % 50 == 1 and k + 1 < len(names):
                lines.append(f"import {package}.m{k + 1}")  # imports it back: a 2-cycle
            lines += ["", f"VALUE = {k}", "", "def later():",
                      "    import json", "    return json"]
            files[f"{package}.{name}"] = lines
        # Re-exports: the package's __init__ hands out its modules' names.
        files[package] = [f"from .m{k} import VALUE as VALUE_{k}" for k in range(len(names))
                          if k % 10 == 0]
    # The long-girth component: a ring, each module importing the next at import time.
    for i in range(ring):
        files[f"gen.ring.r{i}"] = ["import os", f"import gen.ring.r{(i + 1) % ring}",
                                   "", f"VALUE = {i}"]
    packages = {m.rsplit(".", 1)[0] for m in files} | {"gen"}
    packages |= {p.rsplit(".", 1)[0] for p in packages if "." in p}
    for package in packages:
        files.setdefault(package, ['"""A package of packages."""'])
    for module, lines in files.items():
        parts = module.split(".")
        path = (root.joinpath(*parts, "__init__.py") if module in packages
                else root.joinpath(*parts[:-1], parts[-1] + ".py"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n")
    return len(files), ring


# One measurement in a fresh process: argv ROOT TREE RING; prints one JSON line.
_MEASURE = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
sys.path.insert(0, sys.argv[2])
from importaudit import api
from importaudit.static.cycles import find_cycles
start = time.perf_counter()
graph = api.static_graph(["gen"], api.StaticOptions(cache=False))
built = time.perf_counter() - start
start = time.perf_counter()
cycles = find_cycles(graph)
analysed = time.perf_counter() - start
ring = int(sys.argv[3])
largest = max(cycles, key=lambda c: len(c.modules))
assert len(largest.modules) == ring == len(largest.witness), (len(largest.modules), ring)
assert largest.witness and all(e.file and e.line for e in largest.witness)
print(json.dumps({"modules": sum(1 for m in graph.modules if not m.external),
                  "edges": len(graph.edges), "cycles": len(cycles),
                  "largest": len(largest.modules), "witness": len(largest.witness),
                  "cut": len(largest.cut), "build_s": built, "cycles_s": analysed,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(tree: Path, ring: int) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(ROOT), str(tree), str(ring)],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"the measuring process failed ({done.returncode}):\n"
                           f"{done.stderr[-2000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _growth(sizes: list[int], values: list[float]) -> list[str]:
    out = ["     -"]
    for i in range(1, len(sizes)):
        if values[i - 1] > 0 and values[i] > 0:
            exponent = math.log(values[i] / values[i - 1]) / math.log(sizes[i] / sizes[i - 1])
            out.append(f"{exponent:6.2f}")
        else:
            out.append("     -")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000",
                        help="module counts, comma-separated")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--isolated-size", type=int, default=200,
                        help="modules of the tree timed with --isolated, whole and in 2 "
                             "shards (0: skip)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"python {sys.version.split()[0]}, {sys.platform}; medians of {args.rounds} rounds")
    rows: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as scratch:
        for size in sizes:
            tree = Path(scratch) / f"tree{size}"
            written, ring = generate(tree, size)
            runs = [measure(tree, ring) for _ in range(args.rounds)]
            row = {key: statistics.median(r[key] for r in runs)
                   for key in ("build_s", "cycles_s", "peak_mb")}
            first = runs[0]
            assert first["modules"] == written, (first["modules"], written)
            row.update(modules=first["modules"], edges=first["edges"], cycles=first["cycles"],
                       largest=first["largest"], witness=first["witness"], cut=first["cut"])
            rows.append(row)
    counts = [int(r["modules"]) for r in rows]
    print(f"\n{'modules':>8} {'edges':>8} {'cycles':>6} {'ring':>6} {'witness':>7} "
          f"{'cut':>5} {'build s':>8} {'cycles s':>8} {'peak MB':>8}")
    for r in rows:
        print(f"{int(r['modules']):8d} {int(r['edges']):8d} {int(r['cycles']):6d} "
              f"{int(r['largest']):6d} {int(r['witness']):7d} {int(r['cut']):5d} "
              f"{r['build_s']:8.3f} {r['cycles_s']:8.3f} {r['peak_mb']:8.1f}")
    print("\ngrowth exponent k (cost ~ modules^k) from the size before; 1 is linear:")
    for key, label in (("build_s", "build"), ("cycles_s", "cycles"), ("peak_mb", "peak MB")):
        print(f"  {label:<8} " + " ".join(_growth(counts, [r[key] for r in rows])))
    build = ", ".join(f"{1000 * r['build_s'] / r['modules']:.3f}" for r in rows)
    cycles = ", ".join(f"{1000 * r['cycles_s'] / r['modules']:.3f}" for r in rows)
    print(f"  seconds per 1,000 modules: build {build}; cycles {cycles}")
    if args.isolated_size:
        isolated_shards(args.isolated_size)

def generate_importable(root: Path, size: int) -> int:
    """A tree of about `size` modules under `root/rt` that imports without errors."""
    count = 1
    for i in range(max(1, size // 20)):
        package = root / "rt" / f"p{i}"
        package.mkdir(parents=True)
        (package / "__init__.py").write_text("")
        for k in range(19):
            lines = ["import textwrap" if k % 2 else "import string"]
            if k:
                lines.append(f"from rt.p{i}.m{k - 1} import VALUE as _previous")
            (package / f"m{k}.py").write_text("\n".join([*lines, f"VALUE = {k}", ""]))
        count += 20
    (root / "rt" / "__init__.py").write_text("")
    return count


def _pinned(core: int | None) -> dict[str, Any]:
    """Popen options that pin the process (and its children) to one core, on Linux."""
    if core is None:
        return {}
    return {"preexec_fn": lambda: os.sched_setaffinity(0, {core})}


def _profile_cmd(out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "importaudit", "profile", "--isolated", "rt", "--repeat",
            "1", "--no-memory", "--format", "json", "-o", str(out), "-q", *extra]


def isolated_shards(size: int) -> None:
    """Time `profile --isolated` whole and as 2 shards at once; print the ratio."""
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    pin: list[int | None] = list(cores[:2]) if len(cores) >= 2 else [None, None]
    with tempfile.TemporaryDirectory(prefix="bench-shards-") as scratch:
        root = Path(scratch)
        modules = generate_importable(root, size)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(ROOT)])}
        start = time.perf_counter()
        whole = subprocess.run(_profile_cmd(root / "whole.json"), cwd=root, env=env,
                               capture_output=True, text=True, check=False, **_pinned(pin[0]))
        one = time.perf_counter() - start
        check_exit(whole.args, whole.returncode, whole.stderr)
        start = time.perf_counter()
        procs = [subprocess.Popen(_profile_cmd(root / f"s{i}.json", "--shard", f"{i}/2"),
                                  cwd=root, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, **_pinned(pin[i - 1]))
                 for i in (1, 2)]
        for proc in procs:
            _, err = proc.communicate()
            check_exit(cast("list[str]", proc.args), proc.returncode, err)
        two = time.perf_counter() - start
        run_checked([sys.executable, "-m", "importaudit", "report", "merge",
                     str(root / "s1.json"), str(root / "s2.json"), "-o",
                     str(root / "merged.json")], cwd=root, env=env)
        merged, full = (
            {m["name"] for m in json.loads((root / n).read_text())["modules"]}
            for n in ("merged.json", "whole.json"))
        if merged != full:
            raise SystemExit(f"benchmark stopped: the merged shards hold other modules "
                             f"than the whole run: {sorted(merged ^ full)[:10]}")
        measured = sum(1 for n in full if n == "rt" or n.startswith("rt."))
        if measured != modules:
            raise SystemExit(f"benchmark stopped: {measured} of {modules} modules measured")
    where = "each on one core" if pin[0] is not None else "unpinned"
    print(f"\n--isolated on a {modules}-module tree ({where}): whole {one:.1f} s, "
          f"2 shards at once {two:.1f} s; ratio whole / 2 shards {one / two:.2f}x "
          f"(merged module set = the whole run's, {len(full)} modules)")


if __name__ == "__main__":
    main()
