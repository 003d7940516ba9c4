"""Venues' feeds and the program sound through a real Janus: two venues publish their camera
and microphone there, the studio takes the preview venue's picture from Janus and puts it on
air; the venue on air hears the mix-minus (not its own voice), the other the whole program;
the on-air venue's ISO recording goes on through Janus."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import av
import numpy as np
import pytest

from ceremony import wire
from ceremony.runsheet import Runsheet, Source
from launcher.demo import free_port
from launcher.janus_lab import JanusLab
from media.ice import pin_host_addresses
from media.identity import ensure_identity
from media.program import VideoFormat
from media.sfu.feeds import FeedLevel
from media.sfu.program import SfuConfig
from media.sources import PacedVideoTrack, TestPattern, ToneTrack, mono_int16
from media.studio import StudioConfig, StudioEngine
from media.venue import LinkState, VenueConfig, VenueLink
from tests.integration.conftest import LOOPBACK, SMALL, Recorder, Studio
from tests.integration.test_session import running, state

pytestmark = pytest.mark.integration

CAMERA = VideoFormat(384, 216, 10)  # larger than the small copy (320×180), to tell them apart
TONES = {"kota-cirebon": 300.0, "lokasi-02": 520.0}


@pytest.fixture
async def sfu_studio(tmp_path: Path, sheet: Runsheet, janus: JanusLab) -> AsyncIterator[Studio]:
    # Venues reach the studio on loopback and Janus over the lab's pair.
    pin_host_addresses([LOOPBACK, janus.host_address])
    identity = ensure_identity(tmp_path / "studio", [LOOPBACK])
    engine = StudioEngine(
        sheet,
        identity,
        StudioConfig(
            host=LOOPBACK,
            port=free_port(),
            program=SMALL,
            sfu=SfuConfig.parse(f"janus://{janus.janus_address}:8088/78"),
            record_dir=tmp_path / "rec",
        ),
        tmp_path / "journal.jsonl",
    )
    events = Recorder()
    engine.subscribe(events)
    await engine.start()
    try:
        yield Studio(engine, identity, sheet, engine.config.port, events)
    finally:
        await engine.stop()
        pin_host_addresses(None)


def _venue(studio: Studio, venue_id: str) -> tuple[VenueLink, Recorder, Recorder]:
    invite = studio.invite(venue_id)
    link = VenueLink(
        invite,
        VenueConfig(program_sound=False),
        lambda: PacedVideoTrack(TestPattern(venue_id, CAMERA.width, CAMERA.height), CAMERA.fps),
        lambda: ToneTrack(base_hz=TONES[venue_id]),
    )
    events, heard = Recorder(), Recorder()
    link.subscribe(events)
    link.speaker.push_program = heard  # type: ignore[method-assign,assignment] # what reaches the speaker
    return link, events, heard


def _tone_level(frames: list[av.AudioFrame], hz: float) -> float:
    """The amplitude of `hz` (±3 Hz) in the frames' first channel."""
    samples = np.concatenate([mono_int16(f) for f in frames]).astype(np.float64)
    spectrum = np.abs(np.fft.rfft(samples)) * 2 / len(samples)
    near = np.abs(np.fft.rfftfreq(len(samples), 1 / 48_000) - hz) <= 3
    return float(spectrum[near].max())


async def test_feeds_and_mix_minus_through_the_sfu(sfu_studio: Studio) -> None:
    engine = sfu_studio.engine
    assert engine.feeds is not None and engine.feeds.sound is not None
    cirebon, other = "kota-cirebon", "lokasi-02"
    (link_a, events_a, heard_a), (link_b, events_b, heard_b) = (
        _venue(sfu_studio, cirebon),
        _venue(sfu_studio, other),
    )
    async with running(link_a), running(link_b):
        for link, events in ((link_a, events_a), (link_b, events_b)):
            await events.wait(state(LinkState.CONNECTED))
            assert link.welcome is not None and link.welcome.sfu is not None
            assert link.welcome.sfu.publish_feed and link.welcome.sfu.sound_feed
        engine.preview(cirebon)
        record = engine.venues[cirebon]

        def full_picture() -> bool:
            frame = record.conn.latest_video if record.conn else None
            return frame is not None and frame.width == CAMERA.width

        await _until(full_picture, 20)
        assert engine.feeds.taken[cirebon].level is FeedLevel.FULL
        assert engine.feeds.taken[other].level is FeedLevel.SMALL  # a tile: the small copy
        # Nothing of the venues came on their own connections to the studio.
        assert all(
            t.currentDirection == "inactive"
            for r in engine.venues.values()
            if r.conn
            for t in r.conn.pc.getTransceivers()
        )

        engine.take(Source.venue(cirebon))
        assert engine.program_feed.frame(Source.venue(cirebon)) is not None  # on air at once
        await events_a.wait(
            lambda e: getattr(getattr(e, "message", None), "tally", None) == wire.Tally.ON_AIR
        )
        await _until(lambda: _hearing_minus(link_a), 10)  # the switch inside Janus
        heard_a.events.clear()
        heard_b.events.clear()
        await heard_a.wait(lambda _: len(heard_a.events) >= 25, timeout=15)  # 1.5 s of 60 ms
        await heard_b.wait(lambda _: len(heard_b.events) >= 25, timeout=15)
        own_at_a = _tone_level(heard_a.events, TONES[cirebon])
        own_at_b = _tone_level(heard_b.events, TONES[cirebon])
        assert own_at_b > 20 * max(own_at_a, 1.0), (own_at_a, own_at_b)
        assert engine.feeds.taken[cirebon].level is FeedLevel.FULL  # still: now on air
        # The ISO recording holds what the studio takes in full; a tile's small copy is not
        # recorded (one picture size per file).
        await _until(lambda: engine.record.isos[cirebon].frames > 10, 10)
        assert other not in engine.record.isos


def _hearing_minus(link: VenueLink) -> bool:
    sub = link._sfu_program
    return sub is not None and sub._hearing_minus


async def _until(check: Callable[[], bool], timeout: float) -> None:
    """Until `check()` holds, looked at every 50 ms (qtbot.waitUntil's way: the state it reads
    is the engine's, which raises no event for it)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s")
        await asyncio.sleep(0.05)
