"""Runs as an operator has them: a rehearsal, then the live ceremony, each its own run with its
own journal, recordings and report, started and stopped as real `ceremony` processes."""

from __future__ import annotations

import signal
from pathlib import Path

import av
import pytest

from ceremony.asrun import build
from ceremony.journal import RecordKind
from media.journal_reader import read_journal
from tests.integration.procs import LOOPBACK, TINY_SHEET, Proc, environment, free_port, run

pytestmark = pytest.mark.integration

CEREMONY = "gladi-uji"


def studio_args(sheet: Path, port: int, *extra: str) -> list[str]:
    return [
        "studio",
        "--headless",
        "--runsheet",
        str(sheet),
        "--host",
        LOOPBACK,
        "--port",
        str(port),
        "--ice-address",
        LOOPBACK,
        "--program",
        "160x96@10",
        *extra,
    ]


def run_ids(home: Path) -> list[str]:
    return sorted(p.name for p in (home / "data" / "runs" / CEREMONY).iterdir())


def journal_of(home: Path, run_id: str) -> Path:
    return home / "data" / "runs" / CEREMONY / run_id / "journal.jsonl"


@pytest.fixture
def sheet(tmp_path: Path) -> Path:
    path = tmp_path / "uji.yaml"
    path.write_text(TINY_SHEET, encoding="utf-8")
    return path


def test_rehearsal_then_live_are_two_runs_with_two_reports(tmp_path: Path, sheet: Path) -> None:
    home = tmp_path / "home"
    env = environment(home)
    rehearsal = run(studio_args(sheet, free_port(), "--rehearsal", "--auto-go"), env)
    assert rehearsal.proc.returncode == 0, rehearsal.stderr
    assert "REHEARSAL/GLADI" in rehearsal.stdout
    live = run(studio_args(sheet, free_port(), "--auto-go"), env)
    assert live.proc.returncode == 0, live.stderr
    assert "LIVE/RESMI" in live.stdout

    ids = run_ids(home)
    assert len(ids) == 2
    first, second = ids
    listing = run(["runs", "list"], env)
    assert listing.proc.returncode == 0
    rows = [line for line in listing.stdout.splitlines() if line.startswith(tuple(ids))]
    assert len(rows) == 2
    assert "rehearsal/GLADI" in rows[0] and "live/RESMI" in rows[1]
    for row in rows:
        assert "3/3" in row and "unfinished" not in row  # every item ran, the run closed
        assert row.split()[7] == "1"  # one recording (the program; no venue joined)

    for run_id, is_rehearsal in ((first, True), (second, False)):
        report = run(["report", run_id], env)
        assert report.proc.returncode == 0, report.stderr
        out = journal_of(home, run_id).parent / "as-run"
        assert (out / "as-run.html").is_file() and (out / "as-run.pdf").is_file()
        read = read_journal(journal_of(home, run_id))
        assert sum(r.kind is RecordKind.HEADER for r in read.records) == 1  # nothing mixed in
        asrun = build(read.records, read.problems, read.truncated_tail)
        assert asrun.run_id == run_id and asrun.rehearsal is is_rehearsal
        assert asrun.run_end_reason == "ended"
        assert [i.outcome.value for i in asrun.items] == ["done"] * 3
        # The recording is this run's, in this run's folder.
        assert len(asrun.recordings) == 1
        recording = Path(asrun.recordings[0].path)
        assert recording.parent == home / "videos" / CEREMONY / run_id
        with av.open(str(recording)) as container:
            titles = [c["metadata"]["title"] for c in container.chapters()]
        assert titles == ["Pembukaan", "Sambutan Menteri", "Penutupan"]
    # The two runs started at different times: the live report is not the rehearsal's.
    a = build(read_journal(journal_of(home, first)).records, [], False)
    b = build(read_journal(journal_of(home, second)).records, [], False)
    assert a.started_wall is not None and b.started_wall is not None
    assert b.started_wall > a.ended_wall  # type: ignore[operator]

    # An edited run-sheet is not the one the live run used: refused, exit 2.
    edited = tmp_path / "edited.yaml"
    edited.write_text(TINY_SHEET.replace("Sambutan Menteri", "Sambutan Gubernur"), "utf-8")
    refused = run(["report", second, "--runsheet", str(edited)], env)
    assert refused.proc.returncode == 2
    assert f"is not the run-sheet run {second} used" in refused.stderr
    same = run(["report", second, "--runsheet", str(sheet), "--out", str(tmp_path / "r2")], env)
    assert same.proc.returncode == 0, same.stderr

    # An old journal that collected both runs in one file is refused unless one run is chosen.
    legacy = home / "data" / "journals" / f"{CEREMONY}.jsonl"
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(journal_of(home, first).read_bytes() + journal_of(home, second).read_bytes())
    mixed = run(["report", str(legacy), "--out", str(tmp_path / "old")], env)
    assert mixed.proc.returncode == 2
    assert "holds 2 runs mixed in one file" in mixed.stderr and first in mixed.stderr
    chosen = run(["report", str(legacy), "--run", first, "--out", str(tmp_path / "old")], env)
    assert chosen.proc.returncode == 0, chosen.stderr
    assert f"run {first} (rehearsal/GLADI)" in chosen.stdout


@pytest.mark.parametrize("by", ["report", "next start"])
def test_a_killed_studio_is_repaired(tmp_path: Path, sheet: Path, by: str) -> None:
    home = tmp_path / "home"
    env = environment(home)
    long = tmp_path / "long.yaml"
    long.write_text(TINY_SHEET.replace('duration: "2"}', 'duration: "1:00"}'), "utf-8")
    studio = Proc(studio_args(long, free_port(), "--rehearsal", "--auto-go"), env)
    try:
        studio.wait_line("studio ready")
        run_id = run_ids(home)[0]
        journal = journal_of(home, run_id)
        # The first item is on (the stand-in pressed GO) and the recording has pictures.
        studio.wait_line("recording into")
        recordings = home / "videos" / CEREMONY / run_id
        _wait_for(lambda: any(p.stat().st_size > 2000 for p in recordings.glob("*.mkv")))
        if by == "report":
            # While the studio runs, nothing is "repaired" under it, and the list says so.
            listing = run(["runs", "list"], env)
            assert "running" in listing.stdout and "unfinished" not in listing.stdout
            early = run(["report", run_id, "--out", str(tmp_path / "early")], env)
            assert early.proc.returncode == 0 and "repaired" not in early.stderr
            assert studio.proc.poll() is None
        studio.signal(signal.SIGKILL)
        studio.wait()
    finally:
        studio.kill()
    notes = [r.payload for r in read_journal(journal).records if r.kind is RecordKind.NOTE]
    assert not any(p.get("type") == "recording_closed" for p in notes)  # the crash left it open
    if by == "report":
        first = run(["report", run_id], env)
        assert first.proc.returncode == 0, first.stderr
    else:  # the next start repairs before anything else (here it then finds its port taken)
        import socket

        with socket.socket() as busy:
            busy.bind((LOOPBACK, 0))
            busy.listen(1)
            first = run(studio_args(long, busy.getsockname()[1], "--rehearsal"), env)
        assert first.proc.returncode == 1
    assert "repaired after a crash" in first.stderr
    read = read_journal(journal)
    asrun = build(read.records, read.problems, read.truncated_tail)
    assert len(asrun.recordings) == 1 and asrun.recordings[0].duration_s > 0
    assert asrun.recordings[0].sha256  # hashed after the repair
    with av.open(asrun.recordings[0].path) as container:
        assert [c["metadata"]["title"] for c in container.chapters()] == ["Pembukaan"]
    # The report (again, or for the first time) repairs nothing twice and lists the recording.
    report = run(["report", run_id], env)
    assert report.proc.returncode == 0 and "repaired" not in report.stderr
    html = (journal.parent / "as-run" / "as-run.html").read_text("utf-8")
    assert "Tidak ada rekaman" not in html and "No recordings" not in html
    assert Path(asrun.recordings[0].path).name in html.replace("<wbr>", "")  # may wrap
    read = read_journal(journal)
    assert len(build(read.records, read.problems, read.truncated_tail).recordings) == 1
    listing = run(["runs", "list"], env)
    assert "unfinished" in listing.stdout  # the run never said it ended: that stays visible


def _wait_for(condition: object, timeout: float = 30.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)  # polling a file another process writes (no event to wait on)
