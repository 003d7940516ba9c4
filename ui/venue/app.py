"""Starting the venue app: Qt, language, settings, and the link once the crew joins."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings

from ceremony.invite import Invite
from media.venue import VenueLink
from ui.appbase import screenshot_later, start_app
from ui.venue.host import VenueHost
from ui.venue.window import Devices, Host, VenueWindow

log = logging.getLogger(__name__)


def venue_window(
    make_link: Callable[[Invite, Devices], VenueLink], settings: QSettings, invite_text: str = ""
) -> VenueWindow:
    """The crew's window with the link in this process (tests, screenshots); joining starts a
    VenueHost running `make_link(invite, devices)`."""
    return VenueWindow(
        lambda invite, devices: VenueHost(lambda: make_link(invite, devices)),
        settings,
        invite_text,
    )


def run_venue_app(
    make_host: Callable[[Invite, Devices], Host],
    settings_path: Path,
    *,
    running: Callable[[], Host | None] = lambda: None,
    invite_text: str = "",
    join_at_once: bool = False,
    screenshot: Path | None = None,
    after_s: float = 10.0,
    language: str | None = None,
) -> int:
    """`make_host` starts the link (its own process) when the crew joins; `running` finds a
    link still running from before (the app closed by a crash): the window attaches to it."""
    app, settings, _ = start_app(settings_path, language)
    window = VenueWindow(make_host, settings, invite_text)
    window.resize(1366, 768)  # the smallest laptop the crews bring
    window.show()
    still_running = running()
    if still_running is not None:
        log.info("a venue link still runs from before: attaching to it")
        window.attach(still_running)
    elif join_at_once and window.join_page.invite is not None:
        window.join_page.join.click()
    screenshot_later(window, screenshot, after_s)
    from ui.console.app import StopSignals  # noqa: PLC0415 - Ctrl+C/SIGTERM close it cleanly

    stops = StopSignals(window, confirm=False)
    code = app.exec()
    stops.uninstall()
    window.shutdown()
    settings.sync()
    return code
