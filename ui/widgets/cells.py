"""Table cells changed as one batch: the table's view hears of it once.

A QTableWidget tells its view of every changed item, one at a time; the view then asks where
that cell is, and with columns sized to their contents that makes the header measure its
columns again (the text of every row in view). Twenty changed figures four times a second were
most of the attached console's GUI time. Inside a `CellBatch` the model stays quiet; at the end
the view hears of one changed block (the rows that changed), so it repaints and measures once.
"""

from __future__ import annotations

from types import TracebackType

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QTableWidget, QTableWidgetItem


class CellBatch:
    """`with CellBatch(table) as cells: cells.set_text(row, col, text) …` — only what differs
    is touched, and the view is told once, on leaving, if anything did."""

    def __init__(self, table: QTableWidget) -> None:
        self.table = table
        self._rows: set[int] = set()
        self._was_blocked = False

    def __enter__(self) -> CellBatch:
        self._was_blocked = self.table.model().blockSignals(True)
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _exc: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        model = self.table.model()
        model.blockSignals(self._was_blocked)
        if self._rows and not self._was_blocked:
            top, bottom = min(self._rows), max(self._rows)
            last = self.table.columnCount() - 1
            model.dataChanged.emit(model.index(top, 0), model.index(bottom, last), [])
        self._rows.clear()

    @property
    def changed(self) -> bool:
        return bool(self._rows)

    def cell(self, row: int, col: int) -> QTableWidgetItem:
        item = self.table.item(row, col)
        if item is None:  # every cell is created with the table; keep it so if one went missing
            item = QTableWidgetItem("")
            self.table.setItem(row, col, item)
        return item

    def set_text(self, row: int, col: int, text: str) -> None:
        cell = self.cell(row, col)
        if cell.text() != text:
            cell.setText(text)
            self._rows.add(row)

    def set_tooltip(self, row: int, col: int, text: str) -> None:
        cell = self.cell(row, col)
        if cell.toolTip() != text:
            cell.setToolTip(text)  # (not drawn: no repaint needed)

    def set_foreground(self, row: int, col: int, colour: QColor) -> None:
        cell = self.cell(row, col)
        if cell.foreground().color() != colour:
            cell.setForeground(colour)
            self._rows.add(row)

    def set_background(self, row: int, col: int, colour: QColor) -> None:
        cell = self.cell(row, col)
        if cell.background().color() != colour:
            cell.setBackground(colour)
            self._rows.add(row)
