"""What planning a round of deferrals reads: each module once, whatever imports it.

`fix` on pandas plans some 170 modules a round; each reading of a module with libcst
costs up to seconds, with `ast` a tenth of that. These tests count the readings (parses,
by parser and source text) of a package built here whose modules all import the same
sibling, never the time.
"""

from __future__ import annotations

import ast
from collections import Counter
from typing import TYPE_CHECKING

import libcst
import pytest

from importaudit.fix.defer import plan_defer, render_defer
from importaudit.fix.lazy_init import registration

if TYPE_CHECKING:
    from pathlib import Path

#: The sibling every module imports: its module-level call is into its own package
#: (the case where registration must read its imports too).
COMMON = '''"""Shared helpers."""
from pkg import registry

registry.register("common")


def double(x):
    return 2 * x
'''
REGISTRY = '''"""A registry."""
names = []


def register(name):
    names.append(name)
'''
USER = '''"""Uses the helpers inside a function only."""
import json

from pkg.common import double


def run{n}(x):
    return json.dumps(double(x))


def other{n}():
    return json.loads("{n}")
'''
USERS = ("a", "b", "c", "d")


@pytest.fixture
def package(tmp_path: Path) -> Path:
    folder = tmp_path / "pkg"
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    (folder / "registry.py").write_text(REGISTRY)
    (folder / "common.py").write_text(COMMON)
    for index, name in enumerate(USERS):
        (folder / f"{name}.py").write_text(USER.replace("{n}", str(index)))
    return folder


#: A reading: the parser ("libcst" or "ast") and the source text it read.
Reading = tuple[str, str]


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Counter[Reading]:
    """How many times libcst and `ast` parsed each source text (fix calls them by name)."""
    registration.cache_clear()  # earlier tests may have asked about the same text
    seen: Counter[Reading] = Counter()
    parse, ast_parse = libcst.parse_module, ast.parse

    def counting(source: str | bytes, *args: object, **kwargs: object) -> libcst.Module:
        seen["libcst", source if isinstance(source, str) else source.decode()] += 1
        return parse(source, *args, **kwargs)  # type: ignore[arg-type]

    def ast_counting(source: str | bytes, *args: object, **kwargs: object) -> ast.AST:
        seen["ast", source if isinstance(source, str) else source.decode()] += 1
        return ast_parse(source, *args, **kwargs)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(libcst, "parse_module", counting)
    monkeypatch.setattr(ast, "parse", ast_counting)
    return seen


def test_a_round_reads_the_sibling_every_module_imports_once(
        package: Path, parses: Counter[Reading]) -> None:
    plans = [plan_defer(f"pkg.{name}", package / f"{name}.py", f"pkg/{name}.py",
                        frozenset({"json", "pkg"})) for name in USERS]
    # Every module asks whether importing pkg.common registers something (it does:
    # `double` stays), and json moves into the functions using it.
    for found in plans:
        assert found.names == ("json",)
        assert [r.name for r in found.refusals] == ["double"]
    # Once for the round, not once per module importing it; by `ast`: nothing is
    # rewritten there.
    assert (parses["ast", COMMON], parses["libcst", COMMON]) == (1, 0)
    for index, name in enumerate(USERS):
        assert parses["libcst", USER.replace("{n}", str(index))] == 1, name


def test_rendering_a_plan_does_not_read_the_module_again(
        package: Path, parses: Counter[Reading]) -> None:
    found = plan_defer("pkg.a", package / "a.py", "pkg/a.py", frozenset({"json"}))
    after = render_defer(found)
    assert "    import json\n    return json.dumps(double(x))" in after
    assert "    import json\n    return json.loads" in after
    # Planning read it; rendering did not.
    assert parses["libcst", USER.replace("{n}", "0")] == 1


def test_the_sibling_s_registration_is_still_found(package: Path, parses: Counter[Reading]
                                                   ) -> None:
    found = plan_defer("pkg.a", package / "a.py", "pkg/a.py", frozenset({"pkg"}))
    assert found.names == ()
    assert [(r.name, r.reason) for r in found.refusals] == [
        ("double", "double stays at module level: importing pkg.common has a side effect "
                   "the package may rely on: it calls registry from its own package at "
                   "import (line 4)")]
    again = plan_defer("pkg.b", package / "b.py", "pkg/b.py", frozenset({"pkg"}))
    assert again.refusals[0].reason == found.refusals[0].reason
    assert (parses["ast", COMMON], parses["libcst", COMMON]) == (1, 0)


def test_a_refusal_names_the_first_use_in_the_source(tmp_path: Path) -> None:
    # libcst keeps a name's uses in a set, whose order changes from run to run: the
    # reason (and its line) must not.
    uses = "".join(f"json.dumps({i})\n" for i in range(40))
    module = tmp_path / "many.py"
    module.write_text(f"import json\n\n\ndef f():\n    return json.loads('1')\n\n\n{uses}")
    found = plan_defer("many", module, "many.py", frozenset({"json"}))
    assert found.names == ()
    assert [r.reason for r in found.refusals] == [
        "json stays at module level: module-level code uses it (line 8)"]
