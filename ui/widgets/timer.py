"""The speaker timer: large digits coloured by phase."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ceremony.sequencer.events import Phase

PHASE_COLOURS = {
    None: ("#1e1e1e", "#9e9e9e"),
    Phase.NORMAL: ("#1b5e20", "#ffffff"),
    Phase.WARNING: ("#f9a825", "#000000"),
    Phase.DANGER: ("#c62828", "#ffffff"),
    Phase.OVERTIME: ("#4a0072", "#ffffff"),
}


def format_clock(seconds: float) -> str:
    """Whole seconds rounded up, as a speaker's timer counts: 0.4 s left shows 00:01, zero shows
    00:00 for its whole second, then overtime counts -00:01, -00:02 ..."""
    shown = math.ceil(seconds)
    sign = "-" if shown < 0 else ""
    s = abs(shown)
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{sign}{h}:{m:02d}:{sec:02d}" if h else f"{sign}{m:02d}:{sec:02d}"


class SpeakerTimer(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.digits = QLabel("--:--")
        self.digits.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = QFont()
        font.setPointSize(48)
        font.setBold(True)
        self.digits.setFont(font)
        self.caption = QLabel("")
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addWidget(self.digits)
        layout.addWidget(self.caption)
        self.phase: Phase | None = None
        self._styled: tuple[str, str] | None = None
        self.setAutoFillBackground(True)
        self.set_remaining(None, None, "")

    def set_remaining(self, remaining_s: float | None, phase: Phase | None, caption: str) -> None:
        """Called with every state (four times a second): only what changed is set, and the
        style sheet (which restyles the widget and its children) only when the phase did."""
        self.phase = phase
        digits = format_clock(remaining_s) if remaining_s is not None else "--:--"
        if self.digits.text() != digits:
            self.digits.setText(digits)
        if self.caption.text() != caption:
            self.caption.setText(caption)
        colours = PHASE_COLOURS.get(phase, PHASE_COLOURS[None])
        if colours != self._styled:
            self._styled = colours
            bg, fg = colours
            self.setStyleSheet(f"background:{bg}; color:{fg}; border-radius:6px;")
