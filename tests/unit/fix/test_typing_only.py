"""IA501: annotation-only imports move under `if TYPE_CHECKING:`; API names stay."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from importaudit.fix.typing_only import plan_typing, render_typing

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
USER = FIXTURES / "fix" / "fix_typing" / "user.py"
FACADE = FIXTURES / "legacy" / "risk_management" / "real_time" / "circuit_breaker" / "facade.py"


def test_annotation_only_name_moves_and_future_import_is_added() -> None:
    plan = plan_typing("fix_typing.user", USER, "user.py", is_package=False,
                       imported=frozenset())
    # Other is exported (__all__): the review does not count it as annotation-only.
    assert plan.names == ("Heavy",) and plan.future
    after = render_typing(plan)
    assert after.startswith('"""Uses Heavy only in (evaluated) annotations; Other is part of '
                            'its API."""\n\nfrom __future__ import annotations\n')
    assert "\nfrom fix_typing.light import Other\n" in after
    assert "if TYPE_CHECKING:\n    from fix_typing.heavy import Heavy\n" in after
    assert set(plan.added) == {"TYPE_CHECKING", "annotations"}
    ast.parse(after)


def test_type_checking_comes_from_typing_only_when_the_module_imports_it(
        tmp_path: Path) -> None:
    kinds = ["TYPE_CHECKING = False", "from typing import TYPE_CHECKING"]
    for first, expected in [("import os\n", kinds[0]), ("from typing import Any\n", kinds[1])]:
        module = tmp_path / "mod.py"
        module.write_text(first + USER.read_text())
        plan = plan_typing("mod", module, "mod.py", is_package=False, imported=frozenset())
        after = render_typing(plan)
        assert plan.names == ("Heavy",) and expected in after
        assert [k for k in kinds if k in after] == [expected]


def test_a_name_annotations_read_at_run_time_need_stays() -> None:
    # openai: `fix --write` moved the import a TypedDict's field annotation needs, and
    # maybe_transform raised NameError on the first API call. The review's decision
    # (`review.introspect.read_at_run_time`) reaches the plan as `read`.
    message = FIXTURES / "review" / "walkedparams" / "message.py"
    plan = plan_typing("walkedparams.message", message, "message.py", is_package=False,
                       imported=frozenset())
    assert plan.names == ("TextPart",)
    plan = plan_typing("walkedparams.message", message, "message.py", is_package=False,
                       imported=frozenset(), read=frozenset({"TextPart"}))
    assert plan.names == ()


def test_a_name_another_module_imports_from_it_stays() -> None:
    plan = plan_typing("fix_typing.user", USER, "user.py", is_package=False,
                       imported=frozenset({"Heavy"}))
    assert plan.names == ()
    assert any("another module imports Heavy" in r.reason for r in plan.refusals)


def test_legacy_facade_moves_both_annotation_imports_keeping_comments() -> None:
    plan = plan_typing("risk_management.real_time.circuit_breaker.facade", FACADE, "f.py",
                       is_package=False, imported=frozenset())
    assert set(plan.names) == {"VaRCalculator", "PortfolioSnapshot"}
    after = render_typing(plan)
    assert "from .types import BreakerEvent, BreakerStatus\n" in after
    assert "# (ISSUE-3318: move them under TYPE_CHECKING or import lazily.)" in after
    assert after.count("from __future__ import annotations") == 1


def test_the_block_goes_below_the_modules_own_type_checking_import(tmp_path: Path) -> None:
    # rich.console imports os (and its other annotation-only names) before typing: a
    # block above `from typing import TYPE_CHECKING` raised NameError at import.
    module = tmp_path / "mod.py"
    module.write_text('"""Imports typing after the name that moves."""\n\n'
                      "from fix_typing.heavy import Heavy\n"
                      "from typing import (\n    TYPE_CHECKING,\n    Any,\n)\n\n\n"
                      "def use(h: Heavy) -> Any:\n    return h\n")
    plan = plan_typing("mod", module, "mod.py", is_package=False, imported=frozenset())
    assert plan.names == ("Heavy",) and plan.binds_type_checking
    module.write_text(render_typing(plan))
    code = "import sys, mod; print(mod.use(1), 'fix_typing.heavy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(
                              [str(tmp_path), str(FIXTURES / "fix")])}, check=False)
    assert done.stdout.split() == ["1", "False"], done.stderr


@pytest.mark.parametrize("binding", ["from typing import TYPE_CHECKING",
                                     "TYPE_CHECKING = False"])
def test_moved_names_join_the_modules_own_type_checking_block(tmp_path: Path,
                                                               binding: str) -> None:
    # markdown.blockprocessors got a block per fix beside its own; one block reads
    # as the module's author would write it. Pillow's PIL.ImageTk assigns the
    # constant (no typing import): the fix wrote a second constant and block, counted
    # the name as one it added, and the proof said "dir() changed: missing
    # TYPE_CHECKING".
    module = tmp_path / "mod.py"
    module.write_text('"""Has a TYPE_CHECKING block of its own."""\n\n'
                      "from __future__ import annotations\n\n"
                      f"{binding}\n\n"
                      "# Heavy only annotates (this note moves with it)\n"
                      "from fix_typing.heavy import Heavy\n\n"
                      "if TYPE_CHECKING:  # pragma: no cover\n"
                      "    from collections.abc import Sequence\n\n\n"
                      "def use(h: Heavy, many: Sequence[Heavy]) -> int:\n    return 1\n")
    plan = plan_typing("mod", module, "mod.py", is_package=False, imported=frozenset())
    assert plan.names == ("Heavy",) and plan.binds_type_checking
    assert "TYPE_CHECKING" not in plan.added
    after = render_typing(plan)
    assert after.count("if TYPE_CHECKING") == 1 and after.count("TYPE_CHECKING = ") <= 1
    assert ("if TYPE_CHECKING:  # pragma: no cover\n"
            "    from collections.abc import Sequence\n"
            "    # Heavy only annotates (this note moves with it)\n"
            "    from fix_typing.heavy import Heavy\n") in after
    module.write_text(after)
    code = "import sys, mod; print(mod.use(1, []), 'fix_typing.heavy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(
                              [str(tmp_path), str(FIXTURES / "fix")])}, check=False)
    assert done.stdout.split() == ["1", "False"], done.stderr


def test_a_block_on_a_flag_that_only_shares_the_name_is_not_the_modules_own(
        tmp_path: Path) -> None:
    # `if flags.TYPE_CHECKING:` may be true at run time: what moves there would run.
    module = tmp_path / "mod.py"
    module.write_text("from __future__ import annotations\n\n"
                      "from types import SimpleNamespace\n"
                      "from typing import TYPE_CHECKING\n\n"
                      "from fix_typing.heavy import Heavy\n\n"
                      "flags = SimpleNamespace(TYPE_CHECKING=True)\n"
                      "if flags.TYPE_CHECKING:\n    CHECKED = True\n\n\n"
                      "def use(h: Heavy) -> int:\n    return 1\n")
    plan = plan_typing("mod", module, "mod.py", is_package=False, imported=frozenset())
    assert plan.names == ("Heavy",)
    after = render_typing(plan)
    assert "if TYPE_CHECKING:\n    from fix_typing.heavy import Heavy\n" in after
    assert "if flags.TYPE_CHECKING:\n    CHECKED = True\n" in after



@pytest.mark.parametrize(("head", "expected"), [
    # A licence header at the top of the file (libcst's module header), then the import
    # that moves: the future import and the new block each after a blank line.
    ("# Copyright (c) 2020 Somebody\n# Licence text.\n",
     "# Copyright (c) 2020 Somebody\n# Licence text.\nfrom __future__ import annotations\n\n"
     "TYPE_CHECKING = False"),
    # A docstring, then the header above an import that stays: the header stays above
    # its import, apart from the future import, and the block follows that import.
    ('"""Doc."""\n# Copyright (c) 2020 Somebody\nimport json\n',
     '"""Doc."""\n\nfrom __future__ import annotations\n\n# Copyright (c) 2020 Somebody\n'
     "import json\n\nTYPE_CHECKING = False"),
])
def test_the_added_statements_keep_a_header_and_blank_lines(
        head: str, expected: str, tmp_path: Path) -> None:
    (tmp_path / "heavy.py").write_text("class Heavy:\n    pass\n")
    module = tmp_path / "mod.py"
    module.write_text(f"{head}from heavy import Heavy\n\n\ndef act(x: Heavy) -> int:\n"
                      "    return 1\n")
    plan = plan_typing("mod", module, "mod.py", is_package=False, imported=frozenset())
    after = render_typing(plan)
    assert plan.names == ("Heavy",) and plan.future
    assert after.startswith(expected), after
    assert "\n\nif TYPE_CHECKING:\n    from heavy import Heavy\n\n\ndef act" in after
