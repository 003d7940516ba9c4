"""The Help menu both windows share: Save diagnostics… (one zip for the help desk) and About.

A window adds it with one line: `install_help_menu(self, "venue", self.settings, stats)`, where
`stats` returns what the window already shows of the links (the console's venue rows, the venue's
view); it is sampled into a one-minute ring for the zip. The zip itself is made by
media.diagnostics, which hides invites, tokens and keys.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
import logging.handlers
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
from PySide6.QtCore import QEvent, QObject, QSettings, QStandardPaths, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox

from media.diagnostics import StatsRing, default_zip_name, write_diagnostics
from media.version import build, version
from ui.widgets.question import name_buttons

log = logging.getLogger(__name__)

SAMPLE_EVERY_MS = 2000


def plain(value: Any) -> Any:
    """Dataclasses, msgspec structs, enums and tuples as JSON-ready builtins."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, msgspec.Struct):
        return plain(msgspec.structs.asdict(value))
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)


def current_log_folder() -> Path | None:
    """The folder of the launcher's rotating log file, if the process has one."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.handlers.RotatingFileHandler):
            return Path(handler.baseFilename).parent
    return None


class HelpMenu(QObject):
    def __init__(
        self,
        window: QMainWindow,
        app: str,
        settings: QSettings | None,
        stats: Callable[[], Any] | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.app = app
        self.settings = settings
        self.stats = stats
        self.ring = StatsRing()
        self.menu = window.menuBar().addMenu("")
        self.save_action = QAction(window)
        self.save_action.triggered.connect(self.save_diagnostics)
        self.about_action = QAction(window)
        self.about_action.triggered.connect(self.show_about)
        self.menu.addAction(self.save_action)
        self.menu.addAction(self.about_action)
        # Tests answer the file dialog themselves; the message box is not modal-blocking.
        self.choose_path: Callable[[Path], Path | None] = self._ask_path
        self.message: QMessageBox | None = None
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.sample)
        if stats is not None:
            self._timer.start(SAMPLE_EVERY_MS)
        # The menu hears of a new language as its window does (Qt hands LanguageChange down to
        # every child), and hears little else: the window's own stream of events (repaints
        # forty times a second with live tiles) need not pass through Python here.
        self.menu.installEventFilter(self)
        self.retranslate()

    def retranslate(self) -> None:
        self.menu.setTitle(self.tr("Help"))
        self.save_action.setText(self.tr("Save diagnostics…"))
        self.about_action.setText(self.tr("About"))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.menu and event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        return False

    def sample(self) -> None:
        if self.stats is None:
            return
        try:
            value = self.stats()
        except Exception:  # the menu must never take a window down
            log.exception("reading link statistics for the diagnostics failed")
            return
        if value is not None:
            self.ring.add(time.monotonic(), {"stats": plain(value)})

    def _ask_path(self, suggested: Path) -> Path | None:
        chosen, _ = QFileDialog.getSaveFileName(
            self.window, self.tr("Save diagnostics"), str(suggested), "Zip (*.zip)"
        )
        return Path(chosen) if chosen else None

    def suggested_path(self) -> Path:
        folder = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DesktopLocation
        ) or str(Path.home())
        return Path(folder) / default_zip_name(self.app, time.time())

    def save_diagnostics(self) -> Path | None:
        out = self.choose_path(self.suggested_path())
        if out is None:
            return None
        if out.suffix.lower() != ".zip":
            out = out.with_name(out.name + ".zip")
        self.sample()
        settings_files = []
        if self.settings is not None:
            self.settings.sync()
            settings_files.append(Path(self.settings.fileName()))
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            written = write_diagnostics(
                out,
                app=self.app,
                logs_folder=current_log_folder(),
                settings_files=settings_files,
                stats=self.ring.recent(time.monotonic()) if self.stats is not None else None,
            )
        except OSError as exc:
            log.warning("cannot save diagnostics to %s: %s", out, exc)
            self._tell(self.tr("Could not save the diagnostics: ") + str(exc), warning=True)
            return None
        finally:
            QGuiApplication.restoreOverrideCursor()
        self._tell(
            self.tr("Diagnostics saved to:")
            + f"\n{written}\n\n"
            + self.tr("Send this file to the help desk. It holds no invite and no keys.")
        )
        return written

    def about_text(self) -> str:
        return self.tr("Ceremony {app}\nVersion {version}\nBuild {build}").format(
            app=self.app, version=version(), build=build()
        )

    def show_about(self) -> None:
        self._tell(self.about_text(), title=self.tr("About"))

    def _tell(self, text: str, *, warning: bool = False, title: str = "") -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Information,
            title or self.tr("Diagnostics"),
            text,
            QMessageBox.StandardButton.Ok,
            self.window,
        )
        name_buttons(box)
        box.open()  # window-modal, does not block the event loop (the links keep running)
        self.message = box


def install_help_menu(
    window: QMainWindow,
    app: str,
    settings: QSettings | None,
    stats: Callable[[], Any] | None = None,
) -> HelpMenu:
    return HelpMenu(window, app, settings, stats)
