"""How often does an unchanged package "regress" on this machine? Median-only vs the gate.

Profiles the gate fixture package ROUNDS times, unchanged, then judges every ordered
pair of rounds (one as baseline, one as the run) two ways with the same tight
tolerances (+10 %, no absolute floor, so noise shows):

* median rule: the run's median is over the baseline median by more than 10 %;
* the gate: the same, AND every run slower than every baseline run (exact rank test).

Every alarm is false (nothing changed). Prints both counts side by side from one run.
Usage: python benchmarks/bench_gate_noise.py [ROUNDS] [REPEAT]
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from checked import check_report

from importaudit import api
from importaudit.config import Config, CyclePolicy, Tolerance
from importaudit.gate import evaluate

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "gate" / "gatepkg"


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    tight = Tolerance(time_relative=0.10, time_absolute_ns=0, normalize=False)
    config = Config(tolerance=tight, cycles=CyclePolicy.OFF)
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(FIXTURE, Path(tmp) / "gatepkg")
        os.chdir(tmp)
        reports = [check_report("profiling gatepkg", api.profile(
            ["gatepkg"], api.Measure(repeat=repeat, memory=False, warm_bytecode=True)))
                   for _ in range(rounds)]
    median_alarms = gate_alarms = pairs = 0
    for i, base in enumerate(reports):
        then = next(m for m in base.modules if m.name == "gatepkg").cumulative_ns
        for j, now in enumerate(reports):
            if i == j:
                continue
            pairs += 1
            median = next(m for m in now.modules if m.name == "gatepkg").cumulative_ns
            median_alarms += median > then * (1 + tight.time_relative)
            gate_alarms += any(v.check == "regression.time"
                               for v in evaluate(now, config, base).violations)
    medians = sorted(next(m for m in r.modules if m.name == "gatepkg").cumulative_ns
                     for r in reports)
    print(f"{rounds} rounds x {repeat} runs of `import gatepkg`; round medians "
          f"{medians[0] / 1e3:.0f}..{medians[-1] / 1e3:.0f} us")
    print(f"false alarms over {pairs} pairs at +10 %: median rule {median_alarms}, "
          f"gate {gate_alarms}")


if __name__ == "__main__":
    main()
