"""The program as the hall sees it: the picture, tally, cues, timer, countdown and its zero.

Used twice: inside the crew's window and full screen on the projector. Everything it shows is
computed from the venue view and a clock it is given, so tests can drive it with a fake clock.
"""

from __future__ import annotations

from collections.abc import Callable

import av
from PySide6.QtCore import QRect, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from ceremony.countdown import ArmState, seconds_shown, speaker_remaining, zero_screen_from
from ceremony.sequencer.events import Phase
from ceremony.wire import Tally
from media.compositor import bgra_picture
from media.venue import LinkState
from ui.venue.host import VenueView
from ui.widgets.tiles import bgra_image
from ui.widgets.timer import PHASE_COLOURS, format_clock

CUE_SHOWN_S = 15.0
PHASES = {p.value for p in Phase}
TALLY_COLOURS = {Tally.ON_AIR: "#d32f2f", Tally.PREVIEW: "#388e3c", Tally.STANDBY: "#424242"}


class ProgramView(QWidget):
    # The zero screen was painted this many seconds after the deadline (negative: before).
    zero_shown = Signal(float)

    def __init__(self, clock: Callable[[], float], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.clock = clock
        self.view = VenueView()
        # The repaint for the frame shown at zero, on its own precise timer: the window's
        # 50 ms tick would show the zero screen up to 50 ms late.
        self._zero_timer = QTimer(self)
        self._zero_timer.setSingleShot(True)
        self._zero_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._zero_timer.timeout.connect(self.repaint)
        self._zero_reported: float | None = None  # the deadline whose zero screen was reported
        self.image: QImage | None = None
        self.setMinimumSize(480, 270)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_view(self, view: VenueView) -> None:
        self.view = view
        self._plan_zero()
        self.update()

    def frame_s(self) -> float:
        screen = self.screen()
        rate = screen.refreshRate() if screen is not None else 0.0
        return 1.0 / rate if rate > 1 else 1.0 / 60

    def _plan_zero(self) -> None:
        v = self.view
        if v.countdown_state is not ArmState.ARMED or v.countdown_deadline is None:
            self._zero_timer.stop()
            return
        at = zero_screen_from(v.countdown_deadline, self.frame_s())
        self._zero_timer.start(max(0, int((at - self.clock()) * 1000)))

    def set_frame(self, frame: av.VideoFrame) -> None:
        """Converted and scaled to fit this screen by cv2 (outside the interpreter lock, which
        the countdown's firing thread may need), so painting is a plain copy."""
        if frame.format.name != "yuv420p":
            return
        w, h = _fit(frame.width, frame.height, max(1, self.width()), max(1, self.height()))
        self.image = bgra_image(w, h, bgra_picture(frame, w, h))
        self.update()

    def set_bgra(self, width: int, height: int, bgra: bytes) -> None:
        """A picture already fitted and converted (by the window link's thread)."""
        self.image = bgra_image(width, height, bgra)
        self.update()

    # What the screen is showing right now (also what the tests look at).
    def countdown_text(self) -> str | None:
        v = self.view
        if v.countdown_state is not ArmState.ARMED or v.countdown_deadline is None:
            return None
        if self._zero_due():
            return None
        return str(seconds_shown(v.countdown_deadline, self.clock()))

    def _zero_due(self) -> bool:
        """Armed and the deadline is here: the zero screen, before the fire report says so."""
        v = self.view
        return (
            v.countdown_state is ArmState.ARMED
            and v.countdown_deadline is not None
            and self.clock() >= zero_screen_from(v.countdown_deadline, self.frame_s())
        )

    def inaugurated(self) -> bool:
        """After zero, until the operator moves on to another item."""
        v = self.view
        return v.countdown_state is ArmState.FIRED or self._zero_due()

    def confidence_remaining(self) -> float | None:
        """The speaker's time left, when this venue is on air."""
        v = self.view
        p = v.program
        if p is None or p.tally is not Tally.ON_AIR:
            return None
        return speaker_remaining(p, v.program_offset, self.clock(), v.program_at)

    def ended(self) -> bool:
        """The studio said the ceremony is over: the calm end screen, no banner."""
        v = self.view
        return v.link is LinkState.ENDED or (v.program is not None and v.program.ended)

    def ceremony_title(self) -> str:
        v = self.view
        if v.program is not None and v.program.ceremony_title:
            return v.program.ceremony_title
        return v.welcome.ceremony_title if v.welcome is not None else ""

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        r = self.rect()
        p.fillRect(r, QColor("#000000"))
        unit = _unit(r)
        banner_text = self.link_banner()
        banner, area = self.banner_box(r)
        if self.ended():
            self._paint_ended(p, area, unit)
        else:
            self._paint_live(p, r, area, unit)
        if banner_text and banner is not None:
            p.fillRect(banner, QColor(255, 143, 0, 235))
            p.setPen(QColor("#000000"))
            inner = banner.adjusted(unit // 2, 0, -unit // 2, 0)
            _draw_line(p, banner_text, inner, unit * 1.3, unit * 0.9, bold=True)
        p.end()

    def _paint_live(self, p: QPainter, r: QRect, area: QRect, unit: int) -> None:
        v = self.view
        if self.image is not None:
            scaled = self.image
            if not _fits(scaled.width(), scaled.height(), r.width(), r.height()):
                scaled = scaled.scaled(  # resized since the last picture: until the next one
                    r.size(),
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.FastTransformation,
                )
            p.drawImage(
                r.center().x() - scaled.width() // 2, r.center().y() - scaled.height() // 2, scaled
            )
        tally = v.program.tally if v.program else Tally.STANDBY
        colour = TALLY_COLOURS.get(tally, TALLY_COLOURS[Tally.STANDBY])
        label = self.tally_label(tally)
        bar = QRect(0, 0, r.width(), unit * 2)
        p.fillRect(bar, QColor(colour))
        p.setPen(QColor("#ffffff"))
        p.setFont(_font(unit))
        title = v.program.item_title if v.program and v.program.item_title else ""
        p.drawText(bar.adjusted(unit, 0, -unit, 0), Qt.AlignmentFlag.AlignVCenter, label)
        p.drawText(
            bar.adjusted(unit, 0, -unit, 0),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
            title,
        )
        remaining = self.confidence_remaining()
        if remaining is not None and v.program is not None:
            phase = Phase(v.program.phase) if v.program.phase in PHASES else None
            bg, fg = PHASE_COLOURS[phase]
            box = QRect(r.width() - unit * 10, unit * 3, unit * 9, unit * 3)
            p.fillRect(box, QColor(bg))
            p.setPen(QColor(fg))
            p.setFont(_font(unit * 2, bold=True))
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, format_clock(remaining))
        cue_text = self.cue_text()
        if cue_text:
            cue = QRect(0, area.bottom() + 1 - unit * 4, r.width(), unit * 3)
            p.fillRect(cue, QColor("#fdd835"))
            p.setPen(QColor("#000000"))
            p.setFont(_font(unit * 1.4, bold=True))
            p.drawText(cue, Qt.AlignmentFlag.AlignCenter, cue_text)
        digits = self.countdown_text()
        if digits is not None:
            p.fillRect(r, QColor(0, 0, 0, 150))
            p.setPen(QColor("#ffffff"))
            p.setFont(_font(area.height() // 2, bold=True))
            p.drawText(area, Qt.AlignmentFlag.AlignCenter, digits)
        elif self.inaugurated():
            p.fillRect(r, QColor("#b71c1c"))
            p.setPen(QColor("#ffffff"))
            word, below = self.inaugurated_boxes(area)
            centred = Qt.AlignmentFlag.AlignCenter
            p.setFont(self.inaugurated_font(word))
            p.drawText(word, centred, self.tr("DIRESMIKAN"))
            # As large as fits: the ceremony's title is long, the projector's width is not.
            _draw_title(p, self.ceremony_title(), below, unit)
            self._report_zero()

    # Where the words go (also what the tests measure).
    def banner_box(self, r: QRect) -> tuple[QRect | None, QRect]:
        """The link banner's strip at the bottom (None without a banner), and the rest. The
        screens above it (DIRESMIKAN, the digits, the end) are laid out in the rest, so a
        banner never covers their words, whatever the window's size."""
        if not self.link_banner():
            return None, QRect(r)
        unit = _unit(r)
        return QRect(0, r.height() - unit * 3, r.width(), unit * 3), r.adjusted(0, 0, 0, -unit * 3)

    def inaugurated_boxes(self, area: QRect) -> tuple[QRect, QRect]:
        """DIRESMIKAN's box and the ceremony title's box below it."""
        unit, h = _unit(self.rect()), area.height()
        word = area.adjusted(unit, 0, -unit, -h // 5)
        return word, area.adjusted(unit, h * 3 // 5, -unit, 0)

    def inaugurated_font(self, word: QRect) -> QFont:
        return _fitted(
            self.tr("DIRESMIKAN"),
            word,
            word.height() / 4.8,
            Qt.AlignmentFlag.AlignCenter,
            bold=True,
        )

    def _paint_ended(self, p: QPainter, area: QRect, unit: int) -> None:
        p.fillRect(self.rect(), QColor("#1a2b3c"))
        p.setPen(QColor("#ffffff"))
        h = area.height()
        centred = Qt.AlignmentFlag.AlignCenter
        wrap = centred | Qt.TextFlag.TextWordWrap
        words = self.ended_text()
        top = area.adjusted(unit, h // 6, -unit, -h // 2)
        p.setFont(_fitted(words, top, h / 9, wrap, bold=True))
        p.drawText(top, wrap, words)
        p.setPen(QColor("#cfd8dc"))
        middle = area.adjusted(unit, h // 2, -unit, -h // 4)
        _draw_title(p, self.ceremony_title(), middle, unit)
        bottom = area.adjusted(unit, h * 3 // 4, -unit, -h // 10)
        thanks = self.tr("Thank you")
        p.setFont(_fitted(thanks, bottom, unit * 1.5, wrap))
        p.drawText(bottom, wrap, thanks)

    def _report_zero(self) -> None:
        deadline = self.view.countdown_deadline
        if deadline is None or deadline == self._zero_reported:
            return
        self._zero_reported = deadline
        self.zero_shown.emit(self.clock() - deadline)

    def ended_text(self) -> str:
        return self.tr("The ceremony has ended")

    def tally_label(self, tally: Tally) -> str:
        if tally is Tally.ON_AIR:
            return self.tr("ON AIR")
        if tally is Tally.PREVIEW:
            return self.tr("PREVIEW")
        return self.tr("STANDBY")

    def link_banner(self) -> str | None:
        """Never a frozen picture without saying so; nothing to say once the ceremony is over."""
        if self.ended():
            return None
        if self.view.link is LinkState.RECONNECTING:
            return self.tr("Reconnecting to the studio… the picture is not live")
        if self.view.link is LinkState.CONNECTING:
            return self.tr("Connecting to the studio…")
        if self.view.link is LinkState.REPLACED:
            return self.tr("Another computer joined as this venue")
        if self.view.link is LinkState.STOPPED:
            return self.tr("The link to the studio has stopped on this computer")
        return None

    def cue_text(self) -> str | None:
        v = self.view
        return v.cue if v.cue and self.clock() - v.cue_at < CUE_SHOWN_S else None


def _font(size: float, *, bold: bool = False) -> QFont:
    font = QFont()
    font.setPixelSize(max(8, int(size)))
    font.setBold(bold)
    return font


def _draw_line(
    p: QPainter, text: str, box: QRect, size: float, readable: float, *, bold: bool = False
) -> None:
    """Centred on one line, as large as fits up to `size` px; wrapped only when one line would
    be smaller than `readable` (a long text in a small window)."""
    centred = Qt.AlignmentFlag.AlignCenter
    font = _fitted(text, box, size, centred, bold=bold)
    flags: int = centred
    if font.pixelSize() < readable:
        flags = centred | Qt.TextFlag.TextWordWrap
        font = _fitted(text, box, size, flags, bold=bold)
    p.setFont(font)
    p.drawText(box, flags, text)


def _draw_title(p: QPainter, text: str, box: QRect, unit: int) -> None:
    _draw_line(p, text, box, unit * 1.5, unit)


def _unit(r: QRect) -> int:
    """The screen's text unit: everything scales with the window's height."""
    return max(12, r.height() // 24)


def _fitted(text: str, box: QRect, size: float, flags: int, *, bold: bool = False) -> QFont:
    """The largest font up to `size` px in which `text` fits `box` (a small window or a long
    translation shrinks the words instead of cutting them off)."""
    font = _font(size, bold=bold)
    while font.pixelSize() > 8:
        needed = QFontMetrics(font).boundingRect(box, flags, text)
        if needed.width() <= box.width() and needed.height() <= box.height():
            break
        font.setPixelSize(max(8, int(font.pixelSize() * 0.9)))
    return font


def _fit(w: int, h: int, box_w: int, box_h: int) -> tuple[int, int]:
    """w×h scaled to fill box_w×box_h without distortion (letterboxed)."""
    scale = min(box_w / w, box_h / h)
    return max(2, round(w * scale)), max(2, round(h * scale))


def _fits(w: int, h: int, box_w: int, box_h: int) -> bool:
    return _fit(w, h, box_w, box_h) == (w, h)
