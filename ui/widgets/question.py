"""A yes/no question that does not block the window, with its buttons in the user's language.

Qt ships no Indonesian translation of its own standard buttons ("Yes", "No"), so the question
names them itself. The answer arrives through `on_yes`; No is the default (Enter, Esc).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox, QWidget

YES, NO = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No


def ask(parent: QWidget, title: str, text: str, on_yes: Callable[[], None]) -> QMessageBox:
    """Open the question (window-modal, not blocking) and return it; `on_yes` on Yes."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, YES | NO, parent)
    box.button(YES).setText(QCoreApplication.translate("Question", "Yes"))
    box.button(NO).setText(QCoreApplication.translate("Question", "No"))
    box.setDefaultButton(NO)

    def answered(result: int) -> None:
        if result == YES.value:
            on_yes()

    box.finished.connect(answered)
    box.open()
    return box
