"""The run-sheet editor: items in a table, checked by the same rules as the files as you type.

Every change is validated by the pure core (the CSV reader, so a cell's problem is reported
exactly as it would be for a spreadsheet), problems are shown on their cells, and Save stays
off while any remains. Add, duplicate, delete, reorder (drag a row's number), undo and redo;
open and save YAML, import and export CSV; leaving with unsaved changes asks first.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QCloseEvent, QColor, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ceremony import runsheet
from ceremony.runsheet import Runsheet, RunsheetError
from ceremony.runsheet.csv_io import ITEM_COLUMNS
from media import runsheet_files
from ui.widgets.question import name_buttons

log = logging.getLogger(__name__)

_FIELD = re.compile(r"^items\[(\d+)\]\.(\w+)(?:\.(\w+))?")
BAD = QColor("#ffcdd2")


def item_rows(sheet: Runsheet) -> list[list[str]]:
    """The item table of a run-sheet, as its CSV export writes it."""
    lines = runsheet.dump_csv(sheet).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("id,kind"))
    return [row for row in csv.reader(lines[start + 1 :])]


class RunsheetEditor(QDialog):
    saved = Signal(object)  # the Runsheet just saved

    def __init__(self, sheet: Runsheet, path: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.base = sheet  # ceremony details and venues come from here
        self.path = path
        self.sheet: Runsheet | None = sheet
        self.problems: list[runsheet.Problem] = []
        self.dirty = False
        self._undo: list[list[list[str]]] = []
        self._redo: list[list[list[str]]] = []
        self._loading = False

        self.table = QTableWidget(0, len(ITEM_COLUMNS))
        self.table.setHorizontalHeaderLabels(list(ITEM_COLUMNS))
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionsMovable(True)  # drag a row number to reorder
        self.table.verticalHeader().sectionMoved.connect(lambda *_: self._changed())
        self.table.itemChanged.connect(lambda _item: self._changed())
        self.status = QLabel()
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        self.add = QPushButton()
        self.duplicate = QPushButton()
        self.delete = QPushButton()
        self.undo_button = QPushButton()
        self.redo_button = QPushButton()
        self.open_button = QPushButton()
        self.save_button = QPushButton()
        self.save_as_button = QPushButton()
        for b in (
            self.add,
            self.duplicate,
            self.delete,
            self.undo_button,
            self.redo_button,
            self.open_button,
            self.save_button,
            self.save_as_button,
        ):
            buttons.addWidget(b)
        self.add.clicked.connect(self.add_item)
        self.duplicate.clicked.connect(self.duplicate_item)
        self.delete.clicked.connect(self.delete_item)
        self.undo_button.clicked.connect(self.undo)
        self.redo_button.clicked.connect(self.redo)
        self.open_button.clicked.connect(self._open_dialog)
        self.save_button.clicked.connect(lambda: self.save(self.path))
        self.save_as_button.clicked.connect(self._save_as_dialog)
        for keys, slot in (
            ("Ctrl+Z", self.undo),
            ("Ctrl+Shift+Z", self.redo),
            ("Ctrl+S", lambda: self.save(self.path)),
        ):
            action = QAction(self)
            action.setShortcut(QKeySequence(keys))
            action.triggered.connect(slot)
            self.addAction(action)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        self.resize(1400, 600)
        self.retranslate()
        self._load_rows(item_rows(sheet))

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Run-sheet editor"))
        self.add.setText(self.tr("Add"))
        self.duplicate.setText(self.tr("Duplicate"))
        self.delete.setText(self.tr("Delete"))
        self.undo_button.setText(self.tr("Undo"))
        self.redo_button.setText(self.tr("Redo"))
        self.open_button.setText(self.tr("Open / import…"))
        self.save_button.setText(self.tr("Save"))
        self.save_as_button.setText(self.tr("Save as / export…"))

    # ---- table <-> rows ------------------------------------------------------------------

    def rows(self) -> list[list[str]]:
        """The items in the order shown (a dragged row keeps its logical index)."""
        header = self.table.verticalHeader()
        out = []
        for visual in range(self.table.rowCount()):
            row = header.logicalIndex(visual)
            out.append([self._text(row, col) for col in range(len(ITEM_COLUMNS))])
        return out

    def _text(self, row: int, col: int) -> str:
        item = self.table.item(row, col)
        return item.text().strip() if item else ""

    def _load_rows(self, rows: list[list[str]]) -> None:
        self._loading = True
        self.table.clearContents()
        self.table.setRowCount(0)  # also forgets any dragged order
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c in range(len(ITEM_COLUMNS)):
                self.table.setItem(r, c, QTableWidgetItem(row[c] if c < len(row) else ""))
        self._loading = False
        self._rows_shown = rows
        self._validate()

    def _changed(self) -> None:
        if self._loading:
            return
        self._undo.append(self._rows_shown)
        self._redo.clear()
        self._rows_shown = self.rows()
        self.dirty = True
        self._validate()

    # ---- validation ----------------------------------------------------------------------

    def _document(self, rows: list[list[str]]) -> str:
        text = runsheet.dump_csv(self.base)
        head = text[: text.index("id,kind")]
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(ITEM_COLUMNS)
        writer.writerows(rows)
        return head + out.getvalue()

    def _validate(self) -> None:
        rows = self.rows()
        self._loading = True
        for r in range(self.table.rowCount()):
            for c in range(len(ITEM_COLUMNS)):
                cell = self.table.item(r, c)
                if cell is not None:
                    cell.setBackground(QColor(0, 0, 0, 0))
                    cell.setToolTip("")
        try:
            self.sheet = runsheet.parse_csv(self._document(rows), self.tr("run-sheet"))
            self.problems = []
        except RunsheetError as exc:
            self.sheet = None
            self.problems = list(exc.problems)
        header = self.table.verticalHeader()
        for problem in self.problems:
            m = _FIELD.match(problem.field)
            if not m:
                continue
            index, field, sub = int(m.group(1)), m.group(2), m.group(3)
            column = f"speaker_{sub}" if field == "speaker" and sub else field
            if column in ITEM_COLUMNS and index < self.table.rowCount():
                cell = self.table.item(header.logicalIndex(index), ITEM_COLUMNS.index(column))
                if cell is not None:
                    cell.setBackground(BAD)
                    cell.setToolTip(f"{problem.value!r}: {problem.expected}")
        self._loading = False
        self.save_button.setEnabled(self.sheet is not None and self.path is not None)
        self.save_as_button.setEnabled(self.sheet is not None)
        self.undo_button.setEnabled(bool(self._undo))
        self.redo_button.setEnabled(bool(self._redo))
        if self.problems:
            shown = [
                f"{p.field}: {p.value!r} — {self.tr('expected')} {p.expected}"
                for p in self.problems[:5]
            ]
            more = len(self.problems) - len(shown)
            self.status.setText("\n".join(shown) + (f"\n(+{more})" if more > 0 else ""))
            self.status.setStyleSheet("color:#c62828;")
        else:
            self.status.setText(self.tr("Valid: {0} items").format(len(rows)))
            self.status.setStyleSheet("color:#2e7d32;")

    # ---- editing ---------------------------------------------------------------------------

    def _selected_visual(self) -> int:
        row = self.table.currentRow()
        return self.table.verticalHeader().visualIndex(row) if row >= 0 else len(self.rows()) - 1

    def _apply(self, rows: list[list[str]]) -> None:
        self._undo.append(self._rows_shown)
        self._redo.clear()
        self.dirty = True
        self._load_rows(rows)

    def add_item(self) -> None:
        rows = self.rows()
        at = self._selected_visual() + 1
        new_id = f"item-{len(rows) + 1:02d}"
        rows.insert(
            at,
            [
                new_id,
                "speech",
                self.tr("New item"),
                "",
                "",
                "studio",
                "3:00",
                "",
                "",
                "",
                "",
                "",
                "",
            ],
        )
        self._apply(rows)

    def duplicate_item(self) -> None:
        rows = self.rows()
        if not rows:
            return
        at = self._selected_visual()
        copy = list(rows[at])
        copy[0] = f"{copy[0]}-2"
        rows.insert(at + 1, copy)
        self._apply(rows)

    def delete_item(self) -> None:
        rows = self.rows()
        if not rows:
            return
        del rows[self._selected_visual()]
        self._apply(rows)

    def undo(self) -> None:
        self._step(self._undo, self._redo)

    def redo(self) -> None:
        self._step(self._redo, self._undo)

    def _step(self, back: list[list[list[str]]], forth: list[list[list[str]]]) -> None:
        """Show the newest state of `back`, keeping what is shown now on `forth`."""
        if back:
            forth.append(self._rows_shown)
            self._load_rows(back.pop())  # validates
            self.dirty = True

    # ---- files -----------------------------------------------------------------------------

    def save(self, path: Path | None) -> bool:
        if path is None or self.sheet is None:
            return False
        try:
            runsheet_files.save(self.sheet, path)
        except OSError as exc:
            self.status.setText(self.tr("Could not save {0}: {1}").format(path, exc.strerror))
            return False
        except RunsheetError as exc:  # a name without .yaml or .csv: nothing was written
            self.status.setText(str(exc))
            return False
        self.path = path
        self.dirty = False
        self.saved.emit(self.sheet)
        self.status.setText(self.tr("Saved {0}").format(path))
        return True

    def open_file(self, path: Path) -> bool:
        try:
            sheet = runsheet_files.load(path)
        except RunsheetError as exc:
            self.status.setText("\n".join(str(p) for p in exc.problems[:5]))
            self.status.setStyleSheet("color:#c62828;")
            return False
        self.base, self.path = sheet, path
        self._undo.clear()
        self._redo.clear()
        self._load_rows(item_rows(sheet))
        self.dirty = False
        return True

    def _open_dialog(self) -> None:
        if not self._may_discard():
            return
        name, _ = QFileDialog.getOpenFileName(
            self, self.tr("Open run-sheet"), "", "Run-sheet (*.yaml *.yml *.csv)"
        )
        if name:
            self.open_file(Path(name))

    def _save_as_dialog(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save run-sheet"), "", "YAML (*.yaml);;CSV (*.csv)"
        )
        if name:
            self.save(Path(name))

    def _may_discard(self) -> bool:
        return not self.dirty or self.ask_discard()

    def ask_discard(self) -> bool:
        """Ask the operator; replaceable (tests answer without a modal dialog)."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Unsaved changes"),
            self.tr("The run-sheet has unsaved changes. Discard them?"),
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            self,
        )
        name_buttons(box)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        return box.exec() == QMessageBox.StandardButton.Discard.value

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if self._may_discard():
            event.accept()
        else:
            event.ignore()

    def reject(self) -> None:  # Escape goes through the same question
        if self._may_discard():
            super().reject()
