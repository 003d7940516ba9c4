"""Field support: the version, invite links, log files, crash traces and the diagnostics zip."""

from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from ceremony.invite import InviteError, parse_invite
from ceremony.invite_link import invite_from_link, invite_url
from launcher.logs import crash_file, setup_logging
from media import runsheet_files
from media.diagnostics import HIDDEN, StatsRing, redact, redact_settings, write_diagnostics
from media.identity import ensure_identity
from media.version import build, describe, version
from tests.unit.conftest import SAMPLE

ROOT = Path(__file__).resolve().parents[2]


def test_version_is_the_one_in_pyproject() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'version = "{version()}"' in pyproject
    assert build() == "source"  # no BUILD file in a checkout: only packaging writes one
    out = subprocess.run(
        [sys.executable, "-m", "launcher.cli", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == describe() == f"ceremony {version()} (build source)"


@pytest.fixture
def invite_text(tmp_path: Path) -> str:
    identity = ensure_identity(tmp_path / "studio", ["127.0.0.1"])
    sheet = runsheet_files.load(SAMPLE)
    invite = identity.invite(sheet, "kota-cirebon", ["127.0.0.1:8443"], time.time() + 3600)
    return invite.to_string()


def test_invite_link_round_trip_and_both_forms_parse(invite_text: str) -> None:
    url = invite_url(invite_text)
    assert url.startswith("ceremony://join?invite=CEREMONY1:")
    assert invite_from_link(url) == invite_text
    assert parse_invite(url) == parse_invite(invite_text)
    # Chat apps wrap long links; a link pasted into the join box still reads.
    wrapped = url[:40] + "\n" + url[40:90] + " \n" + url[90:]
    assert parse_invite(wrapped).venue_id == "kota-cirebon"
    assert invite_from_link(invite_text) == invite_text  # a bare invite passes through


def test_a_link_without_an_invite_is_refused_clearly() -> None:
    with pytest.raises(InviteError, match="starts with CEREMONY1:"):
        parse_invite("ceremony://join?other=1")
    with pytest.raises(InviteError, match="starts with CEREMONY1:"):
        parse_invite("ceremony://settings?invite=CEREMONY1:abc")


def test_log_file_is_private_tagged_and_hides_invites(tmp_path: Path, invite_text: str) -> None:
    folder = tmp_path / "logs"
    setup = setup_logging(folder, "venue", crash_traces=False)
    try:
        log = logging.getLogger("test.field")
        log.info("before the ceremony is known")
        setup.set_ceremony("peresmian-mpp-serentak")
        log.warning("joining with %s", invite_text)  # a careless line must not leak the invite
        log.info("link %s", invite_url(invite_text))
    finally:
        setup.close()
    text = setup.file.read_text(encoding="utf-8")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(setup.file.stat().st_mode) == 0o600
    assert stat.S_IMODE(crash_file(folder, "venue").stat().st_mode) == 0o600
    assert "[-]" in text.splitlines()[1]  # the start line, before the ceremony was known
    assert "[peresmian-mpp-serentak]" in text.splitlines()[-1]
    assert f"ceremony {version()}" in text
    body = invite_text.split(":", 1)[1]
    assert body[:30] not in text
    assert parse_invite(invite_text).token not in text
    assert text.count(HIDDEN) == 2


def test_log_rolls_over_into_private_files(tmp_path: Path) -> None:
    setup = setup_logging(tmp_path / "logs", "studio", crash_traces=False)
    try:
        for handler in setup.handlers:
            if isinstance(handler, logging.handlers.RotatingFileHandler):
                handler.maxBytes = 2000
        for i in range(100):
            logging.getLogger("test.field").info("line %d %s", i, "x" * 50)
    finally:
        setup.close()
    rolled = sorted((tmp_path / "logs").glob("studio.log.*"))
    assert rolled, "no rollover happened"
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in rolled)


CRASHER = """
import sys, threading, faulthandler
from pathlib import Path
from launcher.logs import setup_logging
setup = setup_logging(Path(sys.argv[1]), "venue")
setup.set_ceremony("peresmian-mpp-serentak")
kind = sys.argv[2]
if kind == "thread":
    t = threading.Thread(target=lambda: 1 / 0, name="codec")
    t.start(); t.join()
    sys.exit(0)
if kind == "python":
    raise RuntimeError("the venue app fell over")
faulthandler._sigsegv()
"""


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("python", "RuntimeError: the venue app fell over"),
        ("thread", "uncaught exception in thread codec"),
        ("native", "Segmentation fault"),
    ],
)
def test_a_crash_leaves_a_trace_in_the_log_folder(tmp_path: Path, kind: str, expected: str) -> None:
    out = subprocess.run(
        [sys.executable, "-c", CRASHER, str(tmp_path), kind],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=60,
    )
    assert out.returncode != 0 or kind == "thread"
    trace = crash_file(tmp_path, "venue").read_text(encoding="utf-8")
    assert expected in trace
    if kind != "native":  # Python crashes are in the log too, with the ceremony id
        log_text = (tmp_path / "venue.log").read_text(encoding="utf-8")
        assert "CRITICAL [peresmian-mpp-serentak]" in log_text


def test_redaction_hides_every_kind_of_secret(tmp_path: Path, invite_text: str) -> None:
    secret = (tmp_path / "studio" / "studio-secret").read_bytes()
    key = next((tmp_path / "studio").glob("*key*.pem")).read_text(encoding="utf-8")
    text = (
        f"invite {invite_text} token {parse_invite(invite_text).token} secret {secret.hex()} "
        f"key {key} turn turn:crew:s3cretpass@turn.example:3478"
    )
    clean = redact(text)
    assert invite_text[12:40] not in clean
    assert parse_invite(invite_text).token not in clean
    assert secret.hex() not in clean
    assert "PRIVATE KEY" not in clean
    assert "s3cretpass" not in clean
    assert "turn:crew:" in clean  # the user name is kept: it helps the help desk
    ini = redact_settings("[venue]\nlast_invite=abc\ncontact=Budi 0812\nturn_password=x\n")
    assert "abc" not in ini and "turn_password=<hidden>" in ini and "Budi 0812" in ini


def test_stats_ring_keeps_the_last_minute() -> None:
    ring = StatsRing()
    for t in range(0, 120, 2):
        ring.add(float(t), {"rtt_ms": t})
    recent = ring.recent(120.0)
    assert recent[0]["rtt_ms"] == 60
    assert len(recent) == 30
    assert recent[-1]["t"] == -2.0


def test_diagnostics_zip_has_logs_versions_and_no_secrets(tmp_path: Path, invite_text: str) -> None:
    logs = tmp_path / "logs"
    setup = setup_logging(logs, "venue", crash_traces=False)
    try:
        logging.getLogger("test.field").warning("pasted %s", invite_text)
    finally:
        setup.close()
    settings = tmp_path / "venue.ini"
    settings.write_text(f"[venue]\ncontact=Budi\ninvite={invite_text}\n", encoding="utf-8")
    out = write_diagnostics(
        tmp_path / "diag.zip",
        app="venue",
        logs_folder=logs,
        settings_files=[settings],
        stats=[{"t": -1.0, "rtt_ms": 12.5, "note": invite_text}],
    )
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        blob = b"".join(z.read(n) for n in names)
        versions = json.loads(z.read("versions.json"))
    assert {"about.json", "versions.json", "devices.json", "link-stats.json"} <= names
    assert "logs/venue.log" in names and "settings/venue.ini" in names
    assert versions["ceremony"] == version()
    secret = (tmp_path / "studio" / "studio-secret").read_bytes()
    for needle in (parse_invite(invite_text).token, invite_text[10:50], secret.hex()):
        assert needle.encode() not in blob
    assert secret not in blob
    assert b"PRIVATE KEY" not in blob
    assert b"12.5" in blob and b"Budi" in blob


DAMAGED_LINK = "ceremony://join?invite=CEREMONY1:%25%25"


def test_venue_takes_a_link_as_its_argument(tmp_path: Path) -> None:
    """`ceremony venue <link>`: the invite inside the link is what gets read (a damaged one here,
    so the venue stops at once and says so, instead of "an invite starts with …")."""
    out = subprocess.run(
        [*(sys.executable, "-m", "launcher.cli", "venue", "--headless"), DAMAGED_LINK],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, "CEREMONY_HOME": str(tmp_path)},
    )
    assert out.returncode == 2
    assert "damaged" in out.stderr
    assert (tmp_path / "logs" / "venue.log").exists()  # the headless venue logs to its file


def test_invite_qr_code_holds_the_link(tmp_path: Path) -> None:
    """`ceremony invites` writes a QR code of the ceremony:// link (a phone camera opens it)."""
    import qrcode
    from PIL import Image, ImageChops

    subprocess.run(
        [
            *(sys.executable, "-m", "launcher.cli", "invites", str(SAMPLE), "--out", str(tmp_path)),
            *("--address", "127.0.0.1:8443", "--data-dir", str(tmp_path / "studio")),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    text = (tmp_path / "kota-cirebon.invite.txt").read_text(encoding="utf-8").strip()
    qrcode.make(invite_url(text)).save(str(tmp_path / "expected.png"))
    qrcode.make(text).save(str(tmp_path / "bare.png"))
    with (
        Image.open(tmp_path / "kota-cirebon.invite.png") as written,
        Image.open(tmp_path / "expected.png") as expected,
        Image.open(tmp_path / "bare.png") as bare,
    ):
        assert written.size == expected.size
        assert ImageChops.difference(written.convert("L"), expected.convert("L")).getbbox() is None
        assert (
            written.size != bare.size
            or ImageChops.difference(written.convert("L"), bare.convert("L")).getbbox() is not None
        )
