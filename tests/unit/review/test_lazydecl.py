"""Findings on imports a file lists in `__lazy_modules__` (PEP 810) say so."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from review_samples import make_report

from importaudit.model import Finding, ModuleRecord, Severity
from importaudit.review import lazydecl

INIT = Path(__file__).parents[2] / "fixtures" / "review" / "declazy" / "__init__.py"


def _finding(line: int, module: str = "declazy", file: Path = INIT) -> Finding:
    return Finding(code="IA101", title="Package __init__ eagerly imports its submodules",
                   severity=Severity.HIGH, module=module, message="It imports it.",
                   fix="Make it lazy.", file=str(file), line=line)


def test_a_finding_on_an_import_listed_lazy_says_from_which_python() -> None:
    # tox 4.67's `__init__` lists `f"{__spec__.parent}.run"` in `__lazy_modules__`:
    # lazy on 3.15, eager on the 3.11 measured; its IA101 said nothing of it.
    module = ModuleRecord(name="declazy", origin=str(INIT), is_package=True, runs=5)
    report = make_report(("declazy",), (module,))
    engine = _finding(5)
    # (an import's own finding: IA102, a heavy import only functions use)
    stdlib, other = (dataclasses.replace(_finding(line), code="IA102") for line in (6, 7))
    noted = lazydecl.note_declared_lazy(report, [engine, stdlib, other])
    assert noted[0].message == (
        "It imports it. Its file lists declazy.engine in `__lazy_modules__`: lazy from "
        "Python 3.15 on (PEP 810), while the measured Python 3.11 imports it where the "
        "statement stands.")
    assert "json in `__lazy_modules__`" in noted[1].message
    assert noted[2] == other  # (not listed: eager on every Python)
    # Measured on 3.15, such an import is lazy already: nothing to add.
    assert report.meta is not None
    later = dataclasses.replace(report, meta=dataclasses.replace(report.meta,
                                                                 python_version="3.15.0"))
    assert lazydecl.note_declared_lazy(later, [engine]) == [engine]


def test_no_note_where_python_3_15_would_not_make_it_lazy() -> None:
    # A star import is never lazy (PEP 810 forbids `lazy from x import *`); once the
    # list is changed by `+=` (or `del`, a call, an assignment under an `if`) what it
    # holds is unknown here. An import in a `with` block is lazy there.
    edges = INIT.with_name("edges.py")
    module = ModuleRecord(name="declazy.edges", origin=str(edges), runs=5)
    report = make_report(("declazy",), (module,))
    star, within, after = (_finding(line, "declazy.edges", edges) for line in (7, 10, 14))
    noted = lazydecl.note_declared_lazy(report, [star, within, after])
    assert noted[0] == star and noted[2] == after
    assert "lists csv in `__lazy_modules__`" in noted[1].message


def test_a_package_finding_names_every_submodule_its_file_lists() -> None:
    # tox.config.source lists `api` and `discover` and imports both (lines 8, 9); its
    # IA101, on the first, named only `api`. The module it lists that is no submodule
    # (json) is not what IA101 is about; another rule's finding keeps to its line.
    init = INIT.parent.with_name("declazypair") / "__init__.py"
    module = ModuleRecord(name="declazypair", origin=str(init), is_package=True, runs=5)
    report = make_report(("declazypair",), (module,))
    package = _finding(10, "declazypair", init)
    one_line = dataclasses.replace(package, code="IA501")
    noted = lazydecl.note_declared_lazy(report, [package, one_line])
    assert noted[0].message == (
        "It imports it. Its file lists declazypair.api, declazypair.discover in "
        "`__lazy_modules__`: lazy from Python 3.15 on (PEP 810), while the measured "
        "Python 3.11 imports them where their statements stand.")
    assert "lists declazypair.api in" in noted[1].message
    assert "discover" not in noted[1].message
