"""IA101's saving when an eager parent package takes names from the lazy candidate.

tests/fixtures/review/pulled has polars' shape: polars/__init__ runs `from polars.io
import read_csv, ...` for every name polars.io re-exports, and cannot itself be made
lazy. polars.io's IA101 said "fixing this one alone saves 106 module(s) today": but
importing polars.io runs polars first, whose statement makes a lazy polars.io load each
of those names' submodules all the same. Only what no eager parent takes is saved.

tests/fixtures/review/plotted has django.db.migrations': the parent takes the names by
`from .charts import *`, which takes what `plotted.charts`' `__all__` lists.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from importaudit import api

if TYPE_CHECKING:
    from importaudit.model import ModuleRecord

PULLED = Path(__file__).resolve().parents[1] / "fixtures" / "review" / "pulled"
PLOTTED = PULLED.parent / "plotted"


def _loaded_under(records: tuple[ModuleRecord, ...], root: str) -> set[str]:
    """`root` and every module first loaded while it (or one of those) was importing."""
    under = {root}
    grew = True
    while grew:
        more = {r.name for r in records if r.importer in under} - under
        grew = bool(more)
        under |= more
    return under


@pytest.mark.parametrize(("root", "package", "deferred", "taken"), [
    # `pulled/__init__`'s `from pulled.io import read_csv` keeps pulled.io.csv loading.
    (PULLED, "pulled.io", "pulled.io.mail", "pulled.io.csv"),
    # `plotted/__init__`'s `from .charts import *` takes `bar`, which `__all__` lists:
    # IA101 counted only explicit names, and claimed plotted.charts.bars too.
    (PLOTTED, "plotted.charts", "plotted.charts.maps", "plotted.charts.bars"),
], ids=["explicit", "star"])
def test_a_name_an_eager_parent_takes_is_no_saving_of_a_lazy_init(
        root: Path, package: str, deferred: str, taken: str) -> None:
    report = api.review([str(root)], api.ReviewOptions(measure=api.Measure(repeat=1)))
    [finding] = [f for f in report.findings if f.code == "IA101"]
    assert finding.module == package
    saved = _loaded_under(report.modules, deferred)
    kept = _loaded_under(report.modules, taken)
    assert {"email.parser", "http.client"} <= saved and {"decimal", "fractions"} <= kept
    assert finding.impact.modules == len(saved)
