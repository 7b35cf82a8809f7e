"""The README's examples hold: graph and cycles commands that name this repository's code
run as shown, the configuration examples load (the full one in docs/configuration.md
shows every key), docs/ci.md's pre-commit example names hooks we ship, and every
relative link of the README, the changelog and docs/ reaches a file and heading.

They are what a new user types first, from the repo root; an example that exits 2 there
(a target not found) teaches nothing. Examples naming placeholders (`mypkg`, `src/`)
are left out.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from importaudit import config
from importaudit.cli import cli

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDERS = {"mypkg", "src/", "pkg"}


def examples() -> list[tuple[list[str], str]]:
    """(argv after `importaudit`, the comment) of each runnable graph/cycles example."""
    text = (ROOT / "README.md").read_text()
    found = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        comment = ""
        for line in block.splitlines():
            if line.startswith("#"):
                comment = line
                continue
            command, _, said = line.partition("#")
            argv = shlex.split(command)
            if argv[:1] == ["importaudit"] and argv[1:2] in (["graph"], ["cycles"]) \
                    and not PLACEHOLDERS & set(argv):
                found.append((argv[1:], (said or comment).strip()))
            comment = ""
    return found


@pytest.mark.parametrize(("argv", "said"), examples(),
                         ids=[" ".join(argv) for argv, _ in examples()])
def test_the_example_runs_from_the_repo_root(argv: list[str], said: str, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    # A file the example writes (-o imports.dot) goes to tmp_path, not into the checkout.
    argv = [str(tmp_path / Path(a).name) if i and argv[i - 1] in ("-o", "--output") else a
            for i, a in enumerate(argv)]
    result = CliRunner().invoke(cli, [*argv, "--no-cache"])
    expected = 1 if "exit 1" in said else 0
    assert result.exit_code == expected, result.output


def test_the_legacy_cycles_example_is_among_them() -> None:
    commands = [" ".join(argv) for argv, _ in examples()]
    assert any(c.startswith("cycles tests/fixtures/legacy/risk_management") for c in commands)


def _toml_example(page: str) -> str:
    """The first `toml` block of `page`."""
    found = re.search(r"```toml\n(.*?)```", (ROOT / page).read_text(), re.S)
    assert found is not None, page
    return found.group(1)


def test_the_readme_configuration_example_loads(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(_toml_example("README.md"))
    loaded = config.load(start=tmp_path, env={})
    assert loaded.budgets and loaded.forbidden and loaded.targets == ("risk_management",)


def test_the_full_configuration_example_loads_and_names_every_key(tmp_path: Path) -> None:
    """docs/configuration.md's `[tool.importaudit]` example is valid and documents every key."""
    page = "docs/configuration.md"
    (tmp_path / "pyproject.toml").write_text(_toml_example(page))
    loaded = config.load(start=tmp_path, env={})
    assert loaded.budgets and loaded.forbidden and loaded.contracts.layers
    text = (ROOT / page).read_text()
    keys = [*config.ALL_KEYS, *config._TOLERANCE, *config._BUDGET]
    def shown(key: str) -> bool:  # in backticks, set in the example, or a table's header
        return re.search(rf"`{key}`|\b{key} =|\.{key}\]", text) is not None

    assert [k for k in keys if not shown(k)] == []


def test_the_pre_commit_example_names_the_hooks_we_ship() -> None:
    """docs/ci.md's pre-commit config uses hook ids `.pre-commit-hooks.yaml` defines,
    each running the command its comment says."""
    shipped = dict(re.findall(r"^- id: (\S+)\n(?:  .*\n)*?  entry: (.+)$",
                              (ROOT / ".pre-commit-hooks.yaml").read_text(), re.M))
    used = re.findall(r"- id: (\S+)\s+# (importaudit check[^,\n]*)",
                      (ROOT / "docs" / "ci.md").read_text())
    assert used, "no hooks in docs/ci.md"
    assert [(hook, shipped.get(hook)) for hook, _ in used] == [
        (hook, said.strip()) for hook, said in used]


def _anchor(heading: str) -> str:
    """GitHub's anchor of a Markdown heading: lower case, punctuation but - and _ dropped."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize("page", ["README.md", "CHANGELOG.md",
                                  *sorted(p.relative_to(ROOT).as_posix()
                                          for p in (ROOT / "docs").glob("*.md"))])
def test_relative_links_reach_a_file_and_heading(page: str) -> None:
    source = ROOT / page
    for target in re.findall(r"\]\(([^)#:]*)(?:#([^)]*))?\)", source.read_text()):
        path, anchor = target
        file = (source.parent / path).resolve() if path else source
        assert file.exists(), f"{page}: {path}"
        if anchor:
            headings = re.findall(r"^#+ (.*)$", file.read_text(), re.M)
            assert anchor in {_anchor(h) for h in headings}, f"{page}: {path}#{anchor}"
