"""The simulation shim's own timer: deliveries on the loop, in the order of their instants."""

from __future__ import annotations

import asyncio
import time

from media.netsim import NetKind, NetProfile, NetShim, PreciseTimer


async def test_the_timer_delivers_on_the_loop_in_order_of_instants() -> None:
    loop = asyncio.get_running_loop()
    timer = PreciseTimer(loop)
    got: list[str] = []
    done = asyncio.Event()
    now = time.monotonic()

    def deliver(name: str) -> None:
        assert asyncio.get_running_loop() is loop  # on the loop, not the timer's thread
        assert time.monotonic() >= now + 0.003  # never before its instant
        got.append(name)
        if len(got) == 4:
            done.set()

    timer.call_at(now + 0.006, lambda: deliver("c"))
    timer.call_at(now + 0.003, lambda: deliver("a"))
    timer.call_at(now + 0.006, lambda: deliver("d"))  # the same instant: after "c"
    timer.call_at(now + 0.004, lambda: deliver("b"))
    await asyncio.wait_for(done.wait(), 5)
    assert got == ["a", "b", "c", "d"]


async def test_the_shim_hands_each_message_its_delay_and_loses_none_on_a_lan() -> None:
    shim = NetShim(NetProfile.make(NetKind.LAN, 0.002, 0.0), reliable=False, seed=1)
    got: list[float] = []
    done = asyncio.Event()

    def deliver(delay: float) -> None:
        got.append(delay)
        if len(got) == 20:
            done.set()

    delays = [shim.pass_on(n % 2 == 0, deliver) for n in range(20)]
    await asyncio.wait_for(done.wait(), 5)
    assert all(d is not None and 0.00095 <= d <= 0.00105 for d in delays)
    assert sorted(got) == sorted(d for d in delays if d is not None)
