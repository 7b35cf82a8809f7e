"""Cycle claims proven by running them: each suspect imported first, alone, fresh."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from importaudit import api
from importaudit.config import Config, CyclePolicy
from importaudit.cycletext import claim_label, claim_sentence, unreached_text
from importaudit.gate import evaluate
from importaudit.model import (
    Cycle,
    EdgeKind,
    ImportEdge,
    ImportTrial,
    ModuleNode,
    Proof,
    Report,
    Severity,
    StaticGraph,
    report_from_dict,
    report_to_dict,
)
from importaudit.review.cycles import _floor
from importaudit.runtime.interpreter import find_interpreter
from importaudit.runtime.verify import (
    TRIAL_PATH,
    entry_points,
    half_initialised,
    import_roots,
    run_trial,
    try_first,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

STATIC = Path(__file__).resolve().parents[2] / "fixtures" / "static"


@pytest.fixture(autouse=True)
def _in_fixtures(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(STATIC)
    monkeypatch.setenv("IMPORTAUDIT_CACHE_DIR", str(tmp_path / "cache"))


def test_a_cycle_that_fails_from_either_side_is_proven_with_the_error() -> None:
    report = api.cycles(["cyclic"], api.StaticOptions(verify=True))
    first = report.cycles[0]
    assert first.modules == ("pkg_a.core", "pkg_b.service")
    assert first.proof is Proof.FAILS and first.fails
    assert [t.module for t in first.trials] == ["pkg_a.core", "pkg_b.service"]
    core, service = first.trials
    assert core.circular and service.circular
    assert core.error is not None and core.error.startswith(
        "ImportError: cannot import name 'Base' from partially initialized module "
        "'pkg_a.core'")
    assert (Path(core.file or ""), core.line) == (Path("cyclic/pkg_b/service.py"), 3)
    assert (Path(service.file or ""), service.line) == (Path("cyclic/pkg_a/core.py"), 3)
    # The plain-import cycle was never suspected: it is run from each member it can
    # start at, and imports from both (it read "fragile (import order matters)").
    plain = report.cycles[1]
    assert not plain.can_fail and plain.proof is Proof.NOT_REPRODUCED
    assert [(t.module, t.error) for t in plain.trials] == [("pkg_a.left", None),
                                                         ("pkg_a.right", None)]
    assert claim_label(plain) == "imports from each of its 2 entry point(s) (run)"
    assert claim_sentence(plain) == (
        "It imports without error from each of its 2 entry point(s), each imported first, "
        "alone, in a fresh interpreter.")
    # An entry point that failed for another reason is not one it imports from.
    other = ImportTrial("pkg_a.extra", error="ModuleNotFoundError: No module named 'x'")
    mixed = dataclasses.replace(plain, trials=(*plain.trials, other))
    assert claim_label(mixed) == ("imports from 2 of its 3 entry point(s) (run; the others "
                                  "failed for another reason)")
    assert claim_sentence(mixed).endswith("; the others failed for another reason.")
    # Not run: it says why, as a suspicion does.
    unrun = api.cycles(["cyclic"], api.StaticOptions(verify=False, not_run="--no-verify"))
    assert unrun.cycles[1].not_run == "--no-verify" and unrun.cycles[1].trials == ()


def test_a_suspicion_that_does_not_fail_is_order_dependent() -> None:
    report = api.cycles(["orders"], api.StaticOptions(verify=True))
    (ordered,) = (c for c in report.cycles if c.packages == ("sideways",))
    assert ordered.can_fail
    assert ordered.proof is Proof.NOT_REPRODUCED and not ordered.fails
    # Its package imports nothing, so either module can start first: both are run.
    assert [(t.module, t.error, t.via) for t in ordered.trials] == [
        ("sideways.fields", None, None), ("sideways.models", None, None)]
    # An entry point that failed for another reason is not one it "did not fail" from.
    other = ImportTrial("sideways.extra", error="ModuleNotFoundError: No module named 'x'")
    mixed = dataclasses.replace(ordered, trials=(*ordered.trials, other))
    assert claim_label(mixed) == "order-dependent: did not fail from 2 entry point(s) tried"


def test_a_module_whose_package_starts_the_cycle_is_tried_through_it() -> None:
    (via,) = (c for c in api.cycles(["orders"], api.StaticOptions(verify=True)).cycles
              if c.packages == ("viapkg",))
    assert via.fails
    # The member the cycle starts at is run too: the order the claim names.
    assert via.entries == ("viapkg",)
    assert [(t.module, t.via, t.circular) for t in via.trials] == [
        ("viapkg", None, True), ("viapkg.models", "viapkg", True)]


def test_a_failure_after_the_imports_at_risk_ran_is_not_unverified() -> None:
    # click's shape: `_compat` takes a name from `_winconsole` on Windows only, and the
    # package loads `_compat` first; importing `_winconsole` first fails on its own
    # platform assert, after `_compat` had finished. It said "can fail (unverified)".
    # (Its package loads `_compat` first: `_winconsole` never starts first there. The
    # same modules in a package that imports neither can be imported first.)
    console, click = api.cycles(["platformcycle"], api.StaticOptions(verify=True)).cycles
    assert click.modules == ("consolepkg._compat", "consolepkg._winconsole")
    # Nothing suspected there, and its one order (the package's) was run: it imports.
    assert not click.can_fail and click.proof is Proof.NOT_REPRODUCED
    assert claim_label(click) == ("does not fail: its only order (it always starts at "
                                  "consolepkg._compat) was run")
    assert console.modules == ("loosepkg._compat", "loosepkg._winconsole")
    assert console.can_fail and console.proof is Proof.NOT_REPRODUCED
    compat, trial = console.trials
    assert (compat.module, compat.error) == ("loosepkg._compat", None)
    assert (trial.module, trial.error, trial.cleared, trial.circular) == (
        "loosepkg._winconsole", "AssertionError", True, False)
    assert claim_label(console) == "order-dependent: did not fail from 2 entry point(s) tried"


def test_one_run_settles_every_module_its_package_loads_or_fails_on() -> None:
    universe = {  # what importing each module first (alone, fresh) loads, or its error
        "a": {"a", "a.x", "a.b"}, "a.b": {"a", "a.x", "a.b"}, "a.y": {"a", "a.x", "a.b", "a.y"},
        "a.b.z": {"a", "a.x", "a.b", "a.b.z"}, "c": "ImportError: partially initialized",
    }
    calls: list[tuple[str, tuple[str, ...]]] = []

    def trial(module: str, watched: Sequence[str]) -> tuple[ImportTrial, frozenset[str]]:
        calls.append((module, tuple(watched)))
        outcome = universe[module]
        if isinstance(outcome, str):
            return ImportTrial(module, error=outcome), frozenset()
        return ImportTrial(module), frozenset(outcome) & set(watched)

    done = try_first(["a.x", "a.y", "a.b.z", "c.w", "c.v"], trial, jobs=1)
    assert sorted(calls) == [("a", ("a.b.z", "a.x", "a.y")), ("a.b", ("a.b.z",)),
                             ("a.b.z", ()), ("a.y", ()), ("c", ("c.v", "c.w"))]
    assert done["a.x"] == ImportTrial("a.x", via="a")
    assert done["a.y"] == ImportTrial("a.y")
    assert done["a.b.z"] == ImportTrial("a.b.z")
    assert done["c.w"] == ImportTrial("c.w", error="ImportError: partially initialized",
                                      via="c")


def test_until_stops_at_the_first_result_it_accepts_in_order() -> None:
    calls: list[str] = []

    def trial(module: str, watched: Sequence[str]) -> tuple[ImportTrial, frozenset[str]]:
        calls.append(module)
        failed = module in ("p.b", "p.c")
        return ImportTrial(module, error="ImportError: x" if failed else None), frozenset()

    done = try_first(["p.a", "p.b", "p.c", "p.d"], trial, jobs=1,
                     until=lambda t: t.error is not None)
    # The package first (it loaded none of them), then its modules in order: `p.b`
    # answers the question, and `p.c`, `p.d` never run.
    assert calls == ["p", "p.a", "p.b"]
    assert done["p.b"].error == "ImportError: x" and "p.c" not in done


def test_without_verify_nothing_runs_and_the_claim_stays_unverified() -> None:
    first = api.cycles(["cyclic"]).cycles[0]
    assert first.can_fail and first.proof is Proof.UNVERIFIED and first.trials == ()


def _package(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_failures_for_other_reasons_and_timeouts_prove_nothing(tmp_path: Path) -> None:
    _package(tmp_path / "tree", {
        "needy/__init__.py": "",
        # Fails on a missing dependency before it ever reaches the cycle.
        "needy/x.py": "import no_such_dependency_anywhere\nimport needy.u\nNAME = 1\n",
        "needy/u.py": "from needy.x import NAME\n",
        "slow/__init__.py": "",
        # Hangs before it reaches the cycle.
        "slow/x.py": "import time\ntime.sleep(60)\nimport slow.u\nNAME = 1\n",
        "slow/u.py": "import time\nfrom slow.x import NAME\n",
        # Floods stderr, then leaves without a word to the parent.
        "dies/__init__.py": "",
        "dies/x.py": "import os, sys\nsys.stderr.write('x' * 200000 + '\\nlast words\\n')\n"
                     "sys.stderr.flush()\nos._exit(3)\nimport dies.u\nNAME = 1\n",
        "dies/u.py": "from dies.x import NAME\n",
    })
    report = api.cycles([str(tmp_path / "tree")],
                        api.StaticOptions(measure=api.Measure(timeout=2), verify=True))
    by_package = {c.packages[0]: c for c in report.cycles}
    needy = by_package["needy"]
    # Its only entry point never reached the cycle: still unverified, not "did not fail"
    # (twisted's serial ports said "did not fail from 2 entry point(s)": both lacked
    # `serial`).
    assert needy.proof is Proof.UNVERIFIED and needy.can_fail
    # (Each module can start first: both are run, and both fail on the dependency.)
    assert claim_label(needy) == ("can fail at import (unverified: the 2 entry point(s) "
                                  "tried failed for another reason first)")
    _, trial = needy.trials
    assert trial.error == "ModuleNotFoundError: No module named 'no_such_dependency_anywhere'"
    assert not trial.circular and trial.line == 1
    assert not trial.cleared  # needy.u, which takes NAME from it, never ran
    _, slow = by_package["slow"].trials
    assert by_package["slow"].proof is Proof.UNVERIFIED
    assert slow.error == "TimeoutError: importing slow.x did not finish in 2 s"
    _, dies = by_package["dies"].trials
    assert dies.error == "the interpreter exited with status 3: last words"


def _older_python() -> str | None:
    found = sorted(Path.home().glob(".pyenv/versions/3.9*/bin/python"))
    return str(found[0]) if found else None


@pytest.mark.skipif(_older_python() is None, reason="no Python 3.9 under pyenv")
def test_trials_run_in_the_measured_interpreter() -> None:
    python = _older_python()
    interpreter = find_interpreter(python)
    assert interpreter.version[:2] == (3, 9)
    trial, _ = run_trial(interpreter, "pkg_a.core", extra_path=[str(STATIC / "cyclic")])
    assert trial.error is not None and "partially initialized module 'pkg_a.core'" in trial.error
    # tomllib is new in 3.11: the verdict is the measured interpreter's, not this one's.
    assert run_trial(interpreter, "tomllib")[0].error == \
        "ModuleNotFoundError: No module named 'tomllib'"
    assert run_trial(find_interpreter(sys.executable), "tomllib")[0].error is None


def test_a_trial_ends_once_it_has_said_how_the_import_went(tmp_path: Path) -> None:
    # The imported code starts a thread that never ends: interpreter shutdown would wait
    # for it, holding the trial until its timeout (and the whole command with it).
    _package(tmp_path / "tree", {
        "lingers.py": "import threading\nthreading.Thread(target=threading.Event().wait)"
                      ".start()\n",
    })
    result = tmp_path / "result.json"
    done = subprocess.run(
        [sys.executable, TRIAL_PATH, str(result), str(tmp_path / "tree"), "lingers"],
        stdin=subprocess.DEVNULL, capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(result.read_text(encoding="utf-8")) == {"ok": True, "loaded": []}


def test_entry_points_and_import_roots() -> None:
    edge = ImportEdge("pkg.u", "pkg.x", EdgeKind.EAGER, names=("NAME",))
    main = ImportEdge("pkg.u", "pkg.__main__", EdgeKind.EAGER, names=("run",))
    cycle = Cycle(("pkg.__main__", "pkg.u", "pkg.x"), (edge,), can_fail=True,
                  failing=(edge, main))
    assert entry_points(cycle) == ("pkg.x",)  # importing __main__ would run the program
    graph = StaticGraph(roots=("pkg",), modules=(
        ModuleNode("pkg", "/src/lib/pkg/__init__.py", is_package=True),
        ModuleNode("pkg.x", "/src/lib/pkg/x.py"),
        ModuleNode("pkg.sub", "/src/lib/pkg/sub/__init__.py", is_package=True),
        ModuleNode("solo", "/other/solo.py"),
    ))
    assert import_roots(graph, ["pkg", "pkg.x", "pkg.sub", "solo"]) == (
        str(Path("/src/lib").resolve()), str(Path("/other").resolve()))


def test_a_trial_that_fails_on_another_cycle_proves_that_cycle(tmp_path: Path) -> None:
    _package(tmp_path / "tree", {
        "cross/__init__.py": "",
        # Plain imports both ways: not suspected, yet entering at b2 fails on b2.
        "cross/b1.py": "from cross import b2\nVALUE = b2.OTHER\n",
        "cross/b2.py": "import cross.b1\nOTHER = 1\n",
        # Suspected (a2 takes NAME, bound after a1's way back), entered at a1, which
        # imports b2 first: the failure is b2's cycle's, not a1's.
        "cross/a1.py": "import cross.b2\nimport cross.a2\nNAME = 1\n",
        "cross/a2.py": "from cross.a1 import NAME\n",
    })
    cycles = {c.modules: c for c in api.cycles([str(tmp_path / "tree")],
                                               api.StaticOptions(verify=True)).cycles}
    a, b = cycles["cross.a1", "cross.a2"], cycles["cross.b1", "cross.b2"]
    # a1 failed on b2's cycle before it reached its own: a's claim is still unproven.
    assert a.can_fail and a.proof is Proof.UNVERIFIED
    # (a2 can start first too, and is run: it enters at a1 all the same.)
    assert [(t.module, t.circular) for t in a.trials] == [("cross.a1", False),
                                                          ("cross.a2", False)]
    assert not b.can_fail and b.proof is Proof.FAILS
    # Its own members are run too: entering at b1 works, at b2 fails.
    assert [(t.module, t.circular) for t in b.trials] == [
        ("cross.b1", False), ("cross.b2", True), ("cross.a1", True), ("cross.a2", True)]
    trial = b.trials[2]
    # (Python 3.13 adds the module's file: "module 'cross.b2' from '...' has no".)
    assert trial.error is not None
    assert trial.error.startswith("AttributeError: partially initialized module 'cross.b2' ")
    assert trial.error.endswith("has no attribute 'OTHER' (most likely due to a circular "
                                "import)")
    assert Path(trial.file or "").name == "b1.py" and trial.line == 2


@pytest.mark.parametrize(("error", "module"), [
    ("ImportError: cannot import name 'B' from partially initialized module 'p.a' (most "
     "likely due to a circular import) (/x/p/a.py)", "p.a"),
    ("AttributeError: partially initialized module 'p.a' from '/x/p/a.py' has no attribute "
     "'B' (most likely due to a circular import)", "p.a"),  # 3.13
    ("AttributeError: cannot access submodule 'a' of module 'p' (most likely due to a "
     "circular import)", "p.a"),  # 3.11+
    ("AttributeError: module 'p' has no attribute 'a'", "p.a"),  # 3.9, 3.10
    ("ModuleNotFoundError: No module named 'p.a'", None),
    (None, None),
])
def test_the_half_initialised_module_named_by_each_python(error: str | None,
                                                          module: str | None) -> None:
    assert half_initialised(error) == module


def test_review_runs_the_cycle_claims_only_when_it_measures_for_ia201() -> None:
    measured = api.review(["cyclic"], api.ReviewOptions(measure=api.Measure(repeat=1,
                                                                            memory=False)))
    assert measured.cycles[0].proof is Proof.FAILS
    # Reviewing a saved report runs nothing of the targets, trials included...
    saved = api.review(["cyclic"], measured=measured)
    assert saved.cycles[0].can_fail and saved.cycles[0].proof is Proof.UNVERIFIED
    assert saved.cycles[0].trials == ()
    # ...and rules other than IA201 (import cycles) have no use for them.
    other = api.review(["cyclic"], api.ReviewOptions(measure=api.Measure(repeat=1, memory=False),
                                                     select=("IA101",)))
    assert other.cycles[0].proof is Proof.UNVERIFIED and other.cycles[0].trials == ()


@pytest.mark.parametrize("package", ["lzpkg", "llpkg"])
def test_the_cycle_closed_by_a_lazy_name_is_found_and_fails_at_import(package: str) -> None:
    # tests/fixtures/static/lazynames (its README): a PEP 562 map, lazy_loader's attach.
    report = api.cycles([f"lazynames/{package}"], api.StaticOptions(verify=True))
    (cycle,) = report.cycles
    assert cycle.modules == (f"{package}.sub", f"{package}.user")
    assert cycle.proof is Proof.FAILS
    by_module = {t.module: t for t in cycle.trials}
    sub = by_module[f"{package}.sub"]
    # The package's `__getattr__` met the half-initialised `.sub` and raised
    # AttributeError, which the import statement turned into this: it names the
    # package only, yet it is the cycle failing, at the statement the cycle suspects.
    assert sub.error is not None and sub.error.startswith(
        f"ImportError: cannot import name 'thing' from '{package}'")
    assert sub.circular
    assert (Path(sub.file or ""), sub.line) == (Path(f"lazynames/{package}/user.py"), 1)


def test_a_lazy_module_that_reraises_is_proven_by_the_error_it_raised_from() -> None:
    report = api.cycles(["lazynames/hflike"], api.StaticOptions(verify=True))
    (cycle,) = report.cycles
    assert "hflike.integrations.aqlm" in cycle.modules
    assert cycle.proof is Proof.FAILS
    (trial,) = [t for t in cycle.trials if t.module == "hflike.integrations.aqlm"]
    assert trial.circular
    # (3.13 names the file too: "partially initialized module 'x' from '...' has ...")
    assert trial.error is not None and trial.error.startswith(
        "ModuleNotFoundError: Could not import module 'replace_with_aqlm_linear' (raised "
        "from AttributeError: partially initialized module 'hflike.integrations.aqlm' ")


def test_a_run_that_never_loads_the_import_at_risk_proves_nothing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # altair's shape: `jupyter_chart` takes a name from `altair` while it runs, and is
    # imported only when anywidget is installed. Without it `import altair` imported
    # fine, and the cycle was called "does not fail: its only order was run".
    found = {c.packages: c for c in api.cycles(["condcycle"],
                                               api.StaticOptions(verify=True)).cycles}
    partial, cycle = found["partpkg",], found["widgetpkg",]
    assert cycle.modules == ("widgetpkg", "widgetpkg.jupyter", "widgetpkg.jupyter.chart")
    # One module at risk loaded (partpkg.a), one did not (partpkg.b, on a flag): the
    # run ran an import at risk, and says what it says of it.
    assert partial.packages == ("partpkg",) and partial.proof is Proof.NOT_REPRODUCED
    assert claim_label(partial) == ("does not fail: its only order (it always starts at "
                                    "partpkg) was run")
    assert cycle.can_fail and cycle.proof is Proof.UNVERIFIED
    (trial,) = cycle.trials
    assert (trial.module, trial.error, trial.unreached) == (
        "widgetpkg", None, ("widgetpkg.jupyter.chart",))
    # Its import never started: nothing failed and was caught either.
    assert trial.caught == ()
    assert claim_label(cycle) == ("unproven here: widgetpkg.jupyter.chart did not "
                                  "load when run")
    assert "it is unproven here" in claim_sentence(cycle)
    # Where the condition holds, the same cycle fails: "does not fail" was false.
    monkeypatch.setenv("WIDGETPKG_NOTEBOOK", "1")
    found = {c.packages: c for c in api.cycles(
        ["condcycle"], api.StaticOptions(verify=True, cache=False)).cycles}
    cycle = found["widgetpkg",]
    assert cycle.fails
    assert "cannot import name 'VERSION'" in (cycle.failures[0].error or "")


def test_a_cycle_whose_error_the_package_catches_fails() -> None:
    # An optional accelerator: `accelpkg` imports `_speedups` in a try and sets
    # `fast_total = None` on ImportError; `_speedups` takes VERSION from the
    # half-initialised `accelpkg`. `import accelpkg` imports fine, without its
    # accelerator, and the cycle read "unproven here", as if that import never ran.
    found = {c.packages: c for c in api.cycles(["caughtcycle"],
                                               api.StaticOptions(verify=True)).cycles}
    cycle = found["accelpkg",]
    assert cycle.modules == ("accelpkg", "accelpkg._speedups")
    assert cycle.proof is Proof.FAILS and cycle.fails
    (trial,) = cycle.trials
    assert (trial.module, trial.error, trial.circular, trial.unreached) == (
        "accelpkg", None, False, ())
    (caught,) = trial.caught
    assert caught.circular and caught.module == "accelpkg._speedups"
    assert caught.error.startswith("ImportError: cannot import name 'VERSION' from "
                                   "partially initialized module 'accelpkg'")
    assert (Path(caught.file or ""), caught.line) == (
        Path("caughtcycle/accelpkg/_speedups.py"), 3)
    # Caught where the package imports it: the `try` at line 4 of its __init__.
    assert (caught.by, Path(caught.by_file or ""), caught.by_line) == (
        "accelpkg", Path("caughtcycle/accelpkg/__init__.py"), 4)
    assert cycle.caught_failures == ((trial, caught),)
    assert claim_label(cycle) == "fails (caught by accelpkg:4)"
    assert claim_sentence(cycle).startswith(
        "It fails at import, and the error is caught, so the import goes on without "
        "accelpkg._speedups: importing accelpkg first: importing accelpkg._speedups raised "
        "ImportError: cannot import name 'VERSION'")
    # A lost feature, not a crash: graded medium, below a cycle whose import fails.
    assert _floor(cycle) is Severity.MEDIUM


def test_a_module_caught_failing_and_imported_again_later_failed_once() -> None:
    # retrypkg imports its helper in a try (it fails: the cycle), then again once
    # VERSION exists, and that works. It was said the package "goes on without"
    # helper; the cycle fails all the same, once, and helper loads in the end.
    report = api.cycles(["caughtcycle/retrypkg"], api.StaticOptions(verify=True))
    (cycle,) = report.cycles
    assert cycle.fails and not cycle.failures
    ((trial, caught),) = cycle.caught_failures
    assert (trial.module, trial.error, caught.module, caught.by_line) == (
        "retrypkg", None, "retrypkg.helper", 3)
    assert caught.imported_later
    assert claim_label(cycle) == ("failed once (caught by retrypkg:3), imported later in "
                                  "the run")
    sentence = claim_sentence(cycle)
    assert sentence.startswith("It fails at import once, and the error is caught: importing "
                               "retrypkg first: importing retrypkg.helper raised ImportError")
    assert sentence.endswith("; retrypkg.helper imported later in the run.")
    assert "goes on without" not in sentence
    assert _floor(cycle) is Severity.MEDIUM


def test_a_caught_failure_through_a_lazy_package_fails_as_an_uncaught_one_does() -> None:
    # lzpkg's shape with the import in a try: the package's `__getattr__` meets the
    # half-initialised `lazycatch.sub`, and Python names only the package. It counts
    # because the statement the cycle suspects raised it while `sub` (tried first) ran.
    report = api.cycles(["caughtcycle/lazycatch"], api.StaticOptions(verify=True))
    (cycle,) = report.cycles
    assert cycle.fails
    ((trial, caught),) = cycle.caught_failures
    assert (trial.module, trial.error) == ("lazycatch.sub", None)
    assert caught.module == "lazycatch.user" and caught.error.startswith(
        "ImportError: cannot import name 'thing' from 'lazycatch'")
    assert claim_label(cycle) == "fails (caught by lazycatch.sub:4)"


def test_a_caught_failure_for_another_reason_leaves_the_cycle_unproven() -> None:
    # `optpkg._native` fails on a dependency that is not installed before its import
    # at risk runs, and the package catches it: that says nothing about the cycle.
    found = {c.packages: c for c in api.cycles(["caughtcycle"],
                                               api.StaticOptions(verify=True)).cycles}
    cycle = found["optpkg",]
    assert cycle.can_fail and cycle.proof is Proof.UNVERIFIED and not cycle.fails
    (trial,) = cycle.trials
    assert (trial.error, trial.unreached) == (None, ("optpkg._native",))
    (caught,) = trial.caught
    assert not caught.circular and caught.by == "optpkg"
    assert caught.error == "ModuleNotFoundError: No module named 'optpkg_missing_dependency'"
    assert cycle.caught_failures == ()
    assert claim_label(cycle) == ("unproven here: optpkg._native failed for another reason "
                                  "when run")
    assert "optpkg._native started and failed for another reason, the error caught: " \
        "ModuleNotFoundError" in claim_sentence(cycle)
    assert unreached_text(trial) == (
        "importing optpkg first imported fine, but optpkg._native started and failed for "
        "another reason (caught by optpkg:4): ModuleNotFoundError: No module named "
        "'optpkg_missing_dependency'")
    assert _floor(cycle) is not Severity.HIGH


def _as_saved_before(report: Report, *, watching: bool) -> Report:
    """`report` as an importaudit that saw no caught failure would have saved it.

    Not watching (before caught failures were watched): its trials have no `caught` and
    no `watched`, and the cycle read "not-reproduced". Watching but seeing none (the
    package's code changed since): `caught` empty, and no `watched` (the first
    importaudit that watched did not write it).
    """
    data = report_to_dict(report)
    for cycle in data["cycles"]:
        cycle["proof"] = Proof.NOT_REPRODUCED.value
        for trial in cycle["trials"]:
            del trial["watched"]
            if watching:
                trial["caught"] = []
            else:
                del trial["caught"]
    return report_from_dict(json.loads(json.dumps(data)))


def test_a_baseline_that_did_not_watch_for_caught_failures_is_no_regression() -> None:
    # guardpkg's cycle fails only where resilience catches the error. A baseline saved
    # by an importaudit that did not watch for caught failures recorded "not-reproduced":
    # upgrading importaudit alone made `check` fail on "known import cycle that now
    # fails at import". It is a note now; against a baseline that watched, a violation.
    report = api.cycles(["caughtcycle/guardpkg"], api.StaticOptions(verify=True))
    (cycle,) = report.cycles
    assert cycle.fails and not cycle.failures and cycle.caught_failures
    assert all(t.watched for t in cycle.trials)
    config = Config(cycles=CyclePolicy.NEW)
    before = evaluate(report, config, _as_saved_before(report, watching=False))
    assert before.passed
    assert [c.detail for c in before.checks] == ["known cycle (in the baseline)"]
    assert before.notes == (
        "known cycle guardpkg.resilience <-> guardpkg.resilience_utils <-> "
        "guardpkg.shared_utils fails (caught by guardpkg.resilience:3); the baseline's "
        "importaudit did not watch for caught failures: save the baseline again",)
    watched = evaluate(report, config, _as_saved_before(report, watching=True))
    assert not watched.passed
    (violation,) = watched.violations
    assert violation.message.startswith("known import cycle that now fails at import: ")
    # A report saved now reads back as it was written: its trials watched.
    again = report_from_dict(json.loads(json.dumps(report_to_dict(report))))
    assert again.cycles == report.cycles


def test_an_error_caught_and_raised_again_is_not_listed_as_caught() -> None:
    # reraisepkg catches the cycle's ImportError and raises its own from it: the import
    # fails, and the inner error was listed as caught too, as if swallowed.
    report = api.cycles(["caughtcycle/reraisepkg"], api.StaticOptions(verify=True))
    (cycle,) = report.cycles
    assert cycle.fails
    (trial,) = cycle.failures
    assert trial.error is not None and trial.error.startswith(
        "ImportError: reraisepkg needs its compiled part: reinstall it (raised from "
        "ImportError: cannot import name 'VERSION' from partially initialized module")
    assert trial.caught == ()
    assert cycle.caught_failures == ()
    assert claim_label(cycle) == "fails at import (reproduced)"


def test_a_caught_failure_is_listed_once() -> None:
    # Importing guardpkg.resilience first, one error (resilience_utils' `from
    # guardpkg.resilience import RETRIES`) leaves resilience_utils' import, then
    # shared_utils', before resilience catches it: it was listed once per watched
    # module it passed through (mlflow: 2,132 entries), and again for each trial the
    # same run settled (`via`).
    report = api.cycles(["caughtcycle/guardpkg"], api.StaticOptions(verify=True))
    (cycle,) = report.cycles
    first = next(t for t in cycle.trials if t.module == "guardpkg.resilience")
    (caught,) = first.caught
    assert (caught.module, caught.through, caught.line) == (
        "guardpkg.resilience_utils", ("guardpkg.shared_utils",), 1)
    assert "cannot import name 'RETRIES'" in caught.error
    errors = sorted(c.error.split("'")[1] for _, c in cycle.caught_failures)
    assert errors == ["RETRIES", "backoff"]
    # A trial settled by the same run (`via`) repeats its failures: shown once.
    settled = dataclasses.replace(first, module="guardpkg.other", via="guardpkg.resilience")
    again = dataclasses.replace(cycle, trials=(*cycle.trials, settled))
    assert again.caught_failures == cycle.caught_failures
