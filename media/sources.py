"""Synthetic sources for rehearsals and tests: test patterns and a voice-like tone.

They stand in for cameras and microphones this machine lacks (real devices come through the same
track interface). Frames are made directly in yuv420p so no encoder has to convert them.
"""

from __future__ import annotations

import fractions
import logging

import av
import cv2
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from media.pacing import Pacer

log = logging.getLogger(__name__)

VIDEO_CLOCK = 90_000
AUDIO_RATE = 48_000
AUDIO_PTIME = 0.020
AUDIO_SAMPLES = int(AUDIO_RATE * AUDIO_PTIME)


class TestPattern:
    """Colour bars with a label, a moving block and a frame counter, in yuv420p."""

    __test__ = False  # not a pytest test class

    def __init__(self, label: str, width: int, height: int, hue: int = 0) -> None:
        if width % 2 or height % 2:
            raise ValueError(f"test pattern size must be even, got {width}x{height}")
        self.width, self.height = width, height
        y = np.empty((height, width), np.uint8)
        y[:] = np.linspace(40, 200, width, dtype=np.uint8)[None, :]
        u = np.full((height // 2, width // 2), 128, np.uint8)
        v = np.full((height // 2, width // 2), 128, np.uint8)
        bars = 8
        for i in range(bars):
            x0, x1 = i * (width // 2) // bars, (i + 1) * (width // 2) // bars
            u[:, x0:x1] = (hue + 37 * i) % 256
            v[:, x0:x1] = (255 - hue - 53 * i) % 256
        scale = max(0.5, height / 360)
        cv2.putText(y, label, (width // 20, height // 6), cv2.FONT_HERSHEY_SIMPLEX, scale, 255, 2)
        self._planes = (y, u, v)
        self._scale = scale

    def frame(self, index: int) -> av.VideoFrame:
        y0, u0, v0 = self._planes
        buf = np.empty((self.height * 3 // 2, self.width), np.uint8)
        y = buf[: self.height]
        y[:] = y0
        w4, h4 = self.width // 4, self.height // 4
        x = (index * 4) % (self.width - w4)
        x -= x % 2
        y[self.height // 2 : self.height // 2 + h4, x : x + w4] = 235
        cv2.putText(
            y,
            f"{index:06d}",
            (self.width // 20, self.height - self.height // 12),
            cv2.FONT_HERSHEY_SIMPLEX,
            self._scale,
            16,
            2,
        )
        # yuv420p in PyAV's ndarray layout: Y rows, then U and V each as half-height rows.
        quarter = (self.height // 2) * (self.width // 2)
        chroma = buf[self.height :].reshape(-1)
        chroma[:quarter] = u0.reshape(-1)
        chroma[quarter:] = v0.reshape(-1)
        return av.VideoFrame.from_ndarray(buf, format="yuv420p")


class PacedVideoTrack(MediaStreamTrack):
    """A video track that makes frames at a fixed rate from a frame function."""

    kind = "video"

    def __init__(self, pattern: TestPattern, fps: float) -> None:
        super().__init__()
        self._pattern = pattern
        self._fps = fps
        self._pacer = Pacer(1 / fps)
        self.frames_sent = 0

    async def recv(self) -> av.VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        n = await self._pacer.next()
        frame = self._pattern.frame(n)
        frame.pts = int(n * VIDEO_CLOCK / self._fps)
        frame.time_base = fractions.Fraction(1, VIDEO_CLOCK)
        self.frames_sent += 1
        return frame


def voice_like(seconds: float = 2.0, base_hz: float = 220.0) -> np.ndarray:
    """A tone with syllable-rate amplitude movement, so meters and mixes behave like speech."""
    t = np.arange(int(AUDIO_RATE * seconds)) / AUDIO_RATE
    carrier = np.sin(2 * np.pi * base_hz * t) + 0.4 * np.sin(2 * np.pi * 2.01 * base_hz * t)
    envelope = 0.55 + 0.45 * np.sin(2 * np.pi * 4.0 * t) * np.sin(2 * np.pi * 0.5 * t)
    samples: np.ndarray = (carrier * envelope * 0.25 * 32767).astype(np.int16)
    return samples


def mono_int16(frame: av.AudioFrame) -> np.ndarray:
    """The first channel of any decoded or captured frame, as int16 samples.

    Venues send mono, which decoders upmix: one channel is the signal (and the cheapest)."""
    samples = frame.to_ndarray()
    channels = len(frame.layout.channels)
    if frame.format.is_planar or channels == 1:
        first = samples.reshape(-1, frame.samples)[0]
    else:
        first = samples.reshape(-1)[::channels]
    out: np.ndarray
    if first.dtype.kind == "f":
        out = (np.clip(first, -1.0, 1.0) * 32767).astype(np.int16)
    elif first.dtype == np.int32:
        out = (first >> 16).astype(np.int16)
    else:
        out = first.astype(np.int16, copy=False)
    return out


def audio_frame(samples: np.ndarray, pts: int) -> av.AudioFrame:
    frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
    frame.sample_rate = AUDIO_RATE
    frame.pts = pts
    frame.time_base = fractions.Fraction(1, AUDIO_RATE)
    return frame


class ToneTrack(MediaStreamTrack):
    """A paced 48 kHz mono audio track looping a voice-like tone."""

    kind = "audio"

    def __init__(self, base_hz: float = 220.0) -> None:
        super().__init__()
        self._samples = voice_like(base_hz=base_hz)
        self._pos = 0
        self._pacer = Pacer(AUDIO_PTIME)

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        n = await self._pacer.next()
        end = self._pos + AUDIO_SAMPLES
        if end > len(self._samples):
            self._pos, end = 0, AUDIO_SAMPLES
        chunk = self._samples[self._pos : end]
        self._pos = end
        return audio_frame(chunk, n * AUDIO_SAMPLES)


class DetailPattern:
    """A program picture with detail everywhere that changes every frame (benchmarks): film
    grain over a panning texture, so VP8 needs the whole 720p rung's ~2.5 Mbit/s for it. The
    colour bars compress to a fraction of that, and a shaped link then never has to move down.

    Cheap to make: the texture and eight grain fields are drawn once; a frame is two slices
    and an add (a few ms at 1280×720).
    """

    __test__ = False

    GRAIN_FIELDS = 8

    def __init__(
        self, width: int, height: int, seed: int = 7, fine: int = 16, grain: int = 2
    ) -> None:
        if width % 2 or height % 2:
            raise ValueError(f"pattern size must be even, got {width}x{height}")
        self.width, self.height = width, height
        rng = np.random.default_rng(seed)
        # Detail at several scales (blurred noise) so motion search finds something to follow.
        base = rng.integers(0, 256, (height * 2 // 8, width * 2 // 8), np.uint8)
        coarse = cv2.resize(base, (width * 2, height * 2), interpolation=cv2.INTER_CUBIC)
        detail = rng.integers(0, fine, (height * 2, width * 2), np.uint8)
        self._texture = (coarse // 2 + detail).astype(np.uint8)
        self._grain = [
            rng.integers(0, grain, (height, width), np.uint8) for _ in range(self.GRAIN_FIELDS)
        ]
        # U and V planes side by side in PyAV's layout (half-width rows), with room to pan.
        self._chroma = rng.integers(96, 160, (height * 2, width), np.uint8)

    def frame(self, index: int) -> av.VideoFrame:
        h, w = self.height, self.width
        dx = (index * 3) % w
        dy = (index * 2) % h
        buf = np.empty((h * 3 // 2, w), np.uint8)
        np.add(self._texture[dy : dy + h, dx : dx + w], self._grain[index % self.GRAIN_FIELDS],
               out=buf[:h])  # fmt: skip
        cdx, cdy = (index // 2) % (w // 2), (index // 2) % (h // 2)
        chroma = self._chroma[cdy : cdy + h, cdx : cdx + w // 2]
        buf[h:] = chroma.reshape(-1, w)
        return av.VideoFrame.from_ndarray(buf, format="yuv420p")


class LoopedPattern:
    """A detailed program picture for benchmarks that costs almost nothing per frame: `frames`
    pictures of `DetailPattern` drawn once at start-up, played forwards and backwards (no jump
    at the loop's seam for the encoder to pay for), with a textured block moving across them
    so the encoder still follows real motion and the 1280×720 rung still needs its bitrate.

    Drawing `DetailPattern` live costs several ms of the studio's loop each frame (more on a
    loaded machine), which starved the program it was meant to load; here a frame is two
    copies and a slice (well under a ms at 1280×720). Memory: `frames` × 1.5 × width × height.
    """

    __test__ = False

    def __init__(self, width: int, height: int, frames: int = 48, seed: int = 7) -> None:
        if frames < 2:
            raise ValueError(f"a looped pattern needs at least 2 frames, got {frames}")
        detail = DetailPattern(width, height, seed=seed)
        self.width, self.height = width, height
        self._frames = np.stack([detail.frame(i).to_ndarray() for i in range(frames)])
        # The moving block: a patch of detail from elsewhere in the texture.
        self._block_w, self._block_h = (width // 8) & ~1, (height // 6) & ~1
        self._block = self._frames[frames // 2, : self._block_h, : self._block_w].copy()
        self._scratch = np.empty_like(self._frames[0])

    @property
    def period(self) -> int:
        """Frames before the picture repeats exactly: forwards, then backwards without the ends
        twice."""
        n = len(self._frames)
        return 2 * n - 2

    def _stored(self, index: int) -> int:
        n = len(self._frames)
        k = index % self.period
        return k if k < n else self.period - k

    def _block_at(self, index: int) -> tuple[int, int]:
        """Where the block is: across the picture once a period (one way, so a frame on the way
        back through the stored pictures still differs from its twin on the way out), bobbing
        up and down twice; the same every `period` frames, so the whole picture loops."""
        step, half = index % self.period, self.period // 2

        def triangle(k: int) -> int:  # 0 → half → 0 over one period
            k %= self.period
            return k if k <= half else self.period - k

        x = (self.width - self._block_w) * step // self.period
        y = self.height // 4 + (self.height // 2 - self._block_h) * triangle(2 * step) // half
        return x & ~1, y & ~1

    def frame(self, index: int) -> av.VideoFrame:
        buf = self._scratch
        np.copyto(buf, self._frames[self._stored(index)])
        x, y = self._block_at(index)
        buf[y : y + self._block_h, x : x + self._block_w] = self._block
        return av.VideoFrame.from_ndarray(buf, format="yuv420p")  # copies: buf is reused
