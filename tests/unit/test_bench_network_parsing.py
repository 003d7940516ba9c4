"""What `ceremony bench network` reads from a venue's log: its join marks and audio counts,
in the very words media/venue.py and media/opus_receive.py write them."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from launcher.bench_network import (
    Venue,
    _audio_counts,
    _first_phases,
    _late_pct,
    _mic_counts,
    _phase_durations,
    _video_counts,
)
from media.opus_receive import OpusReceiveStats
from media.program import VideoFormat
from media.video_receive import VideoReceiveStats


def bench_args(out: Path) -> argparse.Namespace:
    """The bench's arguments as `ceremony bench network` parses them by default."""
    return argparse.Namespace(
        out=out,
        warm_start=False,
        source="looped",
        program=VideoFormat(1280, 720, 30),
        bitrate=2_500_000,
        venue_video=VideoFormat(320, 180, 15),
        duration=30.0,
    )


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


def test_the_last_video_count_is_read_as_the_receive_buffer_wrote_it() -> None:
    early = VideoReceiveStats(frames=10)
    late = VideoReceiveStats(
        frames=900,
        frames_dropped=40,
        holes_skipped=2,
        decoder_resyncs=1,
        keyframe_requests=3,
        display_skipped=5,
        renacks=7,
    )
    log = f"x INFO media.venue: {early.summary()}\ny INFO media.venue: {late.summary()}\n"
    assert _video_counts(log) == {
        "frames": 900,
        "dropped": 40,
        "holes_skipped": 2,
        "decoder_resyncs": 1,
        "keyframe_requests": 3,
        "not_shown": 5,
        "asked_again": 7,
    }
    assert _video_counts("") is None


def test_late_frames_are_a_share_over_the_threshold() -> None:
    assert _late_pct([10.0, 20.0, 300.0, 40.0]) == 25.0
    assert _late_pct([]) is None


def test_the_result_names_every_figure_even_when_a_venue_never_joined(tmp_path: Path) -> None:
    """`_result` over a run where one venue joined (with marks and audio in its log) and the
    others never did: the summary keys the lead reads exist and nobody's 0 fps is dropped."""
    from launcher.bench_network import LANS, Venue, _result

    venues = []
    ids = iter(range(100))
    for spec, count in LANS:
        for _ in range(count):
            vid = f"v{next(ids)}"
            venues.append(Venue(vid, spec.name, False, tmp_path / f"{vid}.latency"))
    lossy = next(v for v in venues if v.lan == "lossy")
    lossy.spawned, lossy.offered, lossy.joined = 1.0, 2.5, 3.0
    lossy.fps = [30.0, 29.0]
    lossy.rungs = [(2.9, 0), (4.0, 1)]
    lossy.latency_log.write_text("100\n300\n")
    stats = OpusReceiveStats(received=95, recovered=4, concealed=1)
    (tmp_path / f"{lossy.venue_id}.log").write_text(
        "x media.venue: join phases: connect=2.000 signaling=2.100 welcome=2.900\n"
        f"y media.venue: {stats.summary()}\n"
    )
    args = bench_args(tmp_path)
    args.source = "detail"
    snapshot = {"venues": [], "keyframes_forced_in_window": [3, 1], "window_s": 30.0}
    result = _result(args, venues, snapshot, {}, [])
    summary = result["summary"]
    assert summary["joined"] == 1 and summary["slowest_join_direct_s"] is None  # others never
    assert summary["lossy_venue_audio_concealed_pct"] == 1.0
    assert summary["lossy_venue_audio_recovered_by_fec"] == 4
    assert summary["lossy_venue_mic_at_studio_concealed_pct"] is None  # the studio heard none
    assert summary["program_fps_min_median_across_venues"] == 0.0  # silent venues count as 0
    assert summary["top_rung_forced_keyframe_mean_gap_s"] == 10.0
    row = next(r for r in result["venues"] if r["id"] == lossy.venue_id)
    assert (row["join_s"], row["join_from_connect_s"], row["import_s"]) == (2.0, 1.0, 1.0)
    assert row["join_venue_side_s"] == 0.9 and row["lower_rung_after_s"] == 1.0
    assert row["late_pct"] == 50.0


def test_the_studio_counts_of_a_venue_microphone_get_their_concealed_share() -> None:
    stats = OpusReceiveStats(received=190, recovered=8, concealed=2, late=1)
    counts = _mic_counts(dataclasses.asdict(stats))
    assert counts is not None
    assert counts["expected"] == 200 and counts["concealed_pct"] == stats.concealed_pct() == 1.0
    assert _mic_counts(None) is None


def test_cpu_seconds_are_read_after_a_command_name_with_spaces_and_brackets(
    tmp_path: Path,
) -> None:
    import os

    from launcher.bench_network import _proc_cpu_s

    stat = tmp_path / "stat"
    tick = os.sysconf("SC_CLK_TCK")
    # pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
    stat.write_text(f"42 (a (b) c) S 1 1 1 0 -1 0 0 0 0 0 {3 * tick} {tick} 0 0\n")
    assert _proc_cpu_s(str(stat)) == 4.0
    assert _proc_cpu_s(str(tmp_path / "gone")) is None


def test_the_rung_cpu_and_bit_rates_reach_the_summary(tmp_path: Path) -> None:

    from launcher.bench_network import LANS, Venue, _result

    venues = [
        Venue(f"{spec.name}{n}", spec.name, n == 0, tmp_path / f"{spec.name}{n}.latency")
        for spec, count in LANS
        for n in range(count)
    ]
    venues[0].cpu_cores, venues[1].cpu_cores, venues[2].cpu_cores = 0.2, 0.1, 0.12
    args = bench_args(tmp_path)
    snapshot = {
        "venues": [],
        "cpu": {"studio_cores": 0.9, "rung_kbit_s": [2480, 610], "studio_fps": 29.5},
        "rung_cpu": {"ratio": 1.2, "ratio_per_frame": 1.25, "studio_cores_one_rung": 0.8},
    }
    summary = _result(args, venues, snapshot, {}, [])["summary"]
    assert (summary["top_rung_kbit_s"], summary["lower_rung_kbit_s"]) == (2480, 610)
    assert summary["studio_cpu_two_rungs_over_one"] == 1.2
    assert summary["studio_cpu_per_frame_two_rungs_over_one"] == 1.25
    assert summary["venue_cpu_cores_median_decoding"] == 0.2  # the first of its LAN decodes
    assert summary["venue_cpu_cores_median_counting"] == 0.11
    assert summary["venue_cpu_cores_total"] == 0.42


def _all_venues(tmp_path: Path) -> list[Venue]:
    from launcher.bench_network import LANS

    return [
        Venue(f"{spec.name}{n}", spec.name, n == 0, tmp_path / f"{spec.name}{n}.latency")
        for spec, count in LANS
        for n in range(count)
    ]


def test_light_venues_are_the_counting_ones_first_and_the_shaped_and_lossy_last(
    tmp_path: Path,
) -> None:
    from launcher.bench_network import LIGHT_VENUES_DEFAULT, choose_light

    venues = _all_venues(tmp_path)
    choose_light(venues, LIGHT_VENUES_DEFAULT)
    full = {v.venue_id for v in venues if not v.light}
    assert full == {"open0", "slow0", "lossy0"}  # each a real decoder
    assert all(v.decodes for v in venues if not v.light)
    assert not any(v.decodes for v in venues if v.light)  # a light venue only counts frames
    for count, still_full in ((9, {"slow0", "lossy0"}), (10, {"slow0"}), (0, None)):
        venues = _all_venues(tmp_path)
        choose_light(venues, count)
        kept = {v.venue_id for v in venues if not v.light}
        assert kept == (still_full if still_full is not None else {v.venue_id for v in venues})


def test_a_light_venue_join_comes_from_its_process_times_and_the_result_says_who_was_light(
    tmp_path: Path,
) -> None:
    import json

    from launcher.bench_network import _result, choose_light

    venues = _all_venues(tmp_path)
    choose_light(venues, 8)
    light = next(v for v in venues if v.venue_id == "udp-blocked1")
    light.spawned, light.joined = 5.0, 8.0
    # As launcher/light_venue.py writes it: the first completed join's marks, per venue.
    times = {"udp-blocked1": {"started": 5.1, "phases": {"connect": 6.0, "welcome": 7.5}}}
    (tmp_path / "light-udp-blocked.out.json.times").write_text(json.dumps(times))
    full = next(v for v in venues if v.venue_id == "open0")
    full.cpu_cores = 0.2
    # The shaped venue: moved down after 2 frames; the window ended after 4; then the rung-CPU
    # phases put it back on the top rung its link cannot carry (the late frames after).
    slow = next(v for v in venues if v.lan == "slow")
    slow.latency_log.write_text("500\n100\n120\n300\n4000\n5000\n")
    slow.latency_lines_at_switch, slow.latency_lines_at_window_end = 2, 4
    args = bench_args(tmp_path)
    snapshot = {
        "venues": [],
        "light_processes": [
            {"lan": "open", "venues": ["open1"], "cpu_cores": 0.15, "counters": None},
            {"lan": "udp-blocked", "venues": ["udp-blocked1"], "cpu_cores": 0.1, "counters": None},
        ],
        "cpu_timeline": [
            {"studio_loop_running": 0.5, "studio_loop_waiting": 0.2},
            {"studio_loop_running": 0.7, "studio_loop_waiting": 0.4},
            {"studio_loop_running": 0.6, "studio_loop_waiting": 0.3},
        ],
    }
    result = _result(args, venues, snapshot, {}, [])
    row = next(r for r in result["venues"] if r["id"] == "udp-blocked1")
    assert row["light"] and (row["join_s"], row["join_from_connect_s"]) == (3.0, 2.0)
    assert row["join_venue_side_s"] == 1.5
    summary = result["summary"]
    assert summary["full_venues"] == ["open0", "slow0", "lossy0"]
    assert len(summary["light_venues"]) == 8 and "udp-blocked1" in summary["light_venues"]
    assert summary["venue_cpu_cores_total"] == 0.45  # full venues and light processes
    assert summary["light_process_cpu_cores"] == {"open": 0.15, "udp-blocked": 0.1}
    assert summary["studio_loop_waiting_share_median"] == 0.3
    assert summary["slow_venue_late_pct_after_lower_rung"] == 75.0  # 300, 4000, 5000 of 4
    assert summary["slow_venue_late_pct_after_lower_rung_in_window"] == 50.0  # 120, 300
    assert summary["latency_p95_ms_every_frame_to_window_end"] == 500.0
    assert summary["latency_p95_ms_every_frame"] == 5000.0
    assert result["light_venues"]["count"] == 8


def test_keyframe_gaps_are_taken_inside_the_window_only() -> None:
    from launcher.bench_network import keyframe_gaps

    times = [0.0, 2.0, 2.5, 4.5, 6.5, 9.0]
    assert keyframe_gaps(times, 1.0, 7.0) == {
        "keyframes": 4,
        "gap_min_s": 0.5,
        "gap_median_s": 2.0,
    }
    assert keyframe_gaps([], 0.0, 1.0) == {"keyframes": 0, "gap_min_s": None, "gap_median_s": None}


def test_what_the_rung_policy_saw_of_the_slow_venue_reaches_the_result(tmp_path: Path) -> None:
    """Its bandwidth estimates and ceilings from its join, and its moves up within the
    frame-rate window only (after it, the rung-CPU phases set every venue's rung)."""
    from launcher.bench_network import _result

    venues = _all_venues(tmp_path)
    slow = next(v for v in venues if v.lan == "slow")
    slow.spawned, slow.joined = 10.0, 12.0
    slow.rungs = [(11.9, 0), (14.0, 1), (38.0, 0), (40.0, 1), (80.0, 0)]
    slow.estimates = [(15.0, 1_234_000), (16.0, 900_400)]
    slow.ceilings = [(14.1, 0, 314.0)]
    snapshot = {"venues": [], "window_end": 70.0}
    result = _result(bench_args(tmp_path), venues, snapshot, {}, [])
    row = next(r for r in result["venues"] if r["id"] == slow.venue_id)
    assert row["estimate_kbit_s_from_join"] == [[3.0, 1234], [4.0, 900]]
    assert row["ceilings_from_join_s"] == [[2.1, 0, 302.0]]
    assert row["moves_up_in_window_from_join_s"] == [26.0]  # not the phases' at 80 s
    summary = result["summary"]
    assert summary["slow_venue_moves_up_in_window_from_join_s"] == [26.0]
    assert summary["slow_venue_estimate_kbit_s_first_last"] == [1234, 900]
    other = next(r for r in result["venues"] if r["lan"] == "open")
    assert other["estimate_kbit_s_from_join"] == [] and other["ceilings_from_join_s"] == []
