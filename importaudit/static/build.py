"""Build the static graph of targets: discover, scan (cached), resolve (cached).

The one entry point the use cases call. With a cache directory, an unchanged tree
costs reading and hashing its files and loading the graph the last run stored; a
changed tree rescans only the files whose content changed. With nothing cached
yet, files are scanned (by worker processes, see `batch.ScanStream`) while
discovery is still looking for more, and resolved as their scans come back.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
from typing import TYPE_CHECKING, Any

from importaudit.static.batch import Scanned, ScanStream, content_keys, scan_tree
from importaudit.static.cache import GraphCache, ScanCache
from importaudit.static.discover import discover
from importaudit.static.foreign import HeldFiles
from importaudit.static.gcpause import no_cyclic_gc
from importaudit.static.graph import GRAPH_VERSION, GraphBuilder, keep_kinds
from importaudit.static.scan import SCANNER_VERSION
from importaudit.static.sourcetree import Exclusions, SearchPath, walk_notes

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from importaudit.model import EdgeKind, StaticGraph
    from importaudit.static.sourcetree import SourceTree


def _digest(tree: SourceTree, scanned: Scanned, scanner: str, collapse_external: bool,
            where: SearchPath, exclusions: Exclusions) -> str:
    """Everything a graph is resolved from: the tree, each file's content, the options.

    The measured interpreter's sys.path is in it because lazy-map guesses and
    uncollapsed outside modules are looked up on it. A file is known by its content
    key, or, when it could not be read, by the reason (its parse errors follow from
    its content, and are not known before a graph is looked up).
    """
    def content(path: str | None) -> list[str | None]:
        key = scanned.keys.get(path) if path else None
        unread = scanned.scans.get(path) if path and key is None else None
        return [key, unread.error if unread is not None else None]

    modules = [[m.name, m.path, m.display, m.is_package, m.namespace, m.extension,
                m.source, *content(m.scanned)] for m in tree.modules.values()]
    problems = [[p.file, p.reason, p.line] for p in tree.problems]
    identity = [SCANNER_VERSION, GRAPH_VERSION, list(sys.version_info[:2]), scanner,
                collapse_external, tree.roots, modules, problems, sorted(tree.excluded.items()),
                list(exclusions.patterns), exclusions.tests,
                list(where.first), list(where.entries), sorted(where.builtins), where.python,
                os.getcwd()]
    return hashlib.sha256(json.dumps(identity).encode()).hexdigest()


def static_graph(targets: Sequence[str], *, kinds: Iterable[EdgeKind] | None = None,
                 collapse_external: bool = True, cache_dir: str | os.PathLike[str] | None,
                 jobs: int | None = None, scanner: str = "fast",
                 where: SearchPath | None = None, exclusions: Exclusions | None = None,
                 progress: Callable[[str], None] | None = None,
                 meanwhile: Callable[[], object] | None = None) -> StaticGraph:
    """The static graph of `targets` over edges of `kinds` (None: all); see api.static_graph.

    Names are looked up on `where` (default: this interpreter's sys.path); `progress`
    hears how many files were found and resolved so far; `meanwhile` is called while
    forked workers scan, if any do (`batch.ScanStream`).
    """
    chosen = where if where is not None else SearchPath.current()
    with no_cyclic_gc():
        tree, graph = _static_graph(targets, kinds, collapse_external, cache_dir, jobs,
                                    scanner, chosen, exclusions or Exclusions(),
                                    progress or (lambda _message: None), meanwhile)
    # Test-named modules the targets import at import time were walked after all
    # (`GraphBuilder.spare`); the graph, cached or not, holds them as modules.
    walked = [m.name for m in graph.modules
              if m.file is not None and not m.external and tree.is_excluded(m.name)]
    return dataclasses.replace(graph, python=chosen.python or sys.executable,
                               excluded=tuple(n for n in tree.excluded if n not in walked),
                               notes=(*graph.notes, *walk_notes(tree, walked)))


def _spare(builder: GraphBuilder, scanner: str,
           on_scan: Callable[[str, Sequence[Any]], None],
           read_held: Callable[[], None]) -> None:
    """Scan the test-named modules the targets import at import time, until none is left.

    Few files (a package's `testing` module and what it imports), so they are scanned
    here, not cached: the graph cache checks their contents (`GraphBuilder.read_beyond`).
    `read_held` adds the scans of files held for the measured interpreter to read
    (`static.foreign`) first, each time: what they import may be more of them.
    """
    read_held()
    while found := builder.spare():
        paths = [m.scanned for m in found if m.scanned is not None]
        scan_tree(paths, jobs=1, scanner=scanner, on_scan=on_scan, keep=False)
        read_held()


def _empty(cache_dir: str | os.PathLike[str]) -> bool:
    """Whether `cache_dir` holds no scans nor graphs (of any tree) yet."""
    try:
        with os.scandir(cache_dir) as entries:
            return not any(e.name.startswith(("scan-", "graph-")) for e in entries)
    except OSError:
        return True


def _static_graph(targets: Sequence[str], kinds: Iterable[EdgeKind] | None,
                  collapse_external: bool, cache_dir: str | os.PathLike[str] | None,
                  jobs: int | None, scanner: str, where: SearchPath, exclusions: Exclusions,
                  progress: Callable[[str], None], meanwhile: Callable[[], object] | None
                  ) -> tuple[SourceTree, StaticGraph]:
    # With nothing cached, files are scanned (by workers) while discovery still looks
    # for more. Otherwise the tree is known first: its stored graph may be reusable.
    with ScanStream(jobs=jobs, scanner=scanner, keyed=cache_dir is not None,
                    meanwhile=meanwhile) as stream:
        cold = cache_dir is None or _empty(cache_dir)
        found = [0]

        def on_file(path: str) -> None:
            found[0] += 1
            if found[0] % 200 == 0:
                progress(f"walking: {found[0]} files found")
            if cold:
                stream.add(path)

        tree = discover(targets, cache_dir=cache_dir, on_file=on_file, search_path=where,
                        exclusions=exclusions)
        graph = _from_tree(tree, kinds, collapse_external, cache_dir, scanner, stream, where,
                           exclusions, progress)
        return tree, graph


def _from_tree(tree: SourceTree, kinds: Iterable[EdgeKind] | None, collapse_external: bool,
               cache_dir: str | os.PathLike[str] | None, scanner: str,
               stream: ScanStream, where: SearchPath, exclusions: Exclusions,
               progress: Callable[[str], None]) -> StaticGraph:
    # A compiled module's edges are read from the source beside it, when it has one.
    paths = [m.scanned for m in tree.modules.values() if m.scanned is not None]
    # Files are resolved as workers deliver their scans, while others are still scanned.
    builder = GraphBuilder(tree, collapse_external, where, exclusions)
    done = [0]
    # Files this Python's parser rejects, held for a newer measured interpreter to read.
    held = HeldFiles(where)

    def on_scan(path: str, encoded: Sequence[Any]) -> None:
        if not held.hold(path, encoded):
            builder.add_encoded(path, encoded)
        done[0] += 1
        if done[0] % 100 == 0:
            progress(f"reading imports: {done[0]}/{len(paths)} files")

    def read_held() -> None:
        held.release(builder.add_encoded, progress)

    def finish() -> StaticGraph:
        graph = builder.finish()
        notes = held.notes(builder.display)
        return dataclasses.replace(graph, notes=(*graph.notes, *notes)) if notes else graph

    if cache_dir is None:
        scan_tree(paths, scanner=scanner, on_scan=on_scan, keep=False, stream=stream)
        _spare(builder, scanner, on_scan, read_held)
        return keep_kinds(finish(), kinds)
    scans = ScanCache(cache_dir, tree.directories, scanner)
    graphs = GraphCache(scans)
    keys = None
    if scans.path.exists() or graphs.path.exists():
        # Something is cached: hashing every file first may make resolving unnecessary.
        keys = content_keys(paths)
        cached = graphs.load(_digest(tree, keys, scanner, collapse_external, where,
                                     exclusions))
        if cached is not None:
            return keep_kinds(cached, kinds)
    scanned = scan_tree(paths, cache=scans, scanner=scanner, keys=keys,
                        on_scan=on_scan, keep=False, stream=stream)
    _spare(builder, scanner, on_scan, read_held)
    graph = finish()
    if held.unread:  # a graph missing what a transient failure hid is not the answer
        return keep_kinds(graph, kinds)
    graphs.save(_digest(tree, scanned, scanner, collapse_external, where, exclusions), graph,
                builder.read_beyond(), builder.edge_rows())
    return keep_kinds(graph, kinds)
