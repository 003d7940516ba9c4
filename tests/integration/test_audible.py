"""The siren at a real audio server: PulseAudio with a null sink, the speaker in child processes.

Both of the speaker's ways to the server are tested: its own libpulse stream timed by the
server's reports (the default on Linux) and PortAudio through ALSA's pulse plugin (elsewhere, and
the fallback). Each child must start after the server (PortAudio finds PulseAudio as ALSA
"default" only if the server runs when it initialises), so every player is a subprocess of its own.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from launcher.bench_audible import (
    HALL,
    LADSPA_DIR,
    LADSPA_PLUGIN,
    RATE,
    ROOM,
    AudioServer,
    find_onsets,
    stop_recorder,
)
from media.pulse_output import THREAD_NAME
from media.speaker import AUDIO_PRIORITY, BACKEND_ENV, SOUND_SERVER_PRIORITY, Backend

# Each backend, and the onset method its speaker must report.
BACKENDS = [(Backend.PULSE, "server_timing"), (Backend.PORTAUDIO, "dac_time")]

pytestmark = [
    pytest.mark.integration,
    pytest.mark.audio,
    pytest.mark.skipif(
        shutil.which("pulseaudio") is None or shutil.which("parecord") is None,
        reason="needs Debian's pulseaudio and pulseaudio-utils (installed by .ci/run)",
    ),
]

ROOT = Path(__file__).resolve().parents[2]
# The ceremony's promise is 2 ms, measured by `ceremony bench sync --audible` on a quiet machine.
# These tests share two cores with whatever else runs: PulseAudio's timing reports then wander
# by a few milliseconds. 5 ms still fails every way of getting it wrong (a stream's 40 ms buffer
# not accounted for, the DAC time read on the wrong clock, the hall's delay not added).
TOLERANCE_S = 0.005
# A stall of the whole machine (load averages of 10-30 were seen while several test suites ran
# here) can hold a stream for tens of milliseconds; such a measurement is taken once more, and
# the second must hold. A broken placement fails both.
ATTEMPTS = 2

# One venue's speaker in a process of its own: it says when its stream is open, is then given
# an absolute deadline on the monotonic clock, and prints the onset it predicted as JSON.
PLAYER = """
import json, sys, threading, time
from media.audiosignal import venue_test_siren
from media.speaker import RATE, Speaker
speaker = Speaker(program=False, siren=venue_test_siren(int(sys.argv[1]), RATE))
assert speaker.open(), speaker.problem
assert speaker.backend.value == sys.argv[2], speaker.backend
# A stream's first second drains in bursts (its timing not yet settled); a venue's stream is
# open from the join, long before any zero: wait for a second and a half of its callbacks.
while speaker.callbacks < 200:
    time.sleep(0.05)
print("open", flush=True)
deadline = float(sys.stdin.readline())
speaker.schedule_siren(1, deadline)
threading.Event().wait(max(0.0, deadline - time.monotonic()) + 0.8)
onset = speaker.onset(1)
speaker.close()
print(json.dumps({"method": onset.method.value, "onset": onset.onset_local, "late": onset.late_s}))
"""


@pytest.fixture
def server() -> Iterator[AudioServer]:
    if os.geteuid() != 0:
        pytest.skip("PulseAudio here runs as root in user mode (as in CI)")
    audio = AudioServer()
    try:
        audio.start()
        yield audio
    finally:
        audio.stop()


def _env(server: AudioServer, backend: Backend | None = None, **extra: str) -> dict[str, str]:
    chosen = {BACKEND_ENV: backend.value} if backend else {}
    return os.environ | server.env | {"PYTHONPATH": str(ROOT)} | chosen | extra


def _two_venues(server: AudioServer, raw: Path, backend: Backend, method: str) -> str | None:
    """Two venue processes fire at one deadline; what went wrong, or None."""
    recorder = server.record(raw)
    players = [
        subprocess.Popen(
            [sys.executable, "-c", PLAYER, str(band), backend.value],
            env=_env(server, backend),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for band in (0, 5)
    ]
    try:
        for p in players:  # blocking reads: each says "open" once its stream runs
            assert p.stdout is not None and p.stdout.readline().strip() == "open"
        deadline = time.monotonic() + 1.0
        for p in players:  # to all first: communicate() would wait for each to finish
            assert p.stdin is not None
            p.stdin.write(f"{deadline!r}\n")
            p.stdin.flush()
        outputs = [json.loads(p.communicate(timeout=30)[0]) for p in players]
    finally:
        for p in players:
            if p.poll() is None:
                p.kill()
                p.wait()
        stop_recorder(recorder)
    for out in outputs:
        if out["method"] != method:  # both ways to the server give usable timing
            return f"placed by {out['method']}"
        if abs(out["onset"] - deadline) >= 0.0005:
            return f"placed {out['onset'] - deadline:+.4f} s off the deadline"
    onsets = find_onsets(np.fromfile(raw, dtype="<i2"), {"a": 0, "b": 5})
    a, b = onsets["a"], onsets["b"]
    if a is None or b is None:
        return "a siren is missing from the room's recording"
    # As the server mixed them: the same instant.
    if abs(a[0] - b[0]) / RATE >= TOLERANCE_S:
        return f"heard {(a[0] - b[0]) / RATE * 1000:.2f} ms apart"
    return None


@pytest.mark.parametrize(("backend", "method"), BACKENDS)
def test_two_venue_processes_are_heard_at_the_same_sample(
    server: AudioServer, tmp_path: Path, backend: Backend, method: str
) -> None:
    problems = []
    for attempt in range(ATTEMPTS):
        problem = _two_venues(server, tmp_path / f"room-{attempt}.raw", backend, method)
        if problem is None:
            return
        problems.append(problem)
    pytest.fail("; ".join(problems))


# A speaker's process: once its stream runs, the scheduling of the callback's and of libpulse's
# threads, by name.
THREADS = """
import json, os, sys, time
from media.speaker import Speaker
speaker = Speaker(program=False)
speaker.realtime = sys.argv[1] == "realtime"  # what --no-realtime turns off
assert speaker.open(), speaker.problem
while speaker.callbacks < 20:
    time.sleep(0.05)
seen = {}
for task in os.listdir("/proc/self/task"):
    tid = int(task)
    name = open(f"/proc/self/task/{task}/comm").read().strip()
    policy = [os.sched_getscheduler(tid), os.sched_getparam(tid).sched_priority]
    seen.setdefault(name, []).append(policy)
speaker.close()
print(json.dumps({"granted": speaker.realtime_granted, "threads": seen,
                  "backend": speaker.backend.value}))
"""


def _run(server: AudioServer, backend: Backend, script: str, *args: str) -> dict[str, object]:
    """A speaker's script in a process of its own, on `backend`; what it printed (JSON)."""
    out = subprocess.run(
        [sys.executable, "-c", script, *args],
        env=_env(server, backend),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    found: dict[str, object] = json.loads(out.stdout)
    assert found["backend"] == backend.value
    return found


def _threads(server: AudioServer, backend: Backend, realtime: bool = True) -> dict[str, object]:
    return _run(server, backend, THREADS, "realtime" if realtime else "ordinary")


def test_the_native_streams_thread_renders_at_the_callbacks_priority(server: AudioServer) -> None:
    """The native stream's libpulse loop is the audio thread itself: it runs real-time at the
    priority PortAudio's callback thread has."""
    found = _threads(server, Backend.PULSE)
    assert found["granted"] is True  # root here: real-time is allowed
    threads = found["threads"]
    assert isinstance(threads, dict)
    assert threads.get(THREAD_NAME.decode()) == [[os.SCHED_FIFO, AUDIO_PRIORITY]], threads


def test_without_real_time_the_native_streams_thread_stays_ordinary(server: AudioServer) -> None:
    found = _threads(server, Backend.PULSE, realtime=False)
    assert found["granted"] is False
    threads = found["threads"]
    assert isinstance(threads, dict)
    assert threads.get(THREAD_NAME.decode()) == [[os.SCHED_OTHER, 0]], threads


def test_libpulse_thread_runs_real_time(server: AudioServer) -> None:
    """Through PortAudio the samples reach the server through libpulse's thread: starved at
    ordinary priority while the callback is real-time, the stream underran and its timing
    reports went wrong. It runs real-time, below the firing thread."""
    found = _threads(server, Backend.PORTAUDIO)
    assert found["granted"] is True  # root here: real-time is allowed
    threads = found["threads"]
    assert isinstance(threads, dict) and threads.get("threaded-ml"), threads
    assert all(entry == [os.SCHED_FIFO, SOUND_SERVER_PRIORITY] for entry in threads["threaded-ml"])


# The firing thread's hold on the audio thread (media.firing.AUDIO_HOLD_S): while held, the
# native stream renders nothing (its thread stays out of Python); let go, it renders again.
HOLD = """
import json, sys, threading, time
from media.speaker import Speaker
speaker = Speaker(program=False)
assert speaker.open(), speaker.problem
while speaker.callbacks < 50:
    time.sleep(0.01)
let_go = speaker.hold_audio()
if let_go is None:
    print(json.dumps({"backend": speaker.backend.value, "held": False}))
    sys.exit()
before = speaker.callbacks
time.sleep(0.03)  # the time held is what is measured, not a synchronisation
during = speaker.callbacks - before
let_go()
time.sleep(0.1)
after = speaker.callbacks - before
speaker.close()
found = {"backend": speaker.backend.value, "held": True, "during": during, "after": after}
print(json.dumps(found))
"""


@pytest.mark.parametrize("backend", [Backend.PULSE, Backend.PORTAUDIO])
def test_the_firing_thread_can_hold_only_the_native_streams_audio_thread(
    server: AudioServer, backend: Backend
) -> None:
    found = _run(server, backend, HOLD)
    if backend is Backend.PORTAUDIO:
        assert found["held"] is False  # PortAudio's callback thread cannot be held
        return
    assert found["held"] is True
    assert found["during"] == 0  # 30 ms held: no callback ran (one comes every ~10 ms)
    after = found["after"]
    assert isinstance(after, int) and after > 0  # let go: it renders again


def _calibrate(server: AudioServer, sink: str) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, "-m", "launcher.cli", "calibrate", "--verify", "--json"],
        env=_env(server, PULSE_SINK=sink, PULSE_SOURCE=f"{ROOM}.monitor"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, float] = json.loads(proc.stdout)
    return result


# ~45 s (four measurements of five chirps in fresh processes, ~8 s each): run with `-m slow`;
# the same check is `ceremony bench sync --audible --calibrate`.
@pytest.mark.slow
def test_hall_calibration_measures_an_added_40_ms_and_compensates_it(
    server: AudioServer,
) -> None:
    if not Path(LADSPA_DIR, f"{LADSPA_PLUGIN}.so").exists():
        pytest.skip("the hall's delay line is Debian's cmt LADSPA plugin (installed by .ci/run)")
    server.add_delayed_hall(40.0)
    tolerance_ms = TOLERANCE_S * 1000
    problems = []
    for _ in range(ATTEMPTS):
        direct = _calibrate(server, ROOM)
        delayed = _calibrate(server, HALL)
        added = delayed["latency_ms"] - direct["latency_ms"]
        # The direct path: heard at its DAC time (nothing after the DAC here); the delay line's
        # 40 ms measured; advanced by the measurement, the chirp lands on time.
        if (
            abs(direct["latency_ms"]) < tolerance_ms
            and abs(added - 40.0) < tolerance_ms
            and abs(delayed["residual_ms"]) < tolerance_ms
        ):
            return
        problems.append(f"direct {direct}, through the loop {delayed}")
    pytest.fail("; ".join(problems))


# A venue's speaker whose sound server goes away and comes back (a crew restarting PipeWire):
# the venue's keeper (`keep_open`) opens it again, and a siren placed after that is heard.
RESTART = """
import asyncio, json, sys, time
from media.audiosignal import venue_test_siren
from media.speaker import RATE, Speaker, keep_open

async def until(done):
    while not done():  # bounded by the test's timeout
        await asyncio.sleep(0.02)

async def main():
    speaker = Speaker(program=False, siren=venue_test_siren(0, RATE))
    assert speaker.open(), speaker.problem
    keeper = asyncio.create_task(keep_open(speaker, check_s=0.1, cap_s=0.4))
    await until(lambda: speaker.callbacks >= 50)
    print("open", flush=True)
    await until(speaker.lost)
    print(json.dumps({"problem": speaker.problem}), flush=True)
    await asyncio.to_thread(sys.stdin.readline)  # the server is back, and recorded
    await until(lambda: speaker.running)
    before = speaker.callbacks
    await until(lambda: speaker.callbacks >= before + 100)
    deadline = time.monotonic() + 0.5
    speaker.schedule_siren(1, deadline)
    await until(lambda: time.monotonic() > deadline + 0.8)
    onset = speaker.onset(1)
    keeper.cancel()
    speaker.close()
    print(json.dumps({"backend": speaker.backend.value, "method": onset.method.value,
                      "onset": onset.onset_local, "deadline": deadline,
                      "problem": speaker.problem}), flush=True)

asyncio.run(main())
"""


@pytest.mark.parametrize(("backend", "method"), BACKENDS)
def test_the_speaker_opens_again_after_its_sound_server_restarts(
    server: AudioServer, tmp_path: Path, backend: Backend, method: str
) -> None:
    player = subprocess.Popen(
        [sys.executable, "-c", RESTART],
        env=_env(server, backend),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    recorder = None
    try:
        assert player.stdout is not None and player.stdin is not None
        assert player.stdout.readline().strip() == "open"
        server.stop_server()
        lost = json.loads(player.stdout.readline())
        assert lost["problem"], "a dead stream must say why the venue is silent"
        server.start()
        recorder = server.record(tmp_path / "room.raw")
        player.stdin.write("back\n")
        player.stdin.flush()
        found = json.loads(player.communicate(timeout=30)[0])
    finally:
        if player.poll() is None:
            player.kill()
            player.wait()
        if recorder is not None:
            stop_recorder(recorder)
    assert found["backend"] == backend.value
    assert found["problem"] is None  # the venue's "no sound" is gone with the new stream
    assert found["method"] == method  # placed by the new stream's own timing
    assert abs(found["onset"] - found["deadline"]) < 0.0005
    heard = find_onsets(np.fromfile(tmp_path / "room.raw", dtype="<i2"), {"siren": 0})
    assert heard["siren"] is not None, "the siren was not heard after the restart"
