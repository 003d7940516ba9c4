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


def session(*connected: str, at: float = 0.0) -> StudioSession:
    s = StudioSession([A, B])
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
    arm = wire.Arm(arm_id=arm_id, fire_at=20.0, title="Peresmian")
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
    arm = wire.Arm(arm_id=7, fire_at=100.0, title="Peresmian")
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


def lost_ids(out: object) -> list[str]:
    return [e.venue_id for e in out.events if isinstance(e, VenueLost)]  # type: ignore[attr-defined]


def test_a_stall_of_the_studios_own_loop_is_not_a_venues_silence() -> None:
    """Heard at 0 and at 1; the studio's loop then stood still from 1.2 to 4.6 (its timer due
    at 1.2 ran 3.4 s late): the venue's next messages wait unread in the socket. Not lost."""
    clock = FakeClock(mono=0.0)
    s = session(A, B, at=clock.mono)
    clock.advance(1.0)
    s.receive(A, wire.Heartbeat(seq=1), clock.mono)
    s.receive(B, wire.Heartbeat(seq=1), clock.mono)
    clock.advance(3.6)  # 4.6: 3.6 s since either was heard, past LOST_AFTER_S
    s.loop_late(clock.mono, late_s=3.4)
    assert lost_ids(s.handle_timer(clock.mono)) == []
    # What they had sent meanwhile is read now: both are well.
    s.receive(A, wire.Heartbeat(seq=2), clock.mono)
    s.receive(B, wire.Heartbeat(seq=2), clock.mono)
    assert s.next_timer() is not None and s.next_timer() > clock.mono  # type: ignore[operator]


def test_without_the_stall_the_same_silence_loses_both() -> None:
    clock = FakeClock(mono=0.0)
    s = session(A, B, at=clock.mono)
    clock.advance(1.0)
    s.receive(A, wire.Heartbeat(seq=1), clock.mono)
    s.receive(B, wire.Heartbeat(seq=1), clock.mono)
    clock.advance(3.6)
    s.loop_late(clock.mono, late_s=0.05)  # an ordinary lag: the loop was reading
    assert sorted(lost_ids(s.handle_timer(clock.mono))) == [A, B]


def test_a_venue_that_stays_silent_after_a_stall_is_still_lost() -> None:
    """The stall is excused, not the venue: only the time the studio listened counts, and
    2.8 s of that is still a loss (at 1 + 3.4 + 2.8 = 7.2 here)."""
    clock = FakeClock(mono=0.0)
    s = session(A, B, at=clock.mono)
    clock.advance(1.0)
    s.receive(A, wire.Heartbeat(seq=1), clock.mono)
    s.receive(B, wire.Heartbeat(seq=1), clock.mono)
    clock.advance(3.6)
    s.loop_late(clock.mono, late_s=3.4)
    assert lost_ids(s.handle_timer(clock.mono)) == []
    s.receive(B, wire.Heartbeat(seq=2), clock.mono)  # only B was still there
    lost: list[tuple[str, float]] = []
    while clock.mono < 10.0:
        at = s.next_timer()
        assert at is not None
        clock.mono = max(at, clock.mono)
        lost += [(vid, clock.mono) for vid in lost_ids(s.handle_timer(clock.mono))]
        s.receive(B, wire.Heartbeat(seq=3), clock.mono)  # B keeps talking
    assert [vid for vid, _ in lost] == [A]
    assert lost[0][1] == pytest.approx(7.2)


def test_a_stall_is_never_counted_beyond_now() -> None:
    """However long the reported stall, the silence counted never runs backwards."""
    clock = FakeClock(mono=0.0)
    s = session(A, at=clock.mono)
    clock.advance(2.0)
    s.loop_late(clock.mono, late_s=60.0)
    link = s.liveness(A)
    assert link is not None and link.last_heard == clock.mono
    clock.advance(2.8)
    assert lost_ids(s.handle_timer(clock.mono)) == [A]
