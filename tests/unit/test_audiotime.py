"""Placing a buffer's DAC time on the deadline's clock, and the siren's first sample in it."""

from __future__ import annotations

import random

import pytest

from ceremony.audiotime import (
    MAX_AHEAD_S,
    SERVER_TIMING_WINDOW,
    TIMELINE_WINDOW,
    BufferPlacement,
    OnsetMethod,
    ServerTimeline,
    StreamTimeline,
    place_buffer,
    plausible_ahead,
    siren_start,
    start_index,
)

RATE = 48_000


def test_dac_time_on_a_realtime_base_maps_onto_the_local_clock() -> None:
    # The venue clock reads 500.0 while CLOCK_REALTIME reads 1.8e9: the DAC time 12 ms ahead
    # on the realtime base is 12 ms ahead on the venue clock.
    p = place_buffer(1_800_000_000.012, 500.0, (1_800_000_000.0, 77.0), 0.1)
    assert p.method is OnsetMethod.DAC_TIME
    assert p.first_sample_local == pytest.approx(500.012, abs=1e-6)
    assert p.ahead_s == pytest.approx(0.012, abs=1e-6)


def test_the_first_base_that_fits_is_taken() -> None:
    # A DAC time on the monotonic base is decades away from realtime: realtime is skipped.
    p = place_buffer(77.009, 500.0, (1_800_000_000.0, 77.0), 0.1)
    assert p.method is OnsetMethod.DAC_TIME
    assert p.first_sample_local == pytest.approx(500.009, abs=1e-9)


@pytest.mark.parametrize("dac", [0.0, -1.0, 77.0 + MAX_AHEAD_S + 0.1, 77.0 - 0.2])
def test_missing_or_implausible_dac_time_falls_back_to_the_reported_latency(dac: float) -> None:
    p = place_buffer(dac, 500.0, (77.0,), 0.040)
    assert p.method is OnsetMethod.REPORTED_LATENCY
    assert p.first_sample_local == pytest.approx(500.040)


def test_a_slightly_late_callback_is_still_believed() -> None:
    assert plausible_ahead(99.99, 100.0) == pytest.approx(-0.01)
    assert plausible_ahead(0.0, 100.0) is None


def test_the_hall_latency_moves_the_heard_time_later() -> None:
    p = place_buffer(1000.010, 5.0, (1000.0,), 0.0, extra_latency_s=0.040)
    assert p.first_sample_local == pytest.approx(5.050)


def test_start_index_counts_samples_from_the_buffer_start() -> None:
    assert start_index(10.0, 10.0, RATE) == 0
    assert start_index(10.0, 10.001, RATE) == 48
    assert start_index(10.0, 9.999, RATE) == -48


def test_the_siren_starts_inside_the_buffer_holding_the_deadline() -> None:
    p = place_buffer(1000.010, 5.0, (1000.0,), 0.0)  # first sample heard at 5.010
    assert siren_start(p, 480, 5.030, RATE) is None  # beyond this 10 ms buffer
    start = siren_start(p, 480, 5.0125, RATE)
    assert start is not None
    assert start.offset == 120 and start.late_s == 0.0
    assert start.onset_local == pytest.approx(5.0125, abs=1 / RATE)


def test_a_deadline_already_behind_the_buffer_starts_at_once_and_says_how_late() -> None:
    p = place_buffer(1000.010, 5.0, (1000.0,), 0.0)
    start = siren_start(p, 480, 5.000, RATE)
    assert start is not None and start.offset == 0
    assert start.late_s == pytest.approx(0.010)


def _feed(timeline: StreamTimeline, starts: list[float], frames: int = 96) -> list[float]:
    """Callbacks whose readings imply the given stream starts; the pooled first-sample times."""
    out = []
    for n, implied in enumerate(starts):
        raw = BufferPlacement(implied + n * frames / RATE, OnsetMethod.DAC_TIME, 0.01)
        out.append(timeline.place(raw, frames).first_sample_local - n * frames / RATE)
    return out


def test_the_timeline_pools_noisy_callbacks() -> None:
    rng = random.Random(3)
    # Readings late by 0-0.6 ms (the clocks are read after PortAudio sampled the DAC time).
    noisy = [10.0 + rng.uniform(0.0, 0.0006) for _ in range(200)]
    pooled = _feed(StreamTimeline(RATE), noisy)
    assert max(abs(p - 10.0003) for p in pooled[TIMELINE_WINDOW:]) < 0.0002


def test_a_single_wild_reading_is_ignored_but_a_lasting_move_is_followed() -> None:
    starts = [10.0] * 20 + [10.5] + [10.0] * 20 + [10.010] * 10
    pooled = _feed(StreamTimeline(RATE), starts)
    assert pooled[20] == pytest.approx(10.0)  # one reading half a second off: noise
    assert pooled[-1] == pytest.approx(10.010)  # an underrun delayed the stream for good


def test_the_fallback_is_passed_through_and_restarts_the_pool() -> None:
    timeline = StreamTimeline(RATE)
    _feed(timeline, [10.0] * 10)
    fallback = BufferPlacement(55.0, OnsetMethod.REPORTED_LATENCY, 0.02)
    assert timeline.place(fallback, 96) == fallback


# The sound server's timing reports: "the sample at read_index is heard at t" (ServerTimeline).
REPORT_EVERY = 2400  # samples between reports: one every 50 ms


def _report(timeline: ServerTimeline, start: float, n: int, late_s: float = 0.0) -> None:
    index = n * REPORT_EVERY
    timeline.report(index, start + index / RATE + late_s)


def test_before_any_report_the_server_timeline_places_nothing() -> None:
    assert ServerTimeline(RATE).place(0, 5.0) is None


def test_a_server_report_places_every_later_sample_on_its_line() -> None:
    timeline = ServerTimeline(RATE)
    _report(timeline, 100.0, 3)  # sample 7200 heard at 100.15
    p = timeline.place(48_000, local_now=100.96)
    assert p is not None and p.method is OnsetMethod.SERVER_TIMING
    assert p.first_sample_local == pytest.approx(101.0, abs=1e-9)
    assert p.ahead_s == pytest.approx(0.04, abs=1e-9)


def test_the_hall_latency_delays_a_server_placement() -> None:
    timeline = ServerTimeline(RATE)
    _report(timeline, 100.0, 0)
    p = timeline.place(0, 99.99, extra_latency_s=0.012)
    assert p is not None and p.first_sample_local == pytest.approx(100.012)


def test_late_answers_from_a_loaded_server_are_outvoted() -> None:
    # A third of the replies are stamped up to 3 ms after the server took its snapshot (its main
    # thread waited for a core): the pooled line stays within a sample of the truth.
    rng = random.Random(7)
    timeline = ServerTimeline(RATE)
    for n in range(200):
        _report(timeline, 20.0, n, late_s=rng.uniform(0, 0.003) if n % 3 == 0 else 0.0)
        if n >= SERVER_TIMING_WINDOW:
            assert timeline.start == pytest.approx(20.0, abs=1 / RATE)


def test_a_lasting_move_of_the_server_line_is_followed_and_a_single_one_is_not() -> None:
    timeline = ServerTimeline(RATE)
    for n in range(20):
        _report(timeline, 20.0, n)
    _report(timeline, 20.5, 20)  # one wild reply
    assert timeline.start == pytest.approx(20.0)
    for n in range(21, 24):  # the stream restarted 10 ms later and stays there
        _report(timeline, 20.010, n)
    assert timeline.start == pytest.approx(20.010)


def test_a_sound_card_drifting_100_ppm_is_followed_closely() -> None:
    # The card's clock runs 100 ppm fast against the deadline's: sample i is heard at
    # start + i / (RATE * (1 + 1e-4)). The pooled line lags by about half its window.
    timeline = ServerTimeline(RATE)
    fast = RATE * (1 + 1e-4)
    for n in range(1200):  # a minute of reports
        index = n * REPORT_EVERY
        timeline.report(index, 30.0 + index / fast)
    index = 1200 * REPORT_EVERY
    p = timeline.place(index, 0.0)
    assert p is not None
    assert p.first_sample_local == pytest.approx(30.0 + index / fast, abs=0.0001)
