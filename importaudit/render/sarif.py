"""SARIF 2.1.0: gate violations and review findings for code-scanning UIs.

Each violation becomes an `error` result and each finding a result whose level follows
its severity. Files inside the project root are given relative to `%SRCROOT%` (so the
UI links them to the repository), with the line where it is known; the module a result
is about is its logical location. A stable fingerprint per check and subject lets code
scanning recognise the same problem across runs. What the run says about itself (its
notes, the gate's warnings and notes) goes to the invocation's
`toolExecutionNotifications`, and the interpreters that measured and read the graph to
its properties: a `check --from` that read the graph elsewhere than the report was
measured shows it there, not only on the terminal.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from importaudit.model import Severity

if TYPE_CHECKING:
    from importaudit.model import Finding, Report, Violation
    from importaudit.render import RenderOptions

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/importaudit/"

#: check -> (short description, what to do about it)
CHECKS: dict[str, tuple[str, str]] = {
    "import": ("A target failed to import",
               "Run `importaudit profile TARGET` to see the exception and fix the import."),
    "forbidden": ("Importing a module loads a forbidden module",
                  "Move the import that starts the chain into the function that needs it, "
                  "or under `if TYPE_CHECKING:` when only annotations use it."),
    "cycle": ("Import cycle",
              "Break the cycle at one of the suggested edges: defer the import into a "
              "function or move it under `if TYPE_CHECKING:`."),
    "budget.max_modules": ("Import loads more modules than its budget",
                           "Defer the imports that pull in the most modules."),
    "budget.max_heap_bytes": ("Import allocates more Python heap than its budget",
                              "Defer building large tables or loading data until first use."),
    "budget.max_rss_bytes": ("Import grows the process memory beyond its budget",
                             "Defer native libraries and large allocations until first use."),
    "budget.max_cumulative_ms": ("Import takes longer than its budget",
                                 "Run `importaudit profile` and defer the slowest imports."),
    "regression.modules": ("Import loads modules the baseline did not",
                           "Make the new imports lazy, or save a new baseline if intended."),
    "regression.heap": ("Import takes more heap than the baseline",
                        "Look at the modules whose own heap grew most."),
    "regression.time": ("Import got slower than the baseline",
                        "Look at the modules whose own time grew most."),
}

_LEVELS = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
           Severity.LOW: "note", Severity.INFO: "note"}


def _location(file: str | None, line: int | None, module: str | None,
              root: Path) -> dict[str, Any] | None:
    location: dict[str, Any] = {}
    if file:
        path = Path(file)
        absolute = path if path.is_absolute() else root / path
        try:
            artifact = {"uri": absolute.resolve().relative_to(root.resolve()).as_posix(),
                        "uriBaseId": "SRCROOT"}
        except ValueError:
            artifact = {"uri": absolute.resolve().as_uri()}
        physical: dict[str, Any] = {"artifactLocation": artifact}
        if line:
            physical["region"] = {"startLine": line}
        location["physicalLocation"] = physical
    if module:
        location["logicalLocations"] = [{"fullyQualifiedName": module, "kind": "module"}]
    return location or None


def _fingerprint(*parts: str) -> dict[str, str]:
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return {"importaudit/v1": digest}


def _is_module(subject: str) -> bool:
    return all(part.isidentifier() for part in subject.split("."))


def _violation_result(v: Violation, rule_index: int, root: Path) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": v.check, "ruleIndex": rule_index, "level": "error",
        "message": {"text": v.message},
        "partialFingerprints": _fingerprint(v.check, v.subject),
    }
    location = _location(v.file, v.line, v.subject if _is_module(v.subject) else None, root)
    if location:
        result["locations"] = [location]
    properties: dict[str, Any] = {"subject": v.subject}
    for key in ("measured", "limit", "confidence"):
        if getattr(v, key) is not None:
            properties[key] = getattr(v, key)
    if v.chain:
        properties["chain"] = list(v.chain)
    result["properties"] = properties
    return result


def _finding_result(f: Finding, rule_index: int, root: Path) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.code, "ruleIndex": rule_index, "level": _LEVELS[f.severity],
        "message": {"text": f"{f.message} Fix: {f.fix}" if f.fix else f.message},
        "partialFingerprints": _fingerprint(f.code, f.module, f.file or "", str(f.line or "")),
        "properties": {"severity": f.severity.name.lower()}
        | ({"chain": list(f.chain)} if f.chain else {}),
    }
    location = _location(f.file, f.line, f.module, root)
    if location:
        result["locations"] = [location]
    return result


def _invocation(report: Report) -> dict[str, Any]:
    """The run's invocation: whether it succeeded, its notes, and its interpreters."""
    from importaudit.render import run_notes

    verdict = report.verdict
    told = [("error", f"cannot judge {u}") for u in (verdict.undecided if verdict else ())]
    told += [("warning", w) for w in (verdict.warnings if verdict is not None else ())]
    told += [("note", n) for n in
             dict.fromkeys((*run_notes(report), *(verdict.notes if verdict else ())))]
    # A run a signal cut short did not complete, whatever it measured before.
    cut = report.meta is not None and report.meta.interrupted is not None
    # A check that could not judge (heap figures not measured) did not complete either:
    # a gate reading SARIF alone must not take its silence for a pass.
    undecided = verdict is not None and bool(verdict.undecided)
    invocation: dict[str, Any] = {
        "executionSuccessful": report.failure is None and not cut and not undecided}
    if told:
        invocation["toolExecutionNotifications"] = [
            {"level": level, "message": {"text": text}} for level, text in told]
    pythons = {"python": report.meta.python if report.meta is not None else None,
               "graphPython": report.graph.python if report.graph is not None else None}
    if any(pythons.values()):
        invocation["properties"] = {k: v for k, v in pythons.items() if v}
    return invocation


def build(report: Report, root: Path | None = None) -> dict[str, Any]:
    """The SARIF log for `report`, with paths relative to `root` (default: the cwd)."""
    root = root or Path(os.getcwd())
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}

    def rule(rule_id: str, short: str, help_text: str) -> int:
        if rule_id not in index:
            index[rule_id] = len(rules)
            rules.append({"id": rule_id, "name": rule_id.replace(".", "-"),
                          "shortDescription": {"text": short},
                          "help": {"text": help_text}})
        return index[rule_id]

    results = []
    violations = report.verdict.violations if report.verdict is not None else ()
    for v in violations:
        short, help_text = CHECKS.get(v.check, (v.check, v.message))
        results.append(_violation_result(v, rule(v.check, short, help_text), root))
    for f in report.findings:
        results.append(_finding_result(f, rule(f.code, f.title, f.fix), root))
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "importaudit", "version": report.tool_version,
                            "informationUri": INFORMATION_URI, "rules": rules}},
        "originalUriBaseIds": {"SRCROOT": {"uri": root.resolve().as_uri() + "/"}},
        "invocations": [_invocation(report)],
        "results": results,
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render(report: Report, stream: TextIO, options: RenderOptions) -> None:
    """Write `report` as a SARIF 2.1.0 log."""
    json.dump(build(report), stream, indent=2)
    stream.write("\n")
