"""The venue board for many venues: every venue on one list, the troubled ones at the top.

Each snapshot the rows are put in order (lost, then troubled, then still waiting to join, then
well; the run-sheet's order within each), and each venue's name gets a coloured mark, so a
glance down the first rows says who needs the crew. The columns are the console's own
(ui/console/window.py fills them); this widget owns the order and the first column.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from enum import IntEnum

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from ceremony.runsheet import Venue
from ui.bridge import VenueRow
from ui.widgets.cells import CellBatch

LOSSY_PCT = 1.0  # the tile's threshold too (ui/console/window.py)
SILENT_S = 3.0  # no message from a joined venue for this long: something is wrong
NAME_WIDTH = 170  # px: "MPP Kota Cirebon" and its mark
TOP_ROWS = 30  # rows measured for a column's width: the troubled ones, with the longest words


class Health(IntEnum):
    """In the board's order: the lower, the higher up."""

    LOST = 0
    TROUBLED = 1
    WAITING = 2
    WELL = 3


MARKS = {
    Health.LOST: QColor("#c62828"),
    Health.TROUBLED: QColor("#ef6c00"),
    Health.WAITING: QColor("#9e9e9e"),
    Health.WELL: QColor("#2e7d32"),
}


def health_of(v: VenueRow, flagged: Iterable[str] = ()) -> Health:
    if v.status == "lost":
        return Health.LOST
    if v.status != "joined":
        return Health.WAITING
    troubled = (
        bool(v.sound_problem)
        or v.id in flagged
        or max(v.loss_in_pct or 0.0, v.loss_out_pct or 0.0) >= LOSSY_PCT
        # lately, not over the run: a venue whose sound recovered is well again
        or (v.audio_concealed_recent_pct or 0.0) >= LOSSY_PCT
        or (v.last_seen_s is not None and v.last_seen_s >= SILENT_S)
    )
    return Health.TROUBLED if troubled else Health.WELL


def health_counts(rows: Iterable[VenueRow], flagged: Iterable[str] = ()) -> dict[Health, int]:
    flagged = set(flagged)
    counts = dict.fromkeys(Health, 0)
    for v in rows:
        counts[health_of(v, flagged)] += 1
    return counts


def board_order(rows: Sequence[VenueRow], flagged: Iterable[str] = ()) -> list[VenueRow]:
    """Troubled first; a stable sort keeps the run-sheet's order within each kind."""
    flagged = set(flagged)
    return sorted(rows, key=lambda v: health_of(v, flagged))


class VenueBoard(QTableWidget):
    def __init__(self, venues: Sequence[Venue], columns: int, parent: QWidget | None = None):
        super().__init__(len(venues), columns, parent)
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        # The figures take the width their words need (a state reads "Tersambung · tanpa
        # suara" in Indonesian, twice "JOINED"): wrapped into two lines they halved the rows in
        # view. The names keep a fixed share; what does not fit scrolls sideways.
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setResizeContentsPrecision(TOP_ROWS)
        self.setColumnWidth(0, NAME_WIDTH)
        self.setWordWrap(False)
        for i, venue in enumerate(venues):
            self.setItem(i, 0, QTableWidgetItem(venue.name))
            for col in range(1, columns):
                self.setItem(i, col, QTableWidgetItem(""))
        self.row_ids: list[str] = [v.id for v in venues]  # which venue each row shows now

    def order(
        self,
        rows: Sequence[VenueRow],
        flagged: Iterable[str] = (),
        cells: CellBatch | None = None,
    ) -> list[VenueRow]:
        """`rows` in the board's order; the name column follows (the caller fills the rest,
        in the same `cells` batch when it has one)."""
        flagged = set(flagged)
        ordered = board_order(rows, flagged)
        with contextlib.nullcontext(cells) if cells is not None else CellBatch(self) as batch:
            for i, v in enumerate(ordered):
                batch.set_text(i, 0, f"● {v.name}")
                batch.set_foreground(i, 0, MARKS[health_of(v, flagged)])
        self.row_ids = [v.id for v in ordered]
        return ordered
