"""A data channel that speaks the wire protocol: typed messages out, validated messages in.

Whatever the peer sends, the session survives it: a bad message is answered with an Error
message; a handler that fails is logged, not propagated into aiortc. A flood of bad messages
costs a few log lines (the first, then a count every LOG_EVERY_S) and at most ERRORS_PER_S
answers a second: never one line per message, never the peer's text.
"""

from __future__ import annotations

import collections
import logging
import time
from collections.abc import Callable

from aiortc import RTCDataChannel

from ceremony import wire
from media.aiortc_compat import ArrivalStamps, Departing
from media.netsim import NetShim

log = logging.getLogger(__name__)

Handler = Callable[[wire.Message], None]
# A tracer's view of a message on its way: (stage, raw data, the shim's delay for it or None).
StageHook = Callable[[str, str | bytes, float | None], None]
ERRORS_PER_S = 20  # error answers a second, at most: a flood is not echoed back at full rate
# Bytes of larger messages decoded a second: what a peer can make us parse is bounded (a 16 KiB
# message of brackets costs ~1 ms). Small messages (heartbeats, acks) are always decoded, so a
# flood of big junk cannot starve a session of its own liveness.
BYTES_PER_S = 256 * 1024
BYTES_BURST = 512 * 1024
ALWAYS_DECODED = 512  # bytes
LOG_EVERY_S = 10.0
# Stamps a message as it goes on the wire: (message, how long before now it left, for the
# simulated network's delay) -> the message as sent, or None when it carries no time of its
# own (see WireChannel.stamp).
SendStamp = Callable[[wire._Msg, float], wire._Msg | None]
# An arrival stamp older than this (or in the future) is not the message's: the time of handling
# is used instead.
STAMP_PLAUSIBLE_S = 0.25


class WireChannel:
    def __init__(
        self,
        channel: RTCDataChannel,
        allowed: frozenset[type[wire._Msg]],
        on_message: Handler,
        peer: str,
        shim: NetShim | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        arrivals: ArrivalStamps | None = None,
        departures: bool = False,
    ) -> None:
        """`arrivals`: the stamps of the datagrams as they reached ICE (aiortc_compat); with
        `departures` (aiortc_compat.stamp_departures on the channel's connection), a message
        `stamp` stamps is stamped again as aiortc's SCTP sends it."""
        self.channel = channel
        self._arrivals = arrivals
        self._departures = departures
        self._arrived_at: float | None = None
        self.peer = peer
        self._shim = shim if shim is not None and shim.active else None
        self.errors_received = 0  # bad messages from the peer, answered with Error
        self._allowed = allowed
        self._on_message = on_message
        self._clock = clock
        self.on_stage: StageHook | None = None  # the clock trace's (media/clock_trace.py)
        # Called on each message as it goes on the wire: a clock probe's send time is stamped
        # there. Under the simulated network that is after its delay, when the loop runs the
        # delayed send -- on a busy loop 8 ms late at the median, 50 ms at p90 (100 light
        # venues, 2026-12-02), time a real packet spends on no wire: the stamp is the moment
        # it was due to leave (now less the delay), so only the simulated delay is its path.
        self.stamp: SendStamp | None = None
        self._unlogged: collections.Counter[str] = collections.Counter()  # bad, since last line
        self._logged_at: float | None = None
        self._replies_second = 0.0
        self._replies_in_second = 0
        self.replies_suppressed = 0
        self.dropped_undecoded = 0  # over the byte budget: dropped unread
        self._budget = float(BYTES_BURST)
        self._budget_at = clock()
        # Messages by type, each way (the scale benchmark's per-venue message rates).
        self.received: collections.Counter[str] = collections.Counter()
        self.sent: collections.Counter[str] = collections.Counter()
        channel.on("message", self._on_raw)

    @property
    def is_open(self) -> bool:
        return self.channel.readyState == "open"

    def send(self, message: wire._Msg) -> bool:
        if not self.is_open:
            return False
        self.sent[type(message).__name__] += 1
        if self._shim is not None:
            delay = self._shim.pass_on(True, lambda delay: self._send_stamped(message, delay))
            if self.on_stage is not None:
                self.on_stage("queued", wire.encode(message).decode(), delay)
            return True
        return self._send_stamped(message, 0.0)

    def _send_stamped(self, message: wire._Msg, sent_ago: float) -> bool:
        """Encoded and sent now, stamped first if a stamp is set (one encoding per message)."""
        stamp = self.stamp
        stamped = stamp(message, sent_ago) if stamp is not None else None
        if stamped is None:
            return self._send_now(wire.encode(message).decode())
        encoded = wire.encode(stamped)
        if not self._departures:
            return self._send_now(encoded.decode())

        def restamp() -> bytes:
            # As aiortc's send task takes it: the loop's wait for that task, and for any
            # unacknowledged data before it, is no part of the path. A stamp that only notes
            # the departure (a heartbeat) returns the message as it was: sent as encoded.
            assert stamp is not None
            again = stamp(message, sent_ago) or stamped
            data = encoded if again is stamped else wire.encode(again)
            if self.on_stage is not None:
                self.on_stage("departed", data, None)
            return data

        return self._send_now(Departing(encoded, restamp))

    def _send_now(self, data: str | bytes) -> bool:
        if not self.is_open:
            return False
        if self.on_stage is not None:
            self.on_stage("released", data, None)
        try:
            self.channel.send(data)
        except Exception:  # a closing transport must not take the session down
            log.debug("%s: send failed on %s", self.peer, self.channel.label, exc_info=True)
            return False
        return True

    @property
    def arrived_at(self) -> float | None:
        """While a message is handled: when its datagram arrived, on the arrival stamps' clock
        (None without stamps, or when the stamp is implausible)."""
        return self._arrived_at

    def _arrival(self) -> float | None:
        stamps = self._arrivals
        if stamps is None or stamps.current is None:
            return None
        age = stamps.clock() - stamps.current
        return stamps.current if 0.0 <= age <= STAMP_PLAUSIBLE_S else None

    def _on_raw(self, data: str | bytes) -> None:
        arrived = self._arrival()
        if self._shim is not None:
            # The simulated network lies under the stack: its delay is added to the arrival.
            delay = self._shim.pass_on(
                False, lambda d: self._handle(data, None if arrived is None else arrived + d)
            )
            if self.on_stage is not None:
                self.on_stage("arrived", data, delay)
        else:
            self._handle(data, arrived)

    def _affordable(self, size: int) -> bool:
        if size <= ALWAYS_DECODED:
            return True
        now = self._clock()
        self._budget = min(BYTES_BURST, self._budget + (now - self._budget_at) * BYTES_PER_S)
        self._budget_at = now
        if self._budget < size:
            return False
        self._budget -= size
        return True

    def _handle(self, data: str | bytes, arrived: float | None = None) -> None:
        if not self._affordable(len(data)):
            self.dropped_undecoded += 1
            self._note_error("sent too much (dropped unread)")
            return
        try:
            message = wire.decode(data, self._allowed)
        except wire.WireError as exc:
            self._bad(exc, data)
            return
        except Exception:  # decode promises WireError only; the session outlives a broken promise
            log.exception("%s: decoding a message on %s failed", self.peer, self.channel.label)
            return
        self.received[type(message).__name__] += 1
        if isinstance(message, wire.Error):
            self._note_error(f"answered {message.code.value}")
        self._arrived_at = arrived
        try:
            self._on_message(message)
        except Exception:
            log.exception("%s: handling %s failed", self.peer, type(message).__name__)
        finally:
            self._arrived_at = None

    def refuse(self, code: wire.ErrorCode, detail: str) -> None:
        """Answer a well-formed message the session cannot accept (rate-limited like the rest)."""
        self._bad(wire.WireError(code, detail), "")

    def _bad(self, exc: wire.WireError, data: str | bytes) -> None:
        self.errors_received += 1
        self._note_error(f"sent {exc.code.value}", exc.detail)
        if isinstance(data, str) and '"type":"error"' in data.replace(" ", ""):
            return  # never answer an error with an error: no ping-pong
        now = self._clock()
        if now - self._replies_second >= 1.0:
            self._replies_second, self._replies_in_second = now, 0
        if self._replies_in_second >= ERRORS_PER_S:
            self.replies_suppressed += 1
            return
        self._replies_in_second += 1
        self.send(exc.reply())

    def _note_error(self, code: str, detail: str = "") -> None:
        """Log the first bad message of a burst ("sent …": the peer sent something unusable;
        "answered …": the peer says we did), with our own detail text, which names no peer data;
        then one line with the counts per LOG_EVERY_S."""
        now = self._clock()
        self._unlogged[code] += 1
        if self._logged_at is None:
            self._logged_at = now
            self._unlogged.clear()
            log.warning(
                "%s on %s: %s%s", self.peer, self.channel.label, code, f" ({detail})" * bool(detail)
            )
        elif now - self._logged_at >= LOG_EVERY_S:
            counts = ", ".join(f"{k} {n}" for k, n in sorted(self._unlogged.items()))
            log.warning(
                "%s on %s: %d bad or error message(s) in %.0f s: %s",
                self.peer,
                self.channel.label,
                sum(self._unlogged.values()),
                now - self._logged_at,
                counts,
            )
            self._logged_at = now
            self._unlogged.clear()
