"""The venue's session protocol, sans I/O: a fake `now` on the venue's clock, no sockets."""

from __future__ import annotations

import itertools

import pytest

from ceremony import wire
from ceremony.countdown import ArmState, speaker_remaining
from ceremony.session import Channel, Send, VenueSession
from ceremony.session.venue import (
    ARMED_PROBE_INTERVAL_S,
    BURST_GAP_S,
    BURST_PROBES,
    FAST_PROBING_MAX_S,
    PROBE_INTERVAL_S,
    ROUNDS_PROBE_INTERVAL_S,
    SETTLED_PROBE_INTERVAL_S,
    YOUNG_LINK_S,
    YOUNG_PROBE_INTERVAL_S,
    ArmChanged,
    CancelFire,
    PlaceFire,
    StudioQuiet,
)

OFFSET = 37.25  # the studio's clock runs this far ahead of the venue's


def sent(out: object, channel: Channel = Channel.CONTROL) -> list[wire._Msg]:
    return [
        s.message
        for s in out.sends  # type: ignore[attr-defined]
        if isinstance(s, Send) and s.channel is channel
    ]


def attached(at: float = 0.0) -> VenueSession:
    s = VenueSession()
    s.new_connection()
    welcome = wire.Welcome(
        studio="S", ceremony_id="c", ceremony_title="T", venue_id="v", venue_name="V"
    )
    s.receive(welcome, at)
    assert s.welcome == welcome
    s.attach(at)
    return s


def answer_probes(s: VenueSession, out: object, rtt: float = 0.001) -> None:
    """The studio answers each probe at once over a symmetric path."""
    for probe in sent(out, Channel.CLOCK):
        assert isinstance(probe, wire.ClockProbe)
        t2 = probe.t1 + OFFSET + rtt / 2
        reply = wire.ClockReply(seq=probe.seq, t1=probe.t1, t2=t2, t3=t2)
        s.receive_clock(reply, probe.t1 + rtt)


def run(s: VenueSession, until: float, *, studio_answers: bool = True) -> list[object]:
    """Wake the session at each instant it asks for, up to `until`; the studio's heartbeats
    keep the link alive. Returns every event."""
    events: list[object] = []
    while (at := s.next_timer()) is not None and at <= until:
        out = s.handle_timer(at)
        events += out.events
        if studio_answers:
            answer_probes(s, out)
            s.receive(wire.HeartbeatAck(seq=0), at)
    return events


def test_a_detached_session_sleeps() -> None:
    s = VenueSession()
    assert s.next_timer() is None
    assert s.handle_timer(5.0).sends == []


def test_joining_probes_in_a_burst_then_at_two_hertz() -> None:
    s = attached(10.0)
    times = []
    while (at := s.next_timer()) is not None and at <= 12.0:
        out = s.handle_timer(at)
        times += [at for _ in sent(out, Channel.CLOCK)]
        s.receive(wire.Heartbeat(seq=1), at)  # keep the link alive
    burst = [10.0 + i * BURST_GAP_S for i in range(BURST_PROBES)]
    assert times[:BURST_PROBES] == pytest.approx(burst)
    steady = times[BURST_PROBES:]
    assert steady[0] == pytest.approx(burst[-1] + BURST_GAP_S)
    assert [b - a for a, b in itertools.pairwise(steady)] == pytest.approx(
        [PROBE_INTERVAL_S] * (len(steady) - 1)
    )


def test_the_studios_heartbeats_are_answered_and_its_silence_asked_about() -> None:
    s = attached(0.0)
    assert sent(s.handle_timer(0.0)) == []  # the studio heartbeats: no echo of ours
    assert sent(s.receive(wire.Heartbeat(seq=9), 0.9)) == [wire.HeartbeatAck(seq=9)]
    assert s.next_timer() is not None
    assert wire.Heartbeat(seq=0) not in sent(s.handle_timer(2.3))
    # 1.5 s of studio silence: a heartbeat of our own, whose answer proves the link
    assert sent(s.handle_timer(2.4)) == [wire.Heartbeat(seq=0)]
    assert wire.Heartbeat(seq=1) not in sent(s.handle_timer(3.0))  # once a second at most
    assert wire.Heartbeat(seq=1) in sent(s.handle_timer(3.4))
    s.receive(wire.HeartbeatAck(seq=1), 3.403)
    assert s.liveness.rtt_s == pytest.approx(0.003)
    assert sent(s.receive(wire.Cue(cue_id=4, text="Siap"), 3.5)) == [wire.CueAck(cue_id=4)]


def probe_times(s: VenueSession, until: float) -> list[float]:
    times: list[float] = []
    while (at := s.next_timer()) is not None and at <= until:
        out = s.handle_timer(at)
        times += [p.t1 for p in sent(out, Channel.CLOCK)]  # type: ignore[attr-defined]
        answer_probes(s, out)
        s.receive(wire.Heartbeat(seq=1), at)  # the studio's heartbeats keep the link alive
    return times


def test_probes_slow_down_once_settled_and_speed_up_for_an_arm() -> None:
    s = attached(0.0)
    times = probe_times(s, 40.0)
    gaps = [b - a for a, b in itertools.pairwise(times[BURST_PROBES:])]
    assert gaps[0] == pytest.approx(PROBE_INTERVAL_S)  # 2 Hz until a drift is fitted ...
    assert s.estimator.settled(40.0)
    assert s.liveness.rtt_s == pytest.approx(0.001)  # the probes' round trip, for the screen
    assert gaps[-1] == pytest.approx(SETTLED_PROBE_INTERVAL_S)  # ... then slow
    assert len(times) < BURST_PROBES + 40 * 2 / 2  # under half of a steady 2 Hz
    s.receive(wire.Arm(arm_id=1, fire_at=OFFSET + 48.0), 40.05)
    assert s.next_timer() == pytest.approx(40.05)  # the armed rate at once, not in 2 s
    armed = probe_times(s, 47.0)
    assert armed[0] == pytest.approx(40.05)
    assert [b - a for a, b in itertools.pairwise(armed)] == pytest.approx(
        [ARMED_PROBE_INTERVAL_S] * (len(armed) - 1)
    )


def test_an_arm_that_asks_for_slower_probes_is_probed_at_that_rate_never_faster_than_own() -> None:
    s = attached(0.0)
    probe_times(s, 40.0)
    s.receive(wire.Arm(arm_id=1, fire_at=OFFSET + 48.0, probe_every_s=1.0), 40.05)
    armed = probe_times(s, 47.0)
    assert [b - a for a, b in itertools.pairwise(armed)] == pytest.approx([1.0] * (len(armed) - 1))
    s.receive(wire.Arm(arm_id=2, fire_at=OFFSET + 58.0, probe_every_s=0.01), 48.0)
    armed = probe_times(s, 55.0)
    assert min(b - a for a, b in itertools.pairwise(armed)) == pytest.approx(ARMED_PROBE_INTERVAL_S)


def test_a_quiet_studio_is_told_once_and_the_session_then_sleeps() -> None:
    s = attached(0.0)
    s.handle_timer(0.0)
    s.receive(wire.HeartbeatAck(seq=0), 0.5)
    events = run(s, 10.0, studio_answers=False)
    quiet = [e for e in events if isinstance(e, StudioQuiet)]
    assert quiet == [StudioQuiet(pytest.approx(2.8))]  # type: ignore[arg-type]
    assert s.next_timer() is None


def test_an_arm_without_a_clock_is_placed_once_probes_answer() -> None:
    s = attached(0.0)
    out = s.receive(wire.Arm(arm_id=1, fire_at=OFFSET + 20.0), 0.001)  # before any probe
    assert sent(out) == [wire.ArmAck(arm_id=1, state="no_clock")]
    assert [e for e in out.events if isinstance(e, PlaceFire)] == []
    events = run(s, 1.0)
    placed = [e for e in events if isinstance(e, PlaceFire)]
    assert placed and placed[0].arm_id == 1
    assert placed[-1].deadline_local == pytest.approx(20.0, abs=1e-4)
    changed = [e for e in events if isinstance(e, ArmChanged)]
    assert changed[0].state is ArmState.ARMED


def test_an_arm_is_placed_refined_and_answered_the_same_when_resent() -> None:
    s = attached(0.0)
    run(s, 1.0)  # a clock estimate
    out = s.receive(wire.Arm(arm_id=3, fire_at=OFFSET + 20.0, title="Peresmian"), 1.0)
    (ack,) = sent(out)
    assert isinstance(ack, wire.ArmAck) and ack.state == "armed"
    assert ack.local_deadline == pytest.approx(20.0, abs=1e-4)
    assert [type(e) for e in out.events] == [PlaceFire, ArmChanged]
    assert not out.events[0].refined  # type: ignore[union-attr]
    again = s.receive(wire.Arm(arm_id=3, fire_at=OFFSET + 20.0, title="Peresmian"), 1.2)
    assert sent(again) == [ack]  # a resend: the same answer
    events = run(s, 19.9)
    refined = [e for e in events if isinstance(e, PlaceFire)]
    assert refined, "the deadline is refined while probes keep coming"
    assert all(e.refined for e in refined)  # only the deadline moves
    assert all(e.deadline_local == pytest.approx(20.0, abs=1e-4) for e in refined)


def test_no_refinement_in_the_last_fifth_of_a_second() -> None:
    s = attached(0.0)
    run(s, 1.0)
    s.receive(wire.Arm(arm_id=3, fire_at=OFFSET + 20.0), 1.0)
    placed_at = []
    while (at := s.next_timer()) is not None and at <= 20.5:
        out = s.handle_timer(at)
        answer_probes(s, out)
        s.receive(wire.HeartbeatAck(seq=0), at)
        placed_at += [at for e in out.events if isinstance(e, PlaceFire)]
    assert placed_at and max(placed_at) < 20.0 - 0.2


def test_an_abort_cancels_the_firing_and_is_acknowledged() -> None:
    s = attached(0.0)
    run(s, 1.0)
    s.receive(wire.Arm(arm_id=2, fire_at=OFFSET + 20.0), 1.0)
    out = s.receive(wire.Abort(arm_id=2), 2.0)
    assert CancelFire(2) in out.events
    (ack,) = sent(out)
    assert isinstance(ack, wire.ArmAck) and (ack.arm_id, ack.state) == (2, "aborted")
    assert ArmChanged(2, ArmState.ABORTED, None, None) in out.events
    out = s.receive(wire.Abort(arm_id=9), 2.1)  # never heard of: aborted all the same
    assert sent(out) == [wire.ArmAck(arm_id=9, state="aborted")]


def armed_and_fired(s: VenueSession) -> None:
    run(s, 1.0)
    s.receive(wire.Arm(arm_id=5, fire_at=OFFSET + 20.0), 1.0)
    run(s, 19.9)


def test_the_fire_report_is_resent_until_acknowledged() -> None:
    s = attached(0.0)
    armed_and_fired(s)
    out = s.fired(5, 20.0003, 20.0, None)
    (first,) = sent(out)
    assert isinstance(first, wire.FireReport)
    assert first.local_fire == 20.0003 and first.fire_late_s == pytest.approx(0.0003)
    reports = []
    while (at := s.next_timer()) is not None and at <= 23.0:
        out = s.handle_timer(at)
        answer_probes(s, out)
        s.receive(wire.HeartbeatAck(seq=0), at)
        reports += [at for m in sent(out) if isinstance(m, wire.FireReport)]
    assert len(reports) >= 2
    assert [b - a for a, b in itertools.pairwise(reports)] == pytest.approx(
        [1.0] * (len(reports) - 1)
    )
    s.receive(wire.FireReportAck(arm_id=5), 23.0)
    out = s.handle_timer(25.0)
    assert [m for m in sent(out) if isinstance(m, wire.FireReport)] == []
    # The zero screen's lateness is sent even after the acknowledgement
    out = s.screen_shown(None, 0.012)
    (late,) = sent(out)
    assert isinstance(late, wire.FireReport) and late.screen_late_s == 0.012


def test_a_report_waits_for_the_next_connection() -> None:
    s = attached(0.0)
    armed_and_fired(s)
    s.detach()
    assert sent(s.fired(5, 20.0001, 20.0, None)) == []  # the link is down at zero
    assert s.countdown.pending_reports  # kept
    s.new_connection()
    s.attach(30.0)
    events_sends = []
    while (at := s.next_timer()) is not None and at <= 31.0:
        out = s.handle_timer(at)
        s.receive(wire.HeartbeatAck(seq=0), at)
        events_sends += [m for m in sent(out) if isinstance(m, wire.FireReport)]
    assert [m.arm_id for m in events_sends][:1] == [5]


# ---- the speaker's timer, placed like the countdown ----------------------------------------


def program(**fields: object) -> wire.ProgramState:
    base: dict[str, object] = {"tally": wire.Tally.ON_AIR, "item_index": 3, "item_count": 9}
    return wire.ProgramState(**(base | fields))  # type: ignore[arg-type]


def test_the_speakers_time_runs_out_at_the_studios_instant() -> None:
    # Sent at studio 1000.0 with 95 s left; it arrives 0.4 s later (transit), venue clock
    # = studio - OFFSET. The estimate places the end; the arrival time does not matter.
    state = program(remaining_s=95.0, ends_at=1095.0)
    arrived = 1000.4 - OFFSET
    assert speaker_remaining(state, OFFSET, arrived, arrived) == pytest.approx(94.6)
    assert speaker_remaining(state, OFFSET, arrived + 90.0, arrived) == pytest.approx(4.6)
    assert speaker_remaining(state, OFFSET, arrived + 100.0, arrived) == pytest.approx(-5.4)


def test_the_speakers_time_held_or_without_an_estimate() -> None:
    held = program(remaining_s=40.0, held=True)
    assert speaker_remaining(held, OFFSET, 500.0, 10.0) == 40.0  # held: it does not run
    state = program(remaining_s=95.0, ends_at=1095.0)
    assert speaker_remaining(state, None, 22.5, 10.0) == pytest.approx(82.5)  # from arrival
    older = program(remaining_s=95.0)  # a studio that sends no end instant
    assert speaker_remaining(older, OFFSET, 22.5, 10.0) == pytest.approx(82.5)
    assert speaker_remaining(program(), OFFSET, 22.5, 10.0) is None


def test_the_studios_heartbeats_bring_clock_samples_and_slow_the_probes() -> None:
    s = attached(0.0)
    path = 0.002  # each way

    def studio_now(venue_t: float) -> float:
        return venue_t + OFFSET

    sent_at: dict[int, float] = {}
    answered: dict[int, float] = {}
    probes: list[float] = []
    t = 0.0
    seq = 0
    while t < 200.0:
        while (at := s.next_timer()) is not None and at <= t:
            out = s.handle_timer(at)
            probes += [p.t1 for p in sent(out, Channel.CLOCK)]  # type: ignore[attr-defined]
            answer_probes(s, out, rtt=2 * path)
        # the studio's heartbeat, sent at t on its clock, heard `path` later here ...
        prev = seq - 1 if seq - 1 in answered else None
        beat = wire.Heartbeat(
            seq=seq,
            prev_seq=prev,
            prev_sent=sent_at.get(prev) if prev is not None else None,
            prev_answered=answered.get(prev) if prev is not None else None,
        )
        sent_at[seq] = studio_now(t)
        (ack,) = sent(s.receive(beat, t + path))
        assert ack == wire.HeartbeatAck(seq=seq)
        answered[seq] = studio_now(t + 2 * path)  # ... and its answer back `path` after that
        seq += 1
        t += 1.0
    est = s.estimator.estimate(t)
    assert est is not None and est.offset == pytest.approx(OFFSET, abs=1e-6)
    assert est.bound >= path  # half the round trip at least: the bound stays honest
    # 40 s: the burst, 2 Hz until settled, then one every YOUNG_PROBE_INTERVAL_S ...
    assert (
        len([p for p in probes if p <= 40.0])
        < BURST_PROBES + 2 * 12 + 40 / YOUNG_PROBE_INTERVAL_S + 2
    )
    young = [p for p in probes if FAST_PROBING_MAX_S + 1 < p < YOUNG_LINK_S]
    assert len(young) >= 8
    assert min(b - a for a, b in itertools.pairwise(young)) == pytest.approx(
        YOUNG_PROBE_INTERVAL_S, abs=0.01
    )
    # ... and once the link is no longer young, one every ROUNDS_PROBE_INTERVAL_S
    old = [p for p in probes if p > YOUNG_LINK_S + YOUNG_PROBE_INTERVAL_S]
    assert len(old) >= 2
    assert min(b - a for a, b in itertools.pairwise(old)) == pytest.approx(
        ROUNDS_PROBE_INTERVAL_S, abs=0.01
    )
    assert s.probe_interval(t) == ROUNDS_PROBE_INTERVAL_S


def test_a_heartbeat_round_is_timed_from_arrival_to_the_answers_departure() -> None:
    """Heard when its datagram came, answered when the answer left: the loop's waits either
    side are not counted into the round trip, so the sample is as narrow as its path."""
    s = attached(0.0)
    path = 0.001
    s.receive(wire.Heartbeat(seq=4), 10.02, arrived=10.0 + path)  # handled 19 ms after
    s.answer_sent(4, 10.03)  # and the answer left 10 ms after that
    s.answer_sent(99, 10.03)  # never heard: nothing to time
    assert s.estimator.estimate(11.0) is None
    s.receive(
        wire.Heartbeat(
            seq=5,
            prev_seq=4,
            prev_sent=10.0 + OFFSET,
            prev_answered=10.03 + path + OFFSET,
        ),
        11.0,
    )
    est = s.estimator.estimate(11.0)
    assert est is not None and est.samples == 1 and est.rtt == pytest.approx(2 * path)
    assert est.offset == pytest.approx(OFFSET, abs=1e-6)


def test_fast_probing_ends_after_a_while_even_without_a_drift_fit() -> None:
    s = attached(0.0)
    jitter = itertools.chain([0.001], itertools.cycle([0.02, 0.05, 0.03]))  # one short trip
    times: list[float] = []
    while (at := s.next_timer()) is not None and at <= 40.0:
        out = s.handle_timer(at)
        times += [p.t1 for p in sent(out, Channel.CLOCK)]  # type: ignore[attr-defined]
        answer_probes(s, out, rtt=next(jitter))
        s.receive(wire.Heartbeat(seq=1), at)
    assert not s.estimator.settled(40.0)
    late = [t for t in times if t > FAST_PROBING_MAX_S + 1]
    gaps = [b - a for a, b in itertools.pairwise(late)]
    assert gaps and min(gaps) == pytest.approx(SETTLED_PROBE_INTERVAL_S)


def test_heartbeats_not_asked_for_are_heard_unanswered_and_rounds_every_three_still_count() -> None:
    """A studio that hears our transport asks for an answer every third heartbeat: the others
    keep the studio heard here, and the answered ones still make clock rounds that keep the
    settled probes slow."""
    s = attached(0.0)
    path = 0.002
    answered: dict[int, float] = {}
    last_asked: int | None = None
    probes = 0
    for seq in range(40):
        t = float(seq)
        while (at := s.next_timer()) is not None and at <= t:
            out = s.handle_timer(at)
            probes += len(sent(out, Channel.CLOCK))
            answer_probes(s, out, rtt=2 * path)
        prev = last_asked if last_asked in answered else None
        beat = wire.Heartbeat(
            seq=seq,
            prev_seq=prev,
            prev_sent=prev + OFFSET if prev is not None else None,
            prev_answered=answered[prev] if prev is not None else None,
            answer=seq % 3 == 0,
        )
        replies = sent(s.receive(beat, t + path))
        if seq % 3 == 0:
            assert replies == [wire.HeartbeatAck(seq=seq)]
            answered[seq] = t + 2 * path + OFFSET
            last_asked = seq
        else:
            assert replies == []
        assert not s.liveness.is_lost(t + path)
    assert s.probe_interval(40.0) == YOUNG_PROBE_INTERVAL_S  # rounds count: not every 2 s
    assert probes < BURST_PROBES + 2 * 15 + 40 / YOUNG_PROBE_INTERVAL_S + 2


def test_a_probe_is_matched_by_the_time_it_was_sent_not_made() -> None:
    s = attached()
    probes = []
    for _ in range(2):
        (probe,) = sent(s.handle_timer(s.next_timer() or 0.0), Channel.CLOCK)
        assert isinstance(probe, wire.ClockProbe)
        # The adapter sent it 2 ms after the session made it: the reply names that instant.
        s.probe_sent(probe.seq, probe.t1 + 0.002)
        probes.append(probe)
    first, second = probes
    t1 = first.t1 + 0.002
    reply = wire.ClockReply(seq=first.seq, t1=t1, t2=t1 + OFFSET + 0.0005, t3=t1 + OFFSET + 0.0005)
    s.receive_clock(reply, t1 + 0.001)
    est = s.estimator.estimate(t1 + 0.001)
    assert est is not None and est.offset == pytest.approx(OFFSET)
    assert est.rtt == pytest.approx(0.001)
    t2 = second.t1 + OFFSET  # answers the time the probe was made: not the probe that left
    stale = wire.ClockReply(seq=second.seq, t1=second.t1, t2=t2, t3=t2)
    s.receive_clock(stale, second.t1 + 0.003)
    s.probe_sent(999, 5.0)  # a probe never made: nothing to restamp, no reply accepted
    s.receive_clock(wire.ClockReply(seq=999, t1=5.0, t2=5.0 + OFFSET, t3=5.0 + OFFSET), 5.001)
    assert (s.estimator.estimate(5.001) or est).samples == 1


def test_an_armed_deadline_is_refined_by_each_reply_not_at_the_next_probe() -> None:
    s = attached(0.0)
    run(s, 1.0)
    s.receive(wire.Arm(arm_id=4, fire_at=OFFSET + 20.0), 1.0)
    run(s, 19.5)
    at = s.next_timer()
    assert at is not None and at < 19.8
    (probe,) = sent(s.handle_timer(at), Channel.CLOCK)
    assert isinstance(probe, wire.ClockProbe)
    # A short round trip that finds the studio 0.1 ms further ahead than believed.
    t2 = probe.t1 + OFFSET + 0.0001 + 0.0001
    s.receive_clock(wire.ClockReply(seq=probe.seq, t1=probe.t1, t2=t2, t3=t2), probe.t1 + 0.0002)
    assert s.next_timer() == pytest.approx(probe.t1 + 0.0002)  # at once, not in 0.2 s
    out = s.handle_timer(probe.t1 + 0.0002)
    (placed,) = [e for e in out.events if isinstance(e, PlaceFire)]
    assert placed.refined and placed.deadline_local == pytest.approx(20.0 - 0.0001, abs=2e-5)
    assert sent(out, Channel.CLOCK) == []  # no extra probe for it
