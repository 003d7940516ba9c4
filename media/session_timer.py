"""One loop timer for a sans-I/O session: armed at the instant the session asks to be woken.

The pattern of aioquic's asyncio adapter: after every call into the session, `wake()` moves the
one timer to `next_timer()`; when it fires, the session's `handle_timer(now)` runs and the timer
is moved again. No polling task; the session's instants are on `clock`, which need not be the
loop's (the simulation harness shifts a venue's clock): the delay is what maps them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from media.clock import Clock

log = logging.getLogger(__name__)

# After a turn that raised, the next one waits at least this long even if the session still asks
# for an instant in the past: a fault that repeats must not spin the loop (and the log) flat out.
RETRY_AFTER_FAILURE_S = 0.1


class SessionTimer:
    def __init__(
        self,
        next_timer: Callable[[], float | None],
        on_timer: Callable[[float], None],
        clock: Clock,
        name: str,
    ) -> None:
        """`on_timer(now)` feeds the session's `handle_timer(now)` and acts on its output."""
        self._next_timer = next_timer
        self._on_timer = on_timer
        self._clock = clock
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._at: float | None = None  # the session instant the handle is set for
        self._due = 0.0  # when the handle should run (on `clock`)
        self._not_before: float | None = None  # after a failed turn (on `clock`)
        # How long after its instant the last turn ran: beyond the loop's usual lag, the loop
        # stood still meanwhile (the studio does not count that as its venues' silence).
        self.late_s = 0.0

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.wake()

    def stop(self) -> None:
        self._cancel()
        self._loop = None

    def wake(self) -> None:
        """Re-arm at the session's next instant (none: sleep until fed again)."""
        at = self._next_timer()
        if at is not None and self._not_before is not None:
            at = max(at, self._not_before)
        if self._handle is not None and at == self._at:
            return  # already set for it: most messages leave the instant where it was
        self._cancel()
        loop = self._loop
        if at is None or loop is None or loop.is_closed():
            return
        self._at = at
        now = self._clock()
        self._due = max(at, now)  # an instant already past is due now, not back then
        self._handle = loop.call_later(max(0.0, at - now), self._fire)

    def _cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _fire(self) -> None:
        self._handle = None
        now = self._clock()
        self.late_s = max(0.0, now - self._due)
        try:
            self._on_timer(now)
            self._not_before = None
        except Exception:  # one bad turn must not stop the heartbeats for good
            log.exception("%s: session timer failed", self._name)
            self._not_before = now + RETRY_AFTER_FAILURE_S
        self.wake()
