"""JUnit XML: one test case per check of the gate, so CI test tabs list each budget and rule.

A failed check is a `<failure>` whose text holds the measured value, the limit and the
chain; a target that failed to import is an `<error>`; a check that could not run (heap
not measured, no static graph) is `<skipped>`. The output follows the schema CI servers
read (the Jenkins xunit `junit-10.xsd`, also used by pytest).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, TextIO

from importaudit.checks import split_check_id, violations_of

if TYPE_CHECKING:
    from importaudit.model import Report, Violation
    from importaudit.render import RenderOptions

SUITE = "importaudit check"


def _failure_text(violation: Violation) -> str:
    lines = [violation.message]
    if violation.measured is not None and violation.limit is not None:
        lines.append(f"measured: {violation.measured:g}, limit: {violation.limit:g}")
    if violation.chain:
        lines.append("chain: " + " -> ".join(violation.chain))
    if violation.file:
        lines.append(f"at: {violation.file}" + (f":{violation.line}" if violation.line else ""))
    if violation.confidence is not None:
        lines.append(f"confidence: {100 * violation.confidence:.1f}%")
    return "\n".join(lines)


def build(report: Report) -> ET.Element:
    """The `<testsuites>` element for `report`."""
    suite = ET.Element("testsuite", name=SUITE, timestamp=report.created_at)
    properties = ET.SubElement(suite, "properties")
    props = {"targets": ", ".join(report.targets), "importaudit": report.tool_version}
    if report.meta is not None:
        props |= {"python": report.meta.python_version, "repeats": str(report.meta.repeats)}
    for name, value in props.items():
        ET.SubElement(properties, "property", name=name, value=value)

    tests = failures = errors = skipped = 0
    verdict = report.verdict
    checks = verdict.checks if verdict is not None else ()
    for check in checks:
        kind, subject = split_check_id(check.name)
        case = ET.SubElement(suite, "testcase", classname=f"importaudit.{kind}", name=subject,
                             time="0")
        tests += 1
        found = violations_of(verdict, check) if verdict is not None else []
        if check.undecided:  # not measured, so not judged: an error of the run
            errors += 1
            ET.SubElement(case, "error", type="cannot-judge", message=check.detail)
        elif check.skipped:
            skipped += 1
            ET.SubElement(case, "skipped", message=check.detail)
        elif found:
            # An import that failed is an error of the run, not a failed budget.
            tag = "error" if kind == "import" else "failure"
            errors += tag == "error"
            failures += tag == "failure"
            element = ET.SubElement(case, tag, type=kind,
                                    message="; ".join(v.message for v in found))
            element.text = "\n\n".join(_failure_text(v) for v in found)
        elif check.detail:
            ET.SubElement(case, "system-out").text = check.detail
    if verdict is None and report.failure is not None:
        case = ET.SubElement(suite, "testcase", classname="importaudit.import",
                             name=", ".join(report.targets), time="0")
        ET.SubElement(case, "error", type="import", message=report.failure.message)
        tests, errors = tests + 1, errors + 1
    counts = {"tests": str(tests), "failures": str(failures), "errors": str(errors)}
    suite.attrib |= counts | {"skipped": str(skipped)}
    root = ET.Element("testsuites", {"name": "importaudit", **counts})
    root.append(suite)
    return root


def render(report: Report, stream: TextIO, options: RenderOptions) -> None:
    """Write `report`'s verdict as JUnit XML."""
    root = build(report)
    ET.indent(root)
    stream.write('<?xml version="1.0" encoding="utf-8"?>\n')
    stream.write(ET.tostring(root, encoding="unicode"))
    stream.write("\n")
