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
import functools
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from media.clock import Clock, HostOf, same_clock
from media.cpu_awake import hold_cpus_awake

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
FAR_WAIT_MAX_S = 0.5  # the far-off wait looks at the clock again at least this often
# The thread rises to real-time priority this long before the final approach, not at it: an
# ordinary thread's timed wait on a loaded machine ended 20-130 ms late (fire trace, load 35),
# past zero, before it could ask for anything. Asleep at real-time priority it costs nothing.
RISE_S = 0.25
# The same moment prepares the fire trace (TRACE_ENV): its look at the process's other threads
# is a dozen /proc reads, each letting go of the interpreter lock. Taken on the final approach
# instead (wherever the far-off wait happened to end, about every other fire), it stretched
# ordinary threads' approaches on a loaded machine (plain benchmark, --no-realtime: 4.4 ms
# median before, 1.6 after). So the far-off wait always ends once at RISE_S (_far_wait_s).

# Below the sound server's own real-time threads (PulseAudio's default is 5, PipeWire's through
# RTKit 20 and up): the siren is heard only when the server mixes it, and a venue whose loop and
# firing thread outranked the server's mixing thread starved it around zero on a loaded machine.
# Any real-time priority still outranks every ordinary thread, which is all the firing needs.
REALTIME_PRIORITY = 2
# At ordinary priority nothing was spun at all: measured with eleven venue processes on two
# cores, the thread came back from its timed wait 0.3-6.5 ms after the deadline, neither running
# nor queued for a core most of that time: it was waiting for the interpreter lock, held by
# another thread of its process that the OS had itself put aside (the audio callback, the loop
# before it parked). So the lock is taken HOLD_S early, with room for that wait, and kept
# through a sleep in the kernel to the deadline (clock_nanosleep on an absolute time, 1 ns of
# timer slack instead of 50 us). The other threads wait those few milliseconds: the loop and the
# GUI are parked anyway, and the audio callback has 40 ms of sound queued.
HOLD_S = 0.005
# At ordinary priority the final approach starts earlier. In the audible benchmark (load 10-12
# on two cores; --no-realtime, 2026-12-01) an ordinary thread's timed wake-ups ended up to tens
# of milliseconds late, and a thread that began its approach 25 ms before zero could reach the
# hold past it. From 55 ms before zero the loop (and the GUI) are parked, so at the hold's
# wake-up the interpreter lock is free but for the audio callback's turns. The hold itself stays
# HOLD_S: held 15 ms (and the settle time), the audio callback, blocked for it, lost sound: the
# sirens heard at the audio server spread 16-180 ms in 7 of 10 trials (decisions within 1-6 ms).
ORDINARY_APPROACH_S = 0.05
# The audio thread of the speaker's own PulseAudio stream is kept out of Python from this long
# before zero to the end of the settle time (its main loop's lock held by this thread). At
# ordinary priority it had taken the interpreter lock just before the hold and been put aside by
# the OS holding it, and the firing thread waited 5.9 ms for it (audible benchmark,
# --no-realtime, 2026-12-02). At real-time priority it outranks the firing thread (the sound
# must not starve), and eleven venues' audio threads on two cores kept nine firing threads
# queued for a core 1.3-3.1 ms around zero: decisions 1.1-1.3 ms late together (fresh clone,
# 2026-12-02). Held, they take no core then. Taken this early, a callback that is running then
# still has 10 ms to finish before the hold; short enough that the 40 ms the stream holds keep
# it playing meanwhile (the siren's first samples are already in it).
AUDIO_HOLD_S = 0.015
# Waking at zero, an ordinary thread may still find both cores busy. Linux's EEVDF scheduler
# (6.12 on) lets a waking thread with a shorter time slice than the running one preempt it, and
# any user may shorten their own thread's slice (unlike real-time priority): the firing thread
# asks for the shortest, 0.1 ms. It is asleep nearly all the time, so it costs nothing else.
SHORT_SLICE_S = 0.0001
# Once the hold has begun, the interpreter lock must not be taken from this thread before the
# fire: CPython makes a thread that has waited one switch interval for the lock ask its holder to
# drop it, and the holder drops it at its next bytecode -- which, after the sleep, is at zero.
# Measured (fire trace): the audio callback, blocked during the hold, took the lock at the deadline
# and the firing thread waited for it to finish. During the hold the interval is set longer than
# the hold and the settle time together, so a thread that starts waiting then cannot cut in.
HOLD_SWITCH_INTERVAL_S = 0.02
# After firing, the process keeps quiet (the lock held, the loop parked) while sibling venues'
# deadlines may still be coming: the work that follows a fire (the loop's backlog, the report,
# the audio callback's catch-up) would otherwise take the two shared cores from venues whose
# deadline is a few hundred microseconds later. Sibling deadlines lie within about this venue's
# own clock bound of its own; the settle time is that bound, kept within these limits.
SETTLE_MIN_S = 0.001
SETTLE_MAX_S = 0.004
EARLY_S = 0.002  # a timed wait that ended this much earlier than planned is looked at again
TIMER_SLACK_NS = 1
# Diagnostics (the benchmarks set it): a file the venue appends each fire's trace to, as a JSON
# line; the trace then also says what the process's other threads ran while this one waited.
TRACE_ENV = "CEREMONY_FIRE_TRACE"


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


# The threads that may hold the interpreter lock when the firing thread asks for it (the event
# loop) rise with it, one step below: an ordinary thread holding the lock on a loaded machine
# waited 10-40 ms for a core (fire trace, load 36) while the real-time firing thread waited for
# the lock -- priority inversion, which the interpreter lock has no inheritance against.
NEIGHBOUR_PRIORITY = REALTIME_PRIORITY - 1


@dataclass(frozen=True)
class _Policy:
    tid: int
    policy: int
    priority: int


def raise_threads(tids: Iterable[int], priority: int = NEIGHBOUR_PRIORITY) -> list[_Policy]:
    """Real-time priority for other threads of this process (by native id), where allowed;
    what they had before, to put back (restore_threads)."""
    raised: list[_Policy] = []
    if not hasattr(os, "sched_setscheduler"):
        return raised
    for tid in tids:
        try:
            before = _Policy(tid, os.sched_getscheduler(tid), os.sched_getparam(tid).sched_priority)
            os.sched_setscheduler(tid, os.SCHED_FIFO, os.sched_param(priority))
        except OSError:  # not allowed, or the thread has gone
            continue
        raised.append(before)
    return raised


def restore_threads(raised: list[_Policy]) -> None:
    for before in raised:
        with contextlib.suppress(OSError):
            os.sched_setscheduler(before.tid, before.policy, os.sched_param(before.priority))


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


def settle_after(bound_s: float | None) -> float:
    """How long the process stays quiet after firing, for a clock bound (see SETTLE_MIN_S)."""
    if bound_s is None:
        return SETTLE_MIN_S
    return min(SETTLE_MAX_S, max(SETTLE_MIN_S, bound_s))


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


def holding_yield() -> Callable[[], None]:
    """sched_yield keeping the interpreter lock (os.sched_yield releases it: another thread of the
    process may take it, and one at ordinary priority can then be kept off every core by other
    processes' real-time spinners while this one waits for the lock back)."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.PyDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            yield_now = libc.sched_yield
        except (OSError, AttributeError):
            return os.sched_yield
        yield_now.argtypes = []
        yield_now.restype = ctypes.c_int

        def yield_keeping_lock() -> None:
            yield_now()

        return yield_keeping_lock
    return getattr(os, "sched_yield", lambda: None)


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
class ThreadTimes:
    """One thread's account from the scheduler (/proc/.../schedstat): time on a core, time
    runnable but waiting for one, and how many times it was put on a core."""

    run_s: float
    queued_s: float
    slices: int


@functools.cache
def _libc_keeping_lock() -> ctypes.PyDLL | None:
    """libc through PyDLL: its calls keep the interpreter lock (Linux; None elsewhere)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.PyDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None


# Reading a small /proc file with Python's own open() lets go of the interpreter lock three
# times (open, read, close). On the final approach each let-go is a hand-over: another thread
# (the audio callback, the loop) takes the lock, and an ordinary thread waiting to get it back
# then queues for a core on a loaded machine: 10-20 ms of approach in the audible benchmark at
# ordinary priority (fire trace, 2026-12-01). These files are in memory and read in
# microseconds, so they are read keeping the lock.
_PROC_READ_MAX = 4096


def read_proc(path: str) -> str | None:
    """A small /proc file's text, read keeping the interpreter lock where possible; None if it
    cannot be read."""
    libc = _libc_keeping_lock()
    if libc is None:
        try:
            with open(path, encoding="ascii") as f:
                return f.read()
        except OSError:
            return None
    fd = int(libc.open(path.encode(), os.O_RDONLY | os.O_CLOEXEC))
    if fd < 0:
        return None
    buf = ctypes.create_string_buffer(_PROC_READ_MAX)
    try:
        got = 0
        while got < _PROC_READ_MAX:
            n = int(libc.read(fd, ctypes.byref(buf, got), ctypes.c_size_t(_PROC_READ_MAX - got)))
            if n <= 0:
                break
            got += n
    finally:
        libc.close(fd)
    return buf.raw[:got].decode("ascii", "replace")


def thread_times(tid: int | None = None) -> ThreadTimes | None:
    """The calling thread's (or thread `tid` of this process's) scheduler account; None where
    the kernel does not keep one."""
    path = "/proc/thread-self/schedstat" if tid is None else f"/proc/self/task/{tid}/schedstat"
    text = read_proc(path)
    try:
        run, queued, slices = (text or "").split()[:3]
    except ValueError:
        return None
    return ThreadTimes(int(run) / 1e9, int(queued) / 1e9, int(slices))


def context_switches() -> tuple[int, int] | None:
    """The calling thread's (voluntary, involuntary) context switches: a wait for a lock or a
    sleep is voluntary, a preemption involuntary."""
    text = read_proc("/proc/thread-self/status")
    try:
        fields = dict(
            line.split(":", 1) for line in (text or "").splitlines() if "ctxt_switches" in line
        )
        return int(fields["voluntary_ctxt_switches"]), int(fields["nonvoluntary_ctxt_switches"])
    except (KeyError, ValueError):
        return None


def _other_threads() -> dict[int, str]:
    """This process's other threads by id, named where Python knows them (C threads such as
    the sound library's are named by the OS: `comm`)."""
    own = threading.get_native_id()
    named = {t.native_id: t.name for t in threading.enumerate() if t.native_id is not None}
    out: dict[int, str] = {}
    try:
        tids = [int(t) for t in os.listdir("/proc/self/task")]
    except OSError:
        return out
    for tid in tids:
        if tid == own:
            continue
        if tid in named:
            out[tid] = named[tid]
            continue
        comm = read_proc(f"/proc/self/task/{tid}/comm")
        if comm is not None:
            out[tid] = f"{comm.strip()}[{tid}] (no Python name)"
    return out


@dataclass(frozen=True)
class FireTrace:
    """How the firing thread spent its last stretch, for the benchmark's account of lateness.

    Seconds. The window runs from the final approach's first reads to the end of the settle
    time: `run_s`/`queued_s` are the scheduler's for this thread (on a core; runnable but
    waiting for one); `blocked_s` is the rest beyond the planned waits (the timed wait, the
    hold's sleep, the settle): neither on a core nor queued for one, i.e. waiting for the
    interpreter lock (or a timer that fired late). `others_run_s`: what this process's other
    threads ran from RISE_S before the deadline to the end of the settle (only when traced to a
    file: TRACE_ENV)."""

    # "realtime" (spin), "hold" (a sleep keeping the lock), "spin" (no such sleep), "late" (the
    # hold began past the deadline: nothing left to sleep or spin; look at approach_setup_s)
    mode: str
    woke_late_s: float  # the timed wait's end against its plan (the interpreter lock included)
    approach_setup_s: float  # from deciding on the final approach to starting its timed wait
    approach_wait_s: float  # the timed wait as planned when it started
    planned_sleep_s: float  # the hold's sleep
    settle_s: float  # the settle sleep after the fire
    precise_s: float  # the timed wait's end -> fire
    run_s: float | None
    queued_s: float | None
    blocked_s: float | None
    max_gap_s: float  # the longest stretch between two clock reads after the sleep
    waits: int | None  # voluntary switches: each sleep is one, each lock wait one more
    preempted: int | None  # involuntary ones: another thread took its core
    switch_interval_s: float  # through the hold
    others_run_s: dict[str, float] | None = None
    audio_hold_s: float | None = None  # waited for the audio thread's lock (AUDIO_HOLD_S)
    cpus_awake: bool = False  # the CPUs were kept from deep idle (media.cpu_awake)
    next_read_s: float | None = None  # the decision's clock reading -> the next one


@dataclass(frozen=True)
class FireRecord:
    arm_id: int
    deadline_local: float
    fired_local: float  # the venue clock when it fired
    fired_true: float  # the host's monotonic clock at the same instant (`HostOf` the reading)
    trace: FireTrace | None = None


def _final_stretch(holds_lock: bool, realtime: bool) -> float:
    """How long before a deadline the timed wait ends and the precise wait begins: where the
    interpreter lock can be slept on, it is taken HOLD_S early and held (at real-time priority
    too: one thread cannot wait on the lock of another of its own); else the spin's length."""
    if holds_lock:
        return HOLD_S
    return REALTIME_SPIN_S if realtime else SPIN_S


def _approach_s(realtime: bool) -> float:
    """How long before the final stretch the final approach starts (see ORDINARY_APPROACH_S)."""
    return APPROACH_S if realtime else ORDINARY_APPROACH_S


def _mode(realtime: bool, holds_lock: bool, late_to_hold: bool) -> str:
    """The fire trace's name for how the last stretch was waited out (FireTrace.mode)."""
    if realtime:
        return "realtime"
    if not holds_lock:
        return "spin"
    return "late" if late_to_hold else "hold"


def _far_wait_s(wait: float, approach_s: float) -> float:
    """How long the far-off wait sleeps, `wait` before the final stretch: to RISE_S before it
    first (the pass that prepares, see RISE_S), then to the start of the final approach
    (`approach_s` before it), at most FAR_WAIT_MAX_S at a time."""
    target = RISE_S if wait > RISE_S else approach_s
    return min(wait - target, FAR_WAIT_MAX_S)


def _hold_quietly(hold: Callable[[], Callable[[], None] | None]) -> Callable[[], None] | None:
    """`hold()` (the audio thread, the CPUs), whose failure must not stop the fire."""
    try:
        return hold()
    except Exception:
        log.exception("a hold before zero failed; firing without it")
        return None


class _Hold:
    """A hold (the CPUs kept awake) taken at most once until let go; its failure never stops
    the fire (`_hold_quietly`)."""

    def __init__(self, hold: Callable[[], Callable[[], None] | None]) -> None:
        self._hold = hold
        self._let_go: Callable[[], None] | None = None

    @property
    def held(self) -> bool:
        return self._let_go is not None

    def take(self) -> None:
        if self._let_go is None:
            self._let_go = _hold_quietly(self._hold)

    def let_go(self) -> None:
        let_go, self._let_go = self._let_go, None
        if let_go is not None:
            let_go()


def _run_firing_thread(step: Callable[[float], bool]) -> None:
    """A firing thread's life: `step(normal switch interval)` until it says stop; the
    interpreter's switch interval is put back however it ends."""
    previous_interval = sys.getswitchinterval()
    ask_short_slice()
    try:
        while step(previous_interval):
            pass
    finally:
        sys.setswitchinterval(previous_interval)


class FireScheduler:
    """One pending deadline at a time, fired from its own thread."""

    def __init__(
        self,
        clock: Clock,
        on_fire: Callable[[FireRecord], None],
        true_of: HostOf = same_clock,
        quiet: Callable[[threading.Event], None] | None = None,
        *,
        realtime: bool = True,
        sleep_for: SleepFor | None = None,
        yield_now: Callable[[], None] | None = None,
        neighbours: Callable[[], Iterable[int]] | None = None,
        hold_audio: Callable[[], Callable[[], None] | None] | None = None,
        hold_cpus: Callable[[], Callable[[], None] | None] = hold_cpus_awake,
    ) -> None:
        """`quiet(released)` is called on the final approach to park other Python threads
        (the event loop) until `released` is set just after firing: while they wait they hold
        no interpreter lock this thread could have to wait for at zero. `sleep_for(seconds)`:
        the ordinary-priority final wait, keeping the interpreter lock (default: the kernel's,
        where there is one; without it the thread spins the last SPIN_S). `yield_now()`: the
        real-time spin's yield, keeping the lock too. `neighbours()`: native ids of threads
        that rise with this one (see NEIGHBOUR_PRIORITY). `hold_audio()`: AUDIO_HOLD_S before
        zero, keeps the audio thread out of Python (and off the cores) and returns what lets it
        go (called by this thread after the settle time), or None when there is nothing to hold.
        `hold_cpus()`: with real-time priority allowed, from its rise to the fall, keeps the
        CPUs from deep idle (media.cpu_awake) and returns what lets them sleep, or None."""
        self._quiet = quiet
        self._cpus = _Hold(hold_cpus)
        self._hold_audio = hold_audio
        self._audio_held: Callable[[], None] | None = None  # what lets the audio thread go
        self._sleep_for = sleep_for if sleep_for is not None else holding_sleeper()
        self._yield_now = yield_now if yield_now is not None else holding_yield()
        self._allow_realtime = realtime  # False: as an ordinary user install runs
        self._clock = clock
        self._true_of = true_of
        self._on_fire = on_fire
        self._cond = threading.Condition()
        self._arm_id: int | None = None
        self._deadline: float | None = None
        self._settle_s = SETTLE_MIN_S
        self._stopping = False
        self._realtime = False  # learnt at the first approach: whether the OS grants it
        self._risen = False  # at real-time priority now (from RISE_S before the deadline)
        self._others_at_rise: dict[str, ThreadTimes] | None = None  # the trace's, see _step
        self._neighbours = neighbours or (lambda: ())
        self._raised: list[_Policy] = []  # neighbours risen with it, and what they had
        # Diagnostics: what the process's other threads ran while this one waited to fire.
        self._trace_others = bool(os.environ.get(TRACE_ENV))
        self._thread = threading.Thread(target=self._run, name="countdown-fire", daemon=True)
        self._thread.start()

    def schedule(self, arm_id: int, deadline_local: float, settle_s: float = SETTLE_MIN_S) -> None:
        """Set or move the deadline of `arm_id` (a newer arm replaces an older one); `settle_s`:
        how long the process keeps quiet after firing (settle_after)."""
        with self._cond:
            self._arm_id, self._deadline = arm_id, deadline_local
            self._settle_s = settle_s
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
        try:
            _run_firing_thread(self._step)
        finally:  # however the thread ends: the CPUs are held across passes
            self._risen = self._fall(self._risen)

    @staticmethod
    def _others_times() -> dict[str, ThreadTimes]:
        out: dict[str, ThreadTimes] = {}
        for tid, name in _other_threads().items():
            times = thread_times(tid)
            if times is not None:
                out[name] = times
        return out

    @staticmethod
    def _others_delta(
        before: dict[str, ThreadTimes], after: dict[str, ThreadTimes]
    ) -> dict[str, float]:
        return {
            name: round(after[name].run_s - t.run_s, 6)
            for name, t in before.items()
            if name in after and after[name].run_s > t.run_s
        }

    def _rise(self) -> bool:
        """Real-time priority for this thread and its neighbours, and the CPUs kept awake;
        whether real-time priority was granted."""
        risen = enter_realtime()
        if risen:
            self._raised = raise_threads(self._neighbours())
        self._cpus.take()
        return risen

    def _prepare(self) -> None:
        """RISE_S before the final approach (see RISE_S), once per deadline: real-time priority
        where allowed, and the trace's look at the other threads."""
        if self._trace_others and self._others_at_rise is None:
            self._others_at_rise = self._others_times()
        if self._allow_realtime and not self._risen:
            self._risen = self._rise()
            self._realtime = self._realtime or self._risen

    def _fall(self, risen: bool) -> bool:
        """Back to ordinary priority if risen, the neighbours too, the CPUs free to sleep; the
        new state (False)."""
        restore_threads(self._raised)
        self._raised = []
        _leave_realtime(risen)
        self._cpus.let_go()
        return False

    def _lead(self) -> float:
        return _final_stretch(self._sleep_for is not None, self._realtime)

    def _moved(self, arm_id: int, deadline: float, before_s: float) -> bool:
        """After a timed wait meant to end `before_s` before zero (the condition's lock held):
        the deadline moved or was aborted, or the wait ended early (woken by the same deadline
        set again)."""
        return (
            self._arm_id != arm_id
            or self._deadline != deadline
            or deadline - self._clock() > before_s + EARLY_S
        )

    def _step(self, normal_interval: float) -> bool:
        """One pass: wait for, approach or fire the deadline. False when closing."""
        try:
            return self._pass(normal_interval)
        finally:
            # A pass that ended anywhere between holding the audio thread and letting it go
            # (an exception) must not leave the speaker silent for the rest of the day.
            if self._audio_held is not None:
                self._let_audio_go()

    def _let_audio_go(self) -> None:
        let_go, self._audio_held = self._audio_held, None
        if let_go is not None:
            let_go()

    def _pass(self, normal_interval: float) -> bool:
        with self._cond:
            while not self._stopping and self._deadline is None:
                sys.setswitchinterval(normal_interval)
                self._risen = self._fall(self._risen)  # cancelled while risen
                self._others_at_rise = None
                self._cond.wait()
            if self._stopping:
                return False
            assert self._deadline is not None and self._arm_id is not None
            arm_id, deadline = self._arm_id, self._deadline
            top = self._clock()
            wait = deadline - top - self._lead()
            if wait > _approach_s(self._realtime):
                if wait <= RISE_S:
                    self._prepare()
                    # Measured again: on a loaded machine the preparation took up to 100 ms
                    # (audible benchmark at ordinary priority), and a wait planned before it
                    # ended that much past the start of the approach.
                    wait = deadline - self._clock() - self._lead()
                # Far off: sleep (woken early by a refinement or an abort), then look again.
                if wait > _approach_s(self._realtime):
                    self._cond.wait(timeout=_far_wait_s(wait, _approach_s(self._realtime)))
                return True
            # Final approach. From here this thread needs the GIL at once whenever it wakes:
            # with the default 5 ms switch interval a codec thread could hold it past zero.
            sys.setswitchinterval(SPIN_SWITCH_INTERVAL_S)
            if not self._risen and self._allow_realtime:
                self._risen = self._rise()
                self._realtime = self._realtime or self._risen
            realtime = self._risen
            # The fire trace's own look (two small reads). Reading /proc lets go of the
            # interpreter lock, so it comes before the loop is woken to park (which would take
            # the lock at each read), and never in the last milliseconds. The look at the other
            # threads was taken RISE_S before (see RISE_S); placed later than that, it is left out.
            measured_from = self._clock()
            switches_before = context_switches()
            before = thread_times()
            others_before = self._others_at_rise
            released = threading.Event()
            if self._quiet is not None:
                self._quiet(released)
            approach_at = self._clock()
            # Measured from now, not from the top: getting here can take milliseconds. Parking
            # the loop wakes it, and sending that wake-up lets go of the interpreter lock; the
            # loop may take it and keep it until it parks -- at ordinary priority, on a loaded
            # machine, 2-18 ms (fire trace). A wait as long as planned at the top then ended
            # that much late, past zero (the real-time lateness of 0.6-1.4 ms in 2026-12-01's run).
            wait = deadline - approach_at - self._lead()
            audio_hold_s: float | None = None
            audio_wait = 0.0  # the timed wait before the audio hold, as planned
            if self._hold_audio is not None and self._sleep_for is not None:
                audio_wait = max(0.0, deadline - AUDIO_HOLD_S - approach_at)
                if audio_wait > 0:
                    self._cond.wait(timeout=audio_wait)
                    if self._moved(arm_id, deadline, AUDIO_HOLD_S):
                        released.set()
                        return True
                held_from = self._clock()
                self._audio_held = _hold_quietly(self._hold_audio)
                audio_hold_s = self._clock() - held_from
                wait = deadline - self._clock() - self._lead()
            if wait > 0:
                self._cond.wait(timeout=wait)
                if self._moved(arm_id, deadline, self._lead()):
                    # Moved, aborted, or woken early (the same deadline set again): look again,
                    # rather than hold the interpreter lock longer than planned.
                    self._let_audio_go()
                    released.set()
                    return True
            settle_s = self._settle_s
        # The interpreter lock is this thread's (the timed wait returned with it): from here to
        # the end of the settle time no other thread of the process may take it (see
        # HOLD_SWITCH_INTERVAL_S).
        if self._sleep_for is not None:
            sys.setswitchinterval(HOLD_SWITCH_INTERVAL_S)
        now = start = self._clock()
        planned_sleep = 0.0
        # Real-time: a sleep keeping the lock to REALTIME_SPIN_S before zero, then the spin (a
        # timed wake-up is ~0.1 ms late); ordinary: the sleep to the deadline itself.
        sleep_until = deadline - (REALTIME_SPIN_S if realtime else 0.0)
        if self._sleep_for is not None and now < sleep_until:
            planned_sleep = sleep_until - now
            self._sleep_for(planned_sleep)
            now = self._clock()
        previous, max_gap = now, 0.0
        # No time left to sleep at ordinary priority: the approach ended past zero.
        late_to_hold = self._sleep_for is not None and not realtime and not planned_sleep
        while now < deadline:  # real-time; or the last microseconds after the sleep
            if realtime:
                self._yield_now()
            now = self._clock()
            max_gap, previous = max(max_gap, now - previous), now
        # The decision's instant on the host's clock, from the reading that made it: a second
        # look after it would add whatever kept this thread from looking again (a core taken
        # away, a virtual CPU descheduled: milliseconds at times here), which is not the
        # firing's lateness; the trace keeps that gap (next_read_s).
        true_now = self._true_of(now)
        next_read = self._clock() - now
        switch_interval = sys.getswitchinterval()
        cpus_awake = self._cpus.held
        settled = 0.0
        if self._sleep_for is not None:
            # Quiet until sibling venues' deadlines have passed (see SETTLE_MIN_S): the loop
            # stays parked and the lock held, so this process takes no core from them.
            settle_left = deadline + settle_s - self._clock()
            if settle_left > 0:
                self._sleep_for(settle_left)
                settled = settle_left
        after = thread_times()
        switches_after = context_switches()
        end = self._clock()
        self._let_audio_go()
        released.set()
        self._risen = self._fall(self._risen)
        sys.setswitchinterval(normal_interval)
        with self._cond:
            if self._arm_id != arm_id or self._deadline != deadline:
                return True  # moved or aborted during the spin; take the new deadline
            self._arm_id, self._deadline = None, None
            self._others_at_rise = None  # the next deadline takes its own
        # The timed waits as planned (the approach's in two parts around the audio hold, whose
        # own wait for the audio thread counts as waiting for a lock, as it is).
        planned = audio_wait + max(0.0, wait) + planned_sleep + settled
        ran = after.run_s - before.run_s if after and before else None
        queued = after.queued_s - before.queued_s if after and before else None
        trace = FireTrace(
            mode=_mode(realtime, self._sleep_for is not None, late_to_hold),
            woke_late_s=start - (deadline - self._lead()),
            approach_setup_s=approach_at - top,
            approach_wait_s=max(0.0, wait),
            planned_sleep_s=planned_sleep,
            settle_s=settled,
            precise_s=now - start,
            run_s=ran,
            queued_s=queued,
            blocked_s=end - measured_from - planned - ran - queued
            if ran is not None and queued is not None
            else None,
            max_gap_s=max_gap,
            waits=switches_after[0] - switches_before[0]
            if switches_after and switches_before
            else None,
            preempted=switches_after[1] - switches_before[1]
            if switches_after and switches_before
            else None,
            switch_interval_s=switch_interval,
            others_run_s=self._others_delta(others_before, self._others_times())
            if others_before is not None
            else None,
            audio_hold_s=audio_hold_s,
            cpus_awake=cpus_awake,
            next_read_s=next_read,
        )
        record = FireRecord(arm_id, deadline, now, true_now, trace)
        try:
            self._on_fire(record)
        except Exception:
            log.exception("fire callback failed")
        return True


# ---- several venues of one process, one firing thread ------------------------------------------

# Deadlines this close after the first are fired in the same pass, the loop parked once for all
# of them: a process's venues reach zero within their clock bounds of each other (milliseconds).
GROUP_SPAN_S = 0.02
# The thread turns real-time this long before the first deadline of a pass, and the loop beside
# it one step below (NEIGHBOUR_PRIORITY), as a venue's own FireScheduler does at RISE_S. Measured
# with 100 light venues on a loaded machine (load 30-40): a whole process fired 30-400 ms late
# when its thread woke late from an ordinary timed wait. Parked 200 ms ahead instead of risen
# (until 2026-12-02), the loop of a busy light process was not always parked at zero: its first
# park ended after PARK_MAX_S, and an ordinary loop holding the interpreter lock while waiting
# for a core kept the real-time thread 5-10 ms past zero, the whole process late together.
# The loop is parked on the final approach (APPROACH_S), once per loop, as a venue's own is.
GROUP_RISE_S = 0.2


class FireSlot:
    """One venue's deadline in a `FireGroup`: the same calls as a `FireScheduler`."""

    def __init__(
        self,
        group: FireGroup,
        clock: Clock,
        on_fire: Callable[[FireRecord], None],
        quiet: Callable[[threading.Event], None] | None,
        neighbours: Callable[[], Iterable[int]] | None = None,
        *,
        true_of: HostOf = same_clock,
    ) -> None:
        self.clock = clock
        self.true_of = true_of
        self.on_fire = on_fire
        self.quiet = quiet
        self.neighbours = neighbours or (lambda: ())
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


def _quiets(batch: list[_Due]) -> list[Callable[[threading.Event], None]]:
    """One park per loop: slots whose lock-holding threads (`neighbours`) are the same share
    one loop, and a second park of it would only begin after the first was released (or, on a
    busy loop, after the first timed out: PARK_MAX_S). Without neighbours, one per callable."""
    chosen: dict[object, Callable[[threading.Event], None]] = {}
    for d in batch:
        if d.slot.quiet is None:
            continue
        tids = tuple(sorted(d.slot.neighbours()))
        chosen.setdefault(tids if tids else id(d.slot.quiet), d.slot.quiet)
    return list(chosen.values())


def _risen_wait(planned_end: float, woke: float, before: ThreadTimes | None) -> list[float]:
    """The trace's account of one timed wait at real-time priority before the final approach:
    [how late it ended, time queued for a core, time on one] (the rest of the lateness was a
    wait for the interpreter lock)."""
    after = thread_times()
    if before is None or after is None:
        return [woke - planned_end]
    return [woke - planned_end, after.queued_s - before.queued_s, after.run_s - before.run_s]


class FireGroup:
    """One firing thread for all the venues of a process, each on its own clock and with its
    own deadline (the scale benchmark's light venues, ten to a process).

    Ten `FireScheduler`s in one interpreter are ten threads that want the interpreter lock at the
    same instant: each waits on the others, and the venues fired up to 20 ms apart. This thread
    takes the deadlines in order instead: it approaches the first as `FireScheduler` does (risen
    with the loop GROUP_RISE_S ahead, the loop parked on the final approach, the lock held
    through a kernel sleep to the deadline), then each later one of the pass in turn, reading
    each venue's own clock, and hands the records over afterwards.

    `trace_path`: diagnostics, a file each pass's account is appended to (one JSON line)."""

    def __init__(
        self,
        *,
        realtime: bool = False,
        sleep_for: SleepFor | None = None,
        yield_now: Callable[[], None] | None = None,
        span_s: float = GROUP_SPAN_S,
        trace_path: str | None = None,
        hold_cpus: Callable[[], Callable[[], None] | None] = hold_cpus_awake,
    ) -> None:
        self._cpus = _Hold(hold_cpus)
        self._allow_realtime = realtime
        self._sleep_for = sleep_for if sleep_for is not None else holding_sleeper()
        self._yield_now = yield_now if yield_now is not None else holding_yield()
        self._span_s = span_s
        self._trace_path = trace_path
        self._cond = threading.Condition()
        self._slots: list[FireSlot] = []
        self._stopping = False
        self._realtime = False  # learnt at the first rise, as FireScheduler does
        self._risen = False
        self._raised: list[_Policy] = []
        self._others_at_rise: dict[str, ThreadTimes] | None = None  # traced only
        self._rose_before_s: float | None = None  # traced only
        self._risen_waits: list[list[float]] = []  # traced only: see _risen_wait
        self._restarts = 0  # final approaches of this pass begun again (traced)
        self._thread = threading.Thread(target=self._run, name="countdown-fire-group", daemon=True)
        self._thread.start()

    def slot(
        self,
        clock: Clock,
        on_fire: Callable[[FireRecord], None],
        quiet: Callable[[threading.Event], None] | None = None,
        neighbours: Callable[[], Iterable[int]] | None = None,
        true_of: HostOf = same_clock,
    ) -> FireSlot:
        """`quiet`, `neighbours` and `true_of` as for a FireScheduler: the venue's loop, parked
        on the final approach and risen with this thread."""
        slot = FireSlot(self, clock, on_fire, quiet, neighbours, true_of=true_of)
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
        try:
            _run_firing_thread(self._step)
        finally:  # however the thread ends: the CPUs are held across passes
            self._fall()

    def _lead(self) -> float:
        return _final_stretch(self._sleep_for is not None, self._realtime)

    def _due(self) -> list[_Due]:
        """The armed slots, soonest first (the lock held)."""
        due = [
            _Due(s, s.arm_id, s.deadline, s.deadline - s.clock())
            for s in self._slots
            if s.arm_id is not None and s.deadline is not None
        ]
        return sorted(due, key=lambda d: d.remaining)

    def _rise(self, batch: list[_Due], remaining: float) -> None:
        """Real-time priority for this thread and the loops of the pass's venues, where
        allowed (see GROUP_RISE_S); then the trace's look at the other threads (its /proc
        reads let go of the interpreter lock: an ordinary thread then waited tens of ms for it)."""
        if self._allow_realtime and not self._risen:
            self._risen = enter_realtime()
            self._realtime = self._realtime or self._risen
            if self._risen:
                tids = {tid for d in batch for tid in d.slot.neighbours()}
                self._raised = raise_threads(sorted(tids))
            self._cpus.take()
        if self._trace_path and self._others_at_rise is None:
            self._others_at_rise = FireScheduler._others_times()
            self._rose_before_s = remaining

    def _fall(self) -> None:
        restore_threads(self._raised)
        self._raised = []
        _leave_realtime(self._risen)
        self._risen = False
        self._cpus.let_go()

    def _step(self, normal_interval: float) -> bool:
        """One pass: wait for the first deadline, or fire it and those just after it."""
        with self._cond:
            due = self._due()
            while not self._stopping and not due:
                sys.setswitchinterval(normal_interval)
                self._fall()
                self._others_at_rise = None
                self._cond.wait()
                due = self._due()
            if self._stopping:
                self._fall()
                return False
            first = due[0]
            wait = first.remaining - self._lead()
            if wait > GROUP_RISE_S:
                self._fall()  # moved later meanwhile
                self._cond.wait(timeout=min(wait - GROUP_RISE_S, FAR_WAIT_MAX_S))
                return True
            batch = [d for d in due if d.remaining <= first.remaining + self._span_s]
            if not self._risen or self._others_at_rise is None:
                self._rise(batch, first.remaining)
                # Measured again: the trace's look at the other threads lets go of the
                # interpreter lock, and at 100 light venues a wait planned before it ended
                # 5-100 ms late, past zero: whole processes fired that late (2026-12-02).
                wait = first.deadline - first.slot.clock() - self._lead()
            approach_s = _approach_s(self._realtime)
            if wait > approach_s:
                # Asleep at real-time priority: woken early by a refinement or an abort.
                planned_end = first.slot.clock() + wait - approach_s
                times = thread_times() if self._trace_path else None
                self._cond.wait(timeout=wait - approach_s)
                if times is not None:
                    self._risen_waits.append(_risen_wait(planned_end, first.slot.clock(), times))
                return True
            # Final approach: this thread needs the interpreter lock at once whenever it wakes.
            sys.setswitchinterval(SPIN_SWITCH_INTERVAL_S)
            realtime = self._risen
            top = first.slot.clock()
            switches_before = context_switches()
            before = thread_times()
            released = threading.Event()
            for quiet in _quiets(batch):
                quiet(released)
            approach_at = first.slot.clock()
            wait = first.deadline - approach_at - self._lead()
            if wait > 0:
                self._cond.wait(timeout=wait)
                if (
                    any(d.slot.arm_id != d.arm_id or d.slot.deadline != d.deadline for d in batch)
                    or first.deadline - first.slot.clock() > self._lead() + EARLY_S
                ):
                    released.set()  # moved, aborted or woken early: look again
                    self._restarts += 1
                    return True
        if self._sleep_for is not None:
            sys.setswitchinterval(HOLD_SWITCH_INTERVAL_S)  # see FireScheduler's hold
        start = first.slot.clock()
        fired: list[tuple[FireSlot, FireRecord]] = []
        slept: list[float] = []
        next_reads: list[float] = []  # each decision's reading -> the next (see FireTrace)
        for d in batch:  # in deadline order; each on its own venue's clock
            now = d.slot.clock()
            # Slept to each deadline, not spun (REALTIME_SPIN_S) even at real-time priority: the
            # process stands in for ten venue PCs but shares the cores with the other groups,
            # and five real-time spinners on two cores took turns: the last venues of a pass
            # fired 0.2-0.6 ms late (50 venues, 2026-12-02). A timed wake-up is ~0.1 ms late.
            planned = 0.0
            if self._sleep_for is not None and now < d.deadline:
                planned = d.deadline - now
                self._sleep_for(planned)
                now = d.slot.clock()
            slept.append(planned)
            while now < d.deadline:
                if realtime:
                    self._yield_now()
                now = d.slot.clock()
            # The host's instant of the reading that decided (see FireScheduler's fire).
            fired.append((d.slot, FireRecord(d.arm_id, d.deadline, now, d.slot.true_of(now))))
            if self._trace_path:  # a clock read between the pass's venues only when traced
                next_reads.append(d.slot.clock() - now)
        released.set()
        end = first.slot.clock()
        cpus_awake = self._cpus.held
        # Ordinary again before anything else: the other processes' firing threads have the same
        # real-time priority and, on its core, wait for this one to sleep or fall (equals do not
        # preempt each other). At 100 light venues (perf, 2026-12-02) each pass held its core at
        # real-time priority for 0.26-0.45 ms, and venues that slept tens of microseconds to their
        # deadline came back ~1 ms late behind such passes; the reads below (~40 us) need not
        # lengthen them.
        self._fall()
        after = thread_times()
        switches_after = context_switches()
        sys.setswitchinterval(normal_interval)
        if self._trace_path:
            self._write_trace(
                {
                    "realtime": realtime,
                    "venues": len(batch),
                    "rose_before_s": self._rose_before_s,
                    "approach_setup_s": approach_at - top,
                    "approach_wait_s": max(0.0, wait),
                    "woke_late_s": start - (first.deadline - self._lead()),
                    "slept_s": slept,
                    "late_s": [r.fired_local - r.deadline_local for _, r in fired],
                    "next_read_s": next_reads,
                    "true_spread_s": fired[-1][1].fired_true - fired[0][1].fired_true,
                    "run_s": after.run_s - before.run_s if after and before else None,
                    "queued_s": after.queued_s - before.queued_s if after and before else None,
                    "elapsed_s": end - top,
                    "waits": switches_after[0] - switches_before[0]
                    if switches_after and switches_before
                    else None,
                    "preempted": switches_after[1] - switches_before[1]
                    if switches_after and switches_before
                    else None,
                    "risen_waits": self._risen_waits,
                    "restarts": self._restarts,
                    "cpus_awake": cpus_awake,
                    "others_run_s": FireScheduler._others_delta(
                        self._others_at_rise, FireScheduler._others_times()
                    )
                    if self._others_at_rise is not None
                    else None,
                }
            )
        self._others_at_rise = None
        self._risen_waits = []
        self._restarts = 0
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

    def _write_trace(self, line: dict[str, object]) -> None:
        assert self._trace_path is not None
        try:
            with open(self._trace_path, "a", encoding="utf-8") as f:
                f.write(json.dumps(line) + "\n")
        except OSError as exc:
            log.warning("could not write the fire trace to %s: %s", self._trace_path, exc)
