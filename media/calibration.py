"""Hall calibration: how much later than its DAC time the speaker's sound reaches the room.

The output stream knows when a sample leaves the computer; it cannot know what follows: an
amplifier's processing, a wireless link, a delay line, the air. The check plays a short chirp
through the hall's speaker at a known DAC time and finds it in the hall's microphone by
cross-correlation, placed by the input stream's ADC times; the difference is the hall's latency,
and the siren is then started that much earlier (stored per speaker and microphone pair).

`measure(..., advance_s=L)` plays the chirp already advanced by L: the result is then what is left
uncompensated, which is how the compensation itself is checked.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ceremony.audiotime import BufferPlacement, OnsetMethod, hall_latency, place_capture
from media.audiosignal import calibration_chirp, find
from media.speaker import RATE, Speaker

log = logging.getLogger(__name__)

# The chirp is placed this far ahead. A stream's first few hundred milliseconds are not its
# steady state (PulseAudio measured up to 0.3 s off while a stream connects), and the venue's
# siren stream is open for seconds before zero: calibrate in the same steady state.
LEAD_S = 1.2
TAIL_S = 0.6  # recorded after the chirp's end: room for a slow hall
WAIT_MAX_S = 4.0  # a capture that lags more than this behind is not waited for
MIN_SCORE = 8.0  # a weaker correlation peak is not a find (a muted speaker, a deaf microphone)
ARM_ID = 1


class CalibrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Calibration:
    latency_s: float  # heard at the microphone minus due out of the speaker
    score: float  # correlation peak over its typical level
    output_method: OnsetMethod
    input_method: OnsetMethod
    advance_s: float  # what the chirp had already been advanced by


@dataclass
class _Capture:
    blocks: list[tuple[np.ndarray, BufferPlacement]]
    clock: Callable[[], float]
    latency_s: float = 0.0

    def callback(self, indata: np.ndarray, frames: int, time_info: Any, _status: Any) -> None:
        local_now = self.clock()
        bases = (time.time(), time.monotonic())
        adc = float(getattr(time_info, "inputBufferAdcTime", 0.0) or 0.0)
        placed = place_capture(adc, local_now, bases, self.latency_s, frames=frames, rate=RATE)
        self.blocks.append((indata[:, 0].copy(), placed))

    def covers(self, local: float) -> bool:
        if not self.blocks:
            return False
        samples, placed = self.blocks[-1]
        return placed.first_sample_local + len(samples) / RATE >= local


def locate(
    blocks: list[tuple[np.ndarray, BufferPlacement]], reference: np.ndarray
) -> tuple[float, float, OnsetMethod] | None:
    """When (on the deadline's clock) `reference` starts in captured blocks, its score, and how
    the capture was placed. Pure: the captured blocks come in as data.

    A capture is one unbroken run of samples, so each block's ADC time implies the time of the
    run's first sample. While a stream starts those implied times are off by up to a second
    (PortAudio fills and drains in bursts before the server's timing settles); once settled they
    agree within a millisecond. The capture runs on past the chirp, so its last quarter is
    settled: the median of its implied start times places the whole run.
    """
    if not blocks:
        return None
    recording = np.concatenate([b for b, _ in blocks])
    found = find(recording, reference)
    if found is None:
        return None
    counts = np.cumsum([0] + [len(b) for b, _ in blocks[:-1]])
    starts = np.array([p.first_sample_local for _, p in blocks]) - counts / RATE
    settled = starts[len(starts) - max(1, len(starts) // 4) :]
    run_start = float(np.median(settled))
    return run_start + found.index / RATE, found.score, blocks[-1][1].method


def measure(
    speaker_device: str | int | None,
    microphone_device: str | int | None,
    *,
    advance_s: float = 0.0,
    clock: Callable[[], float] = time.monotonic,
) -> Calibration:
    """Play the chirp and find it; CalibrationError says what went wrong (blocking, ~1.5 s)."""
    import sounddevice as sd  # noqa: PLC0415 - without PortAudio the app still starts

    chirp = calibration_chirp(RATE)
    speaker = Speaker(speaker_device, program=False, siren=chirp)
    speaker.clock = clock
    speaker.hall_latency_s = advance_s
    capture = _Capture([], clock)
    if not speaker.open():
        raise CalibrationError(speaker.problem or "the speaker could not be opened")
    try:
        stream = sd.InputStream(
            samplerate=RATE,
            channels=1,
            dtype="float32",
            device=microphone_device,
            latency="low",
            callback=capture.callback,
        )
        capture.latency_s = float(stream.latency)
        stream.start()
    except Exception as exc:  # PortAudioError, ValueError for a missing device
        speaker.close()
        raise CalibrationError(f"the microphone could not be opened ({exc})") from exc
    done = threading.Event()
    try:
        deadline = clock() + LEAD_S
        speaker.schedule_siren(ARM_ID, deadline)
        until = deadline + len(chirp) / RATE + TAIL_S
        give_up = time.monotonic() + LEAD_S + WAIT_MAX_S
        # Until the capture itself reaches past the chirp (it may deliver late), or give up.
        while not capture.covers(until) and time.monotonic() < give_up:
            done.wait(0.05)
    finally:
        stream.stop()
        stream.close()
        speaker.close()
    onset = speaker.onset(ARM_ID)
    if onset is None or onset.onset_local is None:
        raise CalibrationError("the speaker never played the chirp (no audio callbacks)")
    located = locate(capture.blocks, chirp)
    if located is None or located[1] < MIN_SCORE:
        raise CalibrationError(
            "the chirp was not heard in the microphone: is the speaker on and the microphone "
            "in the room?"
        )
    heard, score, input_method = located
    # The onset as placed already includes `advance_s`: what remains is the uncompensated part.
    latency = hall_latency(heard, onset.onset_local) + advance_s
    result = Calibration(latency, score, onset.method, input_method, advance_s)
    log.info("hall calibration: %s", result)
    return result
