"""The simulation shim's own timer (deliveries on the loop, in the order of their instants) and
its shifted, drifting venue clock."""

from __future__ import annotations

import asyncio
import time

import pytest

from media.netsim import NetKind, NetProfile, NetShim, PreciseTimer, SimClock


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


def test_a_simulated_clock_reading_maps_back_to_the_host_instant_it_was_taken_at() -> None:
    clock = SimClock(offset_s=-37.25, drift_ppm=250, origin=1000.0)
    for host in (1000.0, 1003.5, 87_000.25):
        # The reading the clock gives at that host instant, then back.
        reading = host - 37.25 + 250e-6 * (host - 1000.0)
        assert clock.host_of(reading) == pytest.approx(host, abs=1e-9)
    before = time.monotonic()
    reading = clock()
    assert before - 1e-9 <= clock.host_of(reading) <= time.monotonic() + 1e-9
