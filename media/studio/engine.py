"""The studio engine: signaling server, one peer connection per venue, program bus, sequencer.

Commands come in as method calls (from the console, the headless runner or a test); everything
that happens goes out as StudioEvents to subscribers. It runs on one asyncio loop and owns no UI.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path

import av
import msgspec
import numpy as np
from aiohttp import WSMsgType, web
from aiortc import RTCDataChannel, RTCPeerConnection, RTCRtpSender, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from ceremony import notes, operator, wire
from ceremony.countdown import DEFAULT_LEAD_S, StudioCountdown
from ceremony.invite import Invite, InviteClaim, check_token
from ceremony.journal import JournaledSequencer
from ceremony.liveness import Liveness, RateMeter
from ceremony.quality import RungPolicy
from ceremony.resume import RunState
from ceremony.runs import RunInfo
from ceremony.runsheet import ItemKind, Runsheet, Source, SourceKind, Venue
from ceremony.sequencer import commands as cmd
from ceremony.sequencer.events import Event, ItemStarted
from ceremony.session import Output, Refuse, StudioSession
from ceremony.session import studio as session_events
from ceremony.session.program import clip as _clip
from ceremony.session.program import program_state
from ceremony.turn import TurnServer, grant_document
from media import aiortc_compat
from media.clock import Clock
from media.clock import now as clock_now
from media.compositor import LowerThird
from media.control import WireChannel
from media.devices import CameraSource, DeviceError, FileSource, MicrophoneSource
from media.ice import describe_path, rtc_configuration
from media.identity import StudioIdentity
from media.journal_writer import JournalWriter
from media.mixer import AudioMixer, AudioSourceBuffer
from media.opus_receive import OpusReceiveStats
from media.peer_guard import guard_data_channels
from media.program import ProgramBus, Rung, VideoFormat
from media.session_timer import SessionTimer
from media.sfu.feeds import FIRST_TILES, StudioFeeds, wanted_levels
from media.sfu.janus import JanusError
from media.sfu.program import SfuConfig, SfuProgram
from media.signaling_gate import GatedSite
from media.signaling_limits import Admission, CloseKind, SignalingLimits, escape
from media.sources import AUDIO_SAMPLES, TestPattern, voice_like
from media.studio_record import StudioRecording
from media.studio_status import StudioStatus, VenueStatusRow

log = logging.getLogger(__name__)

STALE_VIDEO_S = 1.0  # an on-air venue's picture older than this is replaced by a slate
CLOSE_REPLACED = 4001  # WebSocket close code: another connection took over this venue
STUDIO_SOURCE = "studio"
LINK_QUALITY_S = 2.0
JOURNAL_BURST = 10.0  # chat / ready messages a venue may journal at once ...
JOURNAL_PER_S = 0.2  # ... and how fast it earns them back (12 a minute)


class VenueStatus(StrEnum):
    INVITED = "invited"  # in the run-sheet, never connected
    CONNECTING = "connecting"
    JOINED = "joined"
    LOST = "lost"


@dataclass(frozen=True)
class StudioConfig:
    host: str = "127.0.0.1"
    port: int = 8443
    ice_servers: tuple[str, ...] = ()
    program: VideoFormat = field(default_factory=lambda: VideoFormat(640, 360, 15))
    program_bitrate: int = 600_000
    camera: str | None = None  # opencv index or device path; None: the test pattern
    microphone: str | None = None  # part of an input device's name; None: a synthetic voice
    media_dir: Path = field(default_factory=Path.cwd)  # where run-sheet file: sources live
    naive_fanout: bool = False  # benchmark comparison only: one encoder per venue
    record_dir: Path | None = None  # where the program recording goes; None: not recorded
    sfu: SfuConfig | None = None  # send the program's picture through this SFU (Janus)
    sfu_feeds: bool = True  # with an SFU, venues' feeds and the program sound go through it too
    # A second, smaller rung of the program for venues whose link cannot carry the first
    # (encoded only while a venue is on it); False: one rung for everyone.
    lower_rung: bool = True
    signaling: SignalingLimits = field(default_factory=SignalingLimits)
    # Where venues relay when nothing direct works, and the secret shared with that TURN server
    # (coturn use-auth-secret): venues get short-lived credentials from /ice, never the secret.
    turn: TurnServer | None = None
    turn_secret: bytes = b""

    def lower_rungs(self) -> tuple[Rung, ...]:
        if not self.lower_rung or self.program.width < 64:
            return ()
        fmt = self.program
        half = VideoFormat(fmt.width // 4 * 2, fmt.height // 4 * 2, fmt.fps)
        return (Rung(half, max(150_000, self.program_bitrate // 4)),)


# ---- events out --------------------------------------------------------------------------


@dataclass(frozen=True)
class VenueStatusChanged:
    venue_id: str
    status: VenueStatus
    reason: str = ""


@dataclass(frozen=True)
class SequencerEvents:
    events: tuple[Event, ...]


@dataclass(frozen=True)
class ChatReceived:
    venue_id: str
    text: str


@dataclass(frozen=True)
class JoinRefused:
    venue_id: str
    reason: wire.JoinRefusal
    detail: str


@dataclass(frozen=True)
class CountdownUpdated:
    arm_id: int
    venue_id: str | None  # None: the arm itself changed (armed, aborted)


StudioEvent = VenueStatusChanged | SequencerEvents | ChatReceived | JoinRefused | CountdownUpdated


# ---- per venue ---------------------------------------------------------------------------


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

    @property
    def reconnects(self) -> int:
        return max(0, self.joins - 1)


class StudioEngine:
    def __init__(
        self,
        sheet: Runsheet,
        identity: StudioIdentity,
        config: StudioConfig,
        journal_path: Path,
        run: RunInfo | None = None,
        *,
        resume: RunState | None = None,
        mono: Clock = time.monotonic,
    ) -> None:
        """`run` names this holding of the ceremony (rehearsal or live) in the journal;
        `mono` is the studio's monotonic clock the session protocol runs on.
        `resume`: the run's state read back from its journal (ceremony/resume.py) by an engine
        restarted after a crash: the journal goes on and the state is taken over."""
        self._mono = mono
        self.sheet = sheet
        self.identity = identity
        self.config = config
        self.run = run
        self.venues: dict[str, VenueRecord] = {v.id: VenueRecord(v) for v in sheet.venues}
        self._journal = JournalWriter(journal_path, first_seq=resume.last_seq + 1 if resume else 1)
        self.desk = JournaledSequencer(
            sheet,
            self._journal,
            clock_now(),
            run.to_payload() if run else None,
            resumed=resume.sequencer if resume else None,
        )
        self._run_closed = False
        self.bus = ProgramBus(
            config.program,
            config.program_bitrate,
            compose=True,
            naive=config.naive_fanout,
            lower_rungs=config.lower_rungs(),
        )
        self.bus.on_venue_keyframe_request = self._venue_asked_for_keyframe
        aiortc_compat.set_sctp_initial_rto()  # the studio sends SCTP's INIT: 1 s, not 3 s
        for record in self.venues.values():
            record.quality = RungPolicy(lowest=len(self.bus.rungs) - 1)
        self.mixer = AudioMixer()
        self.mixer.add_source(STUDIO_SOURCE, self._studio_microphone)
        self._studio_pattern = TestPattern(
            sheet.ceremony.studio, config.program.width, config.program.height, hue=90
        )
        self._studio_frame_n = 0
        self._slates: dict[str, TestPattern] = {}
        self._tone = voice_like(base_hz=180.0)
        self._tone_pos = 0
        self._program_source: Source = Source.studio()
        self._subscribers: list[Callable[[StudioEvent], None]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._runner: web.AppRunner | None = None
        self.admission = Admission(config.signaling)
        self._site: GatedSite | None = None
        self._refusals_journaled: set[tuple[str, str]] = set()  # (venue, reason) this window
        self._cue_seq = 0
        self.preview_venue: str | None = None
        self.record = StudioRecording(
            config.record_dir,
            config.program,
            config.program_bitrate,
            note=lambda fields: self.desk.note(fields, clock_now()),
            problem=self._device_problem,
        )
        self.manual_override = False
        self.camera: CameraSource | None = None
        self.microphone: MicrophoneSource | None = None
        self.files: dict[str, FileSource] = {}
        self.device_problems: dict[str, str] = {}
        self.loop_lag: collections.deque[float] = collections.deque(maxlen=200)
        self._teardowns: set[asyncio.Task[None]] = set()
        self._zero_passed_while_down: int | None = None
        # The session protocol (heartbeats, countdown resends, acks, fire reports): pure, in
        # the core; woken by one timer on the loop.
        self.session = StudioSession(self.venues)
        self._session_timer = SessionTimer(
            self.session.next_timer,
            lambda now: self._session_output(self.session.handle_timer(now)),
            mono,
            "studio",
        )
        self.started_mono = time.monotonic()
        self.sfu: SfuProgram | None = (
            SfuProgram(config.sfu, self.bus, config.ice_servers) if config.sfu else None
        )
        self.feeds: StudioFeeds | None = None  # the venues' feeds through the SFU
        self.visible_venues = frozenset(v.id for v in sheet.venues[:FIRST_TILES])
        if resume is not None:
            self._resume(resume)
        else:
            self._set_program(Source.studio())

    def _resume(self, state: RunState) -> None:
        """Take the run over from its journal: the gap noted, then program, preview, cues,
        countdown and the recording's next part as they were."""
        part = state.next_part
        self.desk.note(state.resumed_note(part), clock_now())
        cur = self.desk.sequencer.state.current
        speaker = self.sheet.items[cur].speaker if cur is not None else None
        on_air = None
        if cur is not None:  # the new file's first chapter, named as the engine names them
            on_air = self.sheet.items[cur].title + (f" — {speaker.name}" if speaker else "")
        self.record.continue_run(part, state.first_program_path, on_air)
        self._cue_seq = state.cue_seq
        self.preview_venue = state.preview_venue
        self.restore_countdown(state.countdown)
        self._set_program(state.program)
        self.manual_override = state.manual_override
        if speaker is not None and not state.manual_override and self.bus.compositor is not None:
            self.bus.compositor.lower_third = LowerThird(speaker.name, speaker.role)

    def restore_countdown(self, countdown: StudioCountdown) -> None:
        """A countdown known again after a restart (armed, acks, fire reports as journaled):
        fire reports arriving now are accepted once, acked venues are not sent the arm again.
        The one entry point for it (a session object may take this over)."""
        self.countdown = countdown
        if countdown.fire_at is not None and countdown.fire_at <= self._mono():
            # Zero passed while no engine ran: pictures taken now would not show it.
            self._zero_passed_while_down = countdown.arm_id

    # ---- lifecycle ---------------------------------------------------------------------

    @property
    def journal_path(self) -> Path:
        return self._journal.path

    def subscribe(self, callback: Callable[[StudioEvent], None]) -> None:
        self._subscribers.append(callback)

    async def start(self) -> None:
        """Raises OSError when the port cannot be opened: then nothing else was opened."""
        app = web.Application(client_max_size=wire.MAX_SIGNAL_BYTES)
        app.router.add_get("/signal", self._signal)
        app.router.add_post("/ice", self._ice)
        # Keep-alive no longer than the join deadline; the gate enforces it anyway.
        self._runner = web.AppRunner(
            app,
            access_log=None,
            keepalive_timeout=self.config.signaling.join_s,
            shutdown_timeout=1.0,
        )
        await self._runner.setup()
        self._site = GatedSite(
            self._runner,
            self.config.host,
            self.config.port,
            ssl_context=self.identity.certificate.server_context(),
            admission=self.admission,
        )
        try:
            await self._site.start()
        except OSError:
            await self._runner.cleanup()
            self._runner = None
            self.close("did not start")  # the journal says so, and is closed
            raise
        # The port first: a studio that cannot be reached must not have started a recording.
        self._open_devices()
        self.start_recording()
        await self._start_sfu()
        loop = asyncio.get_running_loop()
        self._session_timer.start(loop)
        self._tasks = [
            loop.create_task(self.bus.run(), name="program-video"),
            loop.create_task(self.mixer.run(), name="program-audio"),
            loop.create_task(self._ticks(), name="sequencer-ticks"),
            loop.create_task(self._watch_loop_lag(), name="loop-lag"),
            loop.create_task(self._link_quality(), name="link-quality"),
            loop.create_task(self._signaling_summaries(), name="signaling-summaries"),
        ]
        log.info("studio listening on wss://%s:%d/signal", self.config.host, self.config.port)

    async def _start_sfu(self) -> None:
        """Publish the program to the SFU; if it cannot be reached, send it directly and say so."""
        if self.sfu is None:
            return
        try:
            await self.sfu.start()
        except (JanusError, OSError) as exc:
            await self.sfu.stop()
            self.sfu = None
            self._device_problem("sfu", f"SFU unreachable, program sent directly: {exc}")
            return
        if self.sfu is not None and self.sfu.cascade_problems:
            left_out = "; ".join(self.sfu.cascade_problems)
            self._device_problem("sfu", f"SFU cascade left out, the first takes all: {left_out}")
        if self.config.sfu_feeds and not self.sfu.config.cascade:
            await self._start_sfu_feeds()
        elif self.config.sfu_feeds:
            # The studio takes feeds from the first instance only; with a cascade, venues on a
            # further instance would publish where it does not look: their feeds come directly.
            log.info("SFU cascade: venues' cameras and microphones come to the studio directly")

    async def _start_sfu_feeds(self) -> None:
        """Venues publish to the SFU, the studio takes what it shows (media/sfu/feeds.py)."""
        assert self.sfu is not None
        feeds = StudioFeeds(
            self.sfu.config.url,
            self.sfu.config.room,
            self.sfu.pin,
            self.mixer,
            lambda source_id: source_id in self.venues,
            on_track=self._sfu_track,
            ice_servers=self.config.ice_servers,
        )
        try:
            await feeds.start()
        except (JanusError, OSError) as exc:
            await feeds.stop()
            self._device_problem("sfu-feeds", f"venues' feeds sent directly: {exc}")
            return
        self.feeds = feeds
        self._follow_feeds()

    def show_venues(self, venue_ids: frozenset[str]) -> None:
        """The venues whose tiles the console shows (through an SFU only these are taken)."""
        self.visible_venues = venue_ids
        self._follow_feeds()

    def _follow_feeds(self) -> None:
        if self.feeds is None:
            return
        source = self._program_source
        view = self.desk.sequencer.view(clock_now())
        self.feeds.want(
            wanted_levels(
                source.ref if source.kind is SourceKind.VENUE else None,
                operator.preview_venue(self.preview_venue, self.sheet, view.next),
                self.visible_venues,
            )
        )

    def _sfu_track(self, venue_id: str, track: MediaStreamTrack, receiver: object | None) -> None:
        """A venue's track from the SFU, consumed as one from its own connection would be."""
        record = self.venues[venue_id]
        if record.conn is None:
            return
        consume = self._consume_video if track.kind == "video" else self._consume_audio
        record.conn.tasks.append(asyncio.create_task(consume(record, record.conn, track)))
        if receiver is not None and track.kind == "audio":
            aiortc_compat.receive_audio_with_fec(receiver, record.audio_in)
        elif receiver is not None:  # full rate only: an ISO file keeps one picture size
            self.record.tee_iso(venue_id, receiver)

    async def stop(self, reason: str = "stopped") -> None:
        """End the run: venues are told the ceremony has ended (a last program state, then the
        signaling connection closed with CLOSE_CEREMONY_ENDED), recordings closed with their
        chapters, the run's end journaled, the journal closed."""
        if self.feeds is not None:
            await self.feeds.stop()
            self.feeds = None
        if self.sfu is not None:
            await self.sfu.stop()
        ended = wire.ProgramState(
            tally=wire.Tally.STANDBY,
            item_index=None,
            item_count=len(self.sheet.items),
            ended=True,
            ceremony_title=self.sheet.ceremony.title,
        )
        for record in self.venues.values():
            if record.conn is not None and record.conn.control is not None:
                record.conn.control.send(ended)
        for record in self.venues.values():
            if record.conn is not None:
                self._close(record, "the ceremony has ended", status=VenueStatus.LOST, ended=True)
        await asyncio.gather(*self._teardowns, return_exceptions=True)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._session_timer.stop()
        if self._runner is not None:
            await self._runner.cleanup()
        self._summarize_signaling()
        self.record.stop()
        self.close(reason)

    def close(self, reason: str = "stopped") -> None:
        """Release devices, files and the journal (also for an engine that never started)."""
        self.record.close()
        if not self._run_closed:
            self._run_closed = True
            if self.desk.sequencer.state.status.value == "ended":
                reason = "ended"  # the run-sheet ran to its end
            self.desk.end_run(reason, clock_now())
        for device in (self.camera, self.microphone, *self.files.values()):
            if device is not None:
                device.close()
        self.files.clear()
        self.camera = self.microphone = None
        self._journal.close()

    # ---- operator commands -------------------------------------------------------------

    def command(self, command: cmd.Command) -> list[Event]:
        events = self.desk.apply(command, clock_now())
        self._handle_sequencer(events)
        return events

    def cue(self, text: str, venue_id: str | None = None) -> int:
        self._cue_seq += 1
        msg = wire.Cue(cue_id=self._cue_seq, text=text[: wire.MAX_TEXT])
        targets = [self.venues[venue_id]] if venue_id else list(self.venues.values())
        for record in targets:
            if record.conn and record.conn.control:
                record.conn.control.send(msg)
        self.desk.note(notes.CueSent(text, venue_id, self._cue_seq), clock_now())
        return self._cue_seq

    # ---- protocol staff -----------------------------------------------------------------

    def start_recording(self) -> bool:
        return self.record.start(
            self.sheet.ceremony.id, self.sheet.planned_duration_s, self.bus, self.mixer
        )

    def stop_recording(self) -> None:
        """The operator's Stop: the files are closed and hashed off the network loop."""
        self.record.stop(wait=False)

    def marker(self, text: str) -> None:
        """A marker: a chapter in the recording and a line in the journal."""
        self.record.chapter(f"* {text}")
        self.desk.note(notes.Marker(text[: wire.MAX_TEXT]), clock_now())

    def protocol_note(self, text: str) -> None:
        self.desk.note(notes.ProtocolNote(text[: wire.MAX_TEXT]), clock_now())

    def recording_health(self) -> dict[str, object]:
        return self.record.health()

    def replace_runsheet(self, sheet: Runsheet) -> None:
        """An edited run-sheet, before the ceremony starts; the venues must stay the same."""
        if [v.id for v in sheet.venues] != [v.id for v in self.sheet.venues]:
            raise ValueError("the edited run-sheet has other venues: restart the studio with it")
        self.desk.replace_runsheet(sheet, clock_now())
        self.sheet = sheet
        self._broadcast_state()

    def take(self, source: Source) -> None:
        """Manual override: put `source` on air outside the run-sheet (journaled, shown)."""
        self.manual_override = source != self._run_sheet_source()
        self._set_program(source)
        self.desk.note(notes.ManualOverride(str(source), self.manual_override), clock_now())
        self._broadcast_state()

    def preview(self, venue_id: str | None) -> None:
        """The operator's preview choice (a green tally at that venue); None: the next item."""
        self.preview_venue = venue_id
        self.desk.note(notes.PreviewChosen(venue_id), clock_now())
        self._broadcast_state()

    def _run_sheet_source(self) -> Source:
        cur = self.desk.sequencer.state.current
        return self.sheet.items[cur].source if cur is not None else Source.studio()

    @property
    def program_source(self) -> Source:
        return self._program_source

    def arm_countdown(
        self, lead_s: float = DEFAULT_LEAD_S, venue_ids: list[str] | None = None, title: str = ""
    ) -> int:
        """Arm for now + lead on the studio clock; raises CountdownError for a bad request."""
        ids = venue_ids if venue_ids is not None else self._countdown_venues()
        arm_id = self.session.arm(self._mono(), lead_s, ids, title)
        assert self.countdown.fire_at is not None
        self.desk.note(
            notes.CountdownArmed(arm_id, self.countdown.fire_at, lead_s, ids, title), clock_now()
        )
        self._emit(CountdownUpdated(arm_id, None))
        self._wake_session()  # the arm goes out now
        return arm_id

    def abort_countdown(self) -> int | None:
        arm_id = self.session.abort(self._mono())
        if arm_id is not None:
            self.desk.note(notes.CountdownAborted(arm_id), clock_now())
            self._emit(CountdownUpdated(arm_id, None))
            self._wake_session()
        return arm_id

    @property
    def countdown(self) -> StudioCountdown:
        return self.session.countdown

    @countdown.setter
    def countdown(self, restored: StudioCountdown) -> None:
        """A countdown known again after a restart: the session takes it up."""
        self.session.restore_countdown(restored, self._mono())
        self._wake_session()

    def _countdown_venues(self) -> list[str]:
        cur = self.desk.sequencer.state.current
        if cur is not None and self.sheet.items[cur].kind is ItemKind.COUNTDOWN:
            return list(self.sheet.item_venues(self.sheet.items[cur]))
        return list(self.venues)

    def _countdown_zero(self, arm_id: int) -> None:
        """Zero on the studio clock: every picture of the moment, for the record."""
        if arm_id == self._zero_passed_while_down:
            return  # zero passed while no engine ran: pictures taken now would not show it
        frames = {"program": self.bus.last_frame}
        for vid, record in self.venues.items():
            frames[vid] = record.conn.latest_video if record.conn else None
        self.record.snapshot(arm_id, frames)

    def chat(self, venue_id: str, text: str) -> None:
        record = self.venues[venue_id]
        if record.conn and record.conn.control:
            record.conn.control.send(wire.Chat(text=text[: wire.MAX_TEXT], sender="studio"))
        self.desk.note(notes.ChatTo(venue_id, text), clock_now())

    # ---- program -----------------------------------------------------------------------

    def _emit(self, event: StudioEvent) -> None:
        for callback in list(self._subscribers):
            try:
                callback(event)
            except Exception:
                log.exception("studio event subscriber failed on %s", event)

    def _handle_sequencer(self, events: list[Event]) -> None:
        if not events:
            return
        for event in events:
            if isinstance(event, ItemStarted):
                item = self.sheet.items[event.index]
                self.manual_override = False  # the run-sheet takes over again
                who = f" — {item.speaker.name}" if item.speaker else ""
                self.record.chapter(item.title + who)
                self._set_program(item.source)
                if self.bus.compositor is not None:
                    speaker = item.speaker
                    self.bus.compositor.lower_third = (
                        LowerThird(speaker.name, speaker.role) if speaker else None
                    )
        self._broadcast_state()
        self._emit(SequencerEvents(tuple(events)))

    def _set_program(self, source: Source) -> None:
        self._program_source = source
        if source.kind is SourceKind.FILE:
            self._open_file(source.ref)
        self.bus.set_source(lambda: self._program_frame(source), lambda: self._slate(source))
        self.mixer.set_live(self._live_audio(source))
        self.desk.note(notes.ProgramSource(str(source)), clock_now())

    def _open_devices(self) -> None:
        """The studio camera and microphone; a failure is reported and replaced, not fatal."""
        fmt = self.config.program
        if self.config.camera is not None:
            try:
                self.camera = CameraSource(self.config.camera, fmt.width, fmt.height)
            except DeviceError as exc:
                self._device_problem("camera", str(exc))
        if self.config.microphone is not None:
            try:
                self.microphone = MicrophoneSource(self.config.microphone)
                self.mixer.add_source(STUDIO_SOURCE, self.microphone.buffer.pop)
            except DeviceError as exc:
                self._device_problem("microphone", str(exc))
                self.mixer.add_source(STUDIO_SOURCE, lambda: None)  # silence, not a fake voice

    def _watch_camera(self) -> None:
        """A studio camera that stops delivering (unplugged) shows on the desk, and clears."""
        if self.camera is None:
            return
        problem, shown = self.camera.problem, self.device_problems.get("camera")
        if problem and problem != shown:
            self._device_problem("camera", problem)
        elif not problem and shown:
            del self.device_problems["camera"]
            self.desk.note(notes.DeviceProblem("camera", None), clock_now())

    def _device_problem(self, device: str, problem: str) -> None:
        log.warning("%s: %s", device, problem)
        self.device_problems[device] = problem
        self.desk.note(notes.DeviceProblem(device, problem), clock_now())

    def _open_file(self, ref: str) -> None:
        if ref in self.files:
            return
        path = Path(ref) if Path(ref).is_absolute() else self.config.media_dir / ref
        try:
            source = FileSource(path)
        except DeviceError as exc:
            self._device_problem(f"file:{ref}", str(exc))
            return
        self.files[ref] = source
        self.mixer.add_source(f"file:{ref}", source.audio.pop)

    def _program_frame(self, source: Source) -> av.VideoFrame | None:
        if source.kind is SourceKind.STUDIO:
            if self.camera is not None:
                return self.camera.latest()  # None while it fails: the slate shows
            self._studio_frame_n += 1
            return self._studio_pattern.frame(self._studio_frame_n)
        if source.kind is SourceKind.FILE:
            file = self.files.get(source.ref)
            return file.latest() if file else None
        if source.kind is SourceKind.VENUE:
            record = self.venues.get(source.ref)
            conn = record.conn if record else None
            fresh = conn and time.monotonic() - conn.latest_video_mono <= STALE_VIDEO_S
            if conn and fresh:
                return conn.latest_video
        return None

    def _slate(self, source: Source) -> av.VideoFrame:
        key = str(source)
        if key not in self._slates:
            name = source.ref
            if source.kind is SourceKind.VENUE:
                venue = self.sheet.venue(source.ref)
                name = venue.name if venue else source.ref
            fmt = self.config.program
            self._slates[key] = TestPattern(f"... {name}", fmt.width, fmt.height, hue=200)
        self._studio_frame_n += 1
        return self._slates[key].frame(self._studio_frame_n)

    @staticmethod
    def _live_audio(source: Source) -> dict[str, float]:
        """Who is heard in the program: the on-air source."""
        if source.kind is SourceKind.VENUE:
            return {source.ref: 1.0}
        if source.kind is SourceKind.STUDIO:
            return {STUDIO_SOURCE: 1.0}
        return {str(source): 1.0}

    def _studio_microphone(self) -> np.ndarray:
        # The studio microphone's stand-in on this machine: a voice-like tone.
        end = self._tone_pos + AUDIO_SAMPLES
        if end > len(self._tone):
            self._tone_pos, end = 0, AUDIO_SAMPLES
        block = self._tone[self._tone_pos : end]
        self._tone_pos = end
        return block

    def program_state_for(self, venue_id: str) -> wire.ProgramState:
        now = clock_now()
        view = self.desk.sequencer.view(now)
        return program_state(
            self.sheet,
            view,
            self._program_source,
            self.preview_venue,
            venue_id,
            now_mono=self._mono(),
        )

    def _broadcast_state(self) -> None:
        self._follow_feeds()  # what is on air and on preview decides the feeds taken
        for vid, record in self.venues.items():
            if record.conn and record.conn.control:
                record.conn.control.send(self.program_state_for(vid))

    # ---- loops -------------------------------------------------------------------------

    async def _ticks(self) -> None:
        while True:
            await asyncio.sleep(0.1)
            try:
                self._handle_sequencer(self.desk.tick(clock_now()))
            except Exception:
                log.exception("sequencer tick failed")
            self.record.watch(time.monotonic())
            self._watch_camera()

    async def _link_quality(self) -> None:
        """Packet loss both ways for every joined venue, every LINK_QUALITY_S."""
        while True:
            await asyncio.sleep(LINK_QUALITY_S)
            for record in list(self.venues.values()):
                conn = record.conn
                if conn is None or conn.closed or record.status is not VenueStatus.JOINED:
                    continue
                try:
                    await _measure_loss(conn)
                except Exception:  # statistics are a nicety; never let them hurt the session
                    log.debug("%s: link statistics failed", record.venue.id, exc_info=True)
                    continue
                self.bus.set_rung(
                    record.venue.id, record.quality.observe(time.monotonic(), conn.loss_out_pct)
                )
                if record.quality.audio_fec:  # audio first: FEC'd program sound (media/opus.py)
                    self.mixer.protected.add(record.venue.id)
                else:
                    self.mixer.protected.discard(record.venue.id)

    def _venue_asked_for_keyframe(self, venue_id: str) -> None:
        record = self.venues.get(venue_id)
        if record is not None:
            record.quality.keyframe_requested(time.monotonic())

    async def _watch_loop_lag(self) -> None:
        """How late the event loop runs a 50 ms timer: the studio's own health figure."""
        while True:
            before = time.monotonic()
            await asyncio.sleep(0.05)
            self.loop_lag.append(time.monotonic() - before - 0.05)

    # ---- the session protocol: one timer -----------------------------------------------

    def _wake_session(self) -> None:
        """Call after feeding the session: its next instant may have moved."""
        self._session_timer.wake()

    def _session_output(self, out: Output[session_events.StudioSessionEvent]) -> None:
        """Send what the session asks to send; act on what it says happened."""
        for item in out.sends:
            record = self.venues.get(item.venue_id)
            control = record.conn.control if record and record.conn else None
            if control is None:
                continue
            if isinstance(item, Refuse):
                control.refuse(item.code, item.detail)
            else:
                control.send(item.message)
        for event in out.events:
            match event:
                case session_events.VenueLost(venue_id=vid, silent_s=silent):
                    self._close(self.venues[vid], f"no heartbeat for {silent:.1f} s")
                case session_events.Received(venue_id=vid, message=msg):
                    record = self.venues[vid]
                    if record.conn is not None:
                        self._on_venue_message(record, record.conn, msg)
                case session_events.ArmAcked():
                    if event.journal:
                        self.desk.note(
                            notes.CountdownAck(
                                event.venue_id,
                                event.arm_id,
                                event.state.value,
                                event.bound_s,
                                event.local_deadline,
                            ),
                            clock_now(),
                        )
                    self._emit(CountdownUpdated(event.arm_id, event.venue_id))
                case session_events.FireReported(venue_id=vid, report=msg, fire_at=fire_at):
                    self._journal_fire(vid, msg, fire_at)
                    self._emit(CountdownUpdated(msg.arm_id, vid))
                case session_events.CountdownZero(arm_id=arm_id):
                    self._countdown_zero(arm_id)

    # ---- signaling ---------------------------------------------------------------------

    async def _signal(self, request: web.Request) -> web.StreamResponse:
        """One join attempt. Authenticate first; replace a live venue only with a built answer.

        The connection is still pending here (GatedSite: deadline, caps); it is promoted once
        the token is valid. Nothing the peer sent is logged or journaled as text.
        """
        limits = self.config.signaling
        ws = web.WebSocketResponse(
            max_msg_size=wire.MAX_SIGNAL_BYTES, compress=False, timeout=limits.close_s
        )
        site = self._site
        try:
            await ws.prepare(request)
        except web.HTTPException:
            if site is not None:
                site.refused(request.transport, CloseKind.NOT_A_JOIN)
            raise  # aiohttp answers it (400: not a WebSocket upgrade)
        except ConnectionError:  # the peer left during the upgrade: nothing to answer
            if site is not None:
                site.refused(request.transport, CloseKind.NOT_A_JOIN)
            return ws
        try:
            first = await ws.receive(timeout=limits.join_s)
        except (TimeoutError, asyncio.CancelledError):
            return ws  # the gate closes it at its deadline, and counts it
        if first.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
            # An invalid or oversized frame (aiohttp closed it with 1007/1009), a close, a ping
            if site is not None:
                site.refused(request.transport, CloseKind.NOT_A_JOIN)
            await self._close_ws(ws)
            return ws
        try:
            join = wire.decode(first.data, wire.SIGNALING_FROM_VENUE, limit=wire.MAX_SIGNAL_BYTES)
        except wire.WireError as exc:
            await self._refuse(request, ws, wire.JoinRefusal.MALFORMED, exc.detail)
            return ws
        assert isinstance(join, wire.Join)
        claim = InviteClaim.of(join)
        refusal = check_token(
            self.identity.secret,
            claim,
            join.token,
            known_venues=set(self.venues),
            expected_ceremony=self.sheet.ceremony.id,
            now_wall=time.time(),
        )
        if refusal is not None:
            # Only a genuine token of ours names a venue (for OTHER_VENUE: the token's own).
            await self._refuse(
                request, ws, refusal.reason, refusal.detail, venue_id=refusal.venue_id
            )
            return ws
        if site is not None:
            site.promote(request.transport)
        record = self.venues[join.venue_id]
        try:
            answering = self._prepare_answer(record, ws, join.sdp)
            conn = await asyncio.wait_for(answering, limits.answer_s)
        except TimeoutError:
            # The studio is too busy right now: not the venue's fault, and not final for it.
            # Closed without a refusal, so the venue tries again (with its backoff).
            self.admission.tally.count("answer_timeout", request.remote or "?")
            await self._close_ws(ws)
            return ws
        except Exception:  # garbage SDP, an offer without a data channel
            # Logged by _refuse, once per venue and window: a leaked token cannot flood the log.
            await self._refuse(
                request,
                ws,
                wire.JoinRefusal.MALFORMED,
                "the studio could not answer this offer (no usable media or data channel)",
                venue_id=record.venue.id,
            )
            return ws
        if ws.closed:  # the venue gave up while the answer was built: nothing changes here
            await self._discard(conn)
            return ws
        self._install(record, conn)
        assert conn.pc.localDescription is not None
        try:
            await ws.send_str(
                wire.encode(
                    wire.Accepted(
                        sdp=conn.pc.localDescription.sdp,
                        studio=_clip(self.sheet.ceremony.studio),
                        venue_name=_clip(record.venue.name),
                    )
                ).decode()
            )
        except Exception:  # it went away right now: the liveness rules take it from here
            log.debug("%s: could not send the answer", record.venue.id, exc_info=True)
        # Keep the WebSocket: it closing tells us at once that the venue process is gone.
        with contextlib.suppress(Exception):
            async for msg in ws:
                if msg.type == WSMsgType.ERROR:
                    break
        if record.conn is conn:
            self._close(record, "signaling connection closed")
        elif conn.teardown is not None:
            # We are closing it (ended, replaced, lost): returning now would let aiohttp close
            # the WebSocket with 1000 before our close frame goes out with its code.
            with contextlib.suppress(Exception):
                await asyncio.shield(conn.teardown)
        return ws

    async def _close_ws(self, ws: web.WebSocketResponse) -> None:
        with contextlib.suppress(Exception):
            await ws.close()

    async def _ice(self, request: web.Request) -> web.Response:
        response = await self._ice_answer(request)
        # One request per join: no keep-alive connection left behind at a venue that may
        # change address (its dead TLS connection would hold a socket here for minutes).
        response.force_close()
        return response

    async def _ice_answer(self, request: web.Request) -> web.Response:
        """Short-lived TURN credentials for a venue that proves its invite (the whole invite,
        as signed, in the body), asked before it gathers candidates (the join offer already
        carries them). Authenticated like a join: strangers hear only bad_token."""
        try:
            invite = msgspec.json.decode(await request.read(), type=Invite)
        except (msgspec.DecodeError, msgspec.ValidationError, ValueError):
            return web.json_response({"refused": "malformed"}, status=400)
        refusal = check_token(
            self.identity.secret,
            InviteClaim.of(invite),
            invite.token,
            known_venues=set(self.venues),
            expected_ceremony=self.sheet.ceremony.id,
            now_wall=time.time(),
        )
        if refusal is not None:
            return web.json_response(
                {"refused": refusal.reason.value, "detail": refusal.detail}, status=403
            )
        turn = self.config.turn
        if turn is None or not self.config.turn_secret:
            return web.json_response({"turn": None})
        grant = grant_document(turn, self.config.turn_secret, invite.venue_id, now=time.time())
        return web.json_response({"turn": grant})

    async def _refuse(
        self,
        request: web.Request,
        ws: web.WebSocketResponse,
        reason: wire.JoinRefusal,
        detail: str,
        *,
        venue_id: str | None = None,
    ) -> None:
        """Answer `refused` and close. Counted per reason and address (the aggregated trace);
        only a refusal of a genuine token (venue_id given) is journaled by name, once per venue
        and reason in each summary window, and shown to the operator."""
        counted = self._site is not None and self._site.refused(request.transport, reason.value)
        if not counted:  # already promoted (a genuine token whose offer failed): still counted
            self.admission.refused(request.remote or "?", reason.value, time.monotonic())
        with contextlib.suppress(Exception):
            await ws.send_str(wire.encode(wire.Refused(reason=reason, detail=detail)).decode())
        await self._close_ws(ws)
        if venue_id is None:
            return
        key = (venue_id, reason.value)
        if key in self._refusals_journaled:
            return
        self._refusals_journaled.add(key)
        log.warning(
            "refused venue %s: %s (a live connection of it, if any, is kept)",
            escape(venue_id),
            reason.value,
        )
        self.desk.note(notes.JoinRefusedNote(venue_id, reason.value, detail), clock_now())
        self._emit(JoinRefused(venue_id, reason, detail))

    async def _signaling_summaries(self) -> None:
        limits = self.config.signaling
        self.admission.tally.window_started = time.monotonic()
        while True:
            await asyncio.sleep(min(5.0, limits.summary_s))
            if self.admission.tally.due(time.monotonic()):
                self._summarize_signaling()

    def _summarize_signaling(self) -> None:
        """One log line and one journal note for everything refused or closed in the window."""
        note = self.admission.tally.summary(time.monotonic())
        self._refusals_journaled.clear()
        if note is None:
            return
        log.warning(
            "signaling: %d connection(s) refused or closed in %.0f s from %d address(es): %s",
            note["total"],
            note["window_s"],
            note["address_count"],
            ", ".join(f"{k} {n}" for k, n in note["kinds"].items()),
        )
        self.desk.note(msgspec.convert(note, notes.SignalingSummary), clock_now())

    async def _prepare_answer(
        self, record: VenueRecord, ws: web.WebSocketResponse, offer_sdp: str
    ) -> VenueConnection:
        """A peer connection with the answer built, not yet the venue's: a failure here leaves
        a live connection of the venue untouched."""
        pc = RTCPeerConnection(rtc_configuration(self.config.ice_servers))
        conn = VenueConnection(pc=pc, ws=ws, started_mono=time.monotonic())
        try:
            await self._negotiate(record, conn, offer_sdp)
        except BaseException:
            await self._discard(conn)
            raise
        return conn

    async def _negotiate(self, record: VenueRecord, conn: VenueConnection, offer_sdp: str) -> None:
        vid = record.venue.id
        pc = conn.pc

        @pc.on("datachannel")
        def on_datachannel(channel: RTCDataChannel) -> None:
            if channel.label == "control":
                conn.control = WireChannel(
                    channel, wire.VENUE_MAY_SEND, lambda m: self._on_control(record, conn, m), vid
                )
                if channel.readyState == "open":
                    self._on_control_open(record, conn)
                else:
                    channel.on("open", lambda: self._on_control_open(record, conn))
            elif channel.label == "clock":
                conn.clock = WireChannel(
                    channel, wire.VENUE_MAY_SEND, lambda m: self._on_clock(conn, m), vid
                )

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            if record.conn is conn:
                self._consume(record, conn, track)
            else:
                conn.tracks.append(track)  # consumed once the connection is the venue's

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            log.info("%s: peer connection %s", vid, pc.connectionState)
            if pc.connectionState == "failed" and record.conn is conn:
                self._close(record, "peer connection failed")

        await pc.setRemoteDescription(RTCSessionDescription(offer_sdp, "offer"))
        if pc.sctp is None:
            raise ValueError("the offer has no data channel")
        guard_data_channels(pc.sctp, vid)
        for transceiver in pc.getTransceivers():
            if self.feeds is not None:
                transceiver.direction = "inactive"  # both ways through the SFU
            elif transceiver.kind == "video" and self.bus.naive:
                transceiver.sender.replaceTrack(self.bus.subscribe_raw(vid))
                transceiver.direction = "sendrecv"
            elif transceiver.kind == "video" and self.sfu is not None:
                transceiver.direction = "recvonly"  # the program's picture comes from the SFU
            elif transceiver.kind == "video":
                transceiver.sender.replaceTrack(self.bus.subscribe(vid, record.quality.rung))
                transceiver.direction = "sendrecv"
                vp8 = [
                    c
                    for c in RTCRtpSender.getCapabilities("video").codecs
                    if c.mimeType in ("video/VP8", "video/rtx")
                ]
                transceiver.setCodecPreferences(vp8)
                self.bus.route_keyframe_requests(transceiver.sender, vid)
            elif transceiver.kind == "audio":
                aiortc_compat.receive_audio_with_fec(transceiver.receiver, record.audio_in)
                transceiver.sender.replaceTrack(self.mixer.subscribe(vid))
                transceiver.direction = "sendrecv"
        answer = await pc.createAnswer()
        await pc.setLocalDescription(answer)

    def _install(self, record: VenueRecord, conn: VenueConnection) -> None:
        """The answer is built: this connection becomes the venue's, replacing a live one."""
        if record.conn is not None:
            self._close(record, "replaced by a newer connection", replaced=True)
        record.conn = conn
        self.mixer.add_source(record.venue.id, conn.audio.pop)
        self._set_status(record, VenueStatus.CONNECTING, "offer received")
        for track in conn.tracks:
            self._consume(record, conn, track)
        conn.tracks.clear()

    def _consume(self, record: VenueRecord, conn: VenueConnection, track: MediaStreamTrack) -> None:
        if self.feeds is not None:
            return  # inactive here: the venue's feeds come through the SFU (_sfu_track)
        consume = self._consume_video if track.kind == "video" else self._consume_audio
        conn.tasks.append(asyncio.create_task(consume(record, conn, track)))
        if track.kind == "video":
            receiver = next(
                (t.receiver for t in conn.pc.getTransceivers() if t.receiver.track is track), None
            )
            self.record.tee_iso(record.venue.id, receiver)

    async def _discard(self, conn: VenueConnection) -> None:
        """A connection that never became the venue's: stop its program tracks, close it."""
        conn.closed = True
        for transceiver in conn.pc.getTransceivers():
            track = transceiver.sender.track
            if track is not None:
                track.stop()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(conn.pc.close(), timeout=5)

    # ---- venue traffic -----------------------------------------------------------------

    def _on_control_open(self, record: VenueRecord, conn: VenueConnection) -> None:
        if conn.control is None or record.conn is not conn:
            return
        now = time.monotonic()
        conn.liveness = self.session.connected(record.venue.id, self._mono())
        self._wake_session()
        record.joins += 1
        record.last_joined_mono = now
        if record.first_joined_mono is None:
            record.first_joined_mono = now
        c = self.sheet.ceremony
        conn.control.send(
            wire.Welcome(
                studio=_clip(c.studio),
                ceremony_id=c.id,
                ceremony_title=_clip(c.title),
                venue_id=record.venue.id,
                venue_name=_clip(record.venue.name),
                sfu=self._sfu_route(record.venue.id),
                rehearsal=self.run.rehearsal if self.run else False,
                run_id=self.run.id if self.run else "",
            )
        )
        conn.control.send(self.program_state_for(record.venue.id))
        self._set_status(record, VenueStatus.JOINED, f"join #{record.joins}")
        self.bus.request_keyframe(f"{record.venue.id} joined")

    def _sfu_route(self, venue_id: str) -> wire.SfuRoute | None:
        route = self.sfu.route(venue_id) if self.sfu else None
        if route is None or self.feeds is None or self.feeds.sound is None:
            return route
        return msgspec.structs.replace(
            route,
            publish_feed=self.feeds.assign(venue_id),
            sound_feed=self.feeds.sound.feed or 0,
        )

    def _on_control(self, record: VenueRecord, conn: VenueConnection, msg: wire.Message) -> None:
        record.last_seen_mono = time.monotonic()
        if record.conn is conn:  # a replaced connection's last words are not this link's
            self._session_output(self.session.receive(record.venue.id, msg, self._mono()))
            self._wake_session()
        if conn.control:
            record.bad_messages = conn.control.errors_received

    def _on_venue_message(
        self, record: VenueRecord, conn: VenueConnection, msg: wire.Message
    ) -> None:
        """What the session leaves to the engine: stats, ready, chat."""
        now = time.monotonic()
        match msg:
            case wire.Stats():
                record.stats = msg
            case wire.Ready(ready=ready, contact=contact):
                if not self._may_journal(record, conn, now):
                    return
                record.ready, record.contact = ready, contact
                self.desk.note(notes.VenueReady(record.venue.id, ready, contact), clock_now())
                self._set_status(record, record.status, "ready" if ready else "not ready")
            case wire.Chat(text=text):
                if not self._may_journal(record, conn, now):
                    return
                self.desk.note(notes.ChatFrom(record.venue.id, text), clock_now())
                self._emit(ChatReceived(record.venue.id, text))
            case _:
                pass  # errors are counted by the channel itself

    def _may_journal(self, record: VenueRecord, conn: VenueConnection, now: float) -> bool:
        """Whether this venue's chat / ready message may go into the journal: a token bucket,
        so the official record grows by a bounded amount whatever a venue sends."""
        record.journal_budget = min(
            JOURNAL_BURST,
            record.journal_budget + max(0.0, now - record.journal_budget_at) * JOURNAL_PER_S,
        )
        record.journal_budget_at = now
        if record.journal_budget >= 1.0:
            record.journal_budget -= 1.0
            return True
        record.journal_refused += 1
        if conn.control:
            conn.control.refuse(
                wire.ErrorCode.RATE_LIMITED,
                f"more than {JOURNAL_BURST:.0f} chat/ready messages at once; slow down",
            )
        return False

    def _journal_fire(self, vid: str, msg: wire.FireReport, fire_at: float | None) -> None:
        self.desk.note(
            notes.FireReported(
                venue=vid,
                arm_id=msg.arm_id,
                local_deadline=msg.local_deadline,
                local_fire=msg.local_fire,
                bound_s=msg.bound_s,
                true_fire=msg.true_fire,
                fire_at=fire_at,
                onset_method=msg.onset_method,
                onset_local=msg.onset_local,
                fire_late_s=msg.fire_late_s,
                hall_latency_s=msg.hall_latency_s,
                screen_late_s=msg.screen_late_s,
            ),
            clock_now(),
        )

    def _on_clock(self, conn: VenueConnection, msg: wire.Message) -> None:
        if isinstance(msg, wire.ClockProbe) and conn.clock:
            # On the session's clock: the one `fire_at` and `ends_at` are on.
            t2 = self._mono()
            conn.clock.send(wire.ClockReply(seq=msg.seq, t1=msg.t1, t2=t2, t3=self._mono()))

    async def _consume_video(
        self, record: VenueRecord, conn: VenueConnection, track: MediaStreamTrack
    ) -> None:
        with contextlib.suppress(MediaStreamError, asyncio.CancelledError):
            while True:
                frame = await track.recv()
                now = time.monotonic()
                assert isinstance(frame, av.VideoFrame)
                conn.latest_video, conn.latest_video_mono = frame, now
                conn.video.add(now)
                # Not proof of life here: decoded frames can trail the network by a decoder
                # backlog, which would delay noticing a frozen venue past 3 s.
                record.video_frames += 1

    async def _consume_audio(
        self, record: VenueRecord, conn: VenueConnection, track: MediaStreamTrack
    ) -> None:
        with contextlib.suppress(MediaStreamError, asyncio.CancelledError):
            while True:
                frame = await track.recv()
                assert isinstance(frame, av.AudioFrame)
                conn.audio.push_frame(frame)

    # ---- state -------------------------------------------------------------------------

    def _set_status(self, record: VenueRecord, status: VenueStatus, reason: str) -> None:
        if status is not record.status:
            log.info(
                "venue %s: %s -> %s (%s)",
                record.venue.id,
                record.status.value,
                status.value,
                reason,
            )
        record.status = status
        self.desk.note(notes.VenueStatusNote(record.venue.id, status.value, reason), clock_now())
        self._emit(VenueStatusChanged(record.venue.id, status, reason))

    def _close(
        self,
        record: VenueRecord,
        reason: str,
        *,
        replaced: bool = False,
        status: VenueStatus = VenueStatus.LOST,
        ended: bool = False,
    ) -> asyncio.Task[None] | None:
        """Mark the venue at once; tear its connection down in the background.

        Never awaited inline by the heartbeat loop: closing a frozen peer's WebSocket waits for a
        close frame that will not come, and no other venue's loss may wait behind that.
        """
        conn = record.conn
        if conn is None or conn.closed:
            return None
        conn.closed = True
        record.conn = None
        self.session.disconnected(record.venue.id)
        self.mixer.remove_source(record.venue.id)
        if self.feeds is not None:
            self.feeds.forget(record.venue.id)
        record.lost_mono = time.monotonic()
        self._set_status(record, status, reason)
        for task in conn.tasks:
            task.cancel()
        for transceiver in conn.pc.getTransceivers():
            track = transceiver.sender.track
            if track is not None:
                track.stop()
        code = CLOSE_REPLACED if replaced else wire.CLOSE_CEREMONY_ENDED if ended else 1000
        task = asyncio.get_running_loop().create_task(self._teardown(conn, reason, code))
        conn.teardown = task
        self._teardowns.add(task)
        task.add_done_callback(self._teardowns.discard)
        return task

    async def _teardown(self, conn: VenueConnection, reason: str, code: int) -> None:
        try:
            sock = conn.ws.get_extra_info("socket")  # aiohttp's WebSocket has no abort
        except Exception:  # a connection aiohttp already let go of has no transport
            sock = None
        with contextlib.suppress(Exception):
            await asyncio.wait_for(
                conn.ws.close(code=code, message=reason.encode()[:120]),
                timeout=2,
            )
        # A venue whose address vanished answers neither the close nor TLS's close_notify,
        # which asyncio waits 30 s for, holding the socket: give it 2 s, then shut the socket
        # (the TLS transport's abort() is a no-op once close() ran twice, as it has here).
        for _ in range(20):
            if sock is None or sock.fileno() == -1:
                break
            await asyncio.sleep(0.1)
        else:
            log.info("dropping a signaling connection that did not close (%s)", reason)
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(conn.pc.close(), timeout=5)

    # ---- reporting ---------------------------------------------------------------------

    def snapshot(self) -> dict[str, object]:
        """A JSON-able picture of every venue, for progress lines and report.json."""
        return self.status().to_dict()

    def status(self) -> StudioStatus:
        """Every venue and the engine's own health, now (typed: read fields, not keys)."""
        now = time.monotonic()
        venues = []
        for vid, r in self.venues.items():
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
                    audio_in=asdict(r.audio_in),
                    program_rung=str(self.bus.rungs[r.quality.rung]),
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
                    audio_rms_dbfs=round(self.mixer.levels[vid].rms_dbfs, 1)
                    if vid in self.mixer.levels
                    else None,
                )
            )
        lag = sorted(self.loop_lag)
        return StudioStatus(
            program_fps_sent=round(self.bus.meter.rate(now), 2),
            keyframe_requests_refused=self.bus.keyframe_requests_refused,
            loop_lag_ms_p95=round(lag[int(len(lag) * 0.95)] * 1000, 1) if lag else None,
            venues=tuple(venues),
        )


async def _measure_loss(conn: VenueConnection) -> None:
    """Loss from aiortc's RTP statistics of the video transceiver (the picture matters most)."""
    for transceiver in conn.pc.getTransceivers():
        if transceiver.kind != "video":
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
