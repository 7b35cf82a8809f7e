"""A cache of file scans keyed by file content, safe for concurrent runs.

Keys are a hash of each file's bytes, not its mtime: CI checkouts reset mtimes, and a
file whose content did not change scans the same. One JSON file per set of scanned
directories (and scanner version and Python grammar) holds the scans of the last run
that used it. A second one holds the graph that run built, under a digest of all it
was built from (each module's name, path and content key, the options, sys.path), so
an unchanged tree loads its graph without resolving it again (its edges are rows of
packed integers in one base64 text: `encode_graph`). Both are replaced
atomically (a temporary file, then a rename): two runs sharing the cache each read a
complete file, and the last writer wins. A cache that cannot be read is ignored; one
that cannot be written costs only speed.

The default place is `.importaudit-cache/` in the current directory (CI caches it as
a directory) or `$IMPORTAUDIT_CACHE_DIR`. The directory carries a `CACHEDIR.TAG` and
a `.gitignore` so backups and git leave it alone.
"""

from __future__ import annotations

import binascii
import contextlib
import hashlib
import json
import os
import struct
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from importaudit._atomic import default_file_mode
from importaudit.model import (
    KIND_ORDER,
    EdgeKind,
    ImportEdge,
    ModuleNode,
    ScanProblem,
    StaticGraph,
)
from importaudit.static.records import instances
from importaudit.static.scan import SCANNER_VERSION, FileScan, ImportStatement

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

DEFAULT_DIRNAME = ".importaudit-cache"
ENV_CACHE_DIR = "IMPORTAUDIT_CACHE_DIR"
_FORMAT = 6  # 2: graph edges stored as columns; 3: as rows of packed integers; 4: compiled
# modules; 5: whether an edge's statement may not run (`ImportEdge.conditional`); 6:
# whether it is in a function body (`ImportEdge.deferred`)
_KINDS = {kind.value: kind for kind in EdgeKind}
_TAG = ("Signature: 8a477f597d28d172789f06886806bc55\n"
        "# This file is a cache directory tag created by importaudit.\n")


def write_cache_file(path: Path, text: str) -> None:
    """Write a file of the cache directory atomically; errors only cost speed."""
    with contextlib.suppress(OSError):
        _prepare(path.parent)
        _replace(path, text)


def _prepare(directory: Path) -> None:
    """Create the cache directory, tagged so backups and git leave it alone."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in (("CACHEDIR.TAG", _TAG), (".gitignore", "*\n")):
        marker = directory / name
        if not marker.exists():
            _replace(marker, content)


def _replace(path: Path, text: str) -> None:
    """Write `path` atomically (a temporary file, then a rename).

    Unlike report files, a cache needs no fsync: after a crash a missing or empty file
    is only a cache miss, and the flush to disk costs a cold run tens of milliseconds.
    """
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes 0600 files; a cache shared between CI users needs the usual mode.
        os.fchmod(fd, default_file_mode())
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def default_cache_dir() -> Path:
    """`$IMPORTAUDIT_CACHE_DIR`, else `.importaudit-cache` in the current directory."""
    configured = os.environ.get(ENV_CACHE_DIR)
    return Path(configured) if configured else Path.cwd() / DEFAULT_DIRNAME


def content_key(data: bytes) -> str:
    """The cache key of a file's bytes (SHA-256: hardware-accelerated on most CPUs)."""
    return hashlib.sha256(data).hexdigest()[:32]


def file_key(path: str) -> str | None:
    """The content key of the file at `path`, or None when it cannot be read.

    A `path` ending in the path separator stands for a directory: its key is that of
    its sorted entry names (what a lookup of a module in it depends on).
    """
    try:
        if path.endswith(os.sep):
            return content_key("\0".join(sorted(os.listdir(path))).encode())
        with open(path, "rb") as stream:
            return content_key(stream.read())
    except OSError:
        return None


#: Each kind's value (`EdgeKind.value` is a Python-level property: slower than a lookup).
_VALUES = {kind: kind.value for kind in EdgeKind}


def encode_scan(scan: FileScan) -> list[Any]:
    """A FileScan as compact JSON-able data (also what worker processes send back)."""
    values = _VALUES
    return [scan.error, scan.error_line,
            [[s.line, values[s.kind], s.module, s.level,
              list(s.names) if s.names is not None else None,
              s.anchor, int(s.guess), int(s.stub), int(s.provides), int(s.conditional),
              int(s.deferred)]
             for s in scan.statements]]


def decode_scan(data: Any) -> FileScan:
    """The inverse of `encode_scan`; raises ValueError/TypeError/KeyError on bad data."""
    error, error_line, rows = data
    statements = tuple(
        ImportStatement(int(line), _KINDS[kind], str(module), int(level),
                        tuple(names) if names is not None else None, anchor,
                        bool(guess), bool(stub), bool(provides), bool(conditional),
                        bool(later))
        for line, kind, module, level, names, anchor, guess, stub, provides, conditional,
        later in rows
    )
    return FileScan(statements, error, error_line)


class ScanCache:
    """File scans of one set of source directories, by content hash."""

    def __init__(self, directory: str | os.PathLike[str], roots: Iterable[str],
                 scanner: str = "fast") -> None:
        self.directory = Path(directory)
        # The grammar decides what parses, and the two scanners differ on broken files.
        identity = json.dumps([SCANNER_VERSION, _FORMAT, list(sys.version_info[:2]),
                               scanner, sorted(roots)])
        name = hashlib.sha256(identity.encode()).hexdigest()[:20]
        self.path = self.directory / f"scan-{name}.json"
        self._entries: dict[str, Any] = {}
        self._loaded = False

    def load(self) -> dict[str, Any]:
        """The cached entries (content hash -> encoded scan); empty when unreadable."""
        if not self._loaded:
            self._loaded = True
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                if isinstance(data, dict) and isinstance(data.get("entries"), dict):
                    self._entries = data["entries"]
            except (OSError, ValueError):
                self._entries = {}
        return self._entries

    def get(self, key: str) -> FileScan | None:
        """The cached scan of content `key`, or None (also for a damaged entry)."""
        raw = self.load().get(key)
        if raw is None:
            return None
        try:
            return decode_scan(raw)
        except (ValueError, TypeError, KeyError):
            return None

    def save(self, fresh: Mapping[str, str], kept: Iterable[str] = ()) -> None:
        """Replace the cache file (atomically); errors only cost speed.

        It then holds the `kept` entries of the loaded file and the `fresh` ones (key
        -> encoded scan as compact JSON text). Nothing is written when that is what
        the file holds already.
        """
        loaded = self.load()
        kept = [key for key in dict.fromkeys(kept) if key in loaded and key not in fresh]
        if not fresh and len(kept) == len(loaded):
            return
        dumps = json.JSONEncoder(separators=(",", ":")).encode
        parts = [f"{dumps(key)}:{dumps(loaded[key])}" for key in kept]
        parts += [f"{dumps(key)}:{value}" for key, value in fresh.items()]
        # What json.dumps({"format": ..., "entries": ...}) gives, without parsing the
        # fresh entries again.
        text = f'{{"format":{_FORMAT},"entries":{{{",".join(parts)}}}}}'
        with contextlib.suppress(OSError):
            self.prepare()
            _replace(self.path, text)
            self._loaded = False  # read again when asked

    def prepare(self) -> None:
        """Create the cache directory, tagged so backups and git leave it alone."""
        _prepare(self.directory)


# --------------------------------------------------------------------------- whole graphs


#: An edge as the graph cache stores it: nine little-endian 32-bit integers.
EDGE_ROW = struct.Struct("<9i")


def edge_row(edge: ImportEdge, index: dict[str, int]) -> bytes:
    """The bytes the graph cache stores for `edge`; new texts are added to `index`.

    (importer, imported, kind code (`KIND_ORDER`), file or -1, line or 0, names or -1,
    external, conditional, deferred),
    texts as their place in the string table. Names are identifiers, so "a,b" stands
    for ("a", "b") without ambiguity.
    """
    add = index.setdefault  # the text's index, a new one (the table's size) if new
    return EDGE_ROW.pack(
        add(edge.importer, len(index)), add(edge.imported, len(index)),
        KIND_ORDER[edge.kind], add(edge.file, len(index)) if edge.file else -1,
        edge.line or 0, add(",".join(edge.names), len(index)) if edge.names else -1,
        int(edge.external), int(edge.conditional), int(edge.deferred))


@dataclass(slots=True)
class EdgeRows:
    """The rows of a graph's edges (`edge_row`, in the graph's order) made as it was built.

    With their string table (extended when the graph is encoded).
    """

    index: dict[str, int]
    rows: Sequence[bytes]


def encode_graph(graph: StaticGraph, made: EdgeRows | None = None) -> dict[str, Any]:
    """A StaticGraph as compact JSON-able data.

    Names and paths are kept once, in a string table; each edge is a row of numbers
    (`edge_row`), all of them in one base64 text, which costs far less to write and
    read than JSON lists. `made`: the rows already made (by `GraphBuilder`, while it
    resolved).
    """
    if made is None:
        made = EdgeRows({}, [])
        made.rows = [edge_row(edge, made.index) for edge in graph.edges]
    index = made.index
    add = index.setdefault
    modules = [[add(n.name, len(index)), add(n.file, len(index)) if n.file else -1,
                int(n.is_package), int(n.external), int(n.namespace), int(n.compiled),
                add(n.source, len(index)) if n.source else -1] for n in graph.modules]
    if len(made.rows) != len(graph.edges):
        raise ValueError("one row per edge expected")
    packed = b"".join(made.rows)
    return {"strings": list(index), "roots": list(graph.roots), "modules": modules,
            "edges": binascii.b2a_base64(packed, newline=False).decode("ascii"),
            "kind_codes": [kind.value for kind in KIND_ORDER],  # a kind's code: its place
            "kinds": [k.value for k in graph.kinds],
            "problems": [[p.file, p.reason, p.line] for p in graph.problems],
            "notes": list(graph.notes)}


def decode_graph(data: Any) -> StaticGraph:
    """The inverse of `encode_graph`; raises ValueError/TypeError/KeyError/IndexError."""
    strings: list[str] = data["strings"]
    # -1 (no text) is the last place: None.
    texts: list[str | None] = [*strings, None]
    modules = tuple(ModuleNode(strings[name], texts[file], bool(package), bool(external),
                               bool(namespace), bool(compiled), texts[source])
                    for name, file, package, external, namespace, compiled, source
                    in data["modules"])
    kinds = [_KINDS[value] for value in data["kind_codes"]]
    # struct.error (a bad length) is no ValueError: say so in the terms callers expect.
    packed = binascii.a2b_base64(data["edges"])
    if len(packed) % EDGE_ROW.size:
        raise ValueError("damaged edge rows")
    edges: list[ImportEdge] = []
    if packed:
        # Column by column, each through C-level maps (`records.instances`): tens of
        # thousands of edges, one Python call each, were most of loading a graph.
        (importers, importeds, codes, files, lines, names, externals, conditionals,
         deferreds) = zip(*EDGE_ROW.iter_unpack(packed), strict=True)
        highest = [max(column) for column in (importers, importeds, files, names)]
        if min(importers) < 0 or min(importeds) < 0 or max(highest) >= len(strings):
            raise ValueError("damaged edge rows: a text out of the table")
        taken = {index: tuple(strings[index].split(",")) if index >= 0 else ()
                 for index in set(names)}
        text = texts.__getitem__
        edges = instances(ImportEdge, [
            list(map(text, importers)), list(map(text, importeds)),
            list(map(kinds.__getitem__, codes)), list(map(text, files)),
            [line or None for line in lines], list(map(taken.__getitem__, names)),
            list(map(bool, externals)), list(map(bool, conditionals)),
            list(map(bool, deferreds))])
    problems = tuple(ScanProblem(str(file), str(reason), line)
                     for file, reason, line in data["problems"])
    return StaticGraph(tuple(data["roots"]), modules, tuple(edges), problems,
                       tuple(_KINDS[k] for k in data["kinds"]),
                       notes=tuple(str(note) for note in data["notes"]),
                       imports_unknown=tuple(m.name for m in modules
                                             if m.compiled and m.source is None))


class GraphCache:
    """The last graph built from one set of directories, valid for one exact input."""

    def __init__(self, scans: ScanCache) -> None:
        self.path = scans.path.with_name(scans.path.name.replace("scan-", "graph-", 1))
        self.scans = scans

    def load(self, digest: str) -> StaticGraph | None:
        """The graph stored under `digest`, or None (missing, stale or damaged).

        Stale also when a file it was built from outside the digest (a `.pyi` stub)
        has another content now.
        """
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if (not isinstance(data, dict) or data.get("format") != _FORMAT
                    or data.get("digest") != digest):
                return None
            if any(file_key(path) != key for path, key in data["stubs"].items()):
                return None
            return decode_graph(data["graph"])
        except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError):
            return None

    def save(self, digest: str, graph: StaticGraph,
             stubs: Mapping[str, str | None] | None = None,
             made: EdgeRows | None = None) -> None:
        """Store `graph` under `digest` (atomically); errors only cost speed.

        `stubs` maps the other files the graph was read from to their content keys;
        `made` is as `encode_graph` takes it.
        """
        text = json.dumps({"format": _FORMAT, "digest": digest, "stubs": dict(stubs or {}),
                           "graph": encode_graph(graph, made)}, separators=(",", ":"))
        with contextlib.suppress(OSError):
            self.scans.prepare()
            _replace(self.path, text)
