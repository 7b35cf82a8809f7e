"""The verdict as text: each failure with its measured value, limit and chain."""

from __future__ import annotations

import io

from gate_samples import judged

from importaudit.render import RenderOptions, get_renderer
from importaudit.render.terminal_verdict import render


def text(report_, **options) -> str:
    stream = io.StringIO()
    render(report_, stream, RenderOptions(**options))
    return stream.getvalue()


def test_failures_warnings_and_skips_in_plain_text():
    out = text(judged())
    assert "\x1b[" not in out  # piped: no colour codes
    lines = out.splitlines()
    assert lines[0] == "verdict: FAILED - 3 violations in 5 checks (1 skipped)"
    assert ("  FAIL forbidden pkg -> numpy: importing pkg loads forbidden numpy "
            "(via pkg -> pkg.core -> pkg.util -> numpy)") in lines
    assert "       at pkg/util.py:7" in lines
    assert any(line.startswith("  skip budget.max_heap_bytes[pkg]: not measured") for line in lines)
    assert "  - ignore pattern 'never.*' matches no module any more: remove it" in lines
    assert not any(line.startswith("  ok ") for line in lines)


def test_verbose_lists_passed_checks_and_color_is_opt_in():
    assert "  ok   forbidden[pkg -> pandas]: pandas not loaded" in text(judged(), verbosity=1)
    assert "\x1b[" in text(judged(), color=True)


def test_terminal_renderer_draws_the_verdict_section():
    stream = io.StringIO()
    get_renderer("text")(judged(passing=True), stream, RenderOptions(command="check"))
    assert "verdict: passed - 0 violations in 5 checks (1 skipped)" in stream.getvalue()
