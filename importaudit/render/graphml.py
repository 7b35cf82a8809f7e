"""GraphML renderer (`--format graphml`): the static import graph for graph tools.

Written by networkx's GraphML writer; node and edge attributes are those of
`importaudit.static.graph.export_digraph` (kinds, file:line of each statement,
imported names), typed as GraphML keys so Gephi, yEd or networkx read them back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from importaudit.model import StaticGraph

if TYPE_CHECKING:
    from importaudit.model import Report
    from importaudit.render import RenderOptions


def render(report: Report, stream: TextIO, options: RenderOptions) -> None:
    """Write the report's static graph as a GraphML document."""
    import networkx as nx

    from importaudit.static.graph import export_digraph

    # A report without a static graph (a runtime profile) is an empty graph.
    graph = report.graph if report.graph is not None else StaticGraph(roots=())
    for line in nx.generate_graphml(export_digraph(graph), prettyprint=True):
        stream.write(line + "\n")
