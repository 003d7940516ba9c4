"""Media through a real Janus VideoRoom (Debian's janus, in a network namespace of its own):
a room the client creates, a publisher, subscribers that receive its picture and sound, and
Janus's refusals coming back as JanusError."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription

from launcher.janus_lab import JanusLab
from media.ice import pin_host_addresses, rtc_configuration
from media.sfu.janus import JanusError, RoomSpec, Session, VideoRoom
from media.sources import PacedVideoTrack, TestPattern, ToneTrack

pytestmark = pytest.mark.integration


@pytest.fixture
async def room(janus: JanusLab) -> AsyncIterator[VideoRoom]:
    pin_host_addresses([janus.host_address])  # ICE on our end of the pair, nowhere else
    async with aiohttp.ClientSession() as http, Session(janus.url, http) as session:
        videoroom = VideoRoom(session, RoomSpec(room=4242, secret="uji-rahasia", publishers=4))
        await videoroom.create()
        try:
            yield videoroom
        finally:
            await videoroom.destroy()
            pin_host_addresses(None)


async def _count(track: MediaStreamTrack, want: int) -> int:
    got = 0
    while got < want:
        await track.recv()
        got += 1
    return got


async def test_a_published_picture_and_sound_reach_two_subscribers(room: VideoRoom) -> None:
    publisher = RTCPeerConnection(rtc_configuration())
    publisher.addTrack(PacedVideoTrack(TestPattern("Program", 320, 180), 15))
    publisher.addTrack(ToneTrack())
    await publisher.setLocalDescription(await publisher.createOffer())
    handle, feed, answer = await room.publish(
        "program",
        {"type": "offer", "sdp": publisher.localDescription.sdp},
    )
    await publisher.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))
    await handle.media_up()
    assert [p["id"] for p in await room.publishers()] == [feed]

    subscribers: list[RTCPeerConnection] = []
    received: list[asyncio.Task[int]] = []
    for _ in range(2):
        pc = RTCPeerConnection(rtc_configuration())
        tracks: asyncio.Queue[MediaStreamTrack] = asyncio.Queue()
        pc.on("track", tracks.put_nowait)
        sub, offer = await room.subscribe([feed])
        await pc.setRemoteDescription(RTCSessionDescription(offer["sdp"], offer["type"]))
        await pc.setLocalDescription(await pc.createAnswer())
        await room.start(sub, {"type": "answer", "sdp": pc.localDescription.sdp})
        kinds = {}
        for _ in range(2):
            track = await asyncio.wait_for(tracks.get(), 10)
            kinds[track.kind] = track
        assert set(kinds) == {"audio", "video"}
        received.append(asyncio.create_task(_count(kinds["video"], 15)))
        received.append(asyncio.create_task(_count(kinds["audio"], 25)))
        subscribers.append(pc)
    # A second of picture and half a second of sound at each subscriber, decoded.
    assert await asyncio.wait_for(asyncio.gather(*received), 30) == [15, 25, 15, 25]
    for pc in [publisher, *subscribers]:
        await pc.close()
    await handle.detach()


async def test_janus_refusals_are_errors_with_its_reason(room: VideoRoom) -> None:
    with pytest.raises(JanusError, match=r"join: No such feed"):
        await room.subscribe([987654321])
    with pytest.raises(JanusError, match=r"destroy: .*secret"):
        handle = await room.session.attach()
        try:
            await handle.request({"request": "destroy", "room": 4242, "secret": "salah"})
        finally:
            await handle.detach()
    handle = await room.session.attach()
    exists, _ = await handle.request({"request": "exists", "room": 4242})
    await handle.detach()
    assert exists["exists"] is True  # still there for its real owner
