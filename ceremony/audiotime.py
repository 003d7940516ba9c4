"""Where a sound lands on the deadline's clock: the output stream's timeline, sans I/O.

Each audio callback is told when the first sample of its buffer will reach the DAC, on the
stream's own time base (PortAudio's `outputBufferDacTime`). That base differs by host API: on
Linux ALSA (and so through PulseAudio's ALSA plugin) it is CLOCK_REALTIME, elsewhere it may be
the monotonic clock or a private stream clock. The callback therefore reads, back to back, the
deadline's clock and every candidate base; the first base against which the DAC time is a
plausible distance ahead gives the mapping, afresh in every callback (so drift between the
sound card's crystal and the deadline's clock never accumulates). When no base fits, the
buffer is placed by the output latency the stack reports, and the fire report says so.
"""

from __future__ import annotations

import collections
import statistics
from dataclasses import dataclass, field
from enum import StrEnum

# A DAC time this far behind "now" means the callback itself ran late (an underrun), which is
# still a true statement about the buffer; further behind, or too far ahead, is a wrong base.
MAX_BEHIND_S = 0.050
MAX_AHEAD_S = 0.500
TIMELINE_WINDOW = 16  # callbacks whose implied stream start is pooled (~0.1 s at 40 ms buffers)
TIMELINE_JUMP_S = 0.002  # a move of the implied start by more than this is not noise ...
TIMELINE_JUMP_CALLBACKS = 3  # ... once it lasts this many callbacks: an underrun, a restart


class OnsetMethod(StrEnum):
    DAC_TIME = "dac_time"  # the sample whose DAC time is the deadline
    SERVER_TIMING = "server_timing"  # the sample the sound server's own timing reports put there
    REPORTED_LATENCY = "reported_latency"  # no usable DAC time: callback time + stated latency
    NO_SOUND = "no_sound"  # no output stream: nothing was heard


@dataclass(frozen=True)
class BufferPlacement:
    """When a callback's first sample is heard, on the deadline's clock."""

    first_sample_local: float
    method: OnsetMethod
    ahead_s: float  # how far ahead of the callback the first sample is heard


def plausible_ahead(dac_time: float, base_now: float) -> float | None:
    """`dac_time - base_now` if it is a believable lead for an output buffer, else None."""
    if dac_time <= 0.0:
        return None  # PortAudio's "unknown"
    ahead = dac_time - base_now
    if -MAX_BEHIND_S <= ahead <= MAX_AHEAD_S:
        return ahead
    return None


def place_buffer(
    dac_time: float,
    local_now: float,
    base_readings: tuple[float, ...],
    reported_latency_s: float,
    extra_latency_s: float = 0.0,
) -> BufferPlacement:
    """Map a buffer's DAC time onto the deadline's clock.

    `base_readings`: the candidate time bases read together with `local_now`, most trusted
    first. `extra_latency_s`: what the hall adds after the DAC (amplifier, processor, air),
    as calibrated; the sample is heard that much later than it leaves the computer.
    """
    for base_now in base_readings:
        ahead = plausible_ahead(dac_time, base_now)
        if ahead is not None:
            return BufferPlacement(local_now + ahead + extra_latency_s, OnsetMethod.DAC_TIME, ahead)
    ahead = max(0.0, reported_latency_s)
    return BufferPlacement(local_now + ahead + extra_latency_s, OnsetMethod.REPORTED_LATENCY, ahead)


@dataclass
class StreamTimeline:
    """One output stream's timeline, pooled over many callbacks.

    A stream plays an unbroken run of samples, so each callback's DAC time implies when the
    run's first sample was (would have been) heard. One callback's reading is noisy (the three
    clocks are read a little after PortAudio sampled the DAC time: ~0.5 ms under load); the
    median over the last callbacks is not. A lasting move of the implied start is real (an
    underrun delayed everything after it; a stream that restarted): the pool then starts over.
    Drift between the sound card and the deadline's clock moves the implied start ~0.1 ms a
    second at 100 ppm, well inside what the window follows.
    """

    rate: int
    window: int = TIMELINE_WINDOW
    _starts: collections.deque[float] = field(default_factory=collections.deque)
    _moved: list[float] = field(default_factory=list)
    _count: int = 0  # samples handed to the stream before this callback's buffer

    def place(self, raw: BufferPlacement, frames: int) -> BufferPlacement:
        """The pooled placement of the buffer `raw` was read for (`frames` samples long)."""
        count, self._count = self._count, self._count + frames
        if raw.method is not OnsetMethod.DAC_TIME:
            self._starts.clear()
            self._moved.clear()
            return raw
        implied = raw.first_sample_local - count / self.rate
        if self._starts and abs(implied - statistics.median(self._starts)) > TIMELINE_JUMP_S:
            self._moved.append(implied)
            if len(self._moved) >= TIMELINE_JUMP_CALLBACKS:
                self._starts = collections.deque(self._moved)
                self._moved = []
        else:
            self._moved.clear()
            self._starts.append(implied)
            while len(self._starts) > self.window:
                self._starts.popleft()
        start = statistics.median(self._starts)
        return BufferPlacement(start + count / self.rate, raw.method, raw.ahead_s)


SERVER_TIMING_WINDOW = 16  # timing reports pooled (0.8 s at one every 50 ms)


@dataclass
class ServerTimeline:
    """A playback stream's sample -> time line from the sound server's raw timing reports.

    Each report says that the sample at `read_index` is heard at one instant (PulseAudio: the
    reply's timestamp plus the sink's latency then), which implies when the stream's sample 0
    was (would have been) heard. The median of the last reports is the line: one report is
    late now and then (the server's main thread answers after the snapshot under load), the
    median is not. A stream started without a prebuffer plays on through an underrun, so its
    line does not move; a lasting move (a restarted stream, a moved sink) restarts the pool.
    Drift between the sound card and the deadline's clock (~0.1 ms a second at 100 ppm) moves
    the implied start by less than the window's noise; the window follows it with a lag of half
    its length, ~40 us at 100 ppm.
    """

    rate: int
    window: int = SERVER_TIMING_WINDOW
    _starts: collections.deque[float] = field(default_factory=collections.deque)
    _moved: list[float] = field(default_factory=list)

    def report(self, read_index: int, heard_local: float) -> None:
        """The sample at `read_index` (counted from the stream's first) is heard then."""
        implied = heard_local - read_index / self.rate
        if self._starts and abs(implied - statistics.median(self._starts)) > TIMELINE_JUMP_S:
            self._moved.append(implied)
            if len(self._moved) >= TIMELINE_JUMP_CALLBACKS:
                self._starts = collections.deque(self._moved)
                self._moved = []
            return
        self._moved.clear()
        self._starts.append(implied)
        while len(self._starts) > self.window:
            self._starts.popleft()

    @property
    def start(self) -> float | None:
        """When sample 0 is heard, on the deadline's clock; None before the first report."""
        return statistics.median(self._starts) if self._starts else None

    def place(
        self, index: int, local_now: float, extra_latency_s: float = 0.0
    ) -> BufferPlacement | None:
        """When the sample at `index` (a buffer's first) is heard, advanced by nothing and
        delayed by the hall (`extra_latency_s`); None until the server has reported."""
        start = self.start
        if start is None:
            return None
        heard = start + index / self.rate + extra_latency_s
        return BufferPlacement(heard, OnsetMethod.SERVER_TIMING, heard - local_now)


def start_index(first_sample_local: float, deadline_local: float, rate: int) -> int:
    """The index, counted from the buffer's first sample, of the sample heard at the deadline.

    Negative when the deadline is already behind this buffer (the sound starts late).
    """
    return round((deadline_local - first_sample_local) * rate)


@dataclass(frozen=True)
class SirenStart:
    offset: int  # where in this buffer the siren's first sample goes
    onset_local: float  # when that sample is heard, on the deadline's clock
    late_s: float  # > 0: the buffer holding the deadline was already past


def siren_start(
    placement: BufferPlacement, frames: int, deadline_local: float, rate: int
) -> SirenStart | None:
    """Where the siren starts in this buffer, or None when the deadline lies beyond it."""
    index = start_index(placement.first_sample_local, deadline_local, rate)
    if index >= frames:
        return None
    offset = max(0, index)
    onset = placement.first_sample_local + offset / rate
    # Within the buffer the onset is the deadline to half a sample (rounding, not lateness).
    late = max(0.0, placement.first_sample_local - deadline_local) if index < 0 else 0.0
    return SirenStart(offset, onset, late)


def place_capture(
    adc_time: float,
    local_now: float,
    base_readings: tuple[float, ...],
    reported_latency_s: float,
    *,
    frames: int,
    rate: int,
) -> BufferPlacement:
    """Map an input buffer's ADC time (when its first sample was captured, in the past) onto
    the deadline's clock; without a plausible one, the stated input latency places it."""
    for base_now in base_readings:
        if adc_time > 0.0:
            behind = base_now - adc_time
            if -MAX_BEHIND_S <= behind <= MAX_AHEAD_S:
                return BufferPlacement(local_now - behind, OnsetMethod.DAC_TIME, -behind)
    behind = max(0.0, reported_latency_s) + frames / rate
    return BufferPlacement(local_now - behind, OnsetMethod.REPORTED_LATENCY, -behind)


def hall_latency(heard_local: float, placed_onset_local: float) -> float:
    """What the hall adds: when the chirp was heard at the microphone minus when its first
    sample was due out of the speaker by the stream's own timing."""
    return heard_local - placed_onset_local
