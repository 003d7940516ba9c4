"""The program bus: the studio encodes the program ONCE and fans the packets out to every venue.

Per-venue encoders would need more than two cores at 720p30; one shared encoder needs a fraction
of one. aiortc sends pre-encoded `Packet`s as they are but then ignores keyframe requests, so
every venue's sender has its PLI/FIR routed here. Queues are bounded: a slow venue loses frames
(and gets a keyframe), it never delays the others.
"""

from __future__ import annotations

import asyncio
import collections
import fractions
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeAlias

import av
from aiortc import RTCRtpSender

from ceremony.liveness import RateMeter
from media import aiortc_compat
from media.compositor import Compositor
from media.pacing import Pacer, QueuedTrack
from media.sources import VIDEO_CLOCK

log = logging.getLogger(__name__)

KEYFRAME_INTERVAL_S = 2.0  # a rejoining venue sees a picture within this
# Forced keyframes on one rung at most this often after any keyframe on it (the GOP's too):
# many venues asking at once, or one lossy venue asking again and again, must not make
# everyone's picture pulse (the lossy one is moved down a rung instead, ceremony/quality.py).
MIN_FORCED_KEYFRAME_GAP_S = 2.0
VENUE_KEYFRAME_GAP_S = 2.0  # one venue's keyframe requests are heard at most this often
TRACK_QUEUE = 4
KEYFRAME_TIMES_KEPT = 1000  # per rung: over half an hour at the 2 s GOP
MAX_INTRA_PCT = 300  # a keyframe's size cap, % of an average frame's bits (libvpx)
Packet: TypeAlias = "av.Packet[Any]"


@dataclass(frozen=True)
class VideoFormat:
    width: int
    height: int
    fps: float

    @classmethod
    def parse(cls, text: str) -> VideoFormat:
        """'1280x720@30'."""
        try:
            size, _, rate = text.partition("@")
            w, _, h = size.partition("x")
            fmt = cls(int(w), int(h), float(rate or 30))
        except ValueError:
            raise ValueError(
                f"expected WIDTHxHEIGHT@FPS such as 1280x720@30, got {text!r}"
            ) from None
        if fmt.width % 2 or fmt.height % 2 or fmt.fps <= 0 or fmt.width < 16 or fmt.height < 16:
            raise ValueError(f"expected even sizes of at least 16 and a positive rate: {text!r}")
        return fmt

    def __str__(self) -> str:
        return f"{self.width}x{self.height}@{self.fps:g}"


class Vp8Encoder:
    """One libvpx VP8 encoder; runs in the bus's own thread."""

    def __init__(self, fmt: VideoFormat, bitrate: int) -> None:
        self.fmt = fmt
        ctx = av.CodecContext.create("libvpx", "w")
        ctx.width, ctx.height = fmt.width, fmt.height
        ctx.pix_fmt = "yuv420p"
        ctx.time_base = fractions.Fraction(1, VIDEO_CLOCK)
        ctx.framerate = fractions.Fraction(fmt.fps).limit_denominator(1000)
        ctx.bit_rate = bitrate
        ctx.gop_size = max(1, int(fmt.fps * KEYFRAME_INTERVAL_S))
        ctx.options = {
            "deadline": "realtime",
            # A fixed speed (negative), as WebRTC's own VP8 encoder runs. A positive value lets
            # libvpx pick its speed from how long frames take on the wall clock: on a busy
            # machine it went fast and overshot its rate (2.5 Mbit/s asked, 3.6-4.3 delivered
            # for a detailed 720p picture), more for every venue to receive and the shaped
            # link to carry; -6 kept 2.48 for the same picture at the same CPU.
            "cpu-used": "-6",
            "lag-in-frames": "0",
            "static-thresh": "1",
            "error-resilient": "1",
            "minrate": str(bitrate),
            "maxrate": str(bitrate),
            "bufsize": str(bitrate),
            "undershoot-pct": "100",
            "overshoot-pct": "15",
            # A keyframe at most 3 frames' worth of bits (WebRTC's floor for the same libvpx
            # setting). Uncapped, a detailed picture's keyframes were 80-170 KB at 720p and
            # 20-42 KB at 360p: sent as one burst, a 360p keyframe alone overflows a 1.5 Mbit/s
            # link's 150 ms queue (28 KB), loses packets, and the venue sees nothing until the
            # next one; at 5 % loss almost no 720p keyframe arrived whole. Capped: 26 KB / 7 KB,
            # same bit rate (measured on media.sources.LoopedPattern).
            "max-intra-rate": str(MAX_INTRA_PCT),
        }
        # One thread, even at 720p: libvpx's VP8 encoder threads wait for each other's rows
        # by spinning, so when its second thread is not running (any machine whose cores are
        # busy, as the studio's are with many venues) the first burns its slice waiting.
        # Measured interleaved at load ~47: 2 threads 102-113 ms of CPU and 506-637 ms of wall
        # a 720p frame, 1 thread 10.6-12 ms CPU and 61 ms wall, same bit rate. One thread
        # holds 30 fps at 720p with room to spare (DESIGN.md: ~6-19 ms a frame).
        ctx.thread_count = 1
        self._ctx = ctx

    def encode(self, frame: av.VideoFrame, pts: int, keyframe: bool) -> list[Packet]:
        if (
            frame.width != self.fmt.width
            or frame.height != self.fmt.height
            or (frame.format.name != "yuv420p")
        ):
            frame = frame.reformat(self.fmt.width, self.fmt.height, "yuv420p")
        frame.pts = pts
        frame.time_base = self._ctx.time_base
        frame.pict_type = (
            av.video.frame.PictureType.I if keyframe else av.video.frame.PictureType.NONE
        )
        packets = list(self._ctx.encode(frame))
        for p in packets:
            p.pts = pts
            p.time_base = self._ctx.time_base
        return packets


@dataclass(frozen=True)
class Rung:
    """One quality of the program: its own encoder, shared by every venue on it."""

    fmt: VideoFormat
    bitrate: int

    def __str__(self) -> str:
        return f"{self.fmt.width}x{self.fmt.height}@{self.bitrate // 1000}k"


class ProgramVideoTrack(QueuedTrack[Packet]):
    """One venue's view of the program: pre-encoded packets from the bus, bounded queue."""

    kind = "video"

    def __init__(self, bus: ProgramBus, venue_id: str) -> None:
        super().__init__(TRACK_QUEUE, lambda t: bus.unsubscribe(self))
        self.venue_id = venue_id
        self._bus = bus
        self._synced = False  # a decoder can start only at a keyframe
        self.rung = 0  # the rung whose packets this venue gets
        self.wanted = 0  # the rung it moves to at that rung's next keyframe

    def offer(self, rung: int, packet: Packet) -> None:
        """A packet of `rung`: taken if it is this venue's rung, or a keyframe of the one it
        is moving to (a decoder can change picture size only at a keyframe)."""
        if rung != self.rung:
            if rung != self.wanted or not packet.is_keyframe:
                return
            self.rung = rung
        self.push(packet)

    def push(self, item: Packet) -> bool:
        if not self._synced:
            if not item.is_keyframe:
                return False
            self._synced = True
        dropped = super().push(item)
        if dropped:
            self._bus.request_keyframe(f"{self.venue_id} fell behind", self.rung)
        return dropped

    async def recv(self) -> Packet:
        return await self.next_item()


class RawProgramTrack(QueuedTrack[av.VideoFrame]):
    """Naive fan-out (benchmark comparison only): composed frames, each sender encodes its own.

    This is what a plain aiortc server does. The frame is yuv420p, so aiortc's encoder does not
    reformat it; a shared frame in another format crashed libswscale here (see DESIGN.md).
    """

    kind = "video"

    def __init__(self, bus: ProgramBus, venue_id: str) -> None:
        super().__init__(2, lambda t: bus.unsubscribe_raw(self))
        self.venue_id = venue_id

    async def recv(self) -> av.VideoFrame:
        return await self.next_item()


FrameSource = Callable[[], av.VideoFrame | None]


class ProgramBus:
    """Makes the program video at a fixed rate from the current source, encodes once, fans out."""

    def __init__(
        self,
        fmt: VideoFormat,
        bitrate: int = 1_500_000,
        *,
        compose: bool = False,
        naive: bool = False,
        lower_rungs: tuple[Rung, ...] = (),
    ) -> None:
        self.fmt = fmt
        self.naive = naive
        self._raw_tracks: set[RawProgramTrack] = set()
        self.rungs = (Rung(fmt, bitrate), *lower_rungs)
        self._encoders = [Vp8Encoder(r.fmt, r.bitrate) for r in self.rungs]
        # A venue asking for keyframes (its id): the studio's rung policy counts them.
        self.on_venue_keyframe_request: Callable[[str], None] | None = None
        # The program carries a lower third and the latency code; a venue camera carries neither.
        self.compositor = Compositor(fmt.width, fmt.height) if compose else None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="program-encode")
        self._tracks: set[ProgramVideoTrack] = set()
        self._source: FrameSource | None = None
        self._fallback: FrameSource | None = None
        self._keyframe_requested = [True] * len(self.rungs)
        self._last_keyframe = [-MIN_FORCED_KEYFRAME_GAP_S] * len(self.rungs)
        self.keyframes_forced = [0] * len(self.rungs)
        # When each rung's keyframes went out (the GOP's and forced ones), for the benchmarks'
        # "keyframes no more often than every 2 s"; bounded.
        self.keyframe_times: list[collections.deque[float]] = [
            collections.deque(maxlen=KEYFRAME_TIMES_KEPT) for _ in self.rungs
        ]
        self.bytes_encoded = [0] * len(self.rungs)  # each rung's output: its real bit rate
        self.frames_encoded = 0
        self.keyframe_requests_refused = 0  # PLI/FIR within a venue's VENUE_KEYFRAME_GAP_S
        self.taps: list[Callable[[Packet], None]] = []  # e.g. the program recorder
        self.last_frame: av.VideoFrame | None = None
        self.meter = RateMeter()
        self.encode_seconds = 0.0

    def set_source(self, source: FrameSource, fallback: FrameSource) -> None:
        """`source` gives the latest frame or None; then `fallback` (a slate) is used."""
        self._source, self._fallback = source, fallback

    def subscribe(self, venue_id: str, rung: int = 0) -> ProgramVideoTrack:
        track = ProgramVideoTrack(self, venue_id)
        track.rung = track.wanted = min(rung, len(self.rungs) - 1)
        self._tracks.add(track)
        self.request_keyframe(f"{venue_id} joined", track.rung)
        return track

    def set_rung(self, venue_id: str, rung: int) -> None:
        """Move a venue to `rung` from that rung's next keyframe (asked for now)."""
        rung = max(0, min(rung, len(self.rungs) - 1))
        for track in self._tracks:
            if track.venue_id == venue_id and track.wanted != rung:
                log.info(
                    "%s: program rung %s -> %s", venue_id, self.rungs[track.rung], self.rungs[rung]
                )
                track.wanted = rung
                if track.rung != rung:
                    self.request_keyframe(f"{venue_id} moves to {self.rungs[rung]}", rung)

    def unsubscribe(self, track: ProgramVideoTrack) -> None:
        self._tracks.discard(track)

    def subscribe_raw(self, venue_id: str) -> RawProgramTrack:
        track = RawProgramTrack(self, venue_id)
        self._raw_tracks.add(track)
        return track

    def unsubscribe_raw(self, track: RawProgramTrack) -> None:
        self._raw_tracks.discard(track)

    def route_keyframe_requests(
        self,
        sender: RTCRtpSender,
        venue_id: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """aiortc ignores PLI/FIR for pre-encoded packets: send them to the shared encoder of
        the venue's rung.

        One keyframe serves every venue on a rung, so one lossy venue's PLI storm would make
        everyone's picture pulse: each sender (one venue) is heard at most once per
        VENUE_KEYFRAME_GAP_S; what it asks for in between is counted, not encoded, and every
        request counts against the venue's rung (ceremony/quality.py moves it down).
        """
        last = -VENUE_KEYFRAME_GAP_S

        def on_request() -> None:
            nonlocal last
            if venue_id is not None and self.on_venue_keyframe_request is not None:
                self.on_venue_keyframe_request(venue_id)
            now = clock()
            if now - last < VENUE_KEYFRAME_GAP_S:
                self.keyframe_requests_refused += 1
                return
            last = now
            self._venue_asks(venue_id)

        aiortc_compat.on_keyframe_request(sender, on_request)

    def _venue_asks(self, venue_id: str | None) -> None:
        track = next((t for t in self._tracks if t.venue_id == venue_id), None)
        self.request_keyframe(f"PLI/FIR from {venue_id}", track.rung if track else 0)

    def request_keyframe(self, why: str, rung: int = 0) -> None:
        if not self._keyframe_requested[rung]:
            log.debug("keyframe requested on %s: %s", self.rungs[rung], why)
        self._keyframe_requested[rung] = True

    def _decide_keyframes(self, rungs: list[int], now: float) -> list[bool]:
        """For each rung encoded now: force a keyframe? Asked for, and none (forced or the
        GOP's) within the gap."""
        decisions = []
        for r in rungs:
            forced = (
                self._keyframe_requested[r]
                and now - self._last_keyframe[r] >= MIN_FORCED_KEYFRAME_GAP_S
            )
            if forced:
                self._keyframe_requested[r] = False
                self._last_keyframe[r] = now
                self.keyframes_forced[r] += 1
            decisions.append(forced)
        return decisions

    def _rungs_in_use(self) -> list[int]:
        """Rung 0 always (the recording and the monitors take it); lower ones while a venue
        is on them or moving to them."""
        used = {0} | {t.rung for t in self._tracks} | {t.wanted for t in self._tracks}
        return sorted(used)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        pacer = Pacer(1 / self.fmt.fps)
        try:
            while True:
                n = await pacer.next()
                now = time.monotonic()
                pts = int(n * VIDEO_CLOCK / self.fmt.fps)
                frame = self._current_frame()
                if frame is None:
                    continue
                rungs = self._rungs_in_use()
                keyframes = self._decide_keyframes(rungs, now)
                t0 = time.perf_counter()
                stamp_ms = int(time.monotonic() * 1000)
                if self.naive:
                    composed = await loop.run_in_executor(
                        self._executor, self._compose, frame, pts, stamp_ms
                    )
                    for raw in list(self._raw_tracks):
                        raw.push(composed)
                    self.frames_encoded += 1
                    self.meter.add(time.monotonic())
                    continue
                encoded = await loop.run_in_executor(
                    self._executor, self._encode, frame, pts, rungs, keyframes, stamp_ms
                )
                self.encode_seconds += time.perf_counter() - t0
                self.frames_encoded += 1
                self.meter.add(time.monotonic())
                self._fan_out(rungs, encoded, now)
        finally:
            self._executor.shutdown(wait=False, cancel_futures=True)

    def _fan_out(self, rungs: list[int], encoded: list[list[Packet]], now: float) -> None:
        """Each rung's packets to the venues on it (and rung 0's to the taps).

        Any keyframe that goes out serves every request for one on its rung, made before it
        (a venue's PLI, a join, a move): the GOP's own keyframe too. Without that, a request
        just after the GOP's keyframe forced a second one a frame later (the bench measured
        keyframes 0.03 s apart on both rungs); now every rung's keyframes are at least
        MIN_FORCED_KEYFRAME_GAP_S apart (libvpx counts its GOP from a forced keyframe)."""
        for rung, packets in zip(rungs, encoded, strict=True):
            if any(packet.is_keyframe for packet in packets):
                self.keyframe_times[rung].append(now)
                self._last_keyframe[rung] = now
                self._keyframe_requested[rung] = False
            for packet in packets:
                self.bytes_encoded[rung] += packet.size
                for track in list(self._tracks):
                    track.offer(rung, packet)
                if rung == 0:
                    for tap in self.taps:
                        tap(packet)

    def _encode(
        self,
        frame: av.VideoFrame,
        pts: int,
        rungs: list[int],
        keyframes: list[bool],
        stamp_ms: int,
    ) -> list[list[Packet]]:
        """The composed picture encoded once per rung in use (lower rungs scale it down)."""
        if self.compositor is not None:
            frame = self.compositor.compose(frame, stamp_ms)
        self.last_frame = frame  # what went to air, for the console's program monitor
        return [
            self._encoders[r].encode(frame, pts, keyframe)
            for r, keyframe in zip(rungs, keyframes, strict=True)
        ]

    def _compose(self, frame: av.VideoFrame, pts: int, stamp_ms: int) -> av.VideoFrame:
        if self.compositor is not None:
            frame = self.compositor.compose(frame, stamp_ms)
            self.last_frame = frame
        elif frame.format.name != "yuv420p" or frame.width != self.fmt.width:
            frame = frame.reformat(self.fmt.width, self.fmt.height, "yuv420p")
        frame.pts = pts
        frame.time_base = fractions.Fraction(1, VIDEO_CLOCK)
        return frame

    def _current_frame(self) -> av.VideoFrame | None:
        frame = self._source() if self._source else None
        if frame is None and self._fallback is not None:
            frame = self._fallback()
        return frame


class EncodedSourceTrack(ProgramVideoTrack):
    """A single source encoded by our own encoder (a venue's camera or test pattern).

    The same bus as the program with one subscriber: the bitrate is ours to set (aiortc's
    default encoder starts at 500 kbit/s whatever the picture size), encoding runs in the bus's
    own thread instead of the shared default executor, and keyframe requests reach it.
    """

    def __init__(self, source: FrameSource, fmt: VideoFormat, bitrate: int) -> None:
        bus = ProgramBus(fmt, bitrate)
        bus.set_source(source, source)
        bus.request_keyframe("camera starts")
        super().__init__(bus, "camera")
        bus._tracks.add(self)
        self._task: asyncio.Task[None] | None = None

    @property
    def frames_sent(self) -> int:
        return self._bus.frames_encoded

    def latest_frame(self) -> av.VideoFrame | None:
        """The picture last encoded (a second, smaller copy is made from it: media/sfu)."""
        return self._bus.last_frame

    def attach(self, sender: RTCRtpSender) -> None:
        self._bus.route_keyframe_requests(sender)

    async def recv(self) -> Packet:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._bus.run())
        return await super().recv()

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        super().stop()
