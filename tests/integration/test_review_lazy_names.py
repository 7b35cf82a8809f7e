"""A name taken from a lazy package loads the submodule its `__getattr__` serves it from.

huggingface_hub.utils serves its helpers through a module `__getattr__`. Review said
moving `huggingface_hub.utils._pagination`'s annotation-only `import httpx2` under
TYPE_CHECKING saved 121 modules (IA501, HIGH); but its `from . import
hf_raise_for_status` loads `utils._http`, which imports httpx2. A walk had loaded
`_http` before, so the load graph had no edge to show it. tests/fixtures/review/
lazyutils has that shape; without `_client`'s earlier load the graph showed it already.
"""

from __future__ import annotations

from pathlib import Path

from importaudit import api
from importaudit.review.context import ReviewContext

LAZYUTILS = Path(__file__).resolve().parents[1] / "fixtures" / "review" / "lazyutils"


def test_an_import_whose_modules_a_lazily_served_name_loads_anyway_saves_nothing() -> None:
    report = api.review([str(LAZYUTILS)], api.ReviewOptions(measure=api.Measure(repeat=1)))
    assert [(f.code, f.module) for f in report.findings] == []
    ctx = ReviewContext(report)
    assert ctx.served_lazily("lazyutils") == {"next_page": "lazyutils.pagination",
                                              "fetch": "lazyutils.transport"}
    assert ctx.served_lazily("lazyutils.transport") == {}
