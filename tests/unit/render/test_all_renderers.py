"""Every registered renderer on the same full report (formats added later join in).

Each format must render a report that has every part filled in (profile, failure,
static graph, cycles, findings, verdict), write text to a plain stream without ANSI
codes, and do so identically twice (no hidden state, no clock).
"""

from __future__ import annotations

import dataclasses
import io
import re

import pytest

from importaudit.model import (
    CheckResult,
    ChildFailure,
    Cycle,
    EdgeKind,
    Finding,
    Impact,
    ImportEdge,
    ImportTrial,
    ModuleNode,
    Proof,
    Report,
    Severity,
    StaticGraph,
    Verdict,
    Violation,
)
from importaudit.render import FORMATS, RenderOptions, get_renderer

ANSI = re.compile(r"\x1b\[")
ERROR = ("ImportError: cannot import name 'helper' from partially initialized module "
         "'app.util' (most likely due to a circular import)")
PROVEN = ImportTrial("app.util", error=ERROR, file="app/core.py", line=3, circular=True)


@pytest.fixture
def full_report(report: Report) -> Report:
    """The sample profile plus a failure, a static graph with a cycle, findings, a verdict."""
    core_to_util = ImportEdge("app.core", "app.util", EdgeKind.EAGER, "app/core.py", 3)
    util_to_core = ImportEdge("app.util", "app.core", EdgeKind.EAGER, "app/util.py", 1)
    graph = StaticGraph(
        roots=("app",),
        modules=(ModuleNode("app", "app/__init__.py", is_package=True),
                 ModuleNode("app.core", "app/core.py"), ModuleNode("app.util", "app/util.py"),
                 ModuleNode("json", external=True)),
        edges=(ImportEdge("app", "app.core", EdgeKind.EAGER, "app/__init__.py", 1),
               core_to_util, util_to_core,
               ImportEdge("app.util", "json", EdgeKind.DEFERRED, "app/util.py", 9,
                          external=True)),
    )
    cycle = Cycle(modules=("app.core", "app.util"), witness=(core_to_util, util_to_core),
                  cut=(util_to_core,), packages=("app",), can_fail=True,
                  failing=(util_to_core,), proof=Proof.FAILS, trials=(PROVEN,))
    finding = Finding(
        code="IA101", title="heavy eager import", severity=Severity.HIGH,
        module="app.core", message="app.core imports app.core.heavy at module level",
        fix="import app.core.heavy inside the function that uses it",
        file="app/core.py", line=2, impact=Impact(time_ns=20_000_000, heap_bytes=512_000),
        chain=("app", "app.core", "app.core.heavy"),
    )
    verdict = Verdict(
        passed=False,
        violations=(Violation("budget.cumulative_ns", "app", "app takes 50.2 ms > 40 ms",
                              measured=50.2e6, limit=40e6, chain=("app",)),),
        checks=(CheckResult("budget.cumulative_ns", passed=False, detail="50.2 ms > 40 ms"),
                CheckResult("cycles", passed=True)),
        warnings=("heap not measured for app.broken",),
    )
    failure = ChildFailure(kind="import-error", message="ValueError: boom",
                           module="app.broken", exit_code=1, stderr_tail="ValueError: boom\n")
    return dataclasses.replace(report, graph=graph, cycles=(cycle,), findings=(finding,),
                               verdict=verdict, failure=failure)


def _render(fmt: str, report: Report) -> str:
    stream = io.StringIO()
    options = RenderOptions(view=fmt if fmt in ("tree", "table") else "tree", color=None)
    get_renderer(fmt)(report, stream, options)
    return stream.getvalue()


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_renderer_writes_plain_deterministic_output(fmt: str, full_report: Report) -> None:
    first = _render(fmt, full_report)
    assert first.strip(), f"{fmt} wrote nothing"
    assert not ANSI.search(first), f"{fmt} wrote ANSI codes to a pipe"
    assert _render(fmt, full_report) == first


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_renderer_handles_an_empty_report(fmt: str) -> None:
    empty = Report(targets=("nothing",), tool_version="0.0.test",
                   created_at="2026-01-01T00:00:00+00:00")
    assert _render(fmt, empty).strip()


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "html", "sarif"])
def test_a_proven_cycle_shows_its_error_in_every_report_format(fmt: str,
                                                               full_report: Report) -> None:
    from importaudit.config import Config
    from importaudit.gate import evaluate
    from importaudit.model import report_from_dict

    gated = dataclasses.replace(full_report, verdict=evaluate(full_report, Config()))
    text = _render(fmt, gated)
    wanted = f"importing app.util first: {ERROR} at app/core.py:3"
    if fmt in ("json", "sarif"):
        import json

        text = json.dumps(json.loads(text))  # one escaping of quotes for every format
        wanted = json.dumps(wanted)[1:-1]
    assert wanted in text.replace("\\u0027", "'").replace("\\'", "'")
    if fmt == "json":
        import json

        assert report_from_dict(json.loads(_render(fmt, gated))).cycles == gated.cycles
