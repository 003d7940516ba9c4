"""`ceremony screenshots --out docs`: the venue app's screens, taken from the real windows.

A headless studio engine runs on its own thread (as in production), a real venue link joins it
over loopback, and the venue window is captured at three moments: the join screen, the live
screen while the venue is on air, and the countdown at 3 s (then the inaugurated screen). Run it
under Xvfb (`xvfb-run -a ceremony screenshots`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from ceremony import runsheet
from ceremony.sequencer import commands as cmd
from launcher.demo import LOOPBACK, fit_venues, free_port
from launcher.live import make_venue_link
from launcher.paths import Paths
from media.ice import pin_host_addresses
from media.identity import ensure_identity
from media.program import VideoFormat
from media.studio import StudioConfig, StudioEngine
from media.venue import VenueConfig
from ui.bridge import EngineHost
from ui.i18n import Language
from ui.venue.app import venue_window

log = logging.getLogger(__name__)

CIREBON = "kota-cirebon"


def take(out: Path, language: str = "id", timeout_s: float = 90.0) -> int:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    Language(app).use(language)
    pin_host_addresses([LOOPBACK])
    out.mkdir(parents=True, exist_ok=True)
    work = out / ".screenshots-work"
    sheet = fit_venues(runsheet.load(Paths.default().sample_runsheet()), 11).scaled(1800)
    identity = ensure_identity(work / "studio", [LOOPBACK])
    port = free_port()
    config = StudioConfig(host=LOOPBACK, port=port)
    host = EngineHost(lambda: StudioEngine(sheet, identity, config, work / "journal.jsonl"))
    host.start()
    if not host.wait_started():
        raise RuntimeError("the studio engine did not start")
    invite = identity.invite(sheet, CIREBON, [f"{LOOPBACK}:{port}"], time.time() + 3600)
    settings = QSettings(str(work / "venue.ini"), QSettings.Format.IniFormat)
    window = venue_window(
        lambda inv, _devices: make_venue_link(
            inv, video=VideoFormat(320, 180, 15), config=VenueConfig(program_sound=False)
        ),
        settings,
        invite.to_string(),
    )
    window.resize(1366, 768)
    window.show()
    taken: list[Path] = []

    def shot(name: str) -> None:
        path = out / name
        window.grab().save(str(path))
        taken.append(path)
        log.info("saved %s", path)

    program = window.live_page.program
    on_air_since: list[float] = []

    def joined() -> bool:
        return window.host is not None and window.host.view().welcome is not None

    def on_air() -> bool:
        """On air long enough for the venue's own picture to have come back as the program."""
        view = window.host.view() if window.host else None
        if not (view and view.program and view.program.tally.value == "on_air"):
            return False
        if not on_air_since:
            on_air_since.append(time.monotonic())
        return time.monotonic() - on_air_since[0] > 2.5 and program.image is not None

    def join() -> None:
        shot("venue-join.png")
        window.join_page.join.click()

    def go_on_air() -> None:
        host.command(cmd.Jump(3))  # the Wali Kota of Cirebon reports: this venue is on air

    def live() -> None:
        shot("venue-live-on-air.png")
        host.arm_countdown(6.0)

    steps: list[tuple[str, Callable[[], bool], Callable[[], None]]] = [
        ("join", lambda: True, join),
        ("joined", joined, go_on_air),
        ("on air", on_air, live),
        (
            "countdown 3",
            lambda: program.countdown_text() == "3",
            lambda: shot("venue-countdown-3.png"),
        ),
        ("inaugurated", program.inaugurated, lambda: shot("venue-diresmikan.png")),
    ]
    deadline = time.monotonic() + timeout_s

    def advance() -> None:
        if not steps:
            window.close()
            return
        if time.monotonic() > deadline:
            log.error("screenshots: gave up waiting for %r", steps[0][0])
            window.close()
            return
        _, ready, act = steps[0]
        if ready():
            steps.pop(0)
            act()
        QTimer.singleShot(20, advance)

    QTimer.singleShot(1500, advance)
    app.exec()
    window.shutdown()
    host.stop()
    print("\n".join(str(p) for p in taken))
    return 0 if len(taken) == 4 else 1
