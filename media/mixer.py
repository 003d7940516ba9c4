"""Program audio: a mixer with mix-minus and level meters.

Every 20 ms the mixer takes one block from each source (studio microphone, each venue, a file),
meters it, and mixes the live ones. A venue's buffer says when it has sound, and only then is it
taken from: through an SFU the studio hears the one or two venues it takes in full, and a hundred
silent venues pulled and metered every block cost it more than everything else the mixer does
(2026-12-03, 100 venues). Each venue gets its own return: the program mix minus its
own contribution, so the venue on air never hears itself come back a fraction of a second late.
Returns are encoded here (media.opus): the program mix once for every venue not in it, and one
mix-minus encoder per venue whose sound is live.

Through an SFU (media/sfu/) one shared feed replaces the per-venue returns: the program minus
every live venue (`subscribe_minus_venues`), which the venue on air listens to instead of the
program. While no venue is live it is the program itself.
"""

from __future__ import annotations

import collections
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from media.opus import EncodedAudioTrack, OpusPacketizer
from media.pacing import Pacer, QueuedTrack
from media.sources import AUDIO_PTIME, AUDIO_RATE, AUDIO_SAMPLES, audio_frame, mono_int16

log = logging.getLogger(__name__)

SILENCE_DBFS = -120.0
RETURN_QUEUE = 5  # 60 ms packets: 300 ms, then the oldest go
METER_EVERY = 5  # mixer ticks (20 ms) between meter readings
FULL_SCALE = 32768.0
MINUS_VENUES = "-venues"  # tick()'s key for the shared mix-minus (not a venue id: has a dash first)


@dataclass(frozen=True)
class Level:
    peak_dbfs: float
    rms_dbfs: float


SILENT = Level(SILENCE_DBFS, SILENCE_DBFS)


def measure(block: np.ndarray) -> Level:
    """Peak and RMS of one block of int16 samples, in dB relative to full scale."""
    if block.size == 0:
        return SILENT
    x = block.astype(np.float32) / FULL_SCALE
    peak = float(np.max(np.abs(x)))
    rms = float(np.sqrt(np.mean(x * x)))

    def db(v: float) -> float:
        return max(SILENCE_DBFS, 20 * math.log10(v)) if v > 0 else SILENCE_DBFS

    return Level(db(peak), db(rms))


class AudioSourceBuffer:
    """The last fraction of a second of one incoming audio source, as 48 kHz mono s16 blocks."""

    def __init__(self, max_blocks: int = 10) -> None:
        self._blocks: collections.deque[np.ndarray] = collections.deque(maxlen=max_blocks)
        self._pending = np.zeros(0, np.int16)
        # Called when a block arrives in an empty buffer (the mixer's `add_buffer`; the buffer
        # is then filled on the mixer's own loop, never from another thread).
        self.on_block: Callable[[], None] | None = None

    def push_frame(self, frame: av.AudioFrame) -> None:
        if frame.sample_rate != AUDIO_RATE:
            return  # aiortc's Opus decoder gives 48 kHz; anything else is not ours to mix
        self.push_samples(mono_int16(frame))

    def push_samples(self, mono: np.ndarray) -> None:
        data = np.concatenate([self._pending, mono.astype(np.int16, copy=False)])
        was_empty = not self._blocks
        while len(data) >= AUDIO_SAMPLES:
            self._blocks.append(data[:AUDIO_SAMPLES])
            data = data[AUDIO_SAMPLES:]
        self._pending = data
        if was_empty and self._blocks and self.on_block is not None:
            self.on_block()

    def pop(self) -> np.ndarray | None:
        return self._blocks.popleft() if self._blocks else None

    def __len__(self) -> int:
        return len(self._blocks)


BlockSource = Callable[[], np.ndarray | None]


class AudioMixer:
    def __init__(self) -> None:
        self._sources: dict[str, BlockSource] = {}  # pulled every block
        self._buffers: dict[str, AudioSourceBuffer] = {}  # taken from only when they have sound
        self._sounding: set[str] = set()  # those buffers with a block waiting
        self._metered: set[str] = set()  # sources whose last level was not silence
        self._live: dict[str, float] = {}  # the sources in the program, at their gain (not 0)
        self._tracks: dict[EncodedAudioTrack, str] = {}  # return track -> its venue
        self._program_encoder = OpusPacketizer()
        # The program with in-band FEC, encoded once for every venue on a lossy link (and only
        # while one is): media/opus.py FEC_OPTIONS.
        self._fec_encoder: OpusPacketizer | None = None
        self.protected: set[str] = set()
        self._own_encoders: dict[str, OpusPacketizer] = {}  # venues whose sound is live
        # The SFU's shared mix-minus: the program without any live venue (see the docstring).
        self._minus_tracks: set[EncodedAudioTrack] = set()
        self._minus_encoder = OpusPacketizer()
        self._is_venue: Callable[[str], bool] = lambda source_id: False
        self.levels: dict[str, Level] = {}
        self.program_level = SILENT
        # The program's Opus packets, as sent to the venues (the recorder copies them).
        self.taps: list[Callable[[bytes], None]] = []
        self._ticks = -1

    def add_source(self, source_id: str, pull: BlockSource) -> None:
        """A source pulled every block (the studio's microphone, a file)."""
        self._sources[source_id] = pull
        self.levels[source_id] = SILENT

    def add_buffer(self, source_id: str, buffer: AudioSourceBuffer) -> None:
        """A source filled on this mixer's loop (a venue's sound): taken from only while it
        has blocks, so a silent one costs nothing per block."""
        self.remove_source(source_id)
        self._buffers[source_id] = buffer
        buffer.on_block = lambda: self._sounding.add(source_id)
        if len(buffer):
            self._sounding.add(source_id)
        self.levels[source_id] = SILENT

    def remove_source(self, source_id: str) -> None:
        self._sources.pop(source_id, None)
        buffer = self._buffers.pop(source_id, None)
        if buffer is not None:
            buffer.on_block = None
        self._sounding.discard(source_id)
        self._metered.discard(source_id)
        self.levels.pop(source_id, None)

    def set_live(self, gains: dict[str, float]) -> None:
        """Which sources are in the program, at what gain (1.0 = unity); others are muted."""
        self._live = {source_id: gain for source_id, gain in gains.items() if gain != 0}
        # A venue's own encoder lives exactly as long as its sound is live (not per block, so
        # a late packet cannot flip it between encoders).
        self._own_encoders = {
            vid: self._own_encoders.get(vid) or OpusPacketizer()
            for vid in set(self._tracks.values())
            if vid in self._live
        }

    def subscribe(self, venue_id: str) -> EncodedAudioTrack:
        track = EncodedAudioTrack(RETURN_QUEUE, self.unsubscribe)
        self._tracks[track] = venue_id
        if venue_id in self._live:
            self._own_encoders.setdefault(venue_id, OpusPacketizer())
        return track

    def unsubscribe(self, track: QueuedTrack[bytes]) -> None:
        if isinstance(track, EncodedAudioTrack):
            self._tracks.pop(track, None)
            self._minus_tracks.discard(track)

    def subscribe_minus_venues(self, is_venue: Callable[[str], bool]) -> EncodedAudioTrack:
        """The program minus every live source that `is_venue`: the one return that serves
        whichever venue is on air (the studio publishes it to the SFU once)."""
        self._is_venue = is_venue
        track = EncodedAudioTrack(RETURN_QUEUE, self.unsubscribe)
        self._minus_tracks.add(track)
        return track

    def tick(self) -> dict[str, np.ndarray]:
        """Mix one 20 ms block; returns each subscribed venue's return block (for tests too)."""
        blocks: dict[str, np.ndarray] = {}
        self._ticks += 1
        metering = self._ticks % METER_EVERY == 0  # meters at 10 Hz: plenty for eyes
        for source_id, pull in list(self._sources.items()):
            block = pull()
            if block is not None and block.size == AUDIO_SAMPLES:
                blocks[source_id] = block
        for source_id in list(self._sounding):
            buffer = self._buffers[source_id]
            block = buffer.pop()
            if not buffer:
                self._sounding.discard(source_id)
            if block is not None and block.size == AUDIO_SAMPLES:
                blocks[source_id] = block
        if metering:
            for source_id in self._metered - blocks.keys():
                self.levels[source_id] = SILENT
            for source_id, block in blocks.items():
                self.levels[source_id] = measure(block)
            self._metered = set(blocks)
        mix = np.zeros(AUDIO_SAMPLES, np.float32)
        contributions: dict[str, np.ndarray] = {}
        for source_id, gain in self._live.items():
            block = blocks.get(source_id)
            if block is None:
                continue
            part = block.astype(np.float32) * gain
            contributions[source_id] = part
            mix += part
        program = _to_int16(mix)
        if metering:
            self.program_level = measure(program)
        out: dict[str, np.ndarray] = {}
        packets: dict[str, list[bytes]] = {}
        shared: list[bytes] | None = None
        if self.taps:
            shared = self._program_encoder.push(program)
            for payload in shared:
                for tap in self.taps:
                    tap(payload)
        if self._minus_tracks:
            venues = [part for sid, part in contributions.items() if self._is_venue(sid)]
            minus = program if not venues else _to_int16(mix - np.sum(venues, axis=0))
            out[MINUS_VENUES] = minus
            for payload in self._minus_encoder.push(minus):
                for minus_track in list(self._minus_tracks):
                    minus_track.push(payload)
        protected: list[bytes] | None = None
        if not self.protected & set(self._tracks.values()):
            self._fec_encoder = None
        for track, vid in list(self._tracks.items()):
            encoder = self._own_encoders.get(vid)
            if encoder is None and vid in self.protected:
                out[vid] = program
                if protected is None:
                    self._fec_encoder = self._fec_encoder or OpusPacketizer(fec=True)
                    protected = self._fec_encoder.push(program)
                payloads = protected
            elif encoder is None:
                out[vid] = program
                if shared is None:
                    shared = self._program_encoder.push(program)
                payloads = shared
            else:
                if vid not in packets:
                    own = contributions.get(vid)
                    out[vid] = program if own is None else _to_int16(mix - own)
                    packets[vid] = encoder.push(out[vid])
                payloads = packets[vid]
            for payload in payloads:
                track.push(payload)
        return out

    async def run(self) -> None:
        pacer = Pacer(AUDIO_PTIME)
        while True:
            await pacer.next()
            try:
                self.tick()
            except Exception:
                log.exception("audio mix failed")


def _to_int16(x: np.ndarray) -> np.ndarray:
    out: np.ndarray = np.clip(x, -32768, 32767).astype(np.int16)
    return out


class BufferedAudioTrack(MediaStreamTrack):
    """A paced 20 ms audio track reading a capture buffer (a microphone); silence when empty."""

    kind = "audio"

    def __init__(self, buffer: AudioSourceBuffer) -> None:
        super().__init__()
        self._buffer = buffer
        self._pacer = Pacer(AUDIO_PTIME)
        self._silence = np.zeros(AUDIO_SAMPLES, np.int16)

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        n = await self._pacer.next()
        block = self._buffer.pop()
        return audio_frame(block if block is not None else self._silence, n * AUDIO_SAMPLES)
