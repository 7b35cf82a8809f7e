"""The fast scanner: parse only the statements of a file that can import something.

A plain `ast.parse` of every file of a large tree costs seconds (sympy: 26 MB, ~6 s
on a 2-core machine), yet most of a file is not imports. This scanner finds the text
that can hold an import (`import`/`from` at the start of a statement, `import_module`,
`__import__`, `attach`, a `def __getattr__`) with word searches, cuts the file into
statements at lines that start at the block's indentation, and parses only the
statements that contain such text (a run of plain import lines is read by a strict
pattern instead). A large `def` or `class` is not parsed whole:
its header is parsed alone (with `pass` as body) and its body is cut the same way, one
level deeper, so a deferred import inside one method of a large class costs the parse
of that method only.

Cutting at indentation is a heuristic; what keeps it exact is that every piece is
parsed by `ast`, and a statement is only cut where the text before it has balanced
brackets and an even number of triple quotes. Whenever anything is off (a piece does
not parse, a module-level `__getattr__` whose lazy map needs the whole module, an
assignment to `__getattr__` (maybe a package's own copy of lazy_loader's `attach`), an
unusual alias of `import_module`, a file that is not clean UTF-8 or declared
encoding), the file goes to the reference scanner in `scan`, so the result is the
reference's. What the fast path cannot see is a syntax error in text it never parses:
such a file yields the edges of the statements that do parse instead of an error.
"""

from __future__ import annotations

import ast
import bisect
import keyword
import re
import tokenize
import warnings
from collections.abc import Callable
from functools import lru_cache
from io import BytesIO
from typing import Any

from importaudit.guards import Bindings
from importaudit.model import EdgeKind
from importaudit.static.scan import (
    MODULE,
    Ctx,
    FileScan,
    ImportStatement,
    binds_getattr,
    call_statements,
    can_give,
    class_context,
    computed_imports,
    conditional,
    deferred,
    function_context,
    guarded_context,
    if_contexts,
    import_statements,
    is_attach,
    is_module_getattr,
    named_function_context,
    scan_reference,
    statement_kind,
    try_body_context,
    with_body_context,
)

# Words that can make a statement import something. Each occurrence of "import" is
# then checked: `import_module(`, `__import__(`, or the keyword at the start of a
# logical line (after indentation, `;` or a one-line header's `:`, maybe after
# `from X` or PEP 810's `lazy`). A doctest line `>>> from x import y` is not one.
# `from X` may be spelt `from . mod`, `from a . b` or run over backslash-continued
# lines: matching more than a statement start only costs a parse, missing one loses
# an edge.
# `attach` and `attach_stub` (lazy_loader) count only as whole names: "attachment" or
# "_attach" cannot be a call of either.
_OTHER_WORDS = ("attach", "__getattr__")
# Runs such as (?:[ \t\f]|\\\n)* are spelt "unrolled", [ \t\f]*(?:\\\n[ \t\f]*)*: the same
# text, matched by a tight loop over a character class instead of a branch per character.
_PREFIX_REST = (r"[ \t\f]*(?:\\\n[ \t\f]*)*"
                r"(?:lazy(?=[ \t\f]|\\\n)[ \t\f]*(?:\\\n[ \t\f]*)*)?"
                r"(?:from\b[\w. \t\f]*(?:\\\n[\w. \t\f]*)*)?\Z")
_IMPORT_PREFIX = re.compile(r"(?:^|[;:])" + _PREFIX_REST, re.MULTILINE)
# The same from a line's start only: one attempt, where a search tries every position
# of a long line (most lines that say "import" and start no statement are prose).
_IMPORT_LINE_PREFIX = re.compile(_PREFIX_REST)
# Text that makes a statement's expressions worth walking for calls.
_CALLS = re.compile(r"import_module|__import__|attach")
_COMPOUND = re.compile(
    r"[ \t]*(?:@|async[ \t]+(?:def|for|with)\b|(?:def|class|if|for|while|with)\b)")
_BRANCH = re.compile(r"[ \t]*(?:async[ \t]+)?(?:if|for|while)\b")
_IF = re.compile(r"[ \t]*if\b")
_ELSE_LINE = re.compile(r"else[ \t]*:[ \t]*(?:#[^\n]*)?\n")
# A statement that is one plain (not f-) triple-quoted string: a docstring, which
# may mention imports without making any.
_DOCSTRING = re.compile(r"[ \t]*[rRbBuU]{0,2}(\"\"\"|\'\'\')")
_BLANK_OR_COMMENTS = re.compile(r"(?:\s*#[^\n]*)*\s*")
_DECORATOR = re.compile(r"[ \t]*@")
# The end of a compound statement's header: a colon ending a line (maybe a comment after).
_HEADER_END = re.compile(r":[ \t]*(?:#[^\n]*)?\n")
_CODE_LINE = re.compile(r"^([ \t]*)[^ \t\n\f#]", re.MULTILINE)
_CODING = re.compile(rb"coding[:=]")
# Strings (triple-quoted first) and comments, to count brackets without them. Each
# string is matched as a run of ordinary characters, then escapes or lone quotes each
# followed by another run ("unrolled"): the engine then moves over a long docstring
# in one tight loop instead of trying an alternative at every character.
_NOISE = re.compile(
    r'"""[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*"""'
    r"|'''[^'\\]*(?:(?:\\[\s\S]|'(?!''))[^'\\]*)*'''"
    r'|"[^"\\\n]*(?:\\[\s\S][^"\\\n]*)*"'
    r"|'[^'\\\n]*(?:\\[\s\S][^'\\\n]*)*'"
    r"|#[^\n]*"
)
_NOISE_BYTES = re.compile(_NOISE.pattern.encode())
# `sys.modules[__name__] = ...` (`scan.LazyPackage`), loosely: text that merely looks
# like it costs a whole-file parse, missing it would lose what the module gives.
_SELF_REPLACEMENT = re.compile(r"modules\s*\[[\s(]*__name__")


def starts_statement(source: bytes, end: int) -> bool:
    r"""Whether a logical line of UTF-8 `source` starts at `end` (a line start).

    That is, the text before it is outside every string and bracket and does not end
    with a backslash continuation: read as `_clean_end` reads text, on the bytes (UTF-8
    never uses an ASCII byte inside another character). False for a file that
    declares an encoding: some (Shift JIS) use `\` inside their characters.
    """
    head_end = source.find(b"\n", source.find(b"\n") + 1)
    if _CODING.search(source, 0, head_end if head_end >= 0 else len(source)):
        return False
    if source[:end].rstrip(_WHITESPACE.encode()).endswith(b"\\"):
        return False
    code = _NOISE_BYTES.sub(b"", source[:end])
    return (b'"' not in code and b"'" not in code
            and code.count(b"(") + code.count(b"[") + code.count(b"{")
            == code.count(b")") + code.count(b"]") + code.count(b"}"))


# Plain import statements, read without `ast`: one to a line (parenthesized names may
# run over lines and hold comments), ASCII names, spaces or tabs between words.
# Anything else (a backslash, a `;`, `from .import x`) does not match and is parsed.
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_DOTTED = rf"{_NAME}(?:\.{_NAME})*"
_AS = rf"(?:[ \t]+as[ \t]+{_NAME})?"
# Between parenthesized names. A comment runs to the end of its line: a `)` in it
# closes nothing.
_GAP = r"[ \t\n]*(?:#[^\n]*\n[ \t\n]*)*"  # unrolled, as _PREFIX_REST
_LINE_END = r"[ \t]*(?:#[^\n]*)?(?:\n|\Z)"
_PLAIN_IMPORT = re.compile(
    rf"import[ \t]+({_DOTTED}{_AS}(?:[ \t]*,[ \t]*{_DOTTED}{_AS})*){_LINE_END}"
    rf"|from[ \t]+(\.*)({_DOTTED})?[ \t]+import[ \t]*"
    rf"(?:(\*)|({_NAME}{_AS}(?:[ \t]*,[ \t]*{_NAME}{_AS})*)"
    rf"|\(({_GAP}{_NAME}{_AS}(?:{_GAP},{_GAP}{_NAME}{_AS})*{_GAP},?{_GAP})\)){_LINE_END}")
_EMPTY_LINE = re.compile(r"[ \t]*(?:#[^\n]*)?\n")
_COMMENT = re.compile(r"#[^\n]*")
#: Words `ast` refuses as names (`keyword.kwlist` holds the others).
_NOT_NAMES = frozenset((*keyword.kwlist, "__debug__"))

# Plain def and class headers, read without `ast`: a header is parsed alone when its
# body is scanned apart (see `_split`), and such a parse costs 15-30 us, a third of the
# parses of a tree like Django's, to learn only whether it is a def or a class and the
# def's name. Plain: simple decorators (`@name.attr`), parameters with simple
# annotations (`x: int | None`, `list[str]`) and defaults (numbers, names, short
# strings), bases and keywords that are names; anything else is parsed. `_header_kind`
# checks the rest of what `ast` would (order of parameters, keywords used as names).
_S = r"[ \t]*"
_W = r"[ \t\n]*"  # inside brackets, lines may break
_ATOM = (rf"(?:{_DOTTED}(?:{_S}\[{_W}{_DOTTED}(?:{_W},{_W}{_DOTTED})*{_W},?{_W}\])?"
         rf"|\"{_DOTTED}\"|'{_DOTTED}')")
_ANNOTATION = rf"{_ATOM}(?:{_W}\|{_W}{_ATOM})*"
_RETURNS = rf"{_ATOM}(?:{_S}\|{_S}{_ATOM})*"  # outside brackets: no line breaks
_DEFAULT = rf"(?:-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?|{_DOTTED}|\"[\w .-]*\"|'[\w .-]*')"
_HEADER_LINE_END = rf"{_S}:{_S}(?:#[^\n]*)?\n"
_DEF_HEAD = re.compile(rf"(?:async[ \t]+)?def[ \t]+({_NAME}){_S}\(([^()]*)\)"
                       rf"{_S}(?:->{_S}{_RETURNS})?{_HEADER_LINE_END}")
_CLASS_HEAD = re.compile(rf"class[ \t]+({_NAME}){_S}(?:\(([^()]*)\))?{_HEADER_LINE_END}")
# One parameter and the comma after it: (stars, name, default, bare `*`, `/`, comma).
_PARAMETER = re.compile(
    rf"{_W}(?:(\*\*?)?{_S}({_NAME})(?:{_W}:{_W}{_ANNOTATION})?(?:{_W}=({_W}{_DEFAULT}))?"
    rf"|(\*)|(/)){_W}(,?)")
# One base or keyword of a class and the comma after it: (keyword, comma).
_BASE = re.compile(rf"{_W}(?:({_NAME}){_S}={_S})?{_DOTTED}{_W}(,?)")
_WORD = re.compile(_NAME)
_CONSTANTS = frozenset(("None", "True", "False"))
_ATTRIBUTE_CONSTANT = re.compile(r"\.[ \t]*(?:None|True|False)\b")

#: Statements larger than this (characters) are split into header and body when they
#: are a def or class: parsing a short statement whole is cheaper than cutting it.
_SPLIT_ABOVE = 300
#: Lines `_Cuts.before` steps up, one at a time, before it searches forward instead.
_STEPS = 8
#: A header longer than this is not looked for: the statement is parsed whole.
_MAX_HEADER = 4000
_WHITESPACE = " \t\n\f"


class _WholeFile(Exception):
    """Raised inside the fast path when the file must go to the reference scanner."""


@lru_cache(maxsize=64)
def _boundary(indent: str) -> re.Pattern[str]:
    """Lines that can start a statement of a block indented by `indent`.

    The match starts at the newline before the line (a literal first character lets
    the regex engine skip ahead quickly); the statement starts one character later.
    """
    return re.compile(
        "\n" + re.escape(indent) + r"(?=[^\s#)\]}])(?!(?:else|elif|except|finally)\b)")


@lru_cache(maxsize=64)
def _else(indent: str) -> re.Pattern[str]:
    """An `else`/`elif` line of a block indented by `indent`."""
    return re.compile("\n" + re.escape(indent) + r"(?:else|elif)\b")


def _triggers(text: str) -> list[int]:
    """Positions of the words that can make the statement around them import."""
    found: list[int] = []
    find, rfind, at_line, prefix = (text.find, text.rfind, _IMPORT_LINE_PREFIX.match,
                                    _IMPORT_PREFIX.search)
    # str.find looks for a word about twice as fast as a regular expression does.
    pos = find("import")
    while pos >= 0:
        after = text[pos + 6:pos + 13]
        if after.startswith("_module") or text[pos - 2:pos] == "__":
            found.append(pos)
        elif not (after[:1].isidentifier() or after[:1].isdigit()):  # "imports"
            line_start = rfind("\n", 0, pos) + 1
            while line_start >= 2 and text[line_start - 2] == "\\":
                # The logical line started above: `from \` / `    pkg import name`.
                line_start = rfind("\n", 0, line_start - 2) + 1
            if at_line(text, line_start, pos) is not None or (
                    (find(";", line_start, pos) >= 0 or find(":", line_start, pos) >= 0)
                    and prefix(text, line_start, pos) is not None):
                found.append(pos)
        pos = find("import", pos + 6)
    others = [at for word in _OTHER_WORDS for at in _occurrences(text, word)
              if word != "attach" or _whole_attach(text, at)]
    if others:
        found = sorted(found + others)
    return found


def _whole_attach(text: str, at: int) -> bool:
    """Whether the "attach" at `at` is the name `attach` or `attach_stub`, not part of one.

    A non-ASCII character next to it counts as part of the name: outside strings and
    comments, the tokenizer reads it into the same name (or refuses the file).
    """
    end = at + 6
    if text.startswith("_stub", end):
        end += 5
    return not (_in_name(text[at - 1:at]) or _in_name(text[end:end + 1]))


def _in_name(char: str) -> bool:
    """Whether `char` (one character or none) can continue a name."""
    return char == "_" or char.isalnum() or not char.isascii()


def _occurrences(text: str, word: str) -> list[int]:
    """Where `word` occurs in `text` (not overlapping, as a regular expression finds)."""
    found: list[int] = []
    pos = text.find(word)
    while pos >= 0:
        found.append(pos)
        pos = text.find(word, pos + len(word))
    return found


def _balance(text: str, start: int, end: int) -> tuple[int, int, int]:
    """Open-minus-close brackets, and counts of `\"\"\"` and `'''`, in text[start:end]."""
    return (_brackets(text, start, end), text.count('"""', start, end),
            text.count("'''", start, end))


def _brackets(text: str, start: int, end: int) -> int:
    """Open-minus-close brackets in text[start:end]."""
    c = text.count
    return (c("(", start, end) + c("[", start, end) + c("{", start, end)
            - c(")", start, end) - c("]", start, end) - c("}", start, end))


def _closed(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] ends outside any bracket and string.

    Counting characters is enough when there is no triple quote; otherwise, or when
    the brackets do not balance, quotes or brackets inside a string or comment (`"("`,
    `# see ''' below`) may mislead the counts, so the text is counted again with its
    strings and comments removed. (An even number of triple quotes is no proof: one in
    a comment and one opening a string make two, and the string's lines look like code.)
    """
    if (text.find('"""', start, end) < 0 and text.find("\'\'\'", start, end) < 0
            and _brackets(text, start, end) == 0):
        return True
    return _clean_end(text, start, end)


def _clean_end(text: str, start: int, end: int) -> bool:
    """`_closed` read closely: text[start:end] without its strings and comments."""
    code = _NOISE.sub("", text[start:end])
    # A quote left after removing complete strings starts one that is not closed.
    return '"' not in code and "'" not in code and _bracket_balance(code) == 0


def _bracket_balance(code: str) -> int:
    c = code.count
    return c("(") + c("[") + c("{") - c(")") - c("]") - c("}")


def _is_docstring(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is a statement made of one plain triple-quoted string."""
    opening = _DOCSTRING.match(text, start, end)
    if opening is None:
        return False
    close = text.find(opening.group(1), opening.end(), end)
    # Stopping early at an escaped quote leaves string text after it: not skipped.
    return close >= 0 and _BLANK_OR_COMMENTS.fullmatch(text, close + 3, end) is not None


def _starts_statement(text: str, start: int, end: int) -> bool:
    """Whether a cut at `end` can start a statement, given that one starts at `start`.

    Without a triple quote before it, only a backslash can continue a statement onto
    the cut's line (a cut inside brackets makes a piece that does not parse, or one
    that holds the same calls in the same context). With one, the text is read
    closely: the cut may lie inside a string whose lines would parse as code.
    """
    if text.find('"""', start, end) >= 0 or text.find("\'\'\'", start, end) >= 0:
        return not _continues(text, start, end) and _clean_end(text, start, end)
    return not _continues(text, start, end)


def _ends(text: str, start: int, end: int) -> bool:
    """Whether a statement that starts at `start` can end at `end` (a line start)."""
    return not _continues(text, start, end) and _closed(text, start, end)


def _continues(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] ends with a backslash line continuation."""
    j = end - 1
    while j >= start and text[j] in _WHITESPACE:
        j -= 1
    return j >= start and text[j] == "\\"


def _decode(source: bytes) -> str | None:
    """The source text as Python would decode it, or None when that needs the reference."""
    head_end = source.find(b"\n", source.find(b"\n") + 1)
    head = source if head_end < 0 else source[:head_end]
    try:
        if source.startswith(b"\xef\xbb\xbf") or _CODING.search(head):
            encoding, _ = tokenize.detect_encoding(BytesIO(source).readline)
            text = source.decode(encoding)
        else:
            text = source.decode("utf-8")
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return None
    if "\r" in text:
        # The tokenizer reads \r\n and a lone \r as line ends; so do the patterns here.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _text_to_scan(source: bytes) -> str | None:
    """The text to scan ("" when nothing in it can import), or None: use the reference."""
    if b"\0" in source:
        return None  # the reference reports it
    if b"import" not in source and b"attach" not in source and b"__getattr__" not in source:
        return ""
    return _decode(source)


def scan_fast(source: bytes) -> FileScan:
    """The import statements of `source`, the same as `scan.scan_reference` gives."""
    text = _text_to_scan(source)
    if text is None:
        return scan_reference(source)
    triggers = _triggers(text) if text else []
    if not triggers:
        return FileScan()
    scanner = _Scanner(text, triggers)
    try:
        scanner.region(0, len(text), "", MODULE)
    except (_WholeFile, RecursionError):
        return scan_reference(source)
    finally:
        scanner.unquiet()
    if scanner.bindings.import_module - {"import_module"}:
        # `from importlib import import_module as load`: calls to `load(...)` carry no
        # text this scanner looks for; the reference walks every call.
        return scan_reference(source)
    if scanner.lazy_calls or (scanner.typed and (
            scanner.module_getattr or _SELF_REPLACEMENT.search(text) is not None)):
        # Maybe a lazy package (`scan.LazyPackage`): which names it gives lazily
        # depends on every name its body binds, which needs the whole module.
        return scan_reference(source)
    return FileScan(tuple(scanner.statements))


class _Cuts:
    """The lines that can start a statement of one block, looked for only where needed.

    A trigger needs the cut at or before it (found by stepping back a line at a time:
    usually a line or two) and the cuts after it (one regular-expression search each),
    so a block is never searched end to end.
    """

    __slots__ = ("_pattern", "end", "start", "text")

    def __init__(self, text: str, start: int, end: int, indent: str) -> None:
        self.text = text
        self.start = start
        self.end = end
        self._pattern = _boundary(indent)

    def before(self, pos: int, floor: int = 0) -> int:
        """The last cut at or before `pos` (the block's start if none).

        Looked for a line at a time, upwards: usually a line or two. A trigger deep in
        a long statement (an import in a function the block holds) is far from its
        cut: past `_STEPS` lines, one forward search from `floor` (a position the
        caller knows to be at or before the cut, or 0) finds it instead.
        """
        text, start, match = self.text, self.start, self._pattern.match
        line = text.rfind("\n", start, pos) + 1 if pos > start else start
        steps = 0
        while line > start:
            if match(text, line - 1) is not None:
                return line
            steps += 1
            if steps == _STEPS and line > floor >= start:
                last = -1
                for cut in self._pattern.finditer(text, max(floor - 1, start)):
                    if cut.start() + 1 >= line:
                        break
                    last = cut.start() + 1
                if last >= 0:
                    return last
                if floor == start:
                    return start
                line = floor + 1  # no cut from `floor` on: go on above it, line by line
            line = text.rfind("\n", start, line - 1) + 1
        return start

    def after(self, pos: int) -> int:
        """The first cut after `pos` (the block's end if none)."""
        found = self._pattern.search(self.text, pos, self.end)
        return found.start() + 1 if found is not None else self.end

    def between(self, start: int, end: int) -> list[int]:
        """Every cut strictly inside start:end."""
        return [m.start() + 1 for m in self._pattern.finditer(self.text, start, end)
                if m.start() + 1 < end]


class _Scanner:
    """Cuts one file's text into statements and walks the parsed ones."""

    def __init__(self, text: str, triggers: list[int]) -> None:
        self.text = text
        self.triggers = triggers
        self.bindings = Bindings()
        self.statements: list[ImportStatement] = []
        # What may make the file a lazy package (see `scan_fast`): an import under
        # `if TYPE_CHECKING:`, a module-level `__getattr__`, a lazy `attach(...)`.
        self.typed = self.module_getattr = self.lazy_calls = False
        self._line_pos = 0
        self._line_no = 1
        # Silences warnings while pieces are parsed: entered at the first parse only
        # (most files are read by patterns alone, and entering costs a parse's third).
        self._quiet: warnings.catch_warnings[None] | None = None

    def _hush(self) -> None:
        """From now on (until `unquiet`), warnings about the scanned code are not shown.

        They (invalid escapes, ...) are about the scanned code, not for our user.
        """
        quiet = self._quiet = warnings.catch_warnings()
        quiet.__enter__()
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)

    def unquiet(self) -> None:
        """Show warnings again, as before the first parse."""
        if self._quiet is not None:
            self._quiet.__exit__(None, None, None)
            self._quiet = None

    def _line_of(self, pos: int) -> int:
        """1-based line number of text position `pos` (positions come in order)."""
        if pos < self._line_pos:
            self._line_pos, self._line_no = 0, 1
        self._line_no += self.text.count("\n", self._line_pos, pos)
        self._line_pos = pos
        return self._line_no

    # ------------------------------------------------------------------ cutting

    def region(self, start: int, end: int, indent: str, ctx: Ctx) -> None:
        """Scan the statements of one block (text[start:end], indented by `indent`)."""
        text = self.text
        cuts = _Cuts(text, start, end, indent)
        closed_at = start  # a cut known to start a statement
        # Small statements that follow each other (a block of imports) are parsed in
        # one go: each parse has a fixed cost. [start, end] of those not parsed yet.
        pending = [-1, -1]
        triggers = self.triggers
        for index in range(bisect.bisect_left(triggers, start), len(triggers)):
            pos = triggers[index]
            if pos >= end:
                break
            if pos < closed_at:
                continue  # inside a statement already scanned
            first = line = cuts.before(pos, closed_at)
            single = True
            if first > closed_at and not _starts_statement(text, closed_at, first):
                first, single = closed_at, False  # the cut fell inside a string
            elif text.startswith(indent, first) and _PLAIN_IMPORT.match(
                    text, first + len(indent), end):
                # A run of plain imports (the usual block at the top of a module): read
                # at once, without cutting statement by statement.
                self._flush(pending, indent, ctx)
                stop, found = self._plain_run(first, end, indent)
                if self._add_plain(first, found, ctx):
                    closed_at = stop
                    continue
            stop, extended_cleanly = self._extend(cuts, first, line, cuts.after(pos))
            single = single and extended_cleanly
            if single and stop - first <= _SPLIT_ABOVE:
                if first != pending[1]:
                    self._flush(pending, indent, ctx)
                    pending[0] = first
                pending[1] = stop
            else:
                self._flush(pending, indent, ctx)
                self._statement(cuts, first, stop, indent, ctx, single)
            closed_at = stop
        self._flush(pending, indent, ctx)

    def _flush(self, pending: list[int], indent: str, ctx: Ctx) -> None:
        """Parse the small statements `region` has put together, if any."""
        if pending[1] >= 0:
            self._parse_walk(pending[0], pending[1], indent, ctx)
            pending[:] = [-1, -1]

    def _extend(self, cuts: _Cuts, start: int, previous: int,
                stop: int) -> tuple[int, bool]:
        """Grow text[start:stop] cut by cut until it ends cleanly: (stop, one statement).

        `previous` is the last cut before `stop`.

        Every cut passed on the way is tested and found to lie inside the statement
        (in brackets, in a string, after a backslash or a decorator), so the result is
        one statement; False when the block ended before the statement closed. Counts
        are kept per segment, so the cost stays linear in the statement's length.
        """
        text, end = self.text, cuts.end
        brackets, double, single = _balance(text, start, stop)
        clean_brackets, clean_from, clean_known = 0, start, True
        while stop < end:
            if double & 1 or single & 1:
                # Inside a triple-quoted string (a docstring's lines look like code):
                # jump past its end instead of stepping line by line.
                close = text.find('"""' if double & 1 else "\'\'\'", stop)
                if close < 0:
                    return end, False
                following = cuts.after(close)
                jumped = True
            else:
                if not _DECORATOR.match(text, previous) and not _continues(text, start, stop):
                    if brackets == 0:
                        return stop, True
                    # Brackets in strings or comments may be why the counts differ:
                    # count the new text again without them.
                    code = _NOISE.sub("", text[clean_from:stop])
                    clean_from = stop
                    clean_known = clean_known and '"' not in code and "\'" not in code
                    clean_brackets += _bracket_balance(code)
                    if clean_known and clean_brackets == 0:
                        return stop, True
                following = cuts.after(stop)
                jumped = False
            more = _balance(text, stop, following)
            brackets, double, single = (brackets + more[0], double + more[1],
                                        single + more[2])
            # The cut passed last (after a jump, the last one inside the string).
            previous = cuts.before(following - 1) if jumped else stop
            stop = following
        return end, _closed(text, start, end)

    def _statement(self, cuts: _Cuts, start: int, end: int, indent: str, ctx: Ctx,
                   single: bool) -> None:
        """Scan one statement (`single`) or a run of them; split a large compound one."""
        text = self.text
        if single and _is_docstring(text, start, end):
            return
        if single and end - start > _SPLIT_ABOVE and _COMPOUND.match(text, start):
            heads = (start, *cuts.between(start, end))
            keyword = next((p for p in heads if not _DECORATOR.match(text, p)), end)
            if self._split(start, keyword, end, indent, ctx, heads):
                return
        self._parse_walk(start, end, indent, ctx)

    def _block(self, start: int, keyword: int, end: int,
               indent: str) -> tuple[int, str] | None:
        """(end of the header, indentation of the body) of the block at `keyword`."""
        text = self.text
        header_end = -1
        for match in _HEADER_END.finditer(text, keyword, min(end, keyword + _MAX_HEADER)):
            if _closed(text, start, match.end()):
                header_end = match.end()
                break
        if header_end < 0:
            return None
        body_line = _CODE_LINE.search(text, header_end, end)
        if body_line is None:
            return None
        body_indent = body_line.group(1)
        if len(body_indent) <= len(indent) or not body_indent.startswith(indent):
            return None
        return header_end, body_indent

    def _split(self, start: int, keyword: int, end: int, indent: str, ctx: Ctx,
               heads: tuple[int, ...]) -> bool:
        """Scan a compound statement as header + body; False when its shape is unclear.

        def, class, with, for/while without an else branch, and if with at most an
        else branch qualify: each body is one block whose context follows from the
        header alone.
        """
        text = self.text
        branch = self._else_branch(start, keyword, end, indent)
        if branch is None:
            return False
        else_at, orelse = branch
        head = self._block(start, keyword, else_at, indent)
        if head is None:
            return False
        header_end, body_indent = head
        # A line at this block's indentation after the header must lie inside a string
        # or brackets of the body; if one starts a statement, the piece is more than one
        # (quotes in comments can fool the counts `_extend` grew it by) and the body
        # scanned one level deeper would take in the statements after it.
        if any(_ends(text, start, cut) for cut in heads if cut > header_end):
            return False
        contexts = self._header_contexts(start, keyword, header_end, indent, body_indent,
                                         ctx, plain=orelse is None)
        if contexts is None:
            return False  # parsed whole instead: see `_definition`
        inner, else_ctx = contexts
        self.region(header_end, else_at, body_indent, inner)
        if orelse is not None:
            self.region(orelse[0], end, orelse[1], else_ctx)
        return True

    def _header_contexts(self, start: int, keyword: int, header_end: int, indent: str,
                         body_indent: str, ctx: Ctx, *, plain: bool) -> tuple[Ctx, Ctx] | None:
        """The contexts of a compound statement's body and else branch, from its header.

        None for a module-level `__getattr__`. A plain def or class header without calls
        (`_header_kind`; `plain` False: the statement has an else branch) is read by
        patterns, any other parsed with `pass` as its body and walked.
        """
        text = self.text
        calls = _CALLS.search(text, start, header_end) is not None
        read = None if calls or not plain else _header_kind(text, start, keyword,
                                                              header_end, indent)
        if read is not None:
            is_def, name = read
            if is_def and name == "__getattr__" and ctx.module_scope:
                return None
            inner = named_function_context(name, ctx) if is_def else class_context(ctx)
            return inner, ctx
        nodes = self._parse(text[start:header_end] + body_indent + "pass\n", indent)
        node = nodes[-1] if nodes else None
        if node is not None and is_module_getattr(node, ctx):
            return None
        return self._contexts(node, ctx, self._offset(start, indent), calls)

    def _else_branch(self, start: int, keyword: int, end: int,
                     indent: str) -> tuple[int, tuple[int, str] | None] | None:
        """(where the body ends, (else body start, its indent) or None); None: unclear."""
        text = self.text
        if not _BRANCH.match(text, keyword):
            return end, None
        branches = [m.start() + 1 for m in _else(indent).finditer(text, keyword, end)]
        if not branches:
            return end, None
        else_at = branches[0]
        line = _ELSE_LINE.match(text, else_at + len(indent))
        if (len(branches) > 1 or line is None or not _IF.match(text, keyword)
                or not _ends(text, start, else_at)):
            return None
        body = _CODE_LINE.search(text, line.end(), end)
        if body is None or not body.group(1).startswith(indent) or len(
                body.group(1)) <= len(indent):
            return None
        return else_at, (line.end(), body.group(1))

    def _contexts(self, node: ast.stmt | None, ctx: Ctx, offset: int,
                  calls: bool) -> tuple[Ctx, Ctx]:
        """Walk a compound statement's header; the contexts of its body and else branch."""
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            return self._header(node, ctx, offset, calls), ctx
        if isinstance(node, ast.If):
            if calls:
                self._calls(node.test, ctx, offset)
            return if_contexts(node.test, ctx, self.bindings)
        if isinstance(node, ast.For | ast.AsyncFor | ast.While | ast.With | ast.AsyncWith):
            if calls:
                self._calls(node, ctx, offset)  # its body is the `pass` added above
            if isinstance(node, ast.With | ast.AsyncWith):
                return guarded_context(with_body_context(node.items, ctx)), ctx
            return guarded_context(ctx), ctx
        raise _WholeFile

    # ------------------------------------------------------------------ parsing

    def _offset(self, start: int, indent: str) -> int:
        """What to add to a parsed line number to get the file's line number."""
        return self._line_of(start) - (2 if indent else 1)

    def _parse(self, source: str, indent: str) -> list[ast.stmt]:
        if _BLANK_OR_COMMENTS.fullmatch(source):
            return []  # a word in a comment ("attached to") made this piece a candidate
        if self._quiet is None:
            self._hush()
        try:
            if not indent:
                return ast.parse(source).body
            # An indented piece parses as the body of `if 1:`; anything that ends up
            # beside it was dedented, so the piece was cut wrongly.
            module = ast.parse("if 1:\n" + source).body
        except (SyntaxError, ValueError, MemoryError) as exc:
            raise _WholeFile from exc
        if len(module) != 1 or not isinstance(module[0], ast.If):
            raise _WholeFile
        return module[0].body

    def _parse_walk(self, start: int, end: int, indent: str, ctx: Ctx) -> None:
        if self._plain_imports(start, end, indent, ctx):
            return
        nodes = self._parse(self.text[start:end], indent)
        calls = _CALLS.search(self.text, start, end) is not None
        self._walk(nodes, ctx, self._offset(start, indent), calls)

    def _plain_imports(self, start: int, end: int, indent: str, ctx: Ctx) -> bool:
        """Scan text[start:end] as `ast` would, if it is plain imports; else False.

        Plain: statements `_PLAIN_IMPORT` matches at the block's indentation, blank
        lines and comments, so that `ast` would accept the piece and read the same.
        """
        stop, found = self._plain_run(start, end, indent)
        return stop == end and self._add_plain(start, found, ctx)

    def _plain_run(self, start: int, end: int,
                   indent: str) -> tuple[int, list[tuple[int, re.Match[str]]]]:
        """The plain import statements from `start` (a statement's start) on.

        (Where they and the blank lines and comments between and after them end, each
        statement with the number of lines before it.)
        """
        text = self.text
        found: list[tuple[int, re.Match[str]]] = []
        pos, line = start, 0  # line: newlines between start and pos
        width = len(indent)
        while pos < end:
            match = _PLAIN_IMPORT.match(text, pos + width, end) if text.startswith(
                indent, pos) else None
            if match is not None:
                found.append((line, match))
                line += text.count("\n", pos, match.end())
                pos = match.end()
                continue
            blank = _EMPTY_LINE.match(text, pos, end)
            if blank is None:
                break
            line += 1
            pos = blank.end()
        return pos, found

    def _add_plain(self, start: int, found: list[tuple[int, re.Match[str]]],
                   ctx: Ctx) -> bool:
        """Record the statements `_plain_run` found from `start`.

        False, and nothing recorded, when a name is one `ast` would refuse.
        """
        statements = []
        for _, match in found:
            statement = _plain_statement(match)
            if statement is None:
                return False
            statements.append(statement)
        first = self._line_of(start)
        kind = statement_kind(ctx)
        maybe, later = conditional(ctx), deferred(ctx)
        if ctx.type_only:
            self.typed = True
        for (line, _), (module, level, names, aliases) in zip(found, statements, strict=True):
            if names is None:
                self.bindings.learn_import(aliases)
                self.statements.extend(ImportStatement(first + line, kind, name,
                                                       conditional=maybe, deferred=later)
                                       for name, _ in aliases)
            else:
                self.bindings.learn_from(module or None, level, aliases)
                if module != "__future__":
                    self.statements.append(ImportStatement(
                        first + line, kind, module, level, names, conditional=maybe,
                        deferred=later))
        return True

    # ------------------------------------------------------------------ walking

    def _calls(self, node: ast.AST | None, ctx: Ctx, offset: int) -> None:
        if node is None:
            return
        in_lambda: set[int] = set()  # (a lambda's body is a function's: `scan.conditional`)
        for sub in ast.walk(node):
            if isinstance(sub, ast.Lambda):
                in_lambda.update(map(id, ast.walk(sub.body)))
            elif isinstance(sub, ast.Call):
                found = call_statements(
                    sub, named_function_context(None, ctx) if id(sub) in in_lambda else ctx,
                    self.bindings, offset)
                self.statements.extend(found)
                # An `attach` may name its tables (`submod_attrs=_SUBMOD_ATTRS`): what
                # it gives needs the whole module.
                self.lazy_calls |= is_attach(sub) or any(s.kind is EdgeKind.LAZY
                                                         for s in found)

    def _header(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef,
                ctx: Ctx, offset: int, calls: bool) -> Ctx:
        """Walk a def/class header (decorators, arguments, bases); the body's context."""
        if isinstance(node, ast.ClassDef):
            if calls:
                for expr in (*node.decorator_list, *node.bases, *node.keywords):
                    self._calls(expr, ctx, offset)
            return class_context(ctx)
        if calls:
            for decorator in node.decorator_list:
                self._calls(decorator, ctx, offset)
            self._calls(node.args, ctx, offset)
            self._calls(node.returns, ctx, offset)
        return function_context(node, ctx)

    def _walk(self, nodes: list[ast.stmt], ctx: Ctx, offset: int, calls: bool) -> None:
        """Visit statements in source order, as the reference visitor does."""
        for node in nodes:
            if ctx.module_scope and binds_getattr(node):
                # `__getattr__, __dir__ = _attach(__name__, ...)`: maybe a module's own
                # copy of lazy_loader's `attach` (`scan.local_attach`), defined anywhere.
                raise _WholeFile
            handler = _HANDLERS.get(type(node))
            if handler is not None:
                handler(self, node, ctx, offset, calls)
            elif hasattr(node, "body"):
                raise _WholeFile  # a compound statement this walker does not know
            elif calls:
                self._calls(node, ctx, offset)

    def _import(self, node: ast.Import | ast.ImportFrom, ctx: Ctx, offset: int,
                calls: bool) -> None:
        self.bindings.learn(node)
        self.statements.extend(import_statements(node, ctx, offset))
        if ctx.type_only:
            self.typed = True

    def _if(self, node: ast.If, ctx: Ctx, offset: int, calls: bool) -> None:
        if calls:
            self._calls(node.test, ctx, offset)
        body, orelse = if_contexts(node.test, ctx, self.bindings)
        self._walk(node.body, body, offset, calls)
        self._walk(node.orelse, orelse, offset, calls)

    def _try(self, node: ast.Try | ast.TryStar, ctx: Ctx, offset: int, calls: bool) -> None:
        self._walk(node.body, try_body_context(node.handlers, ctx), offset, calls)
        maybe = guarded_context(ctx)  # (handlers run only on an error, else without one)
        for handler in node.handlers:
            if calls:
                self._calls(handler.type, maybe, offset)
            self._walk(handler.body, maybe, offset, calls)
        self._walk(node.orelse, maybe, offset, calls)
        self._walk(node.finalbody, ctx, offset, calls)

    def _definition(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef,
                    ctx: Ctx, offset: int, calls: bool) -> None:
        self._walk(node.body, self._header(node, ctx, offset, calls), offset, calls)
        # A module-level __getattr__ importing a computed name reads a lazy map that
        # may live anywhere in the module: that needs the whole module.
        if is_module_getattr(node, ctx):
            self.module_getattr |= can_give(node)
            if computed_imports(node, self.bindings):
                raise _WholeFile

    def _loop(self, node: ast.For | ast.AsyncFor | ast.While, ctx: Ctx, offset: int,
              calls: bool) -> None:
        if calls:
            header = (node.test,) if isinstance(node, ast.While) else (node.target, node.iter)
            for expr in header:
                self._calls(expr, ctx, offset)
        self._walk(node.body, guarded_context(ctx), offset, calls)
        self._walk(node.orelse, guarded_context(ctx), offset, calls)

    def _with(self, node: ast.With | ast.AsyncWith, ctx: Ctx, offset: int,
              calls: bool) -> None:
        if calls:
            for item in node.items:
                self._calls(item, ctx, offset)
        self._walk(node.body, guarded_context(with_body_context(node.items, ctx)), offset,
                   calls)

    def _match(self, node: ast.Match, ctx: Ctx, offset: int, calls: bool) -> None:
        if calls:
            self._calls(node.subject, ctx, offset)
        inner = guarded_context(ctx)
        for case in node.cases:
            if calls:
                self._calls(case.pattern, inner, offset)
                self._calls(case.guard, inner, offset)
            self._walk(case.body, inner, offset, calls)


@lru_cache(maxsize=64)
def _decorators(indent: str) -> re.Pattern[str]:
    """Plain decorator lines (`@name.attr`) of a block indented by `indent`.

    With blank or comment lines between them.
    """
    return re.compile(rf"(?:{re.escape(indent)}@{_S}{_DOTTED}{_S}(?:#[^\n]*)?\n"
                      rf"|{_S}(?:#[^\n]*)?\n)*")


def _header_kind(text: str, start: int, keyword: int, header_end: int,
                 indent: str) -> tuple[bool, str] | None:
    """(whether it is a def, its name) of the plain header text[start:header_end]; else None.

    Its decorators run from `start` to `keyword`, where the def or class line starts, at
    `indent`. None also when `ast` would refuse it: then it is parsed, which says so.
    """
    if keyword > start and _decorators(indent).fullmatch(text, start, keyword) is None:
        return None
    at = keyword + len(indent)
    head = _DEF_HEAD.fullmatch(text, at, header_end)
    if head is not None:
        is_def = True
        if not _plain_parameters(head.group(2)):
            return None
    else:
        head = _CLASS_HEAD.fullmatch(text, at, header_end)
        if head is None or (head.group(2) is not None and not _plain_bases(head.group(2))):
            return None
        is_def = False
    name = head.group(1)
    # Decorators, annotations, defaults and bases are names, constants and attributes:
    # none may be a keyword, nor an attribute be called None, True or False.
    rest = text[start:keyword] + text[head.end(1):header_end]
    if (name in _NOT_NAMES or not _NOT_NAMES.isdisjoint(set(_WORD.findall(rest)) - _CONSTANTS)
            or _ATTRIBUTE_CONSTANT.search(rest)):
        return None
    return is_def, name


def _plain_parameters(params: str) -> bool:
    """Whether the text between a plain def's brackets is a parameter list `ast` accepts."""
    seen: set[str] = set()
    pos, end = 0, len(params)
    while params[pos:].strip():
        item = _PARAMETER.match(params, pos)
        if item is None or not _parameter_fits(item, seen, pos == 0):
            return False
        pos = item.end()
        if ("kwargs" in seen and params[pos:].strip()) or (not item.group(6) and pos != end):
            return False  # `**kwargs` comes last; parameters are separated by commas
    return "bare" not in seen


def _parameter_fits(item: re.Match[str], seen: set[str], first: bool) -> bool:
    """Whether one `_PARAMETER` may follow those `seen` (which it joins).

    Parameters without a default may not follow one with a default (before `*`), `/`
    follows a parameter and comes before `*`, one `*` or `*args` at most, a bare `*`
    needs a keyword-only parameter after it, `**kwargs` and `*args` take no default.
    """
    stars, name, default, bare, divider, _ = item.groups()
    if name is not None and name in _NOT_NAMES:
        return False
    if bare is not None or stars == "*":
        fits = "star" not in seen and default is None
        seen.update(("star", "bare") if bare is not None else ("star",))
    elif divider is not None:
        fits = not first and seen.isdisjoint(("slash", "star"))
        seen.add("slash")
    elif stars == "**":
        fits = default is None and "bare" not in seen
        seen.add("kwargs")
    elif "star" in seen:
        fits = True
        seen.discard("bare")
    else:
        fits = default is not None or "default" not in seen
        if default is not None:
            seen.add("default")
    return fits


def _plain_bases(bases: str) -> bool:
    """Whether the text between a plain class's brackets is a list `ast` accepts.

    Names or attributes, then keywords (each once) whose values are.
    """
    pos, end = 0, len(bases)
    keywords: set[str] = set()
    while bases[pos:].strip():
        item = _BASE.match(bases, pos)
        if item is None:
            return False
        keyword, comma = item.groups()
        if keyword is not None:
            if keyword in _NOT_NAMES or keyword in keywords:
                return False
            keywords.add(keyword)
        elif keywords:
            return False
        pos = item.end()
        if not comma and pos != end:
            return False
    return True


_Aliases = list[tuple[str, str | None]]


def _plain_statement(
        match: re.Match[str]) -> tuple[str, int, tuple[str, ...] | None, _Aliases] | None:
    """What a `_PLAIN_IMPORT` match imports; None when `ast` would refuse a name.

    (module, level, names (None for `import`), (name, asname) pairs).
    """
    imported, dots, module, star, names, parenthesized = match.groups()
    taken: list[str]
    aliases: _Aliases
    if star is not None:
        taken, aliases = ["*"], [("*", None)]
    else:
        listed = imported or names
        if listed is None:
            listed = (_COMMENT.sub("", parenthesized) if "#" in parenthesized
                      else parenthesized).rstrip(_WHITESPACE).removesuffix(",")
        read = _plain_names(listed)
        if read is None:
            return None
        taken, aliases = read
    if imported is not None:
        if "." in imported and any(not _NOT_NAMES.isdisjoint(name.split("."))
                                   for name in taken if "." in name):
            return None
        return "", 0, None, aliases
    if module is not None and not _NOT_NAMES.isdisjoint(module.split(".")):
        return None
    if not dots and module is None:
        return None
    return module or "", len(dots), tuple(taken), aliases


def _plain_names(listed: str) -> tuple[list[str], _Aliases] | None:
    """The names and (name, asname) pairs of "a, b as c"; None if `ast` would refuse one."""
    aliases: _Aliases
    if " as" in listed or "\tas" in listed:
        # name, or name "as" asname: the pattern made sure (" as" may be " asyncio")
        split = [item.split() for item in listed.split(",")]
        taken = [words[0] for words in split]
        aliases = [(words[0], words[2] if len(words) == 3 else None) for words in split]
        if not _NOT_NAMES.isdisjoint([asname for _, asname in aliases if asname]):
            return None
    else:  # no alias (the pattern puts a space or tab before each "as")
        taken = [item.strip() for item in listed.split(",")]
        aliases = [(name, None) for name in taken]
    return None if not _NOT_NAMES.isdisjoint(taken) else (taken, aliases)


_Handler = Callable[[_Scanner, Any, Ctx, int, bool], None]
#: Statement type -> the _Scanner method that walks it (exact types: ast nodes are final).
_HANDLERS: dict[type[ast.AST], _Handler] = {
    ast.Import: _Scanner._import,
    ast.ImportFrom: _Scanner._import,
    ast.If: _Scanner._if,
    ast.Try: _Scanner._try,
    ast.TryStar: _Scanner._try,
    ast.FunctionDef: _Scanner._definition,
    ast.AsyncFunctionDef: _Scanner._definition,
    ast.ClassDef: _Scanner._definition,
    ast.For: _Scanner._loop,
    ast.AsyncFor: _Scanner._loop,
    ast.While: _Scanner._loop,
    ast.With: _Scanner._with,
    ast.AsyncWith: _Scanner._with,
    ast.Match: _Scanner._match,
}
