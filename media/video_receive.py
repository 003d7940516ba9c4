"""The program picture's receive buffer at a venue: each frame goes to the decoder as soon as
its last packet is in, a lost packet is waited for at most MAX_WAIT_S, then reception goes on
from the newest keyframe held (or the next one, asked for at most every KEYFRAME_ASK_GAP_S).

Why not aiortc's video JitterBuffer(capacity=512): it waits for a missing packet until 512
later ones have arrived, and from then on hands over at most one frame per arriving packet, so
a backlog drains only as fast as packets outnumber frames (barely, on a low rung). Measured in
`ceremony bench network` (the 1.5 Mbit/s venue, whose link lost packets in the seconds before the
studio moved it down): 505 packets (6.9 s of picture) held behind one hole that no
retransmission filled, then 4.5 s of draining; latency 5.7 s falling to 50 ms, 43 % of the
frames late. The shaped link's own queue held at most 28 KB (150 ms), the studio's none.

Pure: packets come in as `Piece`s with the time they arrived; the aiortc adapter is in
media/aiortc_compat.py (`receive_video_bounded`). VP8 only (`vp8_frame_start`), which is what
a venue negotiates for the program.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_WAIT_S = 0.5  # a missing packet is waited for this long (NACK's retransmission is an RTT)
# Missing packets asked for again this long after the last ask while the picture waits for them:
# aiortc NACKs a loss once, when it sees it (and again only with a later loss), so a lost
# retransmission left the hole to be given up on; on the 5 %-loss venue that was a frozen
# picture until the next keyframe, 4 times in a run.
RENACK_S = 0.15
MAX_RENACK = 64  # sequence numbers in one ask
KEYFRAME_ASK_GAP_S = 3.0  # our keyframe requests (PLI) at most this often
CAPACITY = 1024  # packets held at most, whatever their age (a stream jumping ahead)


def vp8_frame_start(payload: bytes) -> tuple[bool, bool]:
    """(first packet of a frame, first packet of a keyframe) from an RTP payload's VP8
    payload descriptor (RFC 7741 section 4.2) and the frame header's P bit after it."""
    if not payload:
        return False, False
    first = payload[0]
    start = bool(first & 0x10) and (first & 0x07) == 0  # S, and partition 0
    if not start:
        return False, False
    at = 1
    if first & 0x80:  # X: an extension byte follows
        if len(payload) < 2:
            return False, False
        ext = payload[1]
        at = 2
        if ext & 0x80:  # I: a picture id of 7 or 15 bits
            if len(payload) <= at:
                return False, False
            at += 2 if payload[at] & 0x80 else 1
        if ext & 0x40:  # L: TL0PICIDX
            at += 1
        if ext & 0x30:  # T or K: one byte for both
            at += 1
    if len(payload) <= at:
        return True, False
    return True, not payload[at] & 0x01  # P = 0: a key frame


@dataclass(frozen=True)
class Piece:
    """One RTP packet of the picture, as much of it as the buffer needs."""

    seq: int  # RTP sequence number (16 bits)
    timestamp: int
    marker: bool  # the last packet of its frame
    data: bytes  # depayloaded
    start: bool = False  # the first packet of a frame
    keyframe: bool = False  # the first packet of a keyframe


@dataclass(frozen=True)
class Frame:
    data: bytes
    timestamp: int
    keyframe: bool


@dataclass
class VideoReceiveStats:
    """What the buffer did with the picture (one venue's program, over its sessions)."""

    frames: int = 0  # complete frames handed over
    frames_dropped: int = 0  # frames thrown away: behind a skipped hole, or the decoder behind
    holes_skipped: int = 0  # a lost packet given up on after MAX_WAIT_S
    decoder_resyncs: int = 0  # the decoder fell behind: on from the next keyframe
    keyframe_requests: int = 0  # PLIs we asked aiortc to send
    renacks: int = 0  # missing packets asked for again (NACKs beyond aiortc's own)
    display_skipped: int = 0  # decoded frames the display jumped over (it fell behind)

    def summary(self) -> str:
        return (
            f"program video: {self.frames} frames, {self.frames_dropped} dropped, "
            f"{self.holes_skipped} holes skipped, {self.decoder_resyncs} decoder resyncs, "
            f"{self.keyframe_requests} keyframe requests, {self.display_skipped} not shown, "
            f"{self.renacks} asked again"
        )


@dataclass
class _Held:
    piece: Piece
    arrived: float


class VideoReceiveBuffer:
    """Reassembles frames in order from packets in any order; never waits long.

    `add` returns (ask for a keyframe?, the frames now complete, in order). A frame is complete
    when its packets from its first to the one with the marker bit (or the one before the next
    frame's first) are all in. Nothing is handed over before a keyframe: after a hole given up
    on, or a decoder that fell behind (`resync`), a frame that is not a keyframe would decode
    against a picture the decoder never had."""

    def __init__(self, stats: VideoReceiveStats | None = None) -> None:
        self.stats = stats if stats is not None else VideoReceiveStats()
        self._held: dict[int, _Held] = {}  # by extended sequence number
        self._head: int | None = None  # the next frame's first packet; None: wait for a keyframe
        self._last: tuple[int, int] | None = None  # (16-bit, extended) of the latest packet
        self._oldest: float | None = None  # arrival of the oldest packet held
        self._asked_at: float | None = None
        self._ask = False
        self._last_dropped: int | None = None  # the timestamp of the last frame dropped
        self._renacked_at: float | None = None

    @property
    def held(self) -> int:
        return len(self._held)

    @property
    def waiting_for_keyframe(self) -> bool:
        return self._head is None

    def add(self, piece: Piece, now: float) -> tuple[bool, list[Frame]]:
        ext = self._extend(piece.seq)
        if (self._head is not None and ext < self._head) or ext in self._held:
            return self._take_ask(), []  # a duplicate, or too late: its place is passed
        self._held[ext] = _Held(piece, now)
        if self._oldest is None:
            self._oldest = now
        if self._head is None:
            if piece.keyframe:
                self._start_at(ext)
            else:
                self._ask_for_keyframe(now)
                self._forget_older_than(now - MAX_WAIT_S)
        frames = self._complete_frames()
        if self._head is not None and self._held and self._stuck(now):
            frames += self._skip(now)
        self.stats.frames += len(frames)
        return self._take_ask(), frames

    def missing(self, now: float) -> list[int]:
        """The sequence numbers (16-bit) to ask for again now: those missing between the frame
        the picture waits for and the newest packet, once it has waited RENACK_S since the
        first of them arrived or since the last ask; [] otherwise."""
        if self._head is None or not self._held or self._last is None or self._oldest is None:
            return []
        since = self._oldest if self._renacked_at is None else self._renacked_at
        if now - since < RENACK_S or now - self._oldest < RENACK_S:
            return []
        gaps = [s for s in range(self._head, self._last[1]) if s not in self._held]
        if not gaps:
            return []
        self._renacked_at = now
        self.stats.renacks += 1
        return [s & 0xFFFF for s in gaps[:MAX_RENACK]]

    def resync(self, now: float) -> bool:
        """The decoder fell behind: drop what is held, go on from the next keyframe. Returns
        whether to ask for one now."""
        self.stats.decoder_resyncs += 1
        self._drop_before(None)
        self._head = None
        self._ask_for_keyframe(now)
        return self._take_ask()

    # ---- inside ---------------------------------------------------------------------------

    def _extend(self, seq: int) -> int:
        if self._last is None:
            ext = seq
        else:
            delta = (seq - self._last[0]) & 0xFFFF
            ext = self._last[1] + (delta - 0x10000 if delta >= 0x8000 else delta)
        if self._last is None or ext > self._last[1]:
            self._last = (seq, ext)
        return ext

    def _stuck(self, now: float) -> bool:
        assert self._head is not None and self._last is not None
        waited = self._oldest is not None and now - self._oldest > MAX_WAIT_S
        return waited or len(self._held) > CAPACITY or self._last[1] - self._head > CAPACITY

    def _complete_frames(self) -> list[Frame]:
        out: list[Frame] = []
        while self._head is not None:
            end = self._frame_end(self._head)
            if end is None:
                break
            pieces = [self._held.pop(s).piece for s in range(self._head, end + 1)]
            out.append(
                Frame(b"".join(p.data for p in pieces), pieces[0].timestamp, pieces[0].keyframe)
            )
            self._head = end + 1
        if out:
            self._oldest = min((h.arrived for h in self._held.values()), default=None)
            self._renacked_at = None
        return out

    def _frame_end(self, head: int) -> int | None:
        """The last sequence number of the frame starting at `head`, if all of it is in."""
        first = self._held.get(head)
        if first is None:
            return None
        seq = head
        while True:
            piece = self._held[seq].piece
            if piece.marker:
                return seq
            after = self._held.get(seq + 1)
            if after is None:
                return None
            if after.piece.timestamp != first.piece.timestamp:
                return seq  # the next frame began: this one's marker was never set
            seq += 1

    def _skip(self, now: float) -> list[Frame]:
        """A missing packet waited for too long: on from the newest keyframe held after the
        frame that is stuck (which may be a keyframe itself, missing a packet)."""
        assert self._head is not None
        self.stats.holes_skipped += 1
        keys = [s for s, h in self._held.items() if h.piece.keyframe and s > self._head]
        if keys:
            self._start_at(max(keys))
            return self._complete_frames()
        self._drop_before(None)
        self._head = None
        self._ask_for_keyframe(now)
        return []

    def _start_at(self, ext: int) -> None:
        self._drop_before(ext)
        self._head = ext
        self._renacked_at = None

    def _drop_before(self, ext: int | None) -> None:
        """Forget every packet before `ext` (None: all)."""
        self._forget([s for s in self._held if ext is None or s < ext])

    def _forget_older_than(self, then: float) -> None:
        """While waiting for a keyframe: keep only what arrived lately (a keyframe's packets
        may come before its first one, retransmitted)."""
        if self._oldest is not None and self._oldest < then:
            self._forget([s for s, h in self._held.items() if h.arrived < then])

    def _forget(self, gone: list[int]) -> None:
        """Drop these packets, counting the frames they were part of (once: a frame's packets
        may go in two turns, those that came late the second)."""
        stamps = {self._held[s].piece.timestamp for s in gone} - {self._last_dropped}
        self.stats.frames_dropped += len(stamps)
        if gone:
            self._last_dropped = self._held[max(gone)].piece.timestamp
        for s in gone:
            del self._held[s]
        self._oldest = min((h.arrived for h in self._held.values()), default=None)

    def _ask_for_keyframe(self, now: float) -> None:
        if self._asked_at is None or now - self._asked_at >= KEYFRAME_ASK_GAP_S:
            self._asked_at = now
            self._ask = True
            self.stats.keyframe_requests += 1

    def _take_ask(self) -> bool:
        ask, self._ask = self._ask, False
        return ask
