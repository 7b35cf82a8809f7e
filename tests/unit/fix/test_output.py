"""What `fix` prints: each rewrite's own saving, and its diff."""

from __future__ import annotations

import dataclasses
import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importaudit.model import Report


def test_a_rewrite_that_alone_loads_more_says_it_costs_not_saves_a_negative() -> None:
    from importaudit.fix.output import _exclusive

    assert _exclusive({"modules": 88, "heap_bytes": 5 * 1024 * 1024, "time_ns": 1},
                      "m") == "; for `import m` it saves 88 module(s), 5.00 MiB heap"
    # The legacy twin's risk_management.metrics: its parent still imports everything,
    # and the shared lazy helper is one module more.
    assert _exclusive({"modules": -1, "heap_bytes": -2048, "time_ns": 1}, "m") == (
        "; for `import m` it costs 1 more module(s), 2.00 KiB more heap")
    # The same modules: the heap counts where every pairing of repeated runs saved it,
    # and as the least of those drops; one run a side (no `heap_bytes_least`) is noise.
    assert _exclusive({"modules": 0, "heap_bytes": 3000, "heap_bytes_least": 2048,
                       "time_ns": 1}, "m") == "; for `import m` it saves 0 module(s), 2.00 KiB heap"
    assert _exclusive({"modules": 0, "heap_bytes": 2048, "time_ns": 1}, "m") == (
        "; for `import m` it saves nothing measured: no saving")


def test_a_proven_rewrite_that_measures_no_saving_says_so() -> None:
    from pathlib import Path

    from importaudit.fix.output import _exclusive, _summary
    from importaudit.fix.result import FixResult, Rewrite

    nothing = {"modules": 0, "heap_bytes": -48, "time_ns": 10}
    assert _exclusive(nothing, "pkg.helper") == (
        "; for `import pkg.helper` it saves nothing measured: no saving")
    rewrites = (Rewrite("pkg.helper", Path("pkg/helper.py"), "a", "b", ("IA103",),
                        exclusive=nothing),
                Rewrite("pkg.user", Path("pkg/user.py"), "a", "b", ("IA103",),
                        exclusive={"modules": 3, "heap_bytes": 900, "time_ns": 1}))
    assert _summary(FixResult(rewrites)) == (
        "2 rewrite(s) proposed, 2 passed the proof, 1 of them measured saving nothing\n")


def test_a_diff_of_a_file_outside_the_current_folder_has_git_style_headers() -> None:
    from pathlib import Path

    from importaudit.fix.output import unified_diff
    from importaudit.fix.result import Rewrite

    rewrite = Rewrite("pkg", Path("/tmp/pkg/__init__.py"), "import json\n", "x = 1\n")
    headers = unified_diff(rewrite, "/tmp/pkg/__init__.py").splitlines()[:2]
    assert headers == ["--- a/tmp/pkg/__init__.py", "+++ b/tmp/pkg/__init__.py"]
    inside = unified_diff(rewrite, "pkg/__init__.py").splitlines()[:2]
    assert inside == ["--- a/pkg/__init__.py", "+++ b/pkg/__init__.py"]


def test_what_was_left_is_said_once_per_reason() -> None:
    # `fix sqlalchemy` listed 79 lines, one per name that saves nothing, and one per
    # conditional import of util/typing.py.
    from importaudit.fix.lazy_init import Refusal
    from importaudit.fix.output import left_lines

    def stays(file: str, name: str, why: str) -> Refusal:
        return Refusal("m", file, None, f"{name} stays: {why}", name)

    typing_pkg = "saves nothing: sa.util.typing is loaded anyway by sa.orm"
    conditional = "conditional import (under if/try/with): decided at import time"
    refusals = [
        stays("orm/attributes.py", "Self", typing_pkg),
        stays("orm/context.py", "TupleAny", typing_pkg),
        stays("orm/context.py", "Unpack", typing_pkg),
        stays("ext/serializer.py", "b64decode", "saves nothing: sa.util is loaded anyway "
              "by sa.ext"),
        stays("ext/serializer.py", "b64encode", "saves nothing: sa.util is loaded anyway "
              "by sa.ext"),
        *(Refusal("sa.util.typing", "util/typing.py", line, conditional)
          for line in (43, 46, 47, 48, 53)),
        Refusal("sa.sql.sqltypes", "sql/sqltypes.py", 19,
                "pickle stays at module level: a default argument uses it (line 2049)",
                "pickle"),
    ]
    assert left_lines(refusals) == [
        f"  {typing_pkg}:",
        "    orm/attributes.py: Self",
        "    orm/context.py: TupleAny, Unpack",
        "  ext/serializer.py: b64decode, b64encode stay: saves nothing: sa.util is loaded "
        "anyway by sa.ext",
        f"  util/typing.py:43, 46-48, 53: {conditional}",
        "  sql/sqltypes.py:19: pickle stays at module level: a default argument uses it "
        "(line 2049)",
    ]
    one = left_lines([stays("a.py", "helper", "saves nothing: x is loaded anyway by y")])
    assert one == ["  a.py: helper stays: saves nothing: x is loaded anyway by y"]


def test_a_name_left_at_two_lines_stays_and_a_statement_is_not_shown_as_a_name() -> None:
    from importaudit.fix.lazy_init import Refusal
    from importaudit.fix.output import left_lines

    assert left_lines([Refusal("m", "a.py", 3, "X stays: w", "X"),
                       Refusal("m", "a.py", 9, "X stays: w", "X")]) == ["  a.py:3, 9: X stays: w"]
    assert left_lines([Refusal("m", "a.py", 3, "X stays: w", "X"),
                       Refusal("m", "a.py", 9, "w")]) == ["  a.py:3: X stays: w", "  a.py:9: w"]


def measured(median: int, fastest: int, slowest: int, runs: int = 5) -> Report:
    """A report of importing `pkg`: its median, fastest and slowest run, and how many."""
    from importaudit.model import ModuleRecord, Report

    root = ModuleRecord("pkg", cumulative_ns=median, cumulative_ns_min=fastest,
                        cumulative_ns_max=slowest, runs=runs)
    return Report(targets=("pkg",), tool_version="0", created_at="now", modules=(root,))


def test_a_time_saving_is_shown_only_when_every_run_beat_every_other() -> None:
    # fix tornado printed "time 58.7 ms 49.3 ms 16%" for an import that loaded the same
    # 25 modules before and after: the medians moved, the runs overlapped.
    from importaudit.fix.output import _time_row

    ms = 1_000_000
    before = measured(58 * ms, 45 * ms, 70 * ms)
    overlapping = measured(49 * ms, 44 * ms, 61 * ms)
    assert _time_row(before, overlapping, 58 * ms, 49 * ms) == (
        "  time         58.0 ms     49.0 ms  within noise (the runs overlap)")
    faster = measured(30 * ms, 28 * ms, 33 * ms)
    assert _time_row(before, faster, 58 * ms, 30 * ms).endswith("48%")
    slower = measured(90 * ms, 80 * ms, 99 * ms)
    assert _time_row(before, slower, 58 * ms, 90 * ms).endswith("-55%")
    # One run each says nothing about the spread: no saving claimed.
    assert _time_row(measured(58 * ms, 58 * ms, 58 * ms, runs=1),
                     measured(30 * ms, 30 * ms, 30 * ms, runs=1), 58 * ms, 30 * ms).endswith(
        "not judged (one run has no spread: use --repeat)")


def test_the_json_says_whether_the_time_saving_is_beyond_the_noise() -> None:
    # The text said "within noise" for tornado while the JSON's `saving.time_ns` said
    # 16% with nothing beside it: a reader of the JSON took noise for a saving.
    from importaudit.fix.output import to_dict
    from importaudit.fix.result import FixResult

    ms = 1_000_000
    before = measured(58 * ms, 45 * ms, 70 * ms)
    cases = [(measured(49 * ms, 44 * ms, 61 * ms), "within-noise"),
             (measured(30 * ms, 28 * ms, 33 * ms), "faster"),
             (measured(90 * ms, 80 * ms, 99 * ms), "slower"),
             (measured(30 * ms, 30 * ms, 30 * ms, runs=1), "not-judged")]
    for after, verdict in cases:
        cost = to_dict(FixResult(before=before, after=after))["cost"]
        assert cost["time"]["verdict"] == verdict
        assert cost["time"]["before"] == {"fastest_ns": 45 * ms, "slowest_ns": 70 * ms,
                                          "runs": 5}
    noisy = to_dict(FixResult(before=before, after=cases[0][0]))["cost"]
    assert noisy["saving"]["time_ns"] == 0.1552  # the medians' ratio, as before
    assert noisy["time"]["after"] == {"fastest_ns": 44 * ms, "slowest_ns": 61 * ms, "runs": 5}
    assert to_dict(FixResult())["cost"]["time"] is None


def test_a_summary_where_every_proven_rewrite_saves_nothing_says_none_is_offered() -> None:
    # pendulum and markdown: "0 rewrite(s) proposed" next to "proven, but not offered".
    from pathlib import Path

    from importaudit.fix.compat import VersionCheck
    from importaudit.fix.lazy_init import Refusal
    from importaudit.fix.output import _summary, render_text
    from importaudit.fix.result import FixResult, Rewrite

    left = Refusal("pkg", "pkg/__init__.py", None,
                   "proven, but not offered: for `import pkg` it saves nothing measured")
    idle = FixResult(refusals=(left,), not_offered=("pkg",), versions=VersionCheck())
    assert _summary(idle) == ("1 rewrite(s) proven, none offered: it saves nothing measured "
                              "(see \"Left as it was\")\n")
    shown = io.StringIO()
    render_text(idle, shown)
    assert "proposed" not in shown.getvalue() and "compiled on none" not in shown.getvalue()
    both = dataclasses.replace(idle, not_offered=("pkg", "pkg.sub"))
    assert _summary(both).startswith("2 rewrite(s) proven, none offered: each saves nothing")
    offered = Rewrite("pkg.user", Path("pkg/user.py"), "a", "b", ("IA103",),
                      exclusive={"modules": 3, "heap_bytes": 900, "time_ns": 1})
    assert _summary(dataclasses.replace(idle, rewrites=(offered,))) == (
        "1 rewrite(s) proposed, 1 passed the proof; 1 more proven but not offered: saving "
        "nothing measured\n")


def test_a_summary_with_nothing_proposed_says_why() -> None:
    # `importaudit fix fix_idle` (without its sub package) printed "0 rewrite(s)
    # proposed" and nothing more: nothing found, or everything refused?
    from importaudit.fix.lazy_init import Refusal
    from importaudit.fix.output import _summary, to_dict
    from importaudit.fix.result import FixResult

    found = FixResult(nothing_found="the review (IA101) found no import in pkg whose "
                                    "rewrite would save anything measurable")
    assert _summary(found) == ("0 rewrite(s) proposed: the review (IA101) found no import "
                               "in pkg whose rewrite would save anything measurable\n")
    assert to_dict(found)["nothing_found"] == found.nothing_found
    refused = FixResult(refusals=(Refusal("pkg", "pkg/__init__.py", 3, "conditional"),))
    assert _summary(refused) == ("0 rewrite(s) proposed: what the review found was left as "
                                 "it was (see \"Left as it was\")\n")


def test_a_lazy_init_kept_partly_eager_for_a_cycle_is_offered_only_when_worth_it() -> None:
    # alembic.ddl: with postgresql kept eager for the import cycle, the proven rest saved
    # 4 modules and 127 KiB, where the review says "too little to offer" (below LOW);
    # fix offered it all the same.
    from pathlib import Path

    from importaudit.fix.lazy_init import Refusal
    from importaudit.fix.output import _summary, not_worth, too_little
    from importaudit.fix.result import FixResult, Rewrite

    small = Rewrite("pkg.ddl", Path("pkg/ddl/__init__.py"), "a", "b", ("IA101",),
                    ("mssql",), kept_for_order=("postgresql",),
                    exclusive={"modules": 4, "heap_bytes": 130_000, "time_ns": 10})
    assert too_little(small)
    assert not_worth(small) == (
        "proven, but not offered: with postgresql kept eager for the import cycle, for "
        "`import pkg.ddl` it saves only 4 module(s), no heap saving clear of the runs' "
        "spread: too little to offer (below LOW, as the review grades it)")
    settled = dataclasses.replace(small, exclusive={**(small.exclusive or {}),
                                                    "heap_bytes_least": 130_000})
    assert too_little(settled) and "saves only 4 module(s), 127 KiB heap: too" in not_worth(
        settled)
    # A heap drop that earns LOW in every pairing of the runs makes it worth offering;
    # the same figure from one run a side does not.
    heavy = {"modules": 4, "heap_bytes": 300_000, "time_ns": 10}
    assert too_little(dataclasses.replace(small, exclusive=heavy))
    assert not too_little(dataclasses.replace(
        small, exclusive={**heavy, "heap_bytes_least": 280_000}))
    # As much saved by a rewrite that kept nothing eager for a cycle is offered, and so
    # is a rest that earns LOW (5 modules).
    assert not too_little(dataclasses.replace(small, kept_for_order=()))
    assert not too_little(dataclasses.replace(small, exclusive={"modules": 5}))
    left = Refusal("pkg.ddl", "pkg/ddl/__init__.py", None, not_worth(small))
    assert _summary(FixResult(refusals=(left,), not_offered=("pkg.ddl",))) == (
        "1 rewrite(s) proven, none offered: it saves nothing measured, or too little "
        "(see \"Left as it was\")\n")
