"""IA301 on real fixture packages: what a star import costs beyond `import pkg`.

`starry` is eager and star-imports its submodules (httpx's shape): a star import loads
nothing more, so there is no finding. `gallery` is lazy (PEP 562) with a 12-name
`__all__`: the star import loads every submodule `import gallery` does not.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from review_samples import FIXTURES, make_report, rec

from importaudit.model import Severity
from importaudit.review import run_review
from importaudit.review.context import ReviewContext
from importaudit.review.exports import _providers
from importaudit.static.build import static_graph

if TYPE_CHECKING:
    from collections.abc import Sequence

    from importaudit.model import Finding, ModuleRecord, Report


def _report(package: str, modules: tuple[ModuleRecord, ...]) -> Report:
    graph = static_graph([str(FIXTURES / package)], cache_dir=None, jobs=1)
    return make_report((package,), modules, graph)


def _starry(eager: bool = True) -> Report:
    loader = "starry" if eager else None  # who was running when each submodule loaded
    return _report("starry", (
        rec("starry", None, 0, 3000, 300, 200, 20),
        rec("starry.client", loader, 1, 400, 400, 30, 30),
        rec("starry.models", loader, 2, 2000, 300, 120, 20),
        rec("json", "starry.models", 3, 1700, 1700, 400, 400, stdlib=True),  # costly enough
        rec("starry.errors", loader, 4, 300, 300, 20, 20),
    ))


def _ia301(report: Report) -> list[Finding]:
    return [f for f in run_review(report).findings if f.code == "IA301"]


def test_eager_star_reexports_cost_nothing_beyond_the_import() -> None:
    assert _ia301(_starry()) == []


def test_names_bound_by_star_imports_belong_to_their_submodule() -> None:
    report = _starry()
    ctx = ReviewContext(report)
    facts = ctx.facts("starry")
    assert facts is not None
    providers = _providers(ctx, facts)
    assert providers["Client"] == providers["get"] == "starry.client"
    assert providers["Request"] == "starry.models"  # no __all__: its public globals
    assert providers["ConnectError"] == "starry.errors"
    # Were the same submodules loaded lazily, all three would count (not "0 submodules").
    [finding] = _ia301(_starry(eager=False))
    assert "11 names from 3 submodule(s)" in finding.message


def _gallery() -> Report:
    return _report("gallery", (
        rec("gallery", None, 0, 900, 400, 40, 20),
        rec("importlib", "gallery", 1, 500, 500, 20, 20, stdlib=True),
        rec("gallery.canvas", None, 2, 300, 300, 60, 60),
        rec("gallery.render", None, 3, 900, 300, 60, 60),
        rec("gallery.frames", "gallery.render", 4, 300, 300, 60, 60),
        rec("gallery.exhibits", "gallery.render", 5, 300, 300, 60, 60),
    ))


def test_lazy_package_star_import_costs_what_its_names_load() -> None:
    [finding] = _ia301(_gallery())
    assert finding.impact.modules == 4  # the four submodules, not gallery or importlib
    assert finding.impact.heap_bytes == 4 * 60 * 1024
    assert "12 names from 4 submodule(s)" in finding.message
    assert "loads 4 of them that `import gallery` does not" in finding.message


def test_fix_names_the_costly_submodules_without_choosing_core_names() -> None:
    [finding] = _ia301(_gallery())
    assert "core only" not in finding.fix and "__all__ = [" not in finding.fix
    # render loads the exhibits and the frames too: it is named first, with what only it adds.
    first = finding.fix.splitlines()[2]
    assert first.startswith("#   export, preview, render: gallery.render loads 3 module(s), "
                            "1 of them for these names alone")


def test_a_parents_star_import_is_the_cost_not_a_given() -> None:
    # museum/__init__ star-imports its lazy wing: `import museum.wing` runs museum first,
    # whose star import loads every module wing's __all__ names (the probe credits them
    # to museum, the import in progress). That pull is what the long __all__ costs.
    report = _report("museum", (
        rec("museum", None, 0, 1300, 100, 200, 10),
        rec("museum.wing", "museum", 1, 300, 300, 20, 20),
        *[rec(f"museum.wing.{m}", "museum", 2 + i, 300, 300, 100, 100)
          for i, m in enumerate(("sculpture", "paintings", "tours"))],
    ))
    [finding] = _ia301(report)
    assert finding.module == "museum.wing" and finding.impact.modules == 3
    assert "star-imported by museum." in finding.message


def _brokenstar() -> Report:
    return _report("brokenstar", (
        rec("brokenstar", None, 0, 400, 200, 20, 20),
        rec("brokenstar.core", "brokenstar", 1, 200, 200, 20, 20),
        rec("brokenstar.meta", None, 2, 100, 100, 10, 10),
        rec("brokenstar.extra", None, 3, 100, 100, 10, 10),
        rec("brokenstar.plots", None, 4, 100, 100, 10, 10),
        rec("brokenstar.charts", None, 5, 100, 100, 10, 10),
        rec("brokenstar.plugins", None, 6, 100, 100, 10, 10),
    ))


def test_a_star_import_that_raises_is_reported_once_a_fresh_interpreter_confirms_it() -> None:
    from importaudit.review.context import ReviewSettings
    from importaudit.runtime.interpreter import find_interpreter
    from importaudit.runtime.verify import star_imports

    asked: list[str] = []

    def check(modules: Sequence[str]) -> dict[str, tuple[str, tuple[str, ...]]]:
        asked.extend(modules)
        return star_imports(modules, find_interpreter(sys.executable),
                            extra_path=[str(FIXTURES)])

    report = _brokenstar()
    found = {f.module: f for f in run_review(report, ReviewSettings(star_check=check)).findings
             if f.code == "IA302"}
    # The source suspects core's `opened` (bound by `global` in a function it calls):
    # the star import shows it is there. `extra` is a submodule the star import imports.
    # `plots` binds `_imports` as a `with` target (optuna's _plotly_imports): nothing
    # to suspect, though its optional import failed here and the star import raises.
    # `plugins` (optuna.integration) serves its type-checking names from a module that
    # replaces it, through an optional package not installed here: asked, not reported.
    assert asked == ["brokenstar", "brokenstar.charts", "brokenstar.core", "brokenstar.meta",
                     "brokenstar.plugins"]
    assert sorted(found) == ["brokenstar", "brokenstar.charts", "brokenstar.meta"]
    # `charts`' `plotting` is bound by an import that failed here: not "not defined".
    charts = found["brokenstar.charts"].message
    assert "lists 1 name(s) the module does not define: legend;" in charts
    assert "plotting too, bound by an import that failed here" in charts
    package = found["brokenstar"]
    assert package.line == 9 and package.severity >= Severity.MEDIUM
    assert ("brokenstar.__all__ lists 1 name(s) the module does not define: gone; "
            "`from brokenstar import *` raises AttributeError") in package.message
    # attrs' shape: a module __getattr__ serves __version__ but not __author__.
    assert "define: __author__;" in found["brokenstar.meta"].message
    # Nothing may run (a saved report, --from): no claim without the proof.
    assert not [f for f in run_review(report).findings if f.code == "IA302"]


def test_submodule_names_bound_to_lazy_proxies_load_nothing_on_a_star_import() -> None:
    # optuna binds `artifacts`, `importance`, `visualization` to `_LazyImport` proxies
    # (the real imports under `if TYPE_CHECKING:`); IA301 said `from optuna import *`
    # loads them (59 modules beyond `import optuna`): it takes the proxies, loading none.
    report = _report("proxied", (
        rec("proxied", None, 0, 900, 400, 40, 20),
        rec("proxied._lazy", "proxied", 1, 300, 300, 20, 20),
        rec("proxied.core", "proxied", 2, 300, 300, 20, 20),
        rec("proxied.charts", None, 3, 300, 300, 60, 60),
        rec("proxied.export", None, 4, 300, 300, 60, 60),
        rec("proxied.reports", None, 5, 300, 300, 60, 60),
    ))
    assert _ia301(report) == []
