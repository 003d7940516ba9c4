"""The venue app's link as a process of its own: its window dies, the hall's siren and the
studio's fire report do not (issue 14). A real `ceremony venue --headless --window-link`
against a real studio on loopback; the window is a stand-in process that is SIGKILLed."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ceremony import venue_window as vw
from ceremony.countdown import ArmState
from media.remote.endpoint import load_token
from media.venue_window_client import WindowClient
from tests.integration.conftest import LOOPBACK, Studio
from tests.integration.procs import Proc, environment

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


async def test_window_killed_mid_countdown_the_link_fires_and_reports(
    studio: Studio, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    env = environment(home)
    invite_file = tmp_path / "cirebon.invite.txt"
    invite_file.write_text(studio.invite("kota-cirebon").to_string(), encoding="utf-8")
    venue = Proc(
        [
            "venue",
            "--headless",
            "--window-link",
            "--invite",
            str(invite_file),
            "--ice-address",
            LOOPBACK,
            "--video",
            "160x96@10",
            "--no-program-sound",
        ],
        env,
    )
    window: subprocess.Popen[str] | None = None
    try:
        line = await asyncio.to_thread(venue.wait_line, "window link: ", 60)
        path = Path(line.split("window link: ", 1)[1].strip())
        token = load_token(home / "data" / "control")
        assert (os.stat(path).st_mode & 0o777) == 0o600  # only the machine's owner
        window = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.window_standin", str(path), token],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        assert window.stdout is not None
        out = window.stdout

        async def window_says(text: str, timeout: float = 60.0) -> str:
            async def read() -> str:
                while True:
                    said = await asyncio.to_thread(out.readline)
                    assert said, f"the stand-in window ended before saying {text!r}"
                    if text in said:
                        return said

            return await asyncio.wait_for(read(), timeout)  # (its state comes 4 times a second)

        await window_says("attached to pid")
        await window_says("state connected")
        studio.engine.arm_countdown(lead_s=8.0, venue_ids=["kota-cirebon"])
        armed = await window_says("state connected armed")
        deadline = float(armed.split()[-1])  # the local deadline, on the shared monotonic clock
        window.kill()  # SIGKILL: the window's process ends with no word to the link
        await asyncio.to_thread(window.wait)
        view = studio.engine.countdown.venues["kota-cirebon"]
        await studio.events.wait(lambda e: view.state is ArmState.FIRED, timeout=20)
        assert view.fired_local is not None
        # Fired at the deadline the window was shown (gross: `ceremony bench sync` measures it).
        assert view.fired_local == pytest.approx(deadline, abs=1.0)
        assert venue.proc.poll() is None  # the link goes on without its window

        # The app relaunched attaches to the running link and sees what happened meanwhile.
        client = await WindowClient.connect(path, token, "relaunched window")
        states: asyncio.Queue[vw.VenueState] = asyncio.Queue()
        client.on_state = states.put_nowait
        reading = asyncio.ensure_future(client.run())
        while (await asyncio.wait_for(states.get(), 10)).countdown_state is not ArmState.FIRED:
            pass
        # Leave (the crew closes the app on purpose): the link's process ends too.
        await client.leave()
        assert await asyncio.to_thread(venue.wait, 30) == 0
        await asyncio.wait_for(reading, 10)
        assert client.ending is not None and client.ending.final.value == "stopped"
        assert not path.exists()
    finally:
        if window is not None:
            if window.poll() is None:
                window.kill()
            window.wait(10)
            if window.stdout is not None:
                window.stdout.close()
        venue.kill()
