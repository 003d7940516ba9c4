"""The venue link: joins the studio with an invite, sends camera and microphone, receives the
program, keeps the control channel alive, and reconnects by itself with a fresh peer connection
(aiortc has no ICE restart) whenever the studio goes quiet for 3 s.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import random
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TextIO

import aiohttp
import av
import msgspec
import numpy as np
from aiortc import RTCDataChannel, RTCPeerConnection, RTCRtpSender, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from ceremony import wire
from ceremony.invite import Invite, invite_problem
from ceremony.liveness import HEARTBEAT_INTERVAL_S, Backoff, Liveness, RateMeter
from ceremony.session import Channel, Output, Refuse, VenueSession
from ceremony.session.venue import StudioQuiet, VenueSessionEvent

# Moved to the core when the window link began to carry them; still found here.
from ceremony.venue_states import LinkProblem as LinkProblem  # noqa: PLC0414
from ceremony.venue_states import LinkState as LinkState  # noqa: PLC0414
from media import aiortc_compat
from media.aiortc_compat import interface_addresses, selected_candidates
from media.clock import Clock, HostOf, same_clock
from media.clock_trace import ClockTrace
from media.compositor import luma, read_code
from media.control import WireChannel
from media.firing import FireGroup
from media.ice import (
    IcePlan,
    TurnGrant,
    describe_path,
    local_candidates,
    plan_ice,
    rtc_configuration,
)
from media.netsim import LinkCut, NetProfile, NetShim
from media.opus import OpusEncodingTrack, follow_uplink_loss
from media.opus_receive import OpusReceiveStats
from media.session_timer import SessionTimer
from media.sfu.janus import JanusError
from media.sfu.publisher import SfuPublisher
from media.sfu.subscriber import SfuSubscription
from media.speaker import RATE, Speaker, keep_open
from media.tls import fingerprint_bytes
from media.venue_countdown import CountdownAgent, CountdownChanged
from media.video_receive import VideoReceiveStats

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 5.0
WELCOME_TIMEOUT_S = 10.0
CLOSE_REPLACED = 4001
CLOSE_ENDED = wire.CLOSE_CEREMONY_ENDED
UNREACHABLE_AFTER = 3  # failed attempts in a row before the crew is told to check the invite
SSL_SHUTDOWN_GRACE_S = 0.25


class UnreachableCause(StrEnum):
    """Why the studio's address did not answer: each points the crew somewhere else."""

    REFUSED = "refused"  # the computer answered, nothing listens on that port: wrong port
    TIMED_OUT = "timed_out"  # no answer at all: wrong address, network down, firewall
    NAME_NOT_FOUND = "name_not_found"  # the host name in the invite does not resolve
    OTHER = "other"


# The studio closes the signaling WebSocket with this code when the ceremony is over (the last
# item done, or the operator stopped the run): the venue goes to ENDED and does not reconnect.
# A plain normal closure (1000) after a ProgramState that said `ended` means the same.
CLOSE_ENDED = wire.CLOSE_CEREMONY_ENDED
ENDED_GRACE_S = 0.5  # after the WebSocket closed, how long the studio's "ended" may trail it
ADDRESS_POLL_S = 0.25  # how often a waiting or joined venue looks for a changed address


@dataclass(frozen=True)
class LinkStateChanged:
    """`detail` is an English sentence for logs and the terminal; screens are built from the
    typed fields (`refusal` for REFUSED, `problem` and `retry_in_s` for RECONNECTING)."""

    state: LinkState
    detail: str = ""
    refusal: wire.JoinRefusal | None = None
    problem: LinkProblem | None = None
    retry_in_s: float | None = None


@dataclass(frozen=True)
class StudioUnreachable:
    """The studio has not answered `attempts` attempts in a row (from UNREACHABLE_AFTER on,
    once per further attempt). The link keeps trying; the crew should check the invite."""

    addresses: tuple[str, ...]
    attempts: int
    cause: UnreachableCause


@dataclass(frozen=True)
class MessageReceived:
    message: wire.Message


@dataclass(frozen=True)
class ProgramFrame:
    frame: av.VideoFrame


VenueEvent = (
    LinkStateChanged | MessageReceived | ProgramFrame | CountdownChanged | StudioUnreachable
)


class JoinRefusedError(Exception):
    def __init__(self, reason: wire.JoinRefusal, detail: str) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail


class ReplacedError(Exception):
    pass


class CeremonyEndedError(Exception):
    pass


class StudioUnreachableError(Exception):
    """One failed attempt; `problem` says which kind, the message says it in English.
    `cause` is set when no address could be reached at all (not a later failure)."""

    def __init__(
        self, problem: LinkProblem, detail: str, cause: UnreachableCause | None = None
    ) -> None:
        super().__init__(detail)
        self.problem = problem
        self.cause = cause


def unreachable_cause(exc: BaseException) -> UnreachableCause:
    os_error = exc.os_error if isinstance(exc, aiohttp.ClientConnectorError) else exc
    if isinstance(os_error, ConnectionRefusedError):
        return UnreachableCause.REFUSED
    if isinstance(os_error, TimeoutError | asyncio.TimeoutError):
        return UnreachableCause.TIMED_OUT
    dns_error = getattr(aiohttp, "ClientConnectorDNSError", ())  # aiohttp >= 3.11
    if isinstance(exc, dns_error) or (
        isinstance(os_error, OSError) and "Name or service" in str(os_error)
    ):
        return UnreachableCause.NAME_NOT_FOUND
    return UnreachableCause.OTHER


@dataclass
class VenueConfig:
    ice_servers: tuple[str, ...] = ()
    contact: str = ""
    # The clock the session and the countdown run on. The simulation harness shifts it;
    # production leaves it.
    clock: Clock = time.monotonic
    net: NetProfile | None = None  # simulated impairment of the data channels (harness only)
    sim_seed: int = 0
    report_true_time: bool = False  # harness only: add the host's clock to fire reports
    speaker: str | None = None  # output for the program and the siren; None: system default
    program_sound: bool = True  # False: the siren only (the demo's venues share one machine)
    hall_latency_s: float = 0.0  # calibrated in the device check: the siren is advanced by it
    realtime: bool = True  # False: fire without asking for real-time priority
    # Harness only: `clock`'s readings on the host's shared clock (true fire times), a test
    # siren in a frequency band of its own (the audible benchmark), a switch that cuts the data
    # channels, and every program frame's latency (ms per line).
    true_of: HostOf = same_clock
    siren_band: int | None = None
    link_cut: LinkCut | None = None
    latency_log: Path | None = None
    fire_group: FireGroup | None = None  # one firing thread shared by a process's venues
    # This computer's interface addresses (a process of many bench venues shares one reading).
    addresses: Callable[[], frozenset[str]] = interface_addresses
    # False: never reopen the speaker (the scale bench's venues have no sound device, and a
    # hundred of them looking for one is work the studio's measurement would share a CPU with).
    keep_sound: bool = True


TrackFactory = Callable[[], MediaStreamTrack]


def _test_siren(band: int | None) -> np.ndarray | None:
    if band is None:
        return None
    from media.audiosignal import venue_test_siren  # noqa: PLC0415 - the benchmark's alone

    return venue_test_siren(band, RATE)


@dataclass
class LinkCounters:
    program_frames: int = 0
    audio_frames: int = 0
    reconnects: int = 0
    program: RateMeter = field(default_factory=RateMeter)
    sent: RateMeter = field(default_factory=RateMeter)


class VenueLink:
    def __init__(
        self,
        invite: Invite,
        config: VenueConfig,
        make_video: TrackFactory | None,
        make_audio: TrackFactory | None,
    ) -> None:
        """Without track factories the venue joins with data channels only (clock benches)."""
        self.invite = invite
        self.config = config
        self._make_video = make_video
        self._make_audio = make_audio
        self.state = LinkState.CONNECTING
        self.counters = LinkCounters()
        # The session protocol (heartbeats, clock probes, the countdown's policy): pure, in the
        # core, on the countdown clock; woken by one timer on the loop.
        self.session = VenueSession()
        self._session_timer = SessionTimer(
            self.session.next_timer,
            lambda now: self._session_output(self.session.handle_timer(now)),
            config.clock,
            "venue",
        )
        self._wake = asyncio.Event()  # the connection's watch has something to look at
        self._studio_quiet = False
        self._clock: WireChannel | None = None
        self._clock_trace = ClockTrace.from_env(config.clock, invite.venue_id)
        self.ready = False
        self._subscribers: list[Callable[[VenueEvent], None]] = []
        self._control: WireChannel | None = None
        self._stopping = asyncio.Event()
        self._joins = 0
        self._problem: LinkProblem | None = None  # why the last attempt failed
        self.unreachable_attempts = 0  # connection attempts in a row that reached no address
        self._ended = False
        self._frames_sent_before = 0
        self._sound_told = ""  # the speaker's problem as the studio last heard it in our stats
        self._video_track: MediaStreamTrack | None = None
        self._pc: RTCPeerConnection | None = None
        self._turn_transport = ""  # what this join relays over, if it relays
        self._ice_plan = IcePlan(())  # this join's servers (the studio's TURN): the SFU's too
        self.path = ""  # host/srflx/relay + udp/tcp, once ICE has chosen
        self._latency_file: TextIO | None = None
        self._address_lost = False  # the current session ended because our address went
        self._addresses_at_join: frozenset[str] = frozenset()
        self._closing: set[asyncio.Task[None]] = set()
        self._sfu_program: SfuSubscription | None = None  # while the program comes from an SFU
        self._sfu_tally = asyncio.Event()
        self._said_ended = asyncio.Event()  # the studio's program state said the day is over
        self.latencies: collections.deque[tuple[float, float]] = collections.deque(maxlen=300)
        # The program's audio: FEC decoded where the studio sends it, every packet counted.
        self.audio_stats = OpusReceiveStats()
        # The program's picture: never queued behind a lost packet or a slow decoder for long.
        self.video_stats = VideoReceiveStats()
        aiortc_compat.use_fec_opus_decoder(self.audio_stats)
        aiortc_compat.set_sctp_initial_rto()
        aiortc_compat.quicken_handshakes()  # STUN and DTLS: a lost datagram costs less
        self.join_marks: dict[str, float] = {}  # this attempt's phases (monotonic), for the log
        self._offset: float | None = None
        self._offset_at = -1e9
        self.speaker = Speaker(
            config.speaker, program=config.program_sound, siren=_test_siren(config.siren_band)
        )
        self.speaker.hall_latency_s = config.hall_latency_s
        self.speaker.realtime = config.realtime
        self.countdown = CountdownAgent(
            config.clock,
            self._emit,
            self.session,
            self._session_output,
            report_true_time=config.report_true_time,
            siren=self.speaker,
            true_of=config.true_of,
            realtime=config.realtime,
            fire_group=config.fire_group,
        )

    def subscribe(self, callback: Callable[[VenueEvent], None]) -> None:
        self._subscribers.append(callback)

    @property
    def liveness(self) -> Liveness:
        return self.session.liveness

    @property
    def welcome(self) -> wire.Welcome | None:
        return self.session.welcome

    @property
    def program_state(self) -> wire.ProgramState | None:
        return self.session.program_state

    @program_state.setter
    def program_state(self, state: wire.ProgramState | None) -> None:
        self.session.program_state = state

    def _emit(self, event: VenueEvent) -> None:
        for callback in list(self._subscribers):
            try:
                callback(event)
            except Exception:
                log.exception("venue event subscriber failed")

    def _set_state(
        self,
        state: LinkState,
        detail: str = "",
        *,
        refusal: wire.JoinRefusal | None = None,
        problem: LinkProblem | None = None,
        retry_in_s: float | None = None,
    ) -> None:
        if state is not self.state:
            log.info("link %s -> %s %s", self.state.value, state.value, detail)
        self.state = state
        self._emit(LinkStateChanged(state, detail, refusal, problem, retry_in_s))

    # ---- commands from the crew --------------------------------------------------------

    def send(self, message: wire._Msg) -> bool:
        return self._control.send(message) if self._control else False

    def set_ready(self, ready: bool, contact: str) -> None:
        self.ready = ready
        self.config.contact = contact
        self.send(wire.Ready(ready=ready, contact=contact))

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    # ---- the loop ----------------------------------------------------------------------

    async def run(self) -> LinkState:
        """Stay connected until stopped, refused or replaced; returns the final state."""
        # The speaker outlives each connection: an armed venue that lost the studio still fires.
        sound = asyncio.create_task(keep_open(self.speaker)) if self.config.keep_sound else None
        try:
            return await self._run()
        finally:
            if sound is not None:
                sound.cancel()

    async def _run(self) -> LinkState:
        backoff = Backoff()
        while not self._stopping.is_set():
            try:
                await self._session(backoff)
                if self._stopping.is_set():
                    break
                problem, reason = LinkProblem.STUDIO_QUIET, "the studio went quiet"
            except JoinRefusedError as exc:
                self._set_state(
                    LinkState.REFUSED, f"{exc.reason.value}: {exc.detail}", refusal=exc.reason
                )
                self.countdown.close()
                return self.state
            except ReplacedError:
                self._set_state(LinkState.REPLACED, "another device joined as this venue")
                self.countdown.close()
                return self.state
            except CeremonyEndedError:
                self._set_state(LinkState.ENDED, "the studio ended the ceremony")
                self.countdown.close()
                return self.state
            except StudioUnreachableError as exc:
                problem, reason = exc.problem, str(exc)
                if exc.cause is not None:
                    self.unreachable_attempts += 1
                    if self.unreachable_attempts >= UNREACHABLE_AFTER:
                        self._emit(
                            StudioUnreachable(
                                tuple(self.invite.addresses), self.unreachable_attempts, exc.cause
                            )
                        )
            except Exception:  # the link must outlive any one failed attempt
                log.exception("link session failed")
                problem, reason = LinkProblem.FAILED, "an internal error (see the log)"
            self._problem = problem  # still the reason while the next attempt joins
            delay = backoff.next_delay(random.random())
            self._set_state(
                LinkState.RECONNECTING,
                f"{reason}; retrying in {delay:.1f} s",
                problem=problem,
                retry_in_s=delay,
            )
            # A new address (a hotspot or DHCP renumbering) is worth trying at once, not after
            # a backoff that grew while the network was down.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop_or_new_address(), timeout=delay)
        self._set_state(LinkState.STOPPED)
        self.countdown.close()
        if self._latency_file is not None:
            self._latency_file.close()
        # aiohttp's advice for TLS: let the transports finish their close handshakes before the
        # loop goes away, or they are left half-closed (and leak their sockets).
        await asyncio.sleep(SSL_SHUTDOWN_GRACE_S)
        return self.state

    async def _connect_ws(self, http: aiohttp.ClientSession) -> aiohttp.ClientWebSocketResponse:
        problem = invite_problem(self.invite)
        if problem is not None:  # final: retrying cannot help, the crew needs a new invite
            raise JoinRefusedError(
                wire.JoinRefusal.MALFORMED,
                f"the invite is damaged ({problem}); ask the studio to send it again",
            )
        pin = aiohttp.Fingerprint(fingerprint_bytes(self.invite.fingerprint))
        problems = []
        cause = UnreachableCause.OTHER
        for address in self.invite.addresses:
            url = f"wss://{address}/signal"
            try:
                return await http.ws_connect(
                    url,
                    ssl=pin,
                    timeout=aiohttp.ClientWSTimeout(ws_close=2.0),
                    max_msg_size=wire.MAX_SIGNAL_BYTES,
                    heartbeat=None,
                )
            except aiohttp.ServerFingerprintMismatch:
                raise JoinRefusedError(
                    wire.JoinRefusal.CERTIFICATE_MISMATCH,
                    f"the server at {address} is not the studio in the invite "
                    "(certificate fingerprint mismatch); check the address, or ask for a new "
                    "invite if the studio computer was reinstalled",
                ) from None
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                problems.append(f"{address}: {connect_failure(exc)}")
                cause = unreachable_cause(exc)
        raise StudioUnreachableError(
            LinkProblem.UNREACHABLE,
            "studio unreachable (" + "; ".join(problems) + "); check the address and port in "
            "the invite, the network cable or Wi-Fi, and that the studio app is running",
            cause,
        )

    async def _fetch_turn(self, http: aiohttp.ClientSession) -> TurnGrant | None:
        """Short-lived TURN credentials from the studio (POST /ice, proven with the invite's
        token), fetched at every join so they are fresh. None: the studio offers no relay (or
        is older than this venue); the join then tries direct paths only."""
        pin = aiohttp.Fingerprint(fingerprint_bytes(self.invite.fingerprint))
        inv = self.invite
        body = msgspec.json.encode(inv)  # the invite as signed: the studio checks it like a join
        for address in inv.addresses:
            try:
                async with http.post(
                    f"https://{address}/ice",
                    data=body,
                    headers={"Content-Type": "application/json"},
                    ssl=pin,
                    timeout=aiohttp.ClientTimeout(total=CONNECT_TIMEOUT_S),
                ) as response:
                    if response.status != 200:
                        log.info("no TURN credentials from %s: HTTP %d", address, response.status)
                        return None
                    turn = (await response.json()).get("turn")
            except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as exc:
                log.info("no TURN credentials from %s: %s", address, connect_failure(exc))
                continue
            if not isinstance(turn, dict):
                return None
            try:
                return TurnGrant(
                    tuple(str(u) for u in turn["urls"]),
                    str(turn["username"]),
                    str(turn["credential"]),
                    float(turn["expires"]),
                )
            except (KeyError, TypeError, ValueError):
                log.warning("the studio's TURN credentials are malformed: %r", turn)
                return None
        return None

    async def _session(self, backoff: Backoff) -> None:
        self._set_state(
            LinkState.CONNECTING if self._joins == 0 else LinkState.RECONNECTING,
            "joining",
            problem=self._problem if self._joins else None,
        )
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=CONNECT_TIMEOUT_S)
        self.join_marks = {"connect": time.monotonic()}
        async with aiohttp.ClientSession(timeout=timeout) as http:
            self._addresses_at_join = self.config.addresses()
            # TURN credentials over their own connection while the signaling one is made: one
            # TLS handshake's round trips less before gathering can start.
            grant = asyncio.create_task(self._fetch_turn(http))
            try:
                ws = await self._connect_ws(http)
            except BaseException:
                grant.cancel()
                raise
            self.join_marks["signaling"] = time.monotonic()
            self.unreachable_attempts = 0
            plan = await plan_ice(await grant)
            self.join_marks["ice_plan"] = time.monotonic()
            pc = RTCPeerConnection(rtc_configuration(self.config.ice_servers, plan.servers))
            self._pc, self._turn_transport, self.path = pc, plan.turn_transport, ""
            self._ice_plan = plan
            tasks: list[asyncio.Task[None]] = []
            try:
                await self._negotiate(pc, ws, tasks)
                self.join_marks["answered"] = time.monotonic()
                await self._wait_welcome()
                self.join_marks["welcome"] = time.monotonic()
                # In the order they happened (the transport's marks come from its events).
                self.join_marks = dict(sorted(self.join_marks.items(), key=lambda m: m[1]))
                # Benchmarks read this line (monotonic seconds, shared by every namespace).
                log.info(
                    "join phases: %s",
                    " ".join(f"{k}={v:.3f}" for k, v in self.join_marks.items()),
                )
                self._joins += 1
                if self._joins > 1:
                    self.counters.reconnects += 1
                backoff.reset()
                self._problem = None
                self._set_state(LinkState.CONNECTED, self.invite.studio)
                if self.ready:
                    self.send(wire.Ready(ready=True, contact=self.config.contact))
                tasks.append(asyncio.create_task(self._watch_ws(ws)))
                if self.welcome is not None and self.welcome.sfu is not None:
                    tasks.append(asyncio.create_task(self._program_from_sfu(self.welcome.sfu)))
                    tasks.append(asyncio.create_task(self._feeds_to_sfu(self.welcome.sfu)))
                assert self._control is not None
                self.countdown.attach()
                self.session.attach(self.config.clock())
                if self._pc is not None:  # the session's heartbeats watch this link instead
                    aiortc_compat.stop_consent_checks(self._pc)
                self._session_timer.start(asyncio.get_running_loop())
                await self._keepalive(ws)
            finally:
                log.info("%s", self.audio_stats.summary())
                log.info("%s", self.video_stats.summary())
                for task in tasks:
                    task.cancel()
                # The armed deadline stays: a venue that loses the link after acking still fires.
                self.session.detach()
                self._session_timer.stop()
                self._control = None
                self._pc = None
                if self._video_track is not None:
                    self._frames_sent_before += getattr(self._video_track, "frames_sent", 0)
                    self._video_track = None
                if self._address_lost:
                    # Its sockets are dead: closing them politely waits for answers that
                    # cannot come (seconds); close in the background and rejoin now.
                    self._address_lost = False
                    self._abandon(pc, ws)
                else:
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(pc.close(), timeout=5)
                    with contextlib.suppress(Exception):
                        await ws.close()

    async def _negotiate(
        self,
        pc: RTCPeerConnection,
        ws: aiohttp.ClientWebSocketResponse,
        tasks: list[asyncio.Task[None]],
    ) -> None:
        self.session.new_connection()
        self._welcomed = asyncio.Event()
        control = pc.createDataChannel("control")
        clock = pc.createDataChannel("clock", ordered=False, maxRetransmits=0)
        aiortc_compat.bundle_sacks(pc)  # our answers carry the studio's acknowledgements
        self._mark_transport_phases(pc, control)
        net = self.config.net
        seed = self.config.sim_seed * 1000 + self._joins
        self._control = WireChannel(
            control,
            wire.STUDIO_MAY_SEND,
            self._on_control,
            "studio",
            shim=NetShim(net, reliable=True, seed=seed, cut=self.config.link_cut) if net else None,
            arrivals=aiortc_compat.stamp_datagram_arrivals(pc, self.config.clock),
            departures=aiortc_compat.stamp_departures(pc),
        )
        self._control.stamp = self._answer_stamped
        self._clock = WireChannel(
            clock,
            wire.STUDIO_MAY_SEND,
            self._on_clock,
            "studio",
            shim=NetShim(net, reliable=False, seed=seed + 1, cut=self.config.link_cut)
            if net
            else None,
            arrivals=aiortc_compat.stamp_datagram_arrivals(pc, self.config.clock),
            departures=aiortc_compat.stamp_departures(pc),
        )
        self._clock.stamp = self._stamped
        if self._clock_trace.on:
            self._clock.on_stage = self._clock_trace.stage
        if self._make_video is not None:
            self._video_track = self._make_video()
            video_sender = pc.addTrack(self._video_track)
            attach = getattr(self._video_track, "attach", None)
            if attach is not None:
                attach(video_sender)  # our own encoder: keyframe requests must reach it
        if self._make_audio is not None:
            # FEC from the join (its first reports take seconds; a reconnect is on a bad link),
            # full band once our uplink has been clean 30 s: media/opus.py follow_uplink_loss.
            mic = OpusEncodingTrack(self._make_audio(), fec=True)
            tasks.append(asyncio.create_task(follow_uplink_loss(mic, pc.addTrack(mic))))
        for transceiver in pc.getTransceivers():
            if transceiver.kind == "audio":
                aiortc_compat.receive_audio_with_fec(transceiver.receiver)
            if transceiver.kind == "video":
                aiortc_compat.receive_video_bounded(transceiver.receiver, self.video_stats)
                transceiver.setCodecPreferences(
                    [
                        c
                        for c in RTCRtpSender.getCapabilities("video").codecs
                        if c.mimeType in ("video/VP8", "video/rtx")
                    ]
                )

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            consume = self._consume_video if track.kind == "video" else self._consume_audio
            tasks.append(asyncio.create_task(consume(track)))

        await pc.setLocalDescription(await pc.createOffer())
        self.join_marks["gathered"] = time.monotonic()
        invite = self.invite
        join = wire.Join(
            venue_id=invite.venue_id,
            ceremony_id=invite.ceremony_id,
            expires=invite.expires,
            token=invite.token,
            sdp=pc.localDescription.sdp,
            # Every field the token signs: the studio refuses an invite changed on the way.
            studio=invite.studio,
            ceremony_title=invite.ceremony_title,
            venue_name=invite.venue_name,
            addresses=list(invite.addresses),
            fingerprint=invite.fingerprint,
        )
        await ws.send_str(wire.encode(join).decode())
        try:
            reply = await ws.receive(timeout=WELCOME_TIMEOUT_S)
        except TimeoutError:
            raise StudioUnreachableError(
                LinkProblem.NO_ANSWER, "the studio did not answer the join in time"
            ) from None
        if reply.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
            raise StudioUnreachableError(
                LinkProblem.CLOSED_WHILE_JOINING, "the studio closed the connection while joining"
            )
        if reply.type != aiohttp.WSMsgType.TEXT:
            raise StudioUnreachableError(
                LinkProblem.BAD_REPLY, f"unexpected signaling reply ({reply.type.name})"
            )
        try:
            answer = wire.decode(
                reply.data, frozenset({wire.Accepted, wire.Refused}), limit=wire.MAX_SIGNAL_BYTES
            )
        except wire.WireError as exc:
            raise StudioUnreachableError(
                LinkProblem.BAD_REPLY, f"unreadable answer to the join ({exc.detail})"
            ) from None
        if isinstance(answer, wire.Refused):
            raise JoinRefusedError(answer.reason, answer.detail)
        assert isinstance(answer, wire.Accepted)
        await pc.setRemoteDescription(RTCSessionDescription(answer.sdp, "answer"))

    def _mark_transport_phases(self, pc: RTCPeerConnection, control: RTCDataChannel) -> None:
        """Mark when ICE, DTLS and the control channel came up in this attempt's join marks:
        the join's last phase is otherwise one figure for all three (a lost packet on a lossy
        link costs one of them a retransmission timer, and the marks say which)."""
        marks = self.join_marks  # this attempt's: a late event of an old connection stays out

        @pc.on("iceconnectionstatechange")
        def ice_state() -> None:
            if pc.iceConnectionState == "completed":
                marks.setdefault("ice", time.monotonic())

        @pc.on("connectionstatechange")
        def connection_state() -> None:
            if pc.connectionState == "connected":  # ICE and DTLS both connected
                marks.setdefault("dtls", time.monotonic())

        @control.on("open")
        def channel_open() -> None:
            marks.setdefault("channel", time.monotonic())

    async def _wait_welcome(self) -> None:
        try:
            await asyncio.wait_for(self._welcomed.wait(), timeout=WELCOME_TIMEOUT_S)
        except TimeoutError:
            raise StudioUnreachableError(
                LinkProblem.NO_MEDIA,
                "media connection could not be set up (no welcome on the control channel); "
                "a firewall may be blocking UDP",
            ) from None

    async def _watch_ws(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for _ in ws:
            pass
        if ws.close_code == CLOSE_REPLACED:
            self._replaced = True
        elif ws.close_code == CLOSE_ENDED:
            self._ended = True
        self._wake.set()

    def _studio_said_ended(self) -> bool:
        return self.program_state is not None and self.program_state.ended

    def _abandon(self, pc: RTCPeerConnection, ws: aiohttp.ClientWebSocketResponse) -> None:
        async def close() -> None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(pc.close(), timeout=5)

        task = asyncio.create_task(close())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)
        ws_transport = ws.get_extra_info("socket")
        if ws_transport is not None:
            with contextlib.suppress(OSError):
                ws_transport.shutdown(socket.SHUT_RDWR)  # no close frame: nobody is there

    def _address_gone(self) -> bool:
        """Whether the local address the media path uses is no longer on any interface. For a
        relayed path that is any address ICE gathered on (the TURN connection left from one of
        them; an unrelated interface, such as a VPN, never had a candidate)."""
        if self._pc is None:
            return False
        pair = selected_candidates(self._pc)
        if pair is None:
            return False
        # Only addresses the interfaces had at join count: loopback (tests pin ICE to it) is
        # never listed, and must not look like an address that went away.
        gone = self._addresses_at_join - self.config.addresses()
        if pair[0].type == "host":
            return pair[0].host in gone
        gathered = {c.ip for c in local_candidates(self._pc) if c.type == "host"}
        return bool(gathered & gone)

    async def _stop_or_new_address(self) -> None:
        before = self.config.addresses()
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=ADDRESS_POLL_S)
            if self.config.addresses() - before:
                log.info("a new local address: retrying now")
                return

    async def _keepalive(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Watch this connection until it ends: the session says when the studio went quiet
        (it sends the heartbeats itself); the WebSocket, when the studio closed us; the
        interfaces (looked at once a heartbeat interval), when our own address went."""
        self._replaced = False
        self._studio_quiet = False
        while not self._stopping.is_set():
            if self._address_gone():
                self._address_lost = True
                # The address our media uses left this computer (aiortc has no ICE restart):
                # its sockets are dead, so rejoin now rather than after LOST_AFTER_S of silence.
                raise StudioUnreachableError(
                    LinkProblem.STUDIO_QUIET, "this computer's network address changed"
                )
            if self._replaced or (ws.closed and ws.close_code == CLOSE_REPLACED):
                raise ReplacedError
            if self._ended or (
                ws.closed
                and (
                    ws.close_code == CLOSE_ENDED
                    or (ws.close_code == aiohttp.WSCloseCode.OK and self._studio_said_ended())
                )
            ):
                raise CeremonyEndedError
            if self._studio_quiet or ws.closed:
                # After the studio's last "ended" state, a studio that goes away is the end of
                # the day, not a fault: no reconnect banner over the hall's screen.
                if self._studio_said_ended():
                    raise CeremonyEndedError
                if ws.closed:  # the studio closed us (restart, or it marked us lost)
                    # Its last "ended" state travels on the data channel and may trail the
                    # WebSocket's close by a moment: wait that moment before calling it a fault.
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._said_ended.wait(), ENDED_GRACE_S)
                    if self._studio_said_ended():
                        raise CeremonyEndedError
                    raise StudioUnreachableError(
                        LinkProblem.STUDIO_CLOSED, "the studio closed the connection"
                    )
                return
            self._tell_sound_change()
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=HEARTBEAT_INTERVAL_S)

    # ---- the session protocol: one timer -----------------------------------------------

    def _wake_session(self) -> None:
        """Call after feeding the session: its next instant may have moved."""
        self._session_timer.wake()

    def _session_output(self, out: Output[VenueSessionEvent]) -> None:
        """Send what the session asks to send; act on what it says happened."""
        for item in out.sends:
            if isinstance(item, Refuse):
                if self._control:
                    self._control.refuse(item.code, item.detail)
                continue
            if item.channel is Channel.CLOCK:
                if self._clock is not None:
                    self._clock.send(item.message)  # stamped as it goes out (_stamped)
                continue
            message = item.message
            if isinstance(message, wire.FireReport):
                message = self.countdown.complete_report(message)
            elif isinstance(message, wire.HeartbeatAck) and self._control:
                # The link's statistics ride on the answer to the studio's heartbeat.
                message = msgspec.structs.replace(message, stats=self._stats(time.monotonic()))
            if self._control:
                self._control.send(message)
        for event in out.events:
            match event:
                case StudioQuiet():
                    self._studio_quiet = True
                    self._wake.set()
                case _:
                    self.countdown.apply(event)

    def _tell_sound_change(self) -> None:
        """A speaker that went silent (or plays again) is on the studio's board within a
        second, not at the next heartbeat answer (6 s apart between events)."""
        told = self._sound_told
        if (self.speaker.problem or "")[: wire.MAX_TEXT] == told:
            return
        if not self.send(self._stats(time.monotonic())):
            self._sound_told = told  # not sent (the channel is closing): again next second

    def _stats(self, now: float) -> wire.Stats:
        sent_now = getattr(self._video_track, "frames_sent", 0)
        total_sent = self._frames_sent_before + sent_now
        self.counters.sent.add(now, max(0, total_sent - self.counters.sent.total))
        latency = self.latency_percentiles(now)
        self._sound_told = (self.speaker.problem or "")[: wire.MAX_TEXT]  # sent with these
        if self._pc is not None and not self.path:
            self.path = describe_path(self._pc, self._turn_transport)
            if self.path:
                log.info("path to the studio: %s", self.path)
        return wire.Stats(
            path=self.path,
            latency_p50_ms=latency[0] if latency else None,
            latency_p95_ms=latency[1] if latency else None,
            program_fps=round(self.counters.program.rate(now), 2),
            program_frames=self.counters.program_frames,
            audio_frames=self.counters.audio_frames,
            video_fps_sent=round(self.counters.sent.rate(now), 2),
            video_frames_sent=total_sent,
            reconnects=self.counters.reconnects,
            sound_problem=self._sound_told,
        )

    # ---- traffic -----------------------------------------------------------------------

    def _on_control(self, msg: wire.Message) -> None:
        arrived = self._control.arrived_at if self._control is not None else None
        self._session_output(self.session.receive(msg, self.config.clock(), arrived))
        if isinstance(msg, wire.Welcome):
            self._welcomed.set()
        elif isinstance(msg, wire.ProgramState):
            self._sfu_tally.set()  # on air through an SFU: hear the mix-minus
            if msg.ended:
                self._said_ended.set()
        self._wake_session()
        self._emit(MessageReceived(msg))

    def _stamped(self, message: wire._Msg, sent_ago: float = 0.0) -> wire._Msg | None:
        """A probe stamped as it is sent, not when the session made it (its turn may have
        spent a millisecond refining the deadline before its messages go out), and again as
        it leaves (WireChannel's departures); `sent_ago`: the simulated network's delay, for a
        send the shim held back (WireChannel.stamp). None for anything else."""
        if not isinstance(message, wire.ClockProbe):
            return None
        t1 = self.config.clock() - sent_ago
        self.session.probe_sent(message.seq, t1)
        return msgspec.structs.replace(message, t1=t1)

    def _answer_stamped(self, message: wire._Msg, sent_ago: float = 0.0) -> wire._Msg | None:
        """An answer to the studio's heartbeat, noted as it leaves: its clock round leaves
        out the time it waited here (WireChannel.stamp). None for anything else."""
        if not isinstance(message, wire.HeartbeatAck):
            return None
        self.session.answer_sent(message.seq, self.config.clock() - sent_ago)
        return message

    def _on_clock(self, msg: wire.Message) -> None:
        # Stamped when the datagram arrived: the loop's wait for it is no part of the path.
        arrived = self._clock.arrived_at if self._clock is not None else None
        if isinstance(msg, wire.ClockProbe):
            t2 = arrived if arrived is not None else self.config.clock()
            reply = wire.ClockReply(seq=msg.seq, t1=msg.t1, t2=t2, t3=self.config.clock())
            if self._clock is not None:
                self._clock.send(reply)
        else:
            t4 = arrived if arrived is not None else self.config.clock()
            self.session.receive_clock(msg, t4)
            self._wake_session()  # an armed deadline is refined with the sample at once
            if isinstance(msg, wire.ClockReply):
                self._clock_trace.reply(
                    msg.seq, (msg.t1, msg.t2, msg.t3, t4), self.session.estimator
                )

    async def _program_from_sfu(self, route: wire.SfuRoute) -> None:
        """The program from the SFU the studio named (its picture; its sound too when the
        studio publishes it there), for as long as this session lasts; retried while the SFU
        is away (the studio's own link carries on meanwhile)."""
        consumers: list[asyncio.Task[None]] = []

        def on_track(track: MediaStreamTrack) -> None:
            consume = self._consume_video if track.kind == "video" else self._consume_audio
            if track.kind == "video" or route.sound_feed:
                consumers.append(asyncio.create_task(consume(track)))

        failures = 0
        while True:
            subscription = SfuSubscription(
                route, on_track, self.config.ice_servers, extra_ice=self._ice_plan.servers
            )
            subscription.on_air = self._on_air()
            try:
                await subscription.open()
                self._sfu_program = subscription
                failures = 0
                while True:  # until the session ends and cancels this task
                    self._sfu_tally.clear()
                    await subscription.follow_tally(self._on_air())
                    await self._sfu_tally.wait()
            except JanusError as exc:
                failures += 1
                if failures in (1, 10):
                    log.warning("program from the SFU failed (%d): %s", failures, exc)
                await asyncio.sleep(min(5.0, 1.0 * failures))
            finally:
                self._sfu_program = None
                for task in consumers:
                    task.cancel()
                consumers.clear()
                await asyncio.shield(subscription.close())

    def _on_air(self) -> bool:
        return self.program_state is not None and self.program_state.tally == wire.Tally.ON_AIR

    async def _feeds_to_sfu(self, route: wire.SfuRoute) -> None:
        """Our camera and microphone to the SFU, when the studio takes them there (it then
        takes none on our own connection); retried while the SFU is away."""
        if not route.publish_feed or self._video_track is None or self._make_audio is None:
            return
        failures = 0
        while True:
            publisher = SfuPublisher(
                route,
                self._video_track,
                OpusEncodingTrack(self._make_audio()),
                self.config.ice_servers,
                display=self.invite.venue_id,
                extra_ice=self._ice_plan.servers,
            )
            try:
                await publisher.open()
                failures = 0
                await asyncio.Event().wait()  # until the session ends and cancels this task
            except JanusError as exc:
                failures += 1
                if failures in (1, 10):
                    log.warning("our feed to the SFU failed (%d): %s", failures, exc)
                await asyncio.sleep(min(5.0, 1.0 * failures))
            finally:
                await asyncio.shield(publisher.close())

    async def _consume_video(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError, asyncio.CancelledError):
            while True:
                frame = await track.recv()
                frame, skipped = aiortc_compat.newest_decoded(track, frame)
                self.video_stats.display_skipped += skipped
                now = time.monotonic()
                self.counters.program_frames += 1
                self.counters.program.add(now)
                # The studio's picture arriving is proof of life (on the session's clock).
                self.session.liveness.heard(self.config.clock())
                if isinstance(frame, av.VideoFrame):  # not so for count-only bench venues
                    self._measure_latency(frame, now)
                    self._emit(ProgramFrame(frame))

    def _measure_latency(self, frame: av.VideoFrame, now: float) -> None:
        """Program latency: the studio clock now (through our offset) minus the picture's code."""
        if frame.format.name != "yuv420p":
            return
        code = read_code(luma(frame))
        if code is None:
            return
        local = self.config.clock()
        if now - self._offset_at > 1.0:
            # The estimate walks the whole probe window: once a second is plenty for latency.
            estimate = self.countdown.estimator.estimate(local)
            self._offset = estimate.offset if estimate else None
            self._offset_at = now
        if self._offset is None:
            return
        studio_ms = int((local + self._offset) * 1000) & 0xFFFFFFFF
        latency = (studio_ms - code) & 0xFFFFFFFF
        if latency > 0x7FFFFFFF:
            latency -= 0x100000000  # the estimate put us a hair before the stamp
        self.latencies.append((now, float(latency)))
        if self.config.latency_log is not None:
            # Benchmarks take the percentile over every frame of the run, not of windows; line
            # buffered, as they also count the lines while the venue runs (e.g. at a rung move).
            if self._latency_file is None:
                path = self.config.latency_log
                self._latency_file = path.open("a", encoding="utf-8", buffering=1)
            self._latency_file.write(f"{latency}\n")

    def latency_percentiles(self, now: float, window_s: float = 5.0) -> tuple[float, float] | None:
        recent = sorted(v for t, v in self.latencies if now - t <= window_s)
        if not recent:
            return None
        return recent[len(recent) // 2], recent[min(len(recent) - 1, int(len(recent) * 0.95))]

    async def _consume_audio(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError, asyncio.CancelledError):
            while True:
                frame = await track.recv()
                self.counters.audio_frames += 1
                if isinstance(frame, av.AudioFrame):
                    self.speaker.push_program(frame)


def connect_failure(exc: BaseException) -> str:
    """One attempt's failure in plain words. `str()` of aiohttp's connector errors embeds the
    SSL argument's repr (`ssl:<aiohttp.client_reqrep.Fingerprint object at 0x…>`): never shown."""
    if isinstance(exc, TimeoutError | asyncio.TimeoutError | aiohttp.ServerTimeoutError):
        return "no answer (timed out)"
    os_error = getattr(exc, "os_error", None)  # aiohttp.ClientConnectorError wraps the OSError
    if isinstance(os_error, OSError):
        exc = os_error
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (nothing answers on that port)"
    if isinstance(exc, OSError) and "Name or service" in str(exc):
        return "host name not found"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    if isinstance(exc, aiohttp.WSServerHandshakeError):
        return f"not a studio (HTTP {exc.status})"
    return type(exc).__name__
