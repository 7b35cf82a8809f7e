"""Shared helpers of the static-graph tests: build graphs of the fixture trees."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from importaudit.static.batch import scan_files
from importaudit.static.discover import discover
from importaudit.static.graph import build_graph

if TYPE_CHECKING:
    from importaudit.model import EdgeKind, StaticGraph

STATIC = Path(__file__).resolve().parents[2] / "fixtures" / "static"


def graph_of(*targets: str, cwd: Path = STATIC, scanner: str = "fast",
             kinds: list[EdgeKind] | None = None,
             collapse_external: bool = True) -> StaticGraph:
    """The graph of `targets` (paths relative to `cwd`), scanned without a cache."""
    tree = discover(targets, cwd=cwd)
    paths = [m.scanned for m in tree.modules.values() if m.scanned]
    scans = scan_files(paths, jobs=1, scanner=scanner)
    return build_graph(tree, scans, kinds=kinds, collapse_external=collapse_external,
                       scanner=scanner)


def edges(graph: StaticGraph) -> set[tuple[str, str, str]]:
    """(importer, imported, kind) of every edge."""
    return {(e.importer, e.imported, e.kind.value) for e in graph.edges}


def module_ring(root: Path, count: int) -> list[str]:
    """`count` modules in `root`, each importing os, the next one (a ring) and json."""
    paths = []
    for i in range(count):
        path = root / f"mod{i}.py"
        path.write_text(f"import os\nfrom . import mod{(i + 1) % count}\n\ndef f():\n"
                        f"    import json\n")
        paths.append(str(path))
    return paths
