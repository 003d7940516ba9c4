from __future__ import annotations

import pytest

from ceremony.liveness import Backoff, Liveness, RateMeter


def test_lost_after_three_silent_seconds() -> None:
    live = Liveness()
    assert not live.is_lost(100.0)  # never heard: not yet joined, not lost
    live.heard(100.0)
    assert not live.is_lost(102.79)
    assert live.lost_at() == 102.8
    assert live.is_lost(live.lost_at() or 0.0)  # a timer set for that instant finds it lost
    live.heard(103.5)
    assert not live.is_lost(104.0)


def test_rtt_from_acks() -> None:
    live = Liveness()
    seq = live.heartbeat_sent(10.0)
    live.ack_received(seq, 10.02)
    assert live.rtt_s == pytest.approx(0.02)
    live.ack_received(seq, 11.0)  # duplicate ack ignored
    assert live.rtt_s == pytest.approx(0.02)


def test_backoff_doubles_to_cap_and_resets() -> None:
    b = Backoff(first_s=0.25, cap_s=2.0)
    assert [b.next_delay() for _ in range(5)] == [0.25, 0.5, 1.0, 2.0, 2.0]
    b.reset()
    assert b.next_delay(jitter=0.5) == pytest.approx(0.25 * 1.125)


def test_rate_meter_window() -> None:
    m = RateMeter(window_s=2.0)
    for i in range(60):
        m.add(i / 30)
    assert m.rate(2.0) == pytest.approx(30, abs=0.5)
    assert m.rate(10.0) == 0.0
    assert m.total == 60


def test_heartbeat_due_once_per_interval() -> None:
    live = Liveness()
    assert live.heartbeat_due(10.0, 1.0)  # none sent yet
    live.heartbeat_sent(10.0)
    assert not live.heartbeat_due(10.5, 1.0)
    assert live.heartbeat_due(11.0, 1.0)


def test_an_acked_heartbeat_still_counts_as_sent() -> None:
    """The ack used to erase the send time: the studio then sent ten heartbeats a second."""
    live = Liveness()
    seq = live.heartbeat_sent(10.0)
    live.ack_received(seq, 10.002)
    assert not live.heartbeat_due(10.1, 1.0)
    assert live.heartbeat_due(11.0, 1.0)


def test_raw_round_trips_are_counted_beside_the_smoothed_one() -> None:
    live = Liveness()
    first = live.heartbeat_sent(10.0)
    live.ack_received(first, 10.5)  # a slow one, as at a join
    second = live.heartbeat_sent(11.0)
    live.ack_received(second, 11.01)
    live.ack_received(second, 11.5)  # a duplicate is no sample
    assert live.samples == 2
    assert live.last_sample_s == pytest.approx(0.01)  # the raw round trip
    assert live.rtt_s == pytest.approx(0.875 * 0.5 + 0.125 * 0.01)  # still carries the join
