"""What each of our Janus clients holds: an HTTP client, a Janus session, the VideoRoom it joins
and the ICE servers its peer connections use; opened together, taken down newest first.

The venue's publisher and subscriber and the studio's feeds each own one (composition): they
keep their own logic (what to publish, what to take) and none of this bookkeeping.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import aiohttp
from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection

from media.ice import rtc_configuration
from media.sfu.janus import JanusError, RoomSpec, Session, VideoRoom, close_client

log = logging.getLogger(__name__)


class JanusClient:
    """One Janus session in one room. `open()` before use; `close()` is safe at any point."""

    def __init__(
        self,
        url: str,
        spec: RoomSpec,
        ice_servers: Sequence[str] = (),
        extra_ice: Sequence[RTCIceServer] = (),
        api_secret: str | None = None,
    ) -> None:
        self.url = url
        self.spec = spec
        self.ice_servers = tuple(ice_servers)  # as URLs (--ice-server)
        # Servers already made, used first: a venue's TURN credentials from the studio, so its
        # media to Janus crosses the same firewall its studio connection does.
        self.extra_ice = tuple(extra_ice)
        self.api_secret = api_secret
        self.http: aiohttp.ClientSession | None = None
        self.session: Session | None = None
        self._room: VideoRoom | None = None
        self.pc: RTCPeerConnection | None = None  # the client's own, when it has one

    async def open(self) -> VideoRoom:
        """Create the Janus session; raises JanusError if Janus refuses or is away (what was
        opened is closed again)."""
        self.http = aiohttp.ClientSession()
        try:
            self.session = Session(self.url, self.http, self.api_secret)
            await self.session.create()
        except BaseException:
            await self.close()
            raise
        self._room = VideoRoom(self.session, self.spec)
        return self._room

    @property
    def room(self) -> VideoRoom:
        if self._room is None:
            raise JanusError("the Janus client is not open")
        return self._room

    def configuration(self) -> RTCConfiguration:
        """The ICE configuration of every peer connection this client makes."""
        return rtc_configuration(self.ice_servers, self.extra_ice)

    def new_peer_connection(self) -> RTCPeerConnection:
        """A peer connection the caller owns (and closes), e.g. one per feed taken."""
        return RTCPeerConnection(self.configuration())

    def peer_connection(self) -> RTCPeerConnection:
        """The client's own peer connection, closed with it."""
        if self.pc is None:
            self.pc = self.new_peer_connection()
        return self.pc

    async def close(self) -> None:
        pc, session, http = self.pc, self.session, self.http
        self.pc, self.session, self.http, self._room = None, None, None, None
        await close_client(http, session, pc)
