"""The program as the hall sees it: the picture, tally, cues, timer, countdown and its zero.

Used twice: inside the crew's window and full screen on the projector. Everything it shows is
computed from the venue view and a clock it is given, so tests can drive it with a fake clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import av
from PySide6.QtCore import QRect, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from ceremony.countdown import ArmState, seconds_shown, zero_screen_from
from ceremony.sequencer.events import Phase
from media.compositor import bgra_picture
from media.venue import LinkState
from ui.venue.host import VenueView
from ui.widgets.tiles import bgra_image
from ui.widgets.timer import PHASE_COLOURS, format_clock

CUE_SHOWN_S = 15.0
PHASES = {p.value for p in Phase}
TALLY_COLOURS = {"on_air": "#d32f2f", "preview": "#388e3c", "standby": "#424242"}


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
        p = self.view.program
        if p is None or p.tally.value != "on_air" or p.remaining_s is None:
            return None
        if p.held:
            return p.remaining_s
        return p.remaining_s - (time.monotonic() - self.view.program_at)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        r = self.rect()
        p.fillRect(r, QColor("#000000"))
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
        unit = max(12, r.height() // 24)
        tally = v.program.tally.value if v.program else "standby"
        colour = TALLY_COLOURS.get(tally, TALLY_COLOURS["standby"])
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
            cue = QRect(0, r.height() - unit * 4, r.width(), unit * 3)
            p.fillRect(cue, QColor("#fdd835"))
            p.setPen(QColor("#000000"))
            p.setFont(_font(unit * 1.4, bold=True))
            p.drawText(cue, Qt.AlignmentFlag.AlignCenter, cue_text)
        digits = self.countdown_text()
        if digits is not None:
            p.fillRect(r, QColor(0, 0, 0, 150))
            p.setPen(QColor("#ffffff"))
            p.setFont(_font(r.height() // 2, bold=True))
            p.drawText(r, Qt.AlignmentFlag.AlignCenter, digits)
        elif self.inaugurated():
            p.fillRect(r, QColor("#b71c1c"))
            p.setPen(QColor("#ffffff"))
            p.setFont(_font(r.height() // 6, bold=True))
            p.drawText(
                r.adjusted(0, 0, 0, -r.height() // 5),
                Qt.AlignmentFlag.AlignCenter,
                self.tr("DIRESMIKAN"),
            )
            ceremony = v.program.ceremony_title if v.program else ""
            # As large as fits: the ceremony's title is long, the projector's width is not.
            p.setFont(_font(min(unit * 1.5, r.width() * 1.6 / max(10, len(ceremony)))))
            p.drawText(r.adjusted(0, r.height() // 3, 0, 0), Qt.AlignmentFlag.AlignCenter, ceremony)
            self._report_zero()
        banner_text = self.link_banner()
        if banner_text:
            banner = QRect(0, r.height() // 2 - unit * 2, r.width(), unit * 4)
            p.fillRect(banner, QColor(255, 143, 0, 220))
            p.setPen(QColor("#000000"))
            p.setFont(_font(unit * 1.4, bold=True))
            p.drawText(banner, Qt.AlignmentFlag.AlignCenter, banner_text)
        p.end()

    def _report_zero(self) -> None:
        deadline = self.view.countdown_deadline
        if deadline is None or deadline == self._zero_reported:
            return
        self._zero_reported = deadline
        self.zero_shown.emit(self.clock() - deadline)

    def tally_label(self, tally: str) -> str:
        if tally == "on_air":
            return self.tr("ON AIR")
        if tally == "preview":
            return self.tr("PREVIEW")
        return self.tr("STANDBY")

    def link_banner(self) -> str | None:
        """Never a frozen picture without saying so."""
        if self.view.link is LinkState.RECONNECTING:
            return self.tr("Reconnecting to the studio… the picture is not live")
        if self.view.link is LinkState.CONNECTING:
            return self.tr("Connecting to the studio…")
        if self.view.link is LinkState.REPLACED:
            return self.tr("Another computer joined as this venue")
        return None

    def cue_text(self) -> str | None:
        v = self.view
        return v.cue if v.cue and time.monotonic() - v.cue_at < CUE_SHOWN_S else None


def _font(size: float, *, bold: bool = False) -> QFont:
    font = QFont()
    font.setPixelSize(max(8, int(size)))
    font.setBold(bold)
    return font


def _fit(w: int, h: int, box_w: int, box_h: int) -> tuple[int, int]:
    """w×h scaled to fill box_w×box_h without distortion (letterboxed)."""
    scale = min(box_w / w, box_h / h)
    return max(2, round(w * scale)), max(2, round(h * scale))


def _fits(w: int, h: int, box_w: int, box_h: int) -> bool:
    return _fit(w, h, box_w, box_h) == (w, h)
