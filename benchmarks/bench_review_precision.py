"""Precision and stability of `importaudit review` on real PyPI packages.

Runs `importaudit review PACKAGE --python PY --format json` (as a user would, in a
subprocess) on each package of the corpus, `--runs` times, and compares the findings
with the labels in benchmarks/review_labels.json, where each finding was marked true
or false after reading the code behind it, with a one-line reason.

Prints, over the first run of every package:
- precision per rule and per severity (true / labelled), against the targets: >= 90%
  for high and critical, >= 75% for every rule;
- findings inside `if __name__ == "__main__":` blocks (target 0), found from the source;
- findings with no label: the benchmark fails until they are labelled;
and, over the runs, how many findings (code, module, line, severity) differ from the
first run (target 0).

The packages come from the `bench` extra (`pip install -e '.[bench]'` into the
interpreter given with --python; default /work/realenv/bin/python). A package is
reviewed from that interpreter's site-packages folder, so the static side reads the
same copy the runtime side imports. Exit status: 0 when every target is met, 1 when
one is missed or a finding is unlabelled, 2 when a review did not run.

    python benchmarks/bench_review_precision.py [--runs 5] [--python PY] [PACKAGE ...]
"""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent
LABELS = ROOT / "review_labels.json"
DEFAULT_PYTHON = "/work/realenv/bin/python"
#: The labelled corpus (other packages can be given on the command line).
CORPUS = ("rich", "click", "requests", "sqlalchemy", "numpy", "httpx")
SEVERITIES = ("critical", "high", "medium", "low", "info")
HIGH_TARGET = 0.90
RULE_TARGET = 0.75

Key = tuple[str, str, int, str]  # code, module, line, severity


def site_folder(python: str, package: str) -> Path:
    """Where `package` lives for `python` (its folder, or its single file)."""
    code = ("import importlib.util, sys; s = importlib.util.find_spec(sys.argv[1]); "
            "print(s.submodule_search_locations[0] if s.submodule_search_locations "
            "else s.origin)")
    done = subprocess.run([python, "-c", code, package], capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        sys.exit(f"{package} is not installed for {python}: pip install -e '.[bench]'")
    return Path(done.stdout.strip())


def review(python: str, folder: Path) -> dict[str, object]:
    """One `importaudit review` run; its JSON report."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "review.json"
        done = subprocess.run(
            [sys.executable, "-m", "importaudit", "review", str(folder), "--python", python,
             "--fail-on", "never", "--format", "json", "-o", str(out)],
            capture_output=True, text=True, check=False)
        # 3: a module of the tree failed to import (a Windows-only module on Linux);
        # the report then still holds every other module and the findings.
        if done.returncode not in (0, 3) or not out.exists():
            sys.exit(f"review of {folder} failed ({done.returncode}): {done.stderr[-400:]}")
        report: dict[str, object] = json.loads(out.read_text())
        return report


def findings(report: dict[str, object]) -> list[dict[str, object]]:
    found = report.get("findings")
    assert isinstance(found, list)
    return found


def key(finding: dict[str, object]) -> Key:
    return (str(finding["code"]), str(finding["module"]), int(str(finding.get("line") or 0)),
            str(finding["severity"]))


def main_block_lines(path: str) -> set[int]:
    """Lines inside module-level `if __name__ == "__main__":` blocks of a file."""
    try:
        tree = ast.parse(Path(path).read_bytes())
    except (OSError, SyntaxError, ValueError):
        return set()
    lines: set[int] = set()
    for node in tree.body:
        test = node.test if isinstance(node, ast.If) else None
        if (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name)
                and test.left.id == "__name__"):
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return lines


def in_main_block(finding: dict[str, object]) -> bool:
    file, line = finding.get("file"), finding.get("line")
    return isinstance(file, str) and isinstance(line, int) and line in main_block_lines(file)


def percent(true: int, total: int) -> str:
    return f"{100 * true / total:5.1f}%" if total else "    -"


def print_precision(by_rule: dict[str, Counter[bool]],
                    by_severity: dict[str, Counter[bool]]) -> list[str]:
    """Print precision per rule and per severity; the targets missed."""
    missed: list[str] = []
    print("\nprecision per rule (true / labelled):")
    for code, counts in sorted(by_rule.items()):
        total = counts[True] + counts[False]
        ok = counts[True] >= RULE_TARGET * total
        missed += [] if ok else [f"{code} below {RULE_TARGET:.0%}"]
        print(f"  {code}  {counts[True]:3d} / {total:3d}  {percent(counts[True], total)}"
              f"  target >= {RULE_TARGET:.0%}{'' if ok else '  MISSED'}")
    print("precision per severity:")
    for severity in SEVERITIES:
        counts = by_severity.get(severity, Counter())
        total = counts[True] + counts[False]
        target = HIGH_TARGET if severity in ("critical", "high") else None
        ok = target is None or counts[True] >= target * total
        missed += [] if ok else [f"{severity} below {target:.0%}"]
        note = f"  target >= {target:.0%}" if target is not None else ""
        print(f"  {severity:<8} {counts[True]:3d} / {total:3d}  {percent(counts[True], total)}"
              f"{note}{'' if ok else '  MISSED'}")
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("packages", nargs="*", default=list(CORPUS))
    parser.add_argument("--runs", type=int, default=5, help="reviews per package")
    parser.add_argument("--python", default=DEFAULT_PYTHON)
    args = parser.parse_args()
    labels: dict[str, dict[str, str]] = json.loads(LABELS.read_text())
    by_rule: dict[str, Counter[bool]] = {}
    by_severity: dict[str, Counter[bool]] = {}
    unlabelled: list[str] = []
    main_hits: list[str] = []
    unstable = 0
    for package in args.packages:
        folder = site_folder(args.python, package)
        runs = [findings(review(args.python, folder)) for _ in range(max(1, args.runs))]
        first = {key(f) for f in runs[0]}
        differ = [len(first ^ {key(f) for f in other}) for other in runs[1:]]
        unstable += sum(differ)
        print(f"{package}: {len(runs[0])} findings; differing from run 1 in runs 2-"
              f"{len(runs)}: {differ}")
        for number, other in enumerate(runs[1:], start=2):
            for changed in sorted(first ^ {key(f) for f in other}):
                side = "only in run 1" if changed in first else f"only in run {number}"
                print(f"  {side}: {':'.join(map(str, changed))}")
        for finding in runs[0]:
            code, module, line, severity = key(finding)
            name = f"{package}:{code}:{module}:{line}"
            if in_main_block(finding):
                main_hits.append(name)
            label = labels.get(name)
            if label is None or label.get("verdict") not in ("true", "false"):
                unlabelled.append(f"{name} [{severity}] {str(finding['message'])[:120]}")
                continue
            verdict = label["verdict"] == "true"
            by_rule.setdefault(code, Counter())[verdict] += 1
            by_severity.setdefault(severity, Counter())[verdict] += 1
    missed = print_precision(by_rule, by_severity)
    print(f"findings inside __main__ blocks: {len(main_hits)} (target 0)")
    for name in main_hits:
        print(f"  {name}")
    print(f"findings differing between identical runs: {unstable} (target 0)")
    if main_hits:
        missed.append("findings inside __main__ blocks")
    if unstable:
        missed.append("findings differ between runs")
    if unlabelled:
        print(f"\n{len(unlabelled)} finding(s) without a label in {LABELS.name} "
              "(read the code, then add verdict and reason):")
        for entry in unlabelled:
            print(f"  {entry}")
        missed.append("unlabelled findings")
    print("\nresult: " + ("all targets met" if not missed else "; ".join(missed)))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
