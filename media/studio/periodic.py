"""One loop timer for the studio's periodic jobs (statistics, health watches).

The session protocol and the sequencer are woken at their next instants (media/session_timer.py);
what is left is periodic by nature: link statistics, the loop's own lag, summaries, devices that
fail on their own threads. Each job has its period; the one timer is armed at the
earliest due job, runs every job that is due, and is armed again. A job's next turn is a period
after it ran (like a loop that sleeps after its work), so a slow turn does not bunch up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from media.clock import Clock

log = logging.getLogger(__name__)

# A job is given the instant it runs and the instant it was due (its lateness is the loop's).
Job = Callable[[float, float], None]


@dataclass
class _Entry:
    name: str
    every_s: float
    job: Job
    due: float = 0.0


class PeriodicTimer:
    def __init__(self, clock: Clock, name: str) -> None:
        self._clock = clock
        self._name = name
        self._entries: list[_Entry] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._handle: asyncio.TimerHandle | None = None

    def add(self, name: str, every_s: float, job: Job) -> None:
        """Run `job` every `every_s` once started; jobs due together run in the order added."""
        self._entries.append(_Entry(name, every_s, job))

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        now = self._clock()
        for entry in self._entries:
            entry.due = now + entry.every_s
        self._arm()

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._loop = None

    def next_due(self) -> float | None:
        return min((e.due for e in self._entries), default=None)

    def _arm(self) -> None:
        loop, at = self._loop, self.next_due()
        if loop is None or loop.is_closed() or at is None:
            return
        self._handle = loop.call_later(max(0.0, at - self._clock()), self._fire)

    def _fire(self) -> None:
        self._handle = None
        now = self._clock()
        for entry in self._entries:
            if entry.due > now:
                continue
            due, entry.due = entry.due, now + entry.every_s
            try:
                entry.job(now, due)
            except Exception:  # one failing job must not stop the others for good
                log.exception("%s: periodic job %s failed", self._name, entry.name)
        self._arm()
