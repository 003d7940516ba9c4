"""Resume from a journal cut anywhere: resume(journal[:k]) is the live state after k records."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from ceremony import notes as n
from ceremony.countdown import ArmState, CountdownError, StudioCountdown
from ceremony.journal import JournaledSequencer, Record, RecordKind, parse_journal
from ceremony.resume import RunState, clock_shift, part_name, resume
from ceremony.runs import RunInfo
from ceremony.runsheet import Source
from ceremony.sequencer import commands as c
from ceremony.timebase import Now
from media import runsheet_files
from tests.unit.conftest import SAMPLE

SHEET = runsheet_files.load(SAMPLE).scaled(120)
VENUES = [v.id for v in SHEET.venues][:3]
RUN = RunInfo("20261201-090000", False, "abc")


class MemoryJournal:
    def __init__(self) -> None:
        self.records: list[Record] = []

    def append(self, kind: RecordKind, payload: dict[str, Any], now: Now) -> Record:
        record = Record(len(self.records) + 1, now.mono, now.wall, kind, payload)
        self.records.append(record)
        return record


@dataclass
class LiveStudio:
    """What the engine keeps while it runs, journaled as the engine (media/studio/) journals it."""

    journal: MemoryJournal
    desk: JournaledSequencer
    countdown: StudioCountdown = field(default_factory=StudioCountdown)
    program: str = "studio"
    override: bool = False
    preview: str | None = None
    parts: int = 0
    first_path: str = ""
    cue_seq: int = 0
    marks: list[tuple[int, tuple[object, ...]]] = field(default_factory=list)

    def note(self, note: n.Note | dict[str, Any], now: Now) -> None:
        """Journal a note, and remember the state as it is once that note is written."""
        self.desk.note(note, now)
        self.marks.append((len(self.journal.records), self.snapshot()))

    def snapshot(self) -> tuple[object, ...]:
        cd = self.countdown
        venues = sorted(
            (v.venue_id, v.acked, v.state, v.fired_local, v.fire_bound_s)
            for v in cd.venues.values()
        )
        return (
            self.desk.sequencer.snapshot(),
            self.program,
            self.override,
            self.preview,
            (cd.arm_id, cd.fire_at, cd.title, cd.aborted, tuple(venues)),
            self.parts,
            self.first_path,
            self.cue_seq,
        )

    def step(self, op: tuple[Any, ...], now: Now) -> None:
        kind = op[0]
        cd = self.countdown
        if kind == "command":
            self.desk.apply(op[1], now)
        elif kind == "tick":
            self.desk.tick(now)
        elif kind == "arm":
            try:
                arm_id = cd.arm(now.mono, op[1], VENUES[: op[2]], "Hitung mundur")
            except CountdownError:
                return
            assert cd.fire_at is not None
            self.note(n.CountdownArmed(arm_id, cd.fire_at, op[1], VENUES[: op[2]], cd.title), now)
        elif kind == "abort":
            aborted = cd.abort()
            if aborted is not None:
                self.note(n.CountdownAborted(aborted), now)
        elif kind == "ack":
            vid, state = VENUES[op[1]], op[2]
            if vid not in cd.venues or cd.fire_at is None:
                return
            cd.on_ack(vid, cd.arm_id, state, 100.0, 0.002)
            self.note(n.CountdownAck(vid, cd.arm_id, state.value, 0.002, 100.0), now)
        elif kind == "fired":
            vid = VENUES[op[1]]
            view = cd.venues.get(vid)
            if view is None or view.fired_local is not None or cd.fire_at is None:
                return  # the engine de-duplicates resent reports before journaling
            cd.on_fired(vid, cd.arm_id, 100.001, 0.002, None, local_deadline=100.0)
            self.note(
                n.FireReported(vid, cd.arm_id, 100.001, 0.002, 100.0, fire_at=cd.fire_at), now
            )
        elif kind == "take":
            source = str(Source.venue(VENUES[op[1]]))
            self.program = source  # as the engine's take(): the program, then the override
            self.note(n.ProgramSource(source), now)
            self.override = True
            self.note(n.ManualOverride(source, True), now)
        elif kind == "preview":
            self.preview = VENUES[op[1]] if op[1] is not None else None
            self.note(n.PreviewChosen(self.preview), now)
        elif kind == "recording":
            self.parts += 1
            path = f"/rec/program-x-part{self.parts}.mkv"
            self.first_path = self.first_path or path
            self.note(n.RecordingStarted(path, self.parts), now)
        elif kind == "cue":
            self.cue_seq += 1
            self.note(n.CueSent("Siap", None, self.cue_seq), now)
        elif kind == "legacy_cue":  # an untagged note, as older engines wrote them
            self.cue_seq += 1
            self.note({"cue": "Siap", "venue": None, "cue_id": self.cue_seq}, now)


commands = st.one_of(
    st.just(c.Go()),
    st.just(c.UndoGo()),
    st.just(c.Back()),
    st.just(c.Hold()),
    st.just(c.Resume()),
    st.just(c.EndCeremony()),
    st.builds(c.Skip, st.none() | st.integers(-1, 9)),
    st.builds(c.Jump, st.integers(-1, 9)),
    st.builds(c.AddTime, st.floats(-100, 100, allow_nan=False)),
)
venue = st.integers(0, len(VENUES) - 1)
ops = st.one_of(
    st.tuples(st.just("command"), commands),
    st.tuples(st.just("tick")),
    st.tuples(st.just("arm"), st.sampled_from([4.0, 10.0, 30.0]), st.integers(0, len(VENUES))),
    st.tuples(st.just("abort")),
    st.tuples(st.just("ack"), venue, st.sampled_from(list(ArmState))),
    st.tuples(st.just("fired"), venue),
    st.tuples(st.just("take"), venue),
    st.tuples(st.just("preview"), st.none() | venue),
    st.tuples(st.just("recording")),
    st.tuples(st.just("cue")),
    st.tuples(st.just("legacy_cue")),
)
steps = st.lists(st.tuples(st.floats(0, 40, allow_nan=False), ops), min_size=1, max_size=50)


EVERY_KIND = [  # a cut after every kind of record, whatever hypothesis draws
    (1.0, ("recording",)),
    (1.0, ("command", c.Go())),
    (2.0, ("preview", 1)),
    (3.0, ("arm", 10.0, 3)),
    (1.0, ("ack", 0, ArmState.ARMED)),
    (1.0, ("ack", 1, ArmState.NO_CLOCK)),
    (9.0, ("fired", 0)),
    (0.5, ("fired", 0)),
    (1.0, ("take", 2)),
    (1.0, ("cue",)),
    (1.0, ("legacy_cue",)),
    (30.0, ("tick",)),
    (1.0, ("abort",)),
    (1.0, ("arm", 5.0, 2)),
    (1.0, ("abort",)),
    (1.0, ("command", c.Hold())),
    (5.0, ("command", c.Resume())),
    (1.0, ("command", c.Jump(3))),
    (1.0, ("command", c.EndCeremony())),
]


@settings(max_examples=120, deadline=None)
@example(steps=EVERY_KIND)
@given(steps=steps)
def test_resume_at_every_cut_equals_the_live_state(steps: list[tuple[float, Any]]) -> None:
    journal = MemoryJournal()
    t = Now(50.0, 1_797_300_000.0)
    live = LiveStudio(journal, JournaledSequencer(SHEET, journal, t, RUN.to_payload()))
    live.marks.append((1, live.snapshot()))  # (records written, the state then)
    for dt, op in steps:
        t = t.plus(dt)
        live.step(op, t)
        live.marks.append((len(journal.records), live.snapshot()))
    # A note is its own mark; a command and its events belong to one step, and a cut between
    # them resumes to that step's state: the events follow from the command deterministically.
    for k in range(1, len(journal.records) + 1):
        expected = next(state for count, state in live.marks if count >= k)
        assert resume(journal.records[:k]).snapshot() == expected, f"cut after record {k}"
    final = resume(journal.records)
    assert final.run == RUN and not final.ended
    assert final.sequencer.view(t) == live.desk.sequencer.view(t)


def _running(journal: MemoryJournal) -> tuple[JournaledSequencer, Now]:
    t = Now(1000.0, 1_797_300_000.0)
    desk = JournaledSequencer(SHEET, journal, t, RUN.to_payload())
    desk.apply(c.Go(), t)
    desk.apply(c.Go(), t.plus(30))  # item 2 started 30 s in
    return desk, t.plus(45)


def test_the_running_item_keeps_its_start_and_remaining_time() -> None:
    journal = MemoryJournal()
    desk, t = _running(journal)
    state = resume(journal.records, t)
    assert state.sequencer.state.current == 1
    assert state.sequencer.state.runs[-1].start_wall == desk.sequencer.state.runs[-1].start_wall
    assert state.sequencer.remaining(t) == desk.sequencer.remaining(t)
    assert state.clock_jump_s == 0.0


def test_a_restarted_monotonic_clock_is_measured_against_the_wall_clock() -> None:
    """A reboot: the monotonic clock starts again near 0; the remaining time stays right."""
    journal = MemoryJournal()
    desk, t = _running(journal)
    before = desk.sequencer.remaining(t)
    rebooted = Now(12.0, t.wall)  # same instant, monotonic clock 1033 s behind
    assert clock_shift(journal.records[-1], rebooted) == -1033.0
    state = resume(journal.records, rebooted)
    assert state.sequencer.remaining(rebooted) == before
    assert state.resumed_note(2).clock_jump_s == -1033.0


def test_an_acked_countdown_is_known_again_and_reports_are_counted_once() -> None:
    journal = MemoryJournal()
    t = Now(1000.0, 1_797_300_000.0)
    desk = JournaledSequencer(SHEET, journal, t, RUN.to_payload())
    desk.note(n.CountdownArmed(3, 1010.0, 10.0, VENUES[:2], "Peresmian"), t)
    desk.note(n.CountdownAck(VENUES[0], 3, "armed", 0.002, 55.0), t.plus(1))
    desk.note(n.CountdownAck(VENUES[1], 3, "armed", 0.003, 77.0), t.plus(1))
    desk.note(n.FireReported(VENUES[0], 3, 55.0004, 0.002, 55.0, fire_at=1010.0), t.plus(10))
    cd = resume(journal.records).countdown
    assert (cd.arm_id, cd.fire_at, cd.title) == (3, 1010.0, "Peresmian")
    assert all(v.acked for v in cd.venues.values())  # not sent again after the restart
    assert cd.due_sends(1011.0, set(VENUES)) == []
    assert cd.venues[VENUES[0]].fired_local == 55.0004  # a resent report is a duplicate
    assert cd.venues[VENUES[1]].fired_local is None  # its report is still welcome
    assert cd.venues[VENUES[1]].local_deadline == 77.0


def test_a_torn_last_line_still_resumes() -> None:
    journal = MemoryJournal()
    _running(journal)
    from msgspec import json

    data = b"".join(json.encode(r) + b"\n" for r in journal.records)
    read = parse_journal(data[:-7], "j")  # the kill cut the last line
    assert read.truncated_tail
    state = resume(read.records)
    assert state.last_seq == len(journal.records) - 1


def test_the_ended_run_is_not_resumed_and_parts_are_named_after_the_first() -> None:
    journal = MemoryJournal()
    desk, t = _running(journal)
    desk.note(n.RecordingStarted("/v/program-x-20261201-0900.mkv"), t)
    state: RunState = resume(journal.records)
    assert (state.next_part, state.ended) == (2, False)
    assert part_name(state.first_program_path, 2, "d") == "program-x-20261201-0900-part2"
    assert part_name("/v/program-x-1-part2.mkv", 3, "d") == "program-x-1-part3"
    desk.end_run("stopped", t)
    assert resume(journal.records).ended


def test_the_fixed_example_has_every_kind_of_entry() -> None:
    journal = MemoryJournal()
    t = Now(50.0, 1_797_300_000.0)
    live = LiveStudio(journal, JournaledSequencer(SHEET, journal, t, RUN.to_payload()))
    for dt, op in EVERY_KIND:
        t = t.plus(dt)
        live.step(op, t)
    assert {r.kind for r in journal.records} == set(RecordKind)
    tags = {type(n.decode_note(r.payload)) for r in journal.records if r.kind is RecordKind.NOTE}
    assert tags >= {
        n.RecordingStarted,
        n.PreviewChosen,
        n.CountdownArmed,
        n.CountdownAck,
        n.FireReported,
        n.ProgramSource,
        n.ManualOverride,
        n.CueSent,
        n.CountdownAborted,
    }


def test_the_gap_starts_at_the_dead_engines_last_record_not_the_repair() -> None:
    journal = MemoryJournal()
    desk, t = _running(journal)
    dead = journal.records[-1]
    desk.note(n.RecordingClosed("/v/p.mkv", 40.0, "aa", repaired=True), t.plus(20))
    desk.note(n.RecordingNotOpened("/v/i.mkv", "a", repaired=True), t.plus(20))
    state = resume(journal.records)
    note = state.resumed_note(2)
    assert (note.down_wall, note.last_seq) == (dead.wall, dead.seq)
    assert state.last_seq == dead.seq + 2  # the next engine numbers on after the repair
