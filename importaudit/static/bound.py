"""Which names a module's body binds, and on which line each is first bound.

The cycle analysis asks: when a module `x` is half-initialised, because a statement of
its body imported something that imports `x` back, does `x` already have `name`? That
is so when `name` was bound by a statement before that one. This reads the module's
source (never runs it) and returns, for each name its body surely binds at import time,
the first line that binds it: definitions, assignments, import statements, `for` and
`with` targets. A binding under `if TYPE_CHECKING:` (in any spelling the static
scanner's one classifier knows, `scan.classify_test`) or `if __name__ == "__main__":`
never runs on import; one under another `if` counts only when both branches bind it;
one in a `try` body counts (the `except` side is where the body already failed).
Function and class bodies bind nothing in the module.

`bound_before` answers the question for many modules and lines, reading each file once.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, overload

from importaudit.guards import Bindings, Guard, classify_test
from importaudit.static.fastscan import starts_statement
from importaudit.static.scan import quiet_parse

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping


def _targets(node: ast.expr) -> Iterable[str]:
    if isinstance(node, ast.Name):
        yield node.id
    elif isinstance(node, ast.Tuple | ast.List):
        for element in node.elts:
            yield from _targets(element)
    elif isinstance(node, ast.Starred):
        yield from _targets(node.value)


def _merge(into: dict[str, int], names: dict[str, int]) -> None:
    for name, line in names.items():
        if name not in into or line < into[name]:
            into[name] = line


def _statement(node: ast.stmt, guards: Bindings) -> dict[str, int]:  # noqa: PLR0911  (one return per statement kind)
    """Names one module-level statement binds, with the line of each binding."""
    line = node.lineno
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name: line}
    if isinstance(node, ast.Assign):
        return {n: line for target in node.targets for n in _targets(target)}
    if isinstance(node, ast.AnnAssign | ast.AugAssign):
        if isinstance(node, ast.AnnAssign) and node.value is None:
            return {}  # `x: int` alone binds nothing
        return dict.fromkeys(_targets(node.target), line)
    if isinstance(node, ast.Import):
        return {(a.asname or a.name.partition(".")[0]): line for a in node.names}
    if isinstance(node, ast.ImportFrom):
        return {(a.asname or a.name): line for a in node.names if a.name != "*"}
    if isinstance(node, ast.If):
        guard = classify_test(node.test, guards)
        if guard in (Guard.TYPE_CHECKING, Guard.MAIN):
            return _body(node.orelse, guards)  # the body never runs on import
        if guard is Guard.NOT_TYPE_CHECKING:
            return _body(node.body, guards)  # the else branch is for type checkers only
        body, orelse = _body(node.body, guards), _body(node.orelse, guards)
        return {n: max(body[n], orelse[n]) for n in body.keys() & orelse.keys()}
    if isinstance(node, ast.Try):
        names = _body(node.body, guards)
        _merge(names, _body(node.finalbody, guards))
        return names
    if isinstance(node, ast.For | ast.AsyncFor):
        names = dict.fromkeys(_targets(node.target), line)
        _merge(names, _body(node.body, guards))
        return names
    if isinstance(node, ast.With | ast.AsyncWith):
        names = {n: line for item in node.items if item.optional_vars is not None
                 for n in _targets(item.optional_vars)}
        _merge(names, _body(node.body, guards))
        return names
    return {}


def _body(statements: list[ast.stmt], guards: Bindings) -> dict[str, int]:
    names: dict[str, int] = {}
    for node in statements:
        _merge(names, _statement(node, guards))
    return names


@overload
def bound_lines(source: bytes) -> dict[str, int]: ...
@overload
def bound_lines(source: bytes, *, strict: Literal[True]) -> dict[str, int] | None: ...


def bound_lines(source: bytes, *, strict: bool = False) -> dict[str, int] | None:
    """Each name the module body surely binds at import time -> the first line binding it.

    For a file that does not parse: {} (nothing is known to be bound), or None if
    `strict` (the caller has a better source to try).
    """
    try:
        tree = quiet_parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None if strict else {}
    guards = Bindings()  # what `if` tests mean, learned file-wide as the scanners do
    for node in _imports(tree.body):
        guards.learn(node)
    return _body(tree.body, guards)


#: The fields of a statement that hold statements (`handlers`: except clauses, `cases`:
#: match cases, each with a `body`).
_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")


def _imports(statements: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement among `statements` and the blocks inside them.

    Imports are statements, so only blocks need visiting, not expressions: a fraction
    of `ast.walk`'s nodes. (What `Bindings` learns does not depend on the order.)
    """
    for node in statements:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
            continue
        for field in _BLOCKS:
            inner = getattr(node, field, None)
            if inner:
                yield from _imports(inner)


# Bytes that can continue a name: ASCII word characters, and every byte of a UTF-8
# encoded non-ASCII character (a name's other characters may be those).
_NAME_BYTE = rb"[\w\x80-\xff]"


def appears(source: bytes, name: str, end: int) -> bool:
    """Whether `name` occurs as a word in source[:end]: a name it binds there must.

    A word is a run of ASCII word characters, so a non-ASCII name never counts as one
    here (it is then never proven bound: the cautious answer).
    """
    if not name.isascii():
        return False
    word = name.encode()
    size = len(word)
    pos = source.find(word, 0, end)
    while pos >= 0:
        edges = source[pos - 1:pos] + source[pos + size:min(pos + size + 1, end)]
        if _WORD_BYTE.search(edges) is None:
            return True
        pos = source.find(word, pos + 1, end)
    return False


_WORD_BYTE = re.compile(rb"\w")


# A statement that binds a name, at the start of a line: `def`, `async def` or `class`
# NAME, or a plain assignment (`NAME = ...`, or `NAME: annotation = ...` when the
# annotation is made of names, dots, commas, brackets and `|`). The name is group 1 or 2.
_BINDING = (rb"(?:(?:(?:async[ \t]+)?def|class)[ \t]+([A-Za-z_][A-Za-z0-9_]*)(?!" + _NAME_BYTE
            + rb")|([A-Za-z_][A-Za-z0-9_]*)[ \t]*(?::[\w. \t,|\[\]]*)?=(?!=))")
# After the newline that ends the line before: a literal first character lets the
# regular-expression engine jump from newline to newline. (The first line is searched
# with a newline put before it: one pattern, compiled once per process, costs half a
# millisecond of a CLI run.)
_BINDING_LINE = re.compile(rb"\n" + _BINDING)

#: Name -> (where the line starts, where the statement's text matched ends), for each
#: line of a module that starts with a statement binding the name (`_BINDING`).
Definitions = dict[str, list[tuple[int, int]]]


def definitions(source: bytes, upto: int | None = None,
                known: Definitions | None = None, since: int = 0) -> Definitions:
    """Every line of source[:upto] that starts with a statement binding a name, by name.

    One search answers every name asked about a file (`defined_before`): a pattern
    per name cost more to compile (about 0.15 ms) than a search costs. `upto` (where a
    line starts) and `since` (where the last search of `known` stopped) let a caller
    read a file only as far as it was asked about, adding to `known`.
    """
    found: Definitions = known if known is not None else {}
    stop = len(source) if upto is None else upto
    if since == 0:
        newline = source.find(b"\n", 0, stop)
        first = _BINDING_LINE.match(b"\n" + source[:stop if newline < 0 else newline + 1])
        if first is not None:
            name = (first.group(1) or first.group(2)).decode("ascii")
            found[name] = [(0, first.end() - 1)]
    # From the newline before `since`: the line starting there was not searched yet.
    for match in _BINDING_LINE.finditer(source, max(since - 1, 0), stop):
        name = (match.group(1) or match.group(2)).decode("ascii")
        found.setdefault(name, []).append((match.start() + 1, match.end()))
    return found


def defined_before(source: bytes, name: str, end: int,
                   known: Definitions | None = None) -> bool:
    """Whether a module-level definition or assignment binds `name` in source[:end].

    `end` is where a line starts (or the source's length). Read as text: a line
    starting, in its first column, with `def NAME`, `class NAME` or `NAME = `
    (`_BINDING`) is a statement of the module body when a logical line starts there
    (outside strings and brackets, no backslash before: `fastscan.starts_statement`).
    So `bound_lines` of any piece of the file that parses and holds that line binds
    `name` there, and nothing needs parsing. A file with lone carriage returns (lines
    `ast` counts differently) is not read this way. `known`: `definitions(source)`,
    when the caller keeps it.
    """
    if not (name.isascii() and name.isidentifier()) or b"\r" in source:
        return False
    lines = (known if known is not None else definitions(source)).get(name, ())
    return any(starts_statement(source, start) for start, stop in lines if stop <= end)


# Every name -> whether the module binds all of them before the given line.
Bound = Callable[[str, "Iterable[str]", int], bool]


def bound_before(files: Mapping[str, str | None]) -> Bound:
    """Whether a module binds names before a line; each file read once.

    Three shortcuts spare parsing whole files. A name that does not even appear as a
    word in the lines before cannot be bound there. A `def` or `class` of the name in
    the first column, outside strings, binds it (`defined_before`). And only the
    lines before are parsed when they parse on their own: a compound statement cut
    short either fails to parse (then the whole file is) or, an `if` without its
    `else`, binds less, as the whole file does before that line (its bindings count
    from the line of the last branch).
    """
    return _Reader(files).bound


# Bytes read first of a file the check asks about: the way back usually starts among
# its first imports (sympy: half the lines asked about start within 250 bytes, while
# the 245 files asked about hold 7 MB; holding them whole cost more in fresh memory
# than reading).
_HEAD = 8192


def _line_start(data: bytes, before: int | None, whole: bool) -> int | None:
    """Where line `before` starts in `data`, the source (`whole`) or its start.

    The source's length when its lines end first (or `before` is None); None when
    `data`, only the start of the source, does.
    """
    if before is not None:
        lines = data.split(b"\n", before - 1) if before > 1 else [data]
        if len(lines) == before:
            return len(data) - len(lines[-1])
    return len(data) if whole else None


# The string literal a module starts with (its docstring, usually), after blank and
# comment lines only: triple-quoted, plain or raw (`fastscan`'s pattern for those).
_LEADING_STRING = re.compile(
    rb"(?:\xef\xbb\xbf)?(?:[ \t\f]*(?:#[^\n]*)?\n)*[ \t\f]*[rRuU]?"
    rb'(?:"""[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*"""'
    rb"|'''[^'\\]*(?:(?:\\[\s\S]|'(?!''))[^'\\]*)*''')")


def _code_after_string(source: bytes, end: int) -> bytes | None:
    """source[:end] after the string literal it starts with (None: it starts otherwise).

    A name that occurs before `end` only in that string (or in a comment before it) is
    bound by nothing before `end` when that text is all the code there is: a binding
    is a name in the code (and a definition `defined_before` finds is one); see
    `_plainly_code`.
    """
    string = _LEADING_STRING.match(source, 0, end)
    return None if string is None else source[string.end():end]


def _plainly_code(source: bytes, end: int, whole: bool, code: bytes) -> bool:
    """Whether `code`, source[:end] after its first string, is all the code there is.

    That is so when it is ASCII (a non-ASCII name can mean an ASCII one, NFKC), `ast`
    counts the same lines (no carriage return), and a statement starts at `end` (none
    runs across it, so the whole file, parsed when the lines before do not parse
    alone, binds nothing before `end` either). `source` may be only the source's
    start (not `whole`) holding its first two lines (where an encoding is declared).
    """
    return (code.isascii() and b"\r" not in source[:end]
            and (whole or source.count(b"\n", 0, _HEAD) >= 2)
            and starts_statement(source, end))


def _read(path: str, before: int | None, head: bytes) -> tuple[bytes, bool, int | None]:
    """The file's first `_HEAD` bytes, or all of it if line `before` starts later.

    Also whether that is all of it, and where line `before` starts (`_line_start`).
    `head`: its start, read already (then only the rest is read). A file descriptor
    rather than `open`: a file object costs a few microseconds more than the read
    itself, and the check reads a few hundred files.
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        if head:
            os.lseek(fd, len(head), os.SEEK_SET)
            data, whole, end = head, False, None
        else:
            data = os.read(fd, _HEAD)
            while len(data) < _HEAD and (more := os.read(fd, _HEAD - len(data))):
                data += more  # (not on a regular file: a short read is its end)
            whole = len(data) < _HEAD
            end = _line_start(data, before, whole)
        if end is None:
            chunks = [data]
            while chunk := os.read(fd, 1 << 20):
                chunks.append(chunk)
            data, whole = b"".join(chunks), True
    finally:
        os.close(fd)
    return data, whole, end


class _Question:
    """What is known of one module's lines before one line, name by name."""

    __slots__ = ("code", "defined", "end", "head", "lines", "looked", "mentions", "plain")

    def __init__(self, head: bytes, end: int) -> None:
        self.head = head  # the source's start, at least up to `end`
        self.end = end  # where the line starts
        self.mentions: dict[str, bool] = {}  # whether the name occurs as a word before
        self.defined: dict[str, bool] = {}  # whether a definition binds it before (text)
        self.looked = False  # whether `code` was looked for
        self.code: bytes | None = None  # `_code_after_string`
        self.plain: bool | None = None  # `_plainly_code` (None: not asked yet)
        self.lines: Mapping[str, int] | None = None  # what parsing found bound, by name


class _Reader:
    """What `bound_before` learned of each module, so each question is asked once.

    A large tree asks thousands of questions, a few hundred of them distinct: each
    (module, line) keeps, by name, whether the name appears before the line and
    whether a definition binds it there. A file is read only as far as the lines
    asked about, unless a name appears there (then a definition or a parse may bind it).
    """

    def __init__(self, files: Mapping[str, str | None]) -> None:
        self.files = files
        # module -> its source's start, as far as read, and whether that is all of it
        self.sources: dict[str, tuple[bytes, bool]] = {}
        self.questions: dict[tuple[str, int], _Question] = {}
        # module -> `definitions` of its source, and how far they were searched
        self.tables: dict[str, tuple[Definitions, int]] = {}

    def source_of(self, module: str, before: int | None = None) -> tuple[bytes, int]:
        """The module's source, or its start up to line `before` at least; where that starts.

        (The source's length when it has no such line, or `before` is None.)
        """
        known = self.sources.get(module)
        if known is not None:
            end = _line_start(known[0], before, known[1])
            if end is not None:
                return known[0], end
        data, whole, end = b"", True, None
        path = self.files.get(module)
        if path:
            try:
                data, whole, end = _read(path, before, known[0] if known else b"")
            except OSError:
                data, whole, end = b"", True, None
        self.sources[module] = data, whole
        if end is None:
            end = _line_start(data, before, whole=True)
            assert end is not None  # (whole)
        return data, end

    def definitions(self, module: str, source: bytes, upto: int) -> Definitions:
        """The module's `definitions`, searched at least as far as `upto`.

        Only as far as asked: the way back usually starts among the first imports.
        """
        table, searched = self.tables.get(module, (None, 0))
        if table is None or searched < upto:
            table = definitions(source, upto, table, searched)
            self.tables[module] = (table, upto)
        return table

    def in_docstring_only(self, module: str, question: _Question, names: list[str]) -> bool:
        """Whether one of `names` occurs before the line only in the module's docstring.

        Such a name (sympy: most of those a definition does not bind) is bound by
        nothing there: known from the lines before, the whole file unread.
        """
        if not question.looked:
            question.looked = True
            question.code = _code_after_string(question.head, question.end)
        code = question.code
        if code is None or all(appears(code, name, len(code)) for name in names):
            return False
        if question.plain is None:
            question.plain = _plainly_code(question.head, question.end,
                                           self.sources[module][1], code)
        return question.plain

    def bound(self, module: str, names: Iterable[str], before: int) -> bool:
        names = list(names)
        question = self.questions.get((module, before))
        if question is None:
            question = self.questions[module, before] = _Question(
                *self.source_of(module, before))
        seen = question.mentions
        for name in names:
            known = seen.get(name)
            if known is None:
                known = seen[name] = appears(question.head, name, question.end)
            if not known:
                return False
        if self.in_docstring_only(module, question, names):
            return False
        # Now the whole source counts (`defined_before` looks at all of it for what
        # would make reading it as text unsafe).
        source, _ = self.source_of(module)
        end = question.end
        defined = question.defined
        unproven = []
        for name in names:
            known = defined.get(name)
            if known is None:
                known = defined[name] = defined_before(
                    source, name, end, self.definitions(module, source, end))
            if not known:
                unproven.append(name)
        if not unproven:
            return True
        lines = question.lines
        if lines is None:
            # The lines before `before` (a final newline changes nothing parsed).
            found = bound_lines(source[:end], strict=True)
            lines = question.lines = bound_lines(source) if found is None else found
        return all(lines.get(name, before) < before for name in unproven)
