"""`[tool.importaudit]`: precedence, every kind of error (all at once), discovery."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from importaudit.config import (
    Budget,
    Config,
    CyclePolicy,
    ForbiddenRule,
    Tolerance,
    load,
    resolve,
)
from importaudit.errors import EXIT_USAGE, ConfigError
from importaudit.model import IMPORT_TIME_KINDS, EdgeKind

if TYPE_CHECKING:
    from pathlib import Path


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_text(body, encoding="utf-8")
    return path


def problems(exc: pytest.ExceptionInfo[ConfigError]) -> list[str]:
    """The problems listed: one on the message's one line, several one a line below it."""
    lines = str(exc.value).splitlines()
    if len(lines) == 1:
        return [lines[0].removeprefix("invalid configuration: ")]
    return [line.strip() for line in lines[1:]]


def test_defaults_without_any_file(tmp_path):
    config = load(start=tmp_path, env={})
    assert config == Config(root=str(tmp_path))
    assert config.kinds == IMPORT_TIME_KINDS
    assert config.baseline_path == tmp_path / ".importaudit/baseline.json"


def test_the_cycle_policy_defaults_to_new_with_a_baseline_unless_configured(tmp_path):
    # Not configured, a baseline accepts the cycles it holds ("new"); without one every
    # cycle counts ("none"). Configured anywhere (file, environment, flag), it decides.
    unset = load(start=tmp_path, env={})
    assert unset.cycles is None
    assert unset.cycle_policy(baseline=True) is CyclePolicy.NEW
    assert unset.cycle_policy(baseline=False) is CyclePolicy.NONE
    write(tmp_path, '[tool.importaudit]\ncycles = "none"\n')
    for config in (load(start=tmp_path, env={}),
                   load(start=tmp_path, env={"IMPORTAUDIT_CYCLES": "new"},
                        flags={"cycles": "none"})):
        assert config.cycle_policy(baseline=True) is CyclePolicy.NONE
    write(tmp_path, "[tool.importaudit]\n")
    assert load(start=tmp_path, env={"IMPORTAUDIT_CYCLES": "off"}).cycle_policy(
        baseline=True) is CyclePolicy.OFF


def test_full_table_is_read_into_typed_values(tmp_path):
    path = write(tmp_path, """
[tool.importaudit]
targets = ["risk_management", "importaudit"]
repeat = 7
timeout = 30
memory = false
kinds = ["eager", "optional"]
cycles = "new"
allow_cycles = ["a.x <-> a.y", ["b", "c", "d"]]
ignore = ["_distutils_hack*"]
baseline = "ci/base.json"

[tool.importaudit.tolerance]
time_relative = 0.5
time_absolute_ms = 2.5
heap_absolute_bytes = "1 MiB"
confidence = 0.99

[tool.importaudit.budgets]
risk_management = { max_modules = 40, max_cumulative_ms = 150, max_heap_bytes = "8 MiB" }
"risk_management.*" = { max_rss_bytes = 1000 }

[tool.importaudit.forbidden]
risk_management = ["numpy", "pandas"]
""")
    config = load(start=tmp_path, env={})
    assert config.source == str(path)
    assert config.targets == ("risk_management", "importaudit")
    measure = config.measure
    assert (measure.repeat, measure.timeout, measure.memory) == (7, 30.0, False)
    assert config.kinds == frozenset({EdgeKind.EAGER, EdgeKind.OPTIONAL})
    assert config.cycles is CyclePolicy.NEW
    assert config.allow_cycles == (frozenset({"a.x", "a.y"}), frozenset({"b", "c", "d"}))
    assert config.baseline_path == tmp_path / "ci/base.json"
    assert config.tolerance == Tolerance(time_relative=0.5, time_absolute_ns=2_500_000,
                                         heap_absolute_bytes=1 << 20, confidence=0.99)
    assert config.budgets == (
        Budget("risk_management", max_cumulative_ns=150_000_000, max_heap_bytes=8 << 20,
               max_modules=40),
        Budget("risk_management.*", max_rss_bytes=1000),
    )
    assert config.forbidden == (ForbiddenRule("risk_management", ("numpy", "pandas")),)


def test_precedence_defaults_file_env_flags(tmp_path):
    write(tmp_path, "[tool.importaudit]\nrepeat = 3\ntimeout = 10\nmemory = false\n"
                    "[tool.importaudit.tolerance]\ntime_relative = 0.3\nconfidence = 0.9\n")
    env = {"IMPORTAUDIT_TIMEOUT": "20", "IMPORTAUDIT_MEMORY": "yes",
           "IMPORTAUDIT_TOLERANCE_TIME_RELATIVE": "0.4"}
    config = load(start=tmp_path, env=env, flags={"memory": False, "repeat": None})
    assert config.measure.repeat == 3  # file (the flag was not given)
    assert config.measure.timeout == 20.0  # environment beats file
    assert config.measure.memory is False  # flag beats environment
    # Tables merge key by key: the environment's tolerance keeps the file's confidence.
    assert (config.tolerance.time_relative, config.tolerance.confidence) == (0.4, 0.9)


def test_environment_lists_and_kinds(tmp_path):
    config = load(start=tmp_path, env={"IMPORTAUDIT_TARGETS": "a, b", "IMPORTAUDIT_KINDS": "all",
                                       "IMPORTAUDIT_ALLOW_CYCLES": "x -> y"})
    assert config.targets == ("a", "b")
    assert config.kinds == frozenset(EdgeKind)
    assert config.allow_cycles == (frozenset({"x", "y"}),)


def test_environment_paths_that_look_like_numbers_stay_names(tmp_path):
    config = load(start=tmp_path, env={"IMPORTAUDIT_BASELINE": "2024",
                                       "IMPORTAUDIT_OUTPUT": "1.5", "IMPORTAUDIT_PYTHON": "3"})
    assert (config.baseline, config.output, config.measure.python) == ("2024", "1.5", "3")


def test_unrelated_importaudit_variables_are_left_alone(tmp_path):
    assert load(start=tmp_path, env={"IMPORTAUDIT_REQUIRE_PYTHONS": "3.9"}).measure.repeat == 5


def test_every_problem_of_every_layer_is_reported_at_once(tmp_path):
    path = write(tmp_path, """
[tool.importaudit]
repeats = 3
repeat = "5"
cycles = "never"
kinds = ["eager", "sideways"]
allow_cycles = ["lonely"]

[tool.importaudit.tolerance]
time_relative = -1
confidence = 1.5
speed = 2

[tool.importaudit.budgets]
pkg = { max_modules = 0, max_heap_bytes = "lots", max_time = 3 }
empty = {}

[tool.importaudit.forbidden]
pkg = "numpy"
""")
    with pytest.raises(ConfigError) as exc:
        load(start=tmp_path, env={"IMPORTAUDIT_REPEAT": "many"}, flags={"timeout": -1.0})
    assert exc.value.exit_status == EXIT_USAGE
    where = f"{path}: tool.importaudit."
    assert problems(exc) == [
        f"{where}repeats: unknown key 'repeats' (did you mean 'repeat'?)",
        f"{where}repeat: expected an integer, got string '5'",
        f"{where}cycles: expected one of none, new, off, got string 'never'",
        f"{where}kinds: unknown edge kind 'sideways' (known: deferred, dynamic, eager, lazy, "
        f"optional, parent, type-only, or 'all')",
        f"{where}allow_cycles: each cycle names at least two modules ('a <-> b' or "
        f"['a', 'b']), got string 'lonely'",
        f"{where}tolerance.time_relative: must be at least 0, got -1",
        f"{where}tolerance.confidence: must be between 0 and 1 (exclusive), got 1.5",
        f"{where}tolerance.speed: unknown key 'speed'",
        f"{where}budgets.pkg.max_modules: must be at least 1, got 0",
        f"{where}budgets.pkg.max_heap_bytes: expected bytes (an integer or a string like "
        f"'8 MiB'), got string 'lots'",
        f"{where}budgets.pkg.max_time: unknown key 'max_time'",
        f"{where}budgets.empty: sets no limit (use max_cumulative_ms, max_heap_bytes, "
        f"max_rss_bytes, max_modules)",
        f"{where}forbidden.pkg: expected an array of non-empty strings, got string 'numpy'",
        "environment IMPORTAUDIT_REPEAT: expected an integer, got string 'many'",
        "option --timeout: must be greater than 0, got -1.0",
    ]
    assert str(exc.value).startswith("invalid configuration (15 problems):")


def test_quoted_pattern_keys_are_quoted_in_messages():
    with pytest.raises(ConfigError) as exc:
        resolve({"budgets": {"pkg.*": {"max_modules": True}}}, {}, {}, source="p.toml")
    assert problems(exc) == ['p.toml: tool.importaudit.budgets."pkg.*".max_modules: '
                             "expected an integer, got boolean True"]


def test_wrong_table_types():
    with pytest.raises(ConfigError) as exc:
        resolve({"tolerance": 3, "budgets": [], "forbidden": "x"}, {}, {}, source="p.toml")
    assert len(problems(exc)) == 3
    assert problems(exc)[0] == "p.toml: tool.importaudit.tolerance: expected a table, got integer 3"


def test_invalid_toml_names_the_file(tmp_path):
    path = write(tmp_path, "[tool.importaudit\nrepeat = 3\n")
    with pytest.raises(ConfigError, match=re.escape(f"{path}: not valid TOML")):
        load(start=tmp_path, env={})
    path.write_bytes(b"[tool.importaudit]\nrepeat = 3  # caf\xe9 in Latin-1\n")
    with pytest.raises(ConfigError, match=re.escape(f"{path}: not valid TOML")):
        load(start=tmp_path, env={})


def test_tool_importaudit_must_be_a_table(tmp_path):
    write(tmp_path, "[tool]\nimportaudit = 3\n")
    with pytest.raises(ConfigError, match=r"tool\.importaudit must be a table, got integer"):
        load(start=tmp_path, env={})
    write(tmp_path, 'tool = "x"\n')
    with pytest.raises(ConfigError, match=r"tool must be a table, got string"):
        load(start=tmp_path, env={})


def test_explicit_config_file_must_exist(tmp_path):
    with pytest.raises(ConfigError, match=r"config file .*nope\.toml does not exist"):
        load(config_path=tmp_path / "nope.toml", env={})
    with pytest.raises(ConfigError, match="does not exist"):
        load(start=tmp_path, env={"IMPORTAUDIT_CONFIG": str(tmp_path / "gone.toml")})


def test_nearest_pyproject_is_found_from_a_subdirectory(tmp_path):
    write(tmp_path, "[tool.importaudit]\nrepeat = 9\n")
    sub = tmp_path / "src" / "deep"
    sub.mkdir(parents=True)
    config = load(start=sub, env={})
    assert config.measure.repeat == 9
    assert config.root == str(tmp_path)


def test_pyproject_without_our_table_gives_defaults(tmp_path):
    write(tmp_path, "[project]\nname = 'x'\n")
    assert load(start=tmp_path, env={}).measure.repeat == 5


@pytest.mark.parametrize(("text", "expected"), [
    (1024, 1024), ("8 MiB", 8 << 20), ("500kB", 500_000), ("1.5 GB", 1_500_000_000),
    ("12", 12), ("3 KiB", 3072),
])
def test_sizes(text, expected):
    config = resolve({"budgets": {"p": {"max_heap_bytes": text}}}, {}, {})
    assert config.budgets[0].max_heap_bytes == expected


def test_every_option_field_is_a_key():
    import dataclasses

    from importaudit.config import ALL_KEYS, Measure

    fields = {f.name for f in dataclasses.fields(Config)} - {"source", "root", "measure"}
    # Config.measure's are keys too, but a run's parts, never configured: the shard, and
    # the folders a later round of `fix` looks its copy up in first.
    fields |= {f.name for f in dataclasses.fields(Measure)} - {"shard", "search_first"}
    assert fields == set(ALL_KEYS)


def test_repeat_has_the_flag_s_range(tmp_path):
    write(tmp_path, "[tool.importaudit]\nrepeat = 5000\n")
    with pytest.raises(ConfigError, match="repeat: must be at most 1000, got 5000"):
        load(start=tmp_path)


def test_walk_exclusions_from_the_file_the_environment_and_flags(tmp_path):
    write(tmp_path, '[tool.importaudit]\nexclude = ["pkg.vendored", "*.bench"]\n')
    config = load(start=tmp_path, env={})
    assert (config.measure.exclude, config.measure.include_tests) == (
        ("pkg.vendored", "*.bench"), False)
    config = load(start=tmp_path, env={"IMPORTAUDIT_EXCLUDE": "a.b, c.*",
                                       "IMPORTAUDIT_INCLUDE_TESTS": "yes"})
    assert (config.measure.exclude, config.measure.include_tests) == (("a.b", "c.*"), True)
    config = load(start=tmp_path, env={}, flags={"exclude": ["x"], "include_tests": True})
    assert (config.measure.exclude, config.measure.include_tests) == (("x",), True)
    write(tmp_path, '[tool.importaudit]\nexclude = "pkg.vendored"\n')
    with pytest.raises(ConfigError, match="exclude: expected an array"):
        load(start=tmp_path, env={})
