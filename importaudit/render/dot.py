"""DOT renderer (`--format dot`): the static import graph for Graphviz.

Written by networkx's DOT writer (through pydot). Edges are drawn by kind: solid for
what runs at import time (eager, optional; parent in grey), dashed for deferred,
dynamic and lazy, dotted for type-only; modules outside the targets are grey boxes.
Every edge keeps its kinds, `file:line` of each statement and the imported names as
attributes, so the DOT file is also data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from importaudit.model import StaticGraph

if TYPE_CHECKING:
    from importaudit.model import Report
    from importaudit.render import RenderOptions

_EDGE_STYLE: dict[str, dict[str, str]] = {
    "eager": {"style": "solid", "color": "black"},
    "optional": {"style": "solid", "color": "darkorange"},
    "parent": {"style": "solid", "color": "grey60"},
    "dynamic": {"style": "dashed", "color": "purple"},
    "lazy": {"style": "dashed", "color": "darkgreen"},
    "deferred": {"style": "dashed", "color": "steelblue"},
    "type-only": {"style": "dotted", "color": "grey60"},
}


def render(report: Report, stream: TextIO, options: RenderOptions) -> None:
    """Write the report's static graph as a DOT digraph."""
    import networkx as nx

    from importaudit.static.graph import export_digraph

    # A report without a static graph (a runtime profile) is an empty graph.
    graph = report.graph if report.graph is not None else StaticGraph(roots=())
    digraph = export_digraph(graph)
    digraph.graph["graph"] = {"rankdir": "LR"}
    digraph.graph["node"] = {"shape": "box", "fontname": "Helvetica"}
    for _, data in digraph.nodes(data=True):
        if data["external"]:
            data.update(style="dashed", color="grey60", fontcolor="grey40")
    for _, _, data in digraph.edges(data=True):
        data.update(_EDGE_STYLE[data["kind"]])
    stream.write(nx.nx_pydot.to_pydot(digraph).to_string())
