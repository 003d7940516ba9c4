"""The studio's read model: a typed picture of every venue and the engine's own health.

`StudioEngine.status()` builds it; progress lines, report.json, benchmarks and tests read its
fields instead of a dict's keys (`snapshot()` is its JSON form, for those that still want one).
"""

from __future__ import annotations

import msgspec


class VenueStatusRow(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    status: str  # media.studio.VenueStatus value: invited / connecting / joined / lost
    video_fps_at_studio: float
    program_fps_at_venue: float
    video_fps_sent: float
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    sound_problem: str
    loss_in_pct: float | None
    loss_out_pct: float | None
    program_rung: str
    last_seen_s: float | None
    rtt_ms: float | None
    reconnects: int
    # host/srflx/relay + udp/tcp: the venue's own view (it knows its TURN transport), else the
    # studio's view of the pair ICE chose.
    path: str
    ready: bool
    audio_rms_dbfs: float | None
    # The venue's microphone as the studio decoded it (media/opus_receive.py): the share of
    # its packets lost and concealed, and the counts (received, recovered, concealed, late).
    audio_concealed_pct: float | None = None
    # The same share over the last ~20 s (media/recent_audio.py): the board's figure, so a venue
    # that recovered stops looking troubled; None when no packet came in that window.
    audio_concealed_recent_pct: float | None = None
    audio_in: dict[str, int] = msgspec.field(default_factory=dict)


class StudioStatus(msgspec.Struct, frozen=True, kw_only=True):
    program_fps_sent: float
    keyframe_requests_refused: int
    loop_lag_ms_p95: float | None
    venues: tuple[VenueStatusRow, ...]

    def venue(self, venue_id: str) -> VenueStatusRow | None:
        return next((v for v in self.venues if v.id == venue_id), None)

    def to_dict(self) -> dict[str, object]:
        """The JSON-able form (report.json, progress lines)."""
        out = msgspec.to_builtins(self)
        assert isinstance(out, dict)
        out["venues"] = list(out["venues"])  # as JSON reads it back (to_builtins keeps tuples)
        return out
