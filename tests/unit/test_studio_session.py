"""The studio's session protocol, sans I/O: fed messages and a fake `now`, no sockets."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from ceremony import wire
from ceremony.audiotime import OnsetMethod
from ceremony.countdown import ArmState, CountdownError, StudioCountdown
from ceremony.runsheet import Runsheet, Source
from ceremony.sequencer import commands as c
from ceremony.sequencer.sequencer import Sequencer
from ceremony.session import Refuse, Send, StudioSession
from ceremony.session.program import program_state
from ceremony.session.studio import (
    ANSWER_EVERY_S,
    IDLE_HEARTBEAT_S,
    TIMER_GRID_S,
    ArmAcked,
    CountdownZero,
    FireReported,
    Received,
    VenueLost,
)
from tests.unit.fakeclock import FakeClock

A, B = "kota-cirebon", "lokasi-02"


def sent(out: object, venue_id: str | None = None) -> list[wire._Msg]:
    return [
        s.message
        for s in out.sends  # type: ignore[attr-defined]
        if isinstance(s, Send) and (venue_id is None or s.venue_id == venue_id)
    ]


def refused(out: object) -> list[tuple[str, wire.ErrorCode]]:
    return [(s.venue_id, s.code) for s in out.sends if isinstance(s, Refuse)]  # type: ignore[attr-defined]


def acks(out: object) -> list[ArmAcked]:
    return [e for e in out.events if isinstance(e, ArmAcked)]  # type: ignore[attr-defined]


def session(*connected: str, at: float = 0.0, **options: float) -> StudioSession:
    s = StudioSession([A, B], **options)
    for vid in connected:
        s.connected(vid, at)
    return s


def test_nothing_to_wake_for_without_a_venue() -> None:
    assert StudioSession([A, B]).next_timer() is None


def test_heartbeats_go_out_once_a_second_acked_or_not() -> None:
    s = session(A)
    assert s.next_timer() == 0.0  # the first one at once
    out = s.handle_timer(0.0)
    assert sent(out, A) == [wire.Heartbeat(seq=0)]
    s.receive(A, wire.HeartbeatAck(seq=0), 0.004)
    assert s.rtt_s(A) == pytest.approx(0.004)
    assert s.next_timer() == pytest.approx(1.0)
    assert sent(s.handle_timer(0.5), A) == []  # woken early: nothing due
    # the next one names the last answered round's times: the venue's clock sample
    beat = wire.Heartbeat(seq=1, prev_seq=0, prev_sent=0.0, prev_answered=0.004)
    assert sent(s.handle_timer(1.0), A) == [beat]
    assert s.next_timer() == pytest.approx(2.0)


def test_a_round_is_timed_from_the_heartbeats_departure_to_the_answers_arrival() -> None:
    s = session(A)
    s.handle_timer(0.0)
    s.heartbeat_departed(A, 0, 0.002)  # it left 2 ms after the session made it
    s.heartbeat_departed(A, 5, 0.003)  # never sent: nothing to time
    s.heartbeat_departed(B, 0, 0.003)  # not connected: ignored
    s.receive(A, wire.HeartbeatAck(seq=0), 0.009, arrived=0.006)  # handled 3 ms after it came
    assert s.rtt_s(A) == pytest.approx(0.004)
    beat = wire.Heartbeat(seq=1, prev_seq=0, prev_sent=0.002, prev_answered=0.006)
    assert sent(s.handle_timer(1.0), A) == [beat]


def test_a_silent_venue_is_lost_at_the_instant_asked_for() -> None:
    s = session(A, B)
    s.handle_timer(0.0)
    s.receive(B, wire.Heartbeat(seq=7), 2.0)  # B keeps talking, A says nothing
    s.handle_timer(1.0)
    s.handle_timer(2.0)
    assert s.next_timer() == pytest.approx(2.8)  # A's silence, before B's next heartbeat
    out = s.handle_timer(2.79)
    assert not [e for e in out.events if isinstance(e, VenueLost)]
    out = s.handle_timer(2.8)
    assert out.events == [VenueLost(A, pytest.approx(2.8))]  # type: ignore[arg-type]
    assert s.liveness(A) is None and s.liveness(B) is not None
    assert sent(s.handle_timer(3.0), A) == []  # nothing more for a lost venue


def test_heartbeats_are_answered_and_other_messages_handed_on() -> None:
    s = session(A)
    out = s.receive(A, wire.Heartbeat(seq=41), 0.1)
    assert sent(out, A) == [wire.HeartbeatAck(seq=41)]
    chat = wire.Chat(text="siap")
    assert s.receive(A, chat, 0.2).events == [Received(A, chat)]


def test_the_arm_is_resent_until_acknowledged_and_only_to_reachable_venues() -> None:
    s = session(A, at=10.0)
    arm_id = s.arm(10.0, 10.0, [A, B], "Peresmian")
    assert s.next_timer() == 10.0
    out = s.handle_timer(10.0)
    arm = wire.Arm(arm_id=arm_id, fire_at=20.0, title="Peresmian", probe_every_s=0.02)
    assert sent(out, A) == [wire.Heartbeat(seq=0), arm] and sent(out, B) == []  # B: not joined
    assert sent(s.handle_timer(10.2), A) == []  # not yet: resends every 0.5 s
    assert sent(s.handle_timer(10.5), A) == [arm]
    assert sent(s.handle_timer(11.0), A) == [wire.Heartbeat(seq=1), arm]
    ack = wire.ArmAck(arm_id=arm_id, state="armed", local_deadline=99.0, bound_s=0.001)
    out = s.receive(A, ack, 11.1)
    assert out.events == [ArmAcked(A, arm_id, ArmState.ARMED, 0.001, True, 99.0)]
    assert arm not in sent(s.handle_timer(11.5), A)  # acknowledged: no more
    s.connected(B, 12.0)  # B joins late: it gets the arm at once
    assert s.next_timer() == 12.0
    assert arm in sent(s.handle_timer(12.0), B)


def test_the_arm_paces_the_venues_probes_to_what_the_studio_answers() -> None:
    from ceremony.countdown import STUDIO_ARMED_PROBES_PER_S

    venues = [f"v{n}" for n in range(100)]
    s = session(*venues, at=10.0)
    s.arm(10.0, 10.0, venues)
    arms = [m for m in sent(s.handle_timer(10.0), "v0") if isinstance(m, wire.Arm)]
    assert arms and arms[0].probe_every_s == pytest.approx(100 / STUDIO_ARMED_PROBES_PER_S)


def test_an_abort_must_be_acknowledged_again() -> None:
    s = session(A)
    arm_id = s.arm(0.0, 5.0, [A])
    s.handle_timer(0.0)
    s.receive(A, wire.ArmAck(arm_id=arm_id, state="armed", bound_s=0.001), 0.1)
    assert s.abort(0.15) == arm_id
    assert s.abort(0.16) is None  # twice: nothing more to abort
    assert wire.Abort(arm_id=arm_id) in sent(s.handle_timer(0.2), A)
    # A late "armed" answer does not acknowledge the abort
    s.receive(A, wire.ArmAck(arm_id=arm_id, state="armed"), 0.3)
    assert wire.Abort(arm_id=arm_id) in sent(s.handle_timer(0.75), A)
    s.receive(A, wire.ArmAck(arm_id=arm_id, state="aborted"), 0.8)
    assert wire.Abort(arm_id=arm_id) not in sent(s.handle_timer(1.5), A)
    assert CountdownZero(arm_id) not in s.handle_timer(6.0).events  # aborted: no zero


def test_a_bad_arm_request_is_refused() -> None:
    s = session(A)
    with pytest.raises(CountdownError):
        s.arm(0.0, 4.9, [A])
    with pytest.raises(CountdownError):
        s.arm(0.0, 10.0, [])


def test_refined_acks_are_journaled_once_a_second_at_most() -> None:
    s = session(A)
    arm_id = s.arm(0.0, 10.0, [A])
    journal = []
    for i in range(10):  # ten refinements in 0.9 s, then one more a second later
        ack = wire.ArmAck(arm_id=arm_id, state="armed", bound_s=0.001 + i * 1e-5)
        journal += [e.journal for e in acks(s.receive(A, ack, 0.1 * i))]
    assert journal == [True] + [False] * 9
    ack = wire.ArmAck(arm_id=arm_id, state="armed", bound_s=0.002)
    assert [e.journal for e in acks(s.receive(A, ack, 1.0))] == [True]
    ack = wire.ArmAck(arm_id=arm_id, state="missed")  # a change is always journaled
    assert [e.journal for e in acks(s.receive(A, ack, 1.1))] == [True]


def test_answers_to_unknown_and_older_arms() -> None:
    s = session(A, B)
    first = s.arm(0.0, 10.0, [A])
    second = s.arm(1.0, 10.0, [A])
    out = s.receive(A, wire.ArmAck(arm_id=first, state="armed"), 1.1)
    assert out.events == [] and refused(out) == []  # a late answer to an older arm: ignored
    out = s.receive(A, wire.ArmAck(arm_id=second + 5, state="armed"), 1.2)
    assert refused(out) == [(A, wire.ErrorCode.UNKNOWN_COUNTDOWN)]
    out = s.receive(B, wire.ArmAck(arm_id=second, state="armed"), 1.3)
    assert refused(out) == [(B, wire.ErrorCode.UNKNOWN_COUNTDOWN)]  # B was not in this arm
    out = s.receive(A, wire.ArmAck(arm_id=second, state="exploded"), 1.4)
    assert refused(out) == [(A, wire.ErrorCode.MALFORMED)]


def report(arm_id: int, **extra: Any) -> wire.FireReport:
    return wire.FireReport(
        arm_id=arm_id, local_deadline=50.0, local_fire=50.0002, bound_s=0.001, **extra
    )


def test_a_fire_report_is_counted_once_and_always_acknowledged() -> None:
    s = session(A)
    arm_id = s.arm(0.0, 10.0, [A])
    out = s.receive(A, report(arm_id), 10.01)
    assert sent(out, A) == [wire.FireReportAck(arm_id=arm_id)]
    assert out.events == [FireReported(A, report(arm_id), 10.0)]
    view = s.countdown.venues[A]
    assert view.state is ArmState.FIRED and view.fired_late_s == pytest.approx(0.0002)
    # The resend (its ack was lost) is acknowledged again and not counted again ...
    out = s.receive(A, report(arm_id), 11.0)
    assert sent(out, A) == [wire.FireReportAck(arm_id=arm_id)] and out.events == []
    # ... but a resend with the screen's lateness updates what is shown
    later = report(arm_id, onset_method=OnsetMethod.NO_SOUND, screen_late_s=0.008)
    assert s.receive(A, later, 11.5).events == []
    assert view.onset is not None and view.onset.screen_late_s == 0.008
    out = s.receive(A, report(arm_id + 1), 12.0)  # never armed: acknowledged, refused
    assert sent(out, A) == [wire.FireReportAck(arm_id=arm_id + 1)]
    assert refused(out) == [(A, wire.ErrorCode.UNKNOWN_COUNTDOWN)]


def test_zero_is_told_once_at_the_armed_instant() -> None:
    s = session(A)
    arm_id = s.arm(0.0, 10.0, [A])
    s.handle_timer(0.0)
    s.receive(A, wire.ArmAck(arm_id=arm_id, state="armed"), 0.1)
    for t in (1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0):
        s.receive(A, wire.Heartbeat(seq=int(t)), t)
        assert CountdownZero(arm_id) not in s.handle_timer(t).events
    assert s.next_timer() == pytest.approx(10.0)  # the heartbeat and zero coincide
    assert CountdownZero(arm_id) in s.handle_timer(10.0).events
    s.receive(A, wire.Heartbeat(seq=10), 10.0)
    assert CountdownZero(arm_id) not in s.handle_timer(11.0).events


def restored(arm_id: int, fire_at: float, acked: set[str]) -> StudioCountdown:
    """A countdown as a restart reads it back from the journal."""
    cd = StudioCountdown(arm_id=arm_id - 1)
    cd.arm(fire_at - 10.0, 10.0, [A, B], "Peresmian")
    for vid in acked:
        cd.on_ack(vid, arm_id, ArmState.ARMED, None, 0.001)
    return cd


def test_a_restored_arm_is_resent_and_its_reports_collected() -> None:
    s = session(A, B, at=95.0)
    s.restore_countdown(restored(7, 100.0, {B}), 95.0)
    arm = wire.Arm(arm_id=7, fire_at=100.0, title="Peresmian", probe_every_s=0.02)
    out = s.handle_timer(95.0)
    assert arm in sent(out, A) and arm not in sent(out, B)  # B had acknowledged it
    assert s.arm(96.0, 10.0, [A]) == 8  # arm ids carry on
    s = session(A, at=120.0)
    s.restore_countdown(restored(7, 100.0, {A, B}), 120.0)  # after its instant
    out = s.receive(A, report(7), 120.1)
    assert [type(e) for e in out.events] == [FireReported]
    assert s.receive(A, report(7), 120.2).events == []  # counted once
    assert CountdownZero(7) not in s.handle_timer(121.0).events  # zero is not told again


def test_a_reconnect_starts_a_fresh_link() -> None:
    s = session(A)
    s.handle_timer(0.0)
    s.disconnected(A)
    assert s.next_timer() is None
    s.connected(A, 5.0)
    assert sent(s.handle_timer(5.0), A) == [wire.Heartbeat(seq=0)]


# ---- the program as each venue is shown it -----------------------------------------------


def test_program_state_tally_and_the_speakers_end_instant(sample: Runsheet) -> None:
    clock = FakeClock()
    seq = Sequencer(sample)
    report_item = next(i for i, it in enumerate(sample.items) if it.source == Source.venue(A))
    seq.apply(c.Go(), clock.now())
    seq.apply(c.Jump(report_item), clock.advance(1.0))
    now = clock.advance(12.5)
    view = seq.view(now)
    on_a = program_state(sample, view, Source.venue(A), None, A, now_mono=now.mono)
    assert on_a.tally is wire.Tally.ON_AIR and on_a.item_index == report_item
    assert on_a.ends_at == pytest.approx(now.mono + view.remaining_s)
    assert on_a.remaining_s == pytest.approx(sample.items[report_item].duration_s - 12.5)
    assert program_state(sample, view, Source.venue(A), B, B, now_mono=now.mono).tally is (
        wire.Tally.PREVIEW
    )
    seq.apply(c.Hold(), now)
    held = program_state(sample, seq.view(now), Source.venue(A), None, A, now_mono=now.mono)
    assert held.held and held.ends_at is None and held.remaining_s == on_a.remaining_s


# ---- a hundred venues: the session's wake-ups do not grow with them --------------------------


def test_a_hundred_venues_heartbeat_on_a_grid_of_ten_wakeups_a_second() -> None:
    ids = [f"v{i:03d}" for i in range(100)]
    s = StudioSession(ids)
    for i, vid in enumerate(ids):  # joined 10 ms apart: a hundred different phases
        s.connected(vid, i * 0.01)
    beats: dict[str, list[float]] = {vid: [] for vid in ids}
    wakes = 0
    while (at := s.next_timer()) is not None and at <= 20.0:
        wakes += 1
        out = s.handle_timer(at)
        for item in out.sends:
            assert isinstance(item, Send) and isinstance(item.message, wire.Heartbeat)
            beats[item.venue_id].append(at)
            # every venue answers at once (its answer keeps it alive)
            s.receive(item.venue_id, wire.HeartbeatAck(seq=item.message.seq), at)
        assert not out.events  # nobody lost
    assert wakes <= 10 * 20 + 1
    for times in beats.values():
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert min(gaps) >= 1.0 - 1e-9 and max(gaps) <= 1.0 + TIMER_GRID_S + 1e-9


def test_among_a_hundred_venues_the_silent_one_is_lost_at_its_instant() -> None:
    ids = [f"v{i:03d}" for i in range(100)]
    s = StudioSession(ids)
    for vid in ids:
        s.connected(vid, 0.0)
    lost: list[tuple[str, float]] = []
    while (at := s.next_timer()) is not None and at <= 6.0:
        out = s.handle_timer(at)
        lost += [(e.venue_id, at) for e in out.events if isinstance(e, VenueLost)]
        for item in out.sends:
            if item.venue_id != "v042" and isinstance(item, Send):
                s.receive(item.venue_id, wire.HeartbeatAck(seq=0), at)
    assert [vid for vid, _ in lost] == ["v042"] and lost[0][1] == pytest.approx(2.8)


def test_a_venues_stats_ride_on_its_heartbeat_answer() -> None:
    s = session(A)
    s.handle_timer(0.0)
    stats = wire.Stats(
        program_fps=30.0,
        program_frames=300,
        audio_frames=0,
        video_fps_sent=0.0,
        video_frames_sent=0,
        reconnects=0,
    )
    out = s.receive(A, wire.HeartbeatAck(seq=0, stats=stats), 0.004)
    assert out.events == [Received(A, stats)] and s.rtt_s(A) == pytest.approx(0.004)
    assert s.receive(A, wire.HeartbeatAck(seq=1), 1.0).events == []
    ack = wire.HeartbeatAck(seq=2, stats=stats)
    assert wire.decode(wire.encode(ack), wire.VENUE_MAY_SEND) == ack  # as it crosses the wire


def answers_asked(s: StudioSession, vid: str, start: float, end: float) -> list[float]:
    """Run the timer each tenth of a second over [start, end); the instants whose heartbeat to
    `vid` asked for an answer (each one is answered at once, the venue's SACK heard too)."""
    asked = []
    for step in range(round((end - start) / TIMER_GRID_S)):
        now = start + step * TIMER_GRID_S
        for beat in sent(s.handle_timer(now), vid):
            if not isinstance(beat, wire.Heartbeat):
                continue
            s.transport_heard(vid, now + 0.001)
            if beat.answer:
                asked.append(round(now, 1))
                s.receive(vid, wire.HeartbeatAck(seq=beat.seq), now + 0.002)
        s.next_timer()
    return asked


def test_a_venue_heard_at_the_transport_answers_every_few_seconds() -> None:
    s = session(A, idle_heartbeat_s=1.0, answer_every_s=3.0)
    # Not heard at the transport yet: every heartbeat asks for an answer, as before.
    out = s.handle_timer(0.0)
    assert [b.answer for b in sent(out, A)] == [True]  # type: ignore[attr-defined]
    s.receive(A, wire.HeartbeatAck(seq=0), 0.002)
    s.transport_heard(A, 0.5)
    assert answers_asked(s, A, 1.0, 10.0) == [3.0, 6.0, 9.0]
    assert s.rtt_s(A) == pytest.approx(0.002)


def test_a_venue_not_heard_at_the_transport_answers_every_heartbeat() -> None:
    s = session(A)
    asked = []
    for step in range(50):
        now = step * TIMER_GRID_S
        for beat in sent(s.handle_timer(now), A):
            assert isinstance(beat, wire.Heartbeat) and beat.answer
            asked.append(now)
            s.receive(A, wire.HeartbeatAck(seq=beat.seq), now + 0.002)
    assert len(asked) == 5


def test_while_armed_every_heartbeat_asks_for_an_answer() -> None:
    s = session(A, idle_heartbeat_s=1.0, answer_every_s=3.0)
    s.handle_timer(0.0)
    s.receive(A, wire.HeartbeatAck(seq=0), 0.002)
    s.transport_heard(A, 0.002)
    assert answers_asked(s, A, 0.1, 3.0) == []
    s.arm(3.0, 5.0, [A])  # zero at 8.0
    assert answers_asked(s, A, 3.0, 11.0) == [3.0, 4.0, 5.0, 6.0, 7.0, 10.0]


def test_between_its_answers_the_transport_keeps_a_venue_alive() -> None:
    s = session(A, idle_heartbeat_s=1.0, answer_every_s=3.0)
    s.handle_timer(0.0)
    s.receive(A, wire.HeartbeatAck(seq=0), 0.002)
    s.transport_heard(A, 0.002)
    assert answers_asked(s, A, 0.1, 10.0) == [3.0, 6.0, 9.0]  # answered; SACKs between
    # Then the venue dies: lost 2.8 s after the last packet it sent (its answer at 9.002).
    for beat_at in (10.0, 11.0):  # the next heartbeats, unacknowledged
        assert s.next_timer() == pytest.approx(beat_at)
        assert not s.handle_timer(beat_at).events
    assert s.next_timer() == pytest.approx(9.002 + 2.8)
    assert [e.venue_id for e in s.handle_timer(11.802).events if isinstance(e, VenueLost)] == [A]


def test_a_venue_acknowledging_but_not_answering_is_lost_when_its_answer_is_late() -> None:
    """Its stack lives (SACKs come) but its session is stuck: the answer asked for is due
    within the loss bound."""
    s = session(A, idle_heartbeat_s=1.0)
    s.handle_timer(0.0)
    s.receive(A, wire.HeartbeatAck(seq=0), 0.002)
    s.transport_heard(A, 0.002)
    lost: list[VenueLost] = []
    for step in 1, 2, 3, 4, 5, 6, 7, 8, 9:
        now = step * 1.0
        out = s.handle_timer(now)
        if sent(out, A):
            s.transport_heard(A, now + 0.001)  # acknowledged, never answered
        lost += [e for e in out.events if isinstance(e, VenueLost)]
        s.next_timer()
    assert [e.venue_id for e in lost] == [A]  # asked at 3.0, due by 5.8
    assert s.liveness(A) is None


def test_the_studios_own_stall_is_not_venue_silence() -> None:
    s = session(A, B, idle_heartbeat_s=1.0)
    s.handle_timer(0.0)
    for vid in A, B:
        s.receive(vid, wire.HeartbeatAck(seq=0), 0.01)
        s.transport_heard(vid, 0.01)
    assert s.next_timer() == pytest.approx(1.0)
    # The loop was away for 4 s: the timer asked for 1.0 runs at 5.0. Nobody is lost yet...
    out = s.handle_timer(5.0)
    assert not [e for e in out.events if isinstance(e, VenueLost)]
    # ...A's packets, waiting meanwhile, are read now; B truly went silent.
    s.transport_heard(A, 5.05)
    assert s.next_timer() == pytest.approx(5.0 + 1.0)  # the grace's end: B's verdict
    lost = [e for e in s.handle_timer(6.0).events if isinstance(e, VenueLost)]
    assert [e.venue_id for e in lost] == [B]


def test_a_timer_run_on_time_gives_no_grace() -> None:
    s = session(A, idle_heartbeat_s=1.0)
    s.handle_timer(0.0)
    s.transport_heard(A, 0.0)
    for now in (1.0, 2.0):
        s.next_timer()
        s.handle_timer(now)
    assert s.next_timer() == pytest.approx(2.8)
    assert [e.venue_id for e in s.handle_timer(2.8).events if isinstance(e, VenueLost)] == [A]


def test_healthy_idle_venues_are_heartbeaten_every_three_seconds() -> None:
    s = session(A)
    s.handle_timer(0.0)
    s.receive(A, wire.HeartbeatAck(seq=0), 0.002)
    assert s.next_timer() == pytest.approx(1.0)  # not heard at the transport yet: every second
    s.transport_heard(A, 0.002)
    assert s.next_timer() == pytest.approx(IDLE_HEARTBEAT_S)
    beats = []
    for step in range(1, 100):  # ten seconds, every SACK heard, asked answers given
        now = step * TIMER_GRID_S
        for beat in sent(s.handle_timer(now), A):
            assert isinstance(beat, wire.Heartbeat)
            beats.append((round(now, 1), beat.answer))
            s.transport_heard(A, now + 0.001)
            if beat.answer:
                s.receive(A, wire.HeartbeatAck(seq=beat.seq), now + 0.002)
        s.next_timer()
    assert (IDLE_HEARTBEAT_S, ANSWER_EVERY_S) == (3.0, 6.0)
    assert beats == [(3.0, False), (6.0, True), (9.0, False)]  # every second one answered
    # An arm: a heartbeat a second again, each asking for an answer, and the 2.8 s bound.
    s.arm(10.0, 5.0, [A])
    out = sent(s.handle_timer(10.0), A)  # due at once: 9.0 + 1 s has passed
    assert [b.answer for b in out if isinstance(b, wire.Heartbeat)] == [True]
    assert [type(m) for m in out if not isinstance(m, wire.Heartbeat)] == [wire.Arm]
    # The venue dies at once (its last packet at 10.01): lost 2.8 s after the answer asked
    # for at 10.0 never came.
    s.transport_heard(A, 10.01)
    times = []
    while (at := s.next_timer()) is not None and at < 14.0:
        if [e for e in s.handle_timer(at).events if isinstance(e, VenueLost)]:
            times.append(at)
            break
    assert times == [pytest.approx(10.0 + 2.8)]


def test_idle_and_silent_a_venue_is_lost_after_4_8_s() -> None:
    """The margin over the heartbeat interval stays 1.8 s: 2.8 s at one a second, 4.8 s at
    IDLE_HEARTBEAT_S."""
    s = session(A)
    s.handle_timer(0.0)
    s.receive(A, wire.HeartbeatAck(seq=0), 0.002)
    s.transport_heard(A, 0.002)
    lost_at = None
    while (at := s.next_timer()) is not None and at < 10.0:
        if [e for e in s.handle_timer(at).events if isinstance(e, VenueLost)]:
            lost_at = at
            break
    assert lost_at == pytest.approx(0.002 + 4.8)


def test_a_studio_late_all_the_time_still_loses_a_dead_venue() -> None:
    s = session(A, idle_heartbeat_s=1.0)
    s.handle_timer(0.0)
    s.receive(A, wire.HeartbeatAck(seq=0), 0.01)  # then nothing: A is dead
    lost_at = None
    now = 0.0
    while lost_at is None and now < 20.0:
        at = s.next_timer()
        assert at is not None
        now = at + 0.6  # every timer runs 0.6 s late
        if [e for e in s.handle_timer(now).events if isinstance(e, VenueLost)]:
            lost_at = now
    assert lost_at is not None and lost_at < 0.01 + 2.8 + 1.0 + 0.6 + 1e-9
