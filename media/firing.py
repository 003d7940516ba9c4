"""Firing at the deadline: a dedicated thread on the monotonic clock.

Not the GUI thread, not the asyncio loop: both can be busy for tens of milliseconds. The thread
sleeps until shortly before the deadline, then spins on the clock. The deadline may be refined
while it waits (newer clock estimates); an abort cancels it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

SPIN_S = 0.003  # the last stretch is spun, not slept: sleep wake-ups are late by ~0.1-1 ms


@dataclass(frozen=True)
class FireRecord:
    arm_id: int
    deadline_local: float
    fired_local: float  # the venue clock when it fired
    fired_true: float  # the host's monotonic clock at the same instant


Clock = Callable[[], float]


class FireScheduler:
    """One pending deadline at a time, fired from its own thread."""

    def __init__(
        self,
        clock: Clock,
        on_fire: Callable[[FireRecord], None],
        true_clock: Clock = time.monotonic,
    ) -> None:
        self._clock = clock
        self._true_clock = true_clock
        self._on_fire = on_fire
        self._cond = threading.Condition()
        self._arm_id: int | None = None
        self._deadline: float | None = None
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="countdown-fire", daemon=True)
        self._thread.start()

    def schedule(self, arm_id: int, deadline_local: float) -> None:
        """Set or move the deadline of `arm_id` (a newer arm replaces an older one)."""
        with self._cond:
            self._arm_id, self._deadline = arm_id, deadline_local
            self._cond.notify()

    def cancel(self, arm_id: int) -> None:
        with self._cond:
            if self._arm_id == arm_id:
                self._arm_id, self._deadline = None, None
                self._cond.notify()

    def close(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify()
        self._thread.join(timeout=2)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and self._deadline is None:
                    self._cond.wait()
                if self._stopping:
                    return
                assert self._deadline is not None and self._arm_id is not None
                arm_id, deadline = self._arm_id, self._deadline
                wait = deadline - self._clock() - SPIN_S
                if wait > 0:
                    # Woken early by a refinement or an abort; then look again.
                    self._cond.wait(timeout=min(wait, 0.5))
                    continue
            now = self._clock()
            while now < deadline:
                now = self._clock()
            true_now = self._true_clock()
            with self._cond:
                if self._arm_id != arm_id or self._deadline != deadline:
                    continue  # moved or aborted during the spin; take the new deadline
                self._arm_id, self._deadline = None, None
            record = FireRecord(arm_id, deadline, now, true_now)
            try:
                self._on_fire(record)
            except Exception:
                log.exception("fire callback failed")
