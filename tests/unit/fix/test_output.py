"""What `fix` prints: each rewrite's own saving, and its diff."""

from __future__ import annotations


def test_a_rewrite_that_alone_loads_more_says_it_costs_not_saves_a_negative() -> None:
    from importaudit.fix.output import _exclusive

    assert _exclusive({"modules": 88, "heap_bytes": 5 * 1024 * 1024, "time_ns": 1}) == (
        "; alone it saves 88 module(s), 5.00 MiB heap")
    # The legacy twin's risk_management.metrics: its parent still imports everything,
    # and the shared lazy helper is one module more.
    assert _exclusive({"modules": -1, "heap_bytes": -2048, "time_ns": 1}) == (
        "; alone it costs 1 more module(s), 2.00 KiB more heap")
    assert _exclusive({"modules": 0, "heap_bytes": -2048, "time_ns": 1}) == (
        "; alone it saves 0 module(s) but costs 2.00 KiB more heap")


def test_a_diff_of_a_file_outside_the_current_folder_has_git_style_headers() -> None:
    from pathlib import Path

    from importaudit.fix.output import unified_diff
    from importaudit.fix.result import Rewrite

    rewrite = Rewrite("pkg", Path("/tmp/pkg/__init__.py"), "import json\n", "x = 1\n")
    headers = unified_diff(rewrite, "/tmp/pkg/__init__.py").splitlines()[:2]
    assert headers == ["--- a/tmp/pkg/__init__.py", "+++ b/tmp/pkg/__init__.py"]
    inside = unified_diff(rewrite, "pkg/__init__.py").splitlines()[:2]
    assert inside == ["--- a/pkg/__init__.py", "+++ b/pkg/__init__.py"]
