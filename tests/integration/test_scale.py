"""The scale benchmark's parts against a real Janus (in a namespace): light venues, several in
one loop, take the program from the SFU and fire a real countdown; a cascaded second Janus
carries the program to the venues the studio sends there.

The light venues decode the program here: counting without decoding (`count_only_video`) is
process-wide, and this process also runs the studio, which decodes the venues' cameras."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from ceremony.runsheet import Runsheet
from launcher.demo import free_port
from launcher.janus_lab import JanusLab
from launcher.light_venue import ClipTrack, LightGroup, LightGroupSpec, LightVenueSpec, encode_clip
from media.ice import pin_host_addresses
from media.identity import ensure_identity
from media.program import VideoFormat
from media.sfu.program import SFU_FEED_ID, SfuConfig
from media.studio import StudioConfig, StudioEngine, VenueStatus, VenueStatusChanged
from media.venue import LinkState
from tests.integration.conftest import LOOPBACK, SMALL, Recorder

pytestmark = pytest.mark.integration


async def _until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll a condition nothing signals (counters of count-only receivers), with a deadline."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.05)


@asynccontextmanager
async def _studio(
    tmp_path: Path, sheet: Runsheet, sfu: SfuConfig, ice: list[str]
) -> AsyncIterator[tuple[StudioEngine, Recorder]]:
    pin_host_addresses(ice)
    engine = StudioEngine(
        sheet,
        ensure_identity(tmp_path / "studio", [LOOPBACK]),
        # Light venues send their clip on their own connection (they publish nothing to the
        # SFU: tests/integration/test_sfu_feeds.py covers venues' feeds through Janus).
        StudioConfig(host=LOOPBACK, port=free_port(), program=SMALL, sfu=sfu, sfu_feeds=False),
        tmp_path / "journal.jsonl",
    )
    events = Recorder()
    engine.subscribe(events)
    await engine.start()
    try:
        assert engine.sfu is not None, engine.device_problems
        yield engine, events
    finally:
        await engine.stop()
        pin_host_addresses(None)


def _group(
    tmp_path: Path, engine: StudioEngine, venue_ids: list[str], ice: list[str]
) -> LightGroup:
    specs: list[LightVenueSpec] = []
    for vid in venue_ids:
        invite = engine.identity.invite(
            engine.sheet, vid, [f"{LOOPBACK}:{engine.config.port}"], time.time() + 600
        )
        path = tmp_path / f"{vid}.invite.txt"
        path.write_text(invite.to_string() + "\n", encoding="utf-8")
        specs.append(LightVenueSpec(invite=str(path), net="lan", rtt_s=0.001, seed=len(specs)))
    group = LightGroup(
        LightGroupSpec(
            venues=specs, ice_addresses=ice, out=str(tmp_path / "group.json"), realtime=False
        )
    )
    group.build()
    return group


def _joined(events: Recorder, n: int) -> Callable[[object], bool]:
    def match(_: object) -> bool:
        joined = {
            e.venue_id
            for e in events.events
            if isinstance(e, VenueStatusChanged) and e.status is VenueStatus.JOINED
        }
        return len(joined) >= n

    return match


async def test_a_clip_track_sends_its_packets_looped_with_running_timestamps() -> None:
    clip = encode_clip("uji", VideoFormat(64, 48, 50), seconds=0.1)
    assert len(clip) == 5 and clip[0].is_keyframe
    track = ClipTrack(clip, 50)
    packets = [await track.recv() for _ in range(7)]
    assert [bytes(p) for p in packets] == [bytes(p) for p in clip + clip[:2]]
    assert [p.pts for p in packets] == [n * 1800 for n in range(7)]  # 90 kHz at 50 fps
    assert track.frames_sent == 7


async def test_light_venues_in_one_loop_take_the_program_from_janus_and_fire_together(
    tmp_path: Path, sheet: Runsheet, janus: JanusLab
) -> None:
    ice = [LOOPBACK, janus.host_address]
    sfu = SfuConfig.parse(f"janus://{janus.janus_address}:{janus.http_port}/78")
    async with _studio(tmp_path, sheet, sfu, ice) as (engine, events):
        venue_ids = [v.id for v in sheet.venues[:3]]
        group = _group(tmp_path, engine, venue_ids, ice)
        stop = asyncio.Event()
        running = asyncio.create_task(group.run(stop))
        try:
            await events.wait(_joined(events, 3), timeout=20)
            await _until(
                lambda: all(link.counters.program_frames >= 10 for link in group.links),
                20,
                "ten program frames at every light venue",
            )
            # The studio sent none of them a picture itself: Janus did.
            assert [t.venue_id for t in engine.bus._tracks] == [SFU_FEED_ID]
            assert all(link.state is LinkState.CONNECTED for link in group.links)
            # Their cameras (the pre-encoded clip) reach the studio as any venue's would.
            await _until(
                lambda: all(engine.venues[v].video_frames > 0 for v in venue_ids),
                10,
                "the clip decoded at the studio",
            )
            engine.arm_countdown(5.0, venue_ids, title="uji")
            await _until(
                lambda: all(v.fired_true is not None for v in engine.countdown.venues.values()),
                15,
                "every light venue reporting its fire",
            )
        finally:
            stop.set()
            await running
        fired = [v.fired_true for v in engine.countdown.venues.values()]
        fire_at = engine.countdown.fire_at
        assert fire_at is not None
        # A real countdown on a shared, loaded machine: each within a few ms of the instant.
        assert all(abs(t - fire_at) < 0.05 for t in fired if t is not None)


async def test_a_cascaded_janus_carries_the_program_to_the_venues_sent_there(
    tmp_path: Path, sheet: Runsheet, janus: JanusLab
) -> None:
    second = janus.second_instance()
    try:
        ice = [LOOPBACK, janus.host_address]
        sfu = SfuConfig.parse(
            f"janus://{janus.janus_address}:{janus.http_port}/79",
            cascade=[f"janus://{second.janus_address}:{second.http_port}"],
        )
        async with _studio(tmp_path, sheet, sfu, ice) as (engine, events):
            assert engine.sfu is not None
            venue_ids = [v.id for v in sheet.venues[:2]]
            group = _group(tmp_path, engine, venue_ids, ice)
            stop = asyncio.Event()
            running = asyncio.create_task(group.run(stop))
            try:
                await events.wait(_joined(events, 2), timeout=20)
                await _until(
                    lambda: all(link.counters.program_frames >= 10 for link in group.links),
                    20,
                    "ten program frames at each venue, from either Janus",
                )
            finally:
                stop.set()
                await running
            urls = {
                link.welcome.sfu.url for link in group.links if link.welcome and link.welcome.sfu
            }
            assert urls == {janus.url, second.url}  # one venue on each instance
            assert {engine.sfu.instance_of(v) for v in venue_ids} == urls
    finally:
        second.close()


async def test_an_unreachable_cascade_instance_leaves_every_venue_on_the_first(
    tmp_path: Path, sheet: Runsheet, janus: JanusLab
) -> None:
    ice = [LOOPBACK, janus.host_address]
    sfu = SfuConfig.parse(
        f"janus://{janus.janus_address}:{janus.http_port}/80",
        cascade=[f"janus://{LOOPBACK}:{free_port()}"],
    )
    async with _studio(tmp_path, sheet, sfu, ice) as (engine, _):
        assert engine.sfu is not None  # the program still goes through the first Janus
        assert len(engine.sfu.cascade_problems) == 1
        assert "SFU cascade left out" in engine.device_problems["sfu"]  # said on the desk
        routes = [engine.sfu.route(v.id) for v in sheet.venues[:3]]
        assert {r.url for r in routes if r} == {janus.url}
