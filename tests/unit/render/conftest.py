"""Reports built directly from the model, for renderer tests (no child interpreter needed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from importaudit.model import ChildFailure, ModuleRecord, Report, RunMeta

if TYPE_CHECKING:
    from collections.abc import Callable

MS = 1_000_000
KIB = 1024


def make_record(name: str, importer: str | None, order: int, self_ms: float, cum_ms: float,
                **extra: object) -> ModuleRecord:
    """One measured module, times in milliseconds, spread of +-10% over 5 runs."""
    self_ns, cum_ns = int(self_ms * MS), int(cum_ms * MS)
    fields: dict[str, object] = {
        "importers": (importer,) if importer else (),
        "self_ns_min": self_ns * 9 // 10, "self_ns_max": self_ns * 11 // 10,
        "cumulative_ns_min": cum_ns * 9 // 10, "cumulative_ns_max": cum_ns * 11 // 10,
        "runs": 5,
    }
    fields.update(extra)
    return ModuleRecord(name, importer, order=order, self_ns=self_ns, cumulative_ns=cum_ns,
                        **fields)


def sample_modules(memory: bool = True) -> tuple[ModuleRecord, ...]:
    """app -> (app.core -> app.core.heavy, app.util -> (json, app.util.tiny), app.broken)."""
    heap = (lambda kib: {"heap_bytes": kib * KIB, "self_heap_bytes": kib * KIB // 2,
                         "rss_bytes": kib * 2 * KIB, "self_rss_bytes": kib * KIB}
            ) if memory else (lambda kib: {})
    return (
        make_record("sys", None, 0, 0, 0, preloaded=True),
        make_record("os", None, 1, 0, 0, preloaded=True),
        make_record("app", None, 2, 5, 50.2, **heap(900)),
        make_record("app.core", "app", 3, 10, 30, **heap(600)),
        make_record("app.core.heavy", "app.core", 4, 20, 20, **heap(500)),
        make_record("app.util", "app", 5, 5, 15, **heap(200)),
        make_record("json", "app.util", 6, 9.8, 9.8, **heap(150)),
        make_record("app.util.tiny", "app.util", 7, 0.2, 0.2, **heap(1)),
        make_record("app.broken", "app", 8, 0.2, 0.2, error="ValueError: boom"),
    )


def sample_report(memory: bool = True, failure: ChildFailure | None = None,
                  modules: tuple[ModuleRecord, ...] | None = None) -> Report:
    """A profile of `app` with environment notes, as the runner would produce it."""
    return Report(
        targets=("app",),
        tool_version="0.0.test",
        created_at="2026-01-01T00:00:00+00:00",
        meta=RunMeta(
            python="/usr/bin/python3", python_version="3.11.7", platform="Linux-test",
            repeats=5, memory=memory, startup_ns=12 * MS, wall_ns=80 * MS,
            notes=("PYTHONDONTWRITEBYTECODE is set: modules were compiled on every run",),
        ),
        modules=sample_modules(memory) if modules is None else modules,
        failure=failure,
    )


@pytest.fixture
def report() -> Report:
    """The sample profile with memory measured and no failure."""
    return sample_report()


@pytest.fixture
def make_report() -> Callable[..., Report]:
    """The sample-report builder: make_report(memory=..., failure=..., modules=...)."""
    return sample_report
