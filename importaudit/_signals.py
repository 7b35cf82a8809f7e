"""The signals that stop a command: handled while it runs, held while files are written.

Ctrl-C, SIGTERM and SIGHUP stop importaudit cleanly (`cli.base` turns them into an
exception that unwinds through the code that cleans up). Standard library only, and
imported only by what needs it.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

#: The signals that stop a command, those this platform has.
STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


@contextlib.contextmanager
def handled(handler: Callable[[int, Any], None],
            replaces: Callable[[Any], bool]) -> Iterator[None]:
    """While the block runs, `handler` handles each stop signal whose handler `replaces` accepts.

    The handlers there were before are back afterwards. Outside the main thread (where
    no handler can be set) nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for sig in STOP_SIGNALS:
        if replaces(signal.getsignal(sig)):
            previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Delay Ctrl-C, SIGTERM and SIGHUP until the block has ended.

    For writing several files that only make sense together (`fix --write`): each file
    is replaced atomically, but an interrupt between two of them would leave the set
    half applied. A signal that arrives inside the block is remembered; once the block
    is over, the handlers there were before are back and the first such signal is
    raised again, so it has the effect it would have had (the command line's clean
    stop, a `KeyboardInterrupt`, or the default action). A signal ignored stays
    ignored, and one whose handler was set outside Python (None) is left alone: it
    could not be put back. A second signal inside the block takes effect at once: a
    write that hangs can still be stopped.
    """
    arrived: list[int] = []
    before = ({sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
              if threading.current_thread() is threading.main_thread() else {})

    def remember(signum: int, frame: Any) -> None:
        if not arrived:
            arrived.append(signum)
            return
        # A second one: the write may hang (a stalled network file system), and the
        # user insists. It has the effect it would have had, now.
        old = before.get(signum)
        if callable(old):
            old(signum, frame)
        else:
            signal.signal(signum, signal.SIG_DFL)
            signal.raise_signal(signum)

    with handled(remember, lambda old: old not in (None, signal.SIG_IGN)):
        yield
    if arrived:
        signal.raise_signal(arrived[0])
