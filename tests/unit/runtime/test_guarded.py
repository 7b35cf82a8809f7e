"""Modules their package imports only under platform tests false here (runtime.guarded)."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from importaudit.model import EdgeKind, ImportEdge
from importaudit.runtime.guarded import Unreached, false_guard, platform_only

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "runtime" / "platform_importers"

NESTED = """\
import os
import sys

from ._compat import WINDOWS

POSIX = os.name == "posix"


class Agent:
    def connect(self):
        if "SOCK" in os.environ and sys.platform != "win32":
            import socket
        elif sys.platform == "win32":
            from . import pageant
        else:
            from . import fallback
        for _ in range(2):
            with open(__file__):
                try:
                    if not POSIX:
                        import winreg
                except OSError:
                    pass


if WINDOWS:
    import msvcrt
if sys.platform == "linux":
    import fcntl
else:
    import termios
if sys.platform != "win32" or __import__("msvcrt"):
    pass
"""


@pytest.fixture
def nested(tmp_path: Path) -> str:
    (tmp_path / "_compat.py").write_text('import sys\nWINDOWS = sys.platform == "win32"\n')
    module = tmp_path / "nested.py"
    module.write_text(NESTED)
    return str(module)


@pytest.mark.parametrize(("line", "linux", "windows"), [
    (12, None, "'SOCK' in os.environ and sys.platform != 'win32'"),  # socket
    (14, "sys.platform == 'win32'", None),  # pageant: an elif inside a method
    (16, None, "else of `sys.platform == 'win32'`"),  # fallback: the elif's else
    (21, "not POSIX", None),  # a flag of the file, in try/with/for
    (27, "WINDOWS", None),  # a flag imported from a module of the package
    (29, None, "sys.platform == 'linux'"),
    (31, "else of `sys.platform == 'linux'`", None),
    (6, None, None),  # not guarded at all
    (32, None, None),  # in an `if`'s test: that runs wherever the `if` is reached
])
def test_the_false_platform_test_around_an_import(nested: str, line: int, linux: str | None,
                                                  windows: str | None) -> None:
    on_linux, on_windows = false_guard(nested, line, "linux"), false_guard(nested, line,
                                                                            "win32")
    assert (on_linux, on_windows) == (linux, windows)


def edge(importer: str, imported: str, file: str | None = None, line: int | None = None,
         kind: EdgeKind = EdgeKind.EAGER, *, conditional: bool = True) -> ImportEdge:
    # As the scan makes them: a statement under an `if` (or in a function) may not run.
    return ImportEdge(importer, imported, kind, file=file, line=line,
                      conditional=conditional and line is not None)


AGENT = str(FIXTURE / "agent.py")
TOOLS = str(FIXTURE / "tools.py")
PAGEANT = str(FIXTURE / "win_pageant.py")
PACKAGE = [
    edge("pkg", "pkg.agent"), edge("pkg", "pkg.tools"),
    edge("pkg.agent", "pkg.win_pageant", AGENT, 11, EdgeKind.DEFERRED),
    edge("pkg.win_pageant", "pkg._winapi", PAGEANT, 3),
    edge("pkg.tools", "pkg.win_console", TOOLS, 6),
    edge("pkg._winapi", "pkg", kind=EdgeKind.PARENT),
    edge("pkg.win_pageant", "pkg", kind=EdgeKind.PARENT),
]


def test_modules_reached_only_under_false_platform_tests_are_platform_only() -> None:
    failed = ["pkg._winapi", "pkg.win_pageant", "pkg.win_console"]
    reasons = {name: why.reason
               for name, why in platform_only(failed, PACKAGE, ["pkg"], "linux").items()}
    assert reasons == {
        "pkg.win_pageant": "is for another platform: pkg.agent imports pkg.win_pageant only "
                           "under `sys.platform == 'win32'` (agent.py:11)",
        "pkg._winapi": "is for another platform: it is imported only through "
                       "pkg.win_pageant, and pkg.agent imports pkg.win_pageant only under "
                       "`sys.platform == 'win32'` (agent.py:11)",
        "pkg.win_console": "is for another platform: pkg.tools imports pkg.win_console only "
                           "under `WINDOWS` (tools.py:6)",
    }
    # Where the tests are true, the same modules are imported: their failures count.
    assert platform_only(failed, PACKAGE, ["pkg"], "win32") == {}


def test_an_unguarded_importer_keeps_the_failure() -> None:
    # Another module of the package imports it at its top: it is reached here.
    edges = [*PACKAGE, edge("pkg", "pkg.extra"), edge("pkg.extra", "pkg._winapi", AGENT, 1)]
    assert set(platform_only(["pkg._winapi", "pkg.win_pageant"], edges, ["pkg"],
                             "linux")) == {"pkg.win_pageant"}
    # A module nothing imports is an entry point of its own: not platform-only.
    lone = [*PACKAGE, edge("pkg.script", "pkg._winapi", AGENT, 1)]
    assert "pkg._winapi" not in platform_only(["pkg._winapi"], lone, ["pkg"], "linux")
    # A type-only import never runs: it reaches nothing.
    typed = [*PACKAGE, edge("pkg", "pkg._winapi", AGENT, 1, EdgeKind.TYPE_ONLY)]
    assert "pkg._winapi" in platform_only(["pkg._winapi"], typed, ["pkg"], "linux")


def test_a_cycle_behind_a_false_guard_is_platform_only_and_one_nothing_reaches_is_not(
) -> None:
    # win_pageant and _winapi import each other; only agent's guarded import leads in.
    cycle = [*PACKAGE, edge("pkg._winapi", "pkg.win_pageant", PAGEANT, 3)]
    assert set(platform_only(["pkg._winapi"], cycle, ["pkg"], "linux")) == {"pkg._winapi"}
    # Two modules importing only each other: nothing of the package reaches them, and
    # no platform test says why they fail.
    island = [edge("pkg.a", "pkg.b", PAGEANT, 3), edge("pkg.b", "pkg.a", PAGEANT, 3)]
    assert platform_only(["pkg.a"], island, ["pkg"], "linux") == {}


def test_a_module_imported_only_for_another_python_is_platform_only(tmp_path: Path) -> None:
    # pexpect._async imports _async_pre_await (`@asyncio.coroutine`, gone in 3.11) only
    # in the else of `py_version_info >= (3, 6)`: on 3.11 the walk's failure is no bug.
    facade = tmp_path / "facade.py"
    facade.write_text("from sys import version_info as py_version_info\n\n"
                      "if py_version_info >= (3, 6):\n    from pkg.new import run\n"
                      "else:\n    from pkg.old import run\n")
    edges = [edge("pkg", "pkg.facade"), edge("pkg.facade", "pkg.new", str(facade), 4),
             edge("pkg.facade", "pkg.old", str(facade), 6)]
    assert false_guard(str(facade), 6, "linux") is None  # not a platform test
    assert false_guard(str(facade), 6, "linux", (3, 11, 7)) == (
        "else of `py_version_info >= (3, 6)`")
    assert false_guard(str(facade), 4, "linux", (3, 11, 7)) is None
    reasons = platform_only(["pkg.old"], edges, ["pkg"], "linux", (3, 11, 7))
    assert reasons == {"pkg.old": Unreached(
        "needs Python < 3.6: pkg.facade imports pkg.old only in the else of "
        "`py_version_info >= (3, 6)` (facade.py:6)", "Python < 3.6")}
    assert platform_only(["pkg.old"], edges, ["pkg"], "linux", (2, 7, 18)) == {}


def test_a_version_test_too_involved_to_read_still_says_another_python(
        tmp_path: Path) -> None:
    facade = tmp_path / "facade.py"
    facade.write_text("import sys\n\nif sys.version_info[1] >= 12:\n"
                      "    from pkg import new\n")
    edges = [edge("pkg", "pkg.facade"), edge("pkg.facade", "pkg.new", str(facade), 4)]
    reasons = platform_only(["pkg.new"], edges, ["pkg"], "linux", (3, 11, 7))
    assert reasons["pkg.new"].python == "another Python version"
    assert reasons["pkg.new"].reason.startswith("needs another Python version: ")
    # A platform test says "another platform", and carries no Python.
    assert platform_only(["pkg.win_pageant"], PACKAGE, ["pkg"], "linux")[
        "pkg.win_pageant"].python is None


@pytest.mark.parametrize("nesting", ["platform outside", "version outside"])
def test_under_a_false_platform_test_and_a_false_version_test_the_platform_says_why(
        tmp_path: Path, nesting: str) -> None:
    # No Python on Linux runs a Windows-only import, whatever version test is around it.
    platform, version = "sys.platform == 'win32'", "sys.version_info >= (3, 12)"
    outer, inner = (platform, version) if nesting == "platform outside" else (version, platform)
    facade = tmp_path / "facade.py"
    facade.write_text(f"import sys\n\nif {outer}:\n    if {inner}:\n"
                      "        from pkg import winnew\n")
    edges = [edge("pkg", "pkg.facade"), edge("pkg.facade", "pkg.winnew", str(facade), 5)]
    assert false_guard(str(facade), 5, "linux", (3, 11, 7)) == platform
    reasons = platform_only(["pkg.winnew"], edges, ["pkg"], "linux", (3, 11, 7))
    assert reasons["pkg.winnew"].python is None
    assert reasons["pkg.winnew"].reason.startswith("is for another platform: ")


def test_a_module_level_platform_string_decides_like_the_platform_it_holds() -> None:
    # pyserial's list_ports_posix: `plat = sys.platform.lower()`, then an `elif` chain
    # of `plat[:6] == 'darwin'`; list_ports_osx (IOKit through ctypes) failed on Linux.
    ports = str(FIXTURE / "ports.py")
    assert false_guard(ports, 8, "linux") is None
    assert false_guard(ports, 10, "linux") == "plat[:6] == 'darwin'"
    assert false_guard(ports, 8, "darwin") == "plat[:5] == 'linux'"
    assert false_guard(ports, 10, "darwin") is None
    edges = [edge("pkg", "pkg.ports", conditional=False),
             edge("pkg.ports", "pkg._compat", ports, 8),
             edge("pkg.ports", "pkg.mac_ports", ports, 10)]
    reasons = platform_only(["pkg.mac_ports"], edges, ["pkg"], "linux")
    assert reasons == {"pkg.mac_ports": Unreached(
        "is for another platform: pkg.ports imports pkg.mac_ports only under "
        "`plat[:6] == 'darwin'` (ports.py:10)")}
    assert platform_only(["pkg.mac_ports"], edges, ["pkg"], "darwin") == {}


def test_a_flag_imported_from_its_own_package_by_absolute_name_counts(
        tmp_path: Path) -> None:
    # hypothesis, virtualenv and celery say `from pkg.compat import WINDOWS`: the same
    # flag as `from .compat import WINDOWS`. Another package's flag is not read.
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "compat.py").write_text('import sys\nWINDOWS = sys.platform == "win32"\n')
    (tmp_path / "other.py").write_text('import sys\nWINDOWS = sys.platform == "win32"\n')
    tools = package / "sub" / "tools.py"
    tools.write_text("from pkg.compat import WINDOWS\nfrom other import WINDOWS as OTHER\n"
                     "if WINDOWS:\n    from pkg import win\nif OTHER:\n    from pkg import win2\n")
    assert false_guard(str(tools), 4, "linux") == "WINDOWS"
    assert false_guard(str(tools), 4, "win32") is None
    assert false_guard(str(tools), 6, "linux") is None


def test_a_file_is_read_about_once_however_many_imports_ask_about_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # transformers-shaped: 40 modules, each importing a flag from its siblings and the
    # others under tests, all on the way to one failed module. Reading the flags three
    # imports deep parsed the same files thousands of times (tens of minutes there).
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "_compat.py").write_text('import sys\nWIN = sys.platform == "win32"\n')
    names = [f"m{i}" for i in range(40)]
    edges = [edge("pkg", "pkg.m0", conditional=False)]
    for name in names:
        siblings = [n for n in names if n != name]
        lines = ["import sys", "from ._compat import WIN",
                 *(f"from .{n} import WIN as WIN_{n}" for n in siblings),
                 *(f"if WIN or sys.platform == 'darwin':\n    from . import {n}"
                   for n in siblings),
                 "if WIN:\n    from . import winonly"]
        (package / f"{name}.py").write_text("\n".join(lines) + "\n")
        text = (package / f"{name}.py").read_text().splitlines()
        for n in [*siblings, "winonly"]:
            line = text.index(f"    from . import {n}") + 1
            edges.append(edge(f"pkg.{name}", f"pkg.{n}", str(package / f"{name}.py"), line))
    parsed: list[str] = []
    real = ast.parse

    def counted(source: bytes, filename: str = "<unknown>", *args: Any, **kwargs: Any
                ) -> Any:
        parsed.append(filename)
        return real(source, filename, *args, **kwargs)

    monkeypatch.setattr(ast, "parse", counted)
    reasons = platform_only(["pkg.winonly"], edges, ["pkg"], "linux")
    assert reasons["pkg.winonly"].reason.startswith("is for another platform: ")
    # Each module and _compat (and __init__, for `from . import`), read about once: a
    # few syntax trees are kept, the little the flags need of every file.
    assert len(set(parsed)) == len(names) + 2
    assert len(parsed) <= 2 * len(set(parsed))


FUNCTIONS = Path(__file__).resolve().parents[2] / "fixtures" / "runtime" / "platform_functions"
OBSERVERS = str(FUNCTIONS / "observers.py")
CONSOLE = str(FUNCTIONS / "console.py")


@pytest.mark.parametrize(("file", "line", "platform", "expected"), [
    # watchdog's shape: `platform.is_bsd()`, a function of the package's own
    # `utils.platform` (imported by absolute name), returning `__platform__ ==
    # PLATFORM_BSD`, where `__platform__ = get_platform_name()`, an if/return chain.
    (OBSERVERS, 8, "linux", None),
    (OBSERVERS, 12, "linux", "platform.is_bsd()"),
    (OBSERVERS, 8, "openbsd7", "platform.is_linux()"),
    (OBSERVERS, 12, "openbsd7", None),
    (OBSERVERS, 8, "win32", "platform.is_linux()"),
    # FreeBSD's branch calls os.uname(): read, never run, it tells nothing.
    (OBSERVERS, 12, "freebsd14", None),
    (OBSERVERS, 8, "freebsd14", None),
    # A flag computed by the package's function (`IS_WIN = _is_windows()`), imported by
    # name, or read as the attribute of its module in a function.
    (CONSOLE, 7, "linux", "IS_WIN"),
    (CONSOLE, 12, "linux", "_compat.IS_WIN"),
    (CONSOLE, 7, "win32", None),
    (CONSOLE, 12, "win32", None),
])
def test_a_guard_through_the_packages_own_platform_functions_is_read(
        file: str, line: int, platform: str, expected: str | None) -> None:
    assert false_guard(file, line, platform) == expected


FUNCTION_PACKAGE = [
    edge("pkg", "pkg.observers"), edge("pkg", "pkg.console"),
    edge("pkg.observers", "pkg.polling", OBSERVERS, 8, EdgeKind.DEFERRED),
    edge("pkg.observers", "pkg.kqueue_like", OBSERVERS, 12, EdgeKind.DEFERRED),
    edge("pkg.console", "pkg.win_console", CONSOLE, 7),
    edge("pkg.console", "pkg.win_registry", CONSOLE, 12, EdgeKind.DEFERRED),
]


def test_modules_imported_only_under_the_packages_false_platform_functions_are_skipped(
) -> None:
    failed = ["pkg.kqueue_like", "pkg.win_console", "pkg.win_registry"]
    reasons = {name: why.reason
               for name, why in platform_only(failed, FUNCTION_PACKAGE, ["pkg"],
                                              "linux").items()}
    assert reasons == {
        "pkg.kqueue_like": "is for another platform: pkg.observers imports pkg.kqueue_like "
                           "only under `platform.is_bsd()` (observers.py:12)",
        "pkg.win_console": "is for another platform: pkg.console imports pkg.win_console "
                           "only under `IS_WIN` (console.py:7)",
        "pkg.win_registry": "is for another platform: pkg.console imports "
                            "pkg.win_registry only under `_compat.IS_WIN` (console.py:12)",
    }
    # Where the functions say true, the same modules are imported: their failures count.
    assert platform_only(["pkg.polling"], FUNCTION_PACKAGE, ["pkg"], "linux") == {}
    assert platform_only(["pkg.kqueue_like"], FUNCTION_PACKAGE, ["pkg"], "openbsd7") == {}
    assert platform_only(["pkg.win_console", "pkg.win_registry"], FUNCTION_PACKAGE,
                         ["pkg"], "win32") == {}


UNKNOWN = '''\
import os
import sys
from functools import lru_cache

from .helpers import is_windows as helper_windows


def from_environment():
    return os.environ.get("USE_WIN") == "1"


def with_argument(platform=sys.platform):
    return platform == "win32"


def assigning():
    name = sys.platform
    return name == "win32"


def constant():
    return False


def unknown_test():
    if os.environ.get("X"):
        return False
    return sys.platform == "win32"


def decorated_by_something():
    return sys.platform == "win32"


decorated_by_something = staticmethod(decorated_by_something)

if sys.platform == "win32":
    def chosen():
        return True
else:
    def chosen():
        return False


@lru_cache(maxsize=None)
def cached():
    return sys.platform == "win32"


def shadowing(cached):
    if cached():
        import cached_module


if from_environment():
    import a
if with_argument():
    import b
if assigning():
    import c
if constant():
    import d
if unknown_test():
    import e
if decorated_by_something():
    import f
if chosen():
    import g
if cached():
    import h
if helper_windows():
    import i
'''


@pytest.mark.parametrize(("module", "expected"), [
    ("a", None),  # a test of the environment: the user's to set anywhere
    ("b", None),  # a function of arguments
    ("c", None),  # a body doing more than testing and returning
    ("d", None),  # a constant under no platform test says nothing of the platform
    ("e", None),  # a test on the way the platform does not decide
    ("f", None),  # rebound: not the function defined
    ("g", None),  # defined under a test: two functions, one name
    ("h", "cached()"),  # a cache keeps what the function returns
    ("i", "helper_windows()"),  # the package's function, imported under another name
    ("cached_module", None),  # the enclosing function's argument, not the module's
])
def test_a_function_the_files_do_not_tell_about_guards_nothing(
        tmp_path: Path, module: str, expected: str | None) -> None:
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "helpers.py").write_text(
        'import os\n\n\ndef is_windows():\n    """Windows?"""\n    return os.name == "nt"\n')
    source = tmp_path / "flags.py"
    source.write_text(UNKNOWN)
    line = [text.strip() for text in UNKNOWN.splitlines()].index(f"import {module}") + 1
    assert false_guard(str(source), line, "linux") == expected


def test_a_platform_module_the_package_init_imports_is_its_submodule(tmp_path: Path) -> None:
    # `from . import osinfo` in pkg/__init__ binds the submodule, which `from pkg import
    # osinfo` elsewhere then reads: not a name of __init__ unknown there.
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("from . import osinfo\n")
    (package / "osinfo.py").write_text(
        'import sys\n\n\ndef is_mac():\n    return sys.platform == "darwin"\n')
    user = package / "user.py"
    user.write_text("from pkg import osinfo\n\nif osinfo.is_mac():\n    from . import mac\n")
    assert false_guard(str(user), 4, "linux") == "osinfo.is_mac()"
    assert false_guard(str(user), 4, "darwin") is None


WATCHMEDO = str(FUNCTIONS / "watchmedo.py")


def test_chosen_a_module_its_package_imports_for_other_platforms_and_on_a_users_flag(
) -> None:
    # watchdog: observers imports kqueue only under `platform.is_bsd()`; watchmedo
    # (nothing imports it) under its user's `--debug-force-kqueue`. That flag may be
    # set anywhere: kqueue is reached here, unless (`chosen`) the failure is one the
    # interpreter explains and imports under tests not decided here do not count.
    forced = [*FUNCTION_PACKAGE,
              edge("pkg.watchmedo", "pkg.kqueue_like", WATCHMEDO, 10, EdgeKind.DEFERRED),
              edge("pkg.watchmedo", "pkg.polling", WATCHMEDO, 14, EdgeKind.DEFERRED)]
    assert platform_only(["pkg.kqueue_like"], forced, ["pkg"], "linux") == {}
    assert platform_only(["pkg.kqueue_like"], forced, ["pkg"], "linux", chosen=True) == {
        "pkg.kqueue_like": Unreached("is for another platform: pkg.observers imports "
                                     "pkg.kqueue_like only under `platform.is_bsd()` "
                                     "(observers.py:12)")}
    # Only the user's flag: no platform test says the package chose it for elsewhere.
    flag_only = [e for e in forced if e.importer != "pkg.observers"]
    assert platform_only(["pkg.kqueue_like"], flag_only, ["pkg"], "linux", chosen=True) == {}
    # Imported where no test stands around it (a function with no `if`), it runs
    # whenever that is called: reached.
    plain = [*forced, edge("pkg.watchmedo", "pkg.kqueue_like", WATCHMEDO, 14,
                           EdgeKind.DEFERRED)]
    assert platform_only(["pkg.kqueue_like"], plain, ["pkg"], "linux", chosen=True) == {}
    # Where the package's test is true, it is the platform's module: a failure.
    assert platform_only(["pkg.kqueue_like"], forced, ["pkg"], "openbsd7", chosen=True) == {}


_REBOUND = {
    # The flag a platform function returns is also set by the environment: the last
    # binding is not the one that holds (rev29's rv_envflag).
    "environment": ('import os\nimport sys\n\nif os.environ.get("FORCE_BSD"):\n'
                    '    _BSD = True\nelse:\n    _BSD = sys.platform.startswith("freebsd")\n'
                    '\n\ndef is_bsd():\n    return _BSD\n'),
    # A function's `global` rebinds what the platform function reads (rv_global).
    "global": ('import sys\n\n_PLAT = sys.platform\n\n\ndef emulate(p):\n    global _PLAT\n'
               '    _PLAT = p\n\n\ndef is_bsd():\n    return _PLAT.startswith("freebsd")\n'),
}


@pytest.mark.parametrize("shape", sorted(_REBOUND))
def test_a_flag_bound_more_than_once_decides_nothing(tmp_path: Path, shape: str) -> None:
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "_platform.py").write_text(_REBOUND[shape])
    source = tmp_path / "observers.py"
    source.write_text("from ._platform import is_bsd\n\nif is_bsd():\n    import bsdmod\n")
    assert false_guard(str(source), 4, "linux") is None


def test_a_star_import_after_a_platform_function_makes_it_unknown(tmp_path: Path) -> None:
    # rv_star: `from ._override import *` rebinds `is_bsd` to one that reads the
    # environment; the import before it no longer tells what the name is.
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "_static.py").write_text(
        'import sys\n\n\ndef is_bsd():\n    return sys.platform.startswith("freebsd")\n')
    (tmp_path / "_override.py").write_text(
        'import os\n\n\ndef is_bsd():\n    return bool(os.environ.get("BSD"))\n')
    source = tmp_path / "observers.py"
    source.write_text("from ._static import is_bsd\nfrom ._override import *\n\n"
                      "if is_bsd():\n    import bsdmod\n")
    assert false_guard(str(source), 5, "linux") is None
    plain = tmp_path / "plain.py"  # (without the star import: a platform test false here)
    plain.write_text("from ._static import is_bsd\n\nif is_bsd():\n    import bsdmod\n")
    assert false_guard(str(plain), 4, "linux") is not None
