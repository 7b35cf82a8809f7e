"""Real risk_management vs its legacy twin: what three typical imports cost, side by side.

For each scenario (``import risk_management``, the circuit-breaker facade, position
sizing) and each variant (the real package from the repo root, the legacy twin from
tests/fixtures/legacy), fresh child interpreters measure:

- modules loaded by the statement (count of new ``sys.modules`` entries),
- wall time of the statement and RSS growth (psutil) in one run without tracemalloc,
- Python heap still allocated after it (tracemalloc) in a separate run, because
  tracemalloc slows allocation-heavy imports and would distort the time.

Rounds are interleaved (every scenario and variant once per round, the order of the
variants alternating) so drift on a shared machine hits both sides alike; the table
shows medians and the ratios between them. Nothing is asserted: the numbers are
printed with the issue's targets next to them.

    python benchmarks/bench_risk_management.py [--rounds 11] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

from checked import run_checked

ROOT = Path(__file__).resolve().parent.parent
LEGACY = ROOT / "tests" / "fixtures" / "legacy"

SCENARIOS = {
    "import risk_management": "import risk_management",
    "circuit-breaker facade": (
        "from risk_management.real_time.circuit_breaker import CircuitBreakerFacade"
    ),
    "position sizing": "from risk_management.position_sizing import VaRPositionSizer",
}
VARIANTS = {"real": ROOT, "legacy": LEGACY}

# Runs in the child. Everything the measurement itself needs is imported first, so
# only the statement's own imports are counted.
CHILD = r"""
import json, sys, time
mode, statement = sys.argv[1], sys.argv[2]
code = compile(statement, "<bench>", "exec")
if mode == "heap":
    import tracemalloc
    before = len(sys.modules)
    tracemalloc.start()
    exec(code, {})
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(json.dumps({"heap": current, "heap_peak": peak, "modules": len(sys.modules) - before}))
else:
    import psutil
    process = psutil.Process()
    before = len(sys.modules)
    rss = process.memory_info().rss
    start = time.perf_counter_ns()
    exec(code, {})
    elapsed = time.perf_counter_ns() - start
    grown = process.memory_info().rss - rss
    print(json.dumps({"ns": elapsed, "rss": grown, "modules": len(sys.modules) - before}))
"""


def run_child(mode: str, statement: str, cwd: Path, env: dict[str, str]) -> dict[str, int]:
    """One fresh interpreter, one measurement."""
    done = run_checked([sys.executable, "-c", CHILD, mode, statement], cwd=cwd, env=env,
                       timeout=300)
    measured: dict[str, int] = json.loads(done.stdout.strip().splitlines()[-1])
    return measured


def measure(rounds: int) -> dict[str, dict[str, dict[str, list[int]]]]:
    """samples[scenario][variant][metric] -> one value per round."""
    scratch = tempfile.mkdtemp(prefix="bench-risk-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RISK_MANAGEMENT", "PYTHON"))}
    env["LEGACY_RISK_DB"] = os.path.join(scratch, "legacy.sqlite3")
    samples: dict[str, dict[str, dict[str, list[int]]]] = {
        s: {v: {} for v in VARIANTS} for s in SCENARIOS
    }
    # Warm-up: compile .pyc files and create the legacy database once, unmeasured.
    for statement in SCENARIOS.values():
        for cwd in VARIANTS.values():
            run_child("time", statement, cwd, env)
    for round_no in range(rounds):
        order = list(VARIANTS) if round_no % 2 == 0 else list(reversed(VARIANTS))
        for scenario, statement in SCENARIOS.items():
            for variant in order:
                for mode in ("time", "heap"):
                    result = run_child(mode, statement, VARIANTS[variant], env)
                    for metric, value in result.items():
                        key = metric if mode == "time" or metric != "modules" else "modules_heap"
                        samples[scenario][variant].setdefault(key, []).append(value)
        print(f"round {round_no + 1}/{rounds} done", file=sys.stderr)
    return samples


def medians(
    samples: dict[str, dict[str, dict[str, list[int]]]],
) -> dict[str, dict[str, dict[str, float]]]:
    """Median of every metric."""
    return {
        s: {v: {m: statistics.median(xs) for m, xs in metrics.items()} for v, metrics in vs.items()}
        for s, vs in samples.items()
    }


def reduction(real: float, legacy: float) -> str:
    """How much less the real package costs, in percent of the legacy cost."""
    return "n/a" if legacy <= 0 else f"{100.0 * (1.0 - real / legacy):.1f}% less"


def report(table: dict[str, dict[str, dict[str, float]]], rounds: int) -> None:
    """Print the side-by-side table, the ratios and the issue's targets."""
    print(
        f"\nrisk_management: real vs legacy, medians of {rounds} interleaved rounds "
        f"(Python {sys.version.split()[0]})\n"
    )
    header = (
        f"{'scenario':<24} {'variant':<7} {'modules':>8} {'heap KiB':>10} "
        f"{'RSS KiB':>9} {'time ms':>9}"
    )
    print(header)
    print("-" * len(header))
    for scenario, variants in table.items():
        for variant, m in variants.items():
            print(
                f"{scenario:<24} {variant:<7} {m['modules']:>8.0f} {m['heap'] / 1024:>10.1f} "
                f"{m['rss'] / 1024:>9.1f} {m['ns'] / 1e6:>9.2f}"
            )
    print("\nratios (real against legacy)")
    for scenario, variants in table.items():
        real, legacy = variants["real"], variants["legacy"]
        speed = legacy["ns"] / real["ns"] if real["ns"] else float("inf")
        print(
            f"  {scenario:<24} modules {real['modules']:.0f} vs {legacy['modules']:.0f}; "
            f"heap {reduction(real['heap'], legacy['heap'])}; "
            f"RSS {reduction(real['rss'], legacy['rss'])}; {speed:.1f}x faster"
        )
    cb = table["circuit-breaker facade"]
    top = table["import risk_management"]["real"]
    speed = cb["legacy"]["ns"] / cb["real"]["ns"]
    heap_cut = 1 - cb["real"]["heap"] / cb["legacy"]["heap"]
    rss_cut = 1 - cb["real"]["rss"] / cb["legacy"]["rss"] if cb["legacy"]["rss"] else 0.0
    print("\ntargets (issue 4)")
    checks = [
        ("circuit-breaker heap >= 95% less", heap_cut >= 0.95, f"{heap_cut:.1%}"),
        ("circuit-breaker RSS >= 95% less", rss_cut >= 0.95, f"{rss_cut:.1%}"),
        ("circuit-breaker >= 10x faster", speed >= 10, f"{speed:.1f}x"),
        ("import risk_management < 5 ms", top["ns"] < 5e6, f"{top['ns'] / 1e6:.2f} ms"),
        (
            "import risk_management < 1 MB heap",
            top["heap"] < 1 << 20,
            f"{top['heap'] / 1024:.1f} KiB",
        ),
    ]
    for label, met, value in checks:
        print(f"  [{'met' if met else 'MISSED'}] {label}: {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=11, help="interleaved rounds (default 11)")
    parser.add_argument("--json", type=Path, help="also write the raw samples here")
    args = parser.parse_args()
    samples = measure(args.rounds)
    report(medians(samples), args.rounds)
    if args.json:
        args.json.write_text(json.dumps(samples, indent=2))


if __name__ == "__main__":
    main()
