"""What both windows need to start: the Qt application, settings, language, screenshots."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from ui.i18n import Language, system_language

log = logging.getLogger(__name__)


def start_app(
    settings_path: Path, language: str | None
) -> tuple[QApplication, QSettings, Language]:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    settings = QSettings(str(settings_path), QSettings.Format.IniFormat)
    lang = Language(app)
    lang.use(language or str(settings.value("language", system_language())))
    app.lastWindowClosed.connect(app.quit)
    return app, settings, lang


def screenshot_later(window: QWidget, path: Path | None, after_s: float) -> None:
    """Render the real window after `after_s` seconds, save a PNG, and close it."""
    if path is None:
        return

    def shoot() -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(path))
        log.info("screenshot saved to %s", path)
        window.close()

    QTimer.singleShot(int(after_s * 1000), shoot)
