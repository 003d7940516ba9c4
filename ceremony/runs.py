"""Runs: every start of a ceremony is one run (a rehearsal or the live one) with its own journal.

The journal's header names the run (id, rehearsal or live, the hash of the run-sheet it started
with); the engine writes a closing note when the run ends. This module reads that back: which
runs a journal holds, a one-line summary of each, and whether a journal mixes runs or a run-sheet
differs from the one the run started with. Pure: records in, data out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ceremony import notes
from ceremony.journal import Record, RecordKind, document_sha256, replaced_runsheet
from ceremony.runsheet.model import Runsheet
from ceremony.runsheet.yaml_io import to_document


@dataclass(frozen=True)
class RunInfo:
    """What the header says about the run it opens."""

    id: str
    rehearsal: bool
    runsheet_sha256: str

    def to_payload(self) -> dict[str, Any]:
        return {"id": self.id, "rehearsal": self.rehearsal, "runsheet_sha256": self.runsheet_sha256}

    @classmethod
    def from_header(cls, payload: dict[str, Any], fallback_id: str) -> RunInfo:
        """A header written before runs existed has no "run": it gets `fallback_id`."""
        run = payload.get("run")
        if not isinstance(run, dict):
            return cls(fallback_id, False, "")
        return cls(
            str(run.get("id", fallback_id)),
            bool(run.get("rehearsal", False)),
            str(run.get("runsheet_sha256", "")),
        )


def runsheet_sha256(sheet: Runsheet) -> str:
    return document_sha256(to_document(sheet))


def make_run_id(local_stamp: str, taken: set[str]) -> str:
    """`local_stamp` (YYYYMMDD-HHMMSS, from the caller's clock), made unique among `taken`."""
    run_id, n = local_stamp, 1
    while run_id in taken:
        n += 1
        run_id = f"{local_stamp}-{n}"
    return run_id


@dataclass(frozen=True)
class RunSegment:
    """The records of one run inside a journal (normally the whole journal)."""

    info: RunInfo
    records: list[Record]


def split_runs(records: list[Record]) -> list[RunSegment]:
    """One segment per header. Old journals appended every run to one file: this separates
    them again (headers without a run id are numbered #1, #2, …)."""
    segments: list[RunSegment] = []
    for record in records:
        if record.kind is RecordKind.HEADER:
            info = RunInfo.from_header(record.payload, f"#{len(segments) + 1}")
            segments.append(RunSegment(info, [record]))
        elif segments:
            segments[-1].records.append(record)
    return segments


def effective_runsheet_sha256(segment: RunSegment) -> str:
    """The hash of the run-sheet the run used: the header's, or an edit made before GO."""
    digest = document_sha256(segment.records[0].payload.get("runsheet", {}))
    for record in segment.records[1:]:
        replaced = replaced_runsheet(record)
        if replaced is not None:
            digest = document_sha256(replaced)
    return digest


def integrity_problems(segment: RunSegment) -> list[str]:
    """Ways the journal contradicts itself about its run-sheet (each one a sentence)."""
    problems = []
    declared = segment.info.runsheet_sha256
    if declared:
        actual = document_sha256(segment.records[0].payload.get("runsheet", {}))
        if actual != declared:
            problems.append(
                f"run {segment.info.id}: the run-sheet in the journal header does not match the "
                f"hash recorded when the run started ({declared[:12]}… vs {actual[:12]}…)"
            )
    for record in segment.records[1:]:
        note = notes.decode_note(record.payload) if record.kind is RecordKind.NOTE else None
        if isinstance(note, notes.RunsheetReplaced):
            noted = note.runsheet_sha256
            if noted and noted != document_sha256(note.runsheet):
                problems.append(
                    f"run {segment.info.id}: the edited run-sheet (journal record {record.seq}) "
                    "does not match its recorded hash"
                )
    return problems


@dataclass(frozen=True)
class RunSummary:
    id: str
    rehearsal: bool
    title: str
    started_wall: float  # when the run was opened (the header)
    ended_wall: float | None  # None: unfinished (still running, or the studio was killed)
    end_reason: str
    items_run: int
    items_total: int
    recordings: int

    @property
    def finished(self) -> bool:
        return self.ended_wall is not None


def summarize(segment: RunSegment) -> RunSummary:
    header = segment.records[0]
    doc = header.payload.get("runsheet", {})
    items_total = len(doc.get("items", []))
    started: set[int] = set()
    recordings: set[str] = set()
    ended: float | None = None
    reason = ""
    for record in segment.records[1:]:
        p = record.payload
        if record.kind is RecordKind.EVENT and p.get("type") == "item_started":
            started.add(int(p.get("index", -1)))
        elif record.kind is RecordKind.NOTE:
            match notes.decode_note(p):
                case notes.RunsheetReplaced(runsheet=document):
                    items_total = len(document.get("items", []))
                case notes.RecordingClosed(path=path) if path:
                    recordings.add(path)
                case notes.RunEnded(reason=why):
                    ended, reason = record.wall, why
                case _:
                    pass
    return RunSummary(
        id=segment.info.id,
        rehearsal=segment.info.rehearsal,
        title=str(doc.get("ceremony", {}).get("title", "")),
        started_wall=header.wall,
        ended_wall=ended,
        end_reason=reason,
        items_run=len(started),
        items_total=items_total,
        recordings=len(recordings),
    )


@dataclass(frozen=True)
class OpenRecording:
    """A recording the journal says was started and never says was closed (a crash): the
    program's chapters can be rebuilt from the items that started after it."""

    path: str
    chapters: list[tuple[str, float]]  # title, seconds from the start of the file
    venue: str | None = None  # an ISO recording: this venue's own picture
    part: int = 1  # which engine's life wrote it (2, 3 …: after restarts)


def unclosed_recordings(records: list[Record]) -> list[OpenRecording]:
    started: dict[str, tuple[float, int]] = {}
    isos: dict[str, tuple[str, int]] = {}
    closed: set[str] = set()
    for record in records:
        if record.kind is not RecordKind.NOTE:
            continue
        match notes.decode_note(record.payload):
            case notes.RecordingStarted(path=path, part=part):
                started[path] = (record.wall, part)
            case notes.IsoStarted(path=path, venue=venue, part=part):
                isos[path] = (venue, part)
            case notes.RecordingClosed(path=path) | notes.RecordingNotOpened(path=path):
                closed.add(path)
            case _:
                pass
    titles = _titles(records)
    out = []
    for path, (t0, part) in started.items():
        if path in closed or not path:
            continue
        chapters: list[tuple[str, float]] = []
        for record in records:
            p = record.payload
            if record.wall < t0:
                continue
            if record.kind is RecordKind.EVENT and p.get("type") == "item_started":
                index = int(p.get("index", -1))
                title = titles[index] if 0 <= index < len(titles) else str(index)
                chapters.append((title, record.wall - t0))
            elif record.kind is RecordKind.NOTE:
                note = notes.decode_note(p)
                if isinstance(note, notes.Marker):
                    chapters.append((f"* {note.text}", record.wall - t0))
        out.append(OpenRecording(path, chapters, part=part))
    out += [
        OpenRecording(path, [], venue, part)
        for path, (venue, part) in isos.items()
        if path not in closed
    ]
    return out


def _titles(records: list[Record]) -> list[str]:
    titles: list[str] = []
    for record in records:
        p = record.payload
        doc: Any = p.get("runsheet") if record.kind is RecordKind.HEADER else None
        doc = doc or replaced_runsheet(record)
        if isinstance(doc, dict):
            # As the engine names its chapters: the title, and who speaks.
            titles = [
                str(i.get("title", ""))
                + (f" — {i['speaker']['name']}" if isinstance(i.get("speaker"), dict) else "")
                for i in doc.get("items", [])
            ]
    return titles
