"""Plans kept across `fix`'s rounds: given back only while everything they read is unchanged."""

from __future__ import annotations

import shutil
from pathlib import Path

from importaudit.fix import engine
from importaudit.fix.reads import PlanCache

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "fix"
PLUGINS = frozenset({"fix_defer.plugins"})


def target(root: Path, module: str = "sideeffect") -> engine.Target:
    return engine.Target(f"fix_defer.{module}", root / "fix_defer" / f"{module}.py",
                         ("IA103",), roots=PLUGINS)


def shown(path: Path) -> str:
    return f"fix_defer/{path.name}"


def copied(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    shutil.copytree(FIX / "fix_defer", root / "fix_defer")
    return root


def test_a_plan_is_made_once_for_the_same_finding_and_files(tmp_path: Path) -> None:
    plans = PlanCache()
    root = copied(tmp_path, "a")
    first = engine._planned(target(root), shown, plans)
    again = engine._planned(target(root), shown, plans)
    assert (plans.misses, plans.hits) == (1, 1)
    assert again.refusals == first.refusals and again.names == first.names == ()
    # A later round plans on a copy elsewhere: the same files there are the same plan,
    # which names the file it was asked about.
    other = copied(tmp_path, "b")
    moved = engine._planned(target(other), shown, plans)
    assert (plans.misses, plans.hits) == (1, 2)
    assert moved.file == other / "fix_defer" / "sideeffect.py"
    assert moved.refusals == first.refusals


def test_a_plan_is_made_again_when_a_file_it_read_changed(tmp_path: Path) -> None:
    """`sideeffect`'s import stays for what importing `plugins` registers; once that
    registration is gone (an earlier round's rewrite, say), the import moves."""
    plans = PlanCache()
    root = copied(tmp_path, "a")
    kept = engine._planned(target(root), shown, plans)
    assert not kept.names and "side effect" in kept.refusals[0].reason
    plugins = root / "fix_defer" / "plugins.py"
    # Of `plugins` the plan asked only whether importing it registers something: a
    # change that leaves that answer as it was leaves the plan as it was.
    plugins.write_text(plugins.read_text(encoding="utf-8") + "\n\ndef other():\n"
                       "    return 'other'\n", encoding="utf-8")
    assert engine._planned(target(root), shown, plans).refusals == kept.refusals
    assert (plans.misses, plans.hits) == (1, 1)
    plugins.write_text(plugins.read_text(encoding="utf-8").replace(
        'PLUGINS.append("plugin")\n', ""), encoding="utf-8")
    moved = engine._planned(target(root), shown, plans)
    assert (plans.misses, plans.hits) == (2, 1)
    assert moved.names == ("handler",)


def test_another_finding_on_the_same_file_is_planned_of_its_own(tmp_path: Path) -> None:
    plans = PlanCache()
    root = copied(tmp_path, "a")
    engine._planned(target(root), shown, plans)
    wider = engine.Target("fix_defer.sideeffect", root / "fix_defer" / "sideeffect.py",
                          ("IA103",), roots=frozenset({"fix_defer.plugins", "fix_defer_dep"}))
    engine._planned(wider, shown, plans)
    assert (plans.misses, plans.hits) == (2, 0)
