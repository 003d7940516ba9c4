"""Opus encoded by us, in 60 ms packets, handed to aiortc as ready packets.

Why not let aiortc encode: it sends 20 ms packets (50 a second per venue per direction), runs
every encode through a thread pool and computes an RFC 6465 audio level in a Python loop over
every sample. At eleven venues that was a third of the studio's event loop. Encoding here:
- one encode of the program mix serves every venue that is not in it (mix-minus only differs
  for a venue whose own sound is in the program), and
- 60 ms packets cut the audio packet rate, and aiortc's per-packet cost with it, by three; the
  40 ms it adds is far below what anyone notices on a ceremony's return feed.
Opus decoders (aiortc's, browsers') take any packet duration, so nothing changes for receivers.
"""

from __future__ import annotations

import asyncio
import fractions
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import av
import numpy as np
from aiortc import RTCRtpSender
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from ceremony.quality import FEC_OFF_CLEAN_S, FEC_ON_LOSS_PCT
from media import aiortc_compat
from media.pacing import QueuedTrack
from media.program import Packet
from media.sources import AUDIO_RATE, mono_int16

log = logging.getLogger(__name__)

PACKET_MS = 60
PACKET_SAMPLES = AUDIO_RATE * PACKET_MS // 1000
BITRATE = 64_000  # mono speech and the anthem: plenty for a return feed and the record
OPTIONS = {"application": "audio", "frame_duration": str(PACKET_MS)}  # music too, not only voice
# The program for venues on a lossy link: libopus in-band FEC (each packet carries a coarse copy
# of the one before, LBRR, which the receiver decodes when that one is lost; media/opus_receive.py).
# LBRR exists only in SILK: hybrid packets of 60 ms hold three 20 ms frames and the copy covers
# the last of them only, so the band is capped at wideband (8 kHz audio, `cutoff`), where libopus
# codes SILK-only 60 ms frames whose copy covers the whole packet. `packet_loss` above libopus's
# threshold (~5 %) is what makes it choose SILK with FEC for a music-like signal.
FEC_OPTIONS = OPTIONS | {"fec": "1", "packet_loss": "10", "cutoff": "8000"}
TIME_BASE = fractions.Fraction(1, AUDIO_RATE)


class OpusPacketizer:
    """Mono 48 kHz int16 samples in, whole 60 ms Opus packets (as bytes) out."""

    def __init__(self, bitrate: int = BITRATE, *, fec: bool = False) -> None:
        codec = av.CodecContext.create("libopus", "w")
        assert isinstance(codec, av.AudioCodecContext)
        codec.bit_rate = bitrate
        codec.format = "s16"
        codec.layout = "mono"
        codec.sample_rate = AUDIO_RATE
        codec.time_base = TIME_BASE
        codec.options = dict(FEC_OPTIONS if fec else OPTIONS)
        self._codec = codec
        self._pending = np.zeros(0, np.int16)
        self._pts = 0

    def push(self, mono: np.ndarray) -> list[bytes]:
        data = np.concatenate([self._pending, mono.astype(np.int16, copy=False)])
        out: list[bytes] = []
        while len(data) >= PACKET_SAMPLES:
            frame = av.AudioFrame.from_ndarray(
                data[:PACKET_SAMPLES].reshape(1, -1), format="s16", layout="mono"
            )
            frame.sample_rate = AUDIO_RATE
            frame.pts = self._pts
            frame.time_base = TIME_BASE
            self._pts += PACKET_SAMPLES
            out.extend(bytes(p) for p in self._codec.encode(frame))
            data = data[PACKET_SAMPLES:]
        self._pending = data
        return out

    @property
    def pending(self) -> np.ndarray:
        """Samples pushed but not yet a whole packet (carried over to a new encoder)."""
        return self._pending

    @pending.setter
    def pending(self, samples: np.ndarray) -> None:
        self._pending = samples


def opus_packet(payload: bytes, pts: int) -> Packet:
    """An av.Packet as aiortc's sender packs it: pts in samples of the 48 kHz RTP clock."""
    packet = av.Packet(payload)
    packet.pts = pts
    packet.time_base = TIME_BASE
    return packet


class EncodedAudioTrack(QueuedTrack[bytes]):
    """A venue's return audio: Opus payloads pushed by a shared encoder, numbered per track.

    Each track keeps its own timestamps, so a venue moving from the shared program encoder to
    its own mix-minus encoder (when it goes on air) sees one continuous stream.
    """

    kind = "audio"

    def __init__(
        self, maxlen: int, on_stop: Callable[[QueuedTrack[bytes]], None] = lambda t: None
    ) -> None:
        super().__init__(maxlen, on_stop)
        self._pts = 0

    async def recv(self) -> Packet:
        payload = await self.next_item()
        packet = opus_packet(payload, self._pts)
        self._pts += PACKET_SAMPLES
        return packet


class OpusEncodingTrack(MediaStreamTrack):
    """Wraps a track of 20 ms AudioFrames (microphone, tone) and sends 60 ms Opus packets.

    `fec` (a venue's microphone on a lossy uplink, see `follow_uplink_loss`) switches to the
    FEC encode (FEC_OPTIONS) from the next packet: a new libopus encoder, since its options are
    fixed once open; the receiver's decoder takes the change in its stride."""

    kind = "audio"

    def __init__(self, source: MediaStreamTrack, *, fec: bool = False) -> None:
        super().__init__()
        self._source = source
        self._encoder = OpusPacketizer(fec=fec)
        self._fec = fec
        self._ready: list[bytes] = []
        self._pts = 0

    @property
    def fec(self) -> bool:
        return self._fec

    @fec.setter
    def fec(self, on: bool) -> None:
        if on != self._fec:
            log.info("microphone Opus in-band FEC %s", "on" if on else "off")
            pending = self._encoder.pending
            self._encoder = OpusPacketizer(fec=on)
            self._encoder.pending = pending
            self._fec = on

    async def recv(self) -> Packet:
        if self.readyState != "live":
            raise MediaStreamError
        while not self._ready:
            frame = await self._source.recv()
            assert isinstance(frame, av.AudioFrame)
            self._ready.extend(self._encoder.push(mono_int16(frame)))
        packet = opus_packet(self._ready.pop(0), self._pts)
        self._pts += PACKET_SAMPLES
        return packet

    def stop(self) -> None:
        super().stop()
        self._source.stop()


@dataclass
class FecSwitch:
    """Hysteresis for a sender's FEC from its receiver's loss reports: on from the first report
    of FEC_ON_LOSS_PCT, off only after FEC_OFF_CLEAN_S without one (the program's rule,
    ceremony/quality.py: a link at the edge must not flap between bands)."""

    on: bool = False
    clean_since: float | None = None

    def observe(self, now: float, loss_pct: float) -> bool:
        if loss_pct >= FEC_ON_LOSS_PCT:
            self.on, self.clean_since = True, None
        elif self.clean_since is None:
            self.clean_since = now
        elif now - self.clean_since >= FEC_OFF_CLEAN_S:
            self.on = False
        return self.on


UPLINK_CHECK_S = 1.0  # RTCP receiver reports come every ~1 s (aiortc: 0.5–1.5 s)


async def follow_uplink_loss(
    track: OpusEncodingTrack, sender: RTCRtpSender, clock: Callable[[], float] = time.monotonic
) -> None:
    """Switch `track`'s FEC from the loss the far end reports for `sender` (RTCP receiver
    reports), until cancelled. A venue's microphone: its uplink is what the nation hears.

    The trade: the FEC encode is wideband (8 kHz audio), not full band, and no dearer (a tone
    test: ~49 kbit/s against ~62 at the same 64 kbit/s target, SILK spending the bits on the
    copy). So it is on only while the link loses, not always; a venue starts with it on (the
    first loss report takes a few seconds, the first seconds of a connection on a lossy link
    would be unprotected) and goes full band after FEC_OFF_CLEAN_S of clean reports."""
    switch = FecSwitch(on=track.fec)
    last: tuple[float, float] | None = None  # (fraction, report's timestamp) seen
    while True:
        await asyncio.sleep(UPLINK_CHECK_S)
        try:
            stats = (await sender.getStats()).values()
        except Exception:  # statistics are a nicety; never let them hurt the session
            log.debug("uplink statistics failed", exc_info=True)
            continue
        for stat in stats:
            if stat.type != "remote-inbound-rtp":
                continue
            report = (aiortc_compat.fraction_lost(stat), float(stat.timestamp.timestamp()))
            if report != last:  # a new receiver report, not the last one read again
                last = report
                track.fec = switch.observe(clock(), 100 * report[0])
