"""The repo's own gate (`importaudit check` from the root) in a read-only checkout.

Without .pyc files every module is compiled from source, and the first compile() in a
process keeps about 200 KiB of compiler state: charged to the first module compiled,
it made `importaudit` break its 128 KiB heap budget. The probe warms the compiler
before tracemalloc starts, so the heap no longer depends on whether .pyc files exist.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HEAP_BUDGET = 128 * 1024  # [tool.importaudit.budgets] importaudit.max_heap_bytes


def read_only_copy(dest: Path) -> Path:
    """The parts of the checkout the gate reads, where no .pyc file can be written."""
    dest.mkdir()
    for name in ("importaudit", "risk_management", ".importaudit"):
        shutil.copytree(REPO / name, dest / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy2(REPO / "pyproject.toml", dest / "pyproject.toml")
    folders = [dest, *(p for p in dest.rglob("*") if p.is_dir())]
    for folder in folders:
        # A file where the cache folder would go stops Python even when run as root,
        # which the read-only mode bits below do not.
        (folder / "__pycache__").write_text("")
    for folder in folders:
        folder.chmod(0o555)
    return dest


def test_the_repos_own_check_passes_in_a_read_only_checkout(tmp_path: Path) -> None:
    checkout = read_only_copy(tmp_path / "checkout")
    out = tmp_path / "check.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMPORTAUDIT_")}
    env.update(PYTHONDONTWRITEBYTECODE="1", IMPORTAUDIT_CACHE_DIR=str(tmp_path / "cache"))
    try:
        done = subprocess.run(
            [sys.executable, "-m", "importaudit", "check", "--repeat", "2", "--format", "json",
             "-o", str(out)], cwd=checkout, env=env, capture_output=True, text=True,
            timeout=600, check=False)
    finally:
        for folder in [checkout, *(p for p in checkout.rglob("*") if p.is_dir())]:
            folder.chmod(0o755)
    assert done.returncode in (0, 1), done.stderr
    report = json.loads(out.read_text())
    modules = {m["name"]: m for m in report["modules"] if not m["preloaded"]}
    assert modules["importaudit"]["origin"] == str(checkout / "importaudit" / "__init__.py")
    assert modules["importaudit"]["bytecode_cached"] is False  # really compiled from source
    assert modules["importaudit"]["heap_bytes"] < HEAP_BUDGET
    # Time checks compare wall clocks on two shared cores: not what this test is about.
    violations = [v for v in report["verdict"]["violations"]
                  if "time" not in v["check"] and "cumulative" not in v["check"]]
    assert violations == []
