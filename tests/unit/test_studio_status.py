"""The studio's typed read model and its JSON form (report.json, progress lines)."""

from __future__ import annotations

import msgspec

from media.studio_status import StudioStatus, VenueStatusRow


def row(venue_id: str, status: str) -> VenueStatusRow:
    return VenueStatusRow(
        id=venue_id,
        status=status,
        video_fps_at_studio=14.5,
        program_fps_at_venue=15.0,
        video_fps_sent=15.0,
        latency_p50_ms=80.0,
        latency_p95_ms=120.0,
        sound_problem="",
        loss_in_pct=0.0,
        loss_out_pct=None,
        program_rung="640x360@15",
        last_seen_s=0.2,
        rtt_ms=1.3,
        reconnects=0,
        path="host/udp",
        ready=True,
        audio_rms_dbfs=None,
    )


def test_the_json_form_is_what_json_reads_back() -> None:
    status = StudioStatus(
        program_fps_sent=15.0,
        keyframe_requests_refused=0,
        loop_lag_ms_p95=1.5,
        venues=(row("kota-cirebon", "joined"), row("lokasi-02", "lost")),
    )
    as_dict = status.to_dict()
    assert as_dict == msgspec.json.decode(msgspec.json.encode(status))
    assert isinstance(as_dict["venues"], list)
    lost = status.venue("lokasi-02")
    assert lost is not None and lost.status == "lost"
    assert status.venue("nowhere") is None
