"""`python -m launcher.console_screenshot --out docs --venues 100`: the studio console with many
venues, taken from the real window (run under Xvfb: `xvfb-run -a python -m ...`).

A real engine on loopback with a run-sheet of `--venues` venues; a few real venue links join
(one on air from a later page, one on preview, one that leaves and shows as lost); the rest
stay invited. The picture shows the multiviewer's first page with the on-air and preview
venues kept in view and the board with the troubled venues on top.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from ceremony.invite import Invite
from ceremony.runsheet import Source
from launcher.demo import LOOPBACK, fit_venues, free_port
from launcher.live import make_venue_link
from launcher.paths import Paths
from media import runsheet_files
from media.ice import pin_host_addresses
from media.identity import ensure_identity
from media.program import VideoFormat
from media.studio import StudioConfig, StudioEngine
from media.venue import VenueConfig, VenueLink
from ui.bridge import EngineHost
from ui.console.window import ConsoleWindow
from ui.i18n import Language

log = logging.getLogger(__name__)

TINY = VideoFormat(160, 90, 5)


class Venues:
    """Real venue links on one loop of their own thread."""

    def __init__(self, invites: list[Invite]) -> None:
        self.links: dict[str, VenueLink] = {}
        self.loop = asyncio.new_event_loop()
        self._invites = invites
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        for invite in self._invites:
            link = make_venue_link(
                invite, video=TINY, config=VenueConfig(program_sound=False), report=log.info
            )
            self.links[invite.venue_id] = link
            self.loop.create_task(link.run())
        self.loop.run_forever()

    def stop(self, venue_id: str | None = None) -> None:
        for vid, link in list(self.links.items()):
            if venue_id is None or vid == venue_id:
                self.loop.call_soon_threadsafe(link.stop)


def _wait(app: QApplication, ready: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        app.processEvents()
        if ready():
            return True
        time.sleep(0.02)  # a tool's wait for a real engine, not a test's synchronisation
    return False


def take(out: Path, venues: int = 100, language: str = "id") -> Path:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    Language(app).use(language)
    pin_host_addresses([LOOPBACK])
    work = out / ".screenshots-work"
    sheet = fit_venues(runsheet_files.load(Paths.default().sample_runsheet()), venues).scaled(1800)
    identity = ensure_identity(work / "studio", [LOOPBACK])
    port = free_port()
    config = StudioConfig(host=LOOPBACK, port=port, program=VideoFormat(640, 360, 15))
    host = EngineHost(lambda: StudioEngine(sheet, identity, config, work / "journal.jsonl"))
    settings = QSettings(str(work / "console.ini"), QSettings.Format.IniFormat)
    window = ConsoleWindow(host, sheet, settings)
    host.start()
    if not host.wait_started():
        raise RuntimeError("the studio engine did not start")
    ids = [v.id for v in sheet.venues]
    on_air, preview, lost = ids[min(47, len(ids) - 1)], ids[min(90, len(ids) - 1)], ids[5]
    joining = list(dict.fromkeys([ids[0], ids[1], ids[2], lost, on_air, preview]))
    links = Venues(
        [identity.invite(sheet, vid, [f"{LOOPBACK}:{port}"], time.time() + 3600) for vid in joining]
    )
    window.resize(1600, 1000)
    window.show()
    try:

        def status(vid: str) -> str:
            snap = window.last
            row = next((v for v in snap.venues if v.id == vid), None) if snap else None
            return row.status if row else ""

        if not _wait(app, lambda: all(status(v) == "joined" for v in joining), 60):
            log.warning("not every venue joined in time")
        links.stop(lost)
        host.preview(preview)
        host.take(Source.venue(on_air))
        _wait(app, lambda: status(lost) == "lost", 20)
        _wait(app, lambda: False, 3.0)  # pictures and meters settle
        path = out / f"console-{venues}-venues.png"
        window.grab().save(str(path))
        log.info("saved %s", path)
        return path
    finally:
        links.stop()
        with contextlib.suppress(Exception):
            host.stop()
        pin_host_addresses(None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs"))
    parser.add_argument("--venues", type=int, default=100)
    parser.add_argument("--language", default="id")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    print(take(args.out, args.venues, args.language))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
