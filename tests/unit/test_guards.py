"""The one `if`-test classifier: its flag-aware mode, which the runtime's skip classifier uses."""

from __future__ import annotations

import ast

import pytest

from importaudit.guards import (
    Bindings,
    Guard,
    classify_test,
    platform_facts,
    platform_text,
    platform_value,
)

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


LINUX = platform_facts("linux")
WINDOWS = platform_facts("win32")


@pytest.mark.parametrize(("test", "on_linux", "on_windows"), [
    ("sys.platform == 'win32'", False, True),
    ("'win32' == sys.platform", False, True),
    ("sys.platform != 'win32'", True, False),
    ("os.name == 'nt'", False, True),
    ("os.name in ('posix', 'java')", True, False),
    ("sys.platform not in ['linux', 'darwin']", False, True),
    ("sys.platform.startswith(('win', 'cygwin'))", False, True),
    ("platform.system() == 'Windows'", False, True),
    ("not sys.platform.startswith('linux')", False, True),
    ("sys.platform == 'win32' and DEBUG", False, None),  # False decides `and`
    ("sys.platform == 'win32' or DEBUG", None, True),  # True decides `or`
    ("'SSH_AUTH_SOCK' in os.environ and sys.platform != 'win32'", None, False),
    ("'win' in sys.platform", False, True),  # a substring test, exact once it is known
    ("'win' not in sys.platform.lower()", True, False),
    ("sys.platform[:3] == 'win'", False, True),  # pyserial's slices
    ("os.name.upper()[0] == 'N'", False, True),
    ("sys.platform[10] == 'x'", None, None),  # past its end: not told
    ("sys.platform == PLATFORM", None, None),  # compared with a name
    ("platform.machine() == 'x86_64'", None, None),  # not told by sys.platform
    ("IS_NT", None, None),  # a flag whose value is not given
    ("DEBUG", None, None),
])
def test_the_value_of_a_platform_test_on_a_platform(test: str, on_linux: bool | None,
                                                    on_windows: bool | None) -> None:
    found = bindings(flags=False)
    found.learn(ast.parse("import platform").body[0])  # type: ignore[arg-type]
    expression = ast.parse(test, mode="eval").body
    assert platform_value(expression, found, LINUX) is on_linux
    assert platform_value(expression, found, WINDOWS) is on_windows


def test_a_platform_flag_has_the_value_it_is_given() -> None:
    expression = ast.parse("not IS_NT", mode="eval").body
    assert platform_value(expression, bindings(flags=False), LINUX, {"IS_NT": False}) is True


@pytest.mark.parametrize(("test", "on_linux", "on_mac"), [
    ("plat[:6] == 'darwin'", False, True),  # pyserial's list_ports_posix
    ("plat[:5] != 'linux'", False, True),
    ("plat.startswith('darwin')", False, True),
    ("plat in ('linux', 'linux2')", True, False),
    ("plat", None, None),  # a string is no test of its own
    ("plat[:n] == 'darwin'", None, None),  # a slice not written with constants
    ("other[:6] == 'darwin'", None, None),  # a name that is no platform string
])
def test_a_name_bound_to_a_platform_string_is_compared_as_one(
        test: str, on_linux: bool | None, on_mac: bool | None) -> None:
    # `plat = sys.platform.lower()` at module level: the flags hold the string it is.
    found = bindings(flags=False)
    bound = ast.parse("sys.platform.lower()", mode="eval").body
    expression = ast.parse(test, mode="eval").body
    values = []
    for facts in (LINUX, platform_facts("darwin")):
        plat = platform_text(bound, found, facts)
        assert plat is not None
        values.append(platform_value(expression, found, facts, {"plat": plat, "IS_NT": None}))
    assert values == [on_linux, on_mac]


def imports_and_test(source: str, test: str) -> tuple[Bindings, ast.expr]:
    """The names the import statements of `source` bind, and the `if` test `test` parsed."""
    found = Bindings()
    for node in ast.parse(source).body:
        assert isinstance(node, ast.Import | ast.ImportFrom)
        found.learn(node)
    return found, ast.parse(test, mode="eval").body


@pytest.mark.parametrize(("source", "test", "on_311", "on_27"), [
    ("import sys", "sys.version_info >= (3, 6)", True, False),
    ("import sys", "sys.version_info[:2] < (3, 8)", False, True),
    ("import sys", "sys.version_info[0] == 2", False, True),
    # pexpect._async: `from sys import version_info as py_version_info`
    ("from sys import version_info as py_version_info", "py_version_info >= (3, 6)",
     True, False),
    ("import sys", "not sys.version_info >= (3, 6)", False, True),
    ("import sys", "sys.version_info >= (3, 6) and DEBUG", None, False),
    ("import sys", "sys.platform == 'win32'", None, None),  # not a version test
    ("import sys", "sys.version_info >= LIMIT", None, None),  # not a constant
    ("import os", "version_info >= (3, 6)", None, None),  # not sys' version_info
])
def test_version_tests_are_read_for_the_measured_python(
        source: str, test: str, on_311: bool | None, on_27: bool | None) -> None:
    from importaudit.guards import version_value

    found, expr = imports_and_test(source, test)
    assert version_value(expr, found, (3, 11, 7)) is on_311
    assert version_value(expr, found, (2, 7, 18)) is on_27


@pytest.mark.parametrize(("source", "test", "body", "orelse"), [
    ("import sys", "sys.version_info >= (3, 12)", "Python >= 3.12", "Python < 3.12"),
    ("import sys", "sys.version_info[:2] < (3, 8)", "Python < 3.8", "Python >= 3.8"),
    ("import sys", "sys.version_info[0] == 2", "Python == 2", "Python != 2"),
    ("import sys", "sys.version_info > (3, 9, 1)", "Python > 3.9.1", "Python <= 3.9.1"),
    ("from sys import version_info as vi", "vi <= (3, 10)", "Python <= 3.10",
     "Python > 3.10"),
    ("import sys", "sys.version_info[1] >= 12", None, None),  # the minor alone: unsaid
    ("import sys", "not sys.version_info >= (3, 6)", None, None),
    ("import sys", "sys.version_info >= (3, 6) and DEBUG", None, None),
    ("import sys", "sys.platform == 'win32'", None, None),
    ("import sys", "sys.version_info >= LIMIT", None, None),
])
def test_the_python_a_branch_of_a_version_test_needs(
        source: str, test: str, body: str | None, orelse: str | None) -> None:
    from importaudit.guards import version_needed

    found, expr = imports_and_test(source, test)
    assert version_needed(expr, found) == body
    assert version_needed(expr, found, holds=False) == orelse
