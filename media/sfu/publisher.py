"""A venue's camera and microphone published to the SFU, for the studio to take what it shows.

One publisher, three streams, in this order (Janus keeps the offer's mids as the feed's):
the camera at full size (VIDEO_MID), the microphone (AUDIO_MID), and a small copy of the
camera, SMALL at a few frames a second (SMALL_MID). aiortc has no simulcast, so the small copy
is a second encoder of the same pictures; it costs the venue little (320×180 at 5 fps) and lets
the studio fill its multiviewer tiles without taking every venue at full rate: it subscribes to
the full streams only of the venues on air and on preview.

The feed id is the studio's (sent over the venue's authenticated control channel): the studio
subscribes by id, so a venue cannot stand in for another by choosing a display name.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import av
from aiortc import MediaStreamTrack, RTCIceServer, RTCRtpSender, RTCSessionDescription

from ceremony import wire
from media.program import EncodedSourceTrack, Packet, VideoFormat
from media.sfu.client import JanusClient
from media.sfu.janus import Handle, JanusError, RoomSpec

log = logging.getLogger(__name__)

VIDEO_MID = "0"
AUDIO_MID = "1"
SMALL_MID = "2"
SMALL = VideoFormat(320, 180, 5)
SMALL_BITRATE = 120_000


class FrameTap(MediaStreamTrack):
    """Passes a raw video track through and keeps its latest frame (for the small copy)."""

    kind = "video"

    def __init__(self, source: MediaStreamTrack) -> None:
        super().__init__()
        self._source = source
        self.latest: av.VideoFrame | None = None

    async def recv(self) -> av.frame.Frame | Packet:
        frame = await self._source.recv()
        if isinstance(frame, av.VideoFrame):  # a pre-encoded clip has no pictures to copy
            self.latest = frame
        return frame

    def latest_frame(self) -> av.VideoFrame | None:
        return self.latest

    def stop(self) -> None:
        super().stop()
        self._source.stop()


def small_copy(camera: MediaStreamTrack) -> tuple[MediaStreamTrack, EncodedSourceTrack]:
    """The track to send at full size and a small, slow copy of the same pictures.

    A camera we encode ourselves (EncodedSourceTrack) lends its last picture; a raw track
    (aiortc encodes it) is tapped on its way to the encoder."""
    full = camera if isinstance(camera, EncodedSourceTrack) else FrameTap(camera)
    latest = full.latest_frame
    return full, EncodedSourceTrack(latest, SMALL, SMALL_BITRATE)


class SfuPublisher:
    """The venue's publisher in the studio's room; open while the venue's session is."""

    def __init__(
        self,
        route: wire.SfuRoute,
        camera: MediaStreamTrack,
        microphone: MediaStreamTrack,
        ice_servers: tuple[str, ...] = (),
        *,
        display: str = "venue",
        extra_ice: Sequence[RTCIceServer] = (),
    ) -> None:
        self.route = route
        self._camera = camera
        self._microphone = microphone
        self._display = display
        self.client = JanusClient(
            route.url, RoomSpec(room=route.room, secret="", pin=route.pin), ice_servers, extra_ice
        )
        self._handle: Handle | None = None
        self._small: EncodedSourceTrack | None = None

    async def open(self) -> None:
        """Publish; raises JanusError (with Janus's reason) if the SFU refuses or is away."""
        try:
            room = await self.client.open()
            pc = self.client.peer_connection()
            full, self._small = small_copy(self._camera)
            senders = [
                pc.addTransceiver(track, direction="sendonly").sender
                for track in (full, self._microphone, self._small)
            ]
            vp8 = [
                c
                for c in RTCRtpSender.getCapabilities("video").codecs
                if c.mimeType in ("video/VP8", "video/rtx")
            ]
            for transceiver in pc.getTransceivers():
                if transceiver.kind == "video":
                    transceiver.setCodecPreferences(vp8)
            for sender, track in ((senders[0], full), (senders[2], self._small)):
                attach = getattr(track, "attach", None)
                if attach is not None:
                    attach(sender)  # our own encoders: the studio's keyframe requests reach them
            await pc.setLocalDescription(await pc.createOffer())
            mids = [t.mid for t in pc.getTransceivers()]
            if mids != [VIDEO_MID, AUDIO_MID, SMALL_MID]:
                raise JanusError(f"the feed's mids are {mids}, not what the studio expects")
            self._handle, _, answer = await room.publish(
                self._display,
                {"type": "offer", "sdp": pc.localDescription.sdp},
                feed=self.route.publish_feed,
            )
            await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))
            await self._handle.media_up()
            log.info(
                "camera and microphone published to the SFU as feed %d", self.route.publish_feed
            )
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        if self._small is not None:
            self._small.stop()  # its encoder's task; the camera itself belongs to the link
            self._small = None
        self._handle = None
        await self.client.close()
