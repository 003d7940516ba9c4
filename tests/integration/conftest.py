"""A real studio engine on loopback with real aiortc venue links, in one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ceremony.invite import Invite
from ceremony.runsheet import Runsheet
from launcher.demo import free_port
from launcher.janus_lab import JanusLab
from launcher.janus_lab import available as janus_available
from media import runsheet_files
from media.ice import pin_host_addresses
from media.identity import StudioIdentity, ensure_identity
from media.program import VideoFormat
from media.sources import PacedVideoTrack, TestPattern, ToneTrack
from media.studio import StudioConfig, StudioEngine
from media.venue import VenueConfig, VenueLink
from tests.unit.conftest import SAMPLE

LOOPBACK = "127.0.0.1"
SMALL = VideoFormat(160, 96, 10)  # keeps the tests light on a 2-core machine


@dataclass
class Recorder:
    """Collects events and lets a test await one that matches, with a timeout."""

    events: list[Any] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def __call__(self, event: Any) -> None:
        self.events.append(event)
        self._changed.set()

    async def wait(self, predicate: Callable[[Any], bool], timeout: float = 10.0) -> Any:
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for event in self.events[seen:]:
                if predicate(event):
                    return event
            seen = len(self.events)
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no matching event within {timeout} s; got {self.events}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=left)


@dataclass
class Studio:
    engine: StudioEngine
    identity: StudioIdentity
    sheet: Runsheet
    port: int
    events: Recorder

    def invite(self, venue_id: str, *, expires_in: float = 3600.0) -> Invite:
        return self.identity.invite(
            self.sheet, venue_id, [f"{LOOPBACK}:{self.port}"], time.time() + expires_in
        )

    def link(self, invite: Invite, config: VenueConfig | None = None) -> tuple[VenueLink, Recorder]:
        link = VenueLink(
            invite,
            config or VenueConfig(program_sound=False),
            lambda: PacedVideoTrack(
                TestPattern(invite.venue_name, SMALL.width, SMALL.height), SMALL.fps
            ),
            ToneTrack,
        )
        recorder = Recorder()
        link.subscribe(recorder)
        return link, recorder


@pytest.fixture(scope="session")
def janus() -> Iterator[JanusLab]:
    """One real Janus in a namespace of its own for the whole run (see launcher/janus_lab.py);
    the tests that use it skip, saying why, where it cannot run (not root, no janus)."""
    why = janus_available()
    if why is not None:
        pytest.skip(why)
    with JanusLab(index=1) as lab:
        yield lab


@pytest.fixture
def sheet() -> Runsheet:
    return runsheet_files.load(SAMPLE).scaled(600)


@asynccontextmanager
async def studio_on_loopback(
    tmp_path: Path, sheet: Runsheet, **config: Any
) -> AsyncIterator[Studio]:
    """A started studio engine on 127.0.0.1 (ICE pinned there), stopped on the way out."""
    pin_host_addresses([LOOPBACK])
    identity = ensure_identity(tmp_path / "studio", [LOOPBACK])
    port = free_port()
    engine = StudioEngine(
        sheet,
        identity,
        StudioConfig(host=LOOPBACK, port=port, program=SMALL, **config),
        tmp_path / "journal.jsonl",
    )
    events = Recorder()
    engine.subscribe(events)
    await engine.start()
    try:
        yield Studio(engine, identity, sheet, port, events)
    finally:
        await engine.stop()
        pin_host_addresses(None)


@pytest.fixture
async def studio(tmp_path: Path, sheet: Runsheet) -> AsyncIterator[Studio]:
    async with studio_on_loopback(tmp_path, sheet, record_dir=tmp_path / "rec") as running:
        yield running
