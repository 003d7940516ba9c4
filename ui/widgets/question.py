"""A yes/no question that does not block the window, with its buttons in the user's language.

Qt ships no Indonesian translation of its own standard buttons ("Yes", "No"), so the question
names them itself. The answer arrives through `on_yes`; No is the default (Enter, Esc).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox, QWidget

YES, NO = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No


def name_buttons(box: QMessageBox) -> None:
    """Give the box's standard buttons texts in the user's language (Qt has none in Indonesian)."""
    names = {
        QMessageBox.StandardButton.Yes: QCoreApplication.translate("Question", "Yes"),
        QMessageBox.StandardButton.No: QCoreApplication.translate("Question", "No"),
        QMessageBox.StandardButton.Cancel: QCoreApplication.translate("Question", "Cancel"),
        QMessageBox.StandardButton.Discard: QCoreApplication.translate("Question", "Discard"),
        QMessageBox.StandardButton.Ok: QCoreApplication.translate("Question", "OK"),
    }
    for which, text in names.items():
        button = box.button(which)
        if button is not None:
            button.setText(text)


def ask(parent: QWidget, title: str, text: str, on_yes: Callable[[], None]) -> QMessageBox:
    """Open the question (window-modal, not blocking) and return it; `on_yes` on Yes."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, YES | NO, parent)
    name_buttons(box)
    box.setDefaultButton(NO)

    def answered(result: int) -> None:
        if result == YES.value:
            on_yes()

    box.finished.connect(answered)
    box.open()
    return box
