"""The fast scanner's cutting heuristics, held to the reference on the cases that fool them.

The fast scanner parses only pieces of a file; these sources put code-like text where
a piece could be cut wrongly (inside strings, brackets, after backslashes), and large
compound statements it splits into header and body. For every one the result must
equal the reference scanner's. A property test builds random programs out of the same
ingredients.
"""

from __future__ import annotations

import ast
import textwrap
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importaudit.model import EdgeKind
from importaudit.static import fastscan
from importaudit.static.fastscan import scan_fast
from importaudit.static.scan import scan_reference

FILLER_LINES = 30


def filler(indent: str) -> str:
    """Enough lines to make a def/class/if larger than the size at which it is split."""
    return "\n".join(f"{indent}value_{i} = {i} * 2  # filler line" for i in range(FILLER_LINES))


def lines(*parts: str) -> str:
    return "\n".join(parts) + "\n"


def same(source: str) -> set[tuple[int, str, str]]:
    """Scan `source` both ways, insist they agree, and return (line, kind, module)."""
    data = textwrap.dedent(source).encode()
    reference = scan_reference(data)
    assert reference.error is None, reference.error
    fast = scan_fast(data)
    assert fast == reference
    return {(s.line, s.kind.value, s.module) for s in fast.statements}


CASES = {
    "code at column 0 inside a module string": '''\
        TEMPLATE = """
        import not_real
        from also import not_real
        """
        import real
        ''',
    "code inside an indented function's string": '''\
        def make():
            source = """
        import not_real
        def f():
            import nor_this
        """
            import real_deferred
            return source
        ''',
    "brackets and quotes in comments and strings": '''\
        # a comment with an open bracket ( and a quote " and triple """
        OPEN = "(" + '[' + "{"
        def f():
            # (see below
            import deferred_one
        import eager_one
        ''',
    "decorators with calls before a def": '''\
        import importlib
        @decorate(importlib.import_module("in_decorator"))
        @other
        def f():
            import deferred_two
        ''',
    "backslash continuations": '''\
        x = 1 + \\
        2
        from pkg import \\
            name
        TEXT = "line one \\
        import not_real"
        ''',
    "one-line compound statements and semicolons": '''\
        from typing import TYPE_CHECKING
        if TYPE_CHECKING: import checker_only
        try: import maybe
        except ImportError: maybe = None
        x = 1; import after_semicolon
        def g(): import one_line_deferred
        ''',
    "from-import spellings without spaces": '''\
        from .import sibling
        from..parent import thing
        from.mod import other
        ''',
    "from-import spellings with spaces and continuations": '''\
        from \\
            continued_module import name
        from pkg . sub import spaced
        from . sibling_spaced import item
        x = 1; from \\
        .. parent_continued import thing
        ''',
    "a triple quote in a comment before a string of code": '''\
        class A:
            def f(self):
                # a comment that mentions """ once
                return 1

        SCRIPT = """\\
        #!/usr/bin/env python
        import not_real
        """
        import real_after
        ''',
    "a docstring full of import lines": '''\
        """Module doc.

        import not_real
        from not_real import either
        .. code-block:: python

            import still_not_real
        """
        import real_one
        ''',
    "tabs for indentation": "def f():\n\timport tabbed\n\tif x:\n\t\timport deeper\n",
    "a large class with one deferred import": lines(
        "class Big:",
        '    """A class large enough to be split into header and body."""',
        filler("    "),
        "    def method(self):",
        "        import inside_method",
        "        return inside_method",
        filler("    "),
    ),
    "a large if/else on TYPE_CHECKING": lines(
        "from typing import TYPE_CHECKING",
        "if TYPE_CHECKING:",
        "    import for_types",
        filler("    "),
        "else:",
        "    import at_runtime",
        filler("    "),
    ),
    "a large main guard and a large with block": lines(
        "import contextlib",
        'if __name__ == "__main__":',
        "    import only_as_script",
        filler("    "),
        "with contextlib.suppress(ImportError):",
        "    import in_with",
        filler("    "),
    ),
    "a large function whose strings have column-0 lines": lines(
        "def pretty():",
        "    import first_import",
        "    expected = \\",
        '"""\\',
        " a  \\n\\",
        "k = 0   \\",
        '"""',
        filler("    "),
        "    import second_import",
    ),
    "a large decorated class": lines(
        "@register",
        "class Decorated:",
        filler("    "),
        "    def method(self):",
        "        from . import relative_deferred",
    ),
    "plain imports, read without ast": '''\
        from __future__ import annotations
        import os.path as osp,   json  as  j	, re
        from . import sibling
        from ..parent.mod import (
            first,  # a comment (with brackets)
            second as other,

            third,
        )
        from .star import *
        from typing import TYPE_CHECKING as TC, cast
        import importlib as il
        from x import match, case as type  # soft keywords are names
        if TC:
            import only_for_types
        il.import_module("by_alias")
        ''',
    "plain imports whose names begin like an alias": '''\
        from pkg import asyncio, assets as kept, base
        import os.path, json as j, astropy
        from . import (astral,
            as_of as when)
        import if_only, passes
        ''',
    "import after a colon or semicolon on a line of prose-like code": '''\
        note = "say: import this"; import real_one
        if note: import real_two
        label = "import x"  # a comment: import not_one
        ''',
    "a comment that seems to close a parenthesized import": '''\
        class C:
            from pkg import (first,  # see f(x)
            second)
            import after
        from other import (one  # two)
            , three)
        ''',
    "names plain imports do not take": '''\
        import café
        from caf\u00e9 import x
        from .import sibling
        import a.b as c; import d
        ''',
    "nested large blocks": lines(
        "class Outer:",
        filler("    "),
        "    class Inner:",
        filler("        "),
        "        def method(self):",
        "            try:",
        "                import deep_optional_in_method",
        "            except ImportError:",
        "                pass",
    ),
}


@pytest.mark.parametrize("source", list(CASES.values()), ids=list(CASES))
def test_fast_scanner_equals_reference_on_tricky_sources(source: str) -> None:
    found = same(source)
    modules = {m for _, _, m in found}
    assert not any("not_real" in m or "nor_this" in m for m in modules)
    assert found  # each case has at least one real import


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every piece of source the fast scanner hands to `ast`."""
    pieces: list[str] = []
    original = fastscan._Scanner._parse

    def spy(self: fastscan._Scanner, source: str, indent: str) -> list:  # type: ignore[type-arg]
        pieces.append(source)
        return original(self, source, indent)

    monkeypatch.setattr(fastscan._Scanner, "_parse", spy)
    return pieces


def test_the_large_class_case_is_split_not_parsed_whole(parsed: list[str]) -> None:
    """The point of splitting: the method is parsed, the class body around it is not."""
    source = CASES["a large class with one deferred import"]
    assert (4 + FILLER_LINES, "deferred", "inside_method") in same(source)
    assert max(len(p) for p in parsed) < len(filler("    "))


def test_plain_imports_are_read_without_ast(parsed: list[str]) -> None:
    source = CASES["plain imports, read without ast"]
    plain = source[:source.index("        if TC:")]
    assert len(same(plain)) == 9
    assert parsed == []
    same(CASES["names plain imports do not take"])
    assert parsed


def test_names_that_begin_like_an_alias_are_read_without_ast(parsed: list[str]) -> None:
    found = same(CASES["plain imports whose names begin like an alias"])
    assert {m for _, _, m in found} == {"pkg", "os.path", "json", "astropy", "", "if_only",
                                        "passes"}
    assert parsed == []


def test_names_that_only_contain_attach_are_not_read(parsed: list[str]) -> None:
    """`attachments`, `reattach`: no call of lazy_loader's `attach`, so nothing is parsed."""
    source = lines("import lazy_loader as lazy", "", "def send(message):",
                   "    message.attachments.append(reattach(1))", "    return message", "",
                   "__getattr__, __dir__, __all__ = lazy.attach(__name__, submodules=['sub'])")
    assert {(m, k) for _, k, m in same(source)} == {("lazy_loader", "eager"), ("sub", "lazy")}
    assert parsed and not any("attachments" in p for p in parsed)


def test_warnings_are_silenced_only_around_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A file read by patterns alone leaves the warning filters alone (entering costs time).

    One with a piece to parse silences the warnings about the scanned code while it is
    parsed, and puts the filters back after.
    """
    entered: list[int] = []
    original = warnings.catch_warnings.__enter__

    def enter(self: warnings.catch_warnings) -> object:  # type: ignore[type-arg]
        entered.append(1)
        return original(self)

    monkeypatch.setattr(warnings.catch_warnings, "__enter__", enter)
    filters = list(warnings.filters)
    assert scan_fast(b"import os\nfrom . import sibling\n").statements
    assert entered == []
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        entered.clear()
        scan = scan_fast(b'try:\n    import maybe\nexcept ImportError:\n    x = "\\d"\n')
        assert [s.module for s in scan.statements] == ["maybe"]
        assert entered == [1]
    assert shown == []
    assert warnings.filters == filters


def test_a_syntax_error_the_fast_path_never_reads_is_not_reported() -> None:
    """The documented trade-off: edges of the statements that parse, no error."""
    source = b"import os\n\n\ndef f(:\n    return os\n"
    assert scan_reference(source).error is not None
    fast = scan_fast(source)
    assert fast.error is None
    assert [(s.module, s.kind) for s in fast.statements] == [("os", EdgeKind.EAGER)]


def test_a_module_getattr_goes_to_the_reference_scanner(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bytes] = []

    def reference(source: bytes):  # type: ignore[no-untyped-def]
        calls.append(source)
        return scan_reference(source)

    monkeypatch.setattr(fastscan, "scan_reference", reference)
    source = b"import importlib\ndef __getattr__(name):\n    return importlib.import_module(name)\n"
    scan_fast(source)
    assert calls == [source]


# --------------------------------------------------------------------------- property

_LEAVES = [
    "import alpha",
    "import beta.gamma as bg",
    "from delta import epsilon, zeta",
    "from \\\n    mu import nu",
    "from . import eta",
    "from omicron import (pi,  # (c)\n    rho,\n)",
    "import sigma as tau, upsilon.phi",
    "from ..theta import iota",
    "x = importlib.import_module('kappa')",
    "y = __import__('lam')",
    "s = '''\\nimport fake_one\\n'''",
    's = """(unbalanced [ in a string\\nfrom fake import two\\n"""',
    "# comment with ( and \" and import fake_three",
    "# a comment with \"\"\" and \'\'\' in it",
    "z = f(1,\n2)",
    "t = 'a' \\\n    'b'",
    "pass",
]
_HEADERS = [
    "def f():",
    "async def g():",
    "class C:",
    "if TYPE_CHECKING:",
    "if cond:",
    "if __name__ == '__main__':",
    "try:",
    "with ctx:",
    "for i in range(3):",
    "@decorator\ndef h():",
]


def _block(draw: st.DrawFn, depth: int) -> list[str]:
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        if depth < 3 and draw(st.booleans()):
            header = draw(st.sampled_from(_HEADERS))
            lines.extend(header.split("\n"))
            body = _block(draw, depth + 1)
            lines.extend("    " + line for line in body)
            if header == "try:":
                lines.extend(["except ImportError:", "    pass"])
            elif header.startswith("if") and draw(st.booleans()):
                lines.append("else:")
                lines.extend("    " + line for line in _block(draw, depth + 1))
        else:
            lines.extend(draw(st.sampled_from(_LEAVES)).split("\n"))
        if draw(st.booleans()):
            lines.extend(["x = 0  # filler"] * draw(st.integers(0, 40)))
    lines.append("pass")  # a block never holds only comments
    return lines


@st.composite
def programs(draw: st.DrawFn) -> str:
    header = ["import importlib", "from typing import TYPE_CHECKING"]
    return "\n".join(header + _block(draw, 0)) + "\n"


@settings(max_examples=300, deadline=None)
@given(programs())
def test_fast_scanner_equals_reference_on_generated_programs(source: str) -> None:
    data = source.encode()
    reference = scan_reference(data)
    assert reference.error is None, source
    assert scan_fast(data) == reference


# --------------------------------------------------------------------------- headers

LARGE_DEFINITIONS = '''\
    @cached.property
    def on_change(*, setting, **kwargs):
        from . import signals
{body}

    class Model(Base, metaclass=Meta):
        def rows(self, limit: int | None = None, /, *args: "Row", key="a-b",
                 **options) -> list[Row]:
            from .rows import load
{method}

    def hooks(callback=lambda: 0):
        from . import hooks
{body}
    '''


def test_plain_def_and_class_headers_are_read_without_ast(parsed: list[str]) -> None:
    """A large def or class is split; its header is read by patterns when it is plain.

    What a plain header says (def or class, the def's name) decides the body's context;
    the header with a lambda is parsed (with `pass` as its body).
    """
    source = LARGE_DEFINITIONS.format(body=filler("        "), method=filler("            "))
    assert {(m, k, n) for n, k, m in same(source)} == {
        ("", "deferred", 3), ("rows", "deferred", 38), ("", "deferred", 71)}
    assert [p.split("\n")[0] for p in parsed if p.endswith("pass\n")] == [
        "def hooks(callback=lambda: 0):"]


def test_a_plain_module_getattr_header_is_still_parsed_whole(parsed: list[str]) -> None:
    source = lines("import importlib", "def __getattr__(name):",
                   "    from . import lazy", filler("    "))
    same(source)
    assert any(p.startswith("def __getattr__") and "lazy" in p for p in parsed)


REFUSED_HEADERS = ["def f(a=1, b):", "def f(a=1, /, b):", "def f(*):", "def f(*, **kw):",
                   "def f(/, a):", "def f(a, *b, *c):", "def f(**kw, a):", "def f(*a=1):",
                   "def f(a, *, b, /):", "def f(**kw=1):", "def f(x=y.None):", "def f(if):",
                   "def f(x=01):", "def f(a,,b):", "def f(,):", "class A(metaclass=M, B):",
                   "class A(for):", "def f(a) -> if:"]
READ_HEADERS = ["def f(a=1, /, b=2, *, c, d=None, **kw,):", "def f(self, *args: 'T', **kw):",
                "async def f(a, /):", "def f(*, a):",
                "def f(\n    a,\n    b: int | None = None,\n):",
                "class A(b.C, metaclass=M,):", "class A():", "def f(x=-1.5, y='a b') -> X[Y, Z]:"]


@pytest.mark.parametrize("line", REFUSED_HEADERS + READ_HEADERS)
def test_headers_ast_refuses_are_parsed_and_plain_ones_read(line: str) -> None:
    header = line + "\n"
    read = fastscan._header_kind(header, 0, 0, len(header), "")
    try:
        node = ast.parse(header + "    pass\n").body[0]
    except SyntaxError:
        assert line in REFUSED_HEADERS
        assert read is None
        return
    assert line in READ_HEADERS
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    assert read == (not isinstance(node, ast.ClassDef), node.name)


_NAMES = ["a", "b", "self", "kw", "class", "None", "match"]
_PARTS = ["", ", ", ",", " ", "*", "**", "/", "=", "=1", "=0.5", "=-2", "=01", "=None",
          "=x.y", "=x.None", "='s-t'", '="if"', ": int", ": list[str]", ": a | None",
          ": 'T'", ":", "\n    ", "# c\n", "=True.real"]


@st.composite
def headers(draw: st.DrawFn) -> tuple[str, str]:
    """(decorators, def or class line): plain and not, valid and not."""
    parts = draw(st.lists(st.one_of(st.sampled_from(_NAMES), st.sampled_from(_PARTS)),
                          max_size=10))
    decorator = draw(st.sampled_from(["", "@dec\n", "@a.b  # c\n\n", "@if\n", "@x.True\n"]))
    if draw(st.booleans()):
        returns = draw(st.sampled_from(["", " -> int", " -> None", " -> a.b[c, d]",
                                        " -> x | y", " -> for"]))
        kind = draw(st.sampled_from(["def", "async def"]))
        name = draw(st.sampled_from(_NAMES))
        return decorator, f"{kind} {name}({''.join(parts)}){returns}:\n"
    bases = "" if draw(st.booleans()) else f"({''.join(parts)})"
    return decorator, f"class {draw(st.sampled_from(_NAMES))}{bases}:\n"


@settings(max_examples=3000, deadline=None)
@given(headers())
def test_a_header_read_by_patterns_is_one_ast_accepts_and_reads_alike(
        parts: tuple[str, str]) -> None:
    decorators, line = parts
    header = decorators + line
    read = fastscan._header_kind(header, 0, len(decorators), len(header), "")
    if read is None:
        return
    node = ast.parse(header + "    pass\n").body[0]
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    assert read == (not isinstance(node, ast.ClassDef), node.name)
