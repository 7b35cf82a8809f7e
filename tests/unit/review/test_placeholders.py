"""IA401 on a real fixture package: markers used by identity are not placeholders.

tests/fixtures/review/markers reproduces pydantic.v1's JsonWrapper (a marker base, tested
with a subclass helper and used as the base of generated types) and DeferredType (an
empty class instantiated as a stand-in and compared with `__class__ is`), a sentinel
reached through a star re-export, and two empty classes callers use as if implemented.
"""

from __future__ import annotations

from review_samples import make_report, rec

from importaudit.review import run_review

MODULES = ("markers", "markers.types", "markers.fields", "markers.generics", "markers.env",
           "markers.api")


def test_markers_are_not_placeholders_but_classes_used_as_implemented_are() -> None:
    records = tuple(rec(name, None if i == 0 else "markers", i, 100, 100, 10, 10)
                    for i, name in enumerate(MODULES))
    findings = [f for f in run_review(make_report(("markers",), records)).findings
                if f.code == "IA401"]
    assert [(f.module, f.line) for f in findings] == [("markers.api", 8)]
    [finding] = findings
    assert "(Exporter, Plugin)" in finding.message


def test_unused_empty_class_is_still_a_placeholder() -> None:
    # Without markers.generics, nothing uses DeferredType as a marker in the package...
    # except fields' own `__class__ is not` test, which is one: the class stays a marker.
    # Without markers.env, `Missing` has no use at all: exported for callers, a placeholder.
    names = tuple(n for n in MODULES if n != "markers.env")
    records = tuple(rec(name, None if i == 0 else "markers", i, 100, 100, 10, 10)
                    for i, name in enumerate(names))
    found = {f.module: f.message for f in run_review(make_report(("markers",), records)).findings
             if f.code == "IA401"}
    assert set(found) == {"markers.types", "markers.api"}
    assert "(Missing)" in found["markers.types"]
