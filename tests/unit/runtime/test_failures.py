"""Which failed submodules of a walk are skipped, and the platform tests that say so."""

from __future__ import annotations

from pathlib import Path

import pytest

from importaudit.runtime.failures import classify, format_traceback, platform_guard
from importaudit.runtime.interpreter import Interpreter
from importaudit.runtime.records import Fail, from_wire

GUARDED = '''\
import os
import sys

if sys.platform == "win32":
    pass
else:
    raise ImportError("windows only")

if os.name != "nt":
    try:
        import msvcrt
    except ImportError:
        raise RuntimeError("no console")

assert IS_MACOS or sys.platform.startswith("darwin")

if not isWindows():
    raise OSError("nope")

if settings is None:
    raise ImportError("configure first")

assert value > 0
'''


@pytest.fixture
def guarded(tmp_path: Path) -> str:
    path = tmp_path / "guarded.py"
    path.write_text(GUARDED)
    return str(path)


@pytest.mark.parametrize(("line", "guard"), [
    (7, "sys.platform == 'win32'"),
    (13, "os.name != 'nt'"),
    (15, "IS_MACOS or sys.platform.startswith('darwin')"),
    (18, "not isWindows()"),
    (21, None),  # a test, but not of the platform
    (23, None),
    (1, None),
])
def test_platform_guard_of_the_raising_statement(guarded: str, line: int,
                                                 guard: str | None) -> None:
    assert platform_guard(guarded, line) == guard


def test_a_failure_in_the_branch_a_platform_test_chose_here_is_no_platform_guard(
        tmp_path: Path) -> None:
    # Only a `raise` (or an `assert`) says the module is for another platform: any other
    # statement that failed ran in the branch chosen here, for this platform. Both
    # were skipped as "for another platform: raised under `sys.platform == 'linux'`".
    module = tmp_path / "chosen.py"
    module.write_text("import builtins\nimport sys\n\nif sys.platform == 'linux':\n"
                      "    X = builtins.WindowsError\nelse:\n    import winreg\n"
                      "if sys.platform == 'linux':\n    raise ImportError('not here')\n")
    assert platform_guard(str(module), 5) is None
    assert platform_guard(str(module), 7) is None
    assert platform_guard(str(module), 9) == "sys.platform == 'linux'"


def test_platform_guard_of_an_unreadable_file_is_none(tmp_path: Path) -> None:
    assert platform_guard(str(tmp_path / "gone.py"), 3) is None
    broken = tmp_path / "broken.py"
    broken.write_text("if (:\n")
    assert platform_guard(str(broken), 1) is None


def fail(**fields: object) -> Fail:
    """A `fail` record as the probe writes it, read by the runner's parser."""
    record = from_wire({"e": "fail", "k": "import-error", "n": "pkg.part",
                        "m": "ImportError: x", "o": "pkg.part", "tb": [], "mn": None, **fields})
    assert isinstance(record, Fail)
    return record


def test_classify_missing_modules_by_where_they_belong() -> None:
    outside = classify(fail(mn="yaml", m="ModuleNotFoundError: No module named 'yaml'"),
                       ["pkg"])
    assert outside is not None and outside.kind == "missing-dependency"
    assert outside.reason == "needs yaml, which is not installed"
    stdlib = classify(fail(mn="winreg"), ["pkg"])
    assert stdlib is not None and stdlib.kind == "platform"
    assert "standard-library module this platform does not have" in stdlib.reason
    through = classify(fail(mn="yaml", o="pkg.other"), ["pkg"])
    assert through is not None and through.reason.startswith("imports pkg.other, which needs")
    # Missing inside the targets, a target itself, or a SystemExit: failures.
    assert classify(fail(mn="pkg.gone"), ["pkg"]) is None
    assert classify(fail(n="pkg", mn="yaml"), ["pkg"]) is None
    assert classify(fail(k="exit", mn="yaml"), ["pkg"]) is None


def test_classify_platform_guarded_raise(guarded: str) -> None:
    skip = classify(fail(tb=[[guarded, 7, "<module>"]]), ["pkg"])
    assert skip is not None and skip.kind == "platform"
    assert skip.file == guarded and skip.line == 7
    assert classify(fail(tb=[[guarded, 21, "<module>"]]), ["pkg"]) is None


def test_classify_a_name_defined_only_for_another_platform() -> None:
    # twisted.internet.test._win32ifaces: ctypes defines WinDLL only when os.name is "nt".
    import ctypes

    if hasattr(ctypes, "WinDLL"):
        pytest.skip("this platform has ctypes.WinDLL")
    message = f"ImportError: cannot import name 'WinDLL' from 'ctypes' ({ctypes.__file__})"
    skip = classify(fail(m=message, o="pkg.ifaces", n="pkg.ifaces"), ["pkg"])
    assert skip is not None and skip.kind == "platform"
    assert skip.reason == ("is for another platform: ctypes defines WinDLL only under "
                           "`_os.name == 'nt'`")
    # A name it defines on every platform, or never: not that.
    for name in ("CDLL", "Nothing"):
        assert classify(fail(m=message.replace("WinDLL", name)), ["pkg"]) is None


def test_format_traceback_reads_source_lines(guarded: str) -> None:
    lines = format_traceback([(guarded, 7, "<module>")], "ImportError: windows only")
    assert lines == ("Traceback (most recent call last):",
                     f'  File "{guarded}", line 7, in <module>',
                     '    raise ImportError("windows only")',
                     "ImportError: windows only")
    assert format_traceback([], "x") == ()


FLAGS = Path(__file__).resolve().parents[2] / "fixtures" / "platform_flags"


@pytest.mark.parametrize(("module", "line", "guard"), [
    ("console", 6, "not _NATIVE"),  # imported from _compat, bound there from os.name
    ("registry", 8, "not _HAS_REGISTRY"),  # bound in the module from sys.platform
    ("plain", 6, None),  # a flag, but not of the platform
])
def test_platform_flags_bound_from_a_platform_test(module: str, line: int,
                                                   guard: str | None) -> None:
    assert platform_guard(str(FLAGS / f"{module}.py"), line) == guard


@pytest.mark.parametrize(("message", "library"), [
    ("ImportError: libtbb.so.12: cannot open shared object file: No such file or directory",
     "libtbb.so.12"),
    ("ImportError: dlopen(/x/tbbpool.cpython-311-darwin.so, 0x0002): Library not loaded: "
     "@rpath/libtbb.12.dylib", "libtbb.12.dylib"),
])
def test_classify_an_extension_whose_shared_library_is_not_installed(
        message: str, library: str) -> None:
    # numba.np.ufunc.tbbpool links to libtbb, from the tbb package, which is optional.
    skip = classify(fail(n="pkg.tbbpool", o="pkg.tbbpool", m=message), ["pkg"])
    assert skip is not None and skip.kind == "missing-dependency"
    assert skip.missing == library
    assert skip.reason == (f"needs the shared library {library}, which is not installed "
                           "(the dynamic loader found none)")
    through = classify(fail(n="pkg.pool", o="pkg.tbbpool", m=message), ["pkg"])
    assert through is not None and through.reason.startswith(
        "imports pkg.tbbpool, which needs the shared library")
    # A target itself still fails.
    assert classify(fail(n="pkg", o="pkg", m=message), ["pkg"]) is None


def _ctypes_hook(root: Path, name: str, failing: str) -> list[list[object]]:
    """`root/name.py`, which loads libc through find_library and runs `failing` (line 3).

    The frames of the AttributeError its line 3 raises in ctypes.
    """
    module = root / f"{name}.py"
    module.write_text('import ctypes, ctypes.util\n'
                      'libc = ctypes.CDLL(ctypes.util.find_library("c"))\n'
                      f"{failing}\n")
    return [[str(module), 3, "<module>"], ["/usr/lib/python3.11/ctypes/__init__.py", 389,
                                           "__getattr__"]]


def _here() -> Interpreter:
    import sys

    return Interpreter(sys.executable, (3, 11, 7), "cpython", "linux")


def test_a_symbol_missing_from_a_library_that_was_found_is_a_failure(tmp_path: Path) -> None:
    # ctypes found libc here: a symbol it lacks is the module's failure, not a library
    # absent on this platform (only the interpreter standing in for one is that).
    frames = _ctypes_hook(tmp_path, "hook", "libc.no_such_symbol.restype = None")
    where = _here()
    found = fail(n="pkg.hook", o="pkg.hook", tb=frames,
                 m="AttributeError: libc.so.6: undefined symbol: no_such_symbol")
    assert classify(found, ["pkg"], where) is None
    lost = fail(n="pkg.hook", o="pkg.hook", tb=frames,
                m=f"AttributeError: {where.executable}: undefined symbol: no_such_symbol")
    skip = classify(lost, ["pkg"], where)
    assert skip is not None and (skip.kind, skip.missing) == ("missing-dependency", "c")


def test_a_symbol_missing_from_the_interpreter_itself_is_a_failure(tmp_path: Path) -> None:
    # rev7: the module also loads libc (found here), but the failing statement reads
    # `ctypes.pythonapi`: a symbol this Python lacks is the module's failure, not a
    # library absent on this platform.
    frames = _ctypes_hook(tmp_path, "cellhack",
                          "ctypes.pythonapi._PyCell_SetRemovedInThisPython.restype = None")
    where = _here()
    lost = fail(n="pkg.cellhack", o="pkg.cellhack", tb=frames,
                m=f"AttributeError: {where.executable}: undefined symbol: "
                  "_PyCell_SetRemovedInThisPython")
    assert classify(lost, ["pkg"], where) is None


@pytest.mark.parametrize(("message", "named"), [
    ("ImproperlyConfigured: Requested setting X, but settings are not configured. You must "
     "either define the environment variable DJANGO_SETTINGS_MODULE or call "
     "settings.configure()", "DJANGO_SETTINGS_MODULE"),
    ("RuntimeError: set the environment variable 'DB' first", "DB"),
    ("RuntimeError: set the HOME environment variable", "HOME"),
    # Capitalised words are not variables.
    ("RuntimeError: Set environment variable OR pass a token", None),
    ("RuntimeError: the environment variable IS empty", None),
])
def test_an_error_asking_for_a_variable_names_it_and_words_are_not_variables(
        message: str, named: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    from importaudit.runtime.failures import setting_hint
    from importaudit.runtime.records import Fail

    for name in ("DJANGO_SETTINGS_MODULE", "DB", "HOME", "OR", "IS"):
        monkeypatch.delenv(name, raising=False)
    hint = setting_hint(Fail("import-error", "pkg", message))
    if named is None:
        assert hint is None
    else:
        assert hint is not None and f"`--env {named}=VALUE`" in hint
