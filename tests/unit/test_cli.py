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
    assert "items[0].duration" in lines[0] and ":line 32:" in lines[0]
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


def test_convert_to_an_unknown_extension_is_refused(tmp_path: Path) -> None:
    out = ceremony("runsheet", "convert", SAMPLE, tmp_path / "plan.xlsx")
    assert out.returncode == 2
    assert f"{tmp_path / 'plan.xlsx'}: cannot write .xlsx; a run-sheet is written as " in out.stderr
    assert f"ceremony runsheet convert {SAMPLE} {tmp_path / 'plan.csv'}" in out.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written, under any name


def test_convert_in_place_is_refused_and_keeps_the_comments(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_bytes(SAMPLE.read_bytes())
    for target in (path, tmp_path / "." / "plan.yaml"):
        out = ceremony("runsheet", "convert", path, target)
        assert out.returncode == 2
        assert "is the input itself; converting in place would replace it and drop its " in (
            out.stderr
        )
        assert f"{tmp_path / 'plan-converted.yaml'}" in out.stderr
    assert path.read_bytes() == SAMPLE.read_bytes()  # comments and all


def test_a_windows_1252_csv_validates_with_a_warning(tmp_path: Path) -> None:
    csv_path = tmp_path / "plan.csv"
    assert ceremony("runsheet", "convert", SAMPLE, csv_path).returncode == 0
    text = csv_path.read_text(encoding="utf-8").replace("MPP Kota Cirebon", "MPP Kota Cirébon")
    csv_path.write_bytes(text.encode("cp1252"))
    out = ceremony("runsheet", "validate", csv_path)
    assert out.returncode == 0, out.stderr
    assert f"warning: {csv_path}:byte " in out.stderr
    assert "is not UTF-8; it was read as Windows-1252" in out.stderr
    show = ceremony("runsheet", "show", csv_path)
    assert show.returncode == 0 and "warning:" in show.stderr


def test_a_windows_1252_yaml_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    text = SAMPLE.read_text(encoding="utf-8").replace("MPP Kota Cirebon", "MPP Kota Cirébon")
    path.write_bytes(text.replace("—", "-").encode("cp1252"))
    out = ceremony("runsheet", "validate", path)
    assert out.returncode == 2
    assert f"iconv -f WINDOWS-1252 -t UTF-8 {path} > utf8-plan.yaml" in out.stderr
    assert "1 problem(s); nothing was loaded" in out.stderr


def test_an_ambiguous_duration_is_warned_with_its_row(tmp_path: Path) -> None:
    csv_path = tmp_path / "plan.csv"
    assert ceremony("runsheet", "convert", SAMPLE, csv_path).returncode == 0
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    row = next(n for n, line in enumerate(lines) if line.startswith("doa,"))
    lines[row] = lines[row].replace("3:00", "02:00:00")  # a typed 2:00, as Excel saves it
    csv_path.write_text("\n".join(lines), encoding="utf-8")
    out = ceremony("runsheet", "validate", csv_path)
    assert out.returncode == 0, out.stderr
    assert (
        f"warning: {csv_path}:row {row + 1}: items[2].duration: '02:00:00' read as 2 h. "
        "A spreadsheet turns a typed 2:00 (meant as 2 min) into 02:00:00: if 2 min was meant, "
        "write 2m or 0:02:00; write 2h to keep 2 h without this warning"
    ) in out.stderr
    assert "2:38:00 planned" in out.stdout  # read by the rule: two hours


def test_a_workbook_is_refused_with_how_to_save_it_as_csv(tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    path.write_bytes(b"PK\x03\x04")
    out = ceremony("runsheet", "validate", path)
    assert out.returncode == 2
    assert "File > Save As > 'CSV UTF-8 (comma delimited) (*.csv)'" in out.stderr


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


def test_each_run_has_its_own_journal_and_recording_folder(tmp_path: Path) -> None:
    from launcher.paths import Paths
    from launcher.runs import new_run
    from media import runsheet_files

    paths = Paths(tmp_path / "c", tmp_path / "d", tmp_path / "videos", tmp_path / "l")
    sheet = runsheet_files.load(SAMPLE)
    first = new_run(paths, sheet, rehearsal=True, record=True)
    first.journal.parent.mkdir(parents=True)  # taken: the next run gets another id
    second = new_run(paths, sheet, rehearsal=False, record=True)
    assert first.info.id != second.info.id
    assert first.info.rehearsal and not second.info.rehearsal
    ceremony = "peresmian-mpp-serentak"
    assert first.journal == tmp_path / "d" / "runs" / ceremony / first.info.id / "journal.jsonl"
    assert first.record_dir == tmp_path / "videos" / ceremony / first.info.id
    assert second.record_dir == tmp_path / "videos" / ceremony / second.info.id
    explicit = new_run(paths, sheet, rehearsal=False, record=True, record_dir=tmp_path / "r")
    assert explicit.record_dir == tmp_path / "r" / explicit.info.id
    assert new_run(paths, sheet, rehearsal=False, record=False).record_dir is None
