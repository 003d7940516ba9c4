"""Receiving the program's Opus with its in-band FEC, and counting what had to be concealed.

aiortc's Opus decoder (PyAV's libopus wrapper) never decodes FEC: a lost packet is simply
missing. libopus itself can rebuild a lost packet from the low-bitrate copy (LBRR) the *next*
packet carries (`opus_decode(..., decode_fec=1)`), so this decoder talks to libopus directly,
through ctypes, and on a gap of one packet decodes the next packet twice: once with decode_fec=1
for the lost one, then normally. Longer gaps get libopus's packet-loss concealment (PLC).

Counted honestly, per packet the sender made: `received`, `recovered` (lost, rebuilt from the
next packet's LBRR), `concealed` (neither received nor recovered: PLC, or nothing when the gap is
too long to fill). Where no libopus can be loaded the decoder falls back to PyAV's (no FEC) and
still counts.

The hook that puts this decoder (and an arrival-order audio buffer) into aiortc is in
media/aiortc_compat.py.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import fractions
import glob
import logging
import os
import threading
from dataclasses import dataclass
from typing import Any

import av

log = logging.getLogger(__name__)

RATE = 48_000
CHANNELS = 2  # as aiortc's decoder: stereo s16, whatever the sender coded
MAX_SAMPLES = RATE * 120 // 1000  # the longest Opus packet
MAX_FILL_PACKETS = 8  # a longer gap (a stall, a reconnect) is counted, not filled with PLC
TIME_BASE = fractions.Fraction(1, RATE)


@dataclass
class OpusReceiveStats:
    """Packets of one receive direction. Written by the decoder thread, read by anyone."""

    received: int = 0
    recovered: int = 0  # lost, rebuilt from the next packet's FEC
    concealed: int = 0  # lost and not recovered
    late: int = 0  # arrived after their place had been filled or passed (dropped)

    @property
    def expected(self) -> int:
        return self.received + self.recovered + self.concealed

    def concealed_pct(self) -> float | None:
        return round(100 * self.concealed / self.expected, 2) if self.expected else None

    def counts(self) -> dict[str, int]:
        """The four counters by name: what `dataclasses.asdict` gives, without its deep copy
        (the studio's status reads every venue's, four times a second for the console)."""
        return {
            "received": self.received,
            "recovered": self.recovered,
            "concealed": self.concealed,
            "late": self.late,
        }

    def summary(self) -> str:
        return (
            f"program audio: {self.expected} packets, {self.received} received, "
            f"{self.recovered} recovered by FEC, {self.concealed} concealed "
            f"({self.concealed_pct()} %), {self.late} late"
        )


_lib: Any = None
_lib_lock = threading.Lock()


def _load() -> Any:
    """libopus: the copy PyAV's wheel bundles (always there with `av`), else the system's."""
    global _lib  # noqa: PLW0603 - a loaded shared library, not state
    with _lib_lock:
        if _lib is not None:
            return _lib or None
        here = os.path.dirname(av.__file__)
        candidates = sorted(glob.glob(os.path.join(here, "..", "av.libs", "libopus*.so*")))
        system = ctypes.util.find_library("opus")
        if system:
            candidates.append(system)
        for path in candidates:
            try:
                lib = ctypes.CDLL(path)
                _declare(lib)
            except (OSError, AttributeError) as exc:
                log.info("libopus at %s not usable: %s", path, exc)
                continue
            _lib = lib
            return lib
        log.warning("no libopus for FEC decoding; lost program audio packets are not recovered")
        _lib = False
        return None


def _declare(lib: Any) -> None:
    lib.opus_decoder_create.restype = ctypes.c_void_p
    lib.opus_decoder_create.argtypes = [ctypes.c_int32, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
    lib.opus_decoder_destroy.argtypes = [ctypes.c_void_p]
    lib.opus_decode.restype = ctypes.c_int
    lib.opus_decode.argtypes = [
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.c_int32,
        ctypes.POINTER(ctypes.c_int16),
        ctypes.c_int,
        ctypes.c_int,
    ]
    lib.opus_packet_get_nb_samples.restype = ctypes.c_int
    lib.opus_packet_get_nb_samples.argtypes = [ctypes.c_char_p, ctypes.c_int32, ctypes.c_int32]
    lib.opus_packet_get_nb_frames.argtypes = [ctypes.c_char_p, ctypes.c_int32]
    lib.opus_packet_get_samples_per_frame.argtypes = [ctypes.c_char_p, ctypes.c_int32]


def fec_available() -> bool:
    return _load() is not None


def carries_fec(lib: Any, data: bytes) -> bool:
    """Whether `data` holds an LBRR copy of the *whole* packet before it: SILK-only, one frame
    (hybrid and multi-frame packets rebuild only their first frame's worth)."""
    if not data or (data[0] >> 3) >= 12:  # TOC config 12+: hybrid or CELT, no full copy
        return False
    if lib.opus_packet_get_nb_frames(data, len(data)) != 1:
        return False
    has = getattr(lib, "opus_packet_has_lbrr", None)  # libopus >= 1.5
    if has is None:
        return True  # older libopus: decode and trust it (PLC if there was none)
    has.argtypes = [ctypes.c_char_p, ctypes.c_int32]
    return bool(has(data, len(data)) == 1)


class FecOpusDecoder:
    """Drop-in for aiortc's OpusDecoder (`decode(JitterFrame) -> [AudioFrame]`), fed packets in
    arrival order; RTP timestamps (48 kHz) reveal the gaps."""

    def __init__(self, stats: OpusReceiveStats) -> None:
        self.stats = stats
        self._lib = _load()
        self._state: Any = None
        if self._lib is not None:
            error = ctypes.c_int()
            self._state = self._lib.opus_decoder_create(RATE, CHANNELS, ctypes.byref(error))
            if not self._state or error.value != 0:
                log.warning("opus_decoder_create failed (%d); FEC off", error.value)
                self._lib, self._state = None, None
        self._fallback: Any = None
        if self._lib is None:
            from aiortc.codecs.opus import OpusDecoder  # noqa: PLC0415 - only without libopus

            self._fallback = OpusDecoder()
        self._pcm = (ctypes.c_int16 * (MAX_SAMPLES * CHANNELS))()
        self._next: int | None = None  # the timestamp the next packet should have
        self._duration = 0

    def __del__(self) -> None:
        if self._lib is not None and self._state:
            self._lib.opus_decoder_destroy(self._state)
            self._state = None

    def decode(self, encoded_frame: Any) -> list[av.AudioFrame]:
        data: bytes = bytes(encoded_frame.data)
        ts: int = int(encoded_frame.timestamp)
        frames: list[av.AudioFrame] = []
        if self._next is not None and self._duration:
            gap = (ts - self._next + 2**31) % 2**32 - 2**31
            if gap < 0:
                self.stats.late += 1
                return []
            missing = gap // self._duration
            if missing > MAX_FILL_PACKETS:
                self.stats.concealed += missing
            elif missing:
                frames += self._fill(missing, data, self._next)
        self.stats.received += 1
        if self._lib is None:
            frames += self._fallback.decode(encoded_frame)
            duration = sum(f.samples for f in frames[-1:])
        else:
            duration = self._lib.opus_packet_get_nb_samples(data, len(data), RATE)
            frames += self._decode(data, ts, duration, fec=False)
        if duration > 0:
            self._duration = duration
        self._next = ts + max(duration, 0)
        return frames

    def _fill(self, missing: int, next_data: bytes, at: int) -> list[av.AudioFrame]:
        out: list[av.AudioFrame] = []
        for n in range(missing):
            pts = at + n * self._duration
            last = n == missing - 1
            if last and self._lib is not None and carries_fec(self._lib, next_data):
                self.stats.recovered += 1
                out += self._decode(next_data, pts, self._duration, fec=True)
            else:
                self.stats.concealed += 1
                if self._lib is not None:
                    out += self._decode(None, pts, self._duration, fec=False)  # PLC
        return out

    def _decode(self, data: bytes | None, pts: int, samples: int, *, fec: bool) -> list[Any]:
        if samples <= 0 or samples > MAX_SAMPLES:
            return []
        n = self._lib.opus_decode(
            self._state, data, len(data) if data else 0, self._pcm, samples, int(fec)
        )
        if n <= 0:
            return []
        frame = av.AudioFrame(format="s16", layout="stereo", samples=n)
        frame.planes[0].update(bytes(memoryview(self._pcm).cast("B")[: n * CHANNELS * 2]))
        frame.sample_rate = RATE
        frame.pts = pts
        frame.time_base = TIME_BASE
        return [frame]


__all__ = ["FecOpusDecoder", "OpusReceiveStats", "carries_fec", "fec_available"]
