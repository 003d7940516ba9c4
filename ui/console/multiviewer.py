"""The multiviewer for many venues: a page of tiles at a time, the on-air and preview venues
always among them, page buttons and keys (Ctrl+PgDown / Ctrl+PgUp), and a line that sums up
every venue's health (the board lists them all, troubled first: ui/console/board.py).

The venues shown are announced (`shown_changed`): through an SFU the studio takes only those
venues' pictures, so a page that is not shown costs nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ceremony.runsheet import Venue
from ui.console.board import Health
from ui.widgets.tiles import VideoTile

PAGE_SIZE = 16
COLUMNS = 6


def page_count(venues: int, size: int = PAGE_SIZE) -> int:
    """Pages of `size` tiles, two of which stay free for the on-air and preview venues."""
    if venues <= size:
        return 1
    return math.ceil(venues / (size - 2))


def page_of(
    venue_ids: Sequence[str],
    page: int,
    on_air: str | None,
    preview: str | None,
    size: int = PAGE_SIZE,
) -> list[str]:
    """The venues on `page` (0-based), in run-sheet order, with the on-air and preview venues
    added first when they are on another page: they are always in view."""
    if len(venue_ids) <= size:
        return list(venue_ids)
    per_page = size - 2
    page = max(0, min(page, page_count(len(venue_ids), size) - 1))
    chunk = list(venue_ids[page * per_page : (page + 1) * per_page])
    pinned = [v for v in (on_air, preview) if v is not None and v in venue_ids and v not in chunk]
    return list(dict.fromkeys(pinned)) + chunk


class Multiviewer(QWidget):
    shown_changed = Signal(frozenset)  # the venue ids whose tiles are on screen

    def __init__(
        self,
        venues: Sequence[Venue],
        on_picture_size: Callable[[str, int, int], None],
        on_select: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.venue_ids = [v.id for v in venues]
        self.tiles: dict[str, VideoTile] = {}
        for venue in venues:
            tile = VideoTile(venue.id, venue.name)
            tile.clicked.connect(on_select)
            tile.resized.connect(on_picture_size)
            tile.hide()
            self.tiles[venue.id] = tile
        self.page = 0
        self.on_air: str | None = None
        self.preview: str | None = None
        self.shown: list[str] = []
        self._grid = QGridLayout()
        self.previous = QPushButton("◀")
        self.next = QPushButton("▶")
        self.page_label = QLabel()
        self.health_label = QLabel()
        self.previous.clicked.connect(lambda: self.turn(-1))
        self.next.clicked.connect(lambda: self.turn(1))
        bar = QHBoxLayout()
        for widget in (self.previous, self.page_label, self.next):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.health_label)
        layout = QVBoxLayout()
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addLayout(self._grid, 1)
        self.setLayout(layout)
        for keys, step in (("Ctrl+PgDown", 1), ("Ctrl+PgUp", -1)):
            action = QAction(self)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(lambda _=False, s=step: self.turn(s))
            self.addAction(action)
        paged = page_count(len(self.venue_ids)) > 1
        for widget in (self.previous, self.next, self.page_label):
            widget.setVisible(paged)
        self._health: dict[Health, int] = {}
        self._announced = False
        self._lay_out()
        self.retranslate()

    @property
    def pages(self) -> int:
        return page_count(len(self.venue_ids))

    def turn(self, step: int) -> None:
        """Next (+1) or previous (-1) page, wrapping round."""
        self.page = (self.page + step) % self.pages
        self._lay_out()

    def follow(self, on_air: str | None, preview: str | None) -> None:
        """The on-air and preview venues (from each snapshot): kept in view."""
        if (on_air, preview) != (self.on_air, self.preview):
            self.on_air, self.preview = on_air, preview
            self._lay_out()
        if not self._announced:  # the engine is running now: tell it what is shown
            self._announced = True
            self.shown_changed.emit(frozenset(self.shown))

    def show_health(self, health: dict[Health, int]) -> None:
        if health != self._health:
            self._health = health
            self.retranslate()

    def _lay_out(self) -> None:
        shown = page_of(self.venue_ids, self.page, self.on_air, self.preview)
        if shown == self.shown:
            return
        for vid in self.shown:
            self._grid.removeWidget(self.tiles[vid])
            self.tiles[vid].hide()
        for i, vid in enumerate(shown):
            self._grid.addWidget(self.tiles[vid], i // COLUMNS, i % COLUMNS)
            self.tiles[vid].show()
        self.shown = shown
        self.retranslate()
        if self._announced:
            self.shown_changed.emit(frozenset(shown))

    def retranslate(self) -> None:
        self.page_label.setText(self.tr("Page {0} of {1}").format(self.page + 1, self.pages))
        self.previous.setToolTip(self.tr("Previous page (Ctrl+PgUp)"))
        self.next.setToolTip(self.tr("Next page (Ctrl+PgDown)"))
        self.health_label.setText(
            self.tr("{0} venues: {1} well · {2} with problems · {3} lost · {4} waiting").format(
                len(self.venue_ids),
                self._health.get(Health.WELL, 0),
                self._health.get(Health.TROUBLED, 0),
                self._health.get(Health.LOST, 0),
                self._health.get(Health.WAITING, 0),
            )
        )

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
