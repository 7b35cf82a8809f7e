"""Where breaker events go: the audit trail, listeners (sync and async) and an optional sink.

A failing listener must never stop the others or the risk check itself, so errors
are logged and counted, not raised. Async listeners run on the caller's running
event loop when there is one (as tasks, referenced until done), otherwise on a
short-lived loop of their own.
"""

from __future__ import annotations

import threading
from collections import deque

TYPE_CHECKING = False
if TYPE_CHECKING:
    import asyncio
    from collections.abc import Awaitable, Callable, Iterable
    from typing import Protocol

    from risk_management.real_time.circuit_breaker.types import BreakerEvent

    #: A callable told about every breaker event, in the evaluating thread.
    BreakerListener = Callable[[BreakerEvent], object]
    #: A coroutine function told about every breaker event.
    AsyncBreakerListener = Callable[[BreakerEvent], Awaitable[object]]

    class EventSink(Protocol):
        """Anything that stores events durably (see risk_management.persistence)."""

        def record(self, event: BreakerEvent) -> None:
            """Store *event*."""


class AuditTrail:
    """The last ``maxlen`` breaker events in order; safe to read while others append."""

    def __init__(self, maxlen: int = 10_000) -> None:
        self._events: deque[BreakerEvent] = deque(maxlen=maxlen)
        self._lock = threading.Lock()

    def append(self, event: BreakerEvent) -> None:
        """Record *event*."""
        with self._lock:
            self._events.append(event)

    def events(self, breaker_name: str | None = None) -> tuple[BreakerEvent, ...]:
        """All recorded events, or those of one breaker, oldest first."""
        with self._lock:
            events = tuple(self._events)
        if breaker_name is None:
            return events
        return tuple(e for e in events if e.breaker_name == breaker_name)

    def __len__(self) -> int:
        return len(self._events)


class ListenerSet:
    """Sync and async listeners, with error isolation between them."""

    def __init__(self) -> None:
        self._sync: list[BreakerListener] = []
        self._async: list[AsyncBreakerListener] = []
        self._tasks: set[asyncio.Task[object]] = set()
        self.errors = 0

    def add(self, listener: BreakerListener) -> None:
        """Call *listener* with every event."""
        self._sync.append(listener)

    def add_async(self, listener: AsyncBreakerListener) -> None:
        """Await *listener* with every event."""
        self._async.append(listener)

    def remove(self, listener: BreakerListener | AsyncBreakerListener) -> None:
        """Stop telling *listener*; unknown listeners are ignored."""
        for bucket in (self._sync, self._async):
            while listener in bucket:
                bucket.remove(listener)  # type: ignore[arg-type]

    def notify(self, events: Iterable[BreakerEvent]) -> None:
        """Tell sync listeners now; schedule async ones (see the module docstring)."""
        events = tuple(events)
        if not events:
            return
        for event in events:
            for listener in tuple(self._sync):
                self._call(listener, event)
        if self._async:
            self._schedule_async(events)

    async def notify_async(self, events: Iterable[BreakerEvent]) -> None:
        """Tell sync listeners, then await every async listener for every event."""
        import asyncio

        events = tuple(events)
        for event in events:
            for listener in tuple(self._sync):
                self._call(listener, event)
        coroutines = [listener(e) for e in events for listener in tuple(self._async)]
        for outcome in await asyncio.gather(*coroutines, return_exceptions=True):
            if isinstance(outcome, BaseException):
                self._failed(outcome)

    def _schedule_async(self, events: tuple[BreakerEvent, ...]) -> None:
        import asyncio

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            asyncio.run(self._run_async_only(events))
            return
        for event in events:
            for listener in tuple(self._async):
                task = loop.create_task(self._guarded(listener, event))
                # The loop keeps only weak references to tasks: hold them until done.
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _run_async_only(self, events: tuple[BreakerEvent, ...]) -> None:
        for event in events:
            for listener in tuple(self._async):
                await self._guarded(listener, event)

    async def _guarded(self, listener: AsyncBreakerListener, event: BreakerEvent) -> None:
        try:
            await listener(event)
        except Exception as exc:  # a listener's bug must not break risk checks
            self._failed(exc)

    def _call(self, listener: BreakerListener, event: BreakerEvent) -> None:
        try:
            listener(event)
        except Exception as exc:  # a listener's bug must not break risk checks
            self._failed(exc)

    def _failed(self, exc: BaseException) -> None:
        import logging  # only when something went wrong

        self.errors += 1
        logging.getLogger("risk_management.circuit_breaker").error(
            "breaker listener failed", exc_info=exc
        )
