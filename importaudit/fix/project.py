"""What the project being fixed declares: its requires-python and its dependencies.

`fix` must not write code the package cannot run: the `lazy-loader` style only for a
project that depends on lazy_loader, PEP 810 syntax only for one that requires Python
3.15, and no rewrite whose syntax or runtime feature is newer than the oldest Python
the package declares. Read from the project's `pyproject.toml` (`[project]`
`requires-python` and `dependencies`), else from the installed distribution's metadata
in the measured environment (`Requires-Python`, `Requires-Dist`), asked of that
interpreter. Requirement and specifier syntax is `packaging`'s.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from importaudit.errors import UsageError

if TYPE_CHECKING:
    from pathlib import Path

    from importaudit.runtime.interpreter import Variables

#: Asked of the measured interpreter: the metadata of the distribution that installs
#: top-level package argv[2] (stdlib only, Python 3.8+; None when it has none).
_METADATA = r"""
import json, sys
try:
    from importlib import metadata
except ImportError:
    metadata = None
found = None
parts = sys.argv[2].split(".")  # a package inside a namespace package: its own files
top = parts[0]
for dist in (metadata.distributions() if metadata else ()):
    tops = (dist.read_text("top_level.txt") or "").split() if len(parts) == 1 else ()
    files = [str(f).replace("\\", "/") for f in (dist.files or ())]
    if top in tops or any(f.split("/")[:len(parts)] == parts
                          or f == "/".join(parts) + ".py" for f in files):
        found = {"name": dist.metadata["Name"],
                 "requires_python": dist.metadata["Requires-Python"],
                 "requires": list(dist.requires or ())}
        break
with open(sys.argv[1], "w") as out:
    json.dump(found, out)
"""


@dataclass(frozen=True, slots=True)
class Declared:
    """A project's declared Python range and dependencies, and where they were read."""

    source: str  # "path/to/pyproject.toml", or "installed metadata of NAME"
    requires_python: str | None = None
    dependencies: tuple[str, ...] = ()

    @property
    def specifier(self) -> SpecifierSet | None:
        """`requires-python` as a specifier set (None when not declared)."""
        if not self.requires_python:
            return None
        try:
            return SpecifierSet(self.requires_python)
        except InvalidSpecifier:
            raise UsageError(f"requires-python {self.requires_python!r} in {self.source} "
                             "is not a version specifier") from None

    def depends_on(self, name: str) -> bool:
        """Whether the project always installs distribution `name` with itself.

        Only a requirement without a marker counts: one for an extra, or for some
        Python versions or platforms, leaves installs where the rewritten code would
        import a module that is not there.
        """
        wanted = canonicalize_name(name)
        for text in self.dependencies:
            try:
                found = Requirement(text)
            except InvalidRequirement:
                continue
            if canonicalize_name(found.name) == wanted and found.marker is None:
                return True
        return False


def admits(specifier: SpecifierSet, minor: tuple[int, int]) -> bool:
    """Whether some release of Python `minor` (3.9.0 ... 3.9.x) satisfies `specifier`."""
    return any(specifier.contains(Version(f"{minor[0]}.{minor[1]}.{patch}"),
                                  prereleases=True) for patch in range(40))


def lowest(specifier: SpecifierSet) -> tuple[int, int] | None:
    """The oldest Python (major, minor) the specifier admits, None if it admits none."""
    for minor in [(2, 7)] + [(3, m) for m in range(40)]:
        if admits(specifier, minor):
            return minor
    return None


def _pyproject(top: Path) -> Path | None:
    """The pyproject.toml of the project holding top package folder `top`, if beside it.

    Only the folder holding the package (flat layout) or the one above `src/` (src
    layout): any pyproject.toml further up belongs to another project.
    """
    holder = top.parent
    for folder in (holder, holder.parent) if holder.name == "src" else (holder,):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def declared(name: str, folder: Path | None, *, python: str,
             timeout: float, env: Variables = ()) -> Declared | None:
    """What the project of package `name` (top folder `folder`) declares, or None.

    `name` is a top-level package, or the package a project has inside a namespace
    package (`project_package`: google.cloud.storage).

    Its pyproject.toml when one is beside the package, else the metadata of the
    distribution that installed it in the environment of `python` (`env` set).
    """
    from importaudit.fix.proof import run_json

    found = _pyproject(folder) if folder is not None else None
    if found is not None:
        try:
            project = tomllib.loads(found.read_text(encoding="utf-8")).get("project")
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise UsageError(f"cannot read {found}: {exc}") from None
        if isinstance(project, dict):
            return Declared(str(found), project.get("requires-python"),
                            tuple(str(d) for d in project.get("dependencies") or ()))
    meta = run_json(python, ["-c", _METADATA], [name], timeout=timeout,
                    what=f"reading the installed metadata of {name}", env=env)
    if not meta:
        return None
    return Declared(f"installed metadata of {meta['name']}", meta["requires_python"],
                    tuple(meta["requires"]))
