"""The venue's firing: a thread that decides at the deadline on the countdown clock, and the
siren placed on the sound card's timeline. When to probe, place, acknowledge and report is the
core's (ceremony.session.VenueSession): this agent carries out its PlaceFire / CancelFire, tells
it when the thread fired, and adds the siren's own account to the fire reports it sends.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass

import msgspec

from ceremony import wire
from ceremony.clocksync import ClockEstimator
from ceremony.countdown import ArmState, VenueCountdown
from ceremony.session import Output
from ceremony.session.venue import (
    ArmChanged,
    CancelFire,
    PlaceFire,
    VenueSession,
    VenueSessionEvent,
)
from media.clock import Clock, HostOf, same_clock
from media.firing import TRACE_ENV, FireGroup, FireRecord, FireScheduler, FireSlot, settle_after
from media.speaker import Speaker

log = logging.getLogger(__name__)

# The loop never waits longer than this for the firing thread: parked from the final approach
# (at ordinary priority 55 ms before zero, media.firing.ORDINARY_APPROACH_S) to the settle's end.
PARK_MAX_S = 0.1


@dataclass(frozen=True)
class CountdownChanged:
    """For the venue UI: the digits run from `deadline_local` on the venue's own clock."""

    arm_id: int
    state: ArmState
    deadline_local: float | None
    bound_s: float | None
    fired: FireRecord | None = None


class CountdownAgent:
    def __init__(
        self,
        clock: Clock,
        emit: Callable[[CountdownChanged], None],
        session: VenueSession | None = None,
        deliver: Callable[[Output[VenueSessionEvent]], None] | None = None,
        *,
        report_true_time: bool = False,
        siren: Speaker | None = None,
        true_of: HostOf = same_clock,
        realtime: bool = True,
        fire_group: FireGroup | None = None,
    ) -> None:
        """`session` decides, `deliver` sends what the session answers to a firing (both
        given by the link; alone, the agent only fires).
        `true_of`: a reading of `clock` as the host's shared clock, for the simulation
        harness's true fire times (a venue in its own time namespace or on a simulated clock
        is told how its clock was shifted, for this alone).
        `fire_group`: fire from that group's thread, shared with the process's other venues
        (harness: many venues in one process), instead of a thread of this agent's own."""
        self.clock = clock
        self.session = session or VenueSession()
        self._deliver = deliver or (lambda out: None)
        self._emit = emit
        self._report_true = report_true_time
        self.siren = siren or Speaker(program=False)
        self.siren.clock = clock  # the siren is placed on the deadline's own clock
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_tid: int | None = None
        # Other threads that may hold the interpreter lock when the firing thread wants it (the
        # venue app's GUI thread): they rise to real-time priority with it, where allowed.
        self.also_rise: list[int] = []
        self._loop_parked: tuple[float, float | None] | None = None  # parked, let go (clock)
        # Other threads of this process to hold for the last milliseconds (the venue app's GUI
        # thread): each is given the event that is set just after firing.
        self.also_quiet: list[Callable[[threading.Event], None]] = []
        self.scheduler: FireScheduler | FireSlot = (
            fire_group.slot(
                clock,
                self._fired_in_thread,
                quiet=self._park_loop,
                neighbours=self._lock_holders,
                true_of=true_of,
            )
            if fire_group is not None
            else FireScheduler(
                clock,
                self._fired_in_thread,
                true_of=true_of,
                quiet=self._park_loop,
                realtime=realtime,
                neighbours=self._lock_holders,
                hold_audio=self.siren.hold_audio,
            )
        )

    @property
    def estimator(self) -> ClockEstimator:
        return self.session.estimator

    @property
    def countdown(self) -> VenueCountdown:
        return self.session.countdown

    def attach(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop_tid = threading.get_native_id()
        # Warm long before any arm: a stream that opens seconds before zero on a loaded PC
        # may still be settling (its first buffers drain in bursts) when zero comes.
        self.siren.open()

    def close(self) -> None:
        self.scheduler.close()
        self.siren.close()

    # ---- what the session decided ------------------------------------------------------

    def apply(self, event: VenueSessionEvent) -> None:
        match event:
            case PlaceFire(arm_id=arm_id, deadline_local=deadline, refined=refined):
                if not refined:  # a refinement must not retry a sound device that failed
                    self.siren.open()  # open and warm long before zero: nothing starts at zero
                self._place(arm_id, deadline)
            case CancelFire(arm_id=arm_id):
                self.scheduler.cancel(arm_id)
                self.siren.cancel_siren(arm_id)
            case ArmChanged():
                self._emit(
                    CountdownChanged(event.arm_id, event.state, event.deadline_local, event.bound_s)
                )
            case _:
                pass

    def complete_report(self, report: wire.FireReport) -> wire.FireReport:
        """The session's report with where the siren was placed on the output stream (media's
        to know) and, for the harness only, the host's true fire time."""
        onset = self.siren.onset(report.arm_id)
        return msgspec.structs.replace(
            report,
            true_fire=report.true_fire if self._report_true else None,
            onset_method=onset.method if onset else None,
            onset_local=onset.onset_local if onset else None,
            onset_late_s=onset.late_s if onset else None,
            hall_latency_s=onset.hall_latency_s if onset else None,
        )

    # ---- firing ------------------------------------------------------------------------

    def _place(self, arm_id: int, deadline_local: float) -> None:
        """The decision at the deadline on the firing thread; the siren on the output stream's
        timeline, at the sample whose DAC time is the same deadline."""
        arm = self.countdown.current
        bound = arm.bound_s if arm is not None and arm.arm_id == arm_id else None
        if isinstance(self.scheduler, FireScheduler):
            self.scheduler.schedule(arm_id, deadline_local, settle_after(bound))
        else:  # a light venue's slot in its process's shared group
            self.scheduler.schedule(arm_id, deadline_local)
        self.siren.schedule_siren(arm_id, deadline_local)

    def zero_screen_shown(self, late_s: float) -> None:
        """Loop thread: a venue screen painted the zero screen `late_s` after the deadline."""
        self._deliver(self.session.screen_shown(None, late_s))

    def screen_shown(self, arm_id: int, late_s: float) -> None:
        self._deliver(self.session.screen_shown(arm_id, late_s))

    def _lock_holders(self) -> list[int]:
        return ([self._loop_tid] if self._loop_tid is not None else []) + self.also_rise

    def _park_loop(self, released: threading.Event) -> None:
        """Hold the event loop (GIL released) for the last milliseconds before zero."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._hold_loop, released)
        for park in self.also_quiet:
            try:
                park(released)
            except Exception:
                log.exception("could not hold a thread for the firing")

    def _hold_loop(self, released: threading.Event) -> None:
        self._loop_parked = (self.clock(), None)  # for the fire trace: when the loop let go
        released.wait(PARK_MAX_S)
        self._loop_parked = (self._loop_parked[0], self.clock())

    def _fired_in_thread(self, record: FireRecord) -> None:
        # The siren is already on the stream's timeline; this thread only records the decision.
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._fired, record)

    def _write_trace(self, record: FireRecord) -> None:
        """Diagnostics: the firing thread's account of this fire, one JSON line (TRACE_ENV)."""
        path = os.environ.get(TRACE_ENV)
        if not path or record.trace is None:
            return
        parked = self._loop_parked
        line = {
            "arm_id": record.arm_id,
            "late_s": record.fired_local - record.deadline_local,
            # When the loop parked and was let go, against the deadline (None: not parked).
            "loop_parked_s": parked[0] - record.deadline_local if parked else None,
            "loop_unparked_s": parked[1] - record.deadline_local if parked and parked[1] else None,
            **dataclasses.asdict(record.trace),
        }
        try:
            with open(path, "a", encoding="utf-8") as f:
                f.write(json.dumps(line) + "\n")
        except OSError as exc:
            log.warning("could not write the fire trace to %s: %s", path, exc)

    def _fired(self, record: FireRecord) -> None:
        arm = self.countdown.current
        out = self.session.fired(
            record.arm_id, record.fired_local, record.deadline_local, record.fired_true
        )
        deadline = arm.deadline_local if arm else record.deadline_local
        self._write_trace(record)
        self._emit(
            CountdownChanged(
                record.arm_id, ArmState.FIRED, deadline, arm.bound_s if arm else None, record
            )
        )
        self._deliver(out)
