"""The studio's side of the venues' feeds through the SFU (venues publish: media/sfu/publisher.py).

The studio takes only what it shows: the venues on air and on preview at full rate (camera and
microphone), the multiviewer's visible tiles as their small copy, nothing of the rest. Each
venue taken is one subscriber handle (one peer connection) of its own: changing what a venue
is taken at opens the new subscription first and closes the old one once Janus has accepted
the new, so a venue moving from a tile to preview keeps a picture. A TAKE of the preview venue
changes no subscription (it is already at full rate); a TAKE of another venue shows its small
copy at once (scaled up) and the full picture a subscription later (docs/sfu.md has figures).

A venue gets a new feed id at each join (Janus keeps a vanished publisher's id until its
session times out); a wanted venue whose feed is not published yet is retried every
RETRY_S. The program's sound and mix-minus go the other way (media/sfu/sound.py), on this
module's Janus session.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from aiortc import MediaStreamTrack, RTCPeerConnection, RTCRtpReceiver, RTCSessionDescription

from media.mixer import AudioMixer
from media.sfu.client import JanusClient
from media.sfu.janus import Handle, RoomSpec, Stream
from media.sfu.publisher import AUDIO_MID, SMALL_MID, VIDEO_MID
from media.sfu.sound import SfuSound

log = logging.getLogger(__name__)

RETRY_S = 0.5
FIRST_TILES = 16  # tiles taken before a console says which it shows (its first page)
MAX_FEED_ID = 2**52  # JSON numbers stay exact below 2**53 (Janus's ids are 64-bit)


class FeedLevel(StrEnum):
    FULL = "full"  # camera at full size and rate, and the microphone
    SMALL = "small"  # the small copy only (a multiviewer tile)


def wanted_levels(
    on_air: str | None, preview: str | None, visible: frozenset[str] | set[str]
) -> dict[str, FeedLevel]:
    """What the studio takes of each venue: on air and preview in full, visible tiles small."""
    levels = {vid: FeedLevel.SMALL for vid in visible}
    for vid in (on_air, preview):
        if vid is not None:
            levels[vid] = FeedLevel.FULL
    return levels


# A venue's track from the SFU: (venue id, track, receiver of its sound or full-rate picture, or
# None).
OnTrack = Callable[[str, MediaStreamTrack, RTCRtpReceiver | None], None]


@dataclass
class _Taken:
    feed: int
    level: FeedLevel
    handle: Handle
    pc: RTCPeerConnection


class StudioFeeds:
    """Open from the studio's start to its stop, once the program is published to the room."""

    def __init__(
        self,
        url: str,
        room: int,
        pin: str,
        mixer: AudioMixer,
        is_venue: Callable[[str], bool],
        *,
        on_track: OnTrack,
        ice_servers: tuple[str, ...] = (),
    ) -> None:
        self.url = url
        self.room_number = room
        self.pin = pin
        self._mixer = mixer
        self._is_venue = is_venue
        self._on_track = on_track
        self.client = JanusClient(url, RoomSpec(room=room, secret="", pin=pin), ice_servers)
        self.sound: SfuSound | None = None
        self.feeds: dict[str, int] = {}  # venue -> the feed id of its current join
        self._wanted: dict[str, FeedLevel] = {}
        self.taken: dict[str, _Taken] = {}
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.subscriptions_opened = 0

    async def start(self) -> None:
        room = await self.client.open()
        self.sound = SfuSound(room, self._mixer, self._is_venue)
        await self.sound.start(self.client.ice_servers)
        self._task = asyncio.get_running_loop().create_task(self._follow(), name="sfu-feeds")

    def assign(self, venue_id: str) -> int:
        """A fresh feed id for the venue's new join (sent to it alone, in its welcome)."""
        feed = secrets.randbelow(MAX_FEED_ID - 1) + 1
        self.feeds[venue_id] = feed
        self._changed.set()
        return feed

    def forget(self, venue_id: str) -> None:
        """The venue left: its feed is gone with its session."""
        self.feeds.pop(venue_id, None)
        self._changed.set()

    def want(self, levels: dict[str, FeedLevel]) -> None:
        if levels != self._wanted:
            self._wanted = dict(levels)
            self._changed.set()

    async def _follow(self) -> None:
        while True:
            self._changed.clear()
            try:
                pending = await self._reconcile()
            except Exception:
                log.exception("following the wanted venue feeds failed")
                pending = True
            with contextlib.suppress(TimeoutError):
                # Retry what Janus refused (a feed not yet published) until it is there.
                await asyncio.wait_for(self._changed.wait(), RETRY_S if pending else None)

    async def _reconcile(self) -> bool:
        """Open and close subscriptions until they are what is wanted; True if some failed."""
        target: dict[str, tuple[int, FeedLevel]] = {
            vid: (self.feeds[vid], level)
            for vid, level in self._wanted.items()
            if vid in self.feeds
        }
        opening = [
            vid
            for vid, want in target.items()
            if vid not in self.taken or want != (self.taken[vid].feed, self.taken[vid].level)
        ]
        results = await asyncio.gather(
            *(self._take(vid, *target[vid]) for vid in opening), return_exceptions=True
        )
        failed = False
        for vid, result in zip(opening, results, strict=True):
            if isinstance(result, _Taken):
                old = self.taken.get(vid)
                self.taken[vid] = result
                if old is not None:
                    await self._drop(old)  # after the new one is accepted: no gap
            else:
                failed = True
                log.debug("%s: feed not taken yet: %s", vid, result)
        # Not wanted any more, or a feed of a join that is over. A venue whose new level could
        # not be taken yet keeps the old one until the retry succeeds.
        for vid in list(self.taken):
            want = target.get(vid)
            if want is None or want[0] != self.taken[vid].feed:
                await self._drop(self.taken.pop(vid))
        return failed

    async def _take(self, venue_id: str, feed: int, level: FeedLevel) -> _Taken:
        room = self.client.room
        mids = (VIDEO_MID, AUDIO_MID) if level is FeedLevel.FULL else (SMALL_MID,)
        handle, offer = await room.subscribe([], [Stream(feed, mid) for mid in mids])
        pc = self.client.new_peer_connection()

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            receiver = next(
                (t.receiver for t in pc.getTransceivers() if t.receiver.track is track), None
            )
            full_picture = level is FeedLevel.FULL and track.kind == "video"
            wanted = full_picture or track.kind == "audio"  # audio: its FEC receive path
            self._on_track(venue_id, track, receiver if wanted else None)

        try:
            await pc.setRemoteDescription(RTCSessionDescription(offer["sdp"], offer["type"]))
            await pc.setLocalDescription(await pc.createAnswer())
            await room.start(handle, {"type": "answer", "sdp": pc.localDescription.sdp})
        except BaseException:
            await pc.close()
            await handle.detach()
            raise
        self.subscriptions_opened += 1
        log.info("%s: taking its %s feed from the SFU", venue_id, level.value)
        return _Taken(feed, level, handle, pc)

    async def _drop(self, taken: _Taken) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(taken.pc.close(), 5)
        await taken.handle.detach()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for taken in list(self.taken.values()):
            await self._drop(taken)
        self.taken.clear()
        if self.sound is not None:
            await self.sound.close()
            self.sound = None
        await self.client.close()
