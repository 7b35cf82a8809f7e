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
