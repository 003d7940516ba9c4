"""Run-sheet files on disk: the I/O around ceremony.runsheet's pure decode and encode.

`save` is atomic (a temporary file, fsynced, then renamed over the old one): a crash or power cut
mid-save leaves the previous run-sheet or the new one, never half of either.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from ceremony.runsheet import (
    Notice,
    Problem,
    Runsheet,
    RunsheetError,
    decode,
    encode,
    format_problem,
    size_problem,
)

log = logging.getLogger(__name__)


def load(path: str | Path, notices: list[Notice] | None = None) -> Runsheet:
    """Read a YAML or CSV run-sheet (by extension). Raises RunsheetError on any problem,
    a missing or unreadable file included; `notices` as in ceremony.runsheet.decode."""
    p = Path(path)
    name = str(p)
    # Refused before opening: a workbook or a huge file is never read at all.
    wrong = format_problem(p)
    if wrong is not None:
        raise RunsheetError([wrong])
    try:
        wrong = size_problem(name, p.stat().st_size)
        if wrong is not None:
            raise RunsheetError([wrong])
        data = p.read_bytes()
    except OSError as exc:
        raise RunsheetError(
            [Problem(name, "", "(file)", "", f"a readable file ({exc.strerror})")]
        ) from None
    return decode(data, name, notices)


def save(sheet: Runsheet, path: str | Path) -> None:
    """Write atomically in the format the name asks for.

    Raises RunsheetError for a file name that is not a run-sheet format (nothing is written).
    """
    p = Path(path)
    data = encode(sheet, p)
    tmp = p.with_name(p.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(p)
    log.info("run-sheet saved to %s", p)
