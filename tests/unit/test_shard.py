"""The split of a module list into shards (`importaudit.shard`): pure, stable, balanced."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from importaudit.errors import EXIT_USAGE, UsageError
from importaudit.model import ModuleRecord, Report, RunMeta
from importaudit.shard import ShardPlan, parse_shard, report_weights, split, with_ancestors

MODULES = [f"pkg.sub{i // 10}.mod{i}" for i in range(97)]


@pytest.mark.parametrize(("text", "expected"), [("1/1", (1, 1)), ("3/4", (3, 4))])
def test_parse_shard_reads_i_of_n(text: str, expected: tuple[int, int]) -> None:
    assert parse_shard(text) == expected


@pytest.mark.parametrize("text", ["0/2", "3/2", "x", "1/0", "1/", "/2", "-1/2", "1/2/3"])
def test_parse_shard_refuses_what_is_not_i_of_n(text: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_shard(text)
    assert info.value.exit_status == EXIT_USAGE


def test_the_name_split_is_a_partition_balanced_in_count() -> None:
    parts = split(MODULES, 4)
    assert sorted(m for p in parts for m in p) == sorted(MODULES)
    sizes = [len(p) for p in parts]
    assert max(sizes) - min(sizes) <= 1
    # each part keeps the order it was given (parents first, as discovery lists them)
    for part in parts:
        assert list(part) == [m for m in MODULES if m in part]


def test_the_name_split_does_not_depend_on_the_list_order() -> None:
    forward = split(MODULES, 3)
    backward = split(list(reversed(MODULES)), 3)
    assert [set(p) for p in forward] == [set(p) for p in backward]


def test_the_name_split_is_the_same_in_another_process_with_another_hash_seed() -> None:
    # Python's hash() of a str changes per process: the split must not.
    code = ("import json, sys; from importaudit.shard import split; "
            "print(json.dumps(split(json.loads(sys.argv[1]), 3)))")
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", code, json.dumps(MODULES)], env=env,
                              capture_output=True, text=True, check=True)
        outputs.append(json.loads(done.stdout))
    assert outputs[0] == outputs[1] == [list(p) for p in split(MODULES, 3)]


def test_more_shards_than_modules_leaves_some_empty() -> None:
    parts = split(["a", "b"], 4)
    assert sorted(m for p in parts for m in p) == ["a", "b"]
    assert sum(1 for p in parts if not p) == 2


def test_the_weighted_split_balances_cost_greedily() -> None:
    # one heavy module, many light ones: by name the heavy one's shard would carry it
    # and a quarter of the rest; by weight it is alone.
    weights = {"heavy": 1000, **{f"light{i}": 10 for i in range(99)}}
    parts = split(list(weights), 2, weights)
    loads = sorted(sum(weights[m] for m in p) for p in parts)
    assert loads == [990, 1000]
    assert ("heavy",) in parts


def test_modules_the_weights_lack_weigh_the_median() -> None:
    weights = {"a": 1, "b": 2, "c": 300}  # median 2
    parts = split(["a", "b", "c", "new1", "new2"], 2, weights)
    # c (300) alone on one shard, the rest (1 + 2 + 2 + 2) on the other
    assert sorted(parts, key=len) == [("c",), ("a", "b", "new1", "new2")]


def _record(name: str, self_ns: int, cumulative_ns: int, **extra: object) -> ModuleRecord:
    return ModuleRecord(name=name, self_ns=self_ns, cumulative_ns=cumulative_ns,
                        **extra)  # type: ignore[arg-type]


def _report(mode: str, *records: ModuleRecord) -> Report:
    meta = RunMeta(python="py", python_version="3", platform="linux", mode=mode)
    return Report(targets=("pkg",), tool_version="0", created_at="now", meta=meta,
                  modules=records)


def test_report_weights_are_what_each_mode_pays_per_module() -> None:
    records = (_record("pkg", 5, 50), _record("pkg.a", 7, 70),
               _record("sys", 0, 0, preloaded=True), _record("pkg._x", 0, 0, via="sys.modules"))
    assert report_weights(_report("isolated", *records)) == {"pkg": 50, "pkg.a": 70}
    assert report_weights(_report("tree", *records)) == {"pkg": 5, "pkg.a": 7}


def test_the_split_id_names_the_list_count_and_basis() -> None:
    plan = ShardPlan(1, 2)
    assert plan.split_id(MODULES) == ShardPlan(2, 2).split_id(list(reversed(MODULES)))
    assert plan.split_id(MODULES) != ShardPlan(1, 3).split_id(MODULES)
    assert plan.split_id(MODULES) != plan.split_id(MODULES[1:])
    weighted = ShardPlan(1, 2, weights={"a": 1}, weights_from="abc")
    assert weighted.basis == "weights abc"
    assert weighted.split_id(MODULES) != plan.split_id(MODULES)


def test_info_names_the_shard_and_its_part() -> None:
    info = ShardPlan(2, 3).info(MODULES)
    assert (info.index, info.count, info.total, info.basis) == (2, 3, 97, "name")
    assert info.modules == split(MODULES, 3)[1]
    assert info.machine


def test_with_ancestors_adds_the_walked_packages_above_a_part_in_walk_order() -> None:
    walk = ["pkg", "pkg.a", "pkg.sub", "pkg.sub.x", "pkg.sub.y", "pkg.z"]
    assert with_ancestors(["pkg.sub.y", "pkg.z"], walk) == ("pkg", "pkg.sub", "pkg.sub.y",
                                                            "pkg.z")
    # a package outside the walk (excluded) stays out: Python imports it anyway
    assert with_ancestors(["pkg.sub.x"], walk[2:]) == ("pkg.sub", "pkg.sub.x")
