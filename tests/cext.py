"""Build a real C extension module for a test with the system compiler (or skip the test)."""

from __future__ import annotations

import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest

#: The file name suffix of extension modules of the running interpreter.
NATIVE = sysconfig.get_config_var("EXT_SUFFIX") or ".so"


def build_extension(source: str, directory: Path, stem: str) -> Path:
    """Compile C `source` into `directory/<stem><NATIVE>`; skip without compiler or headers."""
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    include = sysconfig.get_paths()["include"]
    if shutil.which(compiler) is None:
        pytest.skip(f"no C compiler ({compiler}) to build an extension with")
    if not (Path(include) / "Python.h").is_file():
        pytest.skip(f"no Python headers in {include}")
    (directory / f"{stem}.c").write_text(source)
    target = directory / f"{stem}{NATIVE}"
    target.unlink(missing_ok=True)
    subprocess.run([compiler, "-shared", "-fPIC", f"-I{include}", str(directory / f"{stem}.c"),
                    "-o", str(target)], check=True, capture_output=True)
    return target
