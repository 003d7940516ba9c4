"""Starting the venue app: Qt, language, settings, and the link once the crew joins."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from ceremony.invite import Invite
from media.venue import VenueLink
from ui.i18n import Language, system_language
from ui.venue.host import VenueHost
from ui.venue.window import Devices, VenueWindow

log = logging.getLogger(__name__)


def run_venue_app(
    make_link: Callable[[Invite, Devices], VenueLink],
    settings_path: Path,
    *,
    invite_text: str = "",
    join_at_once: bool = False,
    screenshot: Path | None = None,
    after_s: float = 10.0,
    language: str | None = None,
) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    settings = QSettings(str(settings_path), QSettings.Format.IniFormat)
    Language(app).use(language or str(settings.value("language", system_language())))
    window = VenueWindow(
        lambda invite, devices: VenueHost(lambda: make_link(invite, devices)),
        settings,
        invite_text,
    )
    window.resize(1366, 768)  # the smallest laptop the crews bring
    window.show()
    if join_at_once and window.join_page.invite is not None:
        window.join_page.join.click()
    if screenshot is not None:

        def shoot() -> None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            window.grab().save(str(screenshot))
            window.close()

        QTimer.singleShot(int(after_s * 1000), shoot)
    app.lastWindowClosed.connect(app.quit)
    code = app.exec()
    window.shutdown()
    settings.sync()
    return code
