"""The static import graph: read source trees without running them.

`discover` finds the modules of the targets, `scan` (reference) and `fastscan` read
each file's import statements with their line and edge kind, `batch` scans many files
(in worker processes when that pays), `cache` keeps scans and graphs by file content,
`graph` resolves statements into a `StaticGraph` and a networkx `DiGraph`, `build`
ties these together, and `cycles` finds import cycles with witnesses and cuts.
"""
