"""Sharded measurement end to end: docs/sharding.md's CI example, run as written.

The GitHub Actions example's `run:` steps are read from the page and run on a package
built in tmp_path: each shard as its own `importaudit` process, all at once (as the
matrix's machines would), then the merge and the gate. The merged report must hold
exactly the modules of an unsharded run, and `check --from` must judge it. The
`--tree` split, the empty shard and bad `--shard` values are checked on the same
package through the CLI.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from importaudit.cli import cli

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent / "importaudit"
PACKAGE = {
    "shardpkg/__init__.py": "",
    "shardpkg/common.py": "import fractions\n",
    "shardpkg/alpha.py": "import json\n\nfrom shardpkg import common\n",
    "shardpkg/beta.py": "from shardpkg.common import fractions\n",
    "shardpkg/gamma.py": "import decimal\n",
    "shardpkg/sub/__init__.py": "",
    "shardpkg/sub/delta.py": "import shardpkg.alpha\nimport textwrap\n",
    "shardpkg/sub/epsilon.py": "import string\n",
    # a subpackage that needs what is not installed: the walk skips it and its modules
    "shardpkg/extra/__init__.py": "import not_installed_anywhere\n",
    "shardpkg/extra/inner.py": "import csv\n",
}
WALK = sorted(n.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
              for n in PACKAGE)
# What the user's pyproject says; the examples take the targets from it for the gate.
PYPROJECT = '[tool.importaudit]\ntargets = ["shardpkg"]\nrepeat = 1\n'
# Speed on 2 shared cores: one measured run, no heap run (the flags a user may add).
QUICK = ["--repeat", "1", "--no-memory"]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, text in PACKAGE.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("IMPORTAUDIT_")] + ["GITHUB_ACTIONS"]:
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def github_example() -> tuple[list[int], list[str]]:
    """(the matrix's shard values, the importaudit commands of its `run:` steps)."""
    text = (ROOT / "docs" / "sharding.md").read_text()
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if "matrix" in b)
    shards = json.loads(re.search(r"shard: (\[.*?\])", block).group(1))  # type: ignore[union-attr]
    runs = [line.split("run:", 1)[1].strip() for line in block.splitlines()
            if "run: importaudit" in line]
    return shards, runs


def argv(command: str, project: Path, shard: int | None = None) -> list[str]:
    """A `run:` line as a process's argv, in the test's project (shell globs expanded)."""
    if shard is not None:
        command = command.replace("${{ matrix.shard }}", str(shard))
    words = shlex.split(command.replace("mypkg", "shardpkg"))
    expanded: list[str] = []
    for word in words:
        expanded += sorted(str(p.name) for p in project.glob(word)) if "*" in word else [word]
    return [str(BIN), *expanded[1:]]


def run(args: list[str], project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=project, capture_output=True, text=True, timeout=600,
                          check=False)


def names(path: Path) -> set[str]:
    return {m["name"] for m in json.loads(path.read_text())["modules"]}


def test_the_github_actions_example_runs_and_merges_to_the_unsharded_module_set(
        project: Path) -> None:
    shards, (measure, merge, gate) = github_example()
    assert len(shards) == 4
    # the matrix: every shard its own process, all running at the same time
    procs = [subprocess.Popen([*argv(measure, project, i), *QUICK], cwd=project,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in shards]
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
    merged = run(argv(merge, project), project)
    assert merged.returncode == 0, merged.stderr
    all_json = json.loads((project / "all.json").read_text())
    assert [s["meta"]["shard"]["index"] for s in all_json["meta"]["shards"]] == [1, 2, 3, 4]

    whole = run([str(BIN), "profile", "--isolated", "shardpkg", *QUICK, "-o", "whole.json"],
                project)
    assert whole.returncode == 0, whole.stderr
    assert names(project / "all.json") == names(project / "whole.json")
    measured = {m["name"] for m in all_json["modules"] if not m["preloaded"]}
    assert {"shardpkg", "shardpkg.sub.delta", "shardpkg.common"} <= measured
    # each of the package's modules came from the shard whose part held it
    owner = {name: s["meta"]["shard"]["index"] for s in all_json["meta"]["shards"]
             for name in s["meta"]["shard"]["modules"]}
    assert {m["name"]: m["shard"] for m in all_json["modules"] if m["name"] in owner} == owner

    judged = run(argv(gate, project), project)
    assert judged.returncode == 0, judged.stdout + judged.stderr
    assert "verdict: passed" in judged.stdout


def cli_run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_tree_shards_merge_to_the_unsharded_tree_and_keep_one_record_per_module(
        project: Path) -> None:
    for i in (1, 2):
        code, _, err = cli_run("profile", "--tree", "shardpkg", "--shard", f"{i}/2", *QUICK,
                               "-o", f"t{i}.json")
        assert code == 0, err
    code, _, err = cli_run("report", "merge", "t2.json", "t1.json", "-o", "tree.json")
    assert code == 0, err
    code, _, err = cli_run("profile", "--tree", "shardpkg", *QUICK, "-o", "whole.json")
    assert code == 0, err
    assert names(project / "tree.json") == names(project / "whole.json")
    merged = json.loads((project / "tree.json").read_text())
    assert len(merged["modules"]) == len(names(project / "tree.json"))
    # review and check judge the merged report
    code, out, _ = cli_run("review", "shardpkg", "--from", "tree.json", "--fail-on", "never")
    assert code == 0, out
    code, out, _ = cli_run("check", "--from", "tree.json", "--tree")
    assert code == 0, out
    # with no targets configured, check --from judges the report's own
    (project / "bare.toml").write_text("[tool.importaudit]\n")
    code, out, _ = cli_run("check", "--from", "tree.json", "--config", "bare.toml")
    assert code == 0, out
    assert out.startswith("importaudit check: shardpkg")


def test_a_shard_leaves_the_modules_of_a_failed_package_alone_as_the_whole_walk_does(
        project: Path) -> None:
    from importaudit.shard import split

    # a count that puts the failing package and its submodule in different shards
    count = next(n for n in range(2, 9)
                 if not any({"shardpkg.extra", "shardpkg.extra.inner"} <= set(p)
                            for p in split(WALK, n)))
    for i in range(1, count + 1):
        code, _, err = cli_run("profile", "--tree", "shardpkg", "--shard", f"{i}/{count}",
                               *QUICK, "-o", f"x{i}.json")
        assert code == 0, err
    code, _, err = cli_run("report", "merge", *(f"x{i}.json" for i in range(1, count + 1)),
                           "-o", "x.json")
    assert code == 0, err
    assert cli_run("profile", "--tree", "shardpkg", *QUICK, "-o", "whole.json")[0] == 0
    whole = json.loads((project / "whole.json").read_text())
    merged = json.loads((project / "x.json").read_text())
    assert [s["name"] for s in merged["skipped"]] == [s["name"] for s in whole["skipped"]] \
        == ["shardpkg.extra"]
    assert names(project / "x.json") == names(project / "whole.json")


def test_an_empty_shard_says_so_and_writes_a_valid_empty_report(project: Path) -> None:
    # 10 modules in the walk, 12 shards: at least two get none
    empty = None
    for i in range(1, 13):
        code, _, err = cli_run("profile", "--tree", "shardpkg", "--shard", f"{i}/12",
                               *QUICK, "-o", f"e{i}.json")
        assert code == 0, err
        if not json.loads((project / f"e{i}.json").read_text())["meta"]["shard"]["modules"]:
            empty = i
            assert "got none of the 10 modules" in err
    assert empty is not None
    report = json.loads((project / f"e{empty}.json").read_text())
    assert report["modules"] == []
    code, _, err = cli_run("report", "merge", *(f"e{i}.json" for i in range(1, 13)),
                           "-o", "m.json")
    assert code == 0, err
    code, _, err = cli_run("profile", "--tree", "shardpkg", *QUICK, "-o", "whole.json")
    assert names(project / "m.json") == names(project / "whole.json")


def test_an_empty_isolated_shard_measures_nothing_after_its_listing(project: Path) -> None:
    from importaudit.shard import split

    # the listing loads the walk but the package that fails (skipped, not measured)
    listed = [m for m in WALK if not m.startswith("shardpkg.extra")]
    index = next(i for i, part in enumerate(split(listed, 12), 1) if not part)
    code, _, err = cli_run("profile", "--isolated", "shardpkg", "--shard", f"{index}/12",
                           *QUICK, "-o", "empty.json")
    assert code == 0, err
    assert f"shard {index}/12 got none of the 8 modules" in err
    report = json.loads((project / "empty.json").read_text())
    assert report["modules"] == [] and report["meta"]["shard"]["total"] == 8


@pytest.mark.parametrize("value", ["0/2", "3/2", "x"])
def test_a_bad_shard_value_is_a_one_line_usage_error(project: Path, value: str) -> None:
    for command in (["profile", "--tree", "shardpkg"], ["check", "--tree"],
                    ["review", "shardpkg"]):
        code, _, err = cli_run(*command, "--shard", value)
        assert code == 2
        assert err.count("\n") == 1 and f"--shard {value!r}" in err


def test_merging_reports_of_two_splits_is_an_error(project: Path) -> None:
    for spec, name in (("1/2", "a.json"), ("2/3", "b.json")):
        assert cli_run("profile", "--tree", "shardpkg", "--shard", spec, *QUICK,
                       "-o", name)[0] == 0
    code, _, err = cli_run("report", "merge", "a.json", "b.json")
    assert code == 2 and "not shards of one split" in err
    code, _, err = cli_run("report", "merge", "a.json")
    assert code == 2 and "shard 2 of 2 missing" in err


def test_weighted_shards_split_by_the_previous_reports_costs(project: Path) -> None:
    from importaudit.baseline import load
    from importaudit.shard import report_weights, split

    code, _, err = cli_run("profile", "--isolated", "shardpkg", *QUICK, "-o", "before.json")
    assert code == 0, err
    weights = report_weights(load("before.json").report)
    parts = []
    for i in (1, 2):
        code, _, err = cli_run("profile", "--isolated", "shardpkg", "--shard", f"{i}/2",
                               "--shard-weights", "before.json", *QUICK, "-o", f"w{i}.json")
        assert code == 0, err
        shard = json.loads((project / f"w{i}.json").read_text())["meta"]["shard"]
        assert shard["basis"].startswith("weights ")
        parts.append(tuple(shard["modules"]))
    listed = [m for part in parts for m in part]
    assert {frozenset(p) for p in parts} == {frozenset(p) for p in split(listed, 2, weights)}
    assert cli_run("report", "merge", "w1.json", "w2.json", "-o", "w.json")[0] == 0
    assert names(project / "w.json") == names(project / "before.json")
    code, _, err = cli_run("profile", "--isolated", "shardpkg", "--shard-weights",
                           "before.json")
    assert code == 2 and "give --shard I/N too" in err


def test_check_and_review_measure_one_shard(project: Path) -> None:
    code, out, err = cli_run("check", "--tree", "--shard", "2/3",
                             "--format", "json", *QUICK)
    assert code == 0, out + err
    report = json.loads(out)
    shard = report["meta"]["shard"]
    assert (shard["index"], shard["count"]) == (2, 3)
    assert report["verdict"]["passed"]
    code, out, err = cli_run("review", "shardpkg", "--shard", "1/3", "--format", "json",
                             "--fail-on", "never", *QUICK)
    assert code == 0, err
    assert json.loads(out)["meta"]["shard"]["index"] == 1


def test_a_cancelled_shard_is_merged_only_as_partial_and_never_judged(project: Path) -> None:
    # A shard's job cancelled mid-run writes a report marked interrupted (see
    # test_interrupts); the merge must not pass it off as whole, nor the gate judge it.
    for i in (1, 2):
        code, _, err = cli_run("profile", "--tree", "shardpkg", "--shard", f"{i}/2", *QUICK,
                               "-o", f"t{i}.json")
        assert code == 0, err
    cut = json.loads((project / "t2.json").read_text())
    cut["meta"]["interrupted"] = "SIGTERM"
    (project / "t2.json").write_text(json.dumps(cut))
    code, _, err = cli_run("report", "merge", "t1.json", "t2.json", "-o", "all.json")
    assert code == 2
    assert "t2.json (shard 2) was interrupted by SIGTERM" in err
    code, _, err = cli_run("report", "merge", "t1.json", "t2.json", "--partial",
                           "-o", "all.json")
    assert code == 0, err
    assert json.loads((project / "all.json").read_text())["meta"]["interrupted"] == "SIGTERM"
    for command in (["check", "--from", "all.json"],
                    ["review", "shardpkg", "--from", "all.json", "--fail-on", "never"],
                    ["baseline", "save", "--from", "all.json"],
                    # nor is it the reference a whole run is compared with
                    ["check", "--from", "t1.json", "--baseline", "all.json"],
                    ["baseline", "diff", "all.json", "t1.json"],
                    ["baseline", "diff", "t1.json", "all.json"]):
        code, _, err = cli_run(*command)
        assert code == 2, (command, err)
        assert "interrupted by SIGTERM: it holds only what was measured" in err, command
    code, out, _ = cli_run("report", "all.json")  # it can still be read, and says so
    assert code == 0
    assert "partial merge: t2.json (shard 2) was interrupted by SIGTERM" in out
