"""A PulseAudio playback stream through libpulse itself, timed by the server's own reports.

Why not PortAudio here: through ALSA's pulse plugin a buffer's DAC time comes from libpulse's
latency smoother, which after a stream starts or underruns corrects its reports in steps every
~1.5 s for ~10 s (measured: up to 7 ms off). This stream asks the server for its timing itself
(pa_stream_update_timing_info, several times a second) and reads the raw reply: the sample at
`read_index` is heard `sink_usec` after the reply's `timestamp` (libpulse's own calc_time and
smoother input say the same). ceremony.audiotime.ServerTimeline pools those points into the
stream's sample -> time line.

The stream is created with `prebuf` 0 and started by hand: on an underrun the server then goes on
playing silence and its read index runs past the write index, so the sample -> time line never
moves (a late sample is skipped, not delayed). Samples are counted from the first one written.

Everything libpulse needs (a threaded main loop, a context, one stream) lives in one object; its
callbacks run in the loop's own thread ("ceremony-audio"), which renders the sound like
PortAudio's callback thread does. Works against PulseAudio and PipeWire's pulse server alike.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ceremony.audiotime import BufferPlacement, ServerTimeline

log = logging.getLogger(__name__)

LIBRARY = "libpulse.so.0"
THREAD_NAME = b"ceremony-audio"
CONNECT_TIMEOUT_S = 3.0
# How often the server is asked where the stream is. Each reply is one point on the line; the
# timeline pools the last SERVER_TIMING_WINDOW of them, so this sets how fast a move is followed.
TIMING_INTERVAL_S = 0.05
# A report outside these is not believed (a server in trouble, or a struct read wrongly): the
# sink's latency is milliseconds, and the reply was stamped a moment ago.
MAX_SINK_LATENCY_S = 2.0
MAX_REPORT_AGE_S = 1.0

_SAMPLE_FLOAT32LE = 5
_CONTEXT_NOAUTOSPAWN = 1
_CONTEXT_READY, _CONTEXT_FAILED, _CONTEXT_TERMINATED = 4, 5, 6
_STREAM_READY, _STREAM_FAILED, _STREAM_TERMINATED = 2, 3, 4
_STREAM_START_CORKED = 0x0001
_STREAM_ADJUST_LATENCY = 0x2000
_SEEK_RELATIVE = 0


class PulseError(RuntimeError):
    pass


def _guarded(callback: Callable[..., None], what: str) -> Callable[..., None]:
    """`callback` for libpulse to call: an exception cannot cross into C (it would be printed
    and, for a write, the request left unanswered), so it is logged here."""

    def guarded(*args: Any) -> None:
        try:
            callback(*args)
        except Exception:
            log.exception("the native PulseAudio stream's %s failed", what)

    return guarded


class _SampleSpec(ctypes.Structure):
    _fields_ = [("format", ctypes.c_int), ("rate", ctypes.c_uint32), ("channels", ctypes.c_uint8)]


class _BufferAttr(ctypes.Structure):
    _fields_ = [
        ("maxlength", ctypes.c_uint32),
        ("tlength", ctypes.c_uint32),
        ("prebuf", ctypes.c_uint32),
        ("minreq", ctypes.c_uint32),
        ("fragsize", ctypes.c_uint32),
    ]


class _Timeval(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_usec", ctypes.c_long)]


class _TimingInfo(ctypes.Structure):
    # pulse/def.h, unchanged since 0.9.11
    _fields_ = [
        ("timestamp", _Timeval),
        ("synchronized_clocks", ctypes.c_int),
        ("sink_usec", ctypes.c_uint64),
        ("source_usec", ctypes.c_uint64),
        ("transport_usec", ctypes.c_uint64),
        ("playing", ctypes.c_int),
        ("write_index_corrupt", ctypes.c_int),
        ("write_index", ctypes.c_int64),
        ("read_index_corrupt", ctypes.c_int),
        ("read_index", ctypes.c_int64),
        ("configured_sink_usec", ctypes.c_uint64),
        ("configured_source_usec", ctypes.c_uint64),
        ("since_underrun", ctypes.c_int64),
    ]


_P = ctypes.c_void_p
_STATE_CB = ctypes.CFUNCTYPE(None, _P, _P)
_REQUEST_CB = ctypes.CFUNCTYPE(None, _P, ctypes.c_size_t, _P)
_SUCCESS_CB = ctypes.CFUNCTYPE(None, _P, ctypes.c_int, _P)

# name: (result, arguments). Checked at load: a libpulse without one of them is not used.
_PROTOTYPES: dict[str, tuple[Any, list[Any]]] = {
    "pa_get_library_version": (ctypes.c_char_p, []),
    "pa_strerror": (ctypes.c_char_p, [ctypes.c_int]),
    "pa_threaded_mainloop_new": (_P, []),
    "pa_threaded_mainloop_free": (None, [_P]),
    "pa_threaded_mainloop_start": (ctypes.c_int, [_P]),
    "pa_threaded_mainloop_stop": (None, [_P]),
    "pa_threaded_mainloop_lock": (None, [_P]),
    "pa_threaded_mainloop_unlock": (None, [_P]),
    "pa_threaded_mainloop_get_api": (_P, [_P]),
    "pa_threaded_mainloop_set_name": (None, [_P, ctypes.c_char_p]),
    "pa_context_new": (_P, [_P, ctypes.c_char_p]),
    "pa_context_unref": (None, [_P]),
    "pa_context_connect": (ctypes.c_int, [_P, ctypes.c_char_p, ctypes.c_int, _P]),
    "pa_context_disconnect": (None, [_P]),
    "pa_context_get_state": (ctypes.c_int, [_P]),
    "pa_context_errno": (ctypes.c_int, [_P]),
    "pa_context_get_server_protocol_version": (ctypes.c_uint32, [_P]),
    "pa_context_set_state_callback": (None, [_P, _STATE_CB, _P]),
    "pa_stream_new": (_P, [_P, ctypes.c_char_p, ctypes.POINTER(_SampleSpec), _P]),
    "pa_stream_unref": (None, [_P]),
    "pa_stream_connect_playback": (
        ctypes.c_int,
        [_P, ctypes.c_char_p, ctypes.POINTER(_BufferAttr), ctypes.c_int, _P, _P],
    ),
    "pa_stream_disconnect": (ctypes.c_int, [_P]),
    "pa_stream_get_state": (ctypes.c_int, [_P]),
    "pa_stream_set_state_callback": (None, [_P, _STATE_CB, _P]),
    "pa_stream_set_write_callback": (None, [_P, _REQUEST_CB, _P]),
    "pa_stream_set_underflow_callback": (None, [_P, _STATE_CB, _P]),
    "pa_stream_write": (ctypes.c_int, [_P, _P, ctypes.c_size_t, _P, ctypes.c_int64, ctypes.c_int]),
    "pa_stream_writable_size": (ctypes.c_size_t, [_P]),
    "pa_stream_cork": (_P, [_P, ctypes.c_int, _SUCCESS_CB, _P]),
    "pa_stream_update_timing_info": (_P, [_P, _SUCCESS_CB, _P]),
    "pa_stream_get_timing_info": (ctypes.POINTER(_TimingInfo), [_P]),
    "pa_stream_get_buffer_attr": (ctypes.POINTER(_BufferAttr), [_P]),
    "pa_operation_unref": (None, [_P]),
}


def load_library() -> Any:
    """libpulse with every function this module calls declared; PulseError if any is missing."""
    name = ctypes.util.find_library("pulse") or LIBRARY
    try:
        lib = ctypes.CDLL(name)  # CDLL: every call releases the interpreter lock
    except OSError as exc:
        raise PulseError(f"libpulse is not installed ({exc})") from exc
    for func, (restype, argtypes) in _PROTOTYPES.items():
        try:
            fn = getattr(lib, func)
        except AttributeError as exc:
            raise PulseError(f"{name} has no {func}") from exc
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


class PulseOutput:
    """One mono float32 playback stream on the default (or named) sink.

    `render(out, placement)` fills `out` (a fresh zeroed float32 buffer) in the loop's thread;
    `placement` says when its first sample is heard on `clock`, or is None until the server's
    timing has been heard from. `on_start()` runs first in that thread (real-time priority).
    """

    def __init__(
        self,
        render: Callable[[np.ndarray, BufferPlacement | None], None],
        *,
        rate: int,
        latency_s: float,
        clock: Callable[[], float] = time.monotonic,
        extra_latency_s: Callable[[], float] = lambda: 0.0,
        device: str | None = None,
        name: str = "ceremony",
        on_start: Callable[[], None] | None = None,
    ) -> None:
        self.rate = rate
        self.latency_s = latency_s
        self.clock = clock
        self.timeline = ServerTimeline(rate)
        self.underflows = 0
        self.written = 0  # frames written: the index of the next sample
        self.reports = 0
        self.last_report: dict[str, float] | None = None
        self.on_report: Callable[[dict[str, float]], None] | None = None  # diagnostics
        self._render = render
        self._extra = extra_latency_s
        self._device = device.encode() if device else None
        self._name = name.encode()
        self._on_start = on_start
        self._started = False
        self._running = False  # open and not failed since
        self.problem: str | None = None  # why the stream stopped, if it did
        self.on_problem: Callable[[str], None] | None = None
        self._lib: Any = None
        self._ml: int | None = None
        self._ctx: int | None = None
        self._stream: int | None = None
        self._timing_pending = False
        self._last_request = 0.0
        self._changed = threading.Event()  # a state changed (opening)
        # ctypes callbacks must outlive the C objects that hold them.
        self._cbs = (
            _STATE_CB(_guarded(self._on_state, "state change")),
            _REQUEST_CB(_guarded(self._on_write, "write")),
            _SUCCESS_CB(_guarded(self._on_timing, "timing report")),
            _STATE_CB(_guarded(self._on_underflow, "underflow")),
            _SUCCESS_CB(lambda _s, _ok, _u: None),
        )

    # -- opening and closing (any thread but the loop's) --------------------------------------

    def open(self) -> None:
        """Connect, create the stream and start it; PulseError (everything undone) on failure."""
        try:
            self._open()
        except PulseError:
            self.close()
            raise

    def _open(self) -> None:
        lib = self._lib = load_library()
        self._ml = lib.pa_threaded_mainloop_new()
        if not self._ml:
            raise PulseError("pa_threaded_mainloop_new failed")
        lib.pa_threaded_mainloop_set_name(self._ml, THREAD_NAME)
        self._ctx = lib.pa_context_new(lib.pa_threaded_mainloop_get_api(self._ml), self._name)
        if not self._ctx:
            raise PulseError("pa_context_new failed")
        lib.pa_context_set_state_callback(self._ctx, self._cbs[0], None)
        if lib.pa_context_connect(self._ctx, None, _CONTEXT_NOAUTOSPAWN, None) < 0:
            raise PulseError(f"no PulseAudio server: {self._error()}")
        if lib.pa_threaded_mainloop_start(self._ml) < 0:
            raise PulseError("pa_threaded_mainloop_start failed")
        lib.pa_threaded_mainloop_lock(self._ml)
        try:
            self._wait(
                lambda: lib.pa_context_get_state(self._ctx),
                _CONTEXT_READY,
                (_CONTEXT_FAILED, _CONTEXT_TERMINATED),
                "the server connection",
            )
            self._create_stream()
        finally:
            lib.pa_threaded_mainloop_unlock(self._ml)
        version = lib.pa_get_library_version().decode()
        log.info("libpulse %s: playback stream open on the server's own timing", version)

    def _create_stream(self) -> None:
        lib = self._lib
        spec = _SampleSpec(_SAMPLE_FLOAT32LE, self.rate, 1)
        self._stream = lib.pa_stream_new(self._ctx, self._name, ctypes.byref(spec), None)
        if not self._stream:
            raise PulseError(f"pa_stream_new failed: {self._error()}")
        lib.pa_stream_set_state_callback(self._stream, self._cbs[0], None)
        lib.pa_stream_set_write_callback(self._stream, self._cbs[1], None)
        lib.pa_stream_set_underflow_callback(self._stream, self._cbs[3], None)
        frame_bytes = 4
        target = int(self.latency_s * self.rate) * frame_bytes
        none = 0xFFFFFFFF
        # prebuf 0: the server never stops the stream on an underrun (see the module's note).
        attr = _BufferAttr(none, target, 0, none, none)
        flags = _STREAM_START_CORKED | _STREAM_ADJUST_LATENCY
        if lib.pa_stream_connect_playback(
            self._stream, self._device, ctypes.byref(attr), flags, None, None
        ):
            raise PulseError(f"pa_stream_connect_playback failed: {self._error()}")
        self._wait(
            lambda: lib.pa_stream_get_state(self._stream),
            _STREAM_READY,
            (_STREAM_FAILED, _STREAM_TERMINATED),
            "the playback stream",
        )
        got = lib.pa_stream_get_buffer_attr(self._stream).contents
        if got.prebuf != 0:  # the contract this module's timing rests on
            raise PulseError(f"the server kept a prebuffer of {got.prebuf} bytes")
        self.latency_s = got.tlength / frame_bytes / self.rate
        # Corked until here, so the samples written so far (the server's first request) are the
        # start of the timeline; uncorked, it plays on whatever happens.
        self._unref(lib.pa_stream_cork(self._stream, 0, self._cbs[4], None))
        self._running = True
        self._request_timing()

    def _wait(
        self, state: Callable[[], int], ready: int, failed: tuple[int, ...], what: str
    ) -> None:
        # Called with the loop's lock held, which the loop needs to make progress: it is let go
        # while waiting for _on_state's next signal, bounded so a server that never answers
        # cannot hold the venue's start.
        until = time.monotonic() + CONNECT_TIMEOUT_S
        while (now := state()) != ready:
            if now in failed:
                raise PulseError(f"{what} failed: {self._error()}")
            left = until - time.monotonic()
            if left <= 0:
                raise PulseError(f"{what} did not become ready in {CONNECT_TIMEOUT_S:g} s")
            self._changed.clear()
            self._lib.pa_threaded_mainloop_unlock(self._ml)
            try:
                self._changed.wait(left)
            finally:
                self._lib.pa_threaded_mainloop_lock(self._ml)

    def close(self) -> None:
        lib = self._lib
        if lib is None:
            return
        if self._ml:
            lib.pa_threaded_mainloop_lock(self._ml)
        self._running = False
        if self._stream:
            lib.pa_stream_disconnect(self._stream)
            lib.pa_stream_unref(self._stream)
            self._stream = None
        if self._ctx:
            lib.pa_context_disconnect(self._ctx)
            lib.pa_context_unref(self._ctx)
            self._ctx = None
        if self._ml:
            lib.pa_threaded_mainloop_unlock(self._ml)
            lib.pa_threaded_mainloop_stop(self._ml)
            lib.pa_threaded_mainloop_free(self._ml)
            self._ml = None

    @property
    def running(self) -> bool:
        """Open and not ended since (the server went away, or the stream failed)."""
        return self._running

    def hold(self) -> Callable[[], None] | None:
        """Keep the loop's thread out of its callbacks (and so out of Python) until the returned
        function is called, by the calling thread, which must not be the loop's: its lock, which
        libpulse holds while a callback runs. Waiting for it lets go of the interpreter lock
        (CDLL), so a callback under way finishes first. The server plays on from what the stream
        holds meanwhile. None when the stream is not running."""
        lib, ml = self._lib, self._ml
        if lib is None or not ml or not self._running:
            return None
        lib.pa_threaded_mainloop_lock(ml)

        def let_go() -> None:
            lib.pa_threaded_mainloop_unlock(ml)

        return let_go

    def _error(self) -> str:
        if self._ctx is None:
            return "unknown"
        code = self._lib.pa_context_errno(self._ctx)
        return str(self._lib.pa_strerror(code).decode())

    def _unref(self, op: int | None) -> None:
        if op:
            self._lib.pa_operation_unref(op)

    # -- the loop's thread (its lock held by libpulse) ----------------------------------------

    def _on_state(self, _obj: int, _userdata: int) -> None:
        self._changed.set()
        if self._running and self._stream:
            state = self._lib.pa_stream_get_state(self._stream)
            if state in (_STREAM_FAILED, _STREAM_TERMINATED):
                self._running = False
                self.problem = f"the PulseAudio stream ended: {self._error()}"
                log.warning(self.problem)
                if self.on_problem is not None:
                    self.on_problem(self.problem)

    def _on_underflow(self, _stream: int, _userdata: int) -> None:
        self.underflows += 1

    def _on_write(self, stream: int, nbytes: int, _userdata: int) -> None:
        if not self._started:
            self._started = True
            if self._on_start is not None:
                self._on_start()
        frames = nbytes // 4
        if frames <= 0:
            return
        placement = self.timeline.place(self.written, self.clock(), extra_latency_s=self._extra())
        out = np.zeros(frames, dtype=np.float32)
        self._render(out, placement)
        if self._lib.pa_stream_write(stream, out.ctypes.data, frames * 4, None, 0, _SEEK_RELATIVE):
            log.warning("pa_stream_write failed: %s", self._error())
            return
        self.written += frames
        if time.monotonic() - self._last_request >= TIMING_INTERVAL_S:
            self._request_timing()

    def _request_timing(self) -> None:
        if self._timing_pending or not self._stream:
            return
        self._timing_pending = True
        self._last_request = time.monotonic()
        self._unref(self._lib.pa_stream_update_timing_info(self._stream, self._cbs[2], None))

    def _on_timing(self, stream: int, success: int, _userdata: int) -> None:
        self._timing_pending = False
        if not success:
            return
        # The reply's timestamp is the server's CLOCK_REALTIME: read it beside the deadline's clock.
        local_now = self.clock()
        realtime_now = time.time()
        info = self._lib.pa_stream_get_timing_info(stream)
        if not info:
            return
        t = info.contents
        if t.read_index_corrupt or t.read_index < 0:
            return
        stamp = t.timestamp.tv_sec + t.timestamp.tv_usec / 1e6
        if t.sink_usec > MAX_SINK_LATENCY_S * 1e6 or abs(realtime_now - stamp) > MAX_REPORT_AGE_S:
            log.debug(
                "a timing report not believed: sink %d us, %.3f s old",
                t.sink_usec,
                realtime_now - stamp,
            )
            return
        heard_local = stamp + t.sink_usec / 1e6 - realtime_now + local_now
        self.timeline.report(t.read_index // 4, heard_local)
        self.reports += 1
        self.last_report = {
            "local": local_now,
            "stamp_age_s": realtime_now - stamp,
            "sink_usec": float(t.sink_usec),
            "transport_usec": float(t.transport_usec),
            "synchronized": float(t.synchronized_clocks),
            "read_index": float(t.read_index // 4),
            "write_index": float(t.write_index // 4),
            "written": float(self.written),
            "heard_local": heard_local,
            "playing": float(t.playing),
        }
        if self.on_report is not None:
            self.on_report(self.last_report)
        if time.monotonic() - self._last_request >= TIMING_INTERVAL_S:
            self._request_timing()
