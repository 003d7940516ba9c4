"""The console at the start and the end of a run: asked rehearsal or live, never ready without
an engine, a failure in a dialog, and Ctrl+C / SIGTERM ending the run (live: after asking)."""

from __future__ import annotations

import os
import signal
import socket
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from media import runsheet_files
from media.identity import ensure_identity
from media.program import VideoFormat
from media.studio import StudioConfig, StudioEngine
from tests.unit.conftest import SAMPLE
from ui.bridge import EngineHost
from ui.console.app import StopSignals, ask_rehearsal
from ui.console.window import ConsoleWindow

pytestmark = pytest.mark.gui

SMALL = VideoFormat(160, 96, 10)


def _visible_box() -> QMessageBox | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMessageBox) and widget.isVisible():
            return widget
    return None


def _click_later(label: str) -> None:
    """Press the button named `label` once the (modal) question is up."""

    def press() -> None:
        box = _visible_box()
        if box is None:
            QTimer.singleShot(20, press)
            return
        for button in box.findChildren(QPushButton):
            if button.text() == label:
                button.click()
                return
        raise AssertionError(f"no button {label!r} in {[b.text() for b in box.buttons()]}")

    QTimer.singleShot(0, press)


def test_the_console_asks_rehearsal_or_live_with_live_the_default(qtbot: QtBot) -> None:
    _click_later("GLADI (latihan)")
    assert ask_rehearsal("Upacara Uji", "id") is True
    _click_later("LIVE ceremony")
    assert ask_rehearsal("Upacara Uji", "en") is False

    def default() -> None:
        box = _visible_box()
        if box is None:
            QTimer.singleShot(20, default)
            return
        assert box.defaultButton().text() == "LIVE ceremony"
        box.defaultButton().click()

    QTimer.singleShot(0, default)
    assert ask_rehearsal("Upacara Uji", "en") is False


def test_a_console_without_an_engine_is_not_ready_and_says_why(
    qtbot: QtBot, tmp_path: Path
) -> None:
    sheet = runsheet_files.load(SAMPLE)
    identity = ensure_identity(tmp_path / "studio", ["127.0.0.1"])
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        config = StudioConfig(host="127.0.0.1", port=port, program=SMALL)
        host = EngineHost(lambda: StudioEngine(sheet, identity, config, tmp_path / "j.jsonl"))
        settings = QSettings(str(tmp_path / "console.ini"), QSettings.Format.IniFormat)
        window = ConsoleWindow(host, sheet, settings)
        qtbot.addWidget(window)
        window.show()
        assert not window.go.isEnabled()  # nothing behind it yet
        with qtbot.waitSignal(host.failed, timeout=15000):
            host.start()
        qtbot.waitUntil(lambda: _visible_box() is not None, timeout=5000)
        box = _visible_box()
        assert box is not None and "address already in use" in box.text()
        assert not window.go.isEnabled()
        box.close()
        host.stop()


def test_rehearsal_shows_on_the_console(qtbot: QtBot, tmp_path: Path) -> None:
    sheet = runsheet_files.load(SAMPLE)
    host = EngineHost(lambda: None)  # type: ignore[arg-type,return-value]  # never started
    window = ConsoleWindow(
        host, sheet, QSettings(str(tmp_path / "c.ini"), QSettings.Format.IniFormat)
    )
    qtbot.addWidget(window)
    window.set_run("20261220-083000", True)
    assert window.mode_label.text() == "REHEARSAL/GLADI · run 20261220-083000"
    assert window.windowTitle().startswith("[REHEARSAL/GLADI]")
    window.set_run("20261220-090000", False)
    assert window.mode_label.text() == "LIVE · run 20261220-090000"


def test_ctrl_c_asks_before_ending_a_live_run_and_sigterm_does_not(
    qtbot: QtBot, tmp_path: Path
) -> None:
    sheet = runsheet_files.load(SAMPLE)
    host = EngineHost(lambda: None)  # type: ignore[arg-type,return-value]
    window = ConsoleWindow(
        host, sheet, QSettings(str(tmp_path / "c.ini"), QSettings.Format.IniFormat)
    )
    qtbot.addWidget(window)
    window.show()
    before = signal.getsignal(signal.SIGINT)  # (ignored when started in a shell's background)
    stops = StopSignals(window, confirm=True)
    try:
        os.kill(os.getpid(), signal.SIGINT)
        qtbot.waitUntil(lambda: _visible_box() is not None, timeout=5000)
        assert window.isVisible()  # asked, not ended
        box = _visible_box()
        assert box is not None
        box.button(QMessageBox.StandardButton.No).click()
        qtbot.waitUntil(lambda: _visible_box() is None, timeout=5000)
        assert window.isVisible()
        os.kill(os.getpid(), signal.SIGINT)
        qtbot.waitUntil(lambda: _visible_box() is not None, timeout=5000)
        os.kill(os.getpid(), signal.SIGINT)  # a second Ctrl+C while asked: yes
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
        window.show()
        os.kill(os.getpid(), signal.SIGTERM)  # a shutdown does not ask
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    finally:
        stops.uninstall()
    assert signal.getsignal(signal.SIGINT) is before  # the handler it replaced is back


def test_a_startup_failure_is_shown_in_a_dialog(qtbot: QtBot) -> None:
    from ui.console.app import show_failure

    seen: list[str] = []

    def read_and_close() -> None:
        box = _visible_box()
        if box is None:
            QTimer.singleShot(20, read_and_close)
            return
        seen.extend([box.windowTitle(), box.text()])
        box.accept()

    QTimer.singleShot(0, read_and_close)
    show_failure("Port 8443 di 0.0.0.0 sudah dipakai program lain.", "id")
    assert seen == [
        "Studio tidak dapat dimulai",
        "Port 8443 di 0.0.0.0 sudah dipakai program lain.",
    ]


def test_closing_the_window_of_a_live_run_asks_first(qtbot: QtBot, tmp_path: Path) -> None:
    """The engine runs in the console's process: closing it ends the run for every venue."""
    sheet = runsheet_files.load(SAMPLE)
    host = EngineHost(lambda: None)  # type: ignore[arg-type,return-value]
    window = ConsoleWindow(
        host, sheet, QSettings(str(tmp_path / "c.ini"), QSettings.Format.IniFormat)
    )
    qtbot.addWidget(window)
    window.ask_before_closing = True
    window.show()
    window.close()
    qtbot.waitUntil(lambda: _visible_box() is not None, timeout=5000)
    assert window.isVisible()
    box = _visible_box()
    assert box is not None
    box.button(QMessageBox.StandardButton.No).click()
    qtbot.waitUntil(lambda: _visible_box() is None, timeout=5000)
    assert window.isVisible()  # still live
    window.close()
    qtbot.waitUntil(lambda: _visible_box() is not None, timeout=5000)
    box = _visible_box()
    assert box is not None
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    rehearsal = ConsoleWindow(
        host, sheet, QSettings(str(tmp_path / "r.ini"), QSettings.Format.IniFormat)
    )
    qtbot.addWidget(rehearsal)
    rehearsal.show()
    rehearsal.close()  # a rehearsal closes without a question
    assert not rehearsal.isVisible() and _visible_box() is None
