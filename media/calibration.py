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
from enum import StrEnum
from typing import Any

import numpy as np

from ceremony.audiotime import BufferPlacement, OnsetMethod, hall_latency, place_capture
from media.audiosignal import calibration_chirp, find
from media.firing import enter_realtime
from media.speaker import (
    AUDIO_PRIORITY,
    OUTPUT_LATENCY_S,
    RATE,
    Speaker,
    raise_sound_server_threads,
)

log = logging.getLogger(__name__)

# The first chirp is placed this far after both streams opened. A stream's first seconds are
# not its steady state: through PulseAudio the capture's ADC times were 30-470 ms off until one
# step 2.55 s after the stream started (when libpulse's timing updates, 10 ms apart and doubling,
# reach their 1.5 s pace), flat within 0.1 ms after it; chirps before it read -50 and -155 ms.
# The venue's siren stream is open for seconds before zero: calibrate in the same steady state.
LEAD_S = 4.0
REPEATS = 5  # chirps per measurement: the median survives two disturbed readings
SPACING_S = 0.5
TAIL_S = 0.6  # recorded after the last chirp's end: room for a slow hall
WAIT_MAX_S = 4.0  # a capture that lags more than this behind is not waited for
SEARCH_S = 0.15  # looked for this far either side of where it should be (< SPACING_S / 2)
NEAR_S = 0.15  # the capture is placed by the blocks this close to the chirp
MIN_SCORE = 8.0  # a weaker correlation peak is not a find (a muted speaker, a deaf microphone)


class CalibrationProblem(StrEnum):
    """What went wrong, for a sentence in the crew's language (the message keeps the detail)."""

    SPEAKER = "speaker"  # the speaker could not be opened
    MICROPHONE = "microphone"  # the microphone could not be opened
    NO_PLAYBACK = "no_playback"  # the speaker opened but never played
    NOT_HEARD = "not_heard"  # played, but not found in the microphone


class CalibrationError(RuntimeError):
    def __init__(self, problem: CalibrationProblem, detail: str) -> None:
        super().__init__(detail)
        self.problem = problem


@dataclass(frozen=True)
class Calibration:
    latency_s: float  # heard at the microphone minus due out of the speaker
    score: float  # correlation peak over its typical level
    output_method: OnsetMethod
    input_method: OnsetMethod
    advance_s: float  # what the chirp had already been advanced by
    spread_s: float = 0.0  # between the repeated chirps: how much to trust the figure
    heard: int = 1  # chirps found
    readings_s: tuple[float, ...] = ()  # each chirp's latency, in the order played


@dataclass
class _Capture:
    blocks: list[tuple[np.ndarray, BufferPlacement]]
    clock: Callable[[], float]
    latency_s: float = 0.0

    def callback(self, indata: np.ndarray, frames: int, time_info: Any, _status: Any) -> None:
        if not self.blocks:  # real-time as the speaker's callback: a late capture breaks the run
            enter_realtime(AUDIO_PRIORITY)
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
    blocks: list[tuple[np.ndarray, BufferPlacement]],
    reference: np.ndarray,
    expected_local: float,
    search_s: float = SEARCH_S,
) -> tuple[float, float] | None:
    """When (on the deadline's clock) `reference` starts in the captured blocks, looked for
    within `search_s` of `expected_local`, and its score. Pure: the capture comes in as data.

    A capture is a run of samples, so each block's ADC time implies when the run's first sample
    was captured. While a stream starts those implied times are off by up to a second
    (PortAudio fills and drains in bursts before the server's timing settles), and an overflow
    on a loaded machine breaks the run; around the chirp, once settled, they agree within a
    millisecond. So the run is placed by the median over the blocks near the chirp.
    """
    if not blocks:
        return None
    counts = np.cumsum([0] + [len(b) for b, _ in blocks])
    starts = np.array([p.first_sample_local for _, p in blocks]) - counts[:-1] / RATE
    recording = np.concatenate([b for b, _ in blocks])
    settled = float(np.median(starts[len(starts) // 2 :]))
    approx = int((expected_local - settled) * RATE)
    lo = max(0, approx - int(search_s * RATE))
    hi = min(len(recording), approx + int(search_s * RATE) + len(reference))
    found = find(recording[lo:hi], reference)
    if found is None:
        return None
    index = lo + found.index
    block = int(np.searchsorted(counts, index, side="right")) - 1
    span = max(1, int(NEAR_S * RATE / max(1, len(blocks[block][0]))))
    near = starts[max(0, block - span) : block + span + 1]
    return float(np.median(near)) + index / RATE, found.score


def measure(
    speaker_device: str | int | None,
    microphone_device: str | int | None,
    *,
    advance_s: float = 0.0,
    clock: Callable[[], float] = time.monotonic,
) -> Calibration:
    """Play the chirp a few times and find it; CalibrationError says what went wrong
    (blocking, about eight seconds)."""
    import sounddevice as sd  # noqa: PLC0415 - without PortAudio the app still starts

    chirp = calibration_chirp(RATE)
    speaker = Speaker(speaker_device, program=False, siren=chirp)
    speaker.clock = clock
    speaker.hall_latency_s = advance_s
    capture = _Capture([], clock)
    if not speaker.open():
        raise CalibrationError(
            CalibrationProblem.SPEAKER, speaker.problem or "the speaker could not be opened"
        )
    try:
        stream = sd.InputStream(
            samplerate=RATE,
            channels=1,
            dtype="float32",
            device=microphone_device,
            latency=OUTPUT_LATENCY_S,  # larger blocks: fewer overflows on a loaded machine
            callback=capture.callback,
        )
        capture.latency_s = float(stream.latency)
        stream.start()
        raise_sound_server_threads()  # this stream's libpulse thread too, as the speaker's
    except Exception as exc:  # PortAudioError, ValueError for a missing device
        speaker.close()
        raise CalibrationError(
            CalibrationProblem.MICROPHONE, f"the microphone could not be opened ({exc})"
        ) from exc
    done = threading.Event()
    first = clock() + LEAD_S
    deadlines = [first + i * SPACING_S for i in range(REPEATS)]
    try:
        speaker.schedule_siren(1, deadlines[0])
        scheduled = 1
        until = deadlines[-1] + len(chirp) / RATE + TAIL_S
        give_up = time.monotonic() + (until - clock()) + WAIT_MAX_S
        # Until the capture itself reaches past the last chirp (it may deliver late).
        while not capture.covers(until) and time.monotonic() < give_up:
            if scheduled < REPEATS and speaker.onset(scheduled) is not None:
                scheduled += 1  # one siren is pending at a time: the next once this began
                speaker.schedule_siren(scheduled, deadlines[scheduled - 1])
            done.wait(0.02)
    finally:
        stream.stop()
        stream.close()
        speaker.close()
    latencies, scores, method = [], [], OnsetMethod.NO_SOUND
    for arm_id in range(1, REPEATS + 1):
        onset = speaker.onset(arm_id)
        if onset is None or onset.onset_local is None:
            continue
        method = onset.method
        located = locate(capture.blocks, chirp, onset.onset_local)
        if located is not None and located[1] >= MIN_SCORE:
            # The onset as placed includes `advance_s`: add it back for the hall's whole delay.
            latencies.append(hall_latency(located[0], onset.onset_local) + advance_s)
            scores.append(located[1])
    if method is OnsetMethod.NO_SOUND:
        raise CalibrationError(
            CalibrationProblem.NO_PLAYBACK,
            "the speaker never played the chirp (no audio callbacks)",
        )
    if not latencies:
        raise CalibrationError(
            CalibrationProblem.NOT_HEARD,
            "the chirp was not heard in the microphone: is the speaker on and the microphone "
            "in the room?",
        )
    input_method = capture.blocks[-1][1].method
    result = Calibration(
        float(np.median(latencies)),
        float(min(scores)),
        method,
        input_method,
        advance_s,
        spread_s=float(max(latencies) - min(latencies)),
        heard=len(latencies),
        readings_s=tuple(latencies),
    )
    log.info("hall calibration: %s", result)
    return result
