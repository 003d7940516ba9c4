"""The journal's NOTE records as types: one tagged msgspec struct per kind of note.

Commands and events were always tagged structs; notes (venue status, countdown, recordings,
chat, markers …) were free dicts that readers recognised by which keys they had. Now every note
is written as one of the structs below, with its tag in "type", and read back with
`decode_note`, which also understands the untagged dicts older journals hold (the compatibility
decoder: `legacy_note`). A note nobody knows decodes to `UnknownNote`, never an error: a
journal is evidence, and a reader must not lose a line of it.
Pure: payload dicts in, structs out.
"""

from __future__ import annotations

from typing import Any

import msgspec


class _Note(msgspec.Struct, frozen=True, tag_field="type", forbid_unknown_fields=False):
    pass


# ---- venues ------------------------------------------------------------------------------


class VenueStatusNote(_Note, frozen=True, tag="venue_status"):
    venue: str
    status: str  # media.studio.VenueStatus value: invited, connecting, joined, lost
    reason: str = ""


class VenueReady(_Note, frozen=True, tag="venue_ready"):
    venue: str
    value: bool
    contact: str = ""


class JoinRefusedNote(_Note, frozen=True, tag="join_refused"):
    venue: str
    reason: str  # wire.JoinRefusal value
    detail: str = ""


class SignalingSummary(_Note, frozen=True, tag="signaling_summary"):
    window_s: float
    total: int
    kinds: dict[str, int] = {}
    addresses: dict[str, int] = {}
    address_count: int = 0


# ---- the countdown -----------------------------------------------------------------------


class CountdownArmed(_Note, frozen=True, tag="countdown_armed"):
    arm_id: int
    fire_at: float  # the studio's monotonic clock
    lead_s: float | None = None
    venues: list[str] = []
    title: str = ""


class CountdownAborted(_Note, frozen=True, tag="countdown_aborted"):
    arm_id: int


class CountdownAck(_Note, frozen=True, tag="countdown_ack"):
    venue: str
    arm_id: int
    state: str  # ceremony.countdown.ArmState value
    bound_s: float | None = None
    local_deadline: float | None = None


class FireReported(_Note, frozen=True, tag="fire_reported"):
    venue: str
    arm_id: int
    local_fire: float | None = None  # None only in hand-made old journals
    bound_s: float | None = None
    local_deadline: float | None = None
    true_fire: float | None = None
    fire_at: float | None = None
    onset_method: str | None = None
    onset_local: float | None = None
    fire_late_s: float | None = None
    hall_latency_s: float | None = None
    screen_late_s: float | None = None


class ZeroSnapshots(_Note, frozen=True, tag="zero_snapshots"):
    folder: str
    arm_id: int


# ---- program and desk --------------------------------------------------------------------


class ProgramSource(_Note, frozen=True, tag="program"):
    source: str  # str(runsheet.Source): "studio", "venue:cirebon", "file:anthem.mp4"


class ManualOverride(_Note, frozen=True, tag="manual_override"):
    source: str
    active: bool


class PreviewChosen(_Note, frozen=True, tag="preview"):
    venue: str | None  # None: the next item's venue (the default)


class DeviceProblem(_Note, frozen=True, tag="device"):
    device: str
    problem: str | None  # None: it works again


class Marker(_Note, frozen=True, tag="marker"):
    text: str


class ProtocolNote(_Note, frozen=True, tag="protocol_note"):
    text: str


class CueSent(_Note, frozen=True, tag="cue"):
    text: str
    venue: str | None
    cue_id: int


class ChatFrom(_Note, frozen=True, tag="chat_from"):
    venue: str
    text: str


class ChatTo(_Note, frozen=True, tag="chat_to"):
    venue: str
    text: str


# ---- recordings --------------------------------------------------------------------------


class Chapter(msgspec.Struct, frozen=True):
    title: str
    start_s: float


class RecordingStarted(_Note, frozen=True, tag="recording_started"):
    path: str
    part: int = 1  # 2, 3 …: the recording went on in a new file after an engine restart


class IsoStarted(_Note, frozen=True, tag="iso_started"):
    venue: str
    path: str
    part: int = 1


class RecordingClosed(_Note, frozen=True, tag="recording_closed"):
    """A program (venue None) or ISO file, closed, with its length and checksum."""

    path: str
    duration_s: float = 0.0
    sha256: str = ""
    failed: str | None = None
    venue: str | None = None  # an ISO file: this venue's own picture
    chapters: list[Chapter] = []
    frames: int | None = None
    repaired: bool = False  # closed after a crash, from the journal (launcher/runs.repair)
    part: int = 1


class RecordingNotOpened(_Note, frozen=True, tag="recording_not_opened"):
    """A file that was never written (no picture came): nothing to list in the report."""

    path: str
    venue: str | None = None
    failed: str | None = None
    repaired: bool = False  # noted after a crash (launcher/runs.repair)


# ---- the run -----------------------------------------------------------------------------


class RunsheetReplaced(_Note, frozen=True, tag="runsheet_replaced"):
    runsheet: dict[str, Any]
    runsheet_sha256: str = ""


class RunEnded(_Note, frozen=True, tag="run_ended"):
    run_id: str
    reason: str


class EngineResumed(_Note, frozen=True, tag="engine_resumed"):
    """An engine restarted after a crash took the run over again from its journal."""

    run_id: str
    part: int  # the recording part this engine writes
    down_wall: float  # the last record the dead engine wrote (the engine was down from here)
    last_seq: int  # that record's number: nothing written before the kill is missing
    torn_tail: bool = False  # the dead engine's last line was cut off mid-write
    clock_jump_s: float = 0.0  # the monotonic clock restarted (a reboot): times shifted by this


# ---- consoles (the operator link) -------------------------------------------------------


class OperatorControl(_Note, frozen=True, tag="operator_control"):
    """Control of the engine moved between consoles: taken by `by`, or released by its holder."""

    action: str  # "taken" or "released"
    by: str  # the console that holds control now ("" when released)
    previous: str  # the console that held it before ("" when nobody did)


class OperatorStop(_Note, frozen=True, tag="operator_stop"):
    """A console ended the run and stopped the engine."""

    by: str


class UnknownNote(msgspec.Struct, frozen=True):
    """A note this version does not know (a newer writer, or a damaged line): kept verbatim."""

    payload: dict[str, Any]


Note = (
    VenueStatusNote
    | VenueReady
    | JoinRefusedNote
    | SignalingSummary
    | CountdownArmed
    | CountdownAborted
    | CountdownAck
    | FireReported
    | ZeroSnapshots
    | ProgramSource
    | ManualOverride
    | PreviewChosen
    | DeviceProblem
    | Marker
    | ProtocolNote
    | CueSent
    | ChatFrom
    | ChatTo
    | RecordingStarted
    | IsoStarted
    | RecordingClosed
    | RecordingNotOpened
    | RunsheetReplaced
    | RunEnded
    | EngineResumed
    | OperatorControl
    | OperatorStop
)

_decoder: msgspec.json.Decoder[Note] = msgspec.json.Decoder(Note)


def encode_note(note: Note) -> dict[str, Any]:
    """The payload of a NOTE record (tag included)."""
    out = msgspec.to_builtins(note)
    assert isinstance(out, dict)
    return out


def decode_note(payload: dict[str, Any]) -> Note | UnknownNote:
    """A NOTE record's payload as its type: tagged (written since notes were typed) or an
    older untagged dict."""
    if "type" not in payload:
        return legacy_note(payload)
    try:
        return _decoder.decode(msgspec.json.encode(payload))
    except (msgspec.DecodeError, msgspec.ValidationError):
        return UnknownNote(payload)


def _convert(cls: type[Note], fields: dict[str, Any]) -> Note | None:
    try:
        return msgspec.convert(fields, cls)
    except msgspec.ValidationError:
        return None


def legacy_note(p: dict[str, Any]) -> Note | UnknownNote:
    """The compatibility decoder: an untagged note, recognised by its keys as the engine wrote
    it before notes were typed (the readers used to do exactly this, each on its own)."""
    note = _legacy(p)
    return note if note is not None else UnknownNote(p)


def _legacy(p: dict[str, Any]) -> Note | None:
    phase = p.get("countdown")
    if phase == "armed":
        return _convert(CountdownArmed, _without(p, "countdown"))
    if phase == "aborted":
        return _convert(CountdownAborted, _without(p, "countdown"))
    if phase == "ack":
        return _convert(CountdownAck, _without(p, "countdown"))
    if phase == "fired":
        return _convert(FireReported, _without(p, "countdown"))
    recording = p.get("recording")
    if recording == "started":
        return _convert(RecordingStarted, _without(p, "recording"))
    if recording == "iso_started":
        return _convert(IsoStarted, _without(p, "recording"))
    if recording in ("closed", "iso"):
        fields = _without(p, "recording")
        if recording == "closed":
            fields.pop("venue", None)  # a repaired program file was noted with venue None
        return _convert(RecordingClosed, fields)
    if recording in ("not_opened", "lost"):
        return _convert(RecordingNotOpened, _without(p, "recording"))
    if "run_ended" in p:
        return _convert(RunEnded, {"run_id": p["run_ended"], "reason": p.get("reason", "")})
    if "runsheet_replaced" in p:
        return _convert(
            RunsheetReplaced,
            {"runsheet": p["runsheet_replaced"], "runsheet_sha256": p.get("runsheet_sha256", "")},
        )
    if "status" in p and "venue" in p:
        return _convert(VenueStatusNote, p)
    if "ready" in p:
        return _convert(
            VenueReady,
            {"venue": p["ready"], "value": p.get("value"), "contact": p.get("contact", "")},
        )
    if "join_refused" in p:
        fields = {**_without(p, "join_refused"), "venue": p["join_refused"]}
        return _convert(JoinRefusedNote, fields)
    if p.get("signaling") == "refused_or_closed":
        return _convert(SignalingSummary, _without(p, "signaling"))
    if "manual_override" in p:
        return _convert(
            ManualOverride, {"source": p["manual_override"], "active": p.get("active", False)}
        )
    if "device" in p:
        return _convert(DeviceProblem, {"device": p["device"], "problem": p.get("problem")})
    if "program" in p:
        return _convert(ProgramSource, {"source": p["program"]})
    if "snapshots" in p:
        return _convert(ZeroSnapshots, {"folder": p["snapshots"], "arm_id": p.get("arm_id")})
    if "marker" in p:
        return _convert(Marker, {"text": p["marker"]})
    if "note" in p:
        return _convert(ProtocolNote, {"text": p["note"]})
    if "cue" in p:
        return _convert(
            CueSent, {"text": p["cue"], "venue": p.get("venue"), "cue_id": p.get("cue_id", 0)}
        )
    if "chat_from" in p:
        return _convert(ChatFrom, {"venue": p["chat_from"], "text": p.get("text", "")})
    if "chat_to" in p:
        return _convert(ChatTo, {"venue": p["chat_to"], "text": p.get("text", "")})
    return None


def _without(p: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in p.items() if k != key}
