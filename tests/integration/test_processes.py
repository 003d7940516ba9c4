"""Venues as real processes: `ceremony venue --headless` against a studio on loopback."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from launcher.demo import VenueProcess
from media.program import VideoFormat
from media.studio import VenueStatus, VenueStatusChanged
from tests.integration.conftest import LOOPBACK, Studio

pytestmark = pytest.mark.integration


def spawn_venue(invite_file: Path, log: Path) -> subprocess.Popen[bytes]:
    """A venue process started the way the demo starts them."""
    venue = VenueProcess("kota-cirebon", invite_file, log, VideoFormat(160, 96, 10))
    venue.spawn()
    assert venue.proc is not None
    return venue.proc


def status(venue: str, s: VenueStatus, after: int) -> Callable[[object], bool]:
    counter = {"n": 0}

    def match(e: object) -> bool:
        if isinstance(e, VenueStatusChanged) and e.venue_id == venue and e.status is s:
            counter["n"] += 1
            return counter["n"] > after
        return False

    return match


async def test_killed_venue_process_is_lost_then_rejoins(studio: Studio, tmp_path: Path) -> None:
    invite_file = tmp_path / "cirebon.invite.txt"
    invite_file.write_text(studio.invite("kota-cirebon").to_string(), encoding="utf-8")
    proc = spawn_venue(invite_file, tmp_path / "venue.log")
    try:
        await studio.events.wait(status("kota-cirebon", VenueStatus.JOINED, 0), timeout=30)
        killed = time.monotonic()
        proc.send_signal(signal.SIGKILL)
        await asyncio.to_thread(proc.wait)
        await studio.events.wait(status("kota-cirebon", VenueStatus.LOST, 0), timeout=5)
        assert time.monotonic() - killed < 3.0
        restarted = time.monotonic()
        proc = spawn_venue(invite_file, tmp_path / "venue.log")
        await studio.events.wait(status("kota-cirebon", VenueStatus.JOINED, 1), timeout=30)
        assert studio.engine.venues["kota-cirebon"].reconnects == 1
        assert time.monotonic() - restarted < 30
    finally:
        proc.kill()
        await asyncio.to_thread(proc.wait)


async def test_venue_with_damaged_invite_exits_with_a_clear_message(tmp_path: Path) -> None:
    out = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "launcher.cli", "venue", "--headless", "--invite", "CEREMONY1:%%"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 2
    assert "damaged" in out.stderr


async def test_refused_venue_process_exits_and_says_why(studio: Studio, tmp_path: Path) -> None:
    invite = studio.invite("kota-cirebon", expires_in=-60)
    invite_file = tmp_path / "old.invite.txt"
    invite_file.write_text(invite.to_string(), encoding="utf-8")
    out = await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            "-m",
            "launcher.cli",
            "venue",
            "--headless",
            "--invite",
            str(invite_file),
            "--ice-address",
            LOOPBACK,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 3
    assert "expired" in out.stdout
