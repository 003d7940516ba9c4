"""The journal on disk, in a file only its owner can read. The records themselves are
ceremony/journal.py's; reading a journal back is media/journal_reader.py's.

Durability policy (what survives what):
- Every record is written to the file with one unbuffered `write` before `append` returns. From
  then on it is in the kernel's page cache: a killed engine (SIGKILL, a segfault, `os._exit`)
  loses nothing it had appended, because the kernel, not the process, holds the data.
- `fsync` (what survives a power cut or a kernel crash) runs on the writer's own thread, never on
  the network loop: the thread syncs as soon as new records exist, so a power cut loses at most
  the records appended while one fsync was running (typically a few milliseconds' worth; an fsync
  on a busy disk can take tens of milliseconds, which the network loop must not wait for).
  `synced_seq` tells how far the disk is known to hold the journal; `close()` syncs to the end.
- `fsync=False` (tests, benchmarks): the page cache only.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any, BinaryIO

import msgspec

from ceremony.journal import Record, RecordKind
from ceremony.timebase import Now
from media.private_files import open_private

log = logging.getLogger(__name__)


class JournalWriter:
    """Appends records (written before `append` returns); a thread of its own fsyncs them."""

    def __init__(self, path: Path, *, fsync: bool = True, first_seq: int = 1) -> None:
        """`first_seq` > 1 appends to an existing journal (a repair, a resumed run)."""
        self.path = path
        self._seq = first_seq - 1
        self.synced_seq = self._seq  # the disk holds every record up to this one
        # The official record names venues and contacts: the owner's alone (0600, 0700 folder).
        self._file: BinaryIO = open_private(path)
        if self._file.tell() > 0:
            with open(path, "rb") as f:
                f.seek(-1, os.SEEK_END)
                torn = f.read(1) != b"\n"
            if torn:  # a crash cut the last line: new records start on a line of their own
                self._write(b"\n")
        self._wake = threading.Condition()
        self._closing = False
        self._syncer: threading.Thread | None = None
        if fsync:
            self._syncer = threading.Thread(
                target=self._sync_loop, name="journal-fsync", daemon=True
            )
            self._syncer.start()

    def _write(self, data: bytes) -> None:
        # Unbuffered: the whole line reaches the kernel now, whatever happens to this process.
        self._file.write(data)
        self._file.flush()

    def append(self, kind: RecordKind, payload: dict[str, Any], now: Now) -> Record:
        self._seq += 1
        record = Record(self._seq, now.mono, now.wall, kind, payload)
        self._write(msgspec.json.encode(record) + b"\n")
        if self._syncer is not None:
            with self._wake:
                self._wake.notify()
        return record

    def _sync_loop(self) -> None:
        fd = self._file.fileno()
        while True:
            with self._wake:
                while self.synced_seq == self._seq and not self._closing:
                    self._wake.wait()
                target, closing = self._seq, self._closing
            try:
                os.fsync(fd)
            except OSError as exc:  # a full or failing disk: the page cache still has it
                log.error("journal %s: fsync failed: %s", self.path, exc)
                return
            self.synced_seq = target
            if closing and target == self._seq:
                return

    def sync(self) -> None:
        """Until the disk holds every record appended so far (blocking: not on the loop)."""
        if self._syncer is None:
            return
        os.fsync(self._file.fileno())
        self.synced_seq = self._seq

    def close(self) -> None:
        if self._file.closed:
            return
        if self._syncer is not None:
            with self._wake:
                self._closing = True
                self._wake.notify()
            self._syncer.join(timeout=10)
            try:
                if self.synced_seq < self._seq:  # the thread gave up (a failing disk)
                    self.sync()
            except OSError as exc:
                log.error("journal %s: last fsync failed: %s", self.path, exc)
        self._file.close()
