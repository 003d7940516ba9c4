"""Run-sheet model, validation, and the YAML/CSV formats (bytes in, bytes out).

No file I/O here: media/runsheet_files.py reads and (atomically, fsynced) writes the files.
"""

from __future__ import annotations

from pathlib import PurePath

from ceremony.runsheet.csv_io import dump_csv, parse_csv
from ceremony.runsheet.errors import Notice, Problem, RunsheetError
from ceremony.runsheet.model import (
    CeremonyInfo,
    EndAction,
    Item,
    ItemKind,
    Runsheet,
    Source,
    SourceKind,
    Speaker,
    Venue,
)
from ceremony.runsheet.yaml_io import dump_yaml, parse_yaml

__all__ = [
    "CeremonyInfo",
    "EndAction",
    "Item",
    "ItemKind",
    "Notice",
    "Problem",
    "Runsheet",
    "RunsheetError",
    "Source",
    "SourceKind",
    "Speaker",
    "Venue",
    "decode",
    "dump_csv",
    "dump_yaml",
    "encode",
    "format_problem",
    "parse_csv",
    "parse_yaml",
    "size_problem",
]

MAX_FILE_BYTES = 2 * 1024 * 1024  # a run-sheet is a few kB; refuse anything absurd up front

YAML_SUFFIXES = (".yaml", ".yml")
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
# Saved by a spreadsheet in its own format, not as text: say how to get a CSV out of it.
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".numbers")
SAVE_AS_CSV = (
    "a run-sheet as CSV or YAML: in the spreadsheet choose File > Save As > "
    "'CSV UTF-8 (comma delimited) (*.csv)' and give that .csv file"
)
FORMATS = "a file ending in .yaml or .yml (YAML) or .csv, .tsv or .txt (CSV)"


def _is_csv(path: PurePath) -> bool:
    return path.suffix.lower() in CSV_SUFFIXES


def format_problem(path: str | PurePath) -> Problem | None:
    """Why a file name cannot be a run-sheet (by its extension), or None when it can."""
    p = PurePath(path)
    suffix = p.suffix.lower()
    if suffix in YAML_SUFFIXES or suffix in CSV_SUFFIXES:
        return None
    if suffix in WORKBOOK_SUFFIXES:
        return Problem(str(p), "", "(file)", suffix, SAVE_AS_CSV)
    return Problem(str(p), "", "(file)", suffix, FORMATS)


def _decode(data: bytes, name: str, csv: bool, notices: list[Notice] | None) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with a BOM (Excel's "Unicode Text"); for CSV also
    Windows-1252 / Latin-1, which is what a spreadsheet on Windows saves as plain "CSV"."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = exc.start
    if csv and b"\x00" not in data:
        # Every byte means something in Latin-1, so this never fails: the notice says what
        # was assumed, and how to make the file say it itself.
        try:
            text, encoding = data.decode("cp1252"), "Windows-1252"
        except UnicodeDecodeError:
            text, encoding = data.decode("latin-1"), "Latin-1"
        if notices is not None:
            notices.append(
                Notice(
                    name,
                    f"byte {bad}",
                    "(file)",
                    "",
                    f"is not UTF-8; it was read as {encoding} (what a spreadsheet on Windows "
                    "saves as plain CSV). Check letters such as é in the names; to silence "
                    "this, save it as 'CSV UTF-8 (comma delimited) (*.csv)'",
                )
            )
        return text
    if b"\x00" in data:
        expected = (
            "UTF-8 text (this file has NUL bytes: a workbook or UTF-16 without a byte-order "
            "mark?): " + SAVE_AS_CSV
        )
    else:
        expected = (
            "UTF-8 text (it looks saved as Windows-1252 or Latin-1): save it again as UTF-8, "
            f"or convert it: iconv -f WINDOWS-1252 -t UTF-8 {name} > utf8-{PurePath(name).name}"
        )
    raise RunsheetError([Problem(name, f"byte {bad}", "(file)", "", expected)])


def size_problem(name: str, size: int) -> Problem | None:
    """A file this big is not a run-sheet (asked before reading it), or None."""
    if size > MAX_FILE_BYTES:
        return Problem(name, "", "(file)", "", f"a run-sheet under {MAX_FILE_BYTES} bytes")
    return None


def decode(data: bytes, name: str, notices: list[Notice] | None = None) -> Runsheet:
    """A run-sheet from a file's bytes; `name` (its path) picks YAML or CSV by extension and
    names the file in problems. Raises RunsheetError on any problem.

    What was read but may not be what was meant (a guessed encoding, an ambiguous duration)
    is added to `notices` when given; the run-sheet is still returned.
    """
    wrong = format_problem(name) or size_problem(name, len(data))
    if wrong is not None:
        raise RunsheetError([wrong])
    csv = _is_csv(PurePath(name))
    text = _decode(data, name, csv, notices)
    return parse_csv(text, name, notices) if csv else parse_yaml(text, name, notices)


def encode(sheet: Runsheet, name: str | PurePath) -> bytes:
    """The file's bytes for `sheet`, in the format its name asks for (YAML or CSV, UTF-8).

    Raises RunsheetError for a name that is not a run-sheet format.
    """
    wrong = format_problem(name)
    if wrong is not None:
        raise RunsheetError([wrong])
    text = dump_csv(sheet) if _is_csv(PurePath(name)) else dump_yaml(sheet)
    return text.encode("utf-8")
