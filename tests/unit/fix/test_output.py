"""What `fix` prints: each rewrite's own saving, and its diff."""

from __future__ import annotations


def test_a_rewrite_that_alone_loads_more_says_it_costs_not_saves_a_negative() -> None:
    from importaudit.fix.output import _exclusive

    assert _exclusive({"modules": 88, "heap_bytes": 5 * 1024 * 1024, "time_ns": 1},
                      "m") == "; for `import m` it saves 88 module(s), 5.00 MiB heap"
    # The legacy twin's risk_management.metrics: its parent still imports everything,
    # and the shared lazy helper is one module more.
    assert _exclusive({"modules": -1, "heap_bytes": -2048, "time_ns": 1}, "m") == (
        "; for `import m` it costs 1 more module(s), 2.00 KiB more heap")
    assert _exclusive({"modules": 0, "heap_bytes": 2048, "time_ns": 1}, "m") == (
        "; for `import m` it saves 0 module(s), 2.00 KiB heap")


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
