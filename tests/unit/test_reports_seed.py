"""reports/seed.py: each seed issue mapped to the finding that detects it, and the seed's
guessed figures set against measured ones (from the reports given, never typed in)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from importaudit.model import Finding, Impact, ModuleRecord, Report, Severity

if TYPE_CHECKING:
    from types import ModuleType

SEED_PY = Path(__file__).resolve().parents[2] / "reports" / "seed.py"


def _seed() -> ModuleType:
    spec = importlib.util.spec_from_file_location("reports_seed", SEED_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["reports_seed"] = module
    spec.loader.exec_module(module)
    return module


def _finding(code: str, module: str, time_ns: int) -> Finding:
    return Finding(code, "t", Severity.HIGH, module, "m", "f", impact=Impact(time_ns=time_ns))


def test_every_seed_issue_names_the_finding_that_detects_it_or_says_it_is_missing() -> None:
    seed = _seed()
    breaker = ModuleRecord(seed.CIRCUIT_BREAKER, cumulative_ns=900_000_000,
                           cumulative_ns_min=500_000_000, runs=3, rss_bytes=59_000_000,
                           heap_bytes=40_000_000)
    reviewed = Report(("risk_management",), "0", "now", findings=(
        _finding("IA101", seed.CIRCUIT_BREAKER, 7_000_000),
        _finding("IA601", "risk_management.database", 3_000_000)))
    program = Report(("risk_service.py",), "0", "now", findings=(
        _finding("IA701", "risk_management", 800_000_000),))
    isolated = Report(("risk_management",), "0", "now", modules=(breaker,))
    text = seed.seed_markdown(reviewed, program, isolated)
    rows = {line.split(" | ")[0][2:]: line for line in text.splitlines()
            if line.startswith("| ISSUE-")}
    assert sorted(rows) == [f"ISSUE-{n}" for n in range(3310, 3320)]
    assert "`risk_management` (high) | 800 ms" in rows["ISSUE-3316"]
    assert "**not found** on `risk_service`" in rows["ISSUE-3317"]
    assert "`risk_management.database` (high) | 3.00 ms" in rows["ISSUE-3319"]
    # 236 MB against 59 MB of RSS; 2 s against the fastest run, 500 ms.
    assert "4.0x less than the seed claims" in text
    assert "500 ms (fastest of 3 runs; the median was 900 ms)" in text
    assert "4.0x less than the seed's lower bound" in text
