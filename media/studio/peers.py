"""One peer connection per venue: the answer to its offer, its media and messages, its end.

A connection is built beside a live one of the same venue and replaces it only once the answer
is ready (`prepare_answer`, then `install`); `close` marks the venue at once and tears the
connection down in the background.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable

import av
import msgspec
from aiohttp import web
from aiortc import RTCDataChannel, RTCPeerConnection, RTCRtpSender, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from ceremony import notes, wire
from ceremony.runs import RunInfo
from ceremony.runsheet import Runsheet
from ceremony.session import Output, StudioSession
from ceremony.session import studio as session_events
from ceremony.session.program import clip as _clip
from media import aiortc_compat
from media.control import WireChannel
from media.ice import rtc_configuration
from media.mixer import AudioMixer
from media.peer_guard import guard_data_channels
from media.program import ProgramBus
from media.studio.clocks import Clocks
from media.studio.config import StudioConfig
from media.studio.events import (
    ChatReceived,
    Emit,
    NoteSink,
    VenueStatus,
    VenueStatusChanged,
)
from media.studio.records import VenueConnection, VenueRecord, Venues
from media.studio.sfu_glue import SfuGlue

log = logging.getLogger(__name__)

CLOSE_REPLACED = 4001  # WebSocket close code: another connection took over this venue
JOURNAL_BURST = 10.0  # chat / ready messages a venue may journal at once ...
JOURNAL_PER_S = 0.2  # ... and how fast it earns them back (12 a minute)


class VenuePeers:
    def __init__(
        self,
        venues: Venues,
        config: StudioConfig,
        *,
        sheet: Callable[[], Runsheet],
        run: RunInfo | None,
        bus: ProgramBus,
        mixer: AudioMixer,
        sfu: SfuGlue,
        session: StudioSession,
        session_output: Callable[[Output[session_events.StudioSessionEvent]], None],
        wake_session: Callable[[], None],
        program_state: Callable[[str], wire.ProgramState],
        tee_iso: Callable[[str, object | None], None],
        clocks: Clocks,
        note: NoteSink,
        emit: Emit,
    ) -> None:
        """`session_output` acts on what the session protocol says after a venue's message
        (the engine's dispatch); `program_state(venue_id)` is what a joining venue is sent;
        `tee_iso(venue_id, receiver)` records a venue's camera as it arrives."""
        self._venues = venues
        self._config = config
        self._sheet = sheet
        self._run = run
        self._bus = bus
        self._mixer = mixer
        self._sfu = sfu
        self._session = session
        self._session_output = session_output
        self._wake_session = wake_session
        self._program_state = program_state
        self._tee_iso = tee_iso
        self._clocks = clocks
        self._note = note
        self._emit = emit
        self.teardowns: set[asyncio.Task[None]] = set()

    # ---- a join: answer, install, discard ------------------------------------------------

    async def prepare_answer(
        self, record: VenueRecord, ws: web.WebSocketResponse, offer_sdp: str
    ) -> VenueConnection:
        """A peer connection with the answer built, not yet the venue's: a failure here leaves
        a live connection of the venue untouched."""
        pc = RTCPeerConnection(rtc_configuration(self._config.ice_servers))
        conn = VenueConnection(pc=pc, ws=ws, started_mono=self._clocks.mono())
        try:
            await self._negotiate(record, conn, offer_sdp)
        except BaseException:
            await self.discard(conn)
            raise
        return conn

    async def _negotiate(self, record: VenueRecord, conn: VenueConnection, offer_sdp: str) -> None:
        vid = record.venue.id
        pc = conn.pc

        @pc.on("datachannel")
        def on_datachannel(channel: RTCDataChannel) -> None:
            if channel.label == "control":
                conn.control = WireChannel(
                    channel,
                    wire.VENUE_MAY_SEND,
                    lambda m: self._on_control(record, conn, m),
                    vid,
                    arrivals=aiortc_compat.stamp_datagram_arrivals(pc, self._clocks.mono),
                    departures=aiortc_compat.stamp_departures(pc),
                )
                conn.control.stamp = lambda m, ago: self._heartbeat_stamped(record, conn, m, ago)
                if channel.readyState == "open":
                    self._on_control_open(record, conn)
                else:
                    channel.on("open", lambda: self._on_control_open(record, conn))
            elif channel.label == "clock":
                conn.clock = WireChannel(
                    channel,
                    wire.VENUE_MAY_SEND,
                    lambda m: self._on_clock(conn, m),
                    vid,
                    arrivals=aiortc_compat.stamp_datagram_arrivals(pc, self._clocks.mono),
                    departures=aiortc_compat.stamp_departures(pc),
                )
                conn.clock.stamp = self._reply_stamped

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
                self.close(record, "peer connection failed")

        await pc.setRemoteDescription(RTCSessionDescription(offer_sdp, "offer"))
        if pc.sctp is None:
            raise ValueError("the offer has no data channel")
        guard_data_channels(pc.sctp, vid)
        aiortc_compat.on_sctp_packet(pc.sctp, lambda: self._transport_heard(record, conn))
        aiortc_compat.bundle_sacks(pc)  # a reply carries the acknowledgement of what it answers
        for transceiver in pc.getTransceivers():
            if self._sfu.feeds is not None:
                transceiver.direction = "inactive"  # both ways through the SFU
            elif transceiver.kind == "video" and self._bus.naive:
                transceiver.sender.replaceTrack(self._bus.subscribe_raw(vid))
                transceiver.direction = "sendrecv"
            elif transceiver.kind == "video" and self._sfu.program is not None:
                transceiver.direction = "recvonly"  # the program's picture comes from the SFU
            elif transceiver.kind == "video":
                transceiver.sender.replaceTrack(self._bus.subscribe(vid, record.quality.rung))
                transceiver.direction = "sendrecv"
                vp8 = [
                    c
                    for c in RTCRtpSender.getCapabilities("video").codecs
                    if c.mimeType in ("video/VP8", "video/rtx")
                ]
                transceiver.setCodecPreferences(vp8)
                self._bus.route_keyframe_requests(transceiver.sender, vid)
                aiortc_compat.on_bitrate_estimate(
                    transceiver.sender, lambda bps: self._bitrate_estimate(record, conn, bps)
                )
            elif transceiver.kind == "audio":
                aiortc_compat.receive_audio_with_fec(transceiver.receiver, record.audio_in)
                transceiver.sender.replaceTrack(self._mixer.subscribe(vid))
                transceiver.direction = "sendrecv"
        answer = await pc.createAnswer()
        await pc.setLocalDescription(answer)

    def _bitrate_estimate(self, record: VenueRecord, conn: VenueConnection, bps: int) -> None:
        """The venue's receiver estimated what its link carries of the program (REMB): its
        rung policy weighs it (a drop it explains is not probed again soon)."""
        if record.conn is not conn or conn.closed:
            return  # a connection replaced since: not the link the venue has now
        conn.estimate_bps = bps
        record.quality.estimate(self._clocks.mono(), bps)

    def install(self, record: VenueRecord, conn: VenueConnection) -> None:
        """The answer is built: this connection becomes the venue's, replacing a live one."""
        if record.conn is not None:
            self.close(record, "replaced by a newer connection", replaced=True)
        record.conn = conn
        self._mixer.add_buffer(record.venue.id, conn.audio)
        self.set_status(record, VenueStatus.CONNECTING, "offer received")
        for track in conn.tracks:
            self._consume(record, conn, track)
        conn.tracks.clear()

    def _consume(self, record: VenueRecord, conn: VenueConnection, track: MediaStreamTrack) -> None:
        if self._sfu.feeds is not None:
            return  # inactive here: the venue's feeds come through the SFU (sfu_track)
        consume = self._consume_video if track.kind == "video" else self._consume_audio
        conn.tasks.append(asyncio.create_task(consume(record, conn, track)))
        if track.kind == "video":
            receiver = next(
                (t.receiver for t in conn.pc.getTransceivers() if t.receiver.track is track), None
            )
            self._tee_iso(record.venue.id, receiver)

    def sfu_track(self, venue_id: str, track: MediaStreamTrack, receiver: object | None) -> None:
        """A venue's track from the SFU, consumed as one from its own connection would be."""
        record = self._venues[venue_id]
        if record.conn is None:
            return
        consume = self._consume_video if track.kind == "video" else self._consume_audio
        record.conn.tasks.append(asyncio.create_task(consume(record, record.conn, track)))
        if receiver is not None and track.kind == "audio":
            aiortc_compat.receive_audio_with_fec(receiver, record.audio_in)
        elif receiver is not None:  # full rate only: an ISO file keeps one picture size
            self._tee_iso(venue_id, receiver)

    async def discard(self, conn: VenueConnection) -> None:
        """A connection that never became the venue's: stop its program tracks, close it."""
        conn.closed = True
        for transceiver in conn.pc.getTransceivers():
            track = transceiver.sender.track
            if track is not None:
                track.stop()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(conn.pc.close(), timeout=5)

    # ---- venue traffic -------------------------------------------------------------------

    def _on_control_open(self, record: VenueRecord, conn: VenueConnection) -> None:
        if conn.control is None or record.conn is not conn:
            return
        now = self._clocks.mono()
        conn.liveness = self._session.connected(record.venue.id, now)
        aiortc_compat.stop_consent_checks(conn.pc)  # the session's heartbeats watch this link
        self._wake_session()
        record.joins += 1
        record.last_joined_mono = now
        if record.first_joined_mono is None:
            record.first_joined_mono = now
        c = self._sheet().ceremony
        conn.control.send(
            wire.Welcome(
                studio=_clip(c.studio),
                ceremony_id=c.id,
                ceremony_title=_clip(c.title),
                venue_id=record.venue.id,
                venue_name=_clip(record.venue.name),
                sfu=self._sfu.route(record.venue.id),
                rehearsal=self._run.rehearsal if self._run else False,
                run_id=self._run.id if self._run else "",
            )
        )
        conn.control.send(self._program_state(record.venue.id))
        self.set_status(record, VenueStatus.JOINED, f"join #{record.joins}")
        self._bus.request_keyframe(f"{record.venue.id} joined")

    def _transport_heard(self, record: VenueRecord, conn: VenueConnection) -> None:
        """Any packet of the venue's SCTP (an acknowledgement of ours too): it is alive, so
        the session asks for its heartbeat answers only every few seconds."""
        if record.conn is conn:  # the session ignores a venue whose channel is not open yet
            now = self._clocks.mono()
            record.last_seen_mono = now
            self._session.transport_heard(record.venue.id, now)

    def _on_control(self, record: VenueRecord, conn: VenueConnection, msg: wire.Message) -> None:
        record.last_seen_mono = self._clocks.mono()
        if record.conn is conn:  # a replaced connection's last words are not this link's
            arrived = conn.control.arrived_at if conn.control else None
            self._session_output(
                self._session.receive(record.venue.id, msg, self._clocks.mono(), arrived)
            )
            self._wake_session()
        if conn.control:
            record.bad_messages = conn.control.errors_received

    def on_venue_message(
        self, record: VenueRecord, conn: VenueConnection, msg: wire.Message
    ) -> None:
        """What the session leaves to the engine: stats, ready, chat."""
        now = self._clocks.mono()
        match msg:
            case wire.Stats():
                record.stats = msg
            case wire.Ready(ready=ready, contact=contact):
                if not self._may_journal(record, conn, now):
                    return
                record.ready, record.contact = ready, contact
                self._note(notes.VenueReady(record.venue.id, ready, contact))
                self.set_status(record, record.status, "ready" if ready else "not ready")
            case wire.Chat(text=text):
                if not self._may_journal(record, conn, now):
                    return
                self._note(notes.ChatFrom(record.venue.id, text))
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

    def _heartbeat_stamped(
        self, record: VenueRecord, conn: VenueConnection, message: wire._Msg, sent_ago: float
    ) -> wire._Msg | None:
        """A heartbeat, noted as it leaves (WireChannel.stamp): the venue's clock round is
        timed from its departure, not from the session's turn. None for anything else."""
        if not isinstance(message, wire.Heartbeat):
            return None
        if record.conn is conn:
            self._session.heartbeat_departed(
                record.venue.id, message.seq, self._clocks.mono() - sent_ago
            )
        return message

    def _reply_stamped(self, message: wire._Msg, sent_ago: float) -> wire._Msg | None:
        """A clock reply's t3, taken again as it leaves (WireChannel.stamp)."""
        if not isinstance(message, wire.ClockReply):
            return None
        return msgspec.structs.replace(message, t3=self._clocks.mono() - sent_ago)

    def _on_clock(self, conn: VenueConnection, msg: wire.Message) -> None:
        if isinstance(msg, wire.ClockProbe) and conn.clock:
            # On the session's clock: the one `fire_at` and `ends_at` are on. Received when its
            # datagram arrived, not when this busy loop got to it (that wait is the outbound
            # leg's alone and made every venue's offset too large).
            arrived = conn.clock.arrived_at
            t2 = arrived if arrived is not None else self._clocks.mono()
            conn.clock.send(wire.ClockReply(seq=msg.seq, t1=msg.t1, t2=t2, t3=self._clocks.mono()))

    async def _consume_video(
        self, record: VenueRecord, conn: VenueConnection, track: MediaStreamTrack
    ) -> None:
        with contextlib.suppress(MediaStreamError, asyncio.CancelledError):
            while True:
                frame = await track.recv()
                now = self._clocks.mono()
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

    # ---- state and the end ---------------------------------------------------------------

    def set_status(self, record: VenueRecord, status: VenueStatus, reason: str) -> None:
        if status is not record.status:
            log.info(
                "venue %s: %s -> %s (%s)",
                record.venue.id,
                record.status.value,
                status.value,
                reason,
            )
        record.status = status
        self._note(notes.VenueStatusNote(record.venue.id, status.value, reason))
        self._emit(VenueStatusChanged(record.venue.id, status, reason))

    def close(
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
        self._session.disconnected(record.venue.id)
        self._mixer.remove_source(record.venue.id)
        self._sfu.forget(record.venue.id)
        record.lost_mono = self._clocks.mono()
        self.set_status(record, status, reason)
        for task in conn.tasks:
            task.cancel()
        for transceiver in conn.pc.getTransceivers():
            track = transceiver.sender.track
            if track is not None:
                track.stop()
        code = CLOSE_REPLACED if replaced else wire.CLOSE_CEREMONY_ENDED if ended else 1000
        task = asyncio.get_running_loop().create_task(self._teardown(conn, reason, code))
        conn.teardown = task
        self.teardowns.add(task)
        task.add_done_callback(self.teardowns.discard)
        return task

    async def end_all(self, ended: wire.ProgramState) -> None:
        """The ceremony has ended: every venue is sent the last state, then closed with
        CLOSE_CEREMONY_ENDED; returns once every teardown is over."""
        for record in self._venues.values():
            if record.conn is not None and record.conn.control is not None:
                record.conn.control.send(ended)
        for record in self._venues.values():
            if record.conn is not None:
                self.close(record, "the ceremony has ended", status=VenueStatus.LOST, ended=True)
        await asyncio.gather(*self.teardowns, return_exceptions=True)

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
