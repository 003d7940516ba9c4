"""The studio console: the operator's desk for the whole ceremony.

Everything here is display and input. Commands go to the engine through the ConsoleHost (over
the operator link when the engine is its own process); state comes back as snapshots. No protocol
or timing logic lives in this file.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QColor, QImage, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ceremony import operator as op
from ceremony.journal import describe_record
from ceremony.runsheet import Runsheet, Source
from ceremony.sequencer import ItemStatus, Status
from ceremony.sequencer import commands as cmd
from ceremony.timebase import format_wall
from media.journal_reader import JournalTail
from ui.bridge import ConsoleHost, Snapshot, VenueRow
from ui.console.board import VenueBoard, health_counts
from ui.console.editor import RunsheetEditor
from ui.console.multiviewer import Multiviewer
from ui.i18n import LANGUAGES, Language
from ui.widgets import words
from ui.widgets.cells import CellBatch
from ui.widgets.help_menu import install_help_menu
from ui.widgets.question import ask
from ui.widgets.tiles import VideoTile
from ui.widgets.timer import SpeakerTimer, format_clock

log = logging.getLogger(__name__)

LOG_LINES = 500
CLOCK_AFTER_MS = 5  # the clock's tick comes this long after a second turns (never just before)
ADD_TIME_S = 30.0


def _time_of_day(wall: float | None, tz: str) -> str:
    return "" if wall is None else format_wall(wall, tz)


BOARD_COLUMNS = 9
LOSSY_PCT = 1.0  # a tile shows loss from here on; the board always does


def _loss(v: VenueRow) -> str:
    if v.loss_in_pct is None and v.loss_out_pct is None:
        return ""

    def pct(x: float | None) -> str:
        return "–" if x is None else f"{x:.1f}"

    # ♪: the share of the venue's sound packets the studio had to conceal (lost, not rebuilt)
    # lately; the whole run's share is the as-run report's
    recent = v.audio_concealed_recent_pct
    sound = f" ♪{recent:.1f}" if recent else ""
    return f"{pct(v.loss_in_pct)}/{pct(v.loss_out_pct)}{sound}"


def _lossy(v: VenueRow) -> bool:
    return max(v.loss_in_pct or 0.0, v.loss_out_pct or 0.0) >= LOSSY_PCT


class ConsoleWindow(QMainWindow):
    def __init__(
        self,
        host: ConsoleHost,
        sheet: Runsheet,
        settings: QSettings,
        language: Language | None = None,
    ) -> None:
        super().__init__()
        self.host = host
        self.language = language
        self.sheet = sheet
        self.settings = settings
        self.last: Snapshot | None = None
        self.selected_venue: str | None = None
        self.run_id = ""
        self.rehearsal = False
        # A live run ends with this window (the engine runs in this process): ask first.
        self.ask_before_closing = False
        self.close_confirmed = False
        self.closing_question: QMessageBox | None = None
        self._row_colours: dict[int, ItemStatus] = {}
        self._board_lost: dict[int, bool] = {}
        self._resume_told: int | None = None  # the resumed engine (pid) already said
        self._build()
        self.help_menu = install_help_menu(
            self, "studio", settings, lambda: self.last and self.last.venues
        )
        self.retranslate()
        host.snapshot.connect(self._pull_snapshot)
        host.thumbnails.connect(self._pull_thumbnails)
        host.message.connect(self.on_message)
        # GO only once the engine is really there: a console must not look ready without one.
        self.go.setEnabled(False)
        host.started.connect(self._attached)
        host.failed.connect(self._engine_failed)
        host.detached.connect(self._detached)
        host.ended.connect(self._engine_ended)
        geometry = settings.value("console/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        self._say_if_resumed()  # (a console built once attached: its engine may have resumed)

    # ---- layout ------------------------------------------------------------------------

    def _build(self) -> None:
        self.title = QLabel()
        self.title.setStyleSheet("font-size:18px; font-weight:bold;")
        self.clock = QLabel()
        self.clock.setStyleSheet("font-size:16px;")
        self.override_label = QLabel()
        self.override_label.setStyleSheet("color:#ff8a65; font-weight:bold;")
        self.mode_label = QLabel()  # REHEARSAL/GLADI or LIVE: on screen the whole run
        # A console that watches (another one holds control) says so, with the way to take it.
        self.watch_label = QLabel()
        self.watch_label.setStyleSheet(
            "background:#1565c0; color:white; font-weight:bold; font-size:15px; padding:4px 10px;"
        )
        self.take_control = QPushButton()
        self.take_control.clicked.connect(self.host.take_control)
        self.watch_bar = QWidget()
        watch = QHBoxLayout(self.watch_bar)
        watch.setContentsMargins(0, 0, 0, 0)
        watch.addWidget(self.watch_label, 1)
        watch.addWidget(self.take_control)
        self.watch_bar.setVisible(False)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.mode_label)
        top.addWidget(self.override_label)
        top.addWidget(self.clock)

        # Run-sheet, live.
        self.items = QTableWidget(len(self.sheet.items), 8)
        self.items.verticalHeader().setVisible(False)
        self.items.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.items.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.items.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for i, item in enumerate(self.sheet.items):
            self.items.setItem(i, 0, QTableWidgetItem(str(i + 1)))
            self.items.setItem(i, 2, QTableWidgetItem(item.title))
            self.items.setItem(i, 3, QTableWidgetItem(item.speaker.name if item.speaker else ""))
            self.items.setItem(i, 4, QTableWidgetItem(self._source_name(item.source)))
            self.items.setItem(i, 5, QTableWidgetItem(format_clock(item.duration_s)))
            for col in (1, 6, 7):
                self.items.setItem(i, col, QTableWidgetItem(""))

        self.timer = SpeakerTimer()
        self.go = QPushButton()
        self.go.setMinimumHeight(56)
        self.go.setStyleSheet("font-size:22px; font-weight:bold; background:#2e7d32; color:white;")
        self.hold = QPushButton()
        self.back = QPushButton()
        self.skip = QPushButton()
        self.undo = QPushButton()
        self.add_time = QPushButton()
        self.remove_time = QPushButton()
        self.jump = QPushButton()
        self.take = QPushButton()
        self.take.setStyleSheet("background:#b71c1c; color:white; font-weight:bold;")
        self.go.clicked.connect(lambda: self._command(cmd.Go()))
        self.hold.clicked.connect(self._hold_or_resume)
        self.back.clicked.connect(lambda: self._command(cmd.Back()))
        self.skip.clicked.connect(lambda: self._command(cmd.Skip()))
        self.undo.clicked.connect(lambda: self._command(cmd.UndoGo()))
        self.add_time.clicked.connect(lambda: self._command(cmd.AddTime(ADD_TIME_S)))
        self.remove_time.clicked.connect(lambda: self._command(cmd.AddTime(-ADD_TIME_S)))
        self.jump.clicked.connect(self._jump_to_selected)
        self.take.clicked.connect(self._take_selected)
        buttons = QGridLayout()
        buttons.addWidget(self.go, 0, 0, 1, 4)
        for col, button in enumerate((self.hold, self.back, self.skip, self.undo)):
            buttons.addWidget(button, 1, col)
        for col, button in enumerate((self.add_time, self.remove_time, self.jump, self.take)):
            buttons.addWidget(button, 2, col)

        self.program = VideoTile("program", "PROGRAM")
        self.program.status = "joined"  # the program is always live
        self.program.tally = "on_air"
        self.program.setMinimumSize(300, 200)
        # Preview left of program, as on every vision mixer: what TAKE would put on air.
        self.preview = VideoTile("preview", "PREVIEW")
        self.preview.tally = "preview"
        self.preview.status = "—"
        self.preview.setMinimumSize(300, 200)
        for monitor in (self.program, self.preview):
            monitor.resized.connect(self.host.set_picture_size)
        monitors = QHBoxLayout()
        monitors.addWidget(self.preview)
        monitors.addWidget(self.program)
        centre = QVBoxLayout()
        centre.addLayout(monitors, 3)
        centre.addWidget(self.timer, 1)
        centre.addLayout(buttons)
        centre_box = QWidget()
        centre_box.setLayout(centre)

        # Venue board.
        self.board = VenueBoard(self.sheet.venues, BOARD_COLUMNS)  # troubled venues first

        upper = QSplitter(Qt.Orientation.Horizontal)
        upper.addWidget(self.items)
        upper.addWidget(centre_box)
        upper.addWidget(self.board)
        upper.setSizes([500, 600, 460])

        # Multiviewer.
        # Multiviewer: a page of tiles at a time, on-air and preview always in view.
        multiviewer = Multiviewer(self.sheet.venues, self.host.set_picture_size, self._select_venue)
        multiviewer.shown_changed.connect(self.host.show_venues)
        self.multiviewer = multiviewer
        self.tiles: dict[str, VideoTile] = multiviewer.tiles

        # Countdown, messages, log.
        self.lead = QDoubleSpinBox()
        self.lead.setRange(5.0, 600.0)
        self.lead.setValue(10.0)
        self.arm = QPushButton()
        self.arm.setStyleSheet("background:#e65100; color:white; font-weight:bold;")
        self.abort = QPushButton()
        self.arm.clicked.connect(self._arm)
        self.abort.clicked.connect(self._abort)
        self.countdown_state = QLabel()
        self.countdown_state.setStyleSheet("font-size:16px; font-weight:bold;")
        cd_row = QHBoxLayout()
        self.lead_label = QLabel()
        for cd_widget in (self.lead_label, self.lead, self.arm, self.abort, self.countdown_state):
            cd_row.addWidget(cd_widget)
        cd_row.addStretch(1)
        countdown = QWidget()
        countdown.setLayout(cd_row)

        self.cue_target = QComboBox()
        self.cue_text = QLineEdit()
        self.send_cue = QPushButton()
        self.send_chat = QPushButton()
        self.send_cue.clicked.connect(self._send_cue)
        self.send_chat.clicked.connect(self._send_chat)
        self.cue_text.returnPressed.connect(self._send_cue)
        msg_row = QHBoxLayout()
        for msg_widget in (self.cue_target, self.cue_text, self.send_cue, self.send_chat):
            msg_row.addWidget(msg_widget)
        self.chat_log = QPlainTextEdit()
        self.chat_log.setReadOnly(True)
        messages_layout = QVBoxLayout()
        messages_layout.addLayout(msg_row)
        messages_layout.addWidget(self.chat_log)
        messages = QWidget()
        messages.setLayout(messages_layout)

        self.log_view = QPlainTextEdit()
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(LOG_LINES)

        # Protocol staff: the recording, markers and notes (all journaled).
        self.record_start = QPushButton()
        self.record_stop = QPushButton()
        self.marker_button = QPushButton()
        self.note_text = QLineEdit()
        self.record_health = QLabel()
        self.record_health.setWordWrap(True)
        self.record_start.clicked.connect(self.host.start_recording)
        self.record_stop.clicked.connect(self.host.stop_recording)
        self.marker_button.clicked.connect(self._marker)
        self.note_text.returnPressed.connect(self._note)
        protocol_row = QHBoxLayout()
        for pw in (self.record_start, self.record_stop, self.marker_button, self.note_text):
            protocol_row.addWidget(pw)
        protocol_layout = QVBoxLayout()
        protocol_layout.addLayout(protocol_row)
        protocol_layout.addWidget(self.record_health)
        protocol_layout.addStretch(1)
        protocol = QWidget()
        protocol.setLayout(protocol_layout)

        self.tabs = QTabWidget()
        self.tabs.addTab(countdown, "")
        self.tabs.addTab(messages, "")
        self.tabs.addTab(self.log_view, "")
        self.tabs.addTab(protocol, "")

        lower = QSplitter(Qt.Orientation.Vertical)
        lower.addWidget(multiviewer)
        lower.addWidget(self.tabs)
        lower.setSizes([300, 160])

        main = QSplitter(Qt.Orientation.Vertical)
        main.addWidget(upper)
        main.addWidget(lower)
        main.setSizes([430, 470])

        self.status_line = QLabel()
        self.statusBar().addWidget(self.status_line, 1)
        self.problems_label = QLabel()
        self.problems_label.setStyleSheet("color:#e65100; font-weight:bold;")
        self.statusBar().addPermanentWidget(self.problems_label)

        root = QVBoxLayout()
        root.addWidget(self.watch_bar)
        root.addLayout(top)
        root.addWidget(main, 1)
        central = QWidget()
        central.setLayout(root)
        self.setCentralWidget(central)

        self.shortcuts: dict[str, QAction] = {}
        for name, keys, slot in (
            ("go", "Space", self.go.click),
            ("hold", "H", self.hold.click),
            ("back", "B", self.back.click),
            ("skip", "S", self.skip.click),
            ("undo", "Ctrl+Z", self.undo.click),
            ("add", "+", self.add_time.click),
            ("remove", "-", self.remove_time.click),
        ):
            action = QAction(self)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(slot)
            self.addAction(action)
            self.shortcuts[name] = action

        self.sheet_menu = self.menuBar().addMenu("")
        self.edit_action = QAction(self)
        self.edit_action.triggered.connect(self.open_editor)
        self.sheet_menu.addAction(self.edit_action)
        # The engine outlives this window: ending the run is its own, asked-for, command.
        self.end_run_action = QAction(self)
        self.end_run_action.triggered.connect(self._ask_to_end_run)
        self.sheet_menu.addAction(self.end_run_action)
        self.language_menu = self.menuBar().addMenu("")
        self.language_actions: dict[str, QAction] = {}
        for code, name in LANGUAGES.items():
            action = QAction(name, self)
            action.setCheckable(True)
            action.triggered.connect(lambda _checked=False, c=code: self.set_language(c))
            self.language_menu.addAction(action)
            self.language_actions[code] = action

        # The clock shows whole seconds: woken just after each one turns (not four times a
        # second), so it is never more than a few ms behind and costs one wake-up a second.
        self._tick = QTimer(self)
        self._tick.setSingleShot(True)
        self._tick.setTimerType(Qt.TimerType.PreciseTimer)
        self._tick.timeout.connect(self._refresh_clock)
        self._tick.start(0)
        # The Log tab is the journal itself, as it grows (what the as-run report will say).
        self._journal: JournalTail | None = None
        self._journal_timer = QTimer(self)
        self._journal_timer.timeout.connect(self._read_journal)
        self._journal_timer.start(1000)

    def set_run(self, run_id: str, rehearsal: bool) -> None:
        self.run_id, self.rehearsal = run_id, rehearsal
        colours = "background:#f9a825; color:black;" if rehearsal else "background:#b71c1c;"
        self.mode_label.setStyleSheet(
            f"color:white; {colours} font-weight:bold; font-size:16px; padding:4px 10px;"
        )
        self.retranslate()

    def _attached(self) -> None:
        self.go.setEnabled(True)
        self._say_if_resumed()

    def _say_if_resumed(self) -> bool:
        """An engine that was restarted took the run over from its journal: say so, or the
        operator sees the same run and wonders what the gap was."""
        welcome = getattr(self.host, "welcome", None)  # (a console attached over the link)
        if welcome is None or welcome.resumed_part is None:
            return False
        if welcome.engine_pid == self._resume_told:
            return False  # (the same engine again after a hiccup of the link: said already)
        self._resume_told = welcome.engine_pid
        part = welcome.resumed_part
        self.status_line.setText(
            self.tr(
                "Resuming the run: the studio engine was restarted and carries on from its "
                "journal (recording part {0})."
            ).format(part)
        )
        return True

    def _detached(self, text: str) -> None:
        self.go.setEnabled(False)
        self.status_line.setText(self.tr("Studio engine not reachable: attaching again…"))

    def _engine_ended(self) -> None:
        self.close_confirmed = True
        self.close()

    def _ask_to_end_run(self) -> None:
        if self.closing_question is not None:
            return

        def end_it() -> None:
            self.host.when_done(self.host.stop_engine(), self._stop_answered)

        self.closing_question = ask(
            self,
            self.tr("End the run?"),
            self.tr(
                "End this run for every venue and stop the studio engine? Recordings and the "
                "journal are closed and the venues are told the ceremony has ended."
            ),
            end_it,
        )
        self.closing_question.finished.connect(self._forget_closing_question)

    def _stop_answered(self, future: Future[op.Result]) -> None:
        try:
            result = future.result()
        except Exception as exc:
            self.status_line.setText(self.tr("Could not stop the engine: ") + str(exc))
            return
        if not result.ok:
            self.status_line.setText(self.tr("Could not stop the engine: ") + result.detail)

    def _show_control(self, snap: Snapshot) -> None:
        watching = self.host.remote and snap.controller != self.host.client_id
        if watching:
            holder = snap.controller_name or self.tr("nobody")
            text = self.tr("WATCHING — {0} has control").format(holder)
            if self.watch_label.text() != text:
                self.watch_label.setText(text)
        if self.watch_bar.isVisible() != watching:
            self.watch_bar.setVisible(watching)

    def _engine_failed(self, text: str) -> None:
        self.go.setEnabled(False)
        self.status_line.setText(self.tr("Engine failed: ") + text)
        box = QMessageBox(
            QMessageBox.Icon.Critical, self.tr("The studio cannot run"), text, parent=self
        )
        box.open()  # window-modal, does not block the event loop
        self._failure_box = box

    def retranslate(self) -> None:
        c = self.sheet.ceremony
        mode = self.tr("REHEARSAL/GLADI") if self.rehearsal else self.tr("LIVE")
        run = f" · {self.tr('run')} {self.run_id}" if self.run_id else ""
        self.mode_label.setText(f"{mode}{run}" if self.run_id or self.rehearsal else "")
        prefix = f"[{mode}] " if self.rehearsal else ""
        self.setWindowTitle(prefix + self.tr("Studio console") + f" — {c.title}")
        self.title.setText(f"{c.title} · {c.studio}")
        self.items.setHorizontalHeaderLabels(
            [
                "#",
                self.tr("Planned"),
                self.tr("Item"),
                self.tr("Speaker"),
                self.tr("From"),
                self.tr("Length"),
                self.tr("Actual"),
                self.tr("Over/under"),
            ]
        )
        self.board.setHorizontalHeaderLabels(
            [
                self.tr("Venue"),
                self.tr("State"),
                self.tr("RTT ms"),
                self.tr("Loss %"),
                self.tr("Video fps"),
                self.tr("Return fps"),
                self.tr("Latency ms"),
                self.tr("Ready"),
                self.tr("Countdown"),
            ]
        )
        loss_header = self.board.horizontalHeaderItem(3)
        if loss_header is not None:
            loss_header.setToolTip(
                self.tr(
                    "Packet loss in: the venue's camera reaching the studio; out: the program reaching the venue"  # noqa: E501 - one translatable text
                )
            )
        self.lead.setSuffix(self.tr(" s"))
        self.go.setText(self.tr("GO  (Space)"))
        self.hold.setText(self.tr("HOLD (H)"))
        self.back.setText(self.tr("BACK (B)"))
        self.skip.setText(self.tr("SKIP next (S)"))
        self.undo.setText(self.tr("Undo GO (Ctrl+Z)"))
        self.add_time.setText(self.tr("+30 s"))
        self.remove_time.setText(self.tr("−30 s"))
        self.jump.setText(self.tr("Jump to selected"))
        self.take.setText(self.tr("TAKE venue"))
        self.lead_label.setText(self.tr("Lead time"))
        self.arm.setText(self.tr("ARM countdown"))
        self.abort.setText(self.tr("ABORT"))
        self.send_cue.setText(self.tr("Send cue"))
        self.send_chat.setText(self.tr("Chat"))
        self.cue_text.setPlaceholderText(self.tr("Cue or message for the crews"))
        self.cue_target.clear()
        self.cue_target.addItem(self.tr("All venues"), None)
        for venue in self.sheet.venues:
            self.cue_target.addItem(venue.name, venue.id)
        self.tabs.setTabText(0, self.tr("Countdown"))
        self.tabs.setTabText(1, self.tr("Messages"))
        self.tabs.setTabText(2, self.tr("Log"))
        self.tabs.setTabText(3, self.tr("Protocol"))
        self.record_start.setText(self.tr("Start recording"))
        self.record_stop.setText(self.tr("Stop recording"))
        self.marker_button.setText(self.tr("Marker"))
        self.note_text.setPlaceholderText(self.tr("Note for the record (Enter)"))
        self.language_menu.setTitle(self.tr("Language"))
        self.end_run_action.setText(self.tr("End the run (stop the studio engine)…"))
        self.take_control.setText(self.tr("Take control"))
        self.sheet_menu.setTitle(self.tr("Run-sheet"))
        self.edit_action.setText(self.tr("Edit…"))
        current = self.language.current if self.language else "en"
        for code, action in self.language_actions.items():
            action.setChecked(code == current)

    def open_editor(self) -> RunsheetEditor:
        path = self.settings.value("console/runsheet")
        editor = RunsheetEditor(self.sheet, Path(str(path)) if path else None, self)
        editor.saved.connect(self._use_edited)
        editor.saved.connect(lambda _sheet: self._remember_runsheet(editor.path))
        editor.show()
        return editor

    def _remember_runsheet(self, path: Path | None) -> None:
        """The next `ceremony studio` without --runsheet opens this one."""
        if path is not None and path.suffix.lower() in (".yaml", ".yml"):
            self.settings.setValue("console/runsheet", str(path.resolve()))

    def _use_edited(self, sheet: Runsheet) -> None:
        """Hand a saved run-sheet to the engine; the window follows once the engine took it.
        Venues cannot change while the studio runs (the engine refuses it too, in English):
        said here at once, in the operator's language."""
        if not sheet.same_venues(self.sheet):
            self.status_line.setText(
                self.tr(
                    "Saved, not used now: its venues differ from this ceremony's. Restart the "
                    "studio with this run-sheet to use it."
                )
            )
            return

        def done(future: Future[op.Result]) -> None:
            try:
                result = future.result()
            except Exception as exc:  # the link to the engine ended
                self.status_line.setText(self.tr("Saved, not used now: ") + str(exc))
                return
            if not result.ok:
                self.status_line.setText(self.tr("Saved, not used now: ") + result.detail)
                return
            self.set_sheet(sheet)

        self.host.when_done(self.host.replace_runsheet(sheet), done)

    def set_sheet(self, sheet: Runsheet) -> None:
        """Show an edited run-sheet's items (same venues)."""
        self.sheet = sheet
        self._row_colours.clear()
        self.items.setRowCount(len(sheet.items))
        for i, item in enumerate(sheet.items):
            values = [
                str(i + 1),
                "",
                item.title,
                item.speaker.name if item.speaker else "",
                self._source_name(item.source),
                format_clock(item.duration_s),
                "",
                "",
            ]
            for col, text in enumerate(values):
                self.items.setItem(i, col, QTableWidgetItem(text))

    def set_language(self, code: str) -> None:
        """Switch the interface language now; Qt re-translates every window."""
        if self.language is None:
            return
        self.language.use(code)
        self.settings.setValue("language", code)
        self.retranslate()  # LanguageChange also arrives; this makes it immediate

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if self.host.remote:  # the engine runs on without this window
            self.settings.setValue("console/geometry", self.saveGeometry())
            super().closeEvent(event)
            return
        if self.ask_before_closing and not self.close_confirmed and not self._ceremony_over():
            event.ignore()  # the engine runs in this process: closing ends the live run
            self._ask_to_close()
            return
        self.settings.setValue("console/geometry", self.saveGeometry())
        super().closeEvent(event)

    def _ceremony_over(self) -> bool:
        snap = self.host.latest_snapshot()
        return snap is not None and snap.view.status is Status.ENDED

    def _ask_to_close(self) -> None:
        if self.closing_question is not None:
            return

        def end_it() -> None:
            self.close_confirmed = True
            self.close()

        self.closing_question = ask(
            self,
            self.tr("End the ceremony?"),
            self.tr(
                "This is the LIVE ceremony. Closing this window ends it for every venue: "
                "recordings and the journal are closed and the venues are told the ceremony "
                "has ended. End it now?"
            ),
            end_it,
        )
        self.closing_question.finished.connect(self._forget_closing_question)

    def _forget_closing_question(self) -> None:
        self.closing_question = None

    # ---- input -------------------------------------------------------------------------

    def _source_name(self, source: Source) -> str:
        if source.kind.value == "venue":
            venue = self.sheet.venue(source.ref)
            return venue.name if venue else source.ref
        if source.kind.value == "studio":
            return self.tr("Studio")
        return source.ref

    def _command(self, command: cmd.Command) -> Future[Any]:
        return self.host.command(command)

    def _hold_or_resume(self) -> None:
        held = self.last is not None and self.last.view.status.value == "holding"
        self._command(cmd.Resume() if held else cmd.Hold())

    def _jump_to_selected(self) -> None:
        row = self.items.currentRow()
        if row >= 0:
            self._command(cmd.Jump(row))

    def _select_venue(self, venue_id: str) -> None:
        self.selected_venue = venue_id
        self.host.preview(venue_id)
        venue = self.sheet.venue(venue_id)
        self.status_line.setText(self.tr("Preview: ") + (venue.name if venue else venue_id))

    def _take_selected(self) -> None:
        if self.selected_venue is None:
            self.status_line.setText(self.tr("Click a venue tile first, then TAKE."))
            return
        vid = self.selected_venue
        self.host.take(Source.venue(vid))

    def _arm(self) -> Future[op.Result] | None:
        future = self.host.arm_countdown(self.lead.value())
        self.host.when_done(future, self._arm_done)
        return future

    def _arm_done(self, future: Future[op.Result]) -> None:
        exc = future.exception()
        if exc is not None:
            self.status_line.setText(self.tr("Cannot arm: ") + str(exc))
        elif not future.result().ok:
            self.status_line.setText(self.tr("Cannot arm: ") + future.result().detail)

    def _abort(self) -> None:
        self.host.abort_countdown()

    def _marker(self) -> None:
        text = self.note_text.text().strip() or self.tr("marker")
        self.host.marker(text)
        self.note_text.clear()

    def _note(self) -> None:
        text = self.note_text.text().strip()
        if text:
            self.host.protocol_note(text)  # journaled: the Log tab shows it within a second
            self.note_text.clear()

    def _recording_text(self, snap: Snapshot) -> str:
        r = snap.recording
        if not r.recording:
            return self.tr("Not recording.")
        text = self.tr(
            "Recording {0}: {1} s, {2} MB ({5} kbit/s), {3} venue files; {4} min of disk left"
        ).format(r.file, r.duration_s, r.size_mb, r.isos, r.free_min, r.kbps)
        if r.failed:
            text = self.tr("RECORDING STOPPED: ") + r.failed + "\n" + text
        return text

    def _send_cue(self) -> None:
        text = self.cue_text.text().strip()
        if not text:
            return
        target = self.cue_target.currentData()
        self.host.cue(text, target)
        self.chat_log.appendPlainText(f"→ {self.cue_target.currentText()}: [cue] {text}")
        self.cue_text.clear()

    def _send_chat(self) -> None:
        text = self.cue_text.text().strip()
        target = self.cue_target.currentData()
        if not text or target is None:
            self.status_line.setText(self.tr("Choose one venue to chat with."))
            return
        self.host.chat(target, text)
        self.chat_log.appendPlainText(f"→ {self.cue_target.currentText()}: {text}")
        self.cue_text.clear()

    # ---- output ------------------------------------------------------------------------

    def _refresh_clock(self) -> None:
        tz = self.sheet.ceremony.timezone
        wall = dt.datetime.now(zoneinfo.ZoneInfo(tz))
        self._tick.start(1000 - wall.microsecond // 1000 + CLOCK_AFTER_MS)
        end = _time_of_day(self.last.view.projected_end_wall, tz) if self.last else ""
        text = self.tr("Now ") + wall.strftime("%H:%M:%S") + "   " + self.tr("Projected end ") + end
        if self.clock.text() != text:
            self.clock.setText(text)

    def _pull_snapshot(self) -> None:
        snap = self.host.latest_snapshot()
        if snap is not None and snap is not self.last:
            if self.last is None:  # (the resilience bench times attaching by this line)
                log.info("live state shown (engine state %d)", snap.seq)
            self.on_snapshot(snap)

    def _pull_thumbnails(self) -> None:
        thumbs = self.host.latest_thumbnails()
        if thumbs:
            self.on_thumbnails(thumbs)

    def on_snapshot(self, snap: Snapshot) -> None:
        self.last = snap
        self._show_control(snap)
        override = self.tr("MANUAL OVERRIDE") if snap.manual_override else ""
        if self.override_label.text() != override:
            self.override_label.setText(override)
        view = snap.view
        tz = self.sheet.ceremony.timezone
        with CellBatch(self.items) as items:  # the view hears once of what changed
            for row in view.rows:
                i = row.index
                items.set_text(i, 1, _time_of_day(row.planned_start_wall, tz))
                items.set_text(
                    i, 6, _time_of_day(row.actual_start_wall, tz) if row.actual_start_wall else ""
                )
                over = (
                    ""
                    if row.over_s is None
                    else f"{'+' if row.over_s >= 0 else ''}{row.over_s:.0f} s"
                )
                items.set_text(i, 7, over)
                colour = {
                    ItemStatus.ON_AIR: QColor("#c62828"),
                    ItemStatus.DONE: QColor("#37474f"),
                    ItemStatus.SKIPPED: QColor("#5d4037"),
                }.get(row.status)
                if self._row_colours.get(i) != row.status:
                    self._row_colours[i] = row.status
                    for col in range(8):
                        items.set_background(i, col, colour if colour else QColor(0, 0, 0, 0))
                        items.set_foreground(
                            i, col, QColor("#ffffff") if colour else QColor("#000000")
                        )
        if view.current is not None:
            item = self.sheet.items[view.current]
            caption = item.title + (f" — {item.speaker.name}" if item.speaker else "")
            if view.status.value == "holding":
                caption = self.tr("HOLD · ") + caption
            self.timer.set_remaining(view.remaining_s, view.phase, caption)
        else:
            caption = self.tr("Ended") if view.status.value == "ended" else self.tr("Ready")
            self.timer.set_remaining(None, None, caption)
        self.hold.setText(
            self.tr("RESUME (H)") if view.status.value == "holding" else self.tr("HOLD (H)")
        )
        self.undo.setEnabled(view.can_undo)
        with CellBatch(self.board) as board:  # the view hears once of what changed
            self._fill_board(snap, board)
        for v in snap.venues:
            tile = self.tiles[v.id]
            flags = []
            if v.id in snap.countdown_flagged:
                flags.append(self.tr("clock ±{0:.0f} ms").format(v.countdown_bound_ms or 0))
            if v.sound_problem:
                flags.append(self.tr("no sound at the venue"))
            flag = " · ".join(flags)
            tile.set_state(
                tally=v.tally,
                status=v.status,
                figures=f"RTT {v.rtt_ms or 0:.0f} ms · {v.video_fps:.0f} fps"
                + (self.tr(" · loss {0} %").format(_loss(v)) if _lossy(v) else "")
                if v.status != "invited"  # never connected: no figures to show, not zeros
                else "",
                level_dbfs=v.audio_dbfs,
                flag=flag,
            )
        on_air = next((v.id for v in snap.venues if v.tally == "on_air"), None)
        self.multiviewer.follow(on_air, snap.preview)
        self.multiviewer.show_health(health_counts(snap.venues, snap.countdown_flagged))
        self._show_preview(snap)
        self.countdown_state.setText(self._countdown_summary(snap))
        self.record_health.setText(self._recording_text(snap))
        problems = "; ".join(f"{k}: {v}" for k, v in snap.device_problems.items())
        if self.problems_label.text() != problems:
            self.problems_label.setText(problems)  # devices, disk, recording: always in view

    def _fill_board(self, snap: Snapshot, board: CellBatch) -> None:
        for i, v in enumerate(self.board.order(snap.venues, snap.countdown_flagged, board)):
            values = [
                words.venue_state(v.status)
                + (f" ↻{v.reconnects}" if v.reconnects else "")
                + (
                    " · " + self.tr("{0:.0f} s ago").format(v.last_seen_s)
                    if v.status == "lost" and v.last_seen_s is not None
                    else ""
                )
                + (" · " + self.tr("no sound") if v.sound_problem else ""),
                f"{v.rtt_ms:.0f}" if v.rtt_ms is not None else "",
                _loss(v),
                f"{v.video_fps:.0f}",
                f"{v.program_fps:.0f}",
                f"{v.latency_ms:.0f}" if v.latency_ms is not None else "",
                (self.tr("yes") + (f" ({v.contact})" if v.contact else "")) if v.ready else "",
                self._countdown_cell(v),
            ]
            for col, text in enumerate(values, start=1):
                board.set_text(i, col, text)
            board.set_tooltip(i, 1, v.sound_problem)  # the venue's own words on why
            lost = v.status == "lost"
            if self._board_lost.get(i) != lost:
                self._board_lost[i] = lost
                for col in range(BOARD_COLUMNS):
                    board.set_background(i, col, QColor("#ffcdd2") if lost else QColor(0, 0, 0, 0))

    def _show_preview(self, snap: Snapshot) -> None:
        row = next((v for v in snap.venues if v.id == snap.preview), None)
        if row is None:
            self.preview.title = self.tr("PREVIEW")
            self.preview.image = None
            self.preview.update()
            self.preview.set_state(tally="preview", status="—", figures="", level_dbfs=None)
            return
        title = self.tr("PREVIEW") + f" · {row.name}"
        if title != self.preview.title:
            self.preview.title = title
            self.preview.update()
        self.preview.set_state(
            tally="preview",
            status=row.status,
            figures=f"RTT {row.rtt_ms or 0:.0f} ms · {row.video_fps:.0f} fps",
            level_dbfs=row.audio_dbfs,
        )

    def _countdown_cell(self, v: VenueRow) -> str:
        if v.countdown_state is None:
            return ""
        text = words.arm_state(v.countdown_state)
        if v.countdown_bound_ms is not None:
            text += f" ±{v.countdown_bound_ms:.1f}"
        if v.countdown_error_ms is not None:
            text += f" err {v.countdown_error_ms:+.1f}"
        return text

    def _countdown_summary(self, snap: Snapshot) -> str:
        if snap.countdown_fire_at is None:
            return ""
        left = snap.countdown_fire_at - snap.now.mono
        acked = sum(1 for v in snap.venues if v.countdown_state in ("armed", "fired"))
        if left > 0:
            return self.tr("T−{0:.1f} s · {1}/{2} venues armed").format(
                left, acked, len(snap.venues)
            )
        return self.tr("Zero passed")

    def on_thumbnails(self, thumbs: dict[str, QImage]) -> None:
        for key, image in thumbs.items():
            tile = {"program": self.program, "preview": self.preview}.get(key) or self.tiles.get(
                key
            )
            if tile is not None:
                tile.set_image(image)

    def _read_journal(self) -> None:
        path_now = self.last.journal_path if self.last else ""
        if self._journal is not None and path_now and Path(path_now) != self._journal.path:
            self._journal = None  # attached to an engine that writes another journal
        if self._journal is None:
            path = path_now
            if not path:
                return
            self._journal = JournalTail(Path(path))
        tz = zoneinfo.ZoneInfo(self.sheet.ceremony.timezone)
        for record in self._journal.read():
            text = describe_record(record)
            if text is not None:
                when = dt.datetime.fromtimestamp(record.wall, tz)
                self.log_view.appendPlainText(f"{when:%H:%M:%S}  {text}")

    def on_message(self, kind: str, text: str) -> None:
        """Said at once (the Log tab gets them too, from the journal)."""
        if kind == "refused":
            self.status_line.setText(self.tr("Refused: ") + text)
        elif kind == "chat":
            self.chat_log.appendPlainText("← " + text)
        elif kind == "link":  # attached again after the link was lost
            self.go.setEnabled(True)
            welcome = getattr(self.host, "welcome", None)
            if welcome is not None:  # the engine may have been restarted meanwhile
                self.set_run(welcome.run_id, welcome.rehearsal)
            if not self._say_if_resumed():
                self.status_line.setText(self.tr("Attached to the studio engine again."))
