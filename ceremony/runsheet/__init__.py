"""Run-sheet model, validation, and YAML/CSV files."""

from __future__ import annotations

import os
from pathlib import Path

from ceremony.runsheet.csv_io import dump_csv, parse_csv
from ceremony.runsheet.errors import Problem, RunsheetError
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
    "Problem",
    "Runsheet",
    "RunsheetError",
    "Source",
    "SourceKind",
    "Speaker",
    "Venue",
    "dump_csv",
    "dump_yaml",
    "load",
    "parse_csv",
    "parse_yaml",
    "save",
]

MAX_FILE_BYTES = 2 * 1024 * 1024  # a run-sheet is a few kB; refuse anything absurd up front


def _is_csv(path: Path) -> bool:
    return path.suffix.lower() in {".csv", ".tsv", ".txt"}


def load(path: str | Path) -> Runsheet:
    """Read a YAML or CSV run-sheet (by extension). Raises RunsheetError on any problem."""
    p = Path(path)
    name = str(p)
    try:
        if p.stat().st_size > MAX_FILE_BYTES:
            raise RunsheetError(
                [Problem(name, "", "(file)", "", f"a run-sheet under {MAX_FILE_BYTES} bytes")]
            )
        data = p.read_bytes()
    except OSError as exc:
        raise RunsheetError(
            [Problem(name, "", "(file)", "", f"a readable file ({exc.strerror})")]
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RunsheetError(
            [Problem(name, f"byte {exc.start}", "(file)", "", "UTF-8 text")]
        ) from None
    return parse_csv(text, name) if _is_csv(p) else parse_yaml(text, name)


def save(sheet: Runsheet, path: str | Path) -> None:
    """Write atomically: a crash mid-save never leaves a half-written run-sheet."""
    p = Path(path)
    text = dump_csv(sheet) if _is_csv(p) else dump_yaml(sheet)
    tmp = p.with_name(p.name + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(p)
