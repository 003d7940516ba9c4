"""The venue's speaker: the program return as it arrives, and the siren on top at zero.

One output stream for both (an ALSA device cannot always be opened twice). The program is
played from a small buffer: playing starts once PREBUFFER_S has arrived, so network jitter does
not click; the buffer is kept under MAX_BUFFER_S (older sound is dropped), so the hall never
falls behind the picture; when it runs dry the speaker plays silence and buffers again.

The siren is synthesized and scheduled on the stream's own timeline: the stream is open and
running before zero, and every callback maps the DAC time of its first sample onto the
deadline's clock (ceremony.audiotime); the siren starts at the sample whose DAC time is the
deadline, advanced by the hall's calibrated latency (what the amplifier and the air add after
the DAC). Nothing is started at zero by a thread that may be late. Without usable DAC times the
buffer is placed by the stream's stated latency, and the onset record says so. Without
PortAudio or an output device the ceremony goes on and `problem` says why it is silent.

Two ways to the device: on Linux, where a PulseAudio (or PipeWire-pulse) server answers and the
device is the default, a libpulse stream of our own whose timing is the server's raw reports
(media.pulse_output: no latency smoother in between); everywhere else, and whenever that fails,
PortAudio. Both render through the same code below.

A stream dies with its sound server (a crew restarting PipeWire) or its device (a USB interface
pulled out). The speaker then says so in `problem` and is opened again by `reopen`, which the
venue calls off its loop until a stream runs (media.venue): the siren is scheduled on the
speaker, not on a stream, so a siren placed before the stream died is placed on the new one.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import av
import numpy as np

from ceremony.audiotime import (
    BufferPlacement,
    OnsetMethod,
    SirenStart,
    StreamTimeline,
    place_buffer,
    siren_start,
)
from ceremony.liveness import Backoff
from media.firing import NEIGHBOUR_PRIORITY, REALTIME_PRIORITY, enter_realtime, raise_threads
from media.pulse_output import PulseError, PulseOutput  # loads libpulse only when opened
from media.sources import mono_int16

log = logging.getLogger(__name__)

RATE = 48_000
PREBUFFER_S = 0.08
MAX_BUFFER_S = 0.3
FULL_SCALE = 32768.0
# The output buffer. The siren is placed by DAC times, so its accuracy does not depend on this;
# what does is how often Python must run the callback. Eleven venue processes with the default
# "low" (~9 ms through PulseAudio, a callback every 2 ms) on two loaded cores underran by the
# dozen; 40 ms (a callback every ~8 ms) keeps the sound whole, and the program's sound has its
# 80 ms prebuffer anyway.
OUTPUT_LATENCY_S = 0.04
# The audio callback outranks the firing thread: the sound is the ceremony's zero now, and a
# callback that misses its turn delays every sample after it (measured through PulseAudio on a
# loaded machine: chirps 60-240 ms late while the stream's own timing said on time).
AUDIO_PRIORITY = REALTIME_PRIORITY + 2
# Through PulseAudio (ALSA's pulse plugin) the callback only queues samples: libpulse's own
# thread in this process carries them to the server and brings back the timing replies the DAC
# times are computed from. At ordinary priority ordinary load can starve it, and an underrun
# restarts libpulse's latency smoother, whose reports then glide back to the truth over ~10 s
# (up to 7 ms off). How much raising it gains was not consistent (docs/design-notes.md).
SOUND_SERVER_THREADS = ("threaded-ml",)
# Real-time, so no ordinary thread starves it, but the lowest real-time step, below the firing
# thread's: at the callback's own priority, eleven venues' libpulse threads on two cores outranked
# the firing threads (one fired 4.1 ms late in the audible bench's A/B; none over 0.62 ms here).
SOUND_SERVER_PRIORITY = NEIGHBOUR_PRIORITY
# The venue looks at its speaker's stream this often (keep_open); a dead one is opened again at
# once, then after a backoff growing to SOUND_RETRY_CAP_S while that keeps failing.
SOUND_CHECK_S = 1.0
SOUND_RETRY_CAP_S = 10.0
# A dead native stream is reopened natively this many times (the server restarting: seconds)
# before PortAudio is tried too.
NATIVE_REOPEN_TRIES = 3


def siren_samples(seconds: float = 4.0) -> np.ndarray:
    """A rising and falling two-tone siren, mono float32."""
    t = np.arange(int(RATE * seconds)) / RATE
    sweep = 600 + 300 * (0.5 - 0.5 * np.cos(2 * np.pi * t / 2.0))
    phase = 2 * np.pi * np.cumsum(sweep) / RATE
    envelope = np.minimum(1.0, np.minimum(t / 0.02, (seconds - t) / 0.2))
    samples: np.ndarray = (0.5 * np.sin(phase) * envelope).astype(np.float32)
    return samples


class Backend(StrEnum):
    PULSE = "pulse"  # libpulse directly, timed by the server's own reports (media/pulse_output)
    PORTAUDIO = "portaudio"  # sounddevice: everywhere else, and the fallback


# Which output the speaker opens: unset or "auto" tries PulseAudio first on Linux.
BACKEND_ENV = "CEREMONY_AUDIO_BACKEND"


def native_wanted(device: str | int | None) -> bool:
    """Whether to try the native PulseAudio stream: on Linux, for the default device, unless
    the environment asks for PortAudio."""
    choice = os.environ.get(BACKEND_ENV, "auto").lower()
    if choice == Backend.PORTAUDIO.value or not sys.platform.startswith("linux"):
        return False
    return device in (None, "", "default", "pulse")


@dataclass(frozen=True)
class Onset:
    """Where the siren of one countdown was placed on the output stream."""

    arm_id: int
    deadline_local: float  # when it was meant to be heard
    method: OnsetMethod
    onset_local: float | None  # when its first sample is heard (predicted from DAC times)
    late_s: float | None  # > 0: the deadline was already behind the buffer that played it
    hall_latency_s: float  # the calibrated hall latency it was advanced by


@dataclass
class _Pending:
    arm_id: int
    deadline_local: float


class Speaker:
    def __init__(
        self,
        device: str | int | None = None,
        *,
        program: bool = True,
        siren: np.ndarray | None = None,
    ) -> None:
        """`program=False`: siren only (the demo's eleven venues share one machine's speaker).
        `siren`: another sound to fire (the audible benchmark gives each venue its own)."""
        self._device = device
        self.plays_program = program
        self._siren = siren if siren is not None else siren_samples()
        self._siren_pos: int | None = None  # None: silent
        self._pending: _Pending | None = None  # a siren placed on the timeline, not yet begun
        # The deadline's clock, read in the callback beside the stream's time bases.
        self.clock: Callable[[], float] = time.monotonic
        # The wall clock, one of the bases a stream's DAC time may be on (replaced in tests,
        # which give DAC times on a frozen one).
        self.wall_clock: Callable[[], float] = time.time
        self.hall_latency_s = 0.0  # calibrated: what the hall adds after the DAC
        self.onsets: dict[int, Onset] = {}
        self.last_placement: BufferPlacement | None = None
        self.callbacks = 0
        self._timeline = StreamTimeline(RATE)
        self.realtime = True  # False: leave the callback thread at ordinary priority
        self.realtime_granted: bool | None = None  # learnt in the first callback
        # A capture hook for the hall calibration: called in the callback with the buffer played
        # and its placement. Kept to a plain attribute: the callback must not allocate much.
        self.on_buffer: Callable[[np.ndarray, BufferPlacement], None] | None = None
        self._program: collections.deque[np.ndarray] = collections.deque()
        self._buffered = 0  # samples in _program
        self._playing = False  # False: (re)buffering
        self._lock = threading.Lock()  # the PortAudio callback thread reads what the loop pushes
        # Opening and closing: the venue reopens a dead stream from a worker thread while its
        # loop may ask to open (a new arm) or the app to close.
        self._open_lock = threading.Lock()
        self._closing = False  # a stream that stops now was closed by us
        self._native_misses = 0  # reopens of a dead native stream that found no server
        self._closed = False  # closed by the app (until it opens again): never reopened
        self._stream: Any = None  # a PortAudio stream or a PulseOutput (`backend`)
        self.backend: Backend | None = None
        self._tried = False
        self.latency_s = 0.0
        self.problem: str | None = None
        self.underruns = 0  # the buffer ran dry while playing
        self.dropped_samples = 0  # too far behind: older sound dropped

    def open(self) -> bool:
        """Open and start the output stream; False, with `problem` set, when impossible. A
        running stream is kept; a dead one is closed and the device opened again. While another
        thread is opening, returns at once whether a stream runs."""
        if not self._open_lock.acquire(blocking=False):
            return self._alive()
        try:
            self._closed = False  # asked for again
            if self._alive():
                return True
            self._close_stream()
            return self._open_device()
        finally:
            self._open_lock.release()

    def reopen(self) -> bool:
        """Open the device again if it was wanted and its stream is not running (it died, or
        never opened): any thread but the audio one's, as opening may wait for a server.
        True when a stream runs."""
        with self._open_lock:
            if self._closed:  # the app closed it meanwhile: it stays closed
                return False
            if self._alive():
                return True
            self._close_stream()
            if not self._open_device():
                return False
        log.info("sound is back: the %s output stream runs again", self.backend)
        return True

    def lost(self) -> bool:
        """Asked to open (or opened), not closed since, and no stream runs now: `reopen` is
        due."""
        return self._tried and not self._closed and not self._alive()

    def _alive(self) -> bool:
        stream = self._stream  # read once: a worker may be replacing it
        if stream is None:
            return False
        if isinstance(stream, PulseOutput):
            return stream.running
        return bool(stream.active)

    def _open_device(self) -> bool:
        """The open lock held and no stream: native PulseAudio where it applies, else PortAudio."""
        self._tried = True
        self.realtime_granted = None  # a new stream has a new audio thread to raise
        if self._open_native():
            self._native_misses = 0
            return True
        if self.backend is Backend.PULSE and self._native_misses < NATIVE_REOPEN_TRIES:
            # The native stream died with its server, which is likely coming back (a restart):
            # wait for it rather than settle on PortAudio through the same server, whose timing
            # glides for seconds after a start (see the module's note on the smoother).
            self._native_misses += 1
            self.problem = "no sound: waiting for the sound server to come back"
            return False
        try:
            # Imported here: without PortAudio the import itself fails, and the app must start.
            import sounddevice as sd  # noqa: PLC0415
        except (OSError, ImportError) as exc:
            self.problem = (
                f"no sound: PortAudio is missing ({exc}); install the libportaudio2 package"
            )
            log.warning(self.problem)
            return False
        with self._lock:  # a new stream's timeline starts at its first callback
            self._timeline = StreamTimeline(RATE)
        try:
            stream = sd.OutputStream(
                samplerate=RATE,
                channels=1,
                dtype="float32",
                device=self._device,
                latency=OUTPUT_LATENCY_S,
                callback=self._callback,
                finished_callback=self._portaudio_finished,
            )
            stream.start()
        except Exception as exc:  # PortAudioError, ValueError for a missing device
            self.problem = f"no sound: the output device could not be opened ({exc})"
            log.warning(self.problem)
            return False
        self._stream = stream
        self.backend = Backend.PORTAUDIO
        if self.realtime:  # its libpulse thread exists once the stream does (a no-op elsewhere)
            raise_sound_server_threads()
        self.latency_s = float(stream.latency)
        self.problem = None
        return True

    def _open_native(self) -> bool:
        """The PulseAudio stream timed by the server's reports, where it applies and opens."""
        if not native_wanted(self._device):
            return False
        output = PulseOutput(
            self._native_render,
            rate=RATE,
            latency_s=OUTPUT_LATENCY_S,
            clock=lambda: self.clock(),  # noqa: PLW0108 - read at each call: it may be replaced
            extra_latency_s=lambda: self.hall_latency_s,
            on_start=self._enter_realtime,
        )
        output.on_problem = self._stream_ended
        try:
            output.open()
        except PulseError as exc:
            log.info("no native PulseAudio output (%s)", exc)
            return False
        self._stream = output
        self.backend = Backend.PULSE
        self.latency_s = output.latency_s
        self.problem = None
        return True

    def hold_audio(self) -> Callable[[], None] | None:
        """Keep the audio thread out of Python until the returned function is called (by the
        calling thread): the firing thread's, for its last milliseconds
        (media.firing.AUDIO_HOLD_S). Only the native PulseAudio stream's thread can be held;
        None otherwise."""
        stream = self._stream  # read once: a worker may be replacing a dead one
        if not isinstance(stream, PulseOutput):
            return None
        return stream.hold()  # None unless running: a dead stream is never held

    def _stream_ended(self, why: str) -> None:
        self.problem = f"no sound: {why}"

    def _portaudio_finished(self) -> None:
        # PortAudio's thread, as its stream stops: closed by us, or stopped by itself because
        # its device or sound server went away, which nothing else would say.
        if not self._closing:
            self._stream_ended("the output stream stopped (its device or sound server went away)")

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

    @property
    def running(self) -> bool:
        return self._alive()

    def play_siren(self) -> None:
        """Start the siren at the next callback (no timeline: the fallback without a deadline)."""
        with self._lock:
            self._siren_pos = 0

    def schedule_siren(self, arm_id: int, deadline_local: float) -> None:
        """Place the siren so that it is heard at `deadline_local` (set again to move it)."""
        with self._lock:
            self._pending = _Pending(arm_id, deadline_local)

    def cancel_siren(self, arm_id: int) -> None:
        with self._lock:
            if self._pending is not None and self._pending.arm_id == arm_id:
                self._pending = None

    def onset(self, arm_id: int) -> Onset | None:
        """How the siren of `arm_id` was placed; NO_SOUND when there is no output stream."""
        with self._lock:
            found = self.onsets.get(arm_id)
            pending = self._pending
        if found is not None:
            return found
        if not self._alive():
            deadline = pending.deadline_local if pending and pending.arm_id == arm_id else 0.0
            return Onset(arm_id, deadline, OnsetMethod.NO_SOUND, None, None, self.hall_latency_s)
        return None

    def close(self) -> None:
        with self._open_lock:
            self._closed = True  # not to be reopened behind the app's back
            self._close_stream()

    def _close_stream(self) -> None:
        stream, self._stream = self._stream, None
        if stream is None:
            return
        self._closing = True
        try:
            if not isinstance(stream, PulseOutput):
                stream.stop()
            stream.close()
        except Exception as exc:  # a dead PortAudio stream may refuse to stop: it is gone
            log.info("closing the old output stream: %s", exc)
        finally:
            self._closing = False

    def _place(self, time_info: Any) -> BufferPlacement:
        # The three clocks are read back to back, before anything else: the mapping between
        # them is only as good as the time between these reads.
        local_now = self.clock()
        realtime_now = self.wall_clock()
        monotonic_now = time.monotonic()
        dac = float(getattr(time_info, "outputBufferDacTime", 0.0) or 0.0)
        current = float(getattr(time_info, "currentTime", 0.0) or 0.0)
        bases = (
            (realtime_now, monotonic_now, current)
            if current > 0
            else (
                realtime_now,
                monotonic_now,
            )
        )
        return place_buffer(dac, local_now, bases, self.latency_s, self.hall_latency_s)

    def _callback(self, out: np.ndarray, frames: int, time_info: Any, _status: Any) -> None:
        if self.realtime_granted is None:
            self._enter_realtime()
        raw = self._place(time_info)
        out.fill(0)
        with self._lock:
            placement = self._timeline.place(raw, frames)
            self._render(out[:, 0], frames, placement)
        if self.on_buffer is not None:
            self.on_buffer(out[:, 0], placement)

    def _enter_realtime(self) -> None:
        # The audio thread's own: asked once, from inside it (where the OS allows it).
        self.realtime_granted = self.realtime and enter_realtime(AUDIO_PRIORITY)

    def _native_render(self, out: np.ndarray, placement: BufferPlacement | None) -> None:
        """The native PulseAudio stream's request for `len(out)` samples (its loop's thread)."""
        if placement is None:  # the server has not reported its timing yet (the first ~50 ms)
            ahead = self.latency_s
            placement = BufferPlacement(
                self.clock() + ahead + self.hall_latency_s, OnsetMethod.REPORTED_LATENCY, ahead
            )
        with self._lock:
            self._render(out, len(out), placement)
        if self.on_buffer is not None:
            self.on_buffer(out, placement)

    def _render(self, out: np.ndarray, frames: int, placement: BufferPlacement) -> None:
        """Fill `out` (zeroed, mono) with the program and the siren; the lock is held."""
        self.callbacks += 1
        self.last_placement = placement
        self._fill_program(out, frames)
        offset = 0
        pending = self._pending
        if pending is not None:
            start = siren_start(placement, frames, pending.deadline_local, RATE)
            if start is not None:
                self._begin(pending, placement, start)
                offset = start.offset
        if self._siren_pos is not None:
            chunk = self._siren[self._siren_pos : self._siren_pos + frames - offset]
            out[offset : offset + len(chunk)] += chunk
            self._siren_pos += len(chunk)
            if self._siren_pos >= len(self._siren):
                self._siren_pos = None

    def _begin(self, pending: _Pending, placement: BufferPlacement, start: SirenStart) -> None:
        self._pending = None
        self._siren_pos = 0
        self.onsets[pending.arm_id] = Onset(
            pending.arm_id,
            pending.deadline_local,
            placement.method,
            start.onset_local,
            start.late_s,
            self.hall_latency_s,
        )
        for old in sorted(self.onsets)[:-8]:
            del self.onsets[old]

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


async def keep_open(
    speaker: Speaker, check_s: float = SOUND_CHECK_S, cap_s: float = SOUND_RETRY_CAP_S
) -> None:
    """Open the speaker again whenever its stream is not running (`Speaker.lost`), until
    cancelled: off the loop, since opening may wait seconds for a sound server that is starting.
    At once at first, then after a backoff while it keeps failing."""
    backoff = Backoff(first_s=check_s, cap_s=cap_s)
    delay = check_s
    while True:
        await asyncio.sleep(delay)
        delay = check_s
        if not speaker.lost():
            backoff.reset()
            continue
        try:
            reopened = await asyncio.to_thread(speaker.reopen)
        except Exception:  # a sound stack's surprise must not end the keeping
            log.exception("opening the speaker again failed")
            reopened = False
        if not reopened:
            delay = backoff.next_delay()


def raise_sound_server_threads() -> None:
    """libpulse's threads in this process (one per open stream) at real-time priority
    (SOUND_SERVER_PRIORITY), where the OS allows it; called once a stream is open, off the
    audio callback (it reads /proc)."""
    if raise_threads(_threads_named(SOUND_SERVER_THREADS), SOUND_SERVER_PRIORITY):
        log.info("the sound server's client threads run real-time beside the callbacks")


def _threads_named(names: tuple[str, ...]) -> list[int]:
    """Native ids of this process's threads with one of these names (none off Linux)."""
    tids: list[int] = []
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return tids
    for task in tasks:
        try:
            with open(f"/proc/self/task/{task}/comm", encoding="utf-8") as comm:
                if comm.read().strip() in names:
                    tids.append(int(task))
        except (OSError, ValueError):
            continue  # the thread ended meanwhile
    return tids
