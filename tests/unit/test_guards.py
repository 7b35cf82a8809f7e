"""The one `if`-test classifier: its flag-aware mode, which the runtime's skip classifier uses."""

from __future__ import annotations

import ast

import pytest

from importaudit.guards import Bindings, Guard, classify_test

MODULE = """\
import os
import sys

IS_NT = os.name == "nt"
_CONSOLE: bool = sys.platform.startswith("win")
DEBUG = bool(os.environ.get("DEBUG"))
"""


def bindings(flags: bool) -> Bindings:
    found = Bindings(flags=flags)
    for node in ast.parse(MODULE).body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.learn(node)
        else:
            found.learn_flag(node)
    return found


@pytest.mark.parametrize(("test", "flagged", "plain"), [
    ("IS_NT", "PLATFORM", "NONE"),  # bound from os.name
    ("not _CONSOLE", "PLATFORM", "NONE"),  # bound from sys.platform.startswith
    ("DEBUG", "NONE", "NONE"),  # bound from something else
    ("WIN", "PLATFORM", "NONE"),  # reads as a platform (click's `_compat.WIN`)
    ("not isWindows()", "PLATFORM", "NONE"),
    ("compat.IS_MACOS or sys.platform == 'darwin'", "PLATFORM", "NONE"),
    ("sys.platform == 'win32'", "PLATFORM", "PLATFORM"),  # both modes
    ("IS_NT and DEBUG", "PLATFORM", "NONE"),  # the body needs IS_NT
    ("IS_NT or DEBUG", "NONE", "NONE"),  # runs anywhere DEBUG is set
])
def test_flags_count_only_in_flag_aware_mode(test: str, flagged: str, plain: str) -> None:
    expr = ast.parse(test, mode="eval").body
    assert classify_test(expr, bindings(flags=True)) is Guard[flagged]
    # The scanners' mode: a flag is an ordinary condition (edges keep their kind anyway)
    assert classify_test(expr, bindings(flags=False)) is Guard[plain]
