"""Fixtures of the review tests: the shop and tidy reports from review_samples."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from review_samples import make_report, rec, shop_cycle, shop_graph, shop_modules

if TYPE_CHECKING:
    from importaudit.model import Report


@pytest.fixture
def shop_report() -> Report:
    return make_report(("shop",), shop_modules(), shop_graph(), (shop_cycle(),))


@pytest.fixture
def tidy_report() -> Report:
    modules = (
        rec("tidy", None, 0, 900, 500, 40, 40),
        rec("tidy.catalog", None, 1, 7000, 800, 900, 60),
        rec("dataclasses", "tidy.catalog", 2, 6198, 615, 800, 100, stdlib=True),
        rec("tidy.billing", None, 3, 400, 400, 20, 20),
    )
    return make_report(("tidy",), modules)
