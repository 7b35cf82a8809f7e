"""IA301 and IA702 on real fixture packages: verdicts that were false on real code.

tests/fixtures/review/stations has tornado's shape: a lazy `__init__` whose `__all__`
names its twelve submodules, one of which (`stations.curl`, tornado's curl_httpclient)
imports a library that is not installed. `from stations import *` raises
ModuleNotFoundError, which the finding said nothing about: it claimed the star import
loads every submodule.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from importaudit import api

STATIONS = Path(__file__).resolve().parents[1] / "fixtures" / "review" / "stations"


def test_a_star_import_that_raises_here_says_so() -> None:
    report = api.review([str(STATIONS)], api.ReviewOptions(measure=api.Measure(repeat=1)))
    [f] = [f for f in report.findings if f.code == "IA301"]
    assert ("Here it raises instead (ModuleNotFoundError): stations.curl needs "
            "curl_client_library_not_installed, which is not installed") in f.message
    # As Python runs it.
    run = subprocess.run([sys.executable, "-c", "from stations import *"],
                         cwd=STATIONS.parent, capture_output=True, text=True, check=False)
    assert "ModuleNotFoundError" in run.stderr


def test_a_package_imported_as_its_init_module_is_fixed_at_that_import() -> None:
    """tests/fixtures/review/doubled: `from .__init__ import test` in doubled.api
    (statsmodels.api:85) runs `doubled/__init__.py` again as `doubled.__init__`. The
    fix said to take a directory off sys.path, which has nothing to do with it."""
    doubled = STATIONS.parent / "doubled"
    report = api.review([str(doubled)], api.ReviewOptions(measure=api.Measure(repeat=1)))
    [f] = [f for f in report.findings if f.code == "IA702"]
    assert f.module == "doubled.__init__"
    assert f.fix.startswith("Import the package, not its `__init__` module")
    assert "in doubled.api (" in f.fix and "doubled/api.py:3)" in f.fix
    assert "sys.path" not in f.fix


def test_names_bound_for_type_checkers_only_provide_nothing_to_a_star_import() -> None:
    """tests/fixtures/review/proxies (polars._dependencies): `__all__` lists names that
    `if TYPE_CHECKING: import heavylib` binds for type checkers and `_lazy_import` binds
    to proxies at run time. IA301 said the star import loads heavylib and shop_utils
    (polars: numpy, 89 modules); it loads no module."""
    proxies = STATIONS.parent / "proxies"
    report = api.review([str(proxies)], api.ReviewOptions(measure=api.Measure(repeat=1)))
    assert [f for f in report.findings if f.code == "IA301"] == []
    run = subprocess.run(
        [sys.executable, "-c", "import sys, proxies.deps; n = set(sys.modules); "
         "from proxies.deps import *; print(sorted(set(sys.modules) - n))"],
        cwd=proxies.parent, capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


def test_a_copy_only_the_walk_ran_through_a_private_module_is_not_a_second_module(
        tmp_path: Path) -> None:
    """setuptools puts its `_vendor` folder on sys.path and its code imports
    `jaraco.text`; only a `--tree` walk imports `setuptools._vendor.jaraco.text` (and what
    that copy imports by its own name): 58 HIGH IA702 said those files run twice. No code
    of the package runs them twice. A public module the walk imports is one users import
    too: a second copy of it is still found."""
    pkg = tmp_path / "vendoring"
    (pkg / "_vendor" / "helper").mkdir(parents=True)
    (pkg / "plugins").mkdir()
    (pkg / "__init__.py").write_text(
        "import os, sys\n"
        "here = os.path.dirname(__file__)\n"
        "sys.path[:0] = [os.path.join(here, '_vendor'), os.path.join(here, 'plugins')]\n"
        "import helper, registry\n")
    (pkg / "_vendor" / "helper" / "__init__.py").write_text(
        "from .state import STATE\n")
    (pkg / "_vendor" / "helper" / "state.py").write_text("STATE = {}\n")
    (pkg / "plugins" / "__init__.py").write_text("")
    (pkg / "plugins" / "registry.py").write_text("REGISTRY = {}\n")
    report = api.review([str(pkg)], api.ReviewOptions(measure=api.Measure(repeat=1)))
    twice = [f for f in report.findings if f.code == "IA702"]
    assert [f.chain for f in twice] == [("registry", "vendoring.plugins.registry")]
    profiled = {m.name for m in report.modules}
    assert {"helper.state", "vendoring._vendor.helper.state"} <= profiled
