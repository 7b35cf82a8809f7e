"""What `importaudit fix` costs, one checkout against another, on real packages.

Runs `importaudit fix PKG --python EXE --format json` (no --write) with the
importaudit of two checkouts (`--old`, `--new`: each put first on PYTHONPATH, and the
run checks that it is the one imported), in interleaved rounds (the order
alternating), and prints per package the medians of the wall time, the CPU time of
the `fix` process itself and of the interpreters it started, and how many child
processes it started, old and new side by side with the ratio. Every command must
succeed (exit status 0, or 1: fixes to apply) and give a JSON report; the two
checkouts' verdicts (each rewrite's module, proven or not, the names it moves and
its rounds; what was left alone, by module and name; the rounds) are compared, and a
difference is printed under the table.

    python benchmarks/bench_fix_speed.py --old /tmp/ia-old --python EXE \
        [--new .] [--packages falcon,pyramid] [--runs 1] [--limit SECONDS]

`--limit` interrupts a run that is still going after that many seconds (transformers'
took over 50 minutes): the table shows the costs up to there, and says which runs
were interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from checked import command_text, stop

ROOT = Path(__file__).resolve().parent.parent

PACKAGES = ("falcon", "sanic", "numba", "pyramid", "virtualenv")
#: `--packages large`: those `fix` took longest on (holidays: 468 modules).
LARGE = ("markdown", "holidays", "sentry_sdk", "celery", "sphinx")

#: Runs importaudit's console script counting the processes it starts, and at its
#: exit writes to argv[1]: its own CPU time, its children's, that count, and the file
#: importaudit was imported from.
TIMED = r"""
import atexit, json, resource, subprocess, sys, threading
out = sys.argv.pop(1)
started = [0]
lock = threading.Lock()
plain = subprocess.Popen.__init__
def counted(self, *args, **kwargs):
    with lock:
        started[0] += 1
    plain(self, *args, **kwargs)
subprocess.Popen.__init__ = counted
def said():
    import importaudit
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "w") as f:
        json.dump([own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime,
                   started[0], importaudit.__file__], f)
atexit.register(said)
sys.argv[0] = "importaudit"
from importaudit.cli import main
main()
"""


def fix(checkout: Path, package: str, python: str, keep: Path | None = None,
        limit: float | None = None) -> tuple[dict[str, float], dict[str, Any] | None]:
    """One `fix` run with `checkout`'s importaudit: its costs and its JSON report.

    With `keep`, the report is written there too. With `limit`, a run still going
    after that many seconds is interrupted (SIGINT, as Ctrl-C): its costs up to there
    are returned, and no report (None).
    """
    with tempfile.TemporaryDirectory(prefix="bench-fix-speed-") as tmp:
        said = Path(tmp) / "said.json"
        cmd = [sys.executable, "-c", TIMED, str(said), "fix", package, "--python", python,
               "--format", "json"]
        environ = dict(os.environ, PYTHONPATH=str(checkout))
        start = time.perf_counter()
        with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=environ, cwd=tmp) as running:
            try:
                out, err = running.communicate(timeout=limit)
            except subprocess.TimeoutExpired:
                running.send_signal(signal.SIGINT)
                out, err = running.communicate()
                out = ""
        wall = time.perf_counter() - start
        shown = command_text([*cmd[:2], "TIMED", *cmd[3:]]) + f" (checkout {checkout})"
        if out and running.returncode not in (0, 1):
            stop(shown, f"exited with status {running.returncode}", err)
        own, children, started, imported = json.loads(said.read_text())
    if not Path(imported).resolve().is_relative_to(checkout.resolve()):
        stop(shown, f"imported importaudit from {imported}, not from the checkout")
    costs = {"wall s": wall, "fix CPU s": own, "children CPU s": children,
             "processes": started}
    if not out:
        return costs, None
    try:
        report = json.loads(out)
    except ValueError:
        stop(shown, "gave no JSON report", err)
    if keep is not None:
        keep.write_text(out, encoding="utf-8")
    return costs, report


Verdicts = tuple[tuple[tuple[str, bool], ...], object, object,
                 tuple[tuple[str, tuple[str, ...], tuple[int, ...]], ...],
                 tuple[tuple[str, str], ...]]


def verdicts(report: dict[str, Any]) -> Verdicts:
    """What a report concluded: each rewrite's module and whether it passed; the rounds.

    Then each rewrite's names and rounds, and what was left alone (module and name;
    the reason's figures may differ from run to run).
    """
    return (tuple(sorted((r["module"], bool(r["proof"]["passed"]))
                         for r in report["rewrites"])),
            report.get("rounds"), report.get("fixed_point"),
            tuple(sorted((r["module"], tuple(r["names"]), tuple(r["rounds"]))
                         for r in report["rewrites"])),
            tuple(sorted({(f["module"], f["name"] or "") for f in report["left_alone"]})))


def same(found: dict[str, set[Verdicts]]) -> bool:
    """Whether the old and new runs concluded the same; where not, print how they differ."""
    if found["old"] != found["new"]:
        for label in ("old", "new"):
            for rewrites, rounds, fixed, *_ in sorted(found[label]):
                print(f"{'':12}verdicts differ: {label}: {rounds} rounds, fixed point "
                      f"{fixed}: " + ", ".join(f"{m} {'proven' if p else 'withdrawn'}"
                                               for m, p in rewrites))
        first = {label: sorted(found[label])[0] for label in ("old", "new")}
        for what, index in (("rewrites' names and rounds", 3), ("left alone", 4)):
            apart = set(first["old"][index]) ^ set(first["new"][index])
            if apart:
                print(f"{'':12}{what} differ: {sorted(apart, key=str)[:10]}")
        return False
    print(f"{'':12}same verdicts, old and new: " + "; ".join(
        f"{sum(passed for _, passed in rewrites)} of {len(rewrites)} proven, "
        f"{len(left)} left alone" for rewrites, _, _, _, left in sorted(found["new"])))
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, required=True, help="the checkout to compare with")
    parser.add_argument("--new", type=Path, default=ROOT, help="default: this checkout")
    parser.add_argument("--python", required=True, help="the environment the packages are in")
    parser.add_argument("--packages", default=",".join(PACKAGES),
                        help="comma-separated, or `large`: " + ",".join(LARGE))
    parser.add_argument("--runs", type=int, default=1, help="rounds per package (default 1)")
    parser.add_argument("--keep", type=Path, help="a folder to write each run's report to")
    parser.add_argument("--limit", type=float, default=None,
                        help="interrupt a run after this many seconds (as Ctrl-C); its "
                             "costs so far are shown, marked, and no verdicts compared")
    args = parser.parse_args()
    sides = {"old": args.old, "new": args.new}
    differences = []
    print(f"{'package':12}{'':16}{'old':>10}{'new':>10}{'new/old':>9}")
    for package in LARGE if args.packages == "large" else args.packages.split(","):
        costs: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
        found: dict[str, set[Verdicts]] = {"old": set(), "new": set()}
        stopped = {"old": 0, "new": 0}  # runs interrupted at --limit
        for i in range(args.runs):
            for label in ("old", "new") if i % 2 == 0 else ("new", "old"):
                keep = args.keep / f"{package}-{label}-{i}.json" if args.keep else None
                cost, report = fix(sides[label], package, args.python, keep, args.limit)
                costs[label].append(cost)
                if report is None:
                    stopped[label] += 1
                else:
                    found[label].add(verdicts(report))
        for index, what in enumerate(costs["old"][0]):
            old = statistics.median(c[what] for c in costs["old"])
            new = statistics.median(c[what] for c in costs["new"])
            print(f"{package if index == 0 else '':12}{what:16}{old:>10.1f}{new:>10.1f}"
                  f"{new / old if old else float('nan'):>9.2f}")
        for label in ("old", "new"):
            if stopped[label]:
                print(f"{'':12}{label}: {stopped[label]} of {args.runs} run(s) interrupted "
                      f"at {args.limit:g} s (their costs up to there)")
        if any(stopped.values()):
            print(f"{'':12}" + "; ".join(
                f"{label}: {len(found[label])} distinct verdicts of finished runs"
                for label in ("old", "new")))
        elif not same(found):
            differences.append(package)
        sys.stdout.flush()
    if differences:
        print(f"verdicts differ on {', '.join(differences)}")


if __name__ == "__main__":
    main()
