"""Starting the studio console: the Qt application, language, settings and the engine thread."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from ceremony.runsheet import Runsheet
from media.studio import StudioEngine
from ui.appbase import screenshot_later, start_app
from ui.bridge import EngineHost
from ui.console.window import ConsoleWindow

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
) -> int:
    app, settings, lang = start_app(settings_path, language)
    host = EngineHost(make_engine, after_start=after_start, on_stop=on_stop)
    window = ConsoleWindow(host, sheet, settings, lang)
    window.resize(1600, 1000)
    host.start()
    window.show()
    screenshot_later(window, screenshot, after_s)
    code = app.exec()
    stopped = host.stop()
    settings.sync()
    if not stopped:
        log.error("leaving with the engine thread still running")
    return code


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
