"""Every way the day can go wrong at the start, and every way it is stopped, as an operator meets
them: real processes, one plain sentence in their language, an exit status that says so."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
from pathlib import Path

import pytest

from ceremony.journal import RecordKind
from media.journal_reader import read_journal
from tests.integration.procs import LOOPBACK, TINY_SHEET, Proc, environment, free_port, run
from tests.integration.test_runs import CEREMONY, _wait_for, journal_of, run_ids, studio_args

pytestmark = pytest.mark.integration


@pytest.fixture
def sheet(tmp_path: Path) -> Path:
    path = tmp_path / "uji.yaml"
    path.write_text(TINY_SHEET.replace('duration: "2"}', 'duration: "5:00"}'), encoding="utf-8")
    return path


def no_traceback(p: Proc) -> None:
    assert "Traceback" not in p.stderr and "Traceback" not in p.stdout, p.stderr


def test_port_in_use_is_one_sentence_in_indonesian_then_english(
    tmp_path: Path, sheet: Path
) -> None:
    home = tmp_path / "home"
    with socket.socket() as busy:
        busy.bind((LOOPBACK, 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        p = run(studio_args(sheet, port), environment(home))
        assert p.proc.returncode == 1
        assert p.stderr.strip() == (
            f"Port {port} di {LOOPBACK} sudah dipakai program lain (mungkin studio lain masih "
            "berjalan): tutup program itu atau pilih port lain dengan --port."
        )
        no_traceback(p)
        en = run(studio_args(sheet, port), environment(home, LANG="en_US.UTF-8"))
        assert en.proc.returncode == 1
        assert f"Port {port} on {LOOPBACK} is already in use" in en.stderr
        assert "choose another port with --port" in en.stderr
    # Nothing was started: no run, no journal, no recording folder left behind.
    assert not (home / "data" / "runs" / CEREMONY).exists() or run_ids(home) == []
    assert not any((home / "videos").rglob("*.mkv"))


def test_an_unwritable_recording_folder_stops_the_start(tmp_path: Path, sheet: Path) -> None:
    home = tmp_path / "home"
    p = run(
        [*studio_args(sheet, free_port()), "--record-dir", "/proc/ceremony-rec"], environment(home)
    )
    assert p.proc.returncode == 1
    assert "Folder rekaman /proc/ceremony-rec/" in p.stderr
    assert "tidak bisa ditulisi" in p.stderr and "--no-record" in p.stderr
    assert "recording into" not in p.stdout  # never claims to record
    no_traceback(p)
    assert len(p.stderr.strip().splitlines()) == 1


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("unshare") is None,
    reason="mounting a small disk needs root and unshare (CI runs as root)",
)
def test_a_disk_without_room_for_the_ceremony_stops_the_start(tmp_path: Path, sheet: Path) -> None:
    home = tmp_path / "home"
    small = tmp_path / "small"
    small.mkdir()
    args = [*studio_args(sheet, free_port()), "--record-dir", str(small), "--language", "en"]
    # A 1 MiB disk of its own, in a mount namespace of this test's making.
    script = f'mount -t tmpfs -o size=1m none {small} && exec "$@"'
    p = Proc(
        args,
        environment(home),
        prefix=["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh"],
    )
    assert p.wait(60) == 1, p.stderr
    assert f"The disk of {small}/" in p.stderr and "nearly full" in p.stderr
    assert "planned at 15 min" in p.stderr
    no_traceback(p)


def test_a_journal_that_holds_a_run_is_not_appended_to(tmp_path: Path, sheet: Path) -> None:
    journal = tmp_path / "old.jsonl"
    journal.write_text('{"seq":1}\n', encoding="utf-8")
    args = [*studio_args(sheet, free_port()), "--journal", str(journal), "--no-record"]
    p = run(args, environment(tmp_path / "home", LANG="en_US.UTF-8"))
    assert p.proc.returncode == 1
    assert f"The ceremony journal {journal} cannot be written (already holds another run)" in (
        p.stderr
    )
    assert journal.read_text(encoding="utf-8") == '{"seq":1}\n'  # untouched


def test_a_live_run_needs_a_second_ctrl_c_a_rehearsal_does_not(tmp_path: Path, sheet: Path) -> None:
    home = tmp_path / "home"
    live = Proc(studio_args(sheet, free_port(), "--auto-go"), environment(home))
    try:
        live.wait_line("recording into")
        folder = home / "videos" / CEREMONY / run_ids(home)[0]
        _wait_for(lambda: any(p.stat().st_size > 0 for p in folder.glob("*.mkv")))  # a picture
        live.signal(signal.SIGINT)
        live.wait_line("tekan Ctrl+C sekali lagi dalam 3 detik")
        assert live.proc.poll() is None  # one Ctrl+C did not end the live ceremony
        live.signal(signal.SIGINT)
        assert live.wait(60) == 0
    finally:
        live.kill()
    assert "Mengakhiri run" in live.stdout
    no_traceback(live)
    run_id = run_ids(home)[0]
    records = read_journal(journal_of(home, run_id)).records
    notes = [r.payload for r in records if r.kind is RecordKind.NOTE]
    assert notes[-1] == {"type": "run_ended", "run_id": run_id, "reason": "stopped"}
    closed = [p for p in notes if p.get("type") == "recording_closed" and p.get("venue") is None]
    assert len(closed) == 1 and [c["title"] for c in closed[0]["chapters"]] == ["Pembukaan"]

    rehearsal = Proc(studio_args(sheet, free_port(), "--rehearsal"), environment(home))
    try:
        rehearsal.wait_line("studio ready")
        rehearsal.signal(signal.SIGINT)
        assert rehearsal.wait(60) == 0
    finally:
        rehearsal.kill()
    assert "Ctrl+C sekali lagi" not in rehearsal.stdout


def test_sigterm_ends_the_run_and_the_venue_is_told(tmp_path: Path, sheet: Path) -> None:
    home = tmp_path / "home"
    env = environment(home)
    port = free_port()
    invites = run(
        ["invites", str(sheet), "--out", str(tmp_path / "inv"), "--address", f"{LOOPBACK}:{port}"],
        env,
    )
    assert invites.proc.returncode == 0, invites.stderr
    studio = Proc(studio_args(sheet, port, "--no-record", "--rehearsal"), env)
    venue = None
    try:
        studio.wait_line("studio ready")
        venue = Proc(
            [
                "venue",
                "--headless",
                "--invite",
                str(tmp_path / "inv" / "kota-cirebon.invite.txt"),
                "--video",
                "160x96@10",
                "--ice-address",
                LOOPBACK,
                "--no-program-sound",
            ],
            env,
        )
        studio.wait_line("venue kota-cirebon: joined")
        venue.wait_line(": REHEARSAL/GLADI")  # the venue knows it is a rehearsal
        studio.signal(signal.SIGTERM)
        assert studio.wait(60) == 0
        venue.wait_line("Studio mengakhiri acara: acara telah selesai.")
        assert venue.wait(30) == 0  # it does not reconnect forever: it is over
    finally:
        studio.kill()
        if venue is not None:
            venue.kill()
    no_traceback(studio)
    assert "menyambung" not in venue.stdout and "reconnecting" not in venue.stdout


def test_a_venue_with_the_wrong_port_says_so_and_keeps_trying(tmp_path: Path, sheet: Path) -> None:
    home = tmp_path / "home"
    env = environment(home)
    wrong = free_port()  # nothing listens there
    made = run(
        ["invites", str(sheet), "--out", str(tmp_path / "inv"), "--address", f"{LOOPBACK}:{wrong}"],
        env,
    )
    assert made.proc.returncode == 0
    args = [
        "venue",
        "--headless",
        "--invite",
        str(tmp_path / "inv" / "kota-cirebon.invite.txt"),
        "--no-media",
        "--ice-address",
        LOOPBACK,
    ]
    venue = Proc(args, env)
    try:
        line = venue.wait_line("Studio tidak dapat dihubungi", timeout=60)
        assert line.strip() == (
            f"Studio tidak dapat dihubungi di {LOOPBACK}:{wrong} setelah 3 percobaan — periksa "
            "alamat/port di undangan (tetap mencoba)."
        )
        assert venue.proc.poll() is None  # still trying
        venue.signal(signal.SIGTERM)
        assert venue.wait(30) == 0
    finally:
        venue.kill()
    assert "object at 0x" not in venue.stdout + venue.stderr  # no Python reprs for the crew
    assert f"{LOOPBACK}:{wrong}: connection refused (nothing answers on that port)" in (
        venue.stdout
    )
    assert "('127.0.0.1'" not in venue.stdout
    no_traceback(venue)


def test_invites_last_until_after_the_ceremony_and_refuse_nonsense(
    tmp_path: Path, sheet: Path
) -> None:
    env = environment(tmp_path / "home")
    out = tmp_path / "inv"
    ok = run(["invites", str(sheet), "--out", str(out), "--address", f"{LOOPBACK}:8443"], env)
    assert ok.proc.returncode == 0, ok.stderr
    # The ceremony is on 20 Dec 2026 in Jakarta: valid to the end of that day plus two days.
    assert "kota-cirebon:" in ok.stdout
    assert "expires 2026-12-23 00:00 (Asia/Jakarta)" in ok.stdout
    from ceremony.invite import parse_invite

    invite = parse_invite((out / "kota-cirebon.invite.txt").read_text(encoding="utf-8"))
    jakarta = dt.timezone(dt.timedelta(hours=7))
    assert invite.expires == dt.datetime(2026, 12, 23, 0, 0, tzinfo=jakarta).timestamp()

    for bad, message in (
        (["--valid-days", "-1"], "--valid-days -1: harus lebih dari 0"),
        (["--valid-days", "0"], "--valid-days 0: harus lebih dari 0"),
    ):
        p = run(["invites", str(sheet), "--out", str(out), "--address", "h:1", *bad], env)
        assert p.proc.returncode == 2 and p.stderr.strip() == message
    for address in ("192.168.1.10", "studio.example:", "h:99999", "::1"):
        p = run(["invites", str(sheet), "--out", str(out), "--address", address], env)
        assert p.proc.returncode == 2
        assert p.stderr.startswith(f"--address {address}: harus HOST:PORT"), p.stderr
    en = run(
        ["invites", str(sheet), "--out", str(out), "--address", "10.0.0.1"],
        environment(tmp_path / "home", LANG="en_US.UTF-8"),
    )
    assert "needs HOST:PORT, e.g. 192.168.1.10:8443" in en.stderr
    short = run(
        ["invites", str(sheet), "--out", str(out), "--address", "[::1]:8443", "--valid-days", "1"],
        env,
    )
    assert short.proc.returncode == 0, short.stderr


@pytest.mark.slow
def test_the_demo_under_a_display_ends_after_its_run(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    args = ["demo", "--venues", "1", "--duration", "12", "--out", str(out), "--rehearsal"]
    demo = run(args, environment(tmp_path / "home"), timeout=180)
    assert demo.proc.returncode == 0, demo.stderr
    assert (out / "as-run" / "as-run.html").is_file()
    records = read_journal(out / "journal.jsonl").records
    assert records[0].payload["run"]["rehearsal"] is True
    assert records[-1].payload.get("reason") == "ended"


@pytest.mark.slow
def test_sigterm_stops_the_headless_demo_cleanly(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    args = ["demo", "--headless", "--venues", "1", "--duration", "600", "--out", str(out)]
    demo = Proc(args, environment(tmp_path / "home"))
    try:
        demo.wait_line(" 1/8 ", timeout=120)  # a progress line: the first item is on
        demo.signal(signal.SIGTERM)
        assert demo.wait(120) == 0
    finally:
        demo.kill()
    no_traceback(demo)
    notes = [r.payload for r in read_journal(out / "journal.jsonl").records]
    assert notes[-1].get("reason") == "stopped"
    assert any(p.get("type") == "recording_closed" and p.get("chapters") for p in notes)
