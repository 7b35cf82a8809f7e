"""GitHub Actions output: escaped workflow commands and the Markdown job summary."""

from __future__ import annotations

import io
from pathlib import Path

from gate_samples import judged

from importaudit.model import Violation
from importaudit.render import RenderOptions, get_renderer
from importaudit.render.github import annotation, summary_markdown, write_summary


def test_annotations_carry_file_line_and_escaped_text(monkeypatch, tmp_path):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    stream = io.StringIO()
    get_renderer("github")(judged(), stream, RenderOptions())
    lines = stream.getvalue().splitlines()
    forbidden = next(line for line in lines if "forbidden" in line)
    assert forbidden.startswith("::error file=pkg/util.py,line=7,title=importaudit forbidden%3A ")
    assert "%0Achain: pkg -> pkg.core -> pkg.util -> numpy" in forbidden
    assert any(line.startswith("::warning title=importaudit::ignore pattern") for line in lines)
    assert lines[-1] == "::notice title=importaudit::check FAILED: 3 violations in 5 checks of pkg"


def test_special_characters_cannot_break_out_of_a_command():
    v = Violation(check="forbidden", subject="a,b", message="100% bad\nnext: line",
                  file="x:y.py", line=3)
    line = annotation(v, Path("/"))
    assert line == ("::error file=x%3Ay.py,line=3,title=importaudit forbidden%3A a%2Cb"
                    "::100%25 bad%0Anext: line")


def test_summary_is_appended_to_the_step_summary_file(tmp_path):
    path = tmp_path / "summary.md"
    path.write_text("earlier step\n")
    assert write_summary(judged(), {"GITHUB_STEP_SUMMARY": str(path)})
    text = path.read_text()
    assert text.startswith("earlier step\n## :x: importaudit check FAILED")
    assert "| :x: | forbidden | `pkg -> numpy` | importing pkg loads forbidden numpy" in text
    assert "| :fast_forward: | budget.max_heap_bytes | `pkg` |" in text
    assert not write_summary(judged(), {})


def test_summary_of_a_passing_run():
    text = summary_markdown(judged(passing=True))
    assert text.startswith("## :white_check_mark: importaudit check passed")
    assert ":x:" not in text
