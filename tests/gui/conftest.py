from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def indonesian(qtbot: QtBot) -> Iterator[None]:
    """The interface in Indonesian (the crews' language) for one test."""
    from PySide6.QtWidgets import QApplication

    from ui.i18n import Language

    app = QApplication.instance()
    assert app is not None
    language = Language(app)
    assert language.use("id"), "ui/i18n/ceremony_id.qm missing: run `make translations`"
    yield
    language.use("en")
