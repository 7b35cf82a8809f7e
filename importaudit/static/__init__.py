"""The static import graph: read source trees without running them.

`discover` finds the modules of the targets, `scan` (reference) and `fastscan` read
each file's import statements with their line and edge kind, `cache` keeps those
results by file content, `graph` resolves statements into a `StaticGraph` and a
networkx `DiGraph`, and `cycles` finds import cycles with witnesses and cuts.
"""
