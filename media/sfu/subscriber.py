"""A venue's subscription to the program's picture at the SFU (see media/sfu/program.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import aiohttp
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription

from ceremony import wire
from media.ice import rtc_configuration
from media.sfu.janus import JanusError, RoomSpec, Session, VideoRoom

log = logging.getLogger(__name__)


class SfuSubscription:
    """Open while the venue's link to the studio is; `on_track` gets the program's picture."""

    def __init__(
        self,
        route: wire.SfuRoute,
        on_track: Callable[[MediaStreamTrack], None],
        ice_servers: tuple[str, ...] = (),
    ) -> None:
        self.route = route
        self._on_track = on_track
        self._ice_servers = ice_servers
        self._http: aiohttp.ClientSession | None = None
        self._session: Session | None = None
        self._pc: RTCPeerConnection | None = None

    async def open(self) -> None:
        """Subscribe; raises JanusError (with Janus's reason) if the SFU refuses or is away."""
        self._http = aiohttp.ClientSession()
        try:
            self._session = Session(self.route.url, self._http)
            await self._session.create()
            room = VideoRoom(
                self._session, RoomSpec(room=self.route.room, secret="", pin=self.route.pin)
            )
            handle, offer = await room.subscribe([self.route.feed])
            pc = RTCPeerConnection(rtc_configuration(self._ice_servers))
            self._pc = pc
            pc.on("track", self._on_track)
            await pc.setRemoteDescription(RTCSessionDescription(offer["sdp"], offer["type"]))
            await pc.setLocalDescription(await pc.createAnswer())
            await room.start(handle, {"type": "answer", "sdp": pc.localDescription.sdp})
            log.info(
                "program picture from the SFU (room %d, feed %d)", self.route.room, self.route.feed
            )
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        if self._pc is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._pc.close(), 5)
            self._pc = None
        if self._session is not None:
            with contextlib.suppress(JanusError, aiohttp.ClientError, TimeoutError):
                await self._session.destroy()
            self._session = None
        if self._http is not None:
            await self._http.close()
            self._http = None
