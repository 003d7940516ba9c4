"""A real SIGKILL: every journal record whose `append` had returned is in the file after it."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from media.journal_reader import read_journal

WRITER = """
import sys
from pathlib import Path
from ceremony.journal import RecordKind
from ceremony.timebase import Now
from media.journal_writer import JournalWriter

writer = JournalWriter(Path(sys.argv[1]))
n = 0
while True:
    n += 1
    record = writer.append(RecordKind.NOTE, {"type": "marker", "text": "x" * (n % 300)}, Now(n, n))
    print(record.seq, flush=True)  # only after append returned
"""


def test_every_appended_record_survives_sigkill(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.stdout is not None
    confirmed = 0
    try:
        for line in proc.stdout:
            confirmed = int(line)
            if confirmed >= 3000:
                break
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        proc.stdout.close()
    assert confirmed >= 3000
    read = read_journal(path)
    seqs = [r.seq for r in read.records]
    assert seqs[:confirmed] == list(range(1, confirmed + 1))  # none lost, none out of order
    assert all(r.payload["type"] == "marker" for r in read.records)
    # Killed mid-write at most the one record after the last confirmed may be torn.
    assert not read.problems or (read.truncated_tail and len(read.problems) == 1)
