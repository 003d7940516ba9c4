"""The simulation layer under the protocol: shifted venue clocks and impaired data channels.

Linux netem is not available here, so impairment happens in the process, below the wire protocol
and invisible to it: the venue code reads its clock and uses its data channels exactly as in
production. Everything on one host shares one true monotonic clock, so the harness can measure
true fire times instead of estimating them.
"""

from __future__ import annotations

import asyncio
import random
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

    def pass_on(self, forward: bool, deliver: Callable[[], object]) -> None:
        delay = self._release_after(forward)
        if delay is None:
            return
        if delay <= 0:
            deliver()
        else:
            asyncio.get_running_loop().call_later(delay, deliver)
