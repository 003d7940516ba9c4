"""The venue window attached to its link process (ui/venue/remote_host.py) against a fake link
behind the real window-link server (fake_venue_link.py): what the link says reaches the screen,
what the crew does reaches the link, a killed link is said and can be joined again."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from ceremony import venue_window as vw
from ceremony import wire
from ceremony.countdown import ArmState
from media.venue import LinkState, LinkStateChanged, MessageReceived, ProgramFrame
from media.venue_countdown import CountdownChanged
from tests.gui.fake_venue_link import TOKEN, FakeVenueLink
from tests.gui.test_venue_app import WELCOME, never_started
from tests.unit.conftest import INVITE
from ui.venue.remote_host import RemoteVenueHost
from ui.venue.window import VenueWindow

pytestmark = pytest.mark.gui


@pytest.fixture
def fake() -> Iterator[FakeVenueLink]:
    link = FakeVenueLink(INVITE)
    yield link
    link.close()


def window_on(qtbot: QtBot, tmp_path: Path, host: RemoteVenueHost) -> VenueWindow:
    settings = QSettings(str(tmp_path / "venue.ini"), QSettings.Format.IniFormat)
    window = VenueWindow(never_started, settings)
    qtbot.addWidget(window)
    window.resize(1000, 600)
    window.show()
    window.attach(host)
    return window


def grey_frame(width: int, height: int) -> av.VideoFrame:
    planes = np.full((height * 3 // 2, width), 128, dtype=np.uint8)
    return av.VideoFrame.from_ndarray(planes, format="yuv420p")


def test_the_window_shows_what_the_link_process_sends(
    qtbot: QtBot, tmp_path: Path, fake: FakeVenueLink
) -> None:
    host = RemoteVenueHost(fake.path, TOKEN)
    window = window_on(qtbot, tmp_path, host)
    deadline = time.monotonic() + 30.0  # the link's local deadline, on the shared clock
    fake.emit(LinkStateChanged(LinkState.CONNECTED))
    fake.emit(MessageReceived(WELCOME))
    program = wire.ProgramState(
        tally=wire.Tally.ON_AIR, item_index=2, item_count=8, item_title="Sambutan Walikota"
    )
    fake.emit(MessageReceived(program))
    fake.emit(CountdownChanged(1, ArmState.ARMED, deadline, 0.002))
    screen = window.live_page.program
    qtbot.waitUntil(lambda: screen.view.countdown_deadline is not None, timeout=5000)
    assert screen.view.countdown_deadline == deadline  # the same instant, not a copy of it
    assert screen.view.link is LinkState.CONNECTED and screen.view.program == program
    assert "Sambutan Walikota" in window.live_page.item.text()
    digits = screen.countdown_text()
    assert digits is not None and int(digits) in (29, 30)

    # The picture comes fitted to the program screen's size, converted off the GUI thread.
    fake.emit(ProgramFrame(grey_frame(320, 180)))
    qtbot.waitUntil(lambda: screen.image is not None, timeout=5000)
    assert screen.image is not None
    assert (screen.image.width(), screen.image.height()) == vw.fitted(
        320, 180, screen.width(), screen.height()
    )

    # What the crew does reaches the link (and the crew's own line comes back in the chat).
    window.live_page.contact.setText("Budi 0812")
    window.live_page.ready.setChecked(True)
    window.live_page.chat_text.setText("kami siap")
    window.live_page.chat_text.returnPressed.emit()
    qtbot.waitUntil(lambda: ("ready", (True, "Budi 0812")) in fake.link.said, timeout=5000)
    qtbot.waitUntil(
        lambda: any(
            kind == "send" and isinstance(m, wire.Chat) and m.text == "kami siap"
            for kind, m in fake.link.said
        ),
        timeout=5000,
    )
    qtbot.waitUntil(lambda: "kami siap" in window.live_page.chat_log.toPlainText(), timeout=5000)

    # Closing the app on purpose: the link leaves (and its process ends).
    window.shutdown()
    assert fake.left.wait(5)
    assert not host.is_lost


def test_a_killed_link_is_said_in_indonesian_and_can_be_joined_again(
    indonesian: None, qtbot: QtBot, tmp_path: Path, fake: FakeVenueLink
) -> None:
    started: list[FakeVenueLink] = []

    def spawn() -> FakeVenueLink:
        started.append(FakeVenueLink(INVITE, fake.path))
        return started[-1]

    # As the relaunched app attaches: to a link already running, that it can start again.
    host = RemoteVenueHost(fake.path, TOKEN, spawn, running=True)
    window = window_on(qtbot, tmp_path, host)
    fake.emit(LinkStateChanged(LinkState.CONNECTED))
    fake.emit(CountdownChanged(1, ArmState.ARMED, time.monotonic() + 30.0, 0.002))
    qtbot.waitUntil(lambda: window.live_page.program.countdown_text() is not None, timeout=5000)
    with qtbot.waitSignal(host.lost, timeout=5000):
        fake.die()
    qtbot.waitUntil(window.live_page.join_again.isVisible, timeout=5000)
    assert window.live_page.link.text().startswith("Sambungan ke studio di komputer ini berhenti")
    screen = window.live_page.program
    assert screen.link_banner() == "Sambungan ke studio di komputer ini berhenti"
    assert screen.countdown_text() is None  # no digits for a siren that will not sound

    window.live_page.join_again.click()
    qtbot.waitUntil(lambda: len(started) == 1 and bool(started[0].server.windows), timeout=5000)
    started[0].emit(LinkStateChanged(LinkState.CONNECTED))
    qtbot.waitUntil(lambda: "tersambung" in window.live_page.link.text(), timeout=5000)
    assert not host.is_lost and not window.live_page.join_again.isVisible()
    window.shutdown()
    started[0].close()


def test_a_link_that_ends_on_its_own_is_not_called_lost(
    qtbot: QtBot, tmp_path: Path, fake: FakeVenueLink
) -> None:
    host = RemoteVenueHost(fake.path, TOKEN)
    lost: list[bool] = []
    host.lost.connect(lambda: lost.append(True))
    window = window_on(qtbot, tmp_path, host)
    fake.emit(LinkStateChanged(LinkState.CONNECTED))
    qtbot.waitUntil(lambda: window.live_page.program.view.link is LinkState.CONNECTED)
    fake.emit(LinkStateChanged(LinkState.ENDED))
    fake.end(LinkState.ENDED)
    qtbot.waitUntil(
        lambda: host._client is None and window.live_page.program.view.link is LinkState.ENDED,
        timeout=5000,
    )
    assert window.live_page.item.text() == "The ceremony has ended"
    window.shutdown()  # joins the host's thread: whatever it made of the end is done
    assert not host.is_lost and lost == []


def test_a_window_with_the_wrong_token_is_refused(fake: FakeVenueLink) -> None:
    import asyncio

    from media.operator_link.client import LinkError
    from media.venue_window_client import WindowClient

    async def attach() -> None:
        await WindowClient.connect(fake.path, "not the token", "stranger")

    with pytest.raises(LinkError) as refused:
        asyncio.run(attach())
    assert refused.value.reason is not None and refused.value.reason.value == "bad_token"
    assert fake.server.windows == set()
