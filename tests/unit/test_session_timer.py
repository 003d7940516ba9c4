"""The one loop timer that wakes a session at the instant it asks for."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from media.session_timer import RETRY_AFTER_FAILURE_S, SessionTimer


def test_the_timer_fires_at_the_asked_instant_on_a_shifted_clock_and_rearms() -> None:
    async def main() -> list[tuple[float, float]]:
        loop = asyncio.get_running_loop()
        shift = 5000.0  # the session's clock is not the loop's: only delays are mapped

        def clock() -> float:
            return loop.time() + shift

        wanted = [clock() + 0.02, clock() + 0.04]
        fired: list[tuple[float, float]] = []
        done = asyncio.Event()

        def on_timer(now: float) -> None:
            fired.append((wanted.pop(0), now))
            if not wanted:
                done.set()

        timer = SessionTimer(lambda: wanted[0] if wanted else None, on_timer, clock, "test")
        timer.start(loop)
        await asyncio.wait_for(done.wait(), timeout=5)
        timer.stop()
        return fired

    fired = asyncio.run(main())
    assert len(fired) == 2
    for at, now in fired:
        assert now >= at - 0.002  # the loop's timer resolution, never much early


def test_a_failing_turn_does_not_stop_the_timer_and_stop_cancels() -> None:
    async def main() -> int:
        loop = asyncio.get_running_loop()
        calls = 0
        third = asyncio.Event()

        def on_timer(now: float) -> None:
            nonlocal calls
            calls += 1
            if calls == 3:
                third.set()
                timer.stop()  # no more: next_timer would still ask
            raise RuntimeError("a bad turn")

        timer = SessionTimer(loop.time, on_timer, loop.time, "test")
        timer.start(loop)
        await asyncio.wait_for(third.wait(), timeout=5)
        seen = calls
        await asyncio.sleep(0)  # a loop turn in which a live timer would fire again
        await asyncio.sleep(0)
        return calls - seen

    assert asyncio.run(main()) == 0


def test_a_turn_that_keeps_failing_is_retried_at_a_gap_not_flat_out() -> None:
    async def main() -> list[float]:
        loop = asyncio.get_running_loop()
        turns = 0
        third = asyncio.Event()

        def on_timer(now: float) -> None:
            nonlocal turns
            turns += 1
            if turns == 3:
                third.set()
                timer.stop()
            raise RuntimeError("the same fault every time")

        # The session always says "due already" and its clock stands still: without a gap after
        # a failure every turn would be scheduled with no delay at all.
        timer = SessionTimer(lambda: 0.0, on_timer, lambda: 100.0, "test")
        delays: list[float] = []
        real_call_later = loop.call_later

        def call_later(
            delay: float, callback: Callable[..., object], *args: object
        ) -> asyncio.TimerHandle:
            if getattr(callback, "__self__", None) is not timer:
                return real_call_later(delay, callback, *args)
            delays.append(delay)
            return real_call_later(0, callback, *args)  # the test does not wait out the gap

        loop.call_later = call_later  # type: ignore[method-assign,assignment]
        timer.start(loop)
        await asyncio.wait_for(third.wait(), timeout=5)
        return delays

    delays = asyncio.run(main())
    assert delays[0] == 0.0  # the first turn is due at once
    assert delays[1:3] == [pytest.approx(RETRY_AFTER_FAILURE_S)] * 2


def test_the_timer_says_how_late_it_ran_and_an_instant_already_past_is_not_lateness() -> None:
    """The loop standing still shows as lateness (here the session's clock jumps 3 s while
    the timer waits, as a stalled loop's would); a timer set for an instant already past is
    due when it was set, so a session that asks for a past instant is not "late" by it."""

    async def main() -> list[float]:
        loop = asyncio.get_running_loop()
        jump = 0.0

        def clock() -> float:
            return loop.time() + jump

        late: list[float] = []
        wanted = [clock() + 0.01, clock() - 100.0]
        done = asyncio.Event()

        def on_timer(_now: float) -> None:
            late.append(timer.late_s)
            wanted.pop(0)
            if not wanted:
                done.set()

        timer = SessionTimer(lambda: wanted[0] if wanted else None, on_timer, clock, "test")
        timer.start(loop)
        jump = 3.0  # the loop "stood still" 3 s before the first turn could run
        await asyncio.wait_for(done.wait(), timeout=5)
        timer.stop()
        return late

    late = asyncio.run(main())
    assert late[0] == pytest.approx(3.0, abs=0.5)
    assert late[1] < 0.5
