"""The operator protocol: what any control surface may ask of the studio engine, and the state
it is shown in return.

The console, remote panels (HTTP, OSC, Companion), `ceremony ctl` and the speaker's timer page
all speak it. Commands are tagged structs (the sequencer's own commands travel inside
`Sequence`), results say accepted or refused with a typed reason, and `StudioState` is one
versioned picture of the studio for one instant. Pure: no clock reads, no I/O.
"""

from __future__ import annotations

from enum import StrEnum

import msgspec

from ceremony.runsheet import EndAction, Runsheet, Source, SourceKind
from ceremony.sequencer import commands as cmd
from ceremony.wire import MAX_TEXT, Tally

OPERATOR_VERSION = 1


# ---- commands ------------------------------------------------------------------------------


class Sequence(msgspec.Struct, frozen=True, tag="sequence"):
    """A run-sheet command: GO, HOLD, RESUME, BACK, SKIP, UNDO, ADD TIME, JUMP, END."""

    command: cmd.Command


class Take(msgspec.Struct, frozen=True, tag="take"):
    """Put a venue (or, with None, the studio) on air outside the run-sheet."""

    venue_id: str | None


class SetPreview(msgspec.Struct, frozen=True, tag="preview"):
    venue_id: str | None


class ArmCountdown(msgspec.Struct, frozen=True, tag="arm"):
    lead_s: float


class AbortCountdown(msgspec.Struct, frozen=True, tag="abort"):
    pass


class SendCue(msgspec.Struct, frozen=True, tag="cue"):
    text: str
    venue_id: str | None = None  # None: every venue


class SendChat(msgspec.Struct, frozen=True, tag="chat"):
    venue_id: str
    text: str


class StartRecording(msgspec.Struct, frozen=True, tag="record_start"):
    pass


class StopRecording(msgspec.Struct, frozen=True, tag="record_stop"):
    pass


class AddMarker(msgspec.Struct, frozen=True, tag="marker"):
    text: str


class ProtocolNote(msgspec.Struct, frozen=True, tag="note"):
    """A protocol officer's note: a line in the journal and the as-run record."""

    text: str


class ReplaceRunsheet(msgspec.Struct, frozen=True, tag="runsheet"):
    """An edited run-sheet (the YAML the run-sheet files use), before the ceremony starts;
    the venues must stay the same."""

    yaml: str


OperatorCommand = (
    Sequence
    | Take
    | SetPreview
    | ArmCountdown
    | AbortCountdown
    | SendCue
    | SendChat
    | StartRecording
    | StopRecording
    | AddMarker
    | ProtocolNote
    | ReplaceRunsheet
)


class RejectReason(StrEnum):
    """Why a command changed nothing. The sequencer's own refusals keep their names."""

    DOUBLE_PRESS = "double_press"
    NOT_RUNNING = "not_running"
    ENDED = "ended"
    NOTHING_TO_UNDO = "nothing_to_undo"
    NO_PREVIOUS = "no_previous"
    BAD_INDEX = "bad_index"
    NOT_PENDING = "not_pending"
    ALREADY = "already"
    UNKNOWN_VENUE = "unknown_venue"
    BAD_ARGUMENT = "bad_argument"
    COUNTDOWN = "countdown"  # the countdown refused the arm (lead too short, no venue)
    RECORDING = "recording"  # the recording could not start
    NOT_IN_CONTROL = "not_in_control"  # another console holds control: take it over first
    RUNSHEET = "runsheet"  # the edited run-sheet cannot be used now (the detail says why)


class Result(msgspec.Struct, frozen=True, kw_only=True):
    ok: bool
    command: str
    reason: RejectReason | None = None
    detail: str = ""

    @classmethod
    def accepted(cls, command: str, detail: str = "") -> Result:
        return cls(ok=True, command=command, detail=detail)

    @classmethod
    def refused(cls, command: str, reason: RejectReason, detail: str) -> Result:
        return cls(ok=False, command=command, reason=reason, detail=detail)


def command_name(command: OperatorCommand) -> str:
    if isinstance(command, Sequence):
        return str(type(command.command).__struct_config__.tag)
    return str(type(command).__struct_config__.tag)


def check_text(text: str, what: str) -> str | None:
    """A reason to refuse a text field, or None."""
    if not text.strip():
        return f"{what} is empty"
    if len(text) > MAX_TEXT:
        return f"{what} is longer than {MAX_TEXT} characters"
    return None


def resolve_venue(ref: str, venue_ids: list[str]) -> str | None:
    """A venue named by its id or by its 1-based place in the run-sheet (panels have numbers)."""
    if ref in venue_ids:
        return ref
    if ref.isascii() and ref.isdigit() and 1 <= int(ref) <= len(venue_ids):
        return venue_ids[int(ref) - 1]
    return None


# ---- tally ---------------------------------------------------------------------------------


def preview_venue(chosen: str | None, sheet: Runsheet, next_index: int | None) -> str | None:
    """The venue on preview: the operator's choice, else the next item's venue."""
    if chosen is not None:
        return chosen
    if next_index is not None:
        source = sheet.items[next_index].source
        if source.kind is SourceKind.VENUE:
            return source.ref
    return None


def tally_for(venue_id: str, on_air: Source, preview: str | None) -> Tally:
    """One rule for every screen: what is really on air is red (manual override included),
    the preview venue green, everyone else standby."""
    if on_air == Source.venue(venue_id):
        return Tally.ON_AIR
    if preview == venue_id:
        return Tally.PREVIEW
    return Tally.STANDBY


# ---- state ---------------------------------------------------------------------------------


class CountdownPhase(StrEnum):
    IDLE = "idle"
    ARMED = "armed"
    FIRED = "fired"
    ABORTED = "aborted"


class ItemInfo(msgspec.Struct, frozen=True, kw_only=True):
    index: int  # 1-based, as printed on the run-sheet
    id: str
    title: str
    speaker: str = ""
    source: str = ""  # where the program comes from: the studio's or the venue's name
    planned_s: float = 0.0
    kind: str = ""  # the run-sheet's item kind: opening, speech, countdown, …
    waits: bool = True  # stays on air past its time until GO (end action hold)


class VenueRow(msgspec.Struct, frozen=True, kw_only=True):
    index: int  # 1-based
    id: str
    name: str
    status: str  # media's VenueStatus value: invited, joined, lost, refused
    tally: Tally
    ready: bool = False
    video_fps: float = 0.0  # the venue's picture at the studio
    program_fps: float = 0.0  # the program at the venue
    rtt_ms: float | None = None
    loss_in_pct: float | None = None
    sound_problem: str = ""


class CountdownInfo(msgspec.Struct, frozen=True, kw_only=True):
    phase: CountdownPhase = CountdownPhase.IDLE
    arm_id: int = 0
    title: str = ""
    seconds_left: float | None = None  # until zero, on the studio clock
    acked: int = 0
    venues: int = 0


class RecordingInfo(msgspec.Struct, frozen=True, kw_only=True):
    active: bool = False
    file: str = ""
    duration_s: float = 0.0
    problem: str = ""


class StudioState(msgspec.Struct, frozen=True, kw_only=True):
    v: int = OPERATOR_VERSION
    seq: int = 0  # increases with every state sent: a client sees what it missed
    ceremony_id: str
    ceremony_title: str
    rehearsal: bool = False
    status: str  # the sequencer's: ready, running, holding, ended
    current: ItemInfo | None = None
    next: ItemInfo | None = None
    elapsed_s: float = 0.0
    remaining_s: float = 0.0
    phase: str = ""  # normal, warning, danger, overtime ("" before the first item)
    held: bool = False
    program: str = ""  # what is on air: "studio" or "venue:<id>"
    manual_override: bool = False
    preview: str | None = None
    venues: list[VenueRow] = msgspec.field(default_factory=list)
    countdown: CountdownInfo = msgspec.field(default_factory=CountdownInfo)
    recording: RecordingInfo = msgspec.field(default_factory=RecordingInfo)


def item_info(sheet: Runsheet, index: int) -> ItemInfo:
    item = sheet.items[index]
    source = sheet.ceremony.studio
    if item.source.kind is SourceKind.VENUE:
        venue = sheet.venue(item.source.ref)
        source = venue.name if venue else item.source.ref
    elif item.source.kind is not SourceKind.STUDIO:
        source = str(item.source)
    return ItemInfo(
        index=index + 1,
        id=item.id,
        title=item.title,
        speaker=item.speaker.name if item.speaker else "",
        source=source,
        planned_s=item.duration_s,
        kind=item.kind.value,
        waits=item.end_action is EndAction.HOLD,
    )


def encode_state(state: StudioState) -> bytes:
    return msgspec.json.encode(state)


def decode_state(data: bytes | str) -> StudioState:
    return msgspec.json.decode(data, type=StudioState)
