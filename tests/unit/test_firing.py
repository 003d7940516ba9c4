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
    AUDIO_HOLD_S,
    HOLD_S,
    HOLD_SWITCH_INTERVAL_S,
    REALTIME_SPIN_S,
    SETTLE_MAX_S,
    SETTLE_MIN_S,
    SHORT_SLICE_S,
    FireRecord,
    FireScheduler,
    ask_short_slice,
    holding_sleeper,
    holding_yield,
    settle_after,
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

    scheduler = FireScheduler(clock, on_fire, true_of=lambda reading: reading - 58.0)
    scheduler.schedule(7, 100.0004)  # inside the spin window: no real waiting
    assert done.wait(timeout=5)
    scheduler.close()
    (record,) = fired
    assert record.arm_id == 7
    assert 100.0004 <= record.fired_local < 100.0005
    assert record.fired_true == record.fired_local - 58.0


def test_the_true_fire_time_is_the_deciding_reading_not_a_later_look() -> None:
    """The thread is kept from running right after the reading that crossed the deadline (a
    core taken away): the true time is that reading's, and the trace shows the gap."""
    crossed = False

    def clock() -> float:
        nonlocal crossed
        if crossed:
            return 10.0 + 0.005  # the next look, 5 ms on
        if time.monotonic() >= start + 0.01:
            crossed = True
            return 10.0 + 1e-6
        return 10.0 - 1e-4

    fired: list[FireRecord] = []
    done = threading.Event()

    def on_fire(record: FireRecord) -> None:
        fired.append(record)
        done.set()

    start = time.monotonic()
    scheduler = FireScheduler(clock, on_fire, realtime=False)
    scheduler.schedule(1, 10.0)
    assert done.wait(timeout=5)
    scheduler.close()
    (record,) = fired
    assert record.fired_true == record.fired_local == 10.0 + 1e-6
    assert record.trace is not None and record.trace.next_read_s == pytest.approx(0.005 - 1e-6)


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

    def true_of(reading: float) -> float:
        spun_out.set()
        return reading

    fired: list[FireRecord] = []
    scheduler = FireScheduler(clock, fired.append, true_of=true_of)
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


class Fired:
    """An on_fire that keeps the records and says when the first came."""

    def __init__(self) -> None:
        self.records: list[FireRecord] = []
        self.done = threading.Event()

    def __call__(self, record: FireRecord) -> None:
        self.records.append(record)
        self.done.set()


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
    scheduler.schedule(3, 50.0, settle_s=0.002)
    assert done.wait(timeout=5)
    scheduler.close()
    # To the deadline, then the settle time after it.
    assert slept == [pytest.approx(HOLD_S / 2), pytest.approx(0.002)]
    (record,) = fired
    assert record.arm_id == 3 and record.fired_local == pytest.approx(50.0)
    assert reads < 20


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
    assert slept[0] == pytest.approx(HOLD_S / 2)


def test_real_time_priority_sleeps_holding_the_lock_then_spins_the_last_stretch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At real-time priority the lock is taken HOLD_S early too, and kept: a sleep to
    REALTIME_SPIN_S before zero, then a spin whose yields keep it (never os.sched_yield, which
    lets another thread of the process take it)."""
    monkeypatch.setattr(firing, "enter_realtime", lambda priority=10: True)
    monkeypatch.setattr(firing, "_leave_realtime", lambda was_set: None)

    def releasing_yield() -> None:
        raise AssertionError("os.sched_yield releases the interpreter lock")

    monkeypatch.setattr(os, "sched_yield", releasing_yield)
    clock = ManualClock(20.0 - HOLD_S / 2)
    slept: list[float] = []
    yields = 0

    def sleep_for(seconds: float) -> None:
        slept.append(seconds)
        clock.t += seconds

    def yield_now() -> None:
        nonlocal yields
        yields += 1
        clock.t += REALTIME_SPIN_S / 10

    done = threading.Event()
    scheduler = FireScheduler(
        clock,
        lambda r: done.set(),
        realtime=True,
        sleep_for=sleep_for,
        yield_now=yield_now,
    )
    scheduler.schedule(1, 20.0, settle_s=SETTLE_MIN_S)
    assert done.wait(timeout=5)
    scheduler.close()
    assert slept[0] == pytest.approx(HOLD_S / 2 - REALTIME_SPIN_S)
    assert 5 <= yields <= 15  # the last REALTIME_SPIN_S spun
    assert len(slept) == 2  # then the settle time


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


def test_settle_time_follows_the_clock_bound_within_limits() -> None:
    assert settle_after(None) == SETTLE_MIN_S
    assert settle_after(0.0) == SETTLE_MIN_S
    assert settle_after(0.0025) == 0.0025
    assert settle_after(1.0) == SETTLE_MAX_S


def test_the_lock_stays_held_until_the_settle_time_has_passed() -> None:
    """From the hold to the end of the settle time the switch interval is longer than both, so
    a thread that starts asking for the lock then cannot take it before the fire; and the
    parked threads are let go only after the settle time. Both come back afterwards."""
    clock = ManualClock(70.0 - HOLD_S / 2)
    seen: list[tuple[float, float, bool]] = []  # (seconds, switch interval, released)
    released_events: list[threading.Event] = []

    def sleep_for(seconds: float) -> None:
        seen.append((seconds, sys.getswitchinterval(), released_events[-1].is_set()))
        clock.t += seconds

    done = threading.Event()
    normal = sys.getswitchinterval()
    scheduler = FireScheduler(
        clock,
        lambda r: done.set(),
        quiet=released_events.append,
        realtime=False,
        sleep_for=sleep_for,
    )
    scheduler.schedule(2, 70.0, settle_s=0.003)
    assert done.wait(timeout=5)
    scheduler.close()
    assert [round(s, 6) for s, _, _ in seen] == [round(HOLD_S / 2, 6), 0.003]
    assert all(interval == HOLD_SWITCH_INTERVAL_S for _, interval, _ in seen)
    assert not any(released for _, _, released in seen)
    assert released_events[-1].is_set()
    assert sys.getswitchinterval() == normal


@pytest.mark.parametrize("realtime", [False, True])
def test_the_audio_thread_is_held_from_before_the_hold_to_after_the_settle(
    realtime: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audio thread is held AUDIO_HOLD_S before zero, before the interpreter lock is taken
    for the hold, and let go after the settle time (before the parked loop): at ordinary
    priority the fire then never waits for an audio thread put aside holding the lock; at
    real-time priority the audio threads, which outrank the firing thread, take no core at zero."""
    monkeypatch.setattr(firing, "enter_realtime", lambda priority=10: realtime)
    monkeypatch.setattr(firing, "_leave_realtime", lambda was_set: None)
    deadline = 80.0
    clock = ManualClock(deadline - AUDIO_HOLD_S / 2)  # inside the audio hold's window
    events: list[str] = []
    released_events: list[threading.Event] = []

    def hold_audio() -> Callable[[], None]:
        events.append("hold")
        clock.t = deadline - HOLD_S / 2  # the wait for the audio thread took some time
        return lambda: events.append("let go" + (" late" if released_events[-1].is_set() else ""))

    def sleep_for(seconds: float) -> None:
        events.append("sleep")
        clock.t += seconds

    def yield_now() -> None:  # the real-time spin's last stretch
        events.append("spin")
        clock.t = deadline

    fired = Fired()
    scheduler = FireScheduler(
        clock,
        fired,
        quiet=released_events.append,
        realtime=realtime,
        sleep_for=sleep_for,
        yield_now=yield_now,
        hold_audio=hold_audio,
    )
    scheduler.schedule(4, deadline, settle_s=0.002)
    assert fired.done.wait(timeout=5)
    scheduler.close()
    # Held first; the sleep to the deadline (real-time: to the spin), the settle sleep; let go
    # before the loop.
    to_zero = ["sleep", "spin"] if realtime else ["sleep"]
    assert events == ["hold", *to_zero, "sleep", "let go"]
    (record,) = fired.records
    assert record.fired_local == pytest.approx(deadline)
    assert record.trace is not None and record.trace.audio_hold_s == pytest.approx(
        AUDIO_HOLD_S / 2 - HOLD_S / 2
    )


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_pass_that_fails_while_holding_the_audio_thread_lets_it_go() -> None:
    """Whatever goes wrong between holding the audio thread and letting it go, it is let go:
    a held thread is a speaker silent for the rest of the day."""
    clock = ManualClock(95.0 - HOLD_S / 2)
    let_go = threading.Event()

    def sleep_for(seconds: float) -> None:
        raise RuntimeError("the hold's sleep failed")

    scheduler = FireScheduler(
        clock,
        Fired(),
        realtime=False,
        sleep_for=sleep_for,
        hold_audio=lambda: let_go.set,
    )
    scheduler.schedule(6, 95.0)
    assert let_go.wait(timeout=5)
    scheduler.close()


def test_a_failing_audio_hold_does_not_stop_the_fire() -> None:
    clock = ManualClock(90.0 - HOLD_S / 2)

    def hold_audio() -> Callable[[], None]:
        raise OSError("libpulse went away")

    def sleep_for(seconds: float) -> None:
        clock.t += seconds

    fired = Fired()
    scheduler = FireScheduler(
        clock, fired, realtime=False, sleep_for=sleep_for, hold_audio=hold_audio
    )
    scheduler.schedule(5, 90.0)
    assert fired.done.wait(timeout=5)
    scheduler.close()
    assert fired.records[0].fired_local == pytest.approx(90.0)


def test_a_speaker_without_the_native_stream_has_no_audio_thread_to_hold() -> None:
    """Only the native PulseAudio stream's thread can be held; PortAudio's (or none) cannot."""
    assert Speaker(program=False).hold_audio() is None


def test_fire_record_carries_the_threads_account() -> None:
    clock = ManualClock(30.0 - HOLD_S / 2)

    def sleep_for(seconds: float) -> None:
        clock.t += seconds

    fired: list[FireRecord] = []
    done = threading.Event()

    def on_fire(record: FireRecord) -> None:
        fired.append(record)
        done.set()

    scheduler = FireScheduler(clock, on_fire, realtime=False, sleep_for=sleep_for)
    scheduler.schedule(4, 30.0)
    assert done.wait(timeout=5)
    scheduler.close()
    trace = fired[0].trace
    assert trace is not None
    assert trace.mode == "hold"
    assert trace.planned_sleep_s == pytest.approx(HOLD_S / 2)
    assert trace.precise_s == pytest.approx(HOLD_S / 2)
    assert trace.switch_interval_s == HOLD_SWITCH_INTERVAL_S


def cuts_in_during(call: Callable[[], object], seconds: float = 0.02) -> bool:
    """Whether another Python thread, ready to run, got the interpreter lock while `call` ran
    in a loop for `seconds` (the switch interval raised so it cannot force its way in)."""
    go = threading.Event()
    ran = threading.Event()

    def other_thread() -> None:
        go.wait()
        ran.set()

    other = threading.Thread(target=other_thread)
    other.start()
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1.0)
    try:
        go.set()
        end = time.monotonic() + seconds
        cut_in = False
        while time.monotonic() < end:
            call()
            cut_in = cut_in or ran.is_set()
    finally:
        sys.setswitchinterval(previous)
        other.join(timeout=5)
    assert ran.is_set()  # it did run once the loop was over
    return cut_in


@pytest.mark.skipif(holding_sleeper() is None, reason="clock_nanosleep is Linux's")
def test_the_holding_yield_keeps_other_python_threads_out() -> None:
    """os.sched_yield would let a waiting thread in; the real-time spin's yield must not."""
    assert not cuts_in_during(holding_yield())


def test_countdown_agent_settles_for_the_arms_own_bound() -> None:
    """The venue's clock bound for the arm decides how long it keeps quiet after firing; a
    deadline for an arm it holds no bound for gets the shortest settle time."""
    from ceremony.countdown import ArmState, VenueArm
    from media.venue_countdown import CountdownAgent

    agent = CountdownAgent(time.monotonic, lambda e: None)
    agent.scheduler.close()
    placed: list[tuple[int, float, float]] = []

    class Recorder(FireScheduler):
        def __init__(self) -> None:  # no thread: only what the agent asks for
            pass

        def schedule(self, arm_id: int, deadline_local: float, settle_s: float = 0.0) -> None:
            placed.append((arm_id, deadline_local, settle_s))

    agent.scheduler = Recorder()
    agent.countdown.current = VenueArm(1, 100.0, ArmState.ARMED, 50.0, 0.0025)
    agent._place(1, 50.0)
    agent._place(2, 60.0)
    assert placed == [(1, 50.0, 0.0025), (2, 60.0, SETTLE_MIN_S)]


def test_rises_to_real_time_before_the_final_approach_and_falls_when_cancelled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Asleep at real-time priority from RISE_S before zero: the wake-up into the final approach
    is not queued behind ordinary threads. Cancelled, it goes back to ordinary priority."""
    risen, fell = threading.Event(), threading.Event()

    def enter(priority: int = 10) -> bool:
        risen.set()
        return True

    def leave(was_set: bool) -> None:
        if was_set:
            fell.set()

    monkeypatch.setattr(firing, "enter_realtime", enter)
    monkeypatch.setattr(firing, "_leave_realtime", leave)
    clock = ManualClock(100.0)  # stands still: the thread stays in the far-off wait
    fired: list[FireRecord] = []
    scheduler = FireScheduler(clock, fired.append, realtime=True, sleep_for=lambda s: None)
    scheduler.schedule(1, 100.0 + firing.HOLD_S + firing.RISE_S / 2)
    assert risen.wait(timeout=5)
    assert not fell.is_set()
    scheduler.cancel(1)
    assert fell.wait(timeout=5)
    scheduler.close()
    assert fired == []


def test_ordinary_priority_never_asks_for_real_time(monkeypatch: pytest.MonkeyPatch) -> None:
    def enter(priority: int = 10) -> bool:
        raise AssertionError("asked for real-time priority")

    monkeypatch.setattr(firing, "enter_realtime", enter)
    clock = ManualClock(40.0 - HOLD_S / 2)
    done = threading.Event()

    def sleep_for(seconds: float) -> None:
        clock.t += seconds

    scheduler = FireScheduler(clock, lambda r: done.set(), realtime=False, sleep_for=sleep_for)
    scheduler.schedule(1, 40.0)
    assert done.wait(timeout=5)
    scheduler.close()


def test_neighbours_rise_with_the_firing_thread_and_fall_with_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The threads that may hold the interpreter lock (the loop) rise to real-time priority with
    the firing thread and get back what they had when it falls."""
    risen: list[list[int]] = []
    restored: list[list[object]] = []
    fell, rose = threading.Event(), threading.Event()
    monkeypatch.setattr(firing, "enter_realtime", lambda priority=10: True)
    monkeypatch.setattr(firing, "_leave_realtime", lambda was_set: fell.set())

    def raise_threads(tids: list[int]) -> list[object]:
        risen.append(list(tids))
        rose.set()
        return [("was", tid) for tid in tids]

    monkeypatch.setattr(firing, "raise_threads", raise_threads)
    monkeypatch.setattr(firing, "restore_threads", lambda raised: restored.append(list(raised)))
    clock = ManualClock(100.0)
    scheduler = FireScheduler(
        clock, lambda r: None, realtime=True, sleep_for=lambda s: None, neighbours=lambda: [7, 9]
    )
    scheduler.schedule(1, 100.0 + firing.HOLD_S + firing.RISE_S / 2)
    assert rose.wait(timeout=5)
    assert risen == [[7, 9]]
    fell.clear()
    scheduler.cancel(1)
    assert fell.wait(timeout=5)
    scheduler.close()
    assert [("was", 7), ("was", 9)] in restored


# ---- one firing thread for a process's venues ------------------------------------------------


def offset_clock(offset: float) -> Clock:
    return lambda: time.monotonic() + offset


def test_a_group_fires_each_venue_at_its_own_deadline_on_its_own_clock_in_order() -> None:
    group = firing.FireGroup()
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

        def host_of(reading: float, offset: float = offset) -> float:
            return reading - offset

        slot = group.slot(offset_clock(offset), on_fire, true_of=host_of)
        slot.schedule(1, at_host[name] + offset)
    assert done.wait(timeout=5)
    group.close()
    assert [name for name, _ in fired] == ["b", "a", "c"]  # in the host's order
    for name, record in fired:
        assert record.fired_local >= at_host[name] + offsets[name]  # never early
        assert record.deadline_local == at_host[name] + offsets[name]
        assert record.fired_true == pytest.approx(record.fired_local - offsets[name], abs=1e-9)


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


def test_a_group_rises_with_its_venues_loop_and_parks_it_once_on_the_final_approach(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The loop the venues share rises with the group's thread (one step below), is parked once
    for the pass however many venues it carries, and gets back its priority after the fire."""
    risen: list[list[int]] = []
    restored: list[list[object]] = []
    monkeypatch.setattr(firing, "enter_realtime", lambda priority=10: True)
    monkeypatch.setattr(firing, "_leave_realtime", lambda was_set: None)

    def raise_threads(tids: list[int]) -> list[object]:
        risen.append(list(tids))
        return [("was", tid) for tid in tids]

    monkeypatch.setattr(firing, "raise_threads", raise_threads)
    monkeypatch.setattr(firing, "restore_threads", lambda raised: restored.append(list(raised)))
    group = firing.FireGroup(realtime=True)
    parked: list[float] = []
    done = threading.Event()
    start = time.monotonic()
    deadline = start + firing.HOLD_S + firing.GROUP_RISE_S / 2
    slots = []
    for n in range(3):

        def park(released: threading.Event) -> None:
            parked.append(deadline - time.monotonic())

        slots.append(group.slot(time.monotonic, lambda r: done.set(), park, neighbours=lambda: [7]))
        slots[-1].schedule(1, deadline + n * 0.001)
    assert done.wait(timeout=5)
    group.close()
    assert risen == [[7]]
    assert [("was", 7)] in restored
    assert len(parked) == 1  # one loop: parked once
    # on the final approach, not at the rise
    assert parked[0] <= firing.HOLD_S + firing.APPROACH_S + 0.01


class _CpuHolds:
    """A stand-in for media.cpu_awake.hold_cpus_awake: counts holds and let-gos."""

    def __init__(self) -> None:
        self.held = 0
        self.taken = threading.Event()
        self.let_go = threading.Event()

    def __call__(self) -> Callable[[], None]:
        self.held += 1
        self.taken.set()
        return self.let_go.set


@pytest.mark.parametrize("realtime", [True, False])
def test_the_cpus_are_kept_awake_from_the_rise_to_the_fall_where_real_time_is_allowed(
    realtime: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With real-time priority allowed the CPUs are kept from deep idle from the rise and let
    sleep after the fire, and the trace says so; an ordinary install (as --no-realtime runs)
    asks for nothing."""
    monkeypatch.setattr(firing, "enter_realtime", lambda priority=10: True)
    monkeypatch.setattr(firing, "_leave_realtime", lambda was_set: None)
    holds = _CpuHolds()
    clock = ManualClock(50.0 - HOLD_S / 2)

    def sleep_for(seconds: float) -> None:
        clock.t += seconds

    def yield_now() -> None:
        clock.t = 50.0

    fired = Fired()
    scheduler = FireScheduler(
        clock,
        fired,
        realtime=realtime,
        sleep_for=sleep_for,
        yield_now=yield_now,
        hold_cpus=holds,
    )
    scheduler.schedule(3, 50.0)
    assert fired.done.wait(timeout=5)
    scheduler.close()
    (record,) = fired.records
    assert record.trace is not None
    if realtime:
        assert holds.held == 1 and holds.let_go.is_set()
        assert record.trace.cpus_awake
    else:
        assert holds.held == 0 and not record.trace.cpus_awake


def test_a_cancelled_countdown_lets_the_cpus_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(firing, "enter_realtime", lambda priority=10: True)
    monkeypatch.setattr(firing, "_leave_realtime", lambda was_set: None)
    holds = _CpuHolds()
    clock = ManualClock(100.0)
    scheduler = FireScheduler(
        clock, Fired(), realtime=True, sleep_for=lambda s: None, hold_cpus=holds
    )
    scheduler.schedule(1, 100.0 + HOLD_S + firing.RISE_S / 2)  # risen, not yet approaching
    assert holds.taken.wait(timeout=5)  # at the rise, on the firing thread
    assert holds.held == 1 and not holds.let_go.is_set()
    scheduler.cancel(1)
    assert holds.let_go.wait(timeout=5)
    scheduler.close()


def test_a_group_keeps_the_cpus_awake_through_its_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(firing, "enter_realtime", lambda priority=10: True)
    monkeypatch.setattr(firing, "_leave_realtime", lambda was_set: None)
    holds = _CpuHolds()
    group = firing.FireGroup(realtime=True, hold_cpus=holds)
    done = threading.Event()
    slot = group.slot(time.monotonic, lambda r: done.set())
    slot.schedule(1, time.monotonic() + HOLD_S + 0.01)
    assert done.wait(timeout=5)
    group.close()
    assert holds.held == 1 and holds.let_go.is_set()
