"""A venue's subscription to the program at the SFU: the picture (media/sfu/program.py) and,
when the studio publishes it there, the sound (media/sfu/sound.py): the program mix, or the
mix-minus while this venue is on air. Going on air or off switches the sound stream inside
Janus (no new negotiation): the venue hears itself at most for the switch's round trip."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from aiortc import MediaStreamTrack, RTCIceServer, RTCSessionDescription

from ceremony import wire
from media.sfu.client import JanusClient
from media.sfu.janus import Handle, RoomSpec, Stream
from media.sfu.sound import MINUS_MID, PROGRAM_MID

PROGRAM_VIDEO_MID = "0"  # the program publisher's picture (media/sfu/program.py)

log = logging.getLogger(__name__)


class SfuSubscription:
    """Open while the venue's link to the studio is; `on_track` gets the program's picture
    (and its sound, when the route names the studio's sound feed)."""

    def __init__(
        self,
        route: wire.SfuRoute,
        on_track: Callable[[MediaStreamTrack], None],
        ice_servers: tuple[str, ...] = (),
        *,
        extra_ice: Sequence[RTCIceServer] = (),
    ) -> None:
        self.route = route
        self._on_track = on_track
        self.client = JanusClient(
            route.url, RoomSpec(room=route.room, secret="", pin=route.pin), ice_servers, extra_ice
        )
        self._handle: Handle | None = None
        self._sound_sub_mid: str | None = None
        self._hearing_minus = False
        self.on_air = False  # should hear the mix-minus (set before open, or by follow_tally)

    async def open(self) -> None:
        """Subscribe; raises JanusError (with Janus's reason) if the SFU refuses or is away."""
        try:
            room = await self.client.open()
            if self.route.sound_feed:
                sound = Stream(self.route.sound_feed, MINUS_MID if self.on_air else PROGRAM_MID)
                handle, offer = await room.subscribe(
                    [], [Stream(self.route.feed, PROGRAM_VIDEO_MID), sound]
                )
                self._sound_sub_mid = next(
                    (str(s["mid"]) for s in handle.streams if s.get("feed_id") == sound.feed),
                    None,
                )
                self._hearing_minus = sound.mid == MINUS_MID
            else:
                handle, offer = await room.subscribe([self.route.feed])
            self._handle = handle
            pc = self.client.peer_connection()
            pc.on("track", self._on_track)
            await pc.setRemoteDescription(RTCSessionDescription(offer["sdp"], offer["type"]))
            await pc.setLocalDescription(await pc.createAnswer())
            await room.start(handle, {"type": "answer", "sdp": pc.localDescription.sdp})
            await self._sync_sound()
            log.info(
                "program picture from the SFU (room %d, feed %d)", self.route.room, self.route.feed
            )
        except BaseException:
            await self.close()
            raise

    async def follow_tally(self, on_air: bool) -> None:
        """Hear the mix-minus while on air, the program otherwise."""
        self.on_air = on_air
        await self._sync_sound()

    async def _sync_sound(self) -> None:
        if self._handle is None or self.client.session is None or self._sound_sub_mid is None:
            return  # not open (yet): open() subscribes to the right one
        while self._hearing_minus != self.on_air:  # the tally may move again meanwhile
            minus = self.on_air
            to = Stream(self.route.sound_feed, MINUS_MID if minus else PROGRAM_MID)
            await self.client.room.switch(self._handle, self._sound_sub_mid, to)
            self._hearing_minus = minus
            log.info("program sound from the SFU: %s", "mix-minus" if minus else "the program")

    async def close(self) -> None:
        self._handle = None
        await self.client.close()
