"""Cycle claims on real PyPI packages: suspected, reproduced, and what proving them costs.

For each package installed in another environment (default /work/realenv), runs
`importaudit cycles SITE-PACKAGES/PKG --python THAT-PYTHON --format json` twice, side
by side (both without the scan cache): with `--no-verify` (static reasoning only, runs
nothing) and as users run it (each suspected module imported first, alone, in a fresh
interpreter; each cycle nothing is suspected of run from the members it can start
at). Prints per package: the cycles, how many the static analysis suspects can fail at
import and from how many entry points, how many were reproduced, how many of those
nothing was suspected of imported from every entry point run (`imports`), and the time
verification adds.

Then checks every claim shown as "fails at import" on its own: for each failing entry
point, a fresh `python -c "import MODULE"` of that environment must fail with the same
error. Last, a `profile --tree` of each package says how many modules the walk loaded
(dependencies included), how many were skipped and why (another platform, an optional
dependency not installed), and how many really failed. Exits 1 if any command failed
or any claim did not reproduce.
Usage: python benchmarks/bench_cycle_claims.py [--python EXE] [PACKAGE...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

DEFAULT_PYTHON = "/work/realenv/bin/python"
DEFAULT_PACKAGES = ("sqlalchemy", "django", "pandas", "sympy", "numpy", "mypy", "pydantic",
                    "rich", "requests")


def _site_packages(python: str) -> Path:
    done = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True, timeout=60)
    return Path(done.stdout.strip())


def _cycles(target: Path, python: str, *extra: str) -> tuple[dict[str, Any], float]:
    """The JSON report of `importaudit cycles` and its wall time; exit 0 or 1 only."""
    command = [sys.executable, "-m", "importaudit", "cycles", str(target), "--python", python,
               "--format", "json", "--no-cache", *extra]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600, check=False)
    took = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr}")
    report: dict[str, Any] = json.loads(done.stdout)
    return report, took


def _reproduces(python: str, module: str, error: str) -> bool:
    """Does importing `module` first, alone, in a fresh `python` raise `error` again?"""
    done = subprocess.run([python, "-c", f"import {module}"], capture_output=True, text=True,
                          timeout=600, check=False)
    last = done.stderr.strip().splitlines()[-1:] or [""]
    return done.returncode != 0 and last[0] == error


def _tree_walk(package: str, python: str) -> dict[str, Any]:
    """The JSON report of `importaudit profile PKG --tree` (exit 3 keeps its report)."""
    command = [sys.executable, "-m", "importaudit", "profile", package, "--tree", "--python",
               python, "--repeat", "1", "--no-memory", "--format", "json"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600, check=False)
    if done.returncode not in (0, 3) or not done.stdout.strip():
        raise SystemExit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr}")
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def _print_walks(packages: list[str], python: str) -> None:
    print(f"\n{'package':<12}{'loaded':>9}{'skipped':>8}{'platform':>9}{'missing':>8}"
          f"{'failed':>7}  first failure")
    for package in packages:
        report = _tree_walk(package, python)
        skipped = report.get("skipped", [])
        kinds = [s["kind"] for s in skipped]
        failed = [m["name"] for m in report["modules"]
                  if m.get("error") and m["name"] not in {s["name"] for s in skipped}]
        failure = report.get("failure") or {}
        print(f"{package:<12}{sum(not m.get('preloaded') for m in report['modules']):>9}"
              f"{len(skipped):>8}{kinds.count('platform'):>9}"
              f"{kinds.count('missing-dependency'):>8}{len(failed):>7}  "
              f"{(failure.get('message') or '')[:60]}")
        for entry in skipped[:3]:
            print(f"    skipped {entry['name']}: {entry['reason']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=DEFAULT_PYTHON)
    parser.add_argument("packages", nargs="*", default=DEFAULT_PACKAGES)
    args = parser.parse_args()
    site = _site_packages(args.python)
    print(f"environment: {args.python} ({site})")
    print(f"{'package':<12}{'cycles':>7}{'suspected':>10}{'entries':>8}{'fail':>6}"
          f"{'failing':>8}{'order-dep':>10}{'imports':>8}{'static s':>10}{'verified s':>11}"
          f"{'ratio':>7}")
    wrong = 0
    totals = [0, 0, 0]
    installed: list[str] = []
    for package in args.packages:
        target = site / package
        if not target.is_dir():
            print(f"{package:<12}not installed in {site}")
            continue
        installed.append(package)
        static, static_s = _cycles(target, args.python, "--no-verify")
        proven, proven_s = _cycles(target, args.python)
        cycles = proven["cycles"]
        suspected = [c for c in cycles if c["can_fail"]]
        entries = sum(len(c["trials"]) for c in suspected)
        failing = [t for c in cycles for t in c["trials"] if t["circular"]]
        fails = sum(1 for c in cycles if c["proof"] == "fails")
        order = sum(1 for c in suspected if c["proof"] == "not-reproduced")
        # Nothing suspected, run from each entry point, and every one imported.
        imports = sum(1 for c in cycles if not c["can_fail"] and c["proof"] == "not-reproduced"
                      and all(t["error"] is None or t["cleared"] for t in c["trials"]))
        assert len(static["cycles"]) == len(cycles), "the static side must not change"
        assert all(c["proof"] == "unverified" for c in static["cycles"])
        totals[0] += len(suspected)
        totals[1] += fails
        totals[2] += len(failing)
        print(f"{package:<12}{len(cycles):>7}{len(suspected):>10}{entries:>8}{fails:>6}"
              f"{len(failing):>8}{order:>10}{imports:>8}{static_s:>10.1f}{proven_s:>11.1f}"
              f"{proven_s / static_s:>7.1f}")
        for trial in failing:
            error = trial["error"].split(" (most likely", 1)[0]
            ok = _reproduces(args.python, trial["module"], trial["error"])
            wrong += not ok
            print(f"    {'reproduces' if ok else 'DOES NOT REPRODUCE'}: import "
                  f"{trial['module']}: {error}")
    print(f"suspected cycles {totals[0]}, shown to fail {totals[1]} "
          f"({totals[2]} failing entry points), every one re-checked: "
          f"{'all reproduce' if not wrong else f'{wrong} did not reproduce'}")
    _print_walks(installed, args.python)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
