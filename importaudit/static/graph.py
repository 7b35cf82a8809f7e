"""Resolve scanned statements into the import graph (`StaticGraph`, `networkx.DiGraph`).

Resolution rules, in the words of the import system:

- A relative import is resolved against the importer's package (the module itself for
  an `__init__`); one that climbs above the top-level package is a ScanProblem.
- `from pkg import name` imports the submodule `pkg.name` when it exists, otherwise
  takes the attribute `name` of `pkg` (the edge goes to `pkg` and keeps the name:
  that is what can fail on a partly initialised module).
- Importing `a.b.c` runs `a` and `a.b` first: each such ancestor gets an implicit
  edge from the importer, of kind `parent` when the statement runs at import time
  (otherwise of the statement's own kind). Ancestors of the importer itself are left
  out: they are already (being) imported when the importer runs.
- A module outside the targets is an external node, collapsed to its top-level package
  unless `collapse_external` is False. A module inside a target's package that does
  not exist is reported; a lazy-map guess that names no module is dropped.
- An edge from a module to itself is dropped (the module is in sys.modules already).
- A compiled module's statements are those of the `.py` beside it (its node's
  `source`); one without source has unknown imports (`StaticGraph.imports_unknown`),
  which is not the same as importing nothing.
"""

from __future__ import annotations

import dataclasses
import importlib.machinery
import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

from importaudit.model import (
    KIND_ORDER,
    EdgeKind,
    ImportEdge,
    ModuleNode,
    ScanProblem,
    StaticGraph,
)
from importaudit.static.cache import EDGE_ROW, EdgeRows, content_key, encode_scan, file_key
from importaudit.static.discover import SearchPath
from importaudit.static.nofile import why_no_file
from importaudit.static.records import from_rows, instances
from importaudit.static.scan import absolute_name, scan_reference, stub_provides
from importaudit.static.sourcetree import (
    Exclusions,
    SourceModule,
    find_submodule,
    locate_left_out,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Any

    import networkx as nx

    from importaudit.static.discover import SourceTree
    from importaudit.static.nofile import Shape
    from importaudit.static.scan import FileScan

#: Bump when resolution changes, so graphs cached by `build` are not reused.
# 2: compiled modules read from the source beside them; 3: test-named modules the
# targets import at import time are walked (`GraphBuilder.spare`); 4: an import-time
# `from package import name` of a name the package gives lazily leads to its module
# 5: an attach_stub's `.pyi` says which names the package gives from where; 6: whether
# an edge's statement may not run (`ImportEdge.conditional`); 7: a module made at run
# time, or a package's `__init__` imported by that name, is said to be so (`nofile`);
# 8: whether an edge's statement is in a function body (`ImportEdge.deferred`); 9: a
# file this Python cannot parse is read by a newer measured interpreter (`foreign`)
GRAPH_VERSION = 9

#: Kinds of the statements that run while the importer runs (PARENT is implied by them).
RUNS_AT_IMPORT = frozenset({EdgeKind.EAGER, EdgeKind.OPTIONAL})
#: The status of a module of the targets that is no module of the walked tree (`_node`).
_MISSING, _LEFT_OUT = 1, 2
#: Kinds of the edges along which a module is loaded while its importer loads.
_LOADS_AT_IMPORT = frozenset({*RUNS_AT_IMPORT, EdgeKind.PARENT})
_KINDS = {kind.value: kind for kind in EdgeKind}
#: An edge while the graph is built: its sort key (see `edge_sort_key`), which names
#: it completely (whether the imported module is external follows from its name).
_EdgeKey = tuple[str, str, int, str, int, tuple[str, ...]]
#: An edge while the graph is built: the fields of its ImportEdge, then its row for
#: the graph cache.
_Made = tuple[str, str, EdgeKind, str, int, tuple[str, ...], bool, bool, bool, bytes]

def edge_sort_key(edge: ImportEdge) -> tuple[str, str, int, str, int, tuple[str, ...]]:
    """Deterministic order of edge records."""
    return (edge.importer, edge.imported, KIND_ORDER[edge.kind], edge.file or "",
            edge.line or 0, edge.names)


def _module_row(module: SourceModule) -> tuple[Any, ...]:
    """The fields of the ModuleNode of a module of the tree."""
    return (module.name, None if module.namespace else module.display, module.is_package,
            False, module.namespace, module.extension,
            module.scanned_display if module.extension else None)


def _module_node(module: SourceModule) -> ModuleNode:
    return ModuleNode(*_module_row(module))


def _ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


class _ExternalModules:
    """Whether an outside module exists, found on disk without importing anything.

    Looked up on the sys.path of the measured interpreter (`SearchPath`): in another
    environment, this one's packages prove nothing.
    """

    def __init__(self, where: SearchPath | None = None) -> None:
        self._known: dict[str, bool] = {}
        self._where = where if where is not None else SearchPath.current()

    def exists(self, name: str) -> bool:
        known = self._known.get(name)
        if known is None:
            known = self._known[name] = self._find(name)
        return known

    def _find(self, name: str) -> bool:
        parent, _, _ = name.rpartition(".")
        if not parent:
            if name in self._where.builtins:
                return True
            return self._top(name) is not None
        if not self.exists(parent):
            return False
        locations = self._locations(parent)
        return bool(locations) and find_submodule(name, locations) is not None

    def _top(self, name: str) -> importlib.machinery.ModuleSpec | None:
        where = self._where
        try:
            if where.python is None and not where.first:
                return importlib.util.find_spec(name)
            # With folders first, the path finder over them all: a namespace package's
            # portions are joined across them, as the child's import system joins them.
            spec = importlib.machinery.PathFinder.find_spec(name, [*where.first, *where.entries])
            if spec is None and where.python is None:
                return importlib.util.find_spec(name)
            return spec
        except (ImportError, ValueError):
            return None

    def _locations(self, package: str) -> list[str]:
        parent, _, _ = package.rpartition(".")
        try:
            if parent:
                spec = find_submodule(package, self._locations(parent))
            else:
                spec = self._top(package)
        except (ImportError, ValueError):
            return []
        return list(spec.submodule_search_locations or []) if spec else []


class GraphBuilder:
    """Turns the statements of scanned files into edges, nodes and problems.

    Files may be added in any order (as worker processes deliver them); `finish`
    sorts everything, so the graph does not depend on that order.
    """

    def __init__(self, tree: SourceTree, collapse_external: bool,
                 where: SearchPath | None = None, exclusions: Exclusions | None = None) -> None:
        self.tree = tree
        self.exclusions = exclusions or Exclusions()  # what the walk was told to leave out
        self.modules = tree.modules
        self.roots = tree.roots
        self.collapse = collapse_external
        self.outside = _ExternalModules(where)
        # Each edge under its sort key: its fields, then its row for the graph cache
        # (`cache.edge_row`, made here while workers still scan rather than when the
        # cache is written), grouped by importer: `finish` then sorts small groups, not
        # one large list, and makes every ImportEdge at once (`records.instances`).
        self._groups: dict[str, dict[_EdgeKey, _Made]] = {}
        self._group: dict[_EdgeKey, _Made] = {}
        self._group_of = ""
        self._importer_at = self._display_at = -1
        self._display_of = ""
        self._ordered: dict[str, list[_Made]] = {}  # groups, sorted
        #: The string table of `rows` (see `cache.encode_graph`).
        self.index: dict[str, int] = {}
        self._names: dict[tuple[str, ...], int] = {(): -1}
        #: After `finish`: the row of each edge of the graph, in its order.
        self.rows: list[bytes] = []
        self.problems: list[ScanProblem] = []
        # missing module -> where it is first imported (smallest file, line), and how
        self.missing: dict[str, tuple[str, int, str, bool]] = {}
        self.externals: set[str] = set()
        self.left_out: set[str] = set()
        # Each module under the file its edges are read from (a compiled one's source).
        self._by_path = {m.scanned: m for m in tree.modules.values() if m.scanned is not None}
        # Made at once, without a Python call each (`records.from_rows`).
        self._module_nodes = from_rows(ModuleNode, [
            _module_row(m) for m in tree.modules.values()])
        self._unknown = [m.name for m in tree.modules.values()
                         if m.extension and m.source is None]
        self._internal: dict[str, bool] = {}
        self._inside = tuple(f"{root}." for root in tree.roots)  # names in a target start so
        self._submodules: dict[str, bool] = {}  # `is_submodule`, remembered
        self._ancestry: dict[str, list[str]] = {}
        self._lineages: dict[str, frozenset[str]] = {}
        # module -> `_node`: (internal, node name, its place in `index`, _MISSING or
        # _LEFT_OUT or 0)
        self._nodes: dict[str, tuple[bool, str, int, int]] = {}
        # Files read beyond the tree's modules, path -> content key (None: unreadable):
        # `.pyi` stubs for attach_stub, and the test-named modules `spare` walks. The
        # tree's digest does not cover them, so a cached graph must check them itself.
        self.stubs: dict[str, str | None] = {}
        # Left-out modules that some module imports while it loads (edges of
        # `_LOADS_AT_IMPORT`), in the order met; `spare` walks the test-named ones.
        self._loaded: dict[str, None] = {}
        self._looked_up: set[str] = set()
        # Directories looked in for left-out modules: what the graph says about those
        # depends on their listings, which the tree's digest does not cover.
        self._looked: set[str] = set()
        # (package, name) -> the module a lazy package takes `name` from (None: it
        # declares two), from its `provides` records; see `_through_providers`.
        self._provided: dict[tuple[str, str], str | None] = {}

    # ----------------------------------------------------------------- naming

    def is_internal(self, name: str) -> bool:
        """Whether `name` lies inside one of the scanned targets."""
        known = self._internal.get(name)
        if known is None:
            # Remembered: a large tree asks about the same few thousand names again and again.
            known = self._internal[name] = (name in self.modules or name in self.roots
                                            or name.startswith(self._inside))
        return known

    def exists(self, name: str) -> bool:
        """Whether module `name` exists (scanned, or found on disk outside the targets)."""
        if self.is_internal(name):
            return name in self.modules or self.tree.is_excluded(name)
        return self.outside.exists(name)

    def is_submodule(self, name: str) -> bool:
        """Whether `from pkg import x` names the module `name` (pkg.x), not an attribute.

        Outside modules collapse to their top-level package, so they are not looked up.
        Inside a package the walk left out, the file is looked for: `from .tests import
        TESTS` takes a name of the module `tests`, which has no submodules.
        """
        if self.is_internal(name):
            return name in self.modules or (self.tree.is_excluded(name) and locate_left_out(
                name, self.modules, self._looked) is not None)
        return not self.collapse and self.outside.exists(name)

    # ----------------------------------------------------------------- resolving

    def absolute(self, module: SourceModule, name: str, level: int, anchor: str | None,
                 display: str, line: int, guess: bool) -> str | None:
        """The absolute module name a relative statement names, or None (and a problem)."""
        found = absolute_name(module.name, module.is_package, name, level, anchor)
        if found is None and not guess:
            dots = "." * level
            self.problems.append(ScanProblem(
                display, f"relative import {dots}{name} climbs above the "
                f"top-level package of {module.name}", line))
        return found

    def statement(self, module: SourceModule, display: str, line: int, kind: EdgeKind,
                  name: str, level: int = 0, names: Sequence[str] | None = None,
                  anchor: str | None = None, guess: bool = False,
                  conditional: bool = False, deferred: bool = False) -> None:
        """Add the edges of one statement of `module` (the fields of an ImportStatement)."""
        target = self.absolute(module, name, level, anchor, display, line,
                               guess) if level else name
        if not target or (guess and not self.exists(target)):
            return
        importer = module.name
        if names is None:
            targets: list[str] = [target]
            self.edge(importer, target, kind, display, line, (), guess, conditional, deferred)
        else:
            targets = []
            attributes: list[str] = []
            submodules = self._submodules
            for taken in names:
                submodule = f"{target}.{taken}"
                is_module = submodules.get(submodule)
                if is_module is None:
                    is_module = submodules[submodule] = (taken != "*"
                                                         and self.is_submodule(submodule))
                if is_module:
                    targets.append(submodule)
                    self.edge(importer, submodule, kind, display, line, (), guess, conditional,
                              deferred)
                else:
                    attributes.append(taken)
            if attributes or not targets:
                targets.append(target)
                self.edge(importer, target, kind, display, line, tuple(attributes), guess,
                          conditional, deferred)
        self._parents(importer, targets, kind, display, line, conditional, deferred)

    def _parents(self, importer: str, targets: list[str], kind: EdgeKind, display: str,
                 line: int, conditional: bool = False, deferred: bool = False) -> None:
        """The implicit edges of a statement of `importer` that imports `targets`.

        To the packages above each target, except those already imported while the
        importer runs (its own) and those the statement names.
        """
        lineage: frozenset[str] | None = None  # looked up once some target has ancestors
        parent_kind = kind
        done: list[str] = []
        for each in targets:
            if "." not in each or (self.collapse and not self.is_internal(each)):
                continue  # no ancestors, or collapsed to its top-level package
            if lineage is None:
                lineage = self._lineage(importer)
                parent_kind = EdgeKind.PARENT if kind in RUNS_AT_IMPORT else kind
            for ancestor in self._ancestors(each):
                if ancestor not in lineage and ancestor not in targets and ancestor not in done:
                    done.append(ancestor)
                    self.edge(importer, ancestor, parent_kind, display, line, (), False,
                              conditional, deferred)

    def _ancestors(self, name: str) -> list[str]:
        found = self._ancestry.get(name)
        if found is None:
            found = self._ancestry[name] = _ancestors(name)
        return found

    def _lineage(self, name: str) -> frozenset[str]:
        """`name` and its ancestors: all imported already while `name` runs."""
        found = self._lineages.get(name)
        if found is None:
            found = self._lineages[name] = frozenset((name, *self._ancestors(name)))
        return found

    def _at(self, text: str) -> int:
        """The place of `text` in the string table of the rows (`index`)."""
        index = self.index
        return index.setdefault(text, len(index))

    def edge(self, importer: str, imported: str, kind: EdgeKind, display: str,
             line: int, names: tuple[str, ...], guess: bool,
             conditional: bool = False, deferred: bool = False) -> None:
        """Record one edge, making `imported` a node (external or missing) as needed.

        `conditional`: its statement may not run when `importer` runs; `deferred`: it is
        in a function body, so never runs then.
        """
        known = self._nodes.get(imported)
        if known is None:
            known = self._nodes[imported] = self._node(imported)
        internal, node, node_at, missing = known
        if node == importer:
            return
        if missing:
            if missing == _MISSING:
                seen = self.missing.get(imported)
                if seen is None or (display, line) < seen[:2]:
                    self.missing[imported] = (display, line, kind.value, guess)
            elif kind in _LOADS_AT_IMPORT:
                self._loaded[imported] = None
        if importer is not self._group_of:  # edges come file by file
            self._group_of = importer
            self._group = self._groups.setdefault(importer, {})
            self._importer_at = self._at(importer)
        order = KIND_ORDER[kind]
        key = (importer, node, order, display, line, names)
        group = self._group
        if key not in group:
            if display is not self._display_of:
                self._display_of = display
                self._display_at = self._at(display)
            names_at = self._names.get(names)
            if names_at is None:
                names_at = self._names[names] = self._at(",".join(names))
            # The row is made now rather than in `finish`: while workers still scan.
            group[key] = (importer, node, kind, display, line, names, not internal,
                          conditional, deferred,
                          EDGE_ROW.pack(self._importer_at, node_at, order, self._display_at,
                                        line or 0, names_at, 0 if internal else 1,
                                        int(conditional), int(deferred)))

    def _node(self, imported: str) -> tuple[bool, str, int, int]:
        """(internal, node name, its place in `index`, status) of module `imported`.

        An outside module is counted among the `externals` (and one the walk left out
        among `left_out`) when it is first met: an edge to it always follows, as it
        cannot be its importer. The status is `_MISSING` for a missing module (each
        edge's place is remembered), `_LEFT_OUT` for one the walk left out, else 0.
        """
        internal = self.is_internal(imported)
        node = imported if internal or not self.collapse else imported.partition(".")[0]
        status = 0
        if not internal:
            self.externals.add(node)
        elif imported not in self.modules and self.tree.is_excluded(imported):
            self.left_out.add(imported)  # a module the walk left out: known, not scanned
            status = _LEFT_OUT
        elif imported not in self.modules:
            status = _MISSING
        return internal, node, self._at(node), status

    def _shape(self, name: str) -> Shape:
        """What module `name` of the tree is, as `nofile.why_no_file` asks."""
        module = self.modules.get(name)
        if module is None:
            return None
        if module.namespace:
            return "namespace"
        return "package" if module.is_package else "module"

    def spare(self) -> list[SourceModule]:
        """Walk the test-named modules the graph's modules import at import time.

        A module named `tests` or `testing` is left out of walks as a test package,
        but one the package itself imports at import time (jinja2's `tests`, the
        template tests its defaults import; pandas' `testing`, which its `__init__`
        imports) is part of every import of the package. Each such module is found on
        disk and added; the caller scans its file (`add`), which may import more. What a
        user's exclude pattern leaves out stays out. Returns the modules added.
        """
        found: list[SourceModule] = []
        for name in list(self._loaded):
            if name in self.modules or name in self._looked_up:
                continue
            self._looked_up.add(name)
            if self.tree.left_out_because(name) != "tests" or self.exclusions.reason(
                    name) not in (None, "tests"):
                continue  # a user's pattern leaves it out, inside a test package too
            module = locate_left_out(name, self.modules, self._looked)
            if not isinstance(module, SourceModule):
                continue
            if self.modules is self.tree.modules:  # the tree (and its digest) stays as walked
                self.modules = dict(self.modules)
            self.modules[module.name] = module
            read = module.scanned
            if read is not None:
                self._by_path[read] = module
            else:
                self._unknown.append(name)  # compiled, no source beside it
            self._module_nodes.append(_module_node(module))
            self.left_out.discard(name)
            self._nodes.pop(name, None)
            for path in {module.path, read} - {None}:
                assert path is not None
                self.stubs[path] = file_key(path)
            found.append(module)
        return found

    def stub(self, module: SourceModule, line: int, kind: EdgeKind, display: str,
             bound: Sequence[str] | None = None) -> None:
        """lazy_loader's attach_stub (of `kind`): the lazy imports are the `.pyi` stub's.

        Run on import (`bound`: the names the package binds itself), the stub's `from
        .sub import name` also says the package gives `name` from `.sub` (`provide`), as
        lazy_loader reads it: only `from .x import ...` one level up, names as written.
        """
        assert module.scanned is not None
        stub_path = Path(module.scanned).with_suffix(".pyi")
        stub_display = str(Path(display).with_suffix(".pyi"))
        try:
            data = stub_path.read_bytes()
        except OSError:
            self.stubs[str(stub_path)] = None
            self.problems.append(ScanProblem(
                display, f"attach_stub() but no readable stub {stub_path.name}", line))
            return
        self.stubs[str(stub_path)] = content_key(data)
        scan = scan_reference(data)
        if scan.error is not None:
            self.problems.append(ScanProblem(stub_display, scan.error, scan.error_line))
        inner_kind = EdgeKind.TYPE_ONLY if kind is EdgeKind.TYPE_ONLY else EdgeKind.LAZY
        for inner in scan.statements:
            if inner.provides:
                continue  # the stub's own lazy names: not what `attach_stub` reads
            self.statement(module, stub_display, inner.line, inner_kind, inner.module,
                           inner.level, inner.names, inner.anchor, inner.guess)
        for given in stub_provides(scan, bound if kind is EdgeKind.LAZY else None):
            self.provide(module, stub_display, given.line, given.module, given.level,
                         given.names, given.anchor)

    def provide(self, module: SourceModule, display: str, line: int, name: str,
                level: int, names: Sequence[str] | None, anchor: str | None) -> None:
        """A `provides` record: package `module` gives `names` lazily from module `name`.

        Kept only for a module below the package that exists (the record is read from
        declarations, as a lazy map's guesses are).
        """
        target = self.absolute(module, name, level, anchor, display, line,
                               True) if level else name
        if (not module.is_package or not target or not target.startswith(module.name + ".")
                or not self.exists(target)):
            return
        provided = self._provided
        for each in names or ():
            key = (module.name, each)
            provided[key] = target if provided.get(key, target) == target else None

    def _through_providers(self) -> None:
        """The edges of import-time `from package import name` through a lazy package.

        The package has no `name` until its lazy mechanism imports the module that
        gives it, so the statement imports that module too (as a `from module import
        name` would): an edge of the statement's kind, file and line, naming `name`.
        Added once every file is read: the importer may come before the package.
        """
        provided = self._provided
        packages = {package for package, _ in provided}
        for group in list(self._groups.values()):
            for (importer, imported, kind, display, line, names, _, conditional, deferred,
                 _) in list(group.values()):
                if imported not in packages or not names or kind not in RUNS_AT_IMPORT:
                    continue
                by_module: dict[str, list[str]] = {}
                for name in names:
                    source = provided.get((imported, name))
                    if source is not None:
                        by_module.setdefault(source, []).append(name)
                for source, taken in by_module.items():
                    self.edge(importer, source, kind, display, line, tuple(taken), False,
                              conditional, deferred)
                    self._parents(importer, [source, imported], kind, display, line,
                                  conditional, deferred)

    # ----------------------------------------------------------------- result

    def display(self, path: str) -> str:
        """How reports name the scanned file at `path` (relative where it can be)."""
        module = self._by_path.get(path)
        return (module.scanned_display or path) if module is not None else path

    def add(self, path: str, scan: FileScan) -> None:
        """Resolve the statements of the file at `path` (a module of the tree)."""
        self.add_encoded(path, encode_scan(scan))

    def add_encoded(self, path: str, encoded: Sequence[Any]) -> None:
        """`add` for a scan as `cache.encode_scan` encodes it (as workers deliver it)."""
        module = self._by_path.get(path)
        if module is None:
            return
        display = module.scanned_display or path
        error, error_line, rows = encoded
        if error is not None:
            self.problems.append(ScanProblem(display, error, error_line))
            return
        statement, kinds = self.statement, _KINDS
        for (line, kind, name, level, names, anchor, guess, stub, provides, maybe,
             later) in rows:
            if stub:
                self.stub(module, line, kinds[kind], display, names)
            elif provides:
                self.provide(module, display, line, name, level, names, anchor)
            else:
                statement(module, display, line, kinds[kind], name, level, names, anchor,
                          bool(guess), bool(maybe), bool(later))
        # The module's edges are all known (they come from its file only): sorted now,
        # while workers still scan, they need not be sorted in `finish`.
        group = self._groups.get(module.name)
        if group:
            self._ordered[module.name] = [group[key] for key in sorted(group)]

    def read_beyond(self) -> dict[str, str | None]:
        """Files and directories (trailing separator) read beyond the tree, by content key.

        What a cached graph must check itself (`GraphCache.load`): `.pyi` stubs, the
        files of the test-named modules `spare` walked, and the listings of the
        directories looked in for left-out modules.
        """
        return {**self.stubs, **{path: file_key(path) for path in sorted(self._looked)}}

    def edge_rows(self) -> EdgeRows:
        """What `cache.encode_graph` may reuse of the graph `finish` gave."""
        return EdgeRows(self.index, self.rows)

    def finish(self) -> StaticGraph:
        """The graph of everything added (every edge kind; see `keep_kinds`)."""
        # The keys are the edges' `edge_sort_key`s, all different: sorting them sorts
        # the edges (as tuples, which is much faster than through a key function). The
        # importer comes first in a key, so sorting the groups' keys one group after
        # another, the groups by importer, sorts them all.
        if self._provided:
            self._through_providers()
        made: list[_Made] = []
        for importer in sorted(self._groups):
            group = self._groups[importer]
            ordered = self._ordered.get(importer)
            if ordered is None or len(ordered) != len(group):  # edges added since
                ordered = [group[key] for key in sorted(group)]
            made.extend(ordered)
        edges: list[ImportEdge] = []
        self.rows = []
        if made:
            *fields, rows = zip(*made, strict=True)
            edges = instances(ImportEdge, fields)
            self.rows = list(rows)
        used = {edge.imported for edge in edges}
        problems = {*self.tree.problems, *self.problems}
        for name, (display, line, kind, guess) in self.missing.items():
            if not guess:
                problems.add(ScanProblem(
                    display, f"imports {name}, {why_no_file(name, self._shape)} "
                    f"({kind} import)", line))
        nodes = list(self._module_nodes)
        nodes += [ModuleNode(name) for name in sorted({*self.missing, *self.left_out})
                  if name in used]
        nodes += [ModuleNode(name, external=True) for name in sorted(self.externals)
                  if name in used]
        return StaticGraph(tuple(self.roots), tuple(sorted(nodes, key=lambda n: n.name)),
                           tuple(edges),
                           tuple(sorted(problems, key=lambda p: (p.file, p.line or 0, p.reason))),
                           imports_unknown=tuple(sorted(self._unknown)))


def keep_kinds(graph: StaticGraph, kinds: Iterable[EdgeKind] | None) -> StaticGraph:
    """`graph` with only the edges of `kinds` (None or empty: `graph` itself).

    Modules of the targets all stay; outside and missing ones only while an edge
    still leads to them.
    """
    if not kinds:
        return graph
    chosen = tuple(sorted(set(kinds), key=KIND_ORDER.__getitem__))
    edges = tuple(e for e in graph.edges if e.kind in chosen)
    used = {e.imported for e in edges}
    modules = tuple(n for n in graph.modules if n.name in used
                    or (not n.external and (n.file is not None or n.namespace)))
    return dataclasses.replace(graph, modules=modules, edges=edges, kinds=chosen)


def build_graph(tree: SourceTree, scans: Mapping[str, FileScan], *,
                kinds: Iterable[EdgeKind] | None = None,
                collapse_external: bool = True, scanner: str = "fast") -> StaticGraph:
    """The StaticGraph of `tree` from its file scans, keeping edges of `kinds` (all: None).

    The test-named modules the tree imports while it loads (`GraphBuilder.spare`) are
    scanned here, with `scanner`.
    """
    from importaudit.static.batch import scan_files

    builder = GraphBuilder(tree, collapse_external)
    for path, scan in scans.items():
        builder.add(path, scan)
    while found := builder.spare():
        paths = [m.scanned for m in found if m.scanned is not None]
        for path, scan in scan_files(paths, jobs=1, scanner=scanner).items():
            builder.add(path, scan)
    return keep_kinds(builder.finish(), kinds)


def to_networkx(graph: StaticGraph,
                kinds: Iterable[EdgeKind] | None = None) -> nx.DiGraph[str]:
    """The graph as a `networkx.DiGraph` over edges of `kinds` (None: every kind).

    Nodes carry `file`, `is_package`, `external`, `namespace`, `compiled` and `source`
    (the `.py` a compiled module's edges were read from); each edge carries
    `imports` (the ImportEdge records, one per statement), `kinds` (their kinds'
    names, sorted) and `weight` (how many statements). Nodes and edges are added in
    sorted order, so every traversal is deterministic.
    """
    import networkx as nx

    chosen = None if kinds is None else frozenset(kinds)
    digraph: nx.DiGraph[str] = nx.DiGraph(roots=list(graph.roots))
    for node in graph.modules:
        digraph.add_node(node.name, file=node.file, is_package=node.is_package,
                         external=node.external, namespace=node.namespace,
                         compiled=node.compiled, source=node.source)
    for edge in graph.edges:
        if chosen is not None and edge.kind not in chosen:
            continue
        data = digraph.get_edge_data(edge.importer, edge.imported)
        if data is None:
            digraph.add_edge(edge.importer, edge.imported, imports=[edge],
                             kinds=[edge.kind.value], weight=1)
            continue
        data["imports"].append(edge)
        data["weight"] += 1
        if edge.kind.value not in data["kinds"]:
            data["kinds"] = sorted({*data["kinds"], edge.kind.value},
                                   key=lambda k: KIND_ORDER[EdgeKind(k)])
    return digraph


def export_digraph(graph: StaticGraph) -> nx.DiGraph[str]:
    """The graph with text, number and boolean attributes only, for DOT and GraphML.

    Node attributes: `file` ("" when none), `is_package`, `external`, `namespace`,
    `compiled`, `source` ("" when none).
    Edge attributes: `kind` (the one that runs first), `kinds` (comma-separated),
    `lines` ("file:line" of every statement, space-separated), `names` (the names
    taken by `from x import ...`, comma-separated) and `weight` (statements).
    """
    digraph: nx.DiGraph[str] = to_networkx(graph)
    flat: nx.DiGraph[str] = type(digraph)()
    for name, data in digraph.nodes(data=True):
        flat.add_node(name, file=data["file"] or "", is_package=data["is_package"],
                      external=data["external"], namespace=data["namespace"],
                      compiled=data["compiled"], source=data["source"] or "")
    for u, v, data in digraph.edges(data=True):
        records: list[ImportEdge] = data["imports"]
        flat.add_edge(
            u, v, kind=data["kinds"][0], kinds=",".join(data["kinds"]),
            lines=" ".join(f"{e.file}:{e.line}" for e in records if e.file and e.line),
            names=",".join(sorted({n for e in records for n in e.names})),
            weight=data["weight"],
        )
    return flat
