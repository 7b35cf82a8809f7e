"""Read a `python -X importtime` log into the report model, so it renders like a profile.

The format (Python 3.7+) is one line per finished import on stderr::

    import time: self [us] | cumulative | imported package
    import time:       328 |        328 |     json.encoder
    import time:       196 |       1359 |   json

Nesting is shown by two spaces of indentation per level after the second `|`, and a
module is printed after the modules it imported, so a line at depth d adopts every
pending line deeper than d as its children. Python 3.14's `-X importtime=2` adds lines
whose numbers read `cached`: an import statement that found the module already loaded.
Those become later `importers` of that module (cache hits), never new loads.

Everything else on stderr (warnings, tracebacks, the program's own output) is ignored,
even an `import time:` line glued to the end of other output. Modules the interpreter
imported during start-up, up to and including the top-level `site` line, are marked
preloaded so totals match what `importaudit profile` attributes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from importaudit._version import __version__
from importaudit.errors import UsageError
from importaudit.model import ModuleRecord, Report, RunMeta

_MARK = "import time:"
_LINE = re.compile(
    r"import time:\s*(?P<self>\d+|cached)\s*\|\s*(?P<cum>\d+|cached)\s*\| (?P<indent> *)"
    r"(?P<name>[^\s|]+)\s*$"
)
_HEADER = re.compile(r"import time:\s*self \[us\]")
_EXCEPTION = re.compile(
    r"^(?:[A-Za-z_][\w.]*\.)?[A-Za-z_]\w*(?:Error|Exception|Exit|Interrupt)\b.*"
)

_NS_PER_US = 1000


@dataclass(slots=True)
class _Load:
    """One module load as the log shows it (mutable while the nesting is resolved)."""

    name: str
    self_us: int
    cumulative_us: int
    depth: int
    importer: str | None = None
    children: list[_Load] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Hit:
    """A 3.14 `cached` line: an import statement that found `name` already loaded."""

    name: str
    depth: int


@dataclass(slots=True)
class _Parse:
    """What one pass over the log collected."""

    loads: list[_Load] = field(default_factory=list)  # first load of each name, log order
    roots: list[_Load] = field(default_factory=list)  # loads nothing enclosed, log order
    hits: list[tuple[str, str]] = field(default_factory=list)  # (module, importer)
    reloads: int = 0
    unreadable: int = 0
    lines: int = 0


def _scan(text: str) -> _Parse:
    """Resolve nesting: each line adopts the pending entries deeper than itself."""
    result = _Parse()
    first: dict[str, _Load] = {}
    # pending[d]: entries at depth d still waiting for the line of the module that ran them
    pending: dict[int, list[_Load | _Hit]] = {}
    for raw in text.splitlines():
        at = raw.find(_MARK)
        if at < 0:
            continue
        line = raw[at:]
        match = _LINE.match(line)
        if match is None:
            if not _HEADER.match(line):
                result.unreadable += 1
            continue
        result.lines += 1
        depth = len(match["indent"]) // 2
        name = match["name"]
        if match["self"] == "cached" or match["cum"] == "cached":
            # Nothing runs inside a cache hit: it waits at its depth for the module
            # whose import statement it was, and adopts nothing.
            pending.setdefault(depth, []).append(_Hit(name, depth))
            continue
        entry = _Load(name, int(match["self"]), int(match["cum"]), depth)
        for level in sorted(d for d in pending if d > depth):
            for child in pending.pop(level):
                if isinstance(child, _Hit):
                    result.hits.append((child.name, name))
                else:
                    child.importer = name
                    entry.children.append(child)
        if name in first:
            result.reloads += 1
        else:
            first[name] = entry
            result.loads.append(entry)
        pending.setdefault(depth, []).append(entry)
    # Whatever is still pending had no enclosing line (top level, or a truncated log).
    for level in sorted(pending):
        result.roots.extend(e for e in pending[level] if isinstance(e, _Load))
    return result


def _last_exception(text: str) -> str | None:
    """Return the exception line that ends the log's last traceback, if it has one."""
    found = None
    in_traceback = False
    for raw in text.splitlines():
        if raw.startswith("Traceback (most recent call last)"):
            in_traceback = True
        elif in_traceback and _EXCEPTION.match(raw):
            found = raw.strip()
            in_traceback = False
    return found


def _startup_names(roots: list[_Load]) -> set[str]:
    """Modules of the top-level entries up to and including `site` (interpreter start-up)."""
    names: set[str] = set()
    for index, root in enumerate(roots):
        if root.name == "site" and root.depth == 0:
            stack = list(roots[: index + 1])
            while stack:
                load = stack.pop()
                names.add(load.name)
                stack.extend(load.children)
            break
    return names


def parse_importtime(text: str, source: str = "<importtime log>") -> Report:
    """Turn the text of a `-X importtime` log into a Report (meta.mode "importtime").

    Raises UsageError when the text holds no importtime line at all.
    """
    parsed = _scan(text)
    if not parsed.loads:
        detail = " (only `cached` lines)" if parsed.lines else ""
        raise UsageError(
            f"{source}: no `python -X importtime` lines found{detail}; "
            "create the log with `python -X importtime -c 'import X' 2> LOG`"
        )
    startup = _startup_names(parsed.roots)

    # Start order: a module starts before its children and after its earlier siblings,
    # so a pre-order walk of the rebuilt tree recovers it (the log is in finish order).
    order: dict[int, int] = {}
    stack = list(reversed(parsed.roots))
    while stack:
        load = stack.pop()
        if id(load) in order:
            continue
        order[id(load)] = len(order)
        stack.extend(reversed(load.children))

    hits: dict[str, list[str]] = {}
    for module, importer in parsed.hits:
        hits.setdefault(module, []).append(importer)

    records: list[ModuleRecord] = []
    known = {load.name for load in parsed.loads}
    for load in parsed.loads:
        importers = [load.importer] if load.importer is not None else []
        importers += [i for i in hits.pop(load.name, ()) if i not in (*importers, load.name)]
        records.append(_record(load, order[id(load)], tuple(dict.fromkeys(importers)),
                               preloaded=load.name in startup))
    # Cache hits on modules the log never shows loading (sys, builtins, ...): those were
    # loaded by the interpreter before any import was timed.
    for extra, name in enumerate(sorted(hits)):
        if name not in known:
            records.append(ModuleRecord(
                name=name, importers=tuple(dict.fromkeys(hits[name])),
                order=len(order) + extra, preloaded=True,
            ))
    # Positions among the records only (repeated lines took numbers too).
    records = [replace(r, order=i) for i, r in enumerate(sorted(records, key=lambda r: r.order))]

    notes = [
        f"read from a `python -X importtime` log ({source}): one run as printed, "
        "no warm-up, repeats or memory measurement"
    ]
    if startup:
        notes.append(
            f"{len(startup)} modules imported during interpreter start-up (up to `site`) "
            "are listed as preloaded and not counted"
        )
    if parsed.hits:
        notes.append(
            f"{len(parsed.hits)} `cached` lines (-X importtime=2) recorded as cache hits"
        )
    if parsed.reloads:
        notes.append(f"{parsed.reloads} more lines name modules listed already (imports "
                     "retried after failing, or reloaded); only the first is shown")
    if parsed.unreadable:
        notes.append(f"{parsed.unreadable} unreadable `import time:` lines were skipped")
    exception = _last_exception(text)
    if exception:
        notes.append(f"the log contains a traceback ending in {exception!r}; "
                     "the importtime format does not say which module raised it")

    startup_roots = [r for r in parsed.roots if r.name in startup and r.depth == 0]
    meta = RunMeta(
        python="unknown",
        python_version="unknown",
        platform="unknown",
        mode="importtime",
        repeats=1,
        warmup=False,
        memory=False,
        startup_ns=sum(r.cumulative_us for r in startup_roots) * _NS_PER_US if startup else None,
        notes=tuple(notes),
    )
    targets = tuple(r.name for r in parsed.roots if r.depth == 0 and r.name not in startup)
    return Report(
        targets=targets,
        tool_version=__version__,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        meta=meta,
        modules=tuple(records),
    )


def _record(
    load: _Load, order: int, importers: tuple[str, ...], *, preloaded: bool
) -> ModuleRecord:
    self_ns = load.self_us * _NS_PER_US
    cumulative_ns = load.cumulative_us * _NS_PER_US
    return ModuleRecord(
        name=load.name,
        importer=load.importer,
        importers=importers,
        order=order,
        depth=load.depth,
        self_ns=self_ns,
        cumulative_ns=cumulative_ns,
        # One run: its value is also the smallest and the largest seen.
        self_ns_min=self_ns,
        self_ns_max=self_ns,
        cumulative_ns_min=cumulative_ns,
        cumulative_ns_max=cumulative_ns,
        preloaded=preloaded,
        runs=1,
    )


def read_importtime(path: str | Path) -> Report:
    """Read the `-X importtime` log at `path` (UsageError if missing or not such a log)."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise UsageError(f"importtime log not found: {source}") from None
    except IsADirectoryError:
        raise UsageError(f"importtime log is a directory, not a file: {source}") from None
    except OSError as exc:
        raise UsageError(f"cannot read importtime log {source}: {exc.strerror or exc}") from None
    return parse_importtime(text, source=source)
