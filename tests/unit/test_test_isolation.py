"""The suite's own isolation: what a test imported is forgotten, what is shared is kept."""

from __future__ import annotations

import importlib
import json
import sys
import types
from pathlib import Path

from import_state import forget_new_modules

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_a_nested_namespace_package_is_forgotten_without_error() -> None:
    before = dict(sys.modules)
    sys.path.insert(0, str(FIXTURES / "static" / "namespace"))
    try:
        importlib.import_module("nspkg.inner.gamma")
        forget_new_modules(before)  # raised KeyError('nspkg') when nspkg went first
    finally:
        sys.path.remove(str(FIXTURES / "static" / "namespace"))
    assert not [name for name in sys.modules if name.partition(".")[0] == "nspkg"]


def test_modules_made_in_memory_are_forgotten_and_installed_ones_kept() -> None:
    before = dict(sys.modules)
    sys.modules.pop("json.tool", None)  # stdlib: the same whoever imports it first
    before.pop("json.tool", None)
    importlib.import_module("json.tool")
    sys.modules["made_in_memory_for_a_test"] = types.ModuleType("made_in_memory_for_a_test")
    forget_new_modules(before)
    assert "json.tool" in sys.modules and json.tool is sys.modules["json.tool"]
    assert "made_in_memory_for_a_test" not in sys.modules
