"""The as-run record, from the journal alone: what was planned, what happened, and when.

Pure: takes journal records (and what the reader noticed about the file), returns data. The
launcher renders it to HTML, CSV and PDF.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ceremony.journal import Record, RecordKind, replay, runsheet_from_header
from ceremony.runs import RunInfo, effective_runsheet_sha256, split_runs
from ceremony.runsheet import Runsheet, Source, SourceKind
from ceremony.sequencer import ItemStatus
from ceremony.timebase import Now


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
    status: str


@dataclass(frozen=True)
class FireLine:
    venue: str
    state: str
    error_ms: float | None  # true fire time minus the instant (only where it was measured)
    bound_ms: float | None
    late_ms: float | None  # how late the venue fired on its own clock


@dataclass(frozen=True)
class Incident:
    wall: float
    text: str


@dataclass(frozen=True)
class Recording:
    path: str
    duration_s: float
    sha256: str
    chapters: int
    failed: str | None


@dataclass
class AsRun:
    sheet: Runsheet
    started_wall: float | None
    ended_wall: float | None
    items: list[ItemLine] = field(default_factory=list)
    fires: list[FireLine] = field(default_factory=list)
    fire_spread_ms: float | None = None
    incidents: list[Incident] = field(default_factory=list)
    messages: list[Incident] = field(default_factory=list)  # cues and chat
    journal_problems: list[str] = field(default_factory=list)
    truncated: bool = False
    recordings: list[Recording] = field(default_factory=list)
    # Which run this is: its id, rehearsal (GLADI) or live, and the hash of the run-sheet it
    # ran (as journaled at its start, or of the edit made before GO).
    run_id: str = ""
    rehearsal: bool = False
    runsheet_sha256: str = ""
    run_end_reason: str = ""  # "ended", "stopped"; "" when the journal does not say (a crash)


def _place(sheet: Runsheet, source: Source) -> str:
    if source.kind is SourceKind.VENUE:
        venue = sheet.venue(source.ref)
        return venue.name if venue else source.ref
    if source.kind is SourceKind.STUDIO:
        return sheet.ceremony.studio
    return source.ref


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
    out = AsRun(sheet, seq.state.started_wall, seq.state.ended_wall, truncated=truncated)
    out.journal_problems = list(problems)
    info = RunInfo.from_header(records[0].payload, "")
    out.run_id, out.rehearsal = info.id, info.rehearsal
    out.runsheet_sha256 = effective_runsheet_sha256(runs[0])
    for record in records:
        if record.kind is RecordKind.NOTE and "run_ended" in record.payload:
            out.run_end_reason = str(record.payload.get("reason", ""))
    for row in view.rows:
        item = sheet.items[row.index]
        speaker = ""
        if item.speaker:
            speaker = item.speaker.name + (f" ({item.speaker.role})" if item.speaker.role else "")
        out.items.append(
            ItemLine(
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
                status=row.status.value if row.status is not ItemStatus.PENDING else "not run",
            )
        )
    fires: dict[str, FireLine] = {}
    arm_id: int | None = None
    for record in records[1:]:
        p = record.payload
        if record.kind is RecordKind.NOTE and "runsheet_replaced" in p:
            sheet = runsheet_from_header({"runsheet": p["runsheet_replaced"]}, "journal")
        if record.kind is not RecordKind.NOTE:
            continue
        if p.get("countdown") == "armed":
            arm_id, fires = p.get("arm_id"), {}
            for vid in p.get("venues", []):
                fires[vid] = FireLine(vid, "no answer", None, None, None)
        elif p.get("countdown") == "ack" and p.get("arm_id") == arm_id:
            vid = p["venue"]
            fires[vid] = FireLine(vid, p.get("state", ""), None, _ms(p.get("bound_s")), None)
        elif p.get("countdown") == "fired" and p.get("arm_id") == arm_id:
            vid = p["venue"]
            error = None
            if p.get("true_fire") is not None and p.get("fire_at") is not None:
                error = (p["true_fire"] - p["fire_at"]) * 1000
            late = None
            if p.get("local_fire") is not None and p.get("local_deadline") is not None:
                late = (p["local_fire"] - p["local_deadline"]) * 1000
            fires[vid] = FireLine(vid, "fired", error, _ms(p.get("bound_s")), late)
        elif p.get("countdown") == "aborted":
            out.incidents.append(Incident(record.wall, f"countdown {p.get('arm_id')} aborted"))
        elif "status" in p and "venue" in p and p["status"] in ("lost", "joined"):
            out.incidents.append(
                Incident(record.wall, f"{p['venue']}: {p['status']} ({p.get('reason', '')})")
            )
        elif "manual_override" in p and p.get("active"):
            out.incidents.append(Incident(record.wall, f"manual override: {p['manual_override']}"))
        elif "join_refused" in p:
            out.incidents.append(
                Incident(record.wall, f"{p['join_refused']}: refused ({p.get('reason', '')})")
            )
        elif "device" in p:
            out.incidents.append(Incident(record.wall, f"{p['device']}: {p.get('problem', '')}"))
        elif p.get("recording") == "closed":
            out.recordings.append(
                Recording(
                    str(p.get("path", "")),
                    float(p.get("duration_s", 0.0)),
                    str(p.get("sha256", "")),
                    len(p.get("chapters", [])),
                    p.get("failed"),
                )
            )
        elif p.get("recording") == "iso":
            out.recordings.append(
                Recording(
                    str(p.get("path", "")),
                    float(p.get("duration_s", 0.0)),
                    "",
                    0,
                    p.get("failed"),
                )
            )
        elif "marker" in p:
            out.messages.append(Incident(record.wall, f"marker: {p['marker']}"))
        elif "note" in p and isinstance(p["note"], str):
            out.messages.append(Incident(record.wall, f"note: {p['note']}"))
        elif "cue" in p:
            target = p.get("venue") or "all"
            out.messages.append(Incident(record.wall, f"cue to {target}: {p['cue']}"))
        elif "chat_from" in p:
            out.messages.append(Incident(record.wall, f"{p['chat_from']}: {p.get('text', '')}"))
        elif "chat_to" in p:
            out.messages.append(Incident(record.wall, f"to {p['chat_to']}: {p.get('text', '')}"))
    for record in records[1:]:
        p = record.payload
        if (
            record.kind is RecordKind.EVENT
            and p.get("type") == "phase_changed"
            and p.get("phase") == "overtime"
        ):
            index = p.get("index", 0)
            title = sheet.items[index].title if index < len(sheet.items) else str(index)
            out.incidents.append(Incident(record.wall, f"overtime: {title}"))
    out.incidents.sort(key=lambda i: i.wall)
    out.fires = sorted(fires.values(), key=lambda f: f.venue)
    measured = [f.error_ms for f in out.fires if f.error_ms is not None]
    out.fire_spread_ms = max(measured) - min(measured) if len(measured) > 1 else None
    return out


def _ms(seconds: Any) -> float | None:
    return float(seconds) * 1000 if isinstance(seconds, int | float) else None
