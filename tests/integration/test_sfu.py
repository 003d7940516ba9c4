"""The program's picture through a real Janus: the studio publishes it once, venues take it
from the SFU, the studio sends them none itself; an SFU that is away is said and bypassed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from launcher.demo import free_port
from launcher.janus_lab import JanusLab
from media.ice import pin_host_addresses
from media.identity import ensure_identity
from media.sfu.program import SFU_FEED_ID, SfuConfig
from media.studio import StudioConfig, StudioEngine
from media.venue import LinkState, ProgramFrame
from tests.integration.conftest import LOOPBACK, SMALL, Recorder, Studio
from tests.integration.test_session import running, state

pytestmark = pytest.mark.integration


def _nth_program_frame(n: int) -> Callable[[object], bool]:
    seen = 0

    def match(event: object) -> bool:
        nonlocal seen
        seen += isinstance(event, ProgramFrame)
        return seen >= n

    return match


async def _studio(tmp_path: Path, sheet: object, sfu: SfuConfig) -> StudioEngine:
    identity = ensure_identity(tmp_path / "studio", [LOOPBACK])
    engine = StudioEngine(
        sheet,  # type: ignore[arg-type]
        identity,
        StudioConfig(host=LOOPBACK, port=free_port(), program=SMALL, sfu=sfu),
        tmp_path / "journal.jsonl",
    )
    await engine.start()
    return engine


@pytest.fixture
async def sfu_studio(tmp_path: Path, sheet: object, janus: JanusLab) -> AsyncIterator[Studio]:
    # Venues reach the studio on loopback and Janus over the lab's pair.
    pin_host_addresses([LOOPBACK, janus.host_address])
    engine = await _studio(
        tmp_path, sheet, SfuConfig.parse(f"janus://{janus.janus_address}:8088/77")
    )
    events = Recorder()
    engine.subscribe(events)
    try:
        yield Studio(engine, engine.identity, engine.sheet, engine.config.port, events)
    finally:
        await engine.stop()
        pin_host_addresses(None)


async def test_venues_take_the_program_picture_from_the_sfu(sfu_studio: Studio) -> None:
    engine = sfu_studio.engine
    assert engine.sfu is not None and engine.sfu.feed is not None
    links = [sfu_studio.link(sfu_studio.invite(v)) for v in ("kota-cirebon", "lokasi-02")]
    async with running(links[0][0]), running(links[1][0]):
        for link, events in links:
            await events.wait(state(LinkState.CONNECTED))
            assert link.welcome is not None and link.welcome.sfu is not None
            assert link.welcome.sfu.feed == engine.sfu.feed
        for _, events in links:
            await events.wait(_nth_program_frame(10), timeout=20)
        # Encoded once for Janus; no venue got a picture of its own from the studio.
        assert [t.venue_id for t in engine.bus._tracks] == [SFU_FEED_ID]


async def test_an_unreachable_sfu_is_said_and_the_program_goes_direct(
    tmp_path: Path, sheet: object
) -> None:
    pin_host_addresses([LOOPBACK])
    engine = await _studio(tmp_path, sheet, SfuConfig.parse(f"janus://{LOOPBACK}:{free_port()}"))
    try:
        assert engine.sfu is None
        assert "SFU unreachable" in engine.device_problems["sfu"]
    finally:
        await engine.stop()
        pin_host_addresses(None)
