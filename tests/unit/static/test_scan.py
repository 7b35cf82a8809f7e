"""Edge kinds and statement shapes, from both scanners (reference and fast) alike.

Every case runs through `scan_reference` and `scan_fast`: they must agree, and both
must be right about what the statement means at import time.
"""

from __future__ import annotations

import sys
import textwrap
import warnings
from collections.abc import Callable

import pytest

from importaudit.model import EdgeKind
from importaudit.static.fastscan import scan_fast
from importaudit.static.scan import FileScan, ImportStatement, scan_reference

Scanner = Callable[[bytes], FileScan]
SCANNERS = [pytest.param(scan_reference, id="reference"), pytest.param(scan_fast, id="fast")]

E, D, T, OPT, L, Y = (EdgeKind.EAGER, EdgeKind.DEFERRED, EdgeKind.TYPE_ONLY,
                    EdgeKind.OPTIONAL, EdgeKind.LAZY, EdgeKind.DYNAMIC)


def scan(scanner: Scanner, source: str | bytes) -> FileScan:
    data = source if isinstance(source, bytes) else textwrap.dedent(source).encode()
    result: FileScan = scanner(data)
    assert result == scan_reference(data), "fast and reference scanners disagree"
    return result


def kinds(scanner: Scanner, source: str) -> dict[str, EdgeKind]:
    """module -> kind (one statement per module in these snippets)."""
    result = scan(scanner, source)
    assert result.error is None, result.error
    return {s.module: s.kind for s in result.statements}


@pytest.fixture(params=SCANNERS)
def scanner(request: pytest.FixtureRequest) -> Scanner:
    chosen: Scanner = request.param
    return chosen


def test_module_level_imports_are_eager_with_names_and_levels(scanner: Scanner) -> None:
    result = scan(scanner, """\
        from __future__ import annotations
        import os.path as osp, json
        from collections import OrderedDict, deque
        from .. import sibling
        from .sub.mod import (
            a,
            b as c,
        )
        """)
    assert result.statements == (
        ImportStatement(2, E, "os.path"),
        ImportStatement(2, E, "json"),
        ImportStatement(3, E, "collections", 0, ("OrderedDict", "deque")),
        ImportStatement(4, E, "", 2, ("sibling",)),
        ImportStatement(5, E, "sub.mod", 1, ("a", "b")),
    )


def test_function_and_method_bodies_are_deferred_class_bodies_eager(scanner: Scanner) -> None:
    assert kinds(scanner, """\
        def f():
            import in_function
        async def g():
            import in_coroutine
        class K:
            import in_class_body
            def method(self):
                import in_method
                class Local:
                    import in_local_class
        def outer():
            def inner():
                import in_nested
        """) == {"in_function": D, "in_coroutine": D, "in_class_body": E, "in_method": D,
                 "in_local_class": D, "in_nested": D}


@pytest.mark.parametrize("header", [
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:",
    "import typing\nif typing.TYPE_CHECKING:",
    "import typing as t\nif t.TYPE_CHECKING:",
    "from typing import TYPE_CHECKING as TC\nif TC:",
    "import typing_extensions as te\nif te.TYPE_CHECKING:",
    "TYPE_CHECKING = False\nif TYPE_CHECKING:",
    "import sys\nfrom typing import TYPE_CHECKING\n"
    "if TYPE_CHECKING and sys.version_info >= (3, 11):",
])
def test_type_checking_blocks_in_every_spelling_are_type_only(
        scanner: Scanner, header: str) -> None:
    found = kinds(scanner, header + "\n    import only_for_types\n")
    assert found["only_for_types"] is T


def test_not_type_checking_and_else_branches(scanner: Scanner) -> None:
    assert kinds(scanner, """\
        from typing import TYPE_CHECKING
        if not TYPE_CHECKING:
            import at_runtime
        else:
            import for_checker
        if TYPE_CHECKING:
            import for_checker_too
        else:
            import at_runtime_too
        """) == {"typing": E, "at_runtime": E, "for_checker": T, "for_checker_too": T,
                 "at_runtime_too": E}


def test_a_type_checking_attribute_of_something_else_is_not_type_checking(scanner: Scanner) -> None:
    found = kinds(scanner, "import config\nif config.TYPE_CHECKING:\n    import real\n")
    assert found["real"] is E


@pytest.mark.parametrize(("handler", "expected"), [
    ("except ImportError:", OPT),
    ("except ModuleNotFoundError:", OPT),
    ("except (ValueError, ImportError):", OPT),
    ("except builtins.ImportError as exc:", OPT),
    ("except Exception:", OPT),
    ("except:", OPT),
    ("except ValueError:", E),
])
def test_try_bodies_are_optional_when_a_handler_catches_import_errors(
        scanner: Scanner, handler: str, expected: EdgeKind) -> None:
    found = kinds(scanner, f"try:\n    import maybe\n{handler}\n    import fallback\n")
    assert found["maybe"] is expected
    assert found["fallback"] is E  # the handler runs at import time and is not protected


def test_optional_inside_a_function_is_deferred_and_except_star_counts(scanner: Scanner) -> None:
    assert kinds(scanner, """\
        def f():
            try:
                import later
            except ImportError:
                pass
        try:
            import grouped
        except* ImportError:
            pass
        """) == {"later": D, "grouped": OPT}


def test_main_guard_imports_run_only_as_a_script(scanner: Scanner) -> None:
    assert kinds(scanner, """\
        if __name__ == "__main__":
            import script_only
        if "__main__" == __name__:
            import script_only_too
        """) == {"script_only": D, "script_only_too": D}


def test_dynamic_imports_with_literal_names(scanner: Scanner) -> None:
    result = scan(scanner, """\
        import importlib
        import importlib as il
        from importlib import import_module
        importlib.import_module("pkg.plugin")
        il.import_module("other")
        handler = import_module(".rel", __name__)
        legacy = __import__("old.mod", fromlist=["part"])
        computed = importlib.import_module(NAME)
        def later():
            return importlib.import_module("in_function")
        """)
    dynamic = {s for s in result.statements if s.kind is Y}
    assert dynamic == {
        ImportStatement(4, Y, "pkg.plugin"),
        ImportStatement(5, Y, "other"),
        ImportStatement(6, Y, "rel", 1, None, "__name__"),
        ImportStatement(7, Y, "old.mod", 0, ("part",)),
        ImportStatement(10, Y, "in_function", conditional=True, deferred=True),
    }


def test_an_aliased_import_module_is_seen(scanner: Scanner) -> None:
    source = "from importlib import import_module as load\nload('plugins.x')\n"
    found = kinds(scanner, source)
    assert found["plugins.x"] is Y


def test_pep562_getattr_imports_and_lazy_maps_are_lazy(scanner: Scanner) -> None:
    result = scan(scanner, """\
        import importlib
        _LAZY = {"Heavy": ".heavy", "Pair": ("pkg.pair", "Pair"), "x": "not a module"}
        _SUBMODULES = ["plugins"]
        def __getattr__(name):
            if name == "special":
                from . import special
                return special
            if name in _SUBMODULES:
                return importlib.import_module("." + name, __name__)
            return getattr(importlib.import_module(_LAZY[name], __name__), name)
        class Proxy:
            def __getattr__(self, name):
                import not_lazy
        """)
    lazy = {(s.module, s.level, s.guess) for s in result.statements if s.kind is L}
    # "Pair" -> ("pkg.pair", "Pair") has the shape of "submodule" -> ["attr"] too: both
    # readings are guesses, kept by the graph only where they name a module.
    assert lazy == {("", 1, False), ("heavy", 1, True), ("pkg.pair", 0, True),
                    ("Pair", 1, True), ("plugins", 1, True)}
    assert {s.module: s.kind for s in result.statements}["not_lazy"] is D


def test_lazy_loader_attach_and_attach_stub(scanner: Scanner) -> None:
    result = scan(scanner, """\
        import lazy_loader as lazy
        __getattr__, __dir__, __all__ = lazy.attach(
            __name__,
            submodules=["linalg", "fft"],
            submod_attrs={"utils": ["helper"]},
            attributes={"Facade": ".real_time.facade"},
        )
        stub = lazy.attach_stub(__name__, __file__)
        unrelated = other.attach(something)
        """)
    lazy = {(s.module, s.level, s.guess, s.stub) for s in result.statements
            if s.kind is L and not s.provides}
    assert lazy == {("linalg", 1, False, False), ("fft", 1, False, False),
                    ("utils", 1, False, False), ("real_time.facade", 1, True, False),
                    ("", 1, False, True)}
    # `submod_attrs` says which names the package gives from which submodule.
    assert [(s.module, s.level, s.names, s.anchor) for s in result.statements
            if s.provides] == [("utils", 1, ("helper",), "__name__")]


@pytest.mark.skipif(sys.version_info >= (3, 15), reason="Python 3.15 parses `lazy import`")
def test_pep810_lazy_import_is_a_syntax_error_where_python_cannot_parse_it(
        scanner: Scanner) -> None:
    result = scan(scanner, "lazy import json\n")
    assert result.error is not None
    assert result.error.startswith("syntax error")


@pytest.mark.skipif(sys.version_info < (3, 15), reason="PEP 810 needs Python 3.15")
def test_pep810_lazy_import_is_lazy(scanner: Scanner) -> None:
    assert kinds(scanner, "lazy import json\nlazy from os import path\n") == {
        "json": L, "os": L}


@pytest.mark.parametrize(("source", "reason"), [
    (b"def f(:\n    import os\n", "syntax error"),
    (b"import os\n\x00\n", "file contains NUL bytes"),
    (b"import os\nNAME = 'caf\xe9'\n", "cannot decode"),
    (b"# coding: no-such-codec\nimport os\n", "cannot decode: unknown encoding"),
])
def test_files_that_do_not_parse_are_reported(scanner: Scanner, source: bytes, reason: str) -> None:
    result = scan(scanner, source)
    assert result.statements == ()
    assert result.error is not None
    assert result.error.startswith(reason)


@pytest.mark.parametrize("source", [
    b"\xef\xbb\xbfimport os\n",
    b"# -*- coding: latin-1 -*-\nimport os\nNAME = 'caf\xe9'\n",
    b"import os\r\n\r\ndef f():\r\n    import json\r\n",
    b"import os\r\rdef f():\r    import json\r",
    b"\x0cimport os\n\x0c\ndef f():\n    import json\n",
])
def test_encodings_and_line_endings_python_accepts(scanner: Scanner, source: bytes) -> None:
    result = scan(scanner, source)
    assert result.error is None
    assert {s.module for s in result.statements} == ({"os", "json"} if b"json" in source
                                                     else {"os"})
    json_lines = [s.line for s in result.statements if s.module == "json"]
    assert json_lines in ([], [4])


def test_warnings_about_the_scanned_code_are_not_shown(scanner: Scanner) -> None:
    source = b"import os\nPATTERN = '\\d+'\ndef f():\n    import re\n    return re.compile('\\d')\n"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = scan(scanner, source)
    assert [s.module for s in result.statements] == ["os", "re"]
    assert caught == []


@pytest.mark.parametrize(("test", "guard"), [
    ("TYPE_CHECKING", "TYPE_CHECKING"),
    ("TC", "TYPE_CHECKING"),  # from typing import TYPE_CHECKING as TC
    ("t.TYPE_CHECKING", "TYPE_CHECKING"),
    ("not TC", "NOT_TYPE_CHECKING"),
    ("__name__ == '__main__'", "MAIN"),
    ("sys.platform == 'win32'", "PLATFORM"),
    ("_sys.platform.startswith('linux')", "PLATFORM"),
    ("os.name != 'nt'", "PLATFORM"),
    ("platform.system() in ('Darwin', 'Linux')", "PLATFORM"),
    ("plat == 'darwin' or sys.platform == 'win32'", "PLATFORM"),  # from sys import platform as plat
    ("sys.version_info >= (3, 11)", "NONE"),
    ("sys.platform.startswith('win') and WIN", "PLATFORM"),  # runs on Windows only
    ("sys.platform == 'win32' or DEBUG", "NONE"),  # runs anywhere DEBUG is set
    ("not (sys.platform == 'win32' and DEBUG)", "NONE"),
    ("not (sys.platform == 'win32' or os.name == 'nt')", "PLATFORM"),
    ("os.name", "NONE"),
    ("other.platform == 'win32'", "NONE"),
])
def test_one_classifier_names_every_guard(test: str, guard: str) -> None:
    import ast

    from importaudit.guards import Bindings, Guard, classify_test

    bindings = Bindings()
    prelude = ast.parse("from typing import TYPE_CHECKING as TC\nimport typing as t\n"
                        "import sys as _sys, sys, os, platform\n"
                        "from sys import platform as plat\n")
    for node in prelude.body:
        assert isinstance(node, ast.Import | ast.ImportFrom)
        bindings.learn(node)
    expr = ast.parse(test, mode="eval").body
    assert classify_test(expr, bindings) is Guard[guard]


def test_platform_guarded_imports_keep_their_kind(scanner: Scanner) -> None:
    assert kinds(scanner, """\
        import sys
        if sys.platform == "win32":
            import winreg
        else:
            try:
                import fcntl
            except ImportError:
                pass
        """) == {"sys": E, "winreg": E, "fcntl": OPT}


def provided(scanner: Scanner, source: str) -> list[tuple[str, int, tuple[str, ...] | None]]:
    """(module, level, names) of the `provides` records of `source`."""
    result = scan(scanner, source)
    assert result.error is None, result.error
    return [(s.module, s.level, s.names) for s in result.statements if s.provides]


def test_type_checking_imports_of_a_module_that_replaces_itself_are_what_it_gives(
        scanner: Scanner) -> None:
    assert provided(scanner, """\
        from typing import TYPE_CHECKING
        from ..utils import _LazyModule, is_torch_available

        _import_structure = {"aqlm": ["replace_with_aqlm_linear"]}
        if TYPE_CHECKING:
            from .aqlm import replace_with_aqlm_linear, is_torch_available
            from .awq import fuse as fused
            from .models import *
        else:
            import sys

            sys.modules[__name__] = _LazyModule(__name__, globals()["__file__"], _import_structure)
        """) == [("aqlm", 1, ("replace_with_aqlm_linear",))]  # bound, aliased, star: not


def test_type_checking_imports_beside_a_module_getattr_are_what_it_gives(
        scanner: Scanner) -> None:
    assert provided(scanner, """\
        import typing

        if typing.TYPE_CHECKING:
            from mypkg.engine import Engine

        def __getattr__(name):
            return import_attr(name, __spec__.parent)
        """) == [("mypkg.engine", 0, ("Engine",))]


def test_type_checking_imports_without_a_lazy_mechanism_give_nothing(scanner: Scanner) -> None:
    source = """\
        import sys
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            from .engine import Engine

        modules = sys.modules
        class Proxy:
            def __getattr__(self, name):
                return name
        def f():
            sys.modules[__name__] = Proxy()
        """
    assert provided(scanner, source) == []


def test_a_literal_map_of_a_module_getattr_gives_its_keys(scanner: Scanner) -> None:
    assert provided(scanner, """\
        import importlib

        _MAP = {"thing": ".sub", "Other": "pkg.other", "skip": 3}
        _NOT_INDEXED = {"never": ".elsewhere"}

        def __getattr__(name):
            if name in _NOT_INDEXED:
                return importlib.import_module(_NOT_INDEXED["never"], __name__)
            return getattr(importlib.import_module(_MAP[name], __name__), name)
        """) == [("sub", 1, ("thing",)), ("pkg.other", 0, ("Other",))]


@pytest.mark.parametrize("binding", [
    "thing = None",
    "def thing(): pass",
    "try:\n    from ._c import thing\nexcept ImportError:\n    pass",
    "for thing in range(2):\n    pass",
    "def setup():\n    global thing\n    thing = 1",
    "if (thing := 1):\n    pass",
])
def test_a_name_the_module_binds_itself_is_not_given_lazily(scanner: Scanner,
                                                            binding: str) -> None:
    source = ("import importlib\nfrom typing import TYPE_CHECKING\n\n"
              "_MAP = {'thing': '.sub', 'other': '.sub'}\n"
              "if TYPE_CHECKING:\n    from .sub import thing, other\n"
              f"{binding}\n\n"
              "def __getattr__(name):\n"
              "    return getattr(importlib.import_module(_MAP[name], __name__), name)\n")
    assert provided(scanner, source) == [("sub", 1, ("other",)), ("sub", 1, ("other",))]


def lazy_package(body: str, getattr_body: str = "    return import_attr(name, __name__)") -> str:
    """A package that declares `thing` and `other` for type checkers, runs `body`, and
    has a module `__getattr__` of `getattr_body`."""
    return ("from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from .sub import thing, other\n"
            f"{body}\n\n"
            f"def __getattr__(name):\n{getattr_body}\n")


@pytest.mark.parametrize("binding", [
    "from ._all import *",
    "globals()['thing'] = 1",
    "globals().update(thing=1)",
    "exec('thing = 1')",
])
def test_a_module_that_binds_names_nobody_can_list_gives_none_lazily(
        scanner: Scanner, binding: str) -> None:
    assert provided(scanner, lazy_package(binding)) == []


@pytest.mark.parametrize("getattr_body", [
    # scikit-learn's model_selection: another module sets these names once enabled.
    "    if name in {'thing'}:\n        raise ImportError(f'{name} is experimental')\n"
    "    raise AttributeError(name)",
    # Deprecated aliases of objects the module already has.
    "    if name in _ALIASES:\n        return _ALIASES[name]\n    raise AttributeError(name)",
])
def test_a_module_getattr_that_imports_nothing_gives_nothing_lazily(
        scanner: Scanner, getattr_body: str) -> None:
    assert provided(scanner, lazy_package("_ALIASES = {}", getattr_body)) == []


def test_a_match_pattern_binds_a_name_too(scanner: Scanner) -> None:
    source = lazy_package("match 1:\n    case [*thing]:\n        pass")
    assert provided(scanner, source) == [("sub", 1, ("other",))]


def _generated_table(terms: int) -> str:
    """A generated lookup table as sympy keeps one: lambdas whose bodies are long sums.

    `a + b + ...` nests to the left, one level a term: `terms` levels deep.
    """
    body = " + ".join(f"{k}*s1**{k % 7}*s2" for k in range(1, terms + 1))
    return ("TABLE = {\n"
            f"    (4, 0): [\n        lambda s1, s2: ({body}),\n    ],\n"
            f"    (4, 1): [\n        lambda s1, s2: -({body}),\n    ],\n"
            "}\n")


def test_a_generated_table_nested_deeper_than_the_recursion_limit_is_no_error(
        scanner: Scanner) -> None:
    # CPython compiles (and imports) it; nothing in it imports. Reporting it as "too
    # deeply nested to parse" (the reference visitor ran out of frames) was wrong.
    terms = sys.getrecursionlimit()
    source = _generated_table(terms)
    compile(source, "resolvent_lookup.py", "exec")
    assert scan(scanner, source) == FileScan()


def test_calls_deep_inside_an_expression_are_found_in_order(scanner: Scanner) -> None:
    terms = sys.getrecursionlimit()
    ones = " + 1" * terms
    source = ("import importlib\n"
              f"A = importlib.import_module('json').x{ones}\n"
              f"B = lambda: importlib.import_module('csv').x{ones}\n"
              f"C = [importlib.import_module('..fmt', __package__).x{ones}]\n")
    compile(source, "deep.py", "exec")
    result = scan(scanner, source)
    assert result.error is None
    assert [(s.line, s.module, s.level, s.kind) for s in result.statements] == [
        (1, "importlib", 0, E), (2, "json", 0, Y), (3, "csv", 0, Y), (4, "fmt", 2, Y)]


_LOADER = '''\
import importlib


def _attach(package_name, submodules=None, submod_attrs=None):
    def __getattr__(name):
        module = importlib.import_module(f"{package_name}.{submod_attrs[name]}")
        return getattr(module, name)

    return __getattr__, None, []


_SUBS = ["extras"]
_ATTRS = {"sub": ["thing"]}
'''


@pytest.mark.parametrize("binding", [
    "__getattr__, __dir__ = _attach(__name__, submodules=_SUBS, submod_attrs=_ATTRS)",
    "__getattr__, __dir__, __all__ = _attach(__name__, _SUBS, _ATTRS)",
    "(__getattr__, __dir__, __all__) = _attach(__name__, _SUBS, submod_attrs=_ATTRS)",
    "__getattr__, *_ = _attach(__name__, submod_attrs=_ATTRS, submodules=_SUBS)",
])
def test_a_copied_attach_bound_by_assignment_gives_what_it_names(
        scanner: Scanner, binding: str) -> None:
    result = scan(scanner, _LOADER + binding + "\n")
    # Lines of the tables: `_SUBS` on 12, `_ATTRS` on 13.
    assert {(s.line, s.kind, s.module, s.level, s.names, s.provides)
            for s in result.statements if s.module != "importlib"} == {
        (12, L, "extras", 1, None, False), (13, L, "sub", 1, None, False),
        (13, L, "sub", 1, ("thing",), True)}


def test_lazy_loader_attach_reads_the_tables_it_is_given_by_name(scanner: Scanner) -> None:
    result = scan(scanner, "import lazy_loader as lazy\n_SUBS = ['extras']\n"
                           "_ATTRS = {'sub': ['thing']}\n"
                           "__getattr__, __dir__, __all__ = lazy.attach(\n"
                           "    __name__, submodules=_SUBS, submod_attrs=_ATTRS)\n")
    assert {(s.line, s.module, s.names, s.provides) for s in result.statements
            if s.module != "lazy_loader"} == {
        (2, "extras", None, False), (3, "sub", None, False), (3, "sub", ("thing",), True)}


@pytest.mark.parametrize("binding", [
    # The copy is called for another module's name: nothing about this package.
    "__getattr__, __dir__ = _attach('elsewhere', submod_attrs=_ATTRS)",
    # No function of this module: what `make` builds is unknown.
    "from helpers import make\n__getattr__ = make(__name__, submod_attrs=_ATTRS)",
    # Bound only for type checkers.
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
    "    __getattr__, __dir__ = _attach(__name__, submod_attrs=_ATTRS)",
])
def test_a_getattr_bound_by_assignment_from_no_lazy_loader_names_nothing(
        scanner: Scanner, binding: str) -> None:
    result = scan(scanner, _LOADER + binding + "\n")
    assert {s.module for s in result.statements} <= {"importlib", "helpers", "typing"}


def test_a_getattr_factory_that_imports_nothing_is_no_lazy_loader(scanner: Scanner) -> None:
    source = ("from typing import TYPE_CHECKING\n"
              "if TYPE_CHECKING:\n    from .sub import thing\n"
              "def _renamed(package_name, old_to_new):\n"
              "    def __getattr__(name):\n        return globals()[old_to_new[name]]\n"
              "    return __getattr__\n"
              "__getattr__ = _renamed(__name__, {'old': 'thing'})\n")
    assert not any(s.provides for s in scan(scanner, source).statements)


def test_an_import_whose_import_error_a_with_suppresses_is_optional(scanner: Scanner) -> None:
    # rapidfuzz picks its compiled variant so: `_cpp_sse2` is missing on most machines,
    # which made "imports rapidfuzz.fuzz_cpp_sse2, not in the scanned tree (eager)".
    assert kinds(scanner, """\
        import contextlib
        from contextlib import suppress
        with contextlib.suppress(ImportError):
            from pkg.fuzz_cpp_avx2 import ratio
        with suppress(AttributeError, ModuleNotFoundError):
            import accelerated
        async def f():
            async with suppress(ImportError):
                import in_coroutine
        with suppress(KeyError):
            import needed
        with open(__file__) as handle:
            import plain
        """) == {"contextlib": E, "pkg.fuzz_cpp_avx2": OPT, "accelerated": OPT,
                 "in_coroutine": D, "needed": E, "plain": E}


def test_imports_that_may_not_run_when_their_module_runs_are_conditional(
        scanner: Scanner) -> None:
    # Only a statement that always runs fixes the order in which a module's imports
    # start others (the cycle analysis): one under a platform test, in a `try`, a loop,
    # a `with` or a `match` may not run. Large blocks are scanned header and body apart.
    filler = "".join(f"    value_{i} = {i} * {i}\n" for i in range(30))
    result = scan(scanner, "import importlib, sys\n" + textwrap.dedent("""\
        if sys.platform == "win32":
            import on_windows
        else:
            import elsewhere
        if TYPE_CHECKING:
            import typed
        else:
            import at_run_time
        if __name__ == "__main__":
            import script
        else:
            import imported_as_module
        try:
            import maybe
        except ImportError:
            import fallback
        else:
            import after_maybe
        finally:
            import finally_always
        try:
            import attempted
        finally:
            pass
        for _ in range(1):
            import in_loop
        while False:
            import in_while
        with open(__file__):
            import in_with
        match sys.platform:
            case "linux":
                import in_case
        class Holder:
            import in_class
        importlib.import_module("dynamic_always")
        if sys.flags.optimize:
            importlib.import_module("dynamic_guarded")
        load = lambda: importlib.import_module("in_lambda")
        def later():
            import deferred
        """) + "with open(__file__):\n" + filler + "    import after_filler\n"
        + "if sys.flags.optimize:\n" + filler + "    import big_if\nelse:\n    import big_else\n")
    assert result.error is None
    conditional = {s.module: s.conditional for s in result.statements}
    assert [m for m, c in conditional.items() if not c] == [
        "importlib", "sys", "at_run_time", "imported_as_module", "finally_always",
        "attempted", "in_class", "dynamic_always"]
    assert {m for m, c in conditional.items() if c} == {
        "on_windows", "elsewhere", "typed", "script", "maybe", "fallback", "after_maybe",
        "in_loop", "in_while", "in_with", "in_case", "dynamic_guarded", "in_lambda",
        "deferred", "after_filler", "big_if", "big_else"}


def test_a_statement_in_a_function_is_deferred_and_a_guarded_one_is_not(
        scanner: Scanner) -> None:
    # A guarded module-level `import_module` may run while its module is imported (it
    # opens a way in the cycle analysis); one in a function only runs when called. Both
    # are conditional, so that alone cannot tell them apart. Large blocks are scanned
    # header and body apart.
    filler = "".join(f"    value_{i} = {i} * {i}\n" for i in range(30))
    result = scan(scanner, "import importlib, os\n" + textwrap.dedent("""\
        if os.environ.get("FLAG") is None:
            importlib.import_module("dynamic_guarded")
        try:
            importlib.import_module("dynamic_tried")
        except ImportError:
            pass
        if __name__ == "__main__":
            importlib.import_module("dynamic_script")
        load = lambda: importlib.import_module("dynamic_lambda")
        def later():
            importlib.import_module("dynamic_later")
            import deferred_statement
        class Holder:
            def method(self):
                import in_method
        """) + "def big():\n" + filler + "    importlib.import_module('big_deferred')\n"
        + "if os.environ:\n" + filler + "    importlib.import_module('big_guarded')\n")
    assert result.error is None
    deferred = {s.module: s.deferred for s in result.statements}
    assert {m for m, d in deferred.items() if d} == {
        "dynamic_script", "dynamic_lambda", "dynamic_later", "deferred_statement",
        "in_method", "big_deferred"}
    assert {m for m, d in deferred.items() if not d} == {
        "importlib", "os", "dynamic_guarded", "dynamic_tried", "big_guarded"}
    assert all(s.conditional for s in result.statements if s.module.startswith(("dyn", "big")))
