"""Building blocks shared by every track and bus: a steady pace and a bounded hand-over queue."""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

T = TypeVar("T")

MAX_BEHIND_S = 1.0  # further behind than this (a stalled machine): skip ahead, never burst


class Pacer:
    """Yields tick numbers at a fixed rate on the monotonic clock."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self._start: float | None = None
        self._n = 0

    async def next(self) -> int:
        now = time.monotonic()
        if self._start is None:
            self._start = now
        due = self._start + self._n * self.interval_s
        if due > now:
            await asyncio.sleep(due - now)
        elif now - due > MAX_BEHIND_S:
            self._n = int((now - self._start) / self.interval_s)
        n = self._n
        self._n += 1
        return n


class QueuedTrack(MediaStreamTrack, Generic[T]):
    """A track fed by `push()` from elsewhere; the queue is bounded and drops the oldest."""

    def __init__(self, maxlen: int, on_stop: Callable[[QueuedTrack[T]], None]) -> None:
        super().__init__()
        self._queue: collections.deque[T] = collections.deque(maxlen=maxlen)
        self._ready = asyncio.Event()
        self._on_stop = on_stop
        self.dropped = 0

    def push(self, item: T) -> bool:
        """Queue `item`; True if an older one had to be dropped to make room."""
        full = len(self._queue) == self._queue.maxlen
        if full:
            self.dropped += 1
        self._queue.append(item)
        self._ready.set()
        return full

    async def next_item(self) -> T:
        while not self._queue:
            if self.readyState != "live":
                raise MediaStreamError
            self._ready.clear()
            await self._ready.wait()
        return self._queue.popleft()

    def stop(self) -> None:
        super().stop()
        self._ready.set()
        self._on_stop(self)
