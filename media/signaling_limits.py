"""The rules a stranger on the signaling port is held to, and the bounded trace it leaves.

The signaling port faces the internet on the day, so anyone can open connections to it. Every
connection that has not (yet) joined with a token this studio signed is *pending*: it has a
deadline, it counts against a total and a per-address cap, and a refusal costs its address a
token from a bucket. Whatever is closed or refused is counted here per kind and per address, and
summed up at most once a window in the log and the journal: a flood costs a few lines, never one
per attempt, and never the peer's own text.

Pure bookkeeping with the time passed in (`now`), so the rules are tested without sockets.
"""

from __future__ import annotations

import collections
import ctypes
import functools
from dataclasses import dataclass, field
from typing import Any

from ceremony.wire import JoinRefusal


@dataclass(frozen=True)
class SignalingLimits:
    handshake_s: float = 5.0  # TLS handshake
    join_s: float = 5.0  # from accepting the connection to a join message (TLS and upgrade too)
    answer_s: float = 10.0  # building the answer to an authenticated offer
    close_s: float = 1.0  # waiting for the peer's WebSocket close frame
    max_pending: int = 128  # connections not joined, all addresses together
    max_pending_per_address: int = 16  # a NAT'd site restarting 11 venue PCs at once fits
    refusal_burst: float = 10.0  # refusals an address may collect at once ...
    refusals_per_s: float = 0.5  # ... and how fast it earns them back
    max_addresses: int = 4096  # addresses remembered (buckets and counts); the rest are "other"
    summary_s: float = 60.0  # how often counts go to the log and the journal
    summary_addresses: int = 20  # addresses named in one summary (the busiest)

    def journal_bound_bytes(self) -> int:
        """The most one summary note adds to the journal: a record's frame, every kind (closes
        and refusal reasons, ~40 B each) and the busiest addresses (~60 B each)."""
        return 400 + (len(CloseKind.ALL) + len(JoinRefusal)) * 40 + self.summary_addresses * 60


class CloseKind:
    """Why a connection ended before joining (journal keys: stable, not translated)."""

    OVER_TOTAL = "evicted_total_cap"  # the oldest pending connection of the busiest address
    OVER_ADDRESS = "evicted_address_cap"
    RATE_LIMITED = "rate_limited"  # its address has used up its refusals
    HANDSHAKE_FAILED = "tls_failed"
    JOIN_TIMEOUT = "join_timeout"  # no join in time: idle TCP, idle TLS, idle WebSocket
    NOT_A_JOIN = "not_a_join"  # a binary/oversized/invalid frame, an HTTP request, a close

    ALL = (OVER_TOTAL, OVER_ADDRESS, RATE_LIMITED, HANDSHAKE_FAILED, JOIN_TIMEOUT, NOT_A_JOIN)


class _Buckets:
    """Token buckets per address, the least recently used forgotten beyond `limit`."""

    def __init__(self, burst: float, rate: float, limit: int) -> None:
        self.burst, self.rate, self.limit = burst, rate, limit
        self._state: collections.OrderedDict[str, tuple[float, float]] = collections.OrderedDict()

    def _level(self, address: str, now: float) -> float:
        tokens, at = self._state.get(address, (self.burst, now))
        return min(self.burst, tokens + max(0.0, now - at) * self.rate)

    def empty(self, address: str, now: float) -> bool:
        return self._level(address, now) < 1.0

    def take(self, address: str, now: float) -> None:
        self._state[address] = (max(0.0, self._level(address, now) - 1.0), now)
        self._state.move_to_end(address)
        while len(self._state) > self.limit:
            self._state.popitem(last=False)


@dataclass
class SignalingTally:
    """Counts per kind and per address since the last summary, and in total. Bounded."""

    limits: SignalingLimits
    window_started: float = 0.0
    kinds: collections.Counter[str] = field(default_factory=collections.Counter)
    addresses: collections.Counter[str] = field(default_factory=collections.Counter)
    other_addresses: int = 0  # events from addresses beyond `max_addresses` in this window
    totals: collections.Counter[str] = field(default_factory=collections.Counter)

    def count(self, kind: str, address: str) -> None:
        self.kinds[kind] += 1
        self.totals[kind] += 1
        if address in self.addresses or len(self.addresses) < self.limits.max_addresses:
            self.addresses[address] += 1
        else:
            self.other_addresses += 1

    def due(self, now: float) -> bool:
        return bool(self.kinds) and now - self.window_started >= self.limits.summary_s

    def summary(self, now: float) -> dict[str, Any] | None:
        """The window's counts as one journal note (None if nothing happened); starts a new one."""
        if not self.kinds:
            self.window_started = now
            return None
        busiest = self.addresses.most_common(self.limits.summary_addresses)
        note: dict[str, Any] = {
            "signaling": "refused_or_closed",
            "window_s": round(now - self.window_started, 1),
            "total": sum(self.kinds.values()),
            "kinds": dict(sorted(self.kinds.items())),
            "addresses": dict(busiest),
            "address_count": len(self.addresses) + (1 if self.other_addresses else 0),
        }
        self.kinds.clear()
        self.addresses.clear()
        self.other_addresses = 0
        self.window_started = now
        return note


class Admission:
    """Decides, per new connection, whether it may start, and which pending one makes room."""

    def __init__(self, limits: SignalingLimits) -> None:
        self.limits = limits
        self.tally = SignalingTally(limits)
        self._buckets = _Buckets(limits.refusal_burst, limits.refusals_per_s, limits.max_addresses)
        # pending connection key -> (address, accepted at); insertion order = age
        self.pending: dict[object, tuple[str, float]] = {}
        self._per_address: collections.Counter[str] = collections.Counter()
        self.joined = 0
        self.peak_pending = 0

    def admit(self, key: object, address: str, now: float) -> tuple[bool, list[object]]:
        """(admitted, pending connections to close now to make room). Counts what it closes."""
        if self._buckets.empty(address, now):
            self.tally.count(CloseKind.RATE_LIMITED, address)
            return False, []
        victims: list[object] = []
        if self._per_address[address] >= self.limits.max_pending_per_address:
            victim = self._oldest(address)
            if victim is not None:
                victims.append(victim)
                self._evict(victim, address, CloseKind.OVER_ADDRESS, now)
        if len(self.pending) >= self.limits.max_pending:
            busiest, most = self._per_address.most_common(1)[0]
            if self._per_address[address] + 1 >= most:
                # The newcomer's own address is (now) the busiest: it waits, not the others.
                # Refused before TLS: the cheapest answer to a flood.
                self.refused(address, CloseKind.OVER_TOTAL, now)
                return False, victims
            victim = self._oldest(busiest)
            if victim is not None:
                victims.append(victim)
                self._evict(victim, busiest, CloseKind.OVER_TOTAL, now)
        self.pending[key] = (address, now)
        self._per_address[address] += 1
        self.peak_pending = max(self.peak_pending, len(self.pending))
        return True, victims

    def _evict(self, victim: object, address: str, kind: str, now: float) -> None:
        self.forget(victim)
        self.refused(address, kind, now)  # evictions cost the address, like refusals

    def _oldest(self, address: str) -> object | None:
        return next((k for k, (a, _) in self.pending.items() if a == address), None)

    def forget(self, key: object) -> bool:
        """The connection is no longer pending (closed, or joined). False if it was not."""
        entry = self.pending.pop(key, None)
        if entry is None:
            return False
        address = entry[0]
        self._per_address[address] -= 1
        if self._per_address[address] <= 0:
            del self._per_address[address]
        return True

    def closed(self, key: object, kind: str, now: float) -> None:
        """A pending connection closed for `kind`: counted, and it costs its address."""
        entry = self.pending.get(key)
        if entry is None:
            return
        self.forget(key)
        self.refused(entry[0], kind, now)

    def refused(self, address: str, kind: str, now: float) -> None:
        self.tally.count(kind, address)
        self._buckets.take(address, now)

    def promote(self, key: object) -> bool:
        if self.forget(key):
            self.joined += 1
            return True
        return False


def release_freed_memory() -> None:
    """Give memory freed after a flood back to the system (glibc keeps it otherwise).

    Each TLS connection holds a 256 KiB read buffer (asyncio's SSLProtocol); after a few hundred
    have come and gone, glibc keeps the freed heap. A no-op where there is no malloc_trim.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Any:
    # The process's own symbols: no library search (find_library runs a subprocess).
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):  # not glibc
        return None


def escape(text: str, limit: int = 80) -> str:
    """Peer-supplied text made safe for one log line: no line breaks, no control characters,
    cut to `limit` characters (repr does the escaping)."""
    shown = repr(text[:limit])
    return shown + ("…" if len(text) > limit else "")
