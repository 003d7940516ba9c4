"""A venue's join marks over real peers: ICE, DTLS and the control channel apart, in order."""

from __future__ import annotations

import pytest

from media.venue import VenueConfig
from tests.integration.conftest import Studio
from tests.integration.test_countdown import connected, make_link, running

pytestmark = pytest.mark.integration


async def test_the_join_marks_say_when_ice_dtls_and_the_channel_came_up(studio: Studio) -> None:
    link, events = make_link(studio, "kota-cirebon", VenueConfig(program_sound=False))
    async with running(link):
        await events.wait(connected)
        marks = dict(link.join_marks)
    keys = list(marks)
    assert (keys[0], keys[-1]) == ("connect", "welcome")
    assert {"answered", "ice", "dtls", "channel"} <= set(marks)
    assert list(marks.values()) == sorted(marks.values())  # logged in the order they happened
    assert marks["answered"] <= marks["ice"] <= marks["dtls"] <= marks["channel"]
