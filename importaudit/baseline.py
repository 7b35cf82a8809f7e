"""Baselines: a saved report to compare later runs with, and the diff of two reports.

A baseline file is versioned JSON written atomically (a CI job killed half-way leaves
the old file). Format 2, written by `importaudit baseline save`, wraps the report with
when and from which commit it was saved. Format 1 is any bare saved report (what
`--format json` writes); it is read by migrating it to format 2, so a report kept from
an earlier run can serve as a baseline. Files of a newer format, or holding a report of
a newer schema, are refused with a clear error rather than misread.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from importaudit._atomic import write_text_atomic
from importaudit.errors import SchemaVersionError, UsageError
from importaudit.model import cycle_changes, report_from_dict, report_to_dict
from importaudit.schema import integer_range

if TYPE_CHECKING:
    import os

    from importaudit.model import Cycle, Report, Verdict

FORMAT_NAME = "importaudit-baseline"
BASELINE_VERSION = 2


@dataclass(frozen=True, slots=True)
class Baseline:
    """A saved report and where it came from."""

    report: Report
    saved_at: str  # ISO 8601, UTC
    git_commit: str | None = None
    version: int = BASELINE_VERSION
    migrated_from: int | None = None  # the older format version it was read from


def to_dict(baseline: Baseline) -> dict[str, Any]:
    """The JSON form of a baseline (format `BASELINE_VERSION`)."""
    return {
        "format": FORMAT_NAME,
        "baseline_version": BASELINE_VERSION,
        "saved_at": baseline.saved_at,
        "git_commit": baseline.git_commit,
        "report": report_to_dict(baseline.report),
    }


def _migrate(data: dict[str, Any]) -> tuple[dict[str, Any], int | None]:
    """Bring older baseline data up to `BASELINE_VERSION`, one step per version."""
    if "baseline_version" not in data and "schema_version" in data:
        # Format 1: a bare report. Its own creation time is when it was measured.
        report = data
        data = {"format": FORMAT_NAME, "baseline_version": 2,
                "saved_at": str(report.get("created_at", "")), "git_commit": None,
                "report": report}
        return data, 1
    return data, None


def _out_of_range(name: str, value: int) -> str | None:
    """Why `value` cannot be the integer field `name` of a saved report, or None."""
    bounds = integer_range(name)
    if bounds is None:
        return None
    low, high = bounds
    if low <= value and (high is None or value <= high):
        return None
    if name.endswith("_ns"):
        return f"{value} is not a time from 0 to a day"
    if name.endswith("_bytes"):
        return f"{value} bytes is out of range"
    return f"{value} is negative"


def implausible(report: Report) -> str | None:
    """What in a read-back report no measurement can have produced, or None.

    Types were checked when reading; this checks the ranges the published schema states
    (`schema.integer_range`: times from 0 to a day, counts not negative, memory within a
    pebibyte) and that each module has one record, since the gate trusts a baseline's
    numbers as its reference.
    """
    seen: set[str] = set()
    for module in report.modules:
        if module.name in seen:
            return f"module {module.name!r} has two records"
        seen.add(module.name)
        for field in dataclasses.fields(module):
            value = getattr(module, field.name)
            problem = _out_of_range(field.name, value) if type(value) is int else None
            if problem:
                return f"module {module.name!r}: {field.name} {problem}"
    meta = report.meta
    if meta is not None:
        for name in ("startup_ns", "wall_ns", "repeats"):
            value = getattr(meta, name)
            problem = None if value is None else _out_of_range(name, value)
            if problem:
                return f"meta: {name} {problem}"
    return None


def from_dict(data: Any, where: str = "baseline") -> Baseline:
    """Read a baseline from JSON data, migrating older formats and refusing newer ones."""
    if not isinstance(data, dict):
        raise SchemaVersionError(f"{where}: not an importaudit baseline or report")
    data, migrated_from = _migrate(data)
    version = data.get("baseline_version")
    if data.get("format") != FORMAT_NAME or not isinstance(version, int) or version < 1:
        raise SchemaVersionError(f"{where}: not an importaudit baseline or report")
    if version > BASELINE_VERSION:
        raise SchemaVersionError(
            f"{where}: baseline format {version} is newer than this importaudit understands "
            f"({BASELINE_VERSION}); upgrade importaudit or save the baseline again"
        )
    try:
        report = report_from_dict(data.get("report"))
    except SchemaVersionError as exc:
        raise SchemaVersionError(f"{where}: {exc}") from exc
    problem = implausible(report)
    if problem:
        raise SchemaVersionError(f"{where}: {problem}; save the baseline again")
    commit = data.get("git_commit")
    return Baseline(report=report, saved_at=str(data.get("saved_at", "")),
                    git_commit=commit if isinstance(commit, str) else None,
                    migrated_from=migrated_from)


def save(report: Report, path: str | os.PathLike[str], *, saved_at: str,
         git_commit: str | None = None) -> Baseline:
    """Write `report` as the baseline at `path` (atomically; parent folders created).

    The verdict of the run that produced the report is dropped: a baseline holds
    measurements, and the next run's verdict is its own.
    """
    baseline = Baseline(report=dataclasses.replace(report, verdict=None), saved_at=saved_at,
                        git_commit=git_commit)
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # Sorted, indented keys keep the committed file's diffs readable.
        write_text_atomic(target, json.dumps(to_dict(baseline), indent=1, sort_keys=True) + "\n")
    except OSError as exc:
        raise UsageError(f"cannot write baseline {target}: {exc.strerror or exc}") from exc
    return baseline


def load(path: str | os.PathLike[str]) -> Baseline:
    """Read the baseline (or bare saved report) at `path`."""
    target = Path(path)
    try:
        text = target.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise UsageError(
            f"no baseline at {target}: save one with `importaudit baseline save`"
        ) from exc
    except OSError as exc:
        raise UsageError(f"cannot read baseline {target}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:  # we write UTF-8 JSON: this is some other file
        raise UsageError(f"{target}: not valid JSON (not UTF-8 text)") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{target}: not valid JSON ({exc.msg}, line {exc.lineno})") from exc
    return from_dict(data, str(target))


# --------------------------------------------------------------------------- diff


@dataclass(frozen=True, slots=True)
class ModuleDelta:
    """One module's numbers in the old and the new report (None: absent or unmeasured)."""

    name: str
    status: str  # "new" | "removed" | "both"
    old_self_ns: int | None = None
    new_self_ns: int | None = None
    old_cumulative_ns: int | None = None
    new_cumulative_ns: int | None = None
    old_heap_bytes: int | None = None
    new_heap_bytes: int | None = None

    @property
    def cumulative_delta_ns(self) -> int:
        """New minus old cumulative time (a missing side counts as 0)."""
        return (self.new_cumulative_ns or 0) - (self.old_cumulative_ns or 0)

    @property
    def self_delta_ns(self) -> int:
        """New minus old self time (a missing side counts as 0)."""
        return (self.new_self_ns or 0) - (self.old_self_ns or 0)

    @property
    def heap_delta_bytes(self) -> int | None:
        """New minus old heap, when both sides measured it (or one side is absent)."""
        if self.status == "both" and (self.old_heap_bytes is None or self.new_heap_bytes is None):
            return None
        return (self.new_heap_bytes or 0) - (self.old_heap_bytes or 0)


@dataclass(frozen=True, slots=True)
class ReportDiff:
    """What changed between two reports; `verdict` judges it with the gate's tolerances."""

    old: Report
    new: Report
    modules: tuple[ModuleDelta, ...]  # largest cumulative change first
    new_modules: tuple[str, ...]
    removed_modules: tuple[str, ...]
    new_cycles: tuple[Cycle, ...]
    fixed_cycles: tuple[Cycle, ...]
    verdict: Verdict | None = None


def diff(old: Report, new: Report, verdict: Verdict | None = None) -> ReportDiff:
    """Per-module deltas, new and removed modules, new and fixed cycles (pure)."""
    before = {m.name: m for m in old.modules if not m.preloaded}
    after = {m.name: m for m in new.modules if not m.preloaded}
    deltas = []
    for name in dict.fromkeys([*before, *after]):
        a, b = before.get(name), after.get(name)
        deltas.append(ModuleDelta(
            name=name, status="both" if a and b else "removed" if a else "new",
            old_self_ns=a.self_ns if a else None, new_self_ns=b.self_ns if b else None,
            old_cumulative_ns=a.cumulative_ns if a else None,
            new_cumulative_ns=b.cumulative_ns if b else None,
            old_heap_bytes=a.heap_bytes if a else None, new_heap_bytes=b.heap_bytes if b else None,
        ))
    deltas.sort(key=lambda d: (-abs(d.cumulative_delta_ns), d.name))
    appeared, fixed = cycle_changes(old.cycles, new.cycles)
    return ReportDiff(
        old=old, new=new, modules=tuple(deltas),
        new_modules=tuple(sorted(n for n in after if n not in before)),
        removed_modules=tuple(sorted(n for n in before if n not in after)),
        new_cycles=appeared, fixed_cycles=fixed, verdict=verdict,
    )
