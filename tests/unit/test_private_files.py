from __future__ import annotations

import os
from pathlib import Path

from media.journal_writer import JournalWriter
from media.private_files import make_private_dir, open_private, write_private


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_new_folders_and_files_are_the_owners_alone(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask would make them 0755 / 0644
    try:
        write_private(tmp_path / "a" / "b" / "invite.txt", b"token")
    finally:
        os.umask(old)
    assert mode(tmp_path / "a") == 0o700 and mode(tmp_path / "a" / "b") == 0o700
    assert mode(tmp_path / "a" / "b" / "invite.txt") == 0o600


def test_an_existing_world_readable_file_is_narrowed_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    path.write_bytes(b"first\n")
    path.chmod(0o644)
    with open_private(path) as f:
        f.write(b"second\n")
    assert mode(path) == 0o600
    assert path.read_bytes() == b"first\nsecond\n"


def test_existing_folders_are_left_alone(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    make_private_dir(tmp_path)
    assert mode(tmp_path) == 0o755


def test_the_journal_is_created_private(tmp_path: Path) -> None:
    writer = JournalWriter(tmp_path / "journals" / "c.jsonl", fsync=False)
    writer.close()
    assert mode(tmp_path / "journals") == 0o700
    assert mode(tmp_path / "journals" / "c.jsonl") == 0o600
