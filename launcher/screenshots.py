"""`ceremony screenshots --out docs`: the venue app's screens, taken from the real windows.

A headless studio engine runs on its own thread (as in production), a real venue link joins it
over loopback, and the venue window is captured at each moment the crew must read right: the
join screen, the live screen while the venue is on air, the countdown at 3 s, the inaugurated
screen, the same with the studio gone quiet (the reconnect banner, also in the smallest window),
and the calm end after the studio closes. Run it under Xvfb (`xvfb-run -a ceremony screenshots`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from ceremony.sequencer import commands as cmd
from launcher.demo import LOOPBACK, fit_venues, free_port
from launcher.live import make_venue_link
from launcher.paths import Paths
from media import runsheet_files
from media.ice import pin_host_addresses
from media.identity import ensure_identity
from media.program import VideoFormat
from media.studio import StudioConfig, StudioEngine
from media.venue import LinkProblem, LinkState, VenueConfig
from ui.bridge import EngineHost
from ui.i18n import Language
from ui.venue.app import venue_window

log = logging.getLogger(__name__)

CIREBON = "kota-cirebon"
SHOTS = 7


def take(out: Path, language: str = "id", timeout_s: float = 90.0) -> int:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    Language(app).use(language)
    pin_host_addresses([LOOPBACK])
    out.mkdir(parents=True, exist_ok=True)
    work = out / ".screenshots-work"
    sheet = fit_venues(runsheet_files.load(Paths.default().sample_runsheet()), 11).scaled(1800)
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

    freeze = threading.Event()  # set: the frozen studio thaws
    normal_size = window.size()

    def link_is(state: LinkState, problem: LinkProblem | None = None) -> Callable[[], bool]:
        def check() -> bool:
            view = window.host.view() if window.host else None
            return (
                view is not None
                and view.link is state
                and (problem is None or view.problem is problem)
            )

        return check

    def inaugurated() -> None:
        shot("venue-diresmikan.png")
        # The studio's loop stops answering (a frozen studio PC, or the network gone): after
        # 3 s of silence the venue says so over the DIRESMIKAN screen, without covering it.
        host.call(lambda _engine: freeze.wait(60))

    def small() -> None:
        shot("venue-reconnecting.png")
        window.resize(window.minimumSizeHint())  # the smallest the crew can make it

    def thaw() -> None:
        shot("venue-reconnecting-small.png")
        window.resize(normal_size)
        freeze.set()

    def end() -> None:
        host.command(cmd.Jump(len(sheet.items) - 1))
        host.command(cmd.Go())  # past the last item: the ceremony has ended

    studio_closed: list[bool] = []

    def close_studio() -> None:
        host.stop()  # the operator closes the studio after the end
        studio_closed.append(True)

    steps: list[tuple[str, Callable[[], bool], Callable[[], None]]] = [
        ("join", lambda: True, join),
        ("joined", joined, go_on_air),
        ("on air", on_air, live),
        (
            "countdown 3",
            lambda: program.countdown_text() == "3",
            lambda: shot("venue-countdown-3.png"),
        ),
        ("inaugurated", program.inaugurated, inaugurated),
        ("reconnecting", settled(link_is(LinkState.RECONNECTING, LinkProblem.STUDIO_QUIET)), small),
        ("small window", settled(lambda: True), thaw),
        ("connected again", link_is(LinkState.CONNECTED), end),
        ("ended on the program", program.ended, close_studio),
        ("link ended", settled(link_is(LinkState.ENDED)), lambda: shot("venue-ended.png")),
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
    freeze.set()
    window.shutdown()
    if not studio_closed:
        host.stop()
    print("\n".join(str(p) for p in taken))
    return 0 if len(taken) == SHOTS else 1


def settled(ready: Callable[[], bool], after_s: float = 0.5) -> Callable[[], bool]:
    """True once `ready` has held for `after_s` (the window has repainted since it changed)."""
    since: list[float] = []

    def check() -> bool:
        if not ready():
            since.clear()
            return False
        if not since:
            since.append(time.monotonic())
        return time.monotonic() - since[0] >= after_s

    return check
