"""The firing thread and the siren, with a clock the test controls."""

from __future__ import annotations

import sys
import threading
import time

import pytest

from media.firing import FireRecord, FireScheduler
from media.speaker import Speaker, siren_samples


class SteppingClock:
    """Each read moves time on by `step`: the spin loop always ends."""

    def __init__(self, start: float, step: float = 1e-5) -> None:
        self.t = start
        self.step = step
        self.lock = threading.Lock()

    def __call__(self) -> float:
        with self.lock:
            self.t += self.step
            return self.t


def test_fires_at_deadline_on_the_given_clock() -> None:
    clock = SteppingClock(100.0)
    fired: list[FireRecord] = []
    done = threading.Event()

    def on_fire(record: FireRecord) -> None:
        fired.append(record)
        done.set()

    scheduler = FireScheduler(clock, on_fire, true_clock=lambda: 42.0)
    scheduler.schedule(7, 100.0004)  # inside the spin window: no real waiting
    assert done.wait(timeout=5)
    scheduler.close()
    (record,) = fired
    assert record.arm_id == 7
    assert 100.0004 <= record.fired_local < 100.0005
    assert record.fired_true == 42.0


@pytest.mark.parametrize("cancel", [True, False])
def test_cancelled_deadline_never_fires(cancel: bool) -> None:
    """Cancelled while the thread spins on it, then time passes the deadline: no fire. The
    same run without the cancel fires, so the test would see a cancel that does nothing."""
    reads = 0
    spinning, passed, spun_out = threading.Event(), threading.Event(), threading.Event()

    def clock() -> float:
        nonlocal reads
        if passed.is_set():
            return 1e9
        reads += 1
        if reads >= 3:  # past the wait, in the final spin
            spinning.set()
        return 0.0

    def true_clock() -> float:
        spun_out.set()
        return 0.0

    fired: list[FireRecord] = []
    scheduler = FireScheduler(clock, fired.append, true_clock=true_clock)
    scheduler.schedule(1, 1e-4)
    assert spinning.wait(timeout=5)
    if cancel:
        scheduler.cancel(1)
        scheduler.cancel(99)  # cancelling another arm is harmless
    passed.set()
    assert spun_out.wait(timeout=5)
    scheduler.close()  # joins the thread: a fire would have happened by now
    assert [r.arm_id for r in fired] == ([] if cancel else [1])


def test_moved_deadline_fires_once_at_the_new_one() -> None:
    clock = SteppingClock(10.0)
    fired: list[FireRecord] = []
    done = threading.Event()

    def on_fire(record: FireRecord) -> None:
        fired.append(record)
        done.set()

    scheduler = FireScheduler(clock, on_fire)
    scheduler.schedule(1, 3600.0)
    scheduler.schedule(1, 10.0003)
    assert done.wait(timeout=5)
    scheduler.close()
    assert [r.deadline_local for r in fired] == [10.0003]


def test_siren_sound_is_bounded_and_audible() -> None:
    samples = siren_samples(2.0)
    assert samples.dtype.name == "float32"
    assert len(samples) == 96_000
    assert 0.3 < float(abs(samples).max()) <= 0.5


def test_siren_without_portaudio_explains_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # the import fails, as without it
    speaker = Speaker()
    assert speaker.open() is False
    assert speaker.problem is not None and "libportaudio2" in speaker.problem
    speaker.play_siren()  # playing without a stream is harmless
    speaker.close()


def test_countdown_agent_asks_every_registered_thread_to_hold() -> None:
    from media.venue_countdown import CountdownAgent

    agent = CountdownAgent(time.monotonic, lambda e: None)
    asked: list[threading.Event] = []
    agent.also_quiet.append(asked.append)
    released = threading.Event()
    agent._park_loop(released)
    agent.close()
    assert asked == [released]
