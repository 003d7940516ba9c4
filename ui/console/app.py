"""Starting the studio console: the Qt application, language, settings and the engine thread."""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QSocketNotifier, QTimer, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from ceremony.runsheet import Runsheet
from ceremony.runsheet.yaml_io import parse_yaml
from media.studio import StudioEngine
from ui.appbase import screenshot_later, start_app
from ui.bridge import EngineHost, LinkHost
from ui.console.window import ConsoleWindow
from ui.i18n import Language
from ui.widgets.question import ask, name_buttons

log = logging.getLogger(__name__)


def run_console(
    sheet: Runsheet,
    make_engine: Callable[[], StudioEngine],
    settings_path: Path,
    *,
    after_start: Callable[[StudioEngine], Coroutine[Any, Any, None]] | None = None,
    on_stop: Callable[[], None] | None = None,
    screenshot: Path | None = None,
    after_s: float = 10.0,
    language: str | None = None,
    rehearsal: bool = False,
    run_id: str = "",
    quit_after_run_s: float | None = None,
) -> int:
    """`quit_after_run_s`: close the console that long after `after_start` has finished (the
    demo under a display ends by itself)."""
    app, settings, lang = start_app(settings_path, language)
    finished = _Finished()
    start = after_start
    if after_start is not None and quit_after_run_s is not None:
        run_body = after_start

        async def then_quit(engine: StudioEngine) -> None:
            await run_body(engine)
            finished.done.emit()  # queued to the GUI thread

        start = then_quit
    host = EngineHost(make_engine, after_start=start, on_stop=on_stop)
    window = ConsoleWindow(host, sheet, settings, lang)
    window.set_run(run_id, rehearsal)
    window.resize(1600, 1000)
    if quit_after_run_s is not None:
        finished.done.connect(lambda: QTimer.singleShot(int(quit_after_run_s * 1000), window.close))
    window.ask_before_closing = not rehearsal  # closing the window ends a live run for everyone
    stops = StopSignals(window, confirm=not rehearsal)
    host.start()
    window.show()
    screenshot_later(window, screenshot, after_s)
    code = app.exec()
    stops.uninstall()
    stopped = host.stop()
    settings.sync()
    if not stopped:
        log.error("leaving with the engine thread still running")
    return code


def run_console_client(
    host: LinkHost,
    settings_path: Path,
    *,
    screenshot: Path | None = None,
    after_s: float = 10.0,
    language: str | None = None,
) -> int:
    """The console as a client of a running engine process (`host` not started yet). Closing
    it (or killing it) leaves the engine running; its "End the run" asks and stops the engine.
    Returns the exit status, or EXIT_NO_ENGINE when the engine could not be attached."""
    app, settings, lang = start_app(settings_path, language)
    host.start()
    if not host.wait_started(ATTACH_TIMEOUT_S) or host.welcome is None:
        host.stop()
        return EXIT_NO_ENGINE
    welcome = host.welcome
    sheet = parse_yaml(welcome.runsheet_yaml, "<the engine's run-sheet>")
    window = ConsoleWindow(host, sheet, settings, lang)
    window.set_run(welcome.run_id, welcome.rehearsal)
    window.resize(1600, 1000)
    window.go.setEnabled(True)
    stops = StopSignals(window, confirm=False)  # closing a client ends nothing
    window.show()
    screenshot_later(window, screenshot, after_s)
    code = app.exec()
    stops.uninstall()
    host.stop()
    settings.sync()
    return code


ATTACH_TIMEOUT_S = 10.0
EXIT_NO_ENGINE = 4


class _Finished(QObject):
    done = Signal()


class StopSignals(QObject):
    """SIGTERM and Ctrl+C reach the Qt event loop (Python's handlers alone would wait for the
    next Python call, which an idle Qt loop never makes): SIGTERM closes the console, and so
    ends the run cleanly; Ctrl+C does too, after asking when the run is live."""

    def __init__(self, window: QWidget, *, confirm: bool) -> None:
        super().__init__(window)
        self.window = window
        self.confirm = confirm
        self.asking: QMessageBox | None = None
        self._read, self._write = socket.socketpair()
        self._read.setblocking(False)
        self._write.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._write.fileno())
        self._previous = {
            sig: signal.signal(sig, lambda *_: None) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        self._notifier = QSocketNotifier(self._read.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_signal)

    def _on_signal(self) -> None:
        try:
            data = self._read.recv(64)
        except OSError:
            return
        for number in data:
            if number == signal.SIGTERM:
                self._close()
            elif number == signal.SIGINT:
                self.interrupt()

    def _close(self) -> None:
        """Close without the window asking again: the stop was asked for (SIGTERM) or agreed."""
        if isinstance(self.window, ConsoleWindow):
            self.window.close_confirmed = True
        self.window.close()

    def interrupt(self) -> None:
        if not self.confirm:
            self._close()
            return
        if self.asking is not None:  # a second Ctrl+C while asking: that is the answer
            self.asking.done(QMessageBox.StandardButton.Yes.value)
            return
        box = ask(
            self.window,
            QCoreApplication.translate("ConsoleStart", "End the ceremony?"),
            QCoreApplication.translate(
                "ConsoleStart",
                "This is the LIVE ceremony. End it now for every venue? Recordings and the "
                "journal are closed and the venues are told the ceremony has ended.",
            ),
            self._close,
        )
        self.asking = box
        box.finished.connect(self._forget_question)

    def _forget_question(self) -> None:
        self.asking = None

    def uninstall(self) -> None:
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._previous_fd)
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._read.close()
        self._write.close()


def _dialog_app(language: str) -> tuple[QApplication, Language]:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    lang = Language(app)
    lang.use(language)
    return app, lang


def ask_rehearsal(title: str, language: str) -> bool | None:
    """Before the run starts: rehearsal (True) or the live ceremony (False, the default);
    None when the operator closes the question."""
    _app, _lang = _dialog_app(language)
    box = QMessageBox(
        QMessageBox.Icon.Question,
        QCoreApplication.translate("ConsoleStart", "Start the ceremony"),
        title,
    )
    box.setInformativeText(
        QCoreApplication.translate(
            "ConsoleStart",
            "Is this run the LIVE ceremony (the official record) or a REHEARSAL (GLADI)?",
        )
    )
    live = box.addButton(
        QCoreApplication.translate("ConsoleStart", "LIVE ceremony"),
        QMessageBox.ButtonRole.AcceptRole,
    )
    rehearsal = box.addButton(
        QCoreApplication.translate("ConsoleStart", "REHEARSAL (GLADI)"),
        QMessageBox.ButtonRole.AcceptRole,
    )
    box.addButton(QMessageBox.StandardButton.Cancel)
    name_buttons(box)
    box.setDefaultButton(live)
    box.exec()
    _lang.use("en")  # the console installs its own translator next
    clicked = box.clickedButton()
    if clicked is live:
        return False
    if clicked is rehearsal:
        return True
    return None


def show_failure(text: str, language: str) -> None:
    """A reason the console cannot start, in a dialog (the same sentence the terminal shows)."""
    _app, _lang = _dialog_app(language)
    box = QMessageBox(
        QMessageBox.Icon.Critical,
        QCoreApplication.translate("ConsoleStart", "The studio cannot start"),
        text,
    )
    box.exec()
    _lang.use("en")


def remembered_runsheet(settings_path: Path) -> Path | None:
    """The run-sheet the console last opened or saved, if it is still there."""
    from PySide6.QtCore import QSettings  # noqa: PLC0415 - only the console needs Qt

    value = QSettings(str(settings_path), QSettings.Format.IniFormat).value("console/runsheet")
    path = Path(str(value)) if value else None
    return path if path is not None and path.is_file() else None


def remember_runsheet(settings_path: Path, path: Path) -> None:
    from PySide6.QtCore import QSettings  # noqa: PLC0415

    settings = QSettings(str(settings_path), QSettings.Format.IniFormat)
    settings.setValue("console/runsheet", str(path.resolve()))
    settings.sync()


def exit_now(code: int) -> None:
    """Leave without the interpreter's final garbage collection.

    With PySide6 6.12 and a busy console (eleven live tiles) that collection crashed the process
    ("none_dealloc" while finalizing) after everything had been stopped, closed and flushed. So
    the console flushes what is left and exits directly; journals and files are closed by then.
    """
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
