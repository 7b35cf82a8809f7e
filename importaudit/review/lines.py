"""Which module-level statements a body's measured time went into (the sampled lines).

The probe samples, on a timer of CPU time in the warm-up run, the line each module body
is running (`ModuleRecord.lines`): a line inside a statement over several lines, a line
of a loop's body, the line of a class statement while its body runs. Here those lines
are charged to the statements the module's own frame runs: the statements at module
level and those inside the `if`, `try` and `with` blocks there (their headers count as
the block's), a loop and a function or class definition being one statement each. The
shares are of all the time sampled in the module's import, its time outside its
statements (loading its code) included, unless the sampled run compiled its source
(wrote its .pyc): the measured runs do not, and the probe leaves that time out.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

    from importaudit.model import ModuleRecord

#: Fewer samples than this in a body say too little to name a statement.
MIN_SAMPLES = 5
#: A statement with less than this share of the sampled time is not named as costly.
MIN_SHARE = 0.1
#: Nor one that fewer samples than this landed in: in openai's response_input_item, 7
#: samples over 40 model classes named three classes of one sample each, "about 15%",
#: by chance.
MIN_STATEMENT_SAMPLES = 2
#: How long a statement's quoted source may be in a message.
_QUOTE_CHARS = 60


@dataclass(frozen=True, slots=True)
class HotStatement:
    """A statement of a module body, and the share of its sampled time it took."""

    line: int  # where the statement starts (its first decorator's line for a definition)
    end_line: int
    source: str  # its source on one line, shortened: `sys.modules[__name__] = ...(...)`
    share: float  # of the module's sampled time, 0-1
    sampled_ns: int


_BLOCKS = (ast.If, ast.Try, ast.With, ast.AsyncWith)
_TRY_STAR = getattr(ast, "TryStar", None)  # 3.11+


def _units(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements the module frame runs, blocks (if/try/with) and what they hold."""
    for node in body:
        yield node
        if isinstance(node, _BLOCKS) or (_TRY_STAR is not None and isinstance(node, _TRY_STAR)):
            inner: list[ast.stmt] = [*getattr(node, "body", []), *getattr(node, "orelse", []),
                                     *getattr(node, "finalbody", [])]
            for handler in getattr(node, "handlers", []):
                inner.extend(handler.body)
            yield from _units(inner)


def _start(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", None)
    if decorators:
        return min([node.lineno, *(int(d.lineno) for d in decorators)])
    return node.lineno


_CLOSING = {"(": ")", "[": "]", "{": "}"}


def _closed(text: str) -> str:
    """`text` (a statement's first line) with `...` and the brackets it leaves open closed."""
    opened: list[str] = []
    quote = ""
    for char in text:
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#":
            break
        elif char in _CLOSING:
            opened.append(_CLOSING[char])
        elif opened and char == opened[-1]:
            opened.pop()
    return text + "..." + "".join(reversed(opened)) if opened else text + " ..."


def _quote(node: ast.stmt, lines: list[str]) -> str:
    """The statement's first line, `...` for the rest, shortened to `_QUOTE_CHARS`."""
    start = node.lineno  # a definition's own line, not its first decorator's
    text = lines[start - 1].strip() if start <= len(lines) else ""
    if (node.end_lineno or node.lineno) > start:
        text = _closed(text)
    if len(text) > _QUOTE_CHARS:
        text = text[:_QUOTE_CHARS - 3].rstrip() + "..."
    return text


def sampled_enough(record: ModuleRecord) -> bool:
    """Whether the body's samples are enough to say where its time went."""
    return record.samples is not None and record.samples >= MIN_SAMPLES \
        and bool(record.sampled_ns)


def hot_statements(record: ModuleRecord, path: str) -> list[HotStatement] | None:
    """The statements of the source at `path` that took `MIN_SHARE` of the body's samples.

    And that `MIN_STATEMENT_SAMPLES` samples at least landed in.

    Costliest first. None when nothing can be said: the body was not sampled enough
    (`sampled_enough`), or its source cannot be read or parsed. An empty list: sampled
    enough, and no statement took that share.
    """
    if not sampled_enough(record):
        return None
    from importaudit.static.scan import quiet_parse

    try:
        source = Path(path).read_bytes().decode("utf-8")
        tree = quiet_parse(source)
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError, RecursionError,
            MemoryError):
        return None
    lines = source.splitlines()
    # Innermost first: a block's statements before the block whose header also holds lines.
    spans = sorted(((_start(n), n.end_lineno or n.lineno, n) for n in _units(tree.body)),
                   key=lambda span: span[1] - span[0])
    charged: dict[int, tuple[ast.stmt, int, int]] = {}
    for sampled in record.lines:
        if sampled.line <= 0:
            continue
        for start, end, node in spans:
            if start <= sampled.line <= end:
                _, ns, count = charged.get(id(node), (node, 0, 0))
                charged[id(node)] = (node, ns + sampled.sampled_ns, count + sampled.samples)
                break
    total = record.sampled_ns or 1
    hot = [HotStatement(_start(node), node.end_lineno or node.lineno, _quote(node, lines),
                        ns / total, ns)
           for node, ns, count in charged.values()
           if ns >= MIN_SHARE * total and count >= MIN_STATEMENT_SAMPLES]
    return sorted(hot, key=lambda h: (-h.sampled_ns, h.line))


def loading_share(record: ModuleRecord) -> float:
    """The share of the sampled time spent outside the body's statements (loading its code)."""
    if not record.sampled_ns:
        return 0.0
    return sum(s.sampled_ns for s in record.lines if s.line <= 0) / record.sampled_ns
