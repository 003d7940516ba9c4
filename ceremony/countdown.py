"""The synchronized countdown, both ends, sans I/O.

The studio arms for an instant T on its own monotonic clock; each venue turns T into a deadline on
its own clock (through the clock estimator) and fires there. Arm messages are resent until
acknowledged and are idempotent (same arm id, same answer); abort and re-arm reach everyone. A
venue that learns of an arm after T reports it missed instead of firing late.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

from ceremony import wire
from ceremony.audiotime import OnsetMethod
from ceremony.clocksync import ClockEstimator

MIN_LEAD_S = 5.0
DEFAULT_LEAD_S = 10.0
DEFAULT_BOUND_THRESHOLD_S = 0.020
RESEND_S = 0.5
FIRE_REPORT_RESEND_S = 1.0
# Clock probes a second the studio answers from all armed venues together, at most. Each venue
# probes at 5 Hz while armed (ceremony.session.venue.ARMED_PROBE_INTERVAL_S); a hundred venues
# sent 500 a second, and on the two-core benchmark machine the studio then held replies up to
# 60 ms and the round trips of the armed probes were 10-250 ms (bench scale, 2026-12-02): the
# extra probes meant to find an undelayed round trip delayed them all.
STUDIO_ARMED_PROBES_PER_S = 100.0


def armed_probe_every_s(venues: int) -> float:
    """How often each of `venues` armed venues may probe, for the studio to answer at most
    STUDIO_ARMED_PROBES_PER_S (a venue's own armed rate is the floor: wire.Arm)."""
    return max(0, venues) / STUDIO_ARMED_PROBES_PER_S


def seconds_shown(deadline: float, now: float) -> int:
    """Whole seconds a countdown shows before zero. It changes exactly on the shared second
    boundaries before the deadline, so every venue's digits turn together, whatever the
    moment its screen is repainted."""
    return max(0, math.ceil(deadline - now))


def speaker_remaining(
    state: wire.ProgramState, offset: float | None, now_local: float, received_local: float
) -> float | None:
    """The speaker's time left (negative in overtime) as a venue shows it at `now_local`.

    `state.ends_at` is on the studio clock; `offset` is the clock estimate's studio − venue.
    Held, the time does not run. Without an estimate (or from an older studio), the time as
    sent counts down from when it arrived (`received_local`), transit delay not accounted.
    """
    if state.held:
        return state.remaining_s
    if state.ends_at is not None and offset is not None:
        return state.ends_at - (now_local + offset)
    if state.remaining_s is None:
        return None
    return state.remaining_s - (now_local - received_local)


def zero_screen_from(deadline: float, frame_s: float) -> float:
    """When a repaint should start showing the zero screen.

    A frame painted at t reaches the glass at the next refresh, on average half a frame later:
    painting the zero screen from half a frame before the deadline puts it on the glass at the
    deadline on average, within half a frame either way, instead of up to a frame late.
    """
    return deadline - frame_s / 2


class ArmState(StrEnum):
    ARMED = "armed"
    MISSED = "missed"  # the arm arrived after its instant: not fired late
    NO_CLOCK = "no_clock"  # no clock estimate yet: cannot place the instant
    ABORTED = "aborted"
    FIRED = "fired"


class CountdownError(ValueError):
    pass


@dataclass
class VenueArmView:
    venue_id: str
    acked: bool = False
    state: ArmState | None = None
    local_deadline: float | None = None
    bound_s: float | None = None
    last_sent: float | None = None
    fired_local: float | None = None
    fired_true: float | None = None  # only from the simulation harness
    fire_bound_s: float | None = None
    fired_late_s: float | None = None  # how late the venue fired on its own clock
    onset: SirenOnset | None = None  # where its siren was placed on the output stream


@dataclass(frozen=True)
class SirenOnset:
    """A venue's own account of its siren, reported beside the decision (never in the bound)."""

    method: OnsetMethod
    onset_local: float | None  # predicted DAC onset on the venue's clock
    late_s: float | None
    hall_latency_s: float | None
    screen_late_s: float | None = None

    def onset_after_decision_s(self, local_fire: float) -> float | None:
        return self.onset_local - local_fire if self.onset_local is not None else None


@dataclass
class StudioCountdown:
    """The studio's side: one armed countdown at a time."""

    threshold_s: float = DEFAULT_BOUND_THRESHOLD_S
    arm_id: int = 0
    fire_at: float | None = None  # studio monotonic clock
    title: str = ""
    aborted: bool = False
    venues: dict[str, VenueArmView] = field(default_factory=dict)

    def arm(self, now: float, lead_s: float, venue_ids: list[str], title: str = "") -> int:
        if lead_s < MIN_LEAD_S:
            raise CountdownError(f"lead time {lead_s:g} s is under the minimum of {MIN_LEAD_S:g} s")
        if not venue_ids:
            raise CountdownError("no venue takes part in this countdown")
        self.arm_id += 1
        self.fire_at = now + lead_s
        self.title = title
        self.aborted = False
        self.venues = {v: VenueArmView(v) for v in venue_ids}
        return self.arm_id

    def abort(self) -> int | None:
        if self.fire_at is None or self.aborted:
            return None
        self.aborted = True
        for v in self.venues.values():
            v.acked, v.last_sent = False, None  # the abort must now be acknowledged
        return self.arm_id

    def due_sends(self, now: float, reachable: set[str], resend_s: float = RESEND_S) -> list[str]:
        """Venues to (re)send the arm or abort to now: not yet acknowledged, not just sent."""
        if self.fire_at is None:
            return []
        out = []
        for v in self.venues.values():
            if v.acked or v.venue_id not in reachable:
                continue
            if v.last_sent is None or now - v.last_sent >= resend_s:
                v.last_sent = now
                out.append(v.venue_id)
        return out

    def on_ack(
        self,
        venue_id: str,
        arm_id: int,
        state: ArmState,
        local_deadline: float | None,
        bound_s: float | None,
    ) -> None:
        v = self.venues.get(venue_id)
        if v is None or arm_id != self.arm_id:
            return  # a late answer to an older arm
        if self.aborted and state is not ArmState.ABORTED:
            return
        v.acked, v.state, v.local_deadline, v.bound_s = True, state, local_deadline, bound_s

    def on_fired(
        self,
        venue_id: str,
        arm_id: int,
        local_fire: float,
        bound_s: float,
        true_fire: float | None,
        *,
        local_deadline: float | None = None,
        onset: SirenOnset | None = None,
    ) -> None:
        v = self.venues.get(venue_id)
        if v is None or arm_id != self.arm_id:
            return
        v.onset = onset
        v.state, v.fired_local, v.fire_bound_s, v.fired_true = (
            ArmState.FIRED,
            local_fire,
            bound_s,
            true_fire,
        )
        if local_deadline is not None:
            v.fired_late_s = local_fire - local_deadline

    def flagged(self) -> list[str]:
        """Venues whose claimed bound exceeds the threshold (shown in red on the board)."""
        return [
            v.venue_id
            for v in self.venues.values()
            if v.bound_s is not None and v.bound_s > self.threshold_s
        ]


# How many of an arm's latest placements are remembered with their bounds: the firing thread
# fires at the last one it was handed, which a lagging loop hands over a little late.
KEPT_PLACEMENTS = 32


@dataclass
class VenueArm:
    arm_id: int
    fire_at_studio: float
    state: ArmState
    deadline_local: float | None = None
    bound_s: float | None = None
    placed: dict[float, float] = field(default_factory=dict)  # deadline -> its bound

    def place(self, deadline_local: float, bound_s: float) -> None:
        self.deadline_local, self.bound_s = deadline_local, bound_s
        self.placed[deadline_local] = bound_s
        for old in list(self.placed)[:-KEPT_PLACEMENTS]:
            del self.placed[old]


@dataclass(frozen=True)
class PendingReport:
    """A firing to report until the studio acknowledges it: the deadline the thread fired at
    and that placement's bound (not necessarily the arm's newest)."""

    local_fire: float
    deadline_local: float
    bound_s: float
    true_fire: float | None


@dataclass
class VenueCountdown:
    """The venue's side: turns the studio's instant into a local deadline, keeps it refined."""

    estimator: ClockEstimator
    current: VenueArm | None = None
    pending_reports: dict[int, PendingReport] = field(default_factory=dict)

    def on_arm(self, arm_id: int, fire_at_studio: float, now_local: float) -> VenueArm:
        if self.current is not None and self.current.arm_id == arm_id:
            return self.current  # a resend: same answer
        placed = self.estimator.deadline(fire_at_studio, now_local)
        if placed is None:
            self.current = VenueArm(arm_id, fire_at_studio, ArmState.NO_CLOCK)
            return self.current
        deadline, bound = placed
        state = ArmState.ARMED if deadline > now_local else ArmState.MISSED
        self.current = VenueArm(arm_id, fire_at_studio, state)
        self.current.place(deadline, bound)
        return self.current

    def on_abort(self, arm_id: int) -> VenueArm | None:
        if self.current is None or self.current.arm_id != arm_id:
            return None
        if self.current.state in (ArmState.ARMED, ArmState.NO_CLOCK):
            self.current.state = ArmState.ABORTED
        return self.current

    def refine(self, now_local: float) -> VenueArm | None:
        """Re-place the deadline with the newest estimate (probes keep coming while armed)."""
        arm = self.current
        if arm is None or arm.state is not ArmState.ARMED:
            return arm
        placed = self.estimator.deadline(arm.fire_at_studio, now_local)
        if placed is not None:
            arm.place(*placed)
        return arm

    def fired(
        self,
        arm_id: int,
        local_fire: float,
        true_fire: float | None,
        deadline_local: float | None = None,
    ) -> None:
        """The firing thread decided at `local_fire`, for `deadline_local` (None: the arm's)."""
        arm = self.current
        if arm is None or arm.arm_id != arm_id or arm.bound_s is None:
            return
        assert arm.deadline_local is not None  # a bound is only ever placed with a deadline
        arm.state = ArmState.FIRED
        deadline = arm.deadline_local if deadline_local is None else deadline_local
        # Kept until the studio acknowledges it: the link may be down at zero.
        self.pending_reports[arm_id] = PendingReport(
            local_fire, deadline, arm.placed.get(deadline, arm.bound_s), true_fire
        )

    def report_acked(self, arm_id: int) -> None:
        self.pending_reports.pop(arm_id, None)
