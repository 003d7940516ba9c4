"""The program's sound through the SFU: the studio publishes it once, with one mix-minus.

One publisher, two Opus streams: the program mix (mid PROGRAM_MID), heard by every venue not on
air, and the program minus every live venue (mid MINUS_MID), heard by the venue on air so it
never hears itself come back late. Both are published for as long as the studio runs: a
publisher that joined at each TAKE would cut the on-air venue's return for the few hundred
milliseconds a negotiation takes, exactly when it goes live. While no venue is live the
mix-minus equals the program; it costs one Opus encoder (about 1 % of a core).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiortc import RTCPeerConnection, RTCRtpSender, RTCSessionDescription

from media.ice import rtc_configuration
from media.mixer import AudioMixer
from media.sfu.janus import Handle, VideoRoom

log = logging.getLogger(__name__)

PROGRAM_MID = "0"  # the order of the offer's m-lines, which Janus keeps as the publisher's mids
MINUS_MID = "1"
SFU_SOUND_ID = "sfu-sound"  # the mixer's name for the program return that feeds Janus


class SfuSound:
    """Publishes the program sound and the mix-minus to `room` until closed."""

    def __init__(
        self, room: VideoRoom, mixer: AudioMixer, is_venue_source: Callable[[str], bool]
    ) -> None:
        self.room = room
        self.mixer = mixer
        self._is_venue = is_venue_source
        self._pc: RTCPeerConnection | None = None
        self._handle: Handle | None = None
        self.feed: int | None = None

    async def start(self, ice_servers: tuple[str, ...] = ()) -> None:
        pc = RTCPeerConnection(rtc_configuration(ice_servers))
        self._pc = pc
        program = self.mixer.subscribe(SFU_SOUND_ID)  # not a venue: always the whole program
        minus = self.mixer.subscribe_minus_venues(self._is_venue)
        for track in (program, minus):
            pc.addTransceiver(track, direction="sendonly")
        opus = [
            c for c in RTCRtpSender.getCapabilities("audio").codecs if c.mimeType == "audio/opus"
        ]
        for transceiver in pc.getTransceivers():
            transceiver.setCodecPreferences(opus)
        await pc.setLocalDescription(await pc.createOffer())
        mids = [t.mid for t in pc.getTransceivers()]
        if mids != [PROGRAM_MID, MINUS_MID]:
            raise RuntimeError(f"the sound offer's mids are {mids}, not what venues expect")
        self._handle, self.feed, answer = await self.room.publish(
            "program-sound", {"type": "offer", "sdp": pc.localDescription.sdp}
        )
        await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))
        await self._handle.media_up()
        log.info("program sound and mix-minus published to the SFU as feed %d", self.feed)

    async def close(self) -> None:
        if self._pc is not None:
            for transceiver in self._pc.getTransceivers():
                if transceiver.sender.track is not None:
                    transceiver.sender.track.stop()  # unsubscribes it from the mixer
            await self._pc.close()
            self._pc = None
        if self._handle is not None:
            await self._handle.detach()
            self._handle = None
        self.feed = None
