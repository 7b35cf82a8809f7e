"""The one report model: frozen value objects, versioned, round-tripped losslessly.

Every command produces a `Report`; every renderer consumes one. Units live in names and
integers (`self_ns`, `heap_bytes`); formatting to text is `importaudit.units`.

This package is the model's one public home: import its names from `importaudit.model`.
They are defined by job in the modules below it: `runtime` (what importing each module
cost, and how it was measured), `static` (the import graph and its cycles), `findings`
(what the review and the gate conclude) and `report` (the versioned `Report` and its JSON
form: `to_dict` / `report_from_dict` refuse a report of a newer schema version with a
clear error and upgrade older ones).

The names are attached lazily (PEP 562): creating a frozen dataclass costs about a
millisecond, so a static command, which needs the graph's classes and `Report`, does not
pay for the runtime measurement's or the review's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from importaudit._lazy import attach

if TYPE_CHECKING:
    from importaudit.model.findings import (
        CheckResult,
        Finding,
        Impact,
        Severity,
        Verdict,
        Violation,
    )
    from importaudit.model.report import (
        SCHEMA_VERSION,
        Report,
        report_from_dict,
        report_to_dict,
        to_dict,
        type_hints,
    )
    from importaudit.model.runtime import (
        ChildFailure,
        HeapGap,
        LineTime,
        LoopBlock,
        ModuleRecord,
        RunMeta,
        ShardInfo,
        ShardRun,
        SkippedModule,
    )
    from importaudit.model.static import (
        IMPORT_TIME_KINDS,
        KIND_ORDER,
        CaughtImport,
        Cycle,
        EdgeKind,
        ImportEdge,
        ImportTrial,
        ModuleNode,
        Proof,
        ScanProblem,
        StaticGraph,
        cycle_changes,
    )

#: public name -> the module that defines it
_HOMES: dict[str, str] = {
    **dict.fromkeys(("CheckResult", "Finding", "Impact", "Severity", "Verdict", "Violation"),
                    "importaudit.model.findings"),
    **dict.fromkeys(("SCHEMA_VERSION", "Report", "report_from_dict", "report_to_dict",
                     "to_dict", "type_hints"), "importaudit.model.report"),
    **dict.fromkeys(("ChildFailure", "HeapGap", "LineTime", "LoopBlock", "ModuleRecord",
                     "RunMeta", "ShardInfo", "ShardRun", "SkippedModule"),
                    "importaudit.model.runtime"),
    **dict.fromkeys(("IMPORT_TIME_KINDS", "KIND_ORDER", "CaughtImport", "Cycle", "EdgeKind",
                     "ImportEdge", "ImportTrial", "ModuleNode", "Proof", "ScanProblem",
                     "StaticGraph", "cycle_changes"), "importaudit.model.static"),
}

__all__ = [
    "IMPORT_TIME_KINDS", "KIND_ORDER", "SCHEMA_VERSION", "CaughtImport", "CheckResult",
    "ChildFailure", "Cycle", "EdgeKind", "Finding", "HeapGap", "Impact", "ImportEdge",
    "ImportTrial", "LineTime", "LoopBlock", "ModuleNode", "ModuleRecord", "Proof", "Report",
    "RunMeta", "ScanProblem", "Severity", "ShardInfo", "ShardRun", "SkippedModule",
    "StaticGraph", "Verdict", "Violation", "cycle_changes", "report_from_dict",
    "report_to_dict", "to_dict", "type_hints",
]


__getattr__, __dir__ = attach(__name__, _HOMES)
