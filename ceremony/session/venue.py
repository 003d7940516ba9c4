"""The venue's half of the session protocol, sans I/O.

One `VenueSession` lives as long as the venue app's link and outlives each connection: the
armed countdown and the fire reports not yet acknowledged survive a reconnect. While a
connection is attached it answers the studio's heartbeats that ask for it (the adapter puts its
stats in the answer) and sends one of its own only when the studio has been quiet a while,
notices a quiet studio, probes the studio's clock, places and refines the armed deadline, and
resends its fire reports until acknowledged.

Probes are adaptive, because a studio answers every venue's: a burst on joining, 2 Hz until the
estimator has fitted a drift (FAST_PROBING_MAX_S at most), then one every
SETTLED_PROBE_INTERVAL_S, and 5 Hz from an arm to its zero (the countdown's accuracy is the
point of them; slower if the arm asks: the studio answers every armed venue's). The studio's
heartbeats also bring clock samples (each names its times for the previous one): while they
do, settled probes slow to one every YOUNG_PROBE_INTERVAL_S in a link's first YOUNG_LINK_S,
then to one every ROUNDS_PROBE_INTERVAL_S.
Its `now` is the venue's countdown clock (the one the firing thread fires on). The firing
itself — a thread on that clock, and the siren on the sound card's timeline — is media's: the
session says where with `PlaceFire` and `CancelFire`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from ceremony import wire
from ceremony.clocksync import ClockEstimator, ClockSample
from ceremony.countdown import (
    FIRE_REPORT_RESEND_S,
    ArmState,
    PendingReport,
    VenueArm,
    VenueCountdown,
)
from ceremony.liveness import HEARTBEAT_INTERVAL_S, LOST_AFTER_S, Liveness
from ceremony.session.output import Channel, Output

log = logging.getLogger(__name__)

BURST_PROBES = 8
BURST_GAP_S = 0.03
PROBE_INTERVAL_S = 0.5  # 2 Hz until settled: enough to fit a drift soon after joining
# Settled (a drift fitted over MIN_DRIFT_SPAN_S): enough to follow drift and keep the window's
# fit; the arm brings the fast rate back for the seconds that count.
SETTLED_PROBE_INTERVAL_S = 2.0
# While the studio's heartbeats bring clock samples (one a second, no extra message), settled
# probes are only a slow check of the clock channel's own path (an arm brings 5 Hz back at
# once): each costs the studio a message and its acknowledgement both ways.
ROUNDS_PROBE_INTERVAL_S = 30.0
# ... except in a link's first minutes: until the estimator's window (120 s) holds samples
# taken after the joining rush, a loaded studio's long round trips from that rush are most of
# what it has, and a countdown armed then (a venue that reconnected just before) would rest on
# them. A probe this often costs a young link what the old cadence did.
YOUNG_LINK_S = 120.0
YOUNG_PROBE_INTERVAL_S = 10.0
# 2 Hz at most this long after joining, fitted or not: on a jittery path (a loaded studio) too
# few round trips are near the shortest for a drift fit, and 2 Hz for ever would cost the studio
# two messages a second per venue. An arm brings 5 Hz back, and at zero the deadline rests on
# samples a fraction of a second old, where drift hardly counts.
FAST_PROBING_MAX_S = 15.0
# Heartbeat samples count as flowing if one came this recently: the studio asks for an answer
# (a round) every ANSWER_EVERY_S = 6 s while all is well, so one may go missing.
ROUNDS_FRESH_S = 13.5
KEPT_BEATS = 8
# The venue sends a heartbeat of its own only after this much studio silence (the studio's come
# every second): a studio that heartbeats is answered, not echoed.
OWN_HEARTBEAT_AFTER = 1.5  # x heartbeat_s
ARMED_PROBE_INTERVAL_S = 0.2  # 5 Hz while armed: more chances of an undelayed round trip
ACK_REFRESH_S = 1.0  # a refined deadline is acknowledged again at most this often
NO_MOVE_BEFORE_ZERO_S = 0.2  # the deadline is not moved under the firing thread this close
KEPT_REPORTS = 8


# ---- events --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArmChanged:
    """The arm's state or deadline changed (for the screens): digits run to `deadline_local`."""

    arm_id: int
    state: ArmState
    deadline_local: float | None
    bound_s: float | None


@dataclass(frozen=True)
class PlaceFire:
    """Fire `arm_id` at `deadline_local`: a new arm, or (`refined`) a better deadline for the
    one already placed — only the deadline moves, nothing is opened or started for it."""

    arm_id: int
    deadline_local: float
    refined: bool = False


@dataclass(frozen=True)
class CancelFire:
    arm_id: int


@dataclass(frozen=True)
class StudioQuiet:
    """Nothing heard from the studio for `silent_s`: this connection is over (rejoin)."""

    silent_s: float


VenueSessionEvent = ArmChanged | PlaceFire | CancelFire | StudioQuiet


@dataclass
class _Attached:
    """One connection's timers."""

    since: float  # when it was attached: the first heartbeat is due then
    next_probe: float
    burst_left: int = BURST_PROBES
    next_report: float = 0.0
    quiet_told: bool = False


@dataclass
class VenueSession:
    heartbeat_s: float = HEARTBEAT_INTERVAL_S
    lost_after_s: float = LOST_AFTER_S
    estimator: ClockEstimator = field(default_factory=ClockEstimator)
    liveness: Liveness = field(default_factory=Liveness)
    welcome: wire.Welcome | None = None
    program_state: wire.ProgramState | None = None

    def __post_init__(self) -> None:
        self.countdown = VenueCountdown(self.estimator)
        self._attached: _Attached | None = None
        self._probes: dict[int, float] = {}
        self._seq = 0
        self._last_ack = -1e18
        self._fire_late: dict[int, float] = {}
        self._screen_late: dict[int, float] = {}
        self._reported: dict[int, PendingReport] = {}
        self._beats_heard: dict[int, float] = {}  # the studio's heartbeats: seq -> heard at
        self._beats_answered: dict[int, float] = {}  # seq -> our answer left at
        self._round_at: float | None = None  # the last clock sample from a heartbeat
        self._refine_at: float | None = None  # a new clock sample for an armed deadline
        self._armed_probe_s = ARMED_PROBE_INTERVAL_S  # as the studio's arm asks (probe_every_s)

    # ---- connections -----------------------------------------------------------------------

    def new_connection(self) -> None:
        """A join is under way: a fresh link (the countdown and its reports are kept)."""
        self.liveness = Liveness(lost_after_s=self.lost_after_s)
        self.welcome = None
        self._attached = None
        self._beats_heard.clear()  # a new studio link numbers its heartbeats afresh
        self._beats_answered.clear()

    def attach(self, now: float) -> None:
        """Welcomed: heartbeats, clock probes and report resends start now."""
        self.liveness.heard(now)
        self._attached = _Attached(since=now, next_probe=now)

    def detach(self) -> None:
        """The connection ended; an acknowledged arm still fires (media's thread has it)."""
        self._attached = None

    @property
    def attached(self) -> bool:
        return self._attached is not None

    # ---- input -----------------------------------------------------------------------------

    def receive(
        self, message: wire.Message, now: float, arrived: float | None = None
    ) -> Output[VenueSessionEvent]:
        """A message from the studio's control channel; `arrived`: when its datagram came, if
        known (a heartbeat's clock round is timed from it)."""
        out: Output[VenueSessionEvent] = Output()
        self.liveness.heard(now)
        match message:
            case wire.Welcome():
                self.welcome = message
            case wire.Heartbeat(seq=seq, answer=answer):
                if answer:  # a studio that hears our transport asks every few seconds
                    out.send(wire.HeartbeatAck(seq=seq))
                self._heartbeat_round(message, now, now if arrived is None else arrived)
            case wire.HeartbeatAck(seq=seq):
                self.liveness.ack_received(seq, now)
            case wire.ProgramState():
                self.program_state = message
            case wire.Cue(cue_id=cue_id):
                out.send(wire.CueAck(cue_id=cue_id))
            case wire.Arm(arm_id=arm_id, fire_at=fire_at):
                # Never faster than our own armed rate, nor than the studio can answer.
                self._armed_probe_s = max(ARMED_PROBE_INTERVAL_S, message.probe_every_s or 0.0)
                arm = self.countdown.on_arm(arm_id, fire_at, now)
                self._placed(arm, out)
                self._ack(arm, now, out)
                att = self._attached
                if att is not None and att.burst_left == 0:
                    att.next_probe = min(att.next_probe, now)  # the armed rate from now
            case wire.Abort(arm_id=arm_id):
                aborted = self.countdown.on_abort(arm_id)
                out.events.append(CancelFire(arm_id))
                if aborted is not None:
                    self._ack(aborted, now, out)
                    out.events.append(ArmChanged(arm_id, aborted.state, None, None))
                else:  # an abort of an arm never heard of: it is aborted here all the same
                    out.send(wire.ArmAck(arm_id=arm_id, state=ArmState.ABORTED.value))
            case wire.FireReportAck(arm_id=arm_id):
                self.countdown.report_acked(arm_id)
            case _:
                pass
        return out

    def receive_clock(self, message: wire.Message, now: float) -> None:
        """A message from the clock channel; `now` read as soon as it arrived."""
        if not isinstance(message, wire.ClockReply):
            return
        sent = self._probes.pop(message.seq, None)
        if sent is None or sent != message.t1:
            return  # not ours, or a duplicate
        sample = ClockSample(message.t1, message.t2, message.t3, now)
        if self.estimator.add(sample):
            # The venue's own heartbeats are rare now: its round trip comes from the probes.
            self.liveness.rtt_sample(sample.rtt)
            arm = self.countdown.current
            if arm is not None and arm.state is ArmState.ARMED:
                # Refine with it now, not at the next probe: the last probe before zero may
                # come too close to zero to move the deadline, and its sample would go unused.
                self._refine_at = now

    def probe_sent(self, seq: int, t1: float) -> None:
        """Probe `seq` left at `t1` (the adapter's clock read right before the send), later
        than the `now` it was made at: the reply must carry this `t1`. Whatever the loop did
        between the two would otherwise count into the probe's outbound leg alone and move
        the offset (one-sided, so it biased every venue the same way)."""
        if seq in self._probes:
            self._probes[seq] = t1

    def fired(
        self, arm_id: int, local_fire: float, deadline_local: float, true_fire: float | None
    ) -> Output[VenueSessionEvent]:
        """The firing thread decided (reported from the loop): report it until acknowledged."""
        out: Output[VenueSessionEvent] = Output()
        # How late the thread decided, on this venue's own clock: reported beside the bound,
        # which is the clock estimate's and was decided before zero.
        self._fire_late[arm_id] = local_fire - deadline_local
        for old in sorted(self._fire_late)[:-KEPT_REPORTS]:
            self._fire_late.pop(old, None)
            self._screen_late.pop(old, None)
        self.countdown.fired(arm_id, local_fire, true_fire, deadline_local)
        log.info("fired arm %d at local %.6f", arm_id, local_fire)
        self._resend_reports(out)
        return out

    def screen_shown(self, arm_id: int | None, late_s: float) -> Output[VenueSessionEvent]:
        """The venue's screens showed the zero screen `late_s` after the deadline (its own
        measure); with a projector and the crew's window, the later of the two counts.
        `arm_id` None: the current arm."""
        out: Output[VenueSessionEvent] = Output()
        if arm_id is None:
            if self.countdown.current is None:
                return out
            arm_id = self.countdown.current.arm_id
        self._screen_late[arm_id] = max(late_s, self._screen_late.get(arm_id, late_s))
        # Sent again even when the first report was acknowledged: the studio keeps the newest.
        sent = self._reported.get(arm_id)
        if sent is not None and self.attached:
            out.send(self._report(arm_id, sent))
        return out

    # ---- timer -----------------------------------------------------------------------------

    def handle_timer(self, now: float) -> Output[VenueSessionEvent]:
        out: Output[VenueSessionEvent] = Output()
        att = self._attached
        if att is None:
            return out
        if self.liveness.is_lost(now):
            if not att.quiet_told:
                att.quiet_told = True
                out.events.append(StudioQuiet(self.liveness.silent_for(now)))
            return out
        # The probe first: its `t1` is `now`, so nothing may be sent before it (the
        # heartbeat's send would count into the probe's outbound leg).
        probe_due = now >= att.next_probe
        if probe_due:
            self._probe(now, out)
        if now >= self._own_heartbeat_at(att):
            out.send(wire.Heartbeat(seq=self.liveness.heartbeat_sent(now)))
        refine_due = self._refine_at is not None and now >= self._refine_at
        if refine_due:
            self._refine_at = None
        if probe_due:
            if att.burst_left > 0:
                att.burst_left -= 1
                att.next_probe = now + BURST_GAP_S
            else:
                self._maintain(now, out)
                att.next_probe = now + self.probe_interval(now)
        elif refine_due and att.burst_left == 0:
            self._maintain(now, out)
        if now >= att.next_report and att.burst_left == 0:
            self._resend_reports(out)
            att.next_report = now + FIRE_REPORT_RESEND_S
        return out

    def next_timer(self) -> float | None:
        att = self._attached
        if att is None or att.quiet_told:
            return None
        times = [att.next_probe, self._own_heartbeat_at(att)]
        if self._refine_at is not None:
            times.append(self._refine_at)
        lost_at = self.liveness.lost_at()
        if lost_at is not None:
            times.append(lost_at)
        if att.burst_left == 0:
            times.append(att.next_report)
        return min(times)

    def probe_interval(self, now: float) -> float:
        """After the joining burst: 5 Hz while armed, 2 Hz until a drift is fitted, then slow
        (slower still while the studio's heartbeats bring samples)."""
        arm = self.countdown.current
        if arm is not None and arm.state is ArmState.ARMED:
            return self._armed_probe_s
        att = self._attached
        joined_long_ago = att is not None and now - att.since >= FAST_PROBING_MAX_S
        if not (joined_long_ago or self.estimator.settled(now)):
            return PROBE_INTERVAL_S
        rounds = self._round_at is not None and now - self._round_at <= ROUNDS_FRESH_S
        if not rounds:
            return SETTLED_PROBE_INTERVAL_S
        young = att is not None and now - att.since < YOUNG_LINK_S
        return YOUNG_PROBE_INTERVAL_S if young else ROUNDS_PROBE_INTERVAL_S

    def _heartbeat_round(self, beat: wire.Heartbeat, now: float, heard: float) -> None:
        """Remember when this heartbeat was heard; make a clock sample of the one before it,
        whose times at the studio this one brings."""
        self._beats_heard[beat.seq] = heard
        if len(self._beats_heard) > KEPT_BEATS:
            del self._beats_heard[min(self._beats_heard)]
        if beat.prev_seq is None or beat.prev_sent is None or beat.prev_answered is None:
            return
        heard_prev = self._beats_heard.pop(beat.prev_seq, None)
        answered = self._beats_answered.pop(beat.prev_seq, None)
        if heard_prev is None:
            return  # not one this connection heard, or already used
        sample = ClockSample.from_studio_round(
            beat.prev_sent, heard_prev, beat.prev_answered, answered
        )
        if self.estimator.add(sample):
            self._round_at = now
            self.liveness.rtt_sample(sample.rtt)

    def answer_sent(self, seq: int, at: float) -> None:
        """Our answer to heartbeat `seq` left at `at` (stamped as it went out): the round
        leaves out the time it waited here."""
        if seq in self._beats_heard:
            self._beats_answered[seq] = at
            if len(self._beats_answered) > KEPT_BEATS:
                del self._beats_answered[min(self._beats_answered)]

    # ---- inside ----------------------------------------------------------------------------

    def _own_heartbeat_at(self, att: _Attached) -> float:
        """When the studio's silence calls for a heartbeat of ours (its answer proves the link
        both ways): OWN_HEARTBEAT_AFTER heartbeats of silence, then one a heartbeat_s."""
        lv = self.liveness
        quiet_since = lv.last_heard if lv.last_heard is not None else att.since
        due = quiet_since + OWN_HEARTBEAT_AFTER * self.heartbeat_s
        if lv.last_sent is not None and lv.last_sent >= quiet_since:
            due = max(due, lv.last_sent + self.heartbeat_s)
        return due

    def _probe(self, now: float, out: Output[VenueSessionEvent]) -> None:
        self._seq += 1
        self._probes[self._seq] = now
        for old in [s for s in self._probes if s < self._seq - 20]:
            del self._probes[old]
        out.send(wire.ClockProbe(seq=self._seq, t1=now), channel=Channel.CLOCK)

    def _placed(self, arm: VenueArm, out: Output[VenueSessionEvent]) -> None:
        if arm.state is ArmState.ARMED and arm.deadline_local is not None:
            out.events.append(PlaceFire(arm.arm_id, arm.deadline_local))
        out.events.append(ArmChanged(arm.arm_id, arm.state, arm.deadline_local, arm.bound_s))

    def _ack(self, arm: VenueArm, now: float, out: Output[VenueSessionEvent]) -> None:
        self._last_ack = now
        out.send(
            wire.ArmAck(
                arm_id=arm.arm_id,
                state=arm.state.value,
                local_deadline=arm.deadline_local,
                bound_s=arm.bound_s,
            )
        )

    def _maintain(self, now: float, out: Output[VenueSessionEvent]) -> None:
        """Keep the arm placed: place one that had no clock yet, refine an armed deadline."""
        arm = self.countdown.current
        if arm is None:
            return
        if arm.state is ArmState.NO_CLOCK:
            self.countdown.current = None  # place it again now that probes may have answered
            arm = self.countdown.on_arm(arm.arm_id, arm.fire_at_studio, now)
            if arm.state is not ArmState.NO_CLOCK:
                self._placed(arm, out)
                self._ack(arm, now, out)
            return
        if arm.state is ArmState.ARMED and arm.deadline_local is not None:
            if arm.deadline_local - now < NO_MOVE_BEFORE_ZERO_S:
                return  # too close to zero to move the deadline under the firing thread
            refined = self.countdown.refine(now)
            if refined is not None and refined.deadline_local is not None:
                out.events.append(PlaceFire(refined.arm_id, refined.deadline_local, refined=True))
                if now - self._last_ack >= ACK_REFRESH_S:
                    self._ack(refined, now, out)

    def _resend_reports(self, out: Output[VenueSessionEvent]) -> None:
        if not self.attached:
            return
        for arm_id, report in list(self.countdown.pending_reports.items()):
            self._reported[arm_id] = report
            for old in sorted(self._reported)[:-KEPT_REPORTS]:
                del self._reported[old]
            out.send(self._report(arm_id, report))

    def _report(self, arm_id: int, r: PendingReport) -> wire.FireReport:
        """The report as the session knows it; the siren's onset fields are the adapter's
        (media knows where the sound card placed the siren)."""
        return wire.FireReport(
            arm_id=arm_id,
            local_deadline=r.deadline_local,
            local_fire=r.local_fire,
            bound_s=r.bound_s,
            true_fire=r.true_fire,
            fire_late_s=self._fire_late.get(arm_id),
            screen_late_s=self._screen_late.get(arm_id),
        )
