"""`[tool.importaudit]` in pyproject.toml -> one frozen, typed `Config`.

Precedence is defaults < the file < `IMPORTAUDIT_*` environment variables < flags, and it
is written down in one place: `resolve`. Every problem (unknown key, wrong type, bad
value) is collected and reported at once in a single `ConfigError` that names the file
(or variable, or flag) and the key, so a user fixes a broken table in one round.

Every option the `check` command has is also a key of the same name (dashes become
underscores). Units live in key names: `max_cumulative_ms`, `max_heap_bytes`; byte
sizes may also be written as strings such as "8 MiB".

```toml
[tool.importaudit]
targets = ["risk_management"]
repeat = 7
baseline = ".importaudit/baseline.json"
cycles = "none"                    # "none": no cycles; "new": none beyond the baseline; "off"
allow_cycles = ["a.x <-> a.y"]     # known cycles that may stay
ignore = ["_distutils_hack*"]      # modules no check looks at
exclude = ["mypkg.vendored"]       # modules tree walks leave out (tests are by default)

[tool.importaudit.tolerance]
time_relative = 0.25               # a time regression must exceed +25 % ...
time_absolute_ms = 5               # ... and +5 ms over the baseline median

[tool.importaudit.budgets]
risk_management = { max_modules = 40, max_cumulative_ms = 150, max_heap_bytes = "8 MiB" }

[tool.importaudit.forbidden]
risk_management = ["numpy", "pandas", "sqlalchemy", "trading_engine"]

[tool.importaudit.contracts]
# Top to bottom: each layer may import only the layers below it. A list is one layer
# of siblings that must not import each other either. A module belongs to the most
# specific name that covers it (`a.b.probe` below `a.b`).
layers = ["app.cli", "app.api", ["app.gate", "app.render"], "app.model"]
independent = [["risk_management", "trading_engine"]]  # must not import each other
```
"""

from __future__ import annotations

import contextlib
import difflib
import enum
import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from importaudit.errors import ConfigError
from importaudit.model import IMPORT_TIME_KINDS, EdgeKind

#: How `fix` writes a lazy `__init__` (importaudit.fix.styles), the default first.
FIX_STYLES = ("pep562", "lazy-loader", "pep810")

ENV_PREFIX = "IMPORTAUDIT_"
TABLE = "tool.importaudit"


class CyclePolicy(enum.StrEnum):
    """What the gate says about import cycles."""

    NONE = "none"  # no cycle over the counted edge kinds, except allowed ones
    NEW = "new"  # no cycle that the baseline did not have, except allowed ones
    OFF = "off"  # cycles are not checked


@dataclass(frozen=True, slots=True)
class Budget:
    """Absolute limits for every module whose name matches `pattern` (a glob)."""

    pattern: str
    max_cumulative_ns: int | None = None
    max_heap_bytes: int | None = None
    max_rss_bytes: int | None = None
    max_modules: int | None = None


@dataclass(frozen=True, slots=True)
class ForbiddenRule:
    """Importing a module matching `importer` must not load any of `modules`.

    A forbidden name covers the package and its submodules ("numpy" forbids
    "numpy.linalg"); globs are allowed on both sides.
    """

    importer: str
    modules: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Contracts:
    """Which parts of the code may import which (checked by `check` on every chain).

    `layers` runs top to bottom; each layer holds sibling modules (often one) and may
    import only the layers below it, never its own siblings. Each group of `independent`
    holds modules none of which may import another. A name covers its submodules; where
    names nest, a module belongs to the most specific one.
    """

    layers: tuple[tuple[str, ...], ...] = ()
    independent: tuple[tuple[str, ...], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.layers or self.independent)


@dataclass(frozen=True, slots=True)
class Tolerance:
    """How far a measurement may move over the baseline before it counts as a regression.

    Time must exceed BOTH the relative and the absolute tolerance, and the repeats must
    make the gate at least `confidence` sure (see `gate`); heap likewise with its pair.
    """

    time_relative: float = 0.25
    time_absolute_ns: int = 5_000_000
    heap_relative: float = 0.10
    heap_absolute_bytes: int = 256 * 1024
    new_modules: int = 0  # how many modules a target may newly load before it fails
    confidence: float = 0.95
    normalize: bool = True  # scale baseline times by the interpreter start-up ratio


@dataclass(frozen=True, slots=True)
class Config:
    """Everything the gate (and the commands around it) needs to know, typed and frozen."""

    targets: tuple[str, ...] = ()
    repeat: int = 5
    timeout: float | None = None
    memory: bool = True
    python: str | None = None
    tree: bool = False
    isolated: bool = False
    warm_bytecode: bool = False
    baseline: str | None = ".importaudit/baseline.json"
    format: str = "text"
    output: str | None = None
    kinds: frozenset[EdgeKind] = IMPORT_TIME_KINDS
    cycles: CyclePolicy = CyclePolicy.NONE
    allow_cycles: tuple[frozenset[str], ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()  # module globs tree walks leave out (not walked at all)
    include_tests: bool = False  # walk test packages (tests, testing, conftest) too
    review_ignore: tuple[str, ...] = ()  # review suppressions: "CODE" or "CODE:module-glob"
    fix_style: str = FIX_STYLES[0]  # how `fix` writes a lazy __init__
    fail_on: str = "low"  # review: exit 1 at findings of this severity or higher
    budgets: tuple[Budget, ...] = ()
    forbidden: tuple[ForbiddenRule, ...] = ()
    contracts: Contracts = field(default_factory=Contracts)
    tolerance: Tolerance = field(default_factory=Tolerance)
    source: str | None = None  # the pyproject.toml it was read from, if any
    root: str = "."  # relative paths (baseline, output) are resolved against this

    @property
    def baseline_path(self) -> Path | None:
        """The baseline file, resolved against the project root."""
        if self.baseline is None:
            return None
        return Path(self.root) / self.baseline


FORMATS = ("text", "json", "junit", "sarif", "github")

# --------------------------------------------------------------------------- value parsers


class _Bad(Exception):
    """A value that does not fit its key; the message says what was expected."""


def _type_name(value: object) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "array",
            dict: "table"}.get(type(value), type(value).__name__)


def _got(value: object) -> str:
    return f"got {_type_name(value)} {value!r}"


def _int(minimum: int, maximum: int | None = None) -> Callable[[object], int]:
    def parse(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Bad(f"expected an integer, {_got(value)}")
        if value < minimum:
            raise _Bad(f"must be at least {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise _Bad(f"must be at most {maximum}, got {value}")
        return value

    return parse


def _number(value: object, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _Bad(f"expected a number, {_got(value)}")
    if value < 0 or (positive and value == 0):
        raise _Bad(f"must be {'greater than' if positive else 'at least'} 0, got {value}")
    return float(value)


def _confidence(value: object) -> float:
    number = _number(value)
    if not 0 < number < 1:
        raise _Bad(f"must be between 0 and 1 (exclusive), got {value}")
    return number


def _timeout(value: object) -> float | None:
    return None if value is None else _number(value, positive=True)


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise _Bad(f"expected true or false, {_got(value)}")
    return value


def _opt_str(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise _Bad(f"expected a non-empty string, {_got(value)}")
    return value


def _str_list(value: object) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v for v in value):
        raise _Bad(f"expected an array of non-empty strings, {_got(value)}")
    return tuple(value)


def _choice(choices: tuple[str, ...]) -> Callable[[object], str]:
    def parse(value: object) -> str:
        if value not in choices:
            raise _Bad(f"expected one of {', '.join(choices)}, {_got(value)}")
        return str(value)

    return parse


def _kinds(value: object) -> frozenset[EdgeKind]:
    if value == "all":
        return frozenset(EdgeKind)
    names = _str_list(value)
    known = {k.value for k in EdgeKind}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise _Bad(f"unknown edge kind {', '.join(map(repr, unknown))} "
                   f"(known: {', '.join(sorted(known))}, or 'all')")
    return frozenset(EdgeKind(n) for n in names)


_CYCLE_SPLIT = re.compile(r"\s*(?:<->|->|<-)\s*")


def _allow_cycles(value: object) -> tuple[frozenset[str], ...]:
    if not isinstance(value, list | tuple):
        raise _Bad(f"expected an array of cycles ('a <-> b' or ['a', 'b']), {_got(value)}")
    cycles: list[frozenset[str]] = []
    for item in value:
        members = (_CYCLE_SPLIT.split(item.strip()) if isinstance(item, str)
                   else list(_str_list(item)) if isinstance(item, list | tuple) else None)
        if members is None or len({m for m in members if m}) < 2:
            raise _Bad(f"each cycle names at least two modules ('a <-> b' or ['a', 'b']), "
                       f"{_got(item)}")
        cycles.append(frozenset(m for m in members if m))
    return tuple(cycles)


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)\s*$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "kib": 1024, "ki": 1024, "m": 1000**2,
          "mb": 1000**2, "mib": 1024**2, "mi": 1024**2, "g": 1000**3, "gb": 1000**3,
          "gib": 1024**3, "gi": 1024**3}


def parse_size(value: object) -> int:
    """Bytes from an integer or a string such as "8 MiB" or "500 kB"."""
    if isinstance(value, bool):
        raise _Bad(f"expected bytes (an integer or a string like '8 MiB'), {_got(value)}")
    if isinstance(value, int):
        if value < 0:
            raise _Bad(f"must be at least 0, got {value}")
        return value
    if isinstance(value, str):
        match = _SIZE.match(value)
        if match and match.group(2).lower() in _UNITS:
            return int(float(match.group(1)) * _UNITS[match.group(2).lower()])
    raise _Bad(f"expected bytes (an integer or a string like '8 MiB'), {_got(value)}")


def _ms_to_ns(value: object) -> int:
    return round(_number(value) * 1_000_000)


# --------------------------------------------------------------------------- the key tables

# key -> parser; every key here is also a `check` flag and an IMPORTAUDIT_<KEY> variable.
_SCALARS: dict[str, Callable[[object], Any]] = {
    "targets": _str_list,
    "repeat": _int(1, 1000),  # the same range as the --repeat flag
    "timeout": _timeout,
    "memory": _bool,
    "python": _opt_str,
    "tree": _bool,
    "isolated": _bool,
    "warm_bytecode": _bool,
    "baseline": _opt_str,
    "format": _choice(FORMATS),
    "output": _opt_str,
    "kinds": _kinds,
    "cycles": lambda v: CyclePolicy(_choice(tuple(p.value for p in CyclePolicy))(v)),
    "allow_cycles": _allow_cycles,
    "ignore": _str_list,
    "exclude": _str_list,
    "include_tests": _bool,
    "review_ignore": _str_list,
    "fix_style": _choice(FIX_STYLES),
    "fail_on": _choice(("info", "low", "medium", "high", "critical", "never")),
}

# TOML key -> (Tolerance field, parser); ms keys become ns fields.
_TOLERANCE: dict[str, tuple[str, Callable[[object], Any]]] = {
    "time_relative": ("time_relative", _number),
    "time_absolute_ms": ("time_absolute_ns", _ms_to_ns),
    "heap_relative": ("heap_relative", _number),
    "heap_absolute_bytes": ("heap_absolute_bytes", parse_size),
    "new_modules": ("new_modules", _int(0)),
    "confidence": ("confidence", _confidence),
    "normalize": ("normalize", _bool),
}

_BUDGET: dict[str, tuple[str, Callable[[object], Any]]] = {
    "max_cumulative_ms": ("max_cumulative_ns", _ms_to_ns),
    "max_heap_bytes": ("max_heap_bytes", parse_size),
    "max_rss_bytes": ("max_rss_bytes", parse_size),
    "max_modules": ("max_modules", _int(1)),
}

_TABLES = ("tolerance", "budgets", "forbidden", "contracts")
ALL_KEYS: tuple[str, ...] = (*_SCALARS, *_TABLES)


Where = Callable[[str], str]  # dotted key path -> "file: tool.importaudit.key" etc.


class _Problems:
    """Collects every problem of one resolution so they are reported together."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.lines.append(f"{where}: {message}")

    def unknown(self, where: str, key: str, known: tuple[str, ...]) -> None:
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        self.add(where, f"unknown key {key!r}{hint}")

    def parse(self, where: str, parser: Callable[[object], Any], value: object) -> Any:
        try:
            return parser(value)
        except _Bad as exc:
            self.add(where, str(exc))
            return _MISSING


_MISSING: Any = object()


def _quote(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else f'"{key}"'


def _layer(table: Mapping[str, Any], where: Where, problems: _Problems) -> dict[str, Any]:
    """Validate one layer (file, environment or flags) into typed values by key."""
    values: dict[str, Any] = {}
    for key, raw in table.items():
        if key in _SCALARS:
            parsed = problems.parse(where(key), _SCALARS[key], raw)
            if parsed is not _MISSING:
                values[key] = parsed
        elif key == "tolerance":
            values[key] = _sub_table(raw, key, where, _TOLERANCE, problems)
        elif key == "budgets":
            values[key] = _budgets(raw, where, problems)
        elif key == "forbidden":
            values[key] = _forbidden(raw, where, problems)
        elif key == "contracts":
            values[key] = _contracts(raw, where, problems)
        else:
            problems.unknown(where(key), key, ALL_KEYS)
    return values


def _sub_table(raw: object, path: str, where: Where,
               spec: Mapping[str, tuple[str, Callable[[object], Any]]],
               problems: _Problems) -> dict[str, Any]:
    if not isinstance(raw, dict):
        problems.add(where(path), f"expected a table, {_got(raw)}")
        return {}
    out: dict[str, Any] = {}
    for key, value in raw.items():
        inner = where(f"{path}.{_quote(key)}")
        if key not in spec:
            problems.unknown(inner, key, tuple(spec))
            continue
        name, parser = spec[key]
        parsed = problems.parse(inner, parser, value)
        if parsed is not _MISSING:
            out[name] = parsed
    return out


def _budgets(raw: object, where: Where, problems: _Problems) -> tuple[Budget, ...]:
    if not isinstance(raw, dict):
        problems.add(where("budgets"), f"expected a table of module pattern -> limits, {_got(raw)}")
        return ()
    budgets = []
    for pattern, limits in raw.items():
        path = f"budgets.{_quote(pattern)}"
        fields = _sub_table(limits, path, where, _BUDGET, problems)
        if isinstance(limits, dict) and not limits:
            problems.add(where(path), f"sets no limit (use {', '.join(_BUDGET)})")
        budgets.append(Budget(pattern=pattern, **fields))
    return tuple(budgets)


def _forbidden(raw: object, where: Where, problems: _Problems) -> tuple[ForbiddenRule, ...]:
    if not isinstance(raw, dict):
        problems.add(where("forbidden"),
                     f"expected a table of importer pattern -> [modules], {_got(raw)}")
        return ()
    rules = []
    for importer, modules in raw.items():
        parsed = problems.parse(where(f"forbidden.{_quote(importer)}"), _str_list, modules)
        if parsed is not _MISSING:
            rules.append(ForbiddenRule(importer=importer, modules=parsed))
    return tuple(rules)


_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def _modules(value: object) -> tuple[str, ...]:
    """One layer or group: a module name, or an array of sibling module names."""
    names = (value,) if isinstance(value, str) else _str_list(value)
    bad = [n for n in names if not _MODULE.match(n)]
    if bad:
        raise _Bad(f"{bad[0]!r} is not a dotted module name")
    if not names:
        raise _Bad("expected a module name or an array of them, got an empty array")
    return names


def _groups(value: object, *, pairs: bool) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list | tuple):
        raise _Bad(f"expected an array, {_got(value)}")
    if pairs and value and all(isinstance(v, str) for v in value):
        value = [value]  # one group written flat: ["a", "b"]
    groups = tuple(_modules(v) for v in value)
    if pairs and any(len(set(g)) < 2 for g in groups):
        raise _Bad("each independent group names at least two modules")
    # A module in two layers has no place in the order; across independent groups a
    # module may recur (one group per pair of parts that must stay apart).
    seen: dict[str, int] = {}
    for number, group in enumerate(groups, 1):
        if pairs:
            seen = {}
        for name in group:
            if name in seen:
                place = (f"layers {seen[name]} and {number}" if seen[name] != number
                         else f"layer {number}") if not pairs else f"group {number}"
                raise _Bad(f"{name} is named twice (in {place})")
            seen[name] = number
    return groups


def _layers(value: object) -> tuple[tuple[str, ...], ...]:
    return _groups(value, pairs=False)


def _independent(value: object) -> tuple[tuple[str, ...], ...]:
    return _groups(value, pairs=True)


def _contracts(raw: object, where: Where, problems: _Problems) -> Contracts:
    if not isinstance(raw, dict):
        problems.add(where("contracts"), f"expected a table with layers and independent, "
                                         f"{_got(raw)}")
        return Contracts()
    fields: dict[str, Any] = {}
    for key, value in raw.items():
        inner = where(f"contracts.{_quote(key)}")
        if key not in ("layers", "independent"):
            problems.unknown(inner, key, ("layers", "independent"))
            continue
        parsed = problems.parse(inner, _independent if key == "independent" else _layers,
                                value)
        if parsed is not _MISSING:
            fields[key] = parsed
    return Contracts(**fields)


# --------------------------------------------------------------------------- environment


_ENV_LISTS = frozenset({"targets", "ignore", "exclude", "review_ignore", "allow_cycles",
                        "kinds"})
_ENV_BOOLS = frozenset({"memory", "tree", "isolated", "warm_bytecode", "normalize",
                        "include_tests"})
_ENV_PATHS = frozenset({"python", "baseline", "output"})  # free text: "2024" stays a name
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _env_value(key: str, text: str) -> object:
    """Turn an environment string into the TOML-like value the key's parser expects."""
    stripped = text.strip()
    if key in _ENV_LISTS:
        if key == "kinds" and stripped == "all":
            return "all"
        return [part.strip() for part in text.split(",") if part.strip()]
    if key in _ENV_BOOLS:
        lowered = stripped.lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else text
    if key in _ENV_PATHS:
        return text
    for convert in (int, float):
        with contextlib.suppress(ValueError):
            return convert(stripped)
    return text


def env_table(env: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The `IMPORTAUDIT_*` variables this module knows, as a TOML-shaped table.

    Returns the table and, for error messages, the variable each key came from. Other
    `IMPORTAUDIT_*` variables are left alone: tools and tests use the prefix too.
    """
    table: dict[str, Any] = {}
    names: dict[str, str] = {}
    for key in _SCALARS:
        name = ENV_PREFIX + key.upper()
        if name in env:
            table[key] = _env_value(key, env[name])
            names[key] = name
    for key in _TOLERANCE:
        name = f"{ENV_PREFIX}TOLERANCE_{key.upper()}"
        if name in env:
            table.setdefault("tolerance", {})[key] = _env_value(key, env[name])
            names[f"tolerance.{key}"] = name
    return table, names


# --------------------------------------------------------------------------- precedence


def resolve(
    file_table: Mapping[str, Any],
    env: Mapping[str, str],
    flags: Mapping[str, Any],
    *,
    source: str | None = None,
    root: str = ".",
) -> Config:
    """THE precedence rule: defaults < `file_table` < `IMPORTAUDIT_*` in `env` < `flags`.

    `flags` holds values the user gave on the command line (or to the pytest plugin);
    a value of None means "not given" and does not override. Tables merge key by key
    (a flag `tolerance={"time_relative": 0.5}` keeps the file's other tolerances), except
    `budgets`, `forbidden` and `contracts`, which a later layer replaces whole. Raises one
    `ConfigError` listing every problem of every layer.
    """
    problems = _Problems()
    file_name = source or "pyproject.toml"
    env_values, env_names = env_table(env)
    given = {k: v for k, v in flags.items() if v is not None}
    layers = [
        _layer(file_table, lambda key: f"{file_name}: {TABLE}.{key}", problems),
        _layer(env_values, lambda key: f"environment {env_names.get(key, key)}", problems),
        _layer(given, lambda key: f"option --{key.replace('_', '-')}", problems),
    ]

    if problems.lines:
        count = len(problems.lines)
        if count == 1:  # one problem, one line
            raise ConfigError(f"invalid configuration: {problems.lines[0]}")
        raise ConfigError(
            f"invalid configuration ({count} problems):\n  " + "\n  ".join(problems.lines)
        )

    merged: dict[str, Any] = {}
    tolerance: dict[str, Any] = {}
    for layer in layers:
        tolerance.update(layer.pop("tolerance", {}))
        merged.update(layer)
    return Config(**merged, tolerance=Tolerance(**tolerance), source=source, root=root)


# --------------------------------------------------------------------------- files


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml in `start` or one of its parents."""
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def read_table(path: Path) -> dict[str, Any]:
    """The `[tool.importaudit]` table of a TOML file ({} when it has none)."""
    try:
        with path.open("rb") as stream:
            data = tomllib.load(stream)
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path} does not exist") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:  # TOML is UTF-8 only
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    tool = data.get("tool", {})
    if not isinstance(tool, dict):  # `tool = "x"` is valid TOML, but holds no table
        raise ConfigError(f"{path}: tool must be a table, got {_type_name(tool)}")
    table = tool.get("importaudit", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {TABLE} must be a table, got {_type_name(table)}")
    return table


def load(
    *,
    config_path: str | os.PathLike[str] | None = None,
    start: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    flags: Mapping[str, Any] | None = None,
) -> Config:
    """Read the configuration the way every command does.

    `config_path` names a file explicitly (`--config`, or `IMPORTAUDIT_CONFIG`); otherwise
    the nearest pyproject.toml from `start` (default: the working directory) is used, and
    no file at all means defaults. Relative paths in the config resolve against the
    directory of the file it came from.
    """
    env = os.environ if env is None else env
    explicit = config_path if config_path is not None else env.get(ENV_PREFIX + "CONFIG")
    path: Path | None
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"config file {explicit} does not exist")
    else:
        path = find_pyproject(Path(start) if start is not None else Path.cwd())
    table = read_table(path) if path is not None else {}
    root = str(path.parent) if path is not None else str(Path(start or Path.cwd()))
    return resolve(table, env, flags or {}, source=str(path) if path else None, root=root)
