"""IA101 where the eager `__init__` is what imports an import cycle in the one order that works.

tests/fixtures/review/ordered has prompt_toolkit's shape: `orderpkg/__init__` imports
`app` first, and `orderpkg.filters` imported first fails (a `from ... import` meets
`filters` half-initialised), which never happens through the eager `__init__`.
Making it lazy as IA101 said would break `import orderpkg.filters`; the review runs
that rewrite (what `fix` would write) from a copy, imports each member of the cycle
first, and keeps the cycle's members eager. `orderonly/__init__` imports only the
cycle: nothing can be deferred, and the finding says why instead of offering a fix.
`fix`'s proof imports the same members first, and keeps eager what breaks one.
"""

from __future__ import annotations

import compileall
import dataclasses
import py_compile
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from importaudit import api
from importaudit.fix import engine
from importaudit.fix.order import first_break
from importaudit.model import Severity
from importaudit.review.order import LazyTrial
from importaudit.runtime.interpreter import find_interpreter
from importaudit.static.discover import discover

if TYPE_CHECKING:
    from importaudit.fix.result import FixResult
    from importaudit.model import Finding, Report

ORDERED = Path(__file__).resolve().parents[1] / "fixtures" / "review" / "ordered"


@pytest.fixture(scope="module")
def reviewed() -> Report:
    return api.review([str(ORDERED / "orderpkg"), str(ORDERED / "orderonly")],
                      api.ReviewOptions(measure=api.Measure(repeat=1), select=("IA101",)))


def ia101(report: Report, package: str) -> Finding:
    [found] = [f for f in report.findings if f.code == "IA101" and f.module == package]
    return found


def test_the_cycle_s_member_stays_eager_and_the_rest_is_offered(reviewed: Report) -> None:
    f = ia101(reviewed, "orderpkg")
    assert ("Keep App eager: with it lazy, `import orderpkg.filters` (first, in a fresh "
            "interpreter) raises ImportError: cannot import name 'Filter' from partially "
            "initialized module 'orderpkg.filters'") in f.message
    assert "import cycle (2 modules, orderpkg.filters among them)" in f.message
    # The snippet defers Catalog alone, and the saving is catalog's (its 40,000 strings).
    assert "'Catalog':" in f.fix and "'App':" not in f.fix
    assert f.impact.modules == 1
    assert f.severity is Severity.MEDIUM


def test_an_init_that_only_imports_the_cycle_gets_no_lazy_fix(reviewed: Report) -> None:
    f = ia101(reviewed, "orderonly")
    assert f.severity is Severity.INFO
    assert "__getattr__" not in f.fix and "Keep this __init__ eager" in f.fix
    assert "`import orderonly.filters`" in f.message
    assert "Every submodule it would defer is a member of that cycle" in f.message


def test_a_review_out_of_proving_time_says_the_lazy_init_is_not_proven() -> None:
    # torch's trials (a 5 s import each, hundreds of cycle members, for each package
    # with an IA101) ran for over an hour: the review has a time for them in all, and
    # what it did not prove it says is not proven, in the finding and the run's notes.
    report = api.review([str(ORDERED / "orderpkg")], api.ReviewOptions(
        measure=api.Measure(repeat=1), select=("IA101",), prove_time=0))
    f = ia101(report, "orderpkg")
    assert ("Not proven to keep import order: orderpkg has a member of an import cycle "
            "that can fail, and the review's time for running lazy __init__s "
            "(--prove-time 0 s) ran out before its trial answered; `importaudit fix` "
            "proves the rewrite before writing it.") in f.message
    assert "Keep App eager" not in f.message  # nothing was run, so nothing is claimed
    assert report.meta is not None
    assert ("proving lazy __init__s stopped at --prove-time 0 s: not proven for 1 "
            "package(s) (orderpkg): IA101 says so") in " ".join(report.meta.notes)


def test_a_trial_past_its_deadline_starts_no_interpreter() -> None:
    from importaudit.review.order import ProofTimeSpent

    python = find_interpreter(sys.executable)
    with pytest.raises(ProofTimeSpent):
        first_break(_trial({"orderpkg.app", "orderpkg.catalog"}), python, deadline=0.0)


def _trial(deferred: set[str]) -> LazyTrial:
    return LazyTrial("orderpkg", str(ORDERED / "orderpkg" / "__init__.py"),
                     frozenset(deferred), ("app", "catalog", "filters"), (),
                     ("orderpkg", "orderpkg.app", "orderpkg.catalog", "orderpkg.filters"))


def test_the_rewrites_are_proven_by_importing_each_member_first() -> None:
    python = find_interpreter(sys.executable)
    init = ORDERED / "orderpkg" / "__init__.py"
    original = init.read_text(encoding="utf-8")
    broke = first_break(_trial({"orderpkg.app", "orderpkg.catalog"}), python,
                        extra_path=(str(ORDERED),))
    assert broke is not None and broke.module == "orderpkg.filters"
    # Named as the user's file, not the temporary copy's.
    assert broke.file is not None and broke.file.endswith("ordered/orderpkg/app.py")
    assert first_break(_trial({"orderpkg.catalog"}), python,
                       extra_path=(str(ORDERED),)) is None
    # The copy links to the package's files: the rewrite is never written through.
    assert init.read_text(encoding="utf-8") == original


def test_fix_s_own_review_runs_no_such_trial() -> None:
    report = api.review([str(ORDERED / "orderonly")], api.ReviewOptions(
        measure=api.Measure(repeat=1), select=("IA101",), prove_lazy=False))
    # As before: the saving claimed, the lazy snippet offered (fix proves its rewrites).
    assert "__getattr__" in ia101(report, "orderonly").fix


def _propose_ordered(tmp_path: Path, package: str, first: tuple[str, ...]) -> FixResult:
    shutil.copytree(ORDERED / package, tmp_path / package)
    walk = discover([package], search_path=[str(tmp_path)]).import_order()
    return engine.propose(
        [engine.Target(package, tmp_path / package / "__init__.py", ("IA101",))],
        python=sys.executable, paths=(str(tmp_path),), imports=walk, timeout=60,
        relpath=lambda p: str(p.relative_to(tmp_path)), first=first)


def test_fix_keeps_eager_only_what_breaks_an_import_first(tmp_path: Path) -> None:
    # Importing the tree in one interpreter (orderpkg, then app, catalog, filters) works
    # with the whole rewrite; importing orderpkg.filters first, alone, does not. The
    # rewrite was withdrawn whole, where the review offers Catalog lazy: now App (the
    # cycle's member) stays eager, Catalog becomes lazy, and that is proven.
    result = _propose_ordered(tmp_path, "orderpkg",
                              ("orderpkg", "orderpkg.app", "orderpkg.filters"))
    [rewrite] = [r for r in result.rewrites if r.codes]
    assert rewrite.passed, rewrite.broke
    assert rewrite.names == ("Catalog",)
    assert "from .app import App\n" in rewrite.after
    assert "    from .catalog import Catalog" in rewrite.after
    [kept] = [f for f in result.refusals if f.name == "App"]
    assert kept.line == 9 and kept.file == "orderpkg/__init__.py"
    assert kept.reason.startswith("App stays: kept eager (a member of an import cycle")
    assert ("orderpkg.filters no longer imports first, alone: ImportError: cannot import "
            "name 'Filter' from partially initialized module") in kept.reason
    # The JSON says so too (it said only which names became lazy), as its schema does.
    import jsonschema

    from importaudit.fix.output import to_dict
    from importaudit.schema import fix_schema

    document = to_dict(result)
    jsonschema.Draft202012Validator(fix_schema()).validate(document)
    [written] = [r for r in document["rewrites"] if r["codes"]]
    assert (written["names"], written["kept_for_order"]) == (["Catalog"], ["App"])


def test_fix_leaves_an_init_whose_every_name_breaks_as_it_was(tmp_path: Path) -> None:
    # orderonly imports only the cycle: the review offers no lazy fix (INFO), and fix
    # now leaves it as it was, saying why, instead of a withdrawn rewrite.
    result = _propose_ordered(tmp_path, "orderonly",
                              ("orderonly", "orderonly.app", "orderonly.filters"))
    assert not [r for r in result.rewrites if r.codes]
    [kept] = [f for f in result.refusals if f.name == "App"]
    assert "orderonly.filters no longer imports first, alone" in kept.reason


# ordercombo has alembic's shape: `ordercombo` and `ordercombo.ops` made lazy each keep
# `import ordercombo.ops.base` working alone, and break it together.
COMBO = ("ordercombo", "ordercombo.ops", "ordercombo.ops.base", "ordercombo.ops.ops")


def test_the_review_offers_what_works_with_every_offered_rewrite_applied() -> None:
    report = api.review([str(ORDERED / "ordercombo")],
                        api.ReviewOptions(measure=api.Measure(repeat=1), select=("IA101",)))
    top = ia101(report, "ordercombo")
    assert top.severity >= Severity.LOW and "__getattr__" in top.fix
    # Tried alone, ordercombo.ops's lazy __init__ passed and was offered too; tried
    # with ordercombo's (offered first: parents are reviewed first) it breaks.
    ops = ia101(report, "ordercombo.ops")
    assert ops.severity is Severity.INFO and "__getattr__" not in ops.fix
    assert ("with it lazy (and ordercombo, whose lazy __init__ IA101 offers too), "
            "`import ordercombo.ops.base` (first, in a fresh interpreter) raises "
            "ImportError: cannot import name 'Base'") in ops.message


def test_a_saving_counts_a_parent_lazy_only_as_ia101_offers_it_whatever_is_selected(
) -> None:
    # combotyped.ops.report names Base only in annotations: moving that import saves
    # base's table only if combotyped.ops is lazy too. IA101 does not offer that (it
    # breaks with combotyped's lazy __init__, offered first). With only IA501 selected,
    # IA101's offers were never made, its trial ran without combotyped's, passed, and
    # IA501 said MEDIUM "counts combotyped.ops, combotyped as lazy".
    target = [str(ORDERED / "combotyped")]
    for select in (("IA501",), None):
        report = api.review(target, api.ReviewOptions(measure=api.Measure(repeat=1),
                                                      select=select))
        assert [f for f in report.findings if f.code == "IA501"] == [], select
    every = api.review(target, api.ReviewOptions(measure=api.Measure(repeat=1),
                                                 select=("IA101",)))
    ops = ia101(every, "combotyped.ops")
    assert ops.severity is Severity.INFO and "__getattr__" not in ops.fix
    # With no time to prove them, neither lazy __init__ is proven: none counts lazy.
    unproven = api.review(target, api.ReviewOptions(measure=api.Measure(repeat=1),
                                                    select=("IA501",), prove_time=0))
    assert [f for f in unproven.findings if f.code == "IA501"] == []
    # and the note does not point at an IA101 the user did not ask for, nor at one
    # ignored everywhere.
    ignored = api.review(target, api.ReviewOptions(measure=api.Measure(repeat=1),
                                                   ignore=("IA101",), prove_time=0))
    for report in (unproven, ignored):
        assert report.meta is not None
        notes = " ".join(report.meta.notes)
        assert "not proven for" in notes and "IA101 says so" not in notes
        assert "no finding's saving counts them lazy" in notes


def _combo(package: str, deferred: set[str], others: tuple[LazyTrial, ...] = ()
           ) -> LazyTrial:
    init = ORDERED.joinpath(*package.split("."), "__init__.py")
    return LazyTrial(package, str(init), frozenset(deferred), (), (), COMBO, 1, others)


def test_a_lazy_init_is_tried_with_the_others_applied() -> None:
    python = find_interpreter(sys.executable)
    top = _combo("ordercombo", {"ordercombo.ops", "ordercombo.catalog"})
    ops = _combo("ordercombo.ops", {"ordercombo.ops.ops", "ordercombo.ops.base"})
    path = (str(ORDERED),)
    assert first_break(top, python, extra_path=path) is None
    assert first_break(ops, python, extra_path=path) is None
    broke = first_break(dataclasses.replace(ops, others=(top,)), python, extra_path=path)
    assert broke is not None and broke.module == "ordercombo.ops.base"


def test_a_trial_imports_the_rewrite_not_the_installed_unchecked_bytecode(
        tmp_path: Path) -> None:
    # Installed with unchecked-hash caches (some distributions do): the trial's copy
    # links the caches, and the one of a rewritten __init__ was imported instead of the
    # rewrite (never compared with the source), so nothing broke and both were offered.
    shutil.copytree(ORDERED / "ordercombo", tmp_path / "ordercombo")
    compileall.compile_dir(tmp_path / "ordercombo", quiet=1,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)

    def combo(package: str, deferred: set[str], others: tuple[LazyTrial, ...] = ()
              ) -> LazyTrial:
        init = tmp_path.joinpath(*package.split("."), "__init__.py")
        return LazyTrial(package, str(init), frozenset(deferred), (), (), COMBO, 1, others)

    top = combo("ordercombo", {"ordercombo.ops", "ordercombo.catalog"})
    ops = combo("ordercombo.ops", {"ordercombo.ops.ops", "ordercombo.ops.base"}, (top,))
    broke = first_break(ops, find_interpreter(sys.executable), extra_path=(str(tmp_path),))
    assert broke is not None and broke.module == "ordercombo.ops.base"


def test_fix_keeps_the_combination_that_works(tmp_path: Path) -> None:
    # Both rewrites proposed (fix's own review runs no trial): proven together, they
    # broke `import ordercombo.ops.base` first, charged to ordercombo.ops, which was
    # withdrawn (a failed proof, exit 1). Now its names stay eager, each said why, and
    # ordercombo's lazy __init__ is proven: what the review offers.
    shutil.copytree(ORDERED / "ordercombo", tmp_path / "ordercombo")
    walk = discover(["ordercombo"], search_path=[str(tmp_path)]).import_order()
    result = engine.propose(
        [engine.Target(m, tmp_path.joinpath(*m.split("."), "__init__.py"), ("IA101",))
         for m in ("ordercombo", "ordercombo.ops")],
        python=sys.executable, paths=(str(tmp_path),), imports=walk, timeout=60,
        relpath=lambda p: str(p.relative_to(tmp_path)), first=COMBO[2:])
    assert [(r.module, r.passed) for r in result.rewrites if r.codes] == [
        ("ordercombo", True)]
    assert not result.proof_failed
    kept = {f.name: f.reason for f in result.refusals if f.module == "ordercombo.ops"}
    assert sorted(kept) == ["Base", "Op"]
    assert ("cannot import name 'Base' from partially initialized module "
            "'ordercombo.ops.base'") in kept["Op"]
    assert "importaudit-fix-" not in kept["Op"]  # the proof's copy is gone by then
