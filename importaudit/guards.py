"""What an `if` test guards: `TYPE_CHECKING`, `__main__`, a platform, or nothing.

The one classifier of `if` tests (`classify_test`), shared by the static scanners, the
review's source reader, the cycle suspicion and the runtime's skip classifier (which
uses its flag-aware mode, `Bindings(flags=True)`); and of what makes an import an
optional one, a `try` handler or a `with` that gets past its ImportError
(`catches_import_error`, `suppresses_import_error`). Pure `ast` work, no imports of
importaudit, so every layer may use it.
"""

from __future__ import annotations

import ast
import enum
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

_TYPING_MODULES = frozenset({"typing", "typing_extensions"})
#: Exception types that catch a failed import.
IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})
#: Calls of the `platform` module that name the platform a test is about.
_PLATFORM_CALLS = frozenset({"system", "machine", "python_implementation"})


class Bindings:
    """Names the file binds to the modules and names the classifying rules look for.

    `typing`, `TYPE_CHECKING`, `importlib` and `import_module`, and for platform guards
    `sys`, `os`, `platform` and `from sys import platform`. Learned from import
    statements in source order, file-wide (both scanners and the review's source reader
    see every import statement in the same order, so they agree). The bare name
    `TYPE_CHECKING` always counts: `TYPE_CHECKING = False` is a common stand-in for the
    typing import.
    """

    __slots__ = ("flags", "import_module", "importlib", "os", "platform", "platform_flags",
                 "sys", "sys_platform", "type_checking", "typing", "version_info")

    def __init__(self, *, flags: bool = False) -> None:
        # Flag-aware mode (`flags`): names bound from a platform test
        # (`IS_WINDOWS = sys.platform == "win32"`, or imported from a module that binds
        # them so, see `learn_flag`) are platform tests too, and so are names and calls
        # that read as one (`WIN`, `isWindows()`). The runtime's skip classifier uses it:
        # there the failed import is the evidence, the test only says why.
        self.flags = flags
        self.platform_flags: set[str] = set()
        self.typing: set[str] = set()
        self.type_checking: set[str] = {"TYPE_CHECKING"}
        self.importlib: set[str] = set()
        self.import_module: set[str] = set()
        self.sys: set[str] = set()
        self.os: set[str] = set()
        self.platform: set[str] = set()
        self.sys_platform: set[str] = set()  # `from sys import platform [as name]`
        self.version_info: set[str] = set()  # `from sys import version_info [as name]`

    def learn_flag(self, node: ast.stmt) -> None:
        """Flag-aware mode: `NAME = <platform test>` at module level makes NAME one."""
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            return
        if _is_platform_test(value, self):
            self.platform_flags.update(t.id for t in targets if isinstance(t, ast.Name))

    def learn(self, node: ast.Import | ast.ImportFrom) -> None:
        """Record the names an import statement binds that the rules care about."""
        aliases = [(alias.name, alias.asname) for alias in node.names]
        if isinstance(node, ast.Import):
            self.learn_import(aliases)
        else:
            self.learn_from(node.module, node.level, aliases)

    def learn_import(self, aliases: Sequence[tuple[str, str | None]]) -> None:
        """`learn` for `import name [as asname], ...`, given as (name, asname) pairs."""
        for name, asname in aliases:
            if asname is not None:
                bound, target = asname, name
            else:
                bound = target = name.partition(".")[0]
            if target in _TYPING_MODULES:
                self.typing.add(bound)
            elif target == "importlib":
                self.importlib.add(bound)
            elif target in ("sys", "os", "platform"):
                getattr(self, target).add(bound)

    def learn_from(self, module: str | None, level: int,
                   aliases: Sequence[tuple[str, str | None]]) -> None:
        """`learn` for `from module import name [as asname], ...`."""
        if level:
            return
        for name, asname in aliases:
            if module in _TYPING_MODULES and name == "TYPE_CHECKING":
                self.type_checking.add(asname or name)
            elif module == "importlib" and name == "import_module":
                self.import_module.add(asname or name)
            elif module == "sys" and name == "platform":
                self.sys_platform.add(asname or name)
            elif module == "sys" and name == "version_info":
                self.version_info.add(asname or name)


def _is_type_checking(test: ast.expr, bindings: Bindings) -> bool:
    if isinstance(test, ast.Name):
        return test.id in bindings.type_checking
    if isinstance(test, ast.Attribute):
        return (test.attr == "TYPE_CHECKING" and isinstance(test.value, ast.Name)
                and test.value.id in bindings.typing)
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        # `if TYPE_CHECKING and X:` runs its body only when TYPE_CHECKING is true.
        return any(_is_type_checking(value, bindings) for value in test.values)
    return False


def _is_main_guard(test: ast.expr) -> bool:
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1
            and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = (test.left, test.comparators[0])
    return (any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides)
            and any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides))


def _names_platform(node: ast.expr, bindings: Bindings) -> bool:
    """`sys.platform`, `os.name`, `platform.system()` (and `from sys import platform`)."""
    if isinstance(node, ast.Call) and not node.args and isinstance(node.func, ast.Attribute):
        func = node.func
        return (func.attr in _PLATFORM_CALLS and isinstance(func.value, ast.Name)
                and func.value.id in bindings.platform)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        owner = node.value.id
        return ((node.attr == "platform" and owner in bindings.sys)
                or (node.attr == "name" and owner in bindings.os))
    return isinstance(node, ast.Name) and node.id in bindings.sys_platform


def _is_platform_test(test: ast.expr, bindings: Bindings, *, pure: bool = False) -> bool:
    """A test whose body runs on some platforms only (`pure`: a test of nothing else).

    The platform compared with a constant or `.startswith(...)`; `P and X` (the body
    needs P); `P or Q` and `not P` only when P and Q test nothing but the platform.
    """
    if isinstance(test, ast.BoolOp):
        parts = [_is_platform_test(value, bindings, pure=pure) for value in test.values]
        return any(parts) if isinstance(test.op, ast.And) and not pure else all(parts)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _is_platform_test(test.operand, bindings, pure=True)
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        sides = (test.left, test.comparators[0])
        return (any(_names_platform(side, bindings) for side in sides)
                and any(isinstance(side, ast.Constant | ast.Tuple | ast.List | ast.Set)
                        for side in sides))
    if (isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute)
            and test.func.attr in ("startswith", "endswith")):
        return _names_platform(test.func.value, bindings)
    if bindings.flags:
        return _is_platform_flag(test, bindings)
    return False


_PLATFORM_WORDS = frozenset({
    "win", "win32", "win64", "windows", "nt", "darwin", "mac", "macos", "osx", "linux",
    "posix", "cygwin", "msys", "mingw", "wasi", "emscripten", "ios", "android", "aix",
    "freebsd", "openbsd", "netbsd", "bsd", "sunos", "solaris",
})
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z0-9]+(?![a-z])")


def _reads_as_platform(identifier: str) -> bool:
    """`WIN`, `IS_MACOS`, `isWindows`: a name made of a platform's word."""
    words = {w.lower() for part in identifier.split("_") for w in _WORD.findall(part)}
    return bool(words & _PLATFORM_WORDS)


def _is_platform_flag(test: ast.expr, bindings: Bindings) -> bool:
    """Flag-aware mode: a bound flag, or a name, attribute or bare call that reads as one."""
    node = test.func if isinstance(test, ast.Call) and not test.args else test
    if isinstance(node, ast.Name):
        return node.id in bindings.platform_flags or _reads_as_platform(node.id)
    if isinstance(node, ast.Attribute):
        return _reads_as_platform(node.attr) or (
            isinstance(node.value, ast.Name) and node.value.id in bindings.sys
            and node.attr == "getwindowsversion")
    return False


class Guard(enum.Enum):
    """What an `if` test guards, as far as when its branches run is concerned."""

    NONE = "none"  # an ordinary condition
    TYPE_CHECKING = "type-checking"  # body: only for type checkers, never at run time
    NOT_TYPE_CHECKING = "not-type-checking"  # else branch: only for type checkers
    MAIN = "main"  # `if __name__ == "__main__":` body: only when run as a script
    PLATFORM = "platform"  # sys.platform / os.name / platform.system(): on some platforms


def classify_test(test: ast.expr, bindings: Bindings) -> Guard:
    """The one classifier of `if` tests, shared by both scanners and the review.

    `bindings` must hold the names the file bound before the test (in source order), so
    `from typing import TYPE_CHECKING as TC` makes `if TC:` a type-checking guard.
    """
    if _is_type_checking(test, bindings):
        return Guard.TYPE_CHECKING
    if (isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
            and _is_type_checking(test.operand, bindings)):
        return Guard.NOT_TYPE_CHECKING
    if _is_main_guard(test):
        return Guard.MAIN
    if _is_platform_test(test, bindings):
        return Guard.PLATFORM
    return Guard.NONE


# What `platform.system()` answers for a `sys.platform` (others: unknown here).
_SYSTEMS = {"linux": "Linux", "darwin": "Darwin", "win32": "Windows"}


def platform_facts(sys_platform: str) -> dict[str, str | None]:
    """What `sys.platform`, `os.name` and `platform.system()` are where `sys.platform` is.

    Keyed as `platform_value` asks: "sys.platform", "os.name", "platform.system"; None
    for what cannot be told from `sys.platform` alone.
    """
    return {"sys.platform": sys_platform,
            "os.name": "nt" if sys_platform == "win32" else "posix",
            "platform.system": _SYSTEMS.get(sys_platform)}


def _platform_read(node: ast.expr, bindings: Bindings) -> str | None:
    """Which platform fact `node` reads ("sys.platform", "os.name", ...), if one."""
    if isinstance(node, ast.Call) and not node.args and isinstance(node.func, ast.Attribute):
        func = node.func
        if (func.attr == "system" and isinstance(func.value, ast.Name)
                and func.value.id in bindings.platform):
            return "platform.system"
        return None
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        owner = node.value.id
        if node.attr == "platform" and owner in bindings.sys:
            return "sys.platform"
        if node.attr == "name" and owner in bindings.os:
            return "os.name"
        return None
    return ("sys.platform" if isinstance(node, ast.Name) and node.id in bindings.sys_platform
            else None)


def _constants(node: ast.expr) -> tuple[str, ...] | None:
    """The strings a constant, or a tuple, list or set of constants, holds."""
    items = node.elts if isinstance(node, ast.Tuple | ast.List | ast.Set) else [node]
    found = tuple(i.value for i in items
                  if isinstance(i, ast.Constant) and isinstance(i.value, str))
    return found if len(found) == len(items) else None


#: String methods that leave a platform string one to compare (`sys.platform.lower()`).
_TEXT_METHODS = frozenset({"lower", "upper", "casefold", "strip"})


def platform_text(node: ast.expr, bindings: Bindings, facts: dict[str, str | None],
                  flags: Mapping[str, bool | str | None] | None = None) -> str | None:
    """The string `node` is on the platform `facts` describe, when only the platform decides it.

    `sys.platform`, `os.name`, `platform.system()`, a name in `flags` bound to one
    (pyserial's `plat = sys.platform.lower()`), and those lowered, upper-cased, sliced
    or indexed by constants (`plat[:6]`); None for anything else, or a value unknown
    from `sys.platform` alone.
    """
    read = _platform_read(node, bindings)
    if read is not None:
        return facts.get(read)
    if isinstance(node, ast.Name):
        value = flags.get(node.id) if flags is not None else None
        return value if isinstance(value, str) else None
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in _TEXT_METHODS and not node.args and not node.keywords):
        inner = platform_text(node.func.value, bindings, facts, flags)
        return None if inner is None else str(getattr(inner, node.func.attr)())
    if isinstance(node, ast.Subscript):
        inner = platform_text(node.value, bindings, facts, flags)
        index = _constant_index(node.slice)
        if inner is None or index is None or (
                isinstance(index, int) and not -len(inner) <= index < len(inner)):
            return None
        return inner[index]
    return None


def _int_constant(node: ast.expr) -> int | None:
    """`3`, or `-3`, written as a constant."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _int_constant(node.operand)
        return None if inner is None else -inner
    return node.value if isinstance(node, ast.Constant) and type(node.value) is int else None


def _constant_index(node: ast.expr) -> int | slice | None:
    """The index or slice of `x[3]`, `x[:6]`, `x[1:-1]`, written with int constants."""
    if not isinstance(node, ast.Slice):
        return _int_constant(node)
    parts = (node.lower, node.upper, node.step)
    values = [None if part is None else _int_constant(part) for part in parts]
    unread = any(v is None and p is not None for v, p in zip(values, parts, strict=True))
    return None if unread or values[2] == 0 else slice(*values)


def platform_value(test: ast.expr, bindings: Bindings, facts: dict[str, str | None],
                   flags: Mapping[str, bool | str | None] | None = None) -> bool | None:
    """What the `if` test `test` is on the platform `facts` describe (see `platform_facts`).

    True or False where only the platform decides it (`sys.platform == "win32"`,
    `os.name != "nt"`, `sys.platform.startswith(("win", "cygwin"))`,
    `platform.system() in ("Darwin",)`, `"win" in sys.platform`, `plat[:6] == "darwin"`
    (see `platform_text`), `and`/`or`/`not` of those, and names in `flags`: platform
    flags with their values); None when anything else decides it.
    """
    if isinstance(test, ast.BoolOp):
        values = [platform_value(v, bindings, facts, flags) for v in test.values]
        decisive = isinstance(test.op, ast.Or)  # True decides `or`, False decides `and`
        if decisive in values:
            return decisive
        return None if None in values else not decisive
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = platform_value(test.operand, bindings, facts, flags)
        return None if inner is None else not inner
    if isinstance(test, ast.Name) and flags is not None:
        value = flags.get(test.id)
        return value if isinstance(value, bool) else None
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        return _compared(test, bindings, facts, flags)
    return _affixed(test, bindings, facts, flags) if isinstance(test, ast.Call) else None


def _affixed(test: ast.Call, bindings: Bindings, facts: dict[str, str | None],
             flags: Mapping[str, bool | str | None] | None) -> bool | None:
    """`platform_value` of `P.startswith("x")`, `P.endswith(("x", "y"))`."""
    if not (isinstance(test.func, ast.Attribute) and test.func.attr in ("startswith",
                                                                         "endswith")
            and len(test.args) == 1 and not test.keywords):
        return None
    value = platform_text(test.func.value, bindings, facts, flags)
    constants = _constants(test.args[0])
    if value is None or constants is None:
        return None
    return (value.startswith(constants) if test.func.attr == "startswith"
            else value.endswith(constants))


def _compared(test: ast.Compare, bindings: Bindings, facts: dict[str, str | None],
              flags: Mapping[str, bool | str | None] | None) -> bool | None:
    """`platform_value` of `P == "x"`, `P != "x"`, `P in ("x", "y")`, `"x" in P`."""
    left, right, op = test.left, test.comparators[0], test.ops[0]
    value, other = platform_text(left, bindings, facts, flags), right
    substring = False
    if value is None:
        # `"win" in sys.platform`: a substring test, exact once the string is known.
        value, other = platform_text(right, bindings, facts, flags), left
        substring = isinstance(op, ast.In | ast.NotIn)
    constants = _constants(other)
    if value is None or constants is None:
        return None
    collection = isinstance(other, ast.Tuple | ast.List | ast.Set)
    if substring:
        return None if collection else (constants[0] in value) == isinstance(op, ast.In)
    if isinstance(op, ast.Eq | ast.NotEq) and not collection:
        return (value == constants[0]) == isinstance(op, ast.Eq)
    if isinstance(op, ast.In | ast.NotIn) and collection:
        return (value in constants) == isinstance(op, ast.In)
    return None


def _version_read(node: ast.expr, bindings: Bindings) -> slice | int | None:
    """What part of `sys.version_info` `node` reads, None when it reads something else.

    All of it (`slice(None)`), a slice (`[:2]`) or one field (`[0]`).
    """
    part: slice | int = slice(None)
    if isinstance(node, ast.Subscript):
        index = node.slice
        if isinstance(index, ast.Constant) and isinstance(index.value, int):
            part = index.value
        elif (isinstance(index, ast.Slice) and index.lower is None and index.step is None
              and isinstance(index.upper, ast.Constant)
              and isinstance(index.upper.value, int)):
            part = slice(None, index.upper.value)
        else:
            return None
        node = node.value
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        reads = node.attr == "version_info" and node.value.id in bindings.sys
    else:
        reads = isinstance(node, ast.Name) and node.id in bindings.version_info
    return part if reads else None


_ORDER = {ast.Lt: "__lt__", ast.LtE: "__le__", ast.Gt: "__gt__", ast.GtE: "__ge__",
          ast.Eq: "__eq__", ast.NotEq: "__ne__"}


def version_value(test: ast.expr, bindings: Bindings,
                  version: tuple[int, ...]) -> bool | None:
    """What a test of `sys.version_info` is on Python `version` (None: not such a test).

    `sys.version_info >= (3, 6)`, `version_info[:2] < (3, 8)`, `sys.version_info[0] == 2`
    (and `not`, `and`/`or` of those): pexpect imports `_async_pre_await` only in the
    `else:` of `py_version_info >= (3, 6)`, `from sys import version_info as
    py_version_info`.
    """
    if isinstance(test, ast.BoolOp):
        values = [version_value(v, bindings, version) for v in test.values]
        decisive = isinstance(test.op, ast.Or)
        if decisive in values:
            return decisive
        return None if None in values else not decisive
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = version_value(test.operand, bindings, version)
        return None if inner is None else not inner
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in _ORDER:
        return _version_compared(test, bindings, version)
    return None


def _version_compared(test: ast.Compare, bindings: Bindings,
                      version: tuple[int, ...]) -> bool | None:
    """`version_value` of `V op (3, 6)` or `V[0] op 3`."""
    part = _version_read(test.left, bindings)
    try:
        other = ast.literal_eval(test.comparators[0])
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    value = version[part] if part is not None else None
    tuples = (isinstance(other, tuple) and all(isinstance(i, int) for i in other)
              and isinstance(value, tuple))
    if not tuples and not (isinstance(other, int) and isinstance(value, int)):
        return None
    return bool(getattr(value, _ORDER[type(test.ops[0])])(other))


#: The comparison a branch needs when its test is false (the `else:` of `V >= (3, 12)`).
_NEGATED = {ast.Lt: ">=", ast.LtE: ">", ast.Gt: "<=", ast.GtE: "<", ast.Eq: "!=",
            ast.NotEq: "=="}
_SAID = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==",
         ast.NotEq: "!="}


def version_needed(test: ast.expr, bindings: Bindings, *, holds: bool = True) -> str | None:
    """The Python a branch of a `sys.version_info` test needs: "Python >= 3.12".

    `holds`: the branch runs when the test is true (its body), else its `else:`. Read
    from `V op (3, 12)`, `V[:2] op (3, 8)` and `V[0] op 3`; None for any other test.
    """
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1
            and type(test.ops[0]) in _SAID):
        return None
    part = _version_read(test.left, bindings)
    try:
        other = ast.literal_eval(test.comparators[0])
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    if part == slice(None) or (isinstance(part, slice) and part.stop is not None):
        numbers = other if isinstance(other, tuple) else None
    else:
        numbers = (other,) if part == 0 and isinstance(other, int) else None
    if not numbers or not all(isinstance(n, int) and not isinstance(n, bool)
                              for n in numbers):
        return None
    op = type(test.ops[0])
    said = _SAID[op] if holds else _NEGATED[op]
    return f"Python {said} {'.'.join(str(n) for n in numbers)}"



def _import_errors(kinds: Sequence[ast.expr]) -> bool:
    """Whether one of these exception types (`ImportError`, `builtins.Exception`) is one."""
    return any((isinstance(t, ast.Name) and t.id in IMPORT_ERRORS)
               or (isinstance(t, ast.Attribute) and t.attr in IMPORT_ERRORS) for t in kinds)


def catches_import_error(handler: ast.ExceptHandler) -> bool:
    """Whether `handler` catches a failed import (ImportError or broader; a bare `except:`)."""
    kind = handler.type
    if kind is None:
        return True
    return _import_errors(kind.elts if isinstance(kind, ast.Tuple) else [kind])


def suppresses_import_error(items: Sequence[ast.withitem]) -> bool:
    """Whether a `with` of these items gets past an ImportError in its body.

    `with contextlib.suppress(ImportError):` is `try:` ... `except ImportError: pass`
    (rapidfuzz picks its compiled variant so: a missing one is no missing import).
    """
    for item in items:
        call = item.context_expr
        if isinstance(call, ast.Call) and _import_errors(call.args):
            func = call.func
            name = (func.id if isinstance(func, ast.Name)
                    else func.attr if isinstance(func, ast.Attribute) else None)
            if name == "suppress":
                return True
    return False


def _lazy_name(element: ast.expr, name: str, package: str) -> str | None:
    """One entry of `__lazy_modules__`: a string, or an f-string of the module's names."""
    if isinstance(element, ast.Constant):
        return element.value if isinstance(element.value, str) else None
    if not isinstance(element, ast.JoinedStr):
        return None
    parts: list[str] = []
    for value in element.values:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            parts.append(value.value)
            continue
        if (not isinstance(value, ast.FormattedValue) or value.conversion != -1
                or value.format_spec is not None):
            return None
        expr = ast.unparse(value.value)
        if expr in ("__spec__.parent", "__package__"):
            parts.append(package)
        elif expr in ("__name__", "__spec__.name"):
            parts.append(name)
        else:
            return None
    return "".join(parts)


def _names_lazy_modules(node: ast.AST) -> bool:
    """Whether `node` reads or writes the name `__lazy_modules__` anywhere in it."""
    return any(isinstance(n, ast.Name) and n.id == "__lazy_modules__" for n in ast.walk(node))


def lazy_modules(body: Sequence[ast.stmt], before: int, name: str,
                 is_package: bool) -> frozenset[str]:
    """The modules a file's `__lazy_modules__` surely lists when its line `before` runs.

    From Python 3.15 (PEP 810), a module-level import of a listed module is lazy. Read
    from a module-level assignment of a list, tuple or set literal before that line,
    whose entries are strings or f-strings of `__spec__.parent`, `__package__` or
    `__name__` (tox: `f"{__spec__.parent}.run"`; other entries are not read). Anything
    else that touches the name before the line (an assignment under an `if`, of another
    value, `+=`, `del`, a method call) makes the list unknown: empty here. `name` is the
    module's, `is_package` whether it is a package's `__init__`.
    """
    package = name if is_package else name.rpartition(".")[0]
    listed: frozenset[str] = frozenset()
    for node in body:
        if node.lineno >= before:
            break
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id == "__lazy_modules__"):
            value = node.value
            if isinstance(value, ast.List | ast.Tuple | ast.Set) and not any(
                    _names_lazy_modules(e) for e in value.elts):
                names = (_lazy_name(e, name, package) for e in value.elts)
                listed = frozenset(n for n in names if n)
            else:
                listed = frozenset()
        elif (not isinstance(node, ast.Import | ast.ImportFrom | ast.FunctionDef
                                 | ast.AsyncFunctionDef | ast.ClassDef)
                and _names_lazy_modules(node)):
            listed = frozenset()
    return listed


def lazy_importable(node: ast.Import | ast.ImportFrom) -> bool:
    """Whether PEP 810 can make this statement lazy: not a star or `__future__` import."""
    return not (isinstance(node, ast.ImportFrom)
                and (node.module == "__future__" or any(a.name == "*" for a in node.names)))


def imported_modules(node: ast.Import | ast.ImportFrom, name: str,
                     is_package: bool) -> list[str]:
    """The full names of the modules an import statement of module `name` imports.

    `from X import y` imports X (y may be a submodule, or not); a relative import is
    resolved against the module's package. Empty when it climbs above the top.
    """
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not node.level:
        return [node.module or ""]
    parts = (name if is_package else name.rpartition(".")[0]).split(".")
    if node.level - 1 >= len(parts):
        return []
    base = ".".join(parts[:len(parts) - (node.level - 1)])
    return [f"{base}.{node.module}" if node.module else base]
