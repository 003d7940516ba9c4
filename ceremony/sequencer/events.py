"""Events the sequencer emits. The UI, the engine and the journal all consume the same ones."""

from __future__ import annotations

from enum import StrEnum

import msgspec


class Phase(StrEnum):
    """The speaker timer's colour."""

    NORMAL = "normal"
    WARNING = "warning"
    DANGER = "danger"
    OVERTIME = "overtime"


class StartCause(StrEnum):
    GO = "go"
    AUTO = "auto"  # the previous item's end action
    BACK = "back"
    JUMP = "jump"
    UNDO = "undo"


class Refusal(StrEnum):
    DOUBLE_PRESS = "double_press"
    NOT_RUNNING = "not_running"
    ENDED = "ended"
    NOTHING_TO_UNDO = "nothing_to_undo"
    NO_PREVIOUS = "no_previous"
    BAD_INDEX = "bad_index"
    NOT_PENDING = "not_pending"
    ALREADY = "already"


class ItemStarted(msgspec.Struct, frozen=True, tag="item_started"):
    index: int
    item_id: str
    cause: StartCause
    at_wall: float


class ItemEnded(msgspec.Struct, frozen=True, tag="item_ended"):
    index: int
    item_id: str
    ran_s: float  # on-air time of this item so far, holds excluded
    over_s: float  # ran - planned duration: positive = overran


class PhaseChanged(msgspec.Struct, frozen=True, tag="phase_changed"):
    index: int
    phase: Phase


class Held(msgspec.Struct, frozen=True, tag="held"):
    index: int


class Resumed(msgspec.Struct, frozen=True, tag="resumed"):
    index: int
    held_s: float


class Skipped(msgspec.Struct, frozen=True, tag="skipped"):
    index: int
    skipped: bool


class TimeAdded(msgspec.Struct, frozen=True, tag="time_added"):
    index: int
    seconds: float
    allowance_s: float


class GoUndone(msgspec.Struct, frozen=True, tag="go_undone"):
    restored_index: int | None


class CeremonyStarted(msgspec.Struct, frozen=True, tag="ceremony_started"):
    at_wall: float


class CeremonyEnded(msgspec.Struct, frozen=True, tag="ceremony_ended"):
    at_wall: float


class Refused(msgspec.Struct, frozen=True, tag="refused"):
    """A command that changed nothing, and why (shown to the operator, kept in the journal)."""

    command: str
    reason: Refusal


Event = (
    ItemStarted
    | ItemEnded
    | PhaseChanged
    | Held
    | Resumed
    | Skipped
    | TimeAdded
    | GoUndone
    | CeremonyStarted
    | CeremonyEnded
    | Refused
)
