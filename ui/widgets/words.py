"""States as the crew reads them: every enum value a screen shows goes through Qt translation.

The engine sends states as enum values ("joined", "no_clock"); shown raw they are English and
programmer's words in an Indonesian console. Each function here answers in the UI's language
and falls back to the raw value only for a state newer than this table.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from ceremony.countdown import ArmState
from ceremony.operator import RejectReason


def venue_state(status: str) -> str:
    """A venue's link as the studio sees it (media.studio.VenueStatus values)."""
    words = {
        # a venue in the run-sheet that has not connected yet
        "invited": QCoreApplication.translate("Words", "Invited"),
        # a venue joining right now
        "connecting": QCoreApplication.translate("Words", "Connecting"),
        # a venue connected to the studio, picture and sound flowing
        "joined": QCoreApplication.translate("Words", "Joined"),
        # a venue that was connected and dropped off
        "lost": QCoreApplication.translate("Words", "Lost"),
        "refused": QCoreApplication.translate("Words", "Refused"),
    }
    return words.get(status, status)


def arm_state(state: ArmState) -> str:
    """A venue's countdown, as the board's countdown column shows it."""
    words = {
        ArmState.ARMED: QCoreApplication.translate("Words", "armed"),
        # the countdown reached the venue after its instant: it did not fire late
        ArmState.MISSED: QCoreApplication.translate("Words", "missed"),
        # the venue has no clock estimate yet, so it cannot place the instant
        ArmState.NO_CLOCK: QCoreApplication.translate("Words", "no clock"),
        ArmState.ABORTED: QCoreApplication.translate("Words", "aborted"),
        ArmState.FIRED: QCoreApplication.translate("Words", "fired"),
    }
    return words.get(state, str(state))


def reject_reason(reason: RejectReason) -> str:
    """Why the engine changed nothing, said before its own detail."""
    words = {
        RejectReason.DOUBLE_PRESS: QCoreApplication.translate("Words", "pressed twice"),
        RejectReason.NOT_RUNNING: QCoreApplication.translate("Words", "not running"),
        RejectReason.ENDED: QCoreApplication.translate("Words", "already ended"),
        RejectReason.NOTHING_TO_UNDO: QCoreApplication.translate("Words", "nothing to undo"),
        RejectReason.NO_PREVIOUS: QCoreApplication.translate("Words", "no previous item"),
        RejectReason.BAD_INDEX: QCoreApplication.translate("Words", "no such item"),
        RejectReason.NOT_PENDING: QCoreApplication.translate("Words", "item already done"),
        RejectReason.ALREADY: QCoreApplication.translate("Words", "already so"),
        RejectReason.UNKNOWN_VENUE: QCoreApplication.translate("Words", "unknown venue"),
        RejectReason.BAD_ARGUMENT: QCoreApplication.translate("Words", "invalid value"),
        RejectReason.COUNTDOWN: QCoreApplication.translate("Words", "countdown"),
        RejectReason.RECORDING: QCoreApplication.translate("Words", "recording"),
        RejectReason.NOT_IN_CONTROL: QCoreApplication.translate(
            "Words", "another console is in control"
        ),
        RejectReason.RUNSHEET: QCoreApplication.translate("Words", "run-sheet"),
    }
    return words.get(reason, str(reason))
