"""Reading `python -X importtime` logs: real ones, 3.14 `cached` lines, broken input."""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from importaudit import api, views
from importaudit.errors import UsageError
from importaudit.runtime.importtime import parse_importtime, read_importtime

if TYPE_CHECKING:
    from pathlib import Path



@pytest.fixture(scope="module")
def real_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A log written by this interpreter importing json and email.parser."""
    log = tmp_path_factory.mktemp("importtime") / "importtime.log"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import json, email.parser"],
        capture_output=True, text=True, check=True, timeout=120,
    )
    log.write_text(done.stderr, encoding="utf-8")
    return log


def test_real_log_rebuilds_who_imported_whom(real_log: Path) -> None:
    report = read_importtime(real_log)
    modules = {m.name: m for m in report.modules}
    assert report.meta is not None
    assert report.meta.mode == "importtime"
    assert modules["json"].importer is None
    assert modules["json.decoder"].importer == "json"
    assert modules["email.parser"].importer is None
    # importtime nests the parent package under the submodule that triggered it
    assert modules["email"].importer == "email.parser"
    assert modules["email.feedparser"].importer == "email.parser"
    assert {"json", "email.parser"} <= set(report.targets)


def test_real_log_times_are_converted_and_consistent(real_log: Path) -> None:
    report = read_importtime(real_log)
    tree = views.build_tree(report.modules)
    json_node = next(n for n in tree.roots if n.record.name == "json")
    stack = [json_node]
    while stack:  # cumulative = self + children's cumulative ...
        node = stack.pop()
        record = node.record
        assert record.self_ns % 1000 == 0  # microseconds converted to nanoseconds
        # ... up to the interpreter rounding each printed value to a microsecond
        children = sum(c.record.cumulative_ns for c in node.children)
        slack = 1000 * (len(node.children) + 1)
        assert abs(record.cumulative_ns - record.self_ns - children) <= slack
        assert record.runs == 1
        assert record.self_ns_min == record.self_ns == record.self_ns_max
        stack.extend(node.children)


def test_real_log_start_order_puts_importers_first(real_log: Path) -> None:
    report = read_importtime(real_log)
    order = {m.name: m.order for m in report.modules}
    assert sorted(order.values()) == list(range(len(order)))
    for module in report.modules:
        if module.importer is not None:
            assert order[module.importer] < module.order
    assert order["json"] < order["email.parser"]  # imported in that order


@pytest.mark.skipif(bool(sys.flags.no_site), reason="start-up detection keys on `site`")
def test_real_log_marks_interpreter_startup_as_preloaded(real_log: Path) -> None:
    report = read_importtime(real_log)
    modules = {m.name: m for m in report.modules}
    assert modules["site"].preloaded
    assert modules["encodings"].preloaded
    assert not modules["json"].preloaded
    assert "site" not in report.targets
    assert report.meta is not None
    assert report.meta.startup_ns is not None
    assert report.meta.startup_ns > 0
    totals = views.totals(report.modules)
    assert totals.total_ns == sum(m.self_ns for m in report.modules if not m.preloaded)


LOG_314 = """\
import time: self [us] | cumulative | imported package
import time:       100 |        100 |   _io
import time:       200 |        300 | site
DeprecationWarning: something the program printed
import time:        50 |         50 |     email.errors
import time:    cached |     cached |     re
import time:       300 |        350 |   email.feedparser
import time:    cached |     cached |     email.errors
import time:    cached |     cached |     sys
import time:       120 |        120 |     email.utils
import time:        80 |        200 |   email._policybase
import time:        60 |        610 | email.parser
import time:    cached |     cached | email.errors
"""


def test_cached_lines_are_cache_hits_not_loads() -> None:
    report = parse_importtime(LOG_314, source="py314.log")
    modules = {m.name: m for m in report.modules}
    names = [m.name for m in report.modules]
    assert names.count("email.errors") == 1
    errors = modules["email.errors"]
    assert errors.importer == "email.feedparser"
    # first loader first, then the later import statement that found it loaded
    assert errors.importers == ("email.feedparser", "email._policybase")
    assert errors.self_ns == 50_000
    assert modules["email.utils"].importers == ("email._policybase",)


def test_cache_hits_on_modules_never_loaded_in_the_log_are_preloaded() -> None:
    modules = {m.name: m for m in parse_importtime(LOG_314).modules}
    assert modules["sys"].preloaded
    assert modules["sys"].importers == ("email._policybase",)
    assert modules["re"].preloaded
    assert modules["re"].importers == ("email.feedparser",)


def test_cache_hits_feed_why_chains() -> None:
    answer = views.answer_why(parse_importtime(LOG_314), "email.errors")
    assert [c.modules for c in answer.chains] == [
        ("email.parser", "email.feedparser", "email.errors"),
        ("email.parser", "email._policybase", "email.errors"),
    ]
    assert [c.first_load for c in answer.chains] == [True, False]


def test_notes_say_where_the_numbers_come_from() -> None:
    report = parse_importtime(LOG_314, source="py314.log")
    assert report.meta is not None
    notes = " ".join(report.meta.notes)
    assert "py314.log" in notes
    assert "3 `cached` lines" in notes  # the top-level one has no importer to credit
    assert "2 modules imported during interpreter start-up" in notes
    assert report.targets == ("email.parser",)


def test_lines_glued_to_other_output_and_noise_are_handled() -> None:
    text = (
        "hello from the programimport time:        10 |         10 | alpha\n"
        "\x1b[31mred noise\x1b[0m\n"
        "import time:   12 | 3\n"  # cut short: unreadable, skipped and counted
        "import time:        5 |         15 | beta\n"
        "Traceback (most recent call last):\n"
        '  File "x.py", line 1, in <module>\n'
        "ValueError: boom\n"
    )
    report = parse_importtime(text)
    modules = {m.name: m for m in report.modules}
    assert modules["alpha"].importer is None  # same depth as beta, not nested in it
    assert modules["beta"].cumulative_ns == 15_000
    assert report.meta is not None
    notes = " ".join(report.meta.notes)
    assert "1 unreadable" in notes
    assert "ValueError: boom" in notes


def test_truncated_log_leaves_orphans_as_roots() -> None:
    text = (
        "import time:        10 |         10 |     deep.leaf\n"
        "import time:        20 |         20 |   mid\n"
    )
    report = parse_importtime(text)
    modules = {m.name: m for m in report.modules}
    assert modules["deep.leaf"].importer == "mid"  # the nearest line that encloses it
    assert modules["mid"].importer is None
    assert modules["mid"].depth == 1


def test_repeated_names_keep_the_first_load() -> None:
    text = (
        "import time:         3 |          3 |   nt\n"
        "import time:         4 |          4 |   nt\n"
        "import time:        10 |         17 | ntpath\n"
    )
    report = parse_importtime(text)
    assert [m.name for m in report.modules] == ["ntpath", "nt"]
    assert report.modules[1].self_ns == 3000
    assert report.meta is not None
    assert any("1 more lines" in n for n in report.meta.notes)


@pytest.mark.parametrize(
    "text",
    ["", "just a traceback\nValueError: x\n",
     "import time: self [us] | cumulative | imported package\n",
     "import time:    cached |     cached | os\n"],
)
def test_text_without_importtime_lines_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="no `python -X importtime` lines found"):
        parse_importtime(text, source="x.log")


def test_missing_file_and_directory_are_one_line_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"importtime log not found: .*nope\.log") as missing:
        read_importtime(tmp_path / "nope.log")
    assert "\n" not in str(missing.value)
    with pytest.raises(UsageError, match="is a directory"):
        read_importtime(tmp_path)


def test_binary_garbage_is_a_usage_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.log"
    junk.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(UsageError):
        read_importtime(junk)


def test_api_and_cli_read_a_log(real_log: Path) -> None:
    assert api.profile_importtime(str(real_log)).modules == read_importtime(real_log).modules
    from importaudit.cli import cli

    result = CliRunner().invoke(cli, ["profile", "--importtime", str(real_log)])
    assert result.exit_code == 0, result.output
    assert "json.decoder" in result.output
    assert "read from a `python -X importtime` log" in result.output
    table = CliRunner().invoke(cli, ["profile", "--importtime", str(real_log),
                                     "--format", "table", "--top", "3"])
    assert table.exit_code == 0, table.output
    assert "top 3 of" in table.output


def test_cli_missing_log_exits_2_with_one_line(tmp_path: Path) -> None:
    from importaudit.cli import cli

    result = CliRunner().invoke(cli, ["profile", "--importtime", str(tmp_path / "x.log")])
    assert result.exit_code == 2
    assert "importtime log not found" in result.output
    assert "Traceback" not in result.output
