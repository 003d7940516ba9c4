"""The venue's speaker: program playout buffer and the siren on top, through its callback."""

from __future__ import annotations

import asyncio
import sys
from typing import ClassVar

import av
import numpy as np
import pytest

from ceremony.audiotime import BufferPlacement, OnsetMethod
from media import pulse_output
from media.speaker import (
    BACKEND_ENV,
    MAX_BUFFER_S,
    NATIVE_REOPEN_TRIES,
    PREBUFFER_S,
    RATE,
    Backend,
    Speaker,
    keep_open,
    native_wanted,
    siren_samples,
)

BLOCK = 480  # a 10 ms PortAudio callback


def pull(speaker: Speaker, frames: int = BLOCK) -> np.ndarray:
    out = np.zeros((frames, 1), np.float32)
    speaker._callback(out, frames, None, None)
    return out[:, 0].copy()


def ramp(n: int, start: int = 0) -> np.ndarray:
    return (np.arange(start, start + n) % 1000).astype(np.float32) / 1000


def test_program_plays_in_order_once_enough_has_arrived() -> None:
    speaker = Speaker()
    sent = ramp(int(PREBUFFER_S * RATE) - BLOCK)
    speaker.push_samples(sent)
    assert not pull(speaker).any()  # still buffering: silence, not a stutter
    speaker.push_samples(ramp(2 * BLOCK, len(sent)))
    played = np.concatenate([pull(speaker) for _ in range(len(sent) // BLOCK + 2)])
    np.testing.assert_array_equal(played, ramp(len(played)))
    assert speaker.underruns == 0


def test_running_dry_plays_silence_then_buffers_again() -> None:
    speaker = Speaker()
    speaker.push_samples(ramp(int(PREBUFFER_S * RATE)))
    for _ in range(int(PREBUFFER_S * RATE) // BLOCK):
        pull(speaker)
    assert not pull(speaker).any() and speaker.underruns == 1
    speaker.push_samples(ramp(BLOCK))  # a trickle is not enough to start again
    assert not pull(speaker).any()


def test_the_hall_never_falls_far_behind() -> None:
    speaker = Speaker()
    for i in range(100):  # a second arrives at once after a stall
        speaker.push_samples(np.full(BLOCK, i / 100, np.float32))
    assert speaker._buffered <= MAX_BUFFER_S * RATE
    assert speaker.dropped_samples >= 100 * BLOCK - MAX_BUFFER_S * RATE
    assert pull(speaker)[0] > 0.6  # what plays is the newest sound, not the oldest


def test_siren_plays_over_the_program() -> None:
    speaker = Speaker()
    speaker.push_samples(np.full(RATE, 0.1, np.float32))
    speaker.play_siren()
    np.testing.assert_allclose(pull(speaker), 0.1 + siren_samples()[:BLOCK], atol=1e-6)


def test_decoded_stereo_frames_become_mono() -> None:
    speaker = Speaker()
    stereo = np.zeros((1, 2 * 960), np.int16)
    stereo[0, 0::2], stereo[0, 1::2] = 16384, -16384
    frame = av.AudioFrame.from_ndarray(stereo, format="s16", layout="stereo")
    frame.sample_rate = RATE
    speaker._tried = True  # as after a failed open: buffer only
    speaker._stream = object()
    speaker.push_program(frame)
    np.testing.assert_array_equal(speaker._program[0], np.full(960, 0.5, np.float32))


def test_without_portaudio_program_sound_is_tried_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BACKEND_ENV, "portaudio")
    monkeypatch.setitem(sys.modules, "sounddevice", None)
    speaker = Speaker()
    frame = av.AudioFrame.from_ndarray(np.zeros((1, 960), np.int16), format="s16", layout="mono")
    frame.sample_rate = RATE
    speaker.push_program(frame)
    assert speaker.problem is not None and "libportaudio2" in speaker.problem
    speaker.problem = None
    speaker.push_program(frame)
    assert speaker.problem is None  # not opened again fifty times a second


def test_a_siren_only_speaker_ignores_the_program() -> None:
    speaker = Speaker(program=False)
    frame = av.AudioFrame.from_ndarray(np.ones((1, 960), np.int16), format="s16", layout="mono")
    frame.sample_rate = RATE
    speaker.push_program(frame)
    assert speaker._buffered == 0 and speaker.problem is None


class FakeTime:
    """PortAudio's time info: the DAC time of the buffer's first sample on the realtime base."""

    def __init__(self, dac: float, current: float = 0.0) -> None:
        self.outputBufferDacTime = dac
        self.currentTime = current


def pull_at(speaker: Speaker, ahead_s: float, frames: int = BLOCK) -> np.ndarray:
    """One callback whose first sample reaches the DAC `ahead_s` after now (the wall clock
    frozen for it: the test's own reads would otherwise count as the callback's delay)."""
    import time

    wall = time.time()
    speaker.wall_clock = lambda: wall
    out = np.zeros((frames, 1), np.float32)
    speaker._callback(out, frames, FakeTime(wall + ahead_s), None)
    return out[:, 0].copy()


def siren_at(played: np.ndarray) -> int:
    """Where in the buffer the siren (whose first sample is 0) begins."""
    siren = siren_samples()
    for start in range(len(played)):
        if np.allclose(played[start:], siren[: len(played) - start], atol=1e-6):
            return start
    raise AssertionError("no siren in this buffer")


def test_the_siren_starts_at_the_sample_whose_dac_time_is_the_deadline() -> None:
    local = [100.0]  # the deadline's clock, frozen for the callback
    speaker = Speaker(program=False)
    speaker.clock = lambda: local[0]
    speaker.schedule_siren(1, 100.0145)  # 14.5 ms from now
    assert not pull_at(speaker, 0.002).any()  # heard at 102-112 ms: before the deadline
    local[0] = 100.004
    played = pull_at(speaker, 0.008)  # first sample heard at 100.012: deadline 2.5 ms in
    assert siren_at(played) == 120
    onset = speaker.onset(1)
    assert onset is not None and onset.method is OnsetMethod.DAC_TIME
    assert onset.onset_local == pytest.approx(100.0145, abs=5e-5)
    assert onset.late_s == 0.0


def test_the_calibrated_hall_latency_starts_the_siren_earlier() -> None:
    speaker = Speaker(program=False)
    speaker.clock = lambda: 100.0
    speaker.hall_latency_s = 0.040
    speaker.schedule_siren(1, 100.060)  # DAC at 100.010, heard 40 ms later: 100.050 ...
    assert not pull_at(speaker, 0.010).any()  # ... so the deadline is 10 ms on: next buffer
    speaker.clock = lambda: 100.010
    assert abs(siren_at(pull_at(speaker, 0.010))) <= 2  # leaves at 100.020, heard at 100.060
    onset = speaker.onset(1)
    assert onset is not None and onset.hall_latency_s == 0.040


def test_without_dac_times_the_stated_latency_places_the_siren_and_says_so() -> None:
    speaker = Speaker(program=False)
    speaker.clock = lambda: 50.0
    speaker.latency_s = 0.005
    speaker.schedule_siren(3, 50.0075)
    out = np.zeros((BLOCK, 1), np.float32)
    speaker._callback(out, BLOCK, FakeTime(0.0), None)
    assert siren_at(out[:, 0]) == 120  # 5 ms latency + 2.5 ms
    onset = speaker.onset(3)
    assert onset is not None and onset.method is OnsetMethod.REPORTED_LATENCY


def test_an_aborted_siren_stays_silent_and_without_a_stream_reports_no_sound() -> None:
    speaker = Speaker(program=False)
    speaker.clock = lambda: 10.0
    speaker.schedule_siren(4, 10.001)
    speaker.cancel_siren(4)
    assert not pull_at(speaker, 0.0).any()
    onset = speaker.onset(4)
    assert onset is not None and onset.method is OnsetMethod.NO_SOUND


def test_the_native_stream_places_the_siren_by_the_servers_timing() -> None:
    speaker = Speaker(program=False)
    speaker.clock = lambda: 200.0
    speaker.schedule_siren(5, 200.0525)
    out = np.zeros(BLOCK, np.float32)
    # The server's line says this buffer's first sample is heard at 200.050: 2.5 ms in.
    speaker._native_render(out, BufferPlacement(200.050, OnsetMethod.SERVER_TIMING, 0.05))
    assert siren_at(out) == 120
    onset = speaker.onset(5)
    assert onset is not None and onset.method is OnsetMethod.SERVER_TIMING
    assert onset.onset_local == pytest.approx(200.0525)


def test_before_the_server_reports_the_native_stream_uses_its_stated_latency() -> None:
    speaker = Speaker(program=False)
    speaker.clock = lambda: 10.0
    speaker.latency_s = 0.04
    speaker.schedule_siren(6, 10.0425)
    out = np.zeros(BLOCK, np.float32)
    speaker._native_render(out, None)
    assert siren_at(out) == 120
    onset = speaker.onset(6)
    assert onset is not None and onset.method is OnsetMethod.REPORTED_LATENCY


def test_the_native_stream_is_only_tried_for_the_default_device(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(BACKEND_ENV, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert native_wanted(None) and native_wanted("default")
    assert not native_wanted("USB Audio: hw:2,0") and not native_wanted(3)
    monkeypatch.setenv(BACKEND_ENV, "portaudio")
    assert not native_wanted(None)
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.delenv(BACKEND_ENV)
    assert not native_wanted(None)


def test_a_native_stream_that_fails_falls_back_to_portaudio(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(BACKEND_ENV, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")

    def refuse(_self: pulse_output.PulseOutput) -> None:
        raise pulse_output.PulseError("no PulseAudio server: Connection refused")

    monkeypatch.setattr(pulse_output.PulseOutput, "open", refuse)
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # PortAudio is then tried, and says so
    speaker = Speaker(program=False)
    assert not speaker.open()
    assert speaker.backend is None and "libportaudio2" in (speaker.problem or "")


class FakeOutputStream:
    """sounddevice.OutputStream's part the speaker uses; `die()` is its device going away."""

    opened: ClassVar[list[FakeOutputStream]] = []

    def __init__(self, **kwargs: object) -> None:
        self.kwargs = kwargs
        self.latency = 0.04
        self.active = False
        self.closed = False
        FakeOutputStream.opened.append(self)

    def start(self) -> None:
        self.active = True

    def stop(self) -> None:
        self.active = False
        finished = self.kwargs["finished_callback"]
        assert callable(finished)
        finished()

    def close(self) -> None:
        self.closed = True

    def die(self) -> None:
        self.stop()  # PortAudio's thread ends the stream and says it finished


@pytest.fixture
def fake_portaudio(monkeypatch: pytest.MonkeyPatch) -> type[FakeOutputStream]:
    monkeypatch.setenv(BACKEND_ENV, "portaudio")
    FakeOutputStream.opened = []
    module = type(sys)("sounddevice")
    module.OutputStream = FakeOutputStream  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sounddevice", module)
    return FakeOutputStream


def test_a_stream_that_dies_says_so_and_opens_again(
    fake_portaudio: type[FakeOutputStream],
) -> None:
    speaker = Speaker(program=False)
    assert speaker.open() and not speaker.lost()
    speaker.schedule_siren(7, 100.0)
    first = fake_portaudio.opened[0]
    first.die()
    assert speaker.lost() and not speaker.running
    assert speaker.problem is not None and "stopped" in speaker.problem
    assert speaker.onset(7) is not None and speaker.onset(7).method is OnsetMethod.NO_SOUND  # type: ignore[union-attr]
    assert speaker.reopen()
    assert first.closed and len(fake_portaudio.opened) == 2
    assert speaker.running and not speaker.lost() and speaker.problem is None
    assert speaker.onset(7) is None  # still to come: the siren waits on the new stream


def test_closing_the_speaker_is_not_a_dead_stream(fake_portaudio: type[FakeOutputStream]) -> None:
    speaker = Speaker(program=False)
    assert speaker.open()
    speaker.close()
    assert speaker.problem is None
    assert not speaker.lost()  # closed by the app: nothing to keep open
    assert not speaker.reopen() and len(fake_portaudio.opened) == 1  # a keeper's late try
    assert speaker.open() and speaker.running  # opened again on purpose: it is kept again
    fake_portaudio.opened[-1].die()
    assert speaker.lost()


def test_a_device_that_never_opened_is_lost_and_tried_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(BACKEND_ENV, "portaudio")
    monkeypatch.setitem(sys.modules, "sounddevice", None)
    speaker = Speaker(program=False)
    assert not speaker.lost()  # never asked for: nothing to keep open
    assert not speaker.open() and speaker.lost()
    module = type(sys)("sounddevice")
    module.OutputStream = FakeOutputStream  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sounddevice", module)  # the sound server came up
    assert speaker.reopen() and speaker.running


def test_a_dead_native_stream_waits_for_its_server_before_trying_portaudio(
    monkeypatch: pytest.MonkeyPatch, fake_portaudio: type[FakeOutputStream]
) -> None:
    monkeypatch.delenv(BACKEND_ENV, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")

    def connect(self: pulse_output.PulseOutput) -> None:
        self._running = True

    def refuse(_self: pulse_output.PulseOutput) -> None:
        raise pulse_output.PulseError("no PulseAudio server: Connection refused")

    monkeypatch.setattr(pulse_output.PulseOutput, "open", connect)
    speaker = Speaker(program=False)
    assert speaker.open() and speaker.backend is Backend.PULSE
    stream = speaker._stream
    assert isinstance(stream, pulse_output.PulseOutput)
    stream._running = False  # the server went away
    monkeypatch.setattr(pulse_output.PulseOutput, "open", refuse)
    for _ in range(NATIVE_REOPEN_TRIES):
        assert not speaker.reopen()
        assert speaker.problem is not None and "sound server" in speaker.problem
    assert not fake_portaudio.opened  # not PortAudio through the same server, yet
    assert speaker.reopen()
    assert speaker.backend.value == "portaudio"  # the server did not come back


class ScriptedSpeaker:
    """`lost` until `reopen` has been called `fails + 1` times (the first `fails` fail)."""

    def __init__(self, fails: int) -> None:
        self.fails = fails
        self.reopens = 0
        self.looks = 0
        self.running = False

    def lost(self) -> bool:
        self.looks += 1
        return not self.running

    def reopen(self) -> bool:
        self.reopens += 1
        self.running = self.reopens > self.fails
        return self.running


class RaisingSpeaker(ScriptedSpeaker):
    """Its first reopen raises (a sound stack's surprise); the next one works."""

    def reopen(self) -> bool:
        if self.reopens == 0:
            self.reopens += 1
            raise RuntimeError("a sound stack's surprise")
        return super().reopen()


async def _keep(speaker: ScriptedSpeaker, looks: int = 10) -> None:
    """Run keep_open on a fast clock until it has looked `looks` times."""
    keeper = asyncio.create_task(keep_open(speaker, check_s=0.001, cap_s=0.004))  # type: ignore[arg-type]
    try:
        while speaker.looks < looks:  # bounded by the test's timeout
            await asyncio.sleep(0.001)
    finally:
        keeper.cancel()


async def test_keep_open_survives_a_reopen_that_raises() -> None:
    speaker = RaisingSpeaker(fails=1)
    await _keep(speaker)
    assert speaker.running and speaker.reopens == 2  # it raised, was tried again, and runs


async def test_keep_open_retries_a_lost_speaker_until_it_runs_then_leaves_it() -> None:
    speaker = ScriptedSpeaker(fails=2)
    await _keep(speaker)
    assert speaker.running
    assert speaker.reopens == 3  # two failures, one success, none after
