"""The venue's speaker: the program return as it arrives, and the siren on top at zero.

One output stream for both (an ALSA device cannot always be opened twice). The program is
played from a small buffer: playing starts once PREBUFFER_S has arrived, so network jitter does
not click; the buffer is kept under MAX_BUFFER_S (older sound is dropped), so the hall never
falls behind the picture; when it runs dry the speaker plays silence and buffers again.

The siren is synthesized; the stream is open and running before zero, so nothing is started at
zero, and the siren is started `latency_s` early so it leaves the speaker on time. Without
PortAudio or an output device the ceremony goes on and `problem` says why it is silent.
"""

from __future__ import annotations

import collections
import logging
import threading
from typing import Any

import av
import numpy as np

from media.sources import mono_int16

log = logging.getLogger(__name__)

RATE = 48_000
PREBUFFER_S = 0.08
MAX_BUFFER_S = 0.3
FULL_SCALE = 32768.0


def siren_samples(seconds: float = 4.0) -> np.ndarray:
    """A rising and falling two-tone siren, mono float32."""
    t = np.arange(int(RATE * seconds)) / RATE
    sweep = 600 + 300 * (0.5 - 0.5 * np.cos(2 * np.pi * t / 2.0))
    phase = 2 * np.pi * np.cumsum(sweep) / RATE
    envelope = np.minimum(1.0, np.minimum(t / 0.02, (seconds - t) / 0.2))
    samples: np.ndarray = (0.5 * np.sin(phase) * envelope).astype(np.float32)
    return samples


class Speaker:
    def __init__(self, device: str | int | None = None, *, program: bool = True) -> None:
        """`program=False`: siren only (the demo's eleven venues share one machine's speaker)."""
        self._device = device
        self.plays_program = program
        self._siren = siren_samples()
        self._siren_pos: int | None = None  # None: silent
        self._program: collections.deque[np.ndarray] = collections.deque()
        self._buffered = 0  # samples in _program
        self._playing = False  # False: (re)buffering
        self._lock = threading.Lock()  # the PortAudio callback thread reads what the loop pushes
        self._stream: Any = None
        self._tried = False
        self.latency_s = 0.0
        self.problem: str | None = None
        self.underruns = 0  # the buffer ran dry while playing
        self.dropped_samples = 0  # too far behind: older sound dropped

    def open(self) -> bool:
        """Open and start the output stream (once); False, with `problem` set, when impossible."""
        if self._stream is not None:
            return True
        self._tried = True
        try:
            # Imported here: without PortAudio the import itself fails, and the app must start.
            import sounddevice as sd  # noqa: PLC0415
        except (OSError, ImportError) as exc:
            self.problem = (
                f"no sound: PortAudio is missing ({exc}); install the libportaudio2 package"
            )
            log.warning(self.problem)
            return False
        try:
            stream = sd.OutputStream(
                samplerate=RATE,
                channels=1,
                dtype="float32",
                device=self._device,
                latency="low",
                callback=self._callback,
            )
            stream.start()
        except Exception as exc:  # PortAudioError, ValueError for a missing device
            self.problem = f"no sound: the output device could not be opened ({exc})"
            log.warning(self.problem)
            return False
        self._stream = stream
        self.latency_s = float(stream.latency)
        self.problem = None
        return True

    def push_program(self, frame: av.AudioFrame) -> None:
        """One decoded frame of the program return (any size, mono or interleaved stereo)."""
        if not self.plays_program:
            return
        if self._stream is None:
            if self._tried:
                return  # it failed once and said why; do not retry fifty times a second
            self.open()
        self.push_samples(mono_int16(frame).astype(np.float32) / FULL_SCALE)

    def push_samples(self, mono: np.ndarray) -> None:
        with self._lock:
            self._program.append(mono)
            self._buffered += len(mono)
            limit = int(MAX_BUFFER_S * RATE)
            while self._buffered > limit and len(self._program) > 1:
                old = self._program.popleft()
                self._buffered -= len(old)
                self.dropped_samples += len(old)

    def play_siren(self) -> None:
        with self._lock:
            self._siren_pos = 0

    def close(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None

    def _callback(self, out: np.ndarray, frames: int, _time: Any, _status: Any) -> None:
        out.fill(0)
        with self._lock:
            self._fill_program(out[:, 0], frames)
            if self._siren_pos is not None:
                chunk = self._siren[self._siren_pos : self._siren_pos + frames]
                out[: len(chunk), 0] += chunk
                self._siren_pos += frames
                if self._siren_pos >= len(self._siren):
                    self._siren_pos = None

    def _fill_program(self, out: np.ndarray, frames: int) -> None:
        if not self._playing:
            if self._buffered < PREBUFFER_S * RATE:
                return
            self._playing = True
        filled = 0
        while filled < frames and self._program:
            head = self._program[0]
            take = min(frames - filled, len(head))
            out[filled : filled + take] = head[:take]
            filled += take
            self._buffered -= take
            if take == len(head):
                self._program.popleft()
            else:
                self._program[0] = head[take:]
        if filled < frames:
            self.underruns += 1
            self._playing = False
