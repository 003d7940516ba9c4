"""Multiviewer tiles: a picture, a name, a tally border, an audio meter and link figures."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from ui.widgets import words

TALLY_COLOURS = {"on_air": QColor("#e53935"), "preview": QColor("#43a047")}


def bgra_image(width: int, height: int, bgra: bytes) -> QImage:
    """A QImage that owns its pixels, from B, G, R, 255 bytes (Qt's own RGB32: drawn as is).

    Not QImage(bytes, ...): in PySide6 6.12 images built over a Python buffer corrupted a
    reference count (the process crashed at exit after a few thousand thumbnails).
    """
    image = QImage(width, height, QImage.Format.Format_RGB32)
    memoryview(image.bits()).cast("B")[: width * height * 4] = bgra[: width * height * 4]
    return image


class VideoTile(QWidget):
    """Paints the latest thumbnail it was given; clicking selects the tile.

    The engine sends pictures fitted into the size the tile asked for (`picture_size`, announced
    with `resized`; the frame's shape kept), so painting is one straight copy, centred; only a
    picture for another size is scaled."""

    clicked = Signal(str)
    resized = Signal(str, int, int)  # key, picture width, height

    def __init__(self, key: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.title = title
        self.image: QImage | None = None
        self._scaled: QImage | None = None
        self.tally = "standby"
        self.status = "invited"
        self.figures = ""
        self.level_dbfs: float | None = None
        self.flag = ""
        self.setMinimumSize(192, 140)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        # paintEvent covers every pixel: Qt need not paint what lies behind the tile first.
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def set_picture(self, width: int, height: int, bgra: bytes) -> None:
        self.set_image(bgra_image(width, height, bgra))

    def set_image(self, image: QImage) -> None:
        """The new picture (made off the GUI thread: ui/bridge.tile_image)."""
        self.image = image
        self._scaled = None  # scaled (if at all) once per picture, not on every repaint
        self.update(self._picture_rect())

    def _picture_rect(self) -> QRect:
        return self.rect().adjusted(4, 4, -14, -36)

    def _words_rect(self) -> QRect:
        """Below the picture: the name and the figures (or the flag)."""
        r, pic = self.rect(), self._picture_rect()
        return QRect(r.left(), pic.bottom() + 1, r.width(), r.bottom() - pic.bottom())

    def _meter_rect(self) -> QRect:
        pic = self._picture_rect()
        return QRect(self.rect().right() - 9, pic.top(), 6, pic.height())

    def picture_size(self) -> tuple[int, int]:
        pic = self._picture_rect()
        return max(16, pic.width()), max(16, pic.height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.resized.emit(self.key, *self.picture_size())

    def set_state(
        self, *, tally: str, status: str, figures: str, level_dbfs: float | None, flag: str = ""
    ) -> None:
        """With every state (four times a second): only what changed is repainted — a new
        tally or status the whole tile, new figures their line, a new level the meter."""
        whole = (tally, status) != (self.tally, self.status)
        words = (figures, flag) != (self.figures, self.flag)
        level = level_dbfs != self.level_dbfs
        self.tally, self.status, self.figures, self.level_dbfs, self.flag = (
            tally,
            status,
            figures,
            level_dbfs,
            flag,
        )
        if whole:
            self.update()
            return
        if words:
            self.update(self._words_rect())
        if level:
            self.update(self._meter_rect())

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        self.clicked.emit(self.key)
        super().mousePressEvent(event)

    @staticmethod
    def _fits(image: QImage, pic: QRect) -> bool:
        """The engine's picture for this box: the frame's shape fitted inside it, one side
        filling it (to a pixel: the engine rounds on its own)."""
        w, h = image.width(), image.height()
        inside = w <= pic.width() and h <= pic.height()
        return inside and (w >= pic.width() - 1 or h >= pic.height() - 1)

    def _paint_picture(self, p: QPainter, pic: QRect) -> None:
        if self.image is not None and self.status == "joined":
            image = self.image
            if not self._fits(image, pic):  # just resized: the next picture will fit
                if self._scaled is None or not self._fits(self._scaled, pic):
                    self._scaled = image.scaled(
                        pic.size(),
                        Qt.AspectRatioMode.KeepAspectRatio,
                        Qt.TransformationMode.FastTransformation,
                    )
                image = self._scaled
            # Centred: the bars beside a picture of another shape are the tile's background.
            x = pic.left() + (pic.width() - image.width()) // 2
            y = pic.top() + (pic.height() - image.height()) // 2
            p.drawImage(x, y, image)
        else:
            p.setPen(QColor("#bbbbbb"))
            p.drawText(pic, Qt.AlignmentFlag.AlignCenter, words.venue_state(self.status).upper())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        r = self.rect()
        pic = self._picture_rect()
        # A new picture repaints only its rectangle and a new level only the meter's: what
        # lies outside the repainted region is not drawn again (the words cost the most).
        region = event.region()
        only_picture = pic.contains(region.boundingRect())
        covered = (  # the picture fills the box: no bars to paint
            self.image is not None and self.status == "joined" and self.image.size() == pic.size()
        )
        if not (only_picture and covered):  # (a picture drawn whole needs no background)
            p.fillRect(r, QColor("#111111"))  # (clipped to the region)
        if region.intersects(pic):
            self._paint_picture(p, pic)
        if only_picture:
            p.end()
            return
        # Audio meter on the right edge: -60 dBFS .. 0.
        bar = self._meter_rect()
        if self.level_dbfs is not None and region.intersects(bar):
            fill = max(0.0, min(1.0, (self.level_dbfs + 60) / 60))
            p.fillRect(bar, QColor("#333333"))
            h = int(bar.height() * fill)
            colour = QColor("#e53935") if self.level_dbfs > -6 else QColor("#7cb342")
            p.fillRect(QRect(bar.left(), bar.bottom() - h, bar.width(), h), colour)
        if region.intersects(self._words_rect()):
            p.setPen(QColor("#ffffff"))
            p.drawText(r.adjusted(6, 0, -6, -18), Qt.AlignmentFlag.AlignBottom, self.title)
            p.setPen(QColor("#ffcc80") if self.flag else QColor("#b0bec5"))
            p.drawText(
                r.adjusted(6, 0, -6, -2), Qt.AlignmentFlag.AlignBottom, self.flag or self.figures
            )
        lost = self.status == "lost"
        border = TALLY_COLOURS.get(self.tally, QColor("#ffb300") if lost else QColor("#424242"))
        p.setPen(QPen(border, 4 if self.tally in TALLY_COLOURS or lost else 1))
        p.drawRect(r.adjusted(2, 2, -2, -2))
        p.end()
