"""The program through an SFU: the studio publishes it to a Janus VideoRoom once, and each
venue subscribes there instead of receiving it from the studio.

For more venues than one Janus should hold, further instances are cascaded: the studio still
publishes once, to the first; the first relays the packets to a remote publisher in the same
room number on each further instance (VideoRoom remote publishers, Janus ≥ 1.1), and venues are
split across the instances, each told over its own control channel which one to take.

Only the program's picture goes through Janus for now: it is the stream whose fan-out costs the
studio most (every packet, every venue, in Python). The program's sound stays on each venue's
own connection, because the venue on air must hear the mix without itself (mix-minus), which
one shared feed cannot give. Signaling, invites, the control and clock channels and the venues'
own pictures also stay between venue and studio.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import secrets
import urllib.parse
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiohttp
from aiortc import RTCPeerConnection, RTCRtpSender, RTCSessionDescription

from ceremony import wire
from media.ice import rtc_configuration
from media.program import ProgramBus
from media.sfu.janus import (
    Handle,
    JanusError,
    RoomSpec,
    Session,
    VideoRoom,
    add_remote_publisher,
    publish_remotely,
    unpublish_remotely,
)

log = logging.getLogger(__name__)

DEFAULT_ROOM = 1001
SFU_FEED_ID = "sfu"  # the program bus's name for the subscriber that feeds Janus


class SfuAddressError(ValueError):
    pass


@dataclass(frozen=True)
class SfuConfig:
    url: str  # Janus's HTTP API, e.g. http://10.0.0.5:8088/janus
    room: int = DEFAULT_ROOM
    api_secret: str | None = None
    # Further Janus instances fed from this one (same room number there); venues are split
    # across all of them.
    cascade: tuple[SfuConfig, ...] = field(default=())

    @property
    def host(self) -> str:
        return urllib.parse.urlsplit(self.url).hostname or ""

    @classmethod
    def parse(cls, text: str, cascade: Sequence[str] = ()) -> SfuConfig:
        """`janus://HOST:PORT[/ROOM]` (plain HTTP API) or `januss://…` (HTTPS); `cascade`: the
        same for each further instance (its room number, if given, is ignored: same room)."""
        config = cls._parse_one(text)
        further = tuple(cls(url=cls._parse_one(t).url, room=config.room) for t in cascade)
        return cls(config.url, config.room, config.api_secret, further)

    def with_cascade(self, further: Sequence[SfuConfig]) -> SfuConfig:
        """This instance feeding `further` ones (each takes this one's room number)."""
        return dataclasses.replace(
            self,
            cascade=tuple(dataclasses.replace(f, room=self.room, cascade=()) for f in further),
        )

    @classmethod
    def _parse_one(cls, text: str) -> SfuConfig:
        parsed = urllib.parse.urlsplit(text)
        if parsed.scheme not in ("janus", "januss") or not parsed.hostname or not parsed.port:
            raise SfuAddressError(
                f"{text!r}: give janus://HOST:PORT[/ROOM], e.g. janus://10.0.0.5:8088"
            )
        room_text = parsed.path.strip("/")
        if room_text and not room_text.isdigit():
            raise SfuAddressError(f"{text!r}: the room is a number")
        scheme = "https" if parsed.scheme == "januss" else "http"
        host = f"[{parsed.hostname}]" if ":" in parsed.hostname else parsed.hostname
        return cls(
            url=f"{scheme}://{host}:{parsed.port}/janus",
            room=int(room_text) if room_text else DEFAULT_ROOM,
        )


class SfuProgram:
    """The program's picture published to Janus, for as long as the studio runs."""

    def __init__(self, config: SfuConfig, bus: ProgramBus, ice_servers: tuple[str, ...] = ()):
        self.config = config
        self.bus = bus
        self.ice_servers = ice_servers
        # Venues join the room with its PIN (sent to each over its authenticated control
        # channel); the secret that administers the room never leaves the studio.
        self.pin = secrets.token_urlsafe(12)
        self._secret = secrets.token_urlsafe(16)
        self._http: aiohttp.ClientSession | None = None
        self._session: Session | None = None
        self._room: VideoRoom | None = None
        self._pc: RTCPeerConnection | None = None
        self._handle: Handle | None = None
        self.feed: int | None = None
        self._cascade: list[_Cascaded] = []
        self._assigned: dict[str, int] = {}  # venue -> instance (0: the first), kept on rejoin
        self.cascade_problems: list[str] = []  # further instances left out, and why

    async def start(self) -> None:
        self._http = aiohttp.ClientSession()
        self._session = Session(self.config.url, self._http, self.config.api_secret)
        await self._session.create()
        self._room = VideoRoom(
            self._session,
            RoomSpec(
                room=self.config.room,
                secret=self._secret,
                pin=self.pin,
                description="ceremony program",
            ),
        )
        await self._room.create()
        pc = RTCPeerConnection(rtc_configuration(self.ice_servers))
        self._pc = pc
        sender = pc.addTrack(self.bus.subscribe(SFU_FEED_ID))
        for transceiver in pc.getTransceivers():
            transceiver.direction = "sendonly"
            transceiver.setCodecPreferences(
                [
                    c
                    for c in RTCRtpSender.getCapabilities("video").codecs
                    if c.mimeType == "video/VP8"
                ]
            )
        self.bus.route_keyframe_requests(sender)  # Janus relays its subscribers' PLIs
        await pc.setLocalDescription(await pc.createOffer())
        self._handle, self.feed, answer = await self._room.publish(
            "program", {"type": "offer", "sdp": pc.localDescription.sdp}
        )
        await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))
        await self._handle.media_up()
        log.info("program published to Janus room %d as feed %d", self.config.room, self.feed)
        mid = next((t.mid for t in pc.getTransceivers() if t.kind == "video"), None) or "0"
        for n, further in enumerate(self.config.cascade, start=1):
            try:
                self._cascade.append(await self._carry_to(further, n, mid))
            except JanusError as exc:
                # The first instance works: it takes every venue rather than the studio
                # sending the program to each itself.
                self.cascade_problems.append(f"{further.url}: {exc}")
                log.warning("program not carried to Janus %s: %s", further.url, exc)

    async def _carry_to(self, further: SfuConfig, n: int, mid: str) -> _Cascaded:
        """The same room on a further Janus, with a remote publisher the first one feeds."""
        assert self._http is not None and self._room is not None and self.feed is not None
        session = Session(further.url, self._http, further.api_secret)
        await session.create()
        cascaded = _Cascaded(further, session, VideoRoom(session, self._room.spec), f"cascade-{n}")
        try:
            await cascaded.room.create()
            target = await add_remote_publisher(
                cascaded.room,
                "program",
                [{"type": "video", "mindex": 0, "mid": mid, "codec": "vp8"}],
            )
            if target.host in ("", "0.0.0.0", "::"):  # bound to every interface: its API's host
                target = dataclasses.replace(target, host=further.host)
            await publish_remotely(self._room, self.feed, cascaded.remote_id, target)
            cascaded.feed = target.feed
        except BaseException:
            await cascaded.close(self._room, self.feed)
            raise
        log.info(
            "program carried to Janus %s (room %d, feed %d)", further.url, further.room, target.feed
        )
        return cascaded

    def _instance(self, venue_id: str) -> int:
        """The instance a venue takes the program from: the one with the fewest venues when it
        first joins, the same one when it rejoins."""
        if venue_id not in self._assigned:
            load = Counter(self._assigned.values())
            self._assigned[venue_id] = min(range(1 + len(self._cascade)), key=lambda i: load[i])
        return self._assigned[venue_id]

    def instance_of(self, venue_id: str) -> str:
        """The HTTP API of the Janus this venue was sent to (benchmarks report per instance)."""
        n = self._assigned.get(venue_id, 0)
        return self.config.url if n == 0 else self._cascade[n - 1].config.url

    def route(self, venue_id: str = "") -> wire.SfuRoute | None:
        if self.feed is None:
            return None
        n = self._instance(venue_id) if venue_id and self._cascade else 0
        if n:
            cascaded = self._cascade[n - 1]
            assert cascaded.feed is not None
            return wire.SfuRoute(
                url=cascaded.config.url, room=self.config.room, feed=cascaded.feed, pin=self.pin
            )
        return wire.SfuRoute(
            url=self.config.url, room=self.config.room, feed=self.feed, pin=self.pin
        )

    async def stop(self) -> None:
        if self._pc is not None:
            await self._pc.close()
            self._pc = None
        for cascaded in self._cascade:
            await cascaded.close(self._room, self.feed)
        self._cascade.clear()
        if self._room is not None:
            await self._room.destroy()
        if self._session is not None:
            await self._session.destroy()
        if self._http is not None:
            await self._http.close()
        self.feed = None


@dataclass
class _Cascaded:
    """The program's room on a further Janus, fed by the first."""

    config: SfuConfig
    session: Session
    room: VideoRoom
    remote_id: str
    feed: int | None = None

    async def close(self, source: VideoRoom | None, feed: int | None) -> None:
        if source is not None and feed is not None:
            with contextlib.suppress(JanusError):
                await unpublish_remotely(source, feed, self.remote_id)
        with contextlib.suppress(JanusError):
            await self.room.destroy()  # its remote publisher goes with it
        await self.session.destroy()
