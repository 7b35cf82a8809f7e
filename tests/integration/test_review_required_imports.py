"""An import whose failure the module turns into its own error is needed at import time.

sentry_sdk's integrations (`try: import huggingface_hub.inference._client` / `except
ImportError: raise DidNotEnable(...)`) and gunicorn's tornado worker (`raise
RuntimeError("You need tornado installed ...")`) use the library only in methods, and
review reported IA102 (CRITICAL for huggingface_hub, 241 modules): deferring the import
would make the module import without its library, which is what the check refuses.
tests/fixtures/review/hooks has that shape; the same module with a fallback (`heavylib =
None`) still gets IA102.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from importaudit import api

REVIEW = Path(__file__).resolve().parents[1] / "fixtures" / "review"


def _ia102(target: Path) -> list[str]:
    report = api.review([str(target)], api.ReviewOptions(measure=api.Measure(repeat=1)))
    return [f.module for f in report.findings if f.code == "IA102"]


def test_an_import_the_module_refuses_to_go_on_without_is_no_ia102(tmp_path: Path) -> None:
    assert _ia102(REVIEW / "hooks") == []
    # The control: the same module falling back to None when heavylib is missing.
    shutil.copytree(REVIEW / "hooks", tmp_path / "hooks")
    shutil.copytree(REVIEW / "heavylib", tmp_path / "heavylib")
    module = tmp_path / "hooks" / "smoothing.py"
    text = module.read_text(encoding="utf-8")
    fallback = text.replace(
        'raise DidNotEnable("the smoothing integration needs heavylib") from None',
        "heavylib = None")
    assert fallback != text
    module.write_text(fallback, encoding="utf-8")
    assert _ia102(tmp_path / "hooks") == ["hooks.smoothing"]
