"""The ast pass: how names are used, bindings, __all__, placeholders, import-time calls."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

import pytest

from importaudit.review.source import (
    BindingKind,
    ClassUse,
    Use,
    ignore_comments,
    module_facts,
)

if TYPE_CHECKING:
    from pathlib import Path


def facts_of(tmp_path: Path, code: str, name: str = "pkg.mod", *, package: bool = False,
             lazy: bool = False):  # type: ignore[no-untyped-def]
    path = tmp_path / "mod.py"
    path.write_text(textwrap.dedent(code))
    facts = module_facts(name, str(path), is_package=package, lazy_annotations=lazy)
    assert facts is not None
    return facts


def test_uses_are_classified_by_when_they_run(tmp_path: Path) -> None:
    facts = facts_of(tmp_path, """
        from __future__ import annotations
        import numpy as np
        import json
        from .types import Money, Order
        import decimal

        LIMIT = decimal.Decimal("1")

        class Book:
            total: Money

            def add(self, order: Order) -> Money:
                return json.dumps(np.zeros(3).tolist())
        """)
    assert facts.uses_of("np") == {Use.FUNCTION}
    assert facts.uses_of("json") == {Use.FUNCTION}
    assert facts.uses_of("Money") == {Use.ANNOTATION}
    assert facts.uses_of("Order") == {Use.ANNOTATION}
    assert facts.uses_of("decimal") == {Use.IMPORT_TIME}
    assert facts.functions_using["np"] == ("Book.add",)
    assert {b.name: b.module for b in facts.bindings}["Money"] == "pkg.types"


def test_annotations_are_evaluated_without_the_future_import(tmp_path: Path) -> None:
    facts = facts_of(tmp_path, """
        from .types import Money

        def total() -> Money: ...
        """)
    assert facts.uses_of("Money") == {Use.EVALUATED_ANNOTATION}
    lazy = facts_of(tmp_path, "from .types import Money\ndef total() -> Money: ...\n",
                    lazy=True)  # Python 3.14 defers annotations itself
    assert lazy.uses_of("Money") == {Use.ANNOTATION}


def test_string_annotations_and_type_checking_blocks(tmp_path: Path) -> None:
    facts = facts_of(tmp_path, """
        from typing import TYPE_CHECKING
        from .types import Money
        if TYPE_CHECKING:
            from .orders import Order

        def total(order: "Order") -> "Money": ...
        """)
    kinds = {b.name: b.kind for b in facts.bindings}
    assert kinds["Order"] is BindingKind.TYPE_ONLY and kinds["Money"] is BindingKind.EAGER
    assert facts.uses_of("Money") == {Use.ANNOTATION}


def test_optional_imports_and_placeholders(tmp_path: Path) -> None:
    facts = facts_of(tmp_path, """
        try:
            from .calc import Calculator
        except ImportError:
            class Calculator:
                pass

        class Empty:
            '''Placeholder.'''

        class Unfinished(object):
            def run(self):
                raise NotImplementedError

        class Real:
            def run(self):
                return 1

        class Error(Exception):
            pass

        class Base(Protocol):
            def run(self) -> int: ...
        """)
    assert {b.name: b.kind for b in facts.bindings}["Calculator"] is BindingKind.OPTIONAL
    placeholders = {p.name: p.in_import_fallback for p in facts.placeholders}
    assert placeholders == {"Calculator": True, "Empty": False, "Unfinished": False}


def test_all_and_lazy_map(tmp_path: Path) -> None:
    facts = facts_of(tmp_path, """
        _LAZY = {"A": ".a", "B": ".b"}
        __all__ = ["A", "B"]
        __all__ += ["C"]
        def __getattr__(name):
            import importlib
            return getattr(importlib.import_module(_LAZY[name], __name__), name)
        """, package=True)
    assert facts.all_names == ("A", "B", "C") and facts.all_line == 3
    assert facts.has_getattr and facts.lazy_map_names == ("A", "B")
    assert facts.uses_of("A") == {Use.EXPORT}


def test_a_deprecation_shim_is_no_lazy_getattr(tmp_path: Path) -> None:
    facts = facts_of(tmp_path, """
        from .engine import Engine
        def __getattr__(name):
            import warnings
            if name == "OldEngine":
                warnings.warn("use Engine", DeprecationWarning, stacklevel=2)
                return Engine
            raise AttributeError(name)
        """, package=True)
    assert not facts.has_getattr


_COPY = """
    import importlib

    def _attach(package_name, submodules=None, submod_attrs=None):
        def __getattr__(name):
            return importlib.import_module(f"{package_name}.{submod_attrs[name]}")
        return __getattr__, None

    def _renamed(package_name, old_to_new):
        def __getattr__(name):
            return globals()[old_to_new[name]]
        return __getattr__
    """


@pytest.mark.parametrize(("binding", "lazy"), [
    ("__getattr__, __dir__ = _attach(__name__, submod_attrs={'sub': ['x']})", True),
    ("(__getattr__, __dir__) = _attach(__name__)", True),
    ("import lazy_loader as lazy\n__getattr__, __dir__, __all__ = lazy.attach(__name__)", True),
    ("import lazy_loader as lazy\n__getattr__, *_ = lazy.attach_stub(__name__, __file__)", True),
    ("__getattr__ = _renamed(__name__, {'old': 'new'})", False),
    ("__getattr__, __dir__ = _attach('elsewhere')", False),
    # Inside `if`/`try` on import, as scikit-image and others write it: it was missed.
    ("from typing import TYPE_CHECKING\nif not TYPE_CHECKING:\n"
     "    __getattr__, __dir__ = _attach(__name__, submod_attrs={'sub': ['x']})", True),
    ("try:\n    import lazy_loader as lazy\nexcept ImportError:\n    from .sub import x\n"
     "else:\n    __getattr__, __dir__, __all__ = lazy.attach(__name__)", True),
    ("try:\n    __getattr__, __dir__ = _attach(__name__)\nexcept ImportError:\n"
     "    from .sub import x", True),
    # Where it never runs on import: for type checkers, or a script's block.
    ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
     "    __getattr__, __dir__ = _attach(__name__)", False),
    ("if __name__ == '__main__':\n    __getattr__, __dir__ = _attach(__name__)", False),
])
def test_a_getattr_bound_from_a_lazy_loader_is_the_module_s(
        tmp_path: Path, binding: str, lazy: bool) -> None:
    facts = facts_of(tmp_path, textwrap.dedent(_COPY) + binding + "\n", package=True)
    assert facts.has_getattr is lazy


def test_import_time_calls_resolve_aliases(tmp_path: Path) -> None:
    facts = facts_of(tmp_path, """
        import sqlite3 as db
        from sqlalchemy import create_engine as ce
        ENGINE = ce("sqlite://")
        CONN = db.connect(":memory:")
        def later():
            return open("x")
        """)
    names = [c.name for c in facts.calls]
    assert names == ["sqlalchemy.create_engine", "sqlite3.connect"]


def test_runtime_annotation_readers_are_noticed(tmp_path: Path) -> None:
    facts = facts_of(tmp_path, """
        from __future__ import annotations
        from pydantic import BaseModel
        from .types import Money

        class Quote(BaseModel):
            price: Money
        """)
    assert facts.annotation_consumers == ("pydantic",)
    plain = facts_of(tmp_path, "import typing\nhints = typing.get_type_hints(object)\n")
    assert plain.annotation_consumers == ("typing.get_type_hints",)
    # Read back inside a function, and through the attribute itself.
    inside = facts_of(tmp_path, """
        import typing

        def hints(cls):
            return typing.get_type_hints(cls), getattr(cls, "__annotations__", {})
        """)
    assert inside.annotation_consumers == ("__annotations__", "typing.get_type_hints")


def test_only_what_runs_is_defined(tmp_path: Path) -> None:
    # A name imported only for type checkers is not bound at run time (a star import
    # looks for the submodule); one a `with` statement binds is.
    facts = facts_of(tmp_path, """
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            from pkg import charts, plots
        else:
            plots = object()

        with open(__file__) as handle:
            pass
        """)
    assert {"plots", "handle"} <= facts.defined and "charts" not in facts.defined


@pytest.mark.parametrize(("comment", "codes"), [
    ("# importaudit: ignore[IA101]", frozenset({"IA101"})),
    ("# noqa  # importaudit: ignore[ia101, IA301]", frozenset({"IA101", "IA301"})),
    ("# importaudit: ignore", None),
])
def test_ignore_comments(comment: str, codes: frozenset[str] | None) -> None:
    assert ignore_comments(f"import x\nimport y  {comment}\n") == {2: codes}


def test_ignore_text_inside_a_string_is_not_a_comment() -> None:
    assert ignore_comments('x = "# importaudit: ignore[IA101]"\n') == {}


def test_unreadable_source_gives_none(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_bytes(b"\xff\xfe def")
    assert module_facts("bad", str(tmp_path / "bad.py")) is None
    assert module_facts("gone", str(tmp_path / "gone.py")) is None


def test_type_checking_under_an_alias_agrees_with_the_static_scanner(tmp_path: Path) -> None:
    code = """
        from typing import TYPE_CHECKING as TC
        if TC:
            import numpy
        """
    facts = facts_of(tmp_path, code)
    assert {b.name: b.kind for b in facts.bindings}["numpy"] is BindingKind.TYPE_ONLY
    from importaudit.model import EdgeKind
    from importaudit.static.scan import scan_reference

    static = {s.module: s.kind for s in scan_reference(textwrap.dedent(code).encode()).statements}
    assert static["numpy"] is EdgeKind.TYPE_ONLY


def test_the_main_block_never_runs_on_import(tmp_path: Path) -> None:
    from importaudit.review.source import MAIN_BLOCK

    facts = facts_of(tmp_path, """
        import time
        from pathlib import Path

        def work():
            return time.monotonic()

        if __name__ == "__main__":
            import json
            class Demo:
                pass
            time.sleep(1)
            print(Path("x").read_text(), [i for i in range(10)])
        """)
    assert facts.calls == () and facts.work == () and facts.placeholders == ()
    assert [b.name for b in facts.bindings] == ["time", "Path"]  # json: script only
    assert facts.uses_of("Path") == {Use.FUNCTION}
    assert facts.functions_using["Path"] == (MAIN_BLOCK,)
    assert facts.functions_using["time"] == (MAIN_BLOCK, "work")


def test_deliberately_empty_classes_are_not_placeholders(tmp_path: Path) -> None:
    facts = facts_of(tmp_path, """
        import abc

        class NoChange:
            pass

        NO_CHANGE = NoChange()

        class Marker:
            '''Root of the marker hierarchy.'''

        class Bold(Marker):
            pass

        class Meta(metaclass=abc.ABCMeta):
            pass

        class _Missing:
            pass

        class Unfinished:
            '''Placeholder.'''

        def check(error):
            return isinstance(error, (OSError, abc.ABC))
        """)
    # Empty public classes without base are the candidates; how the package uses them
    # (below, across every module) decides which are placeholders.
    assert [p.name for p in facts.placeholders] == ["NoChange", "Marker", "Unfinished"]
    assert facts.class_uses["pkg.mod.NoChange"] == {ClassUse.MARKER}  # a sentinel
    assert facts.class_uses["pkg.mod.Marker"] == {ClassUse.MARKER}  # a base
    assert facts.class_uses["abc.ABC"] == {ClassUse.MARKER}  # an isinstance type
    assert "pkg.mod.Unfinished" not in facts.class_uses


def test_class_uses_tell_markers_from_behaviour(tmp_path: Path) -> None:
    facts = facts_of(tmp_path, """
        from typing import Optional
        from .types import Json, Deferred as D
        from . import models

        def is_json(t):
            return issubclass(t, Json) or type(t) is models.Wrapper

        def deferred(field):
            from .fields import Late
            return field.__class__ is D and isinstance(field, Late)

        class Value:
            pass

        if Value is None:
            pass

        def run(x: Optional[models.Engine]) -> models.Engine:
            models.Engine.start()
            models.Runner(1)
            return models.Builder().build()

        KEYS = {models.Key: 1}
        models.Namespace.flag = True
        print(models.Named.__name__)
        """)
    uses = facts.class_uses
    for marker in ("pkg.types.Json", "pkg.models.Wrapper", "pkg.types.Deferred",
                   "pkg.fields.Late", "pkg.models.Key", "pkg.models.Namespace",
                   "pkg.models.Named"):
        assert uses[marker] == {ClassUse.MARKER}, marker
    # A call with arguments is behaviour; attribute reads are recorded with what code
    # assigns, for the placeholder rule to weigh over every module.
    assert ClassUse.BEHAVIOUR in uses["pkg.models.Runner"]
    assert facts.attrs_read["pkg.models.Engine"] == {"start"}
    assert facts.attrs_read["pkg.models.Builder"] == {"build"}
    assert facts.attrs_given["pkg.models.Namespace"] == {"flag"}
    assert "pkg.models.Named" not in facts.attrs_read  # a dunder: every class has it
    # `Value is None` asks whether the name is bound, not what the class is.
    assert "pkg.mod.Value" not in uses


def test_methods_and_lambdas_name_their_real_users(tmp_path: Path) -> None:
    facts = facts_of(tmp_path, """
        import json
        import numpy as np

        class Book:
            def dump(self):
                return json.dumps({})

        SQUARE = lambda x: np.square(x)
        """)
    assert facts.functions_using["json"] == ("Book.dump",)
    assert facts.functions_using["np"] == ("<lambda at line 9>",)


def test_calls_under_a_platform_guard_say_so(tmp_path: Path) -> None:
    facts = facts_of(tmp_path, """
        import sys
        if sys.platform == "win32":
            LOG = open("C:/log.txt")
        else:
            LOG = open("/tmp/log.txt")
        """)
    assert [(c.line, c.platform) for c in facts.calls] == [
        (4, "sys.platform == 'win32'"), (6, "not (sys.platform == 'win32')")]


def test_lazy_map_names_the_module_each_name_comes_from(tmp_path: Path) -> None:
    facts = facts_of(tmp_path, """
        _dynamic_imports = {
            "Canvas": ".canvas",
            "BaseModel": (__spec__.parent, ".main"),
            "ValidationInfo": ("pydantic_core", ".core_schema"),
            "ValidationError": ("pydantic_core", "."),
        }
        """, package=True)
    assert facts.lazy_modules == {"Canvas": ".canvas", "BaseModel": ".main",
                                  "ValidationInfo": "pydantic_core.core_schema",
                                  "ValidationError": "pydantic_core"}


def test_an_interface_other_classes_implement_is_no_placeholder(tmp_path: Path) -> None:
    # Shaped like numpy/distutils/_shell_utils.py: CommandLineParser documents split and
    # join, which WindowsParser and PosixParser implement (by duck typing, no base).
    facts = facts_of(tmp_path, """
        class CommandLineParser:
            \"\"\"Splits and joins command lines.\"\"\"
            @staticmethod
            def join(argv):
                raise NotImplementedError

            @staticmethod
            def split(cmd):
                raise NotImplementedError

        class PosixParser:
            @staticmethod
            def join(argv):
                return " ".join(argv)

            @staticmethod
            def split(cmd):
                return cmd.split()

        class Unfinished:
            def run(self):
                raise NotImplementedError
        """)
    assert [p.name for p in facts.placeholders] == ["Unfinished"]


def test_an_expression_too_deep_to_walk_leaves_the_module_unread(tmp_path: Path) -> None:
    # sympy.polys.numberfields.resolvent_lookup: `review sympy` stopped with an
    # unexpected RecursionError; the module is skipped and the other modules reviewed.
    path = tmp_path / "lookup.py"
    path.write_text("X = " + " + ".join(["y"] * 5000) + "\n")
    assert module_facts("lookup", str(path)) is None
    assert facts_of(tmp_path, "import json\n") is not None


def test_one_text_of_a_module_is_read_once_wherever_it_is(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `fix` reviews the tree again each round, from a copy in which a few files changed.
    import ast

    from importaudit.review import source

    parsed: list[str] = []
    parse = ast.parse

    def counted(text: str, *args: Any, **kwargs: Any) -> ast.AST:
        parsed.append(text)
        return parse(text, *args, **kwargs)

    monkeypatch.setattr(source.ast, "parse", counted)
    code = "import json\n\ndef dump(x):\n    return json.dumps(x)\n"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = tmp_path / "a" / "once.py", tmp_path / "b" / "once.py"
    first.write_text(code)
    second.write_text(code)
    one = module_facts("read_once_pkg.once", str(first))
    two = module_facts("read_once_pkg.once", str(second))
    assert one is not None and two is not None
    assert (one.path, two.path) == (str(first), str(second))
    assert len(parsed) == 1
    assert two.uses_of("json") == one.uses_of("json") != frozenset()
    second.write_text(code + "\nLATE = json.loads('1')\n")  # a changed text: read again
    three = module_facts("read_once_pkg.once", str(second))
    assert three is not None and len(parsed) == 2 and "LATE" in three.defined


def test_an_import_a_with_suppress_gets_past_binds_optionally(tmp_path: Path) -> None:
    # As the static scanners read it: `with suppress(ImportError):` is a try/except.
    facts = facts_of(tmp_path, """
        import contextlib

        with contextlib.suppress(ImportError):
            from ._cpp_avx2 import ratio
        with open(__file__) as handle:
            from ._plain import helper
        """)
    kinds = {b.name: b.kind for b in facts.bindings}
    assert kinds["ratio"] is BindingKind.OPTIONAL
    assert kinds["helper"] is BindingKind.EAGER


def test_a_name_declared_global_inside_reads_the_module_s_import(tmp_path: Path) -> None:
    # rev8: the enclosing function's local `hv` hid the module's import from `inner`,
    # which declares it global: an IA102 was lost, and an annotation's use turned into
    # an IA501 whose fix would make `inner()` raise NameError.
    facts = facts_of(tmp_path, """
        import heavy as hv

        def outer():
            hv = None

            def inner():
                global hv
                return hv.run()

            return inner, hv
        """)
    assert facts.uses_of("hv") == {Use.FUNCTION}


def test_a_comprehension_variable_named_like_an_import_is_not_a_use_of_it(
        tmp_path: Path) -> None:
    # rev8: `[hv for hv in items]` kept f in IA102's "used only inside f(), g()".
    facts = facts_of(tmp_path, """
        import heavy as hv

        def f(items):
            return [hv for hv in items], {hv: 1 for hv in items}, list(hv for hv in items)

        def g(items):
            return [x for x in hv.load(items) if x]
        """)
    assert facts.uses_of("hv") == {Use.FUNCTION}
    assert facts.functions_using["hv"] == ("g",)
