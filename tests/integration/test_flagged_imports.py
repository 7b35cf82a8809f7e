"""A NameError left by an import under an availability flag, of what is not installed.

`profile transformers --tree` (without torch) exited 3 on 9 modules such as
`transformers.integrations.higgs`: `if is_torch_available(): import torch`, then
`class HiggsLinear(torch.nn.Module)` at module level raised NameError. They need torch,
which is not installed: skipped, like the same import in a `try`. So is a name whose
`if` branch imports an absent module before it (`systemone`'s pydantic `BaseModel`
after fastapi), and one whose flag's function asks for an absent module (`systemone`
where fastapi is installed and openai is not: `is_serve_available()` asks
`find_spec("openai")` through a helper; `is_vision_available()` imports PIL).
tests/fixtures/runtime/flagged_imports has these, and a name a version test leaves
unbound (all it imports installed), which stays a failure. The name may be
read in a class body too (`def f(self, waveform: torch.Tensor)` in musicgen_melody's
feature extractor): the class statement's frame runs with the module.
"""

from __future__ import annotations

from pathlib import Path

from importaudit import api

FLAGGED = Path(__file__).resolve().parents[1] / "fixtures" / "runtime" / "flagged_imports"


def test_a_name_an_availability_flag_left_unbound_needs_what_is_not_installed() -> None:
    report = api.profile([str(FLAGGED)], api.Measure(tree=True, repeat=1, memory=False))
    skipped = {s.name: (s.kind, s.missing) for s in report.skipped}
    assert skipped == {
        "flagged_imports.feature_extraction": ("missing-dependency",
                                               "importaudit_fixture_torch"),
        "flagged_imports.higgs": ("missing-dependency", "importaudit_fixture_torch"),
        "flagged_imports.serving": ("missing-dependency", "importaudit_fixture_fastapi"),
        "flagged_imports.chat": ("missing-dependency", "importaudit_fixture_fastapi"),
        # The flag's own function asks for what is missing (find_spec through a helper;
        # an import in its body), though all the branch imports is installed.
        "flagged_imports.systemone": ("missing-dependency", "importaudit_fixture_openai"),
        "flagged_imports.resampling": ("missing-dependency", "importaudit_fixture_pil"),
        "flagged_imports.tensor_user": ("missing-dependency", "importaudit_fixture_torch"),
    }
    reasons = {s.name: s.reason for s in report.skipped}
    assert reasons["flagged_imports.higgs"] == (
        "needs importaudit_fixture_torch, which is not installed (flagged_imports.higgs "
        "raised NameError at import: it binds torch only under `if "
        "is_torchlike_available():`, a branch that does not run without it)")
    failed = {m.name for m in report.modules if m.error is not None} - set(skipped)
    assert reasons["flagged_imports.chat"] == (
        "needs importaudit_fixture_fastapi, which is not installed (`from "
        "flagged_imports.streams import EventStream` failed: flagged_imports.streams binds "
        "EventStream only under `if is_serve_available():`, a branch that does not run "
        "without it)")
    assert reasons["flagged_imports.systemone"] == (
        "needs importaudit_fixture_openai, which is not installed (flagged_imports.systemone "
        "raised NameError at import: it binds BaseModel only under `if "
        "is_full_serve_available():`, a branch that does not run without it)")
    # A name used above its flagged class fails wherever it runs.
    assert failed == {"flagged_imports.used_above", "flagged_imports.version_bug"}
    assert report.failure is not None and report.failure.module in failed
