"""The firing thread's approach at ordinary priority, and its trace, with a clock the test
controls (the thread's own sleeps are replaced; only its timed waits for a new deadline are real).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from media import firing
from media.firing import (
    APPROACH_S,
    FAR_WAIT_MAX_S,
    HOLD_S,
    ORDINARY_APPROACH_S,
    RISE_S,
    FireRecord,
    FireScheduler,
    ThreadTimes,
    holding_sleeper,
)
from tests.unit.test_firing import Fired, ManualClock, cuts_in_during


def _fire_once(scheduler: FireScheduler, fired: Fired, arm_id: int, deadline: float) -> FireRecord:
    scheduler.schedule(arm_id, deadline, settle_s=0.002)
    assert fired.done.wait(timeout=5)
    scheduler.close()
    (record,) = fired.records
    return record


def _ordinary(
    clock: ManualClock, sleep_for: firing.SleepFor | None, **kw: Any
) -> tuple[FireScheduler, Fired]:
    fired = Fired()
    return FireScheduler(clock, fired, realtime=False, sleep_for=sleep_for, **kw), fired


def _trace(record: FireRecord) -> firing.FireTrace:
    assert record.trace is not None
    return record.trace


def test_the_far_off_wait_ends_once_at_rise_then_at_the_approach() -> None:
    # Far off: at most FAR_WAIT_MAX_S at a time, and never past RISE_S before the approach.
    assert firing._far_wait_s(10.0, APPROACH_S) == FAR_WAIT_MAX_S
    assert firing._far_wait_s(RISE_S + 0.3, APPROACH_S) == pytest.approx(0.3)
    # Where a single wait to the approach would have jumped over RISE_S, it stops there first.
    assert firing._far_wait_s(RISE_S + 0.1, APPROACH_S) == pytest.approx(0.1)
    # Inside RISE_S (prepared): on to the approach.
    assert firing._far_wait_s(RISE_S, APPROACH_S) == pytest.approx(RISE_S - APPROACH_S)
    assert firing._far_wait_s(0.1, APPROACH_S) == pytest.approx(0.1 - APPROACH_S)


def test_the_trace_looks_at_other_threads_before_the_approach_never_on_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The look at the other threads costs milliseconds of CPU: it is taken RISE_S before the
    approach; a deadline placed inside the approach goes without it rather than take it there."""
    monkeypatch.setenv(firing.TRACE_ENV, "/dev/null")
    clock = ManualClock(0.0)
    looked_at: list[float] = []  # time left before the hold's start at each look

    def others_times() -> dict[str, ThreadTimes]:
        looked_at.append(deadline - clock.t - HOLD_S)
        return {"loop": ThreadTimes(0.0, 0.0, 0)}

    monkeypatch.setattr(FireScheduler, "_others_times", staticmethod(others_times))

    def sleep_for(seconds: float) -> None:
        clock.t += seconds

    # Placed inside the final stretch: no look before the fire, and none in the trace.
    deadline = HOLD_S + 0.001
    record = _fire_once(*_ordinary(clock, sleep_for), 1, deadline)
    assert record.trace is not None and record.trace.others_run_s is None
    assert all(left < 0 for left in looked_at)  # only the look after the fire, if any

    # Placed within RISE_S: looked at once on the far-off pass, not again on the approach.
    looked_at.clear()
    clock.t = 100.0
    deadline = 100.0 + HOLD_S + (ORDINARY_APPROACH_S + RISE_S) / 2
    looked = threading.Event()

    def others_times_seen() -> dict[str, ThreadTimes]:
        looked.set()
        return others_times()

    monkeypatch.setattr(FireScheduler, "_others_times", staticmethod(others_times_seen))
    scheduler, fired = _ordinary(clock, sleep_for)
    scheduler.schedule(2, deadline)
    assert looked.wait(timeout=5)
    clock.t = deadline - HOLD_S / 2  # into the hold; the same deadline again wakes the thread
    record = _fire_once(scheduler, fired, 2, deadline)
    assert looked_at[0] > ORDINARY_APPROACH_S
    assert len([left for left in looked_at if left >= 0]) == 1
    assert record.trace is not None and record.trace.others_run_s is not None


def test_a_hold_begun_past_the_deadline_is_traced_as_late_not_as_a_spin() -> None:
    clock = ManualClock(50.001)  # the approach ended 1 ms after zero
    slept: list[float] = []

    def sleep_for(seconds: float) -> None:
        slept.append(seconds)
        clock.t += seconds

    record = _fire_once(*_ordinary(clock, sleep_for), 3, 50.0)
    assert record.trace is not None
    assert record.trace.mode == "late"
    assert record.trace.planned_sleep_s == 0.0
    assert slept == [pytest.approx(0.001)]  # the settle time left after zero, nothing before

    clock.t = 60.0 - HOLD_S / 2
    assert _trace(_fire_once(*_ordinary(clock, sleep_for), 4, 60.0)).mode == "hold"
    scheduler, fired = _ordinary(clock, None)
    scheduler._sleep_for = None  # where the OS has no holding sleep: the thread spins
    clock.t = 70.0
    assert _trace(_fire_once(scheduler, fired, 5, 70.0)).mode == "spin"


def test_the_traced_blocked_time_covers_the_same_window_as_the_schedulers_counters(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Parking the loop took 3 ms, all of it queued for a core (as the scheduler counts it):
    the trace must not call that time blocked, nor count it twice (negative blocked time)."""
    clock = ManualClock(80.0 - HOLD_S - 0.002)  # on the approach, 2 ms before the hold
    queued = 0.0

    def thread_times(tid: int | None = None) -> ThreadTimes:
        return ThreadTimes(0.0, queued, 0)

    monkeypatch.setattr(firing, "thread_times", thread_times)

    def quiet(released: threading.Event) -> None:
        nonlocal queued
        clock.t += 0.003
        queued += 0.003

    def sleep_for(seconds: float) -> None:
        clock.t += seconds

    trace = _trace(_fire_once(*_ordinary(clock, sleep_for, quiet=quiet), 6, 80.0))
    assert trace.queued_s == pytest.approx(0.003)
    assert trace.planned_sleep_s == pytest.approx(HOLD_S - 0.001)
    assert trace.blocked_s == pytest.approx(0.0, abs=1e-9)


@pytest.mark.skipif(holding_sleeper() is None, reason="libc through ctypes is Linux's here")
def test_proc_reads_on_the_approach_keep_other_python_threads_out() -> None:
    """Python's own file reads let go of the interpreter lock at every call: on the approach
    another thread could take it, and the firing thread wait to get it back."""
    assert firing.thread_times() is not None and firing.context_switches() is not None
    assert not cuts_in_during(lambda: (firing.thread_times(), firing.context_switches()))


def test_at_ordinary_priority_the_approach_begins_earlier_and_the_hold_does_not() -> None:
    """An ordinary thread's timed wake-ups may end tens of milliseconds late on a loaded
    machine: it parks the loop ORDINARY_APPROACH_S before the hold. The hold (the lock kept
    through a kernel sleep, the audio callback shut out) stays HOLD_S."""
    assert firing._final_stretch(True, realtime=False) == HOLD_S
    assert firing._approach_s(False) == ORDINARY_APPROACH_S > firing._approach_s(True)

    # Inside the ordinary approach (outside real-time's): the loop is parked at once.
    clock = ManualClock(60.0 - HOLD_S - ORDINARY_APPROACH_S / 2)
    parked = threading.Event()
    scheduler, _ = _ordinary(clock, lambda s: None, quiet=lambda released: parked.set())
    scheduler.schedule(2, 60.0)
    assert parked.wait(timeout=5)
    scheduler.close()


def test_the_far_off_wait_is_measured_again_after_a_slow_preparation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The preparation (the trace's look at the other threads) took up to 100 ms on a loaded
    machine: the wait that follows it must end at the approach, not that much later."""
    monkeypatch.setenv(firing.TRACE_ENV, "/dev/null")
    clock = ManualClock(10.0)
    deadline = 10.0 + HOLD_S + 0.2  # inside RISE_S: this pass prepares

    def slow_others_times() -> dict[str, ThreadTimes]:
        clock.t += 0.1
        return {}

    monkeypatch.setattr(FireScheduler, "_others_times", staticmethod(slow_others_times))
    timeouts: list[float] = []
    waited = threading.Event()

    class RecordingCondition(threading.Condition):
        def wait(self, timeout: float | None = None) -> bool:
            if timeout is not None and threading.current_thread().name == "countdown-fire":
                timeouts.append(timeout)
                waited.set()
            return super().wait(timeout)

    monkeypatch.setattr(threading, "Condition", RecordingCondition)  # the scheduler's own
    scheduler, _ = _ordinary(clock, lambda s: None)
    scheduler.schedule(1, deadline)
    assert waited.wait(timeout=5)
    scheduler.close()
    assert timeouts[0] == pytest.approx(0.2 - 0.1 - ORDINARY_APPROACH_S)
