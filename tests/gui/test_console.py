"""The studio console, offscreen, as a client of the operator link.

Most tests drive the window against a fake engine speaking the real link (tests/gui/
fake_engine.py): the real server and socket, the core's sequencer with a clock the test moves.
One test attaches to a real `ceremony studio --headless` process, drops the console and attaches
again (tests/gui/test_console_attach.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QTableWidget, QTableWidgetItem
from pytestqt.qtbot import QtBot

from ceremony import operator as op
from ceremony.countdown import ArmState
from ceremony.journal import RecordKind
from ceremony.notes import Marker, OperatorControl, ProtocolNote, decode_note
from ceremony.runsheet import Runsheet
from ceremony.sequencer import commands as cmd
from ceremony.wire import Tally
from media import runsheet_files
from media.identity import ensure_identity
from media.journal_reader import read_journal
from tests.gui.fake_engine import FakeEngine, tally_of
from tests.unit.conftest import SAMPLE
from ui.bridge import LinkHost, Snapshot
from ui.console.window import ConsoleWindow

pytestmark = pytest.mark.gui

CIREBON = "kota-cirebon"
JOINED = {
    "status": "joined",
    "rtt_ms": 12.0,
    "video_fps": 15.0,
    "program_fps": 14.0,
    "loss_in_pct": 0.4,
    "loss_out_pct": 0.0,
    "last_seen_s": 0.2,
}


def _cell(table: QTableWidget, row: int, col: int) -> QTableWidgetItem:
    item = table.item(row, col)
    assert item is not None
    return item


@pytest.fixture
def sheet() -> Runsheet:
    return runsheet_files.load(SAMPLE).scaled(1200)


@pytest.fixture
def engine(tmp_path: Path, sheet: Runsheet) -> Iterator[FakeEngine]:
    ensure_identity(tmp_path / "studio", ["127.0.0.1"])  # what a studio machine holds
    fake = FakeEngine(sheet, tmp_path)
    fake.call(lambda b: b.venue_fields.__setitem__(CIREBON, dict(JOINED)))
    yield fake
    fake.close()


def open_console(
    qtbot: QtBot, engine: FakeEngine, sheet: Runsheet, tmp_path: Path, **host: object
) -> tuple[ConsoleWindow, LinkHost]:
    link_host = LinkHost(engine.path, engine.token, **host)  # type: ignore[arg-type]
    settings = QSettings(str(tmp_path / "console.ini"), QSettings.Format.IniFormat)
    window = ConsoleWindow(link_host, sheet, settings)
    qtbot.addWidget(window)
    with qtbot.waitSignal(link_host.started, timeout=5000):
        link_host.start()
    window.show()
    qtbot.waitUntil(lambda: window.last is not None, timeout=5000)
    return window, link_host


@pytest.fixture
def console(
    qtbot: QtBot, tmp_path: Path, sheet: Runsheet, engine: FakeEngine
) -> Iterator[tuple[ConsoleWindow, LinkHost, FakeEngine]]:
    window, link_host = open_console(qtbot, engine, sheet, tmp_path)
    yield window, link_host, engine
    link_host.stop()


def current(window: ConsoleWindow) -> int | None:
    assert window.last is not None
    return window.last.view.current


def test_go_and_jump_reach_the_engine_and_the_board_follows(
    qtbot: QtBot, console: tuple[ConsoleWindow, LinkHost, FakeEngine]
) -> None:
    window, _, engine = console
    assert window.go.isEnabled()
    qtbot.keyClick(window, Qt.Key.Key_Space)  # type: ignore[no-untyped-call]  # GO: the opening starts
    qtbot.waitUntil(lambda: current(window) == 0, timeout=5000)
    engine.call(lambda b: b.advance(1.0))
    window.items.selectRow(3)  # the Cirebon report
    window.jump.click()
    qtbot.waitUntil(lambda: current(window) == 3, timeout=5000)
    assert engine.call(lambda b: b.executed[-1]) == op.Sequence(cmd.Jump(3))
    qtbot.waitUntil(
        lambda: _cell(window.items, 3, 2).background().color().name() == "#c62828", timeout=5000
    )  # on air, in red
    assert window.last is not None and tally_of(window.last, CIREBON) is Tally.ON_AIR
    # The Log tab is the journal as it grows: the GO and the jump are there.
    qtbot.waitUntil(lambda: "command go" in window.log_view.toPlainText(), timeout=5000)
    qtbot.waitUntil(lambda: "item_started" in window.log_view.toPlainText(), timeout=5000)


def test_double_press_is_refused_and_undo_restores(
    qtbot: QtBot, console: tuple[ConsoleWindow, LinkHost, FakeEngine]
) -> None:
    window, host, engine = console
    assert host.command(cmd.Go()).result(timeout=5).ok
    engine.call(lambda b: b.advance(0.1))  # the engine's clock: a tenth of a second later
    with qtbot.waitSignal(host.message, timeout=5000, check_params_cb=lambda k, t: k == "refused"):
        qtbot.keyClick(window, Qt.Key.Key_Space)  # type: ignore[no-untyped-call]
    qtbot.waitUntil(lambda: "double_press" in window.status_line.text(), timeout=5000)
    assert current(window) == 0
    engine.call(lambda b: b.advance(1.0))  # past the double-press guard, without waiting
    qtbot.keyClick(window, Qt.Key.Key_Space)  # type: ignore[no-untyped-call]
    qtbot.waitUntil(lambda: current(window) == 1, timeout=5000)
    qtbot.waitUntil(window.undo.isEnabled, timeout=5000)
    window.undo.click()
    qtbot.waitUntil(lambda: current(window) == 0, timeout=5000)


def test_countdown_refusal_is_said_and_an_arm_shows(
    qtbot: QtBot, console: tuple[ConsoleWindow, LinkHost, FakeEngine]
) -> None:
    window, host, _ = console
    assert window.lead.minimum() == 5.0  # the spin box will not go lower
    future = host.arm_countdown(2.0)
    result = future.result(timeout=5)
    assert result.reason is op.RejectReason.COUNTDOWN and "minimum" in result.detail
    host.when_done(future, window._arm_done)  # the engine's refusal, said on the GUI thread
    qtbot.waitUntil(lambda: "minimum" in window.status_line.text(), timeout=5000)
    window.lead.setValue(8.0)
    window.arm.click()
    qtbot.waitUntil(lambda: "armed" in window.countdown_state.text(), timeout=5000)
    assert "1/11" in window.countdown_state.text()  # one venue joined and acked
    window.abort.click()
    qtbot.waitUntil(
        lambda: (
            window.last is not None
            and all(v.countdown_state in (None, ArmState.ABORTED) for v in window.last.venues)
        ),
        timeout=5000,
    )


def test_snapshot_shows_venue_figures(
    qtbot: QtBot, console: tuple[ConsoleWindow, LinkHost, FakeEngine]
) -> None:
    window, _, engine = console

    def row(venue_id: str) -> int:  # the board sorts troubled venues to the top
        return window.board.row_ids.index(venue_id)

    other = next(v for v in window.board.row_ids if v != CIREBON)
    assert _cell(window.board, row(CIREBON), 1).text() == "Joined"
    assert _cell(window.board, row(CIREBON), 2).text() == "12"
    assert _cell(window.board, row(CIREBON), 3).text() == "0.4/0.0"
    assert _cell(window.board, row(CIREBON), 4).text() == "15"
    assert _cell(window.board, row(other), 1).text() == "Invited"
    assert row(other) < row(CIREBON)  # a venue still waiting is listed above a well one
    engine.call(
        lambda b: b.venue_fields[CIREBON].update(status="lost", last_seen_s=7.0, reconnects=2)
    )
    qtbot.waitUntil(
        lambda: _cell(window.board, row(CIREBON), 1).text() == "Lost ↻2 · 7 s ago", timeout=5000
    )
    assert row(CIREBON) == 0  # the lost venue goes to the top
    # The engine learns which venues the multiviewer shows (through an SFU it takes only those).
    everyone = frozenset(window.board.row_ids)
    qtbot.waitUntil(lambda: engine.call(lambda b: b.shown_venues) == everyone, timeout=5000)
    assert _cell(window.board, 0, 0).background().color().name() == "#ffcdd2"
    snap = window.last
    assert isinstance(snap, Snapshot)
    assert [v.status for v in snap.venues].count("invited") == 10


def test_switching_language_retranslates_the_window(
    qtbot: QtBot, console: tuple[ConsoleWindow, LinkHost, FakeEngine]
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


def test_board_says_venue_states_in_indonesian(
    qtbot: QtBot, console: tuple[ConsoleWindow, LinkHost, FakeEngine]
) -> None:
    from PySide6.QtWidgets import QApplication

    from ui.i18n import Language

    window, _, engine = console
    app = QApplication.instance()
    assert app is not None
    window.language = Language(app)
    window.set_language("id")
    try:
        other = next(v for v in window.board.row_ids if v != CIREBON)

        def state(venue: str) -> str:
            return _cell(window.board, window.board.row_ids.index(venue), 1).text()

        qtbot.waitUntil(lambda: state(CIREBON) == "Tersambung", timeout=5000)
        assert state(other) == "Diundang"
        engine.call(lambda b: b.venue_fields[CIREBON].update(status="lost", last_seen_s=7.0))
        qtbot.waitUntil(lambda: state(CIREBON) == "Terputus · 7 dtk lalu", timeout=5000)
    finally:
        window.set_language("en")


def test_protocol_tab_marks_notes_and_says_why_it_does_not_record(
    qtbot: QtBot, console: tuple[ConsoleWindow, LinkHost, FakeEngine]
) -> None:
    window, host, engine = console
    refused = host.start_recording().result(timeout=5)
    assert refused.reason is op.RejectReason.RECORDING
    qtbot.waitUntil(lambda: "no recording folder" in window.status_line.text(), timeout=5000)
    assert "Not recording" in window.record_health.text()
    window.note_text.setText("Menteri tiba di studio")
    window._note()
    window.note_text.setText("Sirene")
    window._marker()

    def notes() -> list[object]:
        records = read_journal(engine.backend.journal).records
        return [decode_note(r.payload) for r in records if r.kind is RecordKind.NOTE]

    qtbot.waitUntil(
        lambda: (
            ProtocolNote(text="Menteri tiba di studio") in notes()
            and Marker(text="Sirene") in notes()
        ),
        timeout=5000,
    )


def test_an_edited_runsheet_is_taken_without_blocking_the_window(
    qtbot: QtBot, console: tuple[ConsoleWindow, LinkHost, FakeEngine], sheet: Runsheet
) -> None:
    window, _, engine = console
    items = list(sheet.items)
    items[0] = dataclasses.replace(items[0], title="Pembukaan (diubah)")
    window._use_edited(dataclasses.replace(sheet, items=tuple(items)))
    qtbot.waitUntil(lambda: _cell(window.items, 0, 2).text() == "Pembukaan (diubah)", timeout=5000)
    assert engine.call(lambda b: b.sheet.items[0].title) == "Pembukaan (diubah)"

    other = dataclasses.replace(sheet, venues=sheet.venues[:2])  # venues cannot change live
    window._use_edited(other)
    qtbot.waitUntil(lambda: "not used now" in window.status_line.text(), timeout=5000)
    assert _cell(window.items, 0, 2).text() == "Pembukaan (diubah)"


def test_an_edited_runsheets_refusal_is_said_once_by_the_window(
    console: tuple[ConsoleWindow, LinkHost, FakeEngine],
) -> None:
    """The window says "Saved, not used now"; the host's own "Refused" line for the same
    answer would race it for the status line (whichever the GUI thread took last won)."""
    _, host, _ = console
    said: list[tuple[str, str]] = []
    host.message.connect(lambda kind, text: said.append((kind, text)))
    refused = op.Result.refused("replace_runsheet", op.RejectReason.RUNSHEET, "other venues")
    host._said(op.ReplaceRunsheet("ceremony: {}"), refused)
    assert said == []
    host._said(op.AddMarker("Sirene"), refused)  # any other refusal is still said
    assert [kind for kind, _ in said] == ["refused"]


def test_clicking_a_tile_puts_its_picture_in_the_preview_monitor(
    qtbot: QtBot, console: tuple[ConsoleWindow, LinkHost, FakeEngine]
) -> None:
    window, _, engine = console
    qtbot.mouseClick(window.tiles[CIREBON], Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    qtbot.waitUntil(lambda: "Kota Cirebon" in window.preview.title, timeout=5000)
    qtbot.waitUntil(lambda: window.preview.image is not None, timeout=5000)
    assert engine.call(lambda b: b.chosen_preview) == CIREBON
    assert window.last is not None and window.last.preview == CIREBON
    assert tally_of(window.last, CIREBON) is Tally.PREVIEW  # the engine's rule, not the window's


def test_tiles_get_pictures_at_their_own_size(
    qtbot: QtBot, console: tuple[ConsoleWindow, LinkHost, FakeEngine]
) -> None:
    window, _, _ = console
    tile = window.tiles[CIREBON]

    def fits() -> bool:
        image = tile.image
        return image is not None and (image.width(), image.height()) == tile.picture_size()

    qtbot.waitUntil(fits, timeout=5000)  # drawn as it comes: no scaling on the GUI thread
    tile.resize(tile.width() + 40, tile.height() + 20)
    qtbot.waitUntil(fits, timeout=5000)  # and again after the tile changed size


def test_a_second_console_watches_until_it_takes_control(
    qtbot: QtBot,
    console: tuple[ConsoleWindow, LinkHost, FakeEngine],
    sheet: Runsheet,
    tmp_path: Path,
) -> None:
    first, _, engine = console
    watcher, watcher_host = open_console(
        qtbot, engine, sheet, tmp_path, want_control=False, name="officer"
    )
    try:
        qtbot.waitUntil(watcher.watch_bar.isVisible, timeout=5000)
        assert "has control" in watcher.watch_label.text()
        assert not first.watch_bar.isVisible()
        watcher.go.click()  # (the button: two windows, so keyboard focus is not the test's)
        qtbot.waitUntil(
            lambda: "another console is in control" in watcher.status_line.text(), timeout=5000
        )
        assert current(first) is None  # nothing happened
        watcher.take_control.click()
        qtbot.waitUntil(lambda: not watcher.watch_bar.isVisible(), timeout=5000)
        qtbot.waitUntil(first.watch_bar.isVisible, timeout=5000)
        assert "officer has control" in first.watch_label.text()
        watcher.go.click()
        qtbot.waitUntil(lambda: current(watcher) == 0, timeout=5000)
        records = read_journal(engine.backend.journal).records
        said = [decode_note(r.payload) for r in records if r.kind is RecordKind.NOTE]
        taken = [n for n in said if isinstance(n, OperatorControl) and n.action == "taken"]
        assert taken[-1].by == "officer"
    finally:
        watcher_host.stop()


def test_a_dropped_link_attaches_again_and_shows_the_live_state(
    qtbot: QtBot, console: tuple[ConsoleWindow, LinkHost, FakeEngine]
) -> None:
    window, host, engine = console
    attached = qtbot.waitSignal(
        host.message, timeout=5000, check_params_cb=lambda k, t: k == "link"
    )
    with attached, qtbot.waitSignal(host.detached, timeout=5000):
        engine.drop_clients()
    assert "again" in window.status_line.text()
    engine.call(lambda b: b.desk.apply(cmd.Go(), b.now))  # the run moves on meanwhile
    qtbot.waitUntil(lambda: current(window) == 0, timeout=2000)  # live state within 2 s
    assert window.go.isEnabled()
    assert not window.watch_bar.isVisible()  # the seat was free: control came back


def test_a_console_says_when_the_engine_it_attaches_to_resumed_the_run(
    qtbot: QtBot, tmp_path: Path, sheet: Runsheet, engine: FakeEngine
) -> None:
    """An engine restarted after a crash took the run over from its journal: a console that
    attaches to it says so (in the operator's language), once per engine, not on every
    hiccup of the link."""
    engine.call(lambda b: setattr(b, "resumed", 2))
    window, link_host = open_console(qtbot, engine, sheet, tmp_path)
    try:
        qtbot.waitUntil(lambda: "part 2" in window.status_line.text(), timeout=5000)
        assert window.status_line.text().startswith("Resuming the run")
        # The same engine, attached again after a hiccup: just "again".
        with qtbot.waitSignal(
            link_host.message, timeout=5000, check_params_cb=lambda k, t: k == "link"
        ):
            engine.drop_clients()
        assert window.status_line.text() == "Attached to the studio engine again."
    finally:
        link_host.stop()


def test_the_resumed_run_is_said_in_indonesian(
    qtbot: QtBot, tmp_path: Path, sheet: Runsheet, engine: FakeEngine
) -> None:
    from PySide6.QtWidgets import QApplication

    from ui.i18n import Language

    app = QApplication.instance()
    assert app is not None
    language = Language(app)
    assert language.use("id"), "ui/i18n/ceremony_id.qm missing: run `make translations`"
    engine.call(lambda b: setattr(b, "resumed", 3))
    try:
        window, link_host = open_console(qtbot, engine, sheet, tmp_path)
        qtbot.waitUntil(lambda: "bagian 3" in window.status_line.text(), timeout=5000)
        assert window.status_line.text().startswith("Melanjutkan acara")
        link_host.stop()
    finally:
        language.use("en")


def test_an_edited_runsheet_with_other_venues_is_refused_in_indonesian(
    qtbot: QtBot, tmp_path: Path, sheet: Runsheet, engine: FakeEngine
) -> None:
    """The engine's own refusal is in English; the window says it in the operator's language
    and keeps the run-sheet it has."""
    from PySide6.QtWidgets import QApplication

    from ui.i18n import Language

    app = QApplication.instance()
    assert app is not None
    language = Language(app)
    assert language.use("id"), "ui/i18n/ceremony_id.qm missing: run `make translations`"
    try:
        window, link_host = open_console(qtbot, engine, sheet, tmp_path)
        window._use_edited(dataclasses.replace(sheet, venues=sheet.venues[:2]))
        assert window.status_line.text().startswith(
            "Tersimpan, belum dipakai sekarang: lokasinya berbeda"
        )
        assert engine.call(lambda b: len(b.sheet.venues)) == len(sheet.venues)
        link_host.stop()
    finally:
        language.use("en")


def test_a_console_of_an_engine_that_never_restarted_says_nothing_of_resuming(
    console: tuple[ConsoleWindow, LinkHost, FakeEngine],
) -> None:
    window, _, _ = console
    assert "Resuming" not in window.status_line.text()
