"""The legacy twin's README points at the lines that show each review finding.

The legacy packages are only read as text here, never imported (they share the real
package's names).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

LEGACY = Path(__file__).resolve().parents[2] / "fixtures" / "legacy"
README = (LEGACY / "README.md").read_text()
ROW = re.compile(r"^\| (ISSUE-33\d\d) \| `([^`:]+):(\d+)(?:-(\d+))?` \|", re.MULTILINE)

#: What the referenced lines must contain for the mapping to be true.
EXPECTED = {
    "ISSUE-3310": ("from .breakers import", "from .facade import CircuitBreakerFacade"),
    "ISSUE-3311": ("class RiskMetricsCalculator:", "class PortfolioRiskMetrics:"),
    "ISSUE-3312": ("from .var_position_sizer import", "VaRMethod"),
    "ISSUE-3313": ("from .trading_engine_integration import", "TradingEngineRiskIntegration"),
    "ISSUE-3314": ("__all__ = [", '"ManualKillSwitch"'),
    "ISSUE-3315": ("class PostTradeAnalyzer:", "class SlippageAnalyzer:"),
    "ISSUE-3316": ("listener(event)", "session.commit()"),
    "ISSUE-3317": ("def get_breaker_registry", "return BreakerRegistry()"),
    "ISSUE-3318": ("import ErrorHandlingMixin", "import timer"),
    "ISSUE-3319": ("create_engine(", "engine.connect()"),
}


def rows() -> dict[str, tuple[Path, int, int]]:
    found = {}
    for issue, path, start, end in ROW.findall(README):
        found[issue] = (LEGACY / path, int(start), int(end or start))
    return found


def test_every_review_issue_is_mapped_once() -> None:
    assert sorted(rows()) == [f"ISSUE-{n}" for n in range(3310, 3320)]
    assert len(ROW.findall(README)) == 10


@pytest.mark.parametrize("issue", sorted(EXPECTED))
def test_mapped_lines_show_the_finding(issue: str) -> None:
    path, start, end = rows()[issue]
    lines = path.read_text().splitlines()
    assert end <= len(lines), f"{path} has only {len(lines)} lines"
    excerpt = "\n".join(lines[start - 1 : end])
    for needle in EXPECTED[issue]:
        assert needle in excerpt, f"{issue}: {needle!r} not in {path.name}:{start}-{end}"


def test_other_line_references_exist() -> None:
    for path, line in re.findall(r"`([\w/]+\.py):(\d+)", README):
        candidates = [p for p in LEGACY.rglob(Path(path).name) if p.as_posix().endswith(path)]
        assert candidates, path
        assert int(line) <= len(candidates[0].read_text().splitlines()), (path, line)
