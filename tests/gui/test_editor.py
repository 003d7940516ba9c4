"""The run-sheet editor, offscreen: validation as you type, undo/redo, save and reopen."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QTableWidgetItem
from pytestqt.qtbot import QtBot

from ceremony.runsheet.csv_io import ITEM_COLUMNS
from media import runsheet_files
from tests.unit.conftest import SAMPLE
from ui.console.editor import RunsheetEditor

pytestmark = pytest.mark.gui

DURATION = ITEM_COLUMNS.index("duration")
SOURCE = ITEM_COLUMNS.index("source")
TITLE = ITEM_COLUMNS.index("title")


@pytest.fixture
def editor(qtbot: QtBot, tmp_path: Path) -> RunsheetEditor:
    path = tmp_path / "sheet.yaml"
    runsheet_files.save(runsheet_files.load(SAMPLE), path)
    e = RunsheetEditor(runsheet_files.load(path), path)
    e.ask_discard = lambda: True  # type: ignore[method-assign]
    qtbot.addWidget(e)
    return e


def cell(e: RunsheetEditor, row: int, col: int) -> QTableWidgetItem:
    item = e.table.item(row, col)
    assert item is not None
    return item


def test_invalid_edits_are_refused_with_the_reason_on_the_cell(editor: RunsheetEditor) -> None:
    cell(editor, 2, DURATION).setText("three minutes")
    cell(editor, 3, SOURCE).setText("venue:atlantis")
    assert editor.sheet is None and not editor.save_button.isEnabled()
    assert "duration" in cell(editor, 2, DURATION).toolTip()
    assert "venue" in cell(editor, 3, SOURCE).toolTip()
    assert cell(editor, 2, DURATION).background().color().name() == "#ffcdd2"
    assert "items[2].duration" in editor.status.text()
    cell(editor, 2, DURATION).setText("4:00")
    cell(editor, 3, SOURCE).setText("venue:kota-cirebon")
    assert editor.sheet is not None and editor.save_button.isEnabled()


def test_edit_save_and_reopen_round_trip(
    qtbot: QtBot, editor: RunsheetEditor, tmp_path: Path
) -> None:
    cell(editor, 0, TITLE).setText("Pembukaan (diperbarui)")
    editor.add_item()
    editor.duplicate_item()
    assert editor.dirty and editor.sheet is not None
    assert editor.save(tmp_path / "edited.yaml")
    assert editor.save(tmp_path / "edited.csv")
    reopened = runsheet_files.load(tmp_path / "edited.yaml")
    assert reopened.items[0].title == "Pembukaan (diperbarui)"
    assert len(reopened.items) == 10
    assert runsheet_files.load(tmp_path / "edited.csv") == reopened
    other = RunsheetEditor(reopened, None)
    qtbot.addWidget(other)  # closed and deleted with the test, not at interpreter exit
    assert other.rows() == editor.rows()


def test_closing_with_unsaved_changes_asks_first(editor: RunsheetEditor) -> None:
    asked: list[bool] = []

    def keep_editing() -> bool:
        asked.append(True)
        return False

    editor.ask_discard = keep_editing  # type: ignore[method-assign]
    editor.show()
    cell(editor, 0, TITLE).setText("changed")
    editor.close()
    assert asked and editor.isVisible()  # the operator chose to keep editing
    editor.ask_discard = lambda: True  # type: ignore[method-assign]
    editor.close()
    assert not editor.isVisible()


def test_undo_and_redo(editor: RunsheetEditor) -> None:
    before = editor.rows()
    editor.delete_item()
    assert len(editor.rows()) == len(before) - 1
    editor.undo()
    assert editor.rows() == before
    editor.redo()
    assert len(editor.rows()) == len(before) - 1


def test_dragging_a_row_reorders_the_items(editor: RunsheetEditor) -> None:
    first = editor.rows()[0][0]
    editor.table.verticalHeader().moveSection(0, 2)  # what dragging the row number does
    assert editor.rows()[2][0] == first
    assert editor.sheet is not None and editor.sheet.items[2].id == first


def test_opening_a_broken_file_says_why_and_keeps_the_table(
    editor: RunsheetEditor, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("items: [oops", encoding="utf-8")
    rows = editor.rows()
    assert not editor.open_file(broken)
    assert "valid YAML" in editor.status.text()
    assert editor.rows() == rows


def test_the_last_runsheet_is_remembered_for_the_next_start(tmp_path: Path) -> None:
    from ui.console.app import remember_runsheet, remembered_runsheet

    ini = tmp_path / "console.ini"
    assert remembered_runsheet(ini) is None
    sheet = tmp_path / "upacara.yaml"
    sheet.write_text("ceremony: {}\n", encoding="utf-8")
    remember_runsheet(ini, sheet)
    assert remembered_runsheet(ini) == sheet.resolve()
    sheet.unlink()  # moved away since: start from the sample instead of failing
    assert remembered_runsheet(ini) is None
