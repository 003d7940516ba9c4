"""The studio's half of the session protocol, sans I/O.

One `StudioSession` serves every venue. It owns the heartbeats and the loss of a silent venue,
the countdown's arm and abort (resent until acknowledged), the answers to acks and fire reports
(a report resent by a venue is counted once), and the instant the countdown reaches zero. What
is not a session matter (stats, ready, chat) comes back as `Received` for the engine.

Its cost must not grow faster than the venues' own traffic: a hundred venues each send something
every second, and every one of those messages asks for `next_timer`. So the links are kept in
two orders (last heard, next heartbeat) and `next_timer` reads only their fronts: O(1) for any
number of venues. Heartbeats go out on a TIMER_GRID_S grid, so the timer wakes at most ten times
a second however many venues there are, each wake sending the heartbeats that fell due.

Each message costs the studio a packet and an SCTP acknowledgement both ways (about 0.1 ms of
CPU each in aiortc's Python), so a venue the adapter hears at the transport (`transport_heard`:
the acknowledgement of our heartbeat proves its stack and its loop alive) is asked to answer
only every ANSWER_EVERY_S (its statistics and a clock round ride on that answer), and every
heartbeat while a countdown is armed. A venue whose transport is not heard answers every
heartbeat, as before. An answer asked for is due within the loss bound all the same: a venue
whose stack acknowledges but whose session says nothing (a stuck app on a live computer) is
lost then.

While every venue is heard at its transport and no countdown is armed, heartbeats go out every
IDLE_HEARTBEAT_S instead of every second, and the loss bound grows by as much (2.8 s → 4.8 s):
the margin over the heartbeat interval, what a late acknowledgement may take, stays 1.8 s.
From an arm to its zero it is one a second and 2.8 s again. Between events a dead venue is
so seen a second or two later than during a countdown; in exchange a hundred venues cost the
studio about a quarter of the packets an answered heartbeat a second would.

Its own stalls are not the venues' silence: when its timer runs STALL_S late, the studio's loop
was away, the venues' packets wait in its queues, and no venue is declared lost until
STALL_GRACE_S later (once in GRACE_EVERY_S at most: a studio late all the time still loses
its dead venues).
"""

from __future__ import annotations

import logging
import math
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from ceremony import wire
from ceremony.countdown import (
    RESEND_S,
    ArmState,
    SirenOnset,
    StudioCountdown,
    armed_probe_every_s,
)
from ceremony.liveness import HEARTBEAT_INTERVAL_S, LOST_AFTER_S, Liveness
from ceremony.session.output import Output

log = logging.getLogger(__name__)

ACK_NOTE_EVERY_S = 1.0  # a venue resends its ack while it refines: journaled 1 a second at most
# Heartbeats fall due on this grid: at most 10 wake-ups a second for any number of venues, and a
# heartbeat at most this late (the venue's loss bound, 2.8 s, has room for it).
TIMER_GRID_S = 0.1
# A venue heard at the transport answers a heartbeat this often while nothing is armed (every
# second idle heartbeat): its statistics on the board are this old at most, its clock rounds
# this far apart (a settled clock needs no more; an arm asks every heartbeat), and a venue
# whose sound goes sends its statistics at once instead of waiting.
ANSWER_EVERY_S = 6.0
# Every venue heard at the transport and nothing armed: a heartbeat (and its acknowledgement)
# this often instead of every second; a silent venue is lost 4.8 s after its last packet.
IDLE_HEARTBEAT_S = 3.0
STALL_S = 0.5  # the timer this late: the studio's own loop stalled
STALL_GRACE_S = 1.0  # after a stall, time for the venues' waiting packets before any verdict
# At most one grace in this long: a studio late all the time must still lose its dead venues.
GRACE_EVERY_S = 5.0


def on_grid(t: float) -> float:
    """The first grid instant at or after `t`."""
    return math.ceil(t / TIMER_GRID_S - 1e-9) * TIMER_GRID_S


# ---- events --------------------------------------------------------------------------------


@dataclass(frozen=True)
class VenueLost:
    """Nothing heard from the venue for `silent_s`: the engine closes its connection."""

    venue_id: str
    silent_s: float


@dataclass(frozen=True)
class Received:
    """A message the session does not decide on (stats, ready, chat): the engine's."""

    venue_id: str
    message: wire.Message


@dataclass(frozen=True)
class ArmAcked:
    """A venue answered the current arm (or its abort). `journal`: a change, or the first
    answer in ACK_NOTE_EVERY_S — the record keeps those, not every refinement."""

    venue_id: str
    arm_id: int
    state: ArmState
    bound_s: float | None
    journal: bool
    local_deadline: float | None = None


@dataclass(frozen=True)
class FireReported:
    """A venue's first report of firing the current arm (its resends are not repeated)."""

    venue_id: str
    report: wire.FireReport
    fire_at: float | None


@dataclass(frozen=True)
class CountdownZero:
    """The armed instant has come on the studio clock (the recording snapshots every picture)."""

    arm_id: int


StudioSessionEvent = VenueLost | Received | ArmAcked | FireReported | CountdownZero


# ---- the session ---------------------------------------------------------------------------


def _heartbeat(link: Liveness, now: float, answer: bool) -> wire.Heartbeat:
    """The next heartbeat, with the last answered one's times: the venue's clock sample."""
    last = link.last_round
    seq = link.heartbeat_sent(now)
    if last is None:
        return wire.Heartbeat(seq=seq, answer=answer)
    return wire.Heartbeat(
        seq=seq, prev_seq=last[0], prev_sent=last[1], prev_answered=last[2], answer=answer
    )


class StudioSession:
    def __init__(
        self,
        venue_ids: Iterable[str],
        *,
        heartbeat_s: float = HEARTBEAT_INTERVAL_S,
        lost_after_s: float = LOST_AFTER_S,
        resend_s: float = RESEND_S,
        answer_every_s: float = ANSWER_EVERY_S,
        idle_heartbeat_s: float = IDLE_HEARTBEAT_S,
    ) -> None:
        self.venue_ids = frozenset(venue_ids)
        self.heartbeat_s = heartbeat_s
        self.lost_after_s = lost_after_s
        self.resend_s = resend_s
        self.answer_every_s = answer_every_s
        self.idle_heartbeat_s = idle_heartbeat_s
        self.countdown = StudioCountdown()
        self._links: dict[str, Liveness] = {}  # venues whose control channel is open
        # The same links, least recently heard first, and next heartbeat due first: what
        # `next_timer` needs is at their fronts.
        self._by_heard: OrderedDict[str, Liveness] = OrderedDict()
        self._by_beat: OrderedDict[str, Liveness] = OrderedDict()
        self._resend_at: float | None = None  # when an arm or abort is resent next
        self._resend_stale = True  # `_resend_at` must be worked out again
        self._ack_noted: dict[str, float] = {}
        self._zero_told: int | None = None  # the arm whose zero was reported
        # The last instant something became due at once (a link up, an arm, an abort): when a
        # heartbeat or an arm never sent yet is due.
        self._changed_at = float("-inf")
        self._transport: set[str] = set()  # venues heard at the transport on this link
        self._asked: dict[str, float] = {}  # when each venue was last asked to answer
        # Venues asked for an answer not yet given, by when they were first asked (the oldest
        # first: the next verdict is at the front).
        self._unanswered: OrderedDict[str, float] = OrderedDict()
        self._timer_at: float | None = None  # the instant the last next_timer() named
        self._grace_until = float("-inf")  # no loss verdict before: our own loop stalled

    # ---- links -----------------------------------------------------------------------------

    def connected(self, venue_id: str, now: float) -> Liveness:
        """The venue's control channel opened (a reconnect starts a fresh link). Returns the
        link's bookkeeping (round trip, last heard), to be read, not fed."""
        self.disconnected(venue_id)
        liveness = Liveness(lost_after_s=self.lost_after_s)
        liveness.heard(now)
        self._links[venue_id] = liveness
        self._by_heard[venue_id] = liveness
        self._by_beat[venue_id] = liveness
        self._by_beat.move_to_end(venue_id, last=False)  # its first heartbeat: at once
        self._changed_at = max(self._changed_at, now)
        self._resend_stale = True
        log.debug("session %s: link up", venue_id)
        return liveness

    def disconnected(self, venue_id: str) -> None:
        self._links.pop(venue_id, None)
        self._by_heard.pop(venue_id, None)
        self._by_beat.pop(venue_id, None)
        self._transport.discard(venue_id)
        self._asked.pop(venue_id, None)
        self._unanswered.pop(venue_id, None)
        self._resend_stale = True

    def liveness(self, venue_id: str) -> Liveness | None:
        return self._links.get(venue_id)

    def rtt_s(self, venue_id: str) -> float | None:
        link = self._links.get(venue_id)
        return link.rtt_s if link else None

    # ---- input -----------------------------------------------------------------------------

    def heartbeat_departed(self, venue_id: str, seq: int, at: float) -> None:
        """Our heartbeat `seq` to the venue went on the wire at `at` (the adapter's stamp as
        it left): the venue's clock round is timed from there, not from when it was made."""
        link = self._links.get(venue_id)
        if link is not None:
            link.heartbeat_departed(seq, at)

    def transport_heard(self, venue_id: str, now: float) -> None:
        """The venue's transport delivered something (an acknowledgement of ours counts): it
        is alive. From then on it is asked to answer heartbeats only every few seconds."""
        link = self._links.get(venue_id)
        if link is None:
            return
        link.heard(now)
        self._by_heard.move_to_end(venue_id)
        self._transport.add(venue_id)

    def receive(
        self, venue_id: str, message: wire.Message, now: float, arrived: float | None = None
    ) -> Output[StudioSessionEvent]:
        """A message from the venue's control channel; `arrived`: when its datagram came, if
        known (a heartbeat answer's clock round is timed from it)."""
        out: Output[StudioSessionEvent] = Output()
        link = self._links.get(venue_id)
        if link is not None:
            link.heard(now)
            self._by_heard.move_to_end(venue_id)
        match message:
            case wire.Heartbeat(seq=seq):
                out.send(wire.HeartbeatAck(seq=seq), venue_id)
            case wire.HeartbeatAck(seq=seq, stats=stats):
                self._unanswered.pop(venue_id, None)
                if link is not None:
                    link.ack_received(seq, now if arrived is None else arrived)
                if stats is not None:  # a venue's statistics ride on its answer
                    out.events.append(Received(venue_id, stats))
            case wire.ArmAck():
                self._on_arm_ack(venue_id, message, now, out)
            case wire.FireReport():
                self._on_fire_report(venue_id, message, out)
            case _:
                out.events.append(Received(venue_id, message))
        return out

    def handle_timer(self, now: float) -> Output[StudioSessionEvent]:
        out: Output[StudioSessionEvent] = Output()
        if (
            self._timer_at is not None
            and now - self._timer_at > STALL_S
            and now - self._grace_until >= GRACE_EVERY_S
        ):
            # Our loop was away: what the venues sent meanwhile waits in our queues.
            log.info("session timer %.2f s late: no verdict for a moment", now - self._timer_at)
            self._grace_until = now + STALL_GRACE_S
        self._timer_at = None
        while self._by_heard and now >= self._grace_until:
            vid, link = next(iter(self._by_heard.items()))
            if link.last_heard is not None and now < link.last_heard + self._lost_after():
                break  # the least recently heard is not lost: none is
            self.disconnected(vid)
            out.events.append(VenueLost(vid, link.silent_for(now)))
        while self._unanswered and now >= self._grace_until:
            vid, asked = next(iter(self._unanswered.items()))
            if now < asked + self._lost_after():
                break
            self.disconnected(vid)
            out.events.append(VenueLost(vid, now - asked))
        while self._by_beat:
            vid, link = next(iter(self._by_beat.items()))
            if self._beat_due(link) > now + 1e-9:
                break
            out.send(_heartbeat(link, now, self._ask_answer(vid, link, now)), vid)
            self._by_beat.move_to_end(vid)
        cd = self.countdown
        if (
            cd.fire_at is not None
            and not cd.aborted
            and self._zero_told != cd.arm_id
            and now >= cd.fire_at
        ):
            self._zero_told = cd.arm_id
            out.events.append(CountdownZero(cd.arm_id))
        resend_at = self._next_resend()
        if resend_at is not None and now >= resend_at:
            self._resend_stale = True
            for vid in cd.due_sends(now, set(self._links), self.resend_s):
                if cd.aborted:
                    out.send(wire.Abort(arm_id=cd.arm_id), vid)
                else:
                    assert cd.fire_at is not None
                    arm = wire.Arm(
                        arm_id=cd.arm_id,
                        fire_at=cd.fire_at,
                        title=cd.title,
                        probe_every_s=armed_probe_every_s(len(cd.venues)),
                    )
                    out.send(arm, vid)
        return out

    def next_timer(self) -> float | None:
        """The next instant `handle_timer` has work: a heartbeat, a loss, a resend, zero."""
        times: list[float] = []
        if self._by_beat:
            times.append(on_grid(self._beat_due(next(iter(self._by_beat.values())))))
        if self._by_heard:
            heard = next(iter(self._by_heard.values())).last_heard
            if heard is not None:
                times.append(max(heard + self._lost_after(), self._grace_until))
        if self._unanswered:
            asked = next(iter(self._unanswered.values()))
            times.append(max(asked + self._lost_after(), self._grace_until))
        cd = self.countdown
        if cd.fire_at is not None and not cd.aborted and self._zero_told != cd.arm_id:
            times.append(cd.fire_at)
        resend_at = self._next_resend()
        if resend_at is not None:
            times.append(resend_at)
        self._timer_at = min(times) if times else None
        return self._timer_at

    def _ask_answer(self, vid: str, link: Liveness, now: float) -> bool:
        """Whether this heartbeat asks the venue to answer (see the module's docstring)."""
        cd = self.countdown
        if (
            vid not in self._transport
            or link.last_round is None  # nothing answered yet: no round trip, no clock round
            or (cd.fire_at is not None and not cd.aborted and now < cd.fire_at)
            or now - self._asked.get(vid, float("-inf")) >= self.answer_every_s - TIMER_GRID_S / 2
        ):
            self._asked[vid] = now
            if vid in self._transport:  # elsewhere any message of the venue's keeps it heard
                self._unanswered.setdefault(vid, now)
            return True
        return False

    def _beat_due(self, link: Liveness) -> float:
        sent = link.last_sent
        return sent + self._interval() if sent is not None else self._changed_at

    def _interval(self) -> float:
        """Heartbeats' interval now: slower while every venue is heard at its transport and
        no countdown is armed (the same for every link, so `_by_beat` stays in due order)."""
        cd = self.countdown
        armed = cd.fire_at is not None and not cd.aborted and self._zero_told != cd.arm_id
        if armed or len(self._transport) < len(self._links):
            return self.heartbeat_s
        return self.idle_heartbeat_s

    def _lost_after(self) -> float:
        """The loss bound now: the same margin over the heartbeat interval."""
        return self.lost_after_s + self._interval() - self.heartbeat_s

    def _next_resend(self) -> float | None:
        """When an unacknowledged arm or abort is next due, worked out again only after
        something changed it (an arm, an ack, a link): not on every message."""
        if not self._resend_stale:
            return self._resend_at
        self._resend_stale = False
        self._resend_at = None
        cd = self.countdown
        if cd.fire_at is None:
            return None
        times = [
            view.last_sent + self.resend_s if view.last_sent is not None else self._changed_at
            for view in cd.venues.values()
            if not view.acked and view.venue_id in self._links
        ]
        self._resend_at = min(times) if times else None
        return self._resend_at

    # ---- countdown commands ----------------------------------------------------------------

    def arm(self, now: float, lead_s: float, venue_ids: list[str], title: str = "") -> int:
        """Raises CountdownError for a bad request. The arm goes out at the next timer (now)."""
        arm_id = self.countdown.arm(now, lead_s, venue_ids, title)
        self._changed_at = max(self._changed_at, now)
        self._resend_stale = True
        return arm_id

    def abort(self, now: float) -> int | None:
        """The abort goes out at the next timer (now), resent until acknowledged."""
        arm_id = self.countdown.abort()
        self._changed_at = max(self._changed_at, now)
        self._resend_stale = True
        return arm_id

    def restore_countdown(self, countdown: StudioCountdown, now: float) -> None:
        """Take up a countdown from before a restart (read back from the journal: its arm id,
        instant, acks and fire reports). Venues not yet acknowledged are sent the arm (or the
        abort) again — a venue answers a resend of the arm it holds with the same answer —
        and fire reports arriving now are counted once. Past its instant, zero is not told
        again."""
        self.countdown = countdown
        self._changed_at = max(self._changed_at, now)
        self._resend_stale = True
        if countdown.fire_at is not None and now >= countdown.fire_at:
            self._zero_told = countdown.arm_id

    # ---- countdown answers -----------------------------------------------------------------

    def _knows(self, venue_id: str, arm_id: int) -> bool | None:
        """True: the current arm, and this venue takes part. None: an older arm (a late
        answer). False: an arm that never existed, or one this venue was not sent."""
        cd = self.countdown
        if cd.fire_at is not None and arm_id == cd.arm_id:
            return venue_id in cd.venues
        if 0 < arm_id < cd.arm_id:
            return None
        return False

    def _on_arm_ack(
        self, vid: str, msg: wire.ArmAck, now: float, out: Output[StudioSessionEvent]
    ) -> None:
        try:
            state = ArmState(msg.state)
        except ValueError:
            out.refuse(wire.ErrorCode.MALFORMED, "arm_ack: unknown `state`", vid)
            return
        known = self._knows(vid, msg.arm_id)
        if known is not True:
            if known is False:
                out.refuse(wire.ErrorCode.UNKNOWN_COUNTDOWN, "arm_ack: no such arm here", vid)
            return  # only the answers to a real arm are part of the record
        view = self.countdown.venues[vid]
        changed = view.state is not state
        was_acked = view.acked
        self.countdown.on_ack(vid, msg.arm_id, state, msg.local_deadline, msg.bound_s)
        if view.acked != was_acked:
            self._resend_stale = True
        journal = changed or now - self._ack_noted.get(vid, -1e18) >= ACK_NOTE_EVERY_S
        if journal:
            self._ack_noted[vid] = now
        out.events.append(
            ArmAcked(vid, msg.arm_id, state, msg.bound_s, journal, msg.local_deadline)
        )

    def _on_fire_report(
        self, vid: str, msg: wire.FireReport, out: Output[StudioSessionEvent]
    ) -> None:
        # Acknowledged whatever it is: a venue resends its report until it hears this.
        out.send(wire.FireReportAck(arm_id=msg.arm_id), vid)
        known = self._knows(vid, msg.arm_id)
        if known is not True:
            if known is False:
                out.refuse(wire.ErrorCode.UNKNOWN_COUNTDOWN, "fire_report: no such arm here", vid)
            return
        onset = (
            SirenOnset(
                msg.onset_method,
                msg.onset_local,
                msg.onset_late_s,
                msg.hall_latency_s,
                msg.screen_late_s,
            )
            if msg.onset_method is not None
            else None
        )
        cd = self.countdown
        view = cd.venues[vid]
        if view.fired_local is not None:
            if onset is not None:
                view.onset = onset  # a resend may add the screen's lateness
            return  # a resend of a report already counted
        cd.on_fired(
            vid,
            msg.arm_id,
            msg.local_fire,
            msg.bound_s,
            msg.true_fire,
            local_deadline=msg.local_deadline,
            onset=onset,
        )
        out.events.append(FireReported(vid, msg, cd.fire_at))
