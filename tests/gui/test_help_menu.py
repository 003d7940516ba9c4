"""Help → Save diagnostics… and Help → About, in both windows (offscreen)."""

from __future__ import annotations

import logging
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from ceremony.invite import Invite
from ceremony.invite_link import invite_url
from launcher.logs import LogSetup, setup_logging
from media import runsheet_files
from media.identity import ensure_identity
from media.version import version
from tests.gui.fake_engine import FakeEngine
from tests.gui.test_console import console, engine, sheet  # noqa: F401 - fixtures
from tests.unit.conftest import SAMPLE
from ui.bridge import LinkHost
from ui.console.window import ConsoleWindow
from ui.venue.window import VenueWindow

pytestmark = pytest.mark.gui


@pytest.fixture
def logs(tmp_path: Path) -> Iterator[LogSetup]:
    setup = setup_logging(tmp_path / "logs", "test", crash_traces=False)
    yield setup
    setup.close()


def zip_bytes(path: Path) -> bytes:
    with zipfile.ZipFile(path) as z:
        return b"".join(z.read(name) for name in z.namelist())


def never_started(invite: Invite, devices: object) -> object:
    raise AssertionError("not joined in this test")


def test_venue_saves_diagnostics_without_the_invite(
    qtbot: QtBot, tmp_path: Path, logs: LogSetup
) -> None:
    identity = ensure_identity(tmp_path / "studio", ["127.0.0.1"])
    invite = identity.invite(
        runsheet_files.load(SAMPLE), "kota-cirebon", ["127.0.0.1:9"], time.time() + 3600
    )
    settings = QSettings(str(tmp_path / "venue.ini"), QSettings.Format.IniFormat)
    settings.setValue("venue/contact", "Budi 0812")
    window = VenueWindow(never_started, settings, invite_url(invite.to_string()))  # type: ignore[arg-type]
    qtbot.addWidget(window)
    assert window.join_page.invite == invite  # the link filled the join screen
    logging.getLogger("test").warning("crew pasted %s", invite.to_string())
    menu = window.help_menu
    assert [a.text() for a in menu.menu.actions()] == ["Save diagnostics…", "About"]
    out = tmp_path / "help" / "venue-diag"
    menu.choose_path = lambda suggested: out
    written = menu.save_diagnostics()
    assert written == out.with_name("venue-diag.zip")
    assert menu.message is not None and str(written) in menu.message.text()
    blob = zip_bytes(written)
    assert invite.token.encode() not in blob
    assert invite.to_string()[10:60].encode() not in blob
    assert identity.secret not in blob and identity.secret.hex().encode() not in blob
    assert b"PRIVATE KEY" not in blob
    assert b"crew pasted <hidden>" in blob and b"Budi 0812" in blob
    menu.show_about()
    assert version() in menu.message.text() and "source" in menu.message.text()


def test_console_diagnostics_have_link_stats_and_no_studio_secret(
    qtbot: QtBot,
    tmp_path: Path,
    logs: LogSetup,
    console: tuple[ConsoleWindow, LinkHost, FakeEngine],  # noqa: F811 - the fixture
) -> None:
    window, _host, _venue = console
    menu = window.help_menu
    menu.sample()  # the timer samples every 2 s; the test does not wait for it
    menu.choose_path = lambda suggested: tmp_path / "studio-diag.zip"
    written = menu.save_diagnostics()
    assert written is not None
    with zipfile.ZipFile(written) as z:
        stats = z.read("link-stats.json").decode()
    assert "kota-cirebon" in stats and "rtt_ms" in stats
    blob = zip_bytes(written)
    secret = (tmp_path / "studio" / "studio-secret").read_bytes()
    key = (tmp_path / "studio" / "studio-key.pem").read_text(encoding="utf-8")
    key_body = "".join(key.splitlines()[1:-1])
    assert secret not in blob and secret.hex().encode() not in blob
    assert key_body[:40].encode() not in blob
    assert b"PRIVATE KEY" not in blob


def test_help_menu_follows_the_language(qtbot: QtBot, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QApplication

    from ui.i18n import Language

    settings = QSettings(str(tmp_path / "venue.ini"), QSettings.Format.IniFormat)
    window = VenueWindow(never_started, settings)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    language = Language(QApplication.instance())  # type: ignore[arg-type]
    try:
        assert language.use("id")
        qtbot.waitUntil(lambda: window.help_menu.menu.title() == "Bantuan")
        assert window.help_menu.save_action.text() == "Simpan diagnostik…"
    finally:
        language.use("en")
    qtbot.waitUntil(lambda: window.help_menu.menu.title() == "Help")


def test_message_box_buttons_speak_indonesian(qtbot: QtBot) -> None:
    """Qt has no Indonesian for its standard buttons; every question of ours names them."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    from ui.i18n import Language
    from ui.widgets.question import name_buttons

    buttons = QMessageBox.StandardButton
    box = QMessageBox(QMessageBox.Icon.Question, "t", "x", buttons.Discard | buttons.Cancel)
    language = Language(QApplication.instance())  # type: ignore[arg-type]
    try:
        assert language.use("id")
        name_buttons(box)
        assert box.button(buttons.Discard).text() == "Buang"
        assert box.button(buttons.Cancel).text() == "Batal"
    finally:
        language.use("en")
    name_buttons(box)
    assert box.button(buttons.Cancel).text() == "Cancel"
