"""The frozen apps, as a crew and an operator get them: version, a headless studio and venue
running the sample ceremony to its countdown, the join screen under Xvfb, the .deb's contents
and a clicked ceremony:// link."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tarfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from ceremony.invite import parse_invite
from ceremony.invite_link import invite_url
from ceremony.notes import FireReported, decode_note
from media import runsheet_files
from media.version import version

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "ceremony" / "samples" / "mpp-11.yaml"
LOOPBACK = "127.0.0.1"
CEREMONY_ID = "peresmian-mpp-serentak"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        port: int = s.getsockname()[1]
        return port


def start_until(
    command: Callable[[int], list[str | Path]], ready: bytes, *, env: dict[str, str], cwd: Path
) -> tuple[subprocess.Popen[bytes], int, list[bytes], threading.Thread]:
    """Start a server on a free port; another engineer's test on this shared machine may take
    the port between our probe and the bind, so a taken port gets a second and third try.
    Returns when the server printed `ready`; its output keeps being collected."""
    for _attempt in range(3):
        port = free_port()
        proc = subprocess.Popen(
            command(port), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=cwd
        )
        assert proc.stdout is not None
        lines: list[bytes] = []
        for line in proc.stdout:  # blocks until the server says something: no polling
            lines.append(line)
            if ready in line:
                drain = threading.Thread(target=lines.extend, args=(proc.stdout,), daemon=True)
                drain.start()
                return proc, port, lines, drain
        proc.wait()
        proc.stdout.close()
        if b"address already in use" not in b"".join(lines):
            raise AssertionError(b"".join(lines).decode(errors="replace")[-3000:])
    raise AssertionError("three ports in a row were taken")


def env_for(home: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # nothing of this tree may leak into the frozen app
    env["CEREMONY_HOME"] = str(home)
    env.update(extra)
    return env


def xvfb(*cmd: str | Path) -> list[str]:
    return ["xvfb-run", "-a", "-s", "-screen 0 1600x900x24", *map(str, cmd)]


def test_version_and_build(frozen: Path, tmp_path: Path) -> None:
    out = subprocess.run(
        [frozen / "ceremony", "--version"],
        capture_output=True,
        text=True,
        check=True,
        env=env_for(tmp_path),
        cwd=tmp_path,
        timeout=60,
    )
    text = out.stdout.strip()
    assert text.startswith(f"ceremony {version()} (build ")
    assert "source" not in text  # the frozen app carries its BUILD file


def test_frozen_studio_and_venue_reach_the_countdown(frozen: Path, tmp_path: Path) -> None:
    """The sample run-sheet (compressed to 50 s as the demo does) on a frozen headless studio with
    the stand-in operator, one frozen headless venue joining over loopback; the journal must
    show the countdown fired at the venue."""
    sheet_path = tmp_path / "sample-50s.yaml"
    runsheet_files.save(runsheet_files.load(SAMPLE).scaled(50), sheet_path)
    env = env_for(tmp_path / "home")
    journal = tmp_path / "journal.jsonl"

    def studio_command(port: int) -> list[str | Path]:
        return [
            *(frozen / "ceremony-studio", "--headless", "--auto-go", "--runsheet", sheet_path),
            *("--host", LOOPBACK, "--port", str(port), "--ice-address", LOOPBACK),
            *("--data-dir", tmp_path / "studio", "--journal", journal, "--no-record"),
            *("--program", "320x180@10"),
        ]

    studio, port, studio_lines, drain = start_until(
        studio_command, b"studio ready on", env=env, cwd=tmp_path
    )
    invites = tmp_path / "invites"
    subprocess.run(
        [
            *(frozen / "ceremony", "invites", sheet_path, "--out", invites),
            *("--address", f"{LOOPBACK}:{port}", "--data-dir", tmp_path / "studio"),
        ],
        check=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        capture_output=True,
    )
    with (tmp_path / "venue.out").open("wb") as venue_log:
        venue = subprocess.Popen(
            [
                *(frozen / "ceremony-venue", "--headless"),
                *("--invite", invites / "kota-cirebon.invite.txt", "--ice-address", LOOPBACK),
                *("--video", "160x96@10", "--no-program-sound"),
            ],
            stdout=venue_log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=tmp_path,
        )
    try:
        code = studio.wait(timeout=240)  # the stand-in operator ends the ceremony
    finally:
        venue.send_signal(signal.SIGINT)
        try:
            venue.wait(timeout=30)
        except subprocess.TimeoutExpired:
            venue.kill()
        if studio.poll() is None:
            studio.kill()
            studio.wait()
        drain.join(timeout=30)  # the output to its end (EOF once the studio has exited)
        if studio.stdout is not None:
            studio.stdout.close()
    studio_out = b"".join(studio_lines).decode(errors="replace")
    venue_out = (tmp_path / "venue.out").read_text(errors="replace")
    assert code == 0, studio_out[-3000:]
    assert "venue kota-cirebon: joined" in studio_out, studio_out[-3000:]
    assert "link connected" in venue_out and "zero — DIRESMIKAN" in venue_out, venue_out[-3000:]
    records = [json.loads(line) for line in journal.read_text().splitlines() if line.strip()]
    said = [decode_note(r["payload"]) for r in records if r["kind"] == "note"]
    fired = [n for n in said if isinstance(n, FireReported)]
    assert any(n.venue == "kota-cirebon" for n in fired), records[-10:]
    # Both apps wrote their private log files with the ceremony id on the lines.
    logs = tmp_path / "home" / "logs"
    for app in ("studio", "venue"):
        text = (logs / f"{app}.log").read_text(encoding="utf-8")
        assert f"[{CEREMONY_ID}]" in text
        assert oct((logs / f"{app}.log").stat().st_mode & 0o777) == "0o600"


def test_frozen_venue_renders_its_join_screen(frozen: Path, tmp_path: Path) -> None:
    shot = tmp_path / "join.png"
    subprocess.run(
        xvfb(frozen / "ceremony-venue", "--screenshot", shot, "--after", "2", "--language", "id"),
        check=True,
        env=env_for(tmp_path / "home", QT_QPA_PLATFORM="xcb"),
        cwd=tmp_path,
        timeout=120,
        capture_output=True,
    )
    with Image.open(shot) as picture:
        size = picture.size
        colours = len(picture.convert("RGB").getcolors(maxcolors=1 << 24) or [])
    with Image.open(ROOT / "docs" / "venue-join.png") as reference:
        expected = reference.size
    assert size[0] == expected[0]
    assert abs(size[1] - expected[1]) <= 40  # the frozen window has a menu bar (Help)
    assert colours > 20  # painted widgets, not a blank window
    keep = os.environ.get("CEREMONY_SMOKE_SCREENSHOT")
    if keep:
        shutil.copy(shot, keep)


def test_deb_lists_the_desktop_entry_and_the_binary(dist: Path) -> None:
    deb = next(dist.glob("ceremony_*.deb"))
    info = subprocess.run(
        ["dpkg-deb", "--info", deb], capture_output=True, text=True, check=True
    ).stdout
    contents = subprocess.run(
        ["dpkg-deb", "--contents", deb], capture_output=True, text=True, check=True
    ).stdout
    assert "Package: ceremony" in info and f"Version: {version()}" in info
    assert "libportaudio2" in info
    for path in (
        "./usr/share/applications/ceremony-venue.desktop",
        "./usr/share/applications/ceremony-studio.desktop",
        "./opt/ceremony/ceremony-venue",
        "./opt/ceremony/ceremony-studio",
        "./usr/bin/ceremony-venue -> /opt/ceremony/ceremony-venue",
        "./usr/share/icons/hicolor/256x256/apps/ceremony.png",
        "./usr/share/icons/hicolor/scalable/apps/ceremony.svg",
        "./usr/share/metainfo/id.ceremony.venue.metainfo.xml",
        "./usr/lib/udev/rules.d/70-ceremony-cpu-awake.rules",
    ):
        assert path in contents, path
    assert re.search(r"\bpostinst\b", info) and re.search(r"\bpostrm\b", info)
    assert re.search(r"-rwxr-xr-x root/root .* \./opt/ceremony/ceremony-venue\n", contents)


def test_desktop_entries_and_metainfo_validate(tmp_path: Path) -> None:
    for name in ("ceremony-venue.desktop", "ceremony-studio.desktop"):
        entry = tmp_path / name
        text = (ROOT / "packaging" / "linux" / name).read_text(encoding="utf-8")
        entry.write_text(text.replace("@BINDIR@", "/opt/ceremony"), encoding="utf-8")
        subprocess.run(["desktop-file-validate", entry], check=True, capture_output=True)
    assert (
        "MimeType=x-scheme-handler/ceremony;" in (tmp_path / "ceremony-venue.desktop").read_text()
    )
    meta = tmp_path / "id.ceremony.venue.metainfo.xml"
    text = (ROOT / "packaging" / "linux" / meta.name).read_text(encoding="utf-8")
    meta.write_text(text.replace("@VERSION@", "0.1.0").replace("@DATE@", "2026-11-30"))
    if shutil.which("appstreamcli"):
        out = subprocess.run(
            ["appstreamcli", "validate", "--no-net", "--explain", meta],
            capture_output=True,
            text=True,
            check=False,
        )
        assert out.returncode == 0, out.stdout + out.stderr


def test_clicked_ceremony_link_opens_the_join_screen_with_that_invite(
    dist: Path, tmp_path: Path
) -> None:
    """The tarball unpacked and installed for the user (install-user.sh) into a temporary
    XDG_DATA_HOME; xdg-open of a ceremony:// link under Xvfb starts the frozen venue app, which
    says in its log which invite its join screen opened with."""
    tarball = next(dist.glob("ceremony-*-linux-*.tar.gz"))
    with tarfile.open(tarball) as tar:
        tar.extractall(tmp_path / "unpacked", filter="tar")
    folder = next((tmp_path / "unpacked").iterdir())
    home = tmp_path / "home"
    xdg = {
        "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
        "XDG_DATA_DIRS": str(tmp_path / "xdg-none"),  # only what install-user.sh put there
        "HOME": str(tmp_path),
    }
    env = env_for(home, QT_QPA_PLATFORM="xcb", **xdg)
    for key in (
        "XDG_CURRENT_DESKTOP",
        "DESKTOP_SESSION",
        "KDE_FULL_SESSION",
        "GNOME_DESKTOP_SESSION_ID",
    ):
        env.pop(key, None)  # xdg-open's generic path: mimeapps.list and the .desktop file
    subprocess.run([folder / "install-user.sh"], check=True, env=env, capture_output=True)
    handler = subprocess.run(
        ["xdg-mime", "query", "default", "x-scheme-handler/ceremony"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout.strip()
    assert handler == "ceremony-venue.desktop"
    sheet = runsheet_files.load(SAMPLE)
    subprocess.run(
        [
            *(dist / "ceremony" / "ceremony", "invites", SAMPLE, "--out", tmp_path / "invites"),
            *("--address", f"{LOOPBACK}:9", "--data-dir", tmp_path / "studio"),
        ],
        check=True,
        env=env,
        capture_output=True,
        timeout=120,
    )
    text = (tmp_path / "invites" / "lokasi-07.invite.txt").read_text().strip()
    link = invite_url(text)
    opener = subprocess.Popen(
        xvfb("xdg-open", link),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # xdg-open waits for the app: stop them together
    )
    log_file = home / "logs" / "venue.log"
    wanted = "the join screen opens with the invite for venue lokasi-07"
    deadline = time.monotonic() + 60
    found = ""
    try:
        while time.monotonic() < deadline and opener.poll() is None:
            if log_file.exists():
                found = log_file.read_text(encoding="utf-8")
                if wanted in found:
                    break
            time.sleep(0.2)  # polling a file another process writes: no event to wait on
    finally:
        os.killpg(opener.pid, signal.SIGTERM)
        raw, _ = opener.communicate(timeout=30)
    output = raw.decode(errors="replace")
    assert wanted in found, output[-2000:] + found[-2000:]
    assert f"[{sheet.ceremony.id}]" in found
    assert parse_invite(text).token not in found and text[10:40] not in found
