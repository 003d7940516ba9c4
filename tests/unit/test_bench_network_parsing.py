"""What `ceremony bench network` reads from a venue's log: its join marks and audio counts,
in the very words media/venue.py and media/opus_receive.py write them."""

from __future__ import annotations

from launcher.bench_network import _audio_counts, _first_phases, _late_pct, _phase_durations
from media.opus_receive import OpusReceiveStats


def test_the_first_join_marks_and_their_phases_are_read() -> None:
    log = (
        "23:54:10 link connecting — joining\n"
        "2026-11-30 23:54:11,000 INFO media.venue: join phases: connect=10.000 signaling=10.250 "
        "ice_plan=10.300 gathered=10.500 answered=10.700 welcome=11.000\n"
        "… media.venue: join phases: connect=50.000 welcome=51.000\n"  # a later rejoin
    )
    marks = _first_phases(log)
    assert marks["connect"] == 10.0 and marks["welcome"] == 11.0
    assert _phase_durations(marks) == {
        "signaling": 0.25,
        "ice_plan": 0.05,
        "gathered": 0.2,
        "answered": 0.2,
        "welcome": 0.3,
    }
    assert _first_phases("nothing joined") == {}


def test_the_last_audio_count_is_read_as_the_decoder_wrote_it() -> None:
    early = OpusReceiveStats(received=10, recovered=1, concealed=0)
    late = OpusReceiveStats(received=95, recovered=4, concealed=1, late=2)
    log = f"x INFO media.venue: {early.summary()}\ny INFO media.venue: {late.summary()}\n"
    assert _audio_counts(log) == {
        "packets": 100,
        "received": 95,
        "recovered": 4,
        "concealed": 1,
        "concealed_pct": 1.0,
    }
    assert _audio_counts("") is None


def test_late_frames_are_a_share_over_the_threshold() -> None:
    assert _late_pct([10.0, 20.0, 300.0, 40.0]) == 25.0
    assert _late_pct([]) is None
