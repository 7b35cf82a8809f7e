"""libcst on a stack of its own, so deeply nested code is read the same way in every run.

libcst's parser wrapper, metadata providers and code generation recurse once or more
per nesting level of the code they read: a 400-term `a + b + ...` in a class body takes
more than Python's default 1000 frames. How many frames are left depends on how deep
the caller already is, so one module failed in one `fix` run and not in another (pandas
and SQLAlchemy with `--repeat 3`), and libcst's position provider turned the
RecursionError into a KeyError on the class body (its `finally` looks up the position of
a body the recursion never finished). `run` calls a function in a fresh thread with a
large stack and a high recursion limit: the same budget every time, whatever the
caller's depth. Code that needs more is `TooDeep`, which `fix` lists as a refusal.
"""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")

#: Frames the function may use: about 9,000 terms of `a + b + ...` in a class body.
LIMIT = 30_000
#: Stack of the thread (reserved, not committed: only the pages used cost memory).
STACK_BYTES = 512 * 1024 * 1024

# The recursion limit is the interpreter's, and the stack size applies to the next
# thread started: one call at a time sets and restores them.
_LOCK = threading.Lock()


class TooDeepError(Exception):
    """The code nests deeper than libcst can follow within `LIMIT` frames."""


def _recursed(exc: BaseException) -> bool:
    """Whether a RecursionError is `exc` or what it was raised while handling."""
    seen: set[int] = set()
    found: BaseException | None = exc
    while found is not None and id(found) not in seen:
        if isinstance(found, RecursionError):
            return True
        seen.add(id(found))
        found = found.__cause__ or found.__context__
    return False


def run(function: Callable[..., T], *args: object) -> T:
    """`function(*args)` in a thread with a stack of `STACK_BYTES` and `LIMIT` frames.

    Its exception is raised here; one caused by running out of frames (whatever libcst
    turned it into) as `TooDeepError`.
    """
    limit = LIMIT
    result: list[T] = []
    failed: list[BaseException] = []

    def call() -> None:
        try:
            result.append(function(*args))
        except BaseException as exc:  # handed to the caller's thread, raised there
            failed.append(exc)

    with _LOCK:
        before = sys.getrecursionlimit()
        try:
            size = threading.stack_size(STACK_BYTES)
        except (ValueError, RuntimeError):  # a platform that cannot: its default stack
            size = None
        sys.setrecursionlimit(limit)
        try:
            worker = threading.Thread(target=call, name="importaudit-libcst", daemon=True)
            worker.start()
            if size is not None:
                threading.stack_size(size)
                size = None
            worker.join()
        finally:
            if size is not None:
                threading.stack_size(size)
            sys.setrecursionlimit(before)
    if failed:
        if _recursed(failed[0]):
            raise TooDeepError(f"libcst cannot read it: its code nests deeper than {limit} "
                               "frames of recursion follow") from None
        raise failed[0]
    return result[0]
