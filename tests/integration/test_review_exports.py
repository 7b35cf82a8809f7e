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
