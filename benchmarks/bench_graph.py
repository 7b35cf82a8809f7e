"""Static import graph benchmark: importaudit vs its reference ast scanner vs grimp.

Run: `python benchmarks/bench_graph.py [--rounds N] [--reference-rounds N] [PACKAGE ...]`
(grimp, sympy and Django come with `pip install -e '.[bench]'`).

For each package, one round builds the graph once with every variant, in turn
(interleaved, so machine noise hits all alike); the table shows medians over the
rounds, ratios of medians to grimp, and the spread (fastest-slowest round). Variants:
  importaudit cold   `api.static_graph` with an empty scan cache (fast scanner, worker
                     processes as it chooses)
  importaudit warm   the same with the cache the cold run left
  reference cold     every file parsed whole with `ast` (what the fast scanner is
                     tested against), no cache
  reference warm     the reference scanner with its cache filled
  grimp cold / warm  `grimp.build_graph(package, cache_dir=...)` with an empty / filled
                     cache directory
grimp does not take a package whose `__init__` is compiled (black, built with mypyc,
ships `__init__.cpython-*.so` beside `__init__.py`: grimp raises NotATopLevelModule).
It then builds the same package from a copy of its `.py` files put first on its path,
which are the files it reads anyway; importaudit reads the installed package (the
extensions, and the sources beside them). The copy is made once, before timing.
Each of the three builds in a process of its own, started once per package and
timing each build inside itself (what a CLI run costs, minus interpreter start-up and
imports): no tool inherits another's state. That matters: grimp leaves its Rust
thread pool running, and a process with other threads does not fork (importaudit's
builds would spawn their workers there), and the reference scanner leaves a larger
heap behind, which makes every fork slower.
Whole processes, each command run in turn per round and checked (exit 0, or 1 with its
report of cycles): `importaudit cycles PACKAGE --no-cache --no-verify` (static only, as
the others: by default `cycles` also runs each suspected cycle in an interpreter); a
grimp script building the graph without a cache and finding its cycles with networkx
(strongly connected components, what `cycles` reports); and, when `lint-imports` is
found (import-linter, in its own environment: `--lint-imports PATH`, or on PATH),
`lint-imports --no-cache` with an `acyclic_siblings` contract on the package (no
cycles between siblings at any depth: the nearest import-linter has to "no cycles").
Warm whole processes: the same `cycles` run and grimp script, each with a cache
directory its first run filled. Every tool runs from compiled bytecode, as pip installs
it: this package's own is compiled first (`compileall`), since an environment with
PYTHONDONTWRITEBYTECODE set would otherwise compile our modules in every run (100-200
ms on this machine) and never grimp's or networkx's.
"Cold" is the scan cache, not the disk: every variant reads files the page cache
holds after the first round. Also timed: cycle analysis (`find_cycles`, default kinds)
on the package's graph, and the size of its largest strongly connected component:
repeated in this process, and once in a fresh process per round (what a CLI run pays:
nothing it reads or compiles is cached yet).
Beside each wall time, the CPU time the same run used (every thread of the process, as
grimp's Rust pool, and every child, as importaudit's forked workers), medians too: on a
machine others load, wall times swing with the load while CPU times swing much less,
so their ratio says what each tool costs when the wall-time ratio is noise.
At the end, every target of issue 15 with its measured ratio (or time) and whether it
is met: builds <= 1.0x grimp cold and warm, in-process and as whole processes, on
each package; cycle analysis <= 0.05 s on sympy.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, cast

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checked import check_exit, run_checked, stop  # noqa: E402

from importaudit import api  # noqa: E402
from importaudit.static.cycles import find_cycles  # noqa: E402
from importaudit.static.discover import discover  # noqa: E402
from importaudit.static.sourcetree import Exclusions  # noqa: E402

if TYPE_CHECKING:
    from importaudit.model import Cycle

PREFERRED = ["sympy", "django", "pandas", "black"]
FALLBACK = ["numpy", "sqlalchemy", "networkx", "hypothesis", "rich", "email", "asyncio"]


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _size(package: str) -> tuple[int, float]:
    tree = discover([package], exclusions=Exclusions(tests=False))
    paths = [m.scanned for m in tree.modules.values() if m.scanned]
    return len(tree.modules), sum(Path(p).stat().st_size for p in paths) / 1e6


def _sources_for_grimp(package: str, scratch: Path) -> str:
    """A folder to put first on grimp's path: "" or, for a compiled package, its sources.

    The copy holds the package's `.py` files only, so its `__init__` is `__init__.py`.
    """
    tree = discover([package])
    top = tree.modules[package]
    if not top.extension:
        return ""
    folder = scratch / "grimp-sources"
    for module in tree.modules.values():
        if module.scanned is None:
            continue
        source = Path(module.scanned)
        relative = source.relative_to(Path(tree.directories[0]).parent)
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, folder / relative)
    return str(folder)


# One tool's builds, in a process of its own: argv TOOL PACKAGE ROOT [SOURCES], then one
# cache directory per line on stdin; prints each build's time, measured inside, and the
# CPU time it took: this process's (every thread: grimp's Rust pool) and its children's
# (importaudit's forked workers, reaped before the build returns).
_SERVER = """
import os, sys, time
tool, package = sys.argv[1], sys.argv[2]
if tool == "grimp":
    if sys.argv[4:] and sys.argv[4]:
        sys.path.insert(0, sys.argv[4])
    import grimp

    def build(cache):
        grimp.build_graph(package, cache_dir=cache)
else:
    sys.path.insert(0, sys.argv[3])
    from importaudit import api

    def build(cache):
        # Test packages too: grimp reads them, so both do the same work.
        options = api.StaticOptions(measure=api.Measure(include_tests=True), cache_dir=cache)
        api.static_graph([package], options, scanner=tool)
def cpu():
    t = os.times()  # children: in clock ticks, enough for whole workers
    return time.process_time() + t.children_user + t.children_system
for line in sys.stdin:
    start, used = time.perf_counter(), cpu()
    build(line.strip())
    print(time.perf_counter() - start, cpu() - used, flush=True)
"""


class Variants:
    """Every variant of one package, each with its own scratch cache directory."""

    def __init__(self, package: str, scratch: Path) -> None:
        self.package = package
        self.scratch = scratch
        self._servers: dict[str, subprocess.Popen[str]] = {}
        self.grimp_sources = _sources_for_grimp(package, scratch)

    def _dir(self, name: str, *, fresh: bool) -> Path:
        path = self.scratch / name
        if fresh:
            shutil.rmtree(path, ignore_errors=True)
        path.mkdir(exist_ok=True)
        return path

    def _build(self, tool: str, *, warm: bool) -> tuple[float, float]:
        server = self._servers.get(tool)
        if server is None:
            server = self._servers[tool] = subprocess.Popen(
                [sys.executable, "-c", _SERVER, tool, self.package, str(ROOT),
                 self.grimp_sources],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True)
        cache = self._dir(tool, fresh=not warm)
        assert server.stdin is not None
        assert server.stdout is not None
        server.stdin.write(f"{cache}\n")
        server.stdin.flush()
        answer = server.stdout.readline()
        if not answer:  # the build raised and its process ended: no time to report
            _, stderr = server.communicate()
            stop(f"the {tool} build of {self.package}",
                 f"failed (exit status {server.returncode})", stderr)
        wall, cpu = answer.split()
        return float(wall), float(cpu)

    def importaudit(self, *, warm: bool, scanner: str = "fast") -> tuple[float, float]:
        return self._build(scanner, warm=warm)

    def grimp(self, *, warm: bool) -> tuple[float, float]:
        return self._build("grimp", warm=warm)

    def close(self) -> None:
        """Stop the build processes; stop the benchmark if one of them failed."""
        for server in self._servers.values():
            _, stderr = server.communicate()
            check_exit(cast("list[str]", server.args), server.returncode, stderr)


def _median(values: list[float]) -> str:
    return f"{statistics.median(values):8.3f}" if values else "       -"


def _spread(values: list[float]) -> str:
    return f"{min(values):.3f}-{max(values):.3f}" if values else "-"


def _ratio(values: list[float], base: list[float]) -> str:
    if not values or not base:
        return "    -"
    return f"{statistics.median(values) / statistics.median(base):5.2f}x"


#: (what, measured, limit, unit): one line of the closing summary per target.
Target = tuple[str, float, float, str]
CYCLES_TARGET_S = 0.05


def _over(values: list[float], base: list[float]) -> float:
    return statistics.median(values) / statistics.median(base)


def bench(package: str, rounds: int, reference_rounds: int, has_grimp: bool) -> list[Target]:
    modules, megabytes = _size(package)
    times: dict[str, list[float]] = {k: [] for k in (
        "ia cold", "ia warm", "ref cold", "ref warm", "grimp cold", "grimp warm")}
    used: dict[str, list[float]] = {k: [] for k in times}  # CPU seconds of those builds

    def record(key: str, measured: tuple[float, float]) -> None:
        times[key].append(measured[0])
        used[key].append(measured[1])

    with tempfile.TemporaryDirectory(prefix="bench-graph-") as scratch:
        variants = Variants(package, Path(scratch))
        for index in range(rounds):
            record("ia cold", variants.importaudit(warm=False))
            record("ia warm", variants.importaudit(warm=True))
            if index < reference_rounds:
                record("ref cold", variants.importaudit(warm=False, scanner="reference"))
                record("ref warm", variants.importaudit(warm=True, scanner="reference"))
            if has_grimp:
                record("grimp cold", variants.grimp(warm=False))
                record("grimp warm", variants.grimp(warm=True))
        variants.close()
    graph = api.static_graph([package], api.StaticOptions(measure=api.Measure(include_tests=True),
                                                          cache=False))
    cycles_s: list[float] = []
    cycles_cpu: list[float] = []  # what a busy machine changes less
    found: tuple[Cycle, ...] = ()
    for _ in range(rounds):
        start, cpu = time.perf_counter(), time.process_time()
        found = find_cycles(graph)
        cycles_s.append(time.perf_counter() - start)
        cycles_cpu.append(time.process_time() - cpu)
    largest = max((len(c.modules) for c in found), default=0)
    first_s, first_cpu = _first_cycles(package, rounds)

    print(f"\n{package}: {modules} modules, {megabytes:.1f} MB of source, "
          f"medians of {rounds} rounds (reference: {min(rounds, reference_rounds)}), seconds")
    print(f"  {'variant':<12} {'cold':>8} {'warm':>8}   {'cold/grimp':>10} {'warm/grimp':>10}"
          f"   {'cold spread':>13} {'warm spread':>13}")
    for name, key in (("importaudit", "ia"), ("reference", "ref"), ("grimp", "grimp")):
        cold, warm = times[f"{key} cold"], times[f"{key} warm"]
        print(f"  {name:<12} {_median(cold)} {_median(warm)}   "
              f"{_ratio(cold, times['grimp cold']):>10} {_ratio(warm, times['grimp warm']):>10}"
              f"   {_spread(cold):>13} {_spread(warm):>13}")
    print("  CPU time (all threads and worker processes), medians: " + ", ".join(
        f"importaudit {state} {_median(used[f'ia {state}']).strip()} s "
        f"({_ratio(used[f'ia {state}'], used[f'grimp {state}']).strip()} grimp's "
        f"{_median(used[f'grimp {state}']).strip()} s)" for state in ("cold", "warm")))
    print(f"  importaudit cold is {_ratio(times['ref cold'], times['ia cold']).strip()} "
          f"faster than the reference scanner")
    print(f"  cycle analysis: {_median(cycles_s).strip()} s ({_median(cycles_cpu).strip()} s "
          f"CPU) for {len(found)} cycles, largest component {largest} modules; first in "
          f"a fresh process {_median(first_s).strip()} s ({_median(first_cpu).strip()} s CPU)")
    targets: list[Target] = []
    if has_grimp:
        targets += [(f"{package} cold build, in-process, vs grimp",
                     _over(times["ia cold"], times["grimp cold"]), 1.0, "x"),
                    (f"{package} warm build, in-process, vs grimp",
                     _over(times["ia warm"], times["grimp warm"]), 1.0, "x")]
    if package == "sympy":
        targets += [("sympy cycle analysis (default kinds)",
                     statistics.median(cycles_s), CYCLES_TARGET_S, " s"),
                    ("sympy cycle analysis (default kinds), CPU time",
                     statistics.median(cycles_cpu), CYCLES_TARGET_S, " s"),
                    ("sympy cycle analysis, first in a process, CPU time",
                     statistics.median(first_cpu), CYCLES_TARGET_S, " s")]
    return targets


# Times one cycle analysis in a fresh process (argv: ROOT PACKAGE CACHE): the graph
# comes from the cache the benchmark filled, so only the analysis is timed.
_FIRST_CYCLES = """
import sys, time
sys.path.insert(0, sys.argv[1])
from importaudit import api
from importaudit.static.cycles import find_cycles
from importaudit.static.gcpause import pace_for_a_run
pace_for_a_run()  # as the console script does
options = api.StaticOptions(measure=api.Measure(include_tests=True), cache_dir=sys.argv[3])
graph = api.static_graph([sys.argv[2]], options)
# Imported first: the analysis proper is timed. (A CLI run imports networkx inside
# `find_cycles`, when a cycle is left; that import is in the whole-process figures.)
import networkx
start, cpu = time.perf_counter(), time.process_time()
find_cycles(graph)
print(time.perf_counter() - start, time.process_time() - cpu)
"""


def _first_cycles(package: str, rounds: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of the first cycle analysis in each of `rounds` processes."""
    walls: list[float] = []
    cpus: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-cycles-") as cache:
        command = [sys.executable, "-c", _FIRST_CYCLES, str(ROOT), package, cache]
        for index in range(rounds + 1):
            done = run_checked(command)
            if index:  # the first run filled the cache
                wall, cpu = done.stdout.split()
                walls.append(float(wall))
                cpus.append(float(cpu))
    return walls, cpus


_GRIMP_CYCLES = """
import sys
import grimp
import networkx as nx
graph = grimp.build_graph(sys.argv[1], cache_dir=sys.argv[2] if sys.argv[2:] else None)
digraph = nx.DiGraph()
for module in graph.modules:
    digraph.add_edges_from((module, imported)
                           for imported in graph.find_modules_directly_imported_by(module))
print(sum(1 for c in nx.strongly_connected_components(digraph) if len(c) > 1), "cycles")
"""


def _lint_imports_config(package: str, scratch: Path) -> Path:
    config = scratch / ".importlinter"
    config.write_text(f"[importlinter]\nroot_package = {package}\n\n"
                      f"[importlinter:contract:acyclic]\nname = no cycles in {package}\n"
                      f"type = acyclic_siblings\nancestors =\n    {package}\n")
    return config


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _run(command: list[str], ok: tuple[int, ...], expect: str,
         **kwargs: object) -> tuple[float, float]:
    """Seconds one whole process took, and the CPU seconds it (and its children) used.

    Raises unless it exited in `ok` and said `expect`.
    """
    start, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run(command, capture_output=True, text=True, check=False,
                          **kwargs)  # type: ignore[call-overload]
    elapsed = time.perf_counter() - start
    if done.returncode not in ok or expect not in done.stdout:
        raise RuntimeError(f"{command[:4]} exited {done.returncode}: "
                           f"{(done.stderr or done.stdout)[-400:]}")
    return elapsed, _children_cpu() - cpu


def bench_cli(package: str, rounds: int, lint_imports: str | None) -> list[Target]:
    """Whole CLI processes, interleaved: importaudit cycles, grimp + networkx, lint-imports.

    Cold (no cache) and warm (a cache directory the first run of each filled).
    """
    import os

    spec = importlib.util.find_spec(package)
    assert spec is not None
    assert spec.submodule_search_locations is not None
    site = str(Path(next(iter(spec.submodule_search_locations))).parent)
    times: dict[str, list[float]] = {k: [] for k in (
        "importaudit", "grimp", "lint-imports", "importaudit warm", "grimp warm")}
    cpu: dict[str, list[float]] = {k: [] for k in times}

    def run(key: str, command: list[str], ok: tuple[int, ...], expect: str) -> None:
        wall, used = _run(command, ok, expect, env=env, cwd=scratch)
        times[key].append(wall)
        cpu[key].append(used)

    with tempfile.TemporaryDirectory(prefix="bench-cli-") as scratch:
        config = _lint_imports_config(package, Path(scratch))
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), site])}
        ours = [sys.executable, "-m", "importaudit", "cycles", package, "--no-verify"]
        ours_warm = [*ours, "--cache-dir", str(Path(scratch) / "ia-cache")]
        grimp_warm = [sys.executable, "-c", _GRIMP_CYCLES, package,
                      str(Path(scratch) / "grimp-cache")]
        for command, ok, expect in ((ours_warm, (0, 1), "import graph:"),
                                    (grimp_warm, (0,), "cycles")):
            _run(command, ok, expect, env=env, cwd=scratch)  # fills the cache
        for _ in range(rounds):
            run("importaudit", [*ours, "--no-cache"], (0, 1), "import graph:")
            run("grimp", [sys.executable, "-c", _GRIMP_CYCLES, package], (0,), "cycles")
            if lint_imports:
                run("lint-imports", [lint_imports, "--no-cache", "--config", str(config)],
                    (0, 1), "Contracts")
            run("importaudit warm", ours_warm, (0, 1), "import graph:")
            run("grimp warm", grimp_warm, (0,), "cycles")
    print(f"  whole process, cold, medians of {rounds} rounds: " + ", ".join(
        f"{tool} {statistics.median(times[tool]):.3f} s"
        f" ({_ratio(times[tool], times['grimp']).strip()} grimp)"
        for tool in ("importaudit", "grimp", "lint-imports") if times[tool]))
    print(f"  whole process, warm: importaudit {statistics.median(times['importaudit warm']):.3f}"
          f" s, grimp {statistics.median(times['grimp warm']):.3f} s "
          f"({_ratio(times['importaudit warm'], times['grimp warm']).strip()} grimp)")
    print("  whole process, CPU time: " + ", ".join(
        f"{tool} {statistics.median(cpu[tool]):.3f} s"
        f" ({_ratio(cpu[tool], cpu[base]).strip()} grimp)"
        for tool, base in (("importaudit", "grimp"), ("lint-imports", "grimp"),
                           ("importaudit warm", "grimp warm")) if cpu[tool]))
    targets: list[Target] = [
        (f"{package} cold, whole process, vs grimp + networkx",
         _over(times["importaudit"], times["grimp"]), 1.0, "x"),
        (f"{package} warm, whole process, vs grimp + networkx",
         _over(times["importaudit warm"], times["grimp warm"]), 1.0, "x")]
    if times["lint-imports"]:
        targets.append((f"{package} cold, whole process, vs lint-imports",
                        _over(times["importaudit"], times["lint-imports"]), 1.0, "x"))
    return targets


def summary(targets: list[Target]) -> None:
    """Every target with what was measured, and whether it is met."""
    print("\ntargets (issue 15):")
    for what, measured, limit, unit in targets:
        shown = f"{measured:.2f}x" if unit == "x" else f"{measured:.3f}{unit}"
        verdict = "met" if measured <= limit else "NOT met"
        print(f"  {what:<52} {shown:>8}  (<= {limit:g}{unit.strip()})  {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("packages", nargs="*")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--reference-rounds", type=int, default=3,
                        help="rounds of the (slow) reference scanner")
    parser.add_argument("--lint-imports", default=shutil.which("lint-imports"),
                        help="import-linter's lint-imports (its own environment is fine)")
    args = parser.parse_args()
    packages = args.packages or [p for p in PREFERRED if _installed(p)]
    if not packages:
        packages = [p for p in FALLBACK if _installed(p)][:3]
    has_grimp = _installed("grimp")
    if not has_grimp:
        print("grimp is not installed (pip install -e '.[bench]'): no comparison")
    print(f"python {sys.version.split()[0]}, {sys.platform}; packages: {', '.join(packages)}")
    # As pip installs it: every other tool here runs from compiled bytecode.
    if not compileall.compile_dir(ROOT / "importaudit", quiet=1):
        stop("compiling importaudit's bytecode", "failed")
    targets: list[Target] = []
    for package in packages:
        targets += bench(package, args.rounds, args.reference_rounds, has_grimp)
        if has_grimp:
            targets += bench_cli(package, args.rounds, args.lint_imports)
    summary(targets)


if __name__ == "__main__":
    main()
