from __future__ import annotations

import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from ceremony import runsheet
from ceremony.runsheet import ItemKind, RunsheetError, SourceKind, parse_csv, parse_yaml
from ceremony.runsheet.fields import format_duration, parse_duration
from media import runsheet_files

GOOD = textwrap.dedent(
    """\
    version: 1
    ceremony:
      id: c1
      title: Test
      date: 2026-12-15
      timezone: Asia/Jakarta
      studio: Studio
    venues:
      - {id: a, name: Venue A}
      - {id: b, name: Venue B}
    items:
      - {id: one, kind: opening, title: Open, duration: "1:00", hard_start: 09:00}
      - {id: two, kind: report, title: Report, source: venue:a, duration: 90}
      - {id: three, kind: countdown, title: Count, duration: 30, venues: [a, b]}
    """
)


def problems_of(text: str, *, csv: bool = False) -> list[runsheet.Problem]:
    with pytest.raises(RunsheetError) as info:
        (parse_csv if csv else parse_yaml)(text, "f")
    return list(info.value.problems)


def test_sample_loads_with_eleven_venues_and_cirebon_report(sample: runsheet.Runsheet) -> None:
    assert len(sample.venues) == 11
    report = next(i for i in sample.items if i.kind is ItemKind.REPORT)
    assert report.source.kind is SourceKind.VENUE
    assert sample.venue(report.source.ref) is not None
    assert "Cirebon" in sample.venue(report.source.ref).name  # type: ignore[union-attr]
    countdown = next(i for i in sample.items if i.kind is ItemKind.COUNTDOWN)
    assert len(sample.item_venues(countdown)) == 11


def test_good_file_values() -> None:
    sheet = parse_yaml(GOOD)
    assert [i.duration_s for i in sheet.items] == [60, 90, 30]
    assert str(sheet.items[0].hard_start) == "09:00:00"  # not YAML 1.1's sexagesimal 540
    assert sheet.items[2].venues == ("a", "b")


def test_three_independent_mistakes_are_all_named_with_line_and_field() -> None:
    bad = (
        GOOD.replace('duration: "1:00"', "duration: -5")
        .replace("source: venue:a", "source: venue:zz")
        .replace("kind: countdown", "kind: countdwn")
    )
    found = problems_of(bad)
    assert [(p.where, p.field) for p in found] == [
        ("line 12", "items[0].duration"),
        ("line 13", "items[1].source"),
        ("line 14", "items[2].kind"),
    ]
    assert "venue:zz" in str(found[1]) and "f:line 13" in str(found[1])


@pytest.mark.parametrize(
    ("change", "field", "expected_word"),
    [
        (("id: b, name", "id: a, name"), "venues[1].id", "not used"),
        (("id: two,", "id: one,"), "items[1].id", "not used"),
        (("venues: [a, b]", "venues: []"), "items[2].venues", "at least one"),
        (("duration: 90}", "duration: 90, hard_start: 08:00}"), "items[1].hard_start", "later"),
        (("date: 2026-12-15", "date: 2026-13-40"), "ceremony.date", "YYYY-MM-DD"),
        (("timezone: Asia/Jakarta", "timezone: Mars/Base"), "ceremony.timezone", "IANA"),
        (("title: Open,", "title: Open, colour: red,"), "items[0].colour", "one of the fields"),
        (("duration: 30,", "duration: 30, warning: 40,"), "items[2].warning", "at most"),
        (("duration: 90}", "duration: 0}"), "items[1].duration", "positive"),
    ],
)
def test_each_rule_is_caught(change: tuple[str, str], field: str, expected_word: str) -> None:
    found = problems_of(GOOD.replace(*change))
    assert any(p.field == field and expected_word in p.expected for p in found), found


def test_countdown_with_no_venues_in_ceremony() -> None:
    text = GOOD.replace("  - {id: a, name: Venue A}\n  - {id: b, name: Venue B}\n", "  []\n")
    text = (
        text.replace("venues:\n  []", "venues: []")
        .replace("source: venue:a, ", "")
        .replace(", venues: [a, b]", "")
    )
    found = problems_of(text)
    assert [p.field for p in found] == ["items[2].venues"]


def test_syntax_error_names_line() -> None:
    found = problems_of("ceremony:\n  id: [unclosed\n")
    assert found[0].where.startswith("line ")
    assert "valid YAML" in found[0].expected


def test_duplicate_key_is_reported() -> None:
    found = problems_of(GOOD.replace("  title: Test\n", "  title: Test\n  title: Again\n"))
    assert any(p.field == "title" and "once" in p.expected for p in found)


def test_empty_and_non_mapping_files() -> None:
    assert "empty" in problems_of("")[0].expected
    assert "mapping" in problems_of("- just\n- a list\n")[0].expected


def test_csv_round_trip_is_lossless(sample: runsheet.Runsheet) -> None:
    csv_text = runsheet.dump_csv(sample)
    via_yaml = parse_yaml(runsheet.dump_yaml(parse_csv(csv_text)))
    assert runsheet.dump_csv(via_yaml) == csv_text
    assert via_yaml == sample


def test_csv_errors_name_rows(sample: runsheet.Runsheet) -> None:
    lines = runsheet.dump_csv(sample).splitlines()
    header_row = next(n for n, line in enumerate(lines) if line.startswith("id,kind"))
    # Break the third item's duration and the first venue's id.
    lines[header_row + 3] = lines[header_row + 3].replace("3:00", "three minutes")
    venue_row = next(n for n, line in enumerate(lines) if line.startswith("venue,"))
    lines[venue_row] = lines[venue_row].replace("kota-cirebon", "Kota Cirebon!")
    found = problems_of("\n".join(lines), csv=True)
    where = {(p.where, p.field) for p in found}
    assert (f"row {header_row + 4}", "items[2].duration") in where
    assert (f"row {venue_row + 1}", "venues[0].id") in where


def test_csv_with_semicolons_and_bom(sample: runsheet.Runsheet) -> None:
    text = "\ufeff" + runsheet.dump_csv(sample).replace(",", ";")
    # Titles with commas would be quoted by a real spreadsheet; the sample's region has one.
    text = text.replace('"Kota Cirebon; Jawa Barat"', '"Kota Cirebon, Jawa Barat"')
    assert parse_csv(text) == sample


def test_load_refuses_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(RunsheetError, match="readable"):
        runsheet_files.load(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"\x00\x01garbage\xff")
    with pytest.raises(RunsheetError, match="UTF-8"):
        runsheet_files.load(bad)


def test_save_and_load(tmp_path: Path, sample: runsheet.Runsheet) -> None:
    for name in ("out.yaml", "out.csv"):
        runsheet_files.save(sample, tmp_path / name)
        assert runsheet_files.load(tmp_path / name) == sample


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90), ("1:30", 90), ("1:02:03", 3723), ("2m30s", 150), ("1h", 3600), ("0.5", 0.5)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "abc", "1:60", "1::2", "m", "5x"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


@pytest.mark.parametrize("seconds", [0.0, 59.0, 61.0, 3600.0, 3723.0, 12.25])
def test_duration_format_round_trip(seconds: float) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


# ---- spreadsheets as they really are ------------------------------------------------------


def _with_accents(sample: runsheet.Runsheet) -> str:
    """The sample as CSV, with letters that differ between UTF-8 and Windows-1252."""
    return runsheet.dump_csv(sample).replace("MPP Kota Cirebon", "MPP Kota Cirébon – Señor")


def test_windows_1252_csv_is_read_and_said(tmp_path: Path, sample: runsheet.Runsheet) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(_with_accents(sample).encode("cp1252"))
    notices: list[runsheet.Notice] = []
    sheet = runsheet_files.load(path, notices)
    assert sheet.venues[0].name == "MPP Kota Cirébon – Señor"
    assert [n.field for n in notices] == ["(file)"]
    text = str(notices[0])
    assert "is not UTF-8; it was read as Windows-1252" in text
    assert "'CSV UTF-8 (comma delimited) (*.csv)'" in text


def test_latin1_when_not_windows_1252(tmp_path: Path, sample: runsheet.Runsheet) -> None:
    # 0x81 means nothing in Windows-1252: only Latin-1 reads every byte.
    text = _with_accents(sample).replace("–", "-").replace("—", "-").replace("Señor", "Se\x81or")
    path = tmp_path / "latin.csv"
    path.write_bytes(text.encode("latin-1"))
    notices: list[runsheet.Notice] = []
    assert runsheet_files.load(path, notices).venues[0].name == "MPP Kota Cirébon - Se\x81or"
    assert "read as Latin-1" in str(notices[0])


def test_utf16_unicode_text_from_excel(tmp_path: Path, sample: runsheet.Runsheet) -> None:
    path = tmp_path / "unicode.txt"  # Excel's "Unicode Text": UTF-16 with a BOM, tabs
    text = _with_accents(sample).replace(",", "\t")
    text = text.replace('"Kota Cirebon\t Jawa Barat"', "Kota Cirebon, Jawa Barat")
    path.write_bytes(text.encode("utf-16"))
    notices: list[runsheet.Notice] = []
    assert runsheet_files.load(path, notices).venues[0].name == "MPP Kota Cirébon – Señor"
    assert notices == []


def test_non_utf8_yaml_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "sheet.yaml"
    path.write_bytes(GOOD.replace("Venue A", "Venue é").encode("cp1252"))
    with pytest.raises(RunsheetError) as info:
        runsheet_files.load(path)
    (problem,) = info.value.problems
    assert problem.where == f"byte {GOOD.index('Venue A') + 6}"
    assert "looks saved as Windows-1252" in problem.expected
    assert f"iconv -f WINDOWS-1252 -t UTF-8 {path} > utf8-sheet.yaml" in problem.expected


def test_csv_with_nul_bytes_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "book.csv"
    path.write_bytes(b"PK\x03\x04\x00\x00\xff\xfe")  # a zipped workbook renamed .csv
    with pytest.raises(RunsheetError, match=r"NUL bytes.*Save As"):
        runsheet_files.load(path)


@pytest.mark.parametrize("name", ["plan.xlsx", "plan.xls", "plan.ods"])
def test_workbooks_are_refused_with_how_to_save_csv(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(RunsheetError) as info:
        runsheet_files.load(path)
    assert "File > Save As > 'CSV UTF-8 (comma delimited) (*.csv)'" in str(info.value)


def test_save_refuses_an_unknown_extension(tmp_path: Path, sample: runsheet.Runsheet) -> None:
    with pytest.raises(RunsheetError, match=r"\.yaml or \.yml \(YAML\) or \.csv"):
        runsheet_files.save(sample, tmp_path / "plan.json")
    assert list(tmp_path.iterdir()) == []


def test_encode_and_decode_are_pure_and_round_trip(sample: runsheet.Runsheet) -> None:
    """Bytes in, bytes out: the format follows the name, no file is touched."""
    for name in ("plan.yaml", "plan.csv", "plan.tsv"):
        data = runsheet.encode(sample, name)
        assert runsheet.decode(data, name) == sample
    assert runsheet.encode(sample, "p.csv").startswith(b"ceremony_id,")
    with pytest.raises(RunsheetError, match="Save As"):
        runsheet.encode(sample, "plan.xlsx")


def test_decode_refuses_a_huge_file_and_load_before_reading_it(tmp_path: Path) -> None:
    big = b"#" * (runsheet.MAX_FILE_BYTES + 1)
    with pytest.raises(RunsheetError, match="a run-sheet under"):
        runsheet.decode(big, "big.yaml")
    path = tmp_path / "big.yaml"
    path.write_bytes(big)
    with pytest.raises(RunsheetError, match="a run-sheet under"):
        runsheet_files.load(path)


def test_save_replaces_the_old_file_and_leaves_no_temporary(
    tmp_path: Path, sample: runsheet.Runsheet
) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text("old", encoding="utf-8")
    runsheet_files.save(sample, path)
    assert path.read_bytes() == runsheet.encode(sample, path)
    assert [p.name for p in tmp_path.iterdir()] == ["plan.yaml"]


@pytest.mark.parametrize(
    ("text", "seconds", "warned"),
    [
        ("02:00:00", 7200, "read as 2 h. A spreadsheet turns a typed 2:00 (meant as 2 min)"),
        ("1:30:00", 5400, "if 1 min 30 s was meant, write 1m30s or 0:01:30"),
        ("0:02:00", 120, None),
        ("2:00", 120, None),
        ("90:00", 5400, None),
        ("1:02:03", 3723, None),
        ("2h", 7200, None),
        ("1h30m", 5400, None),
    ],
)
def test_durations_rule_and_the_ambiguous_ones_warned(
    text: str, seconds: float, warned: str | None
) -> None:
    csv_text = runsheet.dump_csv(parse_yaml(GOOD)).replace(",1:00,", f",{text},", 1)
    notices: list[runsheet.Notice] = []
    sheet = parse_csv(csv_text, "f.csv", notices)
    assert sheet.items[0].duration_s == seconds
    if warned is None:
        assert notices == []
    else:
        (notice,) = notices
        assert (notice.where, notice.field, notice.value) == ("row 10", "items[0].duration", text)
        assert warned in notice.message
        assert str(notice).startswith(f"f.csv:row 10: items[0].duration: {text!r} read as")


def test_files_written_here_read_back_without_warnings(
    tmp_path: Path, sample: runsheet.Runsheet
) -> None:
    """An item of an hour and a half is written 1h30m, not the warned-about 1:30:00."""
    long = replace(sample.items[4], duration_s=5400.0)
    sheet = replace(sample, items=(*sample.items[:4], long, *sample.items[5:]))
    for name in ("plan.csv", "plan.yaml"):
        runsheet_files.save(sheet, tmp_path / name)
        assert "1h30m" in (tmp_path / name).read_text(encoding="utf-8")
        notices: list[runsheet.Notice] = []
        assert runsheet_files.load(tmp_path / name, notices) == sheet
        assert notices == []


def test_an_edited_runsheet_keeps_its_venues_only_in_the_same_order(
    sample: runsheet.Runsheet,
) -> None:
    renamed = replace(sample.venues[0], name="Nama lain")
    assert sample.same_venues(replace(sample, venues=(renamed, *sample.venues[1:])))
    assert not sample.same_venues(replace(sample, venues=sample.venues[::-1]))
    assert not sample.same_venues(replace(sample, venues=sample.venues[:-1]))
