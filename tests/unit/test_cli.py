"""The `ceremony` command as a user runs it: a real subprocess, real files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.unit.conftest import SAMPLE


def ceremony(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "launcher.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        check=False,
    )


def test_version() -> None:
    out = ceremony("--version")
    assert out.returncode == 0 and out.stdout.startswith("ceremony ")


def test_validate_sample_ok() -> None:
    out = ceremony("runsheet", "validate", SAMPLE)
    assert out.returncode == 0, out.stderr
    assert "8 items, 11 venues" in out.stdout


def test_validate_names_three_independent_mistakes(tmp_path: Path) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    text = text.replace('duration: "3:00"\n    hard_start', 'duration: "-3:00"\n    hard_start', 1)
    text = text.replace("source: venue:kota-cirebon", "source: venue:kota-cirebn")
    text = text.replace("kind: signing", "kind: signeng")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    out = ceremony("runsheet", "validate", bad)
    assert out.returncode == 2
    lines = [line for line in out.stderr.splitlines() if "expected" in line]
    assert len(lines) == 3
    assert "items[0].duration" in lines[0] and ":line 31:" in lines[0]
    assert "items[3].source" in lines[1] and "kota-cirebn" in lines[1]
    assert "items[6].kind" in lines[2] and "signeng" in lines[2]


def test_convert_round_trip(tmp_path: Path) -> None:
    csv1, yml, csv2 = tmp_path / "a.csv", tmp_path / "b.yaml", tmp_path / "c.csv"
    for src, dst in ((SAMPLE, csv1), (csv1, yml), (yml, csv2)):
        assert ceremony("runsheet", "convert", src, dst).returncode == 0
    assert csv1.read_bytes() == csv2.read_bytes()


def test_show_lists_planned_starts() -> None:
    out = ceremony("runsheet", "show", SAMPLE)
    assert out.returncode == 0
    assert "09:00:00*" in out.stdout and "09:09:00" in out.stdout
    assert "ends 09:41:00" in out.stdout


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    out = ceremony("runsheet", "validate", tmp_path / "missing.yaml")
    assert out.returncode == 2
    assert "readable file" in out.stderr


def test_invites_written_for_every_venue(tmp_path: Path) -> None:
    from ceremony.invite import parse_invite

    out = ceremony(
        "invites",
        SAMPLE,
        "--out",
        tmp_path / "inv",
        "--address",
        "127.0.0.1:8443",
        "--data-dir",
        tmp_path / "studio",
    )
    assert out.returncode == 0, out.stderr
    texts = sorted((tmp_path / "inv").glob("*.invite.txt"))
    assert len(texts) == 11
    assert len(list((tmp_path / "inv").glob("*.invite.png"))) == 11
    invite = parse_invite(texts[0].read_text(encoding="utf-8"))
    assert invite.addresses == ["127.0.0.1:8443"]
    assert invite.fingerprint in out.stdout
    # Invites carry tokens: the owner's alone.
    assert (tmp_path / "inv").stat().st_mode & 0o777 == 0o700
    for path in (tmp_path / "inv").iterdir():
        assert path.stat().st_mode & 0o777 == 0o600, path
    for name in ("studio-secret", "studio-key.pem"):
        assert (tmp_path / "studio" / name).stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "studio").stat().st_mode & 0o777 == 0o700


def test_the_studio_records_into_a_folder_per_ceremony_under_videos(tmp_path: Path) -> None:
    import time

    from ceremony import runsheet
    from launcher.cli import _ceremony_folder
    from launcher.paths import Paths

    paths = Paths(tmp_path / "c", tmp_path / "d", tmp_path / "videos", tmp_path / "l")
    folder = _ceremony_folder(paths, runsheet.load(SAMPLE))
    assert folder.parent == tmp_path / "videos"
    assert folder.name == f"peresmian-mpp-serentak-{time.strftime('%Y-%m-%d')}"
