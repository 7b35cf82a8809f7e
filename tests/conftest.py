"""Shared fixtures: each test leaves sys.modules, sys.path and sys.meta_path as it found them."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from import_state import forget_new_modules

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(autouse=True, scope="session")
def _own_cache_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    # Scans, graphs and IA602's remembered verdicts (api.verdicts) go to a folder of
    # this session, for the commands tests start too: a verdict an earlier session
    # remembered in the checkout's .importaudit-cache must not decide a test's review.
    # Tests of the cache folder itself set or unset the variable.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IMPORTAUDIT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture(autouse=True)
def _no_colour_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # A CI runner's FORCE_COLOR (or a developer's NO_COLOR) must not decide what tests
    # of piped output see; tests that want either set it themselves.
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture(autouse=True)
def _restore_import_state() -> Iterator[None]:
    modules = dict(sys.modules)
    path = list(sys.path)
    meta_path = list(sys.meta_path)
    yield
    forget_new_modules(modules)
    sys.path[:] = path
    sys.meta_path[:] = meta_path


@pytest.fixture
def fixtures() -> Path:
    """The folder of real fixture packages."""
    return FIXTURES
