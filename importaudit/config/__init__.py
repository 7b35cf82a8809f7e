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
                                   # (unset: "new" when a baseline is used, else "none")
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
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from importaudit.config import values as v
from importaudit.config.options import (
    FORMATS,
    MEASURE_KEYS,
    SCALAR_KEYS,
    Budget,
    Config,
    Contracts,
    CyclePolicy,
    Env,
    FixOptions,
    ForbiddenRule,
    Measure,
    ReviewOptions,
    StaticOptions,
    Tolerance,
    program_measure,
)
from importaudit.config.values import parse_size
from importaudit.defaults import FIX_STYLES
from importaudit.errors import ConfigError

if TYPE_CHECKING:
    from importaudit.model import EdgeKind

__all__ = [
    "ALL_KEYS", "FIX_STYLES", "FORMATS", "Budget", "Config", "Contracts", "CyclePolicy",
    "FixOptions", "ForbiddenRule", "Measure", "ReviewOptions", "StaticOptions", "Tolerance",
    "env_table", "find_pyproject", "load", "parse_kinds", "parse_size", "program_measure",
    "read_table", "resolve",
]

ENV_PREFIX = "IMPORTAUDIT_"
TABLE = "tool.importaudit"

# --------------------------------------------------------------------------- the key tables

_TOLERANCE: dict[str, tuple[str, Callable[[object], Any]]] = {
    "time_relative": ("time_relative", v.number),
    "time_absolute_ms": ("time_absolute_ns", v.ms_to_ns),
    "heap_relative": ("heap_relative", v.number),
    "heap_absolute_bytes": ("heap_absolute_bytes", parse_size),
    "new_modules": ("new_modules", v.integer(0)),
    "confidence": ("confidence", v.confidence),
    "normalize": ("normalize", v.boolean),
}

_BUDGET: dict[str, tuple[str, Callable[[object], Any]]] = {
    "max_cumulative_ms": ("max_cumulative_ns", v.ms_to_ns),
    "max_heap_bytes": ("max_heap_bytes", parse_size),
    "max_rss_bytes": ("max_rss_bytes", parse_size),
    "max_modules": ("max_modules", v.integer(1)),
}

_TABLES = ("tolerance", "budgets", "forbidden", "contracts")
ALL_KEYS: tuple[str, ...] = (*SCALAR_KEYS, *_TABLES)


Where = Callable[[str], str]  # dotted key path -> "file: tool.importaudit.key" etc.


class _Problems:
    """Collects every problem of one resolution so they are reported together."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.lines.append(f"{where}: {message}")

    def unknown(self, where: str, key: str, known: tuple[str, ...]) -> None:
        import difflib

        close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        self.add(where, f"unknown key {key!r}{hint}")

    def parse(self, where: str, parser: Callable[[object], Any], value: object) -> Any:
        try:
            return parser(value)
        except v.Bad as exc:
            self.add(where, str(exc))
            return _MISSING


_MISSING: Any = object()


def _quote(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else f'"{key}"'


def _layer(table: Mapping[str, Any], where: Where, problems: _Problems) -> dict[str, Any]:
    """Validate one layer (file, environment or flags) into typed values by key."""
    values: dict[str, Any] = {}
    for key, raw in table.items():
        if key in SCALAR_KEYS:
            parsed = problems.parse(where(key), SCALAR_KEYS[key]["parse"], raw)
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
        problems.add(where(path), f"expected a table, {v.got(raw)}")
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
        problems.add(where("budgets"),
                     f"expected a table of module pattern -> limits, {v.got(raw)}")
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
                     f"expected a table of importer pattern -> [modules], {v.got(raw)}")
        return ()
    rules = []
    for importer, modules in raw.items():
        parsed = problems.parse(where(f"forbidden.{_quote(importer)}"), v.str_list, modules)
        if parsed is not _MISSING:
            rules.append(ForbiddenRule(importer=importer, modules=parsed))
    return tuple(rules)


def _contracts(raw: object, where: Where, problems: _Problems) -> Contracts:
    if not isinstance(raw, dict):
        problems.add(where("contracts"), f"expected a table with layers and independent, "
                                         f"{v.got(raw)}")
        return Contracts()
    fields: dict[str, Any] = {}
    for key, value in raw.items():
        inner = where(f"contracts.{_quote(key)}")
        if key not in ("layers", "independent"):
            problems.unknown(inner, key, ("layers", "independent"))
            continue
        parsed = problems.parse(inner, v.independent if key == "independent" else v.layers,
                                value)
        if parsed is not _MISSING:
            fields[key] = parsed
    return Contracts(**fields)


# --------------------------------------------------------------------------- environment


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _env_value(form: Env, text: str) -> object:
    """Turn an environment string into the TOML-like value the key's parser expects."""
    stripped = text.strip()
    if form is Env.LIST:
        return [part.strip() for part in text.split(",") if part.strip()]
    if form is Env.BOOL:
        lowered = stripped.lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else text
    if form is Env.TEXT:
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
    for key, spec in SCALAR_KEYS.items():
        name = ENV_PREFIX + key.upper()
        if name in env:
            table[key] = _env_value(spec["env"], env[name])
            names[key] = name
    for key in _TOLERANCE:
        name = f"{ENV_PREFIX}TOLERANCE_{key.upper()}"
        if name in env:
            form = Env.BOOL if key == "normalize" else Env.NUMBER
            table.setdefault("tolerance", {})[key] = _env_value(form, env[name])
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
    measure = Measure(**{k: merged.pop(k) for k in MEASURE_KEYS & merged.keys()})
    return Config(**merged, measure=measure, tolerance=Tolerance(**tolerance), source=source,
                  root=root)


def parse_kinds(text: str | None, default: frozenset[EdgeKind] | None = None,
                ) -> frozenset[EdgeKind] | None:
    """Edge kinds from a `--kinds` flag ("eager,deferred" or "all"; None: `default`).

    The one parser of kinds (the `kinds` key's): raises ConfigError (exit 2) for an
    unknown kind.
    """
    if text is None:
        return default
    try:
        return v.kinds(text)
    except v.Bad as exc:
        raise ConfigError(f"option --kinds: {exc}") from exc


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
    import tomllib

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
        raise ConfigError(f"{path}: tool must be a table, got {v.type_name(tool)}")
    table = tool.get("importaudit", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {TABLE} must be a table, got {v.type_name(table)}")
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
