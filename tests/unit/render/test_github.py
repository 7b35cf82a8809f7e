"""GitHub Actions output: escaped workflow commands and the Markdown job summary."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

from gate_samples import judged

from importaudit.model import Finding, Severity, Violation
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


def test_findings_and_the_runs_notes_are_annotated(monkeypatch):
    # `review --format github` printed only "no gate verdict", and no format but the
    # terminal showed a `--from` run's notes (the graph read with another interpreter).
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    fallback = ("the report was measured with /gone/python, which is not here: its "
                "targets were looked up on the sys.path of /usr/bin/python3 (give --python)")
    base = judged(passing=True)
    assert base.meta is not None
    finding = Finding(code="IA501", title="Import used only in annotations runs at import time",
                      severity=Severity.MEDIUM, module="pkg.core",
                      message="pkg.core imports numpy only for annotations.",
                      fix="Move the import under `if TYPE_CHECKING:`.\n\nif TYPE_CHECKING: ...",
                      file="pkg/core.py", line=4)
    reviewed = dataclasses.replace(base, verdict=None, findings=(finding,),
                                   meta=dataclasses.replace(base.meta, notes=(fallback,)))
    stream = io.StringIO()
    get_renderer("github")(reviewed, stream, RenderOptions())
    commands = [parse(line) for line in stream.getvalue().splitlines()]
    assert commands[0] == ("warning", {"file": "pkg/core.py", "line": "4", "title":
                           "importaudit IA501: Import used only in annotations runs at "
                           "import time"},
                           "pkg.core imports numpy only for annotations.\n"
                           "fix: Move the import under `if TYPE_CHECKING:`.")
    assert ("notice", {"title": "importaudit note"}, fallback) in commands
    assert commands[-1] == ("notice", {"title": "importaudit"},
                            "review: 1 finding(s) in pkg")
    summary = summary_markdown(reviewed)
    assert "- **MEDIUM** IA501 `pkg.core` line 4: Import used only in annotations" in summary
    assert f"### Notes\n\n- {fallback}" in summary


def parse(line: str) -> tuple[str, dict[str, str], str]:
    """A workflow command read back as GitHub does: (command, properties, message)."""
    def unescape(text: str) -> str:
        for code, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","),
                           ("%25", "%")):
            text = text.replace(code, char)
        return text

    head, _, message = line[2:].partition("::")
    command, _, props = head.partition(" ")
    pairs = (p.split("=", 1) for p in props.split(",") if p)
    return command, {k: unescape(v) for k, v in pairs}, unescape(message)
