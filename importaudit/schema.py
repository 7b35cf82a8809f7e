"""The JSON Schemas of what importaudit writes, derived from the report model.

`importaudit/schemas/` holds them as published files (JSON Schema 2020-12), for tools
that read our JSON: `report.schema.json` for every report (`profile`, `graph`,
`cycles`, `check`, `review` with `--format json`, and saved reports),
`baseline.schema.json` for baseline files and `fix.schema.json` for `fix --format
json` (written here, beside `fix.output` that makes the document). The report's is
generated from the frozen dataclasses of `importaudit.model`, so the model stays the
one home of the format; a
test regenerates them and fails when the published files differ
(`python -m importaudit.schema` rewrites them).

The ranges a reader may trust live here too (times from 0 to a day, counts not
negative, memory within a pebibyte either way): the schemas state them, and
`baseline.load` refuses a saved report outside them.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import sys
import types
import typing
from pathlib import Path
from typing import Any

from importaudit import model

#: Where the published schema files live inside the package.
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
DIALECT = "https://json-schema.org/draft/2020-12/schema"

#: No import takes a day: a larger time is damage, and would switch the time check off.
MAX_NS = 24 * 3600 * 1_000_000_000
#: Memory growth, either way, beyond a pebibyte is damage as well.
MAX_BYTES = 2**50
#: Integer fields that count things, so are never negative.
COUNT_FIELDS = frozenset({"order", "depth", "runs", "repeats", "line", "total", "records",
                          "full_collections", "samples"})


def integer_range(name: str) -> tuple[int, int | None] | None:
    """(lowest, highest or None) an integer field called `name` may hold; None: any."""
    if name.endswith("_ns"):
        return 0, MAX_NS
    if name.endswith("_bytes"):
        # Memory can shrink while a module imports (freed caches): growth may be negative.
        return (0 if name == "heap_peak_bytes" else -MAX_BYTES), MAX_BYTES
    if name in COUNT_FIELDS:
        return 0, None
    return None


def _summary(cls: type) -> str:
    return (cls.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")


#: JSON types of the scalar field types of the model
_SCALARS: dict[Any, str] = {bool: "boolean", float: "number", str: "string",
                            type(None): "null"}


def _integer_schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer"}
    bounds = integer_range(name)
    if bounds is not None:
        schema["minimum"] = bounds[0]
        if bounds[1] is not None:
            schema["maximum"] = bounds[1]
    return schema


def _type_schema(tp: Any, name: str, defs: dict[str, Any]) -> dict[str, Any]:
    """The schema of a value of annotated type `tp` held by the field `name`."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [_type_schema(a, name, defs) for a in typing.get_args(tp)]}
    if origin is tuple:
        return {"type": "array", "items": _type_schema(typing.get_args(tp)[0], name, defs)}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        # as model.to_dict writes them: IntEnums by lower-case name, others by value
        return {"enum": [m.name.lower() if isinstance(m, enum.IntEnum) else m.value
                         for m in tp]}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        _define(tp, defs)
        return {"$ref": f"#/$defs/{tp.__name__}"}
    if tp in _SCALARS:
        return {"type": _SCALARS[tp]}
    if tp is int:
        return _integer_schema(name)
    raise TypeError(f"no JSON Schema for field {name!r} of type {tp!r}")


def _define(cls: type, defs: dict[str, Any]) -> None:
    """Add the object schema of dataclass `cls` (and those it holds) to `defs`."""
    if cls.__name__ in defs:
        return
    defs[cls.__name__] = {}  # reserved first: dataclasses may refer to each other
    hints = model.type_hints(cls)
    fields = dataclasses.fields(cls)
    defs[cls.__name__] = {
        "description": _summary(cls),
        "type": "object",
        "properties": {f.name: _type_schema(hints[f.name], f.name, defs) for f in fields},
        # We write every field, always (model.to_dict); readers accept older files
        # without the ones added since.
        "required": [f.name for f in fields],
        "additionalProperties": False,
    }


def report_schema() -> dict[str, Any]:
    """The JSON Schema of a report of the current `SCHEMA_VERSION`."""
    defs: dict[str, Any] = {}
    _define(model.Report, defs)
    root = defs.pop("Report")
    root["properties"]["schema_version"] = {"const": model.SCHEMA_VERSION}
    return {"$schema": DIALECT, "$id": "urn:importaudit:schema:report",
            "title": f"importaudit report, schema_version {model.SCHEMA_VERSION}",
            **root, "$defs": dict(sorted(defs.items()))}


def baseline_schema() -> dict[str, Any]:
    """The JSON Schema of a baseline file (`importaudit baseline save`)."""
    from importaudit.baseline import BASELINE_VERSION, FORMAT_NAME

    return {
        "$schema": DIALECT, "$id": "urn:importaudit:schema:baseline",
        "title": f"importaudit baseline, baseline_version {BASELINE_VERSION}",
        "description": "A saved report to compare later runs with, and where it came from.",
        "type": "object",
        "properties": {
            "format": {"const": FORMAT_NAME},
            "baseline_version": {"const": BASELINE_VERSION},
            "saved_at": {"type": "string", "description": "ISO 8601, UTC"},
            "git_commit": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "report": {"$ref": "urn:importaudit:schema:report"},
        },
        "required": ["format", "baseline_version", "saved_at", "git_commit", "report"],
        "additionalProperties": False,
    }


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _closed(properties: dict[str, Any], description: str = "") -> dict[str, Any]:
    """An object with exactly these properties, all written always."""
    return {**({"description": description} if description else {}), "type": "object",
            "properties": properties, "required": list(properties),
            "additionalProperties": False}


def fix_schema() -> dict[str, Any]:
    """The JSON Schema of `importaudit fix --format json` (see `fix.output.to_dict`)."""
    from importaudit.fix.output import FIX_SCHEMA

    text, strings = {"type": "string"}, {"type": "array", "items": {"type": "string"}}
    count = {"type": "integer", "minimum": 0}
    signed = _nullable({"type": "integer"})  # a saving can be negative (noise, or a loss)
    cost = _nullable(_closed({"time_ns": _nullable(count), "heap_bytes": _nullable(count),
                              "modules": count}))
    least = {**signed, "description": "The least heap drop over every pairing of the "
             "repeated heap runs of both sides (the lowest run before minus the highest "
             "after), measured where the offer hangs on the heap alone; null: not measured "
             "again, or the runs do not separate it from their spread. Only this counts "
             "as a heap saving"}
    saving = _closed({"time_ns": signed, "heap_bytes": signed, "modules": signed,
                      "heap_bytes_least": least},
                     "What importing the rewritten module no longer costs because of "
                     "this rewrite: with every proven rewrite applied, minus with all "
                     "but this one")
    breakage = _closed({"module": text, "name": _nullable(text), "message": text})
    rewrite = _closed({
        "module": text, "file": text, "created": {"type": "boolean"},
        "codes": strings, "kind": {"enum": ["lazy", "type-only", "deferred", "narrowed"]},
        "names": strings, "added_names": strings,
        "narrowed": {**strings, "description": "Names now imported from the module that "
                     "defines them (IA103), bound to the same objects as before"},
        "functions": _nullable(count),
        "lazy_values": {**strings, "description": "Module-level values now built on first "
                        "access by a module `__getattr__`: not in the module's `__dict__` "
                        "(`vars()`) until then"},
        "kept_for_order": {**strings, "description": "A lazy `__init__`: the names it "
                           "keeps eager because an import cycle needs the order the eager "
                           "`__init__` imports them in (each of the cycle's members, "
                           "imported first with them lazy, broke)"},
        "exclusive_saving": _nullable(saving),
        "rounds": {"type": "array", "items": {"type": "integer", "minimum": 1},
                   "description": "The rounds of fix that rewrote this file (each round "
                                  "reviews the copy the rounds before it proved)"},
        "proof": _closed({"passed": _nullable({"type": "boolean"}),
                          "not_run": _nullable(text),
                          "broke": {"type": "array", "items": breakage}}),
        "diff": text,
    })
    share = _nullable({"type": "number"})
    runs = _closed({"fastest_ns": count, "slowest_ns": count, "runs": count},
                   "The fastest and slowest run of importing the targets (summed over "
                   "them), and how many runs were measured")
    timing = _closed({
        "verdict": {"enum": ["faster", "slower", "within-noise", "not-judged"],
                    "description": "faster/slower: every run after beat (lost to) every "
                    "run before; within-noise: the runs overlap, so `saving.time_ns` (the "
                    "medians' ratio) is no saving; not-judged: a side had one run"},
        "before": runs, "after": runs})
    return {
        "$schema": DIALECT, "$id": "urn:importaudit:schema:fix",
        "title": f"importaudit fix, schema_version {FIX_SCHEMA}",
        **_closed({
            "schema_version": {"const": FIX_SCHEMA},
            "rewrites": {"type": "array", "items": rewrite},
            "left_alone": {"type": "array", "items": _closed({
                "module": text, "file": text, "line": _nullable(count),
                "name": _nullable(text), "reason": text})},
            "unattributed": {"type": "array", "items": _closed(
                {"module": text, "message": text})},
            "modules_checked": count,
            "cost": _closed({"before": cost, "after": cost, "saving": _nullable(_closed(
                {"time_ns": share, "heap_bytes": share, "modules": share})),
                "time": _nullable(timing)}),
            "tests": _nullable(_closed({"command": text, "returncode": {"type": "integer"},
                                        "tail": text})),
            "written": strings,
            "costlier": strings,
            "style": {"enum": ["pep562", "lazy-loader", "pep810"]},
            "python_versions": _nullable(_closed({
                "requires_python": _nullable(text), "source": _nullable(text),
                "lowest": _nullable(text), "compiled_on": strings, "proven_on": strings,
                "not_checked": strings})),
            "rounds": {"type": "integer", "minimum": 1,
                       "description": "Review-and-prove rounds run"},
            "fixed_point": {"type": "boolean", "description": "False when fix stopped at "
                            "its bound of rounds while a round still proved new rewrites"},
            "stopped": {**_nullable(text), "description": "Why fix stopped before its "
                        "fixed point (--time-limit, or a signal: then what the finished "
                        "rounds proved, and fix exited 128 + the signal's number), "
                        "said; null: it did not"},
            "nothing_found": {**_nullable(text), "description": "Why the review gave "
                              "fix nothing to rewrite (null: it gave something)"},
        }, "Each rewrite `importaudit fix` proposed, its proof and saving, what it left "
           "alone and why, the measured cost before and after."),
    }


#: file name -> the function that builds its schema
SCHEMAS = {"report.schema.json": report_schema, "baseline.schema.json": baseline_schema,
           "fix.schema.json": fix_schema}


def schema_text(name: str) -> str:
    """The text of the published schema file `name`, as generated from the model."""
    return json.dumps(SCHEMAS[name](), indent=2) + "\n"


def main() -> None:
    """Rewrite the published schema files from the model."""
    from importaudit._atomic import write_text_atomic

    SCHEMA_DIR.mkdir(exist_ok=True)
    for name in SCHEMAS:
        write_text_atomic(SCHEMA_DIR / name, schema_text(name))
        sys.stdout.write(f"wrote {SCHEMA_DIR / name}\n")


if __name__ == "__main__":
    main()
