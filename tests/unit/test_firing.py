"""The firing thread and the siren, with a clock the test controls."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable

import pytest

from media import firing
from media.clock import Clock
from media.firing import (
    HOLD_S,
    SHORT_SLICE_S,
    FireRecord,
    FireScheduler,
    ask_short_slice,
    holding_sleeper,
)
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


class ManualClock:
    """Time stands still until the test or the fake sleep moves it."""

    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_ordinary_priority_sleeps_the_last_stretch_instead_of_spinning() -> None:
    """Without real-time priority the final wait is one sleep to the deadline (which keeps the
    interpreter lock), not a spin: the clock is read a handful of times, not thousands."""
    clock = ManualClock(50.0 - HOLD_S / 2)  # already inside the hold window
    reads = 0

    def counting_clock() -> float:
        nonlocal reads
        reads += 1
        return clock()

    slept: list[float] = []

    def sleep_for(seconds: float) -> None:
        slept.append(seconds)
        clock.t += seconds  # the kernel wakes it at the deadline

    fired: list[FireRecord] = []
    done = threading.Event()

    def on_fire(record: FireRecord) -> None:
        fired.append(record)
        done.set()

    scheduler = FireScheduler(counting_clock, on_fire, realtime=False, sleep_for=sleep_for)
    scheduler.schedule(3, 50.0)
    assert done.wait(timeout=5)
    scheduler.close()
    assert slept == [pytest.approx(HOLD_S / 2)]
    (record,) = fired
    assert record.arm_id == 3 and record.fired_local == pytest.approx(50.0)
    assert reads < 10


def test_woken_early_it_never_holds_the_lock_longer_than_planned() -> None:
    """The timed wait can end early (the same deadline set again, or a slow clock); then the
    thread looks again rather than sleep holding the interpreter lock for 10 ms."""
    clock = ManualClock(100.0 - 2 * HOLD_S)  # in the final approach, but before the hold
    slept: list[float] = []
    sleeping = threading.Event()

    def sleep_for(seconds: float) -> None:
        slept.append(seconds)
        clock.t += seconds
        sleeping.set()

    scheduler = FireScheduler(clock, lambda r: None, realtime=False, sleep_for=sleep_for)
    scheduler.schedule(1, 100.0)
    for _ in range(3):  # its timed waits end while the clock stands still
        scheduler.schedule(1, 100.0)
        assert not sleeping.wait(timeout=2 * HOLD_S)
    clock.t = 100.0 - HOLD_S / 2
    assert sleeping.wait(timeout=5)
    scheduler.close()
    assert slept == [pytest.approx(HOLD_S / 2)]


def test_real_time_priority_spins_and_does_not_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(firing, "enter_realtime", lambda priority=10: True)
    monkeypatch.setattr(firing, "_leave_realtime", lambda was_set: None)
    monkeypatch.setattr(os, "sched_yield", lambda: None)
    clock = SteppingClock(20.0)
    slept: list[float] = []
    done = threading.Event()
    scheduler = FireScheduler(clock, lambda r: done.set(), realtime=True, sleep_for=slept.append)
    scheduler.schedule(1, 20.0005)
    assert done.wait(timeout=5)
    scheduler.close()
    assert slept == []


@pytest.mark.skipif(holding_sleeper() is None, reason="clock_nanosleep is Linux's")
def test_the_holding_sleep_keeps_other_python_threads_out_until_it_ends() -> None:
    """The point of the sleep: no other thread of the process runs Python while it lasts
    (a plain sleep would let the waiting thread in at once)."""
    sleep_for = holding_sleeper()
    assert sleep_for is not None
    go = threading.Event()
    ran_at: list[float] = []

    def other_thread() -> None:
        go.wait()
        ran_at.append(time.monotonic())

    other = threading.Thread(target=other_thread)
    other.start()
    previous = sys.getswitchinterval()
    sys.setswitchinterval(0.05)  # the other thread could only cut in after 50 ms of asking
    try:
        end = time.monotonic() + 0.03
        go.set()
        sleep_for(end - time.monotonic())
    finally:
        sys.setswitchinterval(previous)
        other.join(timeout=5)
    assert ran_at and ran_at[0] >= end
    assert time.monotonic() >= end  # an absolute sleep never ends early


def _slice_ns() -> int | None:
    """This thread's EEVDF time slice, where the kernel shows it (6.6 on)."""
    try:
        with open("/proc/thread-self/sched", encoding="ascii") as f:
            for line in f:
                if line.startswith("se.slice"):
                    return int(line.split(":")[1])
    except OSError:
        pass
    return None


def _kernel() -> tuple[int, int]:
    major, minor = [*os.uname().release.split("."), "0"][:2]
    return (int(major), int("".join(c for c in minor if c.isdigit()) or 0))


@pytest.mark.skipif(
    _slice_ns() is None or _kernel() < (6, 12), reason="custom time slices are Linux 6.12's"
)
def test_short_slice_is_asked_for_the_calling_thread_alone() -> None:
    before = _slice_ns()
    seen: list[tuple[bool, int | None]] = []

    def thread() -> None:
        seen.append((ask_short_slice(), _slice_ns()))

    t = threading.Thread(target=thread)
    t.start()
    t.join(timeout=5)
    assert seen == [(True, int(SHORT_SLICE_S * 1e9))]
    assert _slice_ns() == before  # the caller's own thread only


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


# ---- one firing thread for a process's venues ------------------------------------------------


def offset_clock(offset: float) -> Clock:
    return lambda: time.monotonic() + offset


def test_a_group_fires_each_venue_at_its_own_deadline_on_its_own_clock_in_order() -> None:
    group = firing.FireGroup(true_clock=time.monotonic)
    fired: list[tuple[str, FireRecord]] = []
    done = threading.Event()
    # Three venues whose clocks read far apart; their deadlines fall 5 and 30 ms apart on the
    # host's clock: the first two in one pass, the third in the next.
    offsets = {"a": 100.0, "b": -50.0, "c": 7.5}
    host_zero = time.monotonic() + 0.1
    at_host = {"a": host_zero + 0.005, "b": host_zero, "c": host_zero + 0.030}
    for name, offset in offsets.items():

        def on_fire(record: FireRecord, name: str = name) -> None:
            fired.append((name, record))
            if len(fired) == 3:
                done.set()

        slot = group.slot(offset_clock(offset), on_fire)
        slot.schedule(1, at_host[name] + offset)
    assert done.wait(timeout=5)
    group.close()
    assert [name for name, _ in fired] == ["b", "a", "c"]  # in the host's order
    for name, record in fired:
        assert record.fired_local >= at_host[name] + offsets[name]  # never early
        assert record.deadline_local == at_host[name] + offsets[name]
        assert record.fired_true == pytest.approx(record.fired_local - offsets[name], abs=0.05)


def test_a_group_leaves_out_a_cancelled_venue_and_fires_a_moved_one_once() -> None:
    group = firing.FireGroup()
    fired: list[tuple[str, float]] = []
    done = threading.Event()

    def recorder(name: str) -> Callable[[FireRecord], None]:
        def on_fire(record: FireRecord) -> None:
            fired.append((name, record.deadline_local))
            if name == "last":
                done.set()

        return on_fire

    start = time.monotonic()
    cancelled = group.slot(time.monotonic, recorder("cancelled"))
    moved = group.slot(time.monotonic, recorder("moved"))
    last = group.slot(time.monotonic, recorder("last"))
    cancelled.schedule(1, start + 0.05)
    moved.schedule(1, start + 0.05)
    last.schedule(1, start + 0.12)
    cancelled.cancel(1)
    cancelled.cancel(2)  # another arm: harmless
    moved.schedule(1, start + 0.08)  # refined before its approach
    assert done.wait(timeout=5)
    closed = group.slot(time.monotonic, recorder("closed"))
    closed.schedule(3, time.monotonic() + 0.01)
    closed.close()  # a venue gone before its zero: nothing fires for it
    group.close()
    assert fired == [("moved", start + 0.08), ("last", start + 0.12)]


def test_a_group_parks_each_loop_once_per_pass() -> None:
    group = firing.FireGroup()
    parked: list[threading.Event] = []
    done = threading.Event()
    quiet = parked.append
    start = time.monotonic()
    slots = [group.slot(time.monotonic, lambda r: done.set(), quiet) for _ in range(3)]
    for n, slot in enumerate(slots):
        slot.schedule(1, start + 0.06 + n * 0.001)
    assert done.wait(timeout=5)
    group.close()
    assert len(parked) == 1 and parked[0].is_set()  # one loop, parked once, then released


def test_countdown_agent_fires_from_the_group_it_is_given() -> None:
    from media.venue_countdown import CountdownAgent

    group = firing.FireGroup()
    agent = CountdownAgent(time.monotonic, lambda e: None, fire_group=group)
    assert isinstance(agent.scheduler, firing.FireSlot)
    agent.close()
    group.close()
