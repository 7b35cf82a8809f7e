"""Names a module body surely binds at import time, and the first line binding each."""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

from importaudit.static.bound import bound_before, bound_lines

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

SOURCE = b'''\
"""doc"""
from typing import TYPE_CHECKING
import os.path
import json as j
if TYPE_CHECKING:
    from x import OnlyTyped
else:
    Runtime = 1
if os.name == "nt":
    both = 1
    one_side = 1
else:
    both = 2
try:
    from y import tried
except ImportError:
    fallback = None
for loop_var in ():
    pass
with open(__file__) as handle:
    pass
a, (b, *c) = 1, (2, 3)
annotated: int
valued: int = 3
def function():
    inner = 1
class Klass:
    attribute = 1
from z import *
'''


def test_bound_lines_follow_what_runs() -> None:
    lines = bound_lines(SOURCE)
    assert lines == {
        "TYPE_CHECKING": 2, "os": 3, "j": 4, "Runtime": 8, "both": 13, "tried": 15,
        "loop_var": 18, "handle": 20, "a": 22, "b": 22, "c": 22, "valued": 24,
        "function": 25, "Klass": 27,
    }


def test_a_file_that_does_not_parse_binds_nothing_known() -> None:
    assert bound_lines(b"def broken(:\n") == {}


def test_the_cycle_check_reading_only_the_lines_before_agrees_with_the_whole_file(
        tmp_path: Path) -> None:
    # The can-fail check parses only the lines before the way back when they parse
    # alone (an `if` cut before its `else`, a loop body cut short): it must answer
    # "bound before line N?" as the whole file does, for every name and line.
    path = tmp_path / "mod.py"
    path.write_bytes(SOURCE)
    bound = bound_before({"mod": str(path)})
    whole = bound_lines(SOURCE)
    names = [*whole, "fallback", "inner", "attribute", "OnlyTyped", "absent"]
    for before in range(1, SOURCE.count(b"\n") + 2):
        for name in names:
            assert bound("mod", [name], before) == (whole.get(name, before) < before), (
                name, before)


def test_if_tests_mean_what_the_scanners_one_classifier_says() -> None:
    source = b"""\
from typing import TYPE_CHECKING as TC
import typing as t

if TC:
    from a import Hidden
if t.TYPE_CHECKING and True:
    Hidden2 = 1
if __name__ == "__main__":
    Script = 1
if not TC:
    Runtime = 1
else:
    from a import Runtime
"""
    bound = bound_lines(source)
    assert "Hidden" not in bound
    assert "Hidden2" not in bound
    assert "Script" not in bound  # runs only as a script, never on import
    assert bound["Runtime"] == 11  # the else branch is for type checkers only


DEFINITIONS = b'''\
"""A docstring that mentions
class InDocstring:
"""
import os
@decorated
class Klass(Base):
    pass
async def coroutine():
    pass
value = 1
annotated: dict[str, int] = {}
bare: int
call(
keyword=1)
compared == 2
text = "a \\
continued = 3"
total = 1 + \\
    2
x = 1; after_semicolon = 2
if os.name:
    indented = 1
def late():
    pass
'''


def test_definitions_and_assignments_in_the_first_column_are_read_as_text() -> None:
    from importaudit.static.bound import defined_before

    end = len(DEFINITIONS)
    for name in ("Klass", "coroutine", "value", "annotated", "late"):
        assert defined_before(DEFINITIONS, name, end), name
    # In a string, in brackets, continued, not an assignment, not in the first column,
    # or bound some other way: left to the parse.
    for name in ("InDocstring", "bare", "keyword", "compared", "continued",
                 "after_semicolon", "indented", "os"):
        assert not defined_before(DEFINITIONS, name, end), name
    assert not defined_before(DEFINITIONS, "late", DEFINITIONS.index(b"def late"))
    whole = bound_lines(DEFINITIONS)
    for name in ("Klass", "coroutine", "value", "annotated", "late"):
        assert name in whole  # what the text says is what the parse says


def test_a_definition_on_the_first_line_or_just_before_the_end_counts() -> None:
    # The search looks for a newline before each line, so the file's first line and
    # a definition that ends exactly where the lines before end are its edges.
    from importaudit.static.bound import defined_before, definitions

    source = b"def first():\n    pass\nvalue = 1\nclass Last: pass\n"
    assert defined_before(source, "first", len(source))
    assert defined_before(source, "value", source.index(b"class"))
    assert not defined_before(source, "value", source.index(b"value"))
    assert defined_before(source, "Last", len(source))
    assert not defined_before(source, "Last", source.index(b"Last"))
    assert not defined_before(b"  first = 1\n", "first", 12)  # not in the first column
    assert defined_before(b"first = 1", "first", 9)  # one line, no newline
    # Up to a line start only: the first line's statement must end before `end`.
    assert definitions(b"first = 1\nsecond = 2\n", upto=3) == {}
    assert definitions(b"first = 1\nsecond = 2\n", upto=10) == {"first": [(0, 7)]}


def test_text_is_not_read_where_bytes_may_not_be_what_they_seem() -> None:
    from importaudit.static.bound import defined_before

    declared = b"# -*- coding: shift_jis -*-\nclass Klass:\n    pass\n"
    assert not defined_before(declared, "Klass", len(declared))
    carriage = b"x = 1\rclass Klass:\n    pass\n"
    assert not defined_before(carriage, "Klass", len(carriage))


def _write(path: Path, source: str) -> Path:
    path.write_text(source, encoding="utf-8")
    return path


def test_a_name_defined_in_the_first_column_is_known_bound_without_parsing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # sympy.core.expr: `class Expr` near the top, the way back 4,000 lines below.
    import importaudit.static.bound as bound_module

    body = "".join(f"    def method_{i}(self):\n        return {i}\n" for i in range(2000))
    path = _write(tmp_path / "expr.py",
                  f"import os\n\n\nclass Expr:\n{body}\n\nfrom .mul import Mul\n")
    back = path.read_bytes().count(b"\n")

    def no_parse(*_args: object, **_kwargs: object) -> NoReturn:
        raise AssertionError("parsed")

    monkeypatch.setattr(bound_module, "bound_lines", no_parse)
    bound = bound_before({"expr": str(path)})
    assert bound("expr", ["Expr"], back)
    assert not bound("expr", ["Absent"], back)  # not even a word there


def test_a_file_is_read_only_as_far_as_the_lines_asked_about(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # sympy asks about 245 files holding 7 MB, mostly about their first lines.
    import os

    import importaudit.static.bound as bound_module

    body = "".join(f"def function_{i}():\n    return {i}\n" for i in range(5000))
    path = _write(tmp_path / "big.py", f"import os\nfrom .core import Basic\n{body}")
    read: list[int] = []
    whole = os.read

    def counting(fd: int, size: int) -> bytes:
        data = whole(fd, size)
        read.append(len(data))
        return data

    monkeypatch.setattr(bound_module.os, "read", counting)
    bound = bound_before({"big": str(path)})
    assert not bound("big", ["Basic"], 2)  # not even a word in the line before
    assert 0 < sum(read) < path.stat().st_size // 10
    assert bound("big", ["function_3"], 5000)  # further down: read on
    assert sum(read) == path.stat().st_size  # from where the first read stopped
    assert bound("big", ["Basic"], 3)


def test_read_in_pieces_the_answers_are_those_of_the_whole_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importaudit.static.bound as bound_module

    monkeypatch.setattr(bound_module, "_HEAD", 7)  # a piece ends inside most lines
    path = tmp_path / "mod.py"
    path.write_bytes(SOURCE)
    whole = bound_lines(SOURCE)
    names = [*whole, "fallback", "inner", "absent"]
    for before in range(1, SOURCE.count(b"\n") + 3):
        bound = bound_before({"mod": str(path)})  # afresh: the first question reads
        for name in names:
            assert bound("mod", [name], before) == (whole.get(name, before) < before), (
                name, before)


def test_a_name_only_in_the_docstring_is_known_unbound_without_parsing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # sympy.polys.domains.field: "Implementation of :class:`Field` class." and the way
    # back on line 4; most names left to parse for on sympy are of this sort.
    import importaudit.static.bound as bound_module

    parsed: list[bytes] = []
    parse = bound_module.bound_lines

    def counting(source: bytes, **kwargs: bool) -> dict[str, int] | None:
        parsed.append(source)
        return parse(source, **kwargs)

    monkeypatch.setattr(bound_module, "bound_lines", counting)
    docstring = '# comment\nr"""The :class:`Field` and `Ring` classes."""\n'
    tail = "from .ring import Ring\nfrom .back import way\nclass Field:\n    pass\n"
    cases = {
        "plain.py": (docstring + tail, False),
        # Not when the code may spell a name otherwise, nor count lines otherwise.
        "accented.py": (docstring + "name = 'é'\n" + tail, True),
        "carriage.py": (docstring.replace("\n", "\r\n") + tail, True),
        # Nor when the way back starts inside a statement.
        "inside.py": (docstring + "values = (\n" + tail, True),
    }
    for name, (text, parses) in cases.items():
        path = _write(tmp_path / name, text)
        back = path.read_bytes().count(b"\n", 0, path.read_bytes().index(b"from .back"))
        bound = bound_before({"mod": str(path)})
        parsed.clear()
        assert not bound("mod", ["Field"], back + 1), name
        assert bool(parsed) == parses, name
        assert bound("mod", ["Ring"], back + 1) != (name == "inside.py"), name
