"""Reading a journal back from disk: the whole file (reports, resume, runs) or what was
appended since the last look (the console's log panel). Parsing is ceremony/journal.py's."""

from __future__ import annotations

from pathlib import Path

import msgspec

from ceremony.journal import JournalRead, Record, decode_record, parse_journal


def read_journal(path: Path) -> JournalRead:
    """Read what can be read; a torn last line is expected after a crash and only reported."""
    return parse_journal(path.read_bytes(), str(path))


class JournalTail:
    """The records appended to a journal since the last `read()` (the console's log panel).

    Only whole lines are taken: a record being written at that moment waits for the next read.
    """

    MAX_READ = 1 << 20  # a read never takes more than this much (a long journal catches up)

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0
        self._partial = b""

    def read(self) -> list[Record]:
        try:
            with open(self.path, "rb") as f:
                f.seek(self._offset)
                data = f.read(self.MAX_READ)
        except OSError:
            return []
        self._offset += len(data)
        *lines, self._partial = (self._partial + data).split(b"\n")
        out = []
        for line in lines:
            try:
                out.append(decode_record(line))
            except msgspec.DecodeError:
                continue  # read_journal reports these; a log panel just moves on
        return out
