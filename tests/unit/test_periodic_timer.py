"""The studio's one timer for periodic jobs, driven by a fake clock and a fake loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, cast

import pytest

from media.studio.periodic import PeriodicTimer


class Handle:
    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class FakeLoop:
    """Records the one pending call; the test runs it by hand."""

    def __init__(self) -> None:
        self.pending: list[tuple[float, Callable[[], None], Handle]] = []

    def call_later(self, delay: float, callback: Callable[[], None]) -> Handle:
        handle = Handle()
        self.pending.append((delay, callback, handle))
        return handle

    def is_closed(self) -> bool:
        return False

    def next_call(self) -> tuple[float, Callable[[], None]]:
        live = [(d, cb) for d, cb, h in self.pending if not h.cancelled]
        assert len(live) == 1, "one timer, never more"
        self.pending.clear()
        return live[0]


@pytest.fixture
def clock() -> list[float]:
    return [100.0]


def test_one_timer_runs_each_job_at_its_own_period(clock: list[float]) -> None:
    # Periods and delays exact in binary: the instants compare exactly.
    ran: list[tuple[str, float, float]] = []
    timer = PeriodicTimer(lambda: clock[0], "test")
    timer.add("fast", 0.125, lambda now, due: ran.append(("fast", now, due)))
    timer.add("slow", 2.0, lambda now, due: ran.append(("slow", now, due)))
    loop = FakeLoop()
    timer.start(cast(asyncio.AbstractEventLoop, loop))
    delay, fire = loop.next_call()
    assert delay == 0.125
    clock[0] += 0.1875  # the loop ran the timer 62.5 ms late: the job is told so
    fire()
    assert ran == [("fast", 100.1875, 100.125)]
    delay, fire = loop.next_call()
    assert delay == 0.125  # a period after it ran, not after it was due
    for _ in range(20):
        clock[0] += delay
        fire()
        delay, fire = loop.next_call()
    names = [name for name, _, _ in ran]
    assert ("slow", 102.0, 102.0) in ran  # the timer woke for it alone, between two fast turns
    assert names.count("slow") == 1
    assert names.count("fast") == 20  # 2.5 s: one turn went to the slow job


def test_a_failing_job_neither_stops_the_others_nor_the_timer(clock: list[float]) -> None:
    ran: list[float] = []

    def broken(now: float, due: float) -> Any:
        raise RuntimeError("statistics failed")

    timer = PeriodicTimer(lambda: clock[0], "test")
    timer.add("broken", 0.1, broken)
    timer.add("fine", 0.1, lambda now, due: ran.append(now))
    loop = FakeLoop()
    timer.start(cast(asyncio.AbstractEventLoop, loop))
    for _ in range(3):
        delay, fire = loop.next_call()
        clock[0] += delay
        fire()
    assert len(ran) == 3


def test_stop_cancels_the_pending_turn(clock: list[float]) -> None:
    timer = PeriodicTimer(lambda: clock[0], "test")
    timer.add("job", 1.0, lambda now, due: None)
    loop = FakeLoop()
    timer.start(cast(asyncio.AbstractEventLoop, loop))
    timer.stop()
    assert all(handle.cancelled for _, _, handle in loop.pending)
