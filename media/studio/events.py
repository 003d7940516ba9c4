"""What the engine tells the outside: events to its subscribers, notes to the journal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from ceremony import notes, wire
from ceremony.sequencer.events import Event


class VenueStatus(StrEnum):
    INVITED = "invited"  # in the run-sheet, never connected
    CONNECTING = "connecting"
    JOINED = "joined"
    LOST = "lost"


@dataclass(frozen=True)
class VenueStatusChanged:
    venue_id: str
    status: VenueStatus
    reason: str = ""


@dataclass(frozen=True)
class SequencerEvents:
    events: tuple[Event, ...]


@dataclass(frozen=True)
class ChatReceived:
    venue_id: str
    text: str


@dataclass(frozen=True)
class JoinRefused:
    venue_id: str
    reason: wire.JoinRefusal
    detail: str


@dataclass(frozen=True)
class CountdownUpdated:
    arm_id: int
    venue_id: str | None  # None: the arm itself changed (armed, aborted)


StudioEvent = VenueStatusChanged | SequencerEvents | ChatReceived | JoinRefused | CountdownUpdated

# The two ways out every part is given: tell the subscribers, write a journal note (stamped
# with the engine's clocks by the engine).
Emit = Callable[[StudioEvent], None]
NoteSink = Callable[[notes.Note], None]
