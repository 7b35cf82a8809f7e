"""The fast scanner equals the reference ast scanner on every .py file of the standard library.

Edge sets and kinds are compared file by file (as statement sets: module, level,
names, kind, line). On files the reference cannot parse, the fast scanner may read
the statements that do parse, but any error it reports must be the reference's.

The standard library run takes about a quarter of a minute of one core and is part
of the default suite. `IMPORTAUDIT_DIFF_SITE_PACKAGES=1` adds every installed site-packages
tree (several minutes).
"""

from __future__ import annotations

import os
import sysconfig
from pathlib import Path

import pytest

from importaudit.static.batch import scan_files

SITE_PACKAGES = os.environ.get("IMPORTAUDIT_DIFF_SITE_PACKAGES") == "1"


def _python_files(root: Path, *, skip_site_packages: bool) -> list[str]:
    found: list[str] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__"
                         and not (skip_site_packages and d in ("site-packages", "dist-packages")))
        found += [os.path.join(folder, f) for f in sorted(files) if f.endswith(".py")]
    return found


def _compare(paths: list[str]) -> None:
    # In this process: the scanners are what is compared (worker pools have their own
    # tests). Two jobs meant spawned workers wherever fork is unsafe (a thread running,
    # such as numpy's OpenBLAS pool once an earlier test imported numpy): with numpy
    # loaded, 109 s wall for two jobs vs 36 s for one, the same CPU, at load 13.
    fast = scan_files(paths, jobs=1, scanner="fast")
    reference = scan_files(paths, jobs=1, scanner="reference")
    differ = []
    for path in paths:
        want, got = reference[path], fast[path]
        if want.error is None:
            if got.error is not None or set(got.statements) != set(want.statements):
                differ.append(path)
        elif got.error is not None and got != want:
            differ.append(path)
    assert differ == []


def test_fast_scanner_equals_reference_on_the_standard_library() -> None:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    paths = _python_files(stdlib, skip_site_packages=True)
    assert len(paths) > 1000
    _compare(paths)


@pytest.mark.skipif(not SITE_PACKAGES, reason="set IMPORTAUDIT_DIFF_SITE_PACKAGES=1")
def test_fast_scanner_equals_reference_on_installed_packages() -> None:
    roots = {Path(p) for p in (sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"])}
    paths = sorted({p for root in roots for p in _python_files(root, skip_site_packages=False)})
    _compare(paths)
