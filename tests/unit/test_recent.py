"""The recent share of growing counters, on a fake clock."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ceremony.recent import RecentShare
from ceremony.runsheet import Venue
from media.opus_receive import OpusReceiveStats
from media.program import Rung, VideoFormat
from media.recent_audio import RecentConcealment
from media.studio.clocks import Clocks
from media.studio.records import VenueRecord
from media.studio.statistics import StudioStatistics
from tests.unit.fakeclock import FakeClock

PACKETS_PER_S = 50  # Opus at 20 ms


def test_a_bad_burst_shows_then_clears_after_the_window() -> None:
    clock = FakeClock()
    share = RecentShare(window_s=20.0)
    concealed = expected = 0
    assert share.update(clock.mono, concealed, expected) is None  # nothing counted yet
    # 10 s clean, then 5 s with a fifth of the packets concealed, then clean for good.
    seen: list[float | None] = []
    for second in range(60):
        clock.advance(1.0)
        expected += PACKETS_PER_S
        if 10 <= second < 15:
            concealed += PACKETS_PER_S // 5
        seen.append(share.update(clock.mono, concealed, expected))
    assert seen[9] == 0.0
    assert seen[14] == pytest.approx(100 * 50 / 750)  # 50 of the 15 s' 750 packets
    assert seen[20] == pytest.approx(100 * 50 / 1000)  # the window is full: 20 s
    assert seen[33] == pytest.approx(100 * 10 / 1000)  # the burst's last second still in
    assert seen[34] == 0.0 and seen[59] == 0.0  # 20 s after the burst: clean again
    whole_run = 100 * concealed / expected
    assert whole_run == pytest.approx(100 * 50 / 3000)  # what the as-run report keeps


def test_frequent_looks_keep_memory_bounded_and_the_answer_unchanged() -> None:
    clock = FakeClock()
    share, sparse = RecentShare(window_s=10.0), RecentShare(window_s=10.0)
    concealed = 0
    for expected in range(1, 3001):  # a packet and a look every 10 ms for 30 s
        clock.advance(0.01)
        concealed += 1 if expected % 100 == 0 else 0
        pct = share.update(clock.mono, concealed, expected)
        if expected % 100 == 0:  # once a second, as the console's snapshots come
            once_a_second = sparse.update(clock.mono, concealed, expected)
            if expected > 1200:  # both windows full: they agree to within a sample's step
                assert once_a_second == pytest.approx(pct, abs=0.15)
    assert len(share._samples) <= 12
    assert pct == pytest.approx(1.0, abs=0.15)


def test_quiet_stretches_keep_one_sample_and_the_same_answers() -> None:
    """Totals unchanged since the last note are not kept again (a venue whose sound the studio
    does not take): every answer is the one a share that kept each of them gives."""
    clock = FakeClock()
    kept_all, kept_changes = RecentShare(window_s=10.0), RecentShare(window_s=10.0)
    concealed = expected = 0
    last_sound = 0.0
    for second in range(80):
        clock.advance(1.0)
        if second < 15 or 40 <= second < 50:  # sound, with a loss burst; then silence
            expected += PACKETS_PER_S
            concealed += 5 if second in (12, 45) else 0
        kept_changes.note(clock.mono, concealed, expected)
        kept_all._samples.append((clock.mono, concealed, expected))  # as noting used to
        while len(kept_all._samples) > 1 and kept_all._samples[1][0] <= clock.mono - 10.0:
            kept_all._samples.popleft()
        for look in (0.0, 0.5):
            at = clock.mono + look
            assert kept_changes.share(at, concealed, expected) == kept_all.share(
                at, concealed, expected
            ), (second, look)
        if second == 49:
            last_sound = clock.mono
    assert kept_changes._samples[-1][0] == last_sound  # 30 quiet seconds: nothing noted again


def test_a_counter_that_starts_again_starts_the_window_again() -> None:
    clock = FakeClock()
    share = RecentShare(window_s=20.0)
    share.update(clock.mono, 0, 0)
    share.update(clock.advance(5).mono, 30, 100)
    assert share.update(clock.advance(1).mono, 0, 10) is None  # a fresh counter: no baseline
    assert share.update(clock.advance(1).mono, 1, 20) == pytest.approx(10.0)


def test_nothing_counted_in_the_window_is_none_not_zero() -> None:
    clock = FakeClock()
    share = RecentShare(window_s=5.0)
    share.update(clock.mono, 0, 0)
    assert share.update(clock.advance(1).mono, 2, 10) == pytest.approx(20.0)
    for _ in range(6):
        last = share.update(clock.advance(1).mono, 2, 10)  # a venue that went quiet
    assert last is None


def test_the_studio_adapter_reads_the_opus_counters() -> None:
    clock = FakeClock()
    stats = OpusReceiveStats()
    recent = RecentConcealment()
    assert recent.update(stats, clock.mono) is None
    stats.received, stats.recovered, stats.concealed = 90, 7, 3
    assert recent.update(stats, clock.advance(1).mono) == 3.0


def test_reading_the_share_changes_nothing_and_agrees_with_noting_as_you_read() -> None:
    clock = FakeClock()
    kept, read_along = RecentShare(window_s=5.0), RecentShare(window_s=5.0)
    part = whole = 0
    for second in range(12):
        part, whole = part + (3 if second == 2 else 0), whole + 50
        now = clock.advance(1).mono
        kept.note(now, part, whole)
        expected = read_along.update(now, part, whole)
        samples = list(kept._samples)
        assert kept.share(now, part, whole) == expected
        assert kept.share(now, part, whole) == expected  # a second read: the same
        assert list(kept._samples) == samples
    assert expected == 0.0  # the lossy second has left the window


def test_the_studio_status_only_reads_and_the_periodic_job_notes() -> None:
    """`StudioStatistics.status()` used to note the counters as it read them (so how often a
    console looked changed the board's figure); now the periodic job notes, status reads."""
    clock = FakeClock()
    record = VenueRecord(Venue("kota-cirebon", "MPP Kota Cirebon"))
    bus = SimpleNamespace(
        meter=SimpleNamespace(rate=lambda _now: 15.0),
        rungs=[Rung(VideoFormat(640, 360, 15), 600_000)],
        bytes_encoded=[0],
        keyframe_requests_refused=0,
    )
    stats = StudioStatistics(
        {"kota-cirebon": record},
        bus,  # type: ignore[arg-type]
        SimpleNamespace(levels={}),  # type: ignore[arg-type]
        Clocks(mono=lambda: clock.mono, wall=lambda: clock.wall),
    )
    stats.note_recent_sound(clock.mono, clock.mono)
    record.audio_in.received, record.audio_in.concealed = 97, 3
    clock.advance(1)
    before = list(record.audio_recent.share._samples)
    for _ in range(3):
        row = stats.status().venues[0]
        assert row.audio_concealed_recent_pct == 3.0
    assert list(record.audio_recent.share._samples) == before  # reading kept nothing
    stats.note_recent_sound(clock.mono, clock.mono)
    assert len(record.audio_recent.share._samples) == len(before) + 1
