"""What only a running program shows: imports that block an asyncio loop (IA701) and
one file executed as two modules (IA702), measured by the probe and reviewed.

The legacy twin's own service (tests/fixtures/legacy/risk_service.py) has both, as
review batch 10 guessed (ISSUE-3316, 3317); small programs built in tmp_path pin the
edges: an import made off the loop (a thread) or before it starts blocks nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from importaudit import api
from importaudit.cli import cli
from importaudit.model import Report, report_from_dict, report_to_dict
from importaudit.review import review_report
from importaudit.review.registry import all_rules, get_rule

CODES = {rule.code for rule in all_rules()}
LEGACY = Path(__file__).resolve().parents[1] / "fixtures" / "legacy"


def findings(report: Report, code: str) -> list:  # type: ignore[type-arg]
    return [f for f in review_report(report).findings if f.code == code]


@pytest.fixture
def legacy_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEGACY_RISK_DB", str(tmp_path / "legacy.sqlite3"))


@pytest.mark.usefixtures("legacy_db")
def test_the_legacy_service_blocks_its_loop_and_runs_itself_twice() -> None:
    script = LEGACY / "risk_service.py"
    report = api.profile_program(api.Program("script", str(script)))
    assert report.failure is None and report.meta is not None
    assert report.meta.main_file == str(script)
    assert report_from_dict(report_to_dict(report)) == report

    # The coroutine's `from risk_management.real_time.circuit_breaker import ...` ran the
    # whole legacy package on the loop: numpy and SQLAlchemy included. (serve() importing
    # the handlers on the loop is a second, small one.)
    blocking = {f.module: f for f in findings(report, "IA701")}
    assert sorted(blocking) == ["risk_management", "risk_service_handlers"]
    blocked = blocking["risk_management"]
    assert (blocked.file, blocked.line) == (str(script), 33)
    assert "coroutine evaluate()" in blocked.message
    record = next(m for m in report.modules if m.name == "risk_management")
    assert blocked.impact.time_ns == record.cumulative_ns_min > 0
    assert blocked.impact.modules is not None and blocked.impact.modules > 100

    (twice,) = findings(report, "IA702")
    assert twice.module == "risk_service" and twice.chain == ("__main__", "risk_service")
    assert twice.file == str(script)
    assert "risk_service (imported by risk_service_handlers)" in twice.message
    assert "__main__ (run as the program)" in twice.message


def test_a_package_directory_on_sys_path_makes_two_modules_of_one_file(
        tmp_path: Path) -> None:
    pkg = tmp_path / "plugins"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "registry.py").write_text("REGISTRY = {}\n")
    (pkg / "first.py").write_text("from plugins.registry import REGISTRY\n")
    (pkg / "second.py").write_text("from registry import REGISTRY\n")
    code = (f"import sys; sys.path[0:0] = [{str(tmp_path)!r}, {str(pkg)!r}]\n"
            "import plugins.first, plugins.second, plugins.registry, registry\n"
            "assert plugins.registry.REGISTRY is not registry.REGISTRY\n")
    report = api.profile_program(api.Program("code", code))
    assert report.failure is None
    (twice,) = findings(report, "IA702")
    assert twice.chain == ("plugins.registry", "registry")
    assert twice.module == "registry" and twice.file == str(pkg / "registry.py")
    assert "plugins.registry (imported by plugins.first)" in twice.message
    assert "registry (imported by plugins.second)" in twice.message


def test_imports_off_the_loop_or_before_it_block_nothing(tmp_path: Path) -> None:
    (tmp_path / "heavy_a.py").write_text("import json\n")
    (tmp_path / "heavy_b.py").write_text("import decimal\n")
    (tmp_path / "heavy_c.py").write_text("import fractions\n")
    script = tmp_path / "service.py"
    script.write_text(
        "import asyncio, importlib, concurrent.futures.thread  # to_thread's pool\n"
        "import heavy_a  # before the loop runs\n"
        "async def main():\n"
        "    await asyncio.to_thread(importlib.import_module, 'heavy_b')  # off the loop\n"
        "    helper()\n"
        "def helper():\n"
        "    import heavy_c  # on the loop, in a plain function a coroutine called\n"
        "asyncio.run(main())\n")
    report = api.profile_program(api.Program("script", str(script)))
    assert report.failure is None
    blocked = findings(report, "IA701")
    assert [f.module for f in blocked] == ["heavy_c"]
    assert (blocked[0].file, blocked[0].line) == (str(script), 7)
    assert "coroutine main()" in blocked[0].message
    assert findings(report, "IA702") == []


def test_review_runs_a_program_and_the_rules_are_documented(tmp_path: Path) -> None:
    script = tmp_path / "loop.py"
    script.write_text("import asyncio\nasync def main():\n    import json\n"
                      "asyncio.run(main())\n")
    result = CliRunner().invoke(cli, ["review", "--fail-on", "medium", "--script", str(script)])
    assert result.exit_code == 1, result.output
    assert "IA701" in result.output and f"{script}:3" in result.output
    for code in ("IA701", "IA702"):
        assert code in CODES and get_rule(code).doc.fix
        shown = CliRunner().invoke(cli, ["rules", code])
        assert shown.exit_code == 0 and code in shown.output
    assert os.path.exists(script)
