"""The proof of `importaudit fix` on real fixture packages, in child interpreters.

Each test copies a package from tests/fixtures/fix into tmp_path, so nothing under
tests/ is ever rewritten.
"""

from __future__ import annotations

import glob
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from importaudit.errors import TargetFailedError, UsageError
from importaudit.fix import copies, engine, writing
from importaudit.fix.project import Declared
from importaudit.fix.proof import run_snapshot, run_snapshots
from importaudit.static.discover import discover
from tests.venvs import fresh_venv

if TYPE_CHECKING:
    from importaudit.fix.result import FixResult

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "fix"


def copied(tmp_path: Path, *packages: str) -> Path:
    for package in packages:
        shutil.copytree(FIX / package, tmp_path / package)
    return tmp_path


def propose(root: Path, *packages: str, python: str = sys.executable) -> FixResult:
    targets = [engine.Target(p, root / p / "__init__.py", ("IA101",)) for p in packages]
    # What `fix` gives the proof: the targets' modules as the static walk finds them.
    walk = discover(packages, search_path=[str(root)]).import_order()
    return engine.propose(targets, python=python, paths=(str(root),), imports=walk,
                          timeout=60, relpath=lambda p: str(p.relative_to(root)))


def run(root: Path, code: str, python: str = sys.executable) -> str:
    done = subprocess.run([python, "-c", code], cwd=root, capture_output=True, text=True,
                          check=True)
    return done.stdout.strip()


def test_plain_package_passes_and_loads_nothing_until_used(tmp_path: Path) -> None:
    root = copied(tmp_path, "fix_plain")
    result = propose(root, "fix_plain")
    (rewrite,) = result.rewrites
    assert rewrite.passed and set(rewrite.names) == {"Circle", "Box", "colours"}
    assert result.modules_checked == 3
    assert writing.write(result) == (root / "fix_plain" / "__init__.py",)
    # The rewrite must not import typing for TYPE_CHECKING (~300 KiB, more than it saves).
    assert "TYPE_CHECKING = False" in (root / "fix_plain" / "__init__.py").read_text()
    assert run(root, "import sys, fix_plain; print('typing' in sys.modules)") == "False"
    shown = run(root, "import sys, fix_plain; print('fix_plain.shapes' in sys.modules); "
                      "print(sorted(n for n in dir(fix_plain) if not n.startswith('_'))); "
                      "ns = {}; exec('from fix_plain import *', ns); "
                      "print(sorted(k for k in ns if k != '__builtins__')); "
                      "print(fix_plain.Box.__qualname__)")
    assert shown.splitlines() == [
        "False", "['Box', 'Circle', 'colours', 'shapes']",
        "['Box', 'Circle', 'colours', 'shapes']", "Square"]


def test_write_keeps_the_mode_and_line_endings_of_the_file(tmp_path: Path) -> None:
    root = copied(tmp_path, "fix_plain")
    init = root / "fix_plain" / "__init__.py"
    init.write_bytes(init.read_bytes().replace(b"\n", b"\r\n"))
    init.chmod(0o640)
    result = propose(root, "fix_plain")
    assert writing.write(result) == (init,)
    data = init.read_bytes()
    assert b"__getattr__" in data
    assert data.count(b"\n") == data.count(b"\r\n") > 0
    assert stat.S_IMODE(init.stat().st_mode) == 0o640


def test_proof_names_the_value_that_changed_and_nothing_passes(tmp_path: Path) -> None:
    root = copied(tmp_path, "fix_order")
    before = (root / "fix_order" / "__init__.py").read_text()
    result = propose(root, "fix_order")
    (rewrite,) = result.rewrites
    assert not rewrite.passed and not result.passed
    assert any(b.name == "VALUE" and "builtins.function" in b.message for b in rewrite.broke)
    assert writing.write(result) == ()
    assert (root / "fix_order" / "__init__.py").read_text() == before


def test_a_break_that_names_no_rewrite_is_traced_to_its_rewrite(tmp_path: Path) -> None:
    root = copied(tmp_path, "fix_plain", "fix_blame", "fix_blame_user")
    targets = [engine.Target(p, root / p / "__init__.py", ("IA101",))
               for p in ("fix_plain", "fix_blame")]
    walk = discover(("fix_plain", "fix_blame", "fix_blame_user"),
                    search_path=[str(root)]).import_order()
    result = engine.propose(targets, python=sys.executable, paths=(str(root),),
                            imports=walk, timeout=60, relpath=str)
    # fix_blame_user breaks, and only fix_blame's rewrite breaks it: fix_plain's stands.
    by_module = {r.module: r for r in result.rewrites}
    assert by_module["fix_plain"].passed and result.broke == ()
    [broke] = by_module["fix_blame"].broke
    assert broke.message.startswith("fix_blame_user no longer imports: ")
    assert broke.message.endswith("(with only this rewrite applied: found by proving the "
                                  "rewrites in halves)")
    assert writing.write(result) == (root / "fix_plain" / "__init__.py",)


def test_a_rewrite_blamed_for_anothers_break_is_proven_again(tmp_path: Path) -> None:
    root = copied(tmp_path, "fix_cascade", "fix_cascade_user")
    result = propose(root, "fix_cascade", "fix_cascade_user")
    by_module = {r.module: r for r in result.rewrites}
    # fix_cascade_user.tools stops importing under fix_cascade_user's rewrite, but only
    # fix_cascade's rewrite breaks it: that one is withdrawn, the other one stands.
    assert by_module["fix_cascade_user"].passed, by_module["fix_cascade_user"].broke
    assert not by_module["fix_cascade"].passed
    [broke, *_] = by_module["fix_cascade"].broke
    assert broke.module == "fix_cascade_user.tools" and "KeyError: 'Engine'" in broke.message
    assert writing.write(result) == (root / "fix_cascade_user" / "__init__.py",)
    assert run(root, "import fix_cascade_user as u; print(u.ENGINE.__name__)") == "Engine"


def test_refused_only_package_proposes_nothing(tmp_path: Path) -> None:
    root = copied(tmp_path, "fix_star")
    result = propose(root, "fix_star")
    assert result.rewrites == () and result.refusals[0].file == "fix_star/__init__.py"


def test_two_inits_of_one_package_share_one_helper(tmp_path: Path) -> None:
    root = copied(tmp_path, "fix_plain")
    shutil.copytree(FIX / "fix_modlevel", root / "fix_plain" / "sub")
    (root / "fix_plain" / "__init__.py").write_text(
        (root / "fix_plain" / "__init__.py").read_text() + "from . import sub\n")
    targets = [engine.Target(p, root / p.replace(".", "/") / "__init__.py", ("IA101",))
               for p in ("fix_plain", "fix_plain.sub")]
    result = engine.propose(targets, python=sys.executable, paths=(str(root),),
                            imports=("fix_plain",), timeout=60, relpath=str)
    assert all(r.passed for r in result.rewrites), [r.broke for r in result.rewrites]
    helper = [r for r in result.rewrites if r.before is None]
    assert [r.module for r in helper] == ["fix_plain._lazy_exports"]
    inits = {r.module: r.after for r in result.rewrites if r.before is not None}
    assert "from ._lazy_exports import attach as _attach" in inits["fix_plain"]
    assert "from .._lazy_exports import attach as _attach" in inits["fix_plain.sub"]
    writing.write(result)
    assert run(root, "import fix_plain.sub as s; print(type(s.DEFAULT).__name__, s.Other)"
               ).startswith("Engine <class 'fix_plain.sub.engine.Other'>")


def test_inits_in_a_folder_without_init_inside_a_package_are_proven_as_named(
        tmp_path: Path) -> None:
    # setuptools/_vendor has no __init__.py: `setuptools._vendor.autocommand` is named
    # from setuptools down, but the chain of __init__ files above its file stops at
    # _vendor. Its shared helper was sought in setuptools/_vendor/setuptools/ (fix
    # crashed with FileNotFoundError), and its copy was made as `autocommand`.
    root = copied(tmp_path, "fix_plain")
    vendor = root / "fix_plain" / "_vendor"
    vendor.mkdir()
    shutil.copytree(FIX / "fix_modlevel", vendor / "first")
    shutil.copytree(FIX / "fix_modlevel", vendor / "second")
    targets = [engine.Target(p, root / p.replace(".", "/") / "__init__.py", ("IA101",))
               for p in ("fix_plain._vendor.first", "fix_plain._vendor.second")]
    result = engine.propose(targets, python=sys.executable, paths=(str(root),),
                            imports=("fix_plain._vendor.first", "fix_plain._vendor.second"),
                            timeout=60, relpath=str)
    assert all(r.passed for r in result.rewrites), [r.broke for r in result.rewrites]
    helper = [r for r in result.rewrites if r.before is None]
    assert [(r.module, r.file) for r in helper] == [
        ("fix_plain._lazy_exports", root / "fix_plain" / "_lazy_exports.py")]
    assert result.modules_checked >= 2
    inits = {r.module: r.after for r in result.rewrites if r.before is not None}
    assert "from ..._lazy_exports import attach as _attach" in inits["fix_plain._vendor.first"]
    writing.write(result)
    assert run(root, "import fix_plain._vendor.first as f; print(type(f.DEFAULT).__name__, "
                     "f.Other)") == "Engine <class 'fix_plain._vendor.first.engine.Other'>"


def test_a_package_that_has_the_helper_already_uses_it(tmp_path: Path) -> None:
    # An earlier round (or run) wrote the shared helper: one more lazy __init__ of the
    # package imports it rather than carrying a copy of its own.
    from importaudit.fix.helper import shared_helper_module

    root = copied(tmp_path, "fix_plain")
    (root / "fix_plain" / "_lazy_exports.py").write_text(shared_helper_module())
    result = propose(root, "fix_plain")
    (rewrite,) = result.rewrites
    assert rewrite.passed, rewrite.broke
    assert "from ._lazy_exports import attach as _attach" in rewrite.after
    assert "def _attach" not in rewrite.after


def test_nothing_is_written_when_a_file_changed_since_it_was_read(tmp_path: Path) -> None:
    root = copied(tmp_path, "fix_plain")
    result = propose(root, "fix_plain")
    init = root / "fix_plain" / "__init__.py"
    init.write_text(init.read_text() + "\n# edited meanwhile\n")
    with pytest.raises(UsageError, match="changed since"):
        writing.write(result)
    assert init.read_text().endswith("# edited meanwhile\n")


OLDEST = sorted(glob.glob(str(Path.home() / ".pyenv/versions/3.9.*/bin/python")))


@pytest.mark.skipif(not OLDEST, reason="needs Python 3.9 from pyenv")
def test_rewritten_code_runs_and_is_proven_on_python_39(tmp_path: Path) -> None:
    root = copied(tmp_path, "fix_plain")
    result = propose(root, "fix_plain", python=OLDEST[0])
    assert result.passed
    writing.write(result)
    assert run(root, "import fix_plain; print(fix_plain.Circle.radius)", OLDEST[0]) == "1"


@pytest.mark.skipif(not OLDEST, reason="needs Python 3.9 from pyenv")
def test_another_installation_on_the_oldest_python_is_not_what_is_proven(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The package is installed in the measured venv; the oldest Python (pyenv's, here a
    # venv of it under a PYENV_ROOT of its own) has another version installed, as
    # pyenv's 3.9 has a setuptools of its own. Comparing the rewritten copy with that
    # one charged the rewrite with what the other version differs in.
    python, site = fresh_venv(tmp_path / "measured")
    shutil.copytree(FIX / "fix_plain", site / "fix_plain")
    versions = tmp_path / "pyenv" / "versions"
    old = versions / "3.9.18"
    subprocess.run([OLDEST[0], "-m", "venv", "--without-pip", str(old)], check=True)
    (old_site,) = (old / "lib").glob("python3.9/site-packages")
    shutil.copytree(FIX / "fix_plain", old_site / "fix_plain")
    with (old_site / "fix_plain" / "__init__.py").open("a") as init:
        init.write("version = 'older'\n")  # another version: one public name more
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    version = tuple(sys.version_info[:3])
    assert version[:2] != (3, 9)
    target = engine.Target("fix_plain", site / "fix_plain" / "__init__.py", ("IA101",))
    result = engine.propose([target], python=str(python), paths=(),
                            imports=("fix_plain", "fix_plain.colours", "fix_plain.shapes"),
                            timeout=60, relpath=str,
                            declared=Declared("test", requires_python=">=3.9"),
                            version=(version[0], version[1], version[2]))
    (rewrite,) = result.rewrites
    assert rewrite.passed, rewrite.broke
    assert result.versions is not None
    assert result.versions.compiled_on == ("3.9.18",)
    assert result.versions.proven_on == (".".join(map(str, version)),)
    (note,) = [n for n in result.versions.not_checked if "3.9.18" in n]
    assert f"imports from {old_site / 'fix_plain' / '__init__.py'} there" in note


def test_annotation_only_import_moves_and_the_module_no_longer_loads_it(
        tmp_path: Path) -> None:
    root = copied(tmp_path, "fix_typing")
    target = engine.Target("fix_typing.user", root / "fix_typing" / "user.py", ("IA501",))
    result = engine.propose([target], python=sys.executable, paths=(str(root),),
                            imports=("fix_typing",), timeout=60, relpath=str)
    (rewrite,) = result.rewrites
    assert rewrite.passed and rewrite.names == ("Heavy",), rewrite.broke
    writing.write(result)
    assert run(root, "import sys, fix_typing.user as u; print('fix_typing.heavy' in sys.modules, "
                     "u.use.__annotations__['h'])") == "False Heavy"


def _ended(pid: int) -> bool:
    """Whether process `pid` is gone (or a zombie waiting for init), within 30 s.

    It returns as soon as the process is gone; the bound only has to outlast a
    saturated machine (load 14 on 2 cores here), where 5 s was close.
    """
    import psutil

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


def _sleeper(pidfile: Path) -> str:
    """Python code that records its pid, then sleeps far past any timeout here."""
    return (f"import os, time; open({str(pidfile)!r}, 'w').write(str(os.getpid())); "
            "time.sleep(120)")


def test_a_test_command_that_times_out_ends_with_everything_it_started(
        tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    # A shell that waits for a grandchild: killing only the shell would leave it running.
    command = f'{sys.executable} -c "{_sleeper(pidfile)}"; echo after'
    result = copies.run_tests(command, tmp_path, timeout=5)
    assert result.returncode == -1 and "timed out" in result.tail
    assert _ended(int(pidfile.read_text()))


def test_a_proof_import_that_times_out_ends_with_what_it_started(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    package = tmp_path / "hangs"
    package.mkdir()
    (package / "__init__.py").write_text(
        "import subprocess, sys, time\n"
        f"subprocess.Popen([sys.executable, '-c', {_sleeper(pidfile)!r}])\n"
        "time.sleep(120)\n")
    with pytest.raises(TargetFailedError, match="timed out"):
        run_snapshot(sys.executable, (str(tmp_path),), "surface", "hangs", timeout=5)
    assert _ended(int(pidfile.read_text()))


def test_a_tree_longer_than_one_argument_may_be_is_still_imported(tmp_path: Path) -> None:
    # transformers: `fix` ran 19 minutes, then stopped with "cannot start python:
    # Argument list too long" (exit 2): its 2951 module names, joined with commas into
    # one argument, passed the 128 KiB Linux allows one argument. A package whose
    # module names add up to more than that.
    package = tmp_path / "wide"
    package.mkdir()
    (package / "__init__.py").write_text('"""Many modules with long names."""\n')
    names = ["wide", *(f"wide.{'submodule_with_a_long_generated_name_' * 2}{i}"
                       for i in range(1600))]
    for name in names[1:]:
        (package / f"{name.partition('.')[2]}.py").write_text(f"NAME = {name!r}\n")
    assert len(",".join(names)) > 128 * 1024
    found = run_snapshot(sys.executable, (str(tmp_path),), "tree", ",".join(names),
                         timeout=120)
    assert found["modules"] == dict.fromkeys(names, "ok")


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two cores")
def test_the_proofs_imports_run_side_by_side_and_come_back_in_order(
        tmp_path: Path) -> None:
    # fix_meet.left and .right import only while the other is being imported too: one
    # interpreter after the other, the first would fail (`imported alone`).
    root = copied(tmp_path, "fix_meet")
    meeting = tmp_path / "meeting"
    meeting.mkdir()
    asked = [(sys.executable, (str(root),), "surface", f"fix_meet.{side}")
             for side in ("right", "left")]
    right, left = run_snapshots(asked, timeout=120, env=(("FIX_MEET_DIR", str(meeting)),))
    assert "error" not in right and "error" not in left, (right, left)
    assert right["values"]["SIDE"]["type"] == "builtins.str"
    assert right["file"] == str(root / "fix_meet" / "right.py")
    assert left["file"] == str(root / "fix_meet" / "left.py")
