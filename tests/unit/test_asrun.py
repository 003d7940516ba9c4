"""The as-run document from a journal: what ran, the instant of zero, incidents in words a
reader outside the control room understands, recordings with their hashes; HTML, PDF, CSV and
JSON saying the same; a torn journal; a rehearsal marked as one."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
import shutil
import subprocess
import zoneinfo
from pathlib import Path
from typing import Any

import pytest

from ceremony.asrun import (
    AsRun,
    FireState,
    IncidentKind,
    ItemOutcome,
    LossCause,
    MessageKind,
    build,
    run_info,
)
from ceremony.journal import JournaledSequencer, RecordKind
from ceremony.sequencer import commands as c
from ceremony.timebase import Now
from launcher import report_text
from launcher.report import write_report
from media import runsheet_files
from media.journal_reader import read_journal
from media.journal_writer import JournalWriter
from tests.unit.conftest import SAMPLE

T0 = 1_797_300_000  # 2026-12-15 00:40 UTC = 07:40 WIB
ZERO_WALL = T0 + 700  # armed at wall T0+601, mono 601, for the instant mono 700


def make_journal(path: Path, *, header: dict[str, object] | None = None) -> None:
    sheet = runsheet_files.load(SAMPLE)
    writer = JournalWriter(path, fsync=False)
    desk = JournaledSequencer(sheet, writer, Now(0, T0))
    t = Now(1, T0 + 1)
    desk.apply(c.Go(), t)
    desk.apply(c.Jump(3), t.plus(200))  # the Cirebon report
    desk.note({"venue": "kota-cirebon", "status": "joined", "reason": "join #1"}, t.plus(201))
    desk.note(
        {"venue": "kota-cirebon", "status": "lost", "reason": "no heartbeat for 3.0 s"}, t.plus(250)
    )
    desk.note({"venue": "kota-cirebon", "status": "joined", "reason": "join #2"}, t.plus(253))
    desk.note({"join_refused": "lokasi-02", "reason": "expired", "detail": "x"}, t.plus(260))
    desk.note(
        {
            "countdown": "armed",
            "arm_id": 1,
            "fire_at": 700.0,
            "venues": ["kota-cirebon", "lokasi-02", "lokasi-03"],
            "title": "Hitung mundur",
            "lead_s": 99.0,
        },
        t.plus(600),
    )
    desk.note(
        {"countdown": "ack", "venue": "lokasi-03", "arm_id": 1, "state": "armed", "bound_s": 0.003},
        t.plus(601),
    )
    # A venue's acknowledgement may say "fired" before its fire report arrives, and again after.
    fired_ack = {"countdown": "ack", "venue": "kota-cirebon", "arm_id": 1, "state": "fired"}
    desk.note({**fired_ack, "bound_s": 0.002}, t.plus(700.5))
    for vid, true_fire in (("kota-cirebon", 700.0004), ("lokasi-02", 699.9991)):
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
    desk.note({**fired_ack, "bound_s": 0.002}, t.plus(702))
    desk.note({"cue": "Mohon bersiap", "venue": None, "cue_id": 1}, t.plus(400))
    desk.note({"chat_from": "kota-cirebon", "text": "Siap"}, t.plus(410))
    desk.apply(c.Go(), t.plus(800))
    for vid in ("kota-cirebon", "lokasi-02"):
        desk.note(
            {
                "recording": "iso",
                "venue": vid,
                "path": f"/rec/iso-{vid}-20261215-074000.mkv",
                "frames": 10,
                "duration_s": 61.5,
                "failed": None,
                "sha256": hashlib.sha256(vid.encode()).hexdigest(),
            },
            t.plus(801),
        )
    desk.note(
        {
            "recording": "closed",
            "path": "/rec/program-peresmian-mpp-serentak-20261215-074000.mkv",
            "duration_s": 812.4,
            "chapters": [{"title": "a", "start_s": 0}, {"title": "b", "start_s": 9}],
            "sha256": hashlib.sha256(b"program").hexdigest(),
            "failed": None,
        },
        t.plus(802),
    )
    writer.close()
    if header:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        first = json.loads(lines[0])
        first["payload"].update(header)
        lines[0] = json.dumps(first) + "\n"
        path.write_text("".join(lines), encoding="utf-8")


def _as_run(path: Path) -> AsRun:
    read = read_journal(path)
    return build(read.records, read.problems, read.truncated_tail)


def test_as_run_from_the_journal(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    make_journal(path)
    r = _as_run(path)
    assert [i.outcome for i in r.items[:5]] == [
        ItemOutcome.DONE,
        ItemOutcome.NOT_RUN,
        ItemOutcome.NOT_RUN,
        ItemOutcome.DONE,
        ItemOutcome.ON_AIR,
    ]
    report = r.items[3]
    assert report.place == "MPP Kota Cirebon" and report.speaker.startswith("Wali Kota Cirebon")
    assert round(report.actual_s) == 600 and round(report.over_s or 0) == 180
    cd = r.countdown
    assert cd is not None and cd.zero_wall == pytest.approx(ZERO_WALL)
    by_id = {f.venue_id: f for f in cd.fires}
    assert by_id["kota-cirebon"].venue == "MPP Kota Cirebon"
    assert by_id["kota-cirebon"].state is FireState.FIRED
    assert by_id["kota-cirebon"].fire_wall == pytest.approx(ZERO_WALL + 0.0004)
    assert by_id["kota-cirebon"].error_ms == pytest.approx(0.4)
    assert by_id["lokasi-03"].state is FireState.ARMED and by_id["lokasi-03"].bound_ms == 3.0
    assert r.fire_spread_ms is not None and abs(r.fire_spread_ms - 1.3) < 1e-6
    lost = [i for i in r.incidents if i.kind is IncidentKind.VENUE_LOST]
    assert len(lost) == 1 and lost[0].cause == LossCause.NO_SIGNAL and lost[0].seconds == 3.0
    assert lost[0].subject == "MPP Kota Cirebon"
    # The first join is attendance, not an incident; the one after the loss is.
    assert [i.kind for i in r.incidents if i.subject == "MPP Kota Cirebon"] == [
        IncidentKind.VENUE_LOST,
        IncidentKind.VENUE_BACK,
    ]
    assert any(m.kind is MessageKind.CUE and "Mohon bersiap" in m.text for m in r.messages)
    iso = [rec for rec in r.recordings if rec.venue == "MPP Kota Cirebon"]
    assert iso and iso[0].sha256 == hashlib.sha256(b"kota-cirebon").hexdigest()


def test_overtime_only_beside_items_that_ran_over(tmp_path: Path) -> None:
    """The sequencer journals an 'overtime' phase the instant a held item's time is up, even
    when GO follows a moment later: the report goes by what the item showed, m:ss over."""
    path = tmp_path / "journal.jsonl"
    sheet = runsheet_files.load(SAMPLE)
    writer = JournalWriter(path, fsync=False)
    desk = JournaledSequencer(sheet, writer, Now(0, T0))
    desk.apply(c.Go(), Now(1, T0 + 1))
    first = sheet.items[0].duration_s
    desk.tick(Now(1 + first + 0.3, T0 + 1 + first + 0.3))  # overtime phase, 0.3 s over
    desk.apply(c.Go(), Now(1 + first + 0.4, T0 + 1 + first + 0.4))
    writer.close()
    events = [r.payload for r in read_journal(path).records if r.kind is RecordKind.EVENT]
    assert any(e.get("phase") == "overtime" for e in events)  # the trap is really there
    r = _as_run(path)
    assert not any(i.kind is IncidentKind.ITEM_OVERRAN for i in r.incidents)
    assert not r.items[0].overran


def _pdf_text(pdf: Path) -> list[str]:
    """One string per page (pdftotext, from poppler-utils)."""
    out = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    return [page for page in out.split("\f") if page.strip()]


ENGLISH_STATES = ("fired", "no answer", "no_answer", "not run", "on_air", "overtime", "armed")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_indonesian_document_html_pdf_csv_json_agree(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    make_journal(path, header={"run_id": "20261215-0740-a1", "rehearsal": True})
    result, files = write_report(path, tmp_path / "id", "id")
    assert [f.name for f in files] == ["as-run.html", "as-run.pdf", "as-run.csv", "as-run.json"]
    out = tmp_path / "id"
    doc = json.loads((out / "as-run.json").read_text(encoding="utf-8"))
    page = (out / "as-run.html").read_text(encoding="utf-8")
    pages = _pdf_text(out / "as-run.pdf")
    pdf = "\n".join(pages)
    journal_hash = hashlib.sha256(path.read_bytes()).hexdigest()

    # Title block: ministry, actual date and zone, the instant of zero to the millisecond.
    zone = zoneinfo.ZoneInfo("Asia/Jakarta")
    day = dt.datetime.fromtimestamp(T0 + 1, tz=zone)
    assert doc["date"] == f"Selasa, {day.day} Desember 2026"
    zero = dt.datetime.fromtimestamp(ZERO_WALL, tz=zone).strftime("%H:%M:%S.000")
    assert doc["zero"] == zero and doc["zone"] == "WIB"
    for text in (
        "Kementerian Pendayagunaan Aparatur Negara",
        "LAPORAN PELAKSANAAN ACARA",
        doc["date"],
        f"{zero} WIB",
        "GLADI / REHEARSAL",
        "Petugas Protokol",
        "NIP",
    ):
        assert text.lower() in page.lower(), text
        assert text.lower() in " ".join(pdf.split()).lower(), text

    # Every page names the run and the journal it came from, and its number.
    assert doc["journal_sha256"] == journal_hash and doc["run_id"] == "20261215-0740-a1"
    assert len(pages) >= 2
    for n, text in enumerate(pages, start=1):
        flat = "".join(text.split())
        assert "20261215-0740-a1" in flat and journal_hash in flat, n
        assert f"Halaman{n}dari{len(pages)}" in flat
        assert "GLADI/REHEARSAL" in flat

    # The countdown: names, states in Indonesian, times and bounds as in the JSON.
    fires = doc["countdowns"][0]["fires"]
    assert [f["venue"] for f in fires] == [
        "MPP Kota Cirebon",
        "MPP Lokasi 02 (menyusul)",
        "MPP Lokasi 03 (menyusul)",
    ]
    assert [f["state"] for f in fires] == [
        "berbunyi",
        "berbunyi",
        "siap, tetapi tidak melaporkan bunyi",
    ]
    for f in fires:
        for key in ("venue", "state", "fire_time", "bound"):
            assert f[key] in page and f[key] in " ".join(pdf.split()), (key, f[key])
    assert fires[0]["bound"] == "2,00"  # an Indonesian decimal comma
    # No English state in the Indonesian document, and no venue ids where names belong.
    visible = re.sub(r"<[^>]+>", " ", page.split("<body>", 1)[1])
    for word in ENGLISH_STATES:
        assert not re.search(rf"\b{word}\b", visible, re.I), word
        assert not re.search(rf"\b{word}\b", pdf, re.I), word
    assert "kota-cirebon" not in visible.replace("iso-kota-cirebon", "")

    # Incidents in words; the recordings with their lengths and SHA-256 (ISO ones too).
    texts = [i["text"] for i in doc["incidents"]]
    assert (
        "Sambungan ke MPP Kota Cirebon terputus: tidak ada sinyal dari lokasi selama 3,0 detik."
        in texts
    )
    assert "MPP Kota Cirebon tersambung kembali." in texts
    assert any("ditolak: undangan sudah kedaluwarsa" in x for x in texts)
    assert any("berlangsung 0:03:00 lebih lama dari rencana" in x for x in texts)
    for rec in doc["recordings"]:
        assert len(rec["sha256"]) == 64
        assert rec["sha256"] in "".join(pdf.split()) and rec["sha256"] in page
    assert doc["recordings"][0]["what"].startswith("Program")
    assert doc["recordings"][1]["duration"] == "0:01:02"

    # The CSV is the item table, cell for cell.
    with open(out / "as-run.csv", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    assert len(rows) == 1 + len(result.items)
    assert rows[1:] == [[item[k] for k in doc["item_columns"]] for item in doc["items"]]
    assert rows[4][1] == "Laporan Wali Kota Cirebon" and rows[4][9] == "terlaksana"

    # Table cells wrap between words: "Kementerian" is never cut ("Kemente rian").
    assert "Kementerian" in pdf
    assert not re.search(r"Kemente\s+rian|Kementeri\s+an", pdf)
    assert_words_whole(doc, pdf)


def assert_words_whole(doc: dict[str, Any], pdf: str) -> None:
    """Every word of every table header and item cell is in the PDF's text in one piece."""
    t = report_text.LABELS[doc["language"]]
    shown = ["n", "item", "speaker", "from", "start", "len", "p_short", "a_short", "over"]
    keys = [*shown, "status", *doc["fire_columns"], "chapters", "file", "duration", "sha256"]
    texts = [t[k] for k in keys]
    texts += [item[k] for item in doc["items"] for k in ("item", "speaker", "from", "status")]
    texts += [f["state"] for cd in doc["countdowns"] for f in cd["fires"]]
    found = set(re.findall(r"[\w()]+", pdf))
    for text in texts:
        for word in re.findall(r"[\w()]+", text):
            assert word in found, (word, text)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_without_run_fields_the_hash_alone_and_no_marker(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    make_journal(path)
    write_report(path, tmp_path / "en", "en")
    page = (tmp_path / "en" / "as-run.html").read_text(encoding="utf-8")
    pages = _pdf_text(tmp_path / "en" / "as-run.pdf")
    assert "REHEARSAL" not in page and "Run id" not in page
    journal_hash = hashlib.sha256(path.read_bytes()).hexdigest()
    for text in pages:
        assert journal_hash in "".join(text.split())
    assert "As-run report" in page and "sounded" in page
    doc = json.loads((tmp_path / "en" / "as-run.json").read_text(encoding="utf-8"))
    assert_words_whole(doc, "\n".join(pages))


def test_torn_journal_is_reported_on_page_one(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    make_journal(path)
    path.write_bytes(path.read_bytes()[:-15])  # the studio died writing the last record
    result, _files = write_report(path, tmp_path / "id", "id")
    assert result.truncated
    html = (tmp_path / "id" / "as-run.html").read_text(encoding="utf-8")
    assert "terpotong" in html
    assert (tmp_path / "id" / "as-run.pdf").read_bytes().startswith(b"%PDF")


def test_run_info_is_read_defensively() -> None:
    assert run_info({"version": 1}).run_id is None
    flat = run_info({"run_id": "r1", "rehearsal": False, "runsheet_sha256": "ab"})
    assert (flat.run_id, flat.rehearsal, flat.runsheet_sha256) == ("r1", False, "ab")
    nested = run_info({"run": {"id": "r2", "mode": "rehearsal"}})
    assert (nested.run_id, nested.rehearsal) == ("r2", True)
    assert run_info({"run_id": "r3", "rehearsal": "yes"}).rehearsal is None  # not a bool


@pytest.mark.parametrize("lang", report_text.LANGUAGES)
def test_every_state_and_incident_has_words(lang: str) -> None:
    assert set(report_text.OUTCOMES[lang]) == set(ItemOutcome)
    assert set(report_text.FIRE_STATES[lang]) == set(FireState)
    keys = set(report_text.INCIDENTS[lang])
    for kind in IncidentKind:
        if kind is IncidentKind.VENUE_LOST:
            assert {f"{kind}:{cause}" for cause in LossCause} <= keys
        else:
            assert kind in keys
    assert set(report_text.MESSAGES[lang]) == set(MessageKind)
    assert set(report_text.LABELS[lang]) == set(report_text.LABELS["en"])


def test_an_aborted_countdown_then_the_real_one(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    writer = JournalWriter(path, fsync=False)
    desk = JournaledSequencer(runsheet_files.load(SAMPLE), writer, Now(0, T0))
    armed = {"countdown": "armed", "venues": ["kota-cirebon"], "title": "Hitung mundur"}
    desk.note({**armed, "arm_id": 1, "fire_at": 20.0}, Now(10, T0 + 10))
    desk.note({"countdown": "aborted", "arm_id": 1}, Now(12, T0 + 12))
    desk.note({**armed, "arm_id": 2, "fire_at": 40.0}, Now(30, T0 + 30))
    desk.note(
        {"countdown": "fired", "venue": "kota-cirebon", "arm_id": 2, "fire_at": 40.0},
        Now(40.1, T0 + 40.1),
    )
    writer.close()
    r = _as_run(path)
    assert [(cd.arm_id, cd.aborted) for cd in r.countdowns] == [(1, True), (2, False)]
    assert r.countdowns[0].fires[0].state is FireState.ABORTED
    main = r.countdown
    assert main is not None and main.arm_id == 2 and main.zero_wall == pytest.approx(T0 + 40)
    # Fired, but neither a measured error nor its own lateness: no time is made up for it.
    assert main.fires[0].state is FireState.FIRED and main.fires[0].fire_wall is None
    assert [i.kind for i in r.incidents] == [IncidentKind.COUNTDOWN_ABORTED]


def test_incidents_are_worded_for_a_reader_outside_the_control_room(tmp_path: Path) -> None:
    from launcher.report import document

    path = tmp_path / "journal.jsonl"
    writer = JournalWriter(path, fsync=False)
    desk = JournaledSequencer(runsheet_files.load(SAMPLE), writer, Now(0, T0))
    notes: list[dict[str, object]] = [
        {"device": "camera", "problem": "camera unplugged"},
        {"device": "camera", "problem": None},
        {"manual_override": "venue:kota-cirebon", "active": True},
        {"venue": "lokasi-03", "status": "lost", "reason": "peer connection failed"},
        {"venue": "lokasi-03", "status": "lost", "reason": "studio shutting down"},
        {"recording": "closed", "path": "/r/p.mkv", "duration_s": 3.0, "failed": "disk full"},
    ]
    for n, note in enumerate(notes):
        desk.note(note, Now(n, T0 + n))
    writer.close()
    texts = [i["text"] for i in document(_as_run(path), "id", "0" * 64, "j")["incidents"]]
    assert texts == [
        'Gangguan pada kamera studio (catatan sistem: "camera unplugged").',
        "Kamera studio berfungsi kembali.",
        "Operator menayangkan MPP Kota Cirebon di luar susunan acara.",
        "Sambungan gambar dan suara ke MPP Lokasi 03 (menyusul) gagal.",
        # the studio closing at the end is not an incident
        'Perekaman program terhenti (catatan sistem: "disk full").',
    ]


def test_a_resumed_run_shows_both_recording_parts_and_the_gap(tmp_path: Path) -> None:
    from ceremony import notes as n
    from launcher.report import document

    path = tmp_path / "journal.jsonl"
    writer = JournalWriter(path, fsync=False)
    t = Now(100.0, T0)
    desk = JournaledSequencer(
        runsheet_files.load(SAMPLE), writer, t, {"id": "r1", "rehearsal": False}
    )
    desk.note(n.RecordingStarted("/v/program-x-1.mkv"), t)
    desk.apply(c.Go(), t.plus(1))
    # The engine is killed at +20 s; the next one repairs part 1 and resumes at +32 s.
    desk.note(n.Marker("sebelum"), t.plus(20))
    desk.note(n.RecordingClosed("/v/program-x-1.mkv", 19.0, "aa", repaired=True), t.plus(31))
    desk.note(n.EngineResumed("r1", 2, down_wall=T0 + 20, last_seq=5), t.plus(32))
    desk.note(n.RecordingStarted("/v/program-x-1-part2.mkv", 2), t.plus(32))
    desk.note(n.RecordingClosed("/v/program-x-1-part2.mkv", 28.0, "bb", part=2), t.plus(60))
    writer.close()
    r = _as_run(path)
    assert [(g.down_wall, g.up_wall, g.part) for g in r.gaps] == [(T0 + 20, T0 + 32, 2)]
    assert [(rec.path, rec.part) for rec in r.recordings] == [
        ("/v/program-x-1.mkv", 1),
        ("/v/program-x-1-part2.mkv", 2),
    ]
    for lang, word in (("en", "part 2"), ("id", "bagian 2")):
        doc = document(r, lang, "0" * 64, "j")
        assert [rec["what"].endswith(word) for rec in doc["recordings"]] == [False, True]
        (gap,) = doc["engine_gaps"]
        assert gap["seconds"] == 12.0 and "0:00:12" in gap["text"] and word in gap["text"]
    assert r.items[0].outcome.value == "on_air"  # the run never ended: the item was on air
    (restart,) = [i for i in r.incidents if i.kind is IncidentKind.ENGINE_RESTARTED]
    assert (restart.wall, restart.seconds) == (T0 + 20, 12.0)
    texts = [i["text"] for i in document(r, "id", "0" * 64, "j")["incidents"]]
    assert any("Mesin studio berhenti" in x and "12" in x for x in texts)
