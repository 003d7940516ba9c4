"""The studio engine: a thin adapter that wires the studio's parts and takes the commands.

Commands come in as method calls (from the console, the headless runner or a test); everything
that happens goes out as StudioEvents to subscribers. It runs on one asyncio loop and owns no UI.
The jobs live in their own modules, each given what it needs and nothing of the engine:
signaling.py (the /signal and /ice server), peers.py (one peer connection per venue),
program_feed.py (what is on air), countdown_link.py (the countdown's transport), devices.py
(camera, microphone, files), statistics.py (link quality, loop lag, status), sfu_glue.py (the
SFU, if any). The pure cores (the sequencer, the session protocol) are in ceremony/; this
module feeds them and acts on what they return. Every part reads time through `clocks`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path

from ceremony import notes, wire
from ceremony.countdown import DEFAULT_LEAD_S, StudioCountdown
from ceremony.journal import JournaledSequencer
from ceremony.quality import RungPolicy
from ceremony.resume import RunState
from ceremony.runs import RunInfo
from ceremony.runsheet import Runsheet, Source
from ceremony.sequencer import commands as cmd
from ceremony.sequencer.events import Event, ItemStarted
from ceremony.sequencer.sequencer import View
from ceremony.session import Output, Refuse, StudioSession
from ceremony.session import studio as session_events
from ceremony.timebase import Now
from media import aiortc_compat
from media.clock import Clock
from media.compositor import LowerThird
from media.devices import CameraSource, FileSource, MicrophoneSource
from media.identity import StudioIdentity
from media.journal_writer import JournalWriter
from media.mixer import AudioMixer
from media.program import ProgramBus
from media.session_timer import SessionTimer
from media.sfu.feeds import StudioFeeds
from media.sfu.program import SfuProgram
from media.signaling_limits import Admission
from media.sources import TestPattern
from media.studio.clocks import Clocks
from media.studio.config import StudioConfig
from media.studio.countdown_link import CountdownLink
from media.studio.devices import StudioDevices
from media.studio.events import SequencerEvents, StudioEvent
from media.studio.peers import VenuePeers
from media.studio.periodic import PeriodicTimer
from media.studio.program_feed import ProgramFeed
from media.studio.records import VenueRecord, Venues
from media.studio.sfu_glue import SfuGlue
from media.studio.signaling import Signaling
from media.studio.statistics import (
    LINK_QUALITY_S,
    LOOP_LAG_S,
    RECENT_SOUND_S,
    StudioStatistics,
)
from media.studio_record import StudioRecording
from media.studio_status import StudioStatus

log = logging.getLogger(__name__)

WATCH_S = 0.1  # how often the recording, the disk and the camera are looked at


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
        wall: Clock = time.time,
    ) -> None:
        """`run` names this holding of the ceremony (rehearsal or live) in the journal;
        `mono` is the studio's monotonic clock the session protocol runs on, `wall` its
        time of day: every part reads time through these.
        `resume`: the run's state read back from its journal (ceremony/resume.py) by an engine
        restarted after a crash: the journal goes on and the state is taken over."""
        self.clocks = Clocks(mono, wall)
        self.sheet = sheet
        self.identity = identity
        self.config = config
        self.run = run
        self.venues: Venues = {v.id: VenueRecord(v) for v in sheet.venues}
        self._journal = JournalWriter(journal_path, first_seq=resume.last_seq + 1 if resume else 1)
        self.desk = JournaledSequencer(
            sheet,
            self._journal,
            self.clocks.now(),
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
        aiortc_compat.set_sctp_initial_rto()  # the studio sends SCTP's INIT: 0.5 s, not 3 s
        aiortc_compat.quicken_handshakes()  # STUN and DTLS: a lost datagram costs less
        for record in self.venues.values():
            record.quality = RungPolicy(
                lowest=len(self.bus.rungs) - 1, bitrates=tuple(r.bitrate for r in self.bus.rungs)
            )
        self.mixer = AudioMixer()
        self._subscribers: list[Callable[[StudioEvent], None]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._cue_seq = 0
        self.devices = StudioDevices(config, self.mixer, self._note)
        self.program_feed = ProgramFeed(
            config,
            sheet=lambda: self.sheet,
            bus=self.bus,
            mixer=self.mixer,
            devices=self.devices,
            venues=self.venues,
            view=self._view,
            clocks=self.clocks,
            note=self._note,
        )
        self.record = StudioRecording(
            config.record_dir,
            config.program,
            config.program_bitrate,
            note=lambda fields: self.desk.note(fields, self.clocks.now()),
            problem=self.devices.problem,
        )
        self.stats = StudioStatistics(self.venues, self.bus, self.mixer, self.clocks)
        self.bus.on_venue_keyframe_request = self.stats.keyframe_requested
        # The session protocol (heartbeats, countdown resends, acks, fire reports) and the
        # sequencer (automatic advances, phases): pure, in the core; woken by one timer on the
        # loop at the earlier of their next instants, not polled.
        self.session = StudioSession(self.venues)
        self._core_timer = SessionTimer(self._next_core_instant, self._core_due, mono, "studio")
        # What is periodic by nature (statistics, summaries, devices that fail on their own
        # threads): one more timer, each job at its own period.
        self._periodic = PeriodicTimer(mono, "studio")
        self.started_mono = mono()
        self.sfu_glue = SfuGlue(
            config,
            self.bus,
            self.mixer,
            [v.id for v in sheet.venues],
            # peers is built next (it needs this glue): looked up when a track comes
            on_track=lambda vid, track, receiver: self.peers.sfu_track(vid, track, receiver),  # noqa: PLW0108
            wanted=self.program_feed.feeds_wanted,
            problem=self.devices.problem,
        )
        self.peers = VenuePeers(
            self.venues,
            config,
            sheet=lambda: self.sheet,
            run=run,
            bus=self.bus,
            mixer=self.mixer,
            sfu=self.sfu_glue,
            session=self.session,
            session_output=self._session_output,
            wake_session=self._wake_session,
            program_state=self.program_feed.state_for,
            tee_iso=self.record.tee_iso,
            clocks=self.clocks,
            note=self._note,
            emit=self._emit,
        )
        self.signaling = Signaling(
            config,
            identity,
            lambda: self.sheet,
            self.venues,
            self.peers,
            clocks=self.clocks,
            note=self._note,
            emit=self._emit,
        )
        self.countdown_link = CountdownLink(
            self.session,
            sheet=lambda: self.sheet,
            sequencer=lambda: self.desk.sequencer,
            venues=self.venues,
            bus=self.bus,
            record=self.record,
            wake_session=self._wake_session,
            clocks=self.clocks,
            note=self._note,
            emit=self._emit,
        )
        self._periodic.add("loop-lag", LOOP_LAG_S, self.stats.sample_loop_lag)
        self._periodic.add("watch", WATCH_S, self._watch)
        self._periodic.add("link-quality", LINK_QUALITY_S, self.stats.measure_links)
        self._periodic.add("recent-sound", RECENT_SOUND_S, self.stats.note_recent_sound)
        self._periodic.add(
            "signaling-summaries",
            min(5.0, config.signaling.summary_s),
            lambda now, due: self.signaling.summarize_if_due(now),
        )
        self.resumed_part: int | None = None  # the recording part, once resumed (consoles say so)
        if resume is not None:
            self._resume(resume)
        else:
            self.program_feed.set(Source.studio())

    def _resume(self, state: RunState) -> None:
        """Take the run over from its journal: the gap noted, then program, preview, cues,
        countdown and the recording's next part as they were."""
        part = state.next_part
        self.resumed_part = part
        self._note(state.resumed_note(part))
        cur = self.desk.sequencer.state.current
        speaker = self.sheet.items[cur].speaker if cur is not None else None
        on_air = None
        if cur is not None:  # the new file's first chapter, named as the engine names them
            on_air = self.sheet.items[cur].title + (f" — {speaker.name}" if speaker else "")
        self.record.continue_run(part, state.first_program_path, on_air)
        self._cue_seq = state.cue_seq
        self.program_feed.preview_venue = state.preview_venue
        self.restore_countdown(state.countdown)
        self.program_feed.set(state.program)
        self.program_feed.manual_override = state.manual_override
        if speaker is not None and not state.manual_override and self.bus.compositor is not None:
            self.bus.compositor.lower_third = LowerThird(speaker.name, speaker.role)

    def restore_countdown(self, countdown: StudioCountdown) -> None:
        """A countdown known again after a restart (armed, acks, fire reports as journaled):
        fire reports arriving now are accepted once, acked venues are not sent the arm again.
        The one entry point for it."""
        self.countdown_link.restore(countdown)

    # ---- what the parts share --------------------------------------------------------------

    def _note(self, note: notes.Note) -> None:
        """A journal note, stamped with the engine's clocks."""
        self.desk.note(note, self.clocks.now())

    def _view(self) -> View:
        return self.desk.sequencer.view(self.clocks.now())

    def _emit(self, event: StudioEvent) -> None:
        for callback in list(self._subscribers):
            try:
                callback(event)
            except Exception:
                log.exception("studio event subscriber failed on %s", event)

    # ---- lifecycle ---------------------------------------------------------------------

    @property
    def journal_path(self) -> Path:
        return self._journal.path

    def subscribe(self, callback: Callable[[StudioEvent], None]) -> None:
        self._subscribers.append(callback)

    async def start(self) -> None:
        """Raises OSError when the port cannot be opened: then nothing else was opened."""
        try:
            await self.signaling.start()
        except OSError:
            self.close("did not start")  # the journal says so, and is closed
            raise
        # The port first: a studio that cannot be reached must not have started a recording.
        self.devices.open()
        self.start_recording()
        await self.sfu_glue.start()
        loop = asyncio.get_running_loop()
        self._core_timer.start(loop)
        self._periodic.start(loop)
        self._tasks = [
            loop.create_task(self.bus.run(), name="program-video"),
            loop.create_task(self.mixer.run(), name="program-audio"),
        ]
        log.info("studio listening on wss://%s:%d/signal", self.config.host, self.config.port)

    async def stop(self, reason: str = "stopped") -> None:
        """End the run: venues are told the ceremony has ended (a last program state, then the
        signaling connection closed with CLOSE_CEREMONY_ENDED), recordings closed with their
        chapters, the run's end journaled, the journal closed."""
        await self.sfu_glue.stop()
        ended = wire.ProgramState(
            tally=wire.Tally.STANDBY,
            item_index=None,
            item_count=len(self.sheet.items),
            ended=True,
            ceremony_title=self.sheet.ceremony.title,
        )
        await self.peers.end_all(ended)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._core_timer.stop()
        self._periodic.stop()
        await self.stats.stop()
        await self.signaling.stop()
        self.record.stop()
        self.close(reason)

    def close(self, reason: str = "stopped") -> None:
        """Release devices, files and the journal (also for an engine that never started)."""
        self.record.close()
        if not self._run_closed:
            self._run_closed = True
            if self.desk.sequencer.state.status.value == "ended":
                reason = "ended"  # the run-sheet ran to its end
            self.desk.end_run(reason, self.clocks.now())
        self.devices.close()
        self._journal.close()

    # ---- operator commands -------------------------------------------------------------

    def command(self, command: cmd.Command) -> list[Event]:
        events = self.desk.apply(command, self.clocks.now())
        self._handle_sequencer(events)
        self._core_timer.wake()  # the sequencer's next instant may have moved
        return events

    def cue(self, text: str, venue_id: str | None = None) -> int:
        self._cue_seq += 1
        msg = wire.Cue(cue_id=self._cue_seq, text=text[: wire.MAX_TEXT])
        targets = [self.venues[venue_id]] if venue_id else list(self.venues.values())
        for record in targets:
            if record.conn and record.conn.control:
                record.conn.control.send(msg)
        self._note(notes.CueSent(text, venue_id, self._cue_seq))
        return self._cue_seq

    def chat(self, venue_id: str, text: str) -> None:
        record = self.venues[venue_id]
        if record.conn and record.conn.control:
            record.conn.control.send(wire.Chat(text=text[: wire.MAX_TEXT], sender="studio"))
        self._note(notes.ChatTo(venue_id, text))

    def replace_runsheet(self, sheet: Runsheet) -> None:
        """An edited run-sheet, before the ceremony starts; the venues must stay the same."""
        if not sheet.same_venues(self.sheet):
            raise ValueError("the edited run-sheet has other venues: restart the studio with it")
        self.desk.replace_runsheet(sheet, self.clocks.now())
        self.sheet = sheet
        self._broadcast_state()
        self._core_timer.wake()

    def take(self, source: Source) -> None:
        """Manual override: put `source` on air outside the run-sheet (journaled, shown)."""
        override = source != self._run_sheet_source()
        self.program_feed.manual_override = override
        self.program_feed.set(source)
        self._note(notes.ManualOverride(str(source), override))
        self._broadcast_state()

    def preview(self, venue_id: str | None) -> None:
        """The operator's preview choice (a green tally at that venue); None: the next item."""
        self.program_feed.preview_venue = venue_id
        self._note(notes.PreviewChosen(venue_id))
        self._broadcast_state()

    def show_venues(self, venue_ids: frozenset[str]) -> None:
        """The venues whose tiles the console shows (through an SFU only these are taken)."""
        self.sfu_glue.show_venues(venue_ids)

    def arm_countdown(
        self, lead_s: float = DEFAULT_LEAD_S, venue_ids: list[str] | None = None, title: str = ""
    ) -> int:
        """Arm for now + lead on the studio clock; raises CountdownError for a bad request."""
        return self.countdown_link.arm(lead_s, venue_ids, title)

    def abort_countdown(self) -> int | None:
        return self.countdown_link.abort()

    def _run_sheet_source(self) -> Source:
        cur = self.desk.sequencer.state.current
        return self.sheet.items[cur].source if cur is not None else Source.studio()

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
        self._note(notes.Marker(text[: wire.MAX_TEXT]))

    def protocol_note(self, text: str) -> None:
        self._note(notes.ProtocolNote(text[: wire.MAX_TEXT]))

    def recording_health(self) -> dict[str, object]:
        return self.record.health()

    # ---- what the parts hold, read where it always was ---------------------------------

    @property
    def program_source(self) -> Source:
        return self.program_feed.source

    @property
    def preview_venue(self) -> str | None:
        return self.program_feed.preview_venue

    @property
    def manual_override(self) -> bool:
        return self.program_feed.manual_override

    @property
    def countdown(self) -> StudioCountdown:
        return self.countdown_link.countdown

    @property
    def sfu(self) -> SfuProgram | None:
        return self.sfu_glue.program

    @property
    def feeds(self) -> StudioFeeds | None:
        return self.sfu_glue.feeds

    @property
    def visible_venues(self) -> frozenset[str]:
        return self.sfu_glue.visible_venues

    @property
    def admission(self) -> Admission:
        return self.signaling.admission

    @property
    def camera(self) -> CameraSource | None:
        return self.devices.camera

    @property
    def microphone(self) -> MicrophoneSource | None:
        return self.devices.microphone

    @property
    def files(self) -> dict[str, FileSource]:
        return self.devices.files

    @property
    def device_problems(self) -> dict[str, str]:
        return self.devices.problems

    @property
    def _studio_pattern(self) -> TestPattern:
        return self.program_feed.studio_pattern

    @_studio_pattern.setter
    def _studio_pattern(self, pattern: TestPattern) -> None:
        # launcher/bench_network.py swaps in its detailed pattern here; it may use
        # program_feed.studio_pattern instead, then this goes.
        self.program_feed.studio_pattern = pattern

    # ---- the sequencer -------------------------------------------------------------------

    def _handle_sequencer(self, events: list[Event]) -> None:
        if not events:
            return
        for event in events:
            if isinstance(event, ItemStarted):
                item = self.sheet.items[event.index]
                self.program_feed.manual_override = False  # the run-sheet takes over again
                who = f" — {item.speaker.name}" if item.speaker else ""
                self.record.chapter(item.title + who)
                self.program_feed.set(item.source)
                if self.bus.compositor is not None:
                    speaker = item.speaker
                    self.bus.compositor.lower_third = (
                        LowerThird(speaker.name, speaker.role) if speaker else None
                    )
        self._broadcast_state()
        self._emit(SequencerEvents(tuple(events)))

    def _broadcast_state(self) -> None:
        self.sfu_glue.follow()  # what is on air and on preview decides the feeds taken
        self.program_feed.broadcast()

    def _watch(self, now: float, due: float) -> None:
        """A failed recording, a full disk, an unplugged camera: shown on the desk."""
        self.record.watch(now)
        self.devices.watch_camera()

    # ---- the pure cores: one timer -----------------------------------------------------

    def _wake_session(self) -> None:
        """Call after feeding the session: its next instant may have moved."""
        self._core_timer.wake()

    def _next_core_instant(self) -> float | None:
        """The earlier of the session protocol's and the sequencer's next instants."""
        instants = (
            self.session.next_timer(),
            self.desk.sequencer.next_deadline(self.clocks.now()),
        )
        return min((at for at in instants if at is not None), default=None)

    def _core_due(self, mono: float) -> None:
        """The core timer fired: whichever of the two is due runs (the timer re-arms after)."""
        at = self.session.next_timer()
        if at is not None and at <= mono:
            self._session_output(self.session.handle_timer(mono))
        now = Now(mono, self.clocks.wall())
        at = self.desk.sequencer.next_deadline(now)
        if at is not None and at <= mono:
            try:
                self._handle_sequencer(self.desk.tick(now))
            except Exception:
                log.exception("sequencer tick failed")

    def _session_output(self, out: Output[session_events.StudioSessionEvent]) -> None:
        """Send what the session asks to send; hand what it says happened to its part."""
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
                    self.peers.close(self.venues[vid], f"no heartbeat for {silent:.1f} s")
                case session_events.Received(venue_id=vid, message=msg):
                    record = self.venues[vid]
                    if record.conn is not None:
                        self.peers.on_venue_message(record, record.conn, msg)
                case session_events.ArmAcked():
                    self.countdown_link.acked(event)
                case session_events.FireReported(venue_id=vid, report=msg, fire_at=fire_at):
                    self.countdown_link.fire_reported(vid, msg, fire_at)
                case session_events.CountdownZero(arm_id=arm_id):
                    self.countdown_link.zero(arm_id)

    # ---- reporting ---------------------------------------------------------------------

    def snapshot(self) -> dict[str, object]:
        """A JSON-able picture of every venue, for progress lines and report.json."""
        return self.status().to_dict()

    def status(self) -> StudioStatus:
        """Every venue and the engine's own health, now (typed: read fields, not keys)."""
        return self.stats.status()
