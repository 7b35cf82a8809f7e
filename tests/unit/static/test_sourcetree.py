"""Where a project's package starts: namespace packages, PEP 420 or declared in `__init__`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from importaudit.static.sourcetree import declares_namespace, project_package

if TYPE_CHECKING:
    from pathlib import Path

# Each `__init__.py` that only declares its package a namespace, as distributions ship it.
DECLARATIONS = {
    # azure-storage-nspkg, backports.tarfile
    "one line": "__path__ = __import__('pkgutil').extend_path(__path__, __name__)\n",
    # backports.weakref
    "two lines": "# See https://pypi.org/project/backports\n\nfrom pkgutil import extend_path\n"
                 "__path__ = extend_path(__path__, __name__)\n",
    # zope, repoze, paste before PEP 420
    "pkg_resources": "__import__('pkg_resources').declare_namespace(__name__)\n",
    # protobuf 3's google/__init__.py
    "fallback": "try:\n    __import__('pkg_resources').declare_namespace(__name__)\n"
                "except ImportError:\n"
                "    __path__ = __import__('pkgutil').extend_path(__path__, __name__)\n",
    # declarations with their housekeeping (seen in the wild)
    "quiet": "import warnings\n\nwith warnings.catch_warnings():\n"
             "    warnings.simplefilter('ignore')\n"
             "    __import__('pkg_resources').declare_namespace(__name__)\n",
    "typed": "from __future__ import absolute_import\n"
             "from typing import List  # noqa: F401\n"
             "from pkgutil import extend_path\n\n"
             "__path__ = extend_path(__path__, __name__)  # type: List[str]\n"
             "del extend_path\n",
    "exports nothing": "__path__ = __import__('pkgutil').extend_path(__path__, __name__)\n"
                       "__all__ = []\n",
    "gives up": "try:\n    import pkg_resources\nexcept ImportError:\n"
                "    pkg_resources = None\n"
                "if pkg_resources is not None:\n"
                "    pkg_resources.declare_namespace(__name__)\n"
                "else:\n    from pkgutil import extend_path\n"
                "    __path__: list = extend_path(__path__, __name__)\n",
    # Paste 1.x: also registers the portions with modulefinder (py2exe)
    "modulefinder": "try:\n    import pkg_resources\n"
                    "    pkg_resources.declare_namespace(__name__)\nexcept ImportError:\n"
                    "    from pkgutil import extend_path\n"
                    "    __path__ = extend_path(__path__, __name__)\n\ntry:\n"
                    "    import modulefinder\nexcept ImportError:\n    pass\nelse:\n"
                    "    for p in __path__:\n        modulefinder.AddPackagePath(__name__, p)\n",
}

# Packages of a project: code of their own, whatever they do with their path.
PROJECTS = {
    "regular": '"""A package."""\nfrom .core import Client\n',
    "plugins": "from pkgutil import extend_path\n__path__ = extend_path(__path__, __name__)\n\n"
               "def load_plugins():\n    return list(__path__)\n",
    "other path": "__path__ = __import__('pkgutil').extend_path(__path__, 'elsewhere')\n",
    "mentions": '"""Not a namespace: we never call extend_path or declare_namespace."""\n',
    "broken": "__path__ = extend_path(__path__, __name__\n",
    # PyFilesystem2's fs/__init__.py: a declaration, then the package's own code
    "declares and exports": '__import__("pkg_resources").declare_namespace(__name__)\n\n'
                            "from . import path\nfrom .opener import open_fs\n"
                            '__all__ = ["open_fs", "path"]\n',
    "declares and versions": "from pkgutil import extend_path\n"
                             "__path__ = extend_path(__path__, __name__)\n"
                             "__version__ = '2.0'\n",
    "declares and lists": "from pkgutil import extend_path\n"
                          "__path__ = extend_path(__path__, __name__)\n__all__ = ['core']\n",
    "declares and imports its core": "from pkgutil import extend_path\n"
                                     "__path__ = extend_path(__path__, __name__)\n"
                                     "from ns.core import Client\n",
}


def _package(root: Path, text: str) -> Path:
    """`ns/__init__.py` holding `text`, and `ns/proj/mod.py` below it; returns mod.py."""
    (root / "ns" / "proj").mkdir(parents=True)
    (root / "ns" / "__init__.py").write_text(text, encoding="utf-8")
    (root / "ns" / "proj" / "__init__.py").write_text("")
    module = root / "ns" / "proj" / "mod.py"
    module.write_text("")
    return module


@pytest.mark.parametrize("form", sorted(DECLARATIONS))
def test_an_init_that_only_declares_a_namespace_leaves_the_project_below_it(
        tmp_path: Path, form: str) -> None:
    module = _package(tmp_path, DECLARATIONS[form])
    assert declares_namespace(str(tmp_path / "ns" / "__init__.py"))
    assert project_package("ns.proj.mod", str(module)) == "ns.proj"


@pytest.mark.parametrize("form", sorted(PROJECTS))
def test_a_package_with_code_of_its_own_is_the_project(tmp_path: Path, form: str) -> None:
    module = _package(tmp_path, PROJECTS[form])
    assert not declares_namespace(str(tmp_path / "ns" / "__init__.py"))
    assert project_package("ns.proj.mod", str(module)) == "ns"


def test_an_init_changed_on_disk_is_read_again(tmp_path: Path) -> None:
    module = _package(tmp_path, PROJECTS["regular"])
    assert project_package("ns.proj.mod", str(module)) == "ns"
    (tmp_path / "ns" / "__init__.py").write_text(DECLARATIONS["one line"] + "\n" * 40)
    assert project_package("ns.proj.mod", str(module)) == "ns.proj"
