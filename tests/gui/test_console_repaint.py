"""What an attached console repaints: only what changed, and each table once per state.

The console shares the studio PC's cores with the engine and the venues; these tests hold the
cuts that made it cheap (a batch of table cells tells the view once; a tile's new level repaints
its meter, a new picture its picture; the speaker timer restyles only on a new phase)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, QRect
from PySide6.QtGui import QColor, QPaintEvent
from PySide6.QtWidgets import QHeaderView, QTableWidget
from pytestqt.qtbot import QtBot

from ceremony.sequencer.events import Phase
from media.operator_link.pictures import bgra_from_i420, fitted
from tests.gui.fake_engine import grey_i420
from ui.widgets.cells import CellBatch
from ui.widgets.tiles import VideoTile
from ui.widgets.timer import SpeakerTimer

pytestmark = pytest.mark.gui


def _table(qtbot: QtBot, rows: int = 6, cols: int = 4) -> QTableWidget:
    table = QTableWidget(rows, cols)
    qtbot.addWidget(table)
    return table


def test_a_batch_of_cells_tells_the_view_once_with_the_rows_that_changed(qtbot: QtBot) -> None:
    table = _table(qtbot)
    heard: list[tuple[int, int, int, int]] = []

    def changed(top: QModelIndex, bottom: QModelIndex, _roles: object = None) -> None:
        heard.append((top.row(), top.column(), bottom.row(), bottom.column()))

    table.model().dataChanged.connect(changed)
    with CellBatch(table) as cells:
        for col in range(4):
            cells.set_text(2, col, f"two {col}")
            cells.set_text(4, col, f"four {col}")
        cells.set_background(3, 0, QColor("#ffcdd2"))
    assert heard == [(2, 0, 4, 3)]
    item = table.item(4, 3)
    assert item is not None and item.text() == "four 3"
    assert table.model().signalsBlocked() is False


def test_a_batch_that_changes_nothing_tells_the_view_nothing(qtbot: QtBot) -> None:
    table = _table(qtbot)
    with CellBatch(table) as cells:
        cells.set_text(1, 1, "12")
    heard: list[object] = []
    table.model().dataChanged.connect(lambda *a: heard.append(a))
    with CellBatch(table) as cells:
        cells.set_text(1, 1, "12")  # the same figure again
        cells.set_tooltip(1, 1, "")
    assert heard == []
    assert not cells.changed


def test_a_batch_left_by_an_exception_unblocks_the_model(qtbot: QtBot) -> None:
    table = _table(qtbot)
    with pytest.raises(RuntimeError), CellBatch(table) as cells:
        cells.set_text(0, 0, "x")
        raise RuntimeError("a bug while filling the board")
    assert table.model().signalsBlocked() is False


class _Recording(VideoTile):
    def __init__(self) -> None:
        super().__init__("kota-cirebon", "MPP Kota Cirebon")
        self.painted: list[QRect] = []

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        self.painted.append(event.region().boundingRect())
        super().paintEvent(event)


def _shown_tile(qtbot: QtBot) -> _Recording:
    tile = _Recording()
    qtbot.addWidget(tile)
    tile.resize(260, 280)
    tile.show()
    qtbot.waitExposed(tile)
    tile.set_state(tally="standby", status="joined", figures="RTT 12 ms", level_dbfs=-30.0)
    qtbot.waitUntil(lambda: bool(tile.painted))
    return tile


def test_a_new_level_repaints_only_the_meter(qtbot: QtBot) -> None:
    tile = _shown_tile(qtbot)
    tile.painted.clear()
    tile.set_state(tally="standby", status="joined", figures="RTT 12 ms", level_dbfs=-12.0)
    qtbot.waitUntil(lambda: bool(tile.painted))
    assert tile.painted == [tile._meter_rect()]


def test_new_figures_repaint_their_line_and_a_new_tally_the_whole_tile(qtbot: QtBot) -> None:
    tile = _shown_tile(qtbot)
    tile.painted.clear()
    tile.set_state(tally="standby", status="joined", figures="RTT 40 ms", level_dbfs=-30.0)
    qtbot.waitUntil(lambda: bool(tile.painted))
    assert tile.painted == [tile._words_rect()]
    assert not tile._words_rect().intersects(tile._picture_rect())
    tile.painted.clear()
    tile.set_state(tally="on_air", status="joined", figures="RTT 40 ms", level_dbfs=-30.0)
    qtbot.waitUntil(lambda: bool(tile.painted))
    assert tile.painted == [tile.rect()]


def test_a_new_picture_repaints_only_the_picture_and_shows_it(qtbot: QtBot) -> None:
    tile = _shown_tile(qtbot)
    w, h = tile.picture_size()
    tile.painted.clear()
    tile.set_picture(w, h, bgra_from_i420(grey_i420(200, w, h), w, h))
    qtbot.waitUntil(lambda: bool(tile.painted))
    assert tile.painted == [tile._picture_rect()]
    shot = tile.grab().toImage()
    inside = tile._picture_rect().center()
    assert QColor(shot.pixel(inside)).lightness() > 150  # the grey picture, drawn
    below = tile.rect().bottomRight()  # the words' band, right of the short figures
    assert QColor(shot.pixel(below.x() - 30, below.y() - 10)).lightness() < 60  # background


def test_a_picture_of_the_frames_shape_is_centred_between_bars_not_stretched(
    qtbot: QtBot,
) -> None:
    tile = _shown_tile(qtbot)  # a tall box (260×280): a 16∶9 picture fills its width only
    w, h = tile.picture_size()
    pw, ph = fitted(320, 180, w, h)
    assert pw == w and ph < h
    tile.set_picture(pw, ph, bgra_from_i420(grey_i420(200, pw, ph), pw, ph))
    qtbot.waitUntil(lambda: tile.image is not None)
    shot = tile.grab().toImage()
    pic = tile._picture_rect()
    assert QColor(shot.pixel(pic.center())).lightness() > 150  # the picture, in the middle
    assert QColor(shot.pixel(pic.center().x(), pic.top() + 2)).lightness() < 60  # a bar
    assert QColor(shot.pixel(pic.center().x(), pic.bottom() - 2)).lightness() < 60
    assert tile._scaled is None  # drawn as it came: no scaling on the GUI thread


def test_the_timer_restyles_only_when_its_phase_changes(qtbot: QtBot) -> None:
    timer = SpeakerTimer()
    qtbot.addWidget(timer)
    timer.set_remaining(30.0, Phase.NORMAL, "Sambutan")
    sheet = timer.styleSheet()
    timer.setStyleSheet(sheet + " ")  # a mark: a restyle would replace it
    timer.set_remaining(29.0, Phase.NORMAL, "Sambutan")
    assert timer.styleSheet() == sheet + " "
    assert timer.digits.text() == "00:29"
    timer.set_remaining(9.0, Phase.WARNING, "Sambutan")
    assert timer.styleSheet() != sheet + " " and "#f9a825" in timer.styleSheet()


def test_columns_sized_to_their_contents_still_follow_a_batch(qtbot: QtBot) -> None:
    """The view hears of the batch once, and still measures: a longer word widens its column
    (the board's figures take the width their words need)."""
    table = _table(qtbot)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.show()
    qtbot.waitExposed(table)
    with CellBatch(table) as cells:
        cells.set_text(1, 2, "12")
    qtbot.waitUntil(lambda: table.columnWidth(2) > 0)
    narrow = table.columnWidth(2)
    with CellBatch(table) as cells:
        cells.set_text(1, 2, "Tersambung · tanpa suara · 12 dtk lalu")
    qtbot.waitUntil(lambda: table.columnWidth(2) > narrow + 50)
