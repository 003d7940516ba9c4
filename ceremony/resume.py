"""Resume: what a run's journal says the studio was doing, for an engine restarted after a crash.

The sequencer is replayed from its commands and ticks (the same replay as ceremony/journal.py,
so the running item keeps its original actual start and its time remaining); the notes give the
rest: what was on program, the countdown and every venue's answer to it (so that fire reports
arriving after the restart are accepted once, and an acknowledged arm is not sent again), the
recording part to write next, the last cue number. `resume(records[:k])` equals the state the
live engine had after those k records (tests/unit/test_resume.py checks it at every cut).

If the monotonic clock restarted (the PC rebooted), every recorded monotonic time is moved by
the jump measured against the wall clock, so remaining times stay right. Pure: records and
`now` in, state out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ceremony import notes
from ceremony.countdown import ArmState, StudioCountdown, VenueArmView
from ceremony.journal import (
    Record,
    RecordKind,
    decode_command,
    runsheet_from_header,
)
from ceremony.runs import RunInfo
from ceremony.runsheet import Source, SourceKind
from ceremony.sequencer.sequencer import Sequencer
from ceremony.timebase import Now

# Wall and monotonic clocks may drift apart by NTP slewing while an engine runs; a difference
# larger than this between the dead engine's last record and now is a restarted monotonic clock.
CLOCK_JUMP_S = 2.0

_PART = re.compile(r"-part(\d+)$")


class ResumeError(ValueError):
    pass


@dataclass
class RunState:
    """The studio's state as the journal tells it, record by record (`apply`)."""

    sequencer: Sequencer
    run: RunInfo
    program_source: str = "studio"  # str(runsheet.Source) as last put on program
    manual_override: bool = False
    preview_venue: str | None = None
    countdown: StudioCountdown = field(default_factory=StudioCountdown)
    recording_parts: int = 0  # program recordings started in this run (1 per engine life)
    first_program_path: str = ""
    cue_seq: int = 0
    last_seq: int = 0  # the journal's last record (the next engine numbers on from it)
    last_wall: float = 0.0
    last_mono: float = 0.0
    # The last record an engine wrote (a repair after the crash is not the engine): when it
    # went down, as the as-run report's gap says.
    engine_seq: int = 0
    engine_wall: float = 0.0
    resumes: int = 0
    torn_tail: bool = False  # set by the reader: the dead engine's last line was cut off
    clock_jump_s: float = 0.0
    ended: bool = False  # the run was closed (run_ended): nothing to resume

    @property
    def next_part(self) -> int:
        return self.recording_parts + 1

    @property
    def program(self) -> Source:
        kind, _, ref = self.program_source.partition(":")
        try:
            return Source(SourceKind(kind), ref)
        except ValueError:
            return Source.studio()

    def resumed_note(self, part: int) -> notes.EngineResumed:
        """The note a resuming engine writes first (the as-run report's gap)."""
        return notes.EngineResumed(
            run_id=self.run.id,
            part=part,
            down_wall=self.engine_wall,
            last_seq=self.engine_seq,
            torn_tail=self.torn_tail,
            clock_jump_s=self.clock_jump_s,
        )

    def apply(self, record: Record, shift: float = 0.0) -> None:
        """`shift`: added to every monotonic time (a restarted clock), see module doc."""
        now = Now(record.mono + shift, record.wall)
        self.last_seq, self.last_wall, self.last_mono = record.seq, record.wall, now.mono
        if not _by_repair(record):
            self.engine_seq, self.engine_wall = record.seq, record.wall
        if record.kind is RecordKind.COMMAND:
            self.sequencer.apply(decode_command(record.payload), now)
        elif record.kind is RecordKind.TICK:
            self.sequencer.tick(now)
        elif record.kind is RecordKind.NOTE:
            self._note(notes.decode_note(record.payload), shift)

    def _note(self, note: notes.Note | notes.UnknownNote, shift: float) -> None:
        cd = self.countdown
        match note:
            case notes.RunsheetReplaced(runsheet=document):
                self.sequencer = Sequencer(runsheet_from_header({"runsheet": document}, "journal"))
            case notes.ProgramSource(source=source):
                self.program_source = source
            case notes.ManualOverride(active=active):
                self.manual_override = active
            case notes.PreviewChosen(venue=venue):
                self.preview_venue = venue
            case notes.CountdownArmed():
                cd.arm_id, cd.fire_at = note.arm_id, note.fire_at + shift
                cd.title, cd.aborted = note.title, False
                cd.venues = {v: VenueArmView(v) for v in note.venues}
            case notes.CountdownAborted(arm_id=arm_id) if arm_id == cd.arm_id:
                cd.abort()
            case notes.CountdownAck():
                try:
                    state = ArmState(note.state)
                except ValueError:
                    return
                deadline = note.local_deadline
                view = cd.venues.get(note.venue)
                if deadline is None and view is not None:
                    deadline = view.local_deadline
                cd.on_ack(note.venue, note.arm_id, state, deadline, note.bound_s)
            case notes.FireReported():
                view = cd.venues.get(note.venue)
                if view is None or view.fired_local is not None:
                    return
                if note.local_fire is None or note.bound_s is None:
                    return
                cd.on_fired(
                    note.venue,
                    note.arm_id,
                    note.local_fire,
                    note.bound_s,
                    note.true_fire,
                    local_deadline=note.local_deadline,
                )
            case notes.RecordingStarted(path=path):
                self.recording_parts += 1
                if not self.first_program_path:
                    self.first_program_path = path
            case notes.CueSent(cue_id=cue_id):
                self.cue_seq = max(self.cue_seq, cue_id)
            case notes.EngineResumed():
                self.resumes += 1
            case notes.RunEnded():
                self.ended = True
            case _:
                pass

    def snapshot(self) -> tuple[object, ...]:
        """Comparable: everything a resumed engine takes from the journal."""
        cd = self.countdown
        venues = sorted(
            (v.venue_id, v.acked, v.state, v.fired_local, v.fire_bound_s)
            for v in cd.venues.values()
        )
        return (
            self.sequencer.snapshot(),
            self.program_source,
            self.manual_override,
            self.preview_venue,
            (cd.arm_id, cd.fire_at, cd.title, cd.aborted, tuple(venues)),
            self.recording_parts,
            self.first_program_path,
            self.cue_seq,
        )


def clock_shift(last: Record, now: Now) -> float:
    """How far the monotonic clock jumped since `last` was written (0 unless it restarted)."""
    jump = (now.mono - now.wall) - (last.mono - last.wall)
    return jump if abs(jump) > CLOCK_JUMP_S else 0.0


def resume(records: list[Record], now: Now | None = None, source: str = "<journal>") -> RunState:
    """The state of the run these records hold (one run: its header first). With `now`, times
    are moved onto the present monotonic clock if it restarted since the last record."""
    if not records or records[0].kind is not RecordKind.HEADER:
        raise ResumeError(f"{source}: the first record is not a journal header")
    header = records[0]
    state = RunState(
        Sequencer(runsheet_from_header(header.payload, source)),
        RunInfo.from_header(header.payload, ""),
    )
    shift = clock_shift(records[-1], now) if now is not None else 0.0
    state.clock_jump_s = shift
    state.last_seq, state.last_wall, state.last_mono = header.seq, header.wall, header.mono + shift
    state.engine_seq, state.engine_wall = header.seq, header.wall
    for record in records[1:]:
        state.apply(record, shift)
    return state


def _by_repair(record: Record) -> bool:
    """Written by launcher/runs.repair after the crash, not by the engine that crashed."""
    if record.kind is not RecordKind.NOTE or record.payload.get("repaired") is not True:
        return False
    note = notes.decode_note(record.payload)
    return isinstance(note, notes.RecordingClosed | notes.RecordingNotOpened)


def part_name(first_path: str, part: int, default_stem: str) -> str:
    """The file stem of recording part `part` (1: as it was): `program-x-20261130-2300-part2`.

    `first_path` is part 1's file (from the journal), `default_stem` is used when the run has
    not recorded yet."""
    stem = _PART.sub("", _stem(first_path)) if first_path else default_stem
    return stem if part <= 1 else f"{stem}-part{part}"


def _stem(path: str) -> str:
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[0] if "." in name else name
