from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ceremony.journal import JournaledSequencer, RecordKind, replay
from ceremony.runsheet import Runsheet
from ceremony.sequencer import commands as c
from ceremony.timebase import Now
from media import runsheet_files
from media.journal_reader import read_journal
from media.journal_writer import JournalWriter
from tests.unit.conftest import SAMPLE

SHEET = runsheet_files.load(SAMPLE).scaled(120)

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
steps = st.lists(
    st.tuples(st.floats(0, 40, allow_nan=False), st.none() | commands), min_size=1, max_size=60
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=steps)
def test_replay_equals_live(tmp_path: Path, steps: list[tuple[float, c.Command | None]]) -> None:
    path = tmp_path / "journal.jsonl"
    path.unlink(missing_ok=True)  # hypothesis reuses tmp_path across examples
    t = Now(50.0, 1_797_300_000.0)
    writer = JournalWriter(path, fsync=False)
    live = JournaledSequencer(SHEET, writer, t)
    for dt, command in steps:
        t = t.plus(dt)
        if command is None:
            live.tick(t)
        else:
            live.apply(command, t)
    writer.close()
    read = read_journal(path)
    assert not read.problems
    rebuilt = replay(read.records)
    assert rebuilt.snapshot() == live.sequencer.snapshot()
    assert rebuilt.view(t) == live.sequencer.view(t)


def test_every_record_is_on_disk_when_apply_returns(tmp_path: Path, sample: Runsheet) -> None:
    path = tmp_path / "j.jsonl"
    writer = JournalWriter(path)
    live = JournaledSequencer(sample, writer, Now(0, 0))
    live.apply(c.Go(), Now(1, 1))
    writer.close()
    kinds = [r.kind for r in read_journal(path).records]
    assert kinds[:2] == [RecordKind.HEADER, RecordKind.COMMAND]
    assert RecordKind.EVENT in kinds
    assert [r.seq for r in read_journal(path).records] == list(range(1, len(kinds) + 1))


def test_truncated_last_line_is_tolerated_and_reported(tmp_path: Path, sample: Runsheet) -> None:
    path = tmp_path / "j.jsonl"
    writer = JournalWriter(path)
    live = JournaledSequencer(sample, writer, Now(0, 0))
    live.apply(c.Go(), Now(1, 1))
    live.apply(c.Go(), Now(5, 5))
    writer.close()
    full = path.read_bytes()
    path.write_bytes(full[:-20])  # crash in the middle of the last record
    read = read_journal(path)
    assert read.truncated_tail
    assert "cut off" in read.problems[0]
    assert len(read.records) == full.count(b"\n") - 1
    assert replay(read.records).state.current is not None


def test_garbage_in_the_middle_is_reported_not_fatal(tmp_path: Path, sample: Runsheet) -> None:
    path = tmp_path / "j.jsonl"
    writer = JournalWriter(path)
    live = JournaledSequencer(sample, writer, Now(0, 0))
    writer._file.write(b"{not json}\n")
    live.apply(c.Go(), Now(1, 1))
    writer.close()
    read = read_journal(path)
    assert not read.truncated_tail
    assert "line 2" in read.problems[0]
    assert replay(read.records).state.current == 0


def test_journal_tail_gives_whole_new_records_only(tmp_path: Path) -> None:
    from ceremony.journal import describe_record
    from media.journal_reader import JournalTail

    path = tmp_path / "j.jsonl"
    line = (
        b'{"seq":%d,"mono":1.0,"wall":2.0,"kind":"event",'
        b'"payload":{"type":"item_started","index":%d}}\n'
    )
    tail = JournalTail(path)
    assert tail.read() == []  # not written yet
    path.write_bytes(line % (1, 0) + (line % (2, 1))[:20])  # the second is being written
    first = tail.read()
    assert [r.seq for r in first] == [1]
    assert describe_record(first[0]) == "event item_started index=0"
    with open(path, "ab") as f:
        f.write((line % (2, 1))[20:] + b'{"seq":3,"mono":1,"wall":2,"kind":"tick","payload":{}}\n')
    rest = tail.read()
    assert [r.seq for r in rest] == [2, 3]
    assert describe_record(rest[1]) is None  # ticks are bookkeeping


def test_fsync_runs_on_the_writers_thread_never_the_callers(
    tmp_path: Path, sample: Runsheet, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import threading

    from media import journal_writer

    threads: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        threads.append(threading.current_thread().name)
        real_fsync(fd)

    monkeypatch.setattr(journal_writer.os, "fsync", fsync)  # type: ignore[attr-defined]
    writer = JournalWriter(tmp_path / "j.jsonl")
    live = JournaledSequencer(sample, writer, Now(0, 0))
    for n in range(1, 50):
        live.apply(c.Go(), Now(n, n))
    last = live.journal.append(RecordKind.TICK, {}, Now(60, 60)).seq
    writer.close()
    assert writer.synced_seq == last  # closed: the disk holds all of it
    assert threads and set(threads) == {"journal-fsync"}
