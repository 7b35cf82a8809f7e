"""`fix` offers a rewrite that loads no module less only for heap its repeated runs separate.

fix_nearfloor has pyramid.exceptions' shape: `errors` keeps its HTTP module for a base
class and makes an alias lazy, which saves a few hundred bytes at most, inside the
kilobytes one tracemalloc run moves by; `codes` makes a copy of a large table lazy, and
saves hundreds of KiB with the same modules loaded. Measured in child interpreters;
what is asserted is the verdict, the same every run, never a time.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest  # noqa: TC002 - fixtures' type, used at run time by pytest too

from importaudit.api.fixing import _measured
from importaudit.api.runs import Environments, resolve_targets
from importaudit.config.options import FixOptions, Measure
from importaudit.fix import engine
from importaudit.fix.output import _exclusive, not_worth, saves_nothing
from importaudit.static.discover import discover

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "fix"


def test_a_rewrite_near_the_heap_floor_saves_nothing_and_a_clear_one_is_offered(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(FIX / "fix_nearfloor", tmp_path / "fix_nearfloor")
    monkeypatch.chdir(tmp_path)
    targets = [engine.Target(f"fix_nearfloor.{m}", tmp_path / "fix_nearfloor" / f"{m}.py",
                             ("IA103",), roots=frozenset({"fix_nearfloor.http"}))
               for m in ("errors", "codes")]
    walk = discover(["fix_nearfloor"], search_path=[str(tmp_path)]).import_order()
    proposed = engine.propose(targets, python=sys.executable, paths=(str(tmp_path),),
                              imports=walk, timeout=60, relpath=str)
    assert [(r.module, r.values) for r in proposed.passed] == [
        ("fix_nearfloor.errors", ("Forbidden",)), ("fix_nearfloor.codes", ("TABLE",))]

    measure = Measure(repeat=1, warm_bytecode=True)
    result = _measured(proposed, resolve_targets(["fix_nearfloor"]), measure, FixOptions(),
                       Environments().interpreter(measure))
    errors, codes = result.rewrites
    assert errors.exclusive is not None and codes.exclusive is not None
    assert errors.exclusive["modules"] == codes.exclusive["modules"] == 0

    # The alias: no saving, said without a heap figure that changes sign between runs.
    assert saves_nothing(errors.exclusive)
    assert not_worth(errors) == (
        "proven, but not offered: for `import fix_nearfloor.errors` it saves nothing "
        "measured (0 module(s), no heap saving clear of the runs' spread): it would only "
        "make the code more complex")
    # The table: measured again, every run without it above every run with it.
    least = codes.exclusive["heap_bytes_least"]
    assert least is not None and least > 100 * 1024
    assert not saves_nothing(codes.exclusive)
    assert _exclusive(codes.exclusive, codes.module).startswith(
        "; for `import fix_nearfloor.codes` it saves 0 module(s), ")
    assert result.costlier == ()
