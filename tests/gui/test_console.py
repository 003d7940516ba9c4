"""The studio console, offscreen, driving a real engine on loopback with a real venue link."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot

from ceremony import runsheet, wire
from ceremony.runsheet import Runsheet
from ceremony.sequencer import commands as cmd
from media.ice import pin_host_addresses
from media.identity import ensure_identity
from media.program import VideoFormat
from media.sources import PacedVideoTrack, TestPattern, ToneTrack
from media.studio import StudioConfig, StudioEngine
from media.venue import MessageReceived, VenueConfig, VenueLink
from tests.unit.conftest import SAMPLE
from ui.bridge import EngineHost, Snapshot
from ui.console.window import ConsoleWindow, _cell

pytestmark = pytest.mark.gui

SMALL = VideoFormat(160, 96, 10)


class VenueThread:
    """A real venue link on its own loop and thread, recording what the studio sends it."""

    def __init__(self, invite: object) -> None:
        self.messages: list[wire.Message] = []
        self.lock = threading.Lock()
        self.link: VenueLink | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread = threading.Thread(target=lambda: asyncio.run(self._main(invite)), daemon=True)
        self.thread.start()

    async def _main(self, invite: object) -> None:
        self.loop = asyncio.get_running_loop()
        self.link = VenueLink(
            invite,  # type: ignore[arg-type]
            VenueConfig(program_sound=False),
            lambda: PacedVideoTrack(TestPattern("v", SMALL.width, SMALL.height), SMALL.fps),
            ToneTrack,
        )
        self.link.subscribe(self._record)
        await self.link.run()

    def _record(self, event: object) -> None:
        if isinstance(event, MessageReceived):
            with self.lock:
                self.messages.append(event.message)

    def program_states(self) -> list[wire.ProgramState]:
        with self.lock:
            return [m for m in self.messages if isinstance(m, wire.ProgramState)]

    def stop(self) -> None:
        if self.loop and self.link:
            self.loop.call_soon_threadsafe(self.link.stop)
        self.thread.join(timeout=10)


@pytest.fixture
def sheet() -> Runsheet:
    return runsheet.load(SAMPLE).scaled(1200)


@pytest.fixture
def console(
    qtbot: QtBot, tmp_path: Path, sheet: Runsheet
) -> Iterator[tuple[ConsoleWindow, EngineHost, VenueThread]]:
    import socket

    pin_host_addresses(["127.0.0.1"])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    identity = ensure_identity(tmp_path / "studio", ["127.0.0.1"])
    config = StudioConfig(host="127.0.0.1", port=port, program=SMALL)
    host = EngineHost(lambda: StudioEngine(sheet, identity, config, tmp_path / "j.jsonl"))
    settings = QSettings(str(tmp_path / "console.ini"), QSettings.Format.IniFormat)
    window = ConsoleWindow(host, sheet, settings)
    qtbot.addWidget(window)
    with qtbot.waitSignal(host.started, timeout=15000):
        host.start()
    invite = identity.invite(sheet, "kota-cirebon", [f"127.0.0.1:{port}"], time.time() + 3600)
    venue = VenueThread(invite)
    window.show()
    qtbot.waitUntil(
        lambda: (
            window.last is not None
            and next(v for v in window.last.venues if v.id == "kota-cirebon").status == "joined"
        ),
        timeout=20000,
    )
    yield window, host, venue
    venue.stop()
    host.stop()
    pin_host_addresses(None)


def current(window: ConsoleWindow) -> int | None:
    assert window.last is not None
    return window.last.view.current


def test_go_advances_and_the_venue_receives_its_tally(
    qtbot: QtBot, console: tuple[ConsoleWindow, EngineHost, VenueThread]
) -> None:
    window, _, venue = console
    qtbot.keyClick(window, Qt.Key.Key_Space)  # type: ignore[no-untyped-call]  # GO: the opening starts
    qtbot.waitUntil(lambda: current(window) == 0, timeout=5000)
    window.items.selectRow(3)  # the Cirebon report
    window.jump.click()
    qtbot.waitUntil(lambda: current(window) == 3, timeout=5000)
    qtbot.waitUntil(
        lambda: any(
            s.tally is wire.Tally.ON_AIR and s.item_index == 3 for s in venue.program_states()
        ),
        timeout=5000,
    )
    assert _cell(window.items, 3, 2).background().color().name() == "#c62828"  # on air, in red
    # The Log tab is the journal as it grows: the GO and the jump are there.
    qtbot.waitUntil(lambda: "command go" in window.log_view.toPlainText(), timeout=5000)
    qtbot.waitUntil(lambda: "item_started" in window.log_view.toPlainText(), timeout=5000)


def test_double_press_is_refused_and_undo_restores(
    qtbot: QtBot, console: tuple[ConsoleWindow, EngineHost, VenueThread]
) -> None:
    window, host, _ = console
    first = host.command(cmd.Go())
    first.result(timeout=5)
    with qtbot.waitSignal(host.message, timeout=5000, check_params_cb=lambda k, t: k == "refused"):
        qtbot.keyClick(window, Qt.Key.Key_Space)  # type: ignore[no-untyped-call]  # within 500 ms of the first GO
    qtbot.waitUntil(lambda: current(window) == 0, timeout=5000)
    qtbot.waitUntil(lambda: "double_press" in window.status_line.text(), timeout=5000)
    qtbot.wait(600)  # past the double-press guard, as a real second press would be
    qtbot.keyClick(window, Qt.Key.Key_Space)  # type: ignore[no-untyped-call]
    qtbot.waitUntil(lambda: current(window) == 1, timeout=5000)
    qtbot.waitUntil(window.undo.isEnabled, timeout=5000)
    window.undo.click()
    qtbot.waitUntil(lambda: current(window) == 0, timeout=5000)


def test_countdown_refuses_a_short_lead(
    qtbot: QtBot, console: tuple[ConsoleWindow, EngineHost, VenueThread]
) -> None:
    window, host, _ = console
    assert window.lead.minimum() == 5.0  # the spin box will not go lower
    future = host.arm_countdown(2.0)
    with pytest.raises(Exception, match="minimum"):
        future.result(timeout=5)
    host.when_done(future, window._arm_done)  # the engine's refusal, said on the GUI thread
    qtbot.waitUntil(lambda: "minimum" in window.status_line.text(), timeout=5000)
    window.lead.setValue(8.0)
    window.arm.click()
    qtbot.waitUntil(lambda: "armed" in window.countdown_state.text(), timeout=10000)
    window.abort.click()
    qtbot.waitUntil(
        lambda: (
            window.last is not None
            and all(v.countdown_state in (None, "aborted") for v in window.last.venues)
        ),
        timeout=10000,
    )


def test_snapshot_shows_venue_figures(
    qtbot: QtBot, console: tuple[ConsoleWindow, EngineHost, VenueThread]
) -> None:
    window, _, _ = console
    qtbot.waitUntil(
        lambda: (
            _cell(window.board, 0, 1).text().startswith("JOINED")
            and _cell(window.board, 0, 4).text() not in ("", "0")  # its video, in fps
            and "/" in _cell(window.board, 0, 3).text()  # packet loss in/out, in %
        ),
        timeout=10000,
    )
    row = next(v for v in window.last.venues if v.id == "kota-cirebon")  # type: ignore[union-attr]
    assert row.loss_in_pct is not None and 0.0 <= row.loss_in_pct <= 100.0
    assert row.last_seen_s is not None and row.last_seen_s < 3.0
    snap = window.last
    assert isinstance(snap, Snapshot)
    lost = [v for v in snap.venues if v.status == "invited"]
    assert len(lost) == 10  # the ten other venues never joined in this test


def test_switching_language_retranslates_the_window(
    qtbot: QtBot, console: tuple[ConsoleWindow, EngineHost, VenueThread]
) -> None:
    from PySide6.QtWidgets import QApplication

    from ui.i18n import Language

    window, _, _ = console
    app = QApplication.instance()
    assert app is not None
    window.language = Language(app)
    window.set_language("id")
    assert window.go.text() == "LANJUT  (Spasi)"
    assert window.tabs.tabText(0) == "Hitung mundur"
    window.set_language("en")
    assert window.go.text() == "GO  (Space)"
    assert window.language_actions["en"].isChecked()


def test_protocol_tab_marks_notes_and_shows_the_recording(
    qtbot: QtBot, console: tuple[ConsoleWindow, EngineHost, VenueThread], tmp_path: Path
) -> None:
    window, host, _ = console
    assert host.start_recording().result(timeout=5) is False  # no folder set
    qtbot.waitUntil(lambda: "Not recording" in window.record_health.text(), timeout=5000)
    window.note_text.setText("Menteri tiba di studio")
    window._note()
    window.note_text.setText("Sirene")
    window._marker()
    engine = host.engine
    assert engine is not None
    journal = engine.journal_path
    qtbot.waitUntil(
        lambda: b"Menteri tiba" in journal.read_bytes() and b"marker" in journal.read_bytes(),
        timeout=5000,
    )


def test_an_edited_runsheet_is_taken_without_blocking_the_window(
    qtbot: QtBot, console: tuple[ConsoleWindow, EngineHost, VenueThread], sheet: Runsheet
) -> None:
    import dataclasses

    window, host, _ = console
    items = list(sheet.items)
    items[0] = dataclasses.replace(items[0], title="Pembukaan (diubah)")
    window._use_edited(dataclasses.replace(sheet, items=tuple(items)))
    qtbot.waitUntil(lambda: _cell(window.items, 0, 2).text() == "Pembukaan (diubah)", timeout=5000)
    assert host.engine is not None and host.engine.sheet.items[0].title == "Pembukaan (diubah)"

    other = dataclasses.replace(sheet, venues=sheet.venues[:2])  # venues cannot change live
    window._use_edited(other)
    qtbot.waitUntil(lambda: "not used now" in window.status_line.text(), timeout=5000)
    assert _cell(window.items, 0, 2).text() == "Pembukaan (diubah)"


def test_clicking_a_tile_puts_its_picture_in_the_preview_monitor(
    qtbot: QtBot, console: tuple[ConsoleWindow, EngineHost, VenueThread]
) -> None:
    window, _, _ = console
    qtbot.mouseClick(window.tiles["kota-cirebon"], Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    qtbot.waitUntil(lambda: "Kota Cirebon" in window.preview.title, timeout=5000)
    qtbot.waitUntil(lambda: window.preview.image is not None, timeout=5000)
    assert window.last is not None and window.last.preview == "kota-cirebon"
    tile = next(v for v in window.last.venues if v.id == "kota-cirebon")
    assert tile.tally == "preview"  # the venue's tally says so too


def test_tiles_get_pictures_at_their_own_size(
    qtbot: QtBot, console: tuple[ConsoleWindow, EngineHost, VenueThread]
) -> None:
    window, _, _ = console
    tile = window.tiles["kota-cirebon"]

    def fits() -> bool:
        image = tile.image
        return image is not None and (image.width(), image.height()) == tile.picture_size()

    qtbot.waitUntil(fits, timeout=5000)  # drawn as it comes: no scaling on the GUI thread
    tile.resize(tile.width() + 40, tile.height() + 20)
    qtbot.waitUntil(fits, timeout=5000)  # and again after the tile changed size
