"""The probe runs inside users' interpreters: it imports the standard library only.

The layers contract in pyproject.toml keeps it from importing importaudit; this keeps it
from any third-party module, on every import statement of any kind the scanner sees.
"""

from __future__ import annotations

import sys

from importaudit.runtime.interpreter import PROBE_PATH
from importaudit.static.scan import scan_reference


def test_the_probe_imports_only_the_standard_library():
    with open(PROBE_PATH, "rb") as stream:
        scan = scan_reference(stream.read())
    assert scan.error is None and scan.statements
    outside = sorted({(s.line, s.module) for s in scan.statements
                      if s.level or s.module.split(".")[0] not in sys.stdlib_module_names})
    assert outside == []
