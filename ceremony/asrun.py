"""The as-run record, from the journal alone: what was planned, what happened, and when.

Pure: takes journal records (and what the reader noticed about the file), returns data. The
launcher words it in the report's language and renders it to HTML, CSV, JSON and PDF; nothing
here is prose, so every state and incident can be said in Indonesian or English alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ceremony import notes
from ceremony.journal import Record, RecordKind, replay, runsheet_from_header
from ceremony.runs import RunInfo as RunHeader
from ceremony.runs import effective_runsheet_sha256, split_runs
from ceremony.runsheet import Runsheet, Source, SourceKind
from ceremony.sequencer import ItemStatus
from ceremony.timebase import Now

# An item is reported as over its time only from one whole second on: the report shows m:ss, and
# "overtime" beside an item that shows +0:00 is a contradiction a reader cannot resolve.
OVERRAN_MIN_S = 1.0


class ItemOutcome(StrEnum):
    DONE = "done"
    ON_AIR = "on_air"  # the journal ends while it was on air (a crash, or a report made live)
    SKIPPED = "skipped"
    NOT_RUN = "not_run"


class FireState(StrEnum):
    """What the studio knows of one venue at the instant of zero."""

    FIRED = "fired"  # the venue reported firing
    ARMED = "armed"  # it confirmed the instant but never reported firing
    NO_ANSWER = "no_answer"  # it never confirmed the instant
    MISSED = "missed"  # the instant reached it too late; it did not fire late
    NO_CLOCK = "no_clock"  # it could not place the instant on its own clock
    ABORTED = "aborted"


class IncidentKind(StrEnum):
    VENUE_LOST = "venue_lost"
    VENUE_BACK = "venue_back"
    JOIN_REFUSED = "join_refused"
    COUNTDOWN_ABORTED = "countdown_aborted"
    MANUAL_OVERRIDE = "manual_override"
    DEVICE_PROBLEM = "device_problem"
    DEVICE_OK = "device_ok"
    ITEM_OVERRAN = "item_overran"
    RECORDING_FAILED = "recording_failed"
    ENGINE_RESTARTED = "engine_restarted"  # the studio engine died and a new one took over


class LossCause(StrEnum):
    """Why a venue was lost, from the studio's reason; OTHER keeps the recorded text as detail."""

    NO_SIGNAL = "no_signal"
    APP_CLOSED = "app_closed"
    MEDIA_FAILED = "media_failed"
    REPLACED = "replaced"
    OTHER = "other"


class MessageKind(StrEnum):
    MARKER = "marker"
    NOTE = "note"
    CUE = "cue"
    CHAT_FROM = "chat_from"
    CHAT_TO = "chat_to"


@dataclass(frozen=True)
class ItemLine:
    index: int
    title: str
    kind: str
    speaker: str
    place: str  # where it came from: the studio, a venue's name, a file
    planned_start_wall: float
    actual_start_wall: float | None
    planned_s: float
    actual_s: float
    over_s: float | None
    outcome: ItemOutcome

    @property
    def overran(self) -> bool:
        return self.over_s is not None and self.over_s >= OVERRAN_MIN_S


@dataclass(frozen=True)
class FireLine:
    venue_id: str
    venue: str  # the venue's name from the run-sheet
    state: FireState
    fire_wall: float | None  # when it fired, on the studio's wall clock (zero + lateness)
    error_ms: float | None  # true fire time minus the instant (only where it was measured)
    bound_ms: float | None  # the venue's own bound on its clock error
    late_ms: float | None  # how late the venue fired on its own clock


@dataclass
class Countdown:
    arm_id: int
    title: str
    armed_wall: float
    zero_wall: float | None  # the instant of zero (the moment of inauguration)
    lead_s: float | None
    aborted: bool = False
    fires: list[FireLine] = field(default_factory=list)

    @property
    def spread_ms(self) -> float | None:
        measured = [f.error_ms for f in self.fires if f.error_ms is not None]
        return max(measured) - min(measured) if len(measured) > 1 else None


@dataclass(frozen=True)
class Incident:
    wall: float
    kind: IncidentKind
    subject: str  # a venue's name, an item's title, a device
    detail: str = ""  # what the studio recorded, verbatim (a device's own words, a refusal)
    seconds: float | None = None  # how long: an overrun, a silence before a loss
    cause: str = ""  # a LossCause or a JoinRefusal value


@dataclass(frozen=True)
class Message:
    wall: float
    kind: MessageKind
    who: str  # a venue's name (cue target, chat partner), "" for everyone / the studio
    text: str


@dataclass(frozen=True)
class Recording:
    path: str
    venue: str | None  # None: the program; else the venue's name (its own camera, ISO)
    duration_s: float
    sha256: str
    chapters: int
    failed: str | None
    part: int = 1  # 2, 3 …: written by an engine restarted after a crash


@dataclass(frozen=True)
class EngineGap:
    """The studio engine was down (a crash) from `down_wall` until it resumed at `up_wall`;
    the recording goes on in part `part` from there."""

    down_wall: float
    up_wall: float
    part: int
    torn_tail: bool = False  # the dead engine's last journal line was cut off mid-write

    @property
    def seconds(self) -> float:
        return self.up_wall - self.down_wall


@dataclass(frozen=True)
class RunInfo:
    """Which holding of the ceremony this journal records, when its header says so."""

    run_id: str | None = None
    rehearsal: bool | None = None  # None: the journal does not say
    runsheet_sha256: str | None = None


@dataclass
class AsRun:
    sheet: Runsheet
    started_wall: float | None
    ended_wall: float | None
    run: RunInfo = field(default_factory=RunInfo)
    items: list[ItemLine] = field(default_factory=list)
    countdowns: list[Countdown] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)  # cues, chat, markers, notes
    journal_problems: list[str] = field(default_factory=list)
    truncated: bool = False
    recordings: list[Recording] = field(default_factory=list)
    gaps: list[EngineGap] = field(default_factory=list)  # engine restarts after crashes
    # Which run this is: its id, rehearsal (GLADI) or live, and the hash of the run-sheet it
    # ran (as journaled at its start, or of the edit made before GO).
    run_id: str = ""
    rehearsal: bool = False
    runsheet_sha256: str = ""
    run_end_reason: str = ""  # "ended", "stopped"; "" when the journal does not say (a crash)

    @property
    def countdown(self) -> Countdown | None:
        """The countdown that counted: the last one not aborted (else the last one)."""
        for c in reversed(self.countdowns):
            if not c.aborted:
                return c
        return self.countdowns[-1] if self.countdowns else None

    @property
    def fires(self) -> list[FireLine]:
        c = self.countdown
        return c.fires if c else []

    @property
    def fire_spread_ms(self) -> float | None:
        c = self.countdown
        return c.spread_ms if c else None


def run_info(header: dict[str, Any]) -> RunInfo:
    """Read defensively: older journals have none of these, newer may nest them under "run"."""
    nested = header.get("run")
    src = nested if isinstance(nested, dict) else header
    run_id = src.get("run_id", src.get("id") if src is nested else None)
    rehearsal = src.get("rehearsal")
    if rehearsal is None and isinstance(src.get("mode"), str):
        rehearsal = src["mode"].lower() == "rehearsal"
    sha = src.get("runsheet_sha256", header.get("runsheet_sha256"))
    return RunInfo(
        run_id=str(run_id) if run_id not in (None, "") else None,
        rehearsal=rehearsal if isinstance(rehearsal, bool) else None,
        runsheet_sha256=str(sha) if sha else None,
    )


def _venue_name(sheet: Runsheet, venue_id: str) -> str:
    venue = sheet.venue(venue_id)
    return venue.name if venue else venue_id


def _place(sheet: Runsheet, source: Source) -> str:
    if source.kind is SourceKind.VENUE:
        return _venue_name(sheet, source.ref)
    if source.kind is SourceKind.STUDIO:
        return sheet.ceremony.studio
    return source.ref


def _source_text(sheet: Runsheet, text: str) -> str:
    kind, _, ref = text.partition(":")
    if kind == SourceKind.VENUE:
        return _venue_name(sheet, ref)
    if kind == SourceKind.STUDIO:
        return sheet.ceremony.studio
    return ref or text


def _loss_cause(reason: str) -> tuple[LossCause, str, float | None]:
    """The studio's reason (media/studio/) as a cause a reader can be told in words."""
    if reason.startswith("no heartbeat"):
        silent = reason.removeprefix("no heartbeat for ").removesuffix(" s").strip()
        try:
            return LossCause.NO_SIGNAL, "", float(silent)
        except ValueError:
            return LossCause.NO_SIGNAL, "", None
    if reason == "signaling connection closed":
        return LossCause.APP_CLOSED, "", None
    if reason == "peer connection failed":
        return LossCause.MEDIA_FAILED, "", None
    if reason.startswith("replaced"):
        return LossCause.REPLACED, "", None
    return LossCause.OTHER, reason, None


_OUTCOME = {
    ItemStatus.DONE: ItemOutcome.DONE,
    ItemStatus.ON_AIR: ItemOutcome.ON_AIR,
    ItemStatus.SKIPPED: ItemOutcome.SKIPPED,
    ItemStatus.PENDING: ItemOutcome.NOT_RUN,
}

_ACK_STATES = {s.value: s for s in FireState}


def build(records: list[Record], problems: list[str], truncated: bool) -> AsRun:
    """Raises ValueError when the journal has no header (nothing can be said then)."""
    if not records or records[0].kind is not RecordKind.HEADER:
        raise ValueError("the journal does not start with its header")
    runs = split_runs(records)
    if len(runs) > 1:
        raise ValueError(
            f"the journal holds {len(runs)} runs ("
            + ", ".join(r.info.id for r in runs)
            + "); a report covers one run: choose it"
        )
    seq = replay(records)
    sheet = seq.sheet
    last = records[-1]
    view = seq.view(Now(last.mono, last.wall))
    out = AsRun(
        sheet,
        seq.state.started_wall,
        seq.state.ended_wall,
        run=run_info(records[0].payload),
        truncated=truncated,
    )
    out.journal_problems = list(problems)
    header = RunHeader.from_header(records[0].payload, "")
    out.run_id, out.rehearsal = header.id, header.rehearsal
    out.runsheet_sha256 = effective_runsheet_sha256(runs[0])
    if header.id:  # the report shows the run as the studio journaled it
        out.run = RunInfo(header.id, header.rehearsal, out.runsheet_sha256 or None)
    for row in view.rows:
        item = sheet.items[row.index]
        speaker = ""
        if item.speaker:
            speaker = item.speaker.name + (f" ({item.speaker.role})" if item.speaker.role else "")
        line = ItemLine(
            index=row.index,
            title=item.title,
            kind=item.kind.value,
            speaker=speaker,
            place=_place(sheet, item.source),
            planned_start_wall=row.planned_start_wall,
            actual_start_wall=row.actual_start_wall,
            planned_s=row.planned_s,
            actual_s=row.ran_s,
            over_s=row.over_s,
            outcome=_OUTCOME[row.status],
        )
        out.items.append(line)
        if line.overran and line.actual_start_wall is not None:
            # Dated at the planned end: the moment it started to run over.
            out.incidents.append(
                Incident(
                    line.actual_start_wall + line.planned_s,
                    IncidentKind.ITEM_OVERRAN,
                    line.title,
                    seconds=line.over_s,
                )
            )
    _notes(records, sheet, out)
    out.incidents.sort(key=lambda i: i.wall)
    return out


def _notes(records: list[Record], sheet: Runsheet, out: AsRun) -> None:
    """Read by type (ceremony/notes.py; older untagged notes are decoded by their keys)."""
    countdowns: dict[int, Countdown] = {}
    lost: set[str] = set()
    for record in records[1:]:
        if record.kind is not RecordKind.NOTE:
            continue
        wall = record.wall
        note = notes.decode_note(record.payload)
        match note:
            case notes.RunsheetReplaced(runsheet=document):
                sheet = runsheet_from_header({"runsheet": document}, "journal")
            case notes.RunEnded(reason=reason):
                out.run_end_reason = reason
            case notes.EngineResumed():
                gap = EngineGap(note.down_wall, wall, note.part, note.torn_tail)
                out.gaps.append(gap)
                out.incidents.append(
                    Incident(note.down_wall, IncidentKind.ENGINE_RESTARTED, "", seconds=gap.seconds)
                )
            case notes.CountdownArmed():
                zero = wall + (note.fire_at - record.mono)
                cd = Countdown(note.arm_id, note.title, wall, zero, note.lead_s)
                cd.fires = [
                    FireLine(v, _venue_name(sheet, v), FireState.NO_ANSWER, None, None, None, None)
                    for v in note.venues
                ]
                countdowns[cd.arm_id] = cd
                out.countdowns.append(cd)
            case notes.CountdownAck() if note.arm_id in countdowns:
                state = _ACK_STATES.get(note.state, FireState.ARMED)
                _set_fire(countdowns[note.arm_id], note.venue, sheet, state, note)
            case notes.FireReported() if note.arm_id in countdowns:
                _set_fire(countdowns[note.arm_id], note.venue, sheet, FireState.FIRED, note)
            case notes.CountdownAborted(arm_id=arm_id):
                cd_aborted = countdowns.get(arm_id)
                if cd_aborted is not None:
                    cd_aborted.aborted = True
                out.incidents.append(
                    Incident(
                        wall, IncidentKind.COUNTDOWN_ABORTED, cd_aborted.title if cd_aborted else ""
                    )
                )
            case notes.VenueStatusNote(venue=vid, status="lost", reason=reason):
                if reason == "studio shutting down":  # the end of the ceremony, not an incident
                    continue
                lost.add(vid)
                cause, detail, silent = _loss_cause(reason)
                out.incidents.append(
                    Incident(
                        wall,
                        IncidentKind.VENUE_LOST,
                        _venue_name(sheet, vid),
                        detail,
                        seconds=silent,
                        cause=cause.value,
                    )
                )
            case notes.VenueStatusNote(venue=vid, status="joined") if vid in lost:
                lost.discard(vid)
                out.incidents.append(
                    Incident(wall, IncidentKind.VENUE_BACK, _venue_name(sheet, vid))
                )
            case notes.ManualOverride(source=source, active=True):
                out.incidents.append(
                    Incident(wall, IncidentKind.MANUAL_OVERRIDE, _source_text(sheet, source))
                )
            case notes.JoinRefusedNote():
                out.incidents.append(
                    Incident(
                        wall,
                        IncidentKind.JOIN_REFUSED,
                        _venue_name(sheet, note.venue),
                        note.detail,
                        cause=note.reason,
                    )
                )
            case notes.DeviceProblem(device=device, problem=problem):
                kind = IncidentKind.DEVICE_PROBLEM if problem else IncidentKind.DEVICE_OK
                out.incidents.append(Incident(wall, kind, device, problem or ""))
            case notes.RecordingClosed():
                rec = _recording(sheet, note)
                out.recordings.append(rec)
                if rec.failed:
                    subject = rec.venue or ""  # "": the program
                    out.incidents.append(
                        Incident(wall, IncidentKind.RECORDING_FAILED, subject, rec.failed)
                    )
            case notes.Marker(text=text):
                out.messages.append(Message(wall, MessageKind.MARKER, "", text))
            case notes.ProtocolNote(text=text):
                out.messages.append(Message(wall, MessageKind.NOTE, "", text))
            case notes.CueSent(text=text, venue=venue):
                target = _venue_name(sheet, venue) if venue else ""
                out.messages.append(Message(wall, MessageKind.CUE, target, text))
            case notes.ChatFrom(venue=venue, text=text):
                out.messages.append(
                    Message(wall, MessageKind.CHAT_FROM, _venue_name(sheet, venue), text)
                )
            case notes.ChatTo(venue=venue, text=text):
                out.messages.append(
                    Message(wall, MessageKind.CHAT_TO, _venue_name(sheet, venue), text)
                )
            case _:
                pass
    for cd in out.countdowns:
        cd.fires.sort(key=lambda f: f.venue)
        if cd.aborted:
            cd.fires = [
                f if f.state is FireState.FIRED else _replace_state(f, FireState.ABORTED)
                for f in cd.fires
            ]


def _replace_state(f: FireLine, state: FireState) -> FireLine:
    return FireLine(f.venue_id, f.venue, state, f.fire_wall, f.error_ms, f.bound_ms, f.late_ms)


def _set_fire(
    cd: Countdown,
    vid: str,
    sheet: Runsheet,
    state: FireState,
    note: notes.CountdownAck | notes.FireReported,
) -> None:
    """A fire report (with its times), or an acknowledgement, which may already say "fired"
    (before the report arrives) or be resent after it."""
    old = next((f for f in cd.fires if f.venue_id == vid), None)
    report = isinstance(note, notes.FireReported)
    if not report and old is not None and old.state is FireState.FIRED:
        return  # says nothing the studio does not know
    error = late = None
    if isinstance(note, notes.FireReported):
        if note.true_fire is not None and note.fire_at is not None:
            error = (note.true_fire - note.fire_at) * 1000
        if note.local_fire is not None and note.local_deadline is not None:
            late = (note.local_fire - note.local_deadline) * 1000
    fire_wall = None
    offset_ms = error if error is not None else late
    if state is FireState.FIRED and cd.zero_wall is not None and offset_ms is not None:
        # Measured where a common clock exists, else as the venue placed it on its own clock.
        fire_wall = cd.zero_wall + offset_ms / 1000
    bound = _ms(note.bound_s)
    line = FireLine(
        vid,
        _venue_name(sheet, vid),
        state,
        fire_wall,
        error,
        bound if bound is not None else (old.bound_ms if old else None),
        late,
    )
    if old is None:
        cd.fires.append(line)
    else:
        cd.fires[cd.fires.index(old)] = line


def _recording(sheet: Runsheet, note: notes.RecordingClosed) -> Recording:
    return Recording(
        path=note.path,
        venue=_venue_name(sheet, note.venue) if note.venue is not None else None,
        duration_s=note.duration_s,
        sha256=note.sha256,
        chapters=len(note.chapters),
        failed=note.failed or None,
        part=note.part,
    )


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _ms(seconds: Any) -> float | None:
    return float(seconds) * 1000 if isinstance(seconds, int | float) else None
