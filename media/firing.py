"""Firing at the deadline: a dedicated thread on the monotonic clock.

Not the GUI thread, not the asyncio loop: both can be busy for tens of milliseconds. The thread
sleeps until shortly before the deadline, then waits out the rest precisely: at real-time
priority it spins on the clock; at ordinary priority it takes the interpreter lock a few
milliseconds early and sleeps to the deadline in the kernel while keeping it (Linux), so no other
Python thread of the process can be in its way at zero. The deadline may be refined while it
waits (newer clock estimates); an abort cancels it.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from media.clock import Clock

log = logging.getLogger(__name__)

# At real-time priority the last stretch is spun, not slept: a timed wait wakes ~0.05-0.1 ms
# late (timer slack, a virtual CPU's wake-up), more on a busy machine. A real-time (FIFO)
# thread is never time-sliced, so one that spins would keep every other spinner off its core:
# eleven venues on the two cores of the benchmark machine fired one after another, up to a
# millisecond late. A real-time spinner therefore yields on every turn (sched_yield puts it
# behind the other spinners of its priority), and each looks at its clock every few microseconds.
SPIN_S = 0.0005
REALTIME_SPIN_S = 0.001
SPIN_SWITCH_INTERVAL_S = 0.00005
APPROACH_S = 0.02
REALTIME_PRIORITY = 10
# At ordinary priority nothing was spun at all: measured with eleven venue processes on two
# cores, the thread came back from its timed wait 0.3-6.5 ms after the deadline, neither running
# nor queued for a core most of that time: it was waiting for the interpreter lock, held by
# another thread of its process that the OS had itself put aside (the audio callback, the loop
# before it parked). So the lock is taken HOLD_S early, with room for that wait, and kept
# through a sleep in the kernel to the deadline (clock_nanosleep on an absolute time, 1 ns of
# timer slack instead of 50 us). The other threads wait those few milliseconds: the loop and the
# GUI are parked anyway, and the audio callback has 40 ms of sound queued.
HOLD_S = 0.005
# Waking at zero, an ordinary thread may still find both cores busy. Linux's EEVDF scheduler
# (6.12 on) lets a waking thread with a shorter time slice than the running one preempt it, and
# any user may shorten their own thread's slice (unlike real-time priority): the firing thread
# asks for the shortest, 0.1 ms. It is asleep nearly all the time, so it costs nothing else.
SHORT_SLICE_S = 0.0001
EARLY_S = 0.002  # a timed wait that ended this much earlier than planned is looked at again
TIMER_SLACK_NS = 1


def enter_realtime(priority: int = REALTIME_PRIORITY) -> bool:
    """Real-time priority for this thread alone, for the last milliseconds before zero.

    Where the OS allows it (Linux with CAP_SYS_NICE, or an rtprio limit), no ordinary thread of
    any process can delay the firing any more; elsewhere it quietly stays ordinary.
    """
    if not hasattr(os, "sched_setscheduler"):
        return False
    try:
        # pid 0 is the calling thread on Linux.
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(priority))
    except (OSError, PermissionError):
        return False
    return True


def _leave_realtime(was_set: bool) -> None:
    if was_set:
        with contextlib.suppress(OSError):
            os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
        ask_short_slice()  # the change of policy reset it


class _SchedAttr(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_uint32),
        ("sched_policy", ctypes.c_uint32),
        ("sched_flags", ctypes.c_uint64),
        ("sched_nice", ctypes.c_int32),
        ("sched_priority", ctypes.c_uint32),
        ("sched_runtime", ctypes.c_uint64),
        ("sched_deadline", ctypes.c_uint64),
        ("sched_period", ctypes.c_uint64),
    ]


_SCHED_SETATTR = {"x86_64": 314, "aarch64": 274}  # the syscall's number; glibc 2.36 has no wrapper


def ask_short_slice(slice_s: float = SHORT_SLICE_S) -> bool:
    """A shorter time slice for the calling thread, at ordinary priority and its own nice value
    (see SHORT_SLICE_S); False where the OS has no such request or refuses it."""
    number = _SCHED_SETATTR.get(os.uname().machine) if sys.platform.startswith("linux") else None
    if number is None:
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        nice = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())  # this thread's
    except (OSError, AttributeError):
        return False
    attr = _SchedAttr(
        size=ctypes.sizeof(_SchedAttr),
        sched_policy=os.SCHED_OTHER,
        sched_nice=nice,
        sched_runtime=int(slice_s * 1e9),
    )
    return int(libc.syscall(number, 0, ctypes.byref(attr), 0)) == 0


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


SleepFor = Callable[[float], None]


def holding_sleeper() -> SleepFor | None:
    """A sleep that keeps the interpreter lock, to an absolute CLOCK_MONOTONIC time, with this
    thread's timer slack cut to 1 ns (Linux); None where there is none (the caller spins)."""
    if not sys.platform.startswith("linux") or not hasattr(time, "CLOCK_MONOTONIC"):
        return None
    try:
        # PyDLL, not CDLL: ctypes then keeps the interpreter lock through the call.
        libc = ctypes.PyDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        nanosleep = libc.clock_nanosleep
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    nanosleep.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.POINTER(_Timespec), ctypes.c_void_p]
    nanosleep.restype = ctypes.c_int
    clock_id, abstime, eintr, pr_set_timerslack = time.CLOCK_MONOTONIC, 1, 4, 29
    slack_set: set[int] = set()

    def sleep_for(seconds: float) -> None:
        if threading.get_ident() not in slack_set:  # per thread; the firing thread's alone
            prctl(pr_set_timerslack, TIMER_SLACK_NS, 0, 0, 0)
            slack_set.add(threading.get_ident())
        target = time.monotonic() + seconds
        whole = int(target)
        spec = _Timespec(whole, int((target - whole) * 1e9))
        # An absolute time: a signal (EINTR) only resumes the same sleep.
        while nanosleep(clock_id, abstime, ctypes.byref(spec), None) == eintr:
            pass

    return sleep_for


@dataclass(frozen=True)
class FireRecord:
    arm_id: int
    deadline_local: float
    fired_local: float  # the venue clock when it fired
    fired_true: float  # the host's monotonic clock at the same instant


class FireScheduler:
    """One pending deadline at a time, fired from its own thread."""

    def __init__(
        self,
        clock: Clock,
        on_fire: Callable[[FireRecord], None],
        true_clock: Clock = time.monotonic,
        quiet: Callable[[threading.Event], None] | None = None,
        *,
        realtime: bool = True,
        sleep_for: SleepFor | None = None,
    ) -> None:
        """`quiet(released)` is called on the final approach to park other Python threads
        (the event loop) until `released` is set just after firing: while they wait they hold
        no interpreter lock this thread could have to wait for at zero. `sleep_for(seconds)`:
        the ordinary-priority final wait, keeping the interpreter lock (default: the kernel's,
        where there is one; without it the thread spins the last SPIN_S)."""
        self._quiet = quiet
        self._sleep_for = sleep_for if sleep_for is not None else holding_sleeper()
        self._allow_realtime = realtime  # False: as an ordinary user install runs
        self._clock = clock
        self._true_clock = true_clock
        self._on_fire = on_fire
        self._cond = threading.Condition()
        self._arm_id: int | None = None
        self._deadline: float | None = None
        self._stopping = False
        self._realtime = False  # learnt at the first approach: whether the OS grants it
        self._thread = threading.Thread(target=self._run, name="countdown-fire", daemon=True)
        self._thread.start()

    def schedule(self, arm_id: int, deadline_local: float) -> None:
        """Set or move the deadline of `arm_id` (a newer arm replaces an older one)."""
        with self._cond:
            self._arm_id, self._deadline = arm_id, deadline_local
            self._cond.notify()

    def cancel(self, arm_id: int) -> None:
        with self._cond:
            if self._arm_id == arm_id:
                self._arm_id, self._deadline = None, None
                self._cond.notify()

    def close(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify()
        self._thread.join(timeout=2)

    def _run(self) -> None:
        previous_interval = sys.getswitchinterval()
        ask_short_slice()
        try:
            while self._step(previous_interval):
                pass
        finally:
            sys.setswitchinterval(previous_interval)

    def _lead(self) -> float:
        """How long before the deadline the timed wait ends and the precise wait begins."""
        if self._realtime:
            return REALTIME_SPIN_S
        return HOLD_S if self._sleep_for is not None else SPIN_S

    def _step(self, normal_interval: float) -> bool:
        """One pass: wait for, approach or fire the deadline. False when closing."""
        with self._cond:
            while not self._stopping and self._deadline is None:
                sys.setswitchinterval(normal_interval)
                self._cond.wait()
            if self._stopping:
                return False
            assert self._deadline is not None and self._arm_id is not None
            arm_id, deadline = self._arm_id, self._deadline
            wait = deadline - self._clock() - self._lead()
            if wait > APPROACH_S:
                # Far off: sleep (woken early by a refinement or an abort), then look again.
                self._cond.wait(timeout=min(wait - APPROACH_S, 0.5))
                return True
            # Final approach. From here this thread needs the GIL at once whenever it wakes:
            # with the default 5 ms switch interval a codec thread could hold it past zero.
            sys.setswitchinterval(SPIN_SWITCH_INTERVAL_S)
            realtime = enter_realtime() if self._allow_realtime else False
            if realtime and not self._realtime:
                self._realtime = True  # a shorter spin from now on; look again with it
                _leave_realtime(realtime)
                return True
            released = threading.Event()
            if self._quiet is not None:
                self._quiet(released)
            if wait > 0:
                self._cond.wait(timeout=wait)
                if (
                    self._arm_id != arm_id
                    or self._deadline != deadline
                    or deadline - self._clock() > self._lead() + EARLY_S
                ):
                    # Moved, aborted, or woken early (the same deadline set again): look again,
                    # rather than hold the interpreter lock longer than planned.
                    released.set()
                    _leave_realtime(realtime)
                    return True
        now = self._clock()
        if not realtime and self._sleep_for is not None and now < deadline:
            # Holding the interpreter lock from here to the deadline (see HOLD_S).
            self._sleep_for(deadline - now)
            now = self._clock()
        while now < deadline:  # real-time; or the last microseconds after the sleep
            if realtime:
                os.sched_yield()
            now = self._clock()
        true_now = self._true_clock()
        released.set()
        _leave_realtime(realtime)
        sys.setswitchinterval(normal_interval)
        with self._cond:
            if self._arm_id != arm_id or self._deadline != deadline:
                return True  # moved or aborted during the spin; take the new deadline
            self._arm_id, self._deadline = None, None
        record = FireRecord(arm_id, deadline, now, true_now)
        try:
            self._on_fire(record)
        except Exception:
            log.exception("fire callback failed")
        return True


# ---- several venues of one process, one firing thread ------------------------------------------

# Deadlines this close after the first are fired in the same pass, the loop parked once for all
# of them: a process's venues reach zero within their clock bounds of each other (milliseconds).
GROUP_SPAN_S = 0.02
# The thread turns real-time and asks the loop to park this long before the first deadline of a
# pass (a FireScheduler: APPROACH_S). Measured with 100 light venues on a loaded machine (load
# 30-40): a whole process fired 30-400 ms late. Its thread woke late from an ordinary timed
# wait, or found the lock held by the loop thread, itself waiting for a core; one late wake
# delays every venue of the process. So the wait before zero is real-time, and the loop has time
# to be scheduled once and park (it then waits up to PARK_MAX_S per venue, venue_countdown).
GROUP_APPROACH_S = 0.2


class FireSlot:
    """One venue's deadline in a `FireGroup`: the same calls as a `FireScheduler`."""

    def __init__(
        self,
        group: FireGroup,
        clock: Clock,
        on_fire: Callable[[FireRecord], None],
        quiet: Callable[[threading.Event], None] | None,
    ) -> None:
        self.clock = clock
        self.on_fire = on_fire
        self.quiet = quiet
        self.arm_id: int | None = None
        self.deadline: float | None = None
        self._group = group

    def schedule(self, arm_id: int, deadline_local: float) -> None:
        """Set or move this venue's deadline (a newer arm replaces an older one)."""
        self._group._set(self, arm_id, deadline_local)

    def cancel(self, arm_id: int) -> None:
        self._group._cancel(self, arm_id)

    def close(self) -> None:
        self._group._remove(self)


@dataclass(frozen=True)
class _Due:
    slot: FireSlot
    arm_id: int
    deadline: float
    remaining: float  # on the slot's clock, read at one moment for all slots


class FireGroup:
    """One firing thread for all the venues of a process, each on its own clock and with its
    own deadline (the scale benchmark's light venues, ten to a process).

    Ten `FireScheduler`s in one interpreter are ten threads that want the interpreter lock at the
    same instant: each waits on the others, and the venues fired up to 20 ms apart. This thread
    takes the deadlines in order instead: it approaches the first as `FireScheduler` does (the
    loop parked, the lock held through a kernel sleep to the deadline), then each later one of
    the pass in turn, reading each venue's own clock, and hands the records over afterwards."""

    def __init__(
        self,
        true_clock: Clock = time.monotonic,
        *,
        realtime: bool = False,
        sleep_for: SleepFor | None = None,
        span_s: float = GROUP_SPAN_S,
    ) -> None:
        self._true_clock = true_clock
        self._allow_realtime = realtime
        self._sleep_for = sleep_for if sleep_for is not None else holding_sleeper()
        self._span_s = span_s
        self._cond = threading.Condition()
        self._slots: list[FireSlot] = []
        self._stopping = False
        self._realtime = False  # learnt at the first approach, as FireScheduler does
        self._thread = threading.Thread(target=self._run, name="countdown-fire-group", daemon=True)
        self._thread.start()

    def slot(
        self,
        clock: Clock,
        on_fire: Callable[[FireRecord], None],
        quiet: Callable[[threading.Event], None] | None = None,
    ) -> FireSlot:
        slot = FireSlot(self, clock, on_fire, quiet)
        with self._cond:
            self._slots.append(slot)
        return slot

    def close(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify()
        self._thread.join(timeout=2)

    def _set(self, slot: FireSlot, arm_id: int, deadline: float) -> None:
        with self._cond:
            slot.arm_id, slot.deadline = arm_id, deadline
            self._cond.notify()

    def _cancel(self, slot: FireSlot, arm_id: int) -> None:
        with self._cond:
            if slot.arm_id == arm_id:
                slot.arm_id, slot.deadline = None, None
                self._cond.notify()

    def _remove(self, slot: FireSlot) -> None:
        with self._cond:
            if slot in self._slots:
                self._slots.remove(slot)
            slot.arm_id, slot.deadline = None, None
            self._cond.notify()

    def _run(self) -> None:
        previous_interval = sys.getswitchinterval()
        ask_short_slice()
        try:
            while self._step(previous_interval):
                pass
        finally:
            sys.setswitchinterval(previous_interval)

    def _lead(self) -> float:
        """The final stretch before the first deadline: slept holding the interpreter lock (at
        real-time priority too: one thread cannot wait on the lock of another of its own)."""
        if self._sleep_for is not None:
            return HOLD_S
        return REALTIME_SPIN_S if self._realtime else SPIN_S

    def _due(self) -> list[_Due]:
        """The armed slots, soonest first (the lock held)."""
        due = [
            _Due(s, s.arm_id, s.deadline, s.deadline - s.clock())
            for s in self._slots
            if s.arm_id is not None and s.deadline is not None
        ]
        return sorted(due, key=lambda d: d.remaining)

    def _step(self, normal_interval: float) -> bool:
        """One pass: wait for the first deadline, or fire it and those just after it."""
        with self._cond:
            due = self._due()
            while not self._stopping and not due:
                sys.setswitchinterval(normal_interval)
                self._cond.wait()
                due = self._due()
            if self._stopping:
                return False
            first = due[0]
            wait = first.remaining - self._lead()
            if wait > GROUP_APPROACH_S:
                self._cond.wait(timeout=min(wait - GROUP_APPROACH_S, 0.5))
                return True
            sys.setswitchinterval(SPIN_SWITCH_INTERVAL_S)
            realtime = enter_realtime() if self._allow_realtime else False
            self._realtime = self._realtime or realtime
            batch = [d for d in due if d.remaining <= first.remaining + self._span_s]
            released = threading.Event()
            for quiet in {id(d.slot.quiet): d.slot.quiet for d in batch}.values():
                if quiet is not None:
                    quiet(released)
            if wait > 0:
                self._cond.wait(timeout=wait)
                if (
                    any(d.slot.arm_id != d.arm_id or d.slot.deadline != d.deadline for d in batch)
                    or first.deadline - first.slot.clock() > self._lead() + EARLY_S
                ):
                    released.set()
                    _leave_realtime(realtime)
                    return True
        fired: list[tuple[FireSlot, FireRecord]] = []
        for d in batch:  # in deadline order; each on its own venue's clock
            now = d.slot.clock()
            if self._sleep_for is not None and now < d.deadline:
                self._sleep_for(d.deadline - now)
                now = d.slot.clock()
            while now < d.deadline:
                if realtime:
                    os.sched_yield()
                now = d.slot.clock()
            fired.append((d.slot, FireRecord(d.arm_id, d.deadline, now, self._true_clock())))
        released.set()
        _leave_realtime(realtime)
        sys.setswitchinterval(normal_interval)
        with self._cond:
            kept = []
            for slot, record in fired:
                if slot.arm_id == record.arm_id and slot.deadline == record.deadline_local:
                    slot.arm_id, slot.deadline = None, None
                    kept.append((slot, record))
                # else moved or aborted meanwhile: the next pass takes the new deadline
        for slot, record in kept:
            try:
                slot.on_fire(record)
            except Exception:
                log.exception("fire callback failed")
        return True
