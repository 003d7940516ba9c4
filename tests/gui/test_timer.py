"""The speaker timer's digits and colours."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from ceremony.sequencer.events import Phase
from ui.widgets.timer import SpeakerTimer, format_clock

pytestmark = pytest.mark.gui


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (90.0, "01:30"),
        (0.4, "00:01"),  # still in time: a second is left to say so
        (0.0, "00:00"),
        (-0.4, "00:00"),  # not "-00:00"
        (-1.2, "-00:01"),
        (3725.0, "1:02:05"),
        (-3725.5, "-1:02:05"),
    ],
)
def test_digits_round_up_like_a_speakers_timer(seconds: float, shown: str) -> None:
    assert format_clock(seconds) == shown


def test_overtime_is_purple(qtbot: QtBot) -> None:
    timer = SpeakerTimer()
    qtbot.addWidget(timer)
    timer.set_remaining(-5.0, Phase.OVERTIME, "Sambutan")
    assert timer.digits.text() == "-00:05" and "#4a0072" in timer.styleSheet()
