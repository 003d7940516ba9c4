"""The simulation layer under the protocol: shifted venue clocks and impaired data channels.

Linux netem is not available here, so impairment happens in the process, below the wire protocol
and invisible to it: the venue code reads its clock and uses its data channels exactly as in
production. Everything on one host shares one true monotonic clock, so the harness can measure
true fire times instead of estimating them.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class NetKind(StrEnum):
    NONE = "none"
    LAN = "lan"
    WAN = "wan"
    BAD = "bad"


@dataclass(frozen=True)
class SimClock:
    """A venue clock off by `offset_s` and running `drift_ppm` fast against the host's."""

    offset_s: float = 0.0
    drift_ppm: float = 0.0
    origin: float = 0.0

    def __call__(self) -> float:
        t = time.monotonic()
        return t + self.offset_s + self.drift_ppm * 1e-6 * (t - self.origin)

    def host_of(self, reading: float) -> float:
        """The host's monotonic clock when this clock read `reading` (its `HostOf`)."""
        rate = self.drift_ppm * 1e-6
        return (reading - self.offset_s + rate * self.origin) / (1 + rate)


@dataclass(frozen=True)
class NetProfile:
    """One venue's path. `asymmetry_s` = mean forward (venue→studio) minus mean return delay."""

    kind: NetKind
    rtt_s: float = 0.0
    asymmetry_s: float = 0.0
    jitter: float = 0.0  # fraction of each one-way delay, uniform ±
    loss: float = 0.0
    spike_chance: float = 0.0
    spike_s: float = 0.0

    @classmethod
    def make(cls, kind: NetKind, rtt_s: float, asymmetry_s: float) -> NetProfile:
        if kind is NetKind.NONE:
            return cls(kind)
        if kind is NetKind.LAN:
            return cls(kind, rtt_s=rtt_s or 0.001, asymmetry_s=asymmetry_s, jitter=0.05)
        if kind is NetKind.WAN:
            return cls(kind, rtt_s=rtt_s, asymmetry_s=asymmetry_s, jitter=0.10)
        return cls(
            kind,
            rtt_s=rtt_s,
            asymmetry_s=asymmetry_s,
            jitter=0.10,
            loss=0.05,
            spike_chance=0.03,
            spike_s=0.25,
        )

    def one_way(self, forward: bool, rng: random.Random) -> float:
        mean = self.rtt_s / 2 + (self.asymmetry_s / 2 if forward else -self.asymmetry_s / 2)
        mean = max(0.0, mean)
        delay = mean * (1 + rng.uniform(-self.jitter, self.jitter))
        if self.spike_chance and rng.random() < self.spike_chance:
            delay += rng.uniform(0, self.spike_s)
        return delay


@dataclass
class LinkCut:
    """The harness's switch for a dead link: until `until` (host monotonic) nothing gets through;
    reliable messages are held (SCTP keeps resending them) and unreliable ones are lost."""

    until: float = 0.0

    def active(self) -> bool:
        return time.monotonic() < self.until


class PreciseTimer:
    """Runs callbacks on one event loop at host-clock instants, to within about 0.1 ms.

    The shim's own delays need it and nothing else does: asyncio's epoll selector rounds every
    wait up to a whole millisecond, which gave each simulated leg 0-1 ms (median 1 ms here) of
    extra delay of its own, uncorrelated between the two legs, that no LAN has; clock probes
    then measured the shim's rounding instead of the path. A thread waits precisely and hands
    each delivery to the loop with `call_soon_threadsafe`: the loop runs it as soon as it is
    free, so whatever keeps the code under test's loop busy still delays it, as it would a
    packet that arrived. The thread ends after IDLE_EXIT_S without work (a new one starts when
    needed), so a dropped shim leaves nothing behind.
    """

    IDLE_EXIT_S = 5.0

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._heap: list[tuple[float, int, Callable[[], object]]] = []
        self._order = itertools.count()  # equal instants keep the order they were given in
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def call_at(self, when: float, callback: Callable[[], object]) -> None:
        """Run `callback` on the loop at `when` (time.monotonic)."""
        with self._cond:
            heapq.heappush(self._heap, (when, next(self._order), callback))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="netsim-timer", daemon=True)
                self._thread.start()
            self._cond.notify()

    def _run(self) -> None:
        with self._cond:
            while True:
                if not self._heap:
                    if not self._cond.wait(self.IDLE_EXIT_S) and not self._heap:
                        self._thread = None
                        return
                    continue
                when, _, callback = self._heap[0]
                wait = when - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
                try:
                    self._loop.call_soon_threadsafe(callback)
                except RuntimeError:  # the loop is closed: nothing left to deliver to
                    self._heap.clear()
                    self._thread = None
                    return


class NetShim:
    """Delays (and loses) one data channel's messages in both directions.

    On a reliable channel a lost packet is not lost: SCTP sends it again after a timeout, so it
    arrives late and in order. On the unordered, no-retransmit channel it is simply gone.
    """

    def __init__(
        self, profile: NetProfile, *, reliable: bool, seed: int, cut: LinkCut | None = None
    ) -> None:
        self.profile = profile
        self.cut = cut
        self.reliable = reliable
        self._rng = random.Random(seed)
        self._last_release = {True: 0.0, False: 0.0}
        self._timer: PreciseTimer | None = None

    @property
    def active(self) -> bool:
        return self.profile.kind is not NetKind.NONE

    def _release_after(self, forward: bool) -> float | None:
        delay = self.profile.one_way(forward, self._rng)
        if self.cut is not None and self.cut.active():
            if not self.reliable:
                return None
            delay += self.cut.until - time.monotonic()
        if self.profile.loss and self._rng.random() < self.profile.loss:
            if not self.reliable:
                return None
            delay += max(0.2, 3 * self.profile.rtt_s)  # a retransmission timeout later
        if self.reliable:  # ordered: nothing overtakes what was sent before it
            release = max(time.monotonic() + delay, self._last_release[forward])
            self._last_release[forward] = release
            delay = release - time.monotonic()
        return max(0.0, delay)

    def pass_on(self, forward: bool, deliver: Callable[[float], object]) -> float | None:
        """Deliver one message after its simulated delay (`deliver` is given it); returns the
        delay, or None if the message is lost."""
        delay = self._release_after(forward)
        if delay is None:
            return None
        if delay <= 0:
            deliver(delay)
            return delay
        loop = asyncio.get_running_loop()
        if self._timer is None or self._timer.loop is not loop:
            self._timer = PreciseTimer(loop)
        self._timer.call_at(time.monotonic() + delay, lambda: deliver(delay))
        return delay
