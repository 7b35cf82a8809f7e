"""What is true to say of a module of the targets that an import names but no file defines.

Most such modules are missing: the import fails. Two shapes import fine all the same:

- Below a plain module (not a package) no file can define a submodule, so one that
  imports is made while code runs: six puts its `_MovedItems` object into
  `sys.modules` as `six.moves`, hypothesis' compiled `_native` registers
  `_native.internal.floats`. Only a run knows what it holds.
- `pkg.__init__` of a regular package is the package's own `__init__.py` imported a
  second time, as a module of its own (statsmodels.api's `from .__init__ import test`).

Pure: the graph builder asks it of its tree, the terminal renderer of a saved graph.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from collections.abc import Callable

    from importaudit.model import StaticGraph

#: What a module no file defines is called when neither shape explains it.
NOT_SCANNED = "which is not in the scanned tree"


#: What `why_no_file` asks of each module above: a regular package (an `__init__.py`),
#: a namespace package, a plain or compiled module, or None for one the scan does not know.
Shape = Literal["package", "namespace", "module"] | None


def why_no_file(name: str, shape: Callable[[str], Shape]) -> str:
    """A clause saying what module `name`, which no file of the targets defines, is.

    `shape(m)`: what module `m` of the targets is (`Shape`).
    """
    parent, _, last = name.rpartition(".")
    if last == "__init__" and parent and shape(parent) == "package":
        return (f"the __init__.py of package {parent} run a second time, as a module of "
                "its own")
    while parent:
        known = shape(parent)
        if known is not None:
            if known != "module":
                break  # a package: a file could define it, and none does
            return (f"which no file defines: {parent} is a module, not a package, so "
                    "only code that runs can make it (by putting it in sys.modules); "
                    "the static graph cannot see what it imports")
        parent = parent.rpartition(".")[0]
    return NOT_SCANNED


def shapes_of(graph: StaticGraph) -> dict[str, Shape]:
    """What each module of `graph`'s targets with a file (or a namespace package) is."""
    return {node.name: "namespace" if node.namespace
            else "package" if node.is_package else "module"
            for node in graph.modules
            if not node.external and (node.file is not None or node.namespace)}
