"""The versioned `Report` and its JSON form, round-tripped losslessly.

`to_dict` / `report_from_dict` convert to and from plain JSON-able data;
`report_from_dict` refuses a report of a newer schema version with a clear error and
upgrades older ones.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from importaudit.errors import SchemaVersionError

if TYPE_CHECKING:
    from importaudit.model.findings import Finding, Verdict
    from importaudit.model.runtime import ChildFailure, ModuleRecord, RunMeta, SkippedModule
    from importaudit.model.static import Cycle, StaticGraph

#: 2: `meta.heap_gaps` says which modules a heap run left without heap figures; a reader
#: of version 1 would take their missing figures for "no heap run" and judge the rest.
SCHEMA_VERSION = 2

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Report:
    """Everything one command measured and concluded; what renderers and baselines hold."""

    targets: tuple[str, ...]
    tool_version: str
    created_at: str  # ISO 8601, UTC
    schema_version: int = SCHEMA_VERSION
    meta: RunMeta | None = None
    modules: tuple[ModuleRecord, ...] = ()
    failure: ChildFailure | None = None
    skipped: tuple[SkippedModule, ...] = ()  # submodules of a --tree walk left out, and why
    graph: StaticGraph | None = None
    cycles: tuple[Cycle, ...] = ()
    findings: tuple[Finding, ...] = ()
    verdict: Verdict | None = None



def to_dict(obj: Any) -> Any:
    """Turn a model object (or container of them) into JSON-able data."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, enum.Enum):
        return obj.value if not isinstance(obj, enum.IntEnum) else obj.name.lower()
    if isinstance(obj, tuple | list):
        return [to_dict(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): to_dict(v) for k, v in obj.items()}
    return obj


def _convert(tp: Any, value: Any, where: str) -> Any:  # noqa: PLR0911  (one return per type)
    """Convert JSON data `value` into an instance of the annotated type `tp`."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _convert(inner[0], value, where)
    if origin is tuple:
        args = typing.get_args(tp)
        if not isinstance(value, list):
            raise ValueError(f"{where}: expected a list, got {type(value).__name__}")
        return tuple(_convert(args[0], v, f"{where}[{i}]") for i, v in enumerate(value))
    if isinstance(tp, type) and issubclass(tp, enum.IntEnum):
        if isinstance(value, str):
            return tp[value.upper()]
        return tp(value)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp(value)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _from_fields(tp, value, where)
    if isinstance(value, bool) and tp is not bool:  # JSON true is no count or time
        raise ValueError(f"{where}: expected {getattr(tp, '__name__', tp)}, got bool")
    if tp is float and isinstance(value, int):
        return float(value)
    if tp in (int, float, str, bool) and not isinstance(value, tp):
        raise ValueError(f"{where}: expected {tp.__name__}, got {type(value).__name__}")
    return value


_HINTS: dict[type, dict[str, Any]] = {}


def type_hints(cls: type) -> dict[str, Any]:
    """The resolved types of the fields of model class `cls` (cached).

    Use this rather than `typing.get_type_hints(Report)`: this module does not import
    the classes `Report`'s fields name until a report's types are asked for, so that a
    static command builds a `Report` without creating the runtime and review classes
    (a frozen dataclass costs about a millisecond to create). Once they are, this
    module's namespace holds them, and `typing.get_type_hints(Report)` works too.
    """
    hints = _HINTS.get(cls)
    if hints is None:
        if cls is Report:
            from importaudit.model.findings import Finding, Verdict
            from importaudit.model.runtime import (
                ChildFailure,
                ModuleRecord,
                RunMeta,
                SkippedModule,
            )
            from importaudit.model.static import Cycle, StaticGraph

            globals().update(
                Finding=Finding, Verdict=Verdict, ChildFailure=ChildFailure,
                ModuleRecord=ModuleRecord, RunMeta=RunMeta, SkippedModule=SkippedModule,
                Cycle=Cycle, StaticGraph=StaticGraph)
        hints = _HINTS[cls] = typing.get_type_hints(cls)
    return hints


def _from_fields(cls: type[T], data: Any, where: str) -> T:
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected an object, got {type(data).__name__}")
    hints = type_hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name in data:
            kwargs[f.name] = _convert(hints[f.name], data[f.name], f"{where}.{f.name}")
    return cls(**kwargs)


def _upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """Bring an older report's data up to SCHEMA_VERSION (one step per version)."""
    # 1 -> 2: nothing to move. A version 1 report has no heap gaps: a heap run that
    # did not finish failed the whole run (`failure`) then.
    return data


def _watched_trials(data: dict[str, Any]) -> None:
    """Mark the cycle trials that watched for caught failures, in a report from before the flag.

    The importaudit that first watched wrote each trial's `caught` (empty or not) but
    no `watched`: its trials watched. One from before wrote neither: they did not.
    (Malformed data is left as it is, for the reading to refuse.)
    """
    cycles = data.get("cycles")
    if not isinstance(cycles, list):
        return
    data["cycles"] = [
        {**cycle, "trials": [{**t, "watched": True}
                             if isinstance(t, dict) and "caught" in t and "watched" not in t
                             else t for t in cycle["trials"]]}
        if isinstance(cycle, dict) and isinstance(cycle.get("trials"), list) else cycle
        for cycle in cycles]


def report_from_dict(data: Any) -> Report:
    """Read a report from JSON data, refusing newer schema versions with a clear error."""
    if not isinstance(data, dict) or "schema_version" not in data:
        raise SchemaVersionError("not an importaudit report (no schema_version)")
    version = data["schema_version"]
    if not isinstance(version, int) or version < 1:
        raise SchemaVersionError(f"unknown report schema_version {version!r}")
    if version > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"report has schema_version {version}, newer than this importaudit "
            f"understands ({SCHEMA_VERSION}); upgrade importaudit to read it"
        )
    data = _upgrade(dict(data))
    _watched_trials(data)
    data["schema_version"] = SCHEMA_VERSION
    try:
        return _from_fields(Report, data, "report")
    except (ValueError, KeyError, TypeError) as exc:
        raise SchemaVersionError(f"malformed report: {exc}") from exc


def report_to_dict(report: Report) -> dict[str, Any]:
    """The JSON form of a report (the inverse of `report_from_dict`)."""
    data: dict[str, Any] = to_dict(report)
    return data
