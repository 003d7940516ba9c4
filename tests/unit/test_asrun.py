"""The as-run report from a journal: what ran, the countdown, incidents; a torn journal too."""

from __future__ import annotations

import csv
from pathlib import Path

from ceremony import runsheet
from ceremony.asrun import build
from ceremony.journal import JournaledSequencer, JournalWriter, RecordKind, read_journal
from ceremony.sequencer import commands as c
from ceremony.timebase import Now
from launcher.report import write_report
from tests.unit.conftest import SAMPLE


def make_journal(path: Path) -> None:
    sheet = runsheet.load(SAMPLE)
    writer = JournalWriter(path, fsync=False)
    desk = JournaledSequencer(sheet, writer, Now(0, 1_797_300_000))
    t = Now(1, 1_797_300_001)
    desk.apply(c.Go(), t)
    desk.apply(c.Jump(3), t.plus(200))  # the Cirebon report
    desk.note({"venue": "kota-cirebon", "status": "lost", "reason": "no heartbeat"}, t.plus(250))
    desk.note({"venue": "kota-cirebon", "status": "joined", "reason": "join #2"}, t.plus(253))
    desk.note(
        {"countdown": "armed", "arm_id": 1, "fire_at": 700.0, "venues": ["a", "b"]}, t.plus(600)
    )
    for vid, true_fire in (("a", 700.0004), ("b", 699.9991)):
        desk.note(
            {
                "countdown": "fired",
                "venue": vid,
                "arm_id": 1,
                "fire_at": 700.0,
                "true_fire": true_fire,
                "local_fire": 10.0,
                "local_deadline": 10.0,
                "bound_s": 0.002,
            },
            t.plus(701),
        )
    desk.note({"cue": "Mohon bersiap", "venue": None, "cue_id": 1}, t.plus(400))
    desk.apply(c.Go(), t.plus(800))
    writer.close()


def test_as_run_from_the_journal(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    make_journal(path)
    read = read_journal(path)
    r = build(read.records, read.problems, read.truncated_tail)
    assert [i.status for i in r.items[:5]] == ["done", "not run", "not run", "done", "on_air"]
    report = r.items[3]
    assert report.place == "MPP Kota Cirebon" and report.speaker.startswith("Wali Kota Cirebon")
    assert round(report.actual_s) == 600 and round(report.over_s or 0) == 180
    assert [f.venue for f in r.fires] == ["a", "b"]
    assert r.fire_spread_ms is not None and abs(r.fire_spread_ms - 1.3) < 1e-6
    assert any("lost" in i.text for i in r.incidents)
    assert any("Mohon bersiap" in m.text for m in r.messages)


def test_files_in_both_languages_and_a_torn_journal(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    make_journal(path)
    data = path.read_bytes()
    path.write_bytes(data[:-15])  # the studio died writing the last record
    result, _files = write_report(path, tmp_path / "id", "id")
    assert result.truncated
    html = (tmp_path / "id" / "as-run.html").read_text(encoding="utf-8")
    assert "Laporan pelaksanaan acara" in html and "terpotong" in html
    assert (tmp_path / "id" / "as-run.pdf").read_bytes().startswith(b"%PDF")
    with open(tmp_path / "id" / "as-run.csv", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert len(rows) == 1 + len(result.items)
    assert rows[4][1] == "Laporan Wali Kota Cirebon"
    _, _ = write_report(path, tmp_path / "en", "en")
    assert "As-run report" in (tmp_path / "en" / "as-run.html").read_text(encoding="utf-8")
    kinds = {r.kind for r in read_journal(path).records}
    assert RecordKind.HEADER in kinds
