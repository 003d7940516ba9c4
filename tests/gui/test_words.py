"""Every state the console can show has words of its own, in English and in Indonesian."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication

from ceremony.countdown import ArmState
from ceremony.operator import RejectReason
from media.studio import VenueStatus
from ui.i18n import Language
from ui.widgets import words

pytestmark = pytest.mark.gui


@pytest.fixture
def indonesian(qapp: QApplication) -> Iterator[None]:
    language = Language(qapp)
    assert language.use("id"), "ui/i18n/ceremony_id.qm missing: run `make translations`"
    yield
    language.use("en")


def test_no_state_is_shown_as_its_raw_value(qapp: QApplication) -> None:
    for status in VenueStatus:
        assert words.venue_state(status) not in (status.value, status.value.upper())
    for state in ArmState:
        assert "_" not in words.arm_state(state)
    for reason in RejectReason:
        assert "_" not in words.reject_reason(reason)


@pytest.mark.usefixtures("indonesian")
def test_every_state_has_indonesian_words() -> None:
    assert [words.venue_state(s) for s in ("invited", "joined", "lost")] == [
        "Diundang",
        "Tersambung",
        "Terputus",
    ]
    english = {"armed", "missed", "no clock", "aborted", "fired"}
    assert not english & {words.arm_state(s) for s in ArmState}
    assert words.reject_reason(RejectReason.NOT_IN_CONTROL) == "konsol lain sedang memegang kendali"
    assert all(words.reject_reason(r) != r.value for r in RejectReason)
