"""The one loop timer that wakes a session at the instant it asks for."""

from __future__ import annotations

import asyncio

from media.session_timer import SessionTimer


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
