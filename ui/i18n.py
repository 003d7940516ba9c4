"""Interface language: Indonesian by default, English available; .ts sources in ui/i18n/."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

log = logging.getLogger(__name__)

I18N_DIR = Path(__file__).resolve().parent / "i18n"
LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}
DEFAULT_LANGUAGE = "id"


def system_language() -> str:
    name = QLocale.system().name().split("_")[0]
    return name if name in LANGUAGES else DEFAULT_LANGUAGE


class Language:
    """Installs the translator for one language at a time; switching re-translates windows."""

    def __init__(self, app: QCoreApplication) -> None:
        self._app = app
        self._translator: QTranslator | None = None
        self.current = "en"

    def use(self, code: str) -> bool:
        if self._translator is not None:
            self._app.removeTranslator(self._translator)
            self._translator = None
        self.current = code
        if code == "en":  # the source strings are English
            return True
        translator = QTranslator(self._app)
        qm = I18N_DIR / f"ceremony_{code}.qm"
        if not translator.load(str(qm)):
            log.warning("no compiled translation %s (run `make translations`)", qm)
            return False
        self._app.installTranslator(translator)
        self._translator = translator
        return True
