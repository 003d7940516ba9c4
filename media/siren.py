"""The siren: a synthesized sound played through sounddevice at the countdown's zero.

The output stream is opened and running (silent) from the moment the countdown is armed, so
nothing is started at zero; the sound is started `latency` early so it leaves the speaker on
time. Without PortAudio or an output device the ceremony goes on: the siren says why it is silent.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

RATE = 48_000


def siren_samples(seconds: float = 4.0) -> np.ndarray:
    """A rising and falling two-tone siren, mono float32."""
    t = np.arange(int(RATE * seconds)) / RATE
    sweep = 600 + 300 * (0.5 - 0.5 * np.cos(2 * np.pi * t / 2.0))
    phase = 2 * np.pi * np.cumsum(sweep) / RATE
    envelope = np.minimum(1.0, np.minimum(t / 0.02, (seconds - t) / 0.2))
    samples: np.ndarray = (0.5 * np.sin(phase) * envelope).astype(np.float32)
    return samples


class SirenUnavailableError(RuntimeError):
    pass


class Siren:
    def __init__(self, device: str | int | None = None) -> None:
        self._samples = siren_samples()
        self._pos: int | None = None  # None: silent
        self._lock = threading.Lock()
        self._stream: Any = None
        self.latency_s = 0.0
        self.problem: str | None = None
        self._device = device

    def open(self) -> bool:
        """Open and start the output stream; False (with `problem` set) when impossible."""
        if self._stream is not None:
            return True
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

    def play(self) -> None:
        with self._lock:
            self._pos = 0

    def close(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None

    def _callback(self, out: np.ndarray, frames: int, _time: Any, _status: Any) -> None:
        out.fill(0)
        with self._lock:
            if self._pos is None:
                return
            chunk = self._samples[self._pos : self._pos + frames]
            out[: len(chunk), 0] = chunk
            self._pos += frames
            if self._pos >= len(self._samples):
                self._pos = None
