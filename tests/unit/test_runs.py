"""Runs in the journal: named at the start, closed at the end, never mixed in one report."""

from __future__ import annotations

import asyncio
from pathlib import Path

import msgspec
import pytest

from ceremony.asrun import build
from ceremony.journal import JournaledSequencer, RecordKind
from ceremony.runs import (
    RunInfo,
    effective_runsheet_sha256,
    integrity_problems,
    runsheet_sha256,
    split_runs,
    summarize,
    unclosed_recordings,
)
from ceremony.sequencer import commands as cmd
from ceremony.timebase import Now
from launcher.cli import invite_expiry, parse_address
from launcher.live import KeyboardStop
from launcher.messages import pick_language
from media import runsheet_files
from media.journal_reader import read_journal
from media.journal_writer import JournalWriter
from tests.unit.conftest import SAMPLE


def write_run(path: Path, run_id: str, rehearsal: bool, t0: float, *, end: bool = True) -> None:
    sheet = runsheet_files.load(SAMPLE)
    writer = JournalWriter(path, fsync=False)
    info = RunInfo(run_id, rehearsal, runsheet_sha256(sheet))
    desk = JournaledSequencer(sheet, writer, Now(t0, 1000 + t0), info.to_payload())
    desk.note({"recording": "started", "path": f"/rec/{run_id}.mkv"}, Now(t0 + 1, 1001 + t0))
    desk.apply(cmd.Go(), Now(t0 + 2, 1002 + t0))
    desk.note({"marker": "pita"}, Now(t0 + 3, 1003 + t0))
    desk.apply(cmd.Go(), Now(t0 + 5, 1005 + t0))
    if end:
        desk.note({"recording": "closed", "path": f"/rec/{run_id}.mkv"}, Now(t0 + 6, 1006 + t0))
        desk.end_run("stopped", Now(t0 + 7, 1007 + t0))
    writer.close()


def test_each_run_names_itself_and_is_summarized(tmp_path: Path) -> None:
    write_run(tmp_path / "j.jsonl", "20261220-083000", True, 0.0)
    [segment] = split_runs(read_journal(tmp_path / "j.jsonl").records)
    assert segment.info.id == "20261220-083000" and segment.info.rehearsal
    s = summarize(segment)
    assert (s.items_run, s.items_total, s.recordings) == (2, 8, 1)
    assert s.finished and s.end_reason == "stopped" and s.ended_wall == 1007.0
    assert integrity_problems(segment) == []
    asrun = build(segment.records, [], False)
    assert (asrun.run_id, asrun.rehearsal, asrun.run_end_reason) == (
        "20261220-083000",
        True,
        "stopped",
    )
    assert asrun.runsheet_sha256 == runsheet_sha256(runsheet_files.load(SAMPLE))


def test_a_journal_holding_two_runs_is_split_and_refused_as_one_report(tmp_path: Path) -> None:
    journal = tmp_path / "j.jsonl"
    write_run(journal, "gladi", True, 0.0)
    write_run(journal, "resmi", False, 100.0)  # the old way: appended to the same file
    records = read_journal(journal).records
    runs = split_runs(records)
    assert [(r.info.id, r.info.rehearsal) for r in runs] == [("gladi", True), ("resmi", False)]
    assert [len(r.records) for r in runs] == [len(records) // 2] * 2
    with pytest.raises(ValueError, match="holds 2 runs"):
        build(records, [], False)
    assert build(runs[1].records, [], False).started_wall == 1102.0  # the live run's own GO


def test_headers_from_before_runs_are_numbered(tmp_path: Path) -> None:
    sheet = runsheet_files.load(SAMPLE)
    writer = JournalWriter(tmp_path / "old.jsonl", fsync=False)
    JournaledSequencer(sheet, writer, Now(0, 0))
    JournaledSequencer(sheet, writer, Now(1, 1))
    writer.close()
    runs = split_runs(read_journal(tmp_path / "old.jsonl").records)
    assert [r.info.id for r in runs] == ["#1", "#2"]
    assert not summarize(runs[0]).finished  # the old journals never said


def test_a_header_whose_run_sheet_was_changed_afterwards_is_caught(tmp_path: Path) -> None:
    journal = tmp_path / "j.jsonl"
    write_run(journal, "resmi", False, 0.0)
    lines = journal.read_bytes().splitlines()
    header = msgspec.json.decode(lines[0])
    header["payload"]["runsheet"]["items"][0]["title"] = "Pembukaan (diubah)"
    journal.write_bytes(b"\n".join([msgspec.json.encode(header), *lines[1:]]) + b"\n")
    [segment] = split_runs(read_journal(journal).records)
    [problem] = integrity_problems(segment)
    assert "does not match the hash recorded when the run started" in problem


def test_an_edit_before_go_is_the_run_sheet_the_run_used(tmp_path: Path) -> None:
    sheet = runsheet_files.load(SAMPLE)
    edited = sheet.scaled(60)
    writer = JournalWriter(tmp_path / "j.jsonl", fsync=False)
    desk = JournaledSequencer(
        sheet, writer, Now(0, 0), RunInfo("r", False, runsheet_sha256(sheet)).to_payload()
    )
    desk.replace_runsheet(edited, Now(1, 1))
    writer.close()
    [segment] = split_runs(read_journal(tmp_path / "j.jsonl").records)
    assert effective_runsheet_sha256(segment) == runsheet_sha256(edited)
    assert effective_runsheet_sha256(segment) != runsheet_sha256(sheet)
    assert integrity_problems(segment) == []


def test_a_crash_leaves_recordings_whose_chapters_the_journal_can_rebuild(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "j.jsonl"
    write_run(journal, "resmi", False, 0.0, end=False)
    with open(journal, "ab") as f:
        f.write(b'{"seq":99,"mono":')  # the kill came mid-write
    [open_recording] = unclosed_recordings(read_journal(journal).records)
    assert open_recording.path == "/rec/resmi.mkv"
    sheet = runsheet_files.load(SAMPLE)
    first = sheet.items[0]
    assert first.speaker is not None
    assert open_recording.chapters == [
        (f"{first.title} — {first.speaker.name}", 1.0),  # as the engine names its chapters
        ("* pita", 2.0),
        (sheet.items[1].title, 4.0),
    ]
    # Appending after the torn line starts a new line: the records after it stay readable.
    writer = JournalWriter(journal, fsync=False, first_seq=100)
    writer.append(RecordKind.NOTE, {"recording": "closed", "path": "/rec/resmi.mkv"}, Now(9, 9))
    writer.close()
    read = read_journal(journal)
    assert read.records[-1].seq == 100 and len(read.problems) == 1
    assert unclosed_recordings(read.records) == []


async def test_a_live_run_stops_only_on_a_second_ctrl_c_within_three_seconds() -> None:
    now = [0.0]
    warnings: list[str] = []
    stop = asyncio.Event()
    keys = KeyboardStop(
        stop, confirm=True, warn=lambda: warnings.append("again?"), clock=lambda: now[0]
    )
    keys.interrupt()
    assert not stop.is_set() and warnings == ["again?"]
    now[0] = 3.5  # too late: this one asks again
    keys.interrupt()
    assert not stop.is_set() and warnings == ["again?", "again?"]
    now[0] = 6.4
    keys.interrupt()
    assert stop.is_set()
    rehearsal = asyncio.Event()
    KeyboardStop(rehearsal, confirm=False, warn=lambda: None).interrupt()
    assert rehearsal.is_set()


def test_addresses_need_a_port() -> None:
    assert parse_address("192.168.1.10:8443") == ("192.168.1.10", 8443)
    assert parse_address("[fe80::1]:8443") == ("fe80::1", 8443)
    for bad in ("192.168.1.10", "studio:", ":8443", "h:0", "h:65536", "fe80::1", "h:x"):
        assert parse_address(bad) is None, bad


def test_invites_are_valid_until_after_the_ceremony_day() -> None:
    import datetime as dt

    sheet = runsheet_files.load(SAMPLE)  # 15 Dec 2026, Asia/Jakarta
    jakarta = dt.timezone(dt.timedelta(hours=7))
    expected = dt.datetime(2026, 12, 18, 0, 0, tzinfo=jakarta).timestamp()
    assert invite_expiry(sheet, 0.0, None) == expected
    assert invite_expiry(sheet, 1000.0, 2.0) == 1000.0 + 2 * 86400


def test_the_language_follows_the_flag_then_the_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    assert pick_language(None) == "id"
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert pick_language(None) == "en"
    assert pick_language("id") == "id"
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    assert pick_language(None) == "id"  # a locale we have no texts for: Indonesian


def test_the_unreachable_studio_is_said_in_both_languages() -> None:
    from launcher.messages import Failure, say

    fields = {"address": "10.0.0.5:8443", "attempts": 3}
    assert say(Failure.STUDIO_UNREACHABLE, "en", **fields) == (
        "Studio unreachable at 10.0.0.5:8443 after 3 attempts — check the address/port in the "
        "invite (still trying)."
    )
    assert say(Failure.STUDIO_UNREACHABLE, "id", **fields).startswith(
        "Studio tidak dapat dihubungi di 10.0.0.5:8443 setelah 3 percobaan"
    )


def test_run_ids_are_the_start_time_made_unique(tmp_path: Path) -> None:
    from ceremony.journal import describe_record
    from ceremony.runs import make_run_id

    assert make_run_id("20261220-083000", set()) == "20261220-083000"
    taken = {"20261220-083000", "20261220-083000-2"}
    assert make_run_id("20261220-083000", taken) == "20261220-083000-3"
    write_run(tmp_path / "j.jsonl", "20261220-083000", True, 0.0)
    header = read_journal(tmp_path / "j.jsonl").records[0]
    assert describe_record(header) == (
        "journal opened: Peresmian Serentak 11 Mal Pelayanan Publik · run 20261220-083000 · "
        "REHEARSAL/GLADI"
    )


def test_the_unfinished_run_is_the_one_resumed(tmp_path: Path) -> None:
    from launcher import runs
    from launcher.paths import Paths
    from launcher.resume_text import resuming

    paths = Paths(tmp_path / "c", tmp_path / "d", tmp_path / "v", tmp_path / "l")
    sheet = runsheet_files.load(SAMPLE)
    folder = paths.runs / sheet.ceremony.id
    ended, crashed, later = (folder / r / "journal.jsonl" for r in ("r1", "r2", "r3"))
    for path in (ended, crashed, later):
        path.parent.mkdir(parents=True)
    write_run(ended, "r1", False, 0.0)
    write_run(crashed, "r2", False, 10.0, end=False)
    write_run(later, "r3", True, 20.0)
    # The newest run ended: the older crashed one is history, not resumed.
    assert runs.find_unfinished(paths, sheet.ceremony.id) is None
    later.unlink()
    found = runs.find_unfinished(paths, sheet.ceremony.id, now_wall=1020.0)
    assert found == runs.Unfinished(crashed, "r2", 1015.0, too_old=False)
    stale = runs.find_unfinished(paths, sheet.ceremony.id, now_wall=1015.0 + 4 * 3600)
    assert stale is not None and stale.too_old
    assert runs.find_unfinished(paths, sheet.ceremony.id, ended) is None  # --journal: ended
    assert runs.find_unfinished(paths, "other-ceremony") is None
    lock = runs.hold_run_lock(crashed)  # a studio is running it: not taken over
    assert runs.find_unfinished(paths, sheet.ceremony.id) is None
    lock.close()  # type: ignore[attr-defined]

    run = runs.resume_run(paths, crashed, record=True)
    assert run.info.id == "r2" and run.resume is not None
    assert run.record_dir == Path("/rec")  # beside the first part
    assert run.resume.sequencer.state.current == 1 and run.resume.next_part == 2
    from launcher.resume_text import not_resumed

    assert "--resume" in not_resumed(stale) and "terputus" in not_resumed(stale)
    said = resuming(run, sheet)
    assert "resuming run r2" in said and "melanjutkan run r2" in said and "--new-run" in said
    assert "bagian 2" in said and "differs" not in said
