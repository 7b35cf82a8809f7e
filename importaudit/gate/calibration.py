"""Noise calibration: the same profile measured several times suggests time tolerances."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from importaudit.config import CyclePolicy

if TYPE_CHECKING:
    from collections.abc import Sequence

    from importaudit.config import Tolerance
    from importaudit.model import Report


@dataclass(frozen=True, slots=True)
class TargetSpread:
    """How much one target's median import time moved between identical rounds."""

    target: str
    medians_ns: tuple[int, ...]  # one per round
    fastest_ns: int  # the fastest single run of any round
    slowest_ns: int  # the slowest single run of any round

    @property
    def absolute_ns(self) -> int:
        """Largest minus smallest round median."""
        return max(self.medians_ns) - min(self.medians_ns)

    @property
    def relative(self) -> float:
        """The absolute spread as a share of the smallest round median."""
        low = min(self.medians_ns)
        return self.absolute_ns / low if low else 0.0


@dataclass(frozen=True, slots=True)
class Calibration:
    """The run-to-run noise of this machine and the tolerances it suggests."""

    rounds: int
    targets: tuple[TargetSpread, ...]
    current: Tolerance
    suggested: Tolerance
    false_alarms_current: int  # round pairs the current tolerances would fail
    false_alarms_suggested: int
    pairs: int


def _round_up(value: float, step: float) -> float:
    return math.ceil(value / step - 1e-9) * step


def _false_alarms(reports: Sequence[Report], tolerance: Tolerance) -> int:
    from importaudit.config import Config
    from importaudit.gate import evaluate  # the package imports this module first

    config = Config(tolerance=tolerance, cycles=CyclePolicy.OFF)
    return sum(
        any(v.check == "regression.time" for v in evaluate(now, config, then).violations)
        for i, then in enumerate(reports) for j, now in enumerate(reports) if i != j
    )


def calibrate(reports: Sequence[Report], current: Tolerance) -> Calibration:
    """Suggest time tolerances from `reports`: the same profile measured several times.

    Nothing changed between the rounds, so every difference is noise: the suggestion is
    twice the largest spread of the round medians (at least 10 % and 1 ms), and every
    ordered pair of rounds is judged as baseline and run to count false alarms with the
    current and the suggested tolerances.
    """
    spreads = []
    first = reports[0]
    for target in first.targets:
        records = [next((m for m in r.modules if m.name == target and not m.preloaded), None)
                   for r in reports]
        present = [r for r in records if r is not None]
        if len(present) < len(reports):
            continue
        spreads.append(TargetSpread(
            target=target, medians_ns=tuple(r.cumulative_ns for r in present),
            fastest_ns=min(r.cumulative_ns_min or r.cumulative_ns for r in present),
            slowest_ns=max(r.cumulative_ns_max or r.cumulative_ns for r in present),
        ))
    relative = max((s.relative for s in spreads), default=0.0)
    absolute = max((s.absolute_ns for s in spreads), default=0)
    suggested = dataclasses.replace(
        current,
        time_relative=round(max(0.10, _round_up(2 * relative, 0.05)), 2),
        time_absolute_ns=max(1_000_000, int(_round_up(2 * absolute, 1_000_000))),
    )
    pairs = len(reports) * (len(reports) - 1)
    return Calibration(
        rounds=len(reports), targets=tuple(spreads), current=current, suggested=suggested,
        false_alarms_current=_false_alarms(reports, current),
        false_alarms_suggested=_false_alarms(reports, suggested), pairs=pairs,
    )
