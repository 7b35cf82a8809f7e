"""The package metadata promises what the code needs and what users rely on."""

from __future__ import annotations

import re
import sys
import tomllib
from importlib.metadata import packages_distributions, requires
from pathlib import Path

from importaudit import api
from importaudit.model import EdgeKind

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]


def _name(requirement: str) -> str:
    """The normalised distribution name a requirement string names."""
    match = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def test_the_build_backend_understands_the_license_field() -> None:
    # `license = "MIT"` (an SPDX expression) and license-files need setuptools 77+:
    # older ones fail the build.
    assert isinstance(PROJECT["license"], str)
    (setuptools,) = [r for r in PYPROJECT["build-system"]["requires"]
                     if _name(r) == "setuptools"]
    minimum = re.search(r">=\s*(\d+)", setuptools)
    assert minimum and int(minimum.group(1)) >= 77, setuptools
    assert PROJECT["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text().startswith("MIT License\n")


def test_classifiers_name_the_pythons_systems_and_typing() -> None:
    classifiers = set(PROJECT["classifiers"])
    lowest = int(re.fullmatch(r">=3\.(\d+)", PROJECT["requires-python"]).group(1))  # type: ignore[union-attr]
    for minor in range(lowest, 14):
        assert f"Programming Language :: Python :: 3.{minor}" in classifiers
    assert "Typing :: Typed" in classifiers
    assert (ROOT / "importaudit" / "py.typed").exists()
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["importaudit"]
    assert any(c.startswith("Operating System :: ") for c in classifiers)


def test_every_library_the_tool_imports_is_a_dependency() -> None:
    # Read from the tool's own import graph: a library imported anywhere in importaudit
    # (a deferred import too: the HTML report's Jinja2) must install with it, or the
    # command using it fails after minutes of measuring. Optional and type-only imports
    # may be missing; pytest hosts the plugin that imports it.
    graph = api.static_graph(["importaudit"], api.StaticOptions(cache=False))
    runs = {EdgeKind.EAGER, EdgeKind.DEFERRED, EdgeKind.LAZY, EdgeKind.DYNAMIC}
    imported = {e.imported.split(".")[0] for e in graph.edges if e.external and e.kind in runs}
    libraries = imported - set(sys.stdlib_module_names) - {"pytest", "_pytest"}
    assert {"click", "rich", "jinja2"} <= libraries
    declared = {_name(r) for r in PROJECT["dependencies"]}
    # ... or come with one that is (MarkupSafe with Jinja2)
    brought = {_name(r) for dist in declared for r in (requires(dist) or [])
               if "extra ==" not in r}
    by_module = packages_distributions()
    for module in sorted(libraries):
        dists = {_name(d) for d in by_module.get(module, [module])}
        assert dists & (declared | brought), f"{module} ({dists}) is not a dependency"
