"""A fresh virtual environment for tests that need another interpreter's sys.path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def fresh_venv(root: Path) -> tuple[Path, Path]:
    """A venv made under `root` (no pip): its python and its site-packages folder."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "env")],
                   check=True)
    python = root / "env" / "bin" / "python"
    found = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig."
                            "get_paths()['purelib'])"], capture_output=True, text=True,
                           check=True)
    return python, Path(found.stdout.strip())
