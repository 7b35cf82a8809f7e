"""The interpreter whose environment is measured, and what it says about itself.

Asked once what it is and where it finds modules, it also gets the probe compiled for
it (a checked `.pyc` in the cache folder). The measured environment is that
interpreter plus the variables the measurement options give its children (`--env`):
`child_environ` builds every child's environment, the question asked here included,
so a package that imports only with its settings variable set imports in each child.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from importaudit.errors import InterpreterError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

PROBE_PATH = str(Path(__file__).with_name("probe.py"))
MIN_PYTHON = (3, 9)

#: Variables every child of the measured environment gets, in order (a name later wins).
Variables = tuple[tuple[str, str], ...]


def child_environ(extra: Iterable[tuple[str, str]] = (),
                  overrides: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """The environment of a child started in the measured environment.

    Ours, then the `extra` variables of the measurement options (`Measure.environment`),
    then what this one child needs (`overrides`; None removes the variable).
    """
    env = dict(os.environ)
    env.update(extra)
    for key, value in (overrides or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


# ----------------------------------------------------------------------------- interpreters


@dataclass(frozen=True, slots=True)
class Interpreter:
    """The interpreter whose environment is measured."""

    executable: str
    version: tuple[int, int, int]
    implementation: str
    platform: str
    probe: str = PROBE_PATH  # the probe as that interpreter runs it (a cached .pyc if possible)
    # Where that interpreter finds modules: static commands look target names up here.
    sys_path: tuple[str, ...] = ()  # without the leading "" (the current directory)
    builtins: tuple[str, ...] = ()  # sys.builtin_module_names
    extension_suffixes: tuple[str, ...] = ()  # importlib.machinery.EXTENSION_SUFFIXES
    env: Variables = ()  # what the measurement options set in every child (`--env`)

    def environ(self, overrides: Mapping[str, str | None] | None = None) -> dict[str, str]:
        """The environment of a child of this interpreter (see `child_environ`)."""
        return child_environ(self.env, overrides)

    @property
    def version_text(self) -> str:
        """The version as "3.11.7"."""
        return ".".join(map(str, self.version))


# Runs in the candidate interpreter: says what it is, and compiles the probe for it once.
# Running the probe from a .pyc spares every child compiling it (about 6 ms here), which
# matters when the cost being measured is a few milliseconds of imports. The .pyc is
# checked before each use, since anything may have happened to a file in a cache folder:
# it must carry a checked-hash header naming this probe's source and this interpreter's
# bytecode (its magic number, also in the file name), and unmarshal whole. Otherwise it
# is rebuilt (atomically, as py_compile writes), or the probe runs from source.
_INFO_CODE = """\
import os, sys
print(sys.executable)
print('%d.%d.%d' % sys.version_info[:3])
print(sys.implementation.name)
print(sys.platform)
source, cache_dir, digest = sys.argv[1:4]
tag = sys.implementation.cache_tag


def compiled_probe():
    import importlib.util, marshal, py_compile
    magic = importlib.util.MAGIC_NUMBER
    path = os.path.join(cache_dir, 'probe-%s-%s-%s.pyc' % (digest, tag, magic.hex()))
    with open(source, 'rb') as stream:
        header = magic + (3).to_bytes(4, 'little') + importlib.util.source_hash(stream.read())

    def valid():
        try:
            with open(path, 'rb') as stream:
                data = stream.read()
            code = marshal.loads(data[16:])
            # Named after the source it was compiled from: tracebacks and warnings show
            # that path, which must be this probe's, not another checkout's.
            return (data[:16] == header and type(code) is type(valid.__code__)
                    and code.co_filename == source)
        except (OSError, ValueError, EOFError, TypeError):
            return False

    if valid():
        return path
    os.makedirs(cache_dir, exist_ok=True)
    py_compile.compile(source, cfile=path, doraise=True,
                       invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
    return path if valid() else ''


compiled = ''
if tag and cache_dir:
    try:
        compiled = compiled_probe()
    except Exception:
        compiled = ''
print(compiled)
import importlib.machinery, json
path = sys.path[1:] if sys.path and sys.path[0] == '' else sys.path
print(json.dumps([path, list(sys.builtin_module_names),
                  list(importlib.machinery.EXTENSION_SUFFIXES)]))
"""


def cache_dir() -> Path:
    """Where importaudit keeps files it can rebuild (IMPORTAUDIT_CACHE_DIR overrides)."""
    explicit = os.environ.get("IMPORTAUDIT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "importaudit"


def _probe_digest() -> str:
    """The probe's content and where it is: the compiled probe names its source file.

    Two installations of one version (two checkouts, two venvs) get a .pyc each, so
    neither's tracebacks point into the other (nor into one since deleted).
    """
    import hashlib

    digest = hashlib.sha256(Path(PROBE_PATH).read_bytes())
    digest.update(os.fsencode(PROBE_PATH))
    return digest.hexdigest()[:16]


def find_interpreter(python: str | None, timeout: float = 30.0,
                     env: Variables = ()) -> Interpreter:
    """Check that `python` (default: this interpreter) runs and is new enough.

    It is asked with `env` set, as every child of it will be (a variable can decide
    whether it starts at all, LD_LIBRARY_PATH, or where it finds modules, PYTHONPATH).
    Also compiles the probe for it into the cache folder (once per probe version and
    interpreter; checked on every call), falling back to the source file where that
    is not possible, and learns where it finds modules (its sys.path), in the same
    question.
    """
    exe = python or sys.executable
    path = shutil.which(exe) if os.sep not in exe else exe
    if path is None or not os.path.exists(path):
        raise InterpreterError(f"--python {exe}: no such interpreter")
    return _ask_interpreter(exe, path, timeout, tuple(env))


def _ask_interpreter(exe: str, path: str, timeout: float, env: Variables) -> Interpreter:
    try:
        proc = subprocess.run(
            [path, "-c", _INFO_CODE, PROBE_PATH, str(cache_dir()), _probe_digest()],
            capture_output=True, text=True, timeout=timeout,
            stdin=subprocess.DEVNULL, check=False, env=child_environ(env),
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InterpreterError(f"--python {exe}: cannot run it ({exc})") from exc
    lines = proc.stdout.splitlines()
    # The version is printed before anything a Python 2 lacks (sys.implementation):
    # a Python too old says so, not "not a working Python (AttributeError: ...)".
    version = _version(lines[1]) if len(lines) > 1 else None
    if version is not None and version[:2] < MIN_PYTHON:
        raise InterpreterError(
            f"--python {exe}: Python {lines[1]} is too old; the probe needs 3.9 or newer"
        )
    if proc.returncode != 0 or len(lines) < 4 or version is None:
        detail = proc.stderr.strip().splitlines()[-1:] or ["no output"]
        raise InterpreterError(f"--python {exe}: not a working Python ({detail[0]})")
    major, minor, micro = version
    compiled = lines[4] if len(lines) > 4 and lines[4] else PROBE_PATH
    try:
        search, builtins, suffixes = json.loads(lines[5])
    except (IndexError, ValueError) as exc:
        raise InterpreterError(f"--python {exe}: could not read its sys.path") from exc
    return Interpreter(lines[0] or path, (major, minor, micro), lines[2], lines[3], compiled,
                       tuple(search), tuple(builtins), tuple(suffixes), env)


def _version(text: str) -> tuple[int, int, int] | None:
    """`3.11.7` as numbers (None: not a version, the child printed something else)."""
    parts = text.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1]), int(parts[2])


# Runs in the measured interpreter: where its own finders (editable installs put theirs
# on sys.meta_path) find a top-level name; finding a spec runs no code of the package.
_LOCATE_CODE = """\
import importlib.util, json, sys
try:
    spec = importlib.util.find_spec(sys.argv[1])
except (ImportError, ValueError):
    spec = None
print(json.dumps(None if spec is None else
                 [spec.origin, list(spec.submodule_search_locations or [])]))
"""


def _answer(interpreter: Interpreter, code: str, name: str, timeout: float) -> object:
    """What `code`, run in `interpreter` with argument `name`, printed as JSON (None: no answer)."""
    try:
        proc = subprocess.run([interpreter.executable, "-c", code, name],
                              capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, check=False,
                              env=interpreter.environ())
        return json.loads(proc.stdout) if proc.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return None


def locate_module(interpreter: Interpreter, name: str, timeout: float = 30.0
                  ) -> tuple[str | None, tuple[str, ...]] | None:
    """Where `interpreter`'s finders find top-level module `name`: (origin, locations)."""
    found = _answer(interpreter, _LOCATE_CODE, name, timeout)
    if not isinstance(found, list) or len(found) != 2:
        return None
    return found[0], tuple(found[1])


# Runs in the measured interpreter (stdlib only, Python 3.9+): the distribution that
# installs top-level package argv[1], and the other top-level packages and modules of
# source it installs beside it (from its RECORD: pytest installs _pytest and py). A
# folder without `__init__.py` is left out: a namespace other distributions share. Each
# name counts only where this interpreter imports it from that distribution's files (a
# stale or foreign RECORD line naming `json` does not make the standard library's
# json one of them); finding a spec runs no code of the package.
_SIBLINGS_CODE = """\
import importlib.util, json, os, sys
try:
    from importlib import metadata
except ImportError:
    metadata = None
name = sys.argv[1]

def installs(dist, top, package):
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return False
    if spec is None:
        return False
    where = os.path.realpath(str(dist.locate_file(top if package else top + ".py")))
    found = list(spec.submodule_search_locations or []) if package else [spec.origin or ""]
    return any(os.path.realpath(f) == where for f in found)

found = None
for dist in (metadata.distributions() if metadata else ()):
    files = [str(f).replace("\\\\", "/").split("/") for f in (dist.files or ())]
    packages = {p[0] for p in files if len(p) == 2 and p[1] == "__init__.py"}
    modules = {p[0][:-3] for p in files if len(p) == 1 and p[0].endswith(".py")}
    if name in packages and installs(dist, name, True):
        others = sorted(t for t in packages | modules if t != name and t.isidentifier()
                        and installs(dist, t, t in packages))
        found = [dist.metadata["Name"], others]
        break
print(json.dumps(found))
"""


def distribution_siblings(interpreter: Interpreter, name: str, timeout: float = 30.0
                          ) -> tuple[str, tuple[str, ...]] | None:
    """The distribution that installs top-level package `name`, and what else it installs.

    (Its name, and its other top-level packages and source modules, as `interpreter`'s
    installed metadata lists them.) None when no installed distribution holds `name`
    as a regular package (a tree of the user's own, a namespace package), or the
    question cannot be answered.
    """
    found = _answer(interpreter, _SIBLINGS_CODE, name, timeout)
    if (not isinstance(found, list) or len(found) != 2 or not isinstance(found[0], str)
            or not isinstance(found[1], list)):
        return None
    return found[0], tuple(str(t) for t in found[1])
