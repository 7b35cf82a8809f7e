"""What is not there behind a failed `from M import N`, read from the files."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pytest

from importaudit.runtime.absent import (
    Absent,
    bound_at,
    compiled_lack,
    installed,
    lazy_only,
    missing_behind,
    raises_import_error,
    unbound_optional,
)
from importaudit.runtime.failures import classify
from importaudit.runtime.interpreter import Interpreter
from importaudit.runtime.records import Fail

if TYPE_CHECKING:
    from pathlib import Path


def interpreter(*path: Path, version: tuple[int, int, int] = (3, 11, 7)) -> Interpreter:
    return Interpreter(sys.executable, version, "cpython", "linux",
                       sys_path=tuple(map(str, path)), builtins=("sys",),
                       extension_suffixes=(".cpython-311-x86_64-linux-gnu.so", ".so"))


def forget_parses() -> None:
    """Forget the files parsed so far (a test rewrote one, maybe within one mtime tick)."""
    from importaudit.runtime import absent

    absent._parse_as.cache_clear()


def files(root: Path, tree: dict[str, str]) -> None:
    for name, text in tree.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def no_name(name: str, module: str, file: Path) -> str:
    return f"ImportError: cannot import name {name!r} from {module!r} ({file})"


OPTIONAL = "try:\n    import crt.auth\nexcept ImportError:\n    pass\n"
#: How a reason says a name is bound only by an optional import in a `try:`.
TRY = "only in a `try:` that catches ImportError, and its imports fail without it"


def test_an_optional_import_that_did_not_bind_the_name(tmp_path: Path) -> None:
    files(tmp_path, {"pkg/__init__.py": "", "pkg/compat.py": OPTIONAL})
    compat = tmp_path / "pkg" / "compat.py"
    assert missing_behind(no_name("crt", "pkg.compat", compat), interpreter(tmp_path)) == Absent(
        "crt", "`from pkg.compat import crt` failed: pkg.compat binds crt " + TRY, part=False)
    # Installed after all (it failed for another reason): not absent.
    files(tmp_path, {"crt/__init__.py": "", "crt/auth.cpython-311-x86_64-linux-gnu.so": ""})
    assert missing_behind(no_name("crt", "pkg.compat", compat), interpreter(tmp_path)) is None


def test_a_name_bound_otherwise_or_never_is_not_absent(tmp_path: Path) -> None:
    files(tmp_path, {"pkg/__init__.py": "",
                     "pkg/utils.py": OPTIONAL + "def crt():\n    pass\n",
                     "pkg/plain.py": "VALUE = 1\n"})
    where = interpreter(tmp_path)
    assert missing_behind(no_name("crt", "pkg.utils", tmp_path / "pkg/utils.py"), where) is None
    # tqdm._utils' shape: a module that no longer defines the name.
    assert missing_behind(no_name("gone", "pkg.plain", tmp_path / "pkg/plain.py"),
                          where) is None


def test_a_package_without_the_submodule(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    files(site, {"pkg/__init__.py": '"""Backends; _macos is built on macOS only."""\n',
                 "pkg/_fast.cpython-311-x86_64-linux-gnu.so": ""})
    init = site / "pkg" / "__init__.py"
    where = interpreter(site)
    assert missing_behind(no_name("_macos", "pkg", init), where) == Absent(
        "pkg._macos", "no such module, nor a name of that package", part=True)
    assert missing_behind(no_name("_fast", "pkg", init), where) is None  # it is there
    # Named by the package's code, or any name given by a star import or a module
    # __getattr__: a name the package lost (a bug), not a part it lacks.
    for text in ("__all__ = ['_macos']\n", "from .core import *\n",
                 "def __getattr__(name):\n    raise AttributeError(name)\n"):
        init.write_text(text)
        forget_parses()
        assert missing_behind(no_name("_macos", "pkg", init), where) is None, text


def test_a_lost_name_in_a_source_tree_or_the_standard_library_is_a_failure(
        tmp_path: Path) -> None:
    # `from collections import Mapping` (gone in 3.10) and a local package's removed
    # name are bugs wherever they run: never a missing module.
    files(tmp_path, {"dep/__init__.py": "", "collections/__init__.py": ""})
    where = interpreter(tmp_path)
    for module in ("dep", "collections"):
        message = no_name("Mapping", module, tmp_path / module / "__init__.py")
        assert missing_behind(message, where) is None
        record = Fail(kind="import-error", name="pkg.user", message=message,
                      origin="pkg.user", frames=((str(tmp_path / "user.py"), 1, "<module>"),))
        assert classify(record, ["pkg"], where) is None


def test_only_an_import_a_try_catches_is_optional(tmp_path: Path) -> None:
    files(tmp_path, {"pkg/__init__.py": "",
                     "pkg/types_.py": "from typing import TYPE_CHECKING\n"
                                      "if TYPE_CHECKING:\n    from _typeshed import Thing\n",
                     "pkg/plain.py": "import sys\nif sys.version_info >= (9,):\n"
                                     "    from crt import Thing\n",
                     "pkg/caught.py": "try:\n    from crt import Thing\n"
                                      "except (ImportError, OSError):\n    pass\n"})
    where = interpreter(tmp_path)
    for module in ("types_", "plain"):
        message = no_name("Thing", f"pkg.{module}", tmp_path / "pkg" / f"{module}.py")
        assert missing_behind(message, where) is None, module
    caught = missing_behind(no_name("Thing", "pkg.caught", tmp_path / "pkg/caught.py"), where)
    assert caught is not None and caught.module == "crt"


def test_a_name_bound_in_the_else_of_an_optional_import(tmp_path: Path) -> None:
    # nltk.twitter's shape: `Query` is imported from a sibling that is there, once the
    # optional `import twython` succeeded; it is the latter that is missing.
    files(tmp_path, {"pkg/__init__.py": "try:\n    import crt\nexcept ImportError:\n"
                                        "    pass\nelse:\n    from .client import Query\n",
                     "pkg/client.py": "import crt\n"})
    message = no_name("Query", "pkg", tmp_path / "pkg" / "__init__.py")
    assert missing_behind(message, interpreter(tmp_path)) == Absent(
        "crt", "`from pkg import Query` failed: pkg binds Query " + TRY, part=False)
    files(tmp_path, {"crt.py": ""})  # there after all: the absence has another cause
    assert missing_behind(message, interpreter(tmp_path)) is None


KAFKA = ("try:\n    from kafka import KafkaError, Producer\nexcept ImportError:\n"
         "    ERRORS = ()\n\nclass NoBrokers(KafkaError):\n    pass\n")
REDIS = ("try:\n    import redis\nexcept ImportError:\n    redis = None\n\n"
         "class Prefixed(Base, redis.Redis):\n    pass\n")


@pytest.mark.parametrize(("source", "message", "missing", "how"), [
    (KAFKA, "NameError: name 'KafkaError' is not defined", "kafka",
     "raised NameError at import: it binds KafkaError " + TRY),
    (REDIS, "AttributeError: 'NoneType' object has no attribute 'Redis'", "redis",
     "raised AttributeError at import: it sets redis to None where the imports of a "
     "`try:` fail, as they do without it"),
])
def test_an_optional_import_seen_from_the_top_level(tmp_path: Path, source: str,
                                                    message: str, missing: str,
                                                    how: str) -> None:
    files(tmp_path, {"pkg/__init__.py": "", "pkg/transport.py": source})
    file = str(tmp_path / "pkg" / "transport.py")
    found = unbound_optional(message, "pkg.transport", file, 6, interpreter(tmp_path))
    assert found is not None
    assert (found.module, found.part) == (missing, False)
    assert found.how == f"pkg.transport {how}"
    files(tmp_path, {"kafka.py": "", "redis.py": ""})  # installed: some other cause
    assert unbound_optional(message, "pkg.transport", file, 6, interpreter(tmp_path)) is None


@pytest.mark.parametrize(("source", "message", "line"), [
    # A name nothing binds, or one bound otherwise too: a bug wherever it runs.
    ("import json\nX = jsn.loads('{}')\n", "NameError: name 'jsn' is not defined", 2),
    (KAFKA.replace("    ERRORS = ()", "    KafkaError = Exception\n    del KafkaError"),
     "NameError: name 'KafkaError' is not defined", 6),
    # None of its own, or None bound by a handler that catches no ImportError.
    ("CLIENT = None\nNAME = CLIENT.name\n",
     "AttributeError: 'NoneType' object has no attribute 'name'", 2),
    (REDIS.replace("except ImportError", "except OSError"),
     "AttributeError: 'NoneType' object has no attribute 'Redis'", 6),
    # A NameError is not read for None fallbacks: the handler bound the name.
    (REDIS, "NameError: name 'redis' is not defined", 6),
    (REDIS, "ValueError: bad", 6),
])
def test_other_top_level_failures_are_not_read_as_absent(tmp_path: Path, source: str,
                                                         message: str, line: int) -> None:
    files(tmp_path, {"pkg/__init__.py": "", "pkg/m.py": source})
    assert unbound_optional(message, "pkg.m", str(tmp_path / "pkg" / "m.py"), line,
                            interpreter(tmp_path)) is None


@pytest.mark.parametrize(("module", "file", "source"), [
    ("a.b.c.d.e.f.g", "shallow.py", "try:\n    import crt\nexcept ImportError:\n    pass\n"),
    ("other.name", "pkg/compat.py", OPTIONAL),  # loaded under a name its path does not spell
    ("top", "top.py", "try:\n    from .far import crt\nexcept ImportError:\n    pass\n"),
])
def test_names_that_do_not_fit_their_files_are_not_guessed(tmp_path: Path, module: str,
                                                          file: str, source: str) -> None:
    files(tmp_path, {file: source})
    assert missing_behind(no_name("crt", module, tmp_path / file), interpreter(tmp_path)) \
        is None


@pytest.mark.parametrize("message", [
    "ImportError: cannot import name 'x' from partially initialized module 'pkg' "
    "(most likely due to a circular import) (/somewhere/pkg/__init__.py)",
    "ImportError: cannot import name 'x' from 'pkg' (unknown location)",
    "ModuleNotFoundError: No module named 'x'",
])
def test_other_failures_are_not_read_as_absent(message: str) -> None:
    assert missing_behind(message, interpreter()) is None


def test_a_zip_archive_on_the_path_may_hold_the_module(tmp_path: Path) -> None:
    files(tmp_path, {"pkg/__init__.py": "", "pkg/compat.py": OPTIONAL, "lib.zip": "PK"})
    message = no_name("crt", "pkg.compat", tmp_path / "pkg" / "compat.py")
    assert missing_behind(message, interpreter(tmp_path / "lib.zip", tmp_path)) is None


LAZY = '__lazy_modules__ = {"numbers"}\n\nimport os\nfrom numbers import _Like\n'


def test_a_pep_810_lazy_import_before_python_3_15(tmp_path: Path) -> None:
    files(tmp_path, {"m.py": LAZY})
    file = str(tmp_path / "m.py")
    assert lazy_only(file, 4, interpreter()) == "numbers"
    assert lazy_only(file, 3, interpreter()) is None  # not listed: a real failure
    assert lazy_only(file, 4, interpreter(version=(3, 15, 0))) is None
    # Lazy only at module level outside `try` and `with`, once listed.
    files(tmp_path, {"t.py": LAZY.replace("from numbers import _Like",
                                          "try:\n    from numbers import _Like\n"
                                          "except ImportError:\n    raise"),
                     "late.py": "from numbers import _Like\n__lazy_modules__ = ['numbers']\n"})
    assert lazy_only(str(tmp_path / "t.py"), 5, interpreter()) is None
    assert lazy_only(str(tmp_path / "late.py"), 1, interpreter()) is None


@pytest.mark.parametrize(("source", "line", "expected"), [
    ("for x in ():\n    pass\nelse:\n    raise ImportError('no binding')\n", 4, True),
    ("if True:\n    raise ModuleNotFoundError\n", 2, True),
    ("raise RuntimeError('no')\n", 1, False),
    ("def f():\n    raise ImportError('later')\n", 2, False),  # runs when called
    ("try:\n    pass\nexcept ValueError:\n    raise\n", 4, False),
])
def test_a_module_that_raises_import_error_itself(tmp_path: Path, source: str, line: int,
                                                  expected: bool) -> None:
    files(tmp_path, {"m.py": source})
    assert raises_import_error(str(tmp_path / "m.py"), line) is expected


@pytest.mark.parametrize(("source", "line", "expected"), [
    # IPython's qt_loaders.load_qt, called at qt_for_kernel's import: the author's own.
    ("def load():\n    for x in ():\n        pass\n    raise ImportError('no binding')\n",
     4, True),
    ("def load():\n    raise ImportError(\n        'no binding')\n", 3, True),
    # Wrapping another error: that one is the cause, judged on its own.
    ("def load():\n    try:\n        import x\n    except ImportError:\n"
     "        raise ImportError('x is broken')\n", 5, False),
    ("def load(e):\n    raise ImportError('x is broken') from e\n", 2, False),
    ("def load():\n    raise ValueError('no')\n", 2, False),
    ("def other():\n    raise ImportError('no')\n", 2, False),  # not the frame's function
])
def test_a_function_the_import_ran_that_raises_import_error(
        tmp_path: Path, source: str, line: int, expected: bool) -> None:
    files(tmp_path, {"m.py": source})
    assert raises_import_error(str(tmp_path / "m.py"), line, "load") is expected


def test_installed_means_under_site_packages() -> None:
    assert installed("/venv/lib/python3.11/site-packages/pkg/m.py")
    assert installed("/usr/lib/python3/dist-packages/pkg/m.py")
    assert not installed("/home/me/src/pkg/m.py")


def test_the_lines_binding_a_name_a_from_import_did_not_find(tmp_path: Path) -> None:
    files(tmp_path, {"pkg/__init__.py": "",
                     "pkg/m.py": "import os\nif os.name == 'nt':\n    class WinDLL:\n"
                                 "        pass\n    from x import y as Other\n"
                                 "else:\n    Other = None\n"})
    file = tmp_path / "pkg" / "m.py"
    assert bound_at(no_name("WinDLL", "pkg.m", file)) == ("WinDLL", "pkg.m", str(file), [3])
    assert bound_at(no_name("Other", "pkg.m", file)) == ("Other", "pkg.m", str(file), [5, 7])
    assert bound_at(no_name("Gone", "pkg.m", file)) == ("Gone", "pkg.m", str(file), [])
    assert bound_at("ModuleNotFoundError: No module named 'x'") is None


def test_the_lines_binding_a_name_a_module_level_attribute_read_did_not_find(
        tmp_path: Path) -> None:
    # watchdog's observers.winapi says `ctypes.WinDLL("kernel32")` at its top: the
    # message names no file, so the module's source is found on the measured sys.path.
    files(tmp_path / "first", {"pkg/__init__.py": "", "pkg/m.py": "import os\n"
                               "if os.name == 'nt':\n    class WinDLL:\n        pass\n",
                               "cext.cpython-311-x86_64-linux-gnu.so": ""})
    files(tmp_path / "second", {"pkg/m.py": "WinDLL = None\n", "cext.py": "KQ = 1\n"})
    where = interpreter(tmp_path / "first", tmp_path / "second")
    file = str(tmp_path / "first" / "pkg" / "m.py")
    message = "AttributeError: module 'pkg.m' has no attribute 'WinDLL'"
    assert bound_at(message, where) == ("WinDLL", "pkg.m", file, [3])
    assert bound_at(message) is None  # nowhere to look it up
    # An extension module first on the path: no source to read, nothing said.
    assert bound_at("AttributeError: module 'cext' has no attribute 'KQ'", where) is None
    assert bound_at("AttributeError: module 'sys' has no attribute 'x'", where) is None
    # A module its import left half done says so: a cycle, not a name it lacks.
    assert bound_at("AttributeError: partially initialized module 'pkg.m' has no "
                    "attribute 'WinDLL' (most likely due to a circular import)",
                    where) is None


def test_an_import_a_with_suppress_gets_past_is_optional(tmp_path: Path) -> None:
    # rapidfuzz binds its compiled variants under `with contextlib.suppress(ImportError):`:
    # a module taking such a name failed because the variant is not installed.
    files(tmp_path, {"pkg/__init__.py": "", "pkg/compat.py": (
        "import contextlib\n\nwith contextlib.suppress(ImportError):\n"
        "    from crt.fast import ratio\n")})
    compat = tmp_path / "pkg" / "compat.py"
    assert missing_behind(no_name("ratio", "pkg.compat", compat), interpreter(tmp_path)) == Absent(
        "crt", "`from pkg.compat import ratio` failed: pkg.compat binds ratio only in a "
        "`with` that suppresses ImportError, and its imports fail without it", part=False)


def test_a_name_a_compiled_standard_module_lacks_here(tmp_path: Path) -> None:
    # watchdog's kqueue reads `select.KQ_FILTER_VNODE`: `select` is an extension module,
    # no source says where it defines the name. A module with source, one outside the
    # standard library, or one shadowed by a source file first on the path is not one.
    (tmp_path / "dynload").mkdir()
    (tmp_path / "dynload" / "select.cpython-311-x86_64-linux-gnu.so").write_bytes(b"")
    (tmp_path / "dynload" / "extension.so").write_bytes(b"")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "ctypes").mkdir()
    where = interpreter(tmp_path / "lib", tmp_path / "dynload")
    kqueue = "AttributeError: module 'select' has no attribute 'KQ_FILTER_VNODE'"
    assert compiled_lack(kqueue, where) == ("select", "KQ_FILTER_VNODE")
    # Only an upper-case constant is what a platform has or lacks (rev29): a function
    # gone from every platform (`time.clock`, `itertools.izip`) or a typo (`epol`) is a
    # bug everywhere.
    for lower in ("time' has no attribute 'clock", "itertools' has no attribute 'izip",
                  "select' has no attribute 'epol"):
        assert compiled_lack(f"AttributeError: module '{lower}'", where) is None
    # ... but for the few lower-case names a platform has or lacks (rev30).
    assert compiled_lack("AttributeError: module 'sys' has no attribute 'winver'",
                         where) == ("sys", "winver")
    assert compiled_lack("AttributeError: module 'select' has no attribute 'kqueue'",
                         where) == ("select", "kqueue")
    assert compiled_lack("AttributeError: module 'sys' has no attribute 'O_BINARY'",
                         where) == ("sys", "O_BINARY")
    assert compiled_lack("AttributeError: module 'ctypes' has no attribute 'WinDLL'",
                         where) is None
    assert compiled_lack("AttributeError: module 'extension' has no attribute 'x'",
                         where) is None
    assert compiled_lack("AttributeError: module 'os.path' has no attribute 'x'",
                         where) is None
    (tmp_path / "lib" / "select.py").write_text("")
    assert compiled_lack(kqueue, where) is None
    assert compiled_lack("ImportError: cannot import name 'x' from 'select'", where) is None
