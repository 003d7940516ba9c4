"""A venue's peer connections to Janus use the ICE servers its studio connection got: the
studio's time-limited TURN credentials first, then the venue's own --ice-server."""

from __future__ import annotations

import time
from typing import Any

import pytest
from aiortc import RTCIceServer, VideoStreamTrack

from ceremony import wire
from ceremony.invite import Invite
from media import venue as venue_module
from media.ice import IcePlan
from media.sfu.client import JanusClient
from media.sfu.janus import RoomSpec
from media.sfu.publisher import SfuPublisher
from media.sfu.subscriber import SfuSubscription
from media.venue import VenueConfig, VenueLink

ROUTE = wire.SfuRoute(
    url="http://10.0.0.1:8088/janus", room=1234, feed=7, pin="p", publish_feed=9, sound_feed=0
)
# What plan_ice makes of the studio's grant when its TURN server answers over UDP.
STUDIO_TURN = IcePlan(
    (
        RTCIceServer(urls="stun:turn.example:3478"),
        RTCIceServer(
            urls="turn:turn.example:3478?transport=udp",
            username="1797343200:kota-cirebon",
            credential="c2VjcmV0",
        ),
    ),
    "udp",
)
OWN = ("stun:stun.hall.example:3478", "turn:hall:pw@turn.hall.example:3478")


def _servers(client: JanusClient) -> list[tuple[Any, str | None, str | None]]:
    return [(s.urls, s.username, s.credential) for s in client.configuration().iceServers or []]


EXPECTED = [
    ("stun:turn.example:3478", None, None),
    ("turn:turn.example:3478?transport=udp", "1797343200:kota-cirebon", "c2VjcmV0"),
    ("stun:stun.hall.example:3478", None, None),
    ("turn:turn.hall.example:3478", "hall", "pw"),
]


def test_publisher_and_subscriber_use_the_studio_turn_first_then_their_own() -> None:
    silent = VideoStreamTrack()  # never started: only the configuration is looked at
    publisher = SfuPublisher(
        ROUTE, silent, silent, OWN, display="kota-cirebon", extra_ice=STUDIO_TURN.servers
    )
    subscription = SfuSubscription(ROUTE, lambda track: None, OWN, extra_ice=STUDIO_TURN.servers)
    assert _servers(publisher.client) == EXPECTED
    assert _servers(subscription.client) == EXPECTED
    assert publisher.client.spec == RoomSpec(room=1234, secret="", pin="p")


def test_without_a_grant_or_servers_there_are_none_at_all() -> None:
    """Offline on a LAN: no ICE server, not aiortc's public STUN default."""
    assert _servers(JanusClient(ROUTE.url, RoomSpec(room=1, secret="", pin=""))) == []


class RecordedError(Exception):
    """Not a JanusError: the venue's loops do not retry it, so the test ends."""


async def test_the_venue_hands_its_join_plan_to_both_janus_clients(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: dict[str, list[tuple[Any, str | None, str | None]]] = {}

    class Spy:
        def __init__(self, kind: str, client: JanusClient) -> None:
            self.kind, self.client, self.on_air = kind, client, False

        async def open(self) -> None:
            made[self.kind] = _servers(self.client)
            raise RecordedError

        async def close(self) -> None:
            pass

    def subscription(*args: Any, **kwargs: Any) -> Spy:
        return Spy("subscriber", SfuSubscription(*args, **kwargs).client)

    def publisher(*args: Any, **kwargs: Any) -> Spy:
        return Spy("publisher", SfuPublisher(*args, **kwargs).client)

    monkeypatch.setattr(venue_module, "SfuSubscription", subscription)
    monkeypatch.setattr(venue_module, "SfuPublisher", publisher)
    invite = Invite(
        studio="Studio",
        addresses=["127.0.0.1:9"],
        ceremony_id="c",
        ceremony_title="t",
        venue_id="kota-cirebon",
        venue_name="MPP Kota Cirebon",
        fingerprint="AB:" * 31 + "AB",
        expires=time.time() + 3600,
        token="00" * 32,
    )
    link = VenueLink(invite, VenueConfig(ice_servers=OWN, program_sound=False), None, None)
    link._ice_plan = STUDIO_TURN  # what its join planned from the studio's grant
    link._video_track = object()  # type: ignore[assignment]
    link._make_audio = lambda: None  # type: ignore[assignment]
    monkeypatch.setattr(venue_module, "OpusEncodingTrack", lambda track: track)
    with pytest.raises(RecordedError):
        await link._program_from_sfu(ROUTE)
    with pytest.raises(RecordedError):
        await link._feeds_to_sfu(ROUTE)
    assert made == {"subscriber": EXPECTED, "publisher": EXPECTED}
