"""The studio's figures: packet loss both ways per venue (which also picks its program rung),
the event loop's own lag, and the typed status every front end reads."""

from __future__ import annotations

import asyncio
import collections
import logging

from ceremony.quality import SentRates
from media import aiortc_compat
from media.ice import describe_path
from media.mixer import AudioMixer
from media.program import ProgramBus
from media.studio.clocks import Clocks
from media.studio.events import VenueStatus
from media.studio.records import VenueConnection, Venues
from media.studio_status import StudioStatus, VenueStatusRow

log = logging.getLogger(__name__)

LINK_QUALITY_S = 2.0  # how often packet loss is measured (and the rung decided) per venue
LOOP_LAG_S = 0.05  # how often the loop's lag is sampled (how late a timer runs)
RECENT_SOUND_S = 1.0  # how often each venue's sound counters are noted (the recent share's step)


class StudioStatistics:
    def __init__(self, venues: Venues, bus: ProgramBus, mixer: AudioMixer, clocks: Clocks) -> None:
        self._venues = venues
        self._bus = bus
        self._mixer = mixer
        self._clocks = clocks
        self.loop_lag: collections.deque[float] = collections.deque(maxlen=200)
        # The rung policies compare estimates with what each rung really sends, not its target.
        self._sent = SentRates(tuple(r.bitrate for r in bus.rungs))
        self._measuring: asyncio.Task[None] | None = None

    # ---- periodic jobs (run from the engine's one periodic timer) ------------------------

    def sample_loop_lag(self, now: float, due: float) -> None:
        """How late the event loop ran a timer due at `due`: the studio's own health figure."""
        self.loop_lag.append(max(0.0, now - due))

    def note_recent_sound(self, now: float, due: float) -> None:
        """Note every venue's sound counters for the board's recent share (reading the status
        only reads it)."""
        for r in self._venues.values():
            r.audio_recent.note(r.audio_in, now)

    def measure_links(self, now: float, due: float) -> None:
        """Start a round of link statistics unless the last one still runs (aiortc's
        statistics are awaited; a round never overlaps the next)."""
        if self._measuring is not None and not self._measuring.done():
            return
        self._measuring = asyncio.get_running_loop().create_task(
            self._link_quality(), name="link-quality"
        )

    async def stop(self) -> None:
        if self._measuring is not None:
            self._measuring.cancel()
            await asyncio.gather(self._measuring, return_exceptions=True)
            self._measuring = None

    async def _link_quality(self) -> None:
        """Packet loss both ways for every joined venue."""
        sent = self._sent.observe(self._clocks.mono(), tuple(self._bus.bytes_encoded))
        for record in list(self._venues.values()):
            record.quality.bitrates = sent
            conn = record.conn
            if conn is None or conn.closed or record.status is not VenueStatus.JOINED:
                continue
            try:
                await measure_loss(conn)
            except Exception:  # statistics are a nicety; never let them hurt the session
                log.debug("%s: link statistics failed", record.venue.id, exc_info=True)
                continue
            self._bus.set_rung(
                record.venue.id, record.quality.observe(self._clocks.mono(), conn.loss_out_pct)
            )
            if record.quality.audio_fec:  # audio first: FEC'd program sound (media/opus.py)
                self._mixer.protected.add(record.venue.id)
            else:
                self._mixer.protected.discard(record.venue.id)

    def keyframe_requested(self, venue_id: str) -> None:
        """A venue asked for a keyframe: its rung policy counts it (a sign of loss)."""
        record = self._venues.get(venue_id)
        if record is not None:
            record.quality.keyframe_requested(self._clocks.mono())

    # ---- reporting -----------------------------------------------------------------------

    def status(self) -> StudioStatus:
        """Every venue and the engine's own health, now (typed: read fields, not keys). Reads
        only: what needs keeping over time is kept by the periodic jobs."""
        now = self._clocks.mono()
        venues = []
        for vid, r in self._venues.items():
            conn = r.conn
            venues.append(
                VenueStatusRow(
                    id=vid,
                    status=r.status.value,
                    video_fps_at_studio=round(conn.video.rate(now), 2) if conn else 0.0,
                    program_fps_at_venue=r.stats.program_fps if r.stats else 0.0,
                    video_fps_sent=r.stats.video_fps_sent if r.stats else 0.0,
                    latency_p50_ms=r.stats.latency_p50_ms if r.stats else None,
                    latency_p95_ms=r.stats.latency_p95_ms if r.stats else None,
                    sound_problem=r.stats.sound_problem if r.stats else "",
                    loss_in_pct=conn.loss_in_pct if conn else None,
                    loss_out_pct=conn.loss_out_pct if conn else None,
                    audio_concealed_pct=r.audio_in.concealed_pct(),
                    audio_concealed_recent_pct=r.audio_recent.pct(r.audio_in, now),
                    audio_in=r.audio_in.counts(),
                    program_rung=str(self._bus.rungs[r.quality.rung]),
                    last_seen_s=round(now - r.last_seen_mono, 1)
                    if r.last_seen_mono is not None
                    else None,
                    rtt_ms=round(conn.liveness.rtt_s * 1000, 2)
                    if conn and conn.liveness.rtt_s is not None
                    else None,
                    reconnects=r.reconnects,
                    path=(r.stats.path if r.stats and r.stats.path else "")
                    or (describe_path(conn.pc) if conn else ""),
                    ready=r.ready,
                    audio_rms_dbfs=round(self._mixer.levels[vid].rms_dbfs, 1)
                    if vid in self._mixer.levels
                    else None,
                )
            )
        lag = sorted(self.loop_lag)
        return StudioStatus(
            program_fps_sent=round(self._bus.meter.rate(now), 2),
            keyframe_requests_refused=self._bus.keyframe_requests_refused,
            loop_lag_ms_p95=round(lag[int(len(lag) * 0.95)] * 1000, 1) if lag else None,
            venues=tuple(venues),
        )


async def measure_loss(conn: VenueConnection) -> None:
    """Loss from aiortc's RTP statistics of the video transceiver (the picture matters most)."""
    for transceiver in conn.pc.getTransceivers():
        # Inactive (both ways through an SFU): no packets on this link, nothing to count.
        if transceiver.kind != "video" or transceiver.currentDirection in (None, "inactive"):
            continue
        for stat in (await transceiver.receiver.getStats()).values():
            if stat.type == "inbound-rtp":
                received, lost = stat.packetsReceived, max(0, stat.packetsLost)
                d_received = received - conn.counted_in[0]
                d_lost = lost - conn.counted_in[1]
                conn.counted_in = (received, lost)
                if d_received + d_lost > 0:
                    conn.loss_in_pct = round(100 * max(0, d_lost) / (d_received + d_lost), 1)
        for stat in (await transceiver.sender.getStats()).values():
            if stat.type == "remote-inbound-rtp":
                conn.loss_out_pct = round(100 * aiortc_compat.fraction_lost(stat), 1)
