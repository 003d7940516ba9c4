"""The journal on disk: every record flushed and fsync'd before `append` returns, in a file only
its owner can read. The records themselves (and reading a journal back) are ceremony/journal.py's.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, BinaryIO

import msgspec

from ceremony.journal import Record, RecordKind
from ceremony.timebase import Now
from media.private_files import open_private


class JournalWriter:
    """Appends records, each flushed and fsync'd before `append` returns."""

    def __init__(self, path: Path, *, fsync: bool = True, first_seq: int = 1) -> None:
        """`first_seq` > 1 appends to an existing journal (a repair after a crash)."""
        self.path = path
        self._fsync = fsync
        self._seq = first_seq - 1
        # The official record names venues and contacts: the owner's alone (0600, 0700 folder).
        self._file: BinaryIO = open_private(path)
        if self._file.tell() > 0:
            with open(path, "rb") as f:
                f.seek(-1, os.SEEK_END)
                torn = f.read(1) != b"\n"
            if torn:  # a crash cut the last line: new records start on a line of their own
                self._file.write(b"\n")

    def append(self, kind: RecordKind, payload: dict[str, Any], now: Now) -> Record:
        self._seq += 1
        record = Record(self._seq, now.mono, now.wall, kind, payload)
        self._file.write(msgspec.json.encode(record) + b"\n")
        self._file.flush()
        if self._fsync:
            os.fsync(self._file.fileno())
        return record

    def close(self) -> None:
        self._file.close()
