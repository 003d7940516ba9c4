"""What the studio keeps per venue: the record across connections, and one peer connection."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import av
from aiohttp import web
from aiortc import RTCPeerConnection
from aiortc.mediastreams import MediaStreamTrack

from ceremony import wire
from ceremony.liveness import Liveness, RateMeter
from ceremony.quality import RungPolicy
from ceremony.runsheet import Venue
from media.control import WireChannel
from media.mixer import AudioSourceBuffer
from media.opus_receive import OpusReceiveStats
from media.recent_audio import RecentConcealment
from media.studio.events import VenueStatus


@dataclass
class VenueConnection:
    """One peer connection of one venue; a reconnect makes a new one."""

    pc: RTCPeerConnection
    ws: web.WebSocketResponse
    started_mono: float
    control: WireChannel | None = None
    clock: WireChannel | None = None
    liveness: Liveness = field(default_factory=Liveness)
    video: RateMeter = field(default_factory=RateMeter)
    latest_video: av.VideoFrame | None = None
    latest_video_mono: float = 0.0
    audio: AudioSourceBuffer = field(default_factory=AudioSourceBuffer)
    # Packet loss in %, over the last few seconds: the venue's camera as it reaches us, and the
    # program as the venue reports receiving it (RTCP receiver reports).
    loss_in_pct: float | None = None
    loss_out_pct: float | None = None
    counted_in: tuple[int, int] = (0, 0)  # (received, lost) at the last look
    # The venue receiver's latest estimate of what its link carries of the program (REMB),
    # bit/s; None until it sends one (count-only bench venues never do).
    estimate_bps: int | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    tracks: list[MediaStreamTrack] = field(default_factory=list)  # remote, until installed
    closed: bool = False
    # Our close of its signaling WebSocket (with the code that tells the venue why), if we
    # closed it: the join's handler waits for it, or aiohttp would close with 1000 first.
    teardown: asyncio.Task[None] | None = None


@dataclass
class VenueRecord:
    venue: Venue
    status: VenueStatus = VenueStatus.INVITED
    conn: VenueConnection | None = None
    joins: int = 0
    first_joined_mono: float | None = None
    last_joined_mono: float | None = None
    lost_mono: float | None = None
    ready: bool = False
    contact: str = ""
    stats: wire.Stats | None = None
    last_seen_mono: float | None = None  # the last message from the venue, any connection
    video_frames: int = 0  # received at the studio, all connections
    bad_messages: int = 0
    quality: RungPolicy = field(default_factory=lambda: RungPolicy(lowest=0))
    # What this venue may put in the journal: chat and ready check-ins are rate-limited, so a
    # venue cannot grow the record without bound; the excess is counted and refused.
    journal_budget: float = 10.0
    journal_budget_at: float = 0.0
    journal_refused: int = 0
    # The venue's microphone as it reaches us, all connections: FEC-decoded, every packet counted.
    audio_in: OpusReceiveStats = field(default_factory=OpusReceiveStats)
    audio_recent: RecentConcealment = field(default_factory=RecentConcealment)  # the board's

    @property
    def reconnects(self) -> int:
        return max(0, self.joins - 1)


Venues = dict[str, VenueRecord]  # by venue id, every venue of the run-sheet, for the whole run
