"""The program through an SFU: the studio publishes it to a Janus VideoRoom once, and each
venue subscribes there instead of receiving it from the studio.

Only the program's picture goes through Janus for now: it is the stream whose fan-out costs the
studio most (every packet, every venue, in Python). The program's sound stays on each venue's
own connection, because the venue on air must hear the mix without itself (mix-minus), which
one shared feed cannot give. Signaling, invites, the control and clock channels and the venues'
own pictures also stay between venue and studio.
"""

from __future__ import annotations

import logging
import secrets
import urllib.parse
from dataclasses import dataclass

import aiohttp
from aiortc import RTCPeerConnection, RTCRtpSender, RTCSessionDescription

from ceremony import wire
from media.ice import rtc_configuration
from media.program import ProgramBus
from media.sfu.janus import Handle, RoomSpec, Session, VideoRoom

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

    @classmethod
    def parse(cls, text: str) -> SfuConfig:
        """`janus://HOST:PORT[/ROOM]` (plain HTTP API) or `januss://…` (HTTPS)."""
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

    def route(self) -> wire.SfuRoute | None:
        if self.feed is None:
            return None
        return wire.SfuRoute(
            url=self.config.url, room=self.config.room, feed=self.feed, pin=self.pin
        )

    async def stop(self) -> None:
        if self._pc is not None:
            await self._pc.close()
            self._pc = None
        if self._room is not None:
            await self._room.destroy()
        if self._session is not None:
            await self._session.destroy()
        if self._http is not None:
            await self._http.close()
        self.feed = None
