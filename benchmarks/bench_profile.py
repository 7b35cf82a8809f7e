"""Runtime profiler benchmarks: overhead against a plain import, and agreement with -X importtime.

Run: `python benchmarks/bench_profile.py [--rounds N] [PACKAGE ...]`.

overhead: for each package, one round runs every variant once, in turn (interleaved,
so machine noise hits all of them alike; the order is shuffled each round, since a
fixed one favours some positions); medians over the rounds, of wall time and of
the child's CPU time (user + system, from its rusage). Variants:
  plain          python -c "import X; os._exit(0)" (the probe also skips interpreter
                 tear-down, which is not part of an import: compare like with like)
  plain2         the same command again: plain2/plain is the noise floor of a ratio
  probe          the time-mode probe (what each measured run of `importaudit profile` is),
                 records appended to a real file
  probe-devnull  the same, records written to /dev/null (so probe - probe-devnull is
                 the cost of the record channel itself)
  importtime     python -X importtime -c "import X; os._exit(0)", stderr to /dev/null
  importtime-pipe the same, stderr read through a pipe as it is written
Ratios are given for the whole child (what a user waits for) and for the import alone
(the child's wall minus a bare `python -c pass`), the stricter of the two.

agreement: per-module cumulative time from the probe vs `-X importtime`: Spearman rank
correlation over the modules both saw, and the ratio of the totals (sum over top-level
imports), medians over the rounds. Measured two ways. "Same run": the probe runs under
`-X importtime`, so both tools time the very same imports in one child and machine
noise cancels out (what is left is how the instruments differ, and the probe's own
bookkeeping, which -X importtime counts in the modules and the probe leaves out: the
same-run ratio sits a few percent below 1). "Separate runs": one
child of each per round, interleaved (what a user comparing two runs would see, noise
included). -X importtime times a dotted module's parents inside it, the probe times
them before it (as separate top-level imports), so the comparison is on totals and on
leaf-to-root ranks.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from random import Random

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checked import check_child, check_exit, check_probe, run_checked  # noqa: E402

from importaudit.runtime.children import run_child  # noqa: E402
from importaudit.runtime.importtime import parse_importtime  # noqa: E402
from importaudit.runtime.interpreter import Interpreter, find_interpreter  # noqa: E402
from importaudit.runtime.merge import merge_runs  # noqa: E402

DEFAULT_PACKAGES = ["asyncio", "email.mime.multipart", "unittest", "json", "numpy",
                    "sqlalchemy", "rich.console"]


def wall(cmd: list[str], *, stderr: int | None = subprocess.DEVNULL,
         pipe: bool = False) -> tuple[int, int]:
    """(wall ns, CPU ns: user + system) of one child run to its end.

    CPU time comes from the child's own rusage (wait4): other processes on a busy
    machine stretch the wall time far more than the CPU time a child needs.
    """
    t0 = time.perf_counter_ns()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE if pipe else stderr)
    if pipe:
        assert proc.stderr is not None
        for _line in proc.stderr:  # read as it is written, like a streaming parent would
            pass
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter_ns() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.stderr is not None:
        proc.stderr.close()
    if proc.returncode != 0:
        # Timed with stderr unread (what is measured); run again to show the error.
        again = subprocess.run(cmd, capture_output=True, text=True, check=False)
        check_exit(cmd, proc.returncode, again.stderr)
    return elapsed, int((usage.ru_utime + usage.ru_stime) * 1e9)


def available(packages: list[str]) -> list[str]:
    ok = []
    for name in packages:
        proc = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True,
                              check=False)
        if proc.returncode == 0:
            ok.append(name)
        else:
            print(f"skip {name}: not importable here")
    return ok


def overhead(packages: list[str], rounds: int) -> None:
    py = sys.executable
    probe = find_interpreter(None).probe  # the cached .pyc every measured child runs
    shuffle = Random(0).shuffle  # the same sequence of orders every run
    print(f"\n== overhead: medians of {rounds} interleaved rounds, variants in a new "
          "order each round (ms) ==")
    header = (f"{'package':24} {'bare':>7} {'plain':>7} {'probe':>7} {'devnull':>7} "
              f"{'imptime':>7} {'it-pipe':>7} | {'probe/plain':>11} {'import-only':>11} "
              f"{'channel':>8} {'it/plain':>8} {'noise':>6} | {'cpu probe/plain':>15} "
              f"{'cpu it/plain':>12} {'cpu noise':>9}")
    print(header)
    for name in packages:
        keys = ("bare", "plain", "plain2", "probe", "devnull", "it", "itpipe")
        samples: dict[str, list[int]] = {k: [] for k in keys}
        cpu: dict[str, list[int]] = {k: [] for k in keys}
        plain_code = f"import os, {name}; os._exit(0)"
        for _ in range(rounds):
            fd, rec = tempfile.mkstemp(suffix=".jsonl")
            os.close(fd)
            commands: dict[str, tuple[list[str], bool]] = {
                "bare": ([py, "-c", "import os; os._exit(0)"], False),
                "plain": ([py, "-c", plain_code], False),
                "plain2": ([py, "-c", plain_code], False),  # the same again: noise floor
                "probe": ([py, probe, rec, "import", "rss", "", name], False),
                "devnull": ([py, probe, os.devnull, "import", "rss", "", name], False),
                "it": ([py, "-X", "importtime", "-c", plain_code], False),
                "itpipe": ([py, "-X", "importtime", "-c", plain_code], True),
            }
            # A new order every round: a fixed one favours whichever variant runs
            # right after another (caches, CPU clock), by more than what is measured.
            order = list(commands)
            shuffle(order)
            for key in order:
                cmd, pipe = commands[key]
                elapsed, used = wall(cmd, pipe=pipe)
                samples[key].append(elapsed)
                cpu[key].append(used)
            # The probe exits 0 even when the import failed: its records say. (The
            # devnull variant is the same command writing its records nowhere.)
            check_probe(commands["probe"][0], rec, 0)
            os.unlink(rec)
        med = {k: statistics.median(v) / 1e6 for k, v in samples.items()}
        cpu_med = {k: statistics.median(v) / 1e6 for k, v in cpu.items()}
        plain_import = med["plain"] - med["bare"]
        probe_import = med["probe"] - med["bare"]
        print(
            f"{name:24} {med['bare']:7.1f} {med['plain']:7.1f} {med['probe']:7.1f} "
            f"{med['devnull']:7.1f} {med['it']:7.1f} {med['itpipe']:7.1f} | "
            f"{med['probe'] / med['plain']:11.3f} "
            f"{probe_import / plain_import if plain_import > 0 else float('nan'):11.3f} "
            f"{med['probe'] - med['devnull']:6.2f}ms "
            f"{med['it'] / med['plain']:8.3f} {med['plain2'] / med['plain']:6.3f} | "
            f"{cpu_med['probe'] / cpu_med['plain']:15.3f} "
            f"{cpu_med['it'] / cpu_med['plain']:12.3f} "
            f"{cpu_med['plain2'] / cpu_med['plain']:9.3f}"
        )
    print("probe/plain: whole child, wall; import-only: (child - bare) ratio; channel: probe "
          "- devnull (cost of appending records to a file); noise: plain run twice per round, "
          "second/first (what the machine alone moves a ratio by); cpu: user + system time "
          "of the child (rusage). Every variant skips interpreter tear-down (os._exit), as "
          "the probe does.")


def instructions(packages: list[str]) -> None:
    """Instruction counts under valgrind: the same for every run, whatever the machine does."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        print("\n(valgrind not found: skipping the instruction-count comparison)")
        return
    # sys.executable itself, not the file it links to: in a venv that is the base
    # interpreter, which finds pyvenv.cfg only next to the path it was started by, so
    # it would not see the venv's packages and every count would be of a failed import.
    py = sys.executable
    probe = find_interpreter(None).probe

    # String hashing is randomised per process, which moves dict layouts and so the
    # count by a few million; a fixed seed makes every count repeat exactly. numpy's
    # OpenBLAS starts a thread pool whose start-up count varies by +-4% from run to run;
    # one thread makes it repeat exactly too.
    env = {**os.environ, "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1",
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

    def count(cmd: list[str], records: str | None = None) -> int:
        proc = subprocess.run([valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null",
                               *cmd], capture_output=True, text=True, check=False, env=env)
        check_exit(cmd, proc.returncode, proc.stderr)
        if records is not None:
            check_probe(cmd, records, proc.returncode, proc.stderr)
        for line in proc.stderr.splitlines():
            if "Collected :" in line:
                return int(line.rsplit(":", 1)[1])
        raise RuntimeError(proc.stderr[-500:])

    print("\n== overhead in instructions (valgrind callgrind; deterministic), millions ==")
    print(f"{'package':24} {'bare':>8} {'plain':>8} {'probe':>8} {'imptime':>8} | "
          f"{'probe/plain':>11} {'import-only':>11} {'importtime import-only':>22}")
    bare = count([py, "-c", "import os; os._exit(0)"])
    for name in packages:
        plain = count([py, "-c", f"import os, {name}; os._exit(0)"])
        fd, rec = tempfile.mkstemp(suffix=".jsonl")
        os.close(fd)
        probed = count([py, probe, rec, "import", "rss", "", name], records=rec)
        os.unlink(rec)
        itime = count([py, "-X", "importtime", "-c", f"import os, {name}; os._exit(0)"])
        print(f"{name:24} {bare / 1e6:8.1f} {plain / 1e6:8.1f} {probed / 1e6:8.1f} "
              f"{itime / 1e6:8.1f} | {probed / plain:11.3f} "
              f"{(probed - bare) / (plain - bare):11.3f} {(itime - bare) / (plain - bare):22.3f}")


def _ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2
        i = j + 1
    return ranks


def spearman(a: list[float], b: list[float]) -> float:
    ra, rb = _ranks(a), _ranks(b)
    ma, mb = statistics.fmean(ra), statistics.fmean(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb, strict=True))
    var = (sum((x - ma) ** 2 for x in ra) * sum((y - mb) ** 2 for y in rb)) ** 0.5
    return cov / var if var else float("nan")


def _importtime_cumulative(stderr: str) -> tuple[dict[str, int], list[str]]:
    """Cumulative ns per module from an -X importtime log, and its top-level imports."""
    report = parse_importtime(stderr, source="bench")
    mods = [m for m in report.modules if not m.preloaded]
    return ({m.name: m.cumulative_ns for m in mods},
            [m.name for m in mods if m.importer is None])


def _same_run(interpreter: Interpreter, name: str) -> tuple[float, float]:
    """One child measured by both tools at once: (Spearman, ratio of the totals).

    The probe runs under `-X importtime`, so both time the very same imports and machine
    noise cancels out: what is left is how the two instruments differ.
    """
    fd, rec = tempfile.mkstemp(suffix=".jsonl")
    os.close(fd)
    try:
        cmd = [interpreter.executable, "-X", "importtime", interpreter.probe,
               rec, "import", "rss", "", name]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        child = check_probe(cmd, rec, proc.returncode, proc.stderr)
    finally:
        os.unlink(rec)
    theirs, top = _importtime_cumulative(proc.stderr)
    ours = {r.name: r.cumulative_ns for r in child.modules}
    common = sorted(set(theirs) & set(ours))
    rho = spearman([theirs[k] for k in common], [ours[k] for k in common])
    # Each tool's total over its own top-level imports (they nest parents differently).
    total_ours = sum(ours.get(n, 0) for n in child.roots())
    total_theirs = sum(theirs[n] for n in top)
    return rho, total_ours / total_theirs if total_theirs else float("nan")



def agreement(packages: list[str], rounds: int) -> None:
    interpreter = find_interpreter(None)
    print(f"\n== agreement with -X importtime: medians of {rounds} interleaved rounds ==")
    print("same run: the probe under -X importtime (one child, both tools time the same "
          "imports); separate runs: one child of each per round (machine noise included)")
    print(f"{'package':24} {'modules':>7} | {'same run':>8} {'rho':>5} {'total':>6} "
          f"{'(min..max)':>13} | {'separate':>8} {'rho':>5} {'ia ms':>7} {'it ms':>7} "
          f"{'total':>6}")
    for name in packages:
        per_module: dict[str, list[int]] = {}
        totals: list[int] = []
        runs = []
        same: list[tuple[float, float]] = []
        for _ in range(rounds):
            proc = run_checked([sys.executable, "-X", "importtime", "-c", f"import {name}"])
            theirs, top = _importtime_cumulative(proc.stderr)
            totals.append(sum(theirs[n] for n in top))
            for module, ns in theirs.items():
                per_module.setdefault(module, []).append(ns)
            runs.append(check_child(f"the probe importing {name}",
                                    run_child(interpreter, "import", ["rss"], [name])))
            same.append(_same_run(interpreter, name))
        it = {k: statistics.median(v) for k, v in per_module.items()}
        merged = merge_runs(runs, None, [])
        mine = {m.name: m.cumulative_ns for m in merged}
        common = sorted(set(it) & set(mine))
        rho = spearman([it[k] for k in common], [mine[k] for k in common])
        ours_totals = []
        for run in runs:
            roots = run.roots()
            ours_totals.append(sum(r.cumulative_ns for r in run.modules if r.name in roots))
        ours_total = statistics.median(ours_totals)
        it_total = statistics.median(totals)
        ratios = [s[1] for s in same]
        print(f"{name:24} {len(common):7d} | {'':8} {statistics.median(s[0] for s in same):5.3f} "
              f"{statistics.median(ratios):6.3f} {f'({min(ratios):.3f}..{max(ratios):.3f})':>13} | "
              f"{'':8} {rho:5.3f} {ours_total / 1e6:7.1f} {it_total / 1e6:7.1f} "
              f"{ours_total / it_total:6.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("packages", nargs="*", default=DEFAULT_PACKAGES)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--only", choices=["overhead", "instructions", "agreement"])
    args = parser.parse_args()
    packages = available(args.packages)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r}")
    if args.only in (None, "overhead"):
        overhead(packages, args.rounds)
    if args.only in (None, "instructions"):
        instructions(packages)
    if args.only in (None, "agreement"):
        agreement(packages, args.rounds)


if __name__ == "__main__":
    main()
