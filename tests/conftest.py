"""Shared fixtures: each test leaves sys.modules, sys.path and sys.meta_path as it found them."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(autouse=True)
def _restore_import_state() -> Iterator[None]:
    modules = dict(sys.modules)
    path = list(sys.path)
    meta_path = list(sys.meta_path)
    yield
    # Mutate in place: code under test may hold references to these objects.
    for name in [n for n in sys.modules if n not in modules]:
        del sys.modules[name]
    sys.modules.update(modules)
    sys.path[:] = path
    sys.meta_path[:] = meta_path


@pytest.fixture
def fixtures() -> Path:
    """The folder of real fixture packages."""
    return FIXTURES
