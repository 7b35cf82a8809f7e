"""Fixtures for the risk_management tests (helpers live in risk_helpers.py).

numpy and SQLAlchemy are imported here, at collection time, on purpose: the suite's
autouse fixture drops every module a test imported, and numpy must not be imported
twice into one process.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy  # noqa: F401 - see the module docstring
import pytest
import sqlalchemy  # noqa: F401 - see the module docstring

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    # risk_management is not installed: it is importable from the repo root only.
    sys.path.insert(0, str(ROOT))

from risk_helpers import FakeClock  # noqa: E402


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
