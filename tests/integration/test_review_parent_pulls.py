"""IA101's saving when an eager parent package takes names from the lazy candidate.

tests/fixtures/review/pulled has polars' shape: polars/__init__ runs `from polars.io
import read_csv, ...` for every name polars.io re-exports, and cannot itself be made
lazy. polars.io's IA101 said "fixing this one alone saves 106 module(s) today": but
importing polars.io runs polars first, whose statement makes a lazy polars.io load each
of those names' submodules all the same. Only what no eager parent takes is saved.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from importaudit import api

if TYPE_CHECKING:
    from importaudit.model import ModuleRecord

PULLED = Path(__file__).resolve().parents[1] / "fixtures" / "review" / "pulled"


def _loaded_under(records: tuple[ModuleRecord, ...], root: str) -> set[str]:
    """`root` and every module first loaded while it (or one of those) was importing."""
    under = {root}
    grew = True
    while grew:
        more = {r.name for r in records if r.importer in under} - under
        grew = bool(more)
        under |= more
    return under


def test_a_name_an_eager_parent_takes_is_no_saving_of_a_lazy_init() -> None:
    report = api.review([str(PULLED)], api.ReviewOptions(measure=api.Measure(repeat=1)))
    [finding] = [f for f in report.findings if f.code == "IA101"]
    assert finding.module == "pulled.io"
    mail = _loaded_under(report.modules, "pulled.io.mail")
    csv = _loaded_under(report.modules, "pulled.io.csv")
    assert {"email.parser", "http.client"} <= mail and {"decimal", "fractions"} <= csv
    # `pulled/__init__`'s `from pulled.io import read_csv` keeps pulled.io.csv loading.
    assert finding.impact.modules == len(mail)
