"""Heartbeats, loss detection, reconnect backoff and rate meters: link bookkeeping, sans I/O."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

HEARTBEAT_INTERVAL_S = 1.0
# Silence after which the peer is lost: within 3 s of the failure, counting the checker's
# 0.1 s granularity (aioice alone would take ~30 s).
LOST_AFTER_S = 2.8


@dataclass
class Liveness:
    """Tracks when the peer was last heard from and the heartbeat round trip."""

    lost_after_s: float = LOST_AFTER_S
    last_heard: float | None = None
    next_seq: int = 0
    rtt_s: float | None = None
    last_sent: float | None = None
    # The raw round trips (not smoothed), counted, for benchmarks that want samples.
    samples: int = 0
    last_sample_s: float | None = None
    _sent: dict[int, float] = field(default_factory=dict)  # awaiting their ack
    # The last answered heartbeat: (seq, sent, answer heard), both on this side's clock.
    last_round: tuple[int, float, float] | None = None

    def heard(self, now: float) -> None:
        self.last_heard = now

    def is_lost(self, now: float) -> bool:
        """From `lost_at()` on (inclusive: a timer set for that instant finds it lost)."""
        return self.last_heard is not None and now >= self.last_heard + self.lost_after_s

    def lost_at(self) -> float | None:
        return None if self.last_heard is None else self.last_heard + self.lost_after_s

    def silent_for(self, now: float) -> float:
        return 0.0 if self.last_heard is None else now - self.last_heard

    def heartbeat_due(self, now: float, interval: float) -> bool:
        """True when no heartbeat went out in the last `interval` seconds."""
        return self.last_sent is None or now - self.last_sent >= interval

    def heartbeat_sent(self, now: float) -> int:
        seq = self.next_seq
        self.next_seq += 1
        self._sent[seq] = now
        self.last_sent = now
        for old in [s for s in self._sent if s < seq - 10]:
            del self._sent[old]
        return seq

    def heartbeat_departed(self, seq: int, at: float) -> None:
        """Heartbeat `seq` (sent at `heartbeat_sent`) went on the wire at `at`: its round
        trip and clock round are timed from there."""
        if seq in self._sent:
            self._sent[seq] = at

    def ack_received(self, seq: int, now: float) -> None:
        sent = self._sent.pop(seq, None)
        if sent is not None:
            self.rtt_sample(now - sent)
            self.last_round = (seq, sent, now)

    def rtt_sample(self, sample: float) -> None:
        """A round trip measured on this link (a heartbeat's, or a clock probe's)."""
        self.samples += 1
        self.last_sample_s = sample
        # Smooth like RFC 6298's SRTT so one slow ack does not make the board flicker.
        self.rtt_s = sample if self.rtt_s is None else 0.875 * self.rtt_s + 0.125 * sample


@dataclass
class Backoff:
    """Reconnect delays: quick first retries, then doubling up to a cap. Jitter is passed in."""

    first_s: float = 0.25
    cap_s: float = 4.0
    attempt: int = 0

    def next_delay(self, jitter: float = 0.0) -> float:
        """`jitter` in [0, 1): spreads eleven venues' retries after a studio restart."""
        delay = min(self.cap_s, self.first_s * 2.0**self.attempt)
        self.attempt += 1
        return delay * (1.0 + 0.25 * jitter)

    def reset(self) -> None:
        self.attempt = 0


@dataclass
class RateMeter:
    """Events per second over a sliding window (frames, packets)."""

    window_s: float = 2.0
    total: int = 0
    _times: deque[float] = field(default_factory=deque)

    def add(self, now: float, count: int = 1) -> None:
        self.total += count
        for _ in range(count):
            self._times.append(now)
        self._trim(now)

    def rate(self, now: float) -> float:
        self._trim(now)
        if not self._times:
            return 0.0
        return len(self._times) / self.window_s

    def _trim(self, now: float) -> None:
        while self._times and self._times[0] <= now - self.window_s:
            self._times.popleft()
