"""A package whose `__getattr__` comes from its own copy of lazy_loader's `attach`.

tests/fixtures/review/hubcopy has huggingface_hub's shape: `hubcopy/__init__` binds
`__getattr__, __dir__ = _attach(__name__, submod_attrs=_SUBMOD_ATTRS)` and imports
`fetch` from `hubcopy.download` only for type checkers. `hubcopy.inference.worker`
takes `fetch` from the package, which loads `hubcopy.download` and with it the network
library (`netkit`), and `NotFound` from `hubcopy.errors`, which loads netkit too.
Deferring the second import saves nothing. The review read `from hubcopy import fetch`
as taking a name of `hubcopy` itself, so it reported IA103 (netkit's 7 modules "load
only through this import"), as it did for huggingface_hub.inference._mcp.utils'
`from huggingface_hub.errors import EntryNotFoundError` (HIGH, 115 modules).
"""

from __future__ import annotations

from pathlib import Path

from importaudit import api

HUBCOPY = Path(__file__).resolve().parents[1] / "fixtures" / "review" / "hubcopy" / "hubcopy"


def test_a_name_served_by_a_copied_attach_loads_its_submodule() -> None:
    report = api.review([str(HUBCOPY)], api.ReviewOptions(measure=api.Measure(repeat=1)))
    # The walk loaded hubcopy.download first; the worker's `fetch` loads it all the same.
    assert {m.name for m in report.modules} >= {"hubcopy.download", "netkit",
                                                 "hubcopy.inference.worker"}
    assert [f for f in report.findings if f.module == "hubcopy.inference.worker"] == []
