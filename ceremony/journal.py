"""The journal: every command and event, one JSON line each, on disk before the command returns.

It is the record the as-run report is written from, and replaying it rebuilds the sequencer
exactly (ticks that changed something are journaled with their time for that reason).
Timestamps are passed in. No file I/O here: media/journal_writer.py writes the file (and fsyncs
it off the network loop), media/journal_reader.py reads it back; this module encodes and parses.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

import msgspec

from ceremony import notes
from ceremony.runsheet.build import Raw, build_runsheet
from ceremony.runsheet.model import Runsheet
from ceremony.runsheet.yaml_io import to_document
from ceremony.sequencer.commands import Command
from ceremony.sequencer.events import Event
from ceremony.sequencer.sequencer import Sequencer
from ceremony.timebase import Now

log = logging.getLogger(__name__)

JOURNAL_VERSION = 1


class RecordKind(StrEnum):
    HEADER = "header"  # first line: format version and the run-sheet as loaded
    COMMAND = "command"
    TICK = "tick"  # a tick that produced events; replay needs its time
    EVENT = "event"
    NOTE = "note"  # anything else worth keeping: operator notes, venue incidents, recordings


class Record(msgspec.Struct, frozen=True):
    seq: int
    mono: float
    wall: float
    kind: RecordKind
    payload: dict[str, Any]


_command_decoder = msgspec.json.Decoder(Command)
_event_decoder = msgspec.json.Decoder(Event)


def decode_command(payload: dict[str, Any]) -> Command:
    command: Command = _command_decoder.decode(msgspec.json.encode(payload))
    return command


def decode_event(payload: dict[str, Any]) -> Event:
    event: Event = _event_decoder.decode(msgspec.json.encode(payload))
    return event


def _to_builtins(obj: object) -> dict[str, Any]:
    out = msgspec.to_builtins(obj)
    assert isinstance(out, dict)
    return out


class JournalSink(Protocol):
    """Where journal records go: media.journal_writer.JournalWriter appends and fsyncs them to a
    file (I/O stays out of the core); tests may keep them in memory."""

    def append(self, kind: RecordKind, payload: dict[str, Any], now: Now) -> Record: ...


def _document_to_raw(value: object) -> Raw:
    if isinstance(value, dict):
        return {str(k): _document_to_raw(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_document_to_raw(v) for v in value]
    return None if value is None else str(value)


def document_sha256(document: Any) -> str:
    """The hash of a run-sheet document as journaled: key order and whitespace do not count."""
    plain = msgspec.to_builtins(document)
    text = json.dumps(plain, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


RUN_ENDED = "run_ended"  # the tag of the note that closes a run (notes.RunEnded)


def runsheet_from_header(payload: dict[str, Any], source: str) -> Runsheet:
    return build_runsheet(_document_to_raw(payload["runsheet"]), source, lambda _p: "header")


class JournaledSequencer:
    """A sequencer whose every command, resulting event and eventful tick is journaled."""

    def __init__(
        self,
        sheet: Runsheet,
        journal: JournalSink,
        now: Now,
        run: dict[str, Any] | None = None,
        *,
        resumed: Sequencer | None = None,
    ) -> None:
        """`run` (ceremony.runs.RunInfo.to_payload()) names the run this journal records.
        `resumed`: the sequencer rebuilt from this run's journal (ceremony/resume.py) by an
        engine restarted after a crash; the journal goes on, no second header is written."""
        self.sequencer = resumed or Sequencer(sheet)
        self.journal = journal
        self.run_id = str(run["id"]) if run else ""
        if resumed is not None:
            return
        header: dict[str, Any] = {"version": JOURNAL_VERSION, "runsheet": to_document(sheet)}
        if run is not None:
            header["run"] = run
        journal.append(RecordKind.HEADER, header, now)

    def apply(self, command: Command, now: Now) -> list[Event]:
        self.journal.append(RecordKind.COMMAND, _to_builtins(command), now)
        return self._log_events(self.sequencer.apply(command, now), now)

    def tick(self, now: Now) -> list[Event]:
        events = self.sequencer.tick(now)
        if events:
            self.journal.append(RecordKind.TICK, {}, now)
        return self._log_events(events, now)

    def note(self, note: notes.Note | dict[str, Any], now: Now) -> None:
        """A typed note (ceremony/notes.py); a plain dict is still taken from old callers."""
        payload = note if isinstance(note, dict) else notes.encode_note(note)
        self.journal.append(RecordKind.NOTE, payload, now)

    def replace_runsheet(self, sheet: Runsheet, now: Now) -> None:
        """Use an edited run-sheet. Only before the first command: what ran stays as it ran."""
        if self.sequencer.state.runs or self.sequencer.state.status.value != "ready":
            raise ValueError("the ceremony has started: the run-sheet can no longer be replaced")
        document = to_document(sheet)
        self.note(notes.RunsheetReplaced(document, document_sha256(document)), now)
        self.sequencer = Sequencer(sheet)

    def end_run(self, reason: str, now: Now) -> None:
        """The run's last word: it ended here (the ceremony ended, or the studio was stopped)."""
        self.note(notes.RunEnded(self.run_id, reason), now)

    def _log_events(self, events: list[Event], now: Now) -> list[Event]:
        for event in events:
            self.journal.append(RecordKind.EVENT, _to_builtins(event), now)
        return events


@dataclass
class JournalRead:
    records: list[Record] = field(default_factory=list)
    truncated_tail: bool = False  # the last line was cut off (a crash mid-write)
    problems: list[str] = field(default_factory=list)


_record_decoder = msgspec.json.Decoder(Record)


def decode_record(line: bytes) -> Record:
    """One journal line; raises msgspec.DecodeError."""
    record: Record = _record_decoder.decode(line)
    return record


def parse_journal(data: bytes, source: str) -> JournalRead:
    """A journal file's bytes (media/journal_reader.py reads them): what can be read; a torn
    last line is expected after a crash and only reported."""
    out = JournalRead()
    lines = data.split(b"\n")
    ends_clean = data.endswith(b"\n") or not data
    if ends_clean:
        lines = lines[:-1]
    for number, line in enumerate(lines, start=1):
        last = number == len(lines)
        try:
            out.records.append(_record_decoder.decode(line))
        except msgspec.DecodeError as exc:
            if last and not ends_clean:
                out.truncated_tail = True
                out.problems.append(
                    f"{source}: line {number}: incomplete last record ignored "
                    f"({len(line)} bytes, the journal was cut off mid-write)"
                )
            else:
                out.problems.append(f"{source}: line {number}: unreadable record skipped ({exc})")
    return out


def describe_record(record: Record, limit: int = 160) -> str | None:
    """One line for a person reading the journal as it grows; None for bookkeeping ticks."""
    if record.kind is RecordKind.TICK:
        return None
    p = record.payload
    if record.kind is RecordKind.HEADER:
        title = p.get("runsheet", {}).get("ceremony", {}).get("title", "")
        run = p.get("run")
        if isinstance(run, dict):
            mode = "REHEARSAL/GLADI" if run.get("rehearsal") else "LIVE"
            return f"journal opened: {title} · run {run.get('id', '')} · {mode}"
        return f"journal opened: {title}"
    head = str(p.get("type", ""))
    hidden = {"type", "runsheet_replaced", "runsheet"}
    fields = " ".join(f"{k}={v}" for k, v in p.items() if k not in hidden)
    text = f"{record.kind.value} {head} {fields}".replace("  ", " ").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ReplayError(Exception):
    pass


def replay(records: list[Record], source: str = "<journal>") -> Sequencer:
    """Rebuild the sequencer from journaled commands and ticks, at their recorded times."""
    if not records or records[0].kind is not RecordKind.HEADER:
        raise ReplayError(f"{source}: the first record is not a journal header")
    seq = Sequencer(runsheet_from_header(records[0].payload, source))
    for record in records[1:]:
        now = Now(record.mono, record.wall)
        replaced = replaced_runsheet(record)
        if replaced is not None:
            # Edited before the ceremony started (the studio refuses it afterwards).
            seq = Sequencer(runsheet_from_header({"runsheet": replaced}, source))
        elif record.kind is RecordKind.COMMAND:
            seq.apply(decode_command(record.payload), now)
        elif record.kind is RecordKind.TICK:
            seq.tick(now)
    return seq


def replaced_runsheet(record: Record) -> dict[str, Any] | None:
    """The edited run-sheet document a NOTE record carries, if it is that note."""
    if record.kind is not RecordKind.NOTE:
        return None
    note = notes.decode_note(record.payload)
    return note.runsheet if isinstance(note, notes.RunsheetReplaced) else None
